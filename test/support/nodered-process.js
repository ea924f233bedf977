"use strict";
/**
 * Node-RED as a separate process (node-red/red.js), loading this package via nodesDir, for
 * tests that kill it (SIGKILL) and start it again on the same user directory.
 */
const fs = require("fs");
const os = require("os");
const path = require("path");
const net = require("net");
const { spawn } = require("child_process");
const peers = require("./peers");

const repoRoot = path.join(__dirname, "..", "..");

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Prepare a user directory. `settings` are merged into the defaults (persistent default
 * context store with a short flush interval).
 */
async function makeUserDir(settings = {}) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "nr-proc-"));
  const port = await freePort();
  const all = {
    uiHost: "127.0.0.1",
    uiPort: port,
    userDir,
    flowFile: "flows.json",
    credentialSecret: "kill-test",
    nodesDir: [repoRoot],
    contextStorage: { default: { module: "localfilesystem", config: { flushInterval: 1 } } },
    logging: { console: { level: "info" } },
    editorTheme: { tours: false, palette: { catalogues: [] } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    ...settings,
  };
  fs.writeFileSync(path.join(userDir, "settings.js"), `module.exports = ${JSON.stringify(all, null, 2)};\n`);
  return { userDir, port, url: `http://127.0.0.1:${port}` };
}

/** Start Node-RED on a prepared user directory; resolves when its admin API answers. */
async function startProcess(dir) {
  const log = [];
  const child = spawn(process.execPath, [require.resolve("node-red/red.js"), "--settings", path.join(dir.userDir, "settings.js")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (c) => log.push(String(c)));
  child.stderr.on("data", (c) => log.push(String(c)));
  // an exit nobody asked for (kill() below) fails the waits and calls of the running test
  const peer = peers.register(`Node-RED process (pid ${child.pid})`);
  const exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      const death = peer.died(code, signal, log.join(""));
      if (death) process.stderr.write(`\n[nodered-process] ${death.message}\n`);
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) {
      peer.forget();
      throw new Error(`Node-RED exited at start:\n${log.join("")}`);
    }
    try {
      const r = await fetch(`${dir.url}/settings`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      peer.stopping();
      peer.forget();
      child.kill("SIGKILL");
      throw new Error(`Node-RED did not start:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    log,
    exited,
    /** The death of this process (an exit kill() did not ask for), or undefined. */
    get death() {
      return peer.error();
    },
    async deploy(flows) {
      const died = peer.error();
      if (died) throw died;
      const r = await fetch(`${dir.url}/flows`, {
        method: "POST",
        headers: { "content-type": "application/json", "node-red-deployment-type": "full" },
        body: JSON.stringify(flows),
      });
      if (!r.ok) throw new Error(`deploy failed: HTTP ${r.status} ${await r.text()}`);
    },
    kill(signal = "SIGKILL") {
      peer.stopping();
      child.kill(signal);
      return exited.finally(() => peer.forget());
    },
  };
}

module.exports = { makeUserDir, startProcess, freePort };
