# The spec's Python sample for account_balance, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
print("prepaid account balance: %d" % proxy.account_balance(session))
