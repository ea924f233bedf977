"use strict";
/**
 * One HTTP peer that plays a Knative sink, an OpenFaaS gateway with its functions, or an
 * EventBridge endpoint (by the request: `x-amz-target` is EventBridge, `/system/` and
 * `/function/` are OpenFaaS, anything else is Knative), and misbehaves on demand:
 *
 *   peer.behave()                                  ordinary answers
 *   peer.misbehave(kind, { status, route })        kind: huge | endless | drip | malformed | wrongType | reset | echo
 *                                                  route: "deliver" (events: Knative POST, OpenFaaS invocation,
 *                                                  PutEvents) or "list" (OpenFaaS /system/*)
 *
 * huge offers 200 MB (with content-length) and writes until the client goes; endless writes
 * until the client goes; drip sends the headers and then one byte every 200 ms; reset sends
 * half an answer and destroys the socket; echo answers with the request's headers and body.
 * Writes honour back-pressure and reuse one buffer: the peer itself stays small.
 */
const http = require("node:http");

const CHUNK = Buffer.alloc(64 * 1024, 0x61);
const HUGE = 200 * 1024 * 1024;

function routeOf(req) {
  if (req.headers["x-amz-target"]) return { protocol: "eventbridge", route: "deliver" };
  if (req.url.startsWith("/system/")) return { protocol: "openfaas", route: "list" };
  if (req.url.startsWith("/function/") || req.url.startsWith("/async-function/")) return { protocol: "openfaas", route: "deliver" };
  return { protocol: "knative", route: "deliver" };
}

function normal(req, body, protocol, res) {
  if (protocol === "knative") {
    res.writeHead(202, { "content-length": 0 });
    return res.end();
  }
  if (protocol === "openfaas") {
    if (req.url.startsWith("/system/namespaces")) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found");
    }
    if (req.url.startsWith("/system/functions")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify([{ name: "fn", namespace: "openfaas-fn", annotations: { topic: "T" }, replicas: 1 }]));
    }
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("done");
  }
  let input = {};
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    // answered below
  }
  const entries = Array.isArray(input.Entries) ? input.Entries : [];
  res.writeHead(200, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "req-1" });
  res.end(JSON.stringify({ FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `ev-${Date.now()}-${i}` })) }));
}

function contentType(protocol) {
  return protocol === "eventbridge" ? "application/x-amz-json-1.1" : protocol === "openfaas" ? "application/json" : "text/plain";
}

/** Write `total` bytes (Infinity: until the client goes), honouring back-pressure. */
function pour(res, total) {
  let sent = 0;
  const more = () => {
    while (sent < total && !res.destroyed) {
      const n = Math.min(CHUNK.length, total - sent);
      sent += n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return res.once("drain", more);
    }
    if (!res.destroyed) res.end();
  };
  res.on("error", () => undefined);
  more();
}

async function startHostileSinkPeer() {
  const peer = {
    kind: undefined,
    opts: {},
    requests: { deliver: 0, list: 0 },
    sockets: new Set(),
    timers: new Set(),
    behave() {
      this.kind = undefined;
      this.opts = {};
      return this;
    },
    misbehave(kind, opts = {}) {
      this.kind = kind;
      this.opts = { route: "deliver", ...opts };
      return this;
    },
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("error", () => undefined);
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const { protocol, route } = routeOf(req);
      peer.requests[route]++;
      const kind = peer.kind;
      const o = peer.opts;
      if (kind === undefined || o.route !== route) return normal(req, body, protocol, res);
      const status = o.status ?? 200;
      const type = contentType(protocol);
      switch (kind) {
        case "huge":
          res.writeHead(status, { "content-type": type, "content-length": HUGE });
          return pour(res, HUGE);
        case "endless":
          res.writeHead(status, { "content-type": type });
          return pour(res, Infinity);
        case "drip": {
          res.writeHead(status, { "content-type": type });
          res.on("error", () => undefined);
          const t = setInterval(() => {
            if (res.destroyed) {
              clearInterval(t);
              peer.timers.delete(t);
              return;
            }
            res.write("x");
          }, 200);
          peer.timers.add(t);
          return undefined;
        }
        case "malformed":
          res.writeHead(status, { "content-type": type });
          return res.end(protocol === "eventbridge" ? '{"FailedEntryCount":0,"Entries":[{"EventId":' : '[{"name":"fn","annotations":{"topic":');
        case "wrongType":
          res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
          return res.end("<html><body><h1>Welcome to our proxy</h1></body></html>");
        case "reset":
          res.writeHead(status, { "content-type": type, "content-length": 100000 });
          res.write(CHUNK.subarray(0, 1000));
          return setTimeout(() => req.socket.destroy(), 20);
        case "echo": {
          const echoed = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString("utf8") });
          const headers = { "content-type": type, "x-echo-authorization": String(req.headers.authorization ?? "") };
          res.writeHead(status, headers);
          if (protocol === "eventbridge") {
            if (status >= 300) return res.end(JSON.stringify({ __type: status >= 500 ? "InternalException" : "AccessDeniedException", message: echoed }));
            return res.end(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: String(req.headers.authorization ?? "") + " " + String(req.headers["x-amz-security-token"] ?? "") }] }));
          }
          return res.end(echoed);
        }
        default:
          return normal(req, body, protocol, res);
      }
    });
  });
  server.on("connection", (s) => {
    peer.sockets.add(s);
    s.on("close", () => peer.sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  peer.url = `http://127.0.0.1:${server.address().port}`;
  peer.close = async () => {
    for (const t of peer.timers) clearInterval(t);
    for (const s of peer.sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  return peer;
}

module.exports = { startHostileSinkPeer };
