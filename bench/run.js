#!/usr/bin/env node
"use strict";
/**
 * `npm run bench`: every benchmark in turn, each printing JSON with its rates and the ratio
 * against the peer it measures in the same command (see docs/benchmarks.md).
 * Usage: node bench/run.js [name ...]   (default: all)
 */
const path = require("path");
const { spawnSync } = require("child_process");

const BENCHES = {
  "vcenter-drain": ["vcenter-drain.js", "100000", "2"],
  "e2e-knative": ["e2e-knative.js", "100000", "3"],
  "event-data": ["event-data.js"],
  "eventbridge-pattern": ["eventbridge-pattern.js"],
  "delivery-knative": ["delivery-knative.js"],
  "eventbridge-out": ["eventbridge-out.js"],
  relay: ["relay.js"],
  "worker-handoff": ["worker-handoff.js", "200000", "3"],
};

const wanted = process.argv.slice(2);
let failed = 0;
for (const [name, [file, ...args]] of Object.entries(BENCHES)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n=== ${name}`);
  const r = spawnSync(process.execPath, [path.join(__dirname, file), ...args], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`=== ${name} failed (exit ${r.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
