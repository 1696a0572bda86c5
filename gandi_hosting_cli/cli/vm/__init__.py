"""``vm``: servers. One module per family of commands, gathered in the ``vm`` group here.

- show.py: list, info, disks (reads)
- create.py: create, update, boot-disk (one VM, settings)
- lifecycle.py: start, stop, reboot, delete (several VMs at once)

Each module is imported only when one of its commands runs (or `vm --help`).
"""

from __future__ import annotations

import click

from gandi_hosting_cli.cli import LazyGroup
from gandi_hosting_cli.cli.options import global_options

# command name -> "module:attribute": `vm info` imports show.py only (completion likewise)
VM_COMMANDS = {
    "list": "gandi_hosting_cli.cli.vm.show:vm_list",
    "info": "gandi_hosting_cli.cli.vm.show:vm_info",
    "disks": "gandi_hosting_cli.cli.vm.show:vm_disks",
    "create": "gandi_hosting_cli.cli.vm.create:vm_create",
    "update": "gandi_hosting_cli.cli.vm.create:vm_update",
    "boot-disk": "gandi_hosting_cli.cli.vm.create:vm_boot_disk",
    "start": "gandi_hosting_cli.cli.vm.lifecycle:vm_start",
    "stop": "gandi_hosting_cli.cli.vm.lifecycle:vm_stop",
    "reboot": "gandi_hosting_cli.cli.vm.lifecycle:vm_reboot",
    "delete": "gandi_hosting_cli.cli.vm.lifecycle:vm_delete",
}


@click.group(cls=LazyGroup, lazy_commands=VM_COMMANDS)
@global_options
def vm() -> None:
    """Create, inspect, start, stop and delete servers (VMs).

    A VM is named by its id or its hostname; an ambiguous hostname is refused with
    the list of matching ids.

    \b
    Examples:
      gandi-hosting vm list --details
      gandi-hosting vm create web1 --os "Debian 12" --shares 2 --wait
      gandi-hosting vm stop web1 web2 --wait
    """
