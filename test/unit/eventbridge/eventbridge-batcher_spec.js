"use strict";
/**
 * The PutEvents batcher against a scripted in-process API: batch shape (≤ 10 entries, total
 * below the byte limit), flush interval, per-entry and whole-call retries, dead letters, close.
 */
require("should");
const { PutEventsBatcher } = require("../../../dist/lib/eventbridge/batcher");
const { entrySize } = require("../../../dist/lib/eventbridge/entry");
const { classifyCallError } = require("../../../dist/lib/eventbridge/errors");

const RETRY = { maxAttempts: 4, backoffDelayMs: 1, maxDelayMs: 5, jitter: 0, honorRetryAfter: false };

/** a fake EventBridgeApi: `answer(entries, call)` returns the PutEvents output or throws */
function fakeApi(answer = () => undefined, delayMs = 0) {
  const api = {
    calls: [],
    inFlight: 0,
    maxInFlight: 0,
    destroyed: false,
    putEvents(entries, signal) {
      const call = { entries: entries.map((e) => e), at: Date.now() };
      api.calls.push(call);
      api.inFlight++;
      api.maxInFlight = Math.max(api.maxInFlight, api.inFlight);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          clearTimeout(t);
          api.inFlight--;
          const e = new Error("Request aborted");
          e.name = "AbortError";
          reject(e);
        };
        const t = setTimeout(() => {
          signal.removeEventListener("abort", onAbort);
          api.inFlight--;
          try {
            const out = answer(entries, call, api.calls.length);
            resolve(out || { FailedEntryCount: 0, Entries: entries.map((e) => ({ EventId: "id-" + e.Detail })) });
          } catch (err) {
            reject(err);
          }
        }, delayMs);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
    listRules() {
      throw new Error("not used");
    },
    destroy() {
      api.destroyed = true;
    },
  };
  return api;
}

function awsError(name, status, message = name) {
  const e = new Error(message);
  e.name = name;
  e.$metadata = { httpStatusCode: status };
  e.$fault = status >= 500 ? "server" : "client";
  return e;
}

const entry = (i, bytes = 0) => ({ Source: "src", DetailType: "type", Detail: JSON.stringify({ i, pad: "x".repeat(bytes) }), Time: new Date(0) });

function batcher(api, opts = {}) {
  return new PutEventsBatcher(api, { maxBatchBytes: 262144, flushIntervalMs: 5, concurrency: 4, retry: RETRY, ...opts });
}

describe("eventbridge PutEvents batcher", () => {
  it("sends at most 10 entries per call and resolves each with its EventId", async () => {
    const api = fakeApi();
    const b = batcher(api);
    const results = await Promise.all(Array.from({ length: 95 }, (_, i) => b.submit(entry(i))));
    results.forEach((r, i) => r.should.eql({ outcome: "sent", eventId: "id-" + JSON.stringify({ i, pad: "" }), attempts: 1, durationMs: r.durationMs }));
    api.calls.length.should.equal(10);
    api.calls.map((c) => c.entries.length).should.eql([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    b.length.should.equal(0);
    b.close();
  });

  it("keeps each call's total entry size below the byte limit", async () => {
    const api = fakeApi();
    const limit = 10000;
    const b = batcher(api, { maxBatchBytes: limit });
    const sizes = [];
    const all = [];
    for (let i = 0; i < 200; i++) {
      const e = entry(i, (i * 137) % 3000);
      sizes.push(entrySize(e));
      all.push(b.submit(e));
    }
    const results = await Promise.all(all);
    results.every((r) => r.outcome === "sent").should.be.true();
    let n = 0;
    for (const c of api.calls) {
      const total = c.entries.reduce((s, e) => s + entrySize(e), 0);
      total.should.be.below(limit);
      c.entries.length.should.be.belowOrEqual(10);
      n += c.entries.length;
    }
    n.should.equal(200);
    // packing is greedy: a call is cut only when the next entry would reach the limit
    api.calls.forEach((c, k) => {
      if (k === api.calls.length - 1 || c.entries.length === 10) return;
      const total = c.entries.reduce((s, e) => s + entrySize(e), 0);
      (total + entrySize(api.calls[k + 1].entries[0])).should.be.aboveOrEqual(limit);
    });
    b.close();
  });

  it("dead-letters an entry that alone reaches the limit, without a call", async () => {
    const api = fakeApi();
    const b = batcher(api, { maxBatchBytes: 1000 });
    const big = entry(1, 1000);
    const r = await b.submit(big);
    r.should.containEql({ outcome: "dead-letter", code: "ETOOLARGE", attempts: 0, status: 0, retryable: false });
    r.message.should.match(new RegExp(`the entry is ${entrySize(big)} bytes; a PutEvents call must stay below 1000 bytes`));
    // exactly at the limit is too large too (AWS: the total must be less than the limit)
    const edge = entry(2, 0);
    const s = entrySize(edge);
    const b2 = batcher(api, { maxBatchBytes: s });
    (await b2.submit(edge)).code.should.equal("ETOOLARGE");
    const b3 = batcher(api, { maxBatchBytes: s + 1 });
    (await b3.submit(edge)).outcome.should.equal("sent");
    api.calls.length.should.equal(1);
    [b, b2, b3].forEach((x) => x.close());
  });

  it("waits at most the flush interval for a batch to fill", async () => {
    const api = fakeApi();
    const b = batcher(api, { flushIntervalMs: 60 });
    const t0 = Date.now();
    const r = await b.submit(entry(1));
    const took = Date.now() - t0;
    r.outcome.should.equal("sent");
    took.should.be.aboveOrEqual(55);
    took.should.be.below(500);
    // a full batch does not wait
    const t1 = Date.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(entry(i))));
    (Date.now() - t1).should.be.below(50);
    b.close();
  });

  it("keeps at most `concurrency` calls in flight and fills the open batch meanwhile", async () => {
    const api = fakeApi(undefined, 30);
    const b = batcher(api, { concurrency: 2, flushIntervalMs: 1 });
    const all = [];
    for (let i = 0; i < 3; i++) all.push(b.submit(entry(i)));
    await new Promise((r) => setTimeout(r, 10)); // the first partial batch has gone
    for (let i = 3; i < 60; i++) all.push(b.submit(entry(i)));
    const results = await Promise.all(all);
    results.every((r) => r.outcome === "sent").should.be.true();
    api.maxInFlight.should.equal(2);
    // while both slots were busy, the later entries were packed into full batches
    api.calls.slice(1).filter((c) => c.entries.length === 10).length.should.be.aboveOrEqual(4);
    b.close();
  });

  it("retries only the entries refused with ThrottlingException / InternalFailure, and dead-letters the others", async () => {
    const seen = new Map();
    const api = fakeApi((entries) => {
      const out = entries.map((e) => {
        const i = JSON.parse(e.Detail).i;
        const n = (seen.get(i) || 0) + 1;
        seen.set(i, n);
        if (i % 10 === 1 && n <= 2) return { ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" };
        if (i % 10 === 2 && n <= 1) return { ErrorCode: "InternalFailure", ErrorMessage: "Internal error" };
        if (i % 10 === 3) return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
        return { EventId: "id" + i };
      });
      return { FailedEntryCount: out.filter((o) => o.ErrorCode).length, Entries: out };
    });
    const notices = [];
    const b = batcher(api, { onRetry: (n) => notices.push(n) });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => b.submit(entry(i))));
    results.forEach((r, i) => {
      if (i % 10 === 3) {
        r.should.containEql({ outcome: "dead-letter", code: "MalformedDetail", message: "Detail is malformed.", status: 200, attempts: 1, retryable: false });
      } else {
        r.should.containEql({ outcome: "sent", eventId: "id" + i, attempts: i % 10 === 1 ? 3 : i % 10 === 2 ? 2 : 1 });
      }
    });
    // each entry was sent only as often as needed: a successful entry is never sent again
    for (const [i, n] of seen) n.should.equal(i % 10 === 1 ? 3 : i % 10 === 2 ? 2 : 1, `entry ${i}`);
    notices.length.should.be.above(0);
    notices[0].should.containEql({ attempt: 1 });
    ["ThrottlingException", "InternalFailure"].should.containEql(notices[0].code);
    b.close();
  });

  it("gives up after maxAttempts of a retryable entry error, saying so", async () => {
    const api = fakeApi((entries) => ({ FailedEntryCount: entries.length, Entries: entries.map(() => ({ ErrorCode: "ThrottlingException", ErrorMessage: "Rate exceeded" })) }));
    const b = batcher(api);
    const r = await b.submit(entry(1));
    r.should.containEql({ outcome: "dead-letter", code: "ThrottlingException", attempts: 4, status: 200, retryable: true });
    r.message.should.equal("Rate exceeded (gave up after 4 attempts)");
    api.calls.length.should.equal(4);
    b.close();
  });

  it("treats a missing result entry as a retryable internal failure", async () => {
    let n = 0;
    const api = fakeApi((entries) => (++n === 1 ? { FailedEntryCount: 0, Entries: [] } : undefined));
    const b = batcher(api);
    const r = await b.submit(entry(1));
    r.should.containEql({ outcome: "sent", attempts: 2 });
    b.close();
  });

  it("retries whole calls that fail with throttling, 5xx or network errors", async () => {
    const failures = [
      awsError("ThrottlingException", 400, "Rate exceeded"),
      awsError("InternalException", 500),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    ];
    const api = fakeApi(() => {
      const f = failures.shift();
      if (f) throw f;
      return undefined;
    });
    const notices = [];
    const b = batcher(api, { onRetry: (n) => notices.push(n.code), retry: { ...RETRY, maxAttempts: 5 } });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => b.submit(entry(i))));
    results.forEach((r) => r.should.containEql({ outcome: "sent", attempts: 4 }));
    notices.should.eql(["ThrottlingException", "InternalException", "ECONNREFUSED"]);
    b.close();
  });

  it("dead-letters a batch on authentication and authorisation errors, with the code and HTTP status", async () => {
    const api = fakeApi(() => {
      throw awsError("AccessDeniedException", 400, "User is not authorized to perform: events:PutEvents");
    });
    const b = batcher(api);
    const results = await Promise.all([b.submit(entry(1)), b.submit(entry(2))]);
    for (const r of results) {
      r.should.containEql({ outcome: "dead-letter", code: "AccessDeniedException", status: 400, attempts: 1, retryable: false });
      r.message.should.equal("HTTP 400 AccessDeniedException: User is not authorized to perform: events:PutEvents");
    }
    api.calls.length.should.equal(1);
    b.close();
  });

  it("on a ValidationException, retries the batch's entries one by one so one bad entry does not sink the others", async () => {
    const api = fakeApi((entries) => {
      if (entries.some((e) => JSON.parse(e.Detail).i === 3)) throw awsError("ValidationException", 400, "bad entry 3");
      return undefined;
    });
    const b = batcher(api);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => b.submit(entry(i))));
    results.forEach((r, i) => {
      if (i === 3) r.should.containEql({ outcome: "dead-letter", code: "ValidationException", attempts: 2, status: 400 });
      else r.should.containEql({ outcome: "sent", attempts: 2 });
    });
    api.calls.map((c) => c.entries.length).should.eql([6, 1, 1, 1, 1, 1, 1]);
    b.close();
  });

  it("close() aborts calls in flight and back-off waits at once; everything unsettled resolves `closed`", async () => {
    let calls = 0;
    const api = fakeApi((entries) => {
      calls++;
      return { FailedEntryCount: entries.length, Entries: entries.map(() => ({ ErrorCode: "ThrottlingException" })) };
    }, 20);
    const b = batcher(api, { retry: { ...RETRY, backoffDelayMs: 60000, maxDelayMs: 60000 }, concurrency: 1 });
    const waiting = [b.submit(entry(1))]; // will be backing off
    await new Promise((r) => setTimeout(r, 60));
    const inflight = [];
    for (let i = 0; i < 10; i++) inflight.push(b.submit(entry(100 + i))); // a full batch, sent at once
    const queued = [];
    for (let i = 0; i < 25; i++) queued.push(b.submit(entry(200 + i))); // full batches waiting for the slot + an open one
    await new Promise((r) => setImmediate(r));
    api.inFlight.should.equal(1);
    const t0 = Date.now();
    b.close();
    const results = await Promise.all([...waiting, ...inflight, ...queued]);
    (Date.now() - t0).should.be.below(50);
    results.forEach((r) => r.should.eql({ outcome: "closed" }));
    api.inFlight.should.equal(0);
    calls.should.equal(1);
    b.length.should.equal(0);
    (await b.submit(entry(9))).should.eql({ outcome: "closed" });
  });
});

describe("eventbridge error classification", () => {
  it("retries throttling, 5xx, timeouts and network errors; not 4xx client errors or missing credentials", () => {
    classifyCallError(awsError("ThrottlingException", 400)).retryable.should.be.true();
    classifyCallError(awsError("InternalException", 500)).retryable.should.be.true();
    classifyCallError(awsError("ServiceUnavailable", 503)).retryable.should.be.true();
    classifyCallError(awsError("SomethingNew", 429)).retryable.should.be.true();
    classifyCallError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })).should.containEql({ code: "ECONNRESET", status: 0, retryable: true });
    classifyCallError(Object.assign(new Error("timed out"), { name: "TimeoutError" })).retryable.should.be.true();
    classifyCallError(awsError("AccessDeniedException", 400)).retryable.should.be.false();
    classifyCallError(awsError("UnrecognizedClientException", 400)).retryable.should.be.false();
    classifyCallError(awsError("InvalidSignatureException", 403)).retryable.should.be.false();
    classifyCallError(awsError("ValidationException", 400)).retryable.should.be.false();
    classifyCallError(awsError("ResourceNotFoundException", 400)).retryable.should.be.false();
    classifyCallError(Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }))
      .should.containEql({ code: "CredentialsProviderError", retryable: false });
    classifyCallError(Object.assign(new Error("aborted"), { name: "AbortError" })).aborted.should.be.true();
  });
});
