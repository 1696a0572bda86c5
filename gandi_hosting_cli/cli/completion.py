"""``gandi-hosting completion bash|zsh|fish``: print the shell completion script.

The scripts are click's own (``click.shell_completion``): they call ``gandi-hosting``
back with ``_GANDI_HOSTING_COMPLETE`` set, so options, choices and live values (see
``completers.py``) always follow the installed version. The same text is committed
under ``completions/`` by ``python -m gandi_hosting_cli.docgen``.
"""

from __future__ import annotations

import click

from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.cli.options import pass_app
from gandi_hosting_cli.output.result import Result

PROG_NAME = "gandi-hosting"
COMPLETE_VAR = "_GANDI_HOSTING_COMPLETE"
SHELLS = ("bash", "zsh", "fish")
# where each script goes in completions/ and, from the wheel, under share/
SCRIPT_FILES = {
    "bash": "gandi-hosting.bash",
    "zsh": "_gandi-hosting",
    "fish": "gandi-hosting.fish",
}


def completion_script(shell: str) -> str:
    """The completion script for ``shell``, ending with a newline; deterministic."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:
        raise ValueError(f"unsupported shell: {shell}")
    from gandi_hosting_cli.cli import cli

    complete = cls(cli, {}, PROG_NAME, COMPLETE_VAR)
    # the template itself, not .source(): BashComplete.source() runs `bash --version` and
    # may print a warning on stderr; the script must not depend on the machine.
    script = cls.source_template % complete.source_vars()
    return script if script.endswith("\n") else script + "\n"


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@pass_app
def completion(app: AppContext, shell: str) -> None:
    """Print the shell completion script for SHELL.

    SHELL is bash, zsh or fish.
    It completes commands, options, choices, and live values: VM hostnames and ids,
    disk names and ids, OS labels, operation ids. Those come from a small cache that
    list commands refresh (and a quick request bounded to 0.3 s when it is stale).

    \b
    Install it once, then open a new shell:
      bash  mkdir -p ~/.local/share/bash-completion/completions
            gandi-hosting completion bash \\
              > ~/.local/share/bash-completion/completions/gandi-hosting
      zsh   mkdir -p ~/.zfunc
            gandi-hosting completion zsh > ~/.zfunc/_gandi-hosting
            and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)
      fish  gandi-hosting completion fish \\
              > ~/.config/fish/completions/gandi-hosting.fish

    \b
    Or load it in every new shell (costs a fraction of a second at start):
      eval "$(gandi-hosting completion bash)"    # in ~/.bashrc
      eval "$(gandi-hosting completion zsh)"     # in ~/.zshrc
    """
    app.output.emit(Result.verbatim(completion_script(shell)))
