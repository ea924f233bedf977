"use strict";
/**
 * What the three sinks share (lib/sinks): message shaping, scrubbing of peer texts, and the
 * bounds on what a peer's answer may cost (lib/http/sender.ts, lib/eventbridge/response-cap.ts).
 */
const should = require("should");
const { Readable } = require("node:stream");
const sinks = require("../../../dist/lib/sinks");
const { HttpSender } = require("../../../dist/lib/http");
const { Scrubber } = require("../../../dist/lib/common/scrub");
const { capStream, withDeadline } = require("../../../dist/lib/eventbridge/response-cap");
const { classifyCallError } = require("../../../dist/lib/eventbridge/errors");
const { startHostileSinkPeer } = require("../../support/hostile-sink-peer");

const delivered = { ok: true, outcome: "delivered", statusCode: 202, bodyExcerpt: "fine", headers: { a: "1" }, attempts: 1, durationMs: 3.4 };
const failed = (reason, extra) => ({ ok: false, outcome: "dead-letter", reason, attempts: 2, retryable: true, durationMs: 1, ...extra });

describe("sinks: one shape for every sink's results", function () {
  it("puts delivered results on output 1, dead letters on output 2, and nothing for filtered or closed", function () {
    sinks.resultOutput({ result: delivered }).should.eql({ output: 1, fields: sinks.deliveredFields(delivered) });
    const d = sinks.resultOutput({ target: "fn.ns", result: failed("HTTP 500 Internal Server Error", { statusCode: 500, bodyExcerpt: "boom" }) });
    d.output.should.equal(2);
    d.fields.should.containEql({ function: "fn.ns" });
    d.fields.error.should.containEql({ message: "function fn.ns: HTTP 500 Internal Server Error", status: 500, body: "boom", function: "fn.ns" });
    should(sinks.resultOutput({ result: sinks.FILTERED })).be.undefined();
    should(sinks.resultOutput({ result: { ok: false, outcome: "closed", reason: "closed", attempts: 0, retryable: true, durationMs: 0 } })).be.undefined();
  });

  it("keeps the target's own message apart from the coded reason (EventBridge) and names the event id", function () {
    const r = sinks.localFailure("MalformedDetail", "MalformedDetail: Detail is malformed.", "Detail is malformed.");
    sinks.deadLetter(r).should.containEql({ message: "Detail is malformed.", reason: "MalformedDetail: Detail is malformed.", code: "MalformedDetail", status: 0, attempts: 0 });
    sinks.deliveredFields({ ...delivered, statusCode: 200, id: "ev-1" }).should.containEql({ statusCode: 200, eventId: "ev-1" });
  });

  it("finishes a message: closed leaves it, failures that went nowhere end it with one error listing them all", function () {
    sinks.completion({ results: [], closed: true }, []).should.eql({ kind: "closed" });
    sinks.completion({ results: [], closed: false }, []).should.eql({ kind: "done" });
    const a = sinks.deadLetter(failed("HTTP 500"), "a.ns");
    const b = sinks.deadLetter(failed("HTTP 502"), "b.ns");
    const one = sinks.completion({ results: [], closed: false }, [a]);
    one.should.eql({ kind: "failed", error: a, text: "function a.ns: HTTP 500" });
    const two = sinks.completion({ results: [], closed: false }, [a, b]);
    two.text.should.equal("function a.ns: HTTP 500; function b.ns: HTTP 502");
    two.error.should.containEql({ message: two.text, failures: [a, b] });
  });

  it("counts results: delivered, failed (with the target's own message), filtered; closed is not counted", function () {
    const c = new sinks.SinkCounters();
    c.record(delivered);
    c.record(sinks.FILTERED);
    c.record(sinks.localFailure("X", "X: why", "why"));
    c.record({ ok: false, outcome: "closed", reason: "closed", attempts: 0, retryable: true, durationMs: 0 });
    c.should.containEql({ delivered: 1, filtered: 1, failed: 1, lastError: "why", lastFailed: true });
  });
});

describe("sinks: peer texts are scrubbed of the configured secrets", function () {
  const s = new Scrubber(["S3cret-pass"], [{ username: "u", password: "S3cret-pass" }]);
  const pair = Buffer.from("u:S3cret-pass").toString("base64");

  it("in delivered bodies, headers and ids, in dead letters' reason, message and body, and in retry notices", function () {
    const d = sinks.scrubResult(s, { ...delivered, bodyExcerpt: `echo Basic ${pair}`, headers: { "x-echo": `Basic ${pair}`, many: ["S3cret-pass", "ok"] }, id: "id S3cret-pass" });
    JSON.stringify(d).should.not.match(/S3cret-pass/);
    JSON.stringify(d).should.not.containEql(pair);
    d.headers.many.should.eql(["[redacted]", "ok"]);
    const f = sinks.scrubResult(s, failed("HTTP 400: S3cret-pass", { message: "m S3cret-pass", bodyExcerpt: encodeURIComponent("x S3cret-pass") }));
    JSON.stringify(f).should.not.match(/S3cret/);
    const seen = [];
    sinks.scrubAttempt(s, (a, fn) => seen.push([a.reason, fn]))({ attempt: 1, reason: "S3cret-pass", retryable: true }, "fn");
    seen.should.eql([["[redacted]", "fn"]]);
    sinks.scrubResult(new Scrubber([]), delivered).should.equal(delivered); // nothing configured: untouched
  });

  it("knative-out with a bearer token against a peer that echoes it (400 and 202)", async function () {
    const peer = await startHostileSinkPeer();
    const token = "tok-Echoed-9a8b7c";
    const sink = new sinks.KnativeSink(sinks.parseKnativeSettings({ url: peer.url, retries: 0 }, { token }, "/test"));
    try {
      peer.misbehave("echo", { status: 400 });
      const dead = await sink.deliver({ specversion: "1.0", id: "1", source: "/s", type: "t" });
      dead.outcome.should.equal("dead-letter");
      dead.bodyExcerpt.should.match(/Bearer \[redacted\]/);
      peer.misbehave("echo", { status: 202 });
      const ok = await sink.deliver({ specversion: "1.0", id: "2", source: "/s", type: "t" });
      ok.outcome.should.equal("delivered");
      JSON.stringify([dead, ok, sink.counters]).should.not.containEql(token);
    } finally {
      await sink.close();
      await peer.close();
    }
  });
});

describe("sinks: what a peer's answer may cost", function () {
  it("HttpSender: an answer body dripping past the timeout ends the attempt (UND_ERR_BODY_TIMEOUT)", async function () {
    const peer = await startHostileSinkPeer();
    const sender = new HttpSender({ requestTimeoutMs: 500 });
    try {
      peer.misbehave("drip", { status: 200 });
      const started = Date.now();
      const o = await sender.send({ url: peer.url, body: "x" });
      o.kind.should.equal("error");
      o.error.should.containEql({ kind: "timeout", code: "UND_ERR_BODY_TIMEOUT" });
      (Date.now() - started).should.be.below(3000);
    } finally {
      await sender.close();
      await peer.close();
    }
  });

  it("EventBridge: answers are cut off at the cap; calls end at the deadline as retryable timeouts, not as close", async function () {
    const chunks = [];
    const capped = capStream(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000);
    const err = await new Promise((resolve) => {
      capped.on("data", (c) => chunks.push(c));
      capped.on("error", resolve);
      capped.on("end", () => resolve(undefined));
    });
    should(err).be.ok();
    err.code.should.equal("ERESPONSETOOLARGE");
    Buffer.concat(chunks).length.should.be.belowOrEqual(1000);
    classifyCallError(err).should.containEql({ code: "ERESPONSETOOLARGE", retryable: true, aborted: false });

    const never = (signal) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" }))));
    const t = await withDeadline(50, new AbortController().signal, never).catch((e) => e);
    t.should.containEql({ name: "TimeoutError", code: "ETIMEDOUT" });
    classifyCallError(t).should.containEql({ retryable: true, aborted: false });
    const closing = new AbortController();
    const p = withDeadline(5000, closing.signal, never).catch((e) => e);
    closing.abort();
    classifyCallError(await p).aborted.should.be.true();
  });

  it("EventBridge: a reset after the status line is retryable, and the SDK's hint is not part of the message", function () {
    const e = Object.assign(new Error("aborted\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object."), {
      code: "ECONNRESET",
      $metadata: { httpStatusCode: 200 },
    });
    classifyCallError(e).should.eql({ code: "ECONNRESET", message: "aborted", status: 200, retryable: true, aborted: false });
  });
});
