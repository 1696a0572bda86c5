"""The console script and ``python -m gandi_hosting_cli``.

``gandi-hosting --version`` alone is answered here, before click or the CLI is imported:
it costs about one bare interpreter start-up. So are ``--help`` (of any command) and
shell completion requests, from the tables docgen generates (``fast/``), when they can
be answered for sure. Everything else goes to the click CLI.
"""

import os
import sys

from gandi_hosting_cli import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # click's version_option prints the same line
        try:
            sys.stdout.write(f"gandi-hosting, version {__version__}\n")
            sys.stdout.flush()
        except BrokenPipeError:  # `| head -0`: as the CLI does, say nothing more
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        return
    if "_GANDI_HOSTING_COMPLETE" in os.environ or sys.argv[-1:] in (["--help"], ["-h"]):
        from gandi_hosting_cli.fast import answer

        if answer(sys.argv[1:], os.environ):
            return
    if "gandi_hosting_cli.cli" not in sys.modules:  # a process of its own: load it once
        _load_cli()
    from gandi_hosting_cli.cli import main as cli_main

    try:
        cli_main()
    except SystemExit as done:
        _leave_without_waiting(done)
        raise


def _leave_without_waiting(done: SystemExit) -> None:
    """Ctrl-C can cut a command short while a request is in flight in a worker thread:
    Python would then keep the process until that request is answered or times out, and
    a second Ctrl-C during that wait ends in its traceback. The command has said what
    goes on, and the server holds what was done, so the process ends now (stdout and
    stderr flushed). Only here, where the process is ours: a program that embeds the CLI
    keeps its threads."""
    import threading

    main = threading.main_thread()
    if not any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return
    code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _load_cli() -> None:
    """Import click and the CLI's root with the cyclic collector paused, then freeze what
    exists (``gc.freeze``: the collector's permanent generation).

    The CLI's code, once loaded, lives as long as the process: collecting while it loads
    finds nothing, and at exit the collector scanned it again only to free it piece by
    piece, ~10 ms of a warm ``vm info ID --json`` (benchmarks/README.md, issue 22); frozen,
    the OS takes it back with the process. Only what exists before any command object
    does is frozen: what a command makes (its client, the embedded sandbox's database) is
    collected and finalized as before. This is the console script's own process: a
    program that embeds the CLI calls ``gandi_hosting_cli.cli.main``, which freezes
    nothing of its host's heap."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        import gandi_hosting_cli.cli  # noqa: F401
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


if __name__ == "__main__":
    main()
