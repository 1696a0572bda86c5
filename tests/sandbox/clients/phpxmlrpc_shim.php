<?php
// A stand-in for phpxmlrpc's classic API (xmlrpc_client, xmlrpcmsg, xmlrpcval, xmlrpcresp,
// php_xmlrpc_encode, php_xmlrpc_decode), for running the spec's PHP samples where the
// library itself is not installed (Debian does not package it). It keeps what matters on
// the wire: phpxmlrpc's typing (new xmlrpcval(4) is a <string>, as the library sends it),
// its XML layout (no encoding declared, one element a line) and its HTTP: HTTP/1.0 over a
// plain socket, "Accept-Encoding: gzip, deflate", "Accept-Charset", read until the server
// closes. Responses are decoded with PHP's xmlrpc extension (xmlrpc_decode).
// spec_samples.php loads the real library instead when given its xmlrpc.inc.

class xmlrpcval
{
    public $me;
    public $mytype;

    public function __construct($val = -1, $type = "")
    {
        $this->me = $val;
        $this->mytype = $type === "" ? "string" : $type;
    }

    public function scalarval()
    {
        return $this->me;
    }

    public function kindOf()
    {
        return $this->mytype === "array" ? "array" : ($this->mytype === "struct" ? "struct" : "scalar");
    }

    public function serialize()
    {
        switch ($this->mytype) {
            case "struct":
                $xml = "<struct>\n";
                foreach ($this->me as $name => $member) {
                    $xml .= "<member><name>" . htmlspecialchars($name, ENT_XML1) . "</name>\n"
                        . $member->serialize() . "</member>\n";
                }
                return "<value>" . $xml . "</struct></value>\n";
            case "array":
                $xml = "<array>\n<data>\n";
                foreach ($this->me as $item) {
                    $xml .= $item->serialize();
                }
                return "<value>" . $xml . "</data>\n</array></value>\n";
            case "boolean":
                return "<value><boolean>" . ($this->me ? "1" : "0") . "</boolean></value>\n";
            case "base64":
                return "<value><base64>" . base64_encode($this->me) . "</base64></value>\n";
            default:
                return "<value><" . $this->mytype . ">" . htmlspecialchars((string) $this->me, ENT_XML1)
                    . "</" . $this->mytype . "></value>\n";
        }
    }
}

class xmlrpcmsg
{
    public $methodname;
    public $params;

    public function __construct($meth, $pars = array())
    {
        $this->methodname = $meth;
        $this->params = $pars;
    }

    public function serialize()
    {
        $xml = "<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>" . $this->methodname . "</methodName>\n<params>\n";
        foreach ($this->params as $param) {
            $xml .= "<param>\n" . $param->serialize() . "</param>\n";
        }
        return $xml . "</params>\n</methodCall>";
    }
}

class xmlrpcresp
{
    private $val;
    private $errno;
    private $errstr;

    public function __construct($val, $fcode = 0, $fstr = "")
    {
        $this->val = $val;
        $this->errno = $fcode;
        $this->errstr = $fstr;
    }

    public function value()
    {
        return $this->val;
    }

    public function faultCode()
    {
        return $this->errno;
    }

    public function faultString()
    {
        return $this->errstr;
    }
}

class xmlrpc_client
{
    private $host;
    private $port;
    private $path;

    public function __construct($path, $server = "", $port = "")
    {
        $parts = parse_url($path);
        $this->host = $parts["host"];
        $this->port = isset($parts["port"]) ? $parts["port"] : 80;
        $this->path = isset($parts["path"]) ? $parts["path"] : "/";
    }

    public function send($msg, $timeout = 20)
    {
        $payload = $msg->serialize();
        $request = "POST " . $this->path . " HTTP/1.0\r\n"
            . "User-Agent: XML-RPC for PHP (sandbox test shim)\r\n"
            . "Host: " . $this->host . ":" . $this->port . "\r\n"
            . "Accept-Encoding: gzip, deflate\r\n"
            . "Accept-Charset: UTF-8,ISO-8859-1,US-ASCII\r\n"
            . "Content-Type: text/xml\r\n"
            . "Content-Length: " . strlen($payload) . "\r\n\r\n" . $payload;
        $socket = fsockopen($this->host, $this->port, $errno, $errstr, $timeout);
        if (!$socket) {
            return new xmlrpcresp(0, 5, "connect error: $errstr");
        }
        stream_set_timeout($socket, $timeout);
        fwrite($socket, $request);
        $answer = "";
        while (!feof($socket)) {  // HTTP/1.0: the answer ends when the server closes
            $piece = fread($socket, 32768);
            if ($piece === false || ($piece === "" && stream_get_meta_data($socket)["timed_out"])) {
                return new xmlrpcresp(0, 5, "read error or timeout");
            }
            $answer .= $piece;
        }
        fclose($socket);
        list($head, $body) = explode("\r\n\r\n", $answer, 2);
        if (!preg_match("#^HTTP/1\\.[01] 200 #", $head)) {
            return new xmlrpcresp(0, 5, "Didn't receive 200 OK from remote server. (" . strtok($head, "\r\n") . ")");
        }
        $decoded = xmlrpc_decode($body, "UTF-8");
        if (is_array($decoded) && xmlrpc_is_fault($decoded)) {
            return new xmlrpcresp(0, $decoded["faultCode"], $decoded["faultString"]);
        }
        return new xmlrpcresp(php_xmlrpc_encode($decoded));
    }
}

function php_xmlrpc_encode($value)
{
    if ($value instanceof xmlrpcval) {
        return $value;
    }
    if (is_object($value) && isset($value->xmlrpc_type) && $value->xmlrpc_type === "datetime") {
        return new xmlrpcval($value->scalar, "dateTime.iso8601");
    }
    if (is_array($value)) {
        $list = array_keys($value) === range(0, count($value) - 1);
        return new xmlrpcval(array_map("php_xmlrpc_encode", $value), $list ? "array" : "struct");
    }
    if (is_bool($value)) {
        return new xmlrpcval($value, "boolean");
    }
    if (is_int($value)) {
        return new xmlrpcval($value, "int");
    }
    if (is_float($value)) {
        return new xmlrpcval($value, "double");
    }
    return new xmlrpcval((string) $value, "string");
}

function php_xmlrpc_decode($value)
{
    if ($value->mytype === "array" || $value->mytype === "struct") {
        return array_map("php_xmlrpc_decode", $value->me);
    }
    return $value->me;
}
