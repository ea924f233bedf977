"use strict";
/**
 * openfaas-out in a real Node-RED runtime (test/support/nodered.js) against the OpenFaaS
 * gateway peer over real sockets: topic subscriptions, discovery refresh, failing functions,
 * basic auth, async invocation with a callback, close/redeploy. Completions (done) are
 * observed with an onComplete hook, the hook the at-least-once tracking uses.
 */
const fs = require("node:fs");
const path = require("node:path");
const should = require("should");
const { events } = require("@node-red/util");
const { startNodeRed, sinkNode, repoRoot } = require("../support/nodered");
const { startOpenFaasPeer } = require("../support/openfaas-peer");
const { startKnativePeer } = require("../support/knative-peer");

const TAB = "tabF";
const tick = (ms) => new Promise((r) => setTimeout(r, ms));

function event(i, topic) {
  return {
    specversion: "1.0", id: String(i), source: "https://vc.example.com/sdk", type: `com.vmware.vsphere.${topic}.v0`,
    time: "2026-11-24T10:00:00Z", datacontenttype: "application/json", data: { Key: i },
  };
}

function resourceCounts() {
  const counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] || 0) + 1;
  return counts;
}

describe("openfaas-out in Node-RED against the OpenFaaS gateway peer", function () {
  this.timeout(60000);
  let nr;
  let peer;
  let completions = [];

  before(async function () {
    nr = await startNodeRed();
    peer = await startOpenFaasPeer({ username: "admin", password: "s3cret", namespaces: ["openfaas-fn", "dev"] });
    nr.RED.hooks.add("onComplete.openfaasOutSpec", (ev) => {
      if (ev.node && ev.node.id === "f1") completions.push({ id: ev.msg && ev.msg.payload && ev.msg.payload.id, error: ev.error });
    });
  });

  after(async function () {
    if (nr) {
      nr.RED.hooks.remove("*.openfaasOutSpec");
      await deploy([]);
    }
    if (peer) await peer.close();
  });

  beforeEach(async function () {
    await deploy([]);
    peer.clear();
    nr.reset();
    completions = [];
  });

  /** deploy and wait until the flows are started (setFlows resolves before the start) */
  async function deploy(flows) {
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

  function flow(opts = {}) {
    const { deadWired = true, credentials = { username: "admin", password: "s3cret" }, ...props } = opts;
    return [
      { id: TAB, type: "tab", label: "openfaas" },
      {
        id: "f1", type: "openfaas-out", z: TAB, name: "", gateway: peer.url, async: false, callbackUrl: "", insecureSSL: false,
        timeout: 5, retries: 2, backoffDelay: 0.01, concurrency: 1, refreshInterval: 1, ceType: "", ceSource: "", ...props,
        credentials, wires: [["ok"], deadWired ? ["dead"] : []],
      },
      sinkNode("ok", "delivered", TAB),
      sinkNode("dead", "dead", TAB),
      { id: "c1", type: "catch", z: TAB, name: "", scope: ["f1"], uncaught: false, wires: [["caught"]] },
      sinkNode("caught", "caught", TAB),
    ];
  }

  const inject = (msg) => nr.RED.nodes.getNode("f1").receive(msg);
  const delivered = () => nr.sinks.get("delivered");
  const dead = () => nr.sinks.get("dead");
  const caught = () => nr.sinks.get("caught");
  const ready = () => nr.waitFor(() => /^ready: |functions · /.test(nr.status("f1")?.text ?? ""), 10000, "function list");

  it("functions subscribed to one, several or no topics receive exactly their events, in order, one result each", async function () {
    peer.addFunction({ name: "on", namespace: "openfaas-fn", annotations: { topic: "VmPoweredOnEvent" } });
    peer.addFunction({ name: "power", namespace: "dev", annotations: { topic: " VmPoweredOnEvent , VmPoweredOffEvent " } });
    peer.addFunction({ name: "login", namespace: "dev", annotations: { topic: "UserLoginSessionEvent", "com.openfaas.scale.min": "1" } });
    peer.addFunction({ name: "quiet", namespace: "openfaas-fn", annotations: {} });
    peer.addFunction({ name: "noannotations", namespace: "openfaas-fn", annotations: undefined });
    await deploy(flow());
    await ready();
    nr.status("f1").text.should.equal("ready: 3 subscribed functions");
    const topics = ["VmPoweredOnEvent", "VmPoweredOffEvent", "UserLoginSessionEvent", "VmReconfiguredEvent", "vmpoweredonevent"];
    const N = 50;
    for (let i = 0; i < N; i++) inject({ topic: topics[i % topics.length], payload: event(i, topics[i % topics.length]) });
    const ids = (t) => Array.from({ length: N }, (_, i) => i).filter((i) => t.includes(topics[i % topics.length])).map(String);
    const expected = { "on.openfaas-fn": ids(["VmPoweredOnEvent"]), "power.dev": ids(["VmPoweredOnEvent", "VmPoweredOffEvent"]), "login.dev": ids(["UserLoginSessionEvent"]) };
    const total = Object.values(expected).reduce((n, l) => n + l.length, 0);
    await nr.sinks.until(() => delivered().length === total, 10000, `${total} results`);
    await nr.waitFor(() => completions.length === N, 5000, `${N} completions (have ${completions.length})`);
    await tick(200);
    for (const [fn, want] of Object.entries(expected)) {
      peer.invocationsOf(fn).map((i) => i.event.id).should.eql(want, fn);
      delivered().filter((m) => m.function === fn).map((m) => m.payload.id).should.eql(want, fn);
    }
    peer.invocationsOf("quiet").should.eql([]);
    peer.invocationsOf("noannotations").should.eql([]);
    peer.invocations.length.should.equal(total);
    const inv = peer.invocationsOf("power.dev")[0];
    inv.path.should.equal("");
    inv.async.should.be.false();
    inv.headers["content-type"].should.equal("application/cloudevents+json; charset=utf-8");
    inv.headers["x-topic"].should.equal("VmPoweredOnEvent");
    inv.event.should.eql(event(0, "VmPoweredOnEvent")); // the structured CloudEvent
    const msg = delivered().find((m) => m.function === "power.dev");
    msg.statusCode.should.equal(200);
    JSON.parse(msg.response.body).should.eql({ function: "power", id: "0", topic: "VmPoweredOnEvent" });
    msg.response.headers.should.have.property("x-call-id");
    msg.topic.should.equal("VmPoweredOnEvent");
    dead().should.eql([]);
    completions.filter((c) => c.error).should.eql([]);
    await nr.waitFor(() => /delivered: 40, failed: 0, no subscriber: 20/.test(nr.status("f1").text), 3000, "status counts");
    nr.status("f1").text.should.equal("3 functions · delivered: 40, failed: 0, no subscriber: 20");
  });

  it("picks up a function added to the gateway within 15 s, and stops invoking a removed one", async function () {
    peer.addFunction({ name: "first", annotations: { topic: "T" } });
    await deploy(flow({ refreshInterval: 2 }));
    await ready();
    const t0 = Date.now();
    peer.addFunction({ name: "late", namespace: "dev", annotations: { topic: "T" } });
    let i = 0;
    while (peer.invocationsOf("late.dev").length === 0) {
      (Date.now() - t0).should.be.below(15000, "the new function was not picked up within 15 s");
      inject({ topic: "T", payload: event(i++, "T") });
      await tick(100);
    }
    (Date.now() - t0).should.be.below(4500); // about one refresh interval (2 s), plus a look-up
    nr.logLines("info", "f1").join("\n").should.match(/function late\.dev subscribes to T/);
    peer.removeFunction("first");
    await nr.waitFor(() => nr.logLines("info", "f1").some((l) => /function first\.openfaas-fn is gone/.test(l)), 5000, "removal noticed");
    const before = peer.invocationsOf("first").length;
    inject({ topic: "T", payload: event("after", "T") });
    await nr.waitFor(() => peer.invocationsOf("late.dev").some((x) => x.event.id === "after"), 5000, "after");
    peer.invocationsOf("first").length.should.equal(before);
  });

  it("a failing function's events come out of output 2 with the function and reason; the others are delivered", async function () {
    peer.addFunction({ name: "good", annotations: { topic: "T" } });
    peer.addFunction({ name: "bad", annotations: { topic: "T" }, answer: { status: 500, body: "Traceback: KeyError 'Vm'" } });
    peer.addFunction({ name: "unimpl", annotations: { topic: "U" }, answer: { status: 501, body: "no" } });
    peer.addFunction({ name: "flaky", annotations: { topic: "U" }, script: [{ status: 429, retryAfter: 0 }, { status: 502 }] });
    await deploy(flow());
    await ready();
    for (let i = 0; i < 3; i++) inject({ topic: "T", payload: event(i, "T") });
    inject({ topic: "U", payload: event("u", "U") });
    await nr.sinks.until(() => delivered().length === 4 && dead().length === 4, 10000, "results");
    delivered().map((m) => `${m.function}:${m.payload.id}`).should.eql(["good.openfaas-fn:0", "good.openfaas-fn:1", "good.openfaas-fn:2", "flaky.openfaas-fn:u"]);
    delivered()[3].response.attempts.should.equal(3);
    dead().map((m) => `${m.function}:${m.payload.id}`).should.eql(["bad.openfaas-fn:0", "bad.openfaas-fn:1", "bad.openfaas-fn:2", "unimpl.openfaas-fn:u"]);
    dead()[0].error.should.eql({
      message: "function bad.openfaas-fn: HTTP 500 Internal Server Error (gave up after 3 attempts)",
      status: 500, reason: "HTTP 500 Internal Server Error (gave up after 3 attempts)", body: "Traceback: KeyError 'Vm'",
      attempts: 3, retryable: true, function: "bad.openfaas-fn",
    });
    dead()[3].error.should.match({ status: 501, attempts: 1, retryable: false, function: "unimpl.openfaas-fn" });
    peer.invocationsOf("bad").length.should.equal(9);
    peer.invocationsOf("unimpl").length.should.equal(1);
    caught().should.eql([]);
    await nr.waitFor(() => completions.length === 4, 5000, "completions");
    completions.filter((c) => c.error).should.eql([]);
    await nr.waitFor(() => /failed: 4/.test(nr.status("f1").text), 3000, "status");
  });

  it("with output 2 unwired a failing function is a catchable error carrying the dead letter", async function () {
    peer.addFunction({ name: "good", annotations: { topic: "T" } });
    peer.addFunction({ name: "bad", annotations: { topic: "T" }, answer: { status: 400, body: "bad input" } });
    await deploy(flow({ deadWired: false }));
    await ready();
    inject({ topic: "T", payload: event(1, "T") });
    await nr.sinks.until(() => caught().length === 1 && delivered().length === 1, 10000, "caught");
    caught()[0].error.message.should.equal("Error: not delivered: function bad.openfaas-fn: HTTP 400 Bad Request");
    caught()[0]._error.should.match({ status: 400, function: "bad.openfaas-fn", body: "bad input", attempts: 1 });
    delivered()[0].function.should.equal("good.openfaas-fn");
    await nr.waitFor(() => completions.length === 1, 5000, "completion");
    should(completions[0].error).be.ok();
  });

  it("basic auth: wrong credentials show a red status and an error; right ones list and invoke", async function () {
    await peer.close();
    peer = await startOpenFaasPeer({ username: "admin", password: "s3cret", protectInvoke: true });
    peer.addFunction({ name: "fn", annotations: { topic: "T" } });
    await deploy(flow({ credentials: { username: "admin", password: "wrong" }, retries: 1, deadWired: false }));
    await nr.waitFor(() => nr.status("f1")?.fill === "red", 10000, "red status");
    nr.status("f1").text.should.match(/^cannot list functions: GET \/system\/namespaces: HTTP 401 Unauthorized/);
    // the discovery failure is reported as a catchable error (like vcenter-in's connection errors)
    await nr.sinks.until(() => caught().length === 1, 5000, "discovery error caught");
    caught()[0].error.message.should.match(/cannot list the functions of http:\/\/127\.0\.0\.1:\d+\/: .*HTTP 401 Unauthorized \(check the gateway user name and password\)/);
    inject({ topic: "T", payload: event(1, "T") }); // waits for a function list, then gives up
    await nr.sinks.until(() => caught().length === 2, 10000, "dead letter caught");
    caught()[1]._error.should.match({ status: 0, code: "ENOFUNCTIONLIST", attempts: 2 });
    caught()[1].error.message.should.match(/cannot list the gateway's functions: .*401 Unauthorized/);
    peer.invocations.should.eql([]);
    await deploy([]);
    await deploy(flow());
    await ready();
    inject({ topic: "T", payload: event(2, "T") });
    await nr.sinks.until(() => delivered().length === 1, 10000, "delivered");
    peer.invocations[0].headers.authorization.should.equal("Basic " + Buffer.from("admin:s3cret").toString("base64"));
    peer.systemRequests.filter((r) => r.status === 200).length.should.be.above(0);
  });

  it("keeps the last function list when a refresh fails, and says so", async function () {
    peer.addFunction({ name: "fn", annotations: { topic: "T" } });
    await deploy(flow({ refreshInterval: 0.3 }));
    await ready();
    peer.failSystem({ until: Infinity, status: 502 });
    await nr.waitFor(() => nr.status("f1")?.fill === "yellow", 5000, "stale status");
    nr.status("f1").text.should.match(/^using the last function list \(1 functions\): GET \/system\/namespaces: HTTP 502 Bad Gateway/);
    nr.logLines("warn", "f1").join("\n").should.match(/could not refresh the function list, using the last one/);
    inject({ topic: "T", payload: event(1, "T") });
    await nr.sinks.until(() => delivered().length === 1, 5000, "delivered with the stale list");
    peer.failSystem(0);
    await nr.waitFor(() => nr.status("f1")?.fill === "green", 5000, "ready again");
  });

  it("asynchronous invocation: 202 on output 1, X-Callback-Url passed, the result reaches the callback", async function () {
    const callback = await startKnativePeer({ validate: false, default: { status: 200 } });
    try {
      peer.addFunction({ name: "fn", namespace: "dev", annotations: { topic: "T" } });
      await deploy(flow({ async: true, callbackUrl: `${callback.url}results` }));
      await ready();
      inject({ topic: "T", payload: event(1, "T") });
      await nr.sinks.until(() => delivered().length === 1, 5000, "delivered");
      delivered()[0].should.match({ statusCode: 202, function: "fn.dev" });
      delivered()[0].response.body.should.equal("");
      const inv = peer.invocations[0];
      inv.async.should.be.true();
      inv.headers["x-callback-url"].should.equal(`${callback.url}results`);
      await nr.waitFor(() => callback.requests.length === 1, 5000, "callback");
      callback.requests[0].path.should.equal("/results");
      callback.requests[0].headers["x-function-status"].should.equal("200");
      callback.requests[0].headers["x-function-name"].should.equal("fn");
      JSON.parse(callback.requests[0].body.toString("utf8")).id.should.equal("1");
    } finally {
      await callback.close();
    }
  });

  it("wraps payloads that are not CloudEvents; takes the topic from the subject when msg.topic is missing", async function () {
    peer.addFunction({ name: "fn", annotations: { topic: "VmPoweredOnEvent" } });
    await deploy(flow({ ceType: "com.example.custom", ceSource: "/flows/x" }));
    await ready();
    inject({ topic: "VmPoweredOnEvent", payload: { vm: "vm-1" } });
    inject({ payload: Object.assign(event("s", "x"), { subject: "VmPoweredOnEvent" }) });
    await nr.sinks.until(() => delivered().length === 2, 5000, "delivered");
    peer.invocations[0].event.should.match({ specversion: "1.0", type: "com.example.custom", source: "/flows/x", data: { vm: "vm-1" } });
    peer.invocations[1].event.id.should.equal("s");
  });

  it("bad settings: red status and a clear error, Node-RED keeps running", async function () {
    const cases = [
      [{ gateway: "" }, /invalid settings: no gateway configured/],
      [{ gateway: "gateway.openfaas:8080" }, /invalid settings: gateway "gateway.openfaas:8080" must start with http/],
      [{ gateway: "http://127.0.0.1:1", refreshInterval: "soon" }, /refresh interval "soon" is not a number/],
      [{ gateway: "http://127.0.0.1:1", async: true, callbackUrl: "callback" }, /callback URL "callback" is not a URL/],
    ];
    for (const [opts, re] of cases) {
      nr.reset();
      await deploy(flow({ deadWired: false, ...opts }));
      await nr.waitFor(() => nr.status("f1")?.fill === "red", 5000, `red status for ${JSON.stringify(opts)}`);
      nr.status("f1").text.should.match(re);
      nr.logLines("error", "f1").join("\n").should.match(re);
    }
    inject({ topic: "T", payload: event(1, "T") });
    await nr.sinks.until(() => caught().length === 1, 5000, "caught");
    caught()[0].error.message.should.match(/not delivered: not configured: /);
    // an unreachable gateway is a red status too (not a crash)
    await deploy([]); // (Node-RED 4.1 logs a TypeError for a full deploy that only rewires a node)
    await deploy(flow({ gateway: "http://127.0.0.1:1" }));
    await nr.waitFor(() => /cannot list functions: .*ECONNREFUSED/.test(nr.status("f1")?.text ?? ""), 5000, "unreachable");
  });

  it("close and redeploy are fast, stop discovery, complete nothing that was cut off, and leave no open handles", async function () {
    peer.addFunction({ name: "slow", annotations: { topic: "T" }, answer: { status: 200, delayMs: 3000 } });
    await tick(10);
    const baseline = resourceCounts();
    await deploy(flow({ refreshInterval: 0.2 }));
    await ready();
    for (let i = 0; i < 5; i++) inject({ topic: "T", payload: event(i, "T") });
    await nr.waitFor(() => peer.invocations.length === 1, 5000, "first invocation");
    const t0 = Date.now();
    await deploy([]);
    (Date.now() - t0).should.be.below(2000);
    completions.should.eql([]);
    for (const t of peer.timers) clearTimeout(t); // the peer's delayed answer, not ours
    peer.timers.clear();
    peer.setFunction("slow", undefined, { answer: { status: 200 } });
    for (let round = 0; round < 10; round++) {
      await deploy(flow({ name: `round ${round}`, refreshInterval: 0.2 }));
      for (let i = 0; i < 10; i++) inject({ topic: "T", payload: event(`${round}-${i}`, "T") });
      await tick(20);
    }
    await deploy([]);
    const listed = peer.systemRequests.length;
    await tick(1200);
    peer.systemRequests.length.should.equal(listed); // no discovery after close
    const after = resourceCounts();
    for (const kind of ["TCPSocketWrap", "Timeout", "TCPServerWrap"]) {
      (after[kind] || 0).should.be.belowOrEqual(baseline[kind] || 0, `${kind}: ${JSON.stringify({ baseline, after })}`);
    }
    nr.logLines("error").should.eql([]);
  });

  it("the example flows are valid exports that deploy", async function () {
    for (const file of ["vcenter-to-knative.json", "vcenter-to-openfaas.json"]) {
      const flows = JSON.parse(fs.readFileSync(path.join(repoRoot, "examples", file), "utf8"));
      Array.isArray(flows).should.be.true();
      for (const n of flows) {
        should(n.credentials).be.undefined();
        n.should.have.properties(["id", "type"]);
      }
      const types = flows.map((n) => n.type);
      types.should.containEql("vcenter-in");
      types.should.containEql(file.includes("knative") ? "knative-out" : "openfaas-out");
      types.should.containEql("comment");
      await deploy(flows);
      await deploy([]);
    }
  });
});
