#!/usr/bin/perl
# What Perl's clients send untyped, as a user's own script would, and what the sandbox
# answers: the default mode takes each of them, `sandbox serve --strict` refuses each with
# the type fault of its argument (so users can check their client):
#     perl tests/sandbox/clients/tolerated_shapes.pl http://127.0.0.1:PORT/hosting/ lite|frontier
# "lite" is XMLRPC::Lite (the spec's Perl client), "frontier" is Frontier::Client. Prints
# one line per case, "CASE: ok" or "CASE: fault CODE FAULTSTRING", then "done"; exits 1
# only when the setup (a typed login, typed shares) fails.
use strict;
use warnings;

my ($url, $library) = @ARGV;
die "usage: tolerated_shapes.pl URL lite|frontier\n" unless $url && $library;

my ($call, $boolean, $string);
if ($library eq "lite") {
    require XMLRPC::Lite;
    my $proxy = XMLRPC::Lite->proxy($url, timeout => 20);
    $call = sub {
        my $reply = $proxy->call(@_);
        return $reply->fault ? ($reply->faultcode, $reply->faultstring) : (0, $reply->result);
    };
    $boolean = sub { XMLRPC::Data->type(boolean => $_[0]) };
    $string = sub { XMLRPC::Data->type(string => $_[0]) };
}
elsif ($library eq "frontier") {
    require Frontier::Client;
    my $client = Frontier::Client->new(url => $url);
    $call = sub {
        my $result = eval { $client->call(@_) };
        return (0, $result) unless $@;
        return ($1, $2) if $@ =~ /fault code (\d+): (.*)$/m;
        die $@;
    };
    $boolean = sub { $client->boolean($_[0]) };
    $string = sub { $client->string($_[0]) };
}
else {
    die "unknown library: $library\n";
}

sub show {
    my ($case, $code, $answer) = @_;
    print $code ? "$case: fault $code $answer\n" : "$case: ok\n";
}

# setup, typed exactly: a session and shares for the VMs below
my ($code, $session) = $call->("login", $string->("AA1234-GANDI"), $string->("mypassword"),
    $boolean->(1));
die "login failed: $session\n" if $code;
($code, my $opid) = $call->("hosting_account_product_add", $session, $string->("shares"), 4,
    $string->("1m"));  # 4 is an int in both libraries
die "shares not added: $opid\n" if $code;

# a plain 1 where a boolean is expected: sent as an int
show("1 for a boolean", $call->("login", $string->("AA1234-GANDI"), $string->("mypassword"), 1));

# an all-digit password: sent as an int
show("all-digit password", $call->("vm_create", $session, "digits$$", "12345678", 111, 1, 1,
    { login => "gandi" }));

if ($library eq "lite") {
    # a password with a byte outside printable ASCII: XMLRPC::Lite sends it as <base64>
    show("non-ASCII password", $call->("vm_create", $session, "accent$$", "p\xc3\xa4ssword1", 111,
        1, 1, { login => "gandi" }));
}
print "done\n";
