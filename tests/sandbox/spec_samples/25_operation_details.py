# The spec's Python sample for operation_details, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
opid = 1234
try:
    opdetails = proxy.operation_details(session, opid)
    pprint.pprint(opdetails)
except xmlrpclib.Fault as e:
    print("could not retrieve operation #%d details because: %s" % (opid, e.faultString))
