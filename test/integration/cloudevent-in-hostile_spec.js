'use strict';
/*
 * cloudevent-in under hostile input (issue 6 "done when"; DESIGN.md §9): thousands of generated
 * malformed requests of every kind each get the right 4xx, nothing reaches the flow, the
 * runtime stays up and keeps serving, and memory does not grow. Runs in the Node-RED test
 * runtime (test/support/nodered.js, both roots "/"), measuring the process before and after;
 * once against Node-RED's HTTP server and once against the node's own listener (`port`, issue
 * 16), which must answer every kind exactly as Node-RED's server does.
 *
 * Kinds: truncated JSON, invalid JSON, missing and empty required attributes, bad specversion,
 * huge headers, oversized bodies (declared and chunked), slow bodies, wrong content types and
 * encodings, invalid percent-encoding, a batch with one bad element, wrong credentials, wrong
 * methods.
 */
const should = require('should');
const http = require('node:http');
const net = require('node:net');
const v8 = require('node:v8');
const vm = require('node:vm');
const { startNodeRed, sinkNode } = require('../support/nodered');
const { freePort } = require('../support/nodered-process');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const TAB = 'tab-hostile';
const USER = 'sender';
const PASS = 'hunter2 ä';
const AUTH = 'Basic ' + Buffer.from(`${USER}:${PASS}`).toString('base64');
const LIMIT = 16 * 1024;
const REQUIRED = ['specversion', 'id', 'source', 'type'];

let seed = 4242;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(rand() * list.length)];
const int = (n) => Math.floor(rand() * n);

function validEvent(i) {
  return { specversion: '1.0', id: `ev-${i}`, source: '/hostile/test', type: 'com.example.test', time: '2026-11-24T10:00:00Z', data: { i, list: [1, 2, 3], text: 'x'.repeat(int(200)) } };
}
const binaryHeaders = (i) => ({ 'ce-specversion': '1.0', 'ce-id': `b-${i}`, 'ce-source': '/hostile', 'ce-type': 't', authorization: AUTH });
const structured = { 'content-type': 'application/cloudevents+json', authorization: AUTH };

/** Each generator returns {kind, expect (status), attribute?, index?, send: {headers, body, method?} | raw: {...}} */
const GENERATORS = {
  truncatedJson(i) {
    const text = JSON.stringify(validEvent(i));
    return { expect: 400, send: { headers: structured, body: text.slice(0, 1 + int(text.length - 1)) } };
  },
  invalidJson(i) {
    const bodies = ['{', '}', '[1,', '{"specversion":1.0.0}', "{'a':1}", 'NaN', '{"a":undefined}', 'nul', '\u0000\u0001', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), '{"id":"x",}', '{"a"}'];
    const batch = rand() < 0.3;
    return { expect: 400, send: { headers: batch ? { ...structured, 'content-type': 'application/cloudevents-batch+json' } : structured, body: pick(bodies) } };
  },
  missingAttribute(i) {
    const attr = pick(REQUIRED);
    if (rand() < 0.5) {
      const ev = validEvent(i);
      delete ev[attr];
      return { expect: 400, attribute: attr, send: { headers: structured, body: JSON.stringify(ev) } };
    }
    const h = binaryHeaders(i);
    delete h[`ce-${attr}`];
    if (attr === 'specversion' || Object.keys(h).filter((k) => k.startsWith('ce-')).length === 0) {
      return { expect: 400, attribute: 'specversion', send: { headers: h, body: '' } };
    }
    return { expect: 400, attribute: attr, send: { headers: h, body: '' } };
  },
  emptyAttribute(i) {
    const attr = pick(['id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema']);
    if (rand() < 0.5) {
      const ev = { ...validEvent(i), [attr]: '' };
      return { expect: 400, attribute: attr, send: { headers: structured, body: JSON.stringify(ev) } };
    }
    if (attr === 'datacontenttype') return { expect: 400, attribute: 'id', send: { headers: { ...binaryHeaders(i), 'ce-id': '' }, body: '' } };
    return { expect: 400, attribute: attr, send: { headers: { ...binaryHeaders(i), [`ce-${attr}`]: '' }, body: '' } };
  },
  badSpecversion(i) {
    const v = pick(['0.3', '2.0', '1', '1.0.0', 'v1.0', '1.00']);
    if (rand() < 0.5) return { expect: 400, attribute: 'specversion', send: { headers: { ...binaryHeaders(i), 'ce-specversion': v }, body: '' } };
    // in JSON also whitespace and other types (a header value would be trimmed by HTTP itself)
    const ev = { ...validEvent(i), specversion: pick([v, ' 1.0', '1.0 ', 1.0, 1, null, true, ['1.0']]) };
    return { expect: 400, attribute: 'specversion', send: { headers: structured, body: JSON.stringify(ev) } };
  },
  hugeHeaders(i) {
    // beyond Node's 16 KiB header limit: the HTTP server itself refuses (431)
    const size = 17 * 1024 + int(64 * 1024);
    const name = rand() < 0.5 ? 'ce-subject' : 'x-padding';
    return { expect: 431, raw: { head: `POST /hostile HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nce-specversion: 1.0\r\nce-id: h${i}\r\nce-source: /h\r\nce-type: t\r\n${name}: ${'a'.repeat(size)}\r\nContent-Length: 0\r\n\r\n` } };
  },
  oversizedBody(i) {
    const size = LIMIT + 1 + int(4 * LIMIT);
    if (rand() < 0.5) {
      return { expect: 413, send: { headers: { ...binaryHeaders(i), 'content-type': 'application/octet-stream', 'content-length': String(size) }, body: Buffer.alloc(size, 0x61) } };
    }
    // chunked, no length: refused as the bytes pass the limit
    return { expect: 413, send: { headers: { ...structured }, chunks: Array.from({ length: Math.ceil(size / 4096) }, () => Buffer.alloc(4096, 0x20)) } };
  },
  slowBody(i) {
    // headers and a few bytes of a declared body, then nothing
    return { expect: 408, raw: { head: `POST /hostile HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nContent-Type: application/cloudevents+json\r\nContent-Length: 500\r\n\r\n{"specversion":`, hold: true } };
  },
  wrongContentType(i) {
    const ct = pick(['text/plain', 'application/xml', 'application/cloudevents+xml', 'application/cloudevents-batch+avro', 'multipart/form-data; boundary=x', 'image/png', undefined]);
    const headers = { authorization: AUTH };
    if (ct !== undefined) headers['content-type'] = ct;
    if (rand() < 0.2) return { expect: 415, send: { headers: { ...binaryHeaders(i), 'content-encoding': pick(['gzip', 'br', 'deflate']) }, body: 'x' } };
    return { expect: 415, send: { headers, body: JSON.stringify(validEvent(i)) } };
  },
  invalidPercentEncoding(i) {
    const attr = pick(['subject', 'source', 'id', 'type', 'myext']);
    const bad = pick(['%zz', '%', '%4', 'ab%G1', '%C0%A0', '%E2%82', '%ED%A0%80', '%FF', '"unterminated\\"']);
    return { expect: 400, attribute: attr, send: { headers: { ...binaryHeaders(i), [`ce-${attr}`]: bad }, body: '' } };
  },
  batchWithOneBad(i) {
    const n = 2 + int(8);
    const bad = int(n);
    const list = Array.from({ length: n }, (_, k) => validEvent(`${i}-${k}`));
    const attr = pick(['id', 'source', 'type', 'specversion', 'time']);
    list[bad] = { ...list[bad], [attr]: attr === 'time' ? 'not a time' : '' };
    return { expect: 400, attribute: attr, index: bad, send: { headers: { ...structured, 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(list) } };
  },
  wrongCredentials(i) {
    const auth = pick([
      'Basic ' + Buffer.from(`${USER}:wrong`).toString('base64'),
      'Basic ' + Buffer.from(`other:${PASS}`).toString('base64'),
      'Basic ' + Buffer.from(`${USER}:${PASS}x`).toString('base64'),
      'Basic !!!notbase64',
      'Bearer abc.def',
      'Basic',
      undefined,
    ]);
    const h = { ...binaryHeaders(i) };
    if (auth === undefined) delete h.authorization;
    else h.authorization = auth;
    return { expect: 401, send: { headers: h, body: '' } };
  },
  wrongMethod(i) {
    return { expect: 405, send: { method: pick(['GET', 'PUT', 'DELETE', 'PATCH']), headers: binaryHeaders(i), body: '' } };
  },
};

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function send(port, s) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/hostile', method: s.method || 'POST', headers: s.headers, agent });
    let done = false;
    const finish = (r) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    req.on('response', (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(Buffer.concat(parts).toString());
        } catch {
          json = undefined;
        }
        finish({ status: res.statusCode, json });
      });
      res.on('error', () => finish({ status: res.statusCode }));
    });
    req.on('error', (err) => finish({ status: 0, error: err.code }));
    if (s.chunks) {
      let k = 0;
      const write = () => {
        while (k < s.chunks.length) {
          if (req.destroyed) return;
          if (!req.write(s.chunks[k++])) return req.once('drain', write);
        }
        req.end();
      };
      write();
    } else {
      req.end(s.body);
    }
  });
}

function sendRaw(port, r) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const finish = () => {
      sock.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0) });
    };
    sock.on('connect', () => sock.write(r.head));
    sock.on('data', (c) => {
      data += c;
      if (/\r\n\r\n/.test(data)) finish();
    });
    sock.on('error', () => finish());
    sock.on('close', () => finish());
    sock.setTimeout(10000, finish);
  });
}

async function runAll(port, cases, concurrency) {
  const results = new Array(cases.length);
  let next = 0;
  async function worker() {
    while (next < cases.length) {
      const k = next++;
      const c = cases[k];
      results[k] = c.raw ? await sendRaw(port, c.raw) : await send(port, c.send);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

function generate(perKind) {
  const cases = [];
  let i = 0;
  for (const [kind, gen] of Object.entries(GENERATORS)) {
    for (let k = 0; k < perKind; k++) cases.push({ kind, ...gen(i++) });
  }
  // shuffle so kinds interleave
  for (let k = cases.length - 1; k > 0; k--) {
    const j = int(k + 1);
    [cases[k], cases[j]] = [cases[j], cases[k]];
  }
  return cases;
}

/** Memory of the process after GC. The harness's own records (log lines, statuses) are dropped first. */
function memory(nr) {
  nr.logLines('error', 'hin').should.eql([]);
  nr.logs.length = 0;
  nr.statuses.clear();
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

for (const where of [{ name: "Node-RED's HTTP server" }, { name: 'a port of its own (issue 16)', ownPort: true }]) describe(`cloudevent-in under hostile input, on ${where.name}`, function () {
  this.timeout(180000);
  let nr;
  let port;

  before(async () => {
    nr = await startNodeRed();
    port = where.ownPort ? await freePort() : Number(new URL(nr.url).port);
    await nr.deploy([]);
    nr.reset();
    await nr.deploy([
      { id: TAB, type: 'tab', label: 'hostile' },
      { id: 'hin', type: 'cloudevent-in', z: TAB, path: '/hostile', maxBodySize: String(LIMIT), readTimeout: 0.5, ...(where.ownPort ? { port: String(port), host: '127.0.0.1' } : {}), credentials: { username: USER, password: PASS }, wires: [['s1']] },
      sinkNode('s1', 'events', TAB),
    ]);
    await nr.waitFor(() => /listening/.test(nr.status('hin')?.text ?? ''), 5000, 'hin listening');
  });
  after(async () => {
    agent.destroy();
    if (nr) await nr.deploy([]);
  });

  async function validStillWorks(tag) {
    const before = nr.sinks.get('events').length;
    const r = await send(port, { headers: { ...structured }, body: JSON.stringify({ ...validEvent(tag), id: `ok-${tag}` }) });
    r.status.should.equal(202, `valid event after hostile round ${tag}`);
    await nr.sinks.until(() => nr.sinks.get('events').length === before + 1, 5000, 'the valid event');
  }

  it('answers ≥ 1,000 generated malformed requests of every kind with the right 4xx; the runtime stays up; memory does not grow', async () => {
    // warm-up: the same mix, so lazily built code and pools are in place before measuring
    const warm = generate(15);
    const warmResults = await runAll(port, warm, 24);
    should(warm.map((c, k) => ({ kind: c.kind, expect: c.expect, got: warmResults[k] })).filter((x) => x.got.status !== x.expect)).eql([]);
    await validStillWorks('warm');
    const m0 = memory(nr);

    const counts = {};
    const started = Date.now();
    let total = 0;
    const perRound = [];
    for (let round = 0; round < 4; round++) {
      const cases = generate(40);
      const results = await runAll(port, cases, 24);
      const wrong = [];
      cases.forEach((c, k) => {
        const r = results[k];
        counts[c.kind] = (counts[c.kind] || 0) + 1;
        let ok = r.status === c.expect;
        if (ok && c.attribute !== undefined) ok = r.json && r.json.attribute === c.attribute;
        if (ok && c.index !== undefined) ok = r.json && r.json.index === c.index;
        if (!ok) wrong.push({ kind: c.kind, expect: c.expect, attribute: c.attribute, index: c.index, got: r });
      });
      should(wrong.slice(0, 5)).eql([], `${wrong.length} wrong answers in round ${round}`);
      total += cases.length;
      await validStillWorks(`r${round}`);
      const m = memory(nr);
      perRound.push(m);
    }
    const elapsed = Date.now() - started;
    const m1 = memory(nr);

    total.should.be.aboveOrEqual(1000);
    Object.keys(counts).length.should.equal(Object.keys(GENERATORS).length);
    // nothing malformed reached the flow: only the valid control events
    nr.sinks.get('events').map((m) => m.payload.id).should.eql(['ok-warm', 'ok-r0', 'ok-r1', 'ok-r2', 'ok-r3']);
    await new Promise((r) => setTimeout(r, 600)); // the throttled status update
    nr.status('hin').fill.should.equal('green');
    const growth = { rss: (m1.rss - m0.rss) / 1048576, heap: (m1.heap - m0.heap) / 1048576 };
    console.log(
      `      hostile: ${total} malformed requests (${Object.keys(counts).length} kinds) in ${elapsed} ms; ` +
        `RSS ${(m0.rss / 1048576).toFixed(1)} -> ${(m1.rss / 1048576).toFixed(1)} MiB (${growth.rss.toFixed(1)}), ` +
        `heap ${(m0.heap / 1048576).toFixed(1)} -> ${(m1.heap / 1048576).toFixed(1)} MiB (${growth.heap.toFixed(1)}); ` +
        `after each round RSS ${perRound.map((m) => (m.rss / 1048576).toFixed(1)).join(', ')} MiB, ` +
        `heap ${perRound.map((m) => (m.heap / 1048576).toFixed(1)).join(', ')} MiB`,
    );
    // steady state: from the end of round 1 to the end of round 4 (1,560 more requests)
    const steady = { rss: (m1.rss - perRound[0].rss) / 1048576, heap: (m1.heap - perRound[0].heap) / 1048576 };
    steady.heap.should.be.below(4, 'heap growth over rounds 2-4 (MiB)');
    steady.rss.should.be.below(16, 'RSS growth over rounds 2-4 (MiB)');
    growth.rss.should.be.below(40, 'RSS growth over all rounds (MiB)');
  });
});
