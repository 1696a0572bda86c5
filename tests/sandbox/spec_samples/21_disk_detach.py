# The spec's Python sample for disk_detach, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
disk_id = 1928
vm_id = 9876
try:
    opid = proxy.disk_detach(session, disk_id, vm_id)
    print("created operation#%s" % (opid,))
except xmlrpclib.Fault as e:
    print("could not create a disk_detach operation for disk#%s on VM#%s because: %s" % (disk_id, vm_id, e.faultString,))
