"use strict";
/**
 * Run-time control and content filters of the source runner, end to end: a real Node-RED with
 * vcenter-in against the test vCenter and horizon-in against the Horizon peer. Control messages
 * come in through an inject-like function node wired to the source's input (msg.action).
 */
require("should");
const { startVcsim, buildVcsim, goAvailable } = require("../../support/vcsim");
const { startNodeRed, sinkNode } = require("../../support/nodered");
const { startHorizonPeer } = require("../../support/horizon-peer");

const TAB = "tab-control";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("source runner: control (pause, resume, replay, cancel, status) and content filters", function () {
  this.timeout(180000);
  let sim;
  let peer;
  let nr;

  before(async function () {
    if (!goAvailable() && !process.env.CI) this.skip();
    await buildVcsim();
    sim = await startVcsim({});
    peer = await startHorizonPeer({});
    nr = await startNodeRed();
  });
  after(async () => {
    if (nr) await nr.deploy([]);
    if (sim) await sim.stop();
    if (peer) await peer.stop();
  });
  beforeEach(async () => {
    await nr.deploy([]);
    await sim.reset();
    peer.reset();
    nr.reset();
  });

  /** a catch node for the source's catchable errors, and a function node to send control messages into it */
  function vcenterFlow(opts = {}) {
    const { delivery = "acknowledged", maxInFlight = 100, filter = "", checkpointPeriod = 1, sink = "events" } = opts;
    return [
      { id: TAB, type: "tab", label: "control" },
      { id: "vc1", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
      {
        id: "ctl", type: "function", z: TAB, name: "control",
        func: "return msg;", outputs: 1, wires: [["in1"]],
      },
      {
        id: "in1", type: "vcenter-in", z: TAB, server: "vc1", eventTypes: [], format: "vsphere", payloadEncoding: "json",
        checkpointStore: "file", checkpointPeriod, maxAge: 3600, delivery, maxInFlight, filter, wires: [["s1"]],
      },
      sinkNode("s1", sink, TAB),
      { id: "catch1", type: "catch", z: TAB, scope: ["in1"], uncaught: false, wires: [["s2"]] },
      sinkNode("s2", "errors", TAB),
    ];
  }

  const events = () => nr.sinks.get("events").filter((m) => m.topic !== "replay-complete" && m.topic !== "status");
  const live = () => events().filter((m) => m.replay !== true);
  const replayed = () => events().filter((m) => m.replay === true);
  const control = (msg) => nr.inject("ctl", msg);
  const waitConnected = (id = "in1") =>
    nr.waitFor(() => /connected/.test(nr.status(id)?.text ?? "") && nr.status(id).fill === "green", 20000, `${id} connected`);
  const until = (fn, ms, what) => nr.sinks.until(fn, ms, what);
  const checkpoint = () => nr.context("in1", "checkpoint", "file");

  it("replays [T, now] beside the live stream: each event once, in order, marked; live events unmarked; the checkpoint only follows the live stream", async () => {
    await nr.deploy(vcenterFlow());
    await waitConnected();
    await sleep(1100); // T lies strictly after anything the simulator had before
    const T = new Date().toISOString();
    const history = await sim.postEvents({ count: 1000, mode: "mixed" });
    await until(() => live().length >= 1000, 60000, `1000 live events (have ${live().length})`);
    await sleep(1500); // checkpointPeriod 1 s: the checkpoint has caught up
    const before = await checkpoint();
    before.lastEventKey.should.equal(history.last.key);

    control({ action: "replay", from: T });
    const livePosted = [];
    for (let i = 0; i < 10; i++) {
      const r = await sim.postEvents({ count: 50, mode: "mixed" });
      for (let k = r.first.key; k <= r.last.key; k++) livePosted.push(k);
      await sleep(50);
    }
    await until(() => nr.sinks.get("events").some((m) => m.topic === "replay-complete"), 60000, "replay-complete");
    await until(() => live().length >= 1500, 60000, `1500 live events (have ${live().length})`);

    const want = [];
    for (let k = history.first.key; k <= history.last.key; k++) want.push(k);
    const got = replayed().map((m) => Number(m.payload.id));
    // exactly the history since T (live events posted during the replay may also lie in the range: they are after `to` only if posted after it)
    got.slice(0, 1000).should.eql(want);
    new Set(got).size.should.equal(got.length);
    for (const k of got.slice(1000)) livePosted.should.containEql(k);
    const report = nr.sinks.get("events").find((m) => m.topic === "replay-complete").payload;
    report.count.should.equal(got.length);
    report.cancelled.should.be.false();
    report.from.should.equal(new Date(T).toISOString());
    // live: every event posted during the replay arrives unmarked, once, in order
    live().slice(1000).map((m) => Number(m.payload.id)).should.eql(livePosted);
    await sleep(1500);
    const after = await checkpoint();
    after.lastEventKey.should.equal(livePosted[livePosted.length - 1]);
    after.vCenter.should.equal(before.vCenter);
  });

  it("pause holds the stream (nothing sent after it), resume sends every event exactly once", async () => {
    await nr.deploy(vcenterFlow({ maxInFlight: 50 }));
    await waitConnected();
    const first = await sim.postEvents({ count: 2000, mode: "mixed" });
    await until(() => live().length >= 200, 30000, "200 events");
    control({ action: "pause" });
    await nr.waitFor(() => /paused/.test(nr.status("in1")?.text ?? ""), 5000, "paused status");
    await sleep(300);
    const atPause = live().length;
    await sleep(1500);
    live().length.should.equal(atPause, "no event is sent while paused");
    nr.status("in1").fill.should.equal("yellow");
    control({ action: "status" });
    await until(() => nr.sinks.get("events").some((m) => m.topic === "status"), 5000, "status message");
    const st = nr.sinks.get("events").find((m) => m.topic === "status").payload;
    st.paused.should.be.true();
    st.delivery.should.equal("acknowledged");
    control({ action: "resume" });
    await until(() => live().length >= 2000, 60000, `2000 events (have ${live().length})`);
    const keys = live().map((m) => Number(m.payload.id));
    const want = [];
    for (let k = first.first.key; k <= first.last.key; k++) want.push(k);
    keys.should.eql(want);
  });

  it("a filter sends exactly the matching events; after a restart no filtered event is read again", async () => {
    const filter = JSON.stringify({ data: { Vm: { Name: [{ prefix: "DC0_H0_" }] } } });
    await nr.deploy(vcenterFlow({ filter }));
    await waitConnected();
    const r = await sim.postEvents({ count: 600, mode: "mixed" });
    const golden = await sim.golden({ fromKey: r.first.key, count: r.count });
    const matching = golden.filter((g) => {
      const d = JSON.parse(g.json);
      return d !== null && d.Vm !== null && d.Vm !== undefined && typeof d.Vm.Name === "string" && d.Vm.Name.startsWith("DC0_H0_");
    });
    matching.length.should.be.above(10);
    matching.length.should.be.below(600);
    await until(() => live().length >= matching.length, 30000, `${matching.length} matching events`);
    await sleep(1500);
    live().map((m) => Number(m.payload.id)).should.eql(matching.map((g) => g.key));
    (await checkpoint()).lastEventKey.should.equal(r.last.key, "the checkpoint moved past the filtered events");
    // restart: nothing is read again
    nr.sinks.clear();
    await nr.stopFlows();
    await nr.startFlows();
    await waitConnected();
    await sleep(2500);
    live().length.should.equal(0);
  });

  it("an invalid filter makes the node red with the compiler's message", async () => {
    await nr.deploy(vcenterFlow({ filter: '{"data": {"Vm": "not-an-array"}}' }));
    await nr.waitFor(() => nr.status("in1")?.fill === "red", 10000, "red status");
    nr.status("in1").text.should.match(/filter/i);
  });

  it("the editor validates filters through the runtime's compiler (admin API)", async () => {
    const ask = async (filter) => {
      const r = await fetch(`${nr.url}/vmware-events/filter`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ filter }),
      });
      r.status.should.equal(200);
      return r.json();
    };
    (await ask('{"data":{"Vm":{"Name":[{"prefix":"prod-"}]}}}')).should.eql({ ok: true });
    (await ask("")).should.eql({ ok: true });
    const bad = await ask('{"data":{"Vm":{"Name":"prod"}}}');
    bad.ok.should.be.false();
    bad.error.should.match(/data\.Vm\.Name/);
    (await ask("{oops")).ok.should.be.false();
  });

  it("suggests the field paths of the selected event classes for filters (admin API)", async () => {
    const r = await fetch(`${nr.url}/vmware-events/filter-fields?classes=VmPoweredOnEvent`);
    r.status.should.equal(200);
    const paths = await r.json();
    paths.should.containEql("type");
    paths.should.containEql("data.Vm.Name");
  });

  it("cloudevent-in: a filter sends exactly the matching events of a batch; the answer covers the whole batch", async () => {
    for (const delivery of ["sent", "acknowledged"]) {
      nr.sinks.clear();
      await nr.deploy([
        { id: TAB, type: "tab", label: "control" },
        {
          id: "ce1", type: "cloudevent-in", z: TAB, path: "/filtered", delivery, maxInFlight: 100, maxBatchSize: 100,
          filter: JSON.stringify({ type: [{ prefix: "keep." }] }), wires: [["s1"]],
        },
        sinkNode("s1", "events", TAB),
      ]);
      const batch = ["keep.a", "drop.b", "keep.c", "drop.d"].map((type, i) => ({ specversion: "1.0", id: `e${i}`, source: "/t", type }));
      const r = await fetch(`${nr.url}/filtered`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents-batch+json" },
        body: JSON.stringify(batch),
      });
      r.status.should.equal(delivery === "sent" ? 202 : 200);
      await until(() => events().length >= 2, 5000, "2 events");
      await sleep(200);
      events().map((m) => m.payload.type).should.eql(["keep.a", "keep.c"]);
    }
  });

  it("invalid actions and times are catchable errors; the node keeps streaming", async () => {
    await nr.deploy(vcenterFlow());
    await waitConnected();
    control({ action: "rewind" });
    control({ action: "replay", from: "yesterday" });
    control({ action: "replay", from: Date.now() + 3600_000 });
    control({ action: "replay", from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" });
    await until(() => nr.sinks.get("errors").length >= 4, 10000, "4 errors");
    const errs = nr.sinks.get("errors").map((m) => m.error.message);
    errs[0].should.match(/pause.*resume.*replay.*cancel.*status/);
    errs[1].should.match(/msg\.from/);
    errs[2].should.match(/future/);
    errs[3].should.match(/before msg\.to/);
    await sim.postEvents({ count: 20, mode: "mixed" });
    await until(() => live().length >= 20, 20000, "20 events after the errors");
  });

  it("cancel stops a replay and reports it", async () => {
    await nr.deploy(vcenterFlow({ maxInFlight: 5 }));
    await waitConnected();
    await sleep(1100);
    const T = Date.now();
    await sim.postEvents({ count: 3000, mode: "mixed" });
    await until(() => live().length >= 3000, 90000, "3000 live events");
    nr.sinks.clear();
    control({ action: "replay", from: T });
    await until(() => replayed().length >= 20, 20000, "some replayed events");
    control({ action: "cancel" });
    await until(() => nr.sinks.get("events").some((m) => m.topic === "replay-complete"), 10000, "replay-complete");
    const report = nr.sinks.get("events").find((m) => m.topic === "replay-complete").payload;
    report.cancelled.should.be.true();
    report.count.should.be.below(3000);
    await sleep(500);
    replayed().length.should.equal(report.count);
  });

  it("horizon-in replays the audit events since T, marked, beside the live polling", async () => {
    await nr.deploy([
      { id: TAB, type: "tab", label: "control" },
      { id: "ctl", type: "function", z: TAB, func: "return msg;", outputs: 1, wires: [["h1"]] },
      {
        id: "h1", type: "horizon-in", z: TAB, address: peer.url, insecureSSL: false, checkpointStore: "file", checkpointPeriod: 1,
        delivery: "acknowledged", maxInFlight: 100, credentials: { domain: peer.domain, username: peer.username, password: peer.password },
        wires: [["s1"]],
      },
      sinkNode("s1", "events", TAB),
    ]);
    await waitConnected("h1");
    await sleep(50);
    const T = Date.now() + 1;
    await sleep(5);
    const posted = peer.burst({ count: 300, perMs: 3 });
    await until(() => live().length >= 300, 60000, "300 live events");
    control({ action: "replay", from: T });
    await until(() => nr.sinks.get("events").some((m) => m.topic === "replay-complete"), 60000, "replay-complete");
    const ids = replayed().map((m) => m.payload.id);
    ids.should.eql(live().map((m) => m.payload.id));
    ids.length.should.equal(300);
    (posted.length ?? 300).should.equal(300);
  });
});
