"use strict";
/**
 * Node-RED as a user runs it: `node red.js -u <userDir> -s <settings.js>` in a child process on a
 * free 127.0.0.1 port, with its console log captured line by line.
 */
const fs = require("node:fs");
const net = require("node:net");
const path = require("node:path");
const { spawn } = require("node:child_process");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Settings for a quiet, offline Node-RED: no palette catalogues, tours, diagnostics, telemetry or
 * update checks, and a fixed credential secret. `extra` is merged on top (shallowly).
 */
function baseSettings(port, extra = {}) {
  return {
    uiHost: "127.0.0.1",
    uiPort: port,
    flowFile: "flows.json",
    credentialSecret: "event-router-tests",
    logging: { console: { level: "info", metrics: false, audit: false } },
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false },
    ...extra,
  };
}

// "24 Nov 08:47:16 - [warn] text"
const LOG_LINE = /^\d{1,2} \w{3} \d\d:\d\d:\d\d - \[(\w+)\] ?(.*)$/;

/**
 * Parses Node-RED's console output into entries { level, text } (a multi-line message keeps its
 * continuation lines). Lines written outside the logger (Node's own warnings, stack traces) are
 * entries with level "stderr" or "stdout".
 */
function parseLog(lines) {
  const out = [];
  let cur;
  for (const { stream, line } of lines) {
    const m = LOG_LINE.exec(line);
    if (m) {
      cur = { level: m[1], text: m[2] };
      out.push(cur);
    } else if (cur && stream === "stdout") {
      cur.text += `\n${line}`;
    } else if (line.trim() !== "") {
      out.push({ level: stream, text: line });
      cur = undefined;
    }
  }
  return out;
}

/**
 * Starts Node-RED. Options: runtime (from runtimes.runtime()), userDir, settings (extra settings
 * merged over baseSettings), nodeArgs (extra Node.js flags), startTimeoutMs.
 * Resolves with { url, port, userDir, lines, log(), stop() } once GET /settings answers.
 */
async function startNodeRed({ runtime, userDir, settings = {}, nodeArgs = [], startTimeoutMs = 60000 }) {
  const port = await freePort();
  fs.mkdirSync(userDir, { recursive: true });
  const settingsFile = path.join(userDir, "settings.js");
  fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify({ ...baseSettings(port), ...settings, userDir }, null, 2)};\n`);
  const child = spawn(runtime.node.bin, [...nodeArgs, runtime.redJs, "-u", userDir, "-s", settingsFile], {
    cwd: userDir,
    env: runtime.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = [];
  for (const stream of ["stdout", "stderr"]) {
    let buf = "";
    child[stream].setEncoding("utf8");
    child[stream].on("data", (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        lines.push({ stream, line: buf.slice(0, nl).replace(/\r$/, "") });
        buf = buf.slice(nl + 1);
      }
      if (process.env.NR_LOG) process.stderr.write(chunk);
    });
    child[stream].on("end", () => {
      if (buf) lines.push({ stream, line: buf });
      buf = "";
    });
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let gone = false;
  exited.then(() => {
    gone = true;
  });
  const killOnExit = () => {
    if (!gone) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`Node-RED exited during start-up:\n${lines.map((l) => l.line).join("\n")}`);
    try {
      const res = await fetch(`${url}settings`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Node-RED did not answer ${url}settings within ${startTimeoutMs} ms:\n${lines.map((l) => l.line).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    port,
    userDir,
    pid: child.pid,
    lines,
    log: () => parseLog(lines),
    exited,
    /** SIGINT (a clean stop), SIGKILL after 10 s. Resolves with the exit code/signal. */
    async stop() {
      if (gone) return exited;
      child.kill("SIGINT");
      const t = setTimeout(() => child.kill("SIGKILL"), 10000);
      const res = await exited;
      clearTimeout(t);
      process.removeListener("exit", killOnExit);
      return res;
    },
  };
}

module.exports = { startNodeRed, baseSettings, freePort, parseLog };
