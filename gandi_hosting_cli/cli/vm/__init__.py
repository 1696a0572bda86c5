"""``vm``: servers. One module per family of commands, gathered in the ``vm`` group here.

- show.py: list, info, disks (reads)
- create.py: create, update, boot-disk (one VM, settings)
- lifecycle.py: start, stop, reboot, delete (several VMs at once)
"""

from __future__ import annotations

import click

from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.cli.vm.create import vm_boot_disk, vm_create, vm_update
from gandi_hosting_cli.cli.vm.lifecycle import vm_delete, vm_reboot, vm_start, vm_stop
from gandi_hosting_cli.cli.vm.show import vm_disks, vm_info, vm_list


@click.group()
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


for command in (
    vm_list,
    vm_info,
    vm_create,
    vm_update,
    vm_delete,
    vm_start,
    vm_stop,
    vm_reboot,
    vm_disks,
    vm_boot_disk,
):
    vm.add_command(command)
