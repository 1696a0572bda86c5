#!/usr/bin/perl
# The spec's five-step user case with Perl's Frontier::Client (Debian's libfrontier-rpc-perl,
# a second Perl client beside the spec's XMLRPC::Lite), then operation_list with dateTime
# filters and operation_details:
#     perl tests/sandbox/clients/user_case_frontier.pl http://127.0.0.1:PORT/hosting/
# Prints one line per step and "user case OK" last; exits 1 on the first surprise.
use strict;
use warnings;
use Frontier::Client;
use POSIX qw(strftime);

my $url = shift @ARGV or die "usage: user_case_frontier.pl URL\n";
my $client = Frontier::Client->new(url => $url);

sub check {
    my ($what, $ok) = @_;
    return if $ok;
    print STDERR "FAILED: $what\n";
    exit 1;
}

sub call {
    my ($method, @params) = @_;
    my $result = eval { $client->call($method, @params) };
    check("$method: $@", !$@);
    return $result;
}

# Frontier types a digit string as <i4>: the strings that look like numbers go typed
my $session = call("login", $client->string("AA1234-GANDI"), $client->string("mypassword"),
    $client->boolean(1));
check("session", defined $session && length $session > 10);
print "login OK\n";

# step 1: add resources
my $opid = call("hosting_account_product_add", $session, "shares", 4, "1m");
check("operation id", $opid =~ /^\d+$/);
print "created operation#$opid\n";

# step 2: the shares are available
my $info = call("hosting_account_info", $session);
check("4 shares granted", $info->{resources}{granted}{shares} >= 4);
print "shares available: $info->{resources}{available}{shares}\n";

# step 3: choose an OS and create the server
my ($debian) = grep { $_->{label} eq "Debian 12 64 bits" } @{ call("os_list", $session) };
check("Debian 12 in os_list", $debian);
my $vm_id = call("vm_create", $session, "frontiervm$$", $client->string("my_password"),
    $debian->{id}, 4, 1, { login => "gandi" });
check("vm id", $vm_id =~ /^\d+$/);
print "creating VM#$vm_id\n";

# step 4: a data disk
my $disk_id = call("disk_create", $session, { size => 2048, name => "frontierdisk$$", fstype => "ext3" });
check("disk id", $disk_id =~ /^\d+$/);
print "creating disk#$disk_id\n";

# step 5: attach it
my $attach = call("disk_attach", $session, $disk_id, $vm_id);
print "created operation#$attach\n";
my $vm = call("vm_info", $session, $vm_id);
check("disk attached", grep { $_ == $disk_id } @{ $vm->{disks_id} });
check("dates are dateTime", ref $vm->{date_created} && $vm->{date_created}->value =~ /^\d{8}T/);

# operation_list with dateTime filters, then details
my $now = time;
my $ops = call("operation_list", $session, {
    created_after => $client->date_time(strftime("%Y%m%dT%H:%M:%S", gmtime($now - 3600))),
    created_before => $client->date_time(strftime("%Y%m%dT%H:%M:%S", gmtime($now + 3600))),
});
check("operation_list has our operations", (grep { $_ == $attach } @$ops) && (grep { $_ == $opid } @$ops));
my $old = call("operation_list", $session, { created_before => $client->date_time("20060101T00:00:00") });
check("nothing before 2006", @$old == 0);
print "operations: @$ops\n";
my $details = call("operation_details", $session, $attach);
check("details", $details->{type} eq "disk_attach");
print "operation#$attach: $details->{type} $details->{state}\n";

# a fault: Frontier dies with the fault's string
my $ok = eval { $client->call("vm_info", $session, 987654); 1 };
check("a fault", !$ok && $@ =~ /does not exist/);
print "fault: VM does not exist\n";
check("still usable", call("account_currency", $session) eq "EUR");
print "user case OK\n";
