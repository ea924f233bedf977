"use strict";
/**
 * Bounded memory under backlog (issue 4): 100,000 events wait in the test vCenter, the sink
 * answers after 10 ms per request. With delivery "acknowledged" vcenter-in holds at most
 * maxInFlight events in the flow and stops reading meanwhile, so Node-RED's RSS stays under
 * 200 MB however large the backlog. Measured on a separate Node-RED process.
 */
const fs = require("fs");
require("should");
const { startVcsim, buildVcsim } = require("../support/vcsim");
const { startKnativePeer } = require("../support/knative-peer");
const { makeUserDir, startProcess } = require("../support/nodered-process");

const BACKLOG = 100000;
const WATCH_MS = 20000;

function rssMB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

describe("backlog into a slow sink", function () {
  this.timeout(180000);
  let sim;
  let peer;
  let nr;

  before(async function () {
    if (!fs.existsSync("/proc/self/status")) this.skip();
    await buildVcsim();
    sim = await startVcsim({ username: "mem", password: "test", maxEvents: BACKLOG + 1000 });
    peer = await startKnativePeer({ record: false, default: { status: 202, delayMs: 10 } });
  });

  after(async () => {
    if (nr) await nr.kill("SIGKILL");
    if (peer) await peer.close();
    if (sim) await sim.stop();
  });

  it("keeps Node-RED's RSS under 200 MB while draining 100,000 events at 10 ms per request", async () => {
    const res = await sim.postEvents({ count: BACKLOG, mode: "mixed" });
    const dir = await makeUserDir();
    // a checkpoint just before the backlog, so the node starts by replaying all of it
    fs.mkdirSync(`${dir.userDir}/context/t1`, { recursive: true });
    fs.writeFileSync(
      `${dir.userDir}/context/t1/in.json`,
      JSON.stringify({
        checkpoint: {
          vCenter: sim.sdkUrl, lastEventKey: 0, lastEventType: "", lastEventKeyTimestamp: res.first.createdTime,
          createdTimestamp: new Date().toISOString(), lastEventKeys: [],
        },
      }),
    );
    nr = await startProcess(dir);
    const pid = nr.child.pid;
    const idle = rssMB(pid);
    await nr.deploy([
      { id: "t1", type: "tab", label: "backlog" },
      { id: "vc", type: "vsphere-config", address: sim.address, insecureSSL: true, credentials: { username: sim.username, password: sim.password } },
      {
        id: "in", type: "vcenter-in", z: "t1", server: "vc", eventTypes: [], format: "vsphere", payloadEncoding: "json",
        checkpointStore: "", checkpointPeriod: 5, maxAge: 86400, delivery: "acknowledged", maxInFlight: 1000, wires: [["out"]],
      },
      {
        id: "out", type: "knative-out", z: "t1", url: peer.url, encoding: "binary", insecureSSL: false, authType: "none",
        timeout: 30, retries: 3, backoffDelay: 0.1, concurrency: 1, ceType: "", ceSource: "", wires: [[], []],
      },
    ]);
    let peak = 0;
    const samples = [];
    const end = Date.now() + WATCH_MS;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 500));
      const mb = rssMB(pid);
      peak = Math.max(peak, mb);
      samples.push(Math.round(mb));
    }
    const delivered = peer.acceptedCount;
    console.log(`      backlog: idle RSS ${Math.round(idle)} MB, peak ${Math.round(peak)} MB over ${WATCH_MS / 1000} s; ${delivered} events delivered`);
    delivered.should.be.above(500); // it drains...
    delivered.should.be.below(BACKLOG); // ...slowly: the backlog is still there
    peak.should.be.below(200, `RSS samples: ${samples.join(" ")}`);
  });
});
