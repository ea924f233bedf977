"use strict";
/**
 * SlotMap (lib/common/slot-map.ts): what a Set or Map did for items that come and go all the
 * time, checked against a Map as the model, plus the property it exists for: churn through it
 * does not keep items alive through scavenges (V8's obsolete ordered hash tables did).
 */
const should = require("should");
const { execFileSync } = require("node:child_process");
const path = require("node:path");
const { SlotMap } = require("../../../dist/lib/common/slot-map");

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe("SlotMap: items that come and go, without V8's hash-table churn", () => {
  it("behaves like a Map under 20,000 random adds and deletes; keys are never given out twice", () => {
    const r = rng(7);
    const m = new SlotMap();
    const model = new Map();
    const seen = new Set();
    const stale = [];
    for (let i = 0; i < 20000; i++) {
      if (model.size === 0 || r() < 0.55) {
        const item = { i };
        const k = m.add(item);
        seen.has(k).should.be.false(`key ${k} given out twice`);
        seen.add(k);
        model.set(k, item);
      } else {
        const keys = [...model.keys()];
        const k = keys[Math.floor(r() * keys.length)];
        m.delete(k).should.be.true();
        model.delete(k);
        stale.push(k);
      }
      m.size.should.equal(model.size);
    }
    for (const [k, v] of model) should(m.get(k)).equal(v);
    for (const k of stale) {
      should(m.get(k)).be.undefined();
      m.delete(k).should.be.false();
    }
    m.values().sort((a, b) => a.i - b.i).should.eql([...model.values()].sort((a, b) => a.i - b.i));
  });

  it("reuses slots: the array stays as long as the most items there were at once", () => {
    const m = new SlotMap();
    for (let round = 0; round < 1000; round++) {
      const keys = [1, 2, 3].map((i) => m.add({ round, i }));
      for (const k of keys) m.delete(k);
    }
    m.size.should.equal(0);
    m.values().should.eql([]);
    const k = m.add("x");
    (k % 2 ** 21).should.be.below(3);
  });

  it("clear() empties it, and keys from before never find the items added after", () => {
    const m = new SlotMap();
    const old = [m.add("a"), m.add("b")];
    m.clear();
    m.size.should.equal(0);
    const fresh = [m.add("c"), m.add("d")];
    for (const k of old) should(m.get(k)).be.undefined();
    fresh.map((k) => m.get(k)).should.eql(["c", "d"]);
  });

  it("answers undefined/false for keys it never gave out (negative, fractional, far beyond)", () => {
    const m = new SlotMap();
    m.add("a");
    for (const k of [-1, 0.5, 2 ** 40, NaN, 5]) {
      should(m.get(k)).be.undefined();
      m.delete(k).should.be.false();
    }
    m.size.should.equal(1);
  });

  it("churn keeps nothing alive through scavenges, where a Set in the old generation did", function () {
    this.timeout(60000);
    // A long-lived collection (promoted with some old objects around it), items of ~16 KB added
    // and deleted one turn later, as requests waiting for the flow: what was promoted per
    // scavenge, from V8's own GC trace, in a fresh process.
    const promoted = (kind) => {
      const script = `
        const { SlotMap } = require(${JSON.stringify(path.join(__dirname, "../../../dist/lib/common/slot-map"))});
        globalThis.ballast = Array.from({ length: 50000 }, (_, i) => ({ i }));
        const set = new Set();
        const slots = new SlotMap();
        let pending = [];
        let n = 0;
        function turn() {
          for (const p of pending) ${kind === "set" ? "set.delete(p.item)" : "slots.delete(p.key)"};
          pending = [];
          for (let i = 0; i < 32; i++) {
            const item = { buf: new Array(2000).fill(i) };
            ${kind === "set" ? "set.add(item); pending.push({ item });" : "pending.push({ key: slots.add(item) });"}
          }
          if (++n < 6000) setImmediate(turn);
        }
        // scavenges before the churn starts: the collections and their first tables are promoted,
        // as a node's are between its deploy and its first request
        let junk;
        for (let i = 0; i < 300000; i++) junk = new Array(64).fill(i);
        setTimeout(turn, 10);`;
      const out = execFileSync(process.execPath, ["--trace-gc-nvp", "-e", script], { encoding: "utf8", timeout: 60000 });
      const values = [...out.matchAll(/gc=s .*? promoted=(\d+)/g)].map((x) => Number(x[1]));
      values.length.should.be.above(10);
      const late = values.slice(Math.floor(values.length / 2));
      return late.reduce((a, b) => a + b, 0) / late.length;
    };
    const withSet = promoted("set");
    const withSlots = promoted("slots");
    console.log(`      promoted per scavenge: Set ${Math.round(withSet / 1024)} KB, SlotMap ${Math.round(withSlots / 1024)} KB`);
    withSet.should.be.above(500 * 1024, `the Set case promoted only ${withSet} bytes per scavenge: the V8 behaviour this guards against did not show`);
    withSlots.should.be.below(withSet / 10, `SlotMap: ${withSlots} bytes per scavenge, Set: ${withSet}`);
  });
});
