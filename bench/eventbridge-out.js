'use strict';
/*
 * Events/s put on the EventBridge test peer (a child process: AWS JSON 1.1, SigV4 syntax checked)
 * by the eventbridge-out node inside a real Node-RED runtime (message in, CloudEvent check, entry
 * shaping, batching, per-entry results, output 1, done(); completions counted by a runtime hook), versus a minimal raw loop on the
 * same AWS SDK client settings (pre-built entries, 10 per PutEvents call, the same number of calls
 * in flight), in the same command, interleaved runs. A third variant runs the node with a rule
 * that matches a third of the events (local matching; only that third is sent).
 * Prints JSON with the rates and the ratio node / raw.
 *
 *   npm run build && node bench/eventbridge-out.js [--events 20000] [--runs 3]
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const path = require('node:path');
const os = require('node:os');
const { fork } = require('node:child_process');
const { EventBridgeClient, PutEventsCommand } = require('@aws-sdk/client-eventbridge');
const { startNodeRed, sinkNode } = require('../test/support/nodered');
const { DEFAULT_CONCURRENCY } = require('../dist/lib/sinks');
const { vsphereEvent } = require('./raw-post');

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const EVENTS = Number(arg('events', 20000));
const RUNS = Number(arg('runs', 3));
const TYPES = ['VmPoweredOnEvent', 'VmPoweredOffEvent', 'VmReconfiguredEvent'];

function makeEvent(key) {
  const cls = TYPES[key % 3];
  return { topic: cls, payload: vsphereEvent(key, cls, cls) };
}

function startPeer() {
  const child = fork(path.join(__dirname, '..', 'test', 'support', 'eventbridge-peer.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = (cmd, key) => new Promise((resolve) => {
    const on = (m) => {
      if (m && m[key] !== undefined) {
        child.off('message', on);
        resolve(m[key]);
      }
    };
    child.on('message', on);
    child.send({ cmd });
  });
  return new Promise((resolve) => {
    child.once('message', (m) => resolve({
      url: m.url,
      stats: () => ask('stats', 'stats'),
      reset: () => ask('reset', 'reset'),
      stop: () => new Promise((r) => { child.once('exit', r); child.send({ cmd: 'stop' }); }),
    }));
  });
}

async function runRaw(url, events) {
  const agent = { keepAlive: true, maxSockets: 50 };
  const client = new EventBridgeClient({
    region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' }, maxAttempts: 1,
    requestHandler: { connectionTimeout: 10000, requestTimeout: 30000, throwOnRequestTimeout: true, httpAgent: agent, httpsAgent: agent },
  });
  const entries = events.map((m) => ({
    Source: m.payload.source, DetailType: m.topic, Detail: JSON.stringify(m.payload), EventBusName: 'default', Time: new Date(m.payload.time),
  }));
  const t0 = performance.now();
  let next = 0;
  let sent = 0;
  async function worker() {
    while (next < entries.length) {
      const batch = entries.slice(next, next + 10);
      next += 10;
      const out = await client.send(new PutEventsCommand({ Entries: batch }));
      sent += batch.length - (out.FailedEntryCount || 0);
    }
  }
  await Promise.all(Array.from({ length: DEFAULT_CONCURRENCY }, worker));
  const ms = performance.now() - t0;
  client.destroy();
  if (sent !== entries.length) throw new Error(`raw: ${sent} of ${entries.length} sent`);
  return { eventsPerSecond: Math.round((entries.length / ms) * 1000), ms: Math.round(ms) };
}

let completed = 0;

async function runNode(nr, peer, url, events, ruleArn) {
  const TAB = 'bench';
  await nr.deploy([
    { id: TAB, type: 'tab', label: 'bench' },
    {
      id: 'eb1', type: 'eventbridge-out', z: TAB, region: 'us-east-1', eventBus: 'default', ruleArn: ruleArn || '', endpoint: url,
      batchLimit: 256, flushInterval: 50, ruleRefresh: 300, ceType: '', ceSource: '',
      credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' }, wires: [[], ['dead']],
    },
    sinkNode('dead', 'dead', TAB),
  ]);
  await nr.waitFor(() => /rule |no rule/.test(nr.status('eb1')?.text ?? '') && !/reading/.test(nr.status('eb1')?.text ?? ''), 10000, 'ready');
  const node = nr.RED.nodes.getNode('eb1');
  const before = (await peer.stats()).accepted;
  completed = 0;
  const t0 = performance.now();
  // a source with a 1,000-event window, as vcenter-in's acknowledged delivery keeps
  let next = 0;
  await new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      while (next < events.length && next - completed < 1000) node.receive(events[next++]);
      if (completed >= events.length) {
        clearInterval(timer);
        resolve();
      }
      if (performance.now() - t0 > 120000) {
        clearInterval(timer);
        reject(new Error(`node: only ${completed} of ${events.length} completed`));
      }
    }, 1);
  });
  const ms = performance.now() - t0;
  const sent = (await peer.stats()).accepted - before;
  await nr.deploy([]);
  if (nr.sinks.get('dead').length) throw new Error('dead letters in the benchmark');
  return { eventsPerSecond: Math.round((events.length / ms) * 1000), sentPerSecond: Math.round((sent / ms) * 1000), sent, ms: Math.round(ms) };
}

async function main() {
  const peer = await startPeer();
  const nr = await startNodeRed();
  // messages eb1 completes (sent, filtered or dead-lettered), counted by a runtime hook: no extra nodes
  nr.RED.hooks.add('onComplete.bench', (ev) => {
    if (ev.node && ev.node.id === 'eb1') completed++;
  });
  // the peer runs in a child process: create the rule over its API
  const setup = new EventBridgeClient({ region: 'us-east-1', endpoint: peer.url, credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' } });
  const { PutRuleCommand } = require('@aws-sdk/client-eventbridge');
  const rule = await setup.send(new PutRuleCommand({
    Name: 'bench-power',
    EventPattern: JSON.stringify({
      source: [{ prefix: 'https://' }], 'detail-type': ['VmPoweredOnEvent'],
      detail: { data: { Vm: { Name: [{ wildcard: 'DC0_*' }] }, Key: [{ numeric: ['>=', 0] }] }, eventclass: [{ 'anything-but': 'eventex' }] },
    }),
  }));
  setup.destroy();
  const results = { raw: [], node: [], nodeRule: [] };
  let offset = 0;
  const batch = (n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(makeEvent(offset + i));
    offset += n;
    return out;
  };
  // warm-up
  await runRaw(peer.url, batch(2000));
  await runNode(nr, peer, peer.url, batch(2000));
  for (let r = 0; r < RUNS; r++) {
    results.raw.push(await runRaw(peer.url, batch(EVENTS)));
    results.node.push(await runNode(nr, peer, peer.url, batch(EVENTS)));
    results.nodeRule.push(await runNode(nr, peer, peer.url, batch(EVENTS), rule.RuleArn));
  }
  const median = (xs) => xs.map((x) => x.eventsPerSecond).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out = {
    events: EVENTS,
    runs: RUNS,
    concurrency: DEFAULT_CONCURRENCY,
    cpus: os.cpus().length,
    node: process.version,
    rawSdkEventsPerSecond: median(results.raw),
    nodeEventsPerSecond: median(results.node),
    nodeWithRuleEventsPerSecond: median(results.nodeRule),
    nodeWithRuleSentPerSecond: results.nodeRule.map((x) => x.sentPerSecond).sort((a, b) => a - b)[Math.floor(RUNS / 2)],
    ratioNodeToRaw: Number((median(results.node) / median(results.raw)).toFixed(2)),
    detail: results,
    stats: await peer.stats(),
  };
  console.log(JSON.stringify(out, null, 2));
  await nr.stop();
  await peer.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
