// The spec's five-step user case with the npm package "xmlrpc" (node-xmlrpc), then
// operation_list with dateTime filters and operation_details:
//     NODE_PATH=DIR/node_modules node tests/sandbox/clients/user_case.js http://127.0.0.1:PORT/hosting/
// Prints one line per step and "user case OK" last; exits 1 on the first surprise.
"use strict";
const xmlrpc = require("xmlrpc");

const url = new URL(process.argv[2]);
const client = xmlrpc.createClient({
  host: url.hostname,
  port: Number(url.port),
  path: url.pathname,
});

function call(method, ...params) {
  return new Promise((resolve, reject) => {
    client.methodCall(method, params, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

function check(what, ok) {
  if (!ok) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

async function main() {
  const session = await call("login", "AA1234-GANDI", "mypassword", true);
  check("session is a string", typeof session === "string");
  console.log("login OK");

  // step 1: add resources
  const opid = await call("hosting_account_product_add", session, "shares", 4, "1m");
  check("operation id", Number.isInteger(opid));
  console.log(`created operation#${opid}`);

  // step 2: the shares are available
  const info = await call("hosting_account_info", session);
  check("4 shares granted", info.resources.granted.shares >= 4);
  console.log(`shares available: ${info.resources.available.shares}`);

  // step 3: choose an OS and create the server
  const images = await call("os_list", session);
  const debian = images.find((image) => image.label === "Debian 12 64 bits");
  check("Debian 12 in os_list", debian);
  const vmId = await call("vm_create", session, `nodevm${process.pid}`, "my_password",
    debian.id, 4, 1, { login: "gandi" });
  check("vm id", Number.isInteger(vmId));
  console.log(`creating VM#${vmId}`);

  // step 4: a data disk
  const diskId = await call("disk_create", session,
    { size: 2048, name: `nodedisk${process.pid}`, fstype: "ext3" });
  check("disk id", Number.isInteger(diskId));
  console.log(`creating disk#${diskId}`);

  // step 5: attach it
  const attach = await call("disk_attach", session, diskId, vmId);
  console.log(`created operation#${attach}`);
  const vm = await call("vm_info", session, vmId);
  check("disk attached", vm.disks_id.includes(diskId));
  check("dates are Date objects", vm.date_created instanceof Date);

  // operation_list with dateTime filters: node-xmlrpc sends a JS Date as dateTime.iso8601
  const now = Date.now();
  const ops = await call("operation_list", session,
    { created_after: new Date(now - 3600e3), created_before: new Date(now + 3600e3) });
  check("operation_list has our operations", ops.includes(attach) && ops.includes(opid));
  const old = await call("operation_list", session, { created_before: new Date("2006-01-01T00:00:00Z") });
  check("nothing before 2006", old.length === 0);
  const done = await call("operation_list", session,
    { state: "DONE", type: "disk_attach", updated_after: new Date(now - 3600e3) });
  check("DONE disk_attach listed", done.includes(attach));
  console.log(`operations: ${JSON.stringify(ops)}`);
  const details = await call("operation_details", session, attach);
  check("details", details.type === "disk_attach" && details.date_create instanceof Date);
  console.log(`operation#${attach}: ${details.type} ${details.state}`);

  // a fault comes back as an Error with faultCode and faultString
  try {
    await call("vm_info", session, 987654);
    check("a fault", false);
  } catch (error) {
    check("fault", error.faultCode > 500000 && /does not exist/.test(error.faultString));
    console.log(`fault ${error.faultCode}: ${error.faultString}`);
  }
  check("still usable", (await call("account_currency", session)) === "EUR");
  console.log("user case OK");
}

main().catch((error) => {
  console.error(`FAILED: ${error && error.stack ? error.stack : error}`);
  process.exit(1);
});
