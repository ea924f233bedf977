"use strict";
/**
 * EventBridge pattern compiler and matcher (lib/pattern/).
 *
 * - the reference conformance table (aws/event-ruler 2.0.1 results), copied into
 *   test/fixtures/eventbridge/conformance.json so the repository is self-contained;
 * - our own cases in test/fixtures/eventbridge/pattern-cases.js;
 * every valid case runs with the pattern as JSON text and as an object, and in both evaluation
 * modes (the direct fast path and the expanded $or sub-rules), which must agree.
 */
const should = require("should");
const path = require("node:path");
const { compilePattern, InvalidPatternError, MAX_OR_COMBINATIONS } = require("../../../dist/lib/pattern");

const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "eventbridge");
const conformance = require(path.join(FIXTURES, "conformance.json"));
const { cases, invalid, manyOr } = require(path.join(FIXTURES, "pattern-cases.js"));

const MODES = ["auto", "expanded"];

/** the pattern in each form it can be given: JSON text always, the object when there is one */
function forms(pattern) {
  return typeof pattern === "string" ? [["text", pattern]] : [["text", JSON.stringify(pattern)], ["object", pattern]];
}

function event(e) {
  return typeof e === "string" ? JSON.parse(e) : e;
}

function expectInvalid(pattern, rule, fragment) {
  let err;
  try {
    compilePattern(pattern);
  } catch (e) {
    err = e;
  }
  should.exist(err, `expected ${JSON.stringify(pattern)} to be rejected`);
  err.should.be.instanceOf(InvalidPatternError);
  err.name.should.equal("InvalidPatternError");
  if (rule !== undefined) err.rule.should.equal(rule, err.message);
  if (fragment !== undefined) err.message.should.containEql(fragment);
  return err;
}

describe("eventbridge pattern: reference conformance table", function () {
  it("has the 93 reference cases", function () {
    conformance.length.should.equal(93);
  });
  for (const c of conformance) {
    it(`${c.name} → ${c.expected}`, function () {
      if (c.expected === "invalid") {
        for (const [, p] of forms(c.pattern)) expectInvalid(p);
        return;
      }
      for (const [form, p] of forms(c.pattern)) {
        for (const mode of MODES) {
          compilePattern(p, { evaluation: mode }).matches(event(c.event)).should.equal(c.expected, `${form}/${mode}`);
        }
      }
    });
  }
});

describe("eventbridge pattern: own cases", function () {
  it("has at least 300 pattern/event pairs", function () {
    (cases.length + invalid.length).should.be.aboveOrEqual(300);
  });
  for (const c of cases) {
    it(`${c.name} → ${c.expected}`, function () {
      for (const [form, p] of forms(c.pattern)) {
        for (const mode of MODES) {
          compilePattern(p, { evaluation: mode }).matches(event(c.event)).should.equal(c.expected, `${form}/${mode}`);
        }
      }
    });
  }
});

describe("eventbridge pattern: invalid patterns", function () {
  for (const c of invalid) {
    it(`${c.name} → ${c.rule}`, function () {
      for (const [, p] of forms(c.pattern)) expectInvalid(p, c.rule, c.message);
    });
  }

  it("InvalidPatternError names the place and the rule", function () {
    const err = expectInvalid({ detail: { state: [{ prefix: 5 }] } }, "operand-type");
    err.should.be.instanceOf(Error);
    err.path.should.equal("detail.state[0].prefix");
    err.reason.should.equal("prefix match pattern must be a string, found 5");
    err.message.should.equal("Invalid event pattern at detail.state[0].prefix: prefix match pattern must be a string, found 5");
  });

  it("rejects non-object inputs", function () {
    expectInvalid(5, "not-object");
    expectInvalid(null, "not-object");
    expectInvalid(undefined, "not-object");
  });

  it("rejects numbers that JSON cannot carry in an object pattern", function () {
    expectInvalid({ a: [NaN] }, "json-syntax", "not a JSON number");
    expectInvalid({ a: [{ numeric: [">", Infinity] }] }, "json-syntax");
  });

  it("rejects a pattern nested deeper than 1000 levels", function () {
    expectInvalid(`${'{"a":'.repeat(1001)}["x"]${"}".repeat(1001)}`, "json-syntax", "nesting");
  });
});

describe("eventbridge pattern: $or combinations limit", function () {
  it(`accepts exactly ${MAX_OR_COMBINATIONS} combinations`, function () {
    const c = compilePattern(manyOr(3, 10));
    c.combinations.should.equal(1000);
    c.matches({ g0: { f3: "3" }, g1: { f9: "9" }, g2: { f0: "0" } }).should.be.true();
    c.matches({ g0: { f3: "3" }, g1: { f9: "8" }, g2: { f0: "0" } }).should.be.false();
  });
  it("counts combinations", function () {
    compilePattern({ a: ["x"] }).combinations.should.equal(1);
    compilePattern({ $or: [{ a: ["x"] }, { b: ["y"] }], c: { $or: [{ d: ["1"] }, { e: ["2"] }, { f: ["3"] }] } }).combinations.should.equal(6);
    compilePattern({ $or: [{ a: ["x"], $or: [{ b: ["1"] }, { c: ["2"] }] }, { d: ["y"] }] }).combinations.should.equal(3);
  });
});

describe("eventbridge pattern: behaviour from the event-ruler sources (beyond the reference text)", function () {
  const both = (p, e) => MODES.map((mode) => compilePattern(p, { evaluation: mode }).matches(e));

  it("equals-ignore-case maps the pattern, not the event (ß accepts ß or SS, not ss)", function () {
    both({ a: [{ "equals-ignore-case": "straße" }] }, { a: "strasse" }).should.eql([false, false]);
    both({ a: [{ "equals-ignore-case": "STRASSE" }] }, { a: "straße" }).should.eql([false, false]);
    both({ a: [{ "equals-ignore-case": "ς" }] }, { a: "σ" }).should.eql([false, false]);
  });

  it("exists:false after a sibling that fixed the array element is judged in that element only", function () {
    // fields are checked in lexical order of their paths: "e.a" fixes the element before "e.f"
    both({ e: { a: [1], f: [{ exists: false }] } }, { e: [{ a: 1 }, { f: 2 }] }).should.eql([true, true]);
    both({ e: { a: [1], f: [{ exists: false }] } }, { e: [{ a: 1, f: 2 }, { f: 2 }] }).should.eql([false, false]);
  });

  it('"exactly" matches a string exactly, without reading it as an IP address', function () {
    both({ a: [{ exactly: "10.0.0.1" }] }, { a: "10.0.0.1" }).should.eql([true, true]);
    both({ a: [{ exactly: "2001:db8::1" }] }, { a: "2001:DB8::1" }).should.eql([false, false]);
    both({ a: [{ exactly: "x" }] }, { a: "X" }).should.eql([false, false]);
  });

  it("an IPv4-mapped IPv6 address is its IPv4 address", function () {
    both({ ip: [{ cidr: "10.0.0.0/8" }] }, { ip: "::ffff:a00:1" }).should.eql([true, true]);
  });

  it("an empty list inside anything-but prefix/suffix/equals-ignore-case/wildcard excludes nothing", function () {
    both('{"a":[{"anything-but":{"prefix":[]}}]}', { a: "x" }).should.eql([true, true]);
    both('{"a":[{"anything-but":{"prefix":[]}}]}', {}).should.eql([false, false]);
  });

  it("a leaf and an object under the same path are matched independently", function () {
    // a's leaf values are not array-consistent with the objects beside them (primitives carry no element)
    both('{"a":["x"],"a":{"b":["1"]}}', { a: ["x", { b: "1" }] }).should.eql([true, true]);
  });
});

describe("eventbridge pattern: events", function () {
  const p = compilePattern({ detail: { state: ["running"], count: [{ numeric: [">", 1] }] } });

  it("accepts the event as JSON text", function () {
    p.matches('{"detail":{"state":"running","count":2}}').should.be.true();
    p.matches('{"detail":{"state":"stopped","count":2}}').should.be.false();
  });

  it("throws on text that is not JSON", function () {
    (() => p.matches("{detail")).should.throw(SyntaxError);
  });

  it("is false for events that are not objects", function () {
    for (const e of [null, undefined, 5, true, [], [{ detail: { state: "running", count: 2 } }], "5", "null", "[]"]) {
      compilePattern({ a: [{ exists: false }] }).matches(e).should.be.false(String(e));
    }
  });

  it("sees an object through toJSON(), as JSON.stringify would", function () {
    const when = new Date("2017-10-02T18:43:48Z");
    compilePattern({ time: [{ prefix: "2017-10-02" }] }).matches({ time: when }).should.be.true();
    class CloudEventLike {
      constructor() { this.secret = "x"; }
      toJSON() { return { type: "com.vmware.vsphere.VmPoweredOnEvent.v0", data: { Key: 41 } }; }
    }
    const q = compilePattern({ detail: { type: [{ suffix: "PoweredOnEvent.v0" }], data: { Key: [41] } } });
    q.matches({ detail: new CloudEventLike() }).should.be.true();
    compilePattern({ detail: { secret: [{ exists: true }] } }).matches({ detail: new CloudEventLike() }).should.be.false();
  });

  it("treats undefined, functions and symbols like JSON.stringify does", function () {
    compilePattern({ a: [{ exists: false }] }).matches({ a: undefined }).should.be.true();
    compilePattern({ a: [{ exists: false }] }).matches({ a: () => 1 }).should.be.true();
    compilePattern({ a: [null] }).matches({ a: [undefined] }).should.be.true();
    compilePattern({ a: [null] }).matches({ a: NaN }).should.be.true();
    compilePattern({ a: [{ numeric: [">", 0] }] }).matches({ a: Infinity }).should.be.false();
  });

  it("does not modify the pattern or the event", function () {
    const pattern = { detail: { $or: [{ a: ["x"] }, { b: [{ numeric: [">", 0] }] }] } };
    const e = { detail: { b: [1, { c: 2 }] } };
    const before = JSON.stringify([pattern, e]);
    compilePattern(pattern).matches(e).should.be.true();
    JSON.stringify([pattern, e]).should.equal(before);
  });

  it("a compiled pattern is reusable and independent of others", function () {
    const a = compilePattern({ e: { f: [{ exists: false }, "x"], g: ["1"] } });
    const b = compilePattern({ e: { h: [{ exists: false }, "y"], g: ["1"] } });
    for (let i = 0; i < 3; i++) {
      a.matches({ e: [{ g: "1" }, { f: "z" }] }).should.be.false();
      b.matches({ e: [{ g: "1" }] }).should.be.true();
      a.matches({ e: [{ g: "1", f: "x" }] }).should.be.true();
    }
  });
});

describe("eventbridge pattern: the fast path agrees with the expanded sub-rules", function () {
  // seeded pseudo-random patterns and events over a small vocabulary, so that fields meet
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const KEYS = ["a", "b", "c"];
  const VALUES = ["x", "y", "X", "", 1, 2, 2.5, true, false, null, "10.0.0.1"];

  function condition() {
    switch (Math.floor(rnd() * 12)) {
      case 0: return { prefix: pick(["x", "X", ""]) };
      case 1: return { suffix: pick(["y", "x"]) };
      case 2: return { "equals-ignore-case": pick(["x", "Y"]) };
      case 3: return { wildcard: pick(["*", "x*", "*y"]) };
      case 4: return { "anything-but": pick(["x", 1, ["x", "y"], [1, 2]]) };
      case 5: return { "anything-but": { prefix: "x" } };
      case 6: return { numeric: pick([[">", 1], ["<=", 2], [">=", 1, "<", 2.5], ["=", 2]]) };
      case 7: return { exists: rnd() < 0.5 };
      case 8: return { cidr: "10.0.0.0/8" };
      default: return pick(VALUES);
    }
  }
  function patternObject(depth) {
    const o = {};
    const n = 1 + Math.floor(rnd() * 2);
    for (let i = 0; i < n; i++) {
      const k = pick(KEYS);
      const r = rnd();
      if (depth < 2 && r < 0.25) o[k] = patternObject(depth + 1);
      else if (depth < 2 && r < 0.4) o.$or = [patternObject(depth + 1), patternObject(depth + 1)];
      else o[k] = Array.from({ length: 1 + Math.floor(rnd() * 2) }, condition);
    }
    return o;
  }
  function eventValue(depth) {
    const r = rnd();
    if (depth < 3 && r < 0.3) return eventObject(depth + 1);
    if (depth < 3 && r < 0.45) return Array.from({ length: Math.floor(rnd() * 3) }, () => eventValue(depth + 1));
    return pick(VALUES);
  }
  function eventObject(depth) {
    const o = {};
    for (const k of KEYS) if (rnd() < 0.6) o[k] = eventValue(depth);
    return o;
  }

  it("on 3000 random pattern/event pairs", function () {
    let compared = 0;
    let matched = 0;
    for (let i = 0; i < 300; i++) {
      const pattern = patternObject(0);
      let auto;
      let expanded;
      try {
        auto = compilePattern(pattern);
        expanded = compilePattern(pattern, { evaluation: "expanded" });
      } catch (e) {
        if (e instanceof InvalidPatternError) continue;
        throw e;
      }
      for (let j = 0; j < 10; j++) {
        const e = eventObject(0);
        const r = auto.matches(e);
        r.should.equal(expanded.matches(e), `${JSON.stringify(pattern)} / ${JSON.stringify(e)}`);
        compared++;
        if (r) matched++;
      }
    }
    compared.should.be.above(2000);
    matched.should.be.above(100);
  });
});
