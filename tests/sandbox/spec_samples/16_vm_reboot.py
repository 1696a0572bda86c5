# The spec's Python sample for vm_reboot, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
vm_id = 9876
try:
    opid = proxy.vm_reboot(session, vm_id)
    print("created operation#%s" % (opid,))
except xmlrpclib.Fault as e:
    print("could not create a vm_reboot operation for VM#%s because: %s" % (vm_id, e.faultString,))
