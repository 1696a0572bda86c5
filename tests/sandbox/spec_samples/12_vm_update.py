# The spec's Python sample for vm_update, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
vm_id = 1234
shares = 5
try:
    opid = proxy.vm_update(session, vm_id, {'shares': shares})
    print("updating VM#%d is operation id#%s" % (vm_id, opid))
except xmlrpclib.Fault as e:
    print("could not update VM#%s because: %s" % (opid, e.faultString,))
