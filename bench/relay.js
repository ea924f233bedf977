'use strict';
/*
 * Relay throughput and latency: `cloudevent-in -> knative-out` in a real Node-RED relaying
 * binary CloudEvents to the Knative peer, against a minimal raw Node relay (http server +
 * undici) doing the same, under the same closed-loop load, in the same command. Each of the
 * load generator, the relay under test and the peer is its own process.
 *
 * Two pairs:
 *   acknowledged: the relay answers once the peer accepted the event
 *     Node-RED: cloudevent-in (delivery acknowledged) -> knative-out; raw: await undici, then 202
 *   sent: the relay answers 202 at once and forwards in the background
 *     Node-RED: cloudevent-in (delivery sent) -> knative-out; raw: 202, then undici
 *
 * and the same two with `cloudevent-in` on a port of its own (`port`, issue 16; modes
 * `own-acknowledged`, `own-sent`: Node-RED's HTTP stack is not in the path), and two references
 * for what any node on Node-RED's httpNode can reach, each against the raw
 * relay in `sent` mode: `floor`, a bare route added to RED.httpNode that reads the body and
 * answers 202 (no flow, no relaying), and `core`, the core `http in -> http response` nodes
 * answering 202 without relaying anything.
 *
 * Prints JSON: per pair and run, events/s, p50/p99 latency and CPU time per event for both relays,
 * and the ratios (package / raw). Target (issue 6): throughput >= 0.8x raw with comparable p99; issue 16: the
 * own-port modes >= 0.8x raw, every event delivered (`failed` 0), p99 reported.
 *
 *   npm run build && node bench/relay.js [--seconds 5] [--connections 32] [--runs 2]
 *                                        [--modes acknowledged,sent,own-acknowledged,own-sent,floor,core]
 *                                        [--admin-root / | /admin] [--profile dir] [--reference raw|sdk]
 *
 * --reference sdk: the reference relay parses and validates each event with the CloudEvents SDK
 * and encodes it again (the protocol work the package does too, without Node-RED); raw (the
 * default) passes the bytes through.
 *
 * --profile dir: a V8 CPU profile of the Node-RED process (dir) and of each raw relay
 * (dir/raw-<mode>); with HEAP=1 also a sampling heap profile of each (node-red.heapprofile,
 * raw-<mode>.heapprofile) of every allocation, or with HEAPPROF_MINOR=0 only of what outlived
 * the young generation (where promoted garbage comes from).
 */
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const { fork } = require('node:child_process');
const undici = require('undici');
const ce = require('../dist/lib/cloudevents');
const { processCpuUs } = require('./proc-cpu');

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const SECONDS = Number(arg('seconds', 5));
const CONNECTIONS = Number(arg('connections', 32));
const RUNS = Number(arg('runs', 2));
const MODES = String(arg('modes', 'acknowledged,sent,own-acknowledged,own-sent,floor,core')).split(',');
/**
 * The reference relay: `raw` passes the bytes through (http server + undici); `sdk` also does the
 * protocol work, as a relay written with the CloudEvents SDK would (HTTP.toEvent, HTTP.binary).
 */
const REFERENCE = String(arg('reference', 'raw'));
if (REFERENCE !== 'raw' && REFERENCE !== 'sdk') throw new Error('--reference is raw or sdk');
/** Node-RED's httpAdminRoot: "/" (the default, shared with httpNodeRoot) or e.g. "/admin" */
const ADMIN_ROOT = String(arg('admin-root', '/'));
const WARMUP_MS = 1500;
const repoRoot = path.join(__dirname, '..');

/** In both children: */
const HEAP_PROFILE = `
// HEAPPROF=<file>: sample every allocation (those the young generation collects included) from
// the start to the stop message, written as a .heapprofile: where the garbage comes from
let heapProf;
if (process.env.HEAPPROF) {
  heapProf = new (require('inspector').Session)();
  heapProf.connect();
  heapProf.post('HeapProfiler.enable');
  heapProf.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.HEAPPROF_MINOR !== '0' });
}
function writeHeapProfile() {
  if (!heapProf) return Promise.resolve();
  return new Promise((resolve) => heapProf.post('HeapProfiler.stopSampling', (err, r) => {
    if (!err) require('fs').writeFileSync(process.env.HEAPPROF, JSON.stringify(r.profile));
    resolve();
  }));
}
`;

const NODE_RED_CHILD = `
'use strict';
const path = require('path');
const http = require('http');
const repoRoot = process.env.REPO_ROOT;
const RED = require(path.join(repoRoot, 'node_modules', 'node-red'));
${HEAP_PROFILE}

const express = require(path.join(repoRoot, 'node_modules', 'express'));
const settings = {
  userDir: process.env.USER_DIR, flowFile: 'flows.json', credentialSecret: 'bench',
  httpAdminRoot: process.env.ADMIN_ROOT, httpNodeRoot: '/', nodesDir: [repoRoot], uiHost: '127.0.0.1',
  logging: { console: { level: 'off' } }, editorTheme: { tours: false, palette: { catalogues: [] } },
  diagnostics: { enabled: false }, telemetry: { enabled: false }, externalModules: { autoInstall: false },
};
const app = express();
const server = http.createServer(app);
server.keepAliveTimeout = 30000;
RED.init(server, settings);
app.use(settings.httpAdminRoot, RED.httpAdmin);
app.use('/', RED.httpNode);
server.listen(0, '127.0.0.1', async () => {
  await RED.start();
  process.send({ url: 'http://127.0.0.1:' + server.address().port });
});
process.on('message', async (m) => {
  if (m.deploy) {
    await RED.runtime.flows.setFlows({ flows: { flows: m.deploy }, deploymentType: 'full' });
    const t0 = Date.now();
    while (!RED.nodes.getNode('in') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    process.send({ deployed: true });
  }
  if (m.floor) {
    // a bare route on Node-RED's httpNode, no flow at all: read the body, answer 202
    // (with httpAdminRoot "/" the editor's JSON parser may already have read the body)
    RED.httpNode.post(m.floor, (req, res) => {
      const answer = () => { res.writeHead(202, { 'content-length': '0' }); res.end(); };
      if (req.readableEnded) return answer();
      req.on('data', () => undefined);
      req.on('end', answer);
    });
    process.send({ floor: true });
  }
  if (m.cpu) { const c = process.cpuUsage(); process.send({ cpuUs: c.user + c.system }); }
  if (m.stop) { await writeHeapProfile(); await RED.stop(); process.exit(0); }
});
`;

const RAW_CHILD = `
'use strict';
const http = require('http');
const undici = require(process.env.UNDICI);
${HEAP_PROFILE}

const target = new URL(process.env.TARGET);
const mode = process.env.MODE;
// SDK=<path of the cloudevents package>: the reference does the protocol work too (the event
// parsed and validated by the CloudEvents SDK, encoded again in binary mode)
const sdk = process.env.SDK ? require(process.env.SDK) : undefined;
const pool = new undici.Pool(target.origin, { connections: Number(process.env.CONNECTIONS), keepAliveTimeout: 30000 });
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let headers = {};
    let body = Buffer.concat(chunks);
    if (sdk) {
      let message;
      try {
        message = sdk.HTTP.binary(sdk.HTTP.toEvent({ headers: req.headers, body: body.toString('utf8') }));
      } catch (err) {
        res.writeHead(400, { 'content-length': '0' });
        res.end();
        return;
      }
      headers = message.headers;
      body = message.body;
    } else {
      for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('ce-') || k === 'content-type') headers[k] = v;
    }
    const forward = pool.request({ path: target.pathname, method: 'POST', headers, body }).then(async (r) => {
      await r.body.dump();
      return r.statusCode;
    });
    if (mode === 'sent') {
      res.writeHead(202, { 'content-length': '0' });
      res.end();
      forward.catch(() => undefined);
      return;
    }
    forward.then(
      (status) => { res.writeHead(status >= 200 && status < 300 ? 200 : 500, { 'content-length': '0' }); res.end(); },
      () => { res.writeHead(500, { 'content-length': '0' }); res.end(); },
    );
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => process.send({ url: 'http://127.0.0.1:' + server.address().port + '/relay' }));
process.on('message', (m) => {
  if (m.cpu) { const c = process.cpuUsage(); process.send({ cpuUs: c.user + c.system }); }
  if (m.stop) writeHeapProfile().then(() => process.exit(0));
});
`;

const PROFILE_DIR = arg('profile', '');

function startChild(code, env, execArgv = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-relay-'));
  const file = path.join(dir, 'child.js');
  fs.writeFileSync(file, code);
  const child = fork(file, [], { env: { ...process.env, ...env, USER_DIR: dir }, execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const next = (pred) => new Promise((resolve) => {
    const on = (m) => {
      if (pred(m)) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
  });
  return next((m) => m.url).then(({ url }) => ({
    url,
    child,
    next,
    stop: () => {
      child.send({ stop: true });
      return new Promise((resolve) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 30000);
        child.on('exit', () => { clearTimeout(t); fs.rmSync(dir, { recursive: true, force: true }); resolve(); });
      });
    },
  }));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** resolves once something accepts connections on the port (an own-port listener starts asynchronously) */
async function listening(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on port ${port}`);
}

function startPeer() {
  const child = fork(path.join(repoRoot, 'test', 'support', 'knative-peer.js'), ['--no-record'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', (m) => resolve({ url: m.url, child })));
}

function event(i) {
  return {
    specversion: '1.0', id: String(i), source: 'https://vcenter.example.com/sdk', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0',
    time: '2026-11-24T10:00:00.123Z', datacontenttype: 'application/json', eventclass: 'event', vsphereapiversion: '8.0.3.0',
    data: { Key: i, CreatedTime: '2026-11-24T10:00:00.123456Z', UserName: 'VSPHERE.LOCAL\\Administrator', Vm: { Name: 'vm-' + (i % 100), Vm: { Type: 'VirtualMachine', Value: 'vm-' + (i % 100) } }, FullFormattedMessage: 'vm-' + (i % 100) + ' is powered on' },
  };
}

/** Closed loop: CONNECTIONS senders, each sending the next event when its previous one is answered. */
async function load(url) {
  const u = new URL(url);
  const pool = new undici.Pool(u.origin, { connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 30000 });
  const messages = Array.from({ length: 1000 }, (_, i) => ce.toBinary(event(i)));
  let i = 0;
  let stopAt = 0;
  let measureFrom = 0;
  const lat = [];
  let ok = 0;
  let failed = 0;
  let all = 0;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const m = messages[i++ % messages.length];
      all++;
      const t = performance.now();
      try {
        const r = await pool.request({ path: u.pathname, method: 'POST', headers: m.headers, body: m.body });
        await r.body.dump();
        const done = performance.now();
        if (t >= measureFrom) {
          if (r.statusCode >= 200 && r.statusCode < 300) {
            ok++;
            lat.push(done - t);
          } else failed++;
        }
      } catch {
        if (t >= measureFrom) failed++;
      }
    }
  };
  const start = performance.now();
  measureFrom = start + WARMUP_MS;
  stopAt = measureFrom + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await pool.close();
  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]);
  return { eventsPerSec: Math.round(ok / SECONDS), p50ms: +q(0.5).toFixed(2), p99ms: +q(0.99).toFixed(2), failed, requests: all };
}

/** CPU time (user + system, µs) the relay process has used so far */
function cpuOf(relay) {
  const answer = relay.next((m) => m.cpuUs !== undefined);
  relay.child.send({ cpu: true });
  return answer.then((m) => m.cpuUs);
}

/** load() plus the relay's CPU time per request (warm-up included): a figure that holds when the machine is busy */
async function measured(relay, url, peer) {
  const c0 = await cpuOf(relay);
  const peer0 = processCpuUs(peer.child.pid);
  const load0 = process.cpuUsage();
  const r = await load(url);
  const own = process.cpuUsage(load0);
  r.cpuUsPerEvent = Math.round(((await cpuOf(relay)) - c0) / r.requests);
  // the other two processes on the machine's two cores: the load generator (this one) and the peer
  r.loadUsPerEvent = Math.round((own.user + own.system) / r.requests);
  r.peerUsPerEvent = Math.round((processCpuUs(peer.child.pid) - peer0) / r.requests);
  // no schedule of the three on two cores passes this rate
  r.twoCoreBound = Math.round(2e6 / (r.cpuUsPerEvent + r.loadUsPerEvent + r.peerUsPerEvent));
  return r;
}

async function main() {
  const peer = await startPeer();
  const results = { seconds: SECONDS, connections: CONNECTIONS, reference: REFERENCE, httpAdminRoot: ADMIN_ROOT, node: process.version, cpus: os.cpus().length, pairs: {} };
  // --profile <dir>: a CPU profile of the Node-RED process
  const nr = await startChild(NODE_RED_CHILD, { REPO_ROOT: repoRoot, ADMIN_ROOT, ...(PROFILE_DIR && process.env.HEAP ? { HEAPPROF: path.join(PROFILE_DIR, 'node-red.heapprofile') } : {}) }, PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : []);
  try {
    for (const mode of MODES) {
      const own = mode.startsWith('own-');
      const delivery = own ? mode.slice(4) : mode;
      const ownPort = own ? await freePort() : undefined;
      const flow = mode === 'core'
        ? [
            // Node-RED's own floor: core http in -> http response, answering 202 and relaying nothing
            { id: 'tab', type: 'tab' },
            { id: 'in', type: 'http in', z: 'tab', url: '/relay', method: 'post', upload: false, wires: [['res']] },
            { id: 'res', type: 'http response', z: 'tab', statusCode: '202', headers: {}, wires: [] },
          ]
        : [
            { id: 'tab', type: 'tab' },
            {
              id: 'in', type: 'cloudevent-in', z: 'tab', path: '/relay', delivery, maxInFlight: 10000, responseTimeout: 30,
              ...(own ? { port: String(ownPort), host: '127.0.0.1' } : {}), wires: [['out']],
            },
            { id: 'out', type: 'knative-out', z: 'tab', url: peer.url, encoding: 'binary', retries: 0, timeout: 30, concurrency: CONNECTIONS, wires: [[], []] },
          ];
      let target = own ? `http://127.0.0.1:${ownPort}/relay` : nr.url + '/relay';
      if (mode === 'floor') {
        target = nr.url + '/floor';
        await new Promise((resolve) => { nr.child.send({ floor: '/floor' }); nr.next((m) => m.floor).then(resolve); });
      } else {
        await new Promise((resolve) => { nr.child.send({ deploy: flow }); nr.next((m) => m.deployed).then(resolve); });
        if (own) await listening(ownPort);
      }
      const raw = await startChild(RAW_CHILD, { UNDICI: require.resolve('undici'), ...(REFERENCE === 'sdk' ? { SDK: require.resolve('cloudevents') } : {}), TARGET: peer.url, MODE: mode === 'floor' || mode === 'core' ? 'sent' : delivery, CONNECTIONS: String(CONNECTIONS), ...(PROFILE_DIR && process.env.HEAP ? { HEAPPROF: path.join(PROFILE_DIR, 'raw-' + mode + '.heapprofile') } : {}) }, PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.join(PROFILE_DIR, 'raw-' + mode)] : []);
      const runs = [];
      try {
        for (let r = 0; r < RUNS; r++) {
          // interleaved, raw first
          const rawR = await measured(raw, raw.url, peer);
          const pkgR = await measured(nr, target, peer);
          runs.push({
            raw: rawR, package: pkgR, throughputRatio: +(pkgR.eventsPerSec / rawR.eventsPerSec).toFixed(2), p99Ratio: +(pkgR.p99ms / rawR.p99ms).toFixed(2),
            cpuRatio: +(pkgR.cpuUsPerEvent / rawR.cpuUsPerEvent).toFixed(2),
          });
        }
      } finally {
        await raw.stop();
      }
      const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      results.pairs[mode] = {
        runs,
        throughputRatio: median(runs.map((x) => x.throughputRatio)),
        p99Ratio: median(runs.map((x) => x.p99Ratio)),
        // relay CPU per event, package / raw (≥ 1: the package's relay costs more per event)
        cpuRatio: median(runs.map((x) => x.cpuRatio)),
      };
    }
  } finally {
    await nr.stop();
    peer.child.send({ cmd: 'stop' });
  }
  console.log(JSON.stringify(results, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
