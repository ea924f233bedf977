"use strict";
/**
 * Rule look-up (ListRules paging, by ARN or name), the rule watcher's states (ready, stale on a
 * failed refresh, error, unfilterable), and the sink's filtering and status view, against an
 * in-process fake API.
 */
require("should");
const { findRule, RuleWatcher, RuleLookupError } = require("../../../dist/lib/eventbridge/rule");
const { parseBus, parseRule } = require("../../../dist/lib/eventbridge/arn");
const { EventBridgeSink } = require("../../../dist/lib/sinks");
const { eventBridgeStatusView: statusView, statusParts } = require("../../../dist/lib/sinks");
const { parseEventBridgeSettings } = require("../../../dist/lib/sinks");

const ACCOUNT = "123456789012";
const arn = (name, bus = "default") => `arn:aws:events:us-east-1:${ACCOUNT}:rule/${bus === "default" ? "" : bus + "/"}${name}`;

/** ListRules over `rules` ({Name, EventPattern, State}), `pageSize` per page; `fail(call)` may throw */
function fakeApi(rules, { pageSize = 3, fail, descending = false } = {}) {
  const api = {
    rules,
    listCalls: [],
    put: [],
    async listRules(input, signal) {
      api.listCalls.push(input);
      if (fail) fail(api.listCalls.length, input);
      if (signal.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
      const names = api.rules.filter((r) => r.Name.startsWith(input.NamePrefix || "")).sort((a, b) => ((a.Name < b.Name) !== descending ? -1 : 1));
      const offset = input.NextToken ? Number(input.NextToken.slice(3)) : 0;
      const page = names.slice(offset, offset + pageSize).map((r) => ({ ...r, Arn: arn(r.Name, r.bus) }));
      return { Rules: page, NextToken: offset + pageSize < names.length ? "tok" + (offset + pageSize) : undefined };
    },
    async putEvents(entries) {
      api.put.push(...entries);
      return { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: "e" + api.put.length + "-" + i })) };
    },
    destroy() {
      api.destroyed = true;
    },
  };
  return api;
}

function awsError(name, status, message = name) {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

const signal = new AbortController().signal;
const bus = parseBus("default");
const PATTERN = JSON.stringify({ source: [{ prefix: "https://vc" }], "detail-type": ["VmPoweredOnEvent"] });
const manyRules = () => [
  ...Array.from({ length: 10 }, (_, i) => ({ Name: `vm-${String(i).padStart(2, "0")}`, EventPattern: JSON.stringify({ source: [`s${i}`] }), State: "ENABLED" })),
  { Name: "vm-power", EventPattern: PATTERN, State: "ENABLED" },
  { Name: "vm-schedule", ScheduleExpression: "rate(5 minutes)", State: "ENABLED" },
];

describe("eventbridge rule look-up", () => {
  it("pages through ListRules with NextToken and finds the rule by name", async () => {
    // AWS does not document the order of ListRules: here the rule comes last among those with its prefix
    const api = fakeApi([...manyRules(), ...Array.from({ length: 5 }, (_, i) => ({ Name: `vm-power5${i}`, EventPattern: "{}" }))], { pageSize: 2, descending: true });
    const r = await findRule(api, bus, parseRule("vm-power"), signal);
    r.should.containEql({ name: "vm-power", arn: arn("vm-power"), account: ACCOUNT, state: "ENABLED", eventPattern: PATTERN });
    api.listCalls.length.should.equal(3);
    api.listCalls[0].should.eql({ EventBusName: "default", NamePrefix: "vm-power", Limit: 100 });
    api.listCalls[2].NextToken.should.equal("tok4");
    // with a plain prefix every page is read
    const api2 = fakeApi(manyRules(), { pageSize: 3 });
    (await findRule(api2, bus, { value: "vm-schedul", name: "vm-" }, signal).catch((e) => e)).should.be.instanceOf(RuleLookupError);
    api2.listCalls.map((c) => c.NextToken).should.eql([undefined, "tok3", "tok6", "tok9"]);
  });

  it("finds the rule by ARN, comparing ARNs", async () => {
    const api = fakeApi([{ Name: "r", EventPattern: PATTERN, bus: "other" }], {});
    const busOther = parseBus("other");
    (await findRule(api, busOther, parseRule(arn("r", "other")), signal)).arn.should.equal(arn("r", "other"));
    const e = await findRule(api, busOther, parseRule(arn("r", "other").replace(ACCOUNT, "999999999999")), signal).catch((x) => x);
    e.problem.should.equal("not-found");
  });

  it("says clearly when the rule does not exist, has no pattern, or cannot be read", async () => {
    const api = fakeApi(manyRules());
    const nf = await findRule(api, bus, parseRule("nope"), signal).catch((e) => e);
    nf.should.be.instanceOf(RuleLookupError);
    nf.problem.should.equal("not-found");
    nf.message.should.equal('rule "nope" on event bus "default" does not exist');
    const np = await findRule(api, bus, parseRule("vm-schedule"), signal).catch((e) => e);
    np.problem.should.equal("no-pattern");
    np.message.should.match(/rule "vm-schedule" on event bus "default" has no event pattern/);
    const denied = fakeApi(manyRules(), { fail: () => { throw awsError("AccessDeniedException", 400, "not authorized to perform events:ListRules"); } });
    const ce = await findRule(denied, bus, parseRule("vm-power"), signal).catch((e) => e);
    ce.problem.should.equal("call");
    ce.failure.should.containEql({ code: "AccessDeniedException", retryable: false });
    ce.message.should.equal('cannot read rule "vm-power" on event bus "default": HTTP 400 AccessDeniedException: not authorized to perform events:ListRules');
  });
});

describe("eventbridge rule watcher", () => {
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  it("loads the pattern, re-reads it, keeps the last good one when a refresh fails, and recovers", async () => {
    let failing = false;
    const api = fakeApi(manyRules(), { fail: () => { if (failing) throw awsError("InternalException", 500, "boom"); } });
    const changes = [];
    const w = new RuleWatcher(api, bus, parseRule("vm-power"), { refreshIntervalMs: 30, errorRetryMs: 30, onChange: (s) => changes.push(s.state) });
    w.start();
    await w.settled();
    w.state.state.should.equal("ready");
    const first = w.state.pattern;
    first.matches({ source: "https://vc/sdk", "detail-type": "VmPoweredOnEvent" }).should.be.true();
    failing = true;
    await wait(80);
    w.state.state.should.equal("stale");
    w.state.reason.should.match(/cannot read rule "vm-power" on event bus "default": HTTP 500 InternalException: boom/);
    w.state.pattern.should.equal(first);
    // the rule changes while refreshes fail: the old pattern stays in use
    api.rules.find((r) => r.Name === "vm-power").EventPattern = JSON.stringify({ "detail-type": ["VmPoweredOffEvent"] });
    await wait(40);
    w.state.pattern.should.equal(first);
    failing = false;
    await wait(60);
    w.state.state.should.equal("ready");
    w.state.pattern.matches({ "detail-type": "VmPoweredOffEvent" }).should.be.true();
    changes.should.containDeep(["ready", "stale", "ready"]);
    w.close();
    w.state.state.should.equal("closed");
  });

  it("a rule that vanishes on refresh keeps its last pattern (stale, not error)", async () => {
    const api = fakeApi(manyRules());
    const w = new RuleWatcher(api, bus, parseRule("vm-power"), { refreshIntervalMs: 20 });
    w.start();
    await w.settled();
    api.rules = api.rules.filter((r) => r.Name !== "vm-power");
    await wait(60);
    w.state.state.should.equal("stale");
    w.state.reason.should.match(/does not exist/);
    w.close();
  });

  it("is in error when the rule does not exist, and finds it once it is created", async () => {
    const api = fakeApi(manyRules());
    const w = new RuleWatcher(api, bus, parseRule("later"), { refreshIntervalMs: 1000, errorRetryMs: 20 });
    w.start();
    await w.settled();
    w.state.should.containEql({ state: "error", problem: "not-found", reason: 'rule "later" on event bus "default" does not exist' });
    api.rules.push({ Name: "later", EventPattern: PATTERN });
    await wait(60);
    w.state.state.should.equal("ready");
    w.close();
  });

  it("retries transient failures of the first look-up while events wait", async () => {
    const api = fakeApi(manyRules(), { fail: (n) => { if (n <= 2) throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }); } });
    const states = [];
    const w = new RuleWatcher(api, bus, parseRule("vm-power"), { retry: { maxAttempts: 99, backoffDelayMs: 2, maxDelayMs: 5, jitter: 0, honorRetryAfter: false }, onChange: (s) => states.push(s.state + (s.reason ? ":" + s.reason.slice(0, 20) : "")) });
    w.start();
    await w.settled();
    w.state.state.should.equal("ready");
    states[0].should.match(/^loading:cannot read rule/);
    w.close();
  });

  it("sends unfiltered when the pattern cannot be compiled here", async () => {
    const api = fakeApi([{ Name: "odd", EventPattern: JSON.stringify({ detail: { x: [{ "future-operator": 1 }] } }) }]);
    const w = new RuleWatcher(api, bus, parseRule("odd"), {});
    w.start();
    await w.settled();
    w.state.state.should.equal("unfilterable");
    w.state.reason.should.match(/cannot be evaluated here .*every event is sent and EventBridge filters/);
    w.close();
  });
});

describe("eventbridge sink (fake API)", () => {
  const settings = (over = {}) => parseEventBridgeSettings({ region: "us-east-1", flushInterval: 1, ...over }, undefined, "/node-red/eventbridge-out/t");
  const event = (i, type) => ({ specversion: "1.0", id: String(i), source: "https://vc.example.com/sdk", type: `com.vmware.vsphere.${type}.v0`, data: { Key: i } });

  it("sends matching events, filters the others, and counts both", async () => {
    const api = fakeApi(manyRules());
    const sink = new EventBridgeSink(settings({ ruleArn: arn("vm-power") }), { api });
    sink.start();
    const types = ["VmPoweredOnEvent", "VmPoweredOffEvent", "VmCreatedEvent"];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => sink.deliver(event(i, types[i % 3]), types[i % 3])));
    results.forEach((r, i) => r.outcome.should.equal(i % 3 === 0 ? "delivered" : "filtered"));
    api.put.length.should.equal(10);
    sink.counters.should.containEql({ delivered: 10, filtered: 20, failed: 0 });
    const v = statusView(sink.counters, sink.settings.rule, sink.ruleState);
    v.should.containEql({ fill: "green", shape: "dot" });
    statusParts(v).map((p) => p.key).should.eql(["status.counts", "status.rule-ready"]);
    await sink.close();
    api.destroyed.should.be.true();
  });

  it("without a rule sends everything; with a missing rule dead-letters with ERULE and a red status", async () => {
    const api = fakeApi(manyRules());
    const all = new EventBridgeSink(settings(), { api });
    all.start();
    (await all.deliver(event(1, "X"), "X")).outcome.should.equal("delivered");
    statusView(all.counters, undefined, undefined).more[0].key.should.equal("status.rule-none");
    await all.close();
    const missing = new EventBridgeSink(settings({ ruleArn: "gone" }), { api: fakeApi(manyRules()) });
    missing.start();
    const r = await missing.deliver(event(1, "X"), "X");
    r.should.containEql({ outcome: "dead-letter", code: "ERULE", message: 'rule "gone" on event bus "default" does not exist', attempts: 0 });
    const v = statusView(missing.counters, missing.settings.rule, missing.ruleState);
    v.should.containEql({ fill: "red", shape: "ring" });
    statusParts(v)[0].should.eql({ key: "status.rule-error", params: { reason: 'rule "gone" on event bus "default" does not exist' } });
    await missing.close();
  });

  it("dead-letters payloads that are not valid CloudEvents and wraps plain payloads", async () => {
    const api = fakeApi([]);
    const sink = new EventBridgeSink(settings(), { api });
    (await sink.deliver({ specversion: "1.0", id: "1", type: "t" }, "")).should.containEql({ outcome: "dead-letter", code: "EINVALIDEVENT", message: "invalid CloudEvent: attribute source is missing" });
    (await sink.deliver({ specversion: "1.0", id: "1", type: "t", source: "s" }, "x".repeat(200))).code.should.equal("EINVALIDENTRY");
    (await sink.deliver("hello", "greeting")).outcome.should.equal("delivered");
    const d = JSON.parse(api.put[0].Detail);
    d.should.containEql({ type: "org.nodered.message", source: "/node-red/eventbridge-out/t", data: "hello" });
    api.put[0].DetailType.should.equal("greeting");
    await sink.close();
  });

  it("close() resolves events waiting for the rule as closed", async () => {
    let release;
    const gate = new Promise((r) => (release = r));
    const api = fakeApi(manyRules());
    const orig = api.listRules;
    api.listRules = async (input, sig) => {
      await gate;
      return orig(input, sig);
    };
    const sink = new EventBridgeSink(settings({ ruleArn: "vm-power" }), { api });
    sink.start();
    const p = sink.deliver(event(1, "VmPoweredOnEvent"), "VmPoweredOnEvent");
    await new Promise((r) => setTimeout(r, 10));
    sink.length.should.equal(1);
    await sink.close();
    (await p).should.containEql({ ok: false, outcome: "closed", reason: "closed" });
    release();
  });
});
