"use strict";
/**
 * Packaging (issue 7, item 4): the `npm pack` tarball, installed into fresh Node-RED user
 * directories with the palette manager's own npm command, loads every node type package.json
 * lists on Node-RED 4.1 / Node 20 and Node-RED 5.0 / Node 22, without warnings; and no
 * production dependency declares an engines.node range that excludes a Node.js users run.
 *
 * Generic over package.json `node-red.nodes`: new node sets are covered as they are added.
 * Slow parts (Node 22, Node-RED 5) are cached, see lib/runtimes.js. NR_RUNTIMES=4 or =5 runs
 * one runtime only; NR_LOG=1 echoes the Node-RED logs.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const assert = require("node:assert/strict");

const { readPackage, nodeSets, exampleFiles, editorTypes, editorResources, repoRoot } = require("./lib/package-info");
const { runtime, selectedRuntimes, run } = require("./lib/runtimes");
const { startNodeRed } = require("./lib/nodered-process");
const { packOnce } = require("./lib/pack");
const { productionTree, engineProblems, NODE_VERSIONS } = require("./lib/engines");

// Node-RED's palette manager: @node-red/registry/lib/installer.js (identical in 4.1 and 5.0)
const PALETTE_INSTALL_ARGS = ["install", "--no-audit", "--no-update-notifier", "--no-fund", "--save", "--save-prefix=~", "--omit=dev", "--engine-strict"];

// Warnings every fresh Node-RED prints, unrelated to any module
const BENIGN_LOG = [/^Projects disabled\b/, /^Encrypted credentials not found\b/];
// npm warnings that come from this machine's npm configuration, not from the package
const BENIGN_NPM = [/Unknown (user|env|project|global|builtin) config/];

const pkg = readPackage();
const MODULE = pkg.name;

function flatKeys(obj, prefix = "") {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    if (v && typeof v === "object" && !Array.isArray(v)) out.push(...flatKeys(v, `${prefix}${k}.`));
    else out.push(prefix + k);
  }
  return out.sort();
}

/** Fails with the list of problems, one per line (compact, unlike a deepEqual diff). */
function noProblems(problems, what = "problems") {
  if (problems.length) assert.fail(`${what}:\n  ${problems.join("\n  ")}`);
}

async function getJson(url, headers = {}) {
  const res = await fetch(url, { headers: { accept: "application/json", ...headers } });
  assert.equal(res.status, 200, `GET ${url}: HTTP ${res.status}`);
  return res.json();
}

async function getText(url, headers = {}) {
  const res = await fetch(url, { headers });
  assert.equal(res.status, 200, `GET ${url}: HTTP ${res.status}`);
  return res.text();
}

describe("packaging: npm pack → palette install → Node-RED", function () {
  this.timeout(20 * 60 * 1000);
  let packed;

  before(async function () {
    packed = await packOnce();
  });

  it("the tarball holds every node set's JS and HTML, its icons, en-US and de catalogs, the examples and the README, and no sources or tests", function () {
    const files = new Set(packed.files);
    const missing = [];
    const need = (f, why) => {
      if (!files.has(f)) missing.push(`${f} (${why})`);
    };
    need("package.json", "always");
    need("README.md", "the Flow Library rejects a package without README");
    if (pkg.main) need(path.posix.normalize(pkg.main), "package.json main");
    for (const s of nodeSets(packed.dir)) {
      const dir = path.posix.dirname(s.file);
      need(path.posix.normalize(s.file), `node set ${s.key}`);
      need(path.posix.join(dir, `${s.base}.html`), `editor HTML of ${s.key}`);
      for (const lang of ["en-US", "de"]) need(path.posix.join(dir, "locales", lang, `${s.base}.json`), `${lang} catalog of ${s.key}`);
      for (const t of s.types) if (t.icon) need(path.posix.join(dir, "icons", t.icon), `icon of ${t.type}`);
    }
    for (const ex of exampleFiles(repoRoot)) need(`examples/${ex}`, "example flow");
    for (const r of editorResources(packed.dir)) need(`resources/${r}`, "loaded by the editor HTML (resources/ folder)");
    noProblems(missing, "missing from the tarball");
    const unwanted = packed.files.filter((f) => /^(test|src|nodes|lib|scripts|bench|docs)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)));
    noProblems(unwanted, "sources or tests in the tarball");
  });

  it("every node set ships en-US and de message catalogs with the same keys, and help in both languages", function () {
    const problems = [];
    for (const s of nodeSets(packed.dir)) {
      const dir = path.dirname(s.js);
      const cat = {};
      for (const lang of ["en-US", "de"]) {
        const f = path.join(dir, "locales", lang, `${s.base}.json`);
        try {
          cat[lang] = flatKeys(JSON.parse(fs.readFileSync(f, "utf8")));
        } catch (err) {
          problems.push(`${s.key}: ${lang} catalog ${path.relative(packed.dir, f)}: ${err.code || err.message}`);
        }
        // help: inline <script data-help-name> in the node HTML (en-US unless data-lang says
        // otherwise) or locales/<lang>/<base>.html
        const html = fs.existsSync(s.html) ? fs.readFileSync(s.html, "utf8") : "";
        for (const t of s.types) {
          const inline = new RegExp(`data-help-name=["']${t.type}["']`).test(html) &&
            (lang === "en-US" || new RegExp(`data-help-name=["']${t.type}["'][^>]*data-lang=["']${lang}["']|data-lang=["']${lang}["'][^>]*data-help-name=["']${t.type}["']`).test(html));
          const file = path.join(dir, "locales", lang, `${s.base}.html`);
          const inFile = fs.existsSync(file) && new RegExp(`data-help-name=["']${t.type}["']`).test(fs.readFileSync(file, "utf8"));
          if (!inline && !inFile) problems.push(`${t.type}: no ${lang} help (neither inline in ${path.basename(s.html)} nor ${path.relative(packed.dir, file)})`);
        }
      }
      if (cat["en-US"] && cat.de) {
        const en = new Set(cat["en-US"]);
        const de = new Set(cat.de);
        const onlyEn = cat["en-US"].filter((k) => !de.has(k));
        const onlyDe = cat.de.filter((k) => !en.has(k));
        if (onlyEn.length) problems.push(`${s.key}: keys missing from de: ${onlyEn.join(", ")}`);
        if (onlyDe.length) problems.push(`${s.key}: keys missing from en-US: ${onlyDe.join(", ")}`);
      }
    }
    noProblems(problems);
  });

  it("the engines check flags ranges that exclude a supported Node.js (self-test)", function () {
    const flagged = engineProblems([
      { name: "a", version: "1.0.0", engine: "^20" },
      { name: "b", version: "1.0.0", engine: ">=20 <=24" },
      { name: "c", version: "1.0.0", engine: ">=22" },
      { name: "d", version: "1.0.0", engine: ">=18" },
      { name: "e", version: "1.0.0", engine: undefined },
    ]);
    assert.deepEqual(flagged.map((p) => p.split("@")[0]), ["a", "b", "c"]);
  });

  it(`no package in the repository's production dependency tree declares engines.node excluding Node ${NODE_VERSIONS.join(", ")}`, async function () {
    const { packages } = await productionTree(repoRoot);
    assert.ok(packages.length > 0 || Object.keys(pkg.dependencies || {}).length === 0, "npm ls listed no production packages");
    const own = engineProblems([{ name: pkg.name, version: pkg.version, engine: pkg.engines && pkg.engines.node }]);
    noProblems([...own, ...engineProblems(packages)], "engines.node ranges excluding supported Node.js versions");
  });

  for (const id of selectedRuntimes()) {
    describe(`Node-RED ${id === "4" ? "4.1 on Node 20" : "5.0 on Node 22"}`, function () {
      let rt;
      let userDir;
      let nr;
      let npmOut;

      before(async function () {
        rt = await runtime(id);
        console.log(`      [packaging] ${rt.label}`);
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), `nr-pkg-${id}-`));
        // what Node-RED writes into a new user directory
        fs.writeFileSync(path.join(userDir, "package.json"),
          JSON.stringify({ name: "node-red-project", description: "A Node-RED Project", version: "0.0.1", private: true }, null, 4));
        npmOut = await run(rt.node.bin, [rt.npmCli, ...PALETTE_INSTALL_ARGS, "--", packed.tgz], { cwd: userDir, env: rt.env });
        nr = await startNodeRed({ runtime: rt, userDir, nodeArgs: ["--trace-warnings", "--trace-deprecation"] });
      });

      after(async function () {
        if (nr) await nr.stop();
        if (userDir && !process.env.KEEP_USERDIR) fs.rmSync(userDir, { recursive: true, force: true });
      });

      it("installs with the palette manager's command (--omit=dev --engine-strict) and no npm warnings", function () {
        const dep = JSON.parse(fs.readFileSync(path.join(userDir, "package.json"), "utf8")).dependencies || {};
        assert.ok(dep[MODULE], `${MODULE} not saved in the user directory's package.json`);
        const warnings = `${npmOut.stdout}\n${npmOut.stderr}`.split("\n")
          .filter((l) => /^npm (warn|WARN|ERR|error)/.test(l) && !BENIGN_NPM.some((re) => re.test(l)));
        noProblems(warnings, "npm warnings during the palette install");
        assert.ok(fs.existsSync(path.join(userDir, "node_modules", ...MODULE.split("/"), "package.json")));
      });

      it(`no installed package declares engines.node excluding Node ${NODE_VERSIONS.join(", ")}`, async function () {
        const { packages, lsExitCode, lsStderr } = await productionTree(userDir);
        assert.equal(lsExitCode, 0, `npm ls reports a broken tree: ${lsStderr}`);
        assert.ok(packages.some((p) => p.name === MODULE));
        noProblems(engineProblems(packages), "engines.node ranges excluding supported Node.js versions");
      });

      it("loads and enables every node type package.json lists, as a user-installed module", async function () {
        const info = await getJson(`${nr.url}nodes/${MODULE}`);
        assert.equal(info.version, pkg.version);
        assert.equal(info.user, true, "not listed as a user-installed module (the palette manager could not remove or update it)");
        const sets = new Map(info.nodes.map((s) => [s.name, s]));
        const problems = [];
        for (const s of nodeSets(packed.dir)) {
          const got = sets.get(s.key);
          if (!got) {
            problems.push(`${s.key}: not loaded`);
            continue;
          }
          if (got.id !== `${MODULE}/${s.key}`) problems.push(`${s.key}: id ${got.id}`);
          if (!got.enabled) problems.push(`${s.key}: disabled`);
          if (got.err) problems.push(`${s.key}: ${got.err}`);
          const want = s.types.map((t) => t.type).sort();
          if (JSON.stringify([...(got.types || [])].sort()) !== JSON.stringify(want)) {
            problems.push(`${s.key}: registered types ${JSON.stringify(got.types)}, editor HTML defines ${JSON.stringify(want)}`);
          }
        }
        const extra = [...sets.keys()].filter((k) => !nodeSets(packed.dir).some((s) => s.key === k));
        if (extra.length) problems.push(`unexpected node sets: ${extra.join(", ")}`);
        // the whole list, as the palette manager sees it
        const all = await getJson(`${nr.url}nodes`);
        for (const s of all.filter((x) => x.module === MODULE)) if (!s.enabled || s.err) problems.push(`GET /nodes: ${s.id} ${s.err || "disabled"}`);
        noProblems(problems);
      });

      it("serves every type's editor definition, help (en-US and de), icon and catalogs, and the examples", async function () {
        const problems = [];
        for (const lang of ["en-US", "de"]) {
          const html = await getText(`${nr.url}nodes`, { accept: "text/html", "accept-language": lang });
          for (const s of nodeSets(packed.dir)) {
            for (const t of s.types) {
              if (!new RegExp(`data-template-name=["']${t.type}["']`).test(html)) problems.push(`${t.type}: no edit template (${lang})`);
              if (!new RegExp(`data-help-name=["']${t.type}["']`).test(html)) problems.push(`${t.type}: no help (${lang})`);
            }
            const catalog = await getJson(`${nr.url}locales/${MODULE}/${s.key}?lng=${lang}`);
            if (Object.keys(catalog).length === 0) problems.push(`${s.key}: empty ${lang} catalog`);
          }
          const types = editorTypes(html).map((t) => t.type);
          for (const s of nodeSets(packed.dir)) for (const t of s.types) if (!types.includes(t.type)) problems.push(`${t.type}: no registerType in the served editor HTML`);
        }
        // the shared editor code the dialogs load from the package's resources/ folder
        for (const r of editorResources(packed.dir)) {
          const res = await fetch(`${nr.url}resources/${MODULE}/${r}`);
          const body = await res.text();
          if (res.status !== 200) problems.push(`GET resources/${MODULE}/${r} → ${res.status}`);
          else if (body !== fs.readFileSync(path.join(packed.dir, "resources", r), "utf8")) problems.push(`GET resources/${MODULE}/${r}: not the packed file`);
        }
        const icons = (await getJson(`${nr.url}icons`))[MODULE] || [];
        for (const s of nodeSets(packed.dir)) {
          for (const t of s.types) {
            if (!t.icon) {
              if (!t.config) problems.push(`${t.type}: no icon`);
              continue;
            }
            if (!icons.includes(t.icon)) problems.push(`${t.type}: icon ${t.icon} not among the module's icons ${JSON.stringify(icons)}`);
            const res = await fetch(`${nr.url}icons/${MODULE}/${t.icon}`);
            if (res.status !== 200 || !/^image\//.test(res.headers.get("content-type") || "")) {
              problems.push(`${t.type}: GET icons/${MODULE}/${t.icon} → ${res.status} ${res.headers.get("content-type")}`);
            }
            await res.arrayBuffer();
          }
        }
        const examples = exampleFiles(repoRoot);
        if (examples.length) {
          const modules = await getJson(`${nr.url}library/examples/flows/`);
          if (!modules.includes(MODULE)) problems.push(`Import → Examples does not list ${MODULE}: ${JSON.stringify(modules)}`);
          for (const ex of examples) {
            const name = ex.replace(/\.json$/, "");
            const res = await fetch(`${nr.url}library/examples/flows/${MODULE}/${name}`);
            const body = res.status === 200 ? await res.json().catch(() => undefined) : undefined;
            if (!Array.isArray(body)) problems.push(`example ${name}: HTTP ${res.status}, not a flow array`);
          }
        }
        noProblems(problems);
      });

      it("logs no warnings or errors (and Node.js prints no warnings)", async function () {
        // let anything a node set does right after start-up reach the log
        await new Promise((r) => setTimeout(r, 1000));
        const bad = nr.log().filter((e) => {
          if (e.level === "warn" || e.level === "error") return !BENIGN_LOG.some((re) => re.test(e.text.trim()));
          return e.level === "stderr";
        });
        noProblems(bad.map((e) => `[${e.level}] ${e.text}`), "Node-RED log warnings/errors");
        assert.ok(nr.log().some((e) => /Server now running at/.test(e.text)), "Node-RED did not report that it started");
      });
    });
  }
});
