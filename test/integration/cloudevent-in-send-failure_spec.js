'use strict';
/*
 * cloudevent-in when Node-RED itself throws while the node sends (issue 11 item 1, the second
 * guard): Node-RED's message clone for the second wire is made to throw for marked events, as
 * lodash.clonedeep did on deeply nested data. The request gets 500 with the reason, the runtime
 * keeps running, and with delivery acknowledged the window entries of what was not sent are
 * let go (a full window's worth of events is accepted afterwards).
 */
require('should');
const http = require('node:http');
const { startNodeRed, sinkNode } = require('../support/nodered');
const { util: redUtil } = require('@node-red/util');

const TAB = 'tab-ce-throw';
const CE = { 'ce-specversion': '1.0', 'ce-source': '/throw', 'ce-type': 't.throw', 'content-type': 'application/json' };

function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers, agent: false }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = { raw: text.slice(0, 300) };
        }
        resolve({ status: res.statusCode, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('cloudevent-in when Node-RED throws while the node sends', function () {
  this.timeout(60000);
  let nr;
  let clone;
  let uncaught;
  const onUncaught = (err) => uncaught.push(err);

  before(async () => {
    nr = await startNodeRed();
    clone = redUtil.cloneMessage;
    redUtil.cloneMessage = function (msg) {
      if (msg && msg.payload && msg.payload.data && msg.payload.data.explode === true) throw new RangeError('Maximum call stack size exceeded');
      return clone.apply(this, arguments);
    };
  });
  beforeEach(() => {
    uncaught = [];
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterEach(async () => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
    await nr.deploy([]);
    nr.reset();
  });
  after(async () => {
    redUtil.cloneMessage = clone;
    if (nr) await nr.stop();
  });

  for (const delivery of ['sent', 'acknowledged']) {
    it(`delivery ${delivery}: 500 with the reason, nothing uncaught, the endpoint keeps working`, async () => {
      await nr.deploy([
        { id: TAB, type: 'tab' },
        { id: 'in', type: 'cloudevent-in', z: TAB, path: '/throws', delivery, maxInFlight: 5, wires: [['s1', 's2']] },
        sinkNode('s1', 'one', TAB),
        sinkNode('s2', 'two', TAB),
      ]);
      await nr.waitFor(() => nr.status('in') !== undefined, 10000, 'a status');
      nr.status('in').fill.should.equal('green', JSON.stringify(nr.status('in')));
      const url = `${nr.url}/throws`;
      for (let i = 0; i < 8; i++) {
        const r = await post(url, { ...CE, 'ce-id': `boom-${i}` }, '{"explode":true}');
        r.status.should.equal(500, JSON.stringify(r.json));
        r.json.error.should.match(/could not take .*Maximum call stack size exceeded/);
      }
      // the first wire got its copy before the clone for the second threw
      await nr.sinks.until(() => nr.sinks.get('one').length === 8, 5000, 'the copies on the first wire');
      nr.sinks.get('two').length.should.equal(0);
      // acknowledged: 8 failed sends did not leave 8 entries in a window of 5
      const batch = JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ specversion: '1.0', id: `ok-${i}`, source: '/throw', type: 't', data: { explode: false } })));
      const ok = await post(url, { 'content-type': 'application/cloudevents-batch+json' }, batch);
      ok.status.should.equal(delivery === 'acknowledged' ? 200 : 202);
      await nr.sinks.until(() => nr.sinks.get('two').length === 5, 5000, 'the batch on the second wire');
      uncaught.should.eql([]);
    });
  }
});
