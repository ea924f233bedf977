"use strict";
/**
 * Issue 12: a real Prometheus server scrapes a real Node-RED process (admin API protected by
 * adminAuth, scraped with a static bearer token from `adminAuth.tokens`) at
 * <httpAdminRoot>/vmware-events/metrics, and the counts it stores are exactly what went through:
 * vcenter-in's events equal what was posted to the test vCenter; with the vCenter gone the
 * connected gauge drops to 0 within seconds and the reconnect counter rises.
 *
 * The sink part (vcenter-in -> knative-out, cloudevent-in -> openfaas-out) needs the sinks and
 * cloudevent-in to report to lib/metrics (sinkMetrics / webhookMetrics).
 *
 * Skipped when prometheus or the test vCenter's toolchain is missing, unless CI=true (then it fails).
 */
const fs = require("node:fs");
const path = require("node:path");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const bcrypt = require("bcryptjs");
const { startVcsim, buildVcsim, goAvailable } = require("../support/vcsim");
const { startKnativePeer } = require("../support/knative-peer");
const { startOpenFaasPeer } = require("../support/openfaas-peer");
const { makeUserDir } = require("../support/nodered-process");
const { startPrometheus, prometheusAvailable } = require("../support/prometheus");

const ADMIN_TOKEN = "admin-token-for-the-test";
const SCRAPE_TOKEN = "scrape-token-for-prometheus";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(fn, ms, what) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
}

/** Node-RED as a child process whose admin API needs a login; two static tokens (settings.js adminAuth.tokens). */
async function startProtectedNodeRed() {
  const dir = await makeUserDir({});
  const file = path.join(dir.userDir, "settings.js");
  const base = fs.readFileSync(file, "utf8").replace(/^module\.exports = /, "const settings = ");
  const hash = bcrypt.hashSync("not-used-in-the-test", 8);
  fs.writeFileSync(
    file,
    `${base}
settings.adminAuth = {
  type: "credentials",
  users: [{ username: "admin", password: ${JSON.stringify(hash)}, permissions: "*" }],
  tokens: function (token) {
    if (token === ${JSON.stringify(ADMIN_TOKEN)}) return Promise.resolve({ username: "admin", permissions: "*" });
    if (token === ${JSON.stringify(SCRAPE_TOKEN)}) return Promise.resolve({ username: "prometheus", permissions: ["vmware-events.read"] });
    return Promise.resolve(null);
  },
};
module.exports = settings;
`,
  );
  const log = [];
  const child = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", file], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (c) => log.push(String(c)));
  child.stderr.on("data", (c) => log.push(String(c)));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const auth = (token) => ({ authorization: `Bearer ${token}` });
  const nr = {
    ...dir,
    log,
    auth,
    async get(route, token) {
      return fetch(`${dir.url}${route}`, { headers: token ? auth(token) : {} });
    },
    async deploy(flows) {
      const r = await fetch(`${dir.url}/flows`, {
        method: "POST",
        headers: { ...auth(ADMIN_TOKEN), "content-type": "application/json", "node-red-deployment-type": "full" },
        body: JSON.stringify(flows),
      });
      if (!r.ok) throw new Error(`deploy failed: HTTP ${r.status} ${await r.text()}`);
    },
    async stats() {
      const r = await nr.get("/vmware-events/stats", SCRAPE_TOKEN);
      assert.equal(r.status, 200);
      return r.json();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGTERM");
        const t = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir.userDir, { recursive: true, force: true });
    },
  };
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`Node-RED exited at start:\n${log.join("")}`);
      try {
        return (await nr.get("/vmware-events/metrics", SCRAPE_TOKEN)).status === 200;
      } catch {
        return false;
      }
    }, 60000, "Node-RED's metrics endpoint");
  } catch (err) {
    await nr.stop();
    throw err;
  }
  return nr;
}

describe("Prometheus scrapes vmware-events/metrics from a real Node-RED (issue 12)", function () {
  this.timeout(240000);
  let sim;
  let nr;
  let prom;

  before(async function () {
    if ((!prometheusAvailable() || !goAvailable()) && process.env.CI !== "true") this.skip();
    await buildVcsim();
    sim = await startVcsim({ username: "prom", password: "test" });
    nr = await startProtectedNodeRed();
    prom = await startPrometheus([{ name: "node-red", target: new URL(nr.url).host, path: "/vmware-events/metrics", bearer: SCRAPE_TOKEN }]);
  });

  after(async function () {
    if (prom) await prom.stop();
    if (nr) await nr.stop();
    if (sim) await sim.stop();
  });

  it("serves the endpoints only with a token that has vmware-events.read, in Prometheus text format", async function () {
    assert.equal((await nr.get("/vmware-events/metrics")).status, 401);
    assert.equal((await nr.get("/vmware-events/metrics", "wrong")).status, 401);
    const ok = await nr.get("/vmware-events/metrics", SCRAPE_TOKEN);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-type"), /^text\/plain;.*version=0\.0\.4/);
    // the scrape token reads metrics, nothing else
    assert.equal((await nr.get("/flows", SCRAPE_TOKEN)).status, 401);
    const targets = await until(async () => {
      const t = await prom.targets();
      return t.length === 1 && t[0].health === "up" ? t : undefined;
    }, 30000, "Prometheus to scrape Node-RED successfully");
    assert.equal(targets[0].labels.job, "node-red");
  });

  it("vcenter-in: source_events_total equals what was posted; vCenter gone: connected 0 within seconds, reconnects rise", async function () {
    await nr.deploy([
      { id: "t1", type: "tab", label: "metrics" },
      { id: "vc", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
      {
        id: "in", type: "vcenter-in", z: "t1", name: "prom vc", server: "vc", eventTypes: [], format: "vsphere", payloadEncoding: "json",
        checkpointStore: "", checkpointPeriod: 1, maxAge: 3600, delivery: "acknowledged", maxInFlight: 200, wires: [["fn"]],
      },
      { id: "fn", type: "function", z: "t1", name: "sink", func: "return null;", outputs: 1, wires: [[]] },
    ]);
    await until(async () => (await nr.stats()).nodes.in?.state === "connected", 60000, "vcenter-in connected");
    // the node starts at the vCenter's "now": everything posted from here on is read
    const connected = await until(async () => (await prom.value('vmware_events_source_connected{node_id="in"}')) === 1, 30000, "connected = 1 in Prometheus");
    assert.ok(connected);
    const POSTED = 137;
    for (let i = 0; i < POSTED; i += 50) await sim.postEvents({ count: Math.min(50, POSTED - i), mode: "mixed" });
    const q = 'vmware_events_source_events_total{node_id="in",node_name="prom vc",node_type="vcenter-in",job="node-red"}';
    await until(async () => (await prom.value(q)) === POSTED, 60000, `${q} = ${POSTED}`);
    // and it stays there: nothing counted twice
    await sleep(2500);
    assert.equal(await prom.value(q), POSTED);
    assert.equal(await prom.value('vmware_events_source_acknowledged_events_total{node_id="in"}'), POSTED);
    assert.equal(await prom.value('vmware_events_source_in_flight{node_id="in"}'), 0);
    const series = await prom.query(q);
    assert.equal(series[0].metric.source, sim.sdkUrl);
    // lag is a query: the last event's time is recent
    const lag = await prom.value('time() - vmware_events_source_last_event_timestamp_seconds{node_id="in"}');
    assert.ok(lag >= -5 && lag < 600, `lag ${lag}`);

    // the vCenter goes away
    const reconnectsBefore = await prom.value('vmware_events_source_reconnects_total{node_id="in"}');
    assert.equal(reconnectsBefore, 0);
    await sim.stop();
    const down = Date.now();
    await until(async () => (await prom.value('vmware_events_source_connected{node_id="in"}')) === 0, 30000, "connected = 0");
    const took = (Date.now() - down) / 1000;
    console.log(`      connected gauge 0 in Prometheus ${took.toFixed(1)} s after the vCenter stopped`);
    assert.ok(took < 15, `connected gauge took ${took} s to drop`);
    await until(async () => (await prom.value('vmware_events_source_reconnects_total{node_id="in"}')) >= 1, 30000, "reconnects to rise");
    const st = (await nr.stats()).nodes.in;
    assert.notEqual(st.state, "connected");
    assert.ok(st.lastError, "the stats show the last error");
    sim = undefined;
  });

  // Needs knative-out, openfaas-out and cloudevent-in to report to lib/metrics (sinkMetrics,
  // webhookMetrics): it fails until they do.
  it("sinks: deliveries_total{outcome=delivered} equals what the peers received, a dead letter shows as outcome=dead_letter", async function () {
    const knative = await startKnativePeer({});
    const faas = await startOpenFaasPeer({ username: "admin", password: "s3cret", namespaces: ["openfaas-fn"] });
    const vsim = await startVcsim({ username: "prom2", password: "test" });
    try {
      faas.addFunction({ name: "metrics-fn", namespace: "openfaas-fn", annotations: { topic: "metrics-test" } });
      const hookPath = "/metrics-events";
      await nr.deploy([
        { id: "t2", type: "tab", label: "sinks" },
        { id: "vc2", type: "vsphere-config", address: vsim.address, insecureSSL: true, credentials: { username: vsim.username, password: vsim.password } },
        {
          id: "in2", type: "vcenter-in", z: "t2", name: "", server: "vc2", eventTypes: [], format: "vsphere", payloadEncoding: "json",
          checkpointStore: "", checkpointPeriod: 1, maxAge: 3600, delivery: "acknowledged", maxInFlight: 200, wires: [["k1"]],
        },
        {
          id: "k1", type: "knative-out", z: "t2", name: "kn", url: knative.url, encoding: "binary", insecureSSL: false, authType: "none",
          timeout: 5, retries: 1, backoffDelay: 0.01, concurrency: 1, ceType: "", ceSource: "", credentials: {}, wires: [[], []],
        },
        {
          id: "ce", type: "cloudevent-in", z: "t2", name: "hook", path: hookPath, delivery: "acknowledged", responseTimeout: 30, maxInFlight: 1000,
          maxBodySize: "1mb", readTimeout: 30, allowedOrigins: "", wires: [["settopic"]],
        },
        { id: "settopic", type: "function", z: "t2", name: "set topic", func: "msg.topic = 'metrics-test'; return msg;", outputs: 1, wires: [["f1"]] },
        {
          id: "f1", type: "openfaas-out", z: "t2", name: "faas", gateway: faas.url, async: false, callbackUrl: "", insecureSSL: false,
          timeout: 5, retries: 1, backoffDelay: 0.01, concurrency: 1, refreshInterval: 1, ceType: "", ceSource: "",
          credentials: { username: "admin", password: "s3cret" }, wires: [[], []],
        },
      ]);
      await until(async () => (await nr.stats()).nodes.in2?.state === "connected", 60000, "in2 connected");
      // openfaas-out has discovered the subscribed function
      await until(() => faas.systemRequests.some((r) => r.path.includes("functions") && r.status === 200), 30000, "openfaas-out's function discovery");
      await sleep(500);
      // one event is refused for good (400: not retried) -> dead letter
      knative.script([{ status: 400 }]);
      const N = 40;
      for (let i = 0; i < N; i += 20) await vsim.postEvents({ count: 20, mode: "mixed" });
      const M = 25;
      for (let i = 0; i < M; i++) {
        const r = await fetch(`${nr.url}${hookPath}`, {
          method: "POST",
          headers: { "ce-specversion": "1.0", "ce-id": `m-${i}`, "ce-source": "/metrics-test", "ce-type": "com.example.metrics", "content-type": "application/json" },
          body: JSON.stringify({ i }),
        });
        assert.ok(r.status < 300, `webhook answered ${r.status}`);
      }
      const delivered = (id) => `sum(vmware_events_sink_deliveries_total{node_id="${id}",outcome="delivered"})`;
      const dead = (id) => `sum(vmware_events_sink_deliveries_total{node_id="${id}",outcome="dead_letter"})`;
      await until(async () => (await prom.value(delivered("k1"))) + (await prom.value(dead("k1"))) === N, 60000, "knative-out deliveries in Prometheus");
      await until(async () => (await prom.value(delivered("f1"))) === M, 60000, "openfaas-out deliveries in Prometheus");
      assert.equal(await prom.value(delivered("k1")), knative.accepted.length);
      assert.equal(await prom.value(dead("k1")), 1);
      assert.equal(await prom.value(delivered("f1")), faas.invocationsOf("metrics-fn").length);
      assert.equal(await prom.value('vmware_events_source_events_total{node_id="ce"}'), M);
      assert.equal(await prom.value('vmware_events_webhook_requests_total{node_id="ce",class="2xx"}'), M);
      assert.equal(await prom.value('vmware_events_source_events_total{node_id="in2"}'), N);
      assert.equal(await prom.value('sum(vmware_events_sink_attempts_total{node_id="k1",class="4xx"})'), 1);
      assert.ok((await prom.value('vmware_events_sink_delivery_duration_seconds_count{node_id="k1",outcome="delivered"}')) === N - 1);
    } finally {
      await nr.deploy([]).catch(() => undefined);
      await knative.close();
      await faas.close();
      await vsim.stop();
    }
  });
});
