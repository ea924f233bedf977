'use strict';
/*
 * cloudevent-in end to end in a real Node-RED runtime (test/support/nodered.js: httpAdminRoot and
 * httpNodeRoot both "/", so the editor app's body parsers run first; the separate-roots case is
 * cloudevent-in-roots_spec.js). Issue 6 "done when": interop with the cloudevents SDK (binary,
 * structured, batch), curl and hand-written HTTP; what knative-out sends arrives identically
 * (round trip through two flows, and through lib/cloudevents toHttp + undici); delivery
 * acknowledged answers; routes removed cleanly on redeploy.
 */
const should = require('should');
const { execFile } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const undici = require('undici');
const { CloudEvent, HTTP, emitterFor, httpTransport, Mode } = require('cloudevents');
const { startNodeRed, sinkNode } = require('../support/nodered');
const { startKnativePeer } = require('../support/knative-peer');
const ce = require('../../dist/lib/cloudevents');

const TAB = 'tab-ce';
const TAB2 = 'tab-ce2';
const CORE = new Set(['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema', 'data', 'data_base64']);

const NON_ASCII = 'Zürich – Euro € 😀 "quoted" 100%';
/** Events with every shape the binding has to carry. */
const EVENTS = [
  {
    specversion: '1.0', id: 'json-1', source: 'https://vc.example.com/sdk', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0',
    subject: NON_ASCII, time: '2026-11-24T10:00:00.123456+02:00', datacontenttype: 'application/json',
    dataschema: 'https://schema.example.com/vm/v1', data: { Key: 42, Msg: 'VM ä on', Vm: { Type: 'VirtualMachine', Value: 'vm-1' }, list: [1, null, true] },
    eventclass: 'event', location: 'Zürich', count: 7, flag: true,
  },
  { specversion: '1.0', id: 'text-1', source: '/relative/source', type: 't.text', datacontenttype: 'text/plain; charset=utf-8', data: 'hällo wörld\nline 2', ext: 'ä' },
  { specversion: '1.0', id: 'xml-1', source: 'urn:vc:1', type: 't.xml', datacontenttype: 'application/xml', data: '<VmPoweredOnEvent><key>1</key><m>é</m></VmPoweredOnEvent>' },
  { specversion: '1.0', id: 'bytes-1', source: '/b', type: 't.bytes', datacontenttype: 'application/octet-stream', data_base64: Buffer.from([0, 1, 2, 254, 255, 128]).toString('base64') },
  { specversion: '1.0', id: 'number-1', source: '/n', type: 't.number', datacontenttype: 'application/json', data: 1.5 },
  { specversion: '1.0', id: 'none-1', source: '/n', type: 't.none', subject: 'Ω' },
];

/** What a receiver must produce for `event` after one hop in `encoding` (binary headers carry no types). */
function afterHop(event, encoding) {
  const out = ce.toJsonObject(event);
  if (encoding === 'binary') {
    for (const k of Object.keys(out)) if (!CORE.has(k)) out[k] = String(out[k]);
  }
  return out;
}

function post(url, headers, body) {
  return undici.request(url, { method: 'POST', headers, body }).then(async (r) => ({ status: r.statusCode, headers: r.headers, text: await r.body.text() }));
}

function curl(args) {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args], (err, stdout) => (err ? reject(err) : resolve(Number(stdout))));
  });
}

/** A hand-written HTTP/1.1 request; resolves the status code. */
function rawRequest(port, text) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(text));
    let data = '';
    s.on('data', (c) => (data += c));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

describe('cloudevent-in in Node-RED (admin and node roots both "/")', function () {
  this.timeout(60000);
  let nr;
  let port;

  before(async () => {
    nr = await startNodeRed();
    port = Number(new URL(nr.url).port);
  });
  after(async () => {
    if (nr) await nr.deploy([]);
  });
  beforeEach(async () => {
    await nr.deploy([]);
    nr.reset();
  });

  /** nr.deploy resolves once the old flows are stopped; the new ones start a moment later */
  async function deploy(flows) {
    const t0 = Date.now();
    await nr.deploy(flows);
    const ids = flows.filter((n) => n.type !== 'tab').map((n) => n.id);
    // every cloudevent-in sets a status text when it starts (listening, or red); close clears it
    const endpoints = flows.filter((n) => n.type === 'cloudevent-in').map((n) => n.id);
    await nr.waitFor(
      () => ids.every((id) => nr.RED.nodes.getNode(id)) && endpoints.every((id) => (nr.status(id)?.at ?? 0) >= t0 && nr.status(id).text),
      5000,
      'flows started',
    );
  }

  function flow(props = {}, consumer) {
    const { id = 'ce1', path: p = '/events', credentials, ...rest } = props;
    const nodes = [
      { id: TAB, type: 'tab', label: 'cloudevent-in' },
      { id, type: 'cloudevent-in', z: TAB, path: p, ...rest, credentials, wires: [[consumer ? consumer[0].id : 's1']] },
    ];
    return nodes.concat(consumer ?? [sinkNode('s1', 'events', TAB)]);
  }
  const events = (name = 'events') => nr.sinks.get(name);
  const waitFor = (n, name = 'events', ms = 10000) => nr.sinks.until(() => events(name).length >= n, ms, `${n} ${name} (have ${events(name).length})`);

  it('receives events sent by the cloudevents SDK: binary, structured and a batch', async () => {
    await deploy(flow());
    const url = nr.url + '/events';
    const sdkEvents = [
      new CloudEvent({ id: 'sdk-1', source: '/sdk', type: 'sdk.binary', datacontenttype: 'application/json', subject: 'vm-1', time: '2026-11-24T10:00:00.123Z', data: { a: [1, 'x'] }, myext: 'v', num: 3 }),
      new CloudEvent({ id: 'sdk-2', source: 'urn:sdk', type: 'sdk.structured', datacontenttype: 'text/plain', data: 'plain text ä' }),
      new CloudEvent({ id: 'sdk-3', source: '/sdk', type: 'sdk.emitter', datacontenttype: 'application/json', data: { via: 'emitterFor' } }),
    ];
    const bin = HTTP.binary(sdkEvents[0]);
    (await post(url, bin.headers, bin.body)).status.should.equal(202);
    const str = HTTP.structured(sdkEvents[1]);
    (await post(url, str.headers, str.body)).status.should.equal(202);
    await emitterFor(httpTransport(url), { mode: Mode.BINARY })(sdkEvents[2]);
    const batch = [
      new CloudEvent({ id: 'sdk-b1', source: '/sdk', type: 'sdk.batch', data: { i: 1 } }),
      new CloudEvent({ id: 'sdk-b2', source: '/sdk', type: 'sdk.batch', datacontenttype: 'text/plain', data: 'two' }),
      new CloudEvent({ id: 'sdk-b3', source: '/sdk', type: 'sdk.batch', data_base64: Buffer.from('bytes').toString('base64'), datacontenttype: 'application/octet-stream' }),
    ];
    const res = await post(url, { 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(batch));
    res.status.should.equal(202);
    await waitFor(6);
    const got = events().map((m) => m.payload);
    const sdkJson = (e) => JSON.parse(JSON.stringify(e));
    got[0].should.eql({ ...sdkJson(sdkEvents[0]), num: '3' }); // binary: extensions arrive as text
    got[1].should.eql(sdkJson(sdkEvents[1]));
    got[2].should.eql(sdkJson(sdkEvents[2]));
    got.slice(3).should.eql(batch.map(sdkJson));
    events()[3].http.should.containEql({ mode: 'batch', batch: { index: 0, size: 3 } });
    events()[5].http.batch.should.eql({ index: 2, size: 3 });
    events().map((m) => m.topic).should.eql(['vm-1', 'sdk.structured', 'sdk.emitter', 'sdk.batch', 'sdk.batch', 'sdk.batch']);
    // and the SDK reads back what we pass on as the same event
    for (let i = 0; i < got.length; i++) {
      const back = HTTP.toEvent(HTTP.structured(new CloudEvent(got[i])));
      back.id.should.equal(got[i].id);
    }
  });

  it('receives events sent with curl and with hand-written HTTP (percent-encoding, quoted strings, lower-case hex)', async () => {
    await deploy(flow());
    const url = nr.url + '/events';
    (await curl(['-X', 'POST', url, '-H', 'ce-specversion: 1.0', '-H', 'ce-id: curl-1', '-H', 'ce-source: /curl', '-H', 'ce-type: curl.binary',
      '-H', 'ce-subject: Z%C3%BCrich%20%E2%82%AC%20%F0%9F%98%80', '-H', 'content-type: application/json', '--data-binary', '{"x":1}'])).should.equal(202);
    const file = path.join(os.tmpdir(), `ce-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ specversion: '1.0', id: 'curl-2', source: '/curl', type: 'curl.structured', data: { y: [2] } }));
    (await curl(['-X', 'POST', url, '-H', 'content-type: application/cloudevents+json; charset=utf-8', '--data-binary', '@' + file])).should.equal(202);
    fs.writeFileSync(file, JSON.stringify([{ specversion: '1.0', id: 'curl-3', source: '/curl', type: 'curl.batch' }]));
    (await curl(['-X', 'POST', url, '-H', 'content-type: application/cloudevents-batch+json', '--data-binary', '@' + file])).should.equal(202);
    (await curl(['-X', 'POST', url, '-H', 'content-type: text/plain', '--data-binary', 'hello'])).should.equal(415);
    fs.rmSync(file, { force: true });
    const body = 'abc';
    const status = await rawRequest(port, [
      'POST /Events/ HTTP/1.1', 'Host: x', 'Connection: close', 'CE-SpecVersion: 1.0', 'ce-id: raw-1', 'ce-source: /raw', 'ce-type: raw.binary',
      'ce-subject: "say \\"hi\\" z%c3%bcrich"', 'ce-myext: caf%C3%A9', 'Content-Type: text/plain', `Content-Length: ${body.length}`, '', body,
    ].join('\r\n'));
    status.should.equal(202);
    await waitFor(4);
    const got = events().map((m) => m.payload);
    got[0].should.eql({ specversion: '1.0', id: 'curl-1', source: '/curl', type: 'curl.binary', subject: 'Zürich € 😀', datacontenttype: 'application/json', data: { x: 1 } });
    got[1].should.eql({ specversion: '1.0', id: 'curl-2', source: '/curl', type: 'curl.structured', data: { y: [2] } });
    got[2].should.eql({ specversion: '1.0', id: 'curl-3', source: '/curl', type: 'curl.batch' });
    got[3].should.eql({ specversion: '1.0', id: 'raw-1', source: '/raw', type: 'raw.binary', subject: 'say "hi" zürich', myext: 'café', datacontenttype: 'text/plain', data: 'abc' });
  });

  it('round trip through lib/cloudevents toHttp + undici: every event shape arrives identically (binary and structured)', async () => {
    await deploy(flow());
    const url = nr.url + '/events';
    for (const encoding of ['binary', 'structured']) {
      for (const ev of EVENTS) {
        const m = ce.toHttp(ev, encoding);
        const res = await post(url, m.headers, m.body);
        res.status.should.equal(202, `${encoding} ${ev.id}: ${res.text}`);
      }
    }
    await waitFor(EVENTS.length * 2);
    const got = events().map((m) => m.payload);
    ['binary', 'structured'].forEach((encoding, k) => {
      EVENTS.forEach((ev, i) => got[k * EVENTS.length + i].should.eql(afterHop(ev, encoding), `${encoding} ${ev.id}`));
    });
  });

  it('round trip through two flows: what knative-out sends, cloudevent-in receives identically (binary and structured)', async function () {
    const types = await nr.RED.runtime.nodes.getNodeList({}).catch(() => []);
    if (!types.some((s) => (s.types || []).includes('knative-out'))) this.skip();
    for (const encoding of ['binary', 'structured']) {
      nr.reset();
      await nr.deploy([]);
      await deploy([
        { id: TAB, type: 'tab', label: 'sender' },
        { id: TAB2, type: 'tab', label: 'receiver' },
        { id: 'src', type: 'cloudevent-in', z: TAB, path: '/rt-src', wires: [['ko', 'sent']] },
        sinkNode('sent', 'sent', TAB),
        { id: 'ko', type: 'knative-out', z: TAB, url: nr.url + '/rt-dst', encoding, retries: 0, timeout: 5, wires: [['ok'], ['dl']] },
        sinkNode('ok', 'delivered', TAB),
        sinkNode('dl', 'dead', TAB),
        { id: 'dst', type: 'cloudevent-in', z: TAB2, path: '/rt-dst', wires: [['got']] },
        sinkNode('got', 'received', TAB2),
      ]);
      // send structured (loses nothing), so what knative-out gets is exactly EVENTS
      for (const ev of EVENTS) (await post(nr.url + '/rt-src', ce.toStructured(ev).headers, ce.toStructured(ev).body)).status.should.equal(202);
      await waitFor(EVENTS.length, 'received');
      events('dead').length.should.equal(0);
      const sent = events('sent').map((m) => m.payload);
      const received = events('received').map((m) => m.payload);
      sent.forEach((s, i) => s.should.eql(afterHop(EVENTS[i], 'structured')));
      received.forEach((r, i) => r.should.eql(afterHop(sent[i], encoding), `${encoding} ${sent[i].id}`));
      events('received').every((m) => m.http.mode === encoding).should.be.true();
    }
  });

  it('puts request metadata on msg.http (without Authorization) and enforces basic auth', async () => {
    await deploy(flow({ credentials: { username: 'hook', password: 's3cret' } }));
    const auth = 'Basic ' + Buffer.from('hook:s3cret').toString('base64');
    const h = { 'ce-specversion': '1.0', 'ce-id': 'a1', 'ce-source': '/a', 'ce-type': 't', 'x-trace': 'abc' };
    let res = await post(nr.url + '/events?tenant=blue', { ...h, authorization: 'Basic ' + Buffer.from('hook:wrong').toString('base64') }, '');
    res.status.should.equal(401);
    res.headers['www-authenticate'].should.match(/^Basic realm=/);
    (await post(nr.url + '/events', h, '')).status.should.equal(401);
    (await post(nr.url + '/events?tenant=blue', { ...h, authorization: auth }, '')).status.should.equal(202);
    await waitFor(1);
    const m = events()[0];
    m.http.should.containEql({ method: 'POST', path: '/events', url: '/events?tenant=blue', query: { tenant: 'blue' }, remoteAddress: '127.0.0.1', mode: 'binary' });
    m.http.remotePort.should.be.a.Number();
    m.http.headers['x-trace'].should.equal('abc');
    should(m.http.headers.authorization).be.undefined();
    await nr.waitFor(() => /1 events, 2 rejected/.test(nr.status('ce1')?.text ?? ''), 3000, 'status with counts');
  });

  it('delivery acknowledged: 200 once the flow has finished, 500 when a node fails the event', async () => {
    const consumer = [
      { id: 'fn', type: 'function', z: TAB, func: 'if (msg.payload.type === "fail") { throw new Error("flow says no"); } return msg;', outputs: 1, wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
    ];
    await deploy(flow({ delivery: 'acknowledged', responseTimeout: 5 }, consumer));
    const h = (id, type) => ({ 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/a', 'ce-type': type });
    let res = await post(nr.url + '/events', h('ok-1', 'ok'), '');
    res.status.should.equal(200);
    events().length.should.equal(1); // the flow had finished when the answer came
    should(events()[0]._ackToken).be.a.String();
    res = await post(nr.url + '/events', h('bad-1', 'fail'), '');
    res.status.should.equal(500);
    JSON.parse(res.text).error.should.match(/flow says no/);
    const batch = [{ specversion: '1.0', id: 'b1', source: '/a', type: 'ok' }, { specversion: '1.0', id: 'b2', source: '/a', type: 'ok' }];
    res = await post(nr.url + '/events', { 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(batch));
    res.status.should.equal(200);
    events().length.should.equal(3);
  });

  it('delivery acknowledged across link nodes, a delay node and a second wire: 200 only once every branch has finished', async () => {
    const consumer = [
      // x and y: Node-RED takes a node without a position for a config node, and link nodes
      // referring to each other for a circular config dependency
      { id: 'lo', type: 'link out', z: TAB, mode: 'link', links: ['li'], x: 100, y: 100, wires: [] },
      { id: 'li', type: 'link in', z: TAB, links: ['lo'], x: 100, y: 200, wires: [['dl']] },
      { id: 'dl', type: 'delay', z: TAB, pauseType: 'delay', timeout: '400', timeoutUnits: 'milliseconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, outputs: 1, wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
      { id: 'slow', type: 'function', z: TAB, func: 'await new Promise((r) => setTimeout(r, 150)); return msg;', outputs: 1, wires: [['s2']] },
      sinkNode('s2', 'events2', TAB),
    ];
    const nodes = flow({ delivery: 'acknowledged', responseTimeout: 5 }, consumer);
    nodes.find((n) => n.id === 'ce1').wires = [['lo', 'slow']];
    await deploy(nodes);
    const h = (id) => ({ 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/a', 'ce-type': 't' });
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const res = await post(nr.url + '/events', h(`link-${i}`), '');
      res.status.should.equal(200);
      (Date.now() - t0).should.be.aboveOrEqual(380, 'answered before the delayed branch finished');
      events('events').length.should.equal(i + 1);
      events('events2').length.should.equal(i + 1);
    }
  });

  it('delivery acknowledged through knative-out: 200 after the target accepted, 500 when dead-lettered (wired or not)', async function () {
    const types = await nr.RED.runtime.nodes.getNodeList({}).catch(() => []);
    if (!types.some((s) => (s.types || []).includes('knative-out'))) this.skip();
    const peer = await startKnativePeer();
    try {
      for (const wired of [true, false]) {
        peer.reset();
        await nr.deploy([]);
        await deploy(flow({ delivery: 'acknowledged', responseTimeout: 10 }, [
          { id: 'ko', type: 'knative-out', z: TAB, url: peer.url, encoding: 'binary', retries: 0, timeout: 5, wires: [['s1'], wired ? ['dl'] : []] },
          sinkNode('s1', 'events', TAB),
          sinkNode('dl', 'dead', TAB),
        ]));
        const h = (id) => ({ 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/k', 'ce-type': 't' });
        const ok = await post(nr.url + '/events', h(`ok-${wired}`), '');
        ok.status.should.equal(200);
        peer.acceptedIds().should.eql([`ok-${wired}`]); // answered only after the target had it
        peer.script([{ status: 400 }]);
        const bad = await post(nr.url + '/events', h(`bad-${wired}`), '');
        bad.status.should.equal(500, bad.text);
        JSON.parse(bad.text).error.should.match(/400/);
      }
    } finally {
      await peer.close();
    }
  });

  it('delivery acknowledged: 504 when the flow takes longer than responseTimeout, 503 when stopped, 429 when full', async () => {
    const consumer = [
      { id: 'dly', type: 'delay', z: TAB, pauseType: 'delay', timeout: '3', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
    ];
    await deploy(flow({ delivery: 'acknowledged', responseTimeout: 0.5, maxInFlight: 2 }, consumer));
    const h = (id) => ({ 'ce-specversion': '1.0', 'ce-id': id, 'ce-source': '/a', 'ce-type': 't' });
    const started = Date.now();
    const slow = await post(nr.url + '/events', h('slow-1'), '');
    slow.status.should.equal(504);
    (Date.now() - started).should.be.below(2000);
    // slow-1 is still in the delay node: one more fills the window
    const pending = post(nr.url + '/events', h('slow-2'), '');
    await new Promise((r) => setTimeout(r, 100));
    const full = await post(nr.url + '/events', h('slow-3'), '');
    full.status.should.equal(429);
    full.headers['retry-after'].should.equal('1');
    // redeploy while slow-2 waits: it is answered 503 at once
    await deploy([]);
    const stopped = await pending;
    [503, 504].should.containEql(stopped.status);
  });

  it('answers 503 to a request waiting for the flow when the node is stopped', async () => {
    const consumer = [
      { id: 'dly', type: 'delay', z: TAB, pauseType: 'delay', timeout: '5', timeoutUnits: 'seconds', rate: '1', nbRateUnits: '1', rateUnits: 'second', randomFirst: '1', randomLast: '5', randomUnits: 'seconds', drop: false, allowrate: false, outputs: 1, wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
    ];
    await deploy(flow({ delivery: 'acknowledged', responseTimeout: 30 }, consumer));
    const pending = post(nr.url + '/events', { 'ce-specversion': '1.0', 'ce-id': 'w1', 'ce-source': '/a', 'ce-type': 't' }, '');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await deploy([]);
    const res = await pending;
    res.status.should.equal(503);
    res.headers['retry-after'].should.equal('1');
    (Date.now() - t0).should.be.below(3000);
  });

  it('removes its route cleanly: redeploys add nothing to the router, a stopped path falls through, paths are unique', async () => {
    const stack = () => nr.RED.httpNode._router.stack.length;
    await deploy(flow({ path: '/one' }));
    const before = stack();
    for (let i = 0; i < 20; i++) {
      await deploy(flow({ path: i % 2 ? '/one' : '/two', name: `n${i}` }));
    }
    stack().should.equal(before);
    // last deploy (i = 19) serves /one; /two is gone
    const h = { 'ce-specversion': '1.0', 'ce-id': 'r1', 'ce-source': '/a', 'ce-type': 't' };
    (await post(nr.url + '/one', h, '')).status.should.equal(202);
    (await post(nr.url + '/two', h, '')).status.should.equal(404);
    await deploy([]);
    (await post(nr.url + '/one', h, '')).status.should.equal(404);
    // two nodes, one path: the second one reports it and serves nothing
    await deploy([
      { id: TAB, type: 'tab' },
      { id: 'a', type: 'cloudevent-in', z: TAB, path: '/dup', wires: [['s1']] },
      { id: 'b', type: 'cloudevent-in', z: TAB, path: '/DUP/', wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
    ]);
    const bad = ['a', 'b'].map((id) => nr.status(id)).filter((s) => s && s.fill === 'red');
    bad.length.should.equal(1);
    bad[0].text.should.match(/already used/);
    (await post(nr.url + '/dup', h, '')).status.should.equal(202);
  });

  it('refuses invalid settings with a red status: path "/", bad sizes, editor paths', async () => {
    await deploy([
      { id: TAB, type: 'tab' },
      { id: 'p1', type: 'cloudevent-in', z: TAB, path: '/', wires: [] },
      { id: 'p2', type: 'cloudevent-in', z: TAB, path: '/ok', maxBodySize: 'huge', wires: [] },
      { id: 'p3', type: 'cloudevent-in', z: TAB, path: '/flows', wires: [] },
    ]);
    // with both roots at "/", the editor's API paths are refused (its app sees them first)
    nr.status('p3').should.containEql({ fill: 'red' });
    nr.status('p3').text.should.match(/belongs to the Node-RED editor/);
    nr.status('p1').should.containEql({ fill: 'red' });
    nr.status('p1').text.should.match(/path must not be "\/"/);
    nr.status('p2').text.should.match(/maxBodySize/);
    (await post(nr.url + '/ok', { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/a', 'ce-type': 't' }, '')).status.should.equal(404);
  });

  it('with shared roots: JSON bodies reach the node unparsed by the editor app (scalars, errors and limits are its own)', async () => {
    await deploy(flow({ maxBodySize: '2kb' }));
    const h = { 'ce-specversion': '1.0', 'ce-id': 'j1', 'ce-source': '/a', 'ce-type': 't', 'content-type': 'application/json' };
    (await post(nr.url + '/events', h, '{"deep":{"list":[1,2.5,"x",null,{"y":false}]}}')).status.should.equal(202);
    // scalars, which the editor app's strict JSON parser would refuse
    for (const body of ['1.5', '"text"', 'true', 'null']) (await post(nr.url + '/events', h, body)).status.should.equal(202, body);
    (await post(nr.url + '/events', { ...h, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1&b=two')).status.should.equal(202);
    const big = await post(nr.url + '/events', h, JSON.stringify({ big: 'x'.repeat(4000) }));
    big.status.should.equal(413);
    JSON.parse(big.text).error.should.match(/larger than 2048 bytes/);
    const bad = await post(nr.url + '/events', h, '{"bad');
    bad.status.should.equal(400);
    JSON.parse(bad.text).attribute.should.equal('data');
    await waitFor(6);
    events().map((m) => m.payload.data).should.eql([{ deep: { list: [1, 2.5, 'x', null, { y: false }] } }, 1.5, 'text', true, null, 'a=1&b=two']);
    // the editor's own API still parses its JSON
    const r = await undici.request(nr.url + '/flows', { method: 'GET' });
    r.statusCode.should.equal(200);
    await r.body.dump();
  });
});
