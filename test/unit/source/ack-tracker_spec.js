"use strict";
// The acknowledgement hooks (nodes/ack-hooks.ts) and the tracker behind them
// (lib/source/ack-tracker.ts), driven through a fake hook registry as Node-RED calls it.
require("should");
const { ACK_TOKEN } = require("../../../dist/lib/source/ack-tracker");

/** A fake Node-RED: a hook registry and an events emitter, like RED.hooks / RED.events. */
function fakeRed() {
  const hooks = {};
  const listeners = {};
  return {
    hooks: {
      add(name, fn) {
        const [point] = name.split(".");
        (hooks[point] ??= []).push(fn);
      },
    },
    events: {
      on(name, fn) {
        (listeners[name] ??= []).push(fn);
      },
    },
    fire(point, ev) {
      for (const fn of hooks[point] ?? []) fn(ev);
    },
    emit(name, ev) {
      for (const fn of listeners[name] ?? []) fn(ev);
    },
    count(point) {
      return (hooks[point] ?? []).length;
    },
  };
}

// the hooks are installed once per process: load the module once, with one fake runtime
const RED = fakeRed();
const hooksModule = require("../../../dist/nodes/ack-hooks");
const tracker = hooksModule.ackTracker(RED);

/** A node as the hooks see it: `_expectedDoneCount` > 0 when its handler takes done. */
const doneNode = { _expectedDoneCount: 1 };
const legacyNode = { _expectedDoneCount: 0 };
let nextId = 0;

function source(opts = {}) {
  const acked = [];
  const failed = [];
  const id = `src${++nextId}`;
  const node = { id, z: opts.flow ?? "flow1" };
  const s = hooksModule.ackSource(RED, node, {
    acknowledge: (seq) => acked.push(seq),
    fail: opts.failures ? (seq, reason) => failed.push([seq, reason]) : undefined,
  });
  return { s, acked, failed, id };
}

/**
 * Send a message as seq, routing it synchronously to `targets` as Node-RED's send does: the
 * first wire gets the message itself, every further wire a clone. Returns the copies.
 */
function route(s, seq, targets) {
  const msg = { payload: seq };
  const copies = [];
  s.send(msg, seq, (m) => {
    targets.forEach((t, i) => {
      const copy = i === 0 ? m : { ...m };
      copies.push(copy);
      RED.fire("preDeliver", { msg: copy, destination: { node: t } });
    });
  });
  return copies.length > 0 ? copies : [msg];
}

function sendTo(s, seq, targets) {
  return route(s, seq, targets)[0];
}

function deliver(msg, node) {
  RED.fire("onReceive", { msg, destination: { node } });
  RED.fire("postReceive", { msg, destination: { node } });
}

describe("source: acknowledgement hooks", () => {
  it("installs its four hooks once, however often it is asked", () => {
    hooksModule.ackTracker(RED).should.equal(tracker);
    for (const p of ["preDeliver", "onReceive", "postReceive", "onComplete"]) RED.count(p).should.equal(1);
  });

  it("acknowledges once every node that got a copy has completed it", () => {
    const { s, acked, id } = source();
    const [a, b] = route(s, 1, [doneNode, doneNode]);
    a[ACK_TOKEN].should.match(new RegExp(`^${id}:[1-9][0-9]*$`));
    b[ACK_TOKEN].should.equal(a[ACK_TOKEN]);
    deliver(a, doneNode);
    deliver(b, doneNode);
    acked.should.eql([]);
    RED.fire("onComplete", { msg: a, node: { node: doneNode } });
    acked.should.eql([]);
    RED.fire("onComplete", { msg: b, node: { node: doneNode } });
    acked.should.eql([1]);
    s.close();
  });

  it("counts a node with a one- or two-argument handler as finished once the handler ran", () => {
    const { s, acked } = source();
    const msg = sendTo(s, 7, [legacyNode]);
    RED.fire("onReceive", { msg, destination: { node: legacyNode } });
    acked.should.eql([]);
    RED.fire("postReceive", { msg, destination: { node: legacyNode } });
    acked.should.eql([7]);
    // a completion it never makes would not count twice
    RED.fire("onComplete", { msg, node: { node: legacyNode } });
    acked.should.eql([7]);
    s.close();
  });

  it("counts a copy handed to a node without routing (link nodes) when it is received", () => {
    const { s, acked } = source();
    const msg = sendTo(s, 1, [doneNode]);
    deliver(msg, doneNode);
    // the node passes the same message object on through a link: received, not routed
    RED.fire("onReceive", { msg, destination: { node: doneNode } });
    RED.fire("onComplete", { msg, node: { node: doneNode } });
    acked.should.eql([]);
    RED.fire("onComplete", { msg, node: { node: doneNode } });
    acked.should.eql([1]);
    s.close();
  });

  it("holds a message whose routing comes a turn later until that turn has passed", async () => {
    const { s, acked } = source();
    const msg = { payload: 1 };
    s.send(msg, 1, () => undefined); // nothing routed inside send()
    acked.should.eql([]);
    RED.fire("preDeliver", { msg, destination: { node: doneNode } });
    await new Promise((r) => setImmediate(r));
    deliver(msg, doneNode);
    RED.fire("onComplete", { msg, node: { node: doneNode } });
    acked.should.eql([1]);
    s.close();
  });

  it("acknowledges a message that reached no node once its send has been routed", async () => {
    const { s, acked } = source();
    s.send({ payload: 1 }, 1, () => undefined);
    await new Promise((r) => setImmediate(r));
    acked.should.eql([1]);
    s.close();
  });

  it("reports failures (done(err), a routed msg.error) to sources that want them, before the acknowledgement", () => {
    const { s, acked, failed } = source({ failures: true });
    const msg = sendTo(s, 3, [doneNode]);
    deliver(msg, doneNode);
    RED.fire("onComplete", { msg, node: { node: doneNode }, error: new Error("sink said no") });
    failed.should.eql([[3, "sink said no"]]);
    acked.should.eql([3]);
    const dl = sendTo(s, 4, []);
    const copy = { ...dl, error: { message: "dead letter" } };
    RED.fire("preDeliver", { msg: copy, destination: { node: doneNode } });
    failed.should.eql([[3, "sink said no"], [4, "dead letter"]]);
    s.close();
  });

  it("an event stuck in the flow while 200,000 others pass is still acknowledged, and nothing is left behind", () => {
    const before = tracker.size;
    const { s, acked } = source({ failures: true });
    const stuck = sendTo(s, 1, [doneNode]);
    deliver(stuck, doneNode);
    const done = (m) => RED.fire("onComplete", { msg: m, node: { node: doneNode } });
    for (let seq = 2; seq <= 200001; seq++) {
      const m = sendTo(s, seq, [doneNode]);
      deliver(m, doneNode);
      done(m);
    }
    acked.length.should.equal(200000);
    acked.includes(1).should.be.false();
    tracker.size.should.equal(before + 1);
    // a forged token with the stuck one's number but another source's id counts for nothing
    const forged = { ...stuck, [ACK_TOKEN]: stuck[ACK_TOKEN].replace(/^[^:]+/, "nobody") };
    done(forged);
    acked.includes(1).should.be.false();
    done(stuck);
    acked[acked.length - 1].should.equal(1);
    tracker.size.should.equal(before);
    s.close();
  });

  it("thousands in flight at once, finished in random order: each acknowledged exactly once", () => {
    const before = tracker.size;
    const { s, acked } = source();
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const open = [];
    for (let seq = 1; seq <= 5000; seq++) {
      const m = sendTo(s, seq, [doneNode]);
      deliver(m, doneNode);
      open.push(m);
    }
    tracker.size.should.equal(before + 5000);
    while (open.length > 0) {
      const [m] = open.splice(Math.floor(rnd() * open.length), 1);
      RED.fire("onComplete", { msg: m, node: { node: doneNode } });
      RED.fire("onComplete", { msg: m, node: { node: doneNode } }); // a second completion counts for nothing
    }
    acked.slice().sort((a, b) => a - b).should.eql(Array.from({ length: 5000 }, (_, i) => i + 1));
    tracker.size.should.equal(before);
    s.close();
  });

  it("ignores foreign messages and tokens of closed sources; leaves no token behind", () => {
    const before = tracker.size;
    const { s, acked } = source();
    const msg = sendTo(s, 1, [doneNode]);
    s.close();
    tracker.size.should.equal(before);
    deliver(msg, doneNode);
    RED.fire("onComplete", { msg, node: { node: doneNode } });
    acked.should.eql([]);
    for (const m of [undefined, null, 3, "x", { [ACK_TOKEN]: 5 }, { [ACK_TOKEN]: "nobody:1" }]) {
      RED.fire("preDeliver", { msg: m });
      RED.fire("onComplete", { msg: m, node: { node: doneNode } });
    }
    tracker.size.should.equal(before);
  });

  it("a send that throws lets go of its hold: acknowledged at once when nothing was routed, else once the routed copies finish", () => {
    const { s, acked } = source();
    const before = tracker.size;
    (() => s.send({ payload: 1 }, 1, () => {
      throw new RangeError("Maximum call stack size exceeded");
    })).should.throw(RangeError);
    tracker.size.should.equal(before);
    acked.should.eql([1]);
    // routed to the first wire, then the clone for the second wire throws
    let first;
    (() => s.send({ payload: 2 }, 2, (m) => {
      first = m;
      RED.fire("preDeliver", { msg: m, destination: { node: doneNode } });
      throw new RangeError("Maximum call stack size exceeded");
    })).should.throw(RangeError);
    acked.should.eql([1]);
    deliver(first, doneNode);
    RED.fire("onComplete", { msg: first, node: { node: doneNode } });
    acked.should.eql([1, 2]);
    tracker.size.should.equal(before);
    s.close();
  });

  it("freezes the sources a deploy stops: their late completions do not count", () => {
    const a = source({ flow: "tabA" });
    const b = source({ flow: "tabB" });
    const ma = sendTo(a.s, 1, [doneNode]);
    const mb = sendTo(b.s, 1, [doneNode]);
    RED.emit("flows:stopping", { type: "flows", diff: { changed: ["tabA"], removed: [] } });
    RED.fire("onComplete", { msg: ma, node: { node: doneNode } });
    RED.fire("onComplete", { msg: mb, node: { node: doneNode } });
    a.acked.should.eql([]);
    b.acked.should.eql([1]);
    const c = source();
    const mc = sendTo(c.s, 1, [doneNode]);
    RED.emit("flows:stopping", { type: "full" });
    RED.fire("onComplete", { msg: mc, node: { node: doneNode } });
    c.acked.should.eql([]);
    for (const x of [a, b, c]) x.s.close();
  });

  it("a listener that throws never disturbs the flow", () => {
    const id = `thrower${++nextId}`;
    const s = hooksModule.ackSource(RED, { id }, {
      acknowledge: () => {
        throw new Error("boom");
      },
    });
    const msg = sendTo(s, 1, [doneNode]);
    (() => RED.fire("onComplete", { msg, node: { node: doneNode } })).should.not.throw();
    s.close();
  });
});
