"""The baseline for ``sandbox_throughput.py``: the standard library's XML-RPC server.

    python benchmarks/baseline_server.py        # prints its URL, serves until SIGTERM

``SimpleXMLRPCServer`` with ``ThreadingMixIn`` (a thread per connection) and
``protocol_version = "HTTP/1.1"`` (keep-alive), no request log, on 127.0.0.1 and a free
port. It answers the calls the benchmark makes (``login``, ``vm_info``, ``vm_create``,
``vm_stop``, ``vm_delete``) with trivial functions: no state, no checks, no database;
``vm_info`` returns a canned struct with the members and types of the sandbox's answer
(so clients parse as much XML from either server). It is the cost of Python's own HTTP
and XML-RPC layers, which the sandbox is measured against side by side.
"""

from __future__ import annotations

import signal
import socketserver
import sys
import threading
import time
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

NOW = xmlrpc.client.DateTime(time.gmtime())


class Handler(SimpleXMLRPCRequestHandler):
    protocol_version = "HTTP/1.1"
    rpc_paths = ("/", "/hosting/", "/hosting")


class Server(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True


def vm_info(session: str, vm_id: int) -> dict:
    # the members and types of the sandbox's vm_info answer, so that clients parse the
    # same amount of XML from both servers: the difference is the servers' own work
    return {
        "id": vm_id,
        "hostname": f"vm{vm_id}",
        "state": "running",
        "os_id": 111,
        "shares": 1,
        "cpu": 1,
        "memory": 256,
        "vm_max_memory": 2048,
        "login": "",
        "disks_id": [vm_id * 10],
        "ips": [f"192.0.2.{vm_id % 254 + 1}", f"2001:db8::{vm_id:x}"],
        "date_created": NOW,
        "date_updated": NOW,
    }


def main() -> int:
    server = Server(("127.0.0.1", 0), requestHandler=Handler, logRequests=False)
    server.register_function(lambda login, password, safe=True: "baseline-session", "login")
    server.register_function(vm_info, "vm_info")
    server.register_function(lambda session, *specs: 1, "vm_create")
    server.register_function(lambda session, vm_id: 2, "vm_stop")
    server.register_function(lambda session, vm_id: 3, "vm_delete")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_address[1]}/hosting/", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
