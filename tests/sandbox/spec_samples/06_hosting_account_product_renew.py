# The spec's Python sample for hosting_account_product_renew, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
try:
    opid = proxy.hosting_account_product_renew(session, 1234, '1m')
    print("created operation#%s" % (opid,))
except xmlrpclib.Fault as e:
    print("could not create a hosting_account_product_renew operation: %s" % (e.faultString,))
