'use strict';
/* Unit tests of lib/cloudevents: model, validation, header encoding, HTTP binding. */
const should = require('should');
const ce = require('../../../dist/lib/cloudevents');

function base(extra) {
  return Object.assign({ specversion: '1.0', id: 'e-1', source: 'https://vc.example.com/sdk', type: 'com.vmware.vsphere.VmPoweredOnEvent.v0' }, extra);
}

function expectHttpError(fn, status, pattern, attribute) {
  // status undefined: any CloudEventHttpError
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  should.exist(err, 'expected an error');
  err.should.be.instanceOf(ce.CloudEventHttpError);
  if (status !== undefined) err.statusCode.should.equal(status, err.message);
  if (pattern) err.message.should.match(pattern);
  if (attribute !== undefined) should(err.attribute).equal(attribute);
  return err;
}

describe('cloudevents: validateCloudEvent', function () {
  it('accepts a minimal and a full event', function () {
    should(ce.validateCloudEvent(base())).be.undefined();
    should(ce.validateCloudEvent(base({
      subject: 'VmPoweredOnEvent', time: '2026-11-24T10:00:00.123456789+02:00', datacontenttype: 'application/json',
      dataschema: 'https://schema.example.com/v1', data: { a: [1, null] }, eventclass: 'event', vsphereapiversion: '8.0.3.0',
      flag: true, count: -2147483648, bytes: Buffer.from('x'),
    }))).be.undefined();
  });

  const invalid = [
    ['not an object', 'x', '', /must be an object/],
    ['an array', [], '', /must be an object/],
    ['missing specversion', base({ specversion: undefined }), 'specversion', /specversion is missing/],
    ['empty specversion', base({ specversion: '' }), 'specversion', /specversion is empty/],
    ['specversion 0.3', base({ specversion: '0.3' }), 'specversion', /"0.3" is not supported/],
    ['specversion 2.0', base({ specversion: '2.0' }), 'specversion', /not supported/],
    ['specversion number', base({ specversion: 1 }), 'specversion', /not supported/],
    ['missing id', base({ id: undefined }), 'id', /attribute id is missing/],
    ['null id', base({ id: null }), 'id', /attribute id is missing/],
    ['empty id', base({ id: '' }), 'id', /attribute id is empty/],
    ['numeric id', base({ id: 5 }), 'id', /id must be a string/],
    ['missing source', base({ source: undefined }), 'source', /source is missing/],
    ['empty source', base({ source: '' }), 'source', /source is empty/],
    ['source with a space', base({ source: 'a b' }), 'source', /URI-reference/],
    ['missing type', base({ type: undefined }), 'type', /type is missing/],
    ['empty type', base({ type: '' }), 'type', /type is empty/],
    ['empty subject', base({ subject: '' }), 'subject', /subject is empty/],
    ['subject with a control character', base({ subject: 'a\u0001b' }), 'subject', /control character/],
    ['subject with C1 control', base({ subject: 'a\u0085b' }), 'subject', /control character/],
    ['subject with a lone surrogate', base({ subject: 'a\ud800b' }), 'subject', /lone surrogate/],
    ['subject with a noncharacter', base({ subject: 'a\ufffe' }), 'subject', /noncharacter/],
    ['subject with a plane-1 noncharacter', base({ subject: 'a\u{1FFFF}' }), 'subject', /noncharacter/],
    ['bad time', base({ time: 'yesterday' }), 'time', /RFC 3339/],
    ['time without zone', base({ time: '2026-11-24T10:00:00' }), 'time', /RFC 3339/],
    ['time Feb 30', base({ time: '2026-02-30T10:00:00Z' }), 'time', /RFC 3339/],
    ['relative dataschema', base({ dataschema: '/schema' }), 'dataschema', /absolute URI/],
    ['datacontenttype not a media type', base({ datacontenttype: 'json' }), 'datacontenttype', /not a media type/],
    ['data and data_base64', base({ data: 1, data_base64: 'AA==' }), 'data_base64', /mutually exclusive/],
    ['bad base64', base({ data_base64: 'A' }), 'data_base64', /not valid base64/],
    ['object data with text/plain', base({ datacontenttype: 'text/plain', data: { a: 1 } }), 'data', /must be a string or bytes/],
    ['upper-case extension name', base({ myExt: 'x' }), 'myExt', /extension name "myExt" is invalid/],
    ['extension name with a dash', base({ 'my-ext': 'x' }), 'my-ext', /invalid/],
    ['extension named data_x', base({ data_x: 'x' }), 'data_x', /invalid/],
    ['non-integer extension', base({ ratio: 1.5 }), 'ratio', /32-bit integer, got the number 1.5/],
    ['int64 extension', base({ big: 2 ** 40 }), 'big', /32-bit integer/],
    ['object extension', base({ obj: { a: 1 } }), 'obj', /got an object/],
    ['extension with a control char', base({ ext: 'a\nb' }), 'ext', /control character/],
  ];
  for (const [name, value, attribute, pattern] of invalid) {
    it('rejects ' + name + ' naming ' + (attribute || 'the event'), function () {
      const err = ce.validateCloudEvent(value);
      should.exist(err);
      err.should.be.instanceOf(ce.CloudEventValidationError);
      err.attribute.should.equal(attribute);
      err.message.should.match(pattern);
    });
  }

  it('treats null optional attributes and extensions as absent; 30-char names are allowed', function () {
    should(ce.validateCloudEvent(base({ subject: null, time: null, ext: null, abcdefghijklmnopqrstuvwxyz0123: 'x' }))).be.undefined();
  });

  it('reads RFC 3339 times field by field: calendar, leap years, clock and offset ranges', function () {
    const ok = [
      '2024-02-29T00:00:00Z', '2000-02-29T12:00:00z', '2026-12-31T23:59:60Z', '2026-04-30T10:00:00.5+14:00',
      '2026-01-31t00:00:00-23:59', '2026-11-24T10:00:00.123456789+02:00',
    ];
    const bad = [
      '2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:61Z',
      '2026-01-01T10:00:00+24:00', '2026-01-01T10:00:00+02:60', '2026-01-01 10:00:00Z', '2026-1-01T10:00:00Z',
      '2026-01-01T10:00:00.Z', '2026-01-01T10:00:00+0200',
    ];
    for (const t of ok) should(ce.validateCloudEvent(base({ time: t })) === undefined).be.true(t);
    for (const t of bad) ce.validateCloudEvent(base({ time: t })).should.have.property('attribute', 'time');
  });

  it('assertCloudEvent throws the same error', function () {
    (() => ce.assertCloudEvent(base({ source: '' }))).should.throw(ce.CloudEventValidationError, { attribute: 'source' });
  });
});

describe('cloudevents: header value percent-encoding (1.0.2 §3.1.3.2)', function () {
  it('encodes the spec example', function () {
    ce.encodeHeaderValue('Euro € 😀').should.equal('Euro%20%E2%82%AC%20%F0%9F%98%80');
  });
  it('encodes space, double quote and percent; leaves other printable ASCII', function () {
    ce.encodeHeaderValue('a "b" 100%').should.equal('a%20%22b%22%20100%25');
    ce.encodeHeaderValue("!#$&'()*+,/:;<=>?@[\\]^_`{|}~").should.equal("!#$&'()*+,/:;<=>?@[\\]^_`{|}~");
  });
  it('encodes control characters and DEL', function () {
    ce.encodeHeaderValue('\t\u007f').should.equal('%09%7F');
  });
  it('decodes lower-case hex and needlessly encoded characters', function () {
    ce.decodeHeaderValue('Euro%20%e2%82%ac%20%F0%9f%98%80').should.equal('Euro € 😀');
    ce.decodeHeaderValue('%41%42c').should.equal('ABc');
  });
  it('does one round only', function () {
    ce.decodeHeaderValue('%2541').should.equal('%41');
  });
  it('undoes an RFC 7230 quoted-string first', function () {
    ce.decodeHeaderValue('"a \\"quoted\\" value"').should.equal('a "quoted" value');
    ce.decodeHeaderValue('"%C3%A4"').should.equal('ä');
  });
  it('accepts raw UTF-8 from senders that do not encode (arrives as latin1 in Node)', function () {
    const raw = Buffer.from('Zürich €', 'utf8').toString('latin1');
    ce.decodeHeaderValue(raw).should.equal('Zürich €');
    ce.decodeHeaderValue('Zürich €').should.equal('Zürich €'); // a JS string with wide chars
  });
  const bad = [
    ['overlong %C0%A0', '%C0%A0', /not valid UTF-8/],
    ['truncated sequence', '%E2%82', /not valid UTF-8/],
    ['lone continuation byte', '%80', /not valid UTF-8/],
    ['encoded surrogate', '%ED%A0%80', /not valid UTF-8/],
    ['non-hex', '%ZZ', /invalid percent-encoding/],
    ['trailing %', 'abc%', /invalid percent-encoding/],
    ['one hex digit', 'abc%4', /invalid percent-encoding/],
    ['quoted-string with a lone backslash', '"abc\\"', /backslash/],
  ];
  for (const [name, value, pattern] of bad) {
    it('rejects ' + name, function () {
      (() => ce.decodeHeaderValue(value)).should.throw(ce.HeaderValueError, { message: pattern });
    });
  }
  it('round-trips random strings (BMP, astral, specials)', function () {
    const alphabet = ['a', 'Z', ' ', '"', '%', '~', '!', 'ä', '€', '😀', '中', '\u00a0', '%41', '+', '\\'];
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 500; i++) {
      let s = '';
      const n = Math.floor(rnd() * 12);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      const enc = ce.encodeHeaderValue(s);
      enc.should.match(/^[\x21-\x7e]*$/);
      enc.should.not.match(/[ "]/);
      ce.decodeHeaderValue(enc).should.equal(s);
      decodeURIComponent(enc).should.equal(s); // independent decoder agrees
    }
  });
});

describe('cloudevents: toBinary', function () {
  it('writes ce- headers, content-type from datacontenttype and JSON data', function () {
    const m = ce.toBinary(base({ subject: 'Zürich €', time: '2026-11-24T10:00:00.123456+02:00', datacontenttype: 'application/json', data: { a: 1 }, ext: 'x y', flag: false, n: 42 }));
    m.headers.should.eql({
      'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': 'https://vc.example.com/sdk', 'ce-type': 'com.vmware.vsphere.VmPoweredOnEvent.v0',
      'ce-subject': 'Z%C3%BCrich%20%E2%82%AC', 'ce-time': '2026-11-24T10:00:00.123456+02:00', 'ce-ext': 'x%20y', 'ce-flag': 'false', 'ce-n': '42',
      'content-type': 'application/json',
    });
    m.body.should.equal('{"a":1}');
    should(m.headers['ce-datacontenttype']).be.undefined();
  });
  it('serializes a JSON scalar (a string stays a JSON string)', function () {
    ce.toBinary(base({ datacontenttype: 'application/json', data: 1.5 })).body.should.equal('1.5');
    ce.toBinary(base({ datacontenttype: 'application/json', data: 'hi' })).body.should.equal('"hi"');
    ce.toBinary(base({ datacontenttype: 'application/json', data: null })).body.should.equal('null');
  });
  it('implies application/json when datacontenttype is absent', function () {
    const m = ce.toBinary(base({ data: { a: 1 } }));
    m.headers['content-type'].should.equal('application/json');
    m.body.should.equal('{"a":1}');
  });
  it('sends text as is for non-JSON types, and +json suffix types as JSON', function () {
    const x = ce.toBinary(base({ datacontenttype: 'application/xml', data: '<a>ä</a>' }));
    x.headers['content-type'].should.equal('application/xml');
    x.body.should.equal('<a>ä</a>');
    ce.toBinary(base({ datacontenttype: 'application/vnd.foo+json; charset=utf-8', data: [1] })).body.should.equal('[1]');
  });
  it('sends bytes and data_base64 as raw bytes', function () {
    const a = ce.toBinary(base({ datacontenttype: 'application/octet-stream', data: Buffer.from([0, 255]) }));
    Buffer.isBuffer(a.body).should.be.true();
    a.body.should.eql(Buffer.from([0, 255]));
    const b = ce.toBinary(base({ data_base64: 'AP8=' }));
    b.body.should.eql(Buffer.from([0, 255]));
    should(b.headers['content-type']).be.undefined();
    const u = ce.toBinary(base({ data: new Uint8Array([1, 2]) }));
    u.body.should.eql(Buffer.from([1, 2]));
  });
  it('sends an empty body without content-type when there is no data', function () {
    const m = ce.toBinary(base());
    m.body.should.equal('');
    should(m.headers['content-type']).be.undefined();
  });
  it('writes byte-valued extensions as base64', function () {
    ce.toBinary(base({ sig: Buffer.from([1, 2, 3]) })).headers['ce-sig'].should.equal('AQID');
  });
  it('validates first, naming the attribute', function () {
    (() => ce.toBinary(base({ type: '' }))).should.throw(ce.CloudEventValidationError, { attribute: 'type' });
    (() => ce.toBinary(base({ data: { n: 10n } }))).should.throw(ce.CloudEventValidationError, { attribute: 'data' });
  });
});

describe('cloudevents: toStructured / toBatch / toJsonObject', function () {
  it('writes the JSON event format with application/cloudevents+json; charset=utf-8', function () {
    const m = ce.toStructured(base({ subject: 'ä', datacontenttype: 'application/json', data: { a: 1 }, ext: 'x' }));
    m.headers.should.eql({ 'content-type': 'application/cloudevents+json; charset=utf-8' });
    JSON.parse(m.body).should.eql(base({ subject: 'ä', datacontenttype: 'application/json', data: { a: 1 }, ext: 'x' }));
  });
  it('turns bytes into data_base64 and drops nulls but keeps data: null', function () {
    JSON.parse(ce.toStructured(base({ data: Buffer.from([0, 255]), datacontenttype: 'application/octet-stream', subject: null })).body)
      .should.eql(base({ data_base64: 'AP8=', datacontenttype: 'application/octet-stream' }));
    JSON.parse(ce.toStructured(base({ data: null })).body).should.eql(base({ data: null }));
  });
  it('toHttp picks the encoding by name', function () {
    ce.toHttp(base(), 'binary').headers['ce-id'].should.equal('e-1');
    ce.toHttp(base(), 'structured').headers['content-type'].should.equal('application/cloudevents+json; charset=utf-8');
  });
  it('writes a batch', function () {
    const m = ce.toBatch([base({ id: 'a' }), base({ id: 'b', data: 1 })]);
    m.headers['content-type'].should.equal('application/cloudevents-batch+json; charset=utf-8');
    JSON.parse(m.body).map((e) => e.id).should.eql(['a', 'b']);
    (() => ce.toBatch([base(), base({ source: '' })])).should.throw(/^event \[1\]: attribute source is empty/);
  });
});

describe('cloudevents: fromHttp (receive)', function () {
  const bin = (extra) => Object.assign({ 'ce-specversion': '1.0', 'ce-id': 'e-1', 'ce-source': '/s', 'ce-type': 't' }, extra);

  it('decodes binary mode with percent-decoding, JSON data and extensions as strings', function () {
    const [ev] = ce.fromHttp(bin({ 'ce-subject': 'Euro%20%E2%82%AC', 'ce-myext': '%c3%a4', 'content-type': 'application/json; charset=UTF-8' }), Buffer.from('{"a":1}'));
    ev.should.eql({ specversion: '1.0', id: 'e-1', source: '/s', type: 't', subject: 'Euro €', myext: 'ä', datacontenttype: 'application/json; charset=UTF-8', data: { a: 1 } });
  });
  it('keeps JSON scalars as their JSON values (1.5 is a number, "x" a string)', function () {
    ce.fromHttp(bin({ 'content-type': 'application/json' }), Buffer.from('1.5'))[0].data.should.equal(1.5);
    ce.fromHttp(bin({ 'content-type': 'application/json' }), Buffer.from('"x"'))[0].data.should.equal('x');
    should(ce.fromHttp(bin({ 'content-type': 'application/json' }), Buffer.from('null'))[0].data).be.null();
    ce.fromHttp(bin({ 'content-type': 'application/json' }), Buffer.from('\ufeff[1]'))[0].data.should.eql([1]);
  });
  it('gives text data for text types, data_base64 for bytes and for non-UTF-8 charsets', function () {
    ce.fromHttp(bin({ 'content-type': 'text/plain' }), Buffer.from('hällo'))[0].data.should.equal('hällo');
    ce.fromHttp(bin({ 'content-type': 'application/xml' }), Buffer.from('<a/>'))[0].data.should.equal('<a/>');
    const b = ce.fromHttp(bin({ 'content-type': 'application/octet-stream' }), Buffer.from([0, 255]))[0];
    b.data_base64.should.equal('AP8=');
    should(b.data).be.undefined();
    ce.fromHttp(bin({ 'content-type': 'text/plain; charset=iso-8859-1' }), Buffer.from([0xe4]))[0].data_base64.should.equal('5A==');
    ce.fromHttp(bin({}), Buffer.from('abc'))[0].data_base64.should.equal('YWJj');
  });
  it('has no data for an empty body', function () {
    const [ev] = ce.fromHttp(bin({ 'content-type': 'application/json' }), Buffer.alloc(0));
    ev.should.not.have.property('data');
    ev.should.not.have.property('data_base64');
  });
  it('accepts mixed-case header names and ignores ce-datacontenttype', function () {
    const [ev] = ce.fromHttp({ 'CE-SpecVersion': '1.0', 'Ce-Id': 'x', 'ce-SOURCE': '/s', 'ce-type': 't', 'Content-Type': 'text/plain', 'ce-datacontenttype': 'image/png' }, Buffer.from('a'));
    ev.should.eql({ specversion: '1.0', id: 'x', source: '/s', type: 't', datacontenttype: 'text/plain', data: 'a' });
  });
  it('accepts a quoted-string header value', function () {
    ce.fromHttp(bin({ 'ce-subject': '"a \\"b\\""' }), Buffer.alloc(0))[0].subject.should.equal('a "b"');
  });

  for (const ct of [
    'application/cloudevents+json',
    'application/cloudevents+json; charset=utf-8',
    'application/cloudevents+json; charset=UTF-8',
    'application/cloudevents+json;charset=utf-8',
    'Application/CloudEvents+JSON; Charset="UTF-8"',
    'application/cloudevents+json ; foo=bar',
  ]) {
    it('decodes structured mode with content-type ' + JSON.stringify(ct), function () {
      const body = JSON.stringify(base({ subject: 'ä', data: { a: 1 }, ext: 5, nothing: null }));
      ce.fromHttp({ 'content-type': ct, 'ce-id': 'ignored' }, Buffer.from(body)).should.eql([base({ subject: 'ä', data: { a: 1 }, ext: 5 })]);
    });
  }
  it('keeps data_base64 and data: null in structured mode', function () {
    ce.fromHttp({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(base({ data_base64: 'AP8=' }))))[0].data_base64.should.equal('AP8=');
    should(ce.fromHttp({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(base({ data: null }))))[0].data).be.null();
  });
  it('decodes a batch, including an empty one', function () {
    const body = JSON.stringify([base({ id: 'a' }), base({ id: 'b', datacontenttype: 'text/plain', data: 'x' })]);
    ce.fromHttp({ 'content-type': 'application/cloudevents-batch+json; charset=UTF-8' }, Buffer.from(body)).map((e) => e.id).should.eql(['a', 'b']);
    ce.fromHttp({ 'content-type': 'application/cloudevents-batch+json' }, Buffer.from('[]')).should.eql([]);
  });
  it('is not fooled by __proto__ members', function () {
    const [ev] = ce.fromHttp({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(base()).replace('{', '{"__proto__":null,')));
    Object.getPrototypeOf(ev).should.equal(Object.prototype);
    expectHttpError(() => ce.fromHttp({ 'content-type': 'application/cloudevents+json' }, Buffer.from(JSON.stringify(base()).replace('{', '{"__proto__":{"x":1},'))), 400, /extension name "__proto__" is invalid/);
  });

  // The malformed-input table: each row gives the status and names the attribute.
  const S = 'application/cloudevents+json';
  const B = 'application/cloudevents-batch+json';
  const sbody = (extra) => Buffer.from(JSON.stringify(base(extra)));
  const malformed = [
    // [name, headers, body, status, message pattern, attribute]
    ['plain JSON without ce- headers', { 'content-type': 'application/json' }, '{"a":1}', 415, /not a CloudEvent: content type application\/json/, undefined],
    ['no content type, no ce- headers', {}, 'x', 415, /not a CloudEvent/, undefined],
    ['form post', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415, /not a CloudEvent/, undefined],
    ['only an unrelated ce- header', { 'content-type': 'application/json', 'ce-foo': 'x' }, '{}', 415, /not a CloudEvent/, undefined],
    ['unsupported structured format', { 'content-type': 'application/cloudevents+avro' }, 'x', 415, /unsupported CloudEvents format application\/cloudevents\+avro/, undefined],
    ['unsupported batch format', { 'content-type': 'application/cloudevents-batch+xml' }, '[]', 415, /unsupported CloudEvents format/, undefined],
    ['structured in latin1', { 'content-type': S + '; charset=iso-8859-1' }, sbody(), 415, /unsupported charset iso-8859-1/, undefined],
    ['binary missing ce-source', bin({ 'ce-source': undefined }), '', 400, /attribute source is missing/, 'source'],
    ['binary missing ce-id', bin({ 'ce-id': undefined }), '', 400, /attribute id is missing/, 'id'],
    ['binary missing ce-type', bin({ 'ce-type': undefined }), '', 400, /attribute type is missing/, 'type'],
    ['binary missing ce-specversion', bin({ 'ce-specversion': undefined }), '', 400, /attribute specversion is missing/, 'specversion'],
    ['binary empty ce-type', bin({ 'ce-type': '' }), '', 400, /attribute type is empty/, 'type'],
    ['binary specversion 0.3', bin({ 'ce-specversion': '0.3' }), '', 400, /specversion "0.3" is not supported/, 'specversion'],
    ['binary bad time', bin({ 'ce-time': 'garbage' }), '', 400, /attribute time "garbage" is not an RFC 3339 timestamp/, 'time'],
    ['binary invalid percent-encoding', bin({ 'ce-subject': 'a%zzb' }), '', 400, /attribute subject \(header ce-subject\): invalid percent-encoding/, 'subject'],
    ['binary overlong UTF-8', bin({ 'ce-subject': '%C0%A0' }), '', 400, /attribute subject .*not valid UTF-8/, 'subject'],
    ['binary encoded control character', bin({ 'ce-subject': 'a%00b' }), '', 400, /attribute subject contains a control character/, 'subject'],
    ['binary invalid extension header name', bin({ 'ce-my_ext': 'x' }), '', 400, /header ce-my_ext: "my_ext" is not a valid attribute name/, 'my_ext'],
    ['binary header ce-data', bin({ 'ce-data': 'x' }), '', 400, /not a valid attribute name/, 'data'],
    ['binary duplicate header', bin({ 'ce-id': ['a', 'b'] }), '', 400, /header ce-id is present more than once/, undefined],
    ['binary invalid JSON data', bin({ 'content-type': 'application/json' }), '{"a":', 400, /data \(application\/json\) is not valid JSON/, 'data'],
    ['binary invalid UTF-8 JSON data', bin({ 'content-type': 'application/json' }), Buffer.from([0x22, 0xff, 0x22]), 400, /data is not valid UTF-8/, 'data'],
    ['binary invalid UTF-8 text data', bin({ 'content-type': 'text/plain; charset=utf-8' }), Buffer.from([0xc3]), 400, /not valid UTF-8/, 'data'],
    ['structured empty body', { 'content-type': S }, '', 400, /body is empty/, undefined],
    ['structured truncated JSON', { 'content-type': S }, '{"specversion":"1.0","id":', 400, /body is not valid JSON/, undefined],
    ['structured invalid UTF-8', { 'content-type': S }, Buffer.from([0x7b, 0xff, 0x7d]), 400, /body is not valid UTF-8/, undefined],
    ['structured array', { 'content-type': S }, '[]', 400, /must be a JSON object, got an array/, undefined],
    ['structured string', { 'content-type': S }, '"x"', 400, /must be a JSON object, got a string/, undefined],
    ['structured missing source', { 'content-type': S }, sbody({ source: undefined }), 400, /attribute source is missing/, 'source'],
    ['structured null type', { 'content-type': S }, sbody({ type: null }), 400, /attribute type is missing/, 'type'],
    ['structured empty id', { 'content-type': S }, sbody({ id: '' }), 400, /attribute id is empty/, 'id'],
    ['structured numeric id', { 'content-type': S }, sbody({ id: 7 }), 400, /attribute id must be a string, got a number/, 'id'],
    ['structured specversion 2.0', { 'content-type': S }, sbody({ specversion: '2.0' }), 400, /not supported/, 'specversion'],
    ['structured missing specversion', { 'content-type': S }, sbody({ specversion: undefined }), 400, /specversion is missing/, 'specversion'],
    ['structured bad extension name', { 'content-type': S }, sbody({ MyExt: 1 }), 400, /extension name "MyExt" is invalid/, 'MyExt'],
    ['structured float extension', { 'content-type': S }, sbody({ ratio: 0.5 }), 400, /extension ratio must be/, 'ratio'],
    ['structured object extension', { 'content-type': S }, sbody({ ext: { a: 1 } }), 400, /extension ext must be/, 'ext'],
    ['structured data and data_base64', { 'content-type': S }, sbody({ data: 1, data_base64: 'AA==' }), 400, /mutually exclusive/, 'data_base64'],
    ['structured bad data_base64', { 'content-type': S }, sbody({ data_base64: '!!' }), 400, /not valid base64/, 'data_base64'],
    ['structured relative dataschema', { 'content-type': S }, sbody({ dataschema: 'x' }), 400, /dataschema is not an absolute URI/, 'dataschema'],
    ['batch that is an object', { 'content-type': B }, sbody(), 400, /batch must be a JSON array/, undefined],
    ['batch with one bad element', { 'content-type': B }, JSON.stringify([base({ id: 'a' }), base({ id: 'b' }), base({ id: 'c', type: '' })]), 400, /^event \[2\]: attribute type is empty$/, 'type'],
    ['batch with a non-object element', { 'content-type': B }, JSON.stringify([base(), 5]), 400, /^event \[1\]: a structured CloudEvent must be a JSON object, got a number/, undefined],
    ['batch with invalid JSON', { 'content-type': B }, '[{"a":1},', 400, /not valid JSON/, undefined],
  ];
  for (const [name, headers, body, status, pattern, attribute] of malformed) {
    it(`answers ${status} for ${name}`, function () {
      const h = {};
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
      const err = expectHttpError(() => ce.fromHttp(h, Buffer.isBuffer(body) ? body : Buffer.from(body)), status, pattern);
      should(err.attribute).equal(attribute);
    });
  }
  it('never echoes more than a short excerpt of hostile values in its messages', function () {
    const huge = 'x'.repeat(100000);
    const cases = [
      [{ 'content-type': S + '; charset=' + huge }, sbody()],
      [{ 'content-type': 'application/cloudevents+' + huge }, sbody()],
      [{ 'content-type': 'application/' + huge }, '{}'],
      [bin({ ['ce-_' + huge]: 'x' }), ''],
      [bin({ ['ce-a' + huge.replace(/x/g, 'b')]: '%zz' }), ''],
      [{ 'content-type': S }, sbody({ specversion: huge })],
      [{ 'content-type': S }, sbody({ time: huge })],
      [{ 'content-type': S }, sbody({ datacontenttype: huge })],
      [{ 'content-type': S }, sbody({ [huge.toUpperCase()]: 1 })],
      [{ 'content-type': S }, sbody({ [huge.replace(/x/g, 'a')]: 1.5 })],
    ];
    for (const [h, b] of cases) {
      const err = expectHttpError(() => ce.fromHttp(h, Buffer.isBuffer(b) ? b : Buffer.from(b)));
      err.message.length.should.be.below(300, err.message.slice(0, 300));
      if (err.attribute) err.attribute.length.should.be.below(70);
    }
  });
  it('reports the batch index on the error', function () {
    const err = expectHttpError(() => ce.fromHttp({ 'content-type': B }, Buffer.from(JSON.stringify([base(), base({ source: '' })]))), 400);
    err.index.should.equal(1);
    err.attribute.should.equal('source');
  });
});

describe('cloudevents: wrapping non-CloudEvent payloads', function () {
  it('wraps objects as application/json with a UUID id and time now', function () {
    const before = Date.now();
    const ev = ce.wrapAsCloudEvent({ a: 1 }, { type: 'com.example.t', source: '/node-red/x' });
    ev.specversion.should.equal('1.0');
    ev.id.should.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    Date.parse(ev.time).should.be.within(before, Date.now());
    ev.datacontenttype.should.equal('application/json');
    ev.data.should.eql({ a: 1 });
    ce.wrapAsCloudEvent({ a: 1 }, { type: 't', source: 's' }).id.should.not.equal(ev.id);
  });
  it('picks text/plain for strings and octet-stream for bytes; honours an explicit type', function () {
    ce.wrapAsCloudEvent('hi', { type: 't', source: 's' }).datacontenttype.should.equal('text/plain; charset=utf-8');
    ce.wrapAsCloudEvent(Buffer.from('x'), { type: 't', source: 's' }).datacontenttype.should.equal('application/octet-stream');
    ce.wrapAsCloudEvent('<a/>', { type: 't', source: 's', datacontenttype: 'application/xml' }).datacontenttype.should.equal('application/xml');
    const none = ce.wrapAsCloudEvent(undefined, { type: 't', source: 's' });
    none.should.not.have.property('data');
    none.should.not.have.property('datacontenttype');
  });
  it('adds subject and extensions, validates the settings', function () {
    const ev = ce.wrapAsCloudEvent(1, { type: 't', source: 's', subject: 'x', extensions: { node: 'abc' } });
    ev.subject.should.equal('x');
    ev.node.should.equal('abc');
    (() => ce.wrapAsCloudEvent(1, { type: '', source: 's' })).should.throw(ce.CloudEventValidationError, { attribute: 'type' });
    (() => ce.wrapAsCloudEvent(1, { type: 't', source: 's', extensions: { Bad: 'x' } })).should.throw({ attribute: 'Bad' });
  });
  it('toCloudEvent passes CloudEvents through (validated) and wraps the rest', function () {
    const ev = base({ data: 1 });
    ce.toCloudEvent(ev, { type: 'w', source: 'w' }).should.equal(ev);
    ce.toCloudEvent('text', { type: 'w', source: 'w' }).type.should.equal('w');
    ce.toCloudEvent([1], { type: 'w', source: 'w' }).data.should.eql([1]);
    (() => ce.toCloudEvent(base({ source: '' }), { type: 'w', source: 'w' })).should.throw({ attribute: 'source' });
    ce.toCloudEvent(base({ time: new Date('2026-01-01T00:00:00Z') }), { type: 'w', source: 'w' }).time.should.equal('2026-01-01T00:00:00.000Z');
  });
  it('dataBytes gives the payload bytes', function () {
    ce.dataBytes(base({ data_base64: 'AP8=' })).should.eql(Buffer.from([0, 255]));
    ce.dataBytes(base({ data: { a: 1 } })).toString().should.equal('{"a":1}');
    ce.dataBytes(base({ datacontenttype: 'text/plain', data: 'ä' })).toString().should.equal('ä');
    should(ce.dataBytes(base())).be.undefined();
  });
});

describe('cloudevents: content types', function () {
  it('parses parameters, quoted values and case', function () {
    const p = ce.parseContentType('Application/CloudEvents+JSON ; Charset="UTF-8"; x=y');
    p.mediaType.should.equal('application/cloudevents+json');
    p.params.charset.should.equal('UTF-8');
    p.params.x.should.equal('y');
  });
  it('detects the content mode', function () {
    ce.contentModeOf('application/cloudevents-batch+json').should.equal('batch');
    ce.contentModeOf('Application/CloudEvents+json').should.equal('structured');
    ce.contentModeOf('application/json').should.equal('binary');
    ce.contentModeOf(undefined).should.equal('binary');
  });
  it('knows JSON media types', function () {
    ce.isJsonMediaType(undefined).should.be.true();
    ce.isJsonMediaType('application/json; charset=utf-8').should.be.true();
    ce.isJsonMediaType('text/json').should.be.true();
    ce.isJsonMediaType('application/vnd.api+json').should.be.true();
    ce.isJsonMediaType('application/xml').should.be.false();
    ce.isJsonMediaType('application/jsonx').should.be.false();
  });
});
