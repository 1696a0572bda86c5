"""Declarative hosting: a TOML manifest of VMs and disks, planned against the account and
applied with parallel operations (issue 13).

Stdlib plus the api layer only: nothing here imports click or rich, nothing prints.
Results are returned, failures raised as typed errors (``ManifestError``: exit 2).

- ``manifest.load_manifest(path)`` / ``parse_manifest(text, filename)`` -> ``Manifest``
- ``state.read_account(client)`` -> ``AccountState`` (two batched requests)
- ``planner.make_plan(manifest, state, prune=False)`` -> ``Plan`` (ordered ``Action`` list)
- ``executor.apply_plan(client, plan, passwords=..., on_event=...)`` -> ``ApplyResult``
- ``export.export_manifest(state)`` -> TOML text
- ``dry_run.DryRunClient(client)``: reads pass through, writes are recorded, not sent
"""

from __future__ import annotations
