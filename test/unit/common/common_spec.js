"use strict";
const should = require("should");
const { jsonTextTooDeep, valueTooDeep, MAX_JSON_DEPTH } = require("../../../dist/lib/common/json-depth");
const { Scrubber, REDACTED } = require("../../../dist/lib/common/scrub");

describe("common: JSON depth", () => {
  it("judges nesting from the text, ignoring brackets inside strings", () => {
    const deep = "[".repeat(3000) + "]".repeat(3000);
    jsonTextTooDeep(deep).should.be.true();
    jsonTextTooDeep(Buffer.from(deep)).should.be.true();
    const ok = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    jsonTextTooDeep(ok).should.be.false();
    jsonTextTooDeep("[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1)).should.be.true();
    jsonTextTooDeep(JSON.stringify({ a: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[" })).should.be.false();
    jsonTextTooDeep('{"a":{"b":[1,2,{"c":3}]}', 4).should.be.false();
    jsonTextTooDeep('{"a":{"b":[1,2,{"c":3}]}', 3).should.be.true();
  });

  it("judges nesting of values without recursion, and a cycle as too deep", () => {
    let v = [];
    for (let i = 0; i < 100000; i++) v = [v];
    valueTooDeep(v).should.be.true();
    valueTooDeep({ a: { b: [1, { c: 2 }] } }, 4).should.be.false();
    valueTooDeep({ a: { b: [1, { c: {} }] } }, 4).should.be.true();
    const cyc = { a: {} };
    cyc.a.b = cyc;
    valueTooDeep(cyc).should.be.true();
    valueTooDeep("x").should.be.false();
    valueTooDeep(null).should.be.false();
  });
});

describe("common: secret scrubbing", () => {
  const s = new Scrubber(["s3cr3t/p@ss word"], [{ username: "admin", password: "s3cr3t/p@ss word" }]);
  it("removes the secret as is, percent-encoded, JSON- and XML-escaped and in base64", () => {
    const pw = "s3cr3t/p@ss word";
    const texts = [
      `password=${pw}`,
      `password=${encodeURIComponent(pw)}`,
      `password=${encodeURIComponent(pw).replace(/%20/g, "+")}`,
      JSON.stringify({ password: pw }),
      `<password>${pw}</password>`,
      `token ${Buffer.from(pw).toString("base64")}`,
      `Authorization: Basic ${Buffer.from(`admin:${pw}`).toString("base64")}`,
    ];
    for (const t of texts) {
      const out = s.scrub(t);
      out.should.containEql(REDACTED);
      out.should.not.containEql(pw);
      out.should.not.containEql(Buffer.from(`admin:${pw}`).toString("base64"));
    }
    s.scrub("nothing secret here").should.equal("nothing secret here");
  });

  it("scrubs every string of a value and leaves the original alone", () => {
    const orig = { body: "echo s3cr3t/p@ss word", nested: [{ h: "x s3cr3t/p@ss word" }], n: 1 };
    const out = s.scrubValue(orig);
    JSON.stringify(out).should.not.containEql("s3cr3t");
    orig.body.should.equal("echo s3cr3t/p@ss word");
    out.n.should.equal(1);
  });

  it("ignores empty and very short secrets", () => {
    const t = new Scrubber(["", undefined, "ab"]);
    t.empty.should.be.true();
    t.scrub("ab cd").should.equal("ab cd");
    should(new Scrubber(["abc"]).scrub("xabcx")).equal(`x${REDACTED}x`);
  });
});
