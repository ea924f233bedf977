'use strict';
/*
 * Interop of lib/cloudevents with the official `cloudevents` SDK (v10), the independent second
 * opinion, over real HTTP: what the package sends is received by the SDK's `HTTP.toEvent`, and
 * what the SDK sends is decoded by `fromHttp`.
 *
 * Known SDK gaps the assertions account for (protocols.md §1.7):
 *  - binary receive does not percent-decode ce- header values: the SDK's values are decoded
 *    here with decodeURIComponent (an independent decoder) before comparing;
 *  - `time` comes back re-formatted to UTC milliseconds: compared as instants;
 *  - binary extensions come back as strings (headers have no types);
 *  - structured `data_base64` comes back as a Uint32Array with one byte per slot;
 *  - binary send writes non-ASCII header values raw, which Node refuses on the wire.
 */
const should = require('should');
const { CloudEvent, HTTP } = require('cloudevents');
const undici = require('undici');
const ce = require('../../../dist/lib/cloudevents');
const { HttpSender } = require('../../../dist/lib/http');
const { startKnativePeer } = require('../../support/knative-peer');

function sdkReceive(rec) {
  // Node's req.headers (lower-case names) and the body as the SDK expects it (text or bytes)
  const ct = String(rec.headers['content-type'] || '');
  const text = /json|text|xml/.test(ct);
  // an empty body is "no body" (the SDK would otherwise report an empty Buffer as data)
  const body = rec.body.length === 0 ? undefined : text ? rec.body.toString('utf8') : rec.body;
  return HTTP.toEvent({ headers: rec.headers, body });
}

const NON_ASCII = 'Zürich – Euro € 😀 "quoted" 100%';

const EVENTS = [
  {
    name: 'JSON data, non-ASCII subject and extension, offset time with microseconds',
    event: {
      specversion: '1.0', id: 'json-1', source: 'https://vc.example.com/sdk', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0',
      subject: NON_ASCII, time: '2026-11-24T10:00:00.123456+02:00', datacontenttype: 'application/json',
      dataschema: 'https://schema.example.com/vm/v1', data: { Key: 42, FullFormattedMessage: 'VM ä on', Vm: { Type: 'VirtualMachine', Value: 'vm-1' }, list: [1, null, true] },
      eventclass: 'event', location: 'Zürich', count: 7, flag: true,
    },
  },
  {
    name: 'text data (text/plain; charset=utf-8)',
    event: { specversion: '1.0', id: 'text-1', source: '/relative/source', type: 't.text', datacontenttype: 'text/plain; charset=utf-8', data: 'hällo wörld\nline 2', ext: 'ä' },
  },
  {
    name: 'XML data',
    event: { specversion: '1.0', id: 'xml-1', source: 'urn:vc:1', type: 't.xml', datacontenttype: 'application/xml', data: '<VmPoweredOnEvent><key>1</key><m>é</m></VmPoweredOnEvent>' },
  },
  {
    name: 'binary data (bytes)',
    event: { specversion: '1.0', id: 'bytes-1', source: '/b', type: 't.bytes', datacontenttype: 'application/octet-stream', data_base64: Buffer.from([0, 1, 2, 254, 255, 128]).toString('base64') },
  },
  {
    name: 'no data',
    event: { specversion: '1.0', id: 'none-1', source: '/n', type: 't.none', subject: 'Ω' },
  },
];

function bytesOf(value) {
  if (value instanceof Uint32Array) return Buffer.from(Array.from(value)); // SDK gap: one byte per slot
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(String(value));
}

function compareWithSdk(sent, got, mode) {
  got.validate().should.be.true(); // the SDK's own strict validation
  const dec = (v) => (mode === 'binary' && typeof v === 'string' ? decodeURIComponent(v) : v);
  got.specversion.should.equal(sent.specversion);
  dec(got.id).should.equal(sent.id);
  dec(got.source).should.equal(sent.source);
  dec(got.type).should.equal(sent.type);
  for (const a of ['subject', 'dataschema', 'datacontenttype']) {
    if (sent[a] === undefined) should(got[a]).be.undefined();
    else dec(got[a]).should.equal(sent[a], a);
  }
  if (sent.time !== undefined) Date.parse(got.time).should.equal(Date.parse(sent.time));
  for (const k of Object.keys(sent)) {
    if (ce.CONTEXT_ATTRIBUTES.has(k) || k === 'data' || k === 'data_base64') continue;
    // binary: every extension arrives as a (percent-encoded) string
    if (mode === 'binary') dec(got[k]).should.equal(String(sent[k]), k);
    else should(got[k]).eql(sent[k], k);
  }
  if (sent.data_base64 !== undefined) {
    bytesOf(got.data).should.eql(Buffer.from(sent.data_base64, 'base64'));
  } else if (sent.data !== undefined) {
    should(got.data).eql(sent.data);
  } else {
    should(got.data).be.undefined();
  }
}

describe('cloudevents: interop with the cloudevents SDK over HTTP', function () {
  this.timeout(10000);
  let peer;
  let sender;
  before(async function () {
    peer = await startKnativePeer();
    sender = new HttpSender();
  });
  after(async function () {
    await sender.close();
    await peer.close();
  });
  beforeEach(function () {
    peer.reset();
  });

  for (const mode of ['binary', 'structured']) {
    for (const { name, event } of EVENTS) {
      it(`${mode}: the SDK receives ${name} intact`, async function () {
        const msg = mode === 'binary' ? ce.toBinary(event) : ce.toStructured(event);
        const out = await sender.send({ url: peer.url, headers: msg.headers, body: msg.body });
        out.kind.should.equal('response');
        out.statusCode.should.equal(202);
        peer.requests.should.have.length(1);
        compareWithSdk(event, sdkReceive(peer.requests[0]), mode);
        // and our own receiver gets exactly what was sent (binary mode carries extension
        // values as strings: headers have no types)
        const expected = Object.assign({}, event);
        if (mode === 'binary') {
          for (const k of Object.keys(expected)) {
            if (!ce.CONTEXT_ATTRIBUTES.has(k) && k !== 'data' && k !== 'data_base64') expected[k] = String(expected[k]);
          }
        }
        ce.fromHttp(peer.requests[0].headers, peer.requests[0].body).should.eql([expected]);
      });
    }
  }

  it('binary: header values on the wire are ASCII, percent-encoded per 1.0.2', async function () {
    const msg = ce.toBinary(EVENTS[0].event);
    await sender.send({ url: peer.url, headers: msg.headers, body: msg.body });
    const h = peer.requests[0].headers;
    h['ce-subject'].should.equal('Z%C3%BCrich%20%E2%80%93%20Euro%20%E2%82%AC%20%F0%9F%98%80%20%22quoted%22%20100%25');
    h['ce-location'].should.equal('Z%C3%BCrich');
    h['ce-time'].should.equal('2026-11-24T10:00:00.123456+02:00'); // no precision loss on our side
    should(h['ce-datacontenttype']).be.undefined();
  });

  describe('events produced by the SDK are decoded by fromHttp', function () {
    const sdkEvent = () => new CloudEvent({
      id: 'sdk-1', source: 'https://producer.example.com', type: 'com.example.sdk', subject: 'vm-42',
      datacontenttype: 'application/json', data: { hello: 'wörld', n: [1, 2] }, myext: 'v1', myint: 5, mybool: true,
    });

    async function postRaw(msg) {
      const res = await undici.request(peer.url, { method: 'POST', headers: msg.headers, body: typeof msg.body === 'string' || Buffer.isBuffer(msg.body) ? msg.body : Buffer.from(msg.body) });
      await res.body.dump();
      res.statusCode.should.equal(202);
      return peer.requests[peer.requests.length - 1];
    }

    function expectSame(got, ev) {
      got.id.should.equal(ev.id);
      got.source.should.equal(ev.source);
      got.type.should.equal(ev.type);
      got.specversion.should.equal('1.0');
      got.subject.should.equal(ev.subject);
      Date.parse(got.time).should.equal(Date.parse(ev.time));
      got.data.should.eql(ev.data);
    }

    it('HTTP.binary over the wire', async function () {
      const ev = sdkEvent();
      const rec = await postRaw(HTTP.binary(ev));
      const [got] = ce.fromHttp(rec.headers, rec.body);
      expectSame(got, ev);
      got.myext.should.equal('v1');
      got.myint.should.equal('5'); // binary mode carries strings
      got.mybool.should.equal('true');
    });

    it('HTTP.structured over the wire', async function () {
      const ev = sdkEvent();
      const rec = await postRaw(HTTP.structured(ev));
      const [got] = ce.fromHttp(rec.headers, rec.body);
      expectSame(got, ev);
      got.myint.should.equal(5);
      got.mybool.should.equal(true);
      should(ce.validateCloudEvent(got)).be.undefined();
    });

    it('HTTP.binary with bytes data', async function () {
      const ev = new CloudEvent({ id: 'b', source: '/s', type: 't', datacontenttype: 'application/octet-stream', data: Buffer.from([9, 0, 255]) });
      const rec = await postRaw(HTTP.binary(ev));
      const [got] = ce.fromHttp(rec.headers, rec.body);
      got.data_base64.should.equal(Buffer.from([9, 0, 255]).toString('base64'));
      ce.dataBytes(got).should.eql(Buffer.from([9, 0, 255]));
    });

    it('HTTP.structured with data_base64', async function () {
      const ev = new CloudEvent({ id: 'b64', source: '/s', type: 't', datacontenttype: 'image/png', data_base64: 'iVBORw0KGgo=' });
      const rec = await postRaw(HTTP.structured(ev));
      const [got] = ce.fromHttp(rec.headers, rec.body);
      got.data_base64.should.equal('iVBORw0KGgo=');
      got.datacontenttype.should.equal('image/png');
    });

    it('a batch of SDK events (the SDK has no batch writer: its JSON form in an array)', async function () {
      const evs = [sdkEvent(), sdkEvent().cloneWith({ id: 'sdk-2', data: 'plain string' })];
      peer.script([{ status: 202 }]); // a Broker does not take unsolicited batches: let this one through
      const rec = await postRaw({ headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(evs) });
      const got = ce.fromHttp(rec.headers, rec.body);
      got.map((e) => e.id).should.eql(['sdk-1', 'sdk-2']);
      got[1].data.should.equal('plain string');
      // and the SDK agrees with our batch writer
      HTTP.toEvent(ce.toBatch(got)).map((e) => e.id).should.eql(['sdk-1', 'sdk-2']);
    });

    it('HTTP.binary with a non-ASCII subject: Node refuses it on the wire, fromHttp decodes it in memory', async function () {
      const subject = 'Zürich – Euro € 😀';
      const ev = sdkEvent().cloneWith({ subject });
      const msg = HTTP.binary(ev);
      // SDK gap: raw header value
      msg.headers['ce-subject'].should.equal(subject);
      await undici.request(peer.url, { method: 'POST', headers: msg.headers, body: msg.body }).then(
        () => should.fail('Node should refuse a non-latin1 header value'),
        (err) => err.should.be.instanceOf(Error),
      );
      ce.fromHttp(msg.headers, Buffer.from(msg.body))[0].subject.should.equal(subject);
    });

    it('HTTP.binary with an unencoded "%" in a value: rejected with 400 naming the attribute', function () {
      const msg = HTTP.binary(sdkEvent().cloneWith({ subject: '100% done' }));
      (() => ce.fromHttp(msg.headers, Buffer.from(msg.body))).should.throw(ce.CloudEventHttpError, { statusCode: 400, attribute: 'subject' });
    });
  });
});
