"use strict";
/**
 * EventBridge entry shaping, entry size (as AWS computes it), the envelope rules match, ARN
 * parsing and the node's settings.
 */
require("should");
const { buildEntry, entrySize, eventEnvelope, envelopeTime, eventTime, EntryError, MAX_BATCH_BYTES } = require("../../../dist/lib/eventbridge/entry");
const { parseBus, parseRule, accountOf } = require("../../../dist/lib/eventbridge/arn");
const { parseEventBridgeSettings } = require("../../../dist/lib/sinks");
const { compilePattern } = require("../../../dist/lib/pattern");
const peer = require("../../support/eventbridge-peer");

const ce = (extra = {}) => ({
  specversion: "1.0",
  id: "42",
  source: "https://vc.example.com/sdk",
  type: "com.vmware.vsphere.VmPoweredOnEvent.v0",
  time: "2024-01-02T03:04:05.123456789Z",
  datacontenttype: "application/json",
  data: { Key: 42, Vm: { Name: "web-01" } },
  eventclass: "event",
  ...extra,
});

describe("eventbridge entry", () => {
  describe("entrySize (AWS's formula)", () => {
    it("counts 14 bytes for Time plus the UTF-8 bytes of Source, DetailType and Detail", () => {
      entrySize({ Source: "abc", DetailType: "de", Detail: "{}" }).should.equal(7);
      entrySize({ Source: "abc", DetailType: "de", Detail: "{}", Time: new Date() }).should.equal(21);
    });
    it("counts multi-byte characters by their UTF-8 length", () => {
      // é = 2 bytes, € = 3, 👍 = 4 (a surrogate pair, 2 UTF-16 units)
      entrySize({ Source: "é", DetailType: "€", Detail: '{"a":"👍"}' }).should.equal(2 + 3 + 8 + 4);
    });
    it("counts Resources and TraceHeader; EventBusName does not count", () => {
      entrySize({ Source: "s", DetailType: "d", Detail: "{}", Resources: ["arn:x", "👍"], TraceHeader: "Root=1", EventBusName: "a-long-bus-name" }).should.equal(1 + 1 + 2 + 5 + 4 + 6);
    });
    it("agrees with the test peer's independent implementation", () => {
      const samples = [
        { Source: "s", DetailType: "d", Detail: "{}" },
        { Source: "https://vc/sdk", DetailType: "VmPoweredOnEvent", Detail: JSON.stringify({ x: "ÄÖÜ😀".repeat(50) }), Time: new Date() },
        { Source: "ß", DetailType: "日本", Detail: "{}", Resources: ["r1", "r2"] },
      ];
      for (const s of samples) entrySize(s).should.equal(peer.entrySize({ ...s, Time: s.Time && s.Time.getTime() / 1000 }));
    });
  });

  describe("buildEntry", () => {
    it("Source = source, DetailType = subject, Detail = the structured CloudEvent, Time = time, EventBusName = the bus", () => {
      const { entry, detail, size } = buildEntry(ce({ subject: "VmPoweredOnEvent" }), "ignored", "my-bus");
      entry.Source.should.equal("https://vc.example.com/sdk");
      entry.DetailType.should.equal("VmPoweredOnEvent");
      entry.EventBusName.should.equal("my-bus");
      entry.Time.toISOString().should.equal("2024-01-02T03:04:05.123Z");
      JSON.parse(entry.Detail).should.eql(ce({ subject: "VmPoweredOnEvent" }));
      detail.should.eql(JSON.parse(entry.Detail));
      size.should.equal(entrySize(entry));
    });
    it("DetailType falls back to msg.topic, then to the type", () => {
      buildEntry(ce(), "VmPoweredOnEvent", "default").entry.DetailType.should.equal("VmPoweredOnEvent");
      buildEntry(ce(), "", "default").entry.DetailType.should.equal("com.vmware.vsphere.VmPoweredOnEvent.v0");
      buildEntry(ce(), undefined, "default").entry.DetailType.should.equal("com.vmware.vsphere.VmPoweredOnEvent.v0");
      buildEntry(ce(), 17, "default").entry.DetailType.should.equal("com.vmware.vsphere.VmPoweredOnEvent.v0");
    });
    it("refuses a DetailType longer than 128 characters (AWS would fail the whole call), naming where it came from", () => {
      (() => buildEntry(ce(), "x".repeat(129), "default")).should.throw(EntryError, { message: /DetailType \(from the event's msg\.topic\) is 129 characters long; EventBridge allows 128/ });
      buildEntry(ce(), "x".repeat(128), "default").entry.DetailType.length.should.equal(128);
    });
    it("writes binary data as data_base64, as the structured JSON format does", () => {
      const { entry } = buildEntry(ce({ datacontenttype: "application/octet-stream", data: Buffer.from([1, 2, 3]) }), "", "default");
      const d = JSON.parse(entry.Detail);
      d.data_base64.should.equal("AQID");
      (d.data === undefined).should.be.true();
    });
    it("uses now when the event has no time", () => {
      const now = new Date("2025-05-05T05:05:05.500Z");
      const e = ce();
      delete e.time;
      buildEntry(e, "", "default", now).entry.Time.should.equal(now);
    });
  });

  describe("times", () => {
    it("reads RFC 3339 with nanoseconds, offsets and leap seconds", () => {
      eventTime("2024-01-02T03:04:05.123456789Z").toISOString().should.equal("2024-01-02T03:04:05.123Z");
      eventTime("2024-01-02T03:04:05+02:00").toISOString().should.equal("2024-01-02T01:04:05.000Z");
      eventTime("2016-12-31T23:59:60Z").toISOString().should.equal("2016-12-31T23:59:59.999Z");
      (eventTime("nonsense") === undefined).should.be.true();
      (eventTime(undefined) === undefined).should.be.true();
    });
    it("writes the envelope time in whole seconds, UTC, as EventBridge does", () => {
      envelopeTime(new Date("2024-01-02T03:04:05.987Z")).should.equal("2024-01-02T03:04:05Z");
    });
  });

  describe("eventEnvelope", () => {
    it("has version 0, id, detail-type, source, account, time, region, resources, detail", () => {
      const { entry, detail } = buildEntry(ce(), "VmPoweredOnEvent", "default");
      const env = eventEnvelope(entry, detail, { account: "123456789012", region: "eu-central-1" });
      Object.keys(env).should.eql(["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]);
      env.version.should.equal("0");
      env.id.should.match(/^[0-9a-f-]{36}$/);
      env["detail-type"].should.equal("VmPoweredOnEvent");
      env.source.should.equal("https://vc.example.com/sdk");
      env.account.should.equal("123456789012");
      env.time.should.equal("2024-01-02T03:04:05Z");
      env.region.should.equal("eu-central-1");
      env.resources.should.eql([]);
      env.detail.should.equal(detail);
    });
    it("matches rules the way EventBridge would (top-level fields and detail)", () => {
      const { entry, detail } = buildEntry(ce(), "VmPoweredOnEvent", "default");
      const env = eventEnvelope(entry, detail, { account: "123456789012", region: "us-east-1" });
      const yes = [
        { "detail-type": ["VmPoweredOnEvent"] },
        { source: [{ prefix: "https://vc." }], detail: { data: { Vm: { Name: [{ wildcard: "web-*" }] } } } },
        { account: ["123456789012"], region: ["us-east-1"], detail: { type: [{ suffix: "VmPoweredOnEvent.v0" }], data: { Key: [{ numeric: [">", 40] }] } } },
        { version: ["0"], detail: { eventclass: ["event"] } },
      ];
      const no = [
        { "detail-type": ["VmPoweredOffEvent"] },
        { detail: { data: { Vm: { Name: [{ "anything-but": { prefix: "web" } }] } } } },
        { region: ["eu-west-1"] },
        { resources: [{ exists: true }] },
      ];
      for (const p of yes) compilePattern(p).matches(env).should.be.true(JSON.stringify(p));
      for (const p of no) compilePattern(p).matches(env).should.be.false(JSON.stringify(p));
    });
  });
});

describe("eventbridge ARNs", () => {
  it("reads bus names and ARNs", () => {
    parseBus("").should.eql({ value: "default", name: "default" });
    parseBus(" vmware ").should.eql({ value: "vmware", name: "vmware" });
    parseBus("aws.partner/example.com/123/events").name.should.equal("aws.partner/example.com/123/events");
    parseBus("arn:aws:events:eu-west-1:123456789012:event-bus/vmware").should.eql({
      value: "arn:aws:events:eu-west-1:123456789012:event-bus/vmware", name: "vmware", region: "eu-west-1", account: "123456789012",
    });
    (() => parseBus("arn:aws:events:eu-west-1:123456789012:rule/x")).should.throw(/not an event bus ARN/);
    (() => parseBus("my bus")).should.throw(/not a valid name/);
  });
  it("reads rule names and ARNs on the default and custom buses", () => {
    (parseRule("") === undefined).should.be.true();
    parseRule("vm-events").should.eql({ value: "vm-events", name: "vm-events" });
    parseRule("arn:aws:events:us-east-1:123456789012:rule/vm-events").should.eql({
      value: "arn:aws:events:us-east-1:123456789012:rule/vm-events", name: "vm-events",
      arn: "arn:aws:events:us-east-1:123456789012:rule/vm-events", bus: "default", region: "us-east-1", account: "123456789012",
    });
    parseRule("arn:aws-us-gov:events:us-gov-west-1:123456789012:rule/vmware/vm-events").should.containEql({ name: "vm-events", bus: "vmware" });
    (() => parseRule("arn:aws:events:us-east-1:123456789012:event-bus/x")).should.throw(/not a rule ARN/);
    (() => parseRule("rule with spaces")).should.throw(/not a rule ARN or name/);
    accountOf("arn:aws:events:us-east-1:210987654321:rule/x").should.equal("210987654321");
    (accountOf("nope") === undefined).should.be.true();
  });
});

describe("eventbridge-out settings", () => {
  const parse = (config, creds, env = {}) => parseEventBridgeSettings(config, creds, "/node-red/eventbridge-out/n1", env);

  it("defaults: default bus, no rule, 256 KiB, 50 ms, 5 min refresh, default credential chain", () => {
    const s = parse({ region: "us-east-1" });
    s.region.should.equal("us-east-1");
    s.bus.name.should.equal("default");
    (s.rule === undefined).should.be.true();
    (s.credentials === undefined).should.be.true();
    (s.endpoint === undefined).should.be.true();
    s.maxBatchBytes.should.equal(262144);
    s.flushIntervalMs.should.equal(50);
    s.ruleRefreshMs.should.equal(300000);
    s.wrap.should.eql({ type: "org.nodered.message", source: "/node-red/eventbridge-out/n1" });
  });
  it("takes the region from the bus or rule ARN or the environment", () => {
    parse({ eventBus: "arn:aws:events:eu-west-1:123456789012:event-bus/b" }).region.should.equal("eu-west-1");
    parse({ ruleArn: "arn:aws:events:ap-south-1:123456789012:rule/r" }).region.should.equal("ap-south-1");
    parse({}, undefined, { AWS_REGION: "sa-east-1" }).region.should.equal("sa-east-1");
    (() => parse({})).should.throw(/no region configured/);
    (() => parse({ region: "US East" })).should.throw(/not an AWS region name/);
  });
  it("refuses a rule of another bus or region, and half a key pair", () => {
    (() => parse({ region: "us-east-1", eventBus: "vmware", ruleArn: "arn:aws:events:us-east-1:123456789012:rule/r" }))
      .should.throw(/rule "r" belongs to event bus "default", but events go to event bus "vmware"/);
    (() => parse({ region: "us-east-1", ruleArn: "arn:aws:events:eu-west-1:123456789012:rule/r" })).should.throw(/region eu-west-1/);
    parse({ region: "us-east-1", eventBus: "vmware", ruleArn: "arn:aws:events:us-east-1:123456789012:rule/vmware/r" }).rule.name.should.equal("r");
    (() => parse({ region: "us-east-1" }, { accessKeyId: "AKID" })).should.throw(/without a secret access key/);
    (() => parse({ region: "us-east-1" }, { secretAccessKey: "s" })).should.throw(/without an access key id/);
    parse({ region: "us-east-1" }, { accessKeyId: " AKID ", secretAccessKey: "s" }).credentials.should.eql({ accessKeyId: "AKID", secretAccessKey: "s" });
  });
  it("checks the batch limit (1-1024 KiB), the flush interval and the endpoint", () => {
    parse({ region: "us-east-1", batchLimit: "1024" }).maxBatchBytes.should.equal(MAX_BATCH_BYTES);
    (() => parse({ region: "us-east-1", batchLimit: 2048 })).should.throw(/batch limit must be between 1 and 1024 KB/);
    (() => parse({ region: "us-east-1", flushInterval: "soon" })).should.throw(/flush interval "soon" is not a number/);
    parse({ region: "us-east-1", endpoint: "http://127.0.0.1:4010" }).endpoint.should.equal("http://127.0.0.1:4010/");
    (() => parse({ region: "us-east-1", endpoint: "ftp://x" })).should.throw(/must start with http/);
  });
});

describe("examples/vcenter-to-eventbridge.json", () => {
  it("is an export array without credentials whose eventbridge-out settings are valid", () => {
    const flow = require("../../../examples/vcenter-to-eventbridge.json");
    flow.should.be.an.Array();
    flow.forEach((n) => (n.credentials === undefined).should.be.true(`${n.type} ${n.id} has credentials`));
    const eb = flow.find((n) => n.type === "eventbridge-out");
    const s = parseEventBridgeSettings(eb, undefined, "/x", {});
    s.rule.should.containEql({ name: "vm-power", bus: "default" });
    const ids = new Set(flow.map((n) => n.id));
    for (const n of flow) for (const out of n.wires || []) for (const w of out) ids.has(w).should.be.true(`wire to ${w}`);
    ids.has(flow.find((n) => n.type === "vcenter-in").server).should.be.true();
  });
});
