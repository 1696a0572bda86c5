"""The workflows between the commands and the API: what a command does, without saying it.

- ``batch``: batched reads (``system.multicall`` in chunks, its fallback in the client);
- ``names``: names to ids (VMs, disks, OS images) in one batched round trip at most;
- ``reads``: the reads behind list/info commands (details of many objects at once);
- ``operations``: queueing one operation per object, finding a create's operation
  (also when its answer was lost), reading or waiting for the operations' states;
- ``states``: what a state change would do before it is sent (unchanged, busy, queue);
- ``purchases``: what a purchase buys and the balance, read before asking;
- ``waiting``: polling operations with backoff until they end.

Nothing here imports click or rich or prints: functions return results and raise the
typed errors of ``errors.py`` (usage errors included, e.g. ``names.AmbiguousName``);
``cli/`` renders them and ``cli.main`` maps errors to exit codes.
"""
