#!/usr/bin/env node
"use strict";
/**
 * bench/e2e-knative: drain N events (default 100,000) from the test vCenter through
 * vcenter-in -> knative-out (binary, delivery acknowledged, ordered) into the Knative peer, and
 * drain the same events with the govmomi Go poller, alternating, in one command. Prints the
 * rates and the ratio (target >= 0.5x the Go poller), for ordered delivery (concurrency 1) and
 * concurrency 8 (also with vcenter-in's in-flight window at 1,000, its default before 100), and, as the ceiling of ordered delivery, a bare undici loop posting the same
 * number of pre-encoded events one at a time to the same peer.
 * Rates are medians over the rounds (run 3 or more), each mode with its ratio to the Go poller and
 * to the ordered ceiling.
 * Usage: node bench/e2e-knative.js [events] [rounds] [metrics|redis]
 * With `metrics` as third argument: only concurrency 8, with the package's metrics on and off
 * (settings.js vmwareEvents.metrics), alternating, in the same command (issue 12: cost <= 3 %).
 */
const path = require("path");
const { execFile, fork } = require("child_process");
const { buildVcsim, startVcsim, goPoll } = require("../test/support/vcsim");
const { startKnativePeer } = require("../test/support/knative-peer");
const { processCpuUs } = require("./proc-cpu");

const N = Number(process.argv[2] || 100000);

/**
 * The whole machine's CPU per event during one drain: the simulator's and this process's (the
 * Knative peer runs here) beside the measured process's own. On two cores, a pipeline whose
 * processes together need C µs per event cannot pass 2e6 / C events/s however it is scheduled.
 */
async function withMachineCpu(sim, fn) {
  const sim0 = processCpuUs(sim.pid);
  const own0 = process.cpuUsage();
  const result = await fn();
  const own = process.cpuUsage(own0);
  result.simulatorUsPerEvent = (processCpuUs(sim.pid) - sim0) / N;
  result.peerUsPerEvent = (own.user + own.system) / N;
  return result;
}
const ROUNDS = Number(process.argv[3] || 1);

/**
 * One drain: the rate is N over the time from the child's deploy to the peer's N-th accepted
 * event (the peer counts; nothing but vcenter-in and knative-out runs in Node-RED).
 */
function run(sim, beginTime, peer, concurrency, maxInFlight, metrics = "on", env = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(
      path.join(__dirname, "drain-child.js"),
      [sim.address, sim.username, sim.password, String(N), beginTime, "acknowledged", peer.url],
      {
        env: { ...process.env, ...env, METRICS: metrics, SINK_CONCURRENCY: String(concurrency), ...(maxInFlight ? { MAX_IN_FLIGHT: String(maxInFlight) } : {}) },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
        // CPU_PROF_DIR=<dir>: a V8 CPU profile of each Node-RED child (the process under test)
        execArgv: process.env.CPU_PROF_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.CPU_PROF_DIR] : [],
      },
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 900000);
    let startedAt;
    let endedAt;
    child.on("message", (m) => {
      if (m.startedAt !== undefined) {
        startedAt = m.startedAt;
        peer.whenAccepted(N).then((t) => {
          endedAt = t;
          child.send({ stop: true });
        });
      } else if (m.maxRssMB !== undefined) {
        const seconds = (endedAt - startedAt) / 1000;
        resolve({ events: N, seconds, rate: N / seconds, maxRssMB: m.maxRssMB, cpuUsPerEvent: m.cpuUsPerEvent, mainThreadUsPerEvent: m.mainThreadUsPerEvent });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (endedAt === undefined) reject(new Error(`drain child exited with ${code} before the peer had ${N} events`));
    });
  });
}

/** A bare undici loop posting pre-encoded events one at a time to the same peer: the ordered ceiling. */
function rawOrdered(peer) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, "raw-post.js"), peer.url, String(N), "1"], { timeout: 900000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split("\n").pop())),
    );
  });
}

/**
 * `redis`: the checkpoint in the package's Redis store (high availability: lease, fenced writes)
 * against localfilesystem, alternating in one command, ordered and at concurrency 8.
 */
async function redisVsFile(sim, beginTime, peer) {
  const { startRedis } = require("../test/support/redis");
  const redis = await startRedis();
  const runs = { file1: [], redis1: [], file8: [], redis8: [] };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const c of [1, 8]) {
        peer.reset();
        runs[`file${c}`].push(await run(sim, beginTime, peer, c, undefined));
        peer.reset();
        runs[`redis${c}`].push(await run(sim, beginTime, peer, c, undefined, "on", { STORE: "redis", REDIS_URL: redis.url }));
      }
    }
  } finally {
    await redis.stop();
  }
  const med = (xs) => xs.map((x) => x.rate).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const medCpu = (xs) => xs.map((x) => x.cpuUsPerEvent).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out = { bench: "e2e-knative redis vs localfilesystem", events: N, rounds: ROUNDS };
  for (const c of [1, 8]) {
    out[`concurrency${c}`] = {
      localfilesystem: runs[`file${c}`].map((x) => Math.round(x.rate)),
      redis: runs[`redis${c}`].map((x) => Math.round(x.rate)),
      ratio: Number((med(runs[`redis${c}`]) / med(runs[`file${c}`])).toFixed(2)),
      peakRssMB: Math.round(Math.max(...runs[`redis${c}`].map((x) => x.maxRssMB))),
      // CPU time of the Node-RED process per event, redis / localfilesystem (medians): holds on a busy machine
      cpuUsPerEvent: { localfilesystem: runs[`file${c}`].map((x) => Math.round(x.cpuUsPerEvent)), redis: runs[`redis${c}`].map((x) => Math.round(x.cpuUsPerEvent)) },
      cpuRatio: Number((medCpu(runs[`redis${c}`]) / medCpu(runs[`file${c}`])).toFixed(2)),
    };
  }
  console.log(JSON.stringify(out, null, 2));
}

async function main() {
  await buildVcsim();
  const sim = await startVcsim({ username: "bench", password: "bench", maxEvents: N + 1000 });
  const peer = await startKnativePeer({ record: false, validate: false });
  try {
    const res = await sim.postEvents({ count: N, mode: "mixed" });
    if (process.argv[4] === "metrics") return await metricsOnOff(sim, res.first.createdTime, peer);
    if (process.argv[4] === "redis") return await redisVsFile(sim, res.first.createdTime, peer);
    const go = [];
    const ordered = [];
    const parallel = [];
    const bigWindow = [];
    const raw = [];
    for (let i = 0; i < ROUNDS; i++) {
      raw.push(await withMachineCpu(sim, () => rawOrdered(peer)));
      go.push(await withMachineCpu(sim, () => goPoll({ sdkUrl: sim.sdkUrl, username: sim.username, password: sim.password, count: N, begin: res.first.createdTime })));
      for (const [runs, concurrency, maxInFlight] of [[ordered, 1], [parallel, 8], [bigWindow, 8, 1000]]) {
        peer.reset();
        runs.push(await withMachineCpu(sim, () => run(sim, res.first.createdTime, peer, concurrency, maxInFlight)));
        if (peer.acceptedCount < N) throw new Error(`the peer accepted ${peer.acceptedCount} of ${N}`);
      }
    }
    // the figures are medians over the rounds of one command (best runs flatter a quiet moment)
    const median = (xs) => {
      const s = xs.map((x) => x.rate).sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    };
    const g = median(go);
    const ceiling = median(raw);
    const mode = (runs) => ({
      rate: Math.round(median(runs)),
      ratio: Number((median(runs) / g).toFixed(2)),
      // against one-at-a-time posting with nothing else to do (target for ordered delivery: >= 0.9)
      ofOrderedCeiling: Number((median(runs) / ceiling).toFixed(2)),
      peakRssMB: Math.round(Math.max(...runs.map((x) => x.maxRssMB))),
      runs: runs.map((x) => Math.round(x.rate)),
      rssMB: runs.map((x) => Math.round(x.maxRssMB)),
      // CPU time of the Node-RED process per event (user + system): independent of how busy the machine is
      cpuUsPerEvent: runs.map((x) => Math.round(x.cpuUsPerEvent)),
      // of which the main thread (one core at most: 1e6 / this is the rate it allows)
      mainThreadUsPerEvent: runs.map((x) => Math.round(x.mainThreadUsPerEvent)),
      ...machine(runs),
    });
    // the other processes' CPU per event (medians) and what two cores allow for their sum
    const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    function machine(runs) {
      const sim = med(runs.map((x) => x.simulatorUsPerEvent));
      const peerUs = med(runs.map((x) => x.peerUsPerEvent));
      const own = med(runs.map((x) => x.cpuUsPerEvent || 0));
      return {
        simulatorUsPerEvent: Math.round(sim),
        peerUsPerEvent: Math.round(peerUs),
        // two cores shared by all of them: no schedule passes this rate
        twoCoreBound: Math.round(2e6 / (sim + peerUs + own)),
      };
    }
    console.log(JSON.stringify({
      bench: "e2e-knative",
      events: N,
      goPoller: { rate: Math.round(g), runs: go.map((x) => Math.round(x.rate)), simulatorUsPerEvent: Math.round(med(go.map((x) => x.simulatorUsPerEvent))) },
      orderedConcurrency1: mode(ordered),
      concurrency8: mode(parallel),
      // the same with vcenter-in's in-flight window at 1,000 (the default until 100)
      concurrency8Window1000: mode(bigWindow),
      // what one-at-a-time posting to this peer can reach at all, with nothing else to do
      rawOrderedPost: { rate: Math.round(ceiling), ratio: Number((ceiling / g).toFixed(2)), runs: raw.map((x) => Math.round(x.rate)), cpuUsPerEvent: raw.map((x) => Math.round(x.cpuUsPerEvent)), ...machine(raw) },
      statistic: "median of the rounds",
      node: process.version,
    }, null, 2));
  } finally {
    await peer.close();
    await sim.stop();
  }
}

/** concurrency 8, metrics on and off alternating (the order flips each round) */
async function metricsOnOff(sim, beginTime, peer) {
  const runs = { on: [], off: [] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const m of i % 2 === 0 ? ["on", "off"] : ["off", "on"]) {
      peer.reset();
      runs[m].push(await run(sim, beginTime, peer, 8, undefined, m));
      if (peer.acceptedCount < N) throw new Error(`the peer accepted ${peer.acceptedCount} of ${N}`);
    }
  }
  const best = (xs) => Math.max(...xs.map((x) => x.rate));
  const median = (xs) => {
    const s = xs.map((x) => x.rate).sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  console.log(JSON.stringify({
    bench: "e2e-knative metrics on/off",
    events: N,
    concurrency: 8,
    metricsOn: { best: Math.round(best(runs.on)), median: Math.round(median(runs.on)), runs: runs.on.map((x) => Math.round(x.rate)) },
    metricsOff: { best: Math.round(best(runs.off)), median: Math.round(median(runs.off)), runs: runs.off.map((x) => Math.round(x.rate)) },
    costPercentBest: Number((100 * (1 - best(runs.on) / best(runs.off))).toFixed(1)),
    costPercentMedian: Number((100 * (1 - median(runs.on) / median(runs.off))).toFixed(1)),
    node: process.version,
  }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
