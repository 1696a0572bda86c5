"""Run the spec's ported Python samples, in the spec's order, against a sandbox URL.

    python tests/sandbox/spec_samples/_run.py http://127.0.0.1:PORT/hosting/

The samples share one namespace, as a reader running them one after the other would
(the later ones use the ``proxy`` and ``session`` that the login sample creates). The
runner changes nothing in them but two things, at run time:
- the endpoint: the login sample's ``https://api.gandi.net/hosting/`` becomes the URL given;
- the operation_list sample uses the name ``vm_create`` where it means the string it just
  put in ``type`` (a typo in the spec: as written it raises NameError); the namespace
  defines ``vm_create = "vm_create"``.
Any exception escaping a sample fails the run (exit 1) with the sample's name.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

SPEC_ENDPOINT = "https://api.gandi.net/hosting/"


def main(url: str) -> int:
    namespace: dict[str, object] = {"__name__": "__spec_sample__", "vm_create": "vm_create"}
    for path in sorted(Path(__file__).parent.glob("[0-9][0-9]_*.py")):
        source = path.read_text().replace(SPEC_ENDPOINT, url)
        print(f"--- {path.stem}", flush=True)
        try:
            exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 (our own files)
        except SystemExit as exc:
            print(f"sample {path.stem} exited with {exc.code}", file=sys.stderr)
            return 1
        except Exception:
            traceback.print_exc()
            print(f"sample {path.stem} raised", file=sys.stderr)
            return 1
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
