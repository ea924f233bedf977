'use strict';
/*
 * lib/horizon: settings, checkpoint, CloudEvent mapping, the REST client and the reader, against
 * the Horizon peer (test/support/horizon-peer.js: real HTTP/HTTPS, expiring tokens, newest-first
 * paging with HAS_MORE_RECORDS).
 */
const should = require('should');
const {
  auditEventToCloudEvent,
  checkpointOf,
  compareIds,
  HorizonClient,
  HorizonError,
  HorizonPositionTracker,
  HorizonReader,
  horizonBaseUrl,
  horizonEventType,
  parseHorizonSettings,
  readHorizonCheckpoint,
  betweenFilter,
} = require('../../../dist/lib/horizon');
const { startHorizonPeer } = require('../../support/horizon-peer');

const quiet = { info() {}, warn() {} };

function clientFor(peer, extra = {}) {
  return new HorizonClient({ baseUrl: peer.url, domain: peer.domain, username: peer.username, password: peer.password, ...extra });
}

/** Run a reader until `until()` holds; returns what it handed on. */
async function runReader(opts, until, timeoutMs = 20000) {
  const got = [];
  const statuses = [];
  let started;
  const reader = new HorizonReader({
    pollIntervalMs: 20,
    idleBackoffMs: [20, 40],
    errorBackoffMinMs: 20,
    errorBackoffMaxMs: 100,
    loginBackoffMinMs: 50,
    loginBackoffMaxMs: 100,
    log: quiet,
    onStatus: (s) => statuses.push(s),
    onStart: (p) => (started = p),
    ...opts,
    onEvent: (ev, id) => {
      got.push({ id, time: ev.time, ev });
      return opts.onEvent ? opts.onEvent(ev, id) : undefined;
    },
  });
  reader.start();
  const t0 = Date.now();
  while (!until(got, statuses)) {
    if (Date.now() - t0 > timeoutMs) {
      await reader.close();
      throw new Error(`timed out with ${got.length} events; last status ${JSON.stringify(statuses[statuses.length - 1])}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await reader.close();
  return { got, statuses, reader, started };
}

function assertExactlyOnceInOrder(got, posted) {
  const want = posted.slice().sort((a, b) => a.time - b.time || a.id - b.id).map((e) => String(e.id));
  const ids = got.map((g) => g.id);
  new Set(ids).size.should.equal(ids.length, 'duplicates');
  ids.should.eql(want);
}

describe('lib/horizon basics', () => {
  it('normalizes the address', () => {
    horizonBaseUrl('horizon.example.com').should.equal('https://horizon.example.com');
    horizonBaseUrl(' https://Horizon.Example.com:8443/ ').should.equal('https://horizon.example.com:8443');
    horizonBaseUrl('https://h.example.com/rest/').should.equal('https://h.example.com');
    horizonBaseUrl('http://127.0.0.1:8080').should.equal('http://127.0.0.1:8080');
    horizonBaseUrl('h.example.com:443').should.equal('https://h.example.com');
    for (const bad of ['', ' ', 'ftp://h', 'https://u:p@h', 'https://h/?x=1', 'https://h/#f', null, 5]) {
      should.throws(() => horizonBaseUrl(bad), String(bad));
    }
  });

  it('parses settings with defaults and refuses bad values', () => {
    parseHorizonSettings({ address: 'h.example.com' }).should.eql({
      baseUrl: 'https://h.example.com', insecureSSL: false, checkpointStore: '', checkpointPeriod: 10,
      delivery: 'acknowledged', maxInFlight: 100,
    });
    parseHorizonSettings({ address: 'h', insecureSSL: true, checkpointStore: ' file ', checkpointPeriod: '2', delivery: 'sent', maxInFlight: '7' })
      .should.containEql({ insecureSSL: true, checkpointStore: 'file', checkpointPeriod: 2, delivery: 'sent', maxInFlight: 7 });
    should.throws(() => parseHorizonSettings({ address: 'h', delivery: 'maybe' }), /delivery/);
    should.throws(() => parseHorizonSettings({ address: 'h', checkpointPeriod: 0 }), /checkpointPeriod/);
    should.throws(() => parseHorizonSettings({ address: 'h', maxInFlight: 1.5 }), /maxInFlight/);
  });

  it('maps an audit event to a CloudEvent, keeping milliseconds and the snake_case data', () => {
    const ev = { id: 4711, type: 'BROKER_UserLoggedIn', severity: 'INFO', module: 'Broker', time: 1700000000123, message: 'm', user_id: 'S-1', machine_dns_name: 'cs1' };
    auditEventToCloudEvent(ev, 'https://h.example.com').should.eql({
      specversion: '1.0', id: '4711', source: 'https://h.example.com', type: 'com.vmware.horizon.broker_userloggedin.v0',
      time: '2023-11-14T22:13:20.123Z', datacontenttype: 'application/json', data: ev,
    });
    horizonEventType(undefined).should.equal('com.vmware.horizon.unknown.v0');
    horizonEventType('VLSI_USERLOGGEDIN').should.equal('com.vmware.horizon.vlsi_userloggedin.v0');
  });

  it('tracks positions with every id at the last millisecond, and reads stored checkpoints', () => {
    const t = new HorizonPositionTracker();
    t.advance({ id: '1', time: 10 });
    t.advance({ id: '2', time: 10 });
    t.advance({ id: '2', time: 10 }).should.eql({ time: 10, ids: ['1', '2'] });
    t.advance({ id: '3', time: 11 }).should.eql({ time: 11, ids: ['3'] });
    const cp = checkpointOf(t.current, 'https://h');
    cp.should.containEql({ horizon: 'https://h', time: 11, ids: ['3'], lastEventTime: '1970-01-01T00:00:00.011Z' });
    readHorizonCheckpoint(cp, 'https://h').should.eql({ position: { time: 11, ids: ['3'] } });
    readHorizonCheckpoint(JSON.stringify({ time: 5, ids: [1, '2'] }), 'https://h').should.eql({ position: { time: 5, ids: ['1', '2'] } });
    readHorizonCheckpoint(undefined, 'https://h').should.eql({});
    readHorizonCheckpoint({ time: 'x', ids: [] }, 'https://h').problem.should.match(/time/);
    readHorizonCheckpoint({ time: 1 }, 'https://h').problem.should.match(/ids/);
    readHorizonCheckpoint('{', 'https://h').problem.should.match(/JSON/);
    readHorizonCheckpoint({ horizon: 'https://other', time: 1, ids: [] }, 'https://h').problem.should.match(/belongs to/);
  });

  it('orders ids numerically (beyond 2^53 too), text otherwise', () => {
    ['10', '9', '100', '-1'].sort(compareIds).should.eql(['-1', '9', '10', '100']);
    compareIds('9007199254740993', '9007199254740992').should.equal(1);
    compareIds('b', 'a').should.equal(1);
  });
});

describe('lib/horizon client against the Horizon peer', function () {
  this.timeout(20000);
  let peer;
  before(async () => {
    peer = await startHorizonPeer({});
  });
  after(async () => peer && peer.stop());
  beforeEach(() => peer.reset());

  it('logs in, pages newest first with HAS_MORE_RECORDS, logs out on close', async () => {
    const posted = peer.burst({ count: 25, perMs: 4 });
    const c = clientFor(peer);
    const filter = betweenFilter(0, Date.now() + 86400000);
    const p1 = await c.auditEvents({ filter, page: 1, size: 10 });
    p1.hasMore.should.be.true();
    p1.events.length.should.equal(10);
    p1.events[0].id.should.equal(posted[24].id);
    const p3 = await c.auditEvents({ filter, page: 3, size: 10 });
    p3.hasMore.should.be.false();
    p3.events.length.should.equal(5);
    const all = await c.auditEvents({ filter });
    all.events.length.should.equal(25);
    c.stats.logins.should.equal(1);
    peer.liveSessions().should.equal(1);
    await c.close();
    peer.stats.logout.should.equal(1);
    peer.liveSessions().should.equal(0);
    await c.auditEvents({}).should.be.rejectedWith(HorizonError, { kind: 'closed' });
  });

  it('refreshes an expired access token on 401, logs in again when the refresh token is refused (400)', async () => {
    peer.post([{}, {}]);
    const c = clientFor(peer);
    (await c.auditEvents({ page: 1, size: 5 })).events.length.should.equal(2);
    peer.expireAccessTokens();
    (await c.auditEvents({ page: 1, size: 5 })).events.length.should.equal(2);
    c.stats.should.containEql({ logins: 1, refreshes: 1, unauthorized: 1 });
    peer.expireAccessTokens();
    peer.expireRefreshTokens();
    (await c.auditEvents({ page: 1, size: 5 })).events.length.should.equal(2);
    c.stats.should.containEql({ logins: 2, refreshes: 1, refreshRefused: 1, unauthorized: 2 });
    peer.stats.should.containEql({ login: 2, refresh: 2, refreshRefused: 1 });
    await c.close();
  });

  it('reports refused credentials, 409 and unreachable servers as typed errors', async () => {
    const bad = new HorizonClient({ baseUrl: peer.url, domain: 'CORP', username: 'x', password: 'y' });
    const err = await bad.auditEvents({}).catch((e) => e);
    err.should.be.instanceOf(HorizonError);
    err.kind.should.equal('login');
    err.status.should.equal(401);
    await bad.close();
    peer.dbConfigured = false;
    const c = clientFor(peer);
    const e409 = await c.auditEvents({}).catch((e) => e);
    e409.kind.should.equal('http');
    e409.status.should.equal(409);
    e409.message.should.match(/database/);
    await c.close();
    const down = new HorizonClient({ baseUrl: 'http://127.0.0.1:1', domain: 'd', username: 'u', password: 'p', connectTimeoutMs: 500 });
    (await down.auditEvents({}).catch((e) => e)).kind.should.equal('transport');
    await down.close();
    await clientFor(peer).auditEvents({ page: 1, size: 1001 }).should.be.rejectedWith({ kind: 'protocol' });
  });

  it('speaks HTTPS: refuses a self-signed certificate unless insecureSSL', async () => {
    const tlsPeer = await startHorizonPeer({ tls: true });
    try {
      tlsPeer.post([{}]);
      const strict = clientFor(tlsPeer);
      const e = await strict.auditEvents({}).catch((x) => x);
      e.kind.should.equal('transport');
      e.message.should.match(/certificate|self.signed|DEPTH_ZERO/i);
      await strict.close();
      const lax = clientFor(tlsPeer, { insecureSSL: true });
      (await lax.auditEvents({})).events.length.should.equal(1);
      await lax.close();
    } finally {
      await tlsPeer.stop();
    }
  });
});

describe('lib/horizon reader against the Horizon peer', function () {
  this.timeout(60000);
  let peer;
  before(async () => {
    peer = await startHorizonPeer({});
  });
  after(async () => peer && peer.stop());
  beforeEach(() => peer.reset());

  it('without a position starts after the newest event (all ids at its millisecond) and reports it', async () => {
    const old = peer.burst({ count: 6, perMs: 3 });
    const client = clientFor(peer);
    let posted;
    const { got, started } = await runReader({ client }, (g, s) => {
      if (posted === undefined && s.some((x) => x.state === 'connected')) posted = peer.burst({ count: 5, perMs: 2 });
      return g.length >= 5;
    });
    started.should.eql({ time: old[5].time, ids: [String(old[5].id), String(old[4].id), String(old[3].id)] });
    assertExactlyOnceInOrder(got, posted);
    await client.close();
  });

  it('reads a backlog far beyond one window exactly once in time order (narrowing, bounded memory)', async () => {
    const client = clientFor(peer);
    const start = { time: 0, ids: [] };
    const posted = [];
    for (let i = 0; i < 10; i++) posted.push(...peer.burst({ count: 300, perMs: 1 + (i % 4) }));
    let maxWindow = 0;
    const counting = {
      auditEvents: async (q, signal) => {
        const r = await client.auditEvents(q, signal);
        maxWindow = Math.max(maxWindow, q.page || 0);
        return r;
      },
    };
    const { got, reader } = await runReader({ client: counting, position: start, pageSize: 100, maxPagesPerPoll: 3 }, (g) => g.length >= 3000);
    assertExactlyOnceInOrder(got, posted);
    got.map((g) => g.ev).should.eql(posted.slice().sort((a, b) => a.time - b.time || a.id - b.id));
    maxWindow.should.be.belowOrEqual(3); // never more than maxPagesPerPoll pages held at once
    reader.currentPosition.time.should.equal(posted[posted.length - 1].time);
    await client.close();
  });

  it('reads more events at one millisecond than a window holds, and resumes inside a millisecond', async () => {
    const client = clientFor(peer);
    const a = peer.post([{ time: 5000 }, { time: 5000 }]);
    const b = peer.post(Array.from({ length: 450 }, () => ({ time: 6000 })));
    const c = peer.post([{ time: 6001 }]);
    // resume with one of the events at 5000 already passed
    const { got } = await runReader(
      { client, position: { time: 5000, ids: [String(a[0].id)] }, pageSize: 100, maxPagesPerPoll: 2 },
      (g) => g.length >= 452,
    );
    assertExactlyOnceInOrder(got, [a[1], ...b, ...c]);
    await client.close();
  });

  it('misses nothing when events arrive while it pages (newest-first shifts are duplicates, dropped)', async () => {
    const client = clientFor(peer);
    const posted = peer.burst({ count: 500, perMs: 2 });
    let calls = 0;
    const meddling = {
      auditEvents: async (q, signal) => {
        const r = await client.auditEvents(q, signal);
        // after every page, new events land at the front (newest first)
        if (q.page !== undefined && ++calls < 40) posted.push(...peer.burst({ count: 7, perMs: 3 }));
        return r;
      },
    };
    const { got } = await runReader({ client: meddling, position: { time: 0, ids: [] }, pageSize: 50, maxPagesPerPoll: 4 }, (g) => g.length >= posted.length && calls >= 40);
    await new Promise((r) => setTimeout(r, 100));
    assertExactlyOnceInOrder(got, posted);
    await client.close();
  });

  it('recovers from errors with back-off and reports them: 409, refused login, server down', async () => {
    const client = clientFor(peer);
    peer.dbConfigured = false;
    peer.post([{}]);
    let fixed = false;
    const { got, statuses } = await runReader({ client }, (g, s) => {
      if (!fixed && s.filter((x) => x.state === 'reconnecting').length >= 2) {
        fixed = true;
        peer.dbConfigured = true;
        setTimeout(() => peer.post([{}, {}]), 100);
      }
      return g.length >= 2;
    });
    statuses.find((s) => s.state === 'reconnecting').reason.should.match(/409/);
    got.length.should.equal(2);
    await client.close();

    const bad = new HorizonClient({ baseUrl: peer.url, domain: 'CORP', username: 'nobody', password: 'x' });
    const before = peer.stats.loginFailed;
    const r2 = await runReader({ client: bad, loginBackoffMinMs: 400, loginBackoffMaxMs: 400 }, (g, s) => s.filter((x) => x.state === 'error').length >= 2, 5000);
    r2.statuses.find((s) => s.state === 'error').reason.should.match(/login refused/);
    (peer.stats.loginFailed - before).should.equal(2); // slow retries: the account must not be locked out
    await bad.close();
  });

  it('keeps going when a consumer throws, and waits for a consumer that applies backpressure', async () => {
    const client = clientFor(peer);
    const posted = peer.burst({ count: 30, perMs: 2 });
    let n = 0;
    let maxConcurrent = 0;
    let active = 0;
    const { got } = await runReader(
      {
        client,
        position: { time: 0, ids: [] },
        onEvent: async () => {
          n++;
          if (n === 3) throw new Error('boom');
          active++;
          maxConcurrent = Math.max(maxConcurrent, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        },
      },
      (g) => g.length >= 30,
    );
    assertExactlyOnceInOrder(got, posted);
    maxConcurrent.should.equal(1);
    await client.close();
  });

  it('fuzz: random time layouts, page sizes and windows, with inserts while paging, give every event once in order', async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let round = 0; round < 25; round++) {
      let frozen = false;
      const events = [];
      let id = 1;
      let t = 1000;
      const add = (n) => {
        const out = [];
        for (let i = 0; i < n; i++) {
          if (rand() < 0.6) t += Math.floor(rand() * (rand() < 0.1 ? 5000 : 3));
          const ev = { id: id++, type: 'X', time: t };
          events.push(ev);
          out.push(ev);
        }
        return out;
      };
      const posted = add(Math.floor(rand() * 600));
      // newest first, like Horizon; inserts while the reader pages
      const source = {
        auditEvents: async (q) => {
          let list = events.slice().sort((a, b) => b.time - a.time || b.id - a.id);
          if (q.filter) list = list.filter((e) => e.time >= q.filter.fromValue && e.time <= q.filter.toValue);
          if (q.page === undefined) return { events: list, hasMore: false };
          const start = (q.page - 1) * q.size;
          const page = { events: list.slice(start, start + q.size), hasMore: list.length > start + q.size };
          if (!frozen && rand() < 0.2 && events.length < 1200) posted.push(...add(Math.floor(rand() * 20)));
          return page;
        },
      };
      const pageSize = 1 + Math.floor(rand() * 60);
      const maxPagesPerPoll = 1 + Math.floor(rand() * 4);
      const { got } = await runReader(
        { client: source, position: { time: 0, ids: [] }, pageSize, maxPagesPerPoll, now: () => t + 10 },
        (g) => (frozen = g.length >= posted.length),
        20000,
      );
      assertExactlyOnceInOrder(got, posted);
    }
  });
});

