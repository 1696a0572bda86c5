# The spec's Python sample for operation_cancel, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
opid = 1234
try:
    proxy.operation_cancel(session, opid)
except xmlrpclib.Fault as e:
    print("could not cancel operation #%d because: %s" % (opid, e.faultString))
