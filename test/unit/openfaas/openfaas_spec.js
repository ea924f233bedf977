'use strict';
/*
 * lib/openfaas (topics, gateway client, discovery) and lib/sinks/openfaas (the engine behind
 * openfaas-out) against the OpenFaaS gateway peer over real sockets.
 */
const fs = require('node:fs');
const path = require('node:path');
const should = require('should');
const of = require('../../../dist/lib/openfaas');
const sinks = require('../../../dist/lib/sinks');
const { HttpSender, describeRetryable, KNATIVE_RETRYABLE, OPENFAAS_RETRYABLE } = require('../../../dist/lib/http');
const { startOpenFaasPeer } = require('../../support/openfaas-peer');

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(fn, ms, what) {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await tick(10);
  }
}

function event(i, extra) {
  return Object.assign({ specversion: '1.0', id: String(i), source: 'https://vc.example.com/sdk', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0', data: { Key: i } }, extra);
}

describe('openfaas: topics', function () {
  it('splits the topic annotation on commas, trims, drops empty parts and duplicates', function () {
    of.parseTopics(' VmPoweredOnEvent, VmPoweredOffEvent ,,VmPoweredOnEvent , ').should.eql(['VmPoweredOnEvent', 'VmPoweredOffEvent']);
    of.parseTopics('').should.eql([]);
    of.parseTopics(undefined).should.eql([]);
    of.parseTopics(42).should.eql([]);
    of.parseTopics('a;b', ';').should.eql(['a', 'b']);
  });

  it('maps topics to functions, exact and case-sensitive', function () {
    const f = (name, ns, topics) => ({ name, namespace: ns, qualifiedName: of.qualifiedName(name, ns), topics });
    const map = new of.TopicMap([f('a', 'openfaas-fn', ['X', 'Y']), f('b', 'dev', ['Y']), f('c', '', []), f('a', 'openfaas-fn', ['Z'])]);
    map.match('X').map((x) => x.qualifiedName).should.eql(['a.openfaas-fn']);
    map.match('Y').map((x) => x.qualifiedName).should.eql(['a.openfaas-fn', 'b.dev']);
    map.match('y').should.eql([]);
    map.match('Z').should.eql([]); // duplicate listing ignored
    map.match(undefined).should.eql([]);
    map.match('').should.eql([]);
    map.functions.length.should.equal(3);
    map.subscribers.should.equal(2);
    map.functions.find((x) => x.name === 'c').qualifiedName.should.equal('c');
    const next = new of.TopicMap([f('a', 'openfaas-fn', ['X']), f('d', 'dev', ['X'])]);
    const d = next.diff(map);
    d.added.map((x) => x.qualifiedName).should.eql(['d.dev']);
    d.changed.map((x) => x.qualifiedName).should.eql(['a.openfaas-fn']);
    d.removed.map((x) => x.qualifiedName).sort().should.eql(['b.dev', 'c']);
  });

  it('takes the topic from msg.topic, else from the CloudEvent subject', function () {
    should(of.topicOf('VmPoweredOnEvent', {})).equal('VmPoweredOnEvent');
    should(of.topicOf(undefined, event(1, { subject: 'VmPoweredOffEvent' }))).equal('VmPoweredOffEvent');
    should(of.topicOf('', event(1, { subject: 'S' }))).equal('S');
    should(of.topicOf(undefined, { subject: 'not a CloudEvent' })).be.undefined();
    should(of.topicOf(undefined, 'text')).be.undefined();
    should(of.topicOf(7, {})).equal('7');
  });
});

describe('openfaas: gateway client and discovery', function () {
  this.timeout(20000);
  let peer;
  let sender;

  beforeEach(async function () {
    peer = await startOpenFaasPeer({ username: 'admin', password: 'pw', namespaces: ['openfaas-fn', 'dev'] });
    sender = new HttpSender({ responseBodyLimit: of.MAX_LIST_BYTES, responseDrainLimit: of.MAX_LIST_BYTES });
  });
  afterEach(async function () {
    await sender.close();
    await peer.close();
  });

  it('normalises gateway URLs and builds invocation requests', function () {
    of.normaliseGatewayUrl(' http://gw:8080/ ').should.equal('http://gw:8080');
    of.normaliseGatewayUrl('https://gw.example.com/openfaas//').should.equal('https://gw.example.com/openfaas');
    (() => of.normaliseGatewayUrl('gw:8080')).should.throw(/http:\/\/ or https:\/\//);
    (() => of.normaliseGatewayUrl('not a url')).should.throw(/not a URL/);
    (() => of.normaliseGatewayUrl('http://gw/?x=1')).should.throw(/query/);
    const c = new of.GatewayClient({ gateway: 'http://gw:8080/', username: 'u', password: 'p', sender });
    const fn = { name: 'echo', namespace: 'dev', qualifiedName: 'echo.dev', topics: [] };
    c.invocationUrl(fn, false).should.equal('http://gw:8080/function/echo.dev');
    c.invocationUrl(fn, true).should.equal('http://gw:8080/async-function/echo.dev');
    const r = c.invocationRequest(fn, '{}', { async: true, callbackUrl: 'http://cb/x', topic: 'VmPoweredOnEvent' });
    r.should.match({ url: 'http://gw:8080/async-function/echo.dev', method: 'POST', body: '{}' });
    r.headers.should.eql({
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'x-connector': 'node-red-vmware',
      'x-topic': 'VmPoweredOnEvent',
      'x-callback-url': 'http://cb/x',
      authorization: 'Basic ' + Buffer.from('u:p').toString('base64'),
    });
    const sync = c.invocationRequest(fn, '{}', { async: false, callbackUrl: 'http://cb/x' });
    should(sync.headers['x-callback-url']).be.undefined();
    should(of.basicAuthorization('', 'x')).be.undefined();
  });

  it('discovers functions in every namespace with their topics (basic auth)', async function () {
    peer.addFunction({ name: 'on', namespace: 'openfaas-fn', annotations: { topic: 'VmPoweredOnEvent' } });
    peer.addFunction({ name: 'both', namespace: 'dev', annotations: { topic: 'VmPoweredOnEvent, VmPoweredOffEvent' } });
    peer.addFunction({ name: 'none', namespace: 'dev', annotations: undefined });
    const c = new of.GatewayClient({ gateway: peer.url, username: 'admin', password: 'pw', sender });
    (await c.listNamespaces()).should.eql(['openfaas-fn', 'dev']);
    const map = await c.discover();
    map.match('VmPoweredOnEvent').map((f) => f.qualifiedName).should.eql(['on.openfaas-fn', 'both.dev']);
    map.match('VmPoweredOffEvent').map((f) => f.qualifiedName).should.eql(['both.dev']);
    map.functions.length.should.equal(3);
    peer.systemRequests.map((r) => r.path).should.eql([
      '/system/namespaces', '/system/namespaces', '/system/functions?namespace=openfaas-fn', '/system/functions?namespace=dev',
    ]);
  });

  it('falls back to the default namespace when the gateway has no /system/namespaces', async function () {
    await peer.close();
    peer = await startOpenFaasPeer({ namespaces: false });
    peer.addFunction({ name: 'fn1', annotations: { topic: 'A' } });
    const c = new of.GatewayClient({ gateway: peer.url, sender });
    should(await c.listNamespaces()).be.undefined();
    const map = await c.discover();
    map.match('A').map((f) => f.qualifiedName).should.eql(['fn1.openfaas-fn']);
    peer.systemRequests.map((r) => r.path).should.eql(['/system/namespaces', '/system/namespaces', '/system/functions']);
  });

  it('reports wrong credentials, unreachable gateways and bad answers clearly', async function () {
    const bad = new of.GatewayClient({ gateway: peer.url, username: 'admin', password: 'wrong', sender });
    await bad.discover().should.be.rejectedWith(/GET \/system\/namespaces: HTTP 401 Unauthorized \(check the gateway user name and password\)/);
    const down = new of.GatewayClient({ gateway: 'http://127.0.0.1:1', sender });
    await down.discover().should.be.rejectedWith(/GET \/system\/namespaces: .*ECONNREFUSED/);
    peer.failSystem({ count: 1, status: 200, body: 'not json' });
    const c = new of.GatewayClient({ gateway: peer.url, username: 'admin', password: 'pw', sender });
    await c.discover().should.be.rejectedWith(/not JSON/);
  });

  it('refreshes periodically, keeps the last good map when a refresh fails, and reports changes', async function () {
    peer.addFunction({ name: 'a', annotations: { topic: 'T' } });
    const states = [];
    const reports = [];
    const c = new of.GatewayClient({ gateway: peer.url, username: 'admin', password: 'pw', sender });
    const d = new of.FunctionDiscovery({ client: c, intervalMs: 100, onState: (s) => states.push(s), onRefresh: (r) => reports.push(r) });
    d.start();
    try {
      await until(() => d.map !== undefined, 2000, 'first map');
      d.state.should.eql({ state: 'ready', functions: 1, subscribers: 1, topics: 1 });
      reports[0].should.match({ ok: true, first: true });
      peer.failSystem({ until: Infinity, status: 502 });
      await until(() => d.state.state === 'stale', 2000, 'stale');
      d.state.reason.should.match(/HTTP 502 Bad Gateway/);
      d.map.match('T').length.should.equal(1); // last good map kept
      peer.failSystem(0);
      peer.addFunction({ name: 'b', annotations: { topic: 'T' } });
      await until(() => d.map.match('T').length === 2, 2000, 'function b');
      d.state.state.should.equal('ready');
      const added = reports.filter((r) => r.ok && r.diff.added.length > 0);
      added[added.length - 1].diff.added.map((f) => f.name).should.eql(['b']);
      states.map((s) => s.state).should.containDeepOrdered(['ready', 'stale', 'ready']);
    } finally {
      d.close();
    }
    const n = peer.systemRequests.length;
    await tick(300);
    peer.systemRequests.length.should.equal(n); // closed: no more refreshes
  });

  it('retries the first look-up sooner than the interval while there is no map', async function () {
    peer.failSystem({ count: 2, status: 503 });
    peer.addFunction({ name: 'a', annotations: { topic: 'T' } });
    const c = new of.GatewayClient({ gateway: peer.url, username: 'admin', password: 'pw', sender });
    const d = new of.FunctionDiscovery({ client: c, intervalMs: 60000, initialRetryMs: 50 });
    const t0 = Date.now();
    d.start();
    try {
      await until(() => d.map !== undefined, 3000, 'map after two failures');
      (Date.now() - t0).should.be.below(1500);
    } finally {
      d.close();
    }
    new of.FunctionDiscovery({ client: c }).intervalMs.should.equal(10000); // the default: 10 s
  });
});

describe('sinks: openfaas engine', function () {
  this.timeout(20000);
  let peer;
  let sink;

  const settings = (extra) => sinks.parseOpenFaasSettings(Object.assign({ gateway: peer.url, retries: 2, backoffDelay: 0.01, refreshInterval: 0.1 }, extra), { username: 'admin', password: 'pw' }, '/test');

  beforeEach(async function () {
    peer = await startOpenFaasPeer({ username: 'admin', password: 'pw' });
  });
  afterEach(async function () {
    if (sink) await sink.close();
    sink = undefined;
    await peer.close();
  });

  it('parses settings with defaults and rejects bad ones with a clear sentence', function () {
    const s = sinks.parseOpenFaasSettings({ gateway: 'http://gw:8080' }, {}, '/src');
    s.should.match({ gateway: 'http://gw:8080/', async: false, callbackUrl: '', timeoutMs: 60000, retries: 3, backoffDelayMs: 500, concurrency: 1, refreshIntervalMs: 10000 });
    s.wrap.should.eql({ type: 'org.nodered.message', source: '/src' });
    const bad = [
      [{ gateway: '' }, /no gateway configured/],
      [{ gateway: 'gateway:8080' }, /must start with http:\/\/ or https:\/\//],
      [{ gateway: 'http://u:p@gw' }, /credentials/],
      [{ gateway: 'http://gw', callbackUrl: 'nope' }, /callback URL "nope" is not a URL/],
      [{ gateway: 'http://gw', retries: 'x' }, /retries "x" is not a number/],
      [{ gateway: 'http://gw', retries: 1.5 }, /whole number/],
      [{ gateway: 'http://gw', concurrency: 0 }, /concurrency must be between 1 and 1000/],
      [{ gateway: 'http://gw', ceSource: 'has space' }, /source/],
    ];
    for (const [cfg, re] of bad) (() => sinks.parseOpenFaasSettings(cfg, {}, '/src')).should.throw(re);
    (() => sinks.parseOpenFaasSettings({ gateway: 'http://gw' }, { password: 'x' }, '/src')).should.throw(/no user name/);
  });

  it('holds messages until the first function list, then invokes in order', async function () {
    peer.addFunction({ name: 'a', annotations: { topic: 'T' } });
    peer.failSystem({ count: 1, status: 503 });
    sink = new sinks.OpenFaasSink(settings());
    sink.start();
    const results = [];
    const all = [];
    for (let i = 0; i < 5; i++) all.push(sink.deliver('T', event(i), (r) => results.push(r)));
    sink.waiting.should.equal(5);
    const summaries = await Promise.all(all);
    summaries.forEach((s) => s.should.match({ matched: 1, closed: false }));
    results.map((r) => r.result.statusCode).should.eql([200, 200, 200, 200, 200]);
    peer.invocations.map((i) => i.event.id).should.eql(['0', '1', '2', '3', '4']);
    peer.invocations[0].headers.authorization.should.equal('Basic ' + Buffer.from('admin:pw').toString('base64'));
    peer.invocations[0].headers['content-type'].should.equal('application/cloudevents+json; charset=utf-8');
    peer.invocations[0].topic.should.equal('T');
  });

  it('dead-letters held messages when the gateway cannot be listed retries + 1 times', async function () {
    peer.failSystem({ until: Infinity, status: 503 });
    sink = new sinks.OpenFaasSink(settings());
    sink.start();
    const results = [];
    const s = await sink.deliver('T', event(1), (r) => results.push(r));
    s.should.match({ matched: 0, closed: false });
    results.length.should.equal(1);
    should(results[0].fn).be.undefined();
    results[0].result.should.match({ ok: false, outcome: 'dead-letter', attempts: 3, code: 'ENOFUNCTIONLIST' });
    results[0].result.reason.should.match(/cannot list the gateway's functions: GET \/system\/namespaces: HTTP 503 Service Unavailable \(gave up after 3 attempts\)/);
  });

  it('retries 429 and 5xx but not 501, and reports every invocation', async function () {
    peer.addFunction({ name: 'flaky', annotations: { topic: 'T' }, script: [{ status: 503 }, { status: 429 }] });
    peer.addFunction({ name: 'nope', annotations: { topic: 'T' }, answer: { status: 501, body: 'not implemented' } });
    peer.addFunction({ name: 'down', annotations: { topic: 'T' }, answer: { status: 500, body: 'boom' } });
    sink = new sinks.OpenFaasSink(settings());
    sink.start();
    const results = [];
    const s = await sink.deliver('T', event(1), (r) => results.push(r));
    s.matched.should.equal(3);
    const by = Object.fromEntries(results.map((r) => [r.fn.name, r.result]));
    by.flaky.should.match({ ok: true, statusCode: 200, attempts: 3 });
    by.nope.should.match({ ok: false, statusCode: 501, attempts: 1, retryable: false, bodyExcerpt: 'not implemented' });
    by.down.should.match({ ok: false, statusCode: 500, attempts: 3, retryable: true });
  });

  it('sends a payload that is not a CloudEvent as data of a new one, and dead-letters invalid CloudEvents', async function () {
    peer.addFunction({ name: 'a', annotations: { topic: 'T' } });
    sink = new sinks.OpenFaasSink(settings({ ceType: 'com.example.test', ceSource: '/here' }));
    sink.start();
    await sink.deliver('T', { hello: 'wörld' }, () => undefined);
    peer.invocations[0].event.should.match({ specversion: '1.0', type: 'com.example.test', source: '/here', datacontenttype: 'application/json', data: { hello: 'wörld' } });
    const results = [];
    await sink.deliver('T', { specversion: '1.0', id: 'x', type: 't' }, (r) => results.push(r));
    results[0].result.should.match({ ok: false, attempts: 0, code: 'EINVALIDEVENT' });
    results[0].result.reason.should.equal('invalid CloudEvent: attribute source is missing');
    peer.invocations.length.should.equal(1);
    (await sink.deliver('nobody', event(2), () => undefined)).should.eql({ matched: 0, results: [], closed: false });
  });

  it('close ends waiting and in-flight invocations as closed, fast', async function () {
    peer.addFunction({ name: 'slow', annotations: { topic: 'T' }, answer: { status: 200, delayMs: 5000 } });
    sink = new sinks.OpenFaasSink(settings());
    sink.start();
    const results = [];
    const p1 = sink.deliver('T', event(1), (r) => results.push(r));
    const p2 = sink.deliver('T', event(2), (r) => results.push(r));
    await until(() => peer.invocations.length === 1, 3000, 'first invocation');
    const t0 = Date.now();
    await sink.close();
    (Date.now() - t0).should.be.below(1500);
    (await p1).closed.should.be.true();
    (await p2).closed.should.be.true();
    results.should.eql([]); // no result for closed invocations
    (await sink.deliver('T', event(3), () => undefined)).closed.should.be.true();
  });
});

describe('sinks: help texts list the retryable statuses', function () {
  it('knative-out and openfaas-out help (en-US) print describeRetryable', function () {
    const root = path.join(__dirname, '..', '..', '..', 'locales', 'en-US');
    fs.readFileSync(path.join(root, 'knative-out.html'), 'utf8').should.containEql(`<b>${describeRetryable(KNATIVE_RETRYABLE)}</b>`);
    fs.readFileSync(path.join(root, 'openfaas-out.html'), 'utf8').should.containEql(`<b>${describeRetryable(OPENFAAS_RETRYABLE)}</b>`);
    for (const lang of ['en-US', 'de']) {
      for (const type of ['knative-out', 'openfaas-out']) {
        const cat = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'locales', lang, `${type}.json`), 'utf8'));
        cat.should.have.property(type);
        cat[type].status.should.have.properties(['ready', 'delivered', 'failed', 'retrying']);
      }
    }
  });
});

describe('sinks: settings, results and status shared by knative-out and openfaas-out', function () {
  it('parses knative-out settings with the Knative Broker defaults and explicit auth', function () {
    const s = sinks.parseKnativeSettings({ url: ' http://broker/default/default ' }, {}, '/src');
    s.should.match({ url: 'http://broker/default/default', encoding: 'binary', insecureSSL: false, timeoutMs: 30000, retries: 10, backoffDelayMs: 200, concurrency: 1 });
    should(s.authorization).be.undefined();
    sinks.parseKnativeSettings({ url: 'https://b', encoding: 'structured', timeout: '2.5', retries: '0', backoffDelay: '', concurrency: '4', insecureSSL: 'true' }, {}, '/s')
      .should.match({ encoding: 'structured', timeoutMs: 2500, retries: 0, backoffDelayMs: 200, concurrency: 4, insecureSSL: true });
    sinks.parseKnativeSettings({ url: 'http://b' }, { username: 'u', password: 'p' }, '/s').authorization.should.equal('Basic ' + Buffer.from('u:p').toString('base64'));
    sinks.parseKnativeSettings({ url: 'http://b' }, { token: 't0k' }, '/s').authorization.should.equal('Bearer t0k');
    should(sinks.parseKnativeSettings({ url: 'http://b', authType: 'none' }, { token: 't0k' }, '/s').authorization).be.undefined();
    (() => sinks.parseKnativeSettings({ url: 'http://b', authType: 'digest' }, {}, '/s')).should.throw(/not one of none, basic, bearer/);
    (() => sinks.parseKnativeSettings({ url: 'http://b', timeout: 0 }, {}, '/s')).should.throw(/timeout must be between 0.1 and 3600 s/);
  });

  it('shapes delivered results and dead letters', function () {
    sinks.deliveredFields({ ok: true, outcome: 'delivered', statusCode: 200, bodyExcerpt: 'ok', headers: { a: '1' }, attempts: 2, durationMs: 12.6 })
      .should.eql({ statusCode: 200, response: { statusCode: 200, headers: { a: '1' }, body: 'ok', attempts: 2, durationMs: 13 } });
    sinks.deadLetter({ ok: false, outcome: 'dead-letter', reason: 'connect ECONNREFUSED', code: 'ECONNREFUSED', attempts: 3, retryable: true, durationMs: 1 }, 'fn.ns')
      .should.eql({ message: 'function fn.ns: connect ECONNREFUSED', status: 0, reason: 'connect ECONNREFUSED', body: '', attempts: 3, code: 'ECONNREFUSED', retryable: true, function: 'fn.ns' });
  });

  it('status views: ready, retrying, delivered, last error; OpenFaaS discovery states first', function () {
    const c = new sinks.SinkCounters();
    sinks.countersView(c).should.eql({ fill: 'grey', shape: 'ring', key: 'status.ready', params: { delivered: 0, failed: 0 } });
    c.attemptFailed({ attempt: 1, reason: 'HTTP 503 Service Unavailable', retryable: true, nextDelayMs: 100 });
    sinks.countersView(c).should.match({ fill: 'yellow', key: 'status.retrying', params: { attempt: 1, reason: 'HTTP 503 Service Unavailable' } });
    c.record({ ok: true, outcome: 'delivered' });
    sinks.countersView(c).should.eql({ fill: 'green', shape: 'dot', key: 'status.delivered', params: { delivered: 1, failed: 0 } });
    c.record({ ok: false, outcome: 'dead-letter', reason: 'HTTP 400 Bad Request' });
    sinks.countersView(c).should.match({ fill: 'red', shape: 'ring', key: 'status.failed', params: { delivered: 1, failed: 1, reason: 'HTTP 400 Bad Request' } });
    c.record({ ok: false, outcome: 'closed', reason: 'closed' }); // not counted
    c.record({ ok: true, outcome: 'delivered' });
    sinks.countersView(c).should.match({ fill: 'green', key: 'status.failed', params: { delivered: 2, failed: 1 } });
    sinks.openFaasStatusView({ state: 'pending' }, c).key.should.equal('status.discovering');
    sinks.openFaasStatusView({ state: 'failed', reason: 'x' }, c).should.match({ fill: 'red', key: 'status.no-functions' });
    sinks.openFaasStatusView({ state: 'stale', reason: 'x', functions: 3, subscribers: 2, topics: 2 }, c).should.match({ fill: 'yellow', key: 'status.stale', params: { functions: 2 } });
    sinks.openFaasStatusView({ state: 'ready', functions: 3, subscribers: 2, topics: 2 }, new sinks.SinkCounters()).should.match({ fill: 'green', key: 'status.ready', params: { functions: 2 } });
    const r = new sinks.SinkCounters();
    r.attemptFailed({ attempt: 2, reason: 'HTTP 429 Too Many Requests', retryable: true, nextDelayMs: 10 }, 'fn.ns');
    sinks.openFaasStatusView({ state: 'ready', functions: 1, subscribers: 1, topics: 1 }, r).should.match({ key: 'status.retrying-function', params: { function: 'fn.ns', attempt: 2 } });
    sinks.shortReason('x'.repeat(200)).length.should.equal(80);
  });

  it('throttles status updates: first at once, the last one always shown', async function () {
    const calls = [];
    const t = new sinks.Throttle(50, () => calls.push(Date.now()));
    t.request();
    t.request();
    t.request();
    calls.length.should.equal(1);
    await tick(80);
    calls.length.should.equal(2);
    t.now();
    calls.length.should.equal(3);
    t.request();
    t.close();
    await tick(80);
    calls.length.should.equal(3); // closed: the pending update is dropped
  });
});
