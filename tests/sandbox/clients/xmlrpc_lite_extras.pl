#!/usr/bin/perl
# XMLRPC::Lite beyond the spec's samples: a keep-alive connection (LWP's connection cache),
# a string with non-ASCII bytes (which XMLRPC::Lite sends as <base64>), a struct of typed
# values, dates both typed and auto-typed, and faults:
#     perl tests/sandbox/clients/xmlrpc_lite_extras.pl http://127.0.0.1:PORT/hosting/
# Prints one line per check and "extras OK" last; exits 1 on the first surprise.
use strict;
use warnings;
use XMLRPC::Lite;
use POSIX qw(strftime);

my $url = shift @ARGV or die "usage: xmlrpc_lite_extras.pl URL\n";
my $proxy = XMLRPC::Lite->proxy($url, keep_alive => 1, timeout => 20);

sub check {
    my ($what, $ok) = @_;
    return if $ok;
    print STDERR "FAILED: $what\n";
    exit 1;
}

my $session = $proxy->call("login", "AA1234-GANDI", "mypassword",
    XMLRPC::Data->type(boolean => 0))->result;
check("login", defined $session);
print "login OK (keep-alive)\n";

# UTF-8 bytes: XMLRPC::Lite sends them as <base64>, the sandbox reads them as the string
my $reply = $proxy->call("hosting_account_product_add", $session, "shar\xc3\xa9", 1, "1m");
check("a fault naming the product", $reply->fault && $reply->faultstring =~ /unknown product/);
check("the name came back whole", $reply->faultstring =~ /shar\xc3\xa9|shar\x{e9}/);
print "non-ASCII string sent as base64: understood\n";

my $opid = $proxy->call("hosting_account_product_add", $session, "shares", 2, "1m")->result;
check("product added", defined $opid && $opid =~ /^\d+$/);
my $disk_id = $proxy->call("disk_create", $session, {
    name => XMLRPC::Data->type(string => "perldisk$$"),
    size => XMLRPC::Data->type(int => 1024),
    fstype => "ext3",
})->result;
check("disk created", defined $disk_id && $disk_id =~ /^\d+$/);
print "creating disk#$disk_id\n";

# dates: a typed dateTime, and a plain string that XMLRPC::Lite types as dateTime itself
my $after = strftime("%Y%m%dT%H:%M:%S", gmtime(time - 3600));
my $ops = $proxy->call("operation_list", $session, {
    created_after => XMLRPC::Data->type(dateTime => $after),
    created_before => strftime("%Y%m%dT%H:%M:%S", gmtime(time + 3600)),
})->result;
check("operation_list", ref $ops eq "ARRAY" && grep { $_ == $opid } @$ops);
my $details = $proxy->call("operation_details", $session, $opid)->result;
check("operation_details", $details->{type} eq "hosting_account_product_add");
check("dates decoded", $details->{date_create} =~ /^\d{8}T\d\d:\d\d:\d\d$/);
print "operation_list and operation_details OK\n";

$reply = $proxy->call("vm_info", $session, 987654);
check("fault", $reply->fault && $reply->faultcode == 530240);
print "fault " . $reply->faultcode . ": " . $reply->faultstring . "\n";
check("still usable", $proxy->call("account_currency", $session)->result eq "EUR");
print "extras OK\n";
