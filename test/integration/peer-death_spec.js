"use strict";
/**
 * A test peer that dies mid-suite fails the running test with its exit code/signal and last
 * stderr lines (test/support/peers.js), instead of a timeout and an ECONNREFUSED in the next test.
 */
const should = require("should");
const { startVcsim } = require("../support/vcsim");
const { waitFor } = require("../support/nodered");
const { lastLines } = require("../support/peers");

describe("a test vCenter that dies during a test", function () {
  this.timeout(60000);
  let sim;

  afterEach(async () => {
    if (sim) await sim.stop();
    sim = undefined;
  });

  it("fails the running wait and every later control call with the signal that killed it", async () => {
    sim = await startVcsim();
    (await sim.stats()).should.have.property("events");
    const waiting = waitFor(() => false, 30000, "events that never come");
    const started = Date.now();
    process.kill(sim.pid, "SIGKILL");
    const err = await waiting.then(
      () => undefined,
      (e) => e,
    );
    should.exist(err);
    err.message.should.match(/^while waiting for events that never come: test vCenter \(vcsim pid \d+\) died during the test: killed by signal SIGKILL/);
    (Date.now() - started).should.be.below(10000); // at once, not at the wait's 30 s timeout
    await sim.stats().should.be.rejectedWith(/test vCenter \(vcsim pid \d+\) died during the test: killed by signal SIGKILL/);
    await sim.postEvents({ count: 1 }).should.be.rejectedWith(/died during the test/);
    sim.death.message.should.match(/killed by signal SIGKILL/);
  });

  it("says how it exited and what it last wrote to stderr", async () => {
    sim = await startVcsim();
    process.kill(sim.pid, "SIGTERM"); // not through sim.stop(): nobody in the test asked for it
    await sim.exited;
    const err = await sim.reset().then(
      () => undefined,
      (e) => e,
    );
    should.exist(err);
    err.message.should.match(/died during the test: exit code 0; last stderr lines:\nvcsim: exiting: terminated/);
  });

  it("does not count a requested stop as a death", async () => {
    sim = await startVcsim();
    await sim.stop();
    should.not.exist(sim.death);
    await waitFor(() => true, 1000, "nothing"); // no peer death recorded for later waits
    sim = undefined;
  });

  it("keeps a Go crash's headline when the goroutine dump that follows is long", () => {
    const dump = ["fatal error: concurrent map writes", "", "goroutine 42 [running]:"];
    for (let i = 0; i < 60; i++) dump.push(`main.frame${i}(...)`, `\t/src/vcsim/store.go:${i}`);
    const text = lastLines(dump.join("\n"));
    text.split("\n")[0].should.equal("fatal error: concurrent map writes");
    text.should.endWith("\t/src/vcsim/store.go:59");
    text.split("\n").length.should.be.below(20);
  });
});
