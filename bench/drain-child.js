"use strict";
/**
 * Child process of bench/vcenter-drain.js: a Node-RED runtime with this package, a flow
 * vcenter-in -> counting function node, a checkpoint placed just before the backlog. Prints one
 * JSON line {events, seconds, rate, maxRssMB} when `count` events have arrived.
 * argv: sdkAddress username password count beginTime [delivery] [knative sink URL]
 * With a sink URL the flow is just vcenter-in -> knative-out (binary), and the count is taken
 * where the events arrive, at the Knative peer in the parent: the child then runs under fork(),
 * sends {startedAt} (wall clock, ms) when it deploys, and on {stop} answers {maxRssMB, cpuUsPerEvent, mainThreadUsPerEvent} (CPU time of this process, and of its main thread alone, from the deploy on) and exits.
 * Env: STORE=redis keeps the checkpoint in the package's Redis context store at REDIS_URL (the
 * high-availability setup, with its lease) instead of localfilesystem; FILTER=<event pattern> sets
 * vcenter-in's content filter (count then the matching events);
 * METRICS=off turns the package's metrics off; SINK_CONCURRENCY (knative-out's concurrency, default 1), MAX_IN_FLIGHT (vcenter-in's
 * in-flight window, default the node's own, 1,000).
 */
const fs = require("fs");
const os = require("os");
const path = require("path");
const http = require("http");
const { mainThreadCpuUs } = require("./proc-cpu");

async function main() {
  const [address, username, password, countText, beginTime, delivery = "sent", sinkUrl] = process.argv.slice(2);
  const count = Number(countText);
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "drain-"));
  const checkpoint = {
    vCenter: `https://${address}/sdk`, lastEventKey: 0, lastEventType: "", lastEventKeyTimestamp: beginTime,
    createdTimestamp: new Date().toISOString(), lastEventKeys: [],
  };
  const redis = process.env.STORE === "redis";
  const prefix = `drain-${process.pid}`;
  if (redis) {
    // the checkpoint where the Redis store keeps node "in" of tab "tab": hash <prefix>:in:tab
    const { createClient } = require("@redis/client");
    const c = createClient({ url: process.env.REDIS_URL });
    await c.connect();
    await c.hSet(`${prefix}:in:tab`, "checkpoint", JSON.stringify(checkpoint));
    await c.sAdd(`${prefix}:#scopes`, "in:tab");
    await c.quit();
  } else {
    fs.mkdirSync(path.join(userDir, "context", "tab"), { recursive: true });
    fs.writeFileSync(path.join(userDir, "context", "tab", "in.json"), JSON.stringify({ checkpoint }));
  }
  let seen = 0;
  let started;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const RED = require("node-red");
  const express = require("express");
  const app = express();
  const server = http.createServer(app);
  RED.init(server, {
    userDir, flowFile: "flows.json", credentialSecret: "bench", httpAdminRoot: "/", httpNodeRoot: "/",
    nodesDir: [path.join(__dirname, "..")],
    contextStorage: redis
      ? {
          // the counter (functionGlobalContext) stays in memory: the Redis store is asynchronous only
          default: { module: "memory" },
          redis: { module: require(path.join(__dirname, "..", "context-redis.js")), config: { url: process.env.REDIS_URL, prefix } },
        }
      : { default: { module: "localfilesystem", config: { flushInterval: 30 } } },
    logging: { console: { level: "warn" } },
    functionGlobalContext: {
      count: () => {
        if (++seen === count) finish();
        // HEAPSNAP=<file>: a heap snapshot halfway through the drain
        else if (seen === count >> 1 && process.env.HEAPSNAP) require("v8").writeHeapSnapshot(process.env.HEAPSNAP);
      },
    },
    editorTheme: { tours: false, palette: { catalogues: [] } }, diagnostics: { enabled: false }, telemetry: { enabled: false },
    // METRICS=off: the package's metrics turned off (settings.js vmwareEvents.metrics)
    ...(process.env.METRICS === "off" ? { vmwareEvents: { metrics: false } } : {}),
  });
  app.use("/", RED.httpAdmin);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  await RED.start();
  const flows = [
    { id: "tab", type: "tab", label: "bench" },
    { id: "vc", type: "vsphere-config", address, insecureSSL: true, credentials: { username, password } },
    {
      id: "in", type: "vcenter-in", z: "tab", server: "vc", eventTypes: [], format: "vsphere", payloadEncoding: "json",
      checkpointStore: redis ? "redis" : "", checkpointPeriod: 10, maxAge: 864000, delivery, filter: process.env.FILTER || "", ...(process.env.MAX_IN_FLIGHT ? { maxInFlight: Number(process.env.MAX_IN_FLIGHT) } : {}), wires: [[sinkUrl ? "out" : "cnt"]],
    },
    ...(sinkUrl
      ? [{
          id: "out", type: "knative-out", z: "tab", url: sinkUrl, encoding: "binary", insecureSSL: false, authType: "none",
          timeout: 30, retries: 10, backoffDelay: 0.2, concurrency: Number(process.env.SINK_CONCURRENCY || 1), ceType: "", ceSource: "", wires: [[], []],
        }]
      : [{ id: "cnt", type: "function", z: "tab", func: 'global.get("count")(); return null;', outputs: 0, wires: [] }]),
  ];
  const mem = setInterval(() => { const m = process.memoryUsage(); if (process.env.MEMLOG) console.error(`seen=${seen} rss=${(m.rss / 1048576) | 0} heapT=${(m.heapTotal / 1048576) | 0} ext=${(m.external / 1048576) | 0} ab=${(m.arrayBuffers / 1048576) | 0} ` + require("v8").getHeapSpaceStatistics().map((x) => `${x.space_name.replace("_space", "")}=${(x.space_used_size / 1048576) | 0}/${(x.space_size / 1048576) | 0}`).join(" ")); }, 500);
  // HEAPPROF=<file>: sample allocations of objects that outlive the young generation (those a
  // scavenge collects are left out) and write the profile (.heapprofile) at the end
  let prof;
  if (process.env.HEAPPROF) {
    const inspector = require("inspector");
    prof = new inspector.Session();
    prof.connect();
    const post = (m, p) => new Promise((res, rej) => prof.post(m, p, (e, r) => (e ? rej(e) : res(r))));
    prof.call = post;
    await post("HeapProfiler.enable");
    await post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.HEAPPROF_MINOR === "1" });
  }
  const writeProfile = async () => {
    if (!prof) return;
    const { profile } = await prof.call("HeapProfiler.stopSampling");
    fs.writeFileSync(process.env.HEAPPROF, JSON.stringify(profile));
  };
  if (sinkUrl) {
    const stopped = new Promise((resolve) => process.on("message", (m) => m && m.stop && resolve()));
    process.send({ startedAt: performance.timeOrigin + performance.now() });
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuUs();
    await RED.runtime.flows.setFlows({ flows: { flows }, deploymentType: "full" });
    // HEAPSNAP=<file> with a sink: the snapshot HEAPSNAP_AFTER ms (default 10 s) after the deploy
    if (process.env.HEAPSNAP) setTimeout(() => require("v8").writeHeapSnapshot(process.env.HEAPSNAP), Number(process.env.HEAPSNAP_AFTER || 10000)).unref();
    await stopped;
    clearInterval(mem);
    const cpu = process.cpuUsage(cpu0);
    await writeProfile();
    process.send({ maxRssMB: process.resourceUsage().maxRSS / 1024, cpuUsPerEvent: (cpu.user + cpu.system) / count, mainThreadUsPerEvent: (mainThreadCpuUs() - main0) / count });
    await RED.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
    process.exit(0);
  }
  started = process.hrtime.bigint();
  await RED.runtime.flows.setFlows({ flows: { flows }, deploymentType: "full" });
  await finished;
  clearInterval(mem);
  await writeProfile();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ events: seen, seconds, rate: seen / seconds, maxRssMB })}\n`);
  await RED.stop();
  fs.rmSync(userDir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
