"use strict";
// What the package under test declares, read fresh from the working tree so the suites follow
// whatever node types package.json lists.
const fs = require("node:fs");
const path = require("node:path");

const repoRoot = path.resolve(__dirname, "..", "..", "..");

function readPackage() {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"));
}

/**
 * The node sets of package.json `node-red.nodes`: [{ key, file (relative), js, html, base }],
 * with each set's registered types parsed from its editor HTML (`RED.nodes.registerType("x", ...)`)
 * and whether it is a config node (`category: "config"`).
 */
function nodeSets(root = repoRoot) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const nodes = (pkg["node-red"] && pkg["node-red"].nodes) || {};
  return Object.entries(nodes).map(([key, file]) => {
    const js = path.join(root, file);
    const html = js.replace(/\.c?js$/, ".html");
    const base = path.basename(js).replace(/\.c?js$/, "");
    let source = "";
    try {
      source = fs.readFileSync(html, "utf8");
    } catch {
      // reported by the tests that need it
    }
    return { key, file, js, html, base, types: editorTypes(source) };
  });
}

/** [{ type, config, icon }] for every registerType("literal", {...}) in an editor HTML file. */
function editorTypes(source) {
  const out = [];
  const re = /registerType\(\s*["']([^"']+)["']\s*,\s*\{/g;
  let m;
  while ((m = re.exec(source)) !== null) {
    // the definition's own top-level properties: look ahead until the next registerType
    const next = source.indexOf("registerType(", re.lastIndex);
    const body = source.slice(re.lastIndex, next < 0 ? undefined : next);
    const category = /\bcategory\s*:\s*["']([^"']*)["']/.exec(body);
    const icon = /\bicon\s*:\s*["']([^"']+)["']/.exec(body);
    out.push({ type: m[1], config: !!category && category[1] === "config", icon: icon ? icon[1] : undefined });
  }
  return out;
}

/**
 * The files of the package's resources/ folder its editor HTML loads
 * (`<script src="resources/<package name>/<file>">`; Node-RED serves them at that path), relative
 * to resources/, each once.
 */
function editorResources(root = repoRoot) {
  const name = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).name;
  const prefix = `resources/${name}/`;
  const out = new Set();
  for (const s of nodeSets(root)) {
    let html;
    try {
      html = fs.readFileSync(s.html, "utf8");
    } catch {
      continue;
    }
    for (const m of html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']/g)) {
      if (m[1].startsWith(prefix)) out.add(m[1].slice(prefix.length));
    }
  }
  return [...out];
}

/** every examples/**\/*.json, relative to the examples directory, with forward slashes */
function exampleFiles(root = repoRoot) {
  const dir = path.join(root, "examples");
  const out = [];
  (function walk(rel) {
    let entries;
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith(".json")) out.push(r);
    }
  })("");
  return out;
}

/** Throws with a helpful message unless every node set's JS and HTML exist (i.e. the build ran). */
function assertBuilt(root = repoRoot) {
  const missing = [];
  for (const s of nodeSets(root)) {
    for (const f of [s.js, s.html]) if (!fs.existsSync(f)) missing.push(path.relative(root, f));
  }
  if (missing.length) throw new Error(`not built (run \`npm run build\`): missing ${missing.join(", ")}`);
}

module.exports = { repoRoot, readPackage, nodeSets, editorTypes, exampleFiles, assertBuilt, editorResources };
