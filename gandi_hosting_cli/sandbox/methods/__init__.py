"""The API methods, one module per family; importing this package registers them all."""

from gandi_hosting_cli.sandbox.methods import account, disk, operations, system, vm

__all__ = ["account", "disk", "operations", "system", "vm"]
