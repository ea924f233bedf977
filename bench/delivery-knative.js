'use strict';
/*
 * Events/s delivering binary CloudEvents to the Knative peer (a child process, so the receiver
 * does not share the sender's event loop) through the package's engine (toBinary + HttpDelivery:
 * queue, retry bookkeeping, per-attempt timeout, response excerpt) versus a minimal raw
 * `undici.request` loop with hand-built headers, in the same command, same concurrency,
 * interleaved runs; prints JSON with both rates and their ratio (package / raw).
 *
 *   npm run build && node bench/delivery-knative.js [--events 10000] [--runs 3] [--concurrency 1,16]
 */
const path = require('node:path');
const { fork } = require('node:child_process');
const os = require('node:os');
const { makeEvents, runRaw } = require('./raw-post');
const ce = require('../dist/lib/cloudevents');
const { HttpDelivery } = require('../dist/lib/http');

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const EVENTS = Number(arg('events', 10000));
const RUNS = Number(arg('runs', 3));
const CONCURRENCY = String(arg('concurrency', '1,16')).split(',').map(Number);
const WARMUP = 1000;

async function runPackage(url, events, concurrency) {
  const delivery = new HttpDelivery({ concurrency, connectionsPerOrigin: Math.max(1, concurrency) });
  const t0 = performance.now();
  let ok = 0;
  // keep at most 4 * concurrency jobs queued, as a source node with backpressure would
  const window = Math.max(64, concurrency * 4);
  let open = 0;
  let wake = null;
  let allDone = null;
  const settle = (r) => {
    if (r.ok) ok++;
    open--;
    if (wake && open < window) {
      const w = wake;
      wake = null;
      w();
    }
    if (allDone && open === 0) allDone();
  };
  for (const ev of events) {
    const m = ce.toBinary(ev);
    open++;
    delivery.deliver({ url, headers: m.headers, body: m.body }).then(settle);
    if (open >= window) await new Promise((r) => (wake = r));
  }
  if (open > 0) await new Promise((r) => (allDone = r));
  const secs = (performance.now() - t0) / 1000;
  await delivery.close();
  if (ok !== events.length) throw new Error(`package: ${events.length - ok} not delivered`);
  return events.length / secs;
}

function startPeer() {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '..', 'test', 'support', 'knative-peer.js'), ['--no-record'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('message', (m) => resolve({ child, url: m.url }));
  });
}

function peerStats(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.stats));
    child.send({ cmd: 'stats' });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const { child, url } = await startPeer();
  try {
    const warm = makeEvents(WARMUP, 1e9);
    const result = {
      bench: 'delivery-knative',
      events: EVENTS,
      runs: RUNS,
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0] && os.cpus()[0].model,
      results: {},
    };
    let expected = 0;
    for (const c of CONCURRENCY) {
      await runPackage(url, warm, c);
      await runRaw(url, warm, c);
      expected += 2 * warm.length;
      const pkg = [];
      const raw = [];
      for (let r = 0; r < RUNS; r++) {
        const evs = makeEvents(EVENTS, r * EVENTS);
        // alternate which goes first, so drift on a shared machine hits both
        if (r % 2 === 0) {
          pkg.push(await runPackage(url, evs, c));
          raw.push(await runRaw(url, evs, c));
        } else {
          raw.push(await runRaw(url, evs, c));
          pkg.push(await runPackage(url, evs, c));
        }
        expected += 2 * evs.length;
      }
      const p = median(pkg);
      const q = median(raw);
      result.results[`concurrency${c}`] = {
        concurrency: c,
        mode: c === 1 ? 'ordered' : 'unordered',
        packageEventsPerSec: Math.round(p),
        rawUndiciEventsPerSec: Math.round(q),
        ratio: Number((p / q).toFixed(3)),
        packageRuns: pkg.map(Math.round),
        rawRuns: raw.map(Math.round),
      };
    }
    const stats = await peerStats(child);
    result.peerAccepted = stats.accepted;
    if (stats.accepted !== expected) throw new Error(`peer accepted ${stats.accepted}, expected ${expected}`);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    child.send({ cmd: 'stop' });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
