# The spec's Python sample for hosting_account_info, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import pprint
try:
    info = proxy.hosting_account_info(session)
    pprint.pprint(info)
except xmlrpclib.Fault as e:
    print("could not get information for hosting account: %s" % (e.faultString,))
