# The spec's Python sample for login, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
import sys
import xmlrpc.client as xmlrpclib
proxy = xmlrpclib.ServerProxy("https://api.gandi.net/hosting/")
try:
    session = proxy.login("AA1234-GANDI", "mypassword", True)
except xmlrpclib.Fault as e:
    print("could not login because: " + e.faultString)
    sys.exit(67)
