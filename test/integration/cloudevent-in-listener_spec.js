'use strict';
/*
 * cloudevent-in on a port of its own (issue 16 item 1) in a real Node-RED runtime
 * (test/support/nodered.js): two nodes sharing a port by path, HTTPS from a core tls-config
 * node, a port in use and a TLS mismatch (red status, catchable error, no crash), acknowledged
 * answers, and 50 redeploys that leave no listening socket behind.
 */
require('should');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const { startNodeRed, sinkNode } = require('../support/nodered');
const { freePort } = require('../support/nodered-process');
const { selfSignedCert } = require('../support/horizon-peer');

const TAB = 'tab-ce-port';
const CE = { 'ce-specversion': '1.0', 'ce-id': 'p-1', 'ce-source': '/port', 'ce-type': 't.port' };

function post(url, headers = CE, body = '', options = {}) {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: 'POST', headers, agent: false, ...options }, (res) => {
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
        resolve({ status: res.statusCode, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function refused(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED'));
  });
}

const servers = () => process._getActiveHandles().filter((h) => h instanceof net.Server).length;

describe('cloudevent-in on a port of its own, in Node-RED', function () {
  this.timeout(120000);
  let nr;

  before(async () => {
    nr = await startNodeRed();
  });
  afterEach(async () => {
    await nr.deploy([]);
    nr.reset();
  });
  after(async () => {
    if (nr) await nr.stop();
  });

  const ceNode = (id, path, extra = {}) => ({ id, type: 'cloudevent-in', z: TAB, path, host: '127.0.0.1', wires: [[`${id}-sink`]], ...extra });

  it('two nodes share one port by path; other paths get 404; Node-RED\'s own server does not serve them', async () => {
    const port = await freePort();
    await nr.deploy([
      { id: TAB, type: 'tab' },
      ceNode('a', '/own/a', { port: String(port) }), sinkNode('a-sink', 'a', TAB),
      ceNode('b', '/own/b', { port: String(port), delivery: 'acknowledged' }), sinkNode('b-sink', 'b', TAB),
    ]);
    await nr.waitFor(() => nr.status('a')?.fill === 'green' && nr.status('b')?.fill === 'green', 10000, 'both listening');
    nr.status('a').text.should.equal(`listening on http://127.0.0.1:${port}/own/a`);
    (await post(`http://127.0.0.1:${port}/own/a`)).status.should.equal(202);
    (await post(`http://127.0.0.1:${port}/own/b`)).status.should.equal(200);
    (await post(`http://127.0.0.1:${port}/own/c`)).status.should.equal(404);
    (await post(`${nr.url}/own/a`)).status.should.equal(404);
    await nr.sinks.until(() => nr.sinks.get('a').length === 1 && nr.sinks.get('b').length === 1, 5000, 'one event each');
    nr.sinks.get('a')[0].payload.id.should.equal('p-1');
    nr.sinks.get('a')[0].http.path.should.equal('/own/a');
  });

  it('HTTPS with a core tls-config node (certificate and key as credentials)', async () => {
    const port = await freePort();
    const { key, cert } = selfSignedCert();
    await nr.deploy([
      { id: TAB, type: 'tab' },
      { id: 'tls1', type: 'tls-config', name: 'self-signed', cert: '', key: '', ca: '', verifyservercert: false, credentials: { certdata: String(cert), keydata: String(key) } },
      ceNode('s', '/secure', { port: String(port), tls: 'tls1' }), sinkNode('s-sink', 's', TAB),
    ]);
    await nr.waitFor(() => nr.status('s')?.fill === 'green', 10000, 'listening');
    nr.status('s').text.should.equal(`listening on https://127.0.0.1:${port}/secure`);
    (await post(`https://127.0.0.1:${port}/secure`, CE, '', { ca: cert })).status.should.equal(202);
    await nr.sinks.until(() => nr.sinks.get('s').length === 1, 5000, 'the event');
    // the certificate is checked by the client: an unknown CA fails the handshake
    await post(`https://127.0.0.1:${port}/secure`).should.be.rejectedWith(/self[- ]signed|certificate/);
  });

  it('a port in use: red status and an error a Catch node receives; Node-RED keeps running', async () => {
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      await nr.deploy([
        { id: TAB, type: 'tab' },
        ceNode('busy', '/busy', { port: String(port) }), sinkNode('busy-sink', 'busy', TAB),
        { id: 'catcher', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['catch-sink']] }, sinkNode('catch-sink', 'caught', TAB),
      ]);
      await nr.waitFor(() => nr.status('busy')?.fill === 'red', 10000, 'red status');
      nr.status('busy').text.should.equal(`port 127.0.0.1:${port} is already in use`);
      await nr.sinks.until(() => nr.sinks.get('caught').length === 1, 5000, 'the caught error');
      nr.sinks.get('caught')[0].error.message.should.match(/already in use/);
      (await fetch(`${nr.url}/settings`)).status.should.equal(200);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a tls-config whose certificate Node refuses: red status and a catchable error; a good one on the same port serves after the next deploy', async () => {
    const port = await freePort();
    await nr.deploy([
      { id: TAB, type: 'tab' },
      { id: 'tlsbad', type: 'tls-config', cert: '', key: '', ca: '', credentials: { certdata: '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n', keydata: 'not a key' } },
      ceNode('badtls', '/badtls', { port: String(port), tls: 'tlsbad' }), sinkNode('badtls-sink', 'badtls', TAB),
      { id: 'catcher', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['catch-sink']] }, sinkNode('catch-sink', 'caught', TAB),
    ]);
    await nr.waitFor(() => nr.status('badtls')?.fill === 'red', 10000, 'red status');
    nr.status('badtls').text.should.match(new RegExp(`cannot serve HTTPS on port ${port}: the TLS certificate or key is not usable`));
    await nr.sinks.until(() => nr.sinks.get('caught').length === 1, 5000, 'the caught error');
    (await refused(port)).should.be.true();
    (await fetch(`${nr.url}/settings`)).status.should.equal(200);
    const { key, cert } = selfSignedCert();
    await nr.deploy([
      { id: TAB, type: 'tab' },
      { id: 'tlsgood', type: 'tls-config', cert: '', key: '', ca: '', credentials: { certdata: String(cert), keydata: String(key) } },
      ceNode('badtls', '/badtls', { port: String(port), tls: 'tlsgood' }), sinkNode('badtls-sink', 'badtls', TAB),
    ]);
    await nr.waitFor(() => nr.status('badtls')?.fill === 'green', 10000, 'listening');
    (await post(`https://127.0.0.1:${port}/badtls`, CE, '', { ca: cert })).status.should.equal(202);
  });

  it('two nodes on one port with different TLS settings: the second gets a clear error, the first keeps serving', async () => {
    const port = await freePort();
    const { key, cert } = selfSignedCert();
    await nr.deploy([
      { id: TAB, type: 'tab' },
      { id: 'tls1', type: 'tls-config', cert: '', key: '', ca: '', credentials: { certdata: String(cert), keydata: String(key) } },
      ceNode('plain', '/plain', { port: String(port) }), sinkNode('plain-sink', 'plain', TAB),
      ceNode('tlsd', '/tlsd', { port: String(port), tls: 'tls1' }), sinkNode('tlsd-sink', 'tlsd', TAB),
    ]);
    await nr.waitFor(() => ['plain', 'tlsd'].some((id) => nr.status(id)?.fill === 'red') && ['plain', 'tlsd'].some((id) => nr.status(id)?.fill === 'green'), 10000, 'one red, one green');
    const red = ['plain', 'tlsd'].find((id) => nr.status(id).fill === 'red');
    nr.status(red).text.should.match(new RegExp(`port ${port} is already used by cloudevent-in nodes with another TLS setting`));
    nr.logLines('error', red).join('\n').should.match(/another TLS setting/);
  });

  it('50 redeploys leave no listening socket: refused once the node is gone, server handles flat', async () => {
    const port = await freePort();
    const base = servers();
    for (let i = 0; i < 50; i++) {
      await nr.deploy([{ id: TAB, type: 'tab' }, ceNode('r', '/redeploy', { port: String(port), name: `round ${i}` }), sinkNode('r-sink', 'r', TAB)]);
      if (i % 10 === 9) {
        await nr.waitFor(() => nr.status('r')?.fill === 'green', 10000, `listening in round ${i}`);
        (await post(`http://127.0.0.1:${port}/redeploy`)).status.should.equal(202);
      }
    }
    await nr.deploy([]);
    (await refused(port)).should.be.true();
    await nr.waitFor(() => servers() <= base, 5000, `server handles back to ${base} (now ${servers()})`);
    nr.logLines('error').should.eql([]);
  });
});
