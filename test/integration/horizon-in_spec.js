'use strict';
/*
 * horizon-in end to end: a real Node-RED runtime loading the package, reading the Horizon peer
 * (test/support/horizon-peer.js) over REST. Issue 6 "done when": 2,500 events posted in bursts
 * (some in the same millisecond) arrive exactly once in time order; tokens expiring mid-stream
 * are handled; a restart resumes exactly where it stopped.
 */
require('should');
const { startNodeRed, sinkNode } = require('../support/nodered');
const { startHorizonPeer } = require('../support/horizon-peer');

const TAB = 'tab-horizon';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('horizon-in against the Horizon peer', function () {
  this.timeout(120000);
  let peer;
  let nr;

  before(async () => {
    peer = await startHorizonPeer({});
    nr = await startNodeRed();
  });
  after(async () => {
    if (nr) await nr.deploy([]);
    if (peer) await peer.stop();
  });
  beforeEach(async () => {
    await nr.deploy([]);
    peer.reset();
    nr.reset();
  });

  function flow(opts = {}) {
    const {
      id = 'h1', address = peer.url, delivery = 'sent', checkpointStore = 'file', checkpointPeriod = 1, maxInFlight = 1000,
      domain = peer.domain, username = peer.username, password = peer.password, insecureSSL = false, consumer,
    } = opts;
    return [
      { id: TAB, type: 'tab', label: 'horizon' },
      {
        id, type: 'horizon-in', z: TAB, address, insecureSSL, checkpointStore, checkpointPeriod, delivery, maxInFlight,
        credentials: { domain, username, password }, wires: [[consumer ? consumer[0].id : 's1']],
      },
      ...(consumer ?? [sinkNode('s1', 'events', TAB)]),
    ];
  }

  const events = () => nr.sinks.get('events');
  const idsOf = (msgs) => msgs.map((m) => m.payload.id);
  const waitConnected = (id = 'h1') =>
    nr.waitFor(() => /connected/.test(nr.status(id)?.text ?? '') && nr.status(id).fill === 'green', 20000, `${id} connected`);
  const waitCount = (n, ms = 60000) => nr.sinks.until(() => events().length >= n, ms, `${n} events (have ${events().length})`);
  const inTimeOrder = (list) => list.slice().sort((a, b) => a.time - b.time || a.id - b.id).map((e) => String(e.id));

  function assertExactlyOnceInOrder(msgs, posted) {
    const got = idsOf(msgs);
    if (new Set(got).size !== got.length) {
      const seen = new Map();
      got.forEach((id, i) => (seen.has(id) ? console.log('dup', id, 'at', seen.get(id), 'and', i) : seen.set(id, i)));
    }
    new Set(got).size.should.equal(got.length, 'no duplicates');
    got.should.eql(inTimeOrder(posted));
  }

  /** post `total` events in bursts of 1..max with 1..perMs events per millisecond and short pauses */
  async function postInBursts(total, { max = 400, pauseMs = 250 } = {}) {
    const posted = [];
    let k = 0;
    while (posted.length < total) {
      const count = Math.min(total - posted.length, 1 + ((k * 97) % max));
      posted.push(...peer.burst({ count, perMs: 1 + (k % 5) }));
      k++;
      await sleep((k * 37) % pauseMs);
    }
    return posted;
  }

  it('delivers 2,500 events posted in bursts (same-millisecond groups) exactly once, in time order, as CloudEvents', async () => {
    const old = peer.post([{}, {}, {}]); // history before the node starts: not replayed
    await nr.deploy(flow({ delivery: 'acknowledged' }));
    await waitConnected();
    const t0 = Date.now();
    const posted = await postInBursts(2500);
    await waitCount(2500);
    const elapsed = Date.now() - t0;
    await sleep(1500); // nothing more may come
    assertExactlyOnceInOrder(events(), posted);
    idsOf(events()).filter((id) => old.some((e) => String(e.id) === id)).should.eql([]);
    const sameMs = posted.length - new Set(posted.map((e) => e.time)).size;
    sameMs.should.be.above(1000);
    const byId = new Map(posted.map((e) => [String(e.id), e]));
    for (const m of events()) {
      const src = byId.get(m.payload.id);
      m.payload.should.eql({
        specversion: '1.0', id: String(src.id), source: peer.url, type: `com.vmware.horizon.${src.type.toLowerCase()}.v0`,
        time: new Date(src.time).toISOString(), datacontenttype: 'application/json', data: src,
      });
      m.topic.should.equal(src.type);
    }
    events()[0].payload.time.should.match(/\.\d{3}Z$/);
    console.log(`      horizon: 2,500 events (${sameMs} sharing a millisecond with another) in ${elapsed} ms; ${peer.stats.audit} audit-event requests`);
  });

  it('handles access and refresh tokens expiring mid-stream (refresh on 401, full login when refresh answers 400)', async () => {
    peer.setTtl({ accessMs: 400, refreshMs: 1500 });
    await nr.deploy(flow());
    await waitConnected();
    const posted = [];
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      posted.push(...peer.burst({ count: 40, perMs: 3 }));
      await sleep(150);
    }
    await waitCount(posted.length);
    await sleep(1000);
    assertExactlyOnceInOrder(events(), posted);
    peer.stats.unauthorized.should.be.above(0);
    peer.stats.refresh.should.be.above(0);
    peer.stats.refreshRefused.should.be.above(0);
    peer.stats.login.should.be.aboveOrEqual(2);
    nr.status('h1').fill.should.equal('green');
    nr.logLines('error', 'h1').should.eql([]);
  });

  for (const delivery of ['sent', 'acknowledged']) {
    it(`resumes exactly where it stopped after a restart (delivery ${delivery}, nothing in flight), also inside a millisecond`, async () => {
      await nr.deploy(flow({ delivery }));
      await waitConnected();
      const first = await postInBursts(600, { max: 150, pauseMs: 100 });
      await waitCount(600);
      await sleep(100); // the flow finishes the last message (else it is in flight: replayed, at least once)
      await nr.stopFlows();
      const last = first[first.length - 1];
      // while stopped: more events, some in the very millisecond of the last one delivered
      const during = peer.post([{ time: last.time }, { time: last.time }]);
      during.push(...peer.burst({ count: 300, perMs: 4 }));
      await sleep(300);
      await nr.startFlows();
      await waitConnected();
      const after = await postInBursts(200, { max: 100, pauseMs: 100 });
      await waitCount(1102);
      await sleep(1500);
      assertExactlyOnceInOrder(events(), [...first, ...during, ...after]);
      const cp = nr.RED.nodes.getNode('h1').context().get('checkpoint', 'file');
      cp.should.containEql({ horizon: peer.url });
      cp.time.should.equal(after[after.length - 1].time);
    });
  }

  it('delivery acknowledged: a slow flow keeps at most maxInFlight events in it, and a restart replays only the unfinished ones', async () => {
    const consumer = [
      { id: 'dly', type: 'delay', z: TAB, pauseType: 'rate', timeout: '1', timeoutUnits: 'seconds', rate: '200', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
    ];
    await nr.deploy(flow({ delivery: 'acknowledged', maxInFlight: 20, consumer }));
    await waitConnected();
    const posted = peer.burst({ count: 300, perMs: 3 });
    await nr.sinks.until(() => events().length >= 100, 20000, '100 events');
    // the delay node shows its queue length: never more than maxInFlight
    const queued = (nr.statuses.get('dly') || []).map((x) => Number(x.text)).filter((n) => Number.isFinite(n));
    queued.length.should.be.above(0);
    Math.max(...queued).should.be.belowOrEqual(20);
    await nr.stopFlows();
    const before = events().length;
    await nr.startFlows();
    await waitCount(300 + 0, 30000);
    await nr.sinks.until(() => new Set(idsOf(events())).size >= 300, 30000, 'every event');
    await sleep(1500);
    const got = idsOf(events());
    const dups = got.length - new Set(got).size;
    dups.should.be.belowOrEqual(20); // at most what was in flight when it stopped
    [...new Set(got)].sort((a, b) => a - b).should.eql(inTimeOrder(posted).sort((a, b) => a - b));
    before.should.be.aboveOrEqual(100);
  });

  it('starts after the newest existing event when there is no checkpoint, and logs out on close', async () => {
    peer.burst({ count: 50, perMs: 5 });
    await nr.deploy(flow({ checkpointStore: 'file' }));
    await waitConnected();
    await sleep(1200);
    events().length.should.equal(0);
    const fresh = peer.post([{ type: 'BROKER_USERLOGGEDOUT' }]);
    await waitCount(1);
    idsOf(events()).should.eql([String(fresh[0].id)]);
    peer.liveSessions().should.equal(1);
    await nr.deploy([]);
    peer.stats.logout.should.equal(1);
    peer.liveSessions().should.equal(0);
  });

  it('reports refused credentials (red) and a missing event database (yellow), and recovers from the latter', async () => {
    await nr.deploy(flow({ password: 'wrong' }));
    await nr.waitFor(() => nr.status('h1')?.fill === 'red', 10000, 'red status');
    nr.status('h1').text.should.match(/login refused/);
    nr.logLines('error', 'h1').length.should.be.aboveOrEqual(1);
    await nr.deploy([]);
    nr.reset();
    peer.dbConfigured = false;
    await nr.deploy(flow());
    await nr.waitFor(() => /409/.test(nr.status('h1')?.text ?? ''), 10000, '409 status');
    nr.status('h1').fill.should.equal('yellow');
    peer.dbConfigured = true;
    await waitConnected();
    const posted = peer.post([{}, {}]);
    await waitCount(2);
    assertExactlyOnceInOrder(events(), posted);
  });

  it('refuses a node without credentials or with an invalid address', async () => {
    await nr.deploy([
      { id: TAB, type: 'tab' },
      { id: 'a', type: 'horizon-in', z: TAB, address: peer.url, credentials: { domain: '', username: 'u', password: 'p' }, wires: [] },
      { id: 'b', type: 'horizon-in', z: TAB, address: 'ftp://x', credentials: { domain: 'd', username: 'u', password: 'p' }, wires: [] },
    ]);
    await nr.waitFor(() => nr.status('a') && nr.status('b'), 5000, 'statuses');
    nr.status('a').should.containEql({ fill: 'red' });
    nr.status('a').text.should.match(/domain, username and password/);
    nr.status('b').text.should.match(/address/);
  });

  it('speaks HTTPS: insecureSSL accepts the self-signed peer, without it the certificate error shows', async () => {
    const tlsPeer = await startHorizonPeer({ tls: true });
    try {
      await nr.deploy(flow({ address: tlsPeer.url, domain: tlsPeer.domain, insecureSSL: false }));
      await nr.waitFor(() => /certificate|self.signed/i.test(nr.status('h1')?.text ?? ''), 10000, 'certificate error');
      await nr.deploy([]);
      nr.reset();
      await nr.deploy(flow({ address: tlsPeer.url, domain: tlsPeer.domain, insecureSSL: true }));
      await waitConnected();
      const posted = tlsPeer.post([{}, {}, {}]);
      await waitCount(3);
      assertExactlyOnceInOrder(events(), posted);
      events()[0].payload.source.should.equal(tlsPeer.url);
    } finally {
      await nr.deploy([]);
      await tlsPeer.stop();
    }
  });
});
