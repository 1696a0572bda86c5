# The spec's Python sample for disk_delete, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
disk_id = 1928
try:
    opid = proxy.disk_delete(session, disk_id)
    print("created operation#%s" % (opid,))
except xmlrpclib.Fault as e:
    print("could not create a disk_delete operation for disk#%s because: %s" % (disk_id, e.faultString,))
