"use strict";
/**
 * A misbehaving peer for the source nodes (vcenter-in, horizon-in): an HTTP proxy placed
 * between the node and a real test peer (test/support/vcsim.js, horizon-peer.js), switchable at
 * run time from faithful pass-through into one misbehaviour at a time:
 *
 *   pass       forward every request to the upstream, unchanged
 *   huge       200 OK with a 200 MB body (well-formed start, then filler), sent as fast as read
 *   endless    200 OK with a body that never ends
 *   drip       200 OK, then one byte every 100 ms, forever
 *   malformed  200 OK with a body that is not well-formed (XML or JSON, after the flavour)
 *   faultNoType  (soap) HTTP 500 with a SOAP fault saying NotAuthenticated without its type
 *   deep       200 OK with a document nested 100,000 levels deep
 *   echo       HTTP 500 quoting the request whole (body and headers: the Login password, basic
 *              auth), as a SOAP fault's faultstring or as plain text
 *   reset      200 OK, half a body, then the connection is reset
 *
 * setMode(mode, { match }) misbehaves only for requests whose body or path matches the regular
 * expression `match`; the others pass through (so a login can succeed while collectors fail).
 * `flavor` "soap" (text/xml) or "json" shapes the bodies. Every response the proxy writes is
 * written with backpressure and stopped when the client goes away; `stats` counts requests and
 * the bytes written per mode, `open` the responses under way.
 */
const http = require("node:http");
const https = require("node:https");

const MODES = ["pass", "huge", "endless", "drip", "malformed", "faultNoType", "deep", "echo", "reset"];

function soapEnvelope(inner) {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
}

async function startHostileProxy({ upstream, flavor = "soap" }) {
  const up = new URL(upstream);
  const client = up.protocol === "https:" ? https : http;
  const agent = new client.Agent({ keepAlive: true, rejectUnauthorized: false });
  const sockets = new Set();
  const state = {
    mode: "pass",
    match: undefined,
    /** byOp: requests per SOAP operation / path and mode, e.g. "echo Login" */
    stats: { requests: 0, byMode: {}, bytes: {}, byOp: {} },
    open: 0,
  };
  const contentType = flavor === "soap" ? "text/xml; charset=utf-8" : "application/json";
  const startOfBody = flavor === "soap"
    ? '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ReadNextEventsResponse xmlns="urn:vim25"><returnval><key>1</key><fullFormattedMessage>'
    : '[{"id":1,"time":1,"message":"';

  function count(mode, n) {
    state.stats.bytes[mode] = (state.stats.bytes[mode] ?? 0) + n;
  }

  /** Write `total` bytes (Infinity: forever) of filler after `head`, honouring backpressure. */
  function stream(res, mode, head, total) {
    const filler = Buffer.alloc(64 * 1024, "x");
    let sent = 0;
    let done = false;
    res.writeHead(200, { "content-type": contentType });
    res.write(head);
    count(mode, head.length);
    const finish = () => {
      done = true;
    };
    res.on("close", finish);
    const pump = () => {
      while (!done && sent < total) {
        const n = Math.min(filler.length, total - sent);
        sent += n;
        count(mode, n);
        if (!res.write(n === filler.length ? filler : filler.subarray(0, n))) {
          res.once("drain", pump);
          return;
        }
      }
      if (!done) res.end();
    };
    pump();
  }

  function opOf(req, body) {
    if (flavor !== "soap") return req.url.split("?")[0];
    const m = /<soapenv:Body>\s*<([A-Za-z]+)/.exec(body.toString("utf8")) ?? /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?([A-Za-z]+)/.exec(body.toString("utf8"));
    return m ? m[1] : "?";
  }

  function handle(req, res, body) {
    const op = opOf(req, body);
    const mode = state.match === undefined || state.match.test(`${req.url}\n${body.toString("utf8")}`) ? state.mode : "pass";
    state.stats.byOp[`${mode} ${op}`] = (state.stats.byOp[`${mode} ${op}`] ?? 0) + 1;
    state.stats.requests++;
    state.stats.byMode[mode] = (state.stats.byMode[mode] ?? 0) + 1;
    state.open++;
    res.on("close", () => state.open--);
    switch (mode) {
      case "pass": {
        const headers = { ...req.headers, host: up.host };
        const p = client.request(
          { protocol: up.protocol, hostname: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent },
          (u) => {
            res.writeHead(u.statusCode, u.headers);
            u.pipe(res);
          },
        );
        p.on("error", () => res.destroy());
        p.end(body);
        return;
      }
      case "huge":
        return stream(res, mode, startOfBody, 200 * 1024 * 1024);
      case "endless":
        return stream(res, mode, startOfBody, Infinity);
      case "drip": {
        res.writeHead(200, { "content-type": contentType });
        res.write(startOfBody);
        const timer = setInterval(() => {
          res.write("x");
          count(mode, 1);
        }, 100);
        res.on("close", () => clearInterval(timer));
        return;
      }
      case "malformed": {
        const text = flavor === "soap" ? soapEnvelope("<ReadNextEventsResponse><returnval><key>1</wrong></returnval>") : '[{"id":1,"time":';
        res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
        return res.end(text);
      }
      case "faultNoType": {
        // a NotAuthenticated fault as some vCenter-like servers send it: no <detail>, no type
        const text = soapEnvelope("<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring></soapenv:Fault>");
        res.writeHead(500, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
        return res.end(text);
      }
      case "deep": {
        const n = 100000;
        const text = flavor === "soap"
          ? soapEnvelope(`<ReadNextEventsResponse xmlns="urn:vim25"><returnval xsi:type="EventEx"><key>1</key>${"<a>".repeat(n)}${"</a>".repeat(n)}</returnval></ReadNextEventsResponse>`)
          : `[{"id":1,"time":1,"data":${"[".repeat(n)}${"]".repeat(n)}}]`;
        res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
        return res.end(text);
      }
      case "echo": {
        // an error quoting the request whole: the body first (the Login password, the JSON
        // login), then the headers (basic auth, cookies)
        const quoted = `${body.toString("utf8")}\n${req.method} ${req.url} ${JSON.stringify(req.headers)}`;
        const esc = (t) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
        const text = flavor === "soap"
          ? soapEnvelope(`<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Cannot process ${esc(quoted)}</faultstring></soapenv:Fault>`)
          : quoted;
        res.writeHead(500, { "content-type": flavor === "soap" ? contentType : "text/plain", "content-length": Buffer.byteLength(text) });
        return res.end(text);
      }
      case "reset": {
        res.writeHead(200, { "content-type": contentType, "content-length": "1000000" });
        res.write(startOfBody + "x".repeat(10000));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      default:
        res.writeHead(500);
        res.end(`unknown mode ${mode}`);
    }
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks)));
    req.on("error", () => res.destroy());
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    address: `http://127.0.0.1:${port}${up.pathname === "/" ? "" : up.pathname}`,
    stats: state.stats,
    get open() {
      return state.open;
    },
    /** switch mode; open responses of the previous mode are cut off (as a peer restarting would) */
    setMode(mode, { match } = {}) {
      if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}`);
      state.mode = mode;
      state.match = match;
      for (const s of sockets) s.destroy();
    },
    /** requests answered in `mode` for operation (SOAP) or path (JSON) `op` */
    count(mode, op) {
      return state.stats.byOp[`${mode} ${op}`] ?? 0;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

module.exports = { startHostileProxy, MODES };
