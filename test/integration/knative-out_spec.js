"use strict";
/**
 * knative-out in a real Node-RED runtime (test/support/nodered.js) delivering to the
 * Knative-Broker-like peer over real sockets. Messages enter through the node's receive();
 * outputs and Catch nodes end in function nodes that hand messages to the test; completions
 * (done) are observed with an onComplete hook, the same hook the at-least-once tracking uses.
 */
const should = require("should");
const { HTTP } = require("cloudevents");
const { startNodeRed, sinkNode } = require("../support/nodered");
const { startKnativePeer } = require("../support/knative-peer");
const { startVcsim, buildVcsim } = require("../support/vcsim");

const TAB = "tabK";
const NON_ASCII = 'Zürich – Euro € 😀 "quoted" 100%';
const tick = (ms) => new Promise((r) => setTimeout(r, ms));

function event(i, extra) {
  return Object.assign(
    {
      specversion: "1.0", id: String(i), source: "https://vc.example.com/sdk", type: "com.vmware.vsphere.VmPoweredOnEvent.v0",
      time: "2026-11-24T10:00:00Z", datacontenttype: "application/json", data: { Key: i },
    },
    extra,
  );
}

function sdkReceive(rec) {
  const ct = String(rec.headers["content-type"] || "");
  const body = rec.body.length === 0 ? undefined : /json|text|xml/.test(ct) ? rec.body.toString("utf8") : rec.body;
  return HTTP.toEvent({ headers: rec.headers, body });
}

function resourceCounts() {
  const counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] || 0) + 1;
  return counts;
}

describe("knative-out in Node-RED against the Knative peer", function () {
  this.timeout(60000);
  let nr;
  let peer;
  let completions = [];

  before(async function () {
    nr = await startNodeRed();
    peer = await startKnativePeer({ path: "/default/default" });
    nr.RED.hooks.add("onComplete.knativeOutSpec", (ev) => {
      if (ev.node && ev.node.id === "k1") completions.push({ id: ev.msg && ev.msg.payload && ev.msg.payload.id, error: ev.error });
    });
  });

  after(async function () {
    if (nr) {
      nr.RED.hooks.remove("*.knativeOutSpec");
      await nr.deploy([]);
    }
    if (peer) await peer.close();
  });

  beforeEach(async function () {
    await deploy([]);
    peer.reset().setDefault({ status: 202 });
    nr.reset();
    completions = [];
  });

  function flow(opts = {}) {
    const { deadWired = true, url = peer.url, credentials = {}, ...props } = opts;
    return [
      { id: TAB, type: "tab", label: "knative" },
      {
        id: "k1", type: "knative-out", z: TAB, name: "", url, encoding: "binary", insecureSSL: false, authType: "none",
        timeout: 5, retries: 3, backoffDelay: 0.01, concurrency: 1, ceType: "", ceSource: "", ...props,
        credentials, wires: [["ok"], deadWired ? ["dead"] : []],
      },
      sinkNode("ok", "delivered", TAB),
      sinkNode("dead", "dead", TAB),
      { id: "c1", type: "catch", z: TAB, name: "", scope: ["k1"], uncaught: false, wires: [["caught"]] },
      sinkNode("caught", "caught", TAB),
    ];
  }

  /** deploy and wait until the flow's nodes are started (setFlows resolves before the start) */
  async function deploy(flows) {
    const { events } = require("@node-red/util");
    const revs = new Set();
    const onStarted = (ev) => revs.add(ev && ev.config && ev.config.rev);
    events.on("flows:started", onStarted);
    try {
      await nr.deploy(flows);
      const { rev } = await nr.RED.runtime.flows.getFlows({});
      await nr.waitFor(() => revs.has(rev), 10000, "flows started");
    } finally {
      events.removeListener("flows:started", onStarted);
    }
  }

  const inject = (msg, id = "k1") => nr.RED.nodes.getNode(id).receive(msg);
  const delivered = () => nr.sinks.get("delivered");
  const dead = () => nr.sinks.get("dead");
  const caught = () => nr.sinks.get("caught");

  for (const encoding of ["binary", "structured"]) {
    it(`${encoding}: the cloudevents SDK receives attributes and data intact, non-ASCII subject and extension included`, async function () {
      await deploy(flow({ encoding }));
      const sent = event("ä-1", {
        subject: NON_ASCII, location: "Zürich", count: 7, flag: true, time: "2026-11-24T10:00:00.123Z",
        data: { Key: 1, FullFormattedMessage: "VM Ω powered on", Vm: { Type: "VirtualMachine", Value: "vm-1" }, list: [1, null, true] },
      });
      inject({ topic: "VmPoweredOnEvent", payload: sent });
      await nr.sinks.until(() => delivered().length === 1, 10000, "delivered");
      const msg = delivered()[0];
      msg.statusCode.should.equal(202);
      msg.response.should.match({ statusCode: 202, body: "", attempts: 1 });
      msg.payload.should.eql(sent);
      msg.topic.should.equal("VmPoweredOnEvent");
      peer.accepted.should.have.length(1);
      peer.accepted[0].mode.should.equal(encoding);
      const got = sdkReceive(peer.accepted[0]);
      got.validate().should.be.true();
      const dec = (v) => (encoding === "binary" ? decodeURIComponent(v) : v);
      dec(got.id).should.equal(sent.id);
      dec(got.subject).should.equal(NON_ASCII);
      dec(got.location).should.equal("Zürich");
      got.source.should.equal(sent.source);
      got.type.should.equal(sent.type);
      Date.parse(got.time).should.equal(Date.parse(sent.time));
      got.data.should.eql(sent.data);
      if (encoding === "binary") {
        got.count.should.equal("7"); // headers carry strings
        peer.accepted[0].headers["ce-subject"].should.match(/^[\x21-\x7e]+$/); // percent-encoded on the wire
      } else {
        got.count.should.equal(7);
        got.flag.should.equal(true);
      }
      completions.should.eql([{ id: "ä-1", error: undefined }]);
    });
  }

  it("the sink answers 503 for 20 s mid-stream of 5,000 events: all delivered once, in order, with bounded attempts and back-off", async function () {
    this.timeout(120000);
    const N = 5000;
    await deploy(flow({ retries: 10, backoffDelay: 0.05 }));
    let outageAt;
    peer.when((req) => {
      if (outageAt === undefined && req.id === "700") {
        outageAt = req.at;
        peer.failFor(20000, { status: 503 });
        return { status: 503 };
      }
      return undefined;
    });
    for (let i = 0; i < N; i += 100) {
      for (let j = i; j < i + 100; j++) inject({ topic: "t", payload: event(j) });
      await tick(10);
    }
    await nr.sinks.until(() => delivered().length === N, 90000, `${N} delivered (have ${delivered().length})`);
    const want = Array.from({ length: N }, (_, i) => String(i));
    peer.acceptedIds().should.eql(want); // each once, in order
    delivered().map((m) => m.payload.id).should.eql(want);
    dead().should.eql([]);
    const attempts = peer.attemptsFor("700");
    attempts.length.should.be.within(8, 11); // 20 s of 503 with waits of 0.1, 0.2, 0.4, ... 12.8 s (±20 %)
    const gaps = [];
    for (let i = 1; i < attempts.length; i++) gaps.push(attempts[i].at - attempts[i - 1].at);
    gaps.forEach((g, i) => g.should.be.aboveOrEqual(0.8 * 50 * Math.pow(2, i + 1) - 5, `wait before retry ${i + 1}: ${g} ms`));
    (peer.requests.length - N).should.equal(attempts.length - 1); // only the head event was retried: no retry storm
    attempts[attempts.length - 1].at.should.be.aboveOrEqual(outageAt + 19900);
    nr.statuses.get("k1").some((s) => /^retrying: HTTP 503 Service Unavailable/.test(s.text)).should.be.true();
    await nr.waitFor(() => nr.status("k1").text === `delivered: ${N}, failed: 0`, 3000, "final status");
    nr.status("k1").fill.should.equal("green");
    completions.length.should.equal(N);
    completions.filter((c) => c.error).should.eql([]);
  });

  it("400 goes to output 2 with the reason and body, without blocking the stream; exhausted retries too", async function () {
    await deploy(flow({ retries: 2 }));
    peer.when((req) => (req.id === "3" ? { status: 400, body: "bad event: attribute type" } : req.id === "6" ? { status: 503, retryAfter: 0 } : undefined));
    for (let i = 0; i < 10; i++) inject({ payload: event(i) });
    await nr.sinks.until(() => delivered().length + dead().length === 10, 10000, "10 results");
    delivered().map((m) => m.payload.id).should.eql(["0", "1", "2", "4", "5", "7", "8", "9"]);
    dead().map((m) => m.payload.id).should.eql(["3", "6"]);
    dead()[0].error.should.eql({
      message: "HTTP 400 Bad Request", status: 400, reason: "HTTP 400 Bad Request", body: "bad event: attribute type", attempts: 1, retryable: false,
    });
    dead()[1].error.should.match({ status: 503, reason: "HTTP 503 Service Unavailable (gave up after 3 attempts)", attempts: 3, retryable: true });
    peer.attemptsFor("3").length.should.equal(1);
    should(dead()[0].statusCode).be.undefined();
    caught().should.eql([]); // output 2 is wired: no error
    await nr.waitFor(() => /failed: 2 \(last: HTTP 503/.test(nr.status("k1").text), 3000, "status with the last error");
    nr.status("k1").text.should.equal("delivered: 8, failed: 2 (last: HTTP 503 Service Unavailable (gave up after 3 attempts))");
    completions.length.should.equal(10);
    completions.filter((c) => c.error).should.eql([]);
  });

  it("with output 2 unwired a failure is a catchable error (done(err)) carrying the dead letter", async function () {
    await deploy(flow({ deadWired: false, retries: 1 }));
    peer.when((req) => (req.id === "bad" ? { status: 422, body: "unprocessable" } : undefined));
    inject({ payload: event("bad") });
    inject({ payload: event("good") });
    await nr.sinks.until(() => caught().length === 1 && delivered().length === 1, 10000, "caught + delivered");
    const c = caught()[0];
    c.error.message.should.equal("Error: not delivered: HTTP 422 Unprocessable Entity");
    c.error.source.id.should.equal("k1");
    c._error.should.match({ status: 422, reason: "HTTP 422 Unprocessable Entity", body: "unprocessable", attempts: 1 });
    c.payload.id.should.equal("bad");
    completions.length.should.equal(2);
    should(completions.find((x) => x.id === "bad").error).be.ok();
    should(completions.find((x) => x.id === "good").error).be.undefined();
    // no answer at all: transport errors are retried, then caught
    await deploy(flow({ deadWired: false, retries: 1, url: "http://127.0.0.1:1/x" }));
    nr.sinks.clear();
    inject({ payload: event("refused") });
    await nr.sinks.until(() => caught().length === 1, 10000, "caught");
    caught()[0]._error.should.match({ status: 0, code: "ECONNREFUSED", attempts: 2, retryable: true });
    caught()[0].error.message.should.match(/not delivered: .*ECONNREFUSED.*\(gave up after 2 attempts\)/);
  });

  it("wraps a payload that is not a CloudEvent, and dead-letters an invalid CloudEvent without sending it", async function () {
    await deploy(flow({ ceType: "com.example.reading", ceSource: "/sensors/1", encoding: "binary" }));
    inject({ payload: { temperature: 21.5, unit: "°C" } });
    inject({ payload: "hello wörld" });
    inject({ payload: { specversion: "1.0", id: "x", type: "t" } });
    await nr.sinks.until(() => delivered().length === 2 && dead().length === 1, 10000, "results");
    const [a, b] = peer.accepted;
    a.headers["ce-type"].should.equal("com.example.reading");
    a.headers["ce-source"].should.equal("/sensors/1");
    a.headers["ce-specversion"].should.equal("1.0");
    a.headers["ce-id"].should.match(/^[0-9a-f-]{36}$/);
    a.headers["content-type"].should.equal("application/json");
    JSON.parse(a.body.toString("utf8")).should.eql({ temperature: 21.5, unit: "°C" });
    b.headers["content-type"].should.equal("text/plain; charset=utf-8");
    b.body.toString("utf8").should.equal("hello wörld");
    a.headers["ce-id"].should.not.equal(b.headers["ce-id"]);
    delivered()[0].payload.should.eql({ temperature: 21.5, unit: "°C" }); // the message is unchanged
    dead()[0].error.should.match({ status: 0, attempts: 0, code: "EINVALIDEVENT", reason: "invalid CloudEvent: attribute source is missing" });
    peer.requests.length.should.equal(2);
    // the default type and source
    await deploy(flow({ encoding: "structured" }));
    peer.reset();
    inject({ payload: 42 });
    await nr.sinks.until(() => peer.accepted.length === 1, 10000, "structured");
    JSON.parse(peer.accepted[0].body.toString("utf8")).should.match({ type: "org.nodered.message", source: "/node-red/knative-out/k1", data: 42 });
  });

  it("bad settings: red status and a clear error at deploy, messages dead-lettered, Node-RED keeps running", async function () {
    const cases = [
      [{ url: "" }, /invalid settings: no URL configured/],
      [{ url: "broker.example.com/default" }, /invalid settings: URL "broker.example.com\/default" (is not a URL|must start with http)/],
      [{ url: "ftp://broker.example.com" }, /must start with http:\/\/ or https:\/\//],
      [{ url: "http://user:pw@broker.example.com" }, /must not contain a user name or password/],
      [{ retries: "many" }, /retries "many" is not a number/],
      [{ encoding: "avro" }, /encoding "avro" is not binary or structured/],
      [{ authType: "basic" }, /basic authentication needs a user name/],
      [{ authType: "bearer", credentials: { token: "a b" } }, /bearer token contains spaces/],
      [{ ceSource: "not a uri" }, /source/],
    ];
    for (const [opts, re] of cases) {
      nr.reset();
      await deploy(flow({ deadWired: false, ...opts }));
      await nr.waitFor(() => nr.status("k1")?.fill === "red", 5000, `red status for ${JSON.stringify(opts)}`);
      nr.status("k1").text.should.match(re);
      nr.logLines("error", "k1").join("\n").should.match(re);
    }
    inject({ payload: event(1) });
    await nr.sinks.until(() => caught().length === 1, 5000, "caught");
    caught()[0].error.message.should.match(/not delivered: not configured: /);
    await deploy([]); // (Node-RED 4.1 logs a TypeError for a full deploy that only rewires a node)
    await deploy(flow());
    inject({ payload: event(2) });
    await nr.sinks.until(() => delivered().length === 1, 5000, "delivered after fixing the settings");
  });

  it("sends basic and bearer credentials", async function () {
    await deploy(flow({ authType: "basic", credentials: { username: "user", password: "pässword" } }));
    inject({ payload: event(1) });
    await nr.sinks.until(() => delivered().length === 1, 5000, "delivered");
    peer.accepted[0].headers.authorization.should.equal("Basic " + Buffer.from("user:pässword").toString("base64"));
    await deploy(flow({ authType: "bearer", credentials: { token: "tok-123" } }));
    peer.reset();
    inject({ payload: event(2) });
    await nr.sinks.until(() => peer.accepted.length === 1, 5000, "delivered");
    peer.accepted[0].headers.authorization.should.equal("Bearer tok-123");
  });

  it("concurrency > 1 delivers in parallel", async function () {
    await deploy(flow({ concurrency: 8 }));
    peer.setDefault({ status: 202, delayMs: 20 });
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) inject({ payload: event(i) });
    await nr.sinks.until(() => delivered().length === 200, 20000, "200 delivered");
    (Date.now() - t0).should.be.below(2000); // one at a time would take at least 4 s
    new Set(peer.acceptedIds()).size.should.equal(200);
  });

  it("close and redeploy are fast, complete nothing that was cut off, and leave no open handles", async function () {
    await tick(10); // measured the same way as below: right after a timer fired
    const baseline = resourceCounts();
    peer.setDefault({ status: 202, delayMs: 3000 });
    await deploy(flow());
    for (let i = 0; i < 5; i++) inject({ payload: event(i) });
    await nr.waitFor(() => peer.requests.length === 1, 5000, "first request on the wire");
    const t0 = Date.now();
    await deploy([]);
    (Date.now() - t0).should.be.below(2000);
    completions.should.eql([]); // closed deliveries are not completed: the source replays them
    nr.logLines("error").should.eql([]);
    // the peer still holds its delayed answers to the requests that were cut off: not ours
    for (const t of peer.timers) clearTimeout(t);
    peer.timers.clear();
    peer.setDefault({ status: 202 });
    for (let round = 0; round < 20; round++) {
      await deploy(flow({ name: `round ${round}` }));
      for (let i = 0; i < 20; i++) inject({ payload: event(`${round}-${i}`) });
      await tick(5);
    }
    await deploy([]);
    await tick(1200); // undici's shared 0.5 s tick timer stops once its timers are gone
    const after = resourceCounts();
    for (const kind of ["TCPSocketWrap", "Timeout", "TCPServerWrap"]) {
      (after[kind] || 0).should.be.belowOrEqual(baseline[kind] || 0, `${kind}: ${JSON.stringify({ baseline, after })}`);
    }
  });

  describe("end to end: test vCenter -> vcenter-in -> knative-out -> Knative peer", function () {
    let sim;
    before(async function () {
      await buildVcsim();
      sim = await startVcsim({ username: "administrator@vsphere.local", password: "s3cret!" });
    });
    after(async function () {
      if (sim) await sim.stop();
    });

    it("delivers 1,000 events, every key, in order (binary, acknowledged)", async function () {
      await deploy([
        { id: "tabE", type: "tab", label: "e2e" },
        { id: "vc1", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
        {
          id: "in1", type: "vcenter-in", z: "tabE", name: "", server: "vc1", eventTypes: [], format: "vsphere", payloadEncoding: "json",
          checkpointStore: "file", checkpointPeriod: 1, maxAge: 3600, delivery: "acknowledged", wires: [["k1"]],
        },
        {
          id: "k1", type: "knative-out", z: "tabE", name: "", url: peer.url, encoding: "binary", insecureSSL: false, authType: "none",
          timeout: 5, retries: 10, backoffDelay: 0.05, concurrency: 1, ceType: "", ceSource: "", wires: [[], ["dead"]],
        },
        sinkNode("dead", "dead", "tabE"),
      ]);
      await nr.waitFor(() => /connected/.test(nr.status("in1")?.text ?? ""), 20000, "vcenter-in connected");
      const res = await sim.postEvents({ count: 1000, mode: "mixed" });
      const golden = await sim.golden({ fromKey: res.first.key, count: res.count });
      peer.failFor(500, { status: 503 }); // a short outage on the way
      await nr.waitFor(() => peer.accepted.length >= 1000, 60000, `1000 accepted (have ${peer.accepted.length})`);
      await tick(500);
      peer.acceptedIds().should.eql(golden.map((g) => String(g.key)));
      peer.accepted.forEach((r, i) => {
        r.mode.should.equal("binary");
        r.headers["ce-source"].should.equal(sim.sdkUrl);
        JSON.parse(r.body.toString("utf8")).Key.should.equal(golden[i].key);
      });
      dead().should.eql([]);
    });
  });
});
