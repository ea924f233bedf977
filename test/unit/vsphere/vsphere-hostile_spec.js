"use strict";
/**
 * lib/vsphere against a misbehaving vCenter, piece by piece (issue 11 items 2, 4, 5, 6): the
 * response cap and deadline on the transport, secrets kept out of error texts, the
 * vsphere-config settings, a new login after repeated failures of any kind, bounded positions.
 * The end-to-end cases with a real Node-RED are in test/integration/hostile-vcenter_spec.js.
 */
const should = require("should");
const http = require("node:http");
const { SoapTransport } = require("../../../dist/lib/vsphere/transport");
const { VsphereError } = require("../../../dist/lib/vsphere/faults");
const { parseConfigSettings } = require("../../../dist/lib/vsphere/config-settings");
const { credentialScrubber } = require("../../../dist/lib/vsphere/session");
const { EventReader, FAILURES_BEFORE_NEW_LOGIN } = require("../../../dist/lib/vsphere/event-reader");
const { PositionTracker, MAX_KEYS_PER_TIME } = require("../../../dist/lib/vsphere/position");

const MIB = 1024 * 1024;
const PASSWORD = "S3cret-Pa55word!";
const USER = "reader@vsphere.local";

/** A local HTTP server answering every request with `handler(req, res, body)`. */
async function server(handler) {
  const sockets = new Set();
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  srv.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${srv.address().port}/sdk`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(r));
    },
  };
}

function transport(url, extra = {}) {
  return new SoapTransport({ sdkUrl: url, scrubber: credentialScrubber({ username: USER, password: PASSWORD }), ...extra });
}

describe("vSphere transport: response cap and deadline", function () {
  this.timeout(30000);
  let srv;
  let t;
  afterEach(async () => {
    if (t) await t.close();
    if (srv) await srv.close();
    t = srv = undefined;
  });

  it("aborts an endless body as soon as it passes the cap (the server stops writing soon after)", async () => {
    let written = 0;
    let closed = false;
    srv = await server((req, res) => {
      res.writeHead(200, { "content-type": "text/xml" });
      const chunk = Buffer.alloc(64 * 1024, "x");
      res.on("close", () => (closed = true));
      const pump = () => {
        while (!closed) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once("drain", pump);
        }
      };
      pump();
    });
    t = transport(srv.url, { maxResponseBytes: 2 * MIB });
    const err = await t.post("<x/>").should.be.rejected();
    err.should.be.instanceOf(VsphereError);
    err.kind.should.equal("transport");
    err.code.should.equal("response-too-large");
    err.params.limit.should.equal(2);
    err.message.should.match(/larger than 2 MiB/);
    await new Promise((r) => setTimeout(r, 300));
    closed.should.be.true("the connection was closed");
    written.should.be.below(2 * MIB + 16 * MIB, "socket buffers aside, nothing much past the cap was sent");
  });

  it("accepts a body of exactly the cap", async () => {
    srv = await server((req, res) => res.end(Buffer.alloc(MIB, "y")));
    t = transport(srv.url, { maxResponseBytes: MIB });
    const chunks = await t.post("<x/>");
    Buffer.concat(chunks).length.should.equal(MIB);
  });

  it("cuts off a slow drip at the deadline", async () => {
    srv = await server((req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write("x"), 50);
      res.on("close", () => clearInterval(timer));
    });
    t = transport(srv.url, { requestTimeoutMs: 800 });
    const started = Date.now();
    const err = await t.post("<x/>").should.be.rejected();
    err.code.should.equal("response-too-slow");
    err.message.should.match(/within 0\.8 s/);
    (Date.now() - started).should.be.below(5000);
  });

  it("refuses malformed and deeply nested control responses before anything parses them", async () => {
    let body = "<a><b></a>";
    srv = await server((req, res) => res.end(body));
    t = transport(srv.url);
    (await t.postText("<x/>").should.be.rejected()).message.should.match(/not well-formed XML/);
    body = "<a>".repeat(200000) + "</a>".repeat(200000);
    (await t.postText("<x/>").should.be.rejected()).message.should.match(/nested deeper than 256 levels/);
  });
});

describe("vSphere transport: no credentials in error texts", function () {
  this.timeout(30000);
  let srv;
  let t;
  afterEach(async () => {
    if (t) await t.close();
    if (srv) await srv.close();
  });

  it("scrubs an echoed request from an HTTP error, also where the excerpt would cut the secret in two", async () => {
    // the password straddles the 200-character excerpt: a cut before scrubbing would leak its start
    srv = await server((req, res, body) => {
      res.writeHead(502);
      res.end(`${"p".repeat(190)}${PASSWORD} ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")} ${body}`);
    });
    t = transport(srv.url);
    const err = await t.post(`<Login><userName>${USER}</userName><password>${PASSWORD}</password></Login>`).should.be.rejected();
    err.message.should.match(/HTTP 502/);
    err.message.should.not.containEql(PASSWORD.slice(0, 5));
    err.message.should.not.containEql(USER);
    err.message.should.containEql("[redacted]");
  });

  it("scrubs a SOAP fault whose faultstring quotes the password (XML-escaped on the wire)", async () => {
    srv = await server((req, res) => {
      res.writeHead(500, { "content-type": "text/xml" });
      res.end(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>bad password ${PASSWORD.replace("!", "&#33;")} for ${USER}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`);
    });
    t = transport(srv.url);
    const err = await t.post("<x/>").should.be.rejected();
    err.message.should.match(/^ServerFaultCode: bad password \[redacted\] for \[redacted\]$/);
  });
});

describe("vsphere-config settings", () => {
  it("defaults to 32 MiB and 60 s, and takes numbers as text", () => {
    parseConfigSettings({}).should.eql({ maxResponseBytes: 32 * MIB, requestTimeoutMs: 60000 });
    parseConfigSettings({ maxResponseSize: "", timeout: "" }).should.eql({ maxResponseBytes: 32 * MIB, requestTimeoutMs: 60000 });
    parseConfigSettings({ maxResponseSize: "8", timeout: "2.5" }).should.eql({ maxResponseBytes: 8 * MIB, requestTimeoutMs: 2500 });
  });
  it("refuses sizes and timeouts out of range, naming the setting", () => {
    for (const v of [0, -1, 1.5, 1025, "x"]) (() => parseConfigSettings({ maxResponseSize: v })).should.throw(/maxResponseSize/);
    for (const v of [0, 0.5, 3601, "soon"]) (() => parseConfigSettings({ timeout: v })).should.throw(/timeout/);
  });
});

describe("event reader: a new login after repeated failures on one session", function () {
  this.timeout(20000);

  /** A fake connection whose sessions fail to create collectors with `fault()` (session 1 only). */
  function setup(fault) {
    const invalidated = [];
    const creates = new Map();
    let next = 1;
    let current;
    const makeSession = () => {
      const id = next++;
      creates.set(id, 0);
      return {
        id,
        sdkUrl: "https://vc.example.com/sdk",
        content: { apiVersion: "8.0" },
        currentTime: async () => "2026-01-01T00:00:00Z",
        createEventCollector: async () => {
          creates.set(id, creates.get(id) + 1);
          if (id === 1) throw fault();
          return { type: "EventHistoryCollector", value: `c${id}` };
        },
        watchLatestPage: async () => {
          throw new VsphereError("not supported", "fault");
        },
        destroyCollector: async () => undefined,
        destroyPropertyCollector: async () => undefined,
        transport: {
          post: async () => [Buffer.from('<E xmlns:s="x"><Body><ReadNextEventsResponse/></Body></E>')],
        },
      };
    };
    const connection = {
      sdkUrl: "https://vc.example.com/sdk",
      session: async () => (current ??= makeSession()),
      invalidate(s, reason) {
        invalidated.push({ id: s.id, reason });
        if (current === s) current = undefined;
      },
      reasonOf: (e) => e.message,
      scrub: (t) => t,
    };
    const statuses = [];
    const reader = new EventReader({
      connection, eventTypes: [], maxAgeSeconds: 3600, errorBackoffMinMs: 1, errorBackoffMaxMs: 2, idleBackoffMs: [5],
      onEvent: () => undefined, onStatus: (s) => statuses.push(s), log: { info: () => undefined, warn: () => undefined },
    });
    return { reader, invalidated, creates, statuses };
  }

  async function until(fn, what) {
    const deadline = Date.now() + 10000;
    while (!fn()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  it(`logs in anew after ${FAILURES_BEFORE_NEW_LOGIN} faults it cannot classify (NotAuthenticated without a type)`, async () => {
    const { reader, invalidated, creates, statuses } = setup(
      () => new VsphereError("ServerFaultCode: The session is not authenticated.", "fault", "ServerFaultCode"),
    );
    reader.start();
    await until(() => creates.get(2) > 0, "a collector on a new session");
    await reader.close();
    invalidated.should.have.length(1);
    invalidated[0].id.should.equal(1);
    invalidated[0].reason.should.match(/not authenticated/);
    creates.get(1).should.equal(FAILURES_BEFORE_NEW_LOGIN);
    statuses.some((s) => s.state === "connected").should.be.true();
  });

  it("logs in anew at once when vCenter refuses another collector for the session (per-session limit)", async () => {
    const { reader, invalidated, creates } = setup(
      () => new VsphereError("InvalidState: too many event collectors for this session", "fault", "InvalidState"),
    );
    reader.start();
    await until(() => creates.get(2) > 0, "a collector on a new session");
    await reader.close();
    creates.get(1).should.equal(1);
    invalidated.map((i) => i.id).should.eql([1]);
  });
});

describe("stream position: bounded whatever the peer sends", () => {
  it(`keeps at most ${MAX_KEYS_PER_TIME} keys for one createdTime (the newest)`, () => {
    const p = new PositionTracker();
    let pos;
    for (let k = 0; k < MAX_KEYS_PER_TIME + 5000; k++) pos = p.advance({ key: k, createdTime: "2026-01-01T00:00:00Z", timeKey: "t", type: "E" });
    pos.keys.should.have.length(MAX_KEYS_PER_TIME);
    pos.keys[0].should.equal(5000);
    pos.lastKey.should.equal(MAX_KEYS_PER_TIME + 4999);
    should(p.advance({ key: 1, createdTime: "x", timeKey: "u", type: "E" }).keys).eql([1]);
  });
});
