'use strict';
/*
 * The delivery engine against the Knative-Broker-like peer over real sockets: retries and
 * back-off (timestamps measured at the peer), Retry-After, dead letters, ordering under
 * retries, concurrency, and close() that is fast and leaves no handles behind.
 */
const should = require('should');
const net = require('node:net');
const ce = require('../../../dist/lib/cloudevents');
const d = require('../../../dist/lib/http');
const { startKnativePeer } = require('../../support/knative-peer');

const FAST = { backoffDelayMs: 20, maxDelayMs: 200, jitter: 0.2, maxAttempts: 6 };

function event(i, extra) {
  return Object.assign({
    specversion: '1.0', id: String(i), source: 'https://vc.example.com/sdk', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0',
    time: '2026-11-24T10:00:00Z', datacontenttype: 'application/json', data: { Key: i },
  }, extra);
}

function request(peer, ev, encoding) {
  const m = encoding === 'structured' ? ce.toStructured(ev) : ce.toBinary(ev);
  return { url: peer.url, headers: m.headers, body: m.body };
}

function gaps(reqs) {
  const out = [];
  for (let i = 1; i < reqs.length; i++) out.push(reqs[i].at - reqs[i - 1].at);
  return out;
}

function resourceCounts() {
  const counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] || 0) + 1;
  return counts;
}

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

describe('delivery: against the Knative peer', function () {
  this.timeout(20000);
  let peer;
  let delivery;
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);

  before(async function () {
    process.on('unhandledRejection', onUnhandled);
    peer = await startKnativePeer({ path: '/default/default' });
  });
  after(async function () {
    await peer.close();
    process.removeListener('unhandledRejection', onUnhandled);
    unhandled.should.eql([]);
  });
  beforeEach(function () {
    peer.reset();
  });
  afterEach(async function () {
    if (delivery) await delivery.close();
    delivery = undefined;
  });

  it('delivers binary and structured events with 202', async function () {
    delivery = new d.HttpDelivery({ retry: FAST });
    const a = await delivery.deliver(request(peer, event(1), 'binary'));
    const b = await delivery.deliver(request(peer, event(2), 'structured'));
    a.should.match({ ok: true, outcome: 'delivered', statusCode: 202, attempts: 1, bodyExcerpt: '' });
    b.should.match({ ok: true, statusCode: 202, attempts: 1 });
    peer.accepted.map((r) => [r.id, r.mode]).should.eql([['1', 'binary'], ['2', 'structured']]);
  });

  for (const concurrency of [1, 4]) {
    it(`knative sink (concurrency ${concurrency}): an invalid event is a dead letter without a request, the others are delivered`, async function () {
      const { KnativeSink, parseKnativeSettings } = require('../../../dist/lib/sinks');
      const sink = new KnativeSink(parseKnativeSettings({ url: peer.url, concurrency, retries: 0 }, {}, '/test'));
      try {
        const results = await Promise.all([event(1), event(2, { source: '' }), event(3), { hello: 'wrapped' }].map((e) => sink.deliver(e)));
        results.map((r) => r.outcome).should.eql(['delivered', 'dead-letter', 'delivered', 'delivered']);
        results[1].should.match({ attempts: 0, code: 'EINVALIDEVENT' });
        peer.count.should.equal(3);
        peer.accepted.map((r) => r.id).filter((id) => id === '1' || id === '2' || id === '3').sort().should.eql(['1', '3']);
      } finally {
        await sink.close();
      }
    });
  }

  it('a wrong path is a retryable 404 (the Broker may not exist yet), dead-lettered when attempts run out', async function () {
    delivery = new d.HttpDelivery({ retry: Object.assign({}, FAST, { maxAttempts: 3 }) });
    const r = await delivery.deliver(Object.assign(request(peer, event(1)), { url: peer.url.replace('/default/default', '/nope') }));
    r.should.match({ ok: false, outcome: 'dead-letter', statusCode: 404, attempts: 3, retryable: true });
    r.reason.should.equal('HTTP 404 Not Found (gave up after 3 attempts)');
  });

  it('503 for a while, then success: delivered, attempts bounded, back-off respected', async function () {
    const policy = { backoffDelayMs: 25, maxDelayMs: 400, jitter: 0.2, maxAttempts: 20 };
    const failures = [];
    delivery = new d.HttpDelivery({ retry: policy, onAttemptFailed: (f) => failures.push(f) });
    peer.failFor(700, { status: 503 });
    const t0 = Date.now();
    const r = await delivery.deliver(request(peer, event(1)));
    r.should.match({ ok: true, statusCode: 202 });
    const reqs = peer.attemptsFor('1');
    reqs.length.should.equal(r.attempts);
    // waits: 50, 100, 200, 400, 400 ... (minus up to 20 % jitter): ~6 attempts for a 700 ms outage
    r.attempts.should.be.within(4, 8);
    reqs.slice(0, -1).every((q) => q.status === 503).should.be.true();
    reqs[reqs.length - 1].status.should.equal(202);
    gaps(reqs).forEach((g, i) => {
      const expected = Math.min(policy.backoffDelayMs * 2 ** (i + 1), policy.maxDelayMs);
      g.should.be.aboveOrEqual(expected * (1 - policy.jitter) - 5, `gap ${i}`);
      g.should.be.below(expected + 150, `gap ${i}`);
    });
    (Date.now() - t0).should.be.below(2000);
    failures.length.should.equal(r.attempts - 1);
    failures[0].should.match({ attempt: 1, statusCode: 503, reason: 'HTTP 503 Service Unavailable', retryable: true });
    failures[0].nextDelayMs.should.be.within(40, 50);
  });

  it('honours Retry-After in seconds (429)', async function () {
    delivery = new d.HttpDelivery({ retry: { backoffDelayMs: 10, maxDelayMs: 5000, maxAttempts: 3 } });
    peer.script([{ status: 429, retryAfter: 1 }]);
    const r = await delivery.deliver(request(peer, event(1)));
    r.should.match({ ok: true, attempts: 2 });
    const g = gaps(peer.attemptsFor('1'))[0];
    g.should.be.within(990, 1300);
  });

  it('honours Retry-After as an HTTP-date (503)', async function () {
    delivery = new d.HttpDelivery({ retry: { backoffDelayMs: 10, maxDelayMs: 5000, maxAttempts: 3 } });
    // HTTP-dates have 1 s resolution: ask for "now + 2 s", expect a wait of 1-2 s
    peer.script([{ status: 503, retryAfter: new Date(Date.now() + 2000).toUTCString() }]);
    const r = await delivery.deliver(request(peer, event(1)));
    r.should.match({ ok: true, attempts: 2 });
    gaps(peer.attemptsFor('1'))[0].should.be.within(900, 2300);
  });

  it('caps Retry-After at maxDelay', async function () {
    delivery = new d.HttpDelivery({ retry: { backoffDelayMs: 10, maxDelayMs: 150, maxAttempts: 3 } });
    peer.script([{ status: 503, retryAfter: 3600 }]);
    const t0 = Date.now();
    const r = await delivery.deliver(request(peer, event(1)));
    r.should.match({ ok: true, attempts: 2 });
    gaps(peer.attemptsFor('1'))[0].should.be.within(140, 400);
    (Date.now() - t0).should.be.below(1000);
  });

  it('400 goes to the dead letter at once, with the reason and body, and does not block the stream', async function () {
    delivery = new d.HttpDelivery({ retry: FAST });
    peer.when((req) => (req.id === '2' ? { status: 400, body: 'bad event: source' } : undefined));
    const rs = await Promise.all([1, 2, 3].map((i) => delivery.deliver(request(peer, event(i)))));
    rs[0].ok.should.be.true();
    rs[1].should.match({ ok: false, outcome: 'dead-letter', statusCode: 400, attempts: 1, retryable: false, reason: 'HTTP 400 Bad Request', bodyExcerpt: 'bad event: source' });
    rs[2].ok.should.be.true();
    peer.attemptsFor('2').should.have.length(1);
    peer.acceptedIds().should.eql(['1', '3']);
  });

  it('the peer itself answers 400 to a request that is not a CloudEvent', async function () {
    delivery = new d.HttpDelivery({ retry: FAST });
    const r = await delivery.deliver({ url: peer.url, headers: { 'content-type': 'application/json' }, body: '{}' });
    r.should.match({ ok: false, statusCode: 400, attempts: 1, retryable: false });
  });

  for (const [status, retried] of [[401, false], [403, false], [404, true], [408, true], [409, true], [413, false], [425, true], [429, true], [500, true], [501, true], [502, true], [503, true], [504, true]]) {
    it(`Knative table over the wire: ${status} is ${retried ? '' : 'not '}retried`, async function () {
      delivery = new d.HttpDelivery({ retry: { backoffDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
      peer.script([{ status }]);
      const r = await delivery.deliver(request(peer, event(status)));
      if (retried) r.should.match({ ok: true, attempts: 2 });
      else r.should.match({ ok: false, statusCode: status, attempts: 1, retryable: false });
    });
  }

  it('OpenFaaS table over the wire: 501 is final, 502 and 429 are retried', async function () {
    delivery = new d.HttpDelivery({ retryable: d.OPENFAAS_RETRYABLE, retry: { backoffDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
    peer.script([{ status: 501 }, { status: 502 }, { status: 429 }]);
    (await delivery.deliver(request(peer, event(1)))).should.match({ ok: false, statusCode: 501, attempts: 1 });
    (await delivery.deliver(request(peer, event(2)))).should.match({ ok: true, attempts: 3 });
    peer.script([{ status: 404 }]);
    (await delivery.deliver(request(peer, event(3)))).should.match({ ok: false, statusCode: 404, attempts: 1 });
  });

  it('retries a refused connection and dead-letters it with the error code', async function () {
    const s = net.createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    const port = s.address().port;
    await new Promise((r) => s.close(r));
    delivery = new d.HttpDelivery({ retry: { backoffDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 } });
    const r = await delivery.deliver({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '' });
    r.should.match({ ok: false, outcome: 'dead-letter', code: 'ECONNREFUSED', attempts: 4, retryable: true });
    should(r.statusCode).be.undefined();
    r.reason.should.match(/ECONNREFUSED.*\(gave up after 4 attempts\)/);
  });

  it('a request timeout is retried', async function () {
    delivery = new d.HttpDelivery({ requestTimeoutMs: 150, retry: { backoffDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } });
    peer.script([{ status: 202, delayMs: 1000 }]);
    const r = await delivery.deliver(request(peer, event(1)));
    r.should.match({ ok: true, attempts: 2 });
  });

  it('keeps the order under retries (ordered mode), 300 events with an outage mid-stream', async function () {
    delivery = new d.HttpDelivery({ retry: { backoffDelayMs: 5, maxDelayMs: 40, jitter: 0.5, maxAttempts: 50 } });
    // every 7th event fails once or twice, and there is a 300 ms 503 outage after event 100
    const failed = new Map();
    peer.when((req) => {
      const n = Number(req.id);
      if (n === 100 && !peer.outageStarted) {
        peer.outageStarted = true;
        peer.failFor(300, { status: 503 });
        return { status: 503 };
      }
      if (n % 7 === 0 && (failed.get(n) || 0) < 1 + (n % 2)) {
        failed.set(n, (failed.get(n) || 0) + 1);
        return { status: n % 2 ? 429 : 500 };
      }
      return undefined;
    });
    const N = 300;
    const results = await Promise.all(Array.from({ length: N }, (_, i) => delivery.deliver(request(peer, event(i)))));
    results.every((r) => r.ok).should.be.true();
    peer.acceptedIds().should.eql(Array.from({ length: N }, (_, i) => String(i)));
    // ordered mode: never two events on the wire at once
    for (let i = 1; i < peer.requests.length; i++) {
      if (peer.requests[i].id !== peer.requests[i - 1].id) peer.requests[i - 1].status.should.be.within(200, 299);
    }
    Math.max(...results.map((r) => r.attempts)).should.be.below(15);
  });

  it('with concurrency N, up to N requests are on the wire at once', async function () {
    delivery = new d.HttpDelivery({ concurrency: 4, retry: FAST });
    peer.setDefault({ status: 202, delayMs: 50 });
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: 16 }, (_, i) => delivery.deliver(request(peer, event(i)))));
    const took = Date.now() - t0;
    rs.every((r) => r.ok).should.be.true();
    took.should.be.within(190, 600); // 16 / 4 * 50 ms, not 16 * 50 ms
    peer.setDefault({ status: 202 });
  });

  it('exposes its length for backpressure', async function () {
    delivery = new d.HttpDelivery({ retry: FAST });
    peer.setDefault({ status: 202, delayMs: 20 });
    const ps = Array.from({ length: 5 }, (_, i) => delivery.deliver(request(peer, event(i))));
    delivery.length.should.equal(5);
    delivery.inFlight.should.equal(1);
    delivery.pending.should.equal(4);
    await Promise.all(ps);
    delivery.length.should.equal(0);
    await delivery.onIdle();
    peer.setDefault({ status: 202 });
  });

  it('close() aborts in-flight and pending jobs within a second and leaves no handles', async function () {
    await tick(50);
    const baseline = resourceCounts();
    const local = await startKnativePeer();
    local.setDefault({ status: 202, delayMs: 10000 }); // the first request hangs
    const dl = new d.HttpDelivery({ concurrency: 2, retry: { backoffDelayMs: 2000, maxDelayMs: 10000, maxAttempts: 10 } });
    local.script([{ status: 503 }]); // the first job goes into a 4 s back-off wait
    const ps = Array.from({ length: 50 }, (_, i) => dl.deliver(request(local, event(i))));
    await tick(100);
    dl.inFlight.should.equal(2);
    // the check below is meaningful: sockets and timers are open now
    const during = resourceCounts();
    (during.TCPSocketWrap || 0).should.be.above(baseline.TCPSocketWrap || 0);
    (during.Timeout || 0).should.be.above(baseline.Timeout || 0);
    const t0 = Date.now();
    await dl.close();
    const took = Date.now() - t0;
    took.should.be.below(1000);
    const rs = await Promise.all(ps);
    rs.every((r) => r.ok === false && r.outcome === 'closed' && r.reason === 'closed').should.be.true();
    rs[0].attempts.should.equal(1); // was waiting for its retry
    rs[0].statusCode.should.equal(503);
    (await dl.deliver(request(local, event(99)))).outcome.should.equal('closed');
    await local.close();
    await tick(20);
    const after = resourceCounts();
    for (const kind of ['Timeout', 'TCPSocketWrap', 'TCPServerWrap']) {
      (after[kind] || 0).should.be.belowOrEqual(baseline[kind] || 0, `${kind}: before ${JSON.stringify(baseline)}, after ${JSON.stringify(after)}`);
    }
  });

  it('close() is fast even while a retry of a refused connection is pending', async function () {
    const dl = new d.HttpDelivery({ retry: { backoffDelayMs: 5000, maxDelayMs: 30000 } });
    const p = dl.deliver({ url: 'http://127.0.0.1:1/', headers: {}, body: '' });
    await tick(50);
    const t0 = Date.now();
    await dl.close();
    (Date.now() - t0).should.be.below(200);
    (await p).should.match({ ok: false, outcome: 'closed', retryable: true, attempts: 1 });
  });
});
