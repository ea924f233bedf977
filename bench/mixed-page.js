'use strict';
/*
 * The realistic mixed ReadNextEvents page of the converter benchmarks (bench/event-data.js,
 * bench/worker-handoff.js): 1,000 events made of the hand-written vCenter-style events of
 * test/fixtures/event-data/events.xml, in proportions typical of a busy vCenter (power and
 * login/logout events, EventEx alarms, tasks, a few reconfigurations with device changes).
 */
const fs = require('node:fs');
const path = require('node:path');

// class (key in the fixture) -> share of the page
const MIX = [
  [1001, 22], // VmPoweredOnEvent
  [1008, 14], // UserLoginSessionEvent
  [1004, 12], // EventEx, one argument
  [1003, 4], // EventEx, many arguments and a fault
  [1006, 10], // TaskEvent with a full TaskInfo
  [1007, 10], // AlarmStatusChangedEvent
  [1005, 5], // ExtendedEvent
  [1010, 5], // VmRelocatedEvent
  [1011, 6], // HostConnectionLostEvent
  [1012, 4], // DatastoreRenamedEvent
  [1009, 3], // VmBeingCreatedEvent
  [1002, 5], // VmReconfiguredEvent with 4 device changes
];

function mixedPage() {
  const src = fs.readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'event-data', 'events.xml'), 'utf8');
  const head = src.slice(0, src.indexOf('<returnval'));
  const tail = src.slice(src.lastIndexOf('</returnval>') + '</returnval>'.length);
  const byKey = new Map();
  for (const m of src.matchAll(/<returnval[\s\S]*?<\/returnval>/g)) {
    const k = /<key>\s*(\d+)\s*<\/key>/.exec(m[0]);
    if (k) byKey.set(Number(k[1]), m[0]);
  }
  const total = MIX.reduce((s, [, w]) => s + w, 0);
  const parts = [];
  let key = 5000;
  for (const [k, w] of MIX) {
    const n = Math.round((1000 * w) / total);
    for (let i = 0; i < n; i++) parts.push(byKey.get(k).replace(/<key>[^<]*<\/key>/, `<key>${key++}</key>`));
  }
  // interleave deterministically
  for (let i = parts.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [parts[i], parts[j]] = [parts[j], parts[i]];
  }
  return head + parts.join('') + tail;
}

module.exports = { mixedPage };
