"use strict";
/**
 * The test vCenter itself (test/support/vcsim): vim25 SOAP over HTTPS checked with a tiny
 * hand-written SOAP client, plus the control API and the govmomi poller.
 */
const https = require("node:https");
require("should");
const { startVcsim, buildVcsim, goPoll } = require("../support/vcsim");

const USER = "tester@vsphere.local";
const PASSWORD = "s3cret & <pass>";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unesc(s) {
  return s
    .replace(/&#(x?)([0-9a-fA-F]+);/g, (_, x, n) => String.fromCodePoint(parseInt(n, x ? 16 : 10)))
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
}

/** A tiny vim25 SOAP client: one session cookie, regex-level parsing (enough for these checks). */
class Soap {
  constructor(sdkUrl) {
    this.url = new URL(sdkUrl);
    this.agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
    this.cookie = undefined;
  }

  post(body) {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="${XSI}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
    return new Promise((resolve, reject) => {
      const headers = { "content-type": 'text/xml; charset="utf-8"', soapaction: "urn:vim25/7.0", "content-length": Buffer.byteLength(xml) };
      if (this.cookie) headers.cookie = this.cookie;
      const req = https.request(this.url, { method: "POST", agent: this.agent, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          for (const c of res.headers["set-cookie"] || []) {
            if (c.startsWith("vmware_soap_session=")) this.cookie = c.split(";")[0];
          }
          resolve({ status: res.statusCode, text });
        });
      });
      req.on("error", reject);
      req.end(xml);
    });
  }

  /** Calls a method; resolves with the response text, rejects with {fault, status} on a SOAP fault. */
  async call(method, thisType, thisValue, inner = "") {
    const res = await this.post(`<${method} xmlns="urn:vim25"><_this type="${thisType}">${esc(thisValue)}</_this>${inner}</${method}>`);
    if (res.status !== 200) {
      const m = /<detail><(\w+)Fault /.exec(res.text);
      const err = new Error(`${method}: HTTP ${res.status} ${m ? m[1] : res.text.slice(0, 200)}`);
      err.status = res.status;
      err.fault = m ? m[1] : undefined;
      err.text = res.text;
      throw err;
    }
    return res.text;
  }

  login(user = USER, password = PASSWORD) {
    return this.call("Login", "SessionManager", "SessionManager", `<userName>${esc(user)}</userName><password>${esc(password)}</password>`);
  }

  logout() {
    return this.call("Logout", "SessionManager", "SessionManager");
  }

  async currentTime() {
    const text = await this.call("CurrentTime", "ServiceInstance", "ServiceInstance");
    return /<returnval>([^<]+)<\/returnval>/.exec(text)[1];
  }

  /** filter: {begin, end, eventTypeIds, maxCount} -> collector moref value */
  async createCollector(filter = {}) {
    let f = '<entity><entity type="Folder">group-d1</entity><recursion>all</recursion></entity>';
    if (filter.begin || filter.end) {
      f += "<time>";
      if (filter.begin) f += `<beginTime>${filter.begin}</beginTime>`;
      if (filter.end) f += `<endTime>${filter.end}</endTime>`;
      f += "</time>";
    }
    for (const id of filter.eventTypeIds || []) f += `<eventTypeId>${esc(id)}</eventTypeId>`;
    if (filter.maxCount !== undefined) f += `<maxCount>${filter.maxCount}</maxCount>`;
    const text = await this.call("CreateCollectorForEvents", "EventManager", "EventManager", `<filter>${f}</filter>`);
    return unesc(/<returnval type="EventHistoryCollector">([^<]+)<\/returnval>/.exec(text)[1]);
  }

  async read(collector, maxCount, method = "ReadNextEvents") {
    const text = await this.call(method, "EventHistoryCollector", collector, `<maxCount>${maxCount}</maxCount>`);
    return parseEvents(text);
  }

  collectorCall(method, collector, inner = "") {
    return this.call(method, "EventHistoryCollector", collector, inner);
  }

  close() {
    this.agent.destroy();
  }
}

/** [{type, key, createdTime, eventTypeId, userName}] from a page of returnval elements. */
function parseEvents(text) {
  const out = [];
  const re = /<returnval xmlns:([\w-]+)="([^"]+)" ([\w-]+):type="(\w+)">([\s\S]*?)<\/returnval>/g;
  let m;
  while ((m = re.exec(text))) {
    m[2].should.equal(XSI); // the type attribute's prefix is declared on the element itself
    m[1].should.equal(m[3]);
    const body = m[5];
    out.push({
      type: m[4],
      key: Number(/^<key>(-?\d+)<\/key>/.exec(body)[1]),
      createdTime: /<createdTime>([^<]+)<\/createdTime>/.exec(body)[1],
      userName: unesc(/<userName>([^<]*)<\/userName>/.exec(body)[1]),
      eventTypeId: (/<eventTypeId>([^<]*)<\/eventTypeId>/.exec(body) || [])[1],
    });
  }
  return out;
}

describe("test vCenter (vcsim)", function () {
  this.timeout(60000);
  let sim;
  let soap;

  before(async function () {
    this.timeout(180000); // first build
    await buildVcsim();
    sim = await startVcsim({ username: USER, password: PASSWORD, collectorsPerSession: 4 });
  });

  after(async () => {
    if (soap) soap.close();
    if (sim) await sim.stop();
  });

  beforeEach(async () => {
    await sim.reset();
    if (soap) soap.close();
    soap = new Soap(sim.sdkUrl);
    await soap.login();
  });

  it("serves vim25 over HTTPS with a self-signed certificate and checks credentials", async () => {
    sim.sdkUrl.should.match(/^https:\/\/127\.0\.0\.1:\d+\/sdk$/);
    sim.address.should.equal(new URL(sim.sdkUrl).host);
    sim.thumbprint.should.match(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    await fetch(sim.sdkUrl, { method: "POST", body: "<x/>" }).should.be.rejected(); // not a trusted certificate

    const other = new Soap(sim.sdkUrl);
    const content = await other.call("RetrieveServiceContent", "ServiceInstance", "ServiceInstance");
    content.should.match(/<rootFolder type="Folder">group-d1<\/rootFolder>/);
    content.should.match(/<eventManager type="EventManager">EventManager<\/eventManager>/);
    const err = await other.login(USER, "wrong").should.be.rejected();
    err.status.should.equal(500);
    err.fault.should.equal("InvalidLogin");
    (await other.login()).should.match(/<userName>tester@vsphere.local<\/userName>/);
    other.cookie.should.match(/^vmware_soap_session=/);
    other.close();
  });

  it("starts a collector at beginTime (inclusive), reads oldest first and tails new events", async () => {
    const t0 = await soap.currentTime();
    t0.should.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const posted = await sim.postEvents({ count: 25 });
    posted.count.should.equal(25);
    (posted.last.key - posted.first.key).should.equal(24);

    const c = await soap.createCollector({ begin: t0 });
    const p1 = await soap.read(c, 10);
    const p2 = await soap.read(c, 10);
    const p3 = await soap.read(c, 10);
    (await soap.read(c, 10)).should.have.length(0); // caught up
    const keys = [...p1, ...p2, ...p3].map((e) => e.key);
    keys.should.eql(Array.from({ length: 25 }, (_, i) => posted.first.key + i));
    p1[0].type.should.equal("VmPoweredOnEvent");
    p1[0].createdTime.should.equal(posted.first.createdTime);

    const more = await sim.postEvents({ count: 3 });
    (await soap.read(c, 1000)).map((e) => e.key).should.eql([more.first.key, more.first.key + 1, more.first.key + 2]);
    (await soap.read(c, 1000)).should.have.length(0);

    // beginTime is inclusive and honoured exactly (nanoseconds)
    const golden = await sim.golden({ fromKey: posted.first.key + 20, count: 1 });
    const t20 = JSON.parse(golden[0].json).CreatedTime;
    const c2 = await soap.createCollector({ begin: t20 });
    const from20 = await soap.read(c2, 1000);
    from20.map((e) => e.key).should.eql([...Array.from({ length: 5 }, (_, i) => posted.first.key + 20 + i), ...[0, 1, 2].map((i) => more.first.key + i)]);

    // endTime bounds the view; a beginTime in the future sees nothing yet
    const c3 = await soap.createCollector({ begin: t0, end: t20 });
    (await soap.read(c3, 1000)).should.have.length(21);
    await soap.collectorCall("DestroyCollector", c3);
    const future = new Date(Date.parse(posted.last.createdTime) + 3600e3).toISOString();
    const c4 = await soap.createCollector({ begin: future });
    (await soap.read(c4, 1000)).should.have.length(0);
  });

  it("filters by eventTypeId (class name, or eventTypeId of EventEx/ExtendedEvent)", async () => {
    const t0 = await soap.currentTime();
    await sim.postEvents({
      count: 40,
      types: ["VmPoweredOnEvent", "VmPoweredOffEvent", "EventEx:com.vmware.vc.test.Custom", "EventEx:com.vmware.vc.test.Other", "ExtendedEvent:com.example.ext"],
    });
    const c = await soap.createCollector({ begin: t0, eventTypeIds: ["VmPoweredOffEvent", "com.vmware.vc.test.Custom", "com.example.ext"] });
    const evs = await soap.read(c, 1000);
    evs.should.have.length(24);
    evs.filter((e) => e.type === "VmPoweredOffEvent").should.have.length(8);
    evs.filter((e) => e.type === "EventEx").map((e) => e.eventTypeId).should.eql(Array(8).fill("com.vmware.vc.test.Custom"));
    evs.filter((e) => e.type === "ExtendedEvent").map((e) => e.eventTypeId).should.eql(Array(8).fill("com.example.ext"));
    const keys = evs.map((e) => e.key);
    keys.should.eql([...keys].sort((a, b) => a - b));
  });

  it("validates maxCount and limits collectors per session", async () => {
    const c = await soap.createCollector();
    for (const n of [0, -1, 1001]) {
      const err = await soap.read(c, n).should.be.rejected();
      err.fault.should.equal("InvalidArgument");
      err.text.should.match(/<invalidProperty>maxCount<\/invalidProperty>/);
    }
    (await soap.createCollector({ maxCount: 0 })).should.be.a.String(); // default page size
    (await soap.createCollector({ maxCount: 1000 })).should.be.a.String();
    (await soap.createCollector({ maxCount: 1001 }).should.be.rejected()).fault.should.equal("InvalidArgument");
    await soap.createCollector();
    (await soap.createCollector().should.be.rejected()).fault.should.equal("InvalidState"); // 5th of 4
    (await soap.collectorCall("SetCollectorPageSize", c, "<maxCount>1001</maxCount>").should.be.rejected()).fault.should.equal("InvalidArgument");
  });

  it("counts collectors per session, destroys them, and drops them on logout", async () => {
    const c1 = await soap.createCollector();
    await soap.createCollector();
    let st = await sim.stats();
    st.collectors.should.equal(2);
    st.sessions.should.equal(1);
    Object.values(st.collectorsBySession).should.eql([2]);

    await soap.collectorCall("DestroyCollector", c1);
    (await sim.stats()).collectors.should.equal(1);
    const err = await soap.read(c1, 10).should.be.rejected();
    err.fault.should.equal("ManagedObjectNotFound");

    await soap.logout();
    st = await sim.stats();
    st.collectors.should.equal(0);
    st.sessions.should.equal(0);
    (await soap.currentTime().should.be.rejected()).fault.should.equal("NotAuthenticated");
  });

  it("expires sessions: NotAuthenticated (HTTP 500) for old cookies, collectors gone", async () => {
    const c = await soap.createCollector();
    await sim.expireSessions();
    for (const call of [() => soap.read(c, 10), () => soap.currentTime(), () => soap.call("RetrieveServiceContent", "ServiceInstance", "ServiceInstance").then(() => soap.createCollector())]) {
      const err = await call().should.be.rejected();
      err.status.should.equal(500);
      err.fault.should.equal("NotAuthenticated");
      err.text.should.match(/<faultcode>ServerFaultCode<\/faultcode>/);
    }
    const st = await sim.stats();
    st.collectors.should.equal(0);
    st.sessions.should.equal(0);
    await soap.login();
    (await soap.createCollector()).should.be.a.String();
  });

  it("injects failures: N requests with a status, closed connections, a time window", async () => {
    await sim.fail({ count: 2, status: 503 });
    for (let i = 0; i < 2; i++) {
      const res = await soap.post("<CurrentTime xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this></CurrentTime>");
      res.status.should.equal(503);
      res.text.should.match(/injected failure/);
    }
    (await soap.currentTime()).should.be.a.String();

    await sim.fail({ count: 1, status: 0 });
    await soap.currentTime().should.be.rejectedWith(/socket hang up|ECONNRESET/);
    (await soap.currentTime()).should.be.a.String();

    await sim.fail({ seconds: 0.5, status: 502 });
    (await soap.post("<CurrentTime xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this></CurrentTime>")).status.should.equal(502);
    await new Promise((r) => setTimeout(r, 600));
    (await soap.currentTime()).should.be.a.String();

    await sim.fail({ count: 5, status: 500 });
    await sim.fail({ count: 0 });
    (await soap.currentTime()).should.be.a.String();
    (await sim.stats()).requests.should.be.above(8);
  });

  it("orders by position, not key: int32 keys wrap around", async () => {
    await sim.setNextKey(2147483646);
    const t0 = await soap.currentTime();
    const res = await sim.postEvents({ count: 4 });
    res.first.key.should.equal(2147483646);
    res.last.key.should.equal(-2147483647);
    const c = await soap.createCollector({ begin: t0 });
    (await soap.read(c, 10)).map((e) => e.key).should.eql([2147483646, 2147483647, -2147483648, -2147483647]);
    (await sim.stats()).lastKey.should.equal(-2147483647);
  });

  it("shares createdTime within sameTime groups and follows the clock offset", async () => {
    await sim.postEvents({ count: 6, sameTime: 3 });
    const g = await sim.golden({ last: 6 });
    const times = g.map((e) => JSON.parse(e.json).CreatedTime);
    times[0].should.equal(times[2]);
    times[3].should.equal(times[5]);
    times[2].should.not.equal(times[3]);

    const before = Date.parse(await soap.currentTime());
    await sim.clock({ offsetSeconds: 3600 });
    const shifted = Date.parse(await soap.currentTime());
    (shifted - before).should.be.within(3590e3, 3700e3);
    const res = await sim.postEvents({ count: 1 });
    (Date.parse(res.first.createdTime) - before).should.be.within(3590e3, 3700e3);
  });

  it("serves golden JSON and XML for mixed and random events", async () => {
    const res = await sim.postEvents({ count: 17 });
    const g = await sim.golden({ fromKey: res.first.key, count: 17 });
    g.should.have.length(17);
    g.map((e) => e.class).should.containDeep(["VmPoweredOnEvent", "VmReconfiguredEvent", "EventEx", "ExtendedEvent", "TaskEvent", "AlarmStatusChangedEvent", "GeneralUserEvent"]);
    for (const e of g) {
      Object.keys(e).should.eql(["key", "class", "json", "xml"]);
      const d = JSON.parse(e.json);
      d.Key.should.equal(e.key);
      d.ChainId.should.equal(e.key);
      Object.keys(d).slice(0, 5).should.eql(["Key", "ChainId", "CreatedTime", "UserName", "Datacenter"]);
      e.xml.should.startWith(`<${e.class}><key>${e.key}</key>`);
    }
    const reconf = JSON.parse(g.find((e) => e.class === "VmReconfiguredEvent").json);
    reconf.ConfigSpec.DeviceChange.map((d) => d.Device.DeviceInfo.Label).should.eql(["Network adapter 2", "Hard disk 1", "CD/DVD drive 1"]);
    reconf.Vm.Vm.Type.should.equal("VirtualMachine");
    g.find((e) => e.class === "GeneralUserEvent").json.should.containEql("\\u003ccritical\\u003e \\u0026"); // Go's HTML-safe escaping

    // random: every field filled, reproducible from the seed (apart from key and createdTime)
    const strip = (list) => list.map((e) => ({ c: e.class, d: { ...JSON.parse(e.json), Key: 0, ChainId: 0, CreatedTime: 0 } }));
    const r1 = await sim.postEvents({ count: 200, mode: "random", seed: 42 });
    const r2 = await sim.postEvents({ count: 200, mode: "random", seed: 42 });
    const g1 = strip(await sim.golden({ fromKey: r1.first.key, count: 200 }));
    const g2 = strip(await sim.golden({ fromKey: r2.first.key, count: 200 }));
    g1.should.eql(g2);
    new Set(g1.map((e) => e.c)).size.should.be.above(100);

    // and what the SOAP reader gets is the same list
    const c = await soap.createCollector({ begin: r1.first.createdTime });
    const evs = await soap.read(c, 1000);
    evs.map((e) => e.key).slice(0, 200).should.eql(Array.from({ length: 200 }, (_, i) => r1.first.key + i));
  });

  it("stores SOAP PostEvent in the same store, with the session's user", async () => {
    const t0 = await soap.currentTime();
    await sim.postEvents({ count: 1 });
    await soap.call("PostEvent", "EventManager", "EventManager",
      '<eventToPost xsi:type="GeneralUserEvent"><key>0</key><chainId>0</chainId><createdTime>2000-01-01T00:00:00Z</createdTime><userName></userName><message>hello &amp; &lt;bye&gt;</message></eventToPost>');
    const c = await soap.createCollector({ begin: t0 });
    const evs = await soap.read(c, 10);
    evs.map((e) => e.type).should.eql(["VmPoweredOnEvent", "GeneralUserEvent"]);
    evs[1].userName.should.equal(USER);
    (evs[1].key - evs[0].key).should.equal(1);
    const g = await sim.golden({ last: 1 });
    JSON.parse(g[0].json).Message.should.equal("hello & <bye>");
  });

  it("reads backwards, resets and rewinds", async () => {
    const t0 = await soap.currentTime();
    const res = await sim.postEvents({ count: 30 });
    const k = (i) => res.first.key + i;
    const c = await soap.createCollector({ begin: t0 });
    (await soap.read(c, 5)).map((e) => e.key).should.eql([0, 1, 2, 3, 4].map(k));
    (await soap.read(c, 3, "ReadPreviousEvents")).map((e) => e.key).should.eql([4, 3, 2].map(k));
    (await soap.read(c, 2)).map((e) => e.key).should.eql([2, 3].map(k));
    await soap.collectorCall("ResetCollector", c); // before the latest page (10)
    (await soap.read(c, 100)).map((e) => e.key).should.eql(Array.from({ length: 10 }, (_, i) => k(20 + i)));
    await soap.collectorCall("RewindCollector", c);
    (await soap.read(c, 1)).map((e) => e.key).should.eql([k(0)]);
    await soap.collectorCall("SetCollectorPageSize", c, "<maxCount>3</maxCount>");
    await soap.collectorCall("ResetCollector", c);
    (await soap.read(c, 100)).map((e) => e.key).should.eql([27, 28, 29].map(k));
  });

  it("publishes latestPage changes through the property collector (WaitForUpdatesEx)", async () => {
    const c = await soap.createCollector();
    const pcText = await soap.call("CreatePropertyCollector", "PropertyCollector", "propertyCollector");
    const pc = unesc(/<returnval type="PropertyCollector">([^<]+)</.exec(pcText)[1]);
    await soap.call("CreateFilter", "PropertyCollector", pc,
      `<spec><propSet><type>EventHistoryCollector</type><all>false</all><pathSet>latestPage</pathSet></propSet><objectSet><obj type="EventHistoryCollector">${esc(c)}</obj><skip>false</skip></objectSet></spec><partialUpdates>false</partialUpdates>`);
    const wait = (version) => soap.call("WaitForUpdatesEx", "PropertyCollector", pc, `<version>${version}</version><options><maxWaitSeconds>10</maxWaitSeconds></options>`);
    const first = await wait("");
    const version = /<version>([^<]*)<\/version>/.exec(first)[1];

    const started = Date.now();
    const pending = wait(version);
    await new Promise((r) => setTimeout(r, 300));
    const res = await sim.postEvents({ count: 3 });
    const update = await pending;
    (Date.now() - started).should.be.below(5000);
    update.should.match(/<name>latestPage<\/name>/);
    const keys = [...update.matchAll(/<Event [\w-]+:type="\w+"><key>(-?\d+)<\/key>/g)].map((m) => Number(m[1]));
    keys.slice(0, 3).should.eql([res.last.key, res.last.key - 1, res.first.key]); // newest first
  });

  it("drains 100,000 events with the govmomi poller", async function () {
    this.timeout(180000);
    const t = Date.now();
    await sim.postEvents({ count: 100000 });
    const postSeconds = (Date.now() - t) / 1000;
    const r = await goPoll({ sdkUrl: sim.sdkUrl, username: USER, password: PASSWORD, count: 100000, beginOldest: true });
    r.events.should.equal(100000);
    r.outOfOrder.should.equal(0);
    r.rate.should.be.above(1000);
    console.log(`      posted 100,000 in ${postSeconds.toFixed(2)} s; govmomi poller drained ${Math.round(r.rate)} events/s (${r.seconds.toFixed(2)} s)`);
    (await sim.stats()).collectors.should.equal(0);
  });
});
