"use strict";
const should = require("should");
const { normaliseSdkUrl } = require("../../../dist/lib/vsphere/address");
const { timeKey, goUtcTime, minusSeconds, parseVimTime } = require("../../../dist/lib/vsphere/vim-time");
const { parseSettings, parseEventTypes } = require("../../../dist/lib/vsphere/settings");
const { readCheckpoint } = require("../../../dist/lib/vsphere/checkpoint");
const { uuidV5, vsphereCloudEvent: toCloudEvent } = require("../../../dist/lib/vsphere/cloudevent");
const { toVimEvent, eventClassOf } = require("../../../dist/lib/vsphere/event");
const { parseXml } = require("../../../dist/lib/vsphere/xml");
const { XmlScanner } = require("../../../dist/lib/vsphere/xml-scan");
const { parseFault } = require("../../../dist/lib/vsphere/transport");
const { Backoff } = require("../../../dist/lib/common/backoff");
const { Checkpointer, MemoryCheckpointStore } = require("../../../dist/lib/source/checkpointer");

describe("vCenter address", () => {
  it("normalises like govmomi's soap.ParseURL", () => {
    normaliseSdkUrl("vc.example.com").should.equal("https://vc.example.com/sdk");
    normaliseSdkUrl(" vc.example.com:8443 ").should.equal("https://vc.example.com:8443/sdk");
    normaliseSdkUrl("https://vc.example.com/").should.equal("https://vc.example.com/sdk");
    normaliseSdkUrl("https://vc.example.com/custom/sdk").should.equal("https://vc.example.com/custom/sdk");
    normaliseSdkUrl("10.0.0.1").should.equal("https://10.0.0.1/sdk");
  });
  it("never keeps credentials in the URL (it becomes the CloudEvent source)", () => {
    normaliseSdkUrl("https://admin:secret@vc.example.com").should.equal("https://vc.example.com/sdk");
  });
  it("rejects what is not an address, with the reason", () => {
    (() => normaliseSdkUrl("")).should.throw(/empty/);
    (() => normaliseSdkUrl("ftp://vc")).should.throw(/https/);
    (() => normaliseSdkUrl("http://")).should.throw();
    (() => normaliseSdkUrl("vc example")).should.throw(/not a host name or URL/);
  });
});

describe("vCenter times", () => {
  it("keeps nanoseconds and sorts as instants", () => {
    timeKey("2022-03-21T16:35:39.3101747Z").should.equal("2022-03-21T16:35:39.310174700Z");
    timeKey("2022-03-21T18:35:39.31+02:00").should.equal("2022-03-21T16:35:39.310000000Z");
    (timeKey("2022-03-21T16:35:39.000000001Z") > timeKey("2022-03-21T16:35:39Z")).should.be.true();
  });
  it("gives the same key whatever form the time takes, a time in key form being its own key", () => {
    const key = "2022-03-21T16:35:39.310174700Z";
    timeKey(key).should.equal(key);
    for (const t of ["2022-03-21T16:35:39.3101747Z", "2022-03-21T17:35:39.3101747+01:00", "2022-03-21T16:35:39.310174700+00:00"]) {
      timeKey(t).should.equal(key);
    }
    timeKey("2022-03-21T16:35:39Z").should.equal("2022-03-21T16:35:39.000000000Z");
    timeKey("2022-03-21T16:35:39.1234567891Z").should.equal("2022-03-21T16:35:39.123456789Z");
  });
  it("formats like Go's RFC3339Nano in UTC", () => {
    goUtcTime("2022-03-21T16:35:39.310174700Z").should.equal("2022-03-21T16:35:39.3101747Z");
    goUtcTime("2022-03-21T16:35:39.000Z").should.equal("2022-03-21T16:35:39Z");
    goUtcTime("2022-03-21T17:35:39.5+01:00").should.equal("2022-03-21T16:35:39.5Z");
  });
  it("subtracts seconds without losing the fraction", () => {
    minusSeconds("2022-03-21T16:35:39.123456789Z", 3600).should.equal("2022-03-21T15:35:39.123456789Z");
  });
  it("rejects what is not a dateTime", () => {
    (() => parseVimTime("yesterday")).should.throw(/xsd:dateTime/);
  });
});

describe("vcenter-in settings", () => {
  it("applies defaults", () => {
    parseSettings({}).should.eql({
      eventTypes: [], format: "vsphere", payloadEncoding: "json", checkpointStore: "",
      checkpointPeriod: 10, maxAge: 86400, delivery: "acknowledged", maxInFlight: 100,
    });
  });
  it("accepts lists and text for eventTypes, dropping blanks and repeats", () => {
    parseEventTypes(["VmPoweredOnEvent", " ", "VmPoweredOnEvent"]).should.eql(["VmPoweredOnEvent"]);
    parseEventTypes("VmPoweredOnEvent, com.vmware.vc.HA.Event\nVmRemovedEvent").should.eql([
      "VmPoweredOnEvent", "com.vmware.vc.HA.Event", "VmRemovedEvent",
    ]);
  });
  it("names the bad setting", () => {
    (() => parseSettings({ format: "cloud" })).should.throw(/format must be one of vsphere, router/);
    (() => parseSettings({ payloadEncoding: "yaml" })).should.throw(/payloadEncoding/);
    (() => parseSettings({ checkpointPeriod: "0" })).should.throw(/checkpointPeriod/);
    (() => parseSettings({ maxAge: -1 })).should.throw(/maxAge/);
    (() => parseSettings({ eventTypes: ["Vm<Event>"] })).should.throw(/not an event class/);
    (() => parseSettings({ delivery: "maybe" })).should.throw(/delivery/);
    (() => parseSettings({ maxInFlight: 0 })).should.throw(/maxInFlight must be a whole number from 1/);
    (() => parseSettings({ maxInFlight: "2.5" })).should.throw(/maxInFlight/);
  });
  it("takes numbers written as text (the editor stores text)", () => {
    parseSettings({ checkpointPeriod: "5", maxAge: "0" }).should.containEql({ checkpointPeriod: 5, maxAge: 0 });
  });
});

describe("vCenter checkpoint", () => {
  const cp = {
    vCenter: "https://vc/sdk", lastEventKey: 41, lastEventType: "VmPoweredOffEvent",
    lastEventKeyTimestamp: "2022-03-21T16:35:39.3101747Z", createdTimestamp: "2022-03-21T16:35:40Z",
  };
  it("reads the VSphereSource shape, as object or JSON string", () => {
    readCheckpoint(cp).checkpoint.should.containEql({ lastEventKey: 41, lastEventKeys: [41] });
    readCheckpoint(JSON.stringify(cp)).checkpoint.lastEventKeyTimestamp.should.equal(cp.lastEventKeyTimestamp);
  });
  it("treats nothing and the Event Router's zero checkpoint as no checkpoint", () => {
    should(readCheckpoint(undefined).checkpoint).be.undefined();
    should(readCheckpoint({ ...cp, lastEventKeyTimestamp: "0001-01-01T00:00:00Z" }).checkpoint).be.undefined();
  });
  it("explains an unusable checkpoint", () => {
    readCheckpoint("{nope").problem.should.match(/not JSON/);
    readCheckpoint({ lastEventKeyTimestamp: "soon" }).problem.should.match(/invalid lastEventKeyTimestamp/);
  });
});

describe("Checkpointer", () => {
  it("saves only when changed, and on close", async () => {
    const store = new MemoryCheckpointStore();
    let saves = 0;
    const orig = store.save.bind(store);
    store.save = async (v) => { saves++; return orig(v); };
    const c = new Checkpointer(store, { periodMs: 20 });
    c.start();
    c.set({ n: 1 });
    await new Promise((r) => setTimeout(r, 70));
    saves.should.equal(1);
    c.set({ n: 2 });
    await c.close();
    saves.should.equal(2);
    store.value.should.eql({ n: 2 });
  });
  it("keeps a failed save pending and reports it", async () => {
    const errors = [];
    let fail = true;
    const store = { load: async () => undefined, save: async () => { if (fail) throw new Error("disk full"); } };
    const c = new Checkpointer(store, { periodMs: 0, onError: (e) => errors.push(e.message) });
    c.set({ n: 1 });
    await c.flush();
    errors.should.eql(["disk full"]);
    fail = false;
    await c.flush();
    errors.length.should.equal(1);
  });
});

describe("vSphere event -> CloudEvent", () => {
  const xml = (type, inner) => parseXml(
    `<returnval xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="${type}"><key>-2147483648</key><chainId>7</chainId>` +
    `<createdTime>2022-03-21T16:35:39.310174700Z</createdTime><userName>u</userName>${inner}</returnval>`);
  it("maps a plain event in VSphereSource format", () => {
    const ev = toVimEvent(xml("VmPoweredOnEvent", ""));
    ev.key.should.equal(-2147483648);
    const ce = toCloudEvent(ev, { source: "https://vc/sdk", apiVersion: "8.0.3.0", format: "vsphere", encoding: "json" });
    ce.should.containEql({
      specversion: "1.0", id: "-2147483648", source: "https://vc/sdk", type: "com.vmware.vsphere.VmPoweredOnEvent.v0",
      time: "2022-03-21T16:35:39.3101747Z", datacontenttype: "application/json", eventclass: "event", vsphereapiversion: "8.0.3.0",
    });
    should(ce.subject).be.undefined();
  });
  it("uses eventTypeId for EventEx and ExtendedEvent", () => {
    const ev = toVimEvent(xml("EventEx", "<eventTypeId>com.vmware.vc.Foo</eventTypeId>"));
    const ce = toCloudEvent(ev, { source: "s", apiVersion: "7.0", format: "vsphere", encoding: "json" });
    ce.type.should.equal("com.vmware.vsphere.com.vmware.vc.Foo.v0");
    ce.eventclass.should.equal("eventex");
    eventClassOf("ExtendedEvent").should.equal("extendedevent");
  });
  it("maps the Event Router format with a stable name-based id", () => {
    const ev = toVimEvent(xml("ExtendedEvent", "<eventTypeId>com.vmware.applmgmt.backup</eventTypeId>"));
    const ctx = { source: "https://vc/sdk", apiVersion: "7.0", format: "router", encoding: "json" };
    const a = toCloudEvent(ev, ctx);
    a.type.should.equal("com.vmware.event.router/extendedevent");
    a.subject.should.equal("com.vmware.applmgmt.backup");
    a.id.should.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    toCloudEvent(ev, ctx).id.should.equal(a.id);
    toCloudEvent(ev, { ...ctx, source: "https://other/sdk" }).id.should.not.equal(a.id);
    should(a.eventclass).be.undefined();
  });
  it("computes RFC 4122 version-5 UUIDs", () => {
    // python3: uuid.uuid5(uuid.NAMESPACE_URL, "https://vc/sdk#41")
    uuidV5("https://vc/sdk#41").should.equal("749c0f76-c9ba-5d95-8eb0-209a708cb091");
  });
  it("sends XML data as a string with application/xml", () => {
    const ev = toVimEvent(xml("VmPoweredOnEvent", ""));
    const ce = toCloudEvent(ev, { source: "s", apiVersion: "7.0", format: "vsphere", encoding: "xml" });
    ce.datacontenttype.should.equal("application/xml");
    ce.data.should.be.a.String().and.startWith("<VmPoweredOnEvent>");
  });
  it("refuses an event without key or createdTime", () => {
    (() => toVimEvent(parseXml("<returnval><key>x</key></returnval>"))).should.throw(/without a valid key/);
  });
});

describe("SOAP plumbing", () => {
  it("resolves xsi:type by namespace URI, whatever the prefix", () => {
    const n = parseXml('<a xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="VmEvent"><b xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xsi:type="xsd:int">5</b><c type="VirtualMachine">vm-1</c></a>');
    n.type.should.equal("VmEvent");
    n.children[0].should.containEql({ type: "int", typeNs: "http://www.w3.org/2001/XMLSchema", text: "5" });
    n.children[1].attrs.should.eql({ type: "VirtualMachine" });
  });
  it("streams elements at a depth without keeping them", () => {
    const seen = [];
    const p = new XmlScanner(2, (node) => seen.push(node.text));
    p.write("<r><e>1</e><e>");
    p.write("2</e></r>");
    const root = p.end();
    seen.should.eql(["1", "2"]);
    root.children.length.should.equal(0);
  });
  it("rejects malformed XML", () => {
    (() => parseXml("<a><b></a>")).should.throw();
  });
  it("classifies SOAP faults", () => {
    const fault = (type, s) => `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${s}</faultstring><detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}"></${type}Fault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
    parseFault(fault("NotAuthenticated", "")).kind.should.equal("session");
    parseFault(fault("InvalidLogin", "Login failure")).should.containEql({ kind: "login", message: "InvalidLogin: Login failure" });
    parseFault(fault("ManagedObjectNotFound", "gone")).should.containEql({ kind: "fault", faultType: "ManagedObjectNotFound" });
    parseFault("<html>", 500).kind.should.equal("transport");
  });
  it("backs off 1 s doubling to 60 s", () => {
    const b = new Backoff(1000, 60000);
    [1, 2, 3, 4, 5, 6, 7, 8].map(() => b.next()).should.eql([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
    b.reset();
    b.next().should.equal(1000);
  });
});
