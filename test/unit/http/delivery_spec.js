'use strict';
/* Unit tests of lib/http: retry policy, retryable tables, queue, and the sender on real sockets. */
const should = require('should');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const d = require('../../../dist/lib/http');

// Self-signed test certificate for 127.0.0.1 / localhost (P-256, valid until 2126).
const CERT = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUSquBPmpmAFISQ+4IFwfBQ3x0gsYwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNDA4MDg1NVoYDzIxMjYxMDMx
MDgwODU1WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAARaSDnZx+phJEIWft7XI4eDoPxuEdKc46rCoc/CWGqgGSGrV8IjJOQT
+baocP5OWQhafjb4KtN6p9rSq4rfgQgpo28wbTAdBgNVHQ4EFgQUgKJ4NLcN2Gd8
MV0nu9mYHfJcTvYwHwYDVR0jBBgwFoAUgKJ4NLcN2Gd8MV0nu9mYHfJcTvYwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwCgYIKoZI
zj0EAwIDSAAwRQIhAP0U8R0taynnhZvH5Kv+oB8k4975HOJ6AGHgUFPOdsIFAiA4
/gS3dW8taepUO+JVloE0h4/zox66zK0EP0irF6P7vA==
-----END CERTIFICATE-----
`;
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIkFoWxwPv+/PJJA5
FDcHGt0Rl5bzzV6smvnbCzm2dSShRANCAARaSDnZx+phJEIWft7XI4eDoPxuEdKc
46rCoc/CWGqgGSGrV8IjJOQT+baocP5OWQhafjb4KtN6p9rSq4rfgQgp
-----END PRIVATE KEY-----
`;

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}
function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if (server.closeAllConnections) server.closeAllConnections();
  });
}
async function freePort() {
  const s = net.createServer();
  const port = await listen(s);
  await closeServer(s);
  return port;
}

describe('delivery: retry policy', function () {
  const policy = d.resolveRetryPolicy({ backoffDelayMs: 100, maxDelayMs: 1000, jitter: 0.2 });

  it('has Knative-like defaults', function () {
    d.resolveRetryPolicy().should.eql({ maxAttempts: 11, backoffDelayMs: 200, maxDelayMs: 30000, jitter: 0.2, honorRetryAfter: true });
  });
  it('clamps nonsense settings', function () {
    d.resolveRetryPolicy({ maxAttempts: 0, backoffDelayMs: -5, maxDelayMs: NaN, jitter: 7 }).should.eql({ maxAttempts: 1, backoffDelayMs: 0, maxDelayMs: 30000, jitter: 1, honorRetryAfter: true });
  });
  it('grows as backoffDelay * 2^n (n = 1, 2, ...) up to maxDelay', function () {
    [1, 2, 3, 4, 5].map((n) => d.backoffDelay(policy, n, () => 0)).should.eql([200, 400, 800, 1000, 1000]);
  });
  it('applies jitter as a reduction of at most `jitter`', function () {
    d.backoffDelay(policy, 1, () => 1).should.equal(160);
    for (let i = 0; i < 200; i++) d.backoffDelay(policy, 2).should.be.within(320, 400);
  });
  it('parses Retry-After seconds and HTTP-dates', function () {
    const now = Date.parse('2026-11-24T10:00:00Z');
    d.parseRetryAfter('5', now).should.equal(5000);
    d.parseRetryAfter(' 0 ', now).should.equal(0);
    d.parseRetryAfter(['3', '9'], now).should.equal(3000);
    d.parseRetryAfter('Tue, 24 Nov 2026 10:00:07 GMT', now).should.equal(7000);
    d.parseRetryAfter('Tuesday, 24-Nov-26 10:00:02 GMT', now).should.equal(2000);
    d.parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now).should.equal(0);
    for (const bad of [undefined, '', '-1', '1.5', 'soon', '12abc']) should(d.parseRetryAfter(bad, now)).be.undefined();
  });
  it('waits the longer of back-off and Retry-After, within maxDelay', function () {
    d.retryDelay(policy, 1, 500, () => 0).should.equal(500);
    d.retryDelay(policy, 1, 50, () => 0).should.equal(200);
    d.retryDelay(policy, 1, 60000, () => 0).should.equal(1000);
    d.retryDelay(Object.assign({}, policy, { honorRetryAfter: false }), 1, 500, () => 0).should.equal(200);
  });
  it('sleep resolves false at once when aborted, and clears its timer', async function () {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = d.sleep(10000, ac.signal);
    setTimeout(() => ac.abort(), 10);
    (await p).should.be.false();
    (Date.now() - t0).should.be.below(500);
    (await d.sleep(5)).should.be.true();
    (await d.sleep(5, AbortSignal.abort())).should.be.false();
  });
});

describe('delivery: retryable status tables', function () {
  const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  it('Knative: 404, 408, 409, 425, 429 and 5xx', function () {
    range(100, 599).filter((s) => d.isRetryableStatus(d.KNATIVE_RETRYABLE, s)).should.eql([404, 408, 409, 425, 429].concat(range(500, 599)));
    d.KNATIVE_RETRYABLE.transportErrors.should.be.true();
    d.describeRetryable(d.KNATIVE_RETRYABLE).should.equal('transport errors, 404, 408, 409, 425, 429, 5xx');
  });
  it('OpenFaaS: 429 and 5xx except 501', function () {
    range(100, 599).filter((s) => d.isRetryableStatus(d.OPENFAAS_RETRYABLE, s)).should.eql([429, 500].concat(range(502, 599)));
    d.describeRetryable(d.OPENFAAS_RETRYABLE).should.equal('transport errors (except TLS certificate errors), 429, 5xx except 501');
  });
  it('tables are frozen', function () {
    Object.isFrozen(d.KNATIVE_RETRYABLE).should.be.true();
    Object.isFrozen(d.KNATIVE_RETRYABLE.statusCodes).should.be.true();
  });
});

describe('delivery: DeliveryQueue', function () {
  const ok = (extra) => Object.assign({ ok: true, outcome: 'delivered', statusCode: 202, bodyExcerpt: '', headers: {}, attempts: 1, durationMs: 0 }, extra);
  const tick = (ms) => new Promise((r) => setTimeout(r, ms));

  it('runs one job at a time in order by default', async function () {
    const q = new d.DeliveryQueue();
    const log = [];
    let running = 0;
    let maxRunning = 0;
    const job = (i) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push('start ' + i);
      await tick(i % 3);
      log.push('end ' + i);
      running--;
      return ok({ statusCode: 200 + i });
    };
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => q.push(job(i))));
    results.map((r) => r.statusCode).should.eql([200, 201, 202, 203, 204]);
    maxRunning.should.equal(1);
    log.should.eql(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3', 'start 4', 'end 4']);
    q.length.should.equal(0);
  });

  it('runs up to `concurrency` jobs, started in order, and exposes its length', async function () {
    const q = new d.DeliveryQueue({ concurrency: 3 });
    const started = [];
    let running = 0;
    let maxRunning = 0;
    const ps = [];
    for (let i = 0; i < 10; i++) {
      ps.push(q.push(async () => {
        started.push(i);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(5);
        running--;
        return ok();
      }));
    }
    q.length.should.equal(10);
    q.inFlight.should.equal(3);
    q.pending.should.equal(7);
    await Promise.all(ps);
    maxRunning.should.equal(3);
    started.should.eql([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await q.onIdle();
  });

  it('never rejects: a throwing or rejecting job becomes a dead letter', async function () {
    const q = new d.DeliveryQueue();
    const a = await q.push(() => { throw new Error('boom'); });
    a.should.match({ ok: false, outcome: 'dead-letter', retryable: false });
    a.reason.should.match(/boom/);
    const b = await q.push(() => Promise.reject(new Error('bang')));
    b.reason.should.match(/bang/);
    (await q.push(async () => ok())).ok.should.be.true();
  });

  it('answers "queue full" beyond maxQueued', async function () {
    const q = new d.DeliveryQueue({ maxQueued: 2 });
    const slow = () => tick(20).then(() => ok());
    const ps = [q.push(slow), q.push(slow), q.push(slow), q.push(slow)];
    const rs = await Promise.all(ps);
    rs.map((r) => r.ok).should.eql([true, true, true, false]);
    rs[3].should.match({ outcome: 'dead-letter', code: 'EQUEUEFULL', retryable: true, attempts: 0 });
  });

  it('close() resolves waiting jobs "closed" at once and aborts the one in flight', async function () {
    const q = new d.DeliveryQueue();
    let sawAbort = false;
    const inflight = q.push((signal) => new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        sawAbort = true;
        resolve({ ok: false, outcome: 'closed', reason: 'closed', attempts: 1, retryable: true, durationMs: 0 });
      });
    }));
    const waiting = [q.push(async () => ok()), q.push(async () => ok())];
    await tick(5);
    const t0 = Date.now();
    await q.close();
    (Date.now() - t0).should.be.below(100);
    sawAbort.should.be.true();
    (await inflight).outcome.should.equal('closed');
    for (const r of await Promise.all(waiting)) r.should.match({ ok: false, outcome: 'closed', reason: 'closed', retryable: true });
    (await q.push(async () => ok())).outcome.should.equal('closed');
    q.length.should.equal(0);
  });

  it('close() gives up on a job that ignores the abort after the grace period', async function () {
    const q = new d.DeliveryQueue();
    let release;
    q.push(() => new Promise((resolve) => { release = () => resolve(ok()); }));
    await tick(1);
    const t0 = Date.now();
    await q.close(100);
    (Date.now() - t0).should.be.within(80, 400);
    release();
  });
});

describe('delivery: HttpSender on real sockets', function () {
  this.timeout(10000);
  let server;
  let port;
  let handler;
  before(async function () {
    server = http.createServer((req, res) => handler(req, res));
    port = await listen(server);
  });
  after(async function () {
    await closeServer(server);
  });

  it('returns status, headers and a bounded body excerpt', async function () {
    handler = (req, res) => {
      req.resume();
      res.writeHead(200, { 'x-call-id': 'abc' });
      res.end('x'.repeat(5000));
    };
    const s = new d.HttpSender({ responseBodyLimit: 100 });
    const out = await s.send({ url: `http://127.0.0.1:${port}/f`, body: 'hi' });
    out.should.match({ kind: 'response', statusCode: 200, statusText: 'OK', bodyTruncated: true });
    out.body.should.have.length(100);
    out.headers['x-call-id'].should.equal('abc');
    await s.close();
  });

  it('reuses keep-alive connections for sequential requests to one origin', async function () {
    const sockets = new Set();
    handler = (req, res) => {
      sockets.add(req.socket);
      req.resume();
      res.end();
    };
    const s = new d.HttpSender();
    for (let i = 0; i < 50; i++) (await s.send({ url: `http://127.0.0.1:${port}/` })).statusCode.should.equal(200);
    // undici's Pool may open a second socket while the first is finishing its response
    sockets.size.should.be.within(1, 2);
    await s.close();
  });

  it('drops, rather than drains, a huge answer', async function () {
    handler = (req, res) => {
      req.resume();
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 97);
      let n = 0;
      const write = () => {
        while (n < 200 && res.write(chunk)) n++;
        if (n < 200) res.once('drain', write);
        else res.end();
      };
      write();
      res.on('error', () => undefined);
    };
    const s = new d.HttpSender({ responseDrainLimit: 256 * 1024 });
    const out = await s.send({ url: `http://127.0.0.1:${port}/` });
    out.statusCode.should.equal(200);
    out.bodyTruncated.should.be.true();
    await s.close();
  });

  it('sends basic auth from URL credentials and the user agent', async function () {
    let seen;
    handler = (req, res) => {
      seen = req.headers;
      req.resume();
      res.end();
    };
    const s = new d.HttpSender({ userAgent: 'node-red-vmware-test' });
    await s.send({ url: `http://us%40er:p%3Ass@127.0.0.1:${port}/` });
    seen.authorization.should.equal('Basic ' + Buffer.from('us@er:p:ss').toString('base64'));
    seen['user-agent'].should.equal('node-red-vmware-test');
    await s.send({ url: `http://u:p@127.0.0.1:${port}/`, headers: { Authorization: 'Bearer t' } });
    seen.authorization.should.equal('Bearer t');
    await s.close();
  });

  it('times out a request whose answer never comes', async function () {
    handler = (req) => req.resume(); // never answers
    const s = new d.HttpSender({ requestTimeoutMs: 150 });
    const t0 = Date.now();
    const out = await s.send({ url: `http://127.0.0.1:${port}/` });
    out.should.match({ kind: 'error', error: { kind: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT' } });
    out.error.message.should.match(/^request timed out after 150 ms/);
    (Date.now() - t0).should.be.within(100, 1000);
    await s.close();
  });

  it('times out a connect that never completes (TLS handshake against a silent socket)', async function () {
    const conns = new Set();
    const silent = net.createServer((c) => conns.add(c));
    const p = await listen(silent);
    const s = new d.HttpSender({ connectTimeoutMs: 150 });
    const out = await s.send({ url: `https://127.0.0.1:${p}/` });
    out.should.match({ kind: 'error', error: { kind: 'timeout', code: 'UND_ERR_CONNECT_TIMEOUT' } });
    // undici's connect timer has a coarse (~0.5-1 s) resolution
    out.durationMs.should.be.below(2500);
    await s.close();
    for (const c of conns) c.destroy();
    await closeServer(silent);
  });

  it('reports a refused connection as a network error', async function () {
    const s = new d.HttpSender();
    const out = await s.send({ url: `http://127.0.0.1:${await freePort()}/` });
    out.should.match({ kind: 'error', error: { kind: 'network', code: 'ECONNREFUSED' } });
    await s.close();
  });

  it('rejects invalid requests without sending', async function () {
    const s = new d.HttpSender();
    (await s.send({ url: 'not a url' })).should.match({ kind: 'error', error: { kind: 'invalid-request' } });
    (await s.send({ url: 'ftp://127.0.0.1/' })).should.match({ kind: 'error', error: { kind: 'invalid-request' } });
    (await s.send({ url: `http://127.0.0.1:${port}/`, headers: { 'ce-subject': 'Zürich €' } })).should.match({ kind: 'error', error: { kind: 'invalid-request' } });
    await s.close();
  });

  it("ends every request in flight under an aborted signal at once, with one listener per signal", async function () {
    const { getEventListeners } = require('node:events');
    handler = (req) => req.resume(); // never answers
    const s = new d.HttpSender();
    const ac = new AbortController();
    const sends = [1, 2, 3].map(() => s.send({ url: `http://127.0.0.1:${port}/` }, ac.signal));
    getEventListeners(ac.signal, 'abort').should.have.length(1);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    ac.abort();
    for (const out of await Promise.all(sends)) out.should.match({ kind: 'error', error: { kind: 'closed', code: 'EABORTED' } });
    (Date.now() - t0).should.be.below(200);
    s.inFlight.should.equal(0);
    await s.close();
  });

  it('answers "closed" after close()', async function () {
    const s = new d.HttpSender();
    await s.close();
    (await s.send({ url: `http://127.0.0.1:${port}/` })).should.match({ kind: 'error', error: { kind: 'closed' } });
    await s.close(); // idempotent
  });

  describe('TLS', function () {
    let tls;
    let tlsPort;
    before(async function () {
      tls = https.createServer({ cert: CERT, key: KEY }, (req, res) => {
        req.resume();
        res.writeHead(202);
        res.end();
      });
      tlsPort = await listen(tls);
    });
    after(async function () {
      await closeServer(tls);
    });

    it('refuses an untrusted certificate', async function () {
      const s = new d.HttpSender();
      const out = await s.send({ url: `https://127.0.0.1:${tlsPort}/` });
      out.should.match({ kind: 'error', error: { kind: 'tls' } });
      out.error.code.should.match(/SELF_SIGNED|UNABLE_TO_VERIFY/);
      await s.close();
    });
    it('accepts it with insecureSSL', async function () {
      const s = new d.HttpSender({ insecureSSL: true });
      (await s.send({ url: `https://127.0.0.1:${tlsPort}/` })).statusCode.should.equal(202);
      await s.close();
    });
    it('accepts it with a custom CA', async function () {
      const s = new d.HttpSender({ ca: CERT });
      (await s.send({ url: `https://localhost:${tlsPort}/` })).statusCode.should.equal(202);
      await s.close();
    });
    it('retries TLS errors for Knative, not for OpenFaaS', async function () {
      const s = new d.HttpSender();
      const url = `https://127.0.0.1:${tlsPort}/`;
      const retry = { maxAttempts: 3, backoffDelayMs: 1, maxDelayMs: 5 };
      const k = await d.deliverWithRetry(s, { url }, { retry, retryable: d.KNATIVE_RETRYABLE });
      k.should.match({ ok: false, outcome: 'dead-letter', attempts: 3, retryable: true });
      const o = await d.deliverWithRetry(s, { url }, { retry, retryable: d.OPENFAAS_RETRYABLE });
      o.should.match({ ok: false, outcome: 'dead-letter', attempts: 1, retryable: false });
      o.code.should.match(/SELF_SIGNED|UNABLE_TO_VERIFY/);
      await s.close();
    });
  });
});
