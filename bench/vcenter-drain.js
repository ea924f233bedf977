#!/usr/bin/env node
"use strict";
/**
 * bench/vcenter-drain: post N events (default 100,000) into the test vCenter, then time draining
 * them (a) with the govmomi Go poller (ReadNextEvents(1000) loop) and (b) through Node-RED's
 * vcenter-in into a counting node, alternating, same simulator, same command. Prints JSON with
 * the rates, the ratio vcenter-in / Go, and vcenter-in's peak RSS.
 * Usage: node bench/vcenter-drain.js [events] [rounds]
 */
const path = require("path");
const { execFile } = require("child_process");
const { buildVcsim, startVcsim, goPoll } = require("../test/support/vcsim");

const N = Number(process.argv[2] || 100000);
const ROUNDS = Number(process.argv[3] || 2);

function drainNodeRed(sim, beginTime, delivery) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(__dirname, "drain-child.js"), sim.address, sim.username, sim.password, String(N), beginTime, delivery],
      { maxBuffer: 1 << 20, timeout: 600000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        const line = stdout.trim().split("\n").pop();
        resolve(JSON.parse(line));
      },
    );
  });
}

async function main() {
  await buildVcsim();
  const sim = await startVcsim({ username: "bench", password: "bench", maxEvents: N + 1000 });
  try {
    const res = await sim.postEvents({ count: N, mode: "mixed" });
    const beginTime = res.first.createdTime;
    const go = [];
    const sent = [];
    const acked = [];
    for (let i = 0; i < ROUNDS; i++) {
      go.push(await goPoll({ sdkUrl: sim.sdkUrl, username: sim.username, password: sim.password, count: N, begin: beginTime }));
      sent.push(await drainNodeRed(sim, beginTime, "sent"));
      acked.push(await drainNodeRed(sim, beginTime, "acknowledged"));
    }
    const best = (xs) => xs.reduce((a, b) => (b.rate > a.rate ? b : a));
    const g = best(go);
    const mode = (runs) => ({
      rate: Math.round(best(runs).rate),
      ratio: Number((best(runs).rate / g.rate).toFixed(2)),
      peakRssMB: Math.round(Math.max(...runs.map((x) => x.maxRssMB))),
      runs: runs.map((x) => Math.round(x.rate)),
    });
    const out = {
      bench: "vcenter-drain",
      events: N,
      rounds: ROUNDS,
      goPoller: { rate: Math.round(g.rate), runs: go.map((x) => Math.round(x.rate)) },
      vcenterInSent: mode(sent),
      vcenterInAcknowledged: mode(acked),
      node: process.version,
    };
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await sim.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
