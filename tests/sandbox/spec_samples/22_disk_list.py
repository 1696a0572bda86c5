# The spec's Python sample for disk_list, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
try:
    disks = proxy.disk_list(session)
    print("disks:")
    pprint.pprint(disks)
except xmlrpclib.Fault as e:
    print("could not retrieve the list of disks because: %s" % (e.faultString,))
