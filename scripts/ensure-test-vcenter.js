#!/usr/bin/env node
"use strict";
/**
 * Makes sure the test vCenter (test/support/vcsim, govmomi's simulator built with Go) can run:
 * `npm start` and `npm test` call this first, so a machine with only Node.js and npm needs no
 * other step.
 *
 * - Go and govmomi's sources present: builds test/support/.bin/vcsim (when it is out of date).
 * - Missing, and apt-get usable (root, or passwordless sudo): `apt-get update` once, then
 *   `apt-get install -y golang-go golang-github-vmware-govmomi-dev`, saying so.
 * - Missing otherwise: stops (exit 1) with the exact command to run.
 *
 * Skipped when VCENTER_ADDRESS is set for `npm start` (a real vCenter, see scripts/start-dev.js)
 * or VCSIM_BIN names a prebuilt simulator (see test/support/vcsim.js).
 *
 * Usage: node scripts/ensure-test-vcenter.js [--for start|test]
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const PACKAGES = ["golang-go", "golang-github-vmware-govmomi-dev"];
const vcsim = require(path.join(__dirname, "..", "test", "support", "vcsim.js"));

const purpose = (() => {
  const i = process.argv.indexOf("--for");
  return i >= 0 ? process.argv[i + 1] : "test";
})();

function say(line) {
  console.log(`[test vCenter] ${line}`);
}

function fail(lines) {
  for (const line of lines) console.error(`[test vCenter] ${line}`);
  process.exit(1);
}

function hasCommand(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
  return r.status === 0;
}

/** What is missing: [] when Go and govmomi's simulator sources are installed. */
function missing() {
  const out = [];
  const go = spawnSync("go", ["version"], { stdio: "ignore", timeout: 20000 });
  if (go.error || go.status !== 0) out.push("Go");
  if (!fs.existsSync(path.join(vcsim.GOVMOMI_DIR, "simulator"))) out.push(`govmomi (${vcsim.GOVMOMI_DIR})`);
  return out;
}

/** The prefix that runs apt-get as root here: "" (root), "sudo" (passwordless), or undefined. */
function aptPrefix() {
  if (!hasCommand("apt-get")) return undefined;
  if (typeof process.getuid === "function" && process.getuid() === 0) return "";
  if (hasCommand("sudo") && spawnSync("sudo", ["-n", "true"], { stdio: "ignore", timeout: 20000 }).status === 0) return "sudo";
  return undefined;
}

function run(prefix, args) {
  const argv = prefix ? [prefix, ...args] : args;
  say(`running: ${argv.join(" ")}`);
  const r = spawnSync(argv[0], argv.slice(1), {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (r.error || r.status !== 0) {
    fail([`"${argv.join(" ")}" failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`}).`]);
  }
}

async function main() {
  if (purpose === "start" && process.env.VCENTER_ADDRESS) {
    say(`VCENTER_ADDRESS is set: using ${process.env.VCENTER_ADDRESS}, no simulator needed`);
    return;
  }
  if (process.env.VCSIM_BIN) {
    say(`using the prebuilt simulator VCSIM_BIN=${process.env.VCSIM_BIN}`);
    return;
  }
  const absent = missing();
  if (absent.length > 0) {
    const prefix = aptPrefix();
    const install = `apt-get install -y ${PACKAGES.join(" ")}`;
    if (prefix === undefined) {
      const sudo = typeof process.getuid === "function" && process.getuid() === 0 ? "" : "sudo ";
      fail(
        hasCommand("apt-get")
          ? [
              `${absent.join(" and ")} missing, needed for the test vCenter; no root and no passwordless sudo here. Run:`,
              `  ${sudo}apt-get update && ${sudo}${install}`,
              `then run npm ${purpose} again.`,
            ]
          : [
              `${absent.join(" and ")} missing, needed for the test vCenter, and there is no apt-get here.`,
              `Install Go and govmomi 0.24's sources in GOPATH layout, then run npm ${purpose} with VCSIM_GOPATH set, e.g.:`,
              `  VCSIM_GOPATH=$HOME/gocode npm ${purpose}   (needs $HOME/gocode/src/github.com/vmware/govmomi and its dependencies)`,
              "or set VCSIM_BIN to a prebuilt test/support/vcsim binary.",
            ],
      );
    }
    say(`${absent.join(" and ")} missing: installing ${PACKAGES.join(" ")} with apt-get${prefix ? " (sudo)" : ""}`);
    run(prefix, ["apt-get", "update"]);
    run(prefix, ["apt-get", "install", "-y", ...PACKAGES]);
    const still = missing();
    if (still.length > 0) fail([`still missing after the install: ${still.join(", ")}`]);
    say(`installed ${PACKAGES.join(" ")}`);
  }
  const started = Date.now();
  const fresh = !vcsim.binaryUpToDate();
  if (fresh) say("building the simulator (test/support/vcsim) ...");
  await vcsim.buildVcsim();
  if (fresh) say(`built ${path.relative(process.cwd(), vcsim.VCSIM_BIN)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  else say("ready");
}

main().catch((err) => fail([err && err.message ? err.message : String(err)]));
