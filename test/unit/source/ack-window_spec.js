"use strict";
require("should");
const { AckWindow } = require("../../../dist/lib/source/ack-window");
const { PositionTracker, checkpointOf } = require("../../../dist/lib/vsphere/position");

describe("AckWindow (delivery: acknowledged)", () => {
  it("commits the contiguous acknowledged prefix, in order", () => {
    const committed = [];
    const w = new AckWindow(10, (x) => committed.push(x));
    const s = ["a", "b", "c", "d"].map((x) => w.add(x));
    w.ack(s[1]);
    w.ack(s[3]);
    committed.should.eql([]);
    w.ack(s[0]);
    committed.should.eql(["a", "b"]);
    w.ack(s[2]);
    committed.should.eql(["a", "b", "c", "d"]);
    w.inFlight.should.equal(0);
  });
  it("ignores repeated and unknown acknowledgements", () => {
    const committed = [];
    const w = new AckWindow(10, (x) => committed.push(x));
    const a = w.add("a");
    w.ack(a);
    w.ack(a);
    w.ack(999);
    committed.should.eql(["a"]);
  });
  it("pauses the reader while full and resumes when an acknowledgement makes room", async () => {
    const w = new AckWindow(2, () => undefined);
    const a = w.add("a");
    (w.room() === undefined).should.be.true();
    w.add("b");
    const wait = w.room();
    wait.should.be.a.Promise();
    let resumed = false;
    wait.then(() => (resumed = true));
    await new Promise((r) => setImmediate(r));
    resumed.should.be.false();
    w.ack(a);
    await wait;
    resumed.should.be.true();
  });
  it("wakes the reader on the next turn, after what the acknowledging sink scheduled there", async () => {
    const w = new AckWindow(1, () => undefined);
    const a = w.add("a");
    const order = [];
    w.room().then(() => order.push("reader"));
    // the sink has already queued its next request, which undici writes on setImmediate; then
    // its completion acknowledges: the reader must not run before that write
    setImmediate(() => order.push("sink"));
    w.ack(a);
    await Promise.resolve();
    order.should.eql([]);
    await new Promise((r) => setImmediate(() => setImmediate(r)));
    order.should.eql(["sink", "reader"]);
  });
  it("does not wake the reader when the window filled up again before its turn", async () => {
    const w = new AckWindow(1, () => undefined);
    const a = w.add("a");
    let resumed = false;
    w.room().then(() => (resumed = true));
    w.ack(a);
    w.add("b"); // taken by someone else in the same turn
    await new Promise((r) => setImmediate(() => setImmediate(r)));
    resumed.should.be.false();
  });
  it("frees a waiting reader on close", async () => {
    const w = new AckWindow(1, () => undefined);
    w.add("a");
    const wait = w.room();
    w.close();
    await wait;
  });
  it("keeps order and items across many laps of its slots, acknowledged in any order (random model check)", () => {
    // the slots are a ring of `limit` places: a model (a plain list) must agree after every step
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (const limit of [1, 3, 10]) {
      const committed = [];
      const w = new AckWindow(limit, (x) => committed.push(x), 1000);
      const open = []; // [seq, item] in flight, in order
      const acked = new Set();
      let made = 0;
      const expected = [];
      for (let step = 0; step < 5000; step++) {
        if (open.length < limit && rnd() < 0.6) {
          const item = `e${made++}`;
          const seq = w.add(item);
          seq.should.equal(1000 + made - 1);
          open.push([seq, item]);
        } else if (open.length > 0) {
          const [seq] = open[Math.floor(rnd() * open.length)];
          w.ack(seq);
          acked.add(seq);
          while (open.length > 0 && acked.has(open[0][0])) expected.push(open.shift()[1]);
        }
        w.inFlight.should.equal(open.length);
      }
      committed.should.eql(expected);
      w.ack(999); // before the first: ignored
      w.ack(1000); // committed long ago: ignored
      w.ack(2.5);
      committed.should.eql(expected);
    }
  });
  it("takes items beyond its limit when a caller adds without waiting for room (grows, loses nothing)", () => {
    const committed = [];
    const w = new AckWindow(2, (x) => committed.push(x));
    const seqs = ["a", "b", "c", "d", "e"].map((x) => w.add(x));
    w.inFlight.should.equal(5);
    w.ack(seqs[4]);
    w.ack(seqs[2]);
    w.ack(seqs[0]);
    committed.should.eql(["a"]);
    w.ack(seqs[1]);
    committed.should.eql(["a", "b", "c"]);
    w.ack(seqs[3]);
    committed.should.eql(["a", "b", "c", "d", "e"]);
    w.inFlight.should.equal(0);
  });
  it("refuses a window that is not a positive whole number", () => {
    (() => new AckWindow(0, () => undefined)).should.throw(/whole number/);
  });
});

describe("PositionTracker", () => {
  const e = (key, t, type = "VmEvent") => ({ key, createdTime: t, timeKey: t, type });
  it("collects every key passed at the latest createdTime", () => {
    const p = new PositionTracker();
    p.advance(e(1, "2022-01-01T00:00:00.1Z"));
    p.advance(e(2, "2022-01-01T00:00:00.2Z"));
    p.advance(e(-5, "2022-01-01T00:00:00.2Z", "EventEx:x"));
    p.current.should.eql({ createdTime: "2022-01-01T00:00:00.2Z", keys: [2, -5], lastKey: -5, lastType: "EventEx:x" });
    const cp = checkpointOf(p.current, "https://vc/sdk");
    cp.should.containEql({ vCenter: "https://vc/sdk", lastEventKey: -5, lastEventKeys: [2, -5], lastEventKeyTimestamp: "2022-01-01T00:00:00.2Z" });
  });
  it("starts from a checkpoint", () => {
    const p = new PositionTracker({ vCenter: "", lastEventKey: 7, lastEventType: "X", lastEventKeyTimestamp: "2022-01-01T00:00:00Z", createdTimestamp: "" });
    p.current.keys.should.eql([7]);
  });
});
