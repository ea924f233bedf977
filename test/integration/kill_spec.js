"use strict";
/**
 * The kill test (issue 4, DESIGN §9): a real Node-RED process with a localfilesystem context
 * store streams events from the test vCenter through vcenter-in (delivery: acknowledged) and
 * knative-out to the Knative peer; it is killed with SIGKILL mid-stream while events keep being
 * posted, then started again. Every posted event must reach the peer at least once, and the
 * duplicates must be events the peer first got within one checkpoint period (plus the store's
 * flush interval and what was in flight) before the kill.
 */
require("should");
const { startVcsim, buildVcsim } = require("../support/vcsim");
const { startKnativePeer } = require("../support/knative-peer");
const { makeUserDir, startProcess } = require("../support/nodered-process");

const CHECKPOINT_PERIOD_S = 1;
const FLUSH_INTERVAL_S = 1;

describe("kill -9 of Node-RED mid-stream (vcenter-in -> knative-out)", function () {
  this.timeout(180000);
  let sim;
  let peer;
  let nr;

  before(async function () {
    await buildVcsim();
    sim = await startVcsim({ username: "kill", password: "test" });
    peer = await startKnativePeer({});
  });

  after(async () => {
    if (nr) await nr.kill("SIGKILL");
    if (peer) await peer.close();
    if (sim) await sim.stop();
  });

  it("loses nothing, and duplicates only what the last checkpoint period had delivered", async () => {
    const dir = await makeUserDir({ contextStorage: { default: { module: "localfilesystem", config: { flushInterval: FLUSH_INTERVAL_S } } } });
    nr = await startProcess(dir);
    const flows = [
      { id: "t1", type: "tab", label: "kill test" },
      { id: "vc", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
      {
        id: "in", type: "vcenter-in", z: "t1", server: "vc", eventTypes: [], format: "vsphere", payloadEncoding: "json",
        checkpointStore: "", checkpointPeriod: CHECKPOINT_PERIOD_S, maxAge: 3600, delivery: "acknowledged", maxInFlight: 200,
        wires: [["out"]],
      },
      {
        id: "out", type: "knative-out", z: "t1", url: peer.url, encoding: "binary", insecureSSL: false, authType: "none",
        timeout: 10, retries: 10, backoffDelay: 0.1, concurrency: 1, ceType: "", ceSource: "", wires: [[], []],
      },
    ];
    await nr.deploy(flows);

    const posted = [];
    const post = async (count) => {
      const r = await sim.postEvents({ count, mode: "mixed" });
      for (let k = r.first.key; k <= r.last.key; k++) posted.push(k);
    };
    const delivered = () => new Set(peer.acceptedIds().map(Number));
    const until = async (fn, ms, what) => {
      const end = Date.now() + ms;
      while (!fn()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // the node starts at vCenter's "now" (no checkpoint yet): warm up until it delivers, then
    // count only what is posted from there on
    for (let i = 0; i < 80 && peer.acceptedIds().length === 0; i++) {
      await post(1);
      await new Promise((r) => setTimeout(r, 250));
    }
    await until(() => peer.acceptedIds().length > 0, 20000, "the first delivery");
    await new Promise((r) => setTimeout(r, 500));
    posted.length = 0;
    peer.reset();

    // stream: 40 events every 100 ms; kill after ~2.5 s, restart ~1.5 s later, stream on
    let streaming = true;
    const streamer = (async () => {
      while (streaming) {
        await post(40);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 2500));
    const killedAt = Date.now();
    await nr.kill("SIGKILL");
    const beforeKill = delivered().size;
    await new Promise((r) => setTimeout(r, 1500));
    nr = await startProcess(dir);
    await new Promise((r) => setTimeout(r, 2000));
    streaming = false;
    await streamer;

    // one set per check, not one per posted event: the peer answers in this process, and a
    // quadratic check holds up the deliveries it waits for (see test/ha/high-availability_spec.js)
    const allDelivered = () => {
      const d = delivered();
      return posted.every((k) => d.has(k));
    };
    await until(allDelivered, 90000, `all ${posted.length} events (have ${delivered().size})`);

    const firstSeen = new Map();
    const counts = new Map();
    for (const r of peer.accepted) {
      const k = Number(r.id);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      if (!firstSeen.has(k)) firstSeen.set(k, r.at);
    }
    const dupes = [...counts.entries()].filter(([, n]) => n > 1).map(([k]) => k);
    // duplicates are replays of what had not been checkpointed to disk when the process died
    const window = (CHECKPOINT_PERIOD_S + FLUSH_INTERVAL_S + 1.5) * 1000;
    const early = dupes.filter((k) => firstSeen.get(k) < killedAt - window);
    console.log(
      `      kill test: ${posted.length} posted, ${beforeKill} delivered before the kill, ` +
        `${dupes.length} duplicates (all first delivered within ${window / 1000} s before the kill: ${early.length === 0})`,
    );
    beforeKill.should.be.above(0);
    posted.length.should.be.above(beforeKill);
    early.should.eql([], `duplicates delivered long before the kill: ${early.slice(0, 10)}`);
    [...counts.values()].every((n) => n <= 2).should.be.true();
  });
});
