#!/usr/bin/env node
"use strict";
/**
 * `npm start`: a local Node-RED (from devDependencies) on http://127.0.0.1:1880 with this
 * package loaded from the working tree, a persistent context store ("file", the default), and
 * a demo flow: the test vCenter (govmomi simulator, built from test/support/vcsim) posting a
 * few events every 5 s -> vcenter-in -> debug sidebar.
 *
 * Environment: PORT (1880), VCSIM_PORT (8989), VCSIM_CONTROL_PORT (8990), NR_USER_DIR
 * (.dev-userdir). With VCENTER_ADDRESS/VCENTER_USER/VCENTER_PASSWORD set, the demo flow reads
 * that vCenter instead of the simulator.
 */
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");

const root = path.join(__dirname, "..");
const port = Number(process.env.PORT || 1880);
const userDir = path.resolve(process.env.NR_USER_DIR || path.join(root, ".dev-userdir"));
const simPort = Number(process.env.VCSIM_PORT || 8989);
const ctlPort = Number(process.env.VCSIM_CONTROL_PORT || 8990);

function demoFlow(vc) {
  const tab = "demo-tab";
  const nodes = [
    { id: tab, type: "tab", label: "vCenter demo", info: "Events from the vCenter below arrive in the debug sidebar." },
    {
      id: "demo-vc", type: "vsphere-config", name: vc.simulator ? "test vCenter (simulator)" : "vCenter",
      address: vc.address, insecureSSL: vc.insecureSSL, credentials: { username: vc.username, password: vc.password },
    },
    {
      id: "demo-in", type: "vcenter-in", z: tab, name: "", server: "demo-vc", eventTypes: [], format: "vsphere",
      payloadEncoding: "json", checkpointStore: "", checkpointPeriod: 10, maxAge: 86400, delivery: "sent",
      x: 160, y: 120, wires: [["demo-debug"]],
    },
    {
      id: "demo-debug", type: "debug", z: tab, name: "CloudEvent", active: true, tosidebar: true, console: false,
      complete: "true", targetType: "full", statusVal: "topic", statusType: "msg", x: 420, y: 120, wires: [],
    },
  ];
  if (vc.simulator) {
    nodes.push(
      {
        id: "demo-tick", type: "inject", z: tab, name: "every 5 s", props: [{ p: "payload" }], repeat: "5",
        once: true, onceDelay: "2", payload: '{"count":3,"mode":"mixed"}', payloadType: "json", x: 150, y: 200,
        wires: [["demo-post"]],
      },
      {
        id: "demo-post", type: "http request", z: tab, name: "post events to the simulator", method: "POST",
        ret: "obj", url: `http://127.0.0.1:${ctlPort}/events`, x: 400, y: 200, wires: [[]],
      },
    );
  }
  return nodes;
}

async function startSimulator() {
  let vcsim;
  try {
    vcsim = require(path.join(root, "test", "support", "vcsim.js"));
    if (!vcsim.goAvailable()) throw new Error("Go is not installed");
    await vcsim.buildVcsim();
  } catch (err) {
    console.error(`[start] no test vCenter: ${err.message}`);
    console.error("[start] install Go and govmomi (Debian: apt-get install golang-go golang-github-vmware-govmomi-dev),");
    console.error("[start] or set VCENTER_ADDRESS, VCENTER_USER and VCENTER_PASSWORD to use a real vCenter.");
    return undefined;
  }
  return vcsim.startVcsim({
    listen: `127.0.0.1:${simPort}`,
    control: `127.0.0.1:${ctlPort}`,
    username: "administrator@vsphere.local",
    password: "VMware1!",
  });
}

async function main() {
  let sim;
  let vc;
  if (process.env.VCENTER_ADDRESS) {
    vc = {
      address: process.env.VCENTER_ADDRESS, insecureSSL: process.env.VCENTER_INSECURE !== "false",
      username: process.env.VCENTER_USER || "", password: process.env.VCENTER_PASSWORD || "", simulator: false,
    };
  } else {
    sim = await startSimulator();
    if (sim) {
      vc = { address: sim.address, insecureSSL: true, username: sim.username, password: sim.password, simulator: true };
      console.log(`[start] test vCenter at ${sim.sdkUrl} (control API ${sim.controlUrl})`);
    }
  }

  fs.mkdirSync(userDir, { recursive: true });
  const settingsFile = path.join(userDir, "settings.js");
  fs.writeFileSync(
    settingsFile,
    `module.exports = ${JSON.stringify(
      {
        uiHost: "127.0.0.1",
        uiPort: port,
        userDir,
        flowFile: "flows.json",
        credentialSecret: "node-red-vmware-dev",
        nodesDir: [root],
        contextStorage: {
          default: "file",
          file: { module: "localfilesystem", config: { flushInterval: 5 } },
          memory: { module: "memory" },
        },
        editorTheme: { tours: false, palette: { catalogues: [] } },
        diagnostics: { enabled: false },
        telemetry: { enabled: false },
        externalModules: { autoInstall: false, palette: { allowInstall: false } },
      },
      null,
      2,
    )};\n`,
  );
  const flowFile = path.join(userDir, "flows.json");
  const fresh = !fs.existsSync(flowFile);

  const red = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", settingsFile], {
    stdio: "inherit",
  });
  const stop = () => {
    red.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  red.on("exit", async (code) => {
    if (sim) await sim.stop().catch(() => undefined);
    process.exit(code ?? 0);
  });

  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`${base}/settings`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (vc && (fresh || sim)) {
    // first start, or the simulator's credentials/port: (re)deploy the demo flow
    const current = fresh ? [] : await (await fetch(`${base}/flows`)).json();
    const keep = (Array.isArray(current) ? current : []).filter((n) => !String(n.id).startsWith("demo-"));
    const res = await fetch(`${base}/flows`, {
      method: "POST",
      headers: { "content-type": "application/json", "node-red-deployment-type": "full" },
      body: JSON.stringify([...keep, ...demoFlow(vc)]),
    });
    if (!res.ok) console.error(`[start] deploying the demo flow failed: HTTP ${res.status} ${await res.text()}`);
  }
  console.log(`[start] Node-RED with @event-router/node-red-vmware: ${base}  (Ctrl-C stops)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
