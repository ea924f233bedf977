"use strict";
/**
 * vcenter-in end to end: a real Node-RED runtime loading the package, reading the govmomi-based
 * test vCenter over vim25 SOAP/HTTPS. Each `it` is one of issue 2's "done when" items.
 */
const should = require("should");
const { startVcsim, buildVcsim } = require("../support/vcsim");
const { startNodeRed, sinkNode } = require("../support/nodered");
const { goUtcTime } = require("../../dist/lib/vsphere/vim-time");

const TAB = "tab1";

describe("vcenter-in against the test vCenter", function () {
  this.timeout(120000);
  let sim;
  let nr;

  before(async function () {
    await buildVcsim();
    sim = await startVcsim({ username: "administrator@vsphere.local", password: "s3cret!" });
    nr = await startNodeRed();
  });

  after(async () => {
    if (nr) {
      await nr.deploy([]);
    }
    if (sim) await sim.stop();
  });

  beforeEach(async () => {
    await nr.deploy([]);
    await sim.reset();
    nr.reset();
  });

  function flow(opts = {}) {
    const {
      id = "in1", format = "vsphere", payloadEncoding = "json", eventTypes = [], checkpointStore = "file",
      checkpointPeriod = 1, maxAge = 3600, address = sim.address, username = sim.username, password = sim.password,
      name = "", delivery = "sent", maxInFlight = 1000, consumer,
    } = opts;
    return [
      { id: TAB, type: "tab", label: "test" },
      {
        id: "vc1", type: "vsphere-config", address, insecureSSL: true,
        credentials: { username, password },
      },
      {
        id, type: "vcenter-in", z: TAB, name, server: "vc1", eventTypes, format, payloadEncoding,
        checkpointStore, checkpointPeriod, maxAge, delivery, maxInFlight, wires: [[consumer ? consumer.id : "s1"]],
      },
      consumer ?? sinkNode("s1", "events", TAB),
    ];
  }

  const events = () => nr.sinks.get("events");
  const keysOf = (msgs) => msgs.map((m) => Number(m.payload.id));
  const waitConnected = (id = "in1") =>
    nr.waitFor(() => /connected/.test(nr.status(id)?.text ?? "") && nr.status(id).fill === "green", 20000, `${id} connected`);
  const waitCount = (n, ms = 30000) => nr.sinks.until(() => events().length >= n, ms, `${n} events (have ${events().length})`);

  /** the keys posted, in order, from the simulator's own record */
  async function postedKeys(res) {
    const golden = await sim.golden({ fromKey: res.first.key, count: res.count });
    return golden;
  }

  function assertExactlyOnceInOrder(msgs, golden) {
    const got = keysOf(msgs);
    const want = golden.map((g) => g.key);
    got.length.should.equal(want.length, `expected ${want.length} events, got ${got.length}`);
    got.should.eql(want);
  }

  it("delivers 1,000 mixed events posted after deploy in order, exactly once, with the VSphereSource attributes", async () => {
    await nr.deploy(flow());
    await waitConnected();
    const res = await sim.postEvents({ count: 1000, mode: "mixed" });
    const golden = await postedKeys(res);
    await waitCount(1000);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may come
    assertExactlyOnceInOrder(events(), golden);
    const classes = new Set();
    events().forEach((msg, i) => {
      const g = golden[i];
      const data = JSON.parse(g.json);
      const ce = msg.payload;
      const name = g.class === "EventEx" || g.class === "ExtendedEvent" ? data.EventTypeId : g.class;
      classes.add(g.class);
      ce.should.containEql({
        specversion: "1.0",
        id: String(g.key),
        source: sim.sdkUrl,
        type: `com.vmware.vsphere.${name}.v0`,
        time: goUtcTime(data.CreatedTime),
        datacontenttype: "application/json",
        eventclass: g.class === "EventEx" ? "eventex" : g.class === "ExtendedEvent" ? "extendedevent" : "event",
        vsphereapiversion: "6.5",
      });
      should(ce.subject).be.undefined();
      msg.topic.should.equal(name);
      ce.data.Key.should.equal(g.key);
    });
    classes.size.should.be.above(10);
  });

  it("delivers in the VMware Event Router format with stable ids", async () => {
    await nr.deploy(flow({ format: "router" }));
    await waitConnected();
    const res = await sim.postEvents({ count: 200, mode: "mixed" });
    const golden = await postedKeys(res);
    await waitCount(200);
    const ids = new Set();
    events().forEach((msg, i) => {
      const g = golden[i];
      const data = JSON.parse(g.json);
      const cls = g.class === "EventEx" ? "eventex" : g.class === "ExtendedEvent" ? "extendedevent" : "event";
      const name = cls === "event" ? g.class : data.EventTypeId;
      msg.payload.type.should.equal(`com.vmware.event.router/${cls}`);
      msg.payload.subject.should.equal(name);
      msg.payload.vsphereapiversion.should.equal("6.5");
      msg.payload.id.should.match(/^[0-9a-f-]{36}$/);
      should(msg.payload.eventclass).be.undefined();
      msg.payload.data.Key.should.equal(g.key);
      ids.add(msg.payload.id);
    });
    ids.size.should.equal(200);
  });

  it("resumes after a stop with exactly the events posted while stopped", async () => {
    await nr.deploy(flow());
    await waitConnected();
    const before = await sim.postEvents({ count: 20, mode: "mixed", sameTime: 4 });
    await waitCount(20);
    await nr.stopFlows();
    nr.sinks.clear();
    const whileDown = await sim.postEvents({ count: 500, mode: "mixed", sameTime: 3 });
    await nr.startFlows();
    await waitCount(500);
    await new Promise((r) => setTimeout(r, 1500));
    assertExactlyOnceInOrder(events(), await postedKeys(whileDown));
    before.count.should.equal(20);
  });

  it("clamps the replay to maxAge and says so", async () => {
    await nr.deploy(flow({ maxAge: 60 }));
    await waitConnected();
    await sim.postEvents({ count: 5 });
    await waitCount(5);
    await nr.stopFlows();
    nr.sinks.clear();
    await sim.postEvents({ count: 30 }); // older than maxAge once the clock moves on
    await sim.clock({ offsetSeconds: 600 });
    await nr.startFlows();
    await waitConnected();
    const after = await sim.postEvents({ count: 7 });
    await waitCount(7);
    await new Promise((r) => setTimeout(r, 1000));
    assertExactlyOnceInOrder(events(), await postedKeys(after));
    nr.logLines("warn", "in1").join("\n").should.match(/potential data loss/);
  });

  it("recovers from expired sessions and 10 s of failing requests without loss or duplicates", async () => {
    await nr.deploy(flow());
    await waitConnected();
    const all = [];
    const a = await sim.postEvents({ count: 1500, mode: "mixed" });
    all.push(...(await postedKeys(a)));
    await nr.sinks.until(() => events().length >= 200, 20000, "first events");
    await sim.expireSessions();
    const b = await sim.postEvents({ count: 1000, mode: "mixed" });
    all.push(...(await postedKeys(b)));
    await nr.sinks.until(() => events().length >= 1600, 30000, "events after session expiry");
    await sim.fail({ seconds: 10, status: 503 });
    const c = await sim.postEvents({ count: 1000, mode: "mixed" });
    all.push(...(await postedKeys(c)));
    await nr.waitFor(() => /reconnecting/.test(nr.status("in1")?.text ?? ""), 10000, "reconnecting status");
    await sim.expireSessions();
    await waitCount(3500, 60000);
    await new Promise((r) => setTimeout(r, 1500));
    assertExactlyOnceInOrder(events(), all);
    const statuses = nr.statuses.get("in1").map((s) => s.text);
    statuses.some((t) => /reconnecting/.test(t)).should.be.true();
    nr.status("in1").fill.should.equal("green");
  });

  it("filters event types at the source (the collector's eventTypeId filter)", async () => {
    await nr.deploy(flow({ eventTypes: ["VmPoweredOnEvent", "com.vmware.vc.test.Custom"] }));
    await waitConnected();
    const res = await sim.postEvents({
      count: 300, mode: "mixed",
      types: ["VmPoweredOnEvent", "VmPoweredOffEvent", "EventEx:com.vmware.vc.test.Custom", "EventEx:com.vmware.vc.test.Other"],
    });
    const golden = (await postedKeys(res)).filter((g) => {
      const d = JSON.parse(g.json);
      return g.class === "VmPoweredOnEvent" || d.EventTypeId === "com.vmware.vc.test.Custom";
    });
    golden.length.should.equal(150);
    await waitCount(150);
    await new Promise((r) => setTimeout(r, 1000));
    assertExactlyOnceInOrder(events(), golden);
    const stats = await sim.stats();
    // vCenter handed out only the matching events: the filter ran at the source
    stats.returned.should.equal(150);
  });

  it("leaves no collectors or sessions behind after 20 redeploys, each close under 2 s", async () => {
    for (let i = 0; i < 20; i++) {
      const t0 = Date.now();
      await nr.deploy(flow({ name: `round ${i}` }));
      const took = Date.now() - t0;
      took.should.be.below(2000, `redeploy ${i} took ${took} ms`);
      await waitConnected();
      const s = await sim.stats();
      s.sessions.should.equal(1, `round ${i}: ${JSON.stringify(s)}`);
      s.collectors.should.equal(1, `round ${i}: ${JSON.stringify(s)}`);
    }
    const t0 = Date.now();
    await nr.deploy([]);
    (Date.now() - t0).should.be.below(2000);
    const s = await sim.stats();
    s.sessions.should.equal(0);
    s.collectors.should.equal(0);
  });

  it("lists event types for the editor: the catalog's classes and what the vCenter describes", async () => {
    await nr.deploy(flow());
    await waitConnected();
    const res = await fetch(`${nr.url}/vcenter-in/event-types?server=vc1`);
    res.status.should.equal(200);
    const names = await res.json();
    names.should.containDeep(["VmPoweredOnEvent", "VmReconfiguredEvent", "AlarmStatusChangedEvent", "UserLoginSessionEvent"]);
    names.length.should.be.above(400);
    const catalogOnly = await (await fetch(`${nr.url}/vcenter-in/event-types`)).json();
    names.should.containDeep(catalogOnly);
  });

  it("shows a red status and a clear error for a bad address, wrong credentials and an unreachable vCenter", async () => {
    const cases = [
      { address: "vc example", expect: /not a host name or URL/ },
      { password: "wrong", expect: /login failed for user "administrator@vsphere.local"/ },
      { address: "127.0.0.1:1", expect: /cannot reach vCenter at https:\/\/127\.0\.0\.1:1\/sdk/ },
    ];
    for (const c of cases) {
      nr.reset();
      await nr.deploy(flow(c));
      await nr.waitFor(() => nr.status("in1")?.fill === "red", 15000, `red status for ${JSON.stringify(c)}`);
      nr.status("in1").text.should.match(c.expect);
      nr.logLines("error", "in1").join("\n").should.match(c.expect);
    }
    // the runtime is still alive and a good configuration works right after
    await nr.deploy(flow());
    await waitConnected();
    await sim.postEvents({ count: 3 });
    await waitCount(3);
  });

  describe("delivery: acknowledged", () => {
    /** a consumer that holds each message `ms` before finishing it, counting what it holds */
    const slowConsumer = (ms) => ({
      id: "slow", type: "function", z: TAB, name: "slow consumer", outputs: 0, wires: [],
      func: `const g = global.get("testSink"); const st = global.get("held") ; st.n++; st.max = Math.max(st.max, st.n);
             setTimeout(() => { st.n--; g("events", msg); node.done(); }, ${ms});`,
    });

    it("keeps at most maxInFlight events in the flow, delivering all in order", async () => {
      nr.RED.settings.functionGlobalContext.held = { n: 0, max: 0 };
      const held = nr.RED.settings.functionGlobalContext.held;
      await nr.deploy(flow({ delivery: "acknowledged", maxInFlight: 25, consumer: slowConsumer(30) }));
      await waitConnected();
      const res = await sim.postEvents({ count: 400, mode: "mixed" });
      await waitCount(400, 60000);
      assertExactlyOnceInOrder(events(), await postedKeys(res));
      held.max.should.be.belowOrEqual(25);
      held.max.should.be.above(10); // the window was used, not one at a time
    });

    it("replays after a restart exactly the events the flow had not finished", async () => {
      nr.RED.settings.functionGlobalContext.held = { n: 0, max: 0 };
      await nr.deploy(flow({ delivery: "acknowledged", maxInFlight: 20, consumer: slowConsumer(100) }));
      await waitConnected();
      const res = await sim.postEvents({ count: 150, mode: "mixed" });
      const golden = await postedKeys(res);
      await nr.sinks.until(() => events().length >= 40, 30000, "40 events");
      await nr.stopFlows(); // the messages still held are dropped unfinished
      const before = keysOf(events());
      await nr.startFlows();
      await nr.sinks.until(() => new Set(keysOf(events())).size >= 150, 60000, "every event at least once");
      const got = keysOf(events());
      new Set(got).should.eql(new Set(golden.map((g) => g.key)));
      const dupes = got.length - 150;
      dupes.should.be.belowOrEqual(20, `${dupes} duplicates`);
      // the replay starts right after the last event finished before the stop, and is in order
      const after = got.slice(before.length);
      after.should.eql(golden.map((g) => g.key).slice(golden.length - after.length));
    });

    it("loses nothing when a node that queues messages completes them as it closes (core delay node)", async () => {
      const flows = flow({ delivery: "acknowledged", maxInFlight: 50 });
      flows.find((n) => n.id === "in1").wires = [["dl"]];
      // the delay node first, so it closes before vcenter-in does
      flows.splice(1, 0, {
        id: "dl", type: "delay", z: TAB, pauseType: "rate", timeout: "5", timeoutUnits: "seconds", rate: "20", nbRateUnits: "1",
        rateUnits: "second", randomFirst: "1", randomLast: "5", randomUnits: "seconds", drop: false, allowrate: false, outputs: 1, wires: [["s1"]],
      });
      await nr.deploy(flows);
      await waitConnected();
      const res = await sim.postEvents({ count: 120, mode: "mixed" });
      const golden = await postedKeys(res);
      await nr.sinks.until(() => events().length >= 10, 20000, "10 events");
      await nr.stopFlows(); // the delay node drops its queue and calls done() for it
      await nr.startFlows();
      await nr.sinks.until(() => new Set(keysOf(events())).size >= 120, 60000, `all 120 (have ${new Set(keysOf(events())).size})`);
      new Set(keysOf(events())).should.eql(new Set(golden.map((g) => g.key)));
    });

    it("does not stall when the flow ends in nodes that drop or do not forward messages", async () => {
      const flows = flow({ delivery: "acknowledged", maxInFlight: 50 });
      const vin = flows.find((n) => n.id === "in1");
      vin.wires = [["sw", "dbg", "s1"]];
      flows.push(
        { id: "sw", type: "switch", z: TAB, property: "topic", propertyType: "msg", rules: [{ t: "eq", v: "never", vt: "str" }], checkall: "true", outputs: 1, wires: [[]] },
        { id: "dbg", type: "debug", z: TAB, active: false, tosidebar: false, console: false, complete: "payload", wires: [] },
      );
      await nr.deploy(flows);
      await waitConnected();
      const res = await sim.postEvents({ count: 2000, mode: "mixed" });
      await waitCount(2000, 60000);
      assertExactlyOnceInOrder(events(), await postedKeys(res));
    });
  });
});
