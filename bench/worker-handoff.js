'use strict';
/*
 * What moving page decoding and conversion to a worker thread would save the main thread
 * (decision 0019, question 3), measured with real worker threads on the converter benchmarks'
 * mixed page (bench/mixed-page.js). Each mode runs in a child process of its own, alternating, N events:
 *
 *   inline   the main thread scans the page (XmlScanner, 8 KiB pieces as the reader does) and
 *            converts every event (eventToJson): what vcenter-in does today
 *   worker   a worker thread scans and converts; the main thread receives the converted events
 *            (key, class, createdTime, data) by postMessage, about five per message, and walks
 *            them, the least it would do with them
 *
 * Reported per mode: the main thread's CPU µs per event (from /proc, the JavaScript thread only),
 * the whole process's CPU µs per event (all threads), and the peak RSS.
 *
 *   npm run build && node bench/worker-handoff.js [events=200000] [rounds=3]
 */
const { fork } = require('node:child_process');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { EventPageDecoder } = require('../dist/lib/vsphere/event-page');
const ed = require('../dist/lib/vsphere/event-data');
const { mixedPage } = require('./mixed-page');
const { mainThreadCpuUs } = require('./proc-cpu');

ed.setUnknownClassLogger(undefined); // the fixture's xsd:anyURI argument is expected

const CHILD = process.argv[2] === '--child';
const N = Number((CHILD ? process.argv[4] : process.argv[2]) || 200_000);
const ROUNDS = Number((CHILD ? undefined : process.argv[3]) || 3);
// messages the worker may have ahead of the main thread (the reader's window plays this part)
const AHEAD = 20;
const PIECE = 8 * 1024;

/** the page as the reader gets it: bytes */
function pageBytes() {
  return Buffer.from(mixedPage());
}

/** decode and convert one page, handing out converted events a piece (8 KiB) at a time */
function decodePage(page, onEvents) {
  const dec = new EventPageDecoder();
  const convert = (evs) => {
    const out = [];
    for (const e of evs) out.push({ key: e.key, className: e.className, createdTime: e.createdTime, data: ed.eventToJson(e.node) });
    return out;
  };
  for (let at = 0; at < page.length; at += PIECE) {
    const evs = dec.push(page.subarray(at, Math.min(page.length, at + PIECE)));
    if (evs.length > 0) onEvents(convert(evs));
  }
  const last = dec.end();
  if (last.length > 0) onEvents(convert(last));
}

/** the least the main thread does with an event it receives: read its fields */
function touch(events, acc) {
  for (const e of events) acc.n += e.key > 0 && e.data !== null && e.createdTime.length > 0 ? 1 : 0;
}

async function child(mode) {
  const page = pageBytes();
  const pages = Math.ceil(N / 1000);
  const acc = { n: 0 };
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  const t0 = process.hrtime.bigint();
  if (mode === 'inline') {
    for (let p = 0; p < pages; p++) {
      decodePage(page, (evs) => touch(evs, acc));
      // yield as the reader does between pieces of work
      if (p % 4 === 3) await new Promise((r) => setImmediate(r));
    }
  } else {
    const taken = new Int32Array(new SharedArrayBuffer(4));
    const w = new Worker(__filename, { workerData: { pages, taken } });
    await new Promise((resolve, reject) => {
      w.on('message', (m) => {
        if (m === 'done') return resolve();
        touch(m, acc);
        Atomics.add(taken, 0, 1);
        Atomics.notify(taken, 0);
      });
      w.on('error', reject);
      w.on('exit', (code) => reject(new Error(`the worker exited (${code}) before it was done`)));
    });
    await w.terminate();
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  process.send({
    mode,
    events: acc.n,
    eventsPerSecond: Math.round(acc.n / seconds),
    mainThreadUsPerEvent: +((mainThreadCpuUs() - main0) / acc.n).toFixed(1),
    processUsPerEvent: +((cpu.user + cpu.system) / acc.n).toFixed(1),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  });
}

function workerMain() {
  const page = pageBytes();
  const { taken } = workerData;
  let sent = 0;
  const post = (evs) => {
    // wait for the main thread once AHEAD messages are unread
    while (sent - Atomics.load(taken, 0) >= AHEAD) Atomics.wait(taken, 0, Atomics.load(taken, 0), 50);
    parentPort.postMessage(evs);
    sent++;
  };
  for (let p = 0; p < workerData.pages; p++) decodePage(page, post);
  parentPort.postMessage('done');
}

function runChild(mode) {
  return new Promise((resolve, reject) => {
    const c = fork(__filename, ['--child', mode, String(N)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    c.on('message', (m) => (result = m));
    c.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${mode} child exited ${code}`))));
  });
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const runs = { inline: [], worker: [] };
  for (let r = 0; r < ROUNDS; r++) for (const mode of ['inline', 'worker']) runs[mode].push(await runChild(mode));
  const med = (mode, k) => median(runs[mode].map((x) => x[k]));
  const out = { bench: 'worker-handoff', node: process.version, events: N, rounds: ROUNDS, runs };
  out.medians = Object.fromEntries(
    ['inline', 'worker'].map((m) => [m, Object.fromEntries(['eventsPerSecond', 'mainThreadUsPerEvent', 'processUsPerEvent', 'maxRssMB'].map((k) => [k, med(m, k)]))]),
  );
  out.mainThreadSavedUsPerEvent = +(out.medians.inline.mainThreadUsPerEvent - out.medians.worker.mainThreadUsPerEvent).toFixed(1);
  out.extraProcessUsPerEvent = +(out.medians.worker.processUsPerEvent - out.medians.inline.processUsPerEvent).toFixed(1);
  out.extraRssMB = out.medians.worker.maxRssMB - out.medians.inline.maxRssMB;
  console.log(JSON.stringify(out, null, 2));
}

if (!isMainThread) workerMain();
else if (CHILD) {
  // argv: --child <mode> <events>
  child(process.argv[3]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
