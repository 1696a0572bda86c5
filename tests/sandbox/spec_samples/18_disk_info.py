# The spec's Python sample for disk_info, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
disk_id = 123
try:
    disk_info = proxy.disk_info(session, disk_id)
    print("informations for disk#%s" % (disk_id,))
    pprint.pprint(disk_info)
except xmlrpclib.Fault as e:
    print("could not retrieve informations for disk#%s because: %s" % (disk_id, e.faultString))
