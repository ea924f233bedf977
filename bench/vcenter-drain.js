#!/usr/bin/env node
"use strict";
/**
 * bench/vcenter-drain: post N events (default 100,000) into the test vCenter, then time draining
 * them (a) with the govmomi Go poller (ReadNextEvents(1000) loop) and (b) through Node-RED's
 * vcenter-in into a counting node, alternating, same simulator, same command. Prints JSON with
 * the rates, the ratio vcenter-in / Go, and vcenter-in's peak RSS.
 * Usage: node bench/vcenter-drain.js [events] [rounds] [filter|redis]
 *   filter: also drain with a content filter passing 10 % of the events (keys ending in 0), as
 *           vcenter-in acknowledged; the filtered drain must not be slower than the unfiltered one
 *   redis:  also drain with the checkpoint in the package's Redis store (lease and fenced writes)
 *           against a redis-server started here; compared with localfilesystem
 */
const path = require("path");
const { execFile } = require("child_process");
const { buildVcsim, startVcsim, goPoll } = require("../test/support/vcsim");
const { startRedis } = require("../test/support/redis");

const N = Number(process.argv[2] || 100000);
const ROUNDS = Number(process.argv[3] || 2);

const EXTRA = process.argv[4] || "";
/** the filter of the `filter` mode: CloudEvent ids (event keys) ending in 0, 10 % of a backlog */
const TENTH = JSON.stringify({ id: [{ suffix: "0" }] });

function drainNodeRed(sim, beginTime, delivery, env = {}, count = N) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(__dirname, "drain-child.js"), sim.address, sim.username, sim.password, String(count), beginTime, delivery],
      { maxBuffer: 64 << 20, timeout: 600000, env: { ...process.env, ...env } },
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
    const extra = [];
    let redis;
    if (EXTRA === "redis") redis = await startRedis();
    // keys ending in 0 among the posted ones (the last one may be up to 9 before the end)
    let tenth = 0;
    for (let k = res.first.key; k <= res.last.key; k++) if (k % 10 === 0) tenth++;
    try {
      for (let i = 0; i < ROUNDS; i++) {
        go.push(await goPoll({ sdkUrl: sim.sdkUrl, username: sim.username, password: sim.password, count: N, begin: beginTime }));
        sent.push(await drainNodeRed(sim, beginTime, "sent"));
        acked.push(await drainNodeRed(sim, beginTime, "acknowledged"));
        if (EXTRA === "filter") {
          const r = await drainNodeRed(sim, beginTime, "acknowledged", { FILTER: TENTH }, tenth);
          extra.push({ ...r, rate: (r.rate * N) / tenth }); // events read per second, not matched ones
        }
        if (EXTRA === "redis") extra.push(await drainNodeRed(sim, beginTime, "acknowledged", { STORE: "redis", REDIS_URL: redis.url }));
      }
    } finally {
      if (redis) await redis.stop();
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
    if (EXTRA === "filter") {
      out.vcenterInAcknowledgedFiltered10pct = mode(extra);
      out.filteredVsUnfiltered = Number((best(extra).rate / best(acked).rate).toFixed(2));
    }
    if (EXTRA === "redis") {
      out.vcenterInAcknowledgedRedisStore = mode(extra);
      out.redisVsLocalfilesystem = Number((best(extra).rate / best(acked).rate).toFixed(2));
    }
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await sim.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
