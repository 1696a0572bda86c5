"""Documentation generated from the command tree: the man pages, ``man/REFERENCE.md``, the
completion scripts and the tables the fast ``--help`` reads (``python -m
gandi_hosting_cli.docgen``). Imported only when documentation is generated or checked."""
