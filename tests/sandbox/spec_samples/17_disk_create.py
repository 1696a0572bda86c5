# The spec's Python sample for disk_create, ported to Python 3 syntax (print(), "except ... as",
# xmlrpclib -> xmlrpc.client as xmlrpclib); nothing else changed.
# ruff: noqa
# fmt: off
size = 2048
name = 'disk2GB'
fstype = 'ext3'
try:
    disk_id = proxy.disk_create(session, {'size': size, 'name': name, 'fstype': fstype})
    print("creating disk#%d" % (disk_id,))
except xmlrpclib.Fault as e:
    print("could not create disk because: %s" % (e.faultString,))
