# The spec's Python sample for account_currency, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
print("prepaid account currency: %s" % proxy.account_currency(session))
