"use strict";
/**
 * Preload for `node-red-dev validate` (node -r <this file>): answers its look-ups of
 * catalogue.nodered.org, which CI cannot reach, and passes every other request (the npm registry,
 * for P06, P07, D02 and D03) through. Reference: shared/reference/node-red.md §4.1.
 *
 * The stand-in catalogue is not empty: it lists Node-RED's core module with every core node type
 * (read from the @node-red/nodes this repository installs), so N01 (unique node type names) still
 * catches a clash with a core type. NRDEV_CATALOGUE=<file> uses a downloaded catalogue.json instead.
 * NRDEV_STUB_LOG=<file> appends every URL node-red-dev requests, one per line.
 */
const fs = require("node:fs");
const path = require("node:path");

const nrdevDir = path.dirname(require.resolve("node-red-dev/package.json", { paths: [__dirname, process.cwd()] }));
const axios = require(require.resolve("axios", { paths: [nrdevDir] }));

function coreCatalogue() {
  const nodesDir = path.dirname(require.resolve("@node-red/nodes/package.json", {
    paths: [path.dirname(require.resolve("node-red/package.json", { paths: [__dirname] }))],
  }));
  const types = new Set();
  (function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".html")) {
        for (const m of fs.readFileSync(p, "utf8").matchAll(/registerType\(\s*["']([^"']+)["']/g)) types.add(m[1]);
      }
    }
  })(path.join(nodesDir, "core"));
  return { name: "Node-RED core nodes (offline stand-in)", updated_at: new Date().toISOString(), modules: [{ id: "node-red", version: "0.0.0", types: [...types].sort(), keywords: ["node-red"] }] };
}

let catalogue;
function getCatalogue() {
  if (!catalogue) catalogue = process.env.NRDEV_CATALOGUE ? JSON.parse(fs.readFileSync(process.env.NRDEV_CATALOGUE, "utf8")) : coreCatalogue();
  return catalogue;
}

const get = axios.get.bind(axios);
axios.get = function (url, ...rest) {
  if (process.env.NRDEV_STUB_LOG) fs.appendFileSync(process.env.NRDEV_STUB_LOG, `${url}\n`);
  if (/^https?:\/\/catalogue\.nodered\.org\//.test(String(url))) {
    return Promise.resolve({ status: 200, statusText: "OK", headers: {}, config: {}, data: getCatalogue() });
  }
  return get(url, ...rest);
};
