# The spec's Python sample for operation_list, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
try:
    updated_after = xmlrpclib.DateTime("2006-01-01")
    updated_before = xmlrpclib.DateTime("2006-02-01")
    state = "DONE"
    type = "vm_create"
    filter = { "updated_after": updated_after, "updated_before": updated_before, "state": state, "type": vm_create }
    oplist = proxy.operation_list(session, filter)
    print("operations list:")
    pprint.pprint(oplist)
except xmlrpclib.Fault as e:
    print("could not retrieve operations list because: %s" % e.faultString)
