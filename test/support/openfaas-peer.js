'use strict';
/**
 * An OpenFaaS-gateway-like peer for tests. Real HTTP on 127.0.0.1 (port 0 by default).
 *
 * Endpoints (openfaas/faas gateway, protocols.md §3):
 *   GET  /healthz                              200
 *   GET  /system/namespaces                    ["openfaas-fn", ...]  (404 with `namespaces: false`)
 *   GET  /system/functions[?namespace=ns]      [FunctionStatus, ...] (default namespace without ?namespace)
 *   GET  /system/function/<name>[?namespace=]  FunctionStatus or 404
 *   POST /function/<name>[.<ns>][/path]        synchronous: the function's answer (404 for unknown functions)
 *   POST /async-function/<name>[.<ns>][/path]  202 + X-Call-Id, queued; runs the function later and POSTs its
 *                                              answer to X-Callback-Url with X-Function-Status, X-Function-Name,
 *                                              X-Call-Id, X-Duration-Seconds (as the queue worker does).
 *                                              400 for an unparsable X-Callback-Url; 202 even for unknown functions
 *                                              (the community gateway does not look them up).
 * Basic auth (`username`/`password`): `/system/*` always; the invocation routes only with
 * `protectInvoke: true` (the community gateway leaves them open). 401 + WWW-Authenticate otherwise.
 *
 * Functions: peer.addFunction({name, namespace, annotations, labels, answer, script, handler}),
 * peer.removeFunction(name, namespace), peer.setFunction(name, namespace, changes).
 * A function answers, in this order: its `script` (FIFO list of answers), its `handler(invocation)`
 * returning an answer or undefined, its `answer`, else 200 with a JSON body
 * {function, id, topic}. An answer is {status, body?, headers?, delayMs?, retryAfter?}.
 * `peer.failSystem(n | {count, status, delayMs})` makes the next `/system/*` requests fail (status 0
 * destroys the socket); `peer.failSystem({until: Infinity})` until cleared with failSystem(0).
 *
 * Records: peer.invocations[i] = {seq, at, name, namespace, qualified, async, path, headers, body,
 * event (parsed JSON or undefined), topic, status}; peer.systemRequests = [{at, path, status}];
 * peer.callbacks: what was POSTed to callback URLs (when the peer's own queue worker sends them).
 */
const http = require('node:http');
const crypto = require('node:crypto');

const DEFAULT_NS = 'openfaas-fn';

function now() {
  return performance.timeOrigin + performance.now();
}

class OpenFaasPeer {
  constructor(options = {}) {
    this.username = options.username;
    this.password = options.password;
    this.protectInvoke = options.protectInvoke === true;
    this.namespaces = options.namespaces === false ? null : [...(options.namespaces || [DEFAULT_NS])];
    this.defaultNamespace = options.defaultNamespace || DEFAULT_NS;
    this.functions = new Map(); // qualified -> spec
    this.server = null;
    this.url = null;
    this.timers = new Set();
    this.sockets = new Set();
    this.reset();
  }

  reset() {
    this.invocations = [];
    this.systemRequests = [];
    this.callbacks = [];
    this.systemFailure = null;
    this.seq = 0;
    return this;
  }

  /** forget the functions too */
  clear() {
    this.functions.clear();
    return this.reset();
  }

  addFunction(spec) {
    const fn = Object.assign({ namespace: this.namespaces ? this.namespaces[0] : this.defaultNamespace, annotations: {}, labels: {} }, spec);
    fn.script = [...(spec.script || [])];
    fn.invocationCount = 0;
    this.functions.set(`${fn.name}.${fn.namespace}`, fn);
    if (this.namespaces && !this.namespaces.includes(fn.namespace)) this.namespaces.push(fn.namespace);
    return this;
  }

  removeFunction(name, namespace) {
    this.functions.delete(`${name}.${namespace || (this.namespaces ? this.namespaces[0] : this.defaultNamespace)}`);
    return this;
  }

  setFunction(name, namespace, changes) {
    const fn = this.functions.get(`${name}.${namespace || (this.namespaces ? this.namespaces[0] : this.defaultNamespace)}`);
    if (!fn) throw new Error(`no function ${name}`);
    Object.assign(fn, changes);
    if (changes.script) fn.script = [...changes.script];
    return this;
  }

  failSystem(what) {
    if (!what) this.systemFailure = null;
    else if (typeof what === 'number') this.systemFailure = { count: what, status: 503 };
    else this.systemFailure = Object.assign({ status: 503, count: what.until ? Infinity : 1 }, what);
    return this;
  }

  /** invocations of one function (name or name.namespace) */
  invocationsOf(name) {
    return this.invocations.filter((i) => i.qualified === name || i.name === name);
  }

  start(port) {
    return new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => this.handle(req, res));
      server.keepAliveTimeout = 5000;
      server.on('connection', (s) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      server.on('error', reject);
      server.listen(port || 0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        server.on('error', () => undefined);
        this.server = server;
        this.port = server.address().port;
        this.url = `http://127.0.0.1:${this.port}`;
        resolve(this);
      });
    });
  }

  authorized(req) {
    if (this.username === undefined) return true;
    const h = String(req.headers.authorization || '');
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m) return false;
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    return text === `${this.username}:${this.password || ''}`;
  }

  status(fn) {
    return {
      name: fn.name,
      image: `example/${fn.name}:latest`,
      namespace: fn.namespace,
      envProcess: '',
      labels: fn.labels,
      annotations: fn.annotations === undefined ? null : fn.annotations,
      replicas: 1,
      availableReplicas: 1,
      invocationCount: fn.invocationCount,
      createdAt: '2026-11-24T10:00:00Z',
    };
  }

  send(res, answer) {
    const headers = Object.assign({}, answer.headers || {});
    if (answer.retryAfter !== undefined) headers['Retry-After'] = String(answer.retryAfter);
    const body = answer.body === undefined ? '' : typeof answer.body === 'string' || Buffer.isBuffer(answer.body) ? answer.body : JSON.stringify(answer.body);
    if (answer.status === 0) {
      res.socket && res.socket.destroy();
      return;
    }
    headers['Content-Length'] = Buffer.byteLength(body);
    const go = () => {
      try {
        res.writeHead(answer.status, headers);
        res.end(body);
      } catch {
        // client went away
      }
    };
    if (answer.delayMs > 0) this.later(answer.delayMs, go);
    else go();
  }

  later(ms, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url, 'http://peer');
      const path = u.pathname;
      if (path === '/healthz') return this.send(res, { status: 200, body: 'OK' });
      if (path.startsWith('/system/')) return this.system(req, res, u);
      const m = /^\/(function|async-function)\/([^/]+)(\/.*)?$/.exec(path);
      if (m) return this.invoke(req, res, m[1] === 'async-function', decodeURIComponent(m[2]), m[3] || '', body);
      return this.send(res, { status: 404, body: '404 page not found\n' });
    });
  }

  system(req, res, u) {
    const rec = { at: now(), path: u.pathname + u.search, status: 0 };
    this.systemRequests.push(rec);
    const answer = (a) => {
      rec.status = a.status;
      this.send(res, a);
    };
    if (!this.authorized(req)) {
      return answer({ status: 401, headers: { 'WWW-Authenticate': 'Basic realm="Restricted"' }, body: 'invalid credentials' });
    }
    const f = this.systemFailure;
    if (f && f.count > 0) {
      f.count--;
      if (f.count <= 0) this.systemFailure = null;
      return answer({ status: f.status, body: f.body || 'gateway failure', delayMs: f.delayMs });
    }
    if (req.method !== 'GET') return answer({ status: 405 });
    const ns = u.searchParams.get('namespace');
    if (u.pathname === '/system/namespaces') {
      if (!this.namespaces) return answer({ status: 404, body: '404 page not found\n' });
      return answer({ status: 200, headers: { 'Content-Type': 'application/json' }, body: this.namespaces });
    }
    if (u.pathname === '/system/functions') {
      const want = ns || this.defaultNamespace;
      if (this.namespaces && !this.namespaces.includes(want)) {
        return answer({ status: 400, body: `namespace ${want} is not allowed` });
      }
      const list = [...this.functions.values()].filter((fn) => fn.namespace === want).map((fn) => this.status(fn));
      return answer({ status: 200, headers: { 'Content-Type': 'application/json' }, body: list });
    }
    const one = /^\/system\/function\/([^/]+)$/.exec(u.pathname);
    if (one) {
      const fn = this.functions.get(`${decodeURIComponent(one[1])}.${ns || this.defaultNamespace}`);
      return fn ? answer({ status: 200, body: this.status(fn) }) : answer({ status: 404, body: 'not found' });
    }
    return answer({ status: 404, body: '404 page not found\n' });
  }

  resolve(target) {
    if (this.functions.has(target)) return this.functions.get(target);
    return this.functions.get(`${target}.${this.defaultNamespace}`);
  }

  invoke(req, res, async, target, subPath, body) {
    const fn = this.resolve(target);
    let event;
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      event = undefined;
    }
    const inv = {
      seq: this.seq++,
      at: now(),
      name: fn ? fn.name : target.split('.')[0],
      namespace: fn ? fn.namespace : target.split('.').slice(1).join('.'),
      qualified: fn ? `${fn.name}.${fn.namespace}` : target,
      async,
      path: subPath,
      headers: req.headers,
      body: body.toString('utf8'),
      event,
      topic: req.headers['x-topic'],
      status: 0,
    };
    this.invocations.push(inv);
    if (this.protectInvoke && !this.authorized(req)) {
      inv.status = 401;
      return this.send(res, { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="Restricted"' }, body: 'invalid credentials' });
    }
    const callId = String(req.headers['x-call-id'] || crypto.randomUUID());
    const common = { 'X-Call-Id': callId, 'X-Start-Time': String(Date.now() * 1e6) };
    if (async) {
      const cb = req.headers['x-callback-url'];
      if (cb !== undefined) {
        try {
          new URL(String(cb));
        } catch {
          inv.status = 400;
          return this.send(res, { status: 400, body: 'X-Callback-Url is not a valid URL' });
        }
      }
      inv.status = 202;
      this.send(res, { status: 202, headers: common, body: '' });
      // the queue worker: run the function, post its answer to the callback URL
      this.later(5, () => {
        const a = fn ? this.answer(fn, inv) : { status: 404, body: `error finding function ${target}` };
        if (fn) fn.invocationCount++;
        if (cb !== undefined) this.callback(String(cb), a, inv, callId);
      });
      return undefined;
    }
    if (!fn) {
      inv.status = 404;
      return this.send(res, { status: 404, headers: common, body: `error finding function ${target}: not found` });
    }
    fn.invocationCount++;
    const a = this.answer(fn, inv);
    inv.status = a.status;
    return this.send(res, Object.assign({}, a, { headers: Object.assign({}, common, a.headers || {}) }));
  }

  answer(fn, inv) {
    if (fn.script.length > 0) return fn.script.shift();
    if (fn.handler) {
      const a = fn.handler(inv);
      if (a) return a;
    }
    if (fn.answer) return fn.answer;
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { function: fn.name, id: inv.event && inv.event.id, topic: inv.topic },
    };
  }

  callback(url, a, inv, callId) {
    const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
    const req = http.request(url, {
      method: 'POST',
      headers: Object.assign({}, a.headers || {}, {
        'X-Function-Status': String(a.status),
        'X-Function-Name': inv.name,
        'X-Call-Id': callId,
        'X-Duration-Seconds': '0.001',
        'Content-Length': Buffer.byteLength(body),
      }),
    });
    req.on('response', (r) => r.resume());
    req.on('error', () => undefined);
    req.end(body);
    this.callbacks.push({ url, status: a.status, name: inv.name, callId });
  }

  close() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!this.server) return Promise.resolve();
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }
}

async function startOpenFaasPeer(options) {
  const peer = new OpenFaasPeer(options);
  await peer.start(options && options.port);
  return peer;
}

module.exports = { OpenFaasPeer, startOpenFaasPeer, DEFAULT_NS };
