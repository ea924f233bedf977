"use strict";
/**
 * Memory of the event-page path (issue 16, drain memory): page bytes read ahead live in reused
 * slabs (lib/vsphere/page-slabs.ts) instead of the network's buffers, and what a reader keeps of
 * an event after the page is gone does not hold on to the page's text.
 */
const should = require("should");
const http = require("node:http");
const { PageSlabs, SLAB_BYTES, DEFAULT_POOLED_BYTES } = require("../../../dist/lib/vsphere/page-slabs");
const { SoapTransport } = require("../../../dist/lib/vsphere/transport");
const { EventPageDecoder } = require("../../../dist/lib/vsphere/event-page");

describe("page slabs: reused memory for event pages read ahead", () => {
  it("copies chunks of any size into whole slabs, in order, one view per slab", () => {
    const pool = new PageSlabs();
    const c = pool.collector();
    const body = Buffer.alloc(SLAB_BYTES * 2 + 1234);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    // chunks of odd sizes that straddle slab boundaries
    for (let at = 0, step = 1; at < body.length; at += step, step = (step * 3 + 1) % 40000 || 1) c.add(body.subarray(at, Math.min(body.length, at + step)));
    const views = c.views();
    views.map((v) => v.length).should.eql([SLAB_BYTES, SLAB_BYTES, 1234]);
    Buffer.concat(views).equals(body).should.be.true();
    new Set(views.map((v) => v.buffer)).size.should.equal(3);
  });

  it("hands a released slab out again instead of allocating", () => {
    const pool = new PageSlabs();
    const c = pool.collector();
    c.add(Buffer.alloc(SLAB_BYTES + 10, 1));
    const [a, b] = c.views();
    pool.pooled.should.equal(0);
    pool.release(a);
    pool.release(b);
    pool.pooled.should.equal(2);
    const again = pool.collector();
    again.add(Buffer.alloc(100, 2));
    const [v] = again.views();
    [a.buffer, b.buffer].should.containEql(v.buffer);
    v.equals(Buffer.alloc(100, 2)).should.be.true();
    pool.pooled.should.equal(1);
  });

  it("never pools a slab twice, nor a buffer it did not make", () => {
    const pool = new PageSlabs();
    const c = pool.collector();
    c.add(Buffer.alloc(10));
    const [v] = c.views();
    pool.release(v);
    pool.release(v);
    pool.pooled.should.equal(1);
    pool.release(Buffer.alloc(SLAB_BYTES));
    pool.release(Buffer.allocUnsafeSlow(SLAB_BYTES));
    pool.pooled.should.equal(1);
    // two collectors at once never share a slab
    const x = pool.collector();
    const y = pool.collector();
    x.add(Buffer.alloc(10, 1));
    y.add(Buffer.alloc(10, 2));
    const [xv] = x.views();
    const [yv] = y.views();
    xv.buffer.should.not.equal(yv.buffer);
    xv.equals(Buffer.alloc(10, 1)).should.be.true();
  });

  it("keeps at most its bound in bytes for reuse, however many slabs come back", () => {
    const pool = new PageSlabs(3 * SLAB_BYTES);
    const c = pool.collector();
    c.add(Buffer.alloc(10 * SLAB_BYTES));
    pool.releaseAll(c.views());
    pool.pooled.should.equal(3);
    pool.pooledBytes.should.equal(3 * SLAB_BYTES);
    const big = new PageSlabs();
    const d = big.collector();
    d.add(Buffer.alloc(200 * SLAB_BYTES));
    big.releaseAll(d.views());
    big.pooledBytes.should.equal(DEFAULT_POOLED_BYTES);
  });

  it("gives everything back when a body is discarded", () => {
    const pool = new PageSlabs();
    const c = pool.collector();
    c.add(Buffer.alloc(SLAB_BYTES * 2 + 1));
    c.discard();
    pool.pooled.should.equal(3);
  });
});

describe("vSphere transport: a page body read into slabs", function () {
  this.timeout(20000);
  let srv;
  let t;
  afterEach(async () => {
    if (t) await t.close();
    if (srv) await new Promise((r) => srv.close(r));
    t = srv = undefined;
  });

  async function serve(handler) {
    srv = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => handler(res));
    });
    await new Promise((r) => srv.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${srv.address().port}/sdk`;
  }

  it("returns the same bytes as views of the pool's slabs, and reuses them for the next page", async () => {
    const body = Buffer.alloc(300 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = 65 + (i % 26);
    const url = await serve((res) => {
      res.writeHead(200, { "content-type": "text/xml" });
      // many small writes: the client sees many chunks
      for (let at = 0; at < body.length; at += 5000) res.write(body.subarray(at, at + 5000));
      res.end();
    });
    t = new SoapTransport({ sdkUrl: url });
    const pool = new PageSlabs();
    const first = await t.post("<x/>", { slabs: pool });
    Buffer.concat(first).equals(body).should.be.true();
    first.length.should.equal(Math.ceil(body.length / SLAB_BYTES));
    const slabs = new Set(first.map((v) => v.buffer));
    pool.releaseAll(first);
    const second = await t.post("<x/>", { slabs: pool });
    Buffer.concat(second).equals(body).should.be.true();
    for (const v of second) slabs.has(v.buffer).should.be.true("a slab of the first page was reused");
  });

  it("gives the slabs back when the answer is not a page (HTTP 500 fault)", async () => {
    const fault =
      '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
      "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>no</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>";
    const url = await serve((res) => {
      res.writeHead(500, { "content-type": "text/xml" });
      res.end(fault);
    });
    t = new SoapTransport({ sdkUrl: url });
    const pool = new PageSlabs();
    await t.post("<x/>", { slabs: pool }).should.be.rejected();
    pool.pooled.should.equal(1);
  });
});

describe("event page decoder: what an event keeps of its page", () => {
  it("gives the same events whatever the chunking, slabs reused between chunks included", () => {
    const ev = (k) =>
      `<returnval xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="VmPoweredOnEvent">` +
      `<key>${k}</key><chainId>${k}</chainId><createdTime>2024-05-01T10:00:00.${String(k).padStart(6, "0")}Z</createdTime>` +
      `<userName>VSPHERE.LOCAL\\Administrator</userName><fullFormattedMessage>vm-${k} powered on</fullFormattedMessage></returnval>`;
    let xml = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ReadNextEventsResponse xmlns="urn:vim25">';
    for (let k = 1; k <= 200; k++) xml += ev(k);
    xml += "</ReadNextEventsResponse></soapenv:Body></soapenv:Envelope>";
    const bytes = Buffer.from(xml);
    const pool = new PageSlabs();
    const decode = (size) => {
      const c = pool.collector();
      for (let at = 0; at < bytes.length; at += size) c.add(bytes.subarray(at, at + size));
      const views = c.views();
      const d = new EventPageDecoder();
      const out = [];
      for (const v of views) {
        out.push(...d.push(v));
        v.fill(0); // what a reused slab would hold next
        pool.release(v);
      }
      out.push(...d.end());
      return out.map((e) => [e.key, e.className, e.createdTime]);
    };
    const whole = decode(bytes.length);
    whole.length.should.equal(200);
    whole[199].should.eql([200, "VmPoweredOnEvent", "2024-05-01T10:00:00.000200Z"]);
    decode(7).should.eql(whole);
    decode(SLAB_BYTES).should.eql(whole);
    should(pool.pooled).be.above(0);
  });
});

describe("detached strings: what outlives an event page does not keep its text", function () {
  this.timeout(20000);
  const { execFileSync } = require("node:child_process");
  const path = require("node:path");
  const dist = path.join(__dirname, "../../../dist");

  /**
   * Heap bytes still used once `cut` has taken two pieces from each of five distinct 8 MB texts
   * and the texts are dropped (V8 may hold on to the last big string it built for its own
   * reasons: hence five, and thresholds far from 40 MB).
   */
  function retained(cut) {
    const script = `
      const { detach } = require(${JSON.stringify(path.join(dist, "lib/common/detach"))});
      const { toVimEvent } = require(${JSON.stringify(path.join(dist, "lib/vsphere/event"))});
      const { scanXml } = require(${JSON.stringify(path.join(dist, "lib/vsphere/xml-scan"))});
      const cut = ${cut};
      gc(); gc();
      const before = process.memoryUsage().heapUsed;
      const kept = [];
      for (let j = 0; j < 5; j++) {
        const big = ["<r>", String(j).repeat(8 << 20), "<createdTime>2024-05-01T10:00:00.12345" + j + "Z</createdTime></r>"].join("");
        for (let i = 0; i < 2; i++) kept.push(cut(big, i));
      }
      gc(); gc();
      process.stdout.write(String(process.memoryUsage().heapUsed - before) + " " + kept.join("").length);
    `;
    const out = execFileSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" });
    const [bytes, len] = out.split(" ").map(Number);
    len.should.be.above(0);
    return bytes;
  }

  it("a plain slice keeps its 8 MB parent (the V8 behaviour this guards against)", () => {
    retained("(s, i) => s.slice(100 + i, 130 + i)").should.be.above(35 << 20);
  });

  it("detach keeps only its own characters", () => {
    retained("(s, i) => detach(s.slice(100 + i, 130 + i))").should.be.below(12 << 20);
  });

  it("an event's createdTime and class, as positions and windows keep them, keep nothing of the page", () => {
    const cut = `(s) => {
      const root = scanXml('<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VmPoweredOnEventWithALongName"><key>1</key>' + s.slice(3));
      const ev = toVimEvent(root);
      return ev.createdTime + ev.className;
    }`;
    retained(cut).should.be.below(12 << 20);
  });
});
