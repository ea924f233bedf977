'use strict';
/*
 * horizon-in against a hostile Horizon server (issue 11, items 2 and 4, source side): the
 * hostile proxy (test/support/hostile-proxy.js) wraps the Horizon peer and turns misbehaving for
 * one case at a time: a 200 MB body, an endless body, a slow drip, malformed JSON, JSON nested
 * 100,000 deep, an echo of the login request (domain, user name, password), a connection reset
 * mid-body. Each case asserts: Node-RED stays up, memory stays bounded by the response cap, the
 * status names the problem, no configured secret appears in status, log or caught errors, and
 * once the peer behaves again every event arrives exactly once, in time order.
 */
require('should');
const { startNodeRed, sinkNode } = require('../support/nodered');
const { startHorizonPeer } = require('../support/horizon-peer');
const { startHostileProxy } = require('../support/hostile-proxy');

const TAB = 'tab-hostile-horizon';
const DOMAIN = 'HOSTILEDOM';
const USER = 'svc-hostile-events';
const PASSWORD = 'H0rizon!p@ss w0rd';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function secretForms() {
  const forms = [];
  for (const s of [DOMAIN, USER, PASSWORD]) {
    forms.push(s, encodeURIComponent(s), JSON.stringify(s).slice(1, -1), Buffer.from(s).toString('base64').replace(/=+$/, ''));
  }
  forms.push('H0rizon!p@ss'); // no part of the password either
  return forms;
}

describe('horizon-in against a hostile Horizon server', function () {
  this.timeout(60000);
  let peer;
  let proxy;
  let nr;

  before(async () => {
    peer = await startHorizonPeer({ domain: DOMAIN, username: USER, password: PASSWORD });
    proxy = await startHostileProxy({ upstream: peer.url, flavor: 'json' });
    nr = await startNodeRed();
  });
  after(async () => {
    if (nr) await nr.deploy([]);
    if (proxy) await proxy.stop();
    if (peer) await peer.stop();
  });
  beforeEach(async () => {
    await nr.deploy([]);
    proxy.setMode('pass');
    peer.reset();
    nr.reset();
  });

  function flow() {
    return [
      { id: TAB, type: 'tab', label: 'hostile Horizon' },
      {
        id: 'h1', type: 'horizon-in', z: TAB, address: proxy.url, insecureSSL: false, checkpointStore: '', checkpointPeriod: 1,
        delivery: 'sent', maxInFlight: 1000, credentials: { domain: DOMAIN, username: USER, password: PASSWORD }, wires: [['s1']],
      },
      sinkNode('s1', 'events', TAB),
      { id: 'c1', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['s2']] },
      sinkNode('s2', 'errors', TAB),
    ];
  }

  const events = () => nr.sinks.get('events');
  const statusText = () => nr.status('h1')?.text ?? '';
  const waitConnected = () =>
    nr.waitFor(() => /connected/.test(statusText()) && nr.status('h1').fill === 'green', 30000, `connected (status: ${statusText()})`);

  async function peakGrowth(fn) {
    const base = process.memoryUsage();
    let peak = 0;
    const timer = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers, m.rss - base.rss);
    }, 20);
    try {
      await fn();
    } finally {
      clearInterval(timer);
    }
    return peak;
  }

  function assertNoSecrets() {
    const texts = [];
    for (const list of nr.statuses.values()) for (const s of list) texts.push(String(s.text ?? ''));
    for (const l of nr.logs) texts.push(typeof l.msg === 'string' ? l.msg : JSON.stringify(l.msg));
    for (const m of nr.sinks.get('errors')) texts.push(JSON.stringify(m.error ?? {}));
    const all = texts.join('\n');
    for (const f of secretForms()) {
      if (all.includes(f)) throw new Error(`a configured secret (${f.slice(0, 3)}…) appears in status/log/errors:\n${all.slice(Math.max(0, all.indexOf(f) - 300), all.indexOf(f) + 100)}`);
    }
  }

  async function hostileCase(mode, expect, { match, start, memoryBound = 96 * 1024 * 1024, waitMs = 30000 } = {}) {
    await nr.deploy(flow());
    await waitConnected();
    const posted = peer.post([{}, {}, {}]);
    await nr.sinks.until(() => events().length >= 3, 20000, '3 events before the misbehaviour');
    const seen = [];
    const growth = await peakGrowth(async () => {
      proxy.setMode(mode, { match });
      if (start) start();
      posted.push(...peer.post([{}, {}, {}]));
      await nr.waitFor(() => {
        const t = statusText();
        if (!seen.includes(t)) seen.push(t);
        return expect.test(t);
      }, waitMs, `a status matching ${expect} (seen: ${JSON.stringify(seen)})`);
    });
    proxy.setMode('pass');
    posted.push(...peer.post([{}, {}, {}]));
    await nr.sinks.until(() => events().length >= 9, 45000, `9 events after the peer behaves again (have ${events().length}, status ${statusText()})`);
    await sleep(300);
    events().map((m) => m.payload.id).should.eql(posted.map((e) => String(e.id)), 'every event exactly once, in time order');
    await waitConnected();
    growth.should.be.below(memoryBound, `memory grew by ${(growth / 1048576).toFixed(1)} MB while the peer misbehaved`);
    assertNoSecrets();
  }

  it('cuts a 200 MB answer off at the cap and recovers without loss', async () => {
    await hostileCase('huge', /larger than 16777216 bytes/);
    proxy.stats.bytes.huge.should.be.below(100 * 1024 * 1024);
  });

  it('cuts an endless answer off at the cap and recovers', async () => {
    await hostileCase('endless', /larger than 16777216 bytes/);
  });

  it('gives up on a slow drip after the timeout and recovers', async function () {
    this.timeout(90000);
    await hostileCase('drip', /no complete answer within 30 s/, { waitMs: 60000 });
  });

  it('reports malformed JSON and recovers', async () => {
    await hostileCase('malformed', /not JSON/);
  });

  it('refuses audit events nested 100,000 deep: never sent into the flow', async () => {
    await hostileCase('deep', /nests deeper than 64 levels/);
  });

  it('never shows the domain, user name or password a server echoes back from the login', async () => {
    await hostileCase('echo', /login failed: HTTP 500/, {
      match: /^\/rest\/login/,
      // the tokens expire: the next call logs in anew, and that login is echoed
      start: () => {
        peer.expireAccessTokens();
        peer.expireRefreshTokens();
      },
    });
    proxy.count('echo', '/rest/login').should.be.above(0);
    nr.statuses.get('h1').some((s) => /\[redacted\]/.test(s.text ?? '')).should.be.true('the status quoted the echo, redacted');
  });

  it('recovers from connections reset mid-body', async () => {
    await hostileCase('reset', /reconnecting/);
  });
});
