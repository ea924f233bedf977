"use strict";
// The source runner (lib/source/runner.ts) with a fake flow and an in-memory checkpoint store.
require("should");
const { SourceRunner } = require("../../../dist/lib/source/runner");
const { MemoryCheckpointStore } = require("../../../dist/lib/source/checkpointer");

function fakeOutput() {
  const out = { sent: [], tracked: [], settled: 0, closed: 0, log: [] };
  out.send = (msg) => out.sent.push(msg);
  out.sendTracked = (msg, seq) => out.tracked.push([msg, seq]);
  out.settle = () => {
    out.settled++;
    out.log.push("settle");
  };
  out.close = () => {
    out.closed++;
    out.log.push("output.close");
  };
  return out;
}

function runner(opts = {}) {
  const output = opts.output ?? fakeOutput();
  const store = opts.store ?? new MemoryCheckpointStore();
  const views = [];
  const failures = [];
  const r = new SourceRunner({
    store,
    checkpointPeriodMs: 0,
    delivery: opts.delivery ?? "acknowledged",
    maxInFlight: opts.maxInFlight ?? 3,
    pass: (item) => () => ({ last: item }),
    output,
    show: (v) => views.push(v),
    onFailure: (reason) => failures.push(reason),
    statusIntervalMs: opts.statusIntervalMs ?? 50,
  });
  return { r, output, store, views, failures };
}

describe("source: runner", () => {
  it("sent: hands each message on and moves the checkpoint with it", async () => {
    const { r, output, store } = runner({ delivery: "sent" });
    (r.emit({ payload: 1 }, 1) === undefined).should.be.true();
    r.emit({ payload: 2 }, 2);
    output.sent.map((m) => m.payload).should.eql([1, 2]);
    await r.stop();
    store.value.should.eql({ last: 2 });
  });

  it("acknowledged: the checkpoint follows the contiguous acknowledged prefix; a full window makes the reader wait", async () => {
    const { r, output, store } = runner({ maxInFlight: 2 });
    (r.emit({ payload: "a" }, "a") === undefined).should.be.true();
    const wait = r.emit({ payload: "b" }, "b");
    wait.should.be.instanceOf(Promise);
    r.inFlight.should.equal(2);
    const [[, s1], [, s2]] = output.tracked;
    let resumed = false;
    wait.then(() => (resumed = true));
    r.acknowledge(s2); // out of order: nothing commits yet
    await new Promise((res) => setImmediate(res));
    resumed.should.be.false();
    r.acknowledge(s1);
    await new Promise((res) => setImmediate(res));
    resumed.should.be.true();
    await r.stop();
    store.value.should.eql({ last: "b" });
  });

  it("stops in one order: settle the flow, close the window, stop the reader, forget tracked messages, write the checkpoint", async () => {
    const output = fakeOutput();
    const store = new MemoryCheckpointStore();
    const saves = [];
    const origSave = store.save.bind(store);
    store.save = async (v) => {
      output.log.push("save");
      saves.push(v);
      return origSave(v);
    };
    const { r } = runner({ output, store, maxInFlight: 1 });
    r.run({ start: () => output.log.push("reader.start"), close: async () => output.log.push("reader.close") });
    r.emit({ payload: 1 }, 1);
    const wait = r.emit({ payload: 2 }, 2); // window full
    const [[, s1]] = output.tracked;
    r.acknowledge(s1);
    await r.stop();
    await wait; // a reader waiting for room is let go by the stop
    output.log.should.eql(["reader.start", "settle", "reader.close", "output.close", "save"]);
    saves.should.eql([{ last: 1 }]);
    // nothing commits after the stop
    r.acknowledge(output.tracked[1][1]);
    store.value.should.eql({ last: 1 });
  });

  it("does not start a reader once stopped (a close during the checkpoint load)", async () => {
    const { r } = runner();
    await r.stop();
    let started = false;
    r.run({ start: () => (started = true), close: async () => undefined });
    started.should.be.false();
    r.stopped.should.be.true();
  });

  it("shows state changes at once and throttles same-state updates; reports each failure reason once", async () => {
    const { r, views, failures } = runner({ statusIntervalMs: 100 });
    r.setStatus({ state: "connected", count: 1 });
    r.setStatus({ state: "connected", count: 2 });
    r.setStatus({ state: "connected", count: 3 });
    views.map((v) => v.key).should.eql(["status.connected"]);
    await new Promise((res) => setTimeout(res, 150));
    views.map((v) => v.params.count).should.eql([1, 3]);
    r.setStatus({ state: "reconnecting", reason: "gone" });
    r.setStatus({ state: "reconnecting", reason: "gone" });
    r.setStatus({ state: "error", reason: "refused" });
    views[views.length - 1].should.eql({ fill: "red", shape: "ring", key: "status.error", params: { reason: "refused" } });
    failures.should.eql(["gone", "refused"]);
    r.setStatus({ state: "connected", count: 4 });
    r.setStatus({ state: "reconnecting", reason: "gone" });
    failures.should.eql(["gone", "refused", "gone"]);
    await r.stop();
    const n = views.length;
    r.setStatus({ state: "connected", count: 9 });
    views.length.should.equal(n);
  });

  it("writes a starting position at once (a reader that started without a stored one)", async () => {
    const { r, store } = runner();
    r.startAt({ last: "start" });
    await new Promise((res) => setTimeout(res, 10));
    store.value.should.eql({ last: "start" });
    await r.stop();
  });
});
