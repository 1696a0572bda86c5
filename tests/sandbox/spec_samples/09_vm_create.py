# The spec's Python sample for vm_create, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
hostname = 'vmtest1'
password = 'my_password'
os_id = 111
shares = 4
cpu = 1
specs = {'login': 'gandi'}
try:
    vm_id = proxy.vm_create(session, hostname, password, os_id, shares, cpu, specs)
    print("creating VM#%d" % (vm_id,))
except xmlrpclib.Fault as e:
    print("could not create VM because: %s" % (e.faultString,))
