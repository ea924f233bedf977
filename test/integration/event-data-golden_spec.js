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
const { StringDecoder } = require("node:string_decoder");
const { Agent, request } = require("undici");
const { startVcsim, buildVcsim, goAvailable } = require("../support/vcsim");
const { XmlStreamParser } = require("../../dist/lib/vsphere/xml");
const ed = require("../../dist/lib/vsphere/event-data");
const { compareObject, reserialiseLikeJs, firstDiff } = require("../fixtures/event-data/golden-compare");

const MIXED = 2000;
const RANDOM = 12000;

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A minimal vim25 SOAP client: enough to read every event of the test vCenter. */
class MiniReader {
  constructor(sdkUrl) {
    this.url = sdkUrl;
    this.agent = new Agent({ connect: { rejectUnauthorized: false } });
    this.cookie = undefined;
  }

  async call(body, onReturnval) {
    const headers = { "content-type": "text/xml; charset=utf-8", soapaction: "urn:vim25/7.0" };
    if (this.cookie) headers.cookie = this.cookie;
    const res = await request(this.url, {
      method: "POST",
      dispatcher: this.agent,
      headers,
      body:
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
        body +
        "</soapenv:Body></soapenv:Envelope>",
    });
    const setCookie = res.headers["set-cookie"];
    if (setCookie) this.cookie = String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(";")[0];
    // Envelope (1) > Body (2) > <Method>Response (3) > returnval (4)
    const parser = new XmlStreamParser(4, (node) => {
      if (node.name === "returnval") onReturnval(node);
    });
    // Not res.body.setEncoding("utf8"): undici's BodyReadable.setEncoding only sets the
    // stream's encoding without a StringDecoder, so a UTF-8 character split across two chunks
    // becomes two U+FFFD. A StringDecoder keeps the split bytes for the next chunk.
    const dec = new StringDecoder("utf8");
    let text = "";
    for await (const chunk of res.body) {
      const s = dec.write(chunk);
      if (res.statusCode !== 200) text += s;
      else parser.write(s);
    }
    const rest = dec.end();
    if (res.statusCode !== 200) throw new Error(`SOAP HTTP ${res.statusCode}: ${(text + rest).slice(0, 500)}`);
    if (rest) parser.write(rest);
    parser.end();
  }

  async one(body) {
    let out;
    await this.call(body, (n) => {
      out = n;
    });
    return out;
  }

  async login(username, password) {
    const sc = await this.one('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent>');
    const ref = (name) => {
      const c = sc.children.find((x) => x.name === name);
      return { type: c.attrs.type, value: c.text };
    };
    this.sessionManager = ref("sessionManager");
    this.eventManager = ref("eventManager");
    this.rootFolder = ref("rootFolder");
    await this.one(
      `<Login xmlns="urn:vim25"><_this type="${esc(this.sessionManager.type)}">${esc(this.sessionManager.value)}</_this>` +
        `<userName>${esc(username)}</userName><password>${esc(password)}</password></Login>`,
    );
  }

  async createCollector() {
    const c = await this.one(
      `<CreateCollectorForEvents xmlns="urn:vim25"><_this type="${esc(this.eventManager.type)}">${esc(this.eventManager.value)}</_this>` +
        `<filter><entity><entity type="${esc(this.rootFolder.type)}">${esc(this.rootFolder.value)}</entity><recursion>all</recursion></entity></filter>` +
        "</CreateCollectorForEvents>",
    );
    return { type: c.attrs.type, value: c.text };
  }

  /** Every event, oldest first, as parsed `returnval` nodes. */
  async readAll(collector) {
    const all = [];
    for (;;) {
      const page = [];
      await this.call(
        `<ReadNextEvents xmlns="urn:vim25"><_this type="${esc(collector.type)}">${esc(collector.value)}</_this><maxCount>1000</maxCount></ReadNextEvents>`,
        (n) => page.push(n),
      );
      if (page.length === 0) return all;
      for (const e of page) all.push(e);
    }
  }

  async close(collector) {
    await this.call(`<DestroyCollector xmlns="urn:vim25"><_this type="${esc(collector.type)}">${esc(collector.value)}</_this></DestroyCollector>`, () => {});
    await this.call(`<Logout xmlns="urn:vim25"><_this type="${esc(this.sessionManager.type)}">${esc(this.sessionManager.value)}</_this></Logout>`, () => {});
    await this.agent.close();
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
    if (!goAvailable() && !process.env.CI) this.skip();
    await buildVcsim();
    sim = await startVcsim({ username: "administrator@vsphere.local", password: "s3cret!", maxEvents: MIXED + RANDOM + 1000 });
    ed.setUnknownClassLogger((message, info) => warnings.push(info));
  });

  after(async () => {
    ed.setUnknownClassLogger((m) => console.warn(m));
    if (sim) await sim.stop();
  });

  async function readAndCompare(label) {
    const reader = new MiniReader(sim.sdkUrl);
    await reader.login(sim.username, sim.password);
    const collector = await reader.createCollector();
    const events = await reader.readAll(collector);
    await reader.close(collector);
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
