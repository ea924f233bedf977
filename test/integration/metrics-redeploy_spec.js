"use strict";
/**
 * Issue 12: metrics across redeploys in a real Node-RED runtime. A node's counters survive a
 * redeploy of other nodes of the flow and start from 0 when the node itself is redeployed (its
 * series are removed on close and created on start); 50 redeploys leave no series or sampler
 * timer behind (series counted in the package's registry).
 */
const assert = require("node:assert/strict");
const { startVcsim, buildVcsim, goAvailable } = require("../support/vcsim");
const { startNodeRed } = require("../support/nodered");

const metricsHub = () => require("../../dist/lib/metrics/hub").defaultHub();

describe("metrics across redeploys (issue 12)", function () {
  this.timeout(240000);
  let sim;
  let nr;

  before(async function () {
    if (!goAvailable() && process.env.CI !== "true") this.skip();
    await buildVcsim();
    sim = await startVcsim({});
    nr = await startNodeRed();
  });

  after(async function () {
    if (nr) await nr.deploy([]);
    if (sim) await sim.stop();
  });

  function flows(nameB) {
    return [
      { id: "rt", type: "tab", label: "redeploy" },
      { id: "rvc", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
      ...["a", "b"].map((id) => ({
        id, type: "vcenter-in", z: "rt", name: id === "b" ? nameB : "source a", server: "rvc", eventTypes: [], format: "vsphere", payloadEncoding: "json",
        checkpointStore: "", checkpointPeriod: 1, maxAge: 3600, delivery: "acknowledged", maxInFlight: 100, wires: [["f-" + id]],
      })),
      { id: "f-a", type: "function", z: "rt", func: "return null;", outputs: 1, wires: [[]] },
      { id: "f-b", type: "function", z: "rt", func: "return null;", outputs: 1, wires: [[]] },
    ];
  }

  /** deploy only what changed (the editor's "Modified Nodes") */
  async function deployChanged(f) {
    // without inline credentials the config node counts as unchanged (they are kept)
    f = f.map(({ credentials, ...n }) => n);
    const { events } = require("@node-red/util");
    const started = new Promise((resolve) => events.once("flows:started", resolve));
    await nr.RED.runtime.flows.setFlows({ flows: { flows: f }, deploymentType: "nodes" });
    await started;
  }

  const stats = () => metricsHub().stats().nodes;

  it("keeps a node's counts over a redeploy of another node, resets the redeployed one, and leaks nothing over 50 redeploys", async function () {
    const hub = metricsHub();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    await nr.deploy(flows("source b"));
    await nr.waitFor(() => stats().a?.state === "connected" && stats().b?.state === "connected", 60000, "both sources connected");
    await sim.postEvents({ count: 10, mode: "mixed" });
    await nr.waitFor(() => stats().a.counters.events === 10 && stats().b.counters.events === 10, 30000, "10 events each");
    assert.ok((await hub.seriesCount()) > 0);

    await deployChanged(flows("b, renamed"));
    await nr.waitFor(() => stats().b?.name === "b, renamed", 20000, "b redeployed");
    assert.equal(stats().a.counters.events, 10, "a was not redeployed: its count survives");
    assert.equal(stats().b.counters.events, 0, "b was redeployed: it starts from 0");
    assert.match(await hub.metrics(), /vmware_events_source_events_total\{node_id="b",node_name="b, renamed"/);
    assert.doesNotMatch(await hub.metrics(), /node_name="source b"[,}]/);
    // b has sent nothing since its start: no event-time gauges for it yet
    const series = await hub.seriesCount();

    for (let i = 0; i < 50; i++) await deployChanged(flows(`b ${i}`));
    assert.equal(hub.size, 2);
    assert.equal(await hub.seriesCount(), series, "as many series as after the first redeploy");
    assert.equal(stats().a.counters.events, 10);
    await nr.waitFor(() => stats().b?.state === "connected", 30000, "b connected again");
    await sim.postEvents({ count: 3, mode: "mixed" });
    await nr.waitFor(() => stats().a.counters.events === 13 && stats().b.counters.events === 3, 30000, "counting goes on");

    await nr.deploy([]);
    assert.equal(hub.size, 0);
    assert.equal(hub.sampling, false, "the sampler timer stops with the last node");
    assert.equal(await hub.seriesCount(), 0);
    // nothing piles up: give closing connections a moment, then compare the runtime's timers
    await new Promise((r) => setTimeout(r, 3000));
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    assert.ok(timersAfter <= timersBefore + 2, `timers before ${timersBefore}, after ${timersAfter}`);
  });
});
