# The spec's Python sample for os_list, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
try:
    oslst = proxy.os_list(session)
    print("OS images:")
    pprint.pprint(oslst)
except xmlrpclib.Fault as e:
    print("could not retrieve the list of OS images because: %s" % (e.faultString,))
