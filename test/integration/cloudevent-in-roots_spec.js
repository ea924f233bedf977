'use strict';
/*
 * cloudevent-in with httpAdminRoot and httpNodeRoot separate ("/admin" and "/hooks"), as
 * reference node-red.md §2.8 asks, in a Node-RED child process (the runtime is a singleton per
 * process; the in-process harness has both roots at "/"). With separate roots nothing parses a
 * body before the node, the editor's CORS handler does not see the endpoint's OPTIONS, and
 * `httpNodeMiddleware` applies.
 */
const should = require('should');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { fork } = require('node:child_process');
const undici = require('undici');
const { CloudEvent, HTTP } = require('cloudevents');
const { repoRoot } = require('../support/nodered');

const CHILD = `
'use strict';
const path = require('path');
const http = require('http');
const fs = require('fs');
const repoRoot = process.env.REPO_ROOT;
const RED = require(path.join(repoRoot, 'node_modules', 'node-red'));
const express = require(path.join(repoRoot, 'node_modules', 'express'));
const userDir = process.env.USER_DIR;
const settings = {
  userDir, flowFile: 'flows.json', credentialSecret: 'test-secret',
  httpAdminRoot: process.env.ADMIN_ROOT, httpNodeRoot: process.env.NODE_ROOT,
  httpNodeMiddleware: (req, res, next) => (req.headers['x-deny'] ? (res.statusCode = 403, res.end('denied by httpNodeMiddleware')) : next()),
  nodesDir: [repoRoot], uiHost: '127.0.0.1',
  logging: { console: { level: 'off' } },
  functionGlobalContext: { testSink: (name, msg) => process.send({ sink: name, msg: JSON.parse(JSON.stringify(msg)) }) },
  editorTheme: { tours: false, palette: { catalogues: [] } },
  diagnostics: { enabled: false }, telemetry: { enabled: false }, externalModules: { autoInstall: false },
};
const app = express();
const server = http.createServer(app);
RED.init(server, settings);
app.use(settings.httpAdminRoot, RED.httpAdmin);
app.use(settings.httpNodeRoot, RED.httpNode);
server.listen(0, '127.0.0.1', async () => {
  await RED.start();
  process.send({ url: 'http://127.0.0.1:' + server.address().port });
});
process.on('message', async (m) => {
  if (m.deploy) {
    await RED.runtime.flows.setFlows({ flows: { flows: m.deploy }, deploymentType: 'full' });
    const ids = m.deploy.filter((n) => n.type !== 'tab').map((n) => n.id);
    const t0 = Date.now();
    while (!ids.every((id) => RED.nodes.getNode(id)) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    process.send({ deployed: true });
  }
  if (m.stop) {
    await RED.stop();
    server.close(() => process.exit(0));
  }
});
`;

function startChild(adminRoot, nodeRoot) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-roots-'));
  const script = path.join(dir, 'child.js');
  fs.writeFileSync(script, CHILD);
  const child = fork(script, [], {
    env: { ...process.env, REPO_ROOT: repoRoot, USER_DIR: dir, ADMIN_ROOT: adminRoot, NODE_ROOT: nodeRoot },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const sinks = new Map();
  const waiters = [];
  child.on('message', (m) => {
    if (m.sink) {
      if (!sinks.has(m.sink)) sinks.set(m.sink, []);
      sinks.get(m.sink).push(m.msg);
    }
    for (const w of waiters.splice(0)) w(m);
  });
  const next = (pred) => new Promise((resolve) => {
    const check = (m) => (pred(m) ? resolve(m) : waiters.push(check));
    waiters.push(check);
  });
  return next((m) => m.url).then(({ url }) => ({
    url,
    sinks,
    async deploy(flows) {
      child.send({ deploy: flows });
      await next((m) => m.deployed);
    },
    async until(name, n, ms = 10000) {
      const t0 = Date.now();
      while ((sinks.get(name) || []).length < n) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${n} ${name}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return sinks.get(name);
    },
    async stop() {
      child.send({ stop: true });
      await new Promise((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 5000);
        child.on('exit', () => { clearTimeout(t); resolve(); });
      });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  }));
}

function post(url, headers, body, method = 'POST') {
  return undici.request(url, { method, headers, body }).then(async (r) => ({ status: r.statusCode, headers: r.headers, text: await r.body.text() }));
}

const flow = (props = {}) => [
  { id: 'tab', type: 'tab' },
  { id: 'ce1', type: 'cloudevent-in', z: 'tab', path: '/events', maxBodySize: '2kb', ...props, wires: [['s1']] },
  { id: 's1', type: 'function', z: 'tab', func: 'global.get("testSink")("events", msg); return null;', outputs: 0, wires: [] },
];

describe('cloudevent-in with separate httpAdminRoot (/admin) and httpNodeRoot (/hooks)', function () {
  this.timeout(60000);
  let nr;
  before(async () => {
    nr = await startChild('/admin', '/hooks');
  });
  after(async () => nr && nr.stop());

  it('serves the endpoint under httpNodeRoot only, with every content mode', async () => {
    await nr.deploy(flow());
    const url = nr.url + '/hooks/events';
    const bin = HTTP.binary(new CloudEvent({ id: 'r1', source: '/r', type: 't', datacontenttype: 'application/json', data: { a: 1 } }));
    (await post(url, bin.headers, bin.body)).status.should.equal(202);
    const str = HTTP.structured(new CloudEvent({ id: 'r2', source: '/r', type: 't', data: { b: 2 } }));
    (await post(url, str.headers, str.body)).status.should.equal(202);
    (await post(url, { 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify([{ specversion: '1.0', id: 'r3', source: '/r', type: 't' }]))).status.should.equal(202);
    (await post(nr.url + '/events', bin.headers, bin.body)).status.should.equal(404);
    (await post(nr.url + '/admin/events', bin.headers, bin.body)).status.should.equal(404);
    const got = await nr.until('events', 3);
    got.map((m) => m.payload.id).should.eql(['r1', 'r2', 'r3']);
    got[0].payload.data.should.eql({ a: 1 });
    got[0].http.path.should.equal('/events');
  });

  it('reads JSON bodies itself: scalars arrive, invalid JSON gets its 400 naming data, the limit gives 413', async () => {
    await nr.deploy(flow());
    nr.sinks.clear();
    const url = nr.url + '/hooks/events';
    const h = { 'ce-specversion': '1.0', 'ce-id': 'j', 'ce-source': '/r', 'ce-type': 't', 'content-type': 'application/json' };
    for (const body of ['1.5', '"s"', 'false']) (await post(url, h, body)).status.should.equal(202, body);
    const bad = await post(url, h, '{"x":');
    bad.status.should.equal(400);
    JSON.parse(bad.text).attribute.should.equal('data');
    (await post(url, h, JSON.stringify({ x: 'y'.repeat(3000) }))).status.should.equal(413);
    (await nr.until('events', 3)).map((m) => m.payload.data).should.eql([1.5, 's', false]);
  });

  it('answers the webhook validation handshake (OPTIONS), which the editor CORS handler does not intercept here', async () => {
    await nr.deploy(flow({ allowedOrigins: 'eventgrid.azure.net' }));
    const url = nr.url + '/hooks/events';
    let res = await post(url, { 'WebHook-Request-Origin': 'eventgrid.azure.net' }, undefined, 'OPTIONS');
    res.status.should.equal(200);
    res.headers['webhook-allowed-origin'].should.equal('eventgrid.azure.net');
    res.headers['webhook-allowed-rate'].should.equal('*');
    res.headers.allow.should.equal('POST, OPTIONS');
    res = await post(url, { 'WebHook-Request-Origin': 'other.example.com' }, undefined, 'OPTIONS');
    res.status.should.equal(403);
    (await post(url, {}, undefined, 'GET')).status.should.equal(405);
  });

  it('applies httpNodeMiddleware before the endpoint', async () => {
    await nr.deploy(flow());
    const h = { 'ce-specversion': '1.0', 'ce-id': 'm', 'ce-source': '/r', 'ce-type': 't' };
    const res = await post(nr.url + '/hooks/events', { ...h, 'x-deny': '1' }, '');
    res.status.should.equal(403);
    res.text.should.equal('denied by httpNodeMiddleware');
    (await post(nr.url + '/hooks/events', h, '')).status.should.equal(202);
  });
});

describe('cloudevent-in with both roots at "/" (Node-RED defaults), in a child process', function () {
  this.timeout(60000);
  let nr;
  before(async () => {
    nr = await startChild('/', '/');
  });
  after(async () => nr && nr.stop());

  it('receives JSON bodies raw, and documents who answers OPTIONS', async () => {
    await nr.deploy(flow());
    const url = nr.url + '/events';
    const h = { 'ce-specversion': '1.0', 'ce-id': 'j', 'ce-source': '/r', 'ce-type': 't', 'content-type': 'application/json' };
    (await post(url, h, '42')).status.should.equal(202);
    (await nr.until('events', 1))[0].payload.data.should.equal(42);
    const res = await post(url, { 'WebHook-Request-Origin': 'eventgrid.azure.net' }, undefined, 'OPTIONS');
    const major = Number(require('node-red/package.json').version.split('.')[0]);
    if (major < 5) {
      // Node-RED 4's editor app answers every OPTIONS with its own wildcard CORS handler first
      res.status.should.equal(204);
      should(res.headers['webhook-allowed-origin']).be.undefined();
    } else {
      res.status.should.equal(200);
      res.headers['webhook-allowed-origin'].should.equal('eventgrid.azure.net');
    }
  });
});
