"use strict";
/**
 * Source content filters (lib/pattern/filter.ts) on real vSphere CloudEvents built from the
 * hand-written page of test/fixtures/event-data/events.xml (the one bench/event-data.js uses),
 * and the autocomplete field paths (lib/vsphere/field-paths.ts).
 */
const should = require("should");
const { compileFilter, PASS_ALL } = require("../../../dist/lib/pattern");
const { vsphereCloudEvent } = require("../../../dist/lib/vsphere/cloudevent");
const { toVimEvent } = require("../../../dist/lib/vsphere/event");
const ed = require("../../../dist/lib/vsphere/event-data");
const catalog = require("../../../dist/lib/vsphere/catalog");
const { fieldPaths, MAX_FIELD_PATHS, CLOUDEVENT_ATTRIBUTES } = require("../../../dist/lib/vsphere/field-paths");
const { readFixture, parseEventPage } = require("../../fixtures/event-data/golden-compare");

const CTX = { source: "https://vc.lab.local/sdk", apiVersion: "8.0.2.0", format: "vsphere", encoding: "json" };

function sampleEvents() {
  ed.setUnknownClassLogger(undefined); // the fixture's xsd:anyURI argument is expected
  try {
    return parseEventPage(readFixture("events.xml")).map((n) => vsphereCloudEvent(toVimEvent(n), CTX));
  } finally {
    ed.setUnknownClassLogger((m) => console.warn(m));
  }
}

describe("source filter (compileFilter)", function () {
  let events;
  let poweredOn;
  before(function () {
    events = sampleEvents();
    poweredOn = events.find((e) => e.type === "com.vmware.vsphere.VmPoweredOnEvent.v0");
    should.exist(poweredOn);
    should.exist(poweredOn.data.Vm.Name);
  });

  it("empty or whitespace text passes every event", function () {
    for (const text of ["", "   ", "\n\t"]) {
      const r = compileFilter(text);
      r.ok.should.be.true();
      r.filter.should.equal(PASS_ALL);
      events.every((e) => r.filter.matches(e)).should.be.true();
    }
  });

  it("matches against the CloudEvent itself: data fields, type suffix, source", function () {
    const name = poweredOn.data.Vm.Name;
    const byName = compileFilter(JSON.stringify({ data: { Vm: { Name: [{ prefix: name.slice(0, 3) }] } } }));
    byName.ok.should.be.true();
    byName.filter.matches(poweredOn).should.be.true();
    const other = compileFilter(JSON.stringify({ data: { Vm: { Name: [{ prefix: "no-such-vm-" }] } } }));
    other.filter.matches(poweredOn).should.be.false();
    const bySuffix = compileFilter('{"type":[{"suffix":"PoweredOnEvent.v0"}]}');
    events.filter((e) => bySuffix.filter.matches(e)).map((e) => e.type)
      .should.eql(events.filter((e) => e.type.endsWith("PoweredOnEvent.v0")).map((e) => e.type));
    events.filter((e) => bySuffix.filter.matches(e)).length.should.be.above(0);
    events.some((e) => !bySuffix.filter.matches(e)).should.be.true();
    compileFilter('{"source":["https://vc.lab.local/sdk"]}').filter.matches(poweredOn).should.be.true();
    compileFilter('{"source":["https://other/sdk"]}').filter.matches(poweredOn).should.be.false();
    // dotted pattern keys are paths too
    compileFilter(JSON.stringify({ "data.Vm.Name": [name] })).filter.matches(poweredOn).should.be.true();
  });

  it("an event without the field does not pass a positive filter", function () {
    const f = compileFilter('{"data":{"Vm":{"Name":[{"prefix":""}]}}}').filter;
    const noVm = events.find((e) => e.data.Vm === null || e.data.Vm === undefined);
    should.exist(noVm);
    f.matches(noVm).should.be.false();
    f.matches(poweredOn).should.be.true();
  });

  it("an invalid pattern gives the compiler's message naming the place", function () {
    const r = compileFilter('{"data":{"Vm":{"Name":[{"prefix":5}]}}}');
    r.ok.should.be.false();
    r.error.should.equal("Invalid event pattern at data.Vm.Name[0].prefix: prefix match pattern must be a string, found 5");
    const syntax = compileFilter('{"type": [');
    syntax.ok.should.be.false();
    syntax.error.should.match(/Invalid event pattern/);
    compileFilter("[]").ok.should.be.false();
    compileFilter('{"type":"x"}').error.should.containEql("type");
    compileFilter(undefined).ok.should.be.false();
  });

  it("never throws while matching: an unreadable event passes, a non-object does not", function () {
    const f = compileFilter('{"data":{"x":["y"]}}').filter;
    class Broken { toJSON() { throw new Error("boom"); } }
    const hostile = { data: new Broken() };
    f.matches(hostile).should.be.true();
    f.matches(null).should.be.false();
    f.matches("text").should.be.false();
  });

  it("is fast: a data.Vm.Name prefix filter over the sample events", function () {
    const f = compileFilter(JSON.stringify({ data: { Vm: { Name: [{ prefix: "prod-" }] } } })).filter;
    const sample = events;
    let n = 0;
    let hits = 0;
    const t0 = process.hrtime.bigint();
    let el;
    do {
      for (let i = 0; i < sample.length; i++) if (f.matches(sample[i])) hits++;
      n += sample.length;
      el = Number(process.hrtime.bigint() - t0) / 1e9;
    } while (el < 0.5);
    const rate = n / el;
    console.log(`      filter data.Vm.Name prefix: ${Math.round(rate).toLocaleString("en")} matches/s over ${sample.length} sample events`);
    hits.should.be.aboveOrEqual(0);
    rate.should.be.above(50000); // far below the measured figure, so a busy machine does not fail it
  });
});

describe("filter field paths for the editor (fieldPaths)", function () {
  it("lists the CloudEvent attributes and the data paths of the chosen classes", function () {
    const p = fieldPaths(["VmReconfiguredEvent"]);
    p.slice(0, CLOUDEVENT_ATTRIBUTES.length).should.eql([...CLOUDEVENT_ATTRIBUTES]);
    for (const a of ["type", "source", "id", "time", "subject"]) p.should.containEql(a);
    for (const d of ["data.Vm.Name", "data.ConfigSpec.DeviceChange", "data.CreatedTime", "data.Key", "data.UserName"]) p.should.containEql(d);
    p.should.not.containEql("data.Key.Key");
    new Set(p).size.should.equal(p.length);
  });

  it("only the chosen classes' fields; unknown names ignored", function () {
    const host = fieldPaths(["HostConnectionLostEvent"]);
    host.should.containEql("data.Host.Name");
    host.should.not.containEql("data.ConfigSpec.DeviceChange");
    fieldPaths(["NoSuchEvent", 5, null]).should.eql([...CLOUDEVENT_ATTRIBUTES]);
    fieldPaths([]).should.eql([...CLOUDEVENT_ATTRIBUTES]);
  });

  it("depth counts levels below data", function () {
    const one = fieldPaths(["VmReconfiguredEvent"], 1);
    one.should.containEql("data.Vm");
    one.should.not.containEql("data.Vm.Name");
    const deep = fieldPaths(["VmReconfiguredEvent"], 4);
    deep.should.containEql("data.ConfigSpec.DeviceChange.Device.Key");
    fieldPaths(["VmReconfiguredEvent"], 3).should.not.containEql("data.ConfigSpec.DeviceChange.Device.Key");
  });

  it("is bounded whatever is asked", function () {
    const all = catalog.eventClasses();
    all.length.should.be.above(100);
    const p = fieldPaths(all, 1000);
    p.length.should.be.belowOrEqual(MAX_FIELD_PATHS);
    p.length.should.be.above(CLOUDEVENT_ATTRIBUTES.length);
  });
});
