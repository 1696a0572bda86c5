<?php
// The spec's five-step user case with PHP's xmlrpc extension (xmlrpc_encode_request /
// xmlrpc_decode, Debian's php-xmlrpc), then operation_list with dateTime filters and
// operation_details:
//     php tests/sandbox/clients/user_case.php http://127.0.0.1:PORT/hosting/ stream|curl
// "stream": PHP's http:// stream wrapper (HTTP/1.0, Connection: close, one connection a
// call); "curl": one curl handle for every call (HTTP/1.1 keep-alive, and curl's
// "Expect: 100-continue" on the larger bodies). The requests are the extension's own:
// ISO-8859-1 declaration, newlines and indentation between the elements.
// Prints one line per step and "user case OK" last; exits 1 on the first surprise.

$url = $argv[1];
$mode = isset($argv[2]) ? $argv[2] : "stream";
$curl = null;

function fail($what)
{
    fwrite(STDERR, "FAILED: $what\n");
    exit(1);
}

function check($what, $ok)
{
    if (!$ok) {
        fail($what);
    }
}

function call($method, $params)
{
    global $url, $mode, $curl;
    $request = xmlrpc_encode_request($method, $params);
    if ($mode === "curl") {
        if ($curl === null) {
            $curl = curl_init($url);
        }
        curl_setopt_array($curl, array(
            CURLOPT_POST => true,
            CURLOPT_POSTFIELDS => $request,
            CURLOPT_HTTPHEADER => array("Content-Type: text/xml"),
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_TIMEOUT => 20,
        ));
        $body = curl_exec($curl);
        check("curl: " . curl_error($curl), $body !== false);
        check("HTTP 200", curl_getinfo($curl, CURLINFO_RESPONSE_CODE) == 200);
        check("text/xml", strpos(curl_getinfo($curl, CURLINFO_CONTENT_TYPE), "text/xml") === 0);
    } else {
        $context = stream_context_create(array("http" => array(
            "method" => "POST",
            "header" => "Content-Type: text/xml",
            "content" => $request,
            "timeout" => 20,
        )));
        $body = file_get_contents($url, false, $context);
        check("stream: no answer", $body !== false);
        check("HTTP 200", strpos($http_response_header[0], " 200 ") !== false);
    }
    $value = xmlrpc_decode($body, "UTF-8");
    if (is_array($value) && xmlrpc_is_fault($value)) {
        throw new Exception($value["faultString"], $value["faultCode"]);
    }
    return $value;
}

function datetime($timestamp)
{
    $value = gmdate("Ymd\\TH:i:s", $timestamp);
    xmlrpc_set_type($value, "datetime");
    return $value;
}

$session = call("login", array("AA1234-GANDI", "mypassword", true));
check("session is a string", is_string($session));
echo "login OK ($mode)\n";

// step 1: add resources
$opid = call("hosting_account_product_add", array($session, "shares", 4, "1m"));
check("operation id", is_int($opid));
echo "created operation#$opid\n";

// step 2: the shares are available
$info = call("hosting_account_info", array($session));
check("4 shares granted", $info["resources"]["granted"]["shares"] >= 4);
echo "shares available: " . $info["resources"]["available"]["shares"] . "\n";

// step 3: choose an OS and create the server
$debian = null;
foreach (call("os_list", array($session)) as $image) {
    if ($image["label"] === "Debian 12 64 bits") {
        $debian = $image;
    }
}
check("Debian 12 in os_list", $debian !== null);
$suffix = $mode . getmypid();
$vm_id = call("vm_create", array($session, "phpvm$suffix", "my_password", $debian["id"], 4, 1,
    array("login" => "gandi")));
check("vm id", is_int($vm_id));
echo "creating VM#$vm_id\n";

// step 4: a data disk
$name = "phpdisk$suffix";
$disk_id = call("disk_create", array($session, array("size" => 2048, "name" => $name, "fstype" => "ext3")));
check("disk id", is_int($disk_id));
echo "creating disk#$disk_id\n";

// step 5: attach it
$attach = call("disk_attach", array($session, $disk_id, $vm_id));
echo "created operation#$attach\n";
$vm = call("vm_info", array($session, $vm_id));
check("disk attached", in_array($disk_id, $vm["disks_id"]));
check("dates are dateTime", is_object($vm["date_created"]) && $vm["date_created"]->xmlrpc_type === "datetime");

// operation_list with dateTime filters, then details
$now = time();
$ops = call("operation_list", array($session, array(
    "created_after" => datetime($now - 3600), "created_before" => datetime($now + 3600))));
check("operation_list has our operations", in_array($attach, $ops) && in_array($opid, $ops));
$old = call("operation_list", array($session, array("created_before" => datetime(gmmktime(0, 0, 0, 1, 1, 2006)))));
check("nothing before 2006", $old === array());
echo "operations: " . implode(",", $ops) . "\n";
$details = call("operation_details", array($session, $attach));
check("details", $details["type"] === "disk_attach");
echo "operation#$attach: " . $details["type"] . " " . $details["state"] . "\n";

// a fault, then the session still works
try {
    call("vm_info", array($session, 987654));
    fail("a fault");
} catch (Exception $e) {
    check("fault", $e->getCode() > 500000 && strpos($e->getMessage(), "does not exist") !== false);
    echo "fault " . $e->getCode() . ": " . $e->getMessage() . "\n";
}
// a larger body (over 1 KiB: curl sends "Expect: 100-continue" and waits for the 100)
try {
    call("operation_list", array($session, array("type" => "disk_attach", "state" => str_repeat("x", 2000))));
    fail("an unknown state is refused");
} catch (Exception $e) {
    check("unknown state", strpos($e->getMessage(), "unknown operation state") !== false);
}
check("still usable", call("account_currency", array($session)) === "EUR");
echo "user case OK\n";
