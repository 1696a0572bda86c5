"""Declarative hosting: a TOML manifest of VMs and disks, planned against the account and
applied with parallel operations.

- ``manifest.load_manifest(path)`` / ``parse_manifest(text, filename)`` -> ``Manifest``
- ``state.read_account(client)`` -> ``AccountState`` (two batched requests)
- ``planner.make_plan(manifest, state, prune=False)`` -> ``Plan`` (ordered ``Action`` list)
- ``executor.apply_plan(client, plan, passwords=..., on_event=...)`` -> ``ApplyResult``
- ``export.export_manifest(state)`` -> TOML text

Like ``workflows/``: no click, no rich, no printing; the client is passed in, results
are returned and failures raised as typed errors (``ManifestError``: exit 2).
"""

from __future__ import annotations
