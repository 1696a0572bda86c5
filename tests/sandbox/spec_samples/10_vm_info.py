# The spec's Python sample for vm_info, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
vm_id = 456
try:
    vm_info = proxy.vm_info(session, vm_id)
    print("informations for VM#%s" % (vm_id,))
    pprint.pprint(vm_info)
except xmlrpclib.Fault as e:
    print("could not retrieve informations of VM#%s because: %s" % (vm_id, e.faultString))
