'use strict';
/*
 * lib/webhook: settings, basic auth, and the receiver over a real Node HTTP server (no
 * Node-RED): every answer of the endpoint's contract, body limits, slow bodies, bodies consumed
 * by an earlier parser, the webhook handshake and the registry's dispatch.
 */
const should = require('should');
const http = require('node:http');
const net = require('node:net');
const {
  BasicAuth,
  basicAuthFor,
  normalizePath,
  parseOrigins,
  parseSize,
  parseWebhookSettings,
  requestPathKey,
  WebhookReceiver,
  WebhookRegistry,
} = require('../../../dist/lib/webhook');

const CE_HEADERS = { 'ce-specversion': '1.0', 'ce-id': 'id-1', 'ce-source': '/src', 'ce-type': 't.one' };

/** A server mounting one registry; `before` runs ahead of it (e.g. a body parser). */
async function serve(registry, before) {
  const server = http.createServer((req, res) => {
    const go = () =>
      registry.dispatch(req, res, (err) => {
        res.statusCode = err ? 500 : 404;
        res.end(err ? 'next(err)' : 'fell through');
      });
    if (before) before(req, res, go);
    else go();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    server,
    url: `http://127.0.0.1:${server.address().port}`,
    port: server.address().port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** A request with Node's http client; resolves {status, headers, body(json|text)} even if the upload fails. */
function request(url, { method = 'POST', headers = {}, body, chunks, chunkDelayMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false });
    req.on('response', (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', (err) => reject(err));
    if (chunks) {
      let i = 0;
      const next = () => {
        if (req.destroyed) return;
        if (i >= chunks.length) return req.end();
        req.write(chunks[i++]);
        setTimeout(next, chunkDelayMs);
      };
      next();
    } else {
      req.end(body);
    }
  });
}

function receiverWith(settings, extra = {}) {
  const received = [];
  const results = [];
  const slices = [];
  let outcome;
  const r = new WebhookReceiver({
    settings: parseWebhookSettings({ path: '/hook', ...settings }),
    auth: extra.auth,
    onResult: (x) => results.push(x),
    delivery: {
      inFlight: () => extra.inFlight ?? 0,
      deliver: (events, info, first, total) => {
        slices.push({ first, total, count: events.length });
        received.push(...events.map((e) => ({ event: e, info })));
        return extra.deliver ? extra.deliver(events, info, first, total) : outcome;
      },
    },
  });
  return { r, received, results, slices, setOutcome: (o) => (outcome = o) };
}

describe('lib/webhook settings', () => {
  it('normalizes and validates paths', () => {
    normalizePath('events').should.equal('/events');
    normalizePath(' /Events/Vc1/ ').should.equal('/events/vc1');
    normalizePath('/a-b_c.d~e/f:g@h').should.equal('/a-b_c.d~e/f:g@h');
    for (const bad of ['', '/', '//', '///', '/a//b', '/a/../b', '/./a', '/a b', '/a?b', '/a#b', '/a%20b', 'ä', 5, null]) {
      should.throws(() => normalizePath(bad), `${JSON.stringify(bad)} should be refused`);
    }
    should.throws(() => normalizePath('/' + 'a'.repeat(1100)));
    const { collidesWithEditor } = require('../../../dist/lib/webhook');
    collidesWithEditor('/flows').should.be.true();
    collidesWithEditor('/inject/abc').should.be.true();
    collidesWithEditor('/events').should.be.false();
    collidesWithEditor('/hooks/flows').should.be.false();
  });

  it('maps request paths to keys like Express (case-insensitive, trailing slash, query, percent-decoding)', () => {
    requestPathKey('/Events/?x=1').should.equal('/events');
    requestPathKey('/ev%65nts').should.equal('/events');
    should(requestPathKey('/bad%zz')).be.undefined();
  });

  it('parses sizes, origins and the whole settings object with defaults', () => {
    parseSize('s', undefined, 7).should.equal(7);
    parseSize('s', '1mb', 0).should.equal(1048576);
    parseSize('s', '512 KB', 0).should.equal(524288);
    parseSize('s', 65536, 0).should.equal(65536);
    parseSize('s', '1.5k', 0).should.equal(1536);
    for (const bad of ['0', '-1', 'lots', '1tb', '300mb', {}]) should.throws(() => parseSize('s', bad, 0), String(bad));
    parseOrigins('').should.eql([]);
    parseOrigins('*').should.eql([]);
    parseOrigins('A.example.com, b.example.com:8443 a.example.com').should.eql(['a.example.com', 'b.example.com:8443']);
    should.throws(() => parseOrigins('https://x/y'));
    const s = parseWebhookSettings({ path: 'in' });
    s.should.eql({
      path: '/in', delivery: 'sent', maxBodySize: 1048576, readTimeoutMs: 30000, responseTimeoutMs: 30000,
      maxInFlight: 1000, maxBatchSize: 1000, allowedOrigins: [],
    });
    parseWebhookSettings({ path: '/x', delivery: 'acknowledged', responseTimeout: '2.5', readTimeout: 1, maxInFlight: '5', maxBodySize: '2kb' })
      .should.containEql({ delivery: 'acknowledged', responseTimeoutMs: 2500, readTimeoutMs: 1000, maxInFlight: 5, maxBodySize: 2048 });
    should.throws(() => parseWebhookSettings({ path: '/x', delivery: 'later' }), /delivery/);
    should.throws(() => parseWebhookSettings({ path: '/x', maxInFlight: 0 }), /maxInFlight/);
    parseWebhookSettings({ path: '/x', maxBatchSize: '50' }).maxBatchSize.should.equal(50);
    for (const bad of [0, '1.5', 'many', 100001]) should.throws(() => parseWebhookSettings({ path: '/x', maxBatchSize: bad }), /maxBatchSize/);
    should.throws(() => parseWebhookSettings({ path: '/x', responseTimeout: 'soon' }), /responseTimeout/);
  });

  it('parses where an endpoint listens: no port = Node-RED\'s server, a port of its own, a bind address', () => {
    const { parseListenerSettings } = require('../../../dist/lib/webhook');
    parseListenerSettings({}).should.eql({});
    parseListenerSettings({ port: '', host: '' }).should.eql({});
    parseListenerSettings({ port: ' 8080 ' }).should.eql({ port: 8080 });
    parseListenerSettings({ port: 9000, host: '127.0.0.1' }).should.eql({ port: 9000, host: '127.0.0.1' });
    parseListenerSettings({ port: 9000, host: '[::1]' }).should.eql({ port: 9000, host: '::1' });
    for (const bad of [0, 65536, '80a', -1, 1.5]) should.throws(() => parseListenerSettings({ port: bad }), /port/);
    should.throws(() => parseListenerSettings({ port: 9000, host: 'a b' }), /host/);
    should.throws(() => parseListenerSettings({ host: '127.0.0.1' }), /host needs a port/);
  });

  it('checks basic auth in constant time, both parts', () => {
    const a = new BasicAuth('user', 'pä ss:word');
    const h = (u, p) => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64');
    a.check(h('user', 'pä ss:word')).should.be.true();
    a.check('basic   ' + Buffer.from('user:pä ss:word').toString('base64') + ' ').should.be.true();
    a.check(h('user', 'pä ss:wor')).should.be.false();
    a.check(h('User', 'pä ss:word')).should.be.false();
    a.check(h('', '')).should.be.false();
    a.check(undefined).should.be.false();
    a.check('Bearer abc').should.be.false();
    a.check('Basic !!!').should.be.false();
    a.check('Basic ' + Buffer.from('nocolon').toString('base64')).should.be.false();
    should(basicAuthFor('', '')).be.undefined();
    should(basicAuthFor(undefined, undefined)).be.undefined();
    basicAuthFor('', 'secret').check(h('', 'secret')).should.be.true();
  });
});

describe('lib/webhook receiver over HTTP', function () {
  this.timeout(10000);
  let srv;
  let registry;
  afterEach(async () => {
    if (srv) await srv.close();
    srv = undefined;
  });

  async function setup(settings, extra, before) {
    const x = receiverWith(settings, extra);
    registry = new WebhookRegistry();
    registry.add(x.r);
    srv = await serve(registry, before);
    x.url = srv.url + '/hook';
    return x;
  }

  it('accepts binary, structured (with parameters) and batched events: 202, one delivery per request', async () => {
    const x = await setup({});
    let res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'application/json', 'ce-subject': 'Z%C3%BCrich%20%E2%82%AC' }, body: '{"a":1}' });
    res.status.should.equal(202);
    res.text.should.equal('');
    res = await request(x.url, {
      headers: { 'content-type': 'Application/CloudEvents+JSON; charset=UTF-8' },
      body: JSON.stringify({ specversion: '1.0', id: 's1', source: '/s', type: 't', data: 1.5 }),
    });
    res.status.should.equal(202);
    res = await request(x.url + '/?q=1', {
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([{ specversion: '1.0', id: 'b1', source: '/s', type: 't' }, { specversion: '1.0', id: 'b2', source: '/s', type: 't', data: 'x', datacontenttype: 'text/plain' }]),
    });
    res.status.should.equal(202);
    x.received.map((e) => e.event.id).should.eql(['id-1', 's1', 'b1', 'b2']);
    x.received[0].event.should.eql({ specversion: '1.0', id: 'id-1', source: '/src', type: 't.one', subject: 'Zürich €', datacontenttype: 'application/json', data: { a: 1 } });
    x.received[1].event.data.should.equal(1.5);
    x.received[0].info.should.containEql({ method: 'POST', path: '/hook', mode: 'binary', remoteAddress: '127.0.0.1' });
    x.received[2].info.should.containEql({ mode: 'batch', url: '/hook/?q=1', query: { q: '1' } });
    x.results.map((r) => r.status).should.eql([202, 202, 202]);
  });

  it('answers 400 naming the attribute (and the batch index), 415 for what is not a CloudEvent', async () => {
    const x = await setup({});
    const cases = [
      [{ ...CE_HEADERS, 'ce-specversion': '0.3' }, '', 400, 'specversion'],
      [{ ...CE_HEADERS, 'ce-source': '' }, '', 400, 'source'],
      [{ 'ce-specversion': '1.0', 'ce-id': 'x', 'ce-type': 't' }, '', 400, 'source'],
      [{ ...CE_HEADERS, 'ce-subject': 'bad%zzenc' }, '', 400, 'subject'],
      [{ ...CE_HEADERS, 'ce-subject': '%C0%A0' }, '', 400, 'subject'],
      [{ ...CE_HEADERS, 'ce-time': 'yesterday' }, '', 400, 'time'],
      [{ ...CE_HEADERS, 'content-type': 'application/json' }, '{"trunc', 400, 'data'],
      [{ 'content-type': 'application/cloudevents+json' }, '{"specversion":"1.0","id":"1","source":"/s"}', 400, 'type'],
      [{ 'content-type': 'application/cloudevents+json' }, '{"specversion":"1.0",', 400, undefined],
      [{ 'content-type': 'application/cloudevents+json' }, '', 400, undefined],
    ];
    for (const [headers, body, status, attribute] of cases) {
      const res = await request(x.url, { headers, body });
      res.status.should.equal(status, JSON.stringify(headers) + body);
      res.headers['content-type'].should.match(/^application\/json/);
      should(res.json.attribute).equal(attribute, res.text);
      res.json.error.should.be.a.String();
    }
    const batch = await request(x.url, {
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([{ specversion: '1.0', id: 'ok', source: '/s', type: 't' }, { specversion: '1.0', id: '', source: '/s', type: 't' }]),
    });
    batch.status.should.equal(400);
    batch.json.should.containEql({ attribute: 'id', index: 1 });
    for (const headers of [{ 'content-type': 'text/plain' }, {}, { 'content-type': 'application/cloudevents+xml' }, { ...CE_HEADERS, 'content-encoding': 'gzip' }]) {
      const res = await request(x.url, { headers, body: 'x' });
      res.status.should.equal(415, JSON.stringify(headers));
    }
    x.received.length.should.equal(0);
  });

  it('answers 405 with Allow for other methods, and the webhook handshake for OPTIONS', async () => {
    const x = await setup({ allowedOrigins: 'sender.example.com' });
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD']) {
      const res = await request(x.url, { method });
      res.status.should.equal(405, method);
      res.headers.allow.should.equal('POST, OPTIONS');
    }
    let res = await request(x.url, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'sender.example.com', 'WebHook-Request-Rate': '120' } });
    res.status.should.equal(200);
    res.headers['webhook-allowed-origin'].should.equal('sender.example.com');
    res.headers['webhook-allowed-rate'].should.equal('*');
    res.headers.allow.should.equal('POST, OPTIONS');
    res = await request(x.url, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'evil.example.com' } });
    res.status.should.equal(403);
    should(res.headers['webhook-allowed-origin']).be.undefined();
    res = await request(x.url, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'a b' } });
    res.status.should.equal(400);
    res = await request(x.url, { method: 'OPTIONS' });
    res.status.should.equal(204);
    res.headers.allow.should.equal('POST, OPTIONS');
  });

  it('echoes any origin when no list is configured', async () => {
    const x = await setup({});
    const res = await request(x.url, { method: 'OPTIONS', headers: { 'WebHook-Request-Origin': 'eventemitter.example.com', 'WebHook-Request-Callback': 'http://127.0.0.1:1/cb' } });
    res.status.should.equal(200);
    res.headers['webhook-allowed-origin'].should.equal('eventemitter.example.com');
  });

  it('requires basic auth when configured: 401 with WWW-Authenticate before reading the body', async () => {
    const x = await setup({}, { auth: new BasicAuth('u', 'p') });
    const ok = 'Basic ' + Buffer.from('u:p').toString('base64');
    const bad = 'Basic ' + Buffer.from('u:x').toString('base64');
    let res = await request(x.url, { headers: { ...CE_HEADERS, authorization: bad }, body: '' });
    res.status.should.equal(401);
    res.headers['www-authenticate'].should.equal('Basic realm="cloudevent-in", charset="UTF-8"');
    res = await request(x.url, { headers: { ...CE_HEADERS }, body: '' });
    res.status.should.equal(401);
    res = await request(x.url, { headers: { ...CE_HEADERS, authorization: ok }, body: '' });
    res.status.should.equal(202);
    x.received.length.should.equal(1);
    should(x.received[0].info.headers.authorization).be.undefined();
  });

  it('answers 413 from Content-Length without reading, and stops reading a chunked body at the limit', async () => {
    const x = await setup({ maxBodySize: '1kb' });
    let res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'text/plain', 'content-length': '1025' }, body: 'x'.repeat(1025) });
    res.status.should.equal(413);
    res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'text/plain' }, body: 'x'.repeat(1024) });
    res.status.should.equal(202);
    // chunked, 64 KiB chunks, 10 MiB in all: answered at the limit, connection closed
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let err;
    res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'text/plain' }, chunks: Array(160).fill(chunk), chunkDelayMs: 1 }).catch((e) => (err = e));
    if (err === undefined) {
      res.status.should.equal(413);
      res.headers.connection.should.equal('close');
    } else {
      // the client may see the reset before the answer; the result must then be on the server
      err.code.should.match(/ECONNRESET|EPIPE/);
    }
    x.results.map((r) => r.status).should.eql([413, 202, 413]);
  });

  it('answers 408 to a body slower than readTimeout, and drops clients that go away mid-body', async () => {
    const x = await setup({ readTimeout: 0.3 });
    const started = Date.now();
    const res = await request(x.url, {
      headers: { ...CE_HEADERS, 'content-type': 'text/plain', 'content-length': '100' },
      chunks: ['a', 'b', 'c'], chunkDelayMs: 1000,
    });
    res.status.should.equal(408);
    (Date.now() - started).should.be.below(1500);
    // a client that disconnects after half the body
    await new Promise((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1', () => {
        s.write('POST /hook HTTP/1.1\r\nHost: x\r\nce-specversion: 1.0\r\nce-id: 1\r\nce-source: /s\r\nce-type: t\r\ncontent-length: 10\r\n\r\nabc');
        setTimeout(() => { s.destroy(); setTimeout(resolve, 100); }, 50);
      });
    });
    x.results.map((r) => r.status).should.eql([408, 400]);
    x.received.length.should.equal(0);
  });

  it('uses a body an earlier parser consumed (Node-RED with shared admin and node roots)', async () => {
    // what the editor app's body-parser leaves: the stream read, the parsed value in req.body
    const parser = (req, res, next) => {
      const ct = String(req.headers['content-type'] || '');
      if (!/json|urlencoded/.test(ct) || /cloudevents/.test(ct)) return next();
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', () => {
        const text = Buffer.concat(parts).toString();
        req._body = true;
        req.body = /urlencoded/.test(ct) ? Object.fromEntries(new URLSearchParams(text)) : text === '' ? {} : JSON.parse(text);
        next();
      });
    };
    const x = await setup({ maxBodySize: 100 }, {}, parser);
    let res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'application/json' }, body: '{"a": [1, 2, {"b": null}]}' });
    res.status.should.equal(202);
    res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=%C3%A4+x' });
    res.status.should.equal(202);
    res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'application/json', 'content-length': '0' }, body: '' });
    res.status.should.equal(202);
    res = await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'application/json' }, body: JSON.stringify({ big: 'x'.repeat(200) }) });
    res.status.should.equal(413);
    x.received.map((e) => e.event.data).should.eql([{ a: [1, 2, { b: null }] }, 'a=1&b=%C3%A4+x', undefined]);
  });

  it('delivery acknowledged: 200 when the flow finished, 500 when it failed, 504 on timeout, 503 on close, 429 when full', async () => {
    let next;
    const x = await setup({ delivery: 'acknowledged', responseTimeout: 0.3 }, { deliver: () => next() });
    next = () => Promise.resolve({ ok: true });
    (await request(x.url, { headers: CE_HEADERS, body: '' })).status.should.equal(200);
    next = () => Promise.resolve({ ok: false, reason: 'sink said 503' });
    const failed = await request(x.url, { headers: CE_HEADERS, body: '' });
    failed.status.should.equal(500);
    failed.json.error.should.equal('sink said 503');
    next = () => new Promise(() => {});
    const slow = await request(x.url, { headers: CE_HEADERS, body: '' });
    slow.status.should.equal(504);
    const pending = request(x.url, { headers: CE_HEADERS, body: '' });
    await new Promise((r) => setTimeout(r, 50));
    x.r.close();
    const closed = await pending;
    closed.status.should.equal(503);
    closed.headers['retry-after'].should.equal('1');
  });

  it('delivery acknowledged: 429 with Retry-After while maxInFlight events are in the flow', async () => {
    const x = await setup({ delivery: 'acknowledged', maxInFlight: 2 }, { inFlight: 2, deliver: () => Promise.resolve({ ok: true }) });
    const res = await request(x.url, { headers: CE_HEADERS, body: '' });
    res.status.should.equal(429);
    res.headers['retry-after'].should.equal('1');
    x.received.length.should.equal(0);
  });

  it('dispatches by path only to live endpoints; other paths fall through; a path has one owner', async () => {
    const a = receiverWith({ path: '/a' });
    const b = receiverWith({ path: '/b/c' });
    registry = new WebhookRegistry();
    registry.add(a.r);
    registry.add(b.r);
    should.throws(() => registry.add(receiverWith({ path: '/A/' }).r), /already served/);
    srv = await serve(registry);
    (await request(srv.url + '/A/', { headers: CE_HEADERS, body: '' })).status.should.equal(202);
    (await request(srv.url + '/b/c?x', { headers: CE_HEADERS, body: '' })).status.should.equal(202);
    (await request(srv.url + '/b', { headers: CE_HEADERS, body: '' })).text.should.equal('fell through');
    registry.remove(a.r);
    registry.size.should.equal(1);
    (await request(srv.url + '/a', { headers: CE_HEADERS, body: '' })).text.should.equal('fell through');
    registry.remove(a.r); // idempotent
    a.received.length.should.equal(1);
    b.received.length.should.equal(1);
  });

  it('runs middleware (httpNodeMiddleware) before a matched endpoint only', async () => {
    const seen = [];
    const x = receiverWith({ path: '/m' });
    registry = new WebhookRegistry([
      (req, res, next) => { seen.push(req.url); next(); },
      (req, res, next) => (req.headers['x-block'] ? (res.statusCode = 403, res.end('blocked')) : next()),
    ]);
    registry.add(x.r);
    srv = await serve(registry);
    (await request(srv.url + '/m', { headers: CE_HEADERS, body: '' })).status.should.equal(202);
    (await request(srv.url + '/m', { headers: { ...CE_HEADERS, 'x-block': '1' }, body: '' })).status.should.equal(403);
    (await request(srv.url + '/other', { headers: CE_HEADERS, body: '' })).status.should.equal(404);
    seen.should.eql(['/m', '/m']);
  });

  it('claims bodies for live endpoints before a body parser on the same server (body-parser honours req._body)', async () => {
    const bodyParser = require('body-parser');
    const json = bodyParser.json();
    const x = receiverWith({ path: '/c' });
    registry = new WebhookRegistry();
    registry.add(x.r);
    // like Node-RED with shared roots: a strict JSON parser for every path runs before the node app
    srv = await serve(registry, (req, res, next) => json(req, res, (err) => (err ? (res.statusCode = 499, res.end('parser')) : next())));
    const h = { ...CE_HEADERS, 'content-type': 'application/json' };
    (await request(srv.url + '/c', { headers: h, body: '1.5' })).status.should.equal(499);
    const release = registry.claimBodies(srv.server, '/');
    (await request(srv.url + '/c', { headers: h, body: '1.5' })).status.should.equal(202);
    (await request(srv.url + '/C/', { headers: h, body: '{"bad' })).json.attribute.should.equal('data');
    x.received.map((e) => e.event.data).should.eql([1.5]);
    release();
    (await request(srv.url + '/c', { headers: h, body: '1.5' })).status.should.equal(499);
  });

  it('claims only binary-mode CloudEvents POSTed to live paths under the mount path', () => {
    const { EventEmitter } = require('node:events');
    const server = new EventEmitter();
    registry = new WebhookRegistry();
    registry.add(receiverWith({ path: '/c' }).r);
    registry.claimBodies(server, '/hooks/');
    const claimed = (method, url, headers = { 'ce-specversion': '1.0' }) => {
      const req = { method, url, headers };
      server.emit('request', req, {});
      return req._body === true;
    };
    claimed('POST', '/hooks/c').should.be.true();
    claimed('POST', '/Hooks/C/?x=1').should.be.true();
    claimed('POST', '/c').should.be.false();
    claimed('POST', '/hooks/other').should.be.false();
    claimed('GET', '/hooks/c').should.be.false();
    claimed('POST', '/hooks/%zz').should.be.false();
    claimed('POST', '/hooks/c', { 'ce-id': 'x' }).should.be.true();
    // not a binary-mode CloudEvent: nothing to protect, leave it to whoever handles it
    claimed('POST', '/hooks/c', { 'content-type': 'application/json' }).should.be.false();
  });
});

describe('lib/webhook receiver: hostile bodies, throwing flows and batches (issue 11)', function () {
  this.timeout(20000);
  let srv;
  afterEach(async () => {
    if (srv) await srv.close();
    srv = undefined;
  });

  async function setup(settings, extra) {
    const x = receiverWith(settings, extra);
    const registry = new WebhookRegistry();
    registry.add(x.r);
    srv = await serve(registry);
    x.url = srv.url + '/hook';
    return x;
  }
  const nested = (depth, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);
  const ev = (i, extra = {}) => ({ specversion: '1.0', id: `e${i}`, source: '/s', type: 't', ...extra });
  const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
  const BATCH = { 'content-type': 'application/cloudevents-batch+json' };
  const batchOf = (n) => JSON.stringify(Array.from({ length: n }, (_, i) => ev(i)));

  it('refuses data nested deeper than 64 levels with 400 in binary, structured and batched mode, before parsing', async () => {
    const x = await setup({});
    const json = { ...CE_HEADERS, 'content-type': 'application/json' };
    const bodies = [
      [json, nested(3000)],
      [json, nested(65)],
      [STRUCTURED, JSON.stringify(ev(1)).slice(0, -1) + ',"data":' + nested(3000) + '}'],
      [STRUCTURED, JSON.stringify(ev(1)).slice(0, -1) + ',"data":' + nested(65) + '}'],
      [BATCH, '[' + JSON.stringify(ev(1)).slice(0, -1) + ',"data":' + nested(65) + '}]'],
      [{ ...CE_HEADERS, 'content-type': 'application/vnd.x+json; charset=utf-8' }, '{"a":' + nested(100) + '}'],
    ];
    for (const [headers, body] of bodies) {
      const res = await request(x.url, { headers, body });
      res.status.should.equal(400, body.slice(0, 80));
      res.headers['content-type'].should.match(/^application\/json/);
      res.json.error.should.match(/nested deeper than 64 levels/);
      res.json.attribute.should.equal('data');
    }
    x.received.length.should.equal(0);
    // exactly 64 levels of data pass in every mode; brackets inside strings and non-JSON data do not count
    (await request(x.url, { headers: json, body: nested(64) })).status.should.equal(202);
    (await request(x.url, { headers: STRUCTURED, body: JSON.stringify(ev(2, { data: JSON.parse(nested(64)) })) })).status.should.equal(202);
    (await request(x.url, { headers: BATCH, body: JSON.stringify([ev(3, { data: JSON.parse(nested(64)) })]) })).status.should.equal(202);
    (await request(x.url, { headers: json, body: JSON.stringify({ s: '['.repeat(500) }) })).status.should.equal(202);
    (await request(x.url, { headers: { ...CE_HEADERS, 'content-type': 'text/plain' }, body: '['.repeat(500) })).status.should.equal(202);
    (await request(x.url, { headers: CE_HEADERS, body: '['.repeat(500) })).status.should.equal(202);
    x.received.length.should.equal(6);
  });

  it('answers 500 with the reason when the flow throws while taking events (sent and acknowledged), and keeps serving', async () => {
    for (const delivery of ['sent', 'acknowledged']) {
      let boom = true;
      const x = await setup({ delivery }, {
        deliver: () => {
          if (boom) throw new RangeError('Maximum call stack size exceeded');
          return delivery === 'acknowledged' ? Promise.resolve({ ok: true }) : undefined;
        },
      });
      const res = await request(x.url, { headers: CE_HEADERS, body: '' });
      res.status.should.equal(500, delivery);
      res.json.error.should.match(/could not take .*Maximum call stack size exceeded/);
      const batch = await request(x.url, { headers: BATCH, body: batchOf(250) });
      batch.status.should.equal(500);
      x.slices.length.should.equal(2, 'no slice after the one that threw');
      boom = false;
      (await request(x.url, { headers: CE_HEADERS, body: '' })).status.should.equal(delivery === 'sent' ? 202 : 200);
      await srv.close();
      srv = undefined;
    }
  });

  it('answers 500 when the delivery promise rejects, and when an error escapes after the body was read', async () => {
    const x = await setup({ delivery: 'acknowledged' }, { deliver: () => Promise.reject(new Error('sink exploded')) });
    const res = await request(x.url, { headers: CE_HEADERS, body: '' });
    res.status.should.equal(500);
    res.json.error.should.equal('sink exploded');
    await srv.close();
    // a delivery whose in-flight count throws after the body arrived
    let calls = 0;
    const y = await setup({ delivery: 'acknowledged' }, { deliver: () => Promise.resolve({ ok: true }) });
    y.r.opts.delivery.inFlight = () => {
      if (++calls > 1) throw new Error('counter broke');
      return 0;
    };
    const res2 = await request(y.url, { headers: CE_HEADERS, body: '' });
    res2.status.should.equal(500);
    res2.json.error.should.match(/internal error: counter broke/);
  });

  it('a batch counts against maxInFlight as a whole: 429 (sent: larger than maxInFlight; acknowledged: larger than the free room)', async () => {
    const x = await setup({ maxInFlight: 10 });
    const res = await request(x.url, { headers: BATCH, body: batchOf(5000) });
    res.status.should.equal(429);
    res.headers['retry-after'].should.equal('1');
    res.json.error.should.match(/batch of 5000 events is more than the 10/);
    (await request(x.url, { headers: BATCH, body: batchOf(10) })).status.should.equal(202);
    x.received.length.should.equal(10);
    await srv.close();
    const y = await setup({ delivery: 'acknowledged', maxInFlight: 10 }, { inFlight: 4, deliver: () => Promise.resolve({ ok: true }) });
    const full = await request(y.url, { headers: BATCH, body: batchOf(7) });
    full.status.should.equal(429);
    full.json.error.should.match(/7 events do not fit: at most 10 .* and 4 are/);
    (await request(y.url, { headers: BATCH, body: batchOf(6) })).status.should.equal(200);
    y.received.length.should.equal(6);
  });

  it('maxBatchSize: 413 above it, checked after the window', async () => {
    const x = await setup({ maxInFlight: 100000, maxBatchSize: 50, maxBodySize: '4mb' });
    const res = await request(x.url, { headers: BATCH, body: batchOf(51) });
    res.status.should.equal(413);
    res.json.error.should.match(/51 events is more than the 50 allowed/);
    (await request(x.url, { headers: BATCH, body: batchOf(50) })).status.should.equal(202);
    await srv.close();
    const y = await setup({ maxInFlight: 10, maxBatchSize: 50, maxBodySize: '4mb' });
    (await request(y.url, { headers: BATCH, body: batchOf(5000) })).status.should.equal(429);
    y.received.length.should.equal(0);
  });

  it('hands large batches over in slices of 100 with turns of the event loop between them; answers once all are in', async () => {
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    const x = await setup({ maxBodySize: '4mb', maxBatchSize: 5000, maxInFlight: 5000 });
    setImmediate(tick);
    const res = await request(x.url, { headers: BATCH, body: batchOf(1050) });
    ticking = false;
    res.status.should.equal(202);
    x.slices.map((sl) => sl.first).should.eql([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    x.slices.every((sl) => sl.total === 1050).should.be.true();
    x.slices[10].count.should.equal(50);
    x.received.map((e) => e.event.id).should.eql(Array.from({ length: 1050 }, (_, i) => `e${i}`));
    turns.should.be.above(10);
    x.results.should.have.length(1);
    x.results[0].should.containEql({ status: 202, events: 1050 });
  });

  it('acknowledged batch in slices: answers once every slice finished; one failed slice makes it 500', async () => {
    const resolvers = [];
    const x = await setup({ delivery: 'acknowledged', maxBodySize: '4mb', maxBatchSize: 5000, maxInFlight: 5000 }, {
      deliver: () => new Promise((r) => resolvers.push(r)),
    });
    const pending = request(x.url, { headers: BATCH, body: batchOf(300) });
    await new Promise((r) => { const w = () => (resolvers.length === 3 ? r() : setTimeout(w, 10)); w(); });
    let answered = false;
    pending.then(() => (answered = true));
    resolvers[0]({ ok: true });
    resolvers[2]({ ok: true });
    await new Promise((r) => setTimeout(r, 100));
    answered.should.be.false();
    resolvers[1]({ ok: true });
    (await pending).status.should.equal(200);
    resolvers.length = 0;
    const failing = request(x.url, { headers: BATCH, body: batchOf(300) });
    await new Promise((r) => { const w = () => (resolvers.length === 3 ? r() : setTimeout(w, 10)); w(); });
    resolvers[0]({ ok: true });
    resolvers[1]({ ok: false, reason: 'dead-lettered' });
    resolvers[2]({ ok: true });
    const res = await failing;
    res.status.should.equal(500);
    res.json.error.should.equal('dead-lettered');
  });

  it('a slice whose outcome rejects before the last slice is sent: 500, and no unhandled rejection', async () => {
    const unhandled = [];
    const onUnhandled = (e) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const x = await setup({ delivery: 'acknowledged', maxBodySize: '4mb', maxBatchSize: 5000, maxInFlight: 5000 }, {
        deliver: (events, info, first) => (first === 0 ? Promise.reject(new Error('first slice failed')) : Promise.resolve({ ok: true })),
      });
      const res = await request(x.url, { headers: BATCH, body: batchOf(250) });
      res.status.should.equal(500);
      res.json.error.should.equal('first slice failed');
      await new Promise((r) => setTimeout(r, 20));
      unhandled.should.eql([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a close between slices answers 503 and sends no further slice; events reserved by it no longer count', async () => {
    let x;
    x = await setup({ delivery: 'acknowledged', maxBodySize: '4mb', maxBatchSize: 5000, maxInFlight: 5000 }, {
      deliver: (events, info, first) => {
        if (first === 100) setImmediate(() => x.r.close());
        return new Promise(() => {});
      },
    });
    const res = await request(x.url, { headers: BATCH, body: batchOf(1000) });
    res.status.should.equal(503);
    res.headers['retry-after'].should.equal('1');
    await new Promise((r) => setTimeout(r, 50));
    x.slices.map((sl) => sl.first).should.eql([0, 100]);
    x.r.reserved.should.equal(0);
  });
});

describe('lib/webhook ListenerPool: cloudevent-in on a port of its own (issue 16)', function () {
  this.timeout(20000);
  const { ListenerPool, ListenError, TlsMismatchError, PathInUseError: PathInUse } = require('../../../dist/lib/webhook');
  const { selfSignedCert } = require('../../support/horizon-peer');
  const https = require('node:https');
  let pool;
  afterEach(async () => {
    if (pool) await pool.closeAll();
    pool = undefined;
  });
  const freePort = () => new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const refused = (port) => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(false); });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });

  it('serves several endpoints on one port by path; 404 elsewhere; closes with the last endpoint', async () => {
    pool = new ListenerPool();
    const port = await freePort();
    const a = receiverWith({ path: '/a' });
    const b = receiverWith({ path: '/b' });
    const la = pool.acquire({ port, host: '127.0.0.1' }, a.r);
    const lb = pool.acquire({ port, host: '127.0.0.1' }, b.r);
    await Promise.all([la.ready, lb.ready]);
    pool.size.should.equal(1);
    (await request(`http://127.0.0.1:${port}/a`, { headers: CE_HEADERS, body: '' })).status.should.equal(202);
    (await request(`http://127.0.0.1:${port}/B/`, { headers: CE_HEADERS, body: '' })).status.should.equal(202);
    const other = await request(`http://127.0.0.1:${port}/c`, { headers: CE_HEADERS, body: '' });
    other.status.should.equal(404);
    other.json.error.should.match(/no cloudevent-in endpoint/);
    a.received.length.should.equal(1);
    b.received.length.should.equal(1);
    // the same path twice on one port is refused for the second
    const dup = pool.acquire({ port, host: '127.0.0.1' }, receiverWith({ path: '/a' }).r);
    await dup.ready.should.be.rejectedWith(PathInUse);
    await la.release();
    (await request(`http://127.0.0.1:${port}/a`, { headers: CE_HEADERS, body: '' })).status.should.equal(404);
    (await refused(port)).should.be.false();
    await lb.release();
    pool.size.should.equal(0);
    (await refused(port)).should.be.true();
  });

  it('a port in use rejects ready with ListenError EADDRINUSE (no throw, no crash)', async () => {
    pool = new ListenerPool();
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      const lease = pool.acquire({ port, host: '127.0.0.1' }, receiverWith({ path: '/a' }).r);
      const err = await lease.ready.then(() => null, (e) => e);
      err.should.be.instanceOf(ListenError);
      err.code.should.equal('EADDRINUSE');
      err.message.should.match(new RegExp(`port 127.0.0.1:${port} is already in use`));
      pool.size.should.equal(0);
      await lease.release();
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('HTTPS with a certificate; another TLS setting on the same port is refused clearly', async () => {
    pool = new ListenerPool();
    const port = await freePort();
    const { key, cert } = selfSignedCert();
    const x = receiverWith({ path: '/secure' });
    const lease = pool.acquire({ port, host: '127.0.0.1', tls: { id: 'tls-1', key, cert } }, x.r);
    await lease.ready;
    const status = await new Promise((resolve, reject) => {
      const req = https.request(`https://127.0.0.1:${port}/secure`, { method: 'POST', headers: CE_HEADERS, ca: cert, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    status.should.equal(202);
    x.received.length.should.equal(1);
    // plain HTTP to the TLS port gets no CloudEvent through
    const overPlain = await request(`http://127.0.0.1:${port}/secure`, { headers: CE_HEADERS, body: '' }).then((r) => r.status, () => 0);
    overPlain.should.not.equal(202);
    const plain = pool.acquire({ port, host: '127.0.0.1' }, receiverWith({ path: '/plain' }).r);
    const err = await plain.ready.then(() => null, (e) => e);
    err.should.be.instanceOf(TlsMismatchError);
    err.message.should.match(/same TLS setting/);
    const other = pool.acquire({ port, host: '127.0.0.1', tls: { id: 'tls-2', key, cert } }, receiverWith({ path: '/other' }).r);
    await other.ready.should.be.rejectedWith(TlsMismatchError);
    x.received.length.should.equal(1);
  });

  it('a certificate or key Node refuses rejects ready with a clear ListenError (no throw); the port can be served afterwards', async () => {
    pool = new ListenerPool();
    const port = await freePort();
    const { key, cert } = selfSignedCert();
    // a key that is not the certificate's
    const otherKey = require('node:crypto').generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    for (const [tls, what] of [
      [{ id: 'bad-1', key: 'garbage', cert: 'garbage' }, 'not PEM'],
      [{ id: 'bad-2', key: otherKey, cert }, 'key of another certificate'],
      [{ id: 'bad-3', key, cert: String(cert).slice(0, 200) }, 'truncated certificate'],
    ]) {
      let lease;
      (() => (lease = pool.acquire({ port, host: '127.0.0.1', tls }, receiverWith({ path: '/a' }).r))).should.not.throw(what);
      const err = await lease.ready.then(() => null, (e) => e);
      should.exist(err, what);
      err.should.be.instanceOf(ListenError);
      err.code.should.equal('ERR_TLS_CONFIG');
      err.message.should.match(new RegExp(`cannot serve HTTPS on port ${port}: the TLS certificate or key is not usable`));
      pool.size.should.equal(0);
      await lease.release();
      (await refused(port)).should.be.true();
    }
    const good = pool.acquire({ port, host: '127.0.0.1', tls: { id: 'good', key, cert } }, receiverWith({ path: '/a' }).r);
    await good.ready;
    await good.release();
  });

  it('closes within ~2 s with idle keep-alive and busy connections open; 50 acquire/release cycles leave no server or handle', async () => {
    pool = new ListenerPool();
    const port = await freePort();
    const x = receiverWith({ path: '/slow', delivery: 'acknowledged', responseTimeout: 60 }, { deliver: () => new Promise(() => {}) });
    const lease = pool.acquire({ port, host: '127.0.0.1' }, x.r);
    await lease.ready;
    const agent = new http.Agent({ keepAlive: true });
    // an idle keep-alive connection (answered 404) and a busy one (waiting for the flow)
    await new Promise((resolve) => http.request(`http://127.0.0.1:${port}/nothing`, { method: 'POST', agent }, (res) => { res.resume(); res.on('end', resolve); }).end());
    const busy = new Promise((resolve) => {
      const req = http.request(`http://127.0.0.1:${port}/slow`, { method: 'POST', headers: CE_HEADERS, agent: false }, (res) => resolve(res.statusCode));
      req.on('error', () => resolve('reset'));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    x.r.close(); // what the node does first: waiting requests get 503
    await lease.release();
    (Date.now() - t0).should.be.below(2000);
    (await busy).should.equal(503);
    (await refused(port)).should.be.true();
    agent.destroy();
    const handles = () => process._getActiveHandles().filter((h) => h instanceof net.Server).length;
    const before = handles();
    for (let i = 0; i < 50; i++) {
      const l = pool.acquire({ port, host: '127.0.0.1' }, receiverWith({ path: '/r' }).r);
      await l.ready;
      if (i % 10 === 0) (await request(`http://127.0.0.1:${port}/r`, { headers: CE_HEADERS, body: '' })).status.should.equal(202);
      await l.release();
    }
    pool.size.should.equal(0);
    // a closed server leaves the list of active handles a turn of the event loop later
    for (let t = 0; t < 20 && handles() > before; t++) await new Promise((r) => setTimeout(r, 50));
    handles().should.equal(before);
    (await refused(port)).should.be.true();
  });

  /** a raw TCP connection; resolves {socket, closed: Promise<{ms, data}>} once connected */
  const rawConnection = (port) => new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const t0 = Date.now();
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c) => (data += c));
    socket.on('error', () => {});
    const closed = new Promise((r) => socket.on('close', () => r({ ms: Date.now() - t0, data })));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });

  it('a connection that sends no request is closed after firstRequestTimeout; one whose flow takes longer is not', async () => {
    pool = new ListenerPool({ firstRequestTimeoutMs: 300 });
    const port = await freePort();
    const slow = receiverWith({ path: '/slow', delivery: 'acknowledged', responseTimeout: 60 }, {
      deliver: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 900)),
    });
    await pool.acquire({ port, host: '127.0.0.1' }, slow.r).ready;
    const silent = await rawConnection(port);
    const trickle = await rawConnection(port);
    // headers one byte at a time, never finished within the limit
    const line = 'POST /slow HTTP/1.1\r\nHost: x\r\n';
    let i = 0;
    const timer = setInterval(() => { if (i < line.length && !trickle.socket.destroyed) trickle.socket.write(line[i++]); }, 50);
    try {
      const [s, t] = await Promise.all([silent.closed, trickle.closed]);
      s.ms.should.be.within(200, 2000);
      s.data.should.equal(''); // nothing to answer: no request began
      t.ms.should.be.within(200, 2000);
    } finally {
      clearInterval(timer);
    }
    // a request that began in time keeps its connection while the flow works (900 ms > 300 ms),
    // and the same keep-alive connection serves a second request
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = () => new Promise((resolve, reject) => {
      const req = http.request(`http://127.0.0.1:${port}/slow`, { method: 'POST', headers: CE_HEADERS, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end();
    });
    (await post()).should.eql({ status: 200, reused: false });
    (await post()).should.eql({ status: 200, reused: true });
    agent.destroy();
  });

  it('HTTPS: a connection that never completes the handshake, or sends no request after it, is closed after firstRequestTimeout; closing does not wait for either', async () => {
    const tls = require('node:tls');
    pool = new ListenerPool({ firstRequestTimeoutMs: 400 });
    const port = await freePort();
    const { key, cert } = selfSignedCert();
    const x = receiverWith({ path: '/s' });
    let lease = pool.acquire({ port, host: '127.0.0.1', tls: { id: 'tls-idle', key, cert } }, x.r);
    await lease.ready;
    const noHandshake = await rawConnection(port);
    const idleSecure = await new Promise((resolve, reject) => {
      const t0 = Date.now();
      const s = tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' });
      s.on('error', () => {});
      const closed = new Promise((r) => s.on('close', () => r({ ms: Date.now() - t0 })));
      s.once('secureConnect', () => resolve({ closed }));
      s.once('error', reject);
    });
    const [a, b] = await Promise.all([noHandshake.closed, idleSecure.closed]);
    a.ms.should.be.within(300, 3000);
    b.ms.should.be.within(300, 3000);
    // the same with a long timeout: release must not wait for a handshake that never comes
    await lease.release();
    pool = new ListenerPool({ firstRequestTimeoutMs: 60000 });
    lease = pool.acquire({ port, host: '127.0.0.1', tls: { id: 'tls-idle', key, cert } }, x.r);
    await lease.ready;
    const stuck = await rawConnection(port);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await lease.release();
    (Date.now() - t0).should.be.below(2500);
    (await stuck.closed).ms.should.be.below(5000);
    (await refused(port)).should.be.true();
  });

  it('maxConnections: connections beyond it are closed on arrival; the port serves again once they go', async () => {
    pool = new ListenerPool({ maxConnections: 5, firstRequestTimeoutMs: 60000 });
    const port = await freePort();
    const x = receiverWith({ path: '/a' });
    await pool.acquire({ port, host: '127.0.0.1' }, x.r).ready;
    const held = [];
    for (let k = 0; k < 5; k++) held.push(await rawConnection(port));
    await new Promise((r) => setTimeout(r, 100)); // the server has accepted them
    const extra = await rawConnection(port);
    const gone = await Promise.race([extra.closed, new Promise((r) => setTimeout(() => r(undefined), 3000))]);
    should.exist(gone, 'the sixth connection stays open');
    gone.data.should.equal('');
    const during = await request(`http://127.0.0.1:${port}/a`, { headers: CE_HEADERS, body: '' }).then((r) => r.status, (e) => e.code);
    during.should.not.equal(202);
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    let status;
    for (let t = 0; t < 40 && status !== 202; t++) {
      status = await request(`http://127.0.0.1:${port}/a`, { headers: CE_HEADERS, body: '' }).then((r) => r.status, (e) => e.code);
      if (status !== 202) await new Promise((r) => setTimeout(r, 50));
    }
    status.should.equal(202);
    x.received.length.should.equal(1);
  });

  it('settings.js vmwareEvents.listener: valid limits are taken, wrong ones named (and the default stays)', () => {
    const { parseListenerLimits } = require('../../../dist/lib/webhook');
    parseListenerLimits(undefined).should.eql({ limits: {}, problems: [] });
    parseListenerLimits({ maxConnections: 200, firstRequestTimeout: 2.5 }).should.eql({ limits: { maxConnections: 200, firstRequestTimeoutMs: 2500 }, problems: [] });
    const bad = parseListenerLimits({ maxConnections: 0, firstRequestTimeout: '10', maxConections: 5 });
    bad.limits.should.eql({});
    bad.problems.should.have.length(3);
    bad.problems.join('\n').should.match(/maxConnections must be a whole number/).and.match(/firstRequestTimeout must be seconds/).and.match(/maxConections is not a setting/);
    for (const v of [5, 'x', [1]]) parseListenerLimits(v).problems.should.have.length(1);
    parseListenerLimits({ maxConnections: 1.5 }).problems.should.have.length(1);
    parseListenerLimits({ firstRequestTimeout: 0 }).problems.should.have.length(1);
    parseListenerLimits({ firstRequestTimeout: Infinity }).problems.should.have.length(1);
  });

  it('a new server for a port waits until the previous one on that port has closed (redeploy)', async () => {
    pool = new ListenerPool();
    const port = await freePort();
    const first = pool.acquire({ port, host: '127.0.0.1' }, receiverWith({ path: '/a' }).r);
    await first.ready;
    const closing = first.release();
    const second = pool.acquire({ port, host: '127.0.0.1' }, receiverWith({ path: '/a' }).r);
    await closing;
    await second.ready;
    (await request(`http://127.0.0.1:${port}/a`, { headers: CE_HEADERS, body: '' })).status.should.equal(202);
    await second.release();
  });
});
