# The spec's five-step user case with Ruby's xmlrpc library (XMLRPC::Client), then
# operation_list with dateTime filters and operation_details:
#     ruby tests/sandbox/clients/user_case.rb http://127.0.0.1:PORT/hosting/
# Prints one line per step and "user case OK" last; exits 1 on the first surprise.
require "xmlrpc/client"
require "time"

url = ARGV.fetch(0)
def check(what, ok)
  return if ok
  warn "FAILED: #{what}"
  exit 1
end

uri = URI.parse(url)
# new3 keeps one HTTP/1.1 keep-alive connection for every call (Net::HTTP#start)
proxy = XMLRPC::Client.new3(host: uri.host, port: uri.port, path: uri.path, timeout: 20)
session = proxy.call("login", "AA1234-GANDI", "mypassword", true)
check("session is a string", session.is_a?(String))
puts "login OK"

# step 1: add resources
opid = proxy.call("hosting_account_product_add", session, "shares", 4, "1m")
check("operation id", opid.is_a?(Integer))
puts "created operation##{opid}"

# step 2: the shares are available
info = proxy.call("hosting_account_info", session)
check("4 shares granted", info["resources"]["granted"]["shares"] >= 4)
puts "shares available: #{info['resources']['available']['shares']}"

# step 3: choose an OS and create the server
images = proxy.call("os_list", session)
debian = images.find { |image| image["label"] == "Debian 12 64 bits" }
check("Debian 12 in os_list", debian)
vm_id = proxy.call("vm_create", session, "rubyvm#{$$}", "my_password", debian["id"], 4, 1,
                   { "login" => "gandi" })
check("vm id", vm_id.is_a?(Integer))
puts "creating VM##{vm_id}"

# step 4: a data disk
disk_id = proxy.call("disk_create", session, { "size" => 2048, "name" => "rubydisk#{$$}", "fstype" => "ext3" })
check("disk id", disk_id.is_a?(Integer))
puts "creating disk##{disk_id}"

# step 5: attach it
attach = proxy.call("disk_attach", session, disk_id, vm_id)
puts "created operation##{attach}"
vm = proxy.call("vm_info", session, vm_id)
check("disk attached", vm["disks_id"].include?(disk_id))
check("dates are dateTime", vm["date_created"].is_a?(XMLRPC::DateTime))

# operation_list with dateTime filters (Ruby's own dateTime values), then details
now = Time.now.utc
after = XMLRPC::DateTime.new(*(now - 3600).to_a[0, 6].reverse)
before = XMLRPC::DateTime.new(*(now + 3600).to_a[0, 6].reverse)
ops = proxy.call("operation_list", session, { "created_after" => after, "created_before" => before })
check("operation_list has the attach", ops.include?(attach) && ops.include?(opid))
old = proxy.call("operation_list", session, { "created_before" => XMLRPC::DateTime.new(2006, 1, 1, 0, 0, 0) })
check("nothing before 2006", old == [])
done = proxy.call("operation_list", session, { "state" => "DONE", "type" => "disk_attach",
                                                "updated_after" => now.to_time - 3600 })
check("DONE disk_attach listed (a Ruby Time as filter)", done.include?(attach))
puts "operations: #{ops.inspect}"
details = proxy.call("operation_details", session, attach)
check("details", details["type"] == "disk_attach" && details["date_create"].is_a?(XMLRPC::DateTime))
puts "operation##{attach}: #{details['type']} #{details['state']}"

# a fault comes back as XMLRPC::FaultException, the session still works after it
ok, fault = proxy.call2("vm_info", session, 987_654)
check("fault", !ok && fault.faultCode.is_a?(Integer) && fault.faultCode > 500000 && fault.faultString.include?("does not exist"))
puts "fault #{fault.faultCode}: #{fault.faultString}"
check("still usable", proxy.call("account_currency", session) == "EUR")

# system.multicall (Ruby's multicall helper), introspection, and call_async (a new
# connection for each call)
currency, balance = proxy.multicall(["account_currency", session], ["account_balance", session])
check("multicall", currency == "EUR" && balance.is_a?(Float))
check("listMethods", proxy.call("system.listMethods").include?("vm_create"))
check("call_async", proxy.call_async("vm_list", session).include?(vm_id))
puts "multicall, introspection, call_async OK"
puts "user case OK"
