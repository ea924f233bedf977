"use strict";
/**
 * What the reader builds per event must never be allocated by V8 straight into the old
 * generation. V8 tracks the survival of object and array *literal* sites and, when most of a
 * site's objects outlive a scavenge (as they do early in a drain, while the first events wait for
 * a cold connection), allocates that site's objects in old space from then on: an element tree in
 * old space keeps every string of the page alive through scavenges, and in about a third of the
 * end-to-end runs old space grew ~8 KB per event until a full collection (peak RSS ~300 MB
 * instead of ~200 MB). Elements, events and their arrays are therefore made by constructors and
 * builtins, which carry no allocation site.
 *
 * The check: a fresh Node process decodes event pages and keeps the decoded events alive (so
 * they survive scavenges, the condition for a pretenuring decision) with V8's pretenuring trace
 * on; no allocation site may show up. A control in the same kind of process keeps literal
 * objects alive and must show one, so the test fails if the trace stops working.
 */
const should = require("should");
const { execFileSync } = require("node:child_process");

const FLAGS = ["--trace-pretenuring", "--trace-pretenuring-statistics"];

/** allocation sites V8 reported while `script` ran (the script gets the repository root as argv[1]) */
function sitesReported(script) {
  const out = execFileSync(process.execPath, [...FLAGS, "-e", script, require("node:path").join(__dirname, "..", "..", "..")], {
    encoding: "utf8",
    timeout: 60000,
    maxBuffer: 64 * 1024 * 1024,
  });
  should(out).match(/kept \d+/); // the script ran to the end
  return new Set(out.match(/AllocationSite\(0x[0-9a-f]+\)/g) ?? []).size;
}

const PAGE = `
  const ev = (i) => '<returnval xsi:type="VmPoweredOnEvent"><key>' + i + '</key><chainId>' + i + '</chainId>' +
    '<createdTime>2026-11-24T10:00:00.123456Z</createdTime><userName>VSPHERE.LOCAL\\\\Administrator</userName>' +
    '<datacenter><name>dc</name><datacenter type="Datacenter">datacenter-1</datacenter></datacenter>' +
    '<vm><name>vm-' + (i % 100) + '</name><vm type="VirtualMachine">vm-' + (i % 100) + '</vm></vm>' +
    '<fullFormattedMessage>vm-' + (i % 100) + ' is powered on</fullFormattedMessage></returnval>';
  let body = "";
  for (let i = 0; i < 2000; i++) body += ev(i);
  const page = Buffer.from('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><ReadNextEventsResponse xmlns="urn:vim25">' +
    body + '</ReadNextEventsResponse></soapenv:Body></soapenv:Envelope>');
  const kept = new Array(20000);
  let n = 0;
`;

describe("event pages decode without pretenurable allocation sites (V8 never puts a page's events straight into old space)", function () {
  this.timeout(120000);

  it("the control: live objects from a literal site are reported (the trace works on this Node)", () => {
    const script = `
      const kept = new Array(100000);
      let n = 0;
      for (let r = 0; r < 20; r++) for (let i = 0; i < 100000; i++) kept[n++ % kept.length] = { name: "x", children: kept, text: "" };
      console.log("kept", n);`;
    sitesReported(script).should.be.above(0);
  });

  it("the page decoder: element trees, events and their arrays, kept alive across scavenges, report no site", () => {
    const script = `
      const { EventPageDecoder } = require(process.argv[1] + "/dist/lib/vsphere/event-page");
      ${PAGE}
      for (let round = 0; round < 40; round++) {
        const d = new EventPageDecoder();
        for (let i = 0; i < page.length; i += 8192) for (const e of d.push(page.subarray(i, i + 8192))) kept[n++ % kept.length] = e;
        for (const e of d.end()) kept[n++ % kept.length] = e;
      }
      console.log("kept", n);`;
    sitesReported(script).should.equal(0);
  });

  it("the data conversion: payload objects and arrays of the events, kept alive across scavenges, report no site", () => {
    const script = `
      const { EventPageDecoder } = require(process.argv[1] + "/dist/lib/vsphere/event-page");
      const { EventDataConverter } = require(process.argv[1] + "/dist/lib/vsphere/event-data");
      const converter = new EventDataConverter();
      ${PAGE}
      const d = new EventPageDecoder();
      const events = [...d.push(page), ...d.end()];
      for (let round = 0; round < 40; round++) for (const e of events) kept[n++ % kept.length] = converter.toJson(e.node);
      console.log("kept", n);`;
    sitesReported(script).should.equal(0);
  });

  it("the messages vcenter-in sends (both CloudEvent formats), kept alive across scavenges, report no site", () => {
    const script = `
      const { EventPageDecoder } = require(process.argv[1] + "/dist/lib/vsphere/event-page");
      const { EventDataConverter } = require(process.argv[1] + "/dist/lib/vsphere/event-data");
      const { vsphereCloudEvent } = require(process.argv[1] + "/dist/lib/vsphere/cloudevent");
      const { eventMessage } = require(process.argv[1] + "/dist/lib/source/message");
      const converter = new EventDataConverter();
      const contexts = ["router", "vsphere"].map((format) => ({ source: "https://vc.example.com/sdk", apiVersion: "8.0.3.0", format, encoding: "json", converter }));
      ${PAGE}
      const d = new EventPageDecoder();
      const events = [...d.push(page), ...d.end()];
      for (let round = 0; round < 40; round++) for (const e of events) kept[n++ % kept.length] = eventMessage(e.className, vsphereCloudEvent(e, contexts[round % 2]));
      console.log("kept", n);`;
    sitesReported(script).should.equal(0);
  });
});
