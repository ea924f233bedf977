#!/usr/bin/env node
// Copies what Node-RED loads beside the compiled node and plugin JS (editor HTML, icons, locales) and the
// data files lib/ reads at run time into dist/.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const out = path.join(root, "dist");
fs.mkdirSync(path.join(out, "nodes"), { recursive: true });
for (const f of fs.readdirSync(path.join(root, "nodes"))) {
  if (f.endsWith(".html")) fs.copyFileSync(path.join(root, "nodes", f), path.join(out, "nodes", f));
}
for (const dir of ["icons", "locales"]) {
  const src = path.join(root, dir);
  if (fs.existsSync(src)) fs.cpSync(src, path.join(out, "nodes", dir), { recursive: true });
}
// the editor plugin (package.json node-red.plugins): its HTML and locales beside its JS
fs.mkdirSync(path.join(out, "plugins"), { recursive: true });
for (const f of fs.readdirSync(path.join(root, "plugins"))) {
  if (f.endsWith(".html")) fs.copyFileSync(path.join(root, "plugins", f), path.join(out, "plugins", f));
}
fs.cpSync(path.join(root, "plugins", "locales"), path.join(out, "plugins", "locales"), { recursive: true });
(function copyData(rel) {
  const src = path.join(root, rel);
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) copyData(r);
    else if (e.name.endsWith(".json")) {
      fs.mkdirSync(path.join(out, rel), { recursive: true });
      fs.copyFileSync(path.join(root, r), path.join(out, r));
    }
  }
})("lib");
