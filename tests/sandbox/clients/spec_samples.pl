#!/usr/bin/perl
# The spec's Perl samples (XMLRPC::Lite), all 26, in the spec's order, against a sandbox URL:
#     perl tests/sandbox/clients/spec_samples.pl http://127.0.0.1:PORT/hosting/
# Each sample is copied verbatim inside its own block (the login one at file level, so that
# $proxy and $session reach the later ones, as for a reader running them in turn). Lines
# changed from the spec are marked "# PORT:" with the reason; everything else is the spec's.
use XMLRPC::Lite;
use Data::Dumper;
$Data::Dumper::Sortkeys = 1;
my $url = shift @ARGV or die "usage: spec_samples.pl URL\n";


print "--- 01_login\n";
my $safe_mode = XMLRPC::Data->type('boolean')->value(1);
my $proxy = XMLRPC::Lite->proxy($url);  # PORT: the sandbox URL instead of the live service
my $reply = $proxy->call("login", "AA1234-GANDI", "mypassword", $safe_mode);
my $session = $reply->result();
die "could not login because: " . $reply->faultstring . "\n" unless defined $session;

print "--- 02_account_currency\n";
{
my $reply = $proxy->call("account_currency", $session);
my $currency = $reply->result();
print "prepaid account currency: " . $currency . "\n";
}

print "--- 03_account_balance\n";
{
my $reply = $proxy->call("account_balance", $session);
my $balance = $reply->result();
print "prepaid account balance: " . $balance . "\n";
}

print "--- 04_hosting_account_info\n";
{
my $reply = $proxy->call("hosting_account_info", $session);
my $info = $reply->result();
unless (defined $info) {  # PORT: the spec tests $opid, a variable this sample never sets
printf "could not get information for hosting account: %s\n", $reply->faultstring;
}
else {
print Dumper($info);
}
}

print "--- 05_hosting_account_product_add\n";
{
my $reply = $proxy->call("hosting_account_product_add", $session, "shares", 4, "1m");
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a hosting_account_product_add operation because: %s\n", $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 06_hosting_account_product_renew\n";
{
my $reply = $proxy->call("hosting_account_product_renew", $session, 1234, "1m");
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a hosting_account_product_renew operation because: %s\n", $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 07_hosting_account_product_remove\n";
{
my $reply = $proxy->call("hosting_account_product_remove", $session, 1234);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a hosting_account_product_remove operation because: %s\n", $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 08_hosting_account_product_update\n";
{
my $reply = $proxy->call("hosting_account_product_update", $session, 1234, 5);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a hosting_account_product_update operation because: %s\n", $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 09_vm_create\n";
{
my $hostname = "vmtest1";
my $password = "my_password";
my $os_id = 111;
my $shares = 4;
my $cpu = 1;
my $specs = {};
$specs->{"login"} = "gandi";  # PORT: $specs is a hash ref: $specs["login"] sets @specs, so an empty struct was sent
my $reply = $proxy->call("vm_create", $session, $hostname, $password, $os_id, $shares, $cpu, $specs);
my $vm_id = $reply->result();
unless (defined $vm_id) {  # PORT: the spec tests $opid, a variable this sample never sets
printf "could not create VM because: %s\n", $reply->faultstring;
}
else {
printf "creating VM#%d\n", $vm_id;
}
}

print "--- 10_vm_info\n";
{
my $vm_id = 456;
my $reply = $proxy->call("vm_info", $session, $vm_id);
my $info = $reply->result();
unless (defined $info) {
printf "could not retrieve informations of VM#%s because: %s\n", $vm_id, $reply->faultstring;
}
else {
printf "informations for VM#%s\n", $vm_id;
print Dumper($info);
}
}

print "--- 11_vm_list\n";
{
my $reply = $proxy->call("vm_list", $session);
my $vms = $reply->result();
unless (defined $vms) {
print "could not retrieve the list of VMs because: " . $reply->faultstring . "\n";
}
else {
print Dumper($vms);
}
}

print "--- 12_vm_update\n";
{
my $vm_id = 1234;
my $specs = {};
$specs->{"shares"} = 5;  # PORT: hash ref, as above
my $reply = $proxy->call("vm_update", $session, $vm_id, $specs);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not update VM#%s because: %s\n", $vm_id, $reply->faultstring;
}
else {
printf "updating VM#%d is operation id#%s\n", $vm_id, $opid;
}
}

print "--- 13_vm_delete\n";
{
my $vm_id = 9876;
my $reply = $proxy->call("vm_delete", $session, $vm_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a vm_delete for VM#%s operation because: %s\n", $vm_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 14_vm_start\n";
{
my $vm_id = 9876;
my $reply = $proxy->call("vm_start", $session, $vm_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a vm_start for VM#%s operation because: %s\n", $vm_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 15_vm_stop\n";
{
my $vm_id = 9876;
my $reply = $proxy->call("vm_stop", $session, $vm_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a vm_stop for VM#%s operation because: %s\n", $vm_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 16_vm_reboot\n";
{
my $vm_id = 9876;
my $reply = $proxy->call("vm_reboot", $session, $vm_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a vm_reboot for VM#%s operation because: %s\n", $vm_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 17_disk_create\n";
{
my $specs = {};
$specs->{"size"} = 2048;  # PORT: hash ref, as above
$specs->{"name"} = "disk2GB";  # PORT: hash ref, as above
$specs->{"fstype"} = "ext3";  # PORT: hash ref, as above
my $reply = $proxy->call("disk_create", $session, $specs);
my $disk_id = $reply->result();
unless (defined $disk_id) {  # PORT: the spec tests $opid, a variable this sample never sets
printf "could not create disk because: %s\n", $reply->faultstring;
}
else {
printf "creating disk#%d\n", $disk_id;
}
}

print "--- 18_disk_info\n";
{
my $disk_id = 123;
my $reply = $proxy->call("disk_info", $session, $disk_id);
my $info = $reply->result();
unless (defined $info) {
printf "could not retrieve informations of disk#%s because: %s\n", $disk_id, $reply->faultstring;
}
else {
printf "informations for disk#%s\n", $disk_id;
print Dumper($info);
}
}

print "--- 19_disk_delete\n";
{
my $disk_id = 1928;
my $reply = $proxy->call("disk_delete", $session, $disk_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a disk_delete for disk#%s operation because: %s\n", $disk_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 20_disk_attach\n";
{
my $disk_id = 1928;
my $vm_id = 9876;
my $reply = $proxy->call("disk_attach", $session, $disk_id, $vm_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a disk_attach for disk#%s on VM#%s operation because: %s\n", $disk_id, $vm_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 21_disk_detach\n";
{
my $disk_id = 1928;
my $vm_id = 9876;
my $reply = $proxy->call("disk_detach", $session, $disk_id, $vm_id);
my $opid = $reply->result();
unless (defined $opid) {
printf "could not create a disk_detach operation for disk#%s on VM#%s operation because: %s\n", $disk_id, $vm_id, $reply->faultstring;
}
else {
printf "created operation#%s\n", $opid;
}
}

print "--- 22_disk_list\n";
{
my $reply = $proxy->call("disk_list", $session);
my $disks = $reply->result();
unless (defined $disks) {
print "could not retrieve the list of disks because: " . $reply->faultstring . "\n";
}
else {
print Dumper($disks);
}
}

print "--- 23_os_list\n";
{
my $reply = $proxy->call("os_list", $session);
my $oslst = $reply->result();
unless (defined $oslst) {
print "could not retrieve the list of OS images because: " . $reply->faultstring . "\n";
}
else {
print Dumper($oslst);
}
}

print "--- 24_operation_list\n";
{
my $filter = {};  # PORT: missing semicolon (syntax error)
$filter->{"updated_after"} = XMLRPC::Data->type("dateTime")->value("20060101T00:00:00");  # PORT: hash ref; XMLRPC::Lite dies on the type name "datetime" (it knows "dateTime")
$filter->{"updated_before"} = XMLRPC::Data->type("dateTime")->value("20060201T00:00:00");  # PORT: hash ref; XMLRPC::Lite dies on the type name "datetime" (it knows "dateTime")
$filter->{"state"} = "DONE";  # PORT: hash ref, as above
$filter->{"type"} = "vm_create";  # PORT: hash ref, as above
my $reply = $proxy->call("operation_list", $session, $filter);
my $oplist = $reply->result();
unless (defined $oplist) {
printf "could not retrieve operations list because: %s\n", $reply->faultstring;
}
else {
print "operations list:\n";
print Dumper($oplist);
}
}

print "--- 25_operation_details\n";
{
my $opid = 1234;
my $reply = $proxy->call("operation_details", $session, $opid);
my $opdetails = $reply->result();
unless (defined $opdetails) {
printf "could not retrieve operation #%d details because: %s\n", $opid, $reply->faultstring;
}
else {
print Dumper($opdetails);
}
}

print "--- 26_operation_cancel\n";
{
my $opid = 1234;
my $reply = $proxy->call("operation_cancel", $session, $opid);
my $result = $reply->result();
unless (defined $result) {
printf "could not cancel operation #%d because: %s\n", $opid, $reply->faultstring;
}
}

print "--- done\n";
exit 0;
