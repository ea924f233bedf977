"use strict";
require("should");

describe("the package's main entry", () => {
  const main = require("../../package.json").main;
  const api = require(`../../${main}`);
  it("exports the EventBridge pattern compiler, so rules can be tried in a function node", () => {
    const rule = api.compilePattern({ source: [{ prefix: "https://vc" }], "detail-type": ["VmPoweredOnEvent"] });
    rule.matches({ source: "https://vc.example.com/sdk", "detail-type": "VmPoweredOnEvent" }).should.be.true();
    rule.matches({ source: "https://vc.example.com/sdk", "detail-type": "VmPoweredOffEvent" }).should.be.false();
    (() => api.compilePattern({ source: [{ prefix: 5 }] })).should.throw(api.InvalidPatternError);
  });
  it("exports the source filter compiler and the filter field paths", () => {
    const f = api.compileFilter('{"data":{"Vm":{"Name":[{"prefix":"prod-"}]}}}');
    f.ok.should.be.true();
    f.filter.matches({ type: "t", data: { Vm: { Name: "prod-1" } } }).should.be.true();
    f.filter.matches({ type: "t", data: { Vm: { Name: "test-1" } } }).should.be.false();
    api.compileFilter('{"data":[').ok.should.be.false();
    api.fieldPaths(["VmPoweredOnEvent"]).should.containEql("data.Vm.Name");
    api.EventDataConverter.should.be.a.Function();
  });
  it("exports the CloudEvents HTTP binding and the vSphere payload converter", () => {
    api.cloudevents.toHttp.should.be.a.Function();
    api.cloudevents.fromHttp.should.be.a.Function();
    const ev = api.parseXml('<returnval xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="VmPoweredOnEvent"><key>1</key><chainId>1</chainId><createdTime>2022-03-21T16:35:39.3101747Z</createdTime><userName>u</userName><template>false</template></returnval>');
    api.eventToJson(ev).should.containEql({ Key: 1, ChainId: 1, UserName: "u", Vm: null, Template: false });
    api.isEventClass("VmPoweredOnEvent").should.be.true();
  });
});
