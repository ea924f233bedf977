"use strict";
/**
 * Hostile sink peers (issue 11): knative-out, openfaas-out (gateway and function) and
 * eventbridge-out in a real Node-RED (test/support/nodered.js) against a peer that answers
 * 200 MB, never stops answering, drips, sends broken JSON or HTML, resets mid-body, or echoes
 * the request (credentials included) back. For each: Node-RED stays up, memory stays bounded,
 * the status says what is wrong, the event is retried or dead-lettered as the sink's rules say,
 * no configured secret reaches status, logs, msg.error or msg.response, and events are delivered
 * again once the peer behaves.
 */
const should = require("should");
const { startNodeRed, sinkNode } = require("../support/nodered");
const { startHostileSinkPeer } = require("../support/hostile-sink-peer");

const TAB = "tabHostile";
const KN = { username: "kn-user", password: "Kn-pass-w0rd-5e3f" };
const OF = { username: "of-admin", password: "Of-secret-pass-77a1" };
const EB = { accessKeyId: "AKIAHOSTILETEST12345", secretAccessKey: "hostile/Secret+Key=9q8w7e6r", sessionToken: "FwoGZXIvYXdzEHostileSessionTokenX1" };

const b64 = (s) => Buffer.from(s, "utf8").toString("base64");
/** every spelling of a configured secret that must not appear */
const FORBIDDEN = [
  KN.password, b64(KN.password), b64(`${KN.username}:${KN.password}`),
  OF.password, b64(OF.password), b64(`${OF.username}:${OF.password}`),
  EB.accessKeyId, EB.secretAccessKey, EB.sessionToken, encodeURIComponent(EB.secretAccessKey), b64(EB.sessionToken),
];

const MB = 1024 * 1024;

/** Peak growth of array buffers and heap while `fn` runs. */
async function peakGrowth(fn) {
  global.gc?.();
  const base = process.memoryUsage();
  let peakAb = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakAb = Math.max(peakAb, m.arrayBuffers - base.arrayBuffers);
    peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await fn();
    sample();
    return { result, arrayBuffersMB: peakAb / MB, heapMB: peakHeap / MB };
  } finally {
    clearInterval(timer);
  }
}

describe("hostile sink peers: the sinks stay up, bounded and honest, and recover", function () {
  this.timeout(120000);
  let nr;
  let peer;
  let seq = 0;

  before(async function () {
    nr = await startNodeRed();
    peer = await startHostileSinkPeer();
    await nr.deploy([]);
    nr.reset();
    await nr.deploy(flow());
    await nr.waitFor(() => ["kn", "of", "eb"].every((id) => nr.RED.nodes.getNode(id) !== null), 10000, "the sink nodes");
  });

  after(async function () {
    if (nr) await nr.deploy([]);
    if (peer) await peer.close();
  });

  beforeEach(() => peer.behave());

  function flow() {
    const common = { z: TAB, name: "", ceType: "", ceSource: "" };
    return [
      { id: TAB, type: "tab", label: "hostile" },
      {
        id: "kn", type: "knative-out", ...common, url: `${peer.url}/default/default`, encoding: "binary", insecureSSL: false, authType: "basic",
        timeout: 1, retries: 1, backoffDelay: 0.01, concurrency: 1, credentials: KN, wires: [["ok"], ["dead"]],
      },
      {
        id: "of", type: "openfaas-out", ...common, gateway: peer.url, async: false, callbackUrl: "", insecureSSL: false,
        timeout: 1, retries: 1, backoffDelay: 0.01, concurrency: 1, refreshInterval: 0.3, credentials: OF, wires: [["ok"], ["dead"]],
      },
      {
        id: "eb", type: "eventbridge-out", ...common, region: "us-east-1", eventBus: "default", ruleArn: "", endpoint: peer.url,
        batchLimit: 256, flushInterval: 1, ruleRefresh: 300, timeout: 1, credentials: EB, wires: [["ok"], ["dead"]],
      },
      sinkNode("ok", "ok", TAB),
      sinkNode("dead", "dead", TAB),
      { id: "c1", type: "catch", z: TAB, name: "", scope: ["kn", "of", "eb"], uncaught: false, wires: [["caught"]] },
      sinkNode("caught", "caught", TAB),
    ];
  }

  const statusText = (id) => String(nr.status(id)?.text ?? "");

  /** Send one event through `node`; resolves with where it came out and the message. */
  async function send(node) {
    const id = `${node}-${++seq}`;
    nr.RED.nodes.getNode(node).receive({ topic: "T", payload: { specversion: "1.0", id, source: "/hostile", type: "t.hostile", data: { n: seq } } });
    const find = () => {
      for (const where of ["ok", "dead", "caught"]) {
        const m = nr.sinks.get(where).find((x) => x.payload?.id === id);
        if (m !== undefined) return { where, msg: m };
      }
      return undefined;
    };
    const found = await nr.waitFor(find, 30000, `the result of ${id} (status ${statusText(node)})`);
    return { id, ...found };
  }

  /** Nothing the node showed, logged or put on a message holds a configured secret. */
  function assertNoSecrets(node) {
    const texts = [
      ...(nr.statuses.get(node) ?? []).map((s) => String(s.text)),
      ...nr.logs.filter((l) => l.id === node).map((l) => String(l.msg)),
      ...["ok", "dead", "caught"].flatMap((w) => nr.sinks.get(w).map((m) => JSON.stringify(m))),
    ].join("\n");
    for (const f of FORBIDDEN) texts.includes(f).should.be.false(`"${f}" leaked`);
  }

  async function delivered(node) {
    const r = await send(node);
    r.where.should.equal("ok", `${node} delivers again once the peer behaves (got ${r.where}: ${JSON.stringify(r.msg.error)})`);
    return r;
  }

  describe("knative-out", function () {
    it("a 200 MB error answer: only the excerpt is kept, the event is retried then dead-lettered", async function () {
      peer.misbehave("huge", { status: 503 });
      const { result: r, arrayBuffersMB } = await peakGrowth(() => send("kn"));
      arrayBuffersMB.should.be.below(64);
      r.where.should.equal("dead");
      r.msg.error.should.containEql({ status: 503, attempts: 2, retryable: true });
      r.msg.error.body.length.should.be.belowOrEqual(4096);
      await nr.waitFor(() => /failed: \d+ \(last: HTTP 503/.test(statusText("kn")), 5000, `status with the last failure (now ${statusText("kn")})`);
      peer.behave();
      await delivered("kn");
    });

    it("an endless 2xx answer is delivered with a bounded excerpt; a drip past the timeout and a reset mid-body are retried, then dead-lettered", async function () {
      peer.misbehave("endless", { status: 202 });
      const { result: e, arrayBuffersMB } = await peakGrowth(() => send("kn"));
      arrayBuffersMB.should.be.below(64);
      e.where.should.equal("ok");
      e.msg.response.body.length.should.be.belowOrEqual(4096);

      peer.misbehave("drip", { status: 202 });
      const d = await send("kn");
      d.where.should.equal("dead");
      d.msg.error.should.containEql({ attempts: 2, retryable: true, code: "UND_ERR_BODY_TIMEOUT" });
      await nr.waitFor(() => /last: request timed out/.test(statusText("kn")), 5000, `status with the timeout (now ${statusText("kn")})`);

      peer.misbehave("reset", { status: 202 });
      const x = await send("kn");
      x.where.should.equal("dead");
      x.msg.error.attempts.should.equal(2);
      x.msg.error.code.should.match(/ECONNRESET|UND_ERR_SOCKET/);

      peer.misbehave("wrongType", { status: 202 });
      (await send("kn")).where.should.equal("ok"); // a sink's answer body is not read as data
      peer.behave();
      await delivered("kn");
    });

    it("an echoing peer (4xx, 5xx, 2xx) never gets the credentials into status, logs, msg.error or msg.response", async function () {
      peer.misbehave("echo", { status: 400 });
      const a = await send("kn");
      a.where.should.equal("dead");
      a.msg.error.body.should.match(/\[redacted\]/);
      peer.misbehave("echo", { status: 503 });
      const b = await send("kn");
      b.where.should.equal("dead");
      b.msg.error.attempts.should.equal(2);
      peer.misbehave("echo", { status: 202 });
      const c = await send("kn");
      c.where.should.equal("ok");
      c.msg.response.body.should.match(/\[redacted\]/);
      c.msg.response.headers["x-echo-authorization"].should.equal("Basic [redacted]");
      assertNoSecrets("kn");
      peer.behave();
      await delivered("kn");
    });
  });

  describe("openfaas-out", function () {
    it("function answers: 200 MB, endless, drip, reset: bounded, retried or dead-lettered with the function named", async function () {
      await nr.waitFor(() => /ready|delivered|failed/.test(statusText("of")), 15000, "the function list");
      peer.misbehave("huge", { status: 503 });
      const { result: h, arrayBuffersMB } = await peakGrowth(() => send("of"));
      arrayBuffersMB.should.be.below(64);
      h.where.should.equal("dead");
      h.msg.error.should.containEql({ status: 503, attempts: 2, function: "fn.openfaas-fn" });
      h.msg.error.body.length.should.be.belowOrEqual(4096);
      await nr.waitFor(() => /failed: \d+ \(last: HTTP 503/.test(statusText("of")), 5000, `status with the last failure (now ${statusText("of")})`);

      peer.misbehave("endless", { status: 200 });
      const e = await send("of");
      e.where.should.equal("ok");
      e.msg.response.body.length.should.be.belowOrEqual(4096);

      peer.misbehave("drip", { status: 200 });
      const d = await send("of");
      d.where.should.equal("dead");
      d.msg.error.code.should.equal("UND_ERR_BODY_TIMEOUT");

      peer.misbehave("reset", { status: 200 });
      (await send("of")).where.should.equal("dead");
      peer.behave();
      await delivered("of");
    });

    it("the gateway's function list: broken JSON, HTML, 200 MB: the last list stays in use and the status says why; a fresh list is used once it behaves", async function () {
      for (const [kind, reason] of [["malformed", /not JSON/], ["wrongType", /not JSON/], ["huge", /larger than/]]) {
        peer.misbehave(kind, { route: "list", status: 200 });
        const { arrayBuffersMB } = await peakGrowth(() =>
          nr.waitFor(() => /using the last function list/.test(statusText("of")), 15000, `stale status for ${kind} (now ${statusText("of")})`),
        );
        arrayBuffersMB.should.be.below(64);
        statusText("of").should.match(reason);
        (await send("of")).where.should.equal("ok"); // the last good list
        peer.behave();
        await nr.waitFor(() => !/using the last function list/.test(statusText("of")), 15000, `recovery after ${kind}`);
      }
      nr.logLines("warn", "of").join("\n").should.match(/could not refresh the function list/);
    });

    it("an echoing gateway and function never get the credentials into status, logs, msg.error or msg.response", async function () {
      peer.misbehave("echo", { route: "list", status: 401 });
      await nr.waitFor(() => /using the last function list/.test(statusText("of")), 15000, "stale status for a 401");
      peer.misbehave("echo", { status: 400 });
      const a = await send("of");
      a.where.should.equal("dead");
      a.msg.error.body.should.match(/\[redacted\]/);
      peer.misbehave("echo", { status: 500 });
      (await send("of")).where.should.equal("dead");
      peer.misbehave("echo", { status: 200 });
      const c = await send("of");
      c.where.should.equal("ok");
      c.msg.response.body.should.match(/\[redacted\]/);
      assertNoSecrets("of");
      peer.behave();
      await delivered("of");
    });
  });

  describe("eventbridge-out", function () {
    /** retryable trouble: the status says "retrying"; once the peer behaves the same event is delivered */
    async function retriedThenDelivered(kind, opts) {
      await nr.waitFor(() => !/retrying/.test(statusText("eb")), 5000, "the last retry off the status");
      peer.misbehave(kind, opts);
      const before = nr.sinks.get("ok").length;
      const { result, arrayBuffersMB } = await peakGrowth(async () => {
        const p = send("eb");
        await nr.waitFor(() => /retrying/.test(statusText("eb")), 20000, `retrying status for ${kind} (now ${statusText("eb")})`);
        peer.behave();
        return p;
      });
      arrayBuffersMB.should.be.below(64);
      result.where.should.equal("ok", `${kind}: ${JSON.stringify(result.msg.error)}`);
      result.msg.response.attempts.should.be.above(1);
      nr.sinks.get("ok").length.should.equal(before + 1);
      return result;
    }

    it("200 MB, endless, drip past the timeout, reset mid-body: bounded, retried, delivered once the endpoint behaves", async function () {
      await retriedThenDelivered("huge", { status: 200 });
      await retriedThenDelivered("endless", { status: 200 });
      await retriedThenDelivered("drip", { status: 200 });
      await retriedThenDelivered("reset", { status: 200 });
      await delivered("eb");
    });

    it("broken JSON and HTML answers are dead letters with the reason; the next event is delivered", async function () {
      for (const kind of ["malformed", "wrongType"]) {
        peer.misbehave(kind, { status: 200 });
        const r = await send("eb");
        r.where.should.equal("dead", `${kind}`);
        r.msg.error.attempts.should.be.aboveOrEqual(1);
        await nr.waitFor(() => /last: /.test(statusText("eb")), 5000, `status with the last failure (now ${statusText("eb")})`);
        peer.behave();
        await delivered("eb");
      }
    });

    it("an echoing endpoint never gets the keys into status, logs, msg.error, msg.eventId or msg.response", async function () {
      peer.misbehave("echo", { status: 400 });
      const a = await send("eb");
      a.where.should.equal("dead");
      a.msg.error.should.containEql({ code: "AccessDeniedException", status: 400 });
      a.msg.error.message.should.match(/\[redacted\]/);
      await retriedThenDelivered("echo", { status: 500 });
      peer.misbehave("echo", { status: 200 });
      const c = await send("eb");
      c.where.should.equal("ok");
      c.msg.eventId.should.match(/\[redacted\]/);
      assertNoSecrets("eb");
      peer.behave();
      await delivered("eb");
    });
  });

  describe("afterwards", function () {
    it("Node-RED is still running and answers its admin API", async function () {
      const res = await fetch(`${nr.url}/flows`, { headers: { "Node-RED-API-Version": "v2" } });
      res.status.should.equal(200);
      should(nr.RED.nodes.getNode("kn")).be.ok();
    });
  });
});
