'use strict';
/*
 * Events/s of the vSphere event -> CloudEvent `data` converter (lib/vsphere/event-data) on one
 * core, in-process, on a realistic mixed ReadNextEvents page of 1,000 events, next to the peer
 * measured in the same run: parsing the same page into event trees with the reader's own
 * XmlScanner (which every event goes through before conversion). Interleaved rounds,
 * median of each; prints JSON with the rates and their ratios to the parse rate.
 *
 *   npm run build && node bench/event-data.js [--rounds 5] [--seconds 1] [--page <soap.xml>]
 *
 * The default page mixes the hand-written vCenter-style events of
 * test/fixtures/event-data/events.xml in proportions typical of a busy vCenter (power and
 * login/logout events, EventEx alarms, tasks, a few reconfigurations with device changes).
 */
const fs = require('node:fs');
const { XmlScanner } = require('../dist/lib/vsphere/xml-scan');
const ed = require('../dist/lib/vsphere/event-data');
const { mixedPage } = require('./mixed-page');

ed.setUnknownClassLogger(undefined); // the fixture's xsd:anyURI argument is expected

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const ROUNDS = Number(arg('rounds', 5));
const SECONDS = Number(arg('seconds', 1));

function parsePage(xml) {
  const events = [];
  const p = new XmlScanner(4, (n) => {
    if (n.name === 'returnval') events.push(n);
  });
  p.write(xml);
  p.end();
  return events;
}

function rate(fn, units) {
  const t0 = process.hrtime.bigint();
  let n = 0;
  let el;
  do {
    fn();
    n += units;
    el = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (el < SECONDS);
  return n / el;
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

function main() {
  const pageFile = arg('page', '');
  const xml = pageFile ? fs.readFileSync(pageFile, 'utf8') : mixedPage();
  const events = parsePage(xml);
  const N = events.length;
  let sink = 0;
  const runs = {
    parse: () => {
      sink += parsePage(xml).length;
    },
    eventToJson: () => {
      for (const e of events) sink += ed.eventToJson(e) === null ? 0 : 1;
    },
    eventToJsonString: () => {
      for (const e of events) sink += ed.eventToJsonString(e).length;
    },
    eventToXml: () => {
      for (const e of events) sink += ed.eventToXml(e).length;
    },
    'parse+eventToJson': () => {
      for (const e of parsePage(xml)) sink += ed.eventToJson(e) === null ? 0 : 1;
    },
  };
  // warm up (JIT, plan compilation)
  for (const fn of Object.values(runs)) for (let i = 0; i < 3; i++) fn();
  const results = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) for (const [k, fn] of Object.entries(runs)) results[k].push(rate(fn, N));
  const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(median(v))]));
  const classes = new Set(events.map((e) => e.type));
  const out = {
    bench: 'event-data',
    node: process.version,
    page: { events: N, classes: classes.size, bytes: Buffer.byteLength(xml), bytesPerEvent: Math.round(Buffer.byteLength(xml) / N) },
    eventsPerSecond: med,
    ratioToParse: Object.fromEntries(Object.entries(med).map(([k, v]) => [k, +(v / med.parse).toFixed(2)])),
    rounds: ROUNDS,
    secondsPerRun: SECONDS,
  };
  if (sink < 0) console.log(sink);
  console.log(JSON.stringify(out, null, 2));
}

main();
