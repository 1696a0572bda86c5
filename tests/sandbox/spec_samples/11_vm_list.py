# The spec's Python sample for vm_list, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
try:
    vms = proxy.vm_list(session)
    print("VMs:")
    pprint.pprint(vms)
except xmlrpclib.Fault as e:
    print("could not retrieve the list of VMs because: %s" % (e.faultString,))
