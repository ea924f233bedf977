"use strict";
// The test vCenter: builds and runs test/support/vcsim (govmomi's vim25 SOAP simulator with
// documented event-collector semantics and a JSON control API), and runs its govmomi poller.
// See test/support/vcsim/main.go and control.go for what the binary does.

const { spawn, spawnSync, execFile } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const peers = require("./peers");

const SRC_DIR = path.join(__dirname, "vcsim");
const BIN_DIR = path.join(__dirname, ".bin");
const BIN = path.join(BIN_DIR, "vcsim");
const GOPATH = process.env.VCSIM_GOPATH || "/usr/share/gocode";
const GOVMOMI_DIR = path.join(GOPATH, "src", "github.com", "vmware", "govmomi");
const INSTALL_HINT = "apt-get install golang-go golang-github-vmware-govmomi-dev";

const DEFAULT_USER = "user"; // with no username set the simulator accepts any non-empty credentials
const DEFAULT_PASSWORD = "pass";

function goEnv() {
  const env = { ...process.env, GO111MODULE: "off", GOPATH, GOFLAGS: "" };
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = path.join(os.tmpdir(), "vcsim-go-cache");
  return env;
}

/** True when the Go toolchain and govmomi's sources are installed (scripts/ensure-test-vcenter.js installs them). */
function goAvailable() {
  try {
    const r = spawnSync("go", ["version"], { env: goEnv(), stdio: "ignore", timeout: 10000 });
    return r.status === 0 && fs.existsSync(path.join(GOVMOMI_DIR, "simulator"));
  } catch {
    return false;
  }
}

function newestSourceMtime() {
  let newest = 0;
  for (const name of fs.readdirSync(SRC_DIR)) {
    if (name.endsWith(".go")) newest = Math.max(newest, fs.statSync(path.join(SRC_DIR, name)).mtimeMs);
  }
  return newest;
}

function binaryUpToDate() {
  try {
    return fs.statSync(BIN).mtimeMs >= newestSourceMtime();
  } catch {
    return false;
  }
}

let building;

/**
 * Builds test/support/.bin/vcsim when it is missing or older than a .go file of test/support/vcsim.
 * Resolves with the binary's path.
 */
function buildVcsim() {
  if (process.env.VCSIM_BIN) return Promise.resolve(process.env.VCSIM_BIN); // a prebuilt binary
  if (binaryUpToDate()) return Promise.resolve(BIN);
  if (building) return building;
  building = new Promise((resolve, reject) => {
    const probe = spawnSync("go", ["version"], { env: goEnv(), stdio: "ignore" });
    if (probe.error || probe.status !== 0) {
      reject(new Error(`Go is not installed: ${INSTALL_HINT}`));
      return;
    }
    if (!fs.existsSync(path.join(GOVMOMI_DIR, "simulator"))) {
      reject(new Error(`govmomi sources not found under ${GOVMOMI_DIR}: ${INSTALL_HINT}`));
      return;
    }
    fs.mkdirSync(BIN_DIR, { recursive: true });
    const tmp = `${BIN}.${process.pid}.tmp`; // concurrent builders each rename atomically
    execFile("go", ["build", "-o", tmp, "."], { cwd: SRC_DIR, env: goEnv(), maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        fs.rmSync(tmp, { force: true });
        reject(new Error(`building vcsim failed: ${stderr || err.message}`));
        return;
      }
      fs.renameSync(tmp, BIN);
      resolve(BIN);
    });
  }).finally(() => {
    building = undefined;
  });
  return building;
}

const live = new Set();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // SIGTERM lets the simulator remove its temporary datastore directories; it also exits by
  // itself when its stdin (this process) goes away.
  process.on("exit", () => {
    for (const child of live) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
  });
}

/**
 * One control API call. A simulator that has died (see startVcsim) rejects the call with its exit
 * code/signal and last stderr lines; so does a call that fails because it died meanwhile.
 */
async function control(base, method, route, body, peer, exited) {
  const died = peer.error();
  if (died) throw died;
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  let text;
  try {
    res = await fetch(base + route, init);
    text = await res.text();
  } catch (err) {
    // the exit event may follow the refused connection by a moment
    await Promise.race([exited, new Promise((r) => setTimeout(r, 500).unref())]);
    throw peer.error() ?? err;
  }
  if (!res.ok) throw new Error(`vcsim ${method} ${route}: HTTP ${res.status} ${text.trim()}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Starts a test vCenter. Options: username, password (default: any non-empty credentials work;
 * the returned username/password are then "user"/"pass"), listen, control (host:port, default
 * 127.0.0.1:0), maxEvents, collectorsPerSession, sessionEvents (store login/logout events),
 * verbose (-v: requests and simulator logs to this process's stderr), startTimeoutMs,
 * onDeath(err) (called when the simulator exits without stop(); see test/support/peers.js).
 * After such a death every control call, and every wait of test/support/nodered.js, rejects
 * with the exit code/signal and the last stderr lines.
 * Environment: VCSIM_BIN uses a prebuilt binary; VCSIM_STDERR=1 shows the simulator's stderr.
 */
async function startVcsim(opts = {}) {
  const bin = await buildVcsim();
  const args = ["serve"];
  if (opts.listen) args.push("-listen", opts.listen);
  if (opts.control) args.push("-control", opts.control);
  if (opts.username) args.push("-username", opts.username, "-password", opts.password || "");
  if (opts.maxEvents) args.push("-max-events", String(opts.maxEvents));
  if (opts.collectorsPerSession) args.push("-collectors-per-session", String(opts.collectorsPerSession));
  if (opts.sessionEvents) args.push("-session-events");
  if (opts.verbose) args.push("-v");

  installExitHook();
  const child = spawn(bin, args, { stdio: ["pipe", "pipe", "pipe"] });
  live.add(child);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    if (opts.verbose || process.env.VCSIM_STDERR) process.stderr.write(chunk);
    stderr = (stderr + chunk).slice(-8192);
  });
  const peer = peers.register(`test vCenter (vcsim pid ${child.pid})`);
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      const death = peer.died(code, signal, stderr);
      if (death) {
        process.stderr.write(`\n[vcsim] ${death.message}\n`);
        if (opts.onDeath) opts.onDeath(death);
      }
      resolve({ code, signal });
    });
  });
  child.stdin.on("error", () => {}); // EPIPE after the child died

  let started = () => {};
  const info = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`vcsim did not start within ${opts.startTimeoutMs || 20000} ms: ${stderr}`));
    }, opts.startTimeoutMs || 20000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      if (out.includes("\n")) return; // started; later output is not the start line
      out += chunk;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      started();
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch (err) {
        child.kill("SIGKILL");
        reject(new Error(`vcsim printed ${out.slice(0, nl)}: ${err.message}`));
      }
    });
    const early = (code, signal) => {
      clearTimeout(timer);
      peer.forget();
      reject(new Error(`vcsim exited (${code ?? signal}) before starting: ${peers.lastLines(stderr)}`));
    };
    child.once("exit", early);
    started = () => child.removeListener("exit", early);
  });

  // Let the test process exit without an explicit stop(); the exit hook stops the child.
  child.unref();
  for (const s of [child.stdin, child.stdout, child.stderr]) if (s && s.unref) s.unref();

  const ctl = info.control;
  const call = (method, route, body) => control(ctl, method, route, body, peer, exited);
  const sdk = new URL(info.sdk);
  const sim = {
    sdkUrl: info.sdk,
    address: sdk.host,
    controlUrl: ctl,
    thumbprint: info.thumbprint,
    pid: info.pid,
    username: opts.username || DEFAULT_USER,
    password: opts.username ? opts.password || "" : DEFAULT_PASSWORD,
    /** POST /events {count, mode: "mixed"|"random", seed, types, sameTime, safeInts} -> {first, last, count} */
    postEvents: (body) => call("POST", "/events", body || {}),
    /** GET /events/golden with {fromKey, count} | {last} | {all: 1} (or a query string) -> [{key, class, json, xml}] */
    golden: (query) => {
      const q = typeof query === "string" ? query : new URLSearchParams(Object.entries(query || { all: 1 }).map(([k, v]) => [k, String(v)])).toString();
      return call("GET", `/events/golden?${q}`);
    },
    expireSessions: () => call("POST", "/sessions/expire", {}),
    /** {count, status} | {seconds, status} | {count: 0}; status 0 closes the connection */
    fail: (body) => call("POST", "/fail", body),
    /** {offsetSeconds} */
    clock: (body) => call("POST", "/clock", typeof body === "number" ? { offsetSeconds: body } : body),
    setNextKey: (next) => call("POST", "/keys", { next }),
    stats: () => call("GET", "/stats"),
    reset: () => call("POST", "/reset", {}),
    /** The death of this simulator (exit it was not asked for), or undefined while it runs. */
    get death() {
      return peer.error();
    },
    /** Resolves with {code, signal} once the process has exited. */
    exited,
    /** SIGTERM, SIGKILL after 2 s; resolves once the process has exited (also after a death). */
    stop: async () => {
      peer.stopping();
      try {
        if (child.exitCode !== null || child.signalCode !== null) return await exited;
        child.ref(); // keep this process alive until the child is gone
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        const res = await exited;
        clearTimeout(timer);
        return res;
      } finally {
        peer.forget();
      }
    },
  };
  return sim;
}

/**
 * Runs the govmomi poller ("vcsim poll"): logs in, creates a collector (root folder, recursion
 * all, beginTime = begin or the server's CurrentTime, or none with beginOldest), reads
 * ReadNextEvents(1000) until count events, logs out. Resolves with
 * {events, seconds, rate, pages, emptyPages, firstKey, lastKey, outOfOrder}.
 */
async function goPoll({ sdkUrl, username, password, count, beginOldest, begin, timeoutMs }) {
  const bin = await buildVcsim();
  const args = ["poll", "-url", sdkUrl, "-insecure", "-count", String(count)];
  if (username !== undefined) args.push("-username", username);
  if (password !== undefined) args.push("-password", password);
  if (beginOldest) args.push("-begin-oldest");
  else if (begin) args.push("-begin", begin instanceof Date ? begin.toISOString() : String(begin));
  if (timeoutMs) args.push("-timeout", `${Math.ceil(timeoutMs / 1000)}s`);
  return new Promise((resolve, reject) => {
    execFile(bin, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`vcsim poll failed: ${stderr || err.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop()));
      } catch (e) {
        reject(new Error(`vcsim poll printed ${stdout}: ${e.message}`));
      }
    });
  });
}

module.exports = { buildVcsim, binaryUpToDate, startVcsim, goPoll, goAvailable, VCSIM_BIN: BIN, GOVMOMI_DIR, INSTALL_HINT };
