"use strict";
/**
 * Golden and fuzz tests of the event converter against the test vCenter (govmomi's simulator,
 * test/support/vcsim): events are posted into it ("mixed": realistic shapes of the classes
 * VEBA functions use; "random": random instances of every govmomi event class, reflection
 * filled), read back over real vim25 SOAP/HTTPS with a minimal reader (Login,
 * CreateCollectorForEvents on the root folder with recursion "all" and no time filter,
 * ReadNextEvents(1000) until empty), and converted; the simulator's golden endpoint gives, per
 * event, Go's own encoding/json.Marshal and encoding/xml.Marshal of the govmomi struct a client
 * decodes from the same wire bytes.
 *
 * Compared per event, nothing normalised away:
 * - eventToJsonString(e) === Go's JSON, byte for byte (Go's escaping included);
 * - eventToXml(e) === Go's XML, byte for byte;
 * - eventToJson(e) against Go's JSON parsed without losing digits: same key order, strings,
 *   booleans, and every number equal to the double nearest to Go's digits;
 * - JSON.stringify(eventToJson(e)) === Go's JSON parsed and re-serialised by JSON.stringify
 *   (for the few integers beyond 2^53 both sides print the same double; their exact digits
 *   are checked by the first comparison).
 */
const should = require("should");
const { startVcsim, buildVcsim } = require("../support/vcsim");
const { VsphereSession } = require("../../dist/lib/vsphere/session");
const { readNextEvents } = require("../../dist/lib/vsphere/event-page");
const ed = require("../../dist/lib/vsphere/event-data");
const { compareObject, reserialiseLikeJs, firstDiff } = require("../fixtures/event-data/golden-compare");

const MIXED = 2000;
const RANDOM = 12000;

/** Every event of the test vCenter, oldest first, read through the package's own read path. */
async function readAllEvents(sim) {
  const session = await VsphereSession.login({ sdkUrl: sim.sdkUrl, insecureSSL: true, username: sim.username, password: sim.password });
  try {
    const collector = await session.createEventCollector({});
    const all = [];
    for (;;) {
      const page = await readNextEvents(session, collector, 1000);
      if (page.length === 0) break;
      for (const e of page) all.push(e.node);
    }
    await session.destroyCollector(collector);
    return all;
  } finally {
    await session.close();
  }
}

function keyOf(node) {
  return Number(node.children.find((c) => c.name === "key").text);
}

describe("event data against govmomi (golden and fuzz, test vCenter)", function () {
  this.timeout(600000);
  let sim;
  const warnings = [];

  before(async function () {
    await buildVcsim();
    sim = await startVcsim({ username: "administrator@vsphere.local", password: "s3cret!", maxEvents: MIXED + RANDOM + 1000 });
    ed.setUnknownClassLogger((message, info) => warnings.push(info));
  });

  after(async () => {
    ed.setUnknownClassLogger((m) => console.warn(m));
    if (sim) await sim.stop();
  });

  async function readAndCompare(label) {
    const events = await readAllEvents(sim);
    const golden = await sim.golden({ all: 1 });
    const byKey = new Map(golden.map((g) => [g.key, g]));

    const mismatches = [];
    const classes = new Set();
    let inexact = 0;
    for (const e of events) {
      const g = byKey.get(keyOf(e));
      if (g === undefined) {
        mismatches.push(`key ${keyOf(e)}: not in the golden set`);
        continue;
      }
      classes.add(g.class);
      const note = (what, got, want) => mismatches.push(`key ${g.key} ${g.class} ${what} ${firstDiff(got, want)}`);
      should(g.json.startsWith("{")).be.true(`golden JSON of ${g.key}: ${g.json.slice(0, 200)}`);
      const json = ed.eventToJsonString(e);
      if (json !== g.json) note("JSON", json, g.json);
      const xml = ed.eventToXml(e);
      if (xml !== g.xml) note("XML", xml, g.xml);
      const obj = ed.eventToJson(e);
      const c = compareObject(obj, g.json);
      if (c.diffs.length > 0) mismatches.push(`key ${g.key} ${g.class} object: ${c.diffs.join("; ")}`);
      inexact += c.inexact;
      const s = JSON.stringify(obj);
      const want = reserialiseLikeJs(g.json);
      if (s !== want) note("JSON.stringify(object)", s, want);
    }
    return { events, golden, classes, mismatches, inexact, label };
  }

  it(`converts ${MIXED} mixed and ${RANDOM} random events exactly like govmomi's json.Marshal and xml.Marshal`, async () => {
    await sim.reset();
    const mixed = await sim.postEvents({ count: MIXED, mode: "mixed", seed: 11 });
    mixed.count.should.equal(MIXED);
    // random instances of every event class, in several posts (distinct seeds)
    let posted = 0;
    for (let seed = 1; posted < RANDOM; seed++) {
      const r = await sim.postEvents({ count: 3000, mode: "random", seed: 1000 + seed });
      posted += r.count;
    }
    const res = await readAndCompare("mixed+random");
    res.events.length.should.equal(MIXED + posted);
    res.golden.length.should.equal(MIXED + posted);
    const report = {
      events: res.events.length,
      random: posted,
      distinctClasses: res.classes.size,
      mismatches: res.mismatches.length,
      integersBeyond2p53: res.inexact,
    };
    console.log(`      event-data golden: ${JSON.stringify(report)}`);
    res.mismatches.slice(0, 10).should.eql([]);
    res.mismatches.length.should.equal(0);
    res.classes.size.should.be.aboveOrEqual(60);
    for (const c of [
      "VmPoweredOnEvent",
      "VmReconfiguredEvent",
      "VmBeingCreatedEvent",
      "EventEx",
      "ExtendedEvent",
      "AlarmStatusChangedEvent",
      "TaskEvent",
      "UserLoginSessionEvent",
      "VmRelocatedEvent",
      "HostConnectionLostEvent",
      "DatastoreRenamedEvent",
    ]) {
      res.classes.has(c).should.be.true(`class ${c} covered`);
    }
    warnings.should.eql([]);
  });
});
