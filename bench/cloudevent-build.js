'use strict';
/*
 * The CloudEvent of vcenter-in built from an empty object, property by property (what
 * lib/vsphere/cloudevent.ts does, so V8 has no literal site it could pretenure: decision 0018),
 * against the same CloudEvent as one object literal, each followed by knative-out's binary
 * encoding (toBinary), on the fixture events, interleaved rounds of 1 s, medians of 7.
 * Prints the rates and the ratio (from-empty / literal); also checks both give the same JSON.
 *
 *   npm run build && node bench/cloudevent-build.js
 */
const fs = require('fs');
const { EventPageDecoder } = require('../dist/lib/vsphere/event-page');
const { EventDataConverter, setUnknownClassLogger } = require('../dist/lib/vsphere/event-data');
setUnknownClassLogger(undefined); // the fixture's xsd:anyURI argument is expected
const { vsphereCloudEvent } = require('../dist/lib/vsphere/cloudevent');
const { eventClassOf, eventTypeName } = require('../dist/lib/vsphere/event');
const { goUtcTime } = require('../dist/lib/vsphere/vim-time');
const http = require('../dist/lib/cloudevents/http');
const converter = new EventDataConverter();
const events0 = fs.readFileSync(require('node:path').join(__dirname, '..', 'test', 'fixtures', 'event-data', 'events.xml'), 'utf8');
const m = /<returnval[\s\S]*<\/returnval>/.exec(events0)[0];
const page = Buffer.from(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><ReadNextEventsResponse xmlns="urn:vim25">${m}</ReadNextEventsResponse></soapenv:Body></soapenv:Envelope>`);
const d = new EventPageDecoder(); const events = [...d.push(page), ...d.end()];
const ctx = { source: 'https://vc/sdk', apiVersion: '8.0.3.0', format: 'vsphere', encoding: 'json', converter };
function literal(ev, ctx) {
  const eventclass = eventClassOf(ev.className); const name = eventTypeName(ev);
  const base = { specversion: '1.0', time: goUtcTime(ev.createdTime), datacontenttype: 'application/json', data: ctx.converter.toJson(ev.node) };
  return { specversion: base.specversion, id: String(ev.key), source: ctx.source, type: `com.vmware.vsphere.${name}.v0`, time: base.time, datacontenttype: base.datacontenttype, data: base.data, eventclass, vsphereapiversion: ctx.apiVersion };
}
let bytes = 0; // kept, so the encoding cannot be optimized away
function run(fn, ms) {
  let n = 0;
  const t = performance.now();
  while (performance.now() - t < ms) {
    for (const e of events) {
      bytes += http.toBinary(fn(e, ctx)).body.length;
      n++;
    }
  }
  return n / ((performance.now() - t) / 1000);
}
console.log('events', events.length, 'same JSON:', events.every((e) => JSON.stringify(literal(e, ctx)) === JSON.stringify(vsphereCloudEvent(e, ctx))));
const A = [], B = [];
for (let r = 0; r < 7; r++) { A.push(run(literal, 1000)); B.push(run(vsphereCloudEvent, 1000)); }
const med = (x) => x.slice().sort((a, b) => a - b)[3];
console.log(JSON.stringify({ events: events.length, literalPerSec: Math.round(med(A)), fromEmptyPerSec: Math.round(med(B)), ratio: Number((med(B) / med(A)).toFixed(3)), bytes }));
