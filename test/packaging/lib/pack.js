"use strict";
/**
 * `npm pack` of the working tree (after `npm run build`), once per test process: resolves with
 * { tgz, dir (the tarball extracted: what the Flow Library and npm users get), files, name, version }.
 * The temporary directory is removed when the process exits.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { repoRoot, assertBuilt } = require("./package-info");
const { run, npmCliFor, devNodeRedDir } = require("./runtimes");

let packed;

function packOnce() {
  if (packed) return packed;
  packed = (async () => {
    assertBuilt();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nr-pack-"));
    process.once("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
    const npm = npmCliFor(devNodeRedDir());
    const { stdout } = await run(process.execPath, [npm, "pack", "--json", "--ignore-scripts", "--pack-destination", tmp], { cwd: repoRoot });
    const info = JSON.parse(stdout.slice(stdout.indexOf("[")))[0];
    const tgz = path.join(tmp, info.filename);
    const dir = path.join(tmp, "extracted");
    fs.mkdirSync(dir);
    await run("tar", ["-xzf", tgz, "-C", dir]);
    return { tgz, dir: path.join(dir, "package"), tmp, files: info.files.map((f) => f.path), name: info.name, version: info.version };
  })();
  return packed;
}

module.exports = { packOnce };
