#!/usr/bin/env node
"use strict";
/**
 * `npm start`: a local Node-RED (from devDependencies) on http://127.0.0.1:1880 with this
 * package loaded from the working tree, a persistent context store ("file", the default), and
 * a demo flow: the test vCenter (govmomi simulator, built from test/support/vcsim by
 * scripts/ensure-test-vcenter.js) posting a few events every 5 s -> vcenter-in -> knative-out
 * -> HTTP -> cloudevent-in of this Node-RED -> debug sidebar (dead letters on their own debug).
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

const DEMO_PATH = "/vcenter-events";

/**
 * The demo flow shows the whole path of an event: vCenter -> vcenter in -> knative out -> (HTTP,
 * a CloudEvent in binary mode) -> cloudevent in of this same Node-RED -> debug sidebar, with
 * knative out's dead-letter output on a debug node of its own.
 */
function demoFlow(vc) {
  const tab = "demo-tab";
  const nodes = [
    {
      id: tab, type: "tab", label: "vCenter demo",
      info:
        "Events from the vCenter go through `knative out`, which POSTs each one as a CloudEvent to the " +
        `\`cloudevent in\` endpoint ${DEMO_PATH} of this Node-RED; they arrive in the debug sidebar as ` +
        "\"CloudEvent via HTTP\". Events knative out cannot deliver arrive as \"dead letter\".",
    },
    {
      id: "demo-vc", type: "vsphere-config", name: vc.simulator ? "test vCenter (simulator)" : "vCenter",
      address: vc.address, insecureSSL: vc.insecureSSL, credentials: { username: vc.username, password: vc.password },
    },
    {
      id: "demo-in", type: "vcenter-in", z: tab, name: "", server: "demo-vc", eventTypes: [], format: "vsphere",
      payloadEncoding: "json", checkpointStore: "", checkpointPeriod: 10, maxAge: 86400, delivery: "acknowledged",
      maxInFlight: 1000, x: 140, y: 100, wires: [["demo-out"]],
    },
    {
      id: "demo-out", type: "knative-out", z: tab, name: `to cloudevent in ${DEMO_PATH}`,
      url: `http://127.0.0.1:${port}${DEMO_PATH}`, encoding: "binary", insecureSSL: false, authType: "none",
      timeout: 30, retries: 3, backoffDelay: 0.2, concurrency: 1, ceType: "", ceSource: "",
      x: 400, y: 100, wires: [[], ["demo-dead"]],
    },
    {
      id: "demo-dead", type: "debug", z: tab, name: "dead letter", active: true, tosidebar: true, console: false,
      complete: "true", targetType: "full", statusVal: "", statusType: "auto", x: 650, y: 140, wires: [],
    },
    {
      id: "demo-webhook", type: "cloudevent-in", z: tab, name: "", path: DEMO_PATH, delivery: "sent",
      responseTimeout: 30, maxInFlight: 1000, maxBodySize: "1mb", readTimeout: 30, allowedOrigins: "",
      x: 150, y: 220, wires: [["demo-debug"]],
    },
    {
      id: "demo-debug", type: "debug", z: tab, name: "CloudEvent via HTTP", active: true, tosidebar: true, console: false,
      complete: "true", targetType: "full", statusVal: "topic", statusType: "msg", x: 420, y: 220, wires: [],
    },
  ];
  if (vc.simulator) {
    nodes.push(
      {
        id: "demo-tick", type: "inject", z: tab, name: "every 5 s", props: [{ p: "payload" }], repeat: "5",
        once: true, onceDelay: "2", payload: '{"count":3,"mode":"mixed"}', payloadType: "json", x: 150, y: 320,
        wires: [["demo-post"]],
      },
      {
        id: "demo-post", type: "http request", z: tab, name: "post events to the test vCenter", method: "POST",
        ret: "obj", url: `http://127.0.0.1:${ctlPort}/events`, x: 420, y: 320, wires: [[]],
      },
    );
  }
  return nodes;
}

/** Starts the test vCenter (scripts/ensure-test-vcenter.js, run by `npm start`, installed and built it). */
async function startSimulator() {
  const vcsim = require(path.join(root, "test", "support", "vcsim.js"));
  return vcsim.startVcsim({
    listen: `127.0.0.1:${simPort}`,
    control: `127.0.0.1:${ctlPort}`,
    username: "administrator@vsphere.local",
    password: "VMware1!",
    onDeath: (err) => console.error(`[start] the test vCenter stopped: ${err.message}`),
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
    try {
      sim = await startSimulator();
    } catch (err) {
      console.error(`[start] the test vCenter did not start: ${err.message}`);
      console.error("[start] run `node scripts/ensure-test-vcenter.js --for start` to see what is missing, or set");
      console.error("[start] VCENTER_ADDRESS, VCENTER_USER and VCENTER_PASSWORD to use a real vCenter.");
      process.exit(1);
    }
    vc = { address: sim.address, insecureSSL: true, username: sim.username, password: sim.password, simulator: true };
    console.log(`[start] test vCenter at ${sim.sdkUrl} (control API ${sim.controlUrl})`);
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
