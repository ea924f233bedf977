'use strict';
/**
 * A Knative-Broker-like CloudEvents receiver for tests and benchmarks. Real HTTP on 127.0.0.1.
 *
 * Like a Broker ingress (knative/eventing pkg/broker/ingress): POST only (405 otherwise, with
 * `Allow: POST, OPTIONS`), `OPTIONS` answers 200 with the webhook headers, a request that is
 * not a CloudEvent (binary without the four required ce- headers, structured body that is not
 * a JSON object with them) gets 400, a healthy answer is 202 with an empty body.
 *
 * Scriptable failures, checked in this order for each POST:
 *   peer.script([{status: 503}, {status: 429, retryAfter: 1}, ...])  one answer per request, FIFO
 *   peer.when((req) => answer | undefined)                           a rule per request
 *   peer.failFor(ms, {status: 503, retryAfter})                       every request during a window
 *   peer.setDefault({status: 202, delayMs})                           the rest
 * An answer is {status, headers?, body?, retryAfter? (seconds or a string), delayMs?}.
 *
 * Records every request: peer.requests[i] = {seq, at, method, path, headers, body (Buffer),
 * id, mode, status}; `at` is a ms timestamp (performance.timeOrigin + performance.now()).
 * peer.accepted holds the 2xx ones. `record: false` keeps counters only (benchmarks).
 *
 * Standalone (child process for benchmarks): `node test/support/knative-peer.js` starts one,
 * sends {url} over IPC (or prints it), answers {cmd:'stats'} with counters, exits on {cmd:'stop'}.
 */
const http = require('node:http');

const REQUIRED = ['ce-specversion', 'ce-id', 'ce-source', 'ce-type'];

function now() {
  return performance.timeOrigin + performance.now();
}

function inspect(headers, body) {
  const ct = String(headers['content-type'] || '').toLowerCase();
  if (ct.startsWith('application/cloudevents-batch')) {
    return { mode: 'batch', error: 'batched mode was not solicited' };
  }
  if (ct.startsWith('application/cloudevents')) {
    let obj;
    try {
      obj = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return { mode: 'structured', error: 'body is not JSON: ' + err.message };
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { mode: 'structured', error: 'not an object' };
    for (const a of ['specversion', 'id', 'source', 'type']) {
      if (typeof obj[a] !== 'string' || obj[a] === '') return { mode: 'structured', id: obj.id, error: 'missing ' + a };
    }
    if (obj.specversion !== '1.0') return { mode: 'structured', id: obj.id, error: 'bad specversion' };
    return { mode: 'structured', id: obj.id };
  }
  for (const h of REQUIRED) {
    if (typeof headers[h] !== 'string' || headers[h] === '') return { mode: 'binary', id: headers['ce-id'], error: 'missing ' + h };
  }
  if (headers['ce-specversion'] !== '1.0') return { mode: 'binary', id: headers['ce-id'], error: 'bad specversion' };
  return { mode: 'binary', id: headers['ce-id'] };
}

class KnativePeer {
  constructor(options = {}) {
    this.path = options.path || null;
    this.validate = options.validate !== false;
    this.record = options.record !== false;
    this.defaultAnswer = Object.assign({ status: 202 }, options.default || {});
    this.server = null;
    this.url = null;
    this.port = 0;
    this.timers = new Set();
    this.reset();
  }

  reset() {
    this.requests = [];
    this.accepted = [];
    this.count = 0;
    this.acceptedCount = 0;
    this.acceptedTarget = 0;
    this.onTarget = null;
    this.bytes = 0;
    this.scripted = [];
    this.rule = null;
    this.outage = null;
    this.seq = 0;
    return this;
  }

  script(answers) {
    this.scripted.push(...answers);
    return this;
  }

  when(fn) {
    this.rule = fn;
    return this;
  }

  failFor(ms, answer) {
    this.outage = { until: now() + ms, answer: Object.assign({ status: 503 }, answer || {}) };
    return this;
  }

  setDefault(answer) {
    this.defaultAnswer = Object.assign({ status: 202 }, answer);
    return this;
  }

  /**
   * Resolves with the wall-clock time (ms, sub-millisecond precision) at which the n-th 2xx
   * answer was given (benchmarks: the end of a drain as the receiver saw it).
   */
  whenAccepted(n) {
    if (this.acceptedCount >= n) return Promise.resolve(performance.timeOrigin + performance.now());
    return new Promise((resolve) => {
      this.acceptedTarget = n;
      this.onTarget = resolve;
    });
  }

  /** Requests that carried this event id, in arrival order. */
  attemptsFor(id) {
    return this.requests.filter((r) => r.id === id);
  }

  /** Ids of accepted events, in arrival order. */
  acceptedIds() {
    return this.accepted.map((r) => r.id);
  }

  start(port) {
    return new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => this.handle(req, res));
      server.keepAliveTimeout = 5000;
      server.on('error', reject);
      server.listen(port || 0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        server.on('error', () => undefined);
        this.server = server;
        this.port = server.address().port;
        this.url = `http://127.0.0.1:${this.port}${this.path || '/'}`;
        resolve(this);
      });
    });
  }

  choose(request) {
    if (this.scripted.length > 0) return this.scripted.shift();
    if (this.rule) {
      const a = this.rule(request);
      if (a) return a;
    }
    if (this.outage) {
      if (request.at < this.outage.until) return this.outage.answer;
      this.outage = null;
    }
    if (this.validate && request.error) return { status: 400, body: '' };
    return this.defaultAnswer;
  }

  handle(req, res) {
    res.setHeader('Allow', 'POST, OPTIONS');
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'WebHook-Allowed-Origin': '*', 'WebHook-Allowed-Rate': '*' });
      res.end();
      req.resume();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405);
      res.end();
      req.resume();
      return;
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const at = now();
      const path = req.url;
      const info = this.validate || this.record ? inspect(req.headers, body) : { mode: 'binary', id: req.headers['ce-id'] };
      const request = {
        seq: this.seq++,
        at,
        method: req.method,
        path,
        headers: req.headers,
        body,
        id: info.id,
        mode: info.mode,
        error: info.error,
        status: 0,
      };
      let answer;
      if (this.path && path.split('?')[0].replace(/\/$/, '') !== this.path.replace(/\/$/, '')) {
        answer = { status: 404 };
      } else {
        answer = this.choose(request);
      }
      request.status = answer.status;
      this.count++;
      this.bytes += body.length;
      if (answer.status >= 200 && answer.status < 300 && ++this.acceptedCount === this.acceptedTarget) {
        const done = this.onTarget;
        this.onTarget = null;
        this.acceptedTarget = 0;
        if (done) done(performance.timeOrigin + performance.now());
      }
      if (this.record) {
        this.requests.push(request);
        if (answer.status >= 200 && answer.status < 300) this.accepted.push(request);
      }
      const send = () => {
        const headers = Object.assign({}, answer.headers || {});
        if (answer.retryAfter !== undefined) headers['Retry-After'] = String(answer.retryAfter);
        const payload = answer.body || '';
        headers['Content-Length'] = Buffer.byteLength(payload);
        try {
          res.writeHead(answer.status, headers);
          res.end(payload);
        } catch {
          // client went away
        }
      };
      if (answer.delayMs > 0) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          send();
        }, answer.delayMs);
        this.timers.add(t);
      } else {
        send();
      }
    });
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
    });
  }
}

async function startKnativePeer(options) {
  const peer = new KnativePeer(options);
  await peer.start(options && options.port);
  return peer;
}

module.exports = { KnativePeer, startKnativePeer, inspect };

if (require.main === module) {
  const record = !process.argv.includes('--no-record');
  startKnativePeer({ record }).then((peer) => {
    const stop = () => peer.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    if (process.send) {
      process.on('message', (m) => {
        if (m && m.cmd === 'stats') process.send({ stats: { count: peer.count, accepted: peer.acceptedCount, bytes: peer.bytes } });
        else if (m && m.cmd === 'reset') {
          peer.reset();
          process.send({ reset: true });
        } else if (m && m.cmd === 'stop') stop();
      });
      process.on('disconnect', stop);
      process.send({ url: peer.url });
    } else {
      process.stdout.write(JSON.stringify({ url: peer.url }) + '\n');
    }
  });
}
