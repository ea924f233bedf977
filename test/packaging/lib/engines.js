"use strict";
/**
 * The `engines.node` ranges of a production dependency tree, checked against the Node.js versions
 * users run. The palette manager installs with `--engine-strict`, so one package whose range
 * excludes the user's Node aborts the whole install.
 */
const fs = require("node:fs");
const path = require("node:path");
const { run, npmCliFor, devNodeRedDir } = require("./runtimes");

// node-red's own semver, as the brief asks (node-red depends on it; resolve it from there)
const semver = require(require.resolve("semver", { paths: [devNodeRedDir()] }));

const NODE_VERSIONS = ["20.18.1", "22.0.0", "24.0.0", "26.0.0"];

/**
 * Every installed package of the production tree rooted at `dir` (`npm ls --all --omit=dev
 * --parseable`): [{ name, version, path, engine }]. Resolves with { packages, lsExitCode, lsStderr }.
 */
async function productionTree(dir) {
  const npm = npmCliFor(devNodeRedDir());
  let stdout;
  let code = 0;
  let stderr;
  try {
    ({ stdout, stderr } = await run(process.execPath, [npm, "ls", "--all", "--omit=dev", "--parseable"], { cwd: dir }));
  } catch (err) {
    // npm ls exits 1 on extraneous/invalid packages but still prints the tree
    code = err.code;
    stdout = err.stdout || "";
    stderr = String(err.message);
    if (!stdout) throw err;
  }
  const root = path.resolve(dir);
  const packages = [];
  const seen = new Set();
  for (const p of stdout.split("\n").map((l) => l.trim()).filter(Boolean)) {
    if (path.resolve(p) === root || seen.has(p)) continue;
    seen.add(p);
    let pkg;
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(p, "package.json"), "utf8"));
    } catch {
      continue; // a missing optional dependency
    }
    packages.push({ name: pkg.name, version: pkg.version, path: p, engine: pkg.engines && pkg.engines.node });
  }
  return { packages, lsExitCode: code, lsStderr: stderr };
}

/** ["name@version engines.node=<range> excludes Node x, y", ...] */
function engineProblems(packages, versions = NODE_VERSIONS) {
  const problems = [];
  for (const p of packages) {
    if (p.engine === undefined || p.engine === null || p.engine === "") continue;
    if (typeof p.engine !== "string" || semver.validRange(p.engine) === null) {
      problems.push(`${p.name}@${p.version} engines.node=${JSON.stringify(p.engine)} is not a valid range`);
      continue;
    }
    const excluded = versions.filter((v) => !semver.satisfies(v, p.engine));
    if (excluded.length) problems.push(`${p.name}@${p.version} engines.node="${p.engine}" excludes Node ${excluded.join(", ")}`);
  }
  return problems;
}

module.exports = { productionTree, engineProblems, NODE_VERSIONS, semver };
