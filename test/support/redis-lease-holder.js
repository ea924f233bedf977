"use strict";
// A lease holder in its own process, so a test can SIGSTOP/SIGCONT or SIGKILL it
// (test/integration/redis-lease_spec.js). argv: url prefix scope key instance leaseMs.
// Prints one JSON line per event; reads lines "write <json>" (fenced write) and "stop".
const path = require("node:path");
const readline = require("node:readline");
const contextRedis = require(path.join(__dirname, "..", "..", "context-redis.js"));

const [url, prefix, scope, key, instance, leaseMs] = process.argv.slice(2);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const store = contextRedis({ url, prefix, leaseMs: Number(leaseMs) });
const lease = contextRedis.leaseFor({ module: contextRedis, config: store.userConfig }).create({ scope, key, instance });
lease.on("acquired", () => out({ event: "acquired" }));
lease.on("lost", (reason, holder) => out({ event: "lost", reason, holder: holder ?? null }));
lease.on("holder", (holder) => out({ event: "holder", holder: holder ?? null }));
store.open().then(() => {
  lease.start();
  out({ event: "started" });
});
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.startsWith("write ")) {
    lease.fencedWrite(JSON.parse(line.slice(6))).then(
      (wrote) => out({ event: "written", wrote, held: lease.held }),
      (err) => out({ event: "written", error: err.message }),
    );
  } else if (line === "stop") {
    store.close().then(() => process.exit(0));
  }
});
