<?php
// The spec's PHP samples (phpxmlrpc: xmlrpc_client, xmlrpcmsg, xmlrpcval), all 26, in the
// spec's order, against a sandbox URL:
//     php tests/sandbox/clients/spec_samples.php http://127.0.0.1:PORT/hosting/ [PATH/xmlrpc.inc]
// With phpxmlrpc's xmlrpc.inc given, the samples run on the real library; without it, on
// phpxmlrpc_shim.php beside this file (the same classes and wire typing, over PHP's
// xmlrpc extension), since Debian does not package phpxmlrpc.
// Each sample is copied verbatim inside its own function scope (the login one at file
// level, so that $proxy and $session reach the later ones). Lines changed from the spec
// are marked "// PORT:" with the reason; everything else is the spec's.
$url = $argv[1];
require_once(isset($argv[2]) ? $argv[2] : __DIR__ . "/phpxmlrpc_shim.php");


echo "--- 01_login\n";
// PORT: the spec's login sample lost its first lines (from "<?php" to "$reply = $proxy->");
// rebuilt here as phpxmlrpc's documentation writes them:
$proxy = new xmlrpc_client($url);  // PORT: the sandbox URL instead of https://api.gandi.net/hosting/
$msg = new xmlrpcmsg("login", array(new xmlrpcval("AA1234-GANDI"), new xmlrpcval("mypassword"), new xmlrpcval(true, "boolean")));  // PORT: as above
$reply = $proxy->  // PORT: as above
send($msg);
if ($reply->faultCode()) {
echo "could not login because: " . $reply->faultString() . "\n";
exit(67);
}
$session = $reply->value();
// PORT: the spec has the closing PHP tag here, which ended the script (the samples after it would print as text)

echo "--- 02_account_currency\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("account_currency", array($session));
$reply = $proxy->send($msg);
$val = $reply->value();
$val = $val->scalarval();
print "prepaid account currency: " . $val . "\n";
})();

echo "--- 03_account_balance\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("account_balance", array($session));
$reply = $proxy->send($msg);
$val = $reply->value();
$val = $val->scalarval();
print "prepaid account currency: " . $val . "\n";
})();

echo "--- 04_hosting_account_info\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("hosting_account_info", array($session));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not get information for hosting account: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
print_r($val);
}
})();

echo "--- 05_hosting_account_product_add\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("hosting_account_product_add", array($session, new xmlrpcval("shares"), new xmlrpcval(4), new xmlrpcval("1m")));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a hosting_account_product_add operation because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 06_hosting_account_product_renew\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("hosting_account_product_renew", array($session, new xmlrpcval(1234), new xmlrpcval("1m")));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a hosting_account_product_renew operation because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 07_hosting_account_product_remove\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("hosting_account_product_remove", array($session, new xmlrpcval(1234)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a hosting_account_product_remove operation because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 08_hosting_account_product_update\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("hosting_account_product_update", array($session, new xmlrpcval(1234), new xmlrpcval(5)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a hosting_account_product_update operation because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 09_vm_create\n";
(function () use ($proxy, $session) {
$hostname = new xmlrpcval("vmtest1");
$password = new xmlrpcval("my_password");
$os_id = new xmlrpcval(111);
$shares = new xmlrpcval(4);
$cpu = new xmlrpcval(1);
$specs["login"] = new xmlrpcval("gandi");
$specs = php_xmlrpc_encode($specs);
$msg = new xmlrpcmsg("vm_create", array($session, $hostname, $password, $os_id, $shares, $cpu, $specs));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create VM because: %s\n", $reply->faultString());
}
else {
$val = $reply->value();
$val = $val->scalarval();
printf("creating VM#%d\n", $val);
}
})();

echo "--- 10_vm_info\n";
(function () use ($proxy, $session) {
$vm_id = 456;
$msg = new xmlrpcmsg("vm_info", array($session, new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve informations of VM#%s because: %s\n", $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("informations for VM#%s\n", $vm_id);
print_r($val);
}
})();

echo "--- 11_vm_list\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("vm_list", array($session));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve the list of VMs because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
print_r($val);
}
})();

echo "--- 12_vm_update\n";
(function () use ($proxy, $session) {
$vm_id = 1234;
$specs["shares"] = new xmlrpcval(5);
$specs = php_xmlrpc_encode($specs);
$msg = new xmlrpcmsg("vm_update", array($session, new xmlrpcval($vm_id), $specs));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not update VM#%s because: %s\n", $vm_id, $reply->faultString());
}
else {
$val = $reply->value();
$val = $val->scalarval();
printf("updating VM#%d is operation id#%s\n", $vm_id, $val);
}
})();

echo "--- 13_vm_delete\n";
(function () use ($proxy, $session) {
$vm_id = 9876;
$msg = new xmlrpcmsg("vm_delete", array($session, new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a vm_delete operation for VM#%d because: %s\n", $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 14_vm_start\n";
(function () use ($proxy, $session) {
$vm_id = 9876;
$msg = new xmlrpcmsg("vm_start", array($session, new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a vm_start operation for VM#%d because: %s\n", $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 15_vm_stop\n";
(function () use ($proxy, $session) {
$vm_id = 9876;
$msg = new xmlrpcmsg("vm_stop", array($session, new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a vm_stop operation for VM#%d because: %s\n", $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 16_vm_reboot\n";
(function () use ($proxy, $session) {
$vm_id = 9876;
$msg = new xmlrpcmsg("vm_reboot", array($session, new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a vm_reboot operation for VM#%d because: %s\n", $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 17_disk_create\n";
(function () use ($proxy, $session) {
$specs["size"] = new xmlrpcval("2048");
$specs["name"] = new xmlrpcval("disk2GB");
$specs["fstype"] = new xmlrpcval("ext3");
$specs = php_xmlrpc_encode($specs);
$msg = new xmlrpcmsg("disk_create", array($session, $specs));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create disk because: %s\n", $reply->faultString());
}
else {
$val = $reply->value();
$val = $val->scalarval();
printf("creating disk#%d\n", $val);
}
})();

echo "--- 18_disk_info\n";
(function () use ($proxy, $session) {
$disk_id = 123;
$msg = new xmlrpcmsg("disk_info", array($session, new xmlrpcval($disk_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve informations of disk#%s because: %s\n", $disk_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("informations for disk#%s\n", $disk_id);
print_r($val);
}
})();

echo "--- 19_disk_delete\n";
(function () use ($proxy, $session) {
$disk_id = 1928;
$msg = new xmlrpcmsg("disk_delete", array($session, new xmlrpcval($disk_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a disk_delete operation for disk#%d because: %s\n", $disk_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 20_disk_attach\n";
(function () use ($proxy, $session) {
$disk_id = 1928;
$vm_id = 9876;
$msg = new xmlrpcmsg("disk_attach", array($session, new xmlrpcval($disk_id), new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a disk_attach operation for disk#%d on VM#%s because: %s\n", $disk_id, $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 21_disk_detach\n";
(function () use ($proxy, $session) {
$disk_id = 1928;
$vm_id = 9876;
$msg = new xmlrpcmsg("disk_detach", array($session, new xmlrpcval($disk_id), new xmlrpcval($vm_id)));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not create a disk_detach operation for disk#%d on VM#%s because: %s\n", $disk_id, $vm_id, $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
printf("created operation#%s\n", $val);
}
})();

echo "--- 22_disk_list\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("disk_list", array($session));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve the list of disks because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
print_r($val);
}
})();

echo "--- 23_os_list\n";
(function () use ($proxy, $session) {
$msg = new xmlrpcmsg("os_list", array($session));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve the list of OS images because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
print_r($val);
}
})();

echo "--- 24_operation_list\n";
(function () use ($proxy, $session) {
$filter = new xmlrpcval(array(
"updated_after" => new xmlrpcval("20060101T00:00:00", "dateTime.iso8601"),
"updated_before" => new xmlrpcval("20060201T00:00:00", "dateTime.iso8601"),
"state" => new xmlrpcval("DONE"),
"type" => new xmlrpcval("vm_create"),
), "struct");
$msg = new xmlrpcmsg("operation_list", array($session, $filter));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve operations list because: %s\n", $reply->faultString());
}
else {
$val = php_xmlrpc_decode($reply->value());
print("operations list:\n");
print_r($val);
}
})();

echo "--- 25_operation_details\n";
(function () use ($proxy, $session) {
$opid = 1234;
$msg = new xmlrpcmsg("operation_details", array($session, new xmlrpcval($opid, "int")));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not retrieve operation #%d details because: %s\n", $opid, $reply->faultString());  // PORT: "($opid, ...)" is a PHP syntax error
}
else {
$val = php_xmlrpc_decode($reply->value());
print_r($val);
}
})();

echo "--- 26_operation_cancel\n";
(function () use ($proxy, $session) {
$opid = 1234;
$msg = new xmlrpcmsg("operation_cancel", array($session, new xmlrpcval($opid, "int")));
$reply = $proxy->send($msg);
if ($reply->faultCode()) {
printf("could not cancel operation #%d because: %s\n", $opid, $reply->faultString());
}
})();

echo "--- done\n";
