"use strict";
/**
 * eventbridge-out end to end: a real Node-RED runtime loading the package, putting events on the
 * EventBridge test peer (AWS JSON 1.1 over HTTP, SigV4 verified) through the real AWS SDK.
 * The first test reads the events from the govmomi-based test vCenter through vcenter-in.
 */
// The AWS SDK warns once per process on Node 20 that releases after January 2027 need Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const should = require("should");
const { startEventBridgePeer } = require("../support/eventbridge-peer");
const { startNodeRed, sinkNode } = require("../support/nodered");
const { startVcsim, buildVcsim } = require("../support/vcsim");

const TAB = "tab1";
const KEY = "AKIDNODERED";
const SECRET = "node-red-test-secret";
const ACCOUNT = "123456789012";

describe("eventbridge-out against the EventBridge test peer", function () {
  this.timeout(120000);
  let peer;
  let nr;

  before(async () => {
    peer = await startEventBridgePeer({ credentials: { [KEY]: SECRET }, account: ACCOUNT, order: "created", pageSize: 50 });
    nr = await startNodeRed();
  });

  after(async () => {
    if (nr) await nr.deploy([]);
    if (peer) await peer.stop();
  });

  beforeEach(async () => {
    await nr.deploy([]);
    peer.reset();
    peer.resetRules();
    nr.reset();
  });

  /** eventbridge-out `eb1` with outputs to sinks "sent" / "dead", plus complete and catch nodes on it */
  function ebFlow(opts = {}) {
    const {
      ruleArn = "", eventBus = "default", region = "us-east-1", endpoint = peer.url,
      credentials = { accessKeyId: KEY, secretAccessKey: SECRET }, batchLimit = 256, flushInterval = 20,
      ruleRefresh = 300, deadWired = true,
    } = opts;
    return [
      { id: TAB, type: "tab", label: "eventbridge" },
      {
        id: "eb1", type: "eventbridge-out", z: TAB, name: "", region, eventBus, ruleArn, endpoint, batchLimit, flushInterval,
        ruleRefresh, ceType: "", ceSource: "", credentials, wires: [["sent"], deadWired ? ["dead"] : []],
      },
      sinkNode("sent", "sent", TAB),
      sinkNode("dead", "dead", TAB),
      { id: "cmp", type: "complete", z: TAB, scope: ["eb1"], uncaught: false, wires: [["cmps"]] },
      sinkNode("cmps", "completed", TAB),
      { id: "ctch", type: "catch", z: TAB, scope: ["eb1"], uncaught: false, wires: [["ctchs"]] },
      sinkNode("ctchs", "caught", TAB),
    ];
  }

  const got = (name) => nr.sinks.get(name);
  const ebStatus = () => nr.status("eb1") || {};
  const waitStatus = (re, what, ms = 15000) =>
    nr.waitFor(() => re.test(ebStatus().text || ""), ms, `${what} (status now ${JSON.stringify(ebStatus())})`);

  function event(i, extra = {}) {
    return {
      specversion: "1.0",
      id: String(i),
      source: "https://vc.test.local/sdk",
      type: "com.vmware.vsphere.VmPoweredOnEvent.v0",
      time: new Date(Date.UTC(2024, 0, 1, 0, 0, i % 60)).toISOString(),
      datacontenttype: "application/json",
      data: { Key: i, Vm: { Name: `vm-${i % 7}` }, FullFormattedMessage: "x".repeat(200) },
      eventclass: "event",
      ...extra,
    };
  }

  /** errors of eb1: logged, or handed to its catch node (then Node-RED does not log them) */
  const errors = () => [...nr.logLines("error", "eb1"), ...got("caught").map((m) => m.error.message)].join("\n");

  function inject(msgs) {
    const node = nr.RED.nodes.getNode("eb1");
    should.exist(node, "eb1 is deployed");
    for (const m of msgs) node.receive(m);
  }

  function assertBatches(limitBytes) {
    peer.putEventsCalls.length.should.be.above(0);
    for (const c of peer.putEventsCalls) {
      c.entries.should.be.within(1, 10);
      c.bytes.should.be.below(limitBytes);
    }
  }

  describe("from the test vCenter through vcenter-in", function () {
    let sim;
    before(async function () {
      await buildVcsim();
      sim = await startVcsim({ username: "administrator@vsphere.local", password: "s3cret!" });
    });
    after(async () => {
      if (nr) await nr.deploy([]);
      if (sim) await sim.stop();
    });

    it("1,000 events, a rule matching a third: exactly that third arrives, in batches of ≤ 10 below the size limit; the rest are filtered and acknowledged", async () => {
      await sim.reset();
      // the rule sits behind 120 others with the same prefix, in pages of 50 (ListRules order is the creation order here)
      for (let i = 0; i < 120; i++) peer.putRule({ Name: `vm-powered-on-${String(i).padStart(3, "0")}`, EventPattern: { source: [`other-${i}`] } });
      const ruleArn = peer.putRule({
        Name: "vm-powered-on",
        EventPattern: {
          "detail-type": ["VmPoweredOnEvent"],
          source: [{ prefix: "https://" }],
          detail: {
            type: [{ wildcard: "com.vmware.vsphere.*.v0" }],
            eventclass: ["event"],
            data: { Key: [{ numeric: [">", -2147483649] }], Vm: { Name: [{ exists: true }] } },
          },
          $or: [{ account: [ACCOUNT] }, { region: ["nowhere-1"] }],
        },
      });
      const flows = ebFlow({ ruleArn, batchLimit: 8 }); // vSphere events are 1-2 KB: 8 KB cuts most batches by size
      flows.push(
        { id: "vc1", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
        {
          id: "in1", type: "vcenter-in", z: TAB, name: "", server: "vc1", eventTypes: [], format: "vsphere", payloadEncoding: "json",
          checkpointStore: "file", checkpointPeriod: 1, maxAge: 3600, delivery: "acknowledged", maxInFlight: 100, wires: [["eb1"]],
        },
      );
      await nr.deploy(flows);
      await nr.waitFor(() => /connected/.test(nr.status("in1")?.text ?? ""), 20000, "vcenter-in connected");
      await waitStatus(/rule vm-powered-on/, "rule loaded");
      const res = await sim.postEvents({ count: 1000, mode: "mixed", types: ["VmPoweredOnEvent", "VmPoweredOffEvent", "VmReconfiguredEvent"] });
      const golden = await sim.golden({ fromKey: res.first.key, count: res.count });
      golden.length.should.equal(1000);
      const want = golden.filter((g) => g.class === "VmPoweredOnEvent").map((g) => String(g.key));
      want.length.should.equal(334);

      // filtered events must be acknowledged, or vcenter-in (100 in flight at most) would stall
      await nr.sinks.until(() => got("completed").length >= 1000, 60000, `1000 completed (have ${got("completed").length})`);
      await new Promise((r) => setTimeout(r, 300));
      got("completed").length.should.equal(1000);
      got("sent").length.should.equal(334);
      got("dead").length.should.equal(0);
      got("caught").length.should.equal(0);

      const arrived = peer.entries.map((e) => e.detail.id);
      arrived.length.should.equal(334, "each matching event arrives once");
      new Set(arrived).should.eql(new Set(want));
      for (const e of peer.entries) {
        e.Source.should.equal(sim.sdkUrl);
        e.DetailType.should.equal("VmPoweredOnEvent");
        e.EventBusName.should.equal("default");
        e.detail.type.should.equal("com.vmware.vsphere.VmPoweredOnEvent.v0");
        e.Time.should.be.a.Number();
      }
      // the sent messages carry the peer's EventIds
      const ids = new Set(peer.entries.map((e) => e.EventId));
      for (const m of got("sent")) {
        ids.has(m.eventId).should.be.true();
        m.response.should.containEql({ statusCode: 200, eventId: m.eventId, attempts: 1 });
      }
      assertBatches(8 * 1024);
      peer.putEventsCalls.some((c) => c.entries < 10 && c.bytes + 1500 >= 8 * 1024).should.be.true("some calls were cut by size");
      peer.putEventsCalls.length.should.be.below(334); // batched, not one call per event
      peer.counts.ListRules.should.equal(3); // 171 rules with the prefix, 50 per page
      await waitStatus(/sent 334, filtered 666, failed 0 · rule vm-powered-on/, "final counts");
      ebStatus().fill.should.equal("green");
    });
  });

  it("retries throttled entries until they arrive; malformed ones come out of output 2 with the error code", async () => {
    await nr.deploy(ebFlow());
    await waitStatus(/no rule/, "ready");
    peer.failEntries((entry, info) => {
      const n = info.detail && info.detail.data && info.detail.data.Key;
      if (n % 10 === 0 && info.attempt <= 2) return { code: "ThrottlingException", message: "Rate exceeded" };
      if (n % 10 === 5 && info.attempt <= 1) return { code: "InternalFailure", message: "Internal failure" };
      return undefined;
    });
    const msgs = [];
    for (let i = 0; i < 300; i++) {
      const extra = {};
      if (i % 25 === 7) extra.data = { Key: i, big: 2 ** 64 }; // an integer outside int64: MalformedDetail
      msgs.push({ topic: "VmPoweredOnEvent", payload: event(i, extra) });
    }
    let deep = {};
    const root = deep;
    for (let d = 0; d < 1001; d++) deep = deep.x = {};
    msgs.push({ topic: "Deep", payload: event(300, { data: { Key: 300, root } }) });
    inject(msgs);
    await nr.sinks.until(() => got("completed").length >= 301, 30000, `301 completed (have ${got("completed").length})`);
    const malformed = msgs.filter((m) => m.payload.data.big !== undefined || m.payload.data.root !== undefined).map((m) => m.payload.id);
    malformed.length.should.equal(13);
    got("dead").map((m) => m.payload.id).sort().should.eql(malformed.sort());
    for (const m of got("dead")) {
      m.error.should.containEql({ code: "MalformedDetail", message: "Detail is malformed.", attempts: 1, status: 200, retryable: false });
    }
    got("sent").length.should.equal(301 - 13);
    const arrived = peer.entries.map((e) => e.detail.id);
    arrived.length.should.equal(288, "every good event arrives exactly once");
    new Set(arrived).size.should.equal(288);
    for (const e of peer.entries) {
      const k = e.detail.data.Key;
      e.attempt.should.equal(k % 10 === 0 ? 3 : k % 10 === 5 ? 2 : 1, `attempts of ${k}`);
    }
    for (const m of got("sent")) m.response.attempts.should.equal(m.payload.data.Key % 10 === 0 ? 3 : m.payload.data.Key % 10 === 5 ? 2 : 1);
    assertBatches(256 * 1024);
    got("caught").length.should.equal(0);
    await waitStatus(/sent 288, filtered 0, failed 13/, "counts");
  });

  it("without ruleArn sends every event and never reads rules", async () => {
    peer.putRule({ Name: "unused", EventPattern: { source: ["nothing"] } });
    await nr.deploy(ebFlow());
    await waitStatus(/no rule: all events/, "ready");
    inject(Array.from({ length: 500 }, (_, i) => ({ topic: i % 2 ? "A" : "B", payload: event(i) })));
    await nr.sinks.until(() => got("sent").length >= 500, 30000, "500 sent");
    peer.entries.length.should.equal(500);
    should(peer.counts.ListRules).be.undefined();
    assertBatches(256 * 1024);
    await waitStatus(/sent 500, filtered 0, failed 0 · no rule/, "counts");
  });

  it("a rule that does not exist: red status and a clear error; events go to output 2 (ERULE); it recovers when the rule appears", async () => {
    await nr.deploy(ebFlow({ ruleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/nope`, ruleRefresh: 300 }));
    await nr.waitFor(() => ebStatus().fill === "red", 15000, "red status");
    ebStatus().shape.should.equal("ring");
    ebStatus().text.should.match(/^rule "arn:aws:events:us-east-1:123456789012:rule\/nope" on event bus "default" does not exist/);
    errors().should.match(/rule "arn:aws:events:us-east-1:123456789012:rule\/nope" on event bus "default" does not exist/);
    inject([{ topic: "T", payload: event(1) }]);
    await nr.sinks.until(() => got("dead").length >= 1 && got("completed").length >= 1, 10000, "dead letter");
    got("dead")[0].error.should.containEql({ code: "ERULE", attempts: 0 });
    got("completed").length.should.equal(1);
    peer.entries.length.should.equal(0);

    // other ways the rule cannot be read: an unknown bus, wrong credentials
    const cases = [
      { opts: { eventBus: "no-such-bus", ruleArn: "r" }, expect: /cannot read rule "r" on event bus "no-such-bus": HTTP 400 ResourceNotFoundException: Event bus no-such-bus does not exist\./ },
      { opts: { ruleArn: "r", credentials: { accessKeyId: KEY, secretAccessKey: "wrong" } }, expect: /cannot read rule "r" on event bus "default": HTTP 403 InvalidSignatureException/ },
      { opts: { ruleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/other-bus/r` }, expect: /invalid settings: rule "r" belongs to event bus "other-bus", but events go to event bus "default"/ },
    ];
    for (const c of cases) {
      nr.reset();
      await nr.deploy(ebFlow(c.opts));
      await nr.waitFor(() => ebStatus().fill === "red", 15000, `red status for ${JSON.stringify(c.opts)}`);
      ebStatus().text.should.match(c.expect);
      errors().should.match(c.expect);
    }

    // the rule appears: the node finds it at the next look-up (every minute in error; here: a redeploy)
    peer.putRule({ Name: "nope", EventPattern: { "detail-type": ["T"] } });
    nr.reset();
    await nr.deploy(ebFlow({ ruleArn: `arn:aws:events:us-east-1:${ACCOUNT}:rule/nope` }));
    await waitStatus(/rule nope/, "rule found");
    inject([{ topic: "T", payload: event(2) }, { topic: "U", payload: event(3) }]);
    await nr.sinks.until(() => got("completed").length >= 2, 10000, "2 completed");
    got("sent").map((m) => m.payload.id).should.eql(["2"]);
  });

  it("a failed refresh keeps the last pattern (and says so); the next good refresh applies the new one", async () => {
    const ruleArn = peer.putRule({ Name: "power", EventPattern: { "detail-type": ["VmPoweredOnEvent"] } });
    await nr.deploy(ebFlow({ ruleArn, ruleRefresh: 0.3 }));
    await waitStatus(/· rule power$/, "rule loaded");
    peer.failCalls("ListRules", Array.from({ length: 1000 }, () => ({ status: 500, type: "InternalException", message: "service unavailable" })));
    peer.putRule({ Name: "power", EventPattern: { "detail-type": ["VmPoweredOffEvent"] } }); // not seen while refreshes fail
    await waitStatus(/rule power not refreshed, using its last pattern: HTTP 500 InternalException: service unavailable/, "stale status");
    ebStatus().fill.should.equal("yellow");
    nr.logLines("warn", "eb1").join("\n").should.match(/could not refresh rule power; its last pattern stays in use/);
    inject([{ topic: "VmPoweredOnEvent", payload: event(1) }, { topic: "VmPoweredOffEvent", payload: event(2) }]);
    await nr.sinks.until(() => got("completed").length >= 2, 10000, "2 completed");
    got("sent").map((m) => m.payload.id).should.eql(["1"]); // the old pattern decided
    peer.callScripts.get("ListRules").length = 0; // refreshes work again
    await waitStatus(/· rule power$/, "fresh rule");
    inject([{ topic: "VmPoweredOnEvent", payload: event(3) }, { topic: "VmPoweredOffEvent", payload: event(4) }]);
    await nr.sinks.until(() => got("completed").length >= 4, 10000, "4 completed");
    got("sent").map((m) => m.payload.id).should.eql(["1", "4"]);
  });

  it("with output 2 unwired a failure is a catchable error; done() is called exactly once per message", async () => {
    await nr.deploy(ebFlow({ deadWired: false, credentials: { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" } }));
    await waitStatus(/no rule/, "ready");
    inject([{ topic: "T", payload: event(1) }, { topic: "T", payload: { specversion: "1.0", id: "x", type: "t" } }]);
    await nr.sinks.until(() => got("caught").length >= 2, 10000, "2 caught");
    await new Promise((r) => setTimeout(r, 200));
    got("caught").length.should.equal(2);
    got("completed").length.should.equal(0); // done(err) goes to catch, not complete
    const texts = got("caught").map((m) => m.error.message).sort();
    texts[0].should.match(/not sent: EINVALIDEVENT: invalid CloudEvent: attribute source is missing/);
    texts[1].should.match(/not sent: UnrecognizedClientException: HTTP 400 UnrecognizedClientException: The security token included in the request is invalid\./);
    await waitStatus(/failed 2/, "counts");
    ebStatus().fill.should.equal("red");
  });

  it("close aborts pending work at once, acknowledges nothing it abandoned, and leaves no sockets or timers", async () => {
    const resources = () => {
      const counts = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] || 0) + 1;
      return counts;
    };
    await nr.deploy([]);
    await new Promise((r) => setTimeout(r, 200));
    const before = resources();
    peer.setDelay(0);
    await nr.deploy(ebFlow());
    await waitStatus(/no rule/, "ready");
    // everything is throttled: entries wait in back-off, and slow calls are in flight
    peer.failEntries(() => ({ code: "ThrottlingException", message: "Rate exceeded" }));
    inject(Array.from({ length: 100 }, (_, i) => ({ topic: "T", payload: event(i) })));
    await nr.waitFor(() => /retrying ThrottlingException/.test(ebStatus().text || ""), 10000, "retrying");
    peer.setDelay(3000);
    inject(Array.from({ length: 30 }, (_, i) => ({ topic: "T", payload: event(1000 + i) })));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await nr.deploy([]);
    const took = Date.now() - t0;
    took.should.be.below(1000, `close took ${took} ms`);
    got("completed").length.should.equal(0);
    got("dead").length.should.equal(0);
    got("caught").length.should.equal(0);
    peer.setDelay(0);
    await new Promise((r) => setTimeout(r, 3300)); // the peer's own delayed answers (3 s) are timers of this process too
    peer.sockets.size.should.equal(0, "no connection to the peer is left open");
    const after = resources();
    const timers = () => process._getActiveHandles().filter((h) => h && h.constructor && h.constructor.name === "Timeout").map((h) => String(h._onTimeout).slice(0, 120));
    (after.Timeout || 0).should.be.belowOrEqual(before.Timeout || 0, `timers ${JSON.stringify(before)} -> ${JSON.stringify(after)}: ${timers().join(" | ")}`);
    (after.TCPSocketWrap || 0).should.be.belowOrEqual(before.TCPSocketWrap || 0, `sockets ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  });
});
