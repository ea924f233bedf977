"use strict";
require("should");
const { parseTime, parseReplayRange } = require("../../../dist/lib/source/control");
const { compileFilter } = require("../../../dist/lib/source/filter");

describe("source: control arguments and filters", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("reads times as ISO text or epoch milliseconds", () => {
    parseTime("from", "2026-12-01T22:00:00Z").should.equal(Date.parse("2026-12-01T22:00:00Z"));
    parseTime("from", 1764626400000).should.equal(1764626400000);
    parseTime("from", "1764626400000").should.equal(1764626400000);
    for (const bad of ["yesterday", "", null, undefined, {}, [], -1, NaN, "2026-13-45T99:00:00Z"]) {
      (() => parseTime("from", bad)).should.throw(/msg\.from/);
    }
  });
  it("a replay range: from required, to defaults to now, from before to, from not in the future", () => {
    parseReplayRange("2026-12-02T11:00:00Z", undefined, now).should.eql({ from: "2026-12-02T11:00:00.000Z", to: "2026-12-02T12:00:00.000Z" });
    parseReplayRange(now - 1000, now - 10, now).to.should.equal(new Date(now - 10).toISOString());
    (() => parseReplayRange(undefined, undefined, now)).should.throw(/msg\.from/);
    (() => parseReplayRange(now + 1000, undefined, now)).should.throw(/future/);
    (() => parseReplayRange(now - 10, now - 1000, now)).should.throw(/before msg\.to/);
    (() => parseReplayRange(now - 10, "soon", now)).should.throw(/msg\.to/);
  });
  it("compiles filters: empty matches everything, invalid ones name the problem", () => {
    compileFilter("").should.eql({ ok: true, filter: undefined });
    compileFilter("  ").ok.should.be.true();
    compileFilter(undefined).ok.should.be.true();
    const f = compileFilter('{"data":{"Vm":{"Name":[{"prefix":"prod-"}]}}}');
    f.ok.should.be.true();
    f.filter.matches({ type: "x", data: { Vm: { Name: "prod-web-1" } } }).should.be.true();
    f.filter.matches({ type: "x", data: { Vm: { Name: "test-web-1" } } }).should.be.false();
    f.filter.matches({ type: "x", data: { Vm: null } }).should.be.false();
    const t = compileFilter('{"type":[{"suffix":"PoweredOnEvent.v0"}]}');
    t.filter.matches({ type: "com.vmware.vsphere.VmPoweredOnEvent.v0" }).should.be.true();
    const bad = compileFilter('{"data": {"Vm": "x"}}');
    bad.ok.should.be.false();
    bad.error.should.be.a.String().and.not.empty();
    compileFilter("{not json").ok.should.be.false();
    compileFilter(42).ok.should.be.false();
  });
});
