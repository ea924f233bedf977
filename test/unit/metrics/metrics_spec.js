"use strict";
// lib/metrics: the package's own Prometheus registry, per-node series that come and go with the
// node, exact counts, rates and the stats model, and the source runner reporting into it.
require("should");
const assert = require("node:assert/strict");
const promClient = require("prom-client");
const { MetricsHub, sourceMetrics, sinkMetrics, webhookMetrics, responseClass } = require("../../../dist/lib/metrics");
const { SourceRunner } = require("../../../dist/lib/source/runner");
const { MemoryCheckpointStore } = require("../../../dist/lib/source/checkpointer");

/** value of one series in Prometheus text, or undefined */
function value(text, name, labels) {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) continue;
    const m = /^([^{ ]+)(\{.*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ok = Object.entries(labels).every(([k, v]) => (m[2] || "").includes(`${k}="${v}"`));
    if (ok) return Number(m[3]);
  }
  return undefined;
}

const SRC = { id: "n1", name: "vc", type: "vcenter-in", source: "https://vc.example/sdk" };
const SINK = { id: "k1", name: "kn", type: "knative-out", target: "http://broker.example/" };

describe("lib/metrics", function () {
  it("uses a registry of its own, never prom-client's global one", async function () {
    const hub = new MetricsHub({ timer: false });
    const m = sourceMetrics(SRC, hub);
    m.sent(false, Date.now());
    (await promClient.register.metrics()).should.not.match(/vmware_events_/);
    (await hub.metrics()).should.match(/vmware_events_source_events_total\{/);
    hub.contentType.should.match(/^text\/plain; version=0\.0\.4/);
    m.release();
  });

  it("counts a source exactly with node labels only, and follows its connection", async function () {
    const hub = new MetricsHub({ timer: false });
    const m = sourceMetrics(SRC, hub);
    const labels = { node_id: "n1", node_name: "vc", node_type: "vcenter-in", source: "https://vc.example/sdk" };
    for (let i = 0; i < 1234; i++) m.sent(false, 1700000000000 + i);
    m.sent(true, NaN);
    m.sent(true, NaN);
    m.filtered();
    m.committed(1700000000100);
    m.inFlight(7);
    let t = await hub.metrics();
    assert.equal(value(t, "vmware_events_source_events_total", labels), 1234);
    assert.equal(value(t, "vmware_events_source_replayed_events_total", labels), 2);
    assert.equal(value(t, "vmware_events_source_filtered_events_total", labels), 1);
    assert.equal(value(t, "vmware_events_source_acknowledged_events_total", labels), 1);
    assert.equal(value(t, "vmware_events_source_in_flight", labels), 7);
    assert.equal(value(t, "vmware_events_source_last_event_timestamp_seconds", labels), 1700000001.233);
    assert.equal(value(t, "vmware_events_source_checkpoint_timestamp_seconds", labels), 1700000000.1);
    assert.equal(value(t, "vmware_events_source_connected", labels), 0);
    // connecting -> error is not a reconnect; connected -> reconnecting is; so is a second fall
    m.status({ state: "connecting" });
    m.status({ state: "error", reason: "no route" });
    m.status({ state: "connected", count: 0 });
    t = await hub.metrics();
    assert.equal(value(t, "vmware_events_source_connected", labels), 1);
    assert.equal(value(t, "vmware_events_source_reconnects_total", labels), 0);
    m.status({ state: "reconnecting", reason: "socket hang up" });
    m.status({ state: "reconnecting", reason: "still down" });
    m.status({ state: "connected", count: 1 });
    m.status({ state: "error", reason: "login failed" });
    t = await hub.metrics();
    assert.equal(value(t, "vmware_events_source_connected", labels), 0);
    assert.equal(value(t, "vmware_events_source_reconnects_total", labels), 2);
    // no per-event labels: one series per metric and node
    const lines = t.split("\n").filter((l) => l.startsWith("vmware_events_source_events_total"));
    lines.length.should.equal(1);
    hub.stats().nodes.n1.lastError.should.equal("login failed");
    m.release();
  });

  it("counts a sink's deliveries, attempts, retries and durations; responseClass maps statuses", async function () {
    const hub = new MetricsHub({ timer: false });
    const s = sinkMetrics(SINK, hub);
    const L = { node_id: "k1", target: "http://broker.example/" };
    for (let i = 0; i < 10; i++) s.delivered(0.02);
    s.deadLetter(3);
    s.attempt("2xx");
    s.attempt(responseClass(503));
    s.attempt(responseClass(undefined));
    s.retry(responseClass(503));
    s.inFlight(4);
    s.error("503 Service Unavailable");
    const t = await hub.metrics();
    assert.equal(value(t, "vmware_events_sink_deliveries_total", { ...L, outcome: "delivered" }), 10);
    assert.equal(value(t, "vmware_events_sink_deliveries_total", { ...L, outcome: "dead_letter" }), 1);
    assert.equal(value(t, "vmware_events_sink_attempts_total", { ...L, class: "2xx" }), 1);
    assert.equal(value(t, "vmware_events_sink_attempts_total", { ...L, class: "5xx" }), 1);
    assert.equal(value(t, "vmware_events_sink_attempts_total", { ...L, class: "error" }), 1);
    assert.equal(value(t, "vmware_events_sink_attempts_total", { ...L, class: "4xx" }), 0);
    assert.equal(value(t, "vmware_events_sink_retries_total", { ...L, class: "5xx" }), 1);
    assert.equal(value(t, "vmware_events_sink_in_flight", L), 4);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_count", { ...L, outcome: "delivered" }), 10);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_bucket", { ...L, outcome: "delivered", le: "0.025" }), 10);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_bucket", { ...L, outcome: "delivered", le: "0.01" }), 0);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_bucket", { ...L, outcome: "delivered", le: "+Inf" }), 10);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_bucket", { ...L, outcome: "dead_letter", le: "2.5" }), 0);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_bucket", { ...L, outcome: "dead_letter", le: "5" }), 1);
    assert.equal(value(t, "vmware_events_sink_delivery_duration_seconds_sum", { ...L, outcome: "dead_letter" }), 3);
    assert.match(t, /# TYPE vmware_events_sink_delivery_duration_seconds histogram/);
    ["2xx", "4xx", "5xx", "error"].should.eql([responseClass(204), responseClass(404), responseClass(500), responseClass(0)]);
    const st = hub.stats().nodes.k1;
    st.counters.should.eql({ delivered: 10, deadLetters: 1, attempts: 3, retries: 1 });
    st.state.should.equal("failing");
    st.lastError.should.equal("503 Service Unavailable");
    st.inFlight.should.equal(4);
    s.release();
    assert.equal(await hub.seriesCount(), 0);
  });

  it("counts webhook answers by class and its events as a source's", async function () {
    const hub = new MetricsHub({ timer: false });
    const w = webhookMetrics({ id: "w1", name: "", type: "cloudevent-in", source: "/events" }, hub);
    w.request(202);
    w.request(200);
    w.request(401);
    w.request(503);
    w.sent(Date.parse("2026-01-01T00:00:00Z"));
    w.sent(NaN);
    const t = await hub.metrics();
    const L = { node_id: "w1", node_type: "cloudevent-in", source: "/events" };
    assert.equal(value(t, "vmware_events_webhook_requests_total", { ...L, class: "2xx" }), 2);
    assert.equal(value(t, "vmware_events_webhook_requests_total", { ...L, class: "4xx" }), 1);
    assert.equal(value(t, "vmware_events_webhook_requests_total", { ...L, class: "5xx" }), 1);
    assert.equal(value(t, "vmware_events_source_events_total", L), 2);
    // a webhook has no connection to count
    assert.equal(value(t, "vmware_events_source_connected", L), undefined);
    Object.keys(hub.stats().nodes).should.eql(["w1"]);
    w.release();
  });

  it("gives rates over 10 s and 1 min and a sparkline from the sampler ticks", function () {
    let now = 1_000_000;
    const hub = new MetricsHub({ timer: false, now: () => now });
    const m = sourceMetrics(SRC, hub);
    // 5 events per second for 60 s, then 20 per second for 10 s
    for (let s = 0; s < 70; s++) {
      for (let i = 0; i < (s < 60 ? 5 : 20); i++) m.sent(false, now);
      now += 1000;
      hub.sample();
    }
    const st = hub.stats().nodes.n1;
    st.rates["10s"].should.equal(20);
    st.rates["1m"].should.equal((50 * 5 + 10 * 20) / 60);
    st.history.length.should.equal(14);
    st.history.slice(-2).should.eql([20, 20]);
    st.history[0].should.equal(5);
    st.lagSeconds.should.equal(1);
    m.release();
  });

  it("runs the sampler only while a node is live; 50 redeploys leave no series or timers", async function () {
    const hub = new MetricsHub();
    const other = sinkMetrics({ ...SINK, id: "stays" }, hub);
    other.delivered(0.1);
    const baseline = await hub.seriesCount();
    for (let i = 0; i < 50; i++) {
      const m = sourceMetrics(SRC, hub);
      const s = sinkMetrics(SINK, hub);
      const w = webhookMetrics({ id: "w", name: "", type: "cloudevent-in", source: "/e" }, hub);
      m.sent(false, Date.now());
      s.delivered(0.01);
      s.deadLetter(0.5);
      w.request(200);
      hub.sampling.should.be.true();
      m.release();
      s.release();
      w.release();
    }
    assert.equal(await hub.seriesCount(), baseline);
    // the node that was not redeployed kept its count
    const t = await hub.metrics();
    assert.equal(value(t, "vmware_events_sink_deliveries_total", { node_id: "stays", outcome: "delivered" }), 1);
    other.release();
    hub.sampling.should.be.false();
    hub.size.should.equal(0);
    assert.equal(await hub.seriesCount(), 0);
  });

  it("a redeployed node starts from 0 (series removed on close, recreated on start)", async function () {
    const hub = new MetricsHub({ timer: false });
    const a = sourceMetrics(SRC, hub);
    a.sent(false, 1);
    a.sent(false, 2);
    a.release();
    const b = sourceMetrics(SRC, hub);
    b.sent(false, 3);
    assert.equal(value(await hub.metrics(), "vmware_events_source_events_total", { node_id: "n1" }), 1);
    b.release();
  });

  it("the source runner reports every event it sends, filters and commits", async function () {
    const hub = new MetricsHub({ timer: false });
    const obs = sourceMetrics(SRC, hub);
    const sent = [];
    const output = { send: (m) => sent.push(m), sendTracked: (m) => sent.push(m), settle() {}, close() {} };
    const runner = new SourceRunner({
      store: new MemoryCheckpointStore(),
      checkpointPeriodMs: 60000,
      delivery: "acknowledged",
      maxInFlight: 100,
      output: (ack) => {
        output.ack = ack;
        return output;
      },
      show() {},
      filter: { matches: (ce) => ce.type !== "skip" },
      observer: obs,
      itemTime: (item) => item * 1000,
    });
    await runner.begin(() => ({ reader: { start() {}, async close() {} }, pass: (item) => () => item }));
    runner.setStatus({ state: "connected", count: 0 });
    for (let i = 1; i <= 5; i++) runner.emit({ payload: { type: i === 3 ? "skip" : "ok" } }, i);
    output.ack(1);
    output.ack(2);
    const t = await hub.metrics();
    assert.equal(value(t, "vmware_events_source_events_total", { node_id: "n1" }), 4);
    assert.equal(value(t, "vmware_events_source_filtered_events_total", { node_id: "n1" }), 1);
    // seq 1, 2 acknowledged and 3 (filtered) behind them: three committed, two in flight
    assert.equal(value(t, "vmware_events_source_acknowledged_events_total", { node_id: "n1" }), 3);
    assert.equal(value(t, "vmware_events_source_in_flight", { node_id: "n1" }), 2);
    assert.equal(value(t, "vmware_events_source_checkpoint_timestamp_seconds", { node_id: "n1" }), 3);
    assert.equal(value(t, "vmware_events_source_connected", { node_id: "n1" }), 1);
    await runner.stop();
    obs.release();
  });
});
