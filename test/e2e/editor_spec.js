"use strict";
/**
 * Browser end-to-end tests of the editor (issue 7, item 6): Debian's Chromium, driven by
 * playwright-core, against a real Node-RED child process that loads the built package from the
 * working tree (`nodesDir`), on Node-RED 4.1 / Node 20 and Node-RED 5.0 / Node 22
 * (E2E_RUNTIMES or NR_RUNTIMES =4 or =5 picks one; the runtimes are provisioned and cached by
 * test/packaging/lib/runtimes.js).
 *
 * Generic over the node types package.json lists: palette entries and icons, drag and drop, every
 * edit dialog (no page errors, no raw i18n keys, invalid input flagged), every example imports and
 * deploys, a deployed demo against the test vCenter shows its status and reaches the debug
 * sidebar, and exports carry no credentials.
 *
 * Screenshots: test-artifacts/e2e/node-red-<version>/. Skipped when /usr/bin/chromium is missing,
 * unless CI is set (then it fails).
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const assert = require("node:assert/strict");

const { repoRoot, readPackage, nodeSets, exampleFiles } = require("../packaging/lib/package-info");
const { runtime, selectedRuntimes } = require("../packaging/lib/runtimes");
const { startNodeRed } = require("../packaging/lib/nodered-process");
const { chromiumAvailable, launch, newPage, takeProblems, CHROMIUM } = require("./lib/browser");

const pkg = readPackage();
const MODULE = pkg.name;
const ARTIFACTS = path.join(repoRoot, "test-artifacts", "e2e");
const SETS = nodeSets();
const ALL_TYPES = SETS.flatMap((s) => s.types);
const USER_TYPES = ALL_TYPES.filter((t) => !t.config).map((t) => t.type);
const CONFIG_TYPES = ALL_TYPES.filter((t) => t.config).map((t) => t.type);
const GARBAGE = "%% not valid %%";
// strings that must never show up in the editor: i18n keys of this package's namespaces
const KEY_PREFIXES = [...new Set([...ALL_TYPES.map((t) => t.type), ...SETS.map((s) => s.key)])];

/** How the demo fills a new config node of these types (the test vCenter's address and account). */
const CONFIG_FIXTURES = {
  "vsphere-config": (sim) => ({ address: sim.address, insecureSSL: true, username: sim.username, password: sim.password }),
};

function fileName(s) {
  return s.replace(/[^\w.-]+/g, "_");
}

/** Fails on page errors, console errors and failed requests recorded since the last call. */
function assertNoPageProblems(page, what, warnings) {
  const problems = takeProblems(page);
  for (const p of problems) if (p.kind === "console.warning") warnings.push(`${what}: ${p.text}`);
  const bad = problems.filter((p) => p.kind !== "console.warning");
  if (bad.length) assert.fail(`${what}: page problems:\n  ${bad.map((p) => `[${p.kind}] ${p.text}`).join("\n  ")}`);
}

async function openEditor(page, url, waitType) {
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.waitForFunction((t) => {
    const R = window.RED;
    return !!(R && R.nodes && R.nodes.getType && R.workspaces && R.workspaces.active() &&
      (!t || (R.nodes.getType(t) && document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"]`))) &&
      document.querySelector("#red-ui-workspace-chart"));
  }, waitType, { timeout: 60000 });
  // let the editor finish its start-up (palette categories, sidebars, deploy button state)
  await page.waitForTimeout(500);
}

/** Full deploy of an empty flow through the admin API, then a fresh editor. */
async function resetFlows(page, url, waitType) {
  const res = await page.request.post(`${url}flows`, {
    data: [],
    headers: { "content-type": "application/json", "Node-RED-Deployment-Type": "full" },
  });
  assert.ok(res.ok(), `POST /flows: HTTP ${res.status()}`);
  await openEditor(page, url, waitType);
}

/** Drags a palette entry onto the workspace; resolves with the new node's id. */
async function dragIn(page, type, x, y) {
  const before = await page.evaluate((t) => { const ids = []; RED.nodes.eachNode((n) => { if (n.type === t) ids.push(n.id); }); return ids; }, type);
  const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
  await entry.scrollIntoViewIfNeeded();
  await entry.dragTo(page.locator("#red-ui-workspace-chart"), { targetPosition: { x, y } });
  const handle = await page.waitForFunction(({ t, before }) => {
    let id;
    RED.nodes.eachNode((n) => { if (n.type === t && !before.includes(n.id)) id = n.id; });
    return id;
  }, { t: type, before }, { timeout: 10000 });
  return handle.jsonValue();
}

async function openDialog(page, id) {
  await page.evaluate((i) => RED.editor.edit(RED.nodes.node(i)), id);
  await page.locator("#node-dialog-ok").waitFor({ state: "visible", timeout: 10000 });
  // oneditprepare may load data (event types, stores) asynchronously
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.waitForTimeout(400);
}

/**
 * Problems with the texts of the topmost tray (or `selector`): raw i18n keys of this package in
 * visible text, placeholders, titles or options; data-i18n elements left empty.
 */
function i18nProblems(page, selector) {
  return page.evaluate(({ prefixes, selector }) => {
    const root = selector ? document.querySelector(selector) : [...document.querySelectorAll(".red-ui-tray")].pop();
    if (!root) return ["no dialog"];
    const out = [];
    const raw = (s) => {
      s = String(s || "").trim();
      if (!s) return false;
      if (/^@?[\w.-]+(\/[\w.-]+)*:[\w-]+(\.[\w-]+)+$/.test(s)) return true; // "<namespace>:key"
      return /^[\w-]+(\.[\w-]+)+$/.test(s) && prefixes.some((p) => s.startsWith(`${p}.`));
    };
    const visible = (el) => !!el && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const shown = el && (el.tagName === "OPTION" ? visible(el.closest("select")) : visible(el));
      if (shown && el.tagName !== "SCRIPT" && el.tagName !== "STYLE" && raw(n.nodeValue)) out.push(`raw key shown: "${n.nodeValue.trim()}"`);
    }
    for (const el of root.querySelectorAll("[placeholder],[title],[aria-label]")) {
      for (const a of ["placeholder", "title", "aria-label"]) {
        if (el.hasAttribute(a) && raw(el.getAttribute(a))) out.push(`raw key in ${a} of #${el.id || el.tagName}: "${el.getAttribute(a)}"`);
      }
    }
    for (const el of root.querySelectorAll("[data-i18n]")) {
      const spec = el.getAttribute("data-i18n");
      const plain = spec.split(";").filter((p) => !/^\[/.test(p) || /^\[(html|prepend|append)\]/.test(p));
      if (plain.length && el.textContent.trim() === "" && !el.children.length && (el.tagName !== "OPTION" || visible(el.closest("select")))) {
        out.push(`data-i18n="${spec}" rendered empty`);
      }
    }
    return [...new Set(out)];
  }, { prefixes: KEY_PREFIXES, selector });
}

/** The texts of the topmost edit tray's form labels, in order. */
function dialogLabels(page) {
  return page.evaluate(() => {
    const tray = [...document.querySelectorAll(".red-ui-tray")].pop();
    return tray ? [...tray.querySelectorAll(".form-row label")].map((l) => l.textContent.trim()).filter(Boolean) : [];
  });
}

/** Clicks Deploy, confirms the warnings dialog if it appears, waits until the flows are deployed. */
async function deploy(page) {
  const confirmed = [];
  await page.locator("#red-ui-header-button-deploy").click();
  const confirm = page.locator("#red-ui-deploy-dialog-confirm-deploy-deploy");
  const deadline = Date.now() + 30000;
  for (;;) {
    if (await page.evaluate(() => !RED.nodes.dirty())) break;
    if (await confirm.isVisible().catch(() => false)) {
      confirmed.push(await page.locator(".red-ui-notification").filter({ has: confirm }).innerText().catch(() => ""));
      await confirm.click();
    }
    if (Date.now() > deadline) throw new Error("deploy did not finish within 30 s");
    await page.waitForTimeout(200);
  }
  return confirmed;
}

describe("editor end-to-end (playwright-core + Debian chromium)", function () {
  this.timeout(10 * 60 * 1000);

  before(function () {
    if (!chromiumAvailable()) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing (apt-get install chromium); required when CI is set`);
      this.skip();
    }
  });

  for (const id of selectedRuntimes(process.env.E2E_RUNTIMES ? "E2E_RUNTIMES" : "NR_RUNTIMES")) {
    describe(`Node-RED ${id === "4" ? "4.1 on Node 20" : "5.0 on Node 22"}`, function () {
      let rt;
      let nr;
      let browser;
      let page;
      let userDir;
      let art;
      const warnings = [];
      const labelsEn = new Map(); // type -> the edit dialog's label texts in English
      const shot = (name) => page.screenshot({ path: path.join(art, `${fileName(name)}.png`) });

      before(async function () {
        rt = await runtime(id);
        console.log(`      [e2e] ${rt.label}, chromium ${CHROMIUM}`);
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), `nr-e2e-${id}-`));
        nr = await startNodeRed({
          runtime: rt,
          userDir,
          settings: {
            nodesDir: [repoRoot],
            contextStorage: { default: { module: "memory" }, file: { module: "localfilesystem" } },
          },
        });
        art = path.join(ARTIFACTS, `node-red-${rt.version}`);
        fs.rmSync(art, { recursive: true, force: true });
        fs.mkdirSync(art, { recursive: true });
        browser = await launch();
        page = await newPage(browser);
        await openEditor(page, nr.url, USER_TYPES[0]);
      });

      afterEach(async function () {
        if (this.currentTest && this.currentTest.state === "failed" && page) {
          await shot(`FAILED ${this.currentTest.title.slice(0, 60)}`).catch(() => {});
        }
      });

      after(async function () {
        if (browser) await browser.close().catch(() => {});
        if (nr) {
          fs.writeFileSync(path.join(art || os.tmpdir(), "node-red.log"), nr.lines.map((l) => l.line).join("\n"));
          await nr.stop();
        }
        if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
        if (warnings.length) console.log(`      [e2e] console warnings (not failures):\n        ${[...new Set(warnings)].join("\n        ")}`);
      });

      it("registers every node type of package.json; user types are in one palette category with their icons", async function () {
        const res = await page.request.get(`${nr.url}nodes`, { headers: { accept: "application/json" } });
        const loaded = (await res.json()).filter((s) => s.module === MODULE);
        const problems = [];
        for (const s of SETS) {
          const got = loaded.find((x) => x.name === s.key);
          if (!got || !got.enabled || got.err) problems.push(`node set ${s.key}: ${got ? got.err || "disabled" : "not loaded"}`);
        }
        const info = await page.evaluate((types) => types.map((t) => {
          const def = RED.nodes.getType(t);
          if (!def) return { type: t, missing: true };
          const el = document.querySelector(`.red-ui-palette-node[data-palette-type="${t}"]`);
          const icon = el && el.querySelector(".red-ui-palette-icon");
          const cat = el && el.closest(".red-ui-palette-category");
          const header = cat && cat.querySelector(".red-ui-palette-header");
          return {
            type: t,
            category: def.category,
            inPalette: !!el,
            iconUrl: icon ? (/url\(["']?([^"')]+)["']?\)/.exec(icon.style.backgroundImage || "") || [])[1] : undefined,
            label: el ? (el.querySelector(".red-ui-palette-label") || el).textContent.trim() : undefined,
            categoryLabel: header ? header.textContent.trim() : undefined,
          };
        }), ALL_TYPES.map((t) => t.type));
        for (const i of info) {
          if (i.missing) {
            problems.push(`${i.type}: not registered in the editor`);
            continue;
          }
          if (CONFIG_TYPES.includes(i.type)) {
            if (i.category !== "config") problems.push(`${i.type}: category ${i.category}, expected config`);
            continue;
          }
          if (!i.inPalette) {
            problems.push(`${i.type}: not in the palette`);
            continue;
          }
          if (!i.label || /^[\w-]+(\.[\w-]+)+$/.test(i.label)) problems.push(`${i.type}: palette label "${i.label}"`);
          if (!i.iconUrl || !i.iconUrl.includes(`icons/${MODULE}/`)) {
            problems.push(`${i.type}: palette icon ${i.iconUrl} is not one of the package's icons`);
            continue;
          }
          const img = await page.evaluate((src) => new Promise((resolve) => {
            const im = new Image();
            im.onload = () => resolve({ w: im.naturalWidth, h: im.naturalHeight });
            im.onerror = () => resolve({ error: true });
            im.src = src;
          }), i.iconUrl);
          if (img.error || !img.w) problems.push(`${i.type}: icon ${i.iconUrl} does not load (${JSON.stringify(img)})`);
        }
        const cats = [...new Set(info.filter((i) => USER_TYPES.includes(i.type)).map((i) => i.category))];
        if (cats.length !== 1) problems.push(`user node types are spread over palette categories ${JSON.stringify(cats)}`);
        for (const i of info) {
          if (i.categoryLabel !== undefined && /^[\w-]+(\.[\w-]+)+$/.test(i.categoryLabel)) problems.push(`${i.type}: category header shows "${i.categoryLabel}"`);
        }
        const palette = page.locator(`.red-ui-palette-node[data-palette-type="${USER_TYPES[0]}"]`).locator("xpath=ancestor::*[contains(@class,'red-ui-palette-category')][1]");
        if (await palette.count()) await palette.screenshot({ path: path.join(art, "palette.png") });
        if (problems.length) assert.fail(problems.join("\n"));
        assertNoPageProblems(page, "palette", warnings);
      });

      USER_TYPES.forEach((type, index) => {
        it(`${type}: drag and drop, edit dialog without errors or raw i18n keys, invalid input is flagged`, async function () {
          takeProblems(page);
          const nodeId = await dragIn(page, type, 200 + 250 * (index % 3), 120 + 90 * Math.floor(index / 3));
          const fresh = await page.evaluate((i) => {
            const n = RED.nodes.node(i);
            const empty = Object.entries(n._def.defaults || {})
              .filter(([k, d]) => d.required && (n[k] === "" || n[k] === undefined || n[k] === null))
              .map(([k, d]) => ({ prop: k, config: !!(d.type && RED.nodes.getType(d.type) && RED.nodes.getType(d.type).category === "config") }));
            return { valid: n.valid, empty };
          }, nodeId);
          const problems = [];
          if (fresh.empty.length && fresh.valid !== false) problems.push(`a new ${type} with empty required ${fresh.empty.map((e) => e.prop).join(", ")} is not marked invalid`);

          await openDialog(page, nodeId);
          await shot(`${type}-dialog`);
          problems.push(...(await i18nProblems(page)));
          labelsEn.set(type, await dialogLabels(page));
          // the editor flags empty required fields in the form
          for (const e of fresh.empty) {
            const flagged = await page.evaluate((p) => {
              const el = document.getElementById(`node-input-${p}`);
              if (!el) return "no field";
              const c = el.nextElementSibling;
              return el.classList.contains("input-error") || (c && c.classList.contains("red-ui-typedInput-container") && c.classList.contains("input-error")) ||
                (el.closest("div") && el.closest("div").querySelector(".input-error") ? true : false);
            }, e.prop);
            if (flagged !== true) problems.push(`empty required field ${e.prop} is not flagged in the dialog (${flagged})`);
          }
          // invalid text is flagged as you type
          const fields = await page.evaluate((i) => {
            const def = RED.nodes.node(i)._def;
            return Object.entries((def && def.defaults) || {})
              .filter(([, d]) => typeof d.validate === "function")
              .map(([k]) => k)
              .filter((k) => {
                const el = document.getElementById(`node-input-${k}`);
                return el && el.tagName === "INPUT" && (el.type === "text" || el.type === "") && (el.offsetWidth || el.offsetHeight);
              });
          }, nodeId);
          const accepted = [];
          for (const f of fields) {
            const input = page.locator(`#node-input-${f}`);
            await input.fill(GARBAGE);
            await input.dispatchEvent("change");
            const flagged = await page.evaluate((p) => {
              const el = document.getElementById(`node-input-${p}`);
              const c = el.nextElementSibling;
              return el.classList.contains("input-error") || !!(c && c.classList.contains("input-error"));
            }, f);
            if (!flagged) accepted.push(f);
          }
          if (accepted.length) problems.push(`validated fields accept "${GARBAGE}" without being flagged: ${accepted.join(", ")}`);
          if (fields.length) await shot(`${type}-dialog-invalid`);
          await page.locator("#node-dialog-ok").click();
          await page.locator("#node-dialog-ok").waitFor({ state: "detached", timeout: 10000 }).catch(() => {});
          // the workspace redraws after the tray closes: on a busy machine the marker can lag
          // behind it, so poll (up to 5 s) until an invalid node shows it before judging
          const afterDone = (i) => {
            const n = RED.nodes.node(i);
            const g = document.getElementById(i);
            const err = g && g.querySelector(".red-ui-flow-node-error");
            return { valid: n.valid, marker: !!err && !err.classList.contains("hide") && getComputedStyle(err).display !== "none" };
          };
          let after = await page.evaluate(afterDone, nodeId);
          for (const until = Date.now() + 5000; after.valid === false && !after.marker && Date.now() < until;) {
            await page.waitForTimeout(100);
            after = await page.evaluate(afterDone, nodeId);
          }
          if ((fields.length || fresh.empty.length) && after.valid !== false) problems.push("node not invalid after Done with invalid settings");
          if (after.valid === false && !after.marker) problems.push("invalid node shows no error marker in the workspace");

          // help in the sidebar
          const help = await page.evaluate(async (t) => {
            if (!(RED.sidebar && RED.sidebar.help && RED.sidebar.help.show)) return { skipped: true };
            RED.sidebar.help.show(t);
            await new Promise((r) => setTimeout(r, 500));
            const shown = [...document.querySelectorAll(".red-ui-help")].filter((e) => e.offsetWidth || e.offsetHeight);
            return { text: shown.map((e) => e.innerText.trim()).sort((a, b) => b.length - a.length)[0] || "" };
          }, type);
          if (!help.skipped) {
            if (help.text.length < 40) problems.push(`help sidebar for ${type} is (almost) empty: "${help.text}"`);
            problems.push(...(await i18nProblems(page, ".red-ui-sidebar-help-stack")).map((p) => `help: ${p}`));
            await shot(`${type}-help`);
          }
          if (problems.length) assert.fail(`${type}:\n  ${problems.join("\n  ")}`);
          assertNoPageProblems(page, type, warnings);
        });
      });

      it("the shared editor code is served from the package's resources/ folder; shared properties read and behave the same in every dialog", async function () {
        const res = await page.request.get(`${nr.url}resources/${MODULE}/editor.js`);
        assert.equal(res.status(), 200, `GET resources/${MODULE}/editor.js: HTTP ${res.status()}`);
        assert.match(res.headers()["content-type"] || "", /javascript/);
        assert.equal(await page.evaluate(() => typeof window.VMwareEvents === "object" && typeof window.VMwareEvents.prepare), "function");
        await resetFlows(page, nr.url, USER_TYPES[0]);
        takeProblems(page);
        const seen = {};
        const problems = [];
        for (const [index, type] of USER_TYPES.entries()) {
          const has = await page.evaluate((t) => !!RED.nodes.getType(t).defaults.delivery, type);
          if (!has) continue;
          const nodeId = await dragIn(page, type, 200 + 250 * (index % 3), 120 + 90 * Math.floor(index / 3));
          await openDialog(page, nodeId);
          const state = async (value) => {
            await page.locator("#node-input-delivery").selectOption(value);
            return page.evaluate(() => ({
              label: document.querySelector('label[for="node-input-delivery"]').textContent.trim(),
              maxInFlightShown: !!document.getElementById("node-input-maxInFlight").offsetParent,
            }));
          };
          const sent = await state("sent");
          const acknowledged = await state("acknowledged");
          seen[type] = acknowledged.label;
          if (sent.maxInFlightShown) problems.push(`${type}: maxInFlight shown with delivery sent`);
          if (!acknowledged.maxInFlightShown) problems.push(`${type}: maxInFlight hidden with delivery acknowledged`);
          await page.locator("#node-dialog-cancel").click();
          await page.locator("#node-dialog-ok").waitFor({ state: "detached", timeout: 10000 }).catch(() => {});
        }
        assert.ok(Object.keys(seen).length >= 3, `dialogs with a delivery property: ${Object.keys(seen).join(", ")}`);
        for (const [type, label] of Object.entries(seen)) if (label !== "Delivery") problems.push(`${type}: delivery labelled "${label}"`);
        if (problems.length) assert.fail(problems.join("\n"));
        assertNoPageProblems(page, "shared editor code", warnings);
      });

      it("in a German browser every edit dialog is German, without raw i18n keys", async function () {
        const de = await newPage(browser, { locale: "de-DE" });
        try {
          await openEditor(de, nr.url, USER_TYPES[0]);
          const problems = [];
          const untranslated = [];
          for (const [index, type] of USER_TYPES.entries()) {
            const nodeId = await dragIn(de, type, 200 + 250 * (index % 3), 120 + 90 * Math.floor(index / 3));
            await openDialog(de, nodeId);
            await de.screenshot({ path: path.join(art, `${fileName(type)}-dialog-de.png`) });
            problems.push(...(await i18nProblems(de)).map((p) => `${type}: ${p}`));
            const labels = await dialogLabels(de);
            if (labelsEn.has(type) && JSON.stringify(labels) === JSON.stringify(labelsEn.get(type))) untranslated.push(type);
            await de.locator("#node-dialog-cancel").click();
            await de.locator("#node-dialog-ok").waitFor({ state: "detached", timeout: 10000 }).catch(() => {});
          }
          if (untranslated.length) problems.push(`dialog labels identical to English (de catalog not used?): ${untranslated.join(", ")}`);
          if (problems.length) assert.fail(problems.join("\n"));
          assertNoPageProblems(de, "German editor", warnings);
        } finally {
          await de.context().close();
        }
      });

      it("config node dialogs open from the nodes that use them, without errors or raw i18n keys", async function () {
        const problems = [];
        for (const cfg of CONFIG_TYPES) {
          await resetFlows(page, nr.url, USER_TYPES[0]);
          takeProblems(page);
          // a user type with a property of this config type, else the config dialog on its own
          const user = await page.evaluate(({ cfg, users }) => {
            for (const t of users) {
              const d = RED.nodes.getType(t);
              for (const [k, v] of Object.entries(d.defaults || {})) if (v.type === cfg) return { type: t, prop: k };
            }
            return undefined;
          }, { cfg, users: USER_TYPES });
          if (user) {
            const nodeId = await dragIn(page, user.type, 300, 150);
            await openDialog(page, nodeId);
            await page.locator(`#node-input-btn-${user.prop}-add, #node-input-edit-${user.prop}`).first().click();
          } else {
            await page.evaluate((t) => RED.editor.editConfig("", t, "_ADD_"), cfg);
          }
          await page.locator("#node-config-dialog-ok").waitFor({ state: "visible", timeout: 10000 });
          await page.waitForTimeout(400);
          await shot(`${cfg}-dialog`);
          problems.push(...(await i18nProblems(page)).map((p) => `${cfg}: ${p}`));
          await page.locator("#node-config-dialog-cancel").click();
          if (user) await page.locator("#node-dialog-cancel").click();
          try {
            assertNoPageProblems(page, cfg, warnings);
          } catch (err) {
            problems.push(err.message);
          }
        }
        if (problems.length) assert.fail(problems.join("\n"));
      });

      it("Import → Examples lists every example of the package", async function () {
        const files = exampleFiles();
        if (files.length === 0) this.skip();
        const list = await (await page.request.get(`${nr.url}library/examples/flows/${MODULE}`)).json();
        const names = list.map((e) => e.fn || e).sort();
        assert.deepEqual(names, files.filter((f) => !f.includes("/")).map((f) => f.replace(/\.json$/, "")).sort());
        await openEditor(page, nr.url, USER_TYPES[0]);
        takeProblems(page);
        await page.evaluate(() => RED.actions.invoke("core:show-examples-import-dialog"));
        const tab = page.locator("#red-ui-clipboard-dialog-import-tab-examples");
        await tab.waitFor({ state: "visible", timeout: 10000 });
        await tab.getByText(MODULE, { exact: false }).first().click({ timeout: 10000 });
        for (const f of files.filter((x) => !x.includes("/"))) await tab.getByText(f.replace(/\.json$/, ""), { exact: true }).first().waitFor({ timeout: 10000 });
        await shot("examples-dialog");
        await page.locator("#red-ui-clipboard-dialog-cancel").click();
        await page.waitForTimeout(300);
        assertNoPageProblems(page, "examples dialog", warnings);
      });

      for (const file of exampleFiles()) {
        it(`example ${file} imports and deploys`, async function () {
          await resetFlows(page, nr.url, USER_TYPES[0]);
          takeProblems(page);
          const name = file.replace(/\.json$/, "");
          const res = await page.request.get(`${nr.url}library/examples/flows/${MODULE}/${name}`);
          assert.equal(res.status(), 200);
          const flow = await res.json();
          assert.ok(Array.isArray(flow), "an example must be a JSON array (an export)");
          const unknown = [...new Set(flow.map((n) => n.type))].filter((t) => t !== "tab" && t !== "group" && !t.startsWith("subflow"));
          const missingTypes = await page.evaluate((ts) => ts.filter((t) => !RED.nodes.getType(t)), unknown);
          assert.deepEqual(missingTypes, [], "the example uses node types this Node-RED does not have");
          await page.evaluate((f) => RED.view.importNodes(f, { generateIds: true, addFlow: true }), flow);
          await page.waitForTimeout(500);
          // show the example's (first) tab for the screenshot
          const tabLabel = (flow.find((n) => n.type === "tab") || {}).label;
          await page.evaluate((label) => {
            let id;
            RED.nodes.eachWorkspace((w) => { if (w.label === label) id = w.id; });
            if (id) RED.workspaces.show(id);
          }, tabLabel);
          await page.waitForTimeout(300);
          // why each invalid node is invalid: a required field left empty for the user to fill
          // in (a placeholder) is fine; any other failing property is a defect of the example
          const invalid = await page.evaluate(() => {
            const out = [];
            const visit = (n) => {
              if (n.valid !== false && !(n._def && n._def.category === "unknown")) return;
              const set = RED.nodes.registry.getNodeSetForType(n.type);
              const reasons = [];
              for (const [k, d] of Object.entries((n._def && n._def.defaults) || {})) {
                const v = n[k];
                const cfgType = d.type && RED.nodes.getType(d.type) && RED.nodes.getType(d.type).category === "config";
                if (d.required && v === "") {
                  reasons.push({ prop: k, kind: "empty" });
                  continue;
                }
                if (cfgType && v) {
                  const c = RED.nodes.node(v);
                  if (!c) reasons.push({ prop: k, kind: "defect", detail: `references missing config node ${v}` });
                  else if (c.valid === false) reasons.push({ prop: k, kind: "config", detail: `config node ${c.type} is invalid` });
                  continue;
                }
                if (typeof d.validate === "function") {
                  let ok;
                  try {
                    ok = d.validate.call(n, v, {});
                  } catch (err) {
                    ok = `throws ${err.message}`;
                  }
                  if (ok !== true) reasons.push({ prop: k, kind: "defect", detail: `${JSON.stringify(v)} fails validation${typeof ok === "string" ? `: ${ok}` : ""}` });
                }
              }
              if (n._def && n._def.category === "unknown") reasons.push({ prop: "type", kind: "defect", detail: "unknown type" });
              if (!reasons.length) reasons.push({ prop: "?", kind: "defect", detail: "invalid for a reason outside its defaults" });
              out.push({ type: n.type, id: n.id, name: n.name || "", module: set ? set.module : "?", reasons });
            };
            RED.nodes.eachNode(visit);
            RED.nodes.eachConfig(visit);
            return out;
          });
          await shot(`example-${name}`);
          const confirmed = await deploy(page);
          await page.waitForTimeout(1500);
          await shot(`example-${name}-deployed`);
          const describeNode = (n) => `${n.type}${n.name ? ` "${n.name}"` : ""}: ${n.reasons.map((r) => `${r.prop} ${r.detail || r.kind}`).join("; ")}`;
          const placeholders = invalid.filter((n) => n.reasons.every((r) => r.kind !== "defect"));
          const defects = invalid.filter((n) => n.reasons.some((r) => r.kind === "defect"));
          if (placeholders.length) console.log(`      [e2e] ${file}: left for the user to fill in: ${placeholders.map(describeNode).join(", ")}${confirmed.length ? " (deploy confirmed)" : ""}`);
          if (defects.length) assert.fail(`${file}: nodes invalid as imported (settings missing or wrong in the example):\n  ${defects.map(describeNode).join("\n  ")}`);
          const deployed = await (await page.request.get(`${nr.url}flows`, { headers: { accept: "application/json" } })).json();
          const count = (Array.isArray(deployed) ? deployed : deployed.flows).filter((n) => n.type !== "tab").length;
          assert.equal(count, flow.filter((n) => n.type !== "tab").length, "not every node of the example was deployed");
          const crash = nr.log().filter((e) => /Uncaught Exception|UnhandledPromiseRejection|unhandled rejection/i.test(e.text));
          assert.deepEqual(crash.map((e) => e.text), []);
          assert.equal(nr.lines.length >= 0 && (await fetch(`${nr.url}settings`)).ok, true, "Node-RED stopped answering after the deploy");
          assertNoPageProblems(page, file, warnings);
        });
      }

      it("a deployed vcenter-in reading the test vCenter shows 'connected' and its events reach the debug sidebar; exports carry no credentials", async function () {
        const vcsim = require("../support/vcsim");
        if (!vcsim.goAvailable()) {
          if (process.env.CI) throw new Error("Go and govmomi are required for the test vCenter when CI is set");
          this.skip();
        }
        const sim = await vcsim.startVcsim({ username: "administrator@vsphere.local", password: "E2e-secret-pw-1!" });
        try {
          await resetFlows(page, nr.url, USER_TYPES[0]);
          takeProblems(page);
          const inId = await dragIn(page, "vcenter-in", 260, 160);
          const dbgId = await dragIn(page, "debug", 560, 160);
          assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, inId), false, "vcenter-in without a vsphere-config must be invalid");
          // wire vcenter-in → debug
          await page.evaluate(({ a, b }) => {
            RED.nodes.addLink({ source: RED.nodes.node(a), sourcePort: 0, target: RED.nodes.node(b) });
            RED.nodes.dirty(true);
            RED.view.redraw(true);
          }, { a: inId, b: dbgId });
          // a new vsphere-config through the dialog, as a user does
          await openDialog(page, inId);
          await page.locator("#node-input-btn-server-add, #node-input-edit-server").first().click();
          await page.locator("#node-config-dialog-ok").waitFor({ state: "visible" });
          const values = CONFIG_FIXTURES["vsphere-config"](sim);
          for (const [k, v] of Object.entries(values)) {
            const input = page.locator(`#node-config-input-${k}`);
            if (typeof v === "boolean") await input.setChecked(v);
            else await input.fill(String(v));
          }
          await shot("vsphere-config-dialog-filled");
          await page.locator("#node-config-dialog-ok").click();
          await page.locator("#node-config-dialog-ok").waitFor({ state: "detached" }).catch(() => {});
          await page.locator("#node-dialog-ok").click();
          await page.locator("#node-dialog-ok").waitFor({ state: "detached" }).catch(() => {});
          assert.equal(await page.evaluate((i) => RED.nodes.node(i).valid, inId), true, "vcenter-in with a valid vsphere-config must be valid");

          await deploy(page);
          const status = page.locator(`[id="${inId}"] .red-ui-flow-node-status-label`);
          await page.waitForFunction((i) => {
            const el = document.querySelector(`[id="${i}"] .red-ui-flow-node-status-label`);
            return el && /connected/i.test(el.textContent) && !/reconnect|disconnect/i.test(el.textContent);
          }, inId, { timeout: 60000 }).catch(async (err) => {
            throw new Error(`status stayed "${await status.textContent().catch(() => "?")}": ${err.message}`);
          });
          const statusText = (await status.textContent()).trim();
          assert.doesNotMatch(statusText, /^[\w-]+(\.[\w-]+)+/, "the status shows a raw i18n key");

          // events → debug sidebar
          await page.evaluate(() => RED.sidebar.show("debug"));
          await sim.postEvents({ count: 3, mode: "mixed" });
          await page.locator(".red-ui-debug-msg").first().waitFor({ timeout: 60000 });
          await page.waitForTimeout(1000);
          await shot("demo-deployed");

          // exports and stored flows carry no credentials
          const exported = await page.evaluate(() => {
            const all = [];
            RED.nodes.eachNode((n) => all.push(n));
            RED.nodes.eachConfig((n) => all.push(n));
            return JSON.stringify(RED.nodes.createExportableNodeSet(all));
          });
          const secrets = [values.password, values.username];
          const leaks = [];
          if (/"credentials"\s*:/.test(exported)) leaks.push("export contains a credentials property");
          for (const s of secrets) if (exported.includes(s)) leaks.push(`export contains "${s}"`);
          const flowsApi = await (await page.request.get(`${nr.url}flows`, { headers: { accept: "application/json" } })).text();
          for (const s of secrets) if (flowsApi.includes(s)) leaks.push(`GET /flows contains "${s}"`);
          const flowsFile = fs.readFileSync(path.join(userDir, "flows.json"), "utf8");
          for (const s of secrets) if (flowsFile.includes(s)) leaks.push(`flows.json contains "${s}"`);
          const credFile = path.join(userDir, "flows_cred.json");
          if (fs.existsSync(credFile) && fs.readFileSync(credFile, "utf8").includes(values.password)) leaks.push("flows_cred.json holds the password in clear");
          const credsApi = await (await page.request.get(`${nr.url}credentials/vsphere-config/${await page.evaluate(() => { let c; RED.nodes.eachConfig((n) => { if (n.type === "vsphere-config") c = n.id; }); return c; })}`)).text();
          if (credsApi.includes(values.password)) leaks.push("GET /credentials returns the password to the browser");
          if (leaks.length) assert.fail(leaks.join("\n"));
          assertNoPageProblems(page, "demo", warnings);
        } finally {
          await sim.stop();
        }
      });

      it("credentials of every node type stay out of exports", async function () {
        await resetFlows(page, nr.url, USER_TYPES[0]);
        takeProblems(page);
        const withCreds = ALL_TYPES.map((t) => t.type);
        const ids = [];
        let i = 0;
        for (const t of withCreds) {
          if (CONFIG_TYPES.includes(t)) continue;
          ids.push(await dragIn(page, t, 200 + 250 * (i % 3), 120 + 90 * Math.floor(i / 3)));
          i++;
        }
        // give every credential of every node (and of new config nodes) a marker value
        const markers = await page.evaluate((cfgTypes) => {
          const out = [];
          for (const t of cfgTypes) {
            const def = RED.nodes.getType(t);
            if (!def.credentials) continue;
            const n = { id: RED.nodes.id(), type: t, _def: def, users: [], z: "", credentials: {}, changed: true };
            for (const [k, v] of Object.entries(def.defaults || {})) n[k] = v.value;
            RED.nodes.add(n);
          }
          const set = (n) => {
            if (!n._def.credentials) return;
            n.credentials = n.credentials || {};
            for (const k of Object.keys(n._def.credentials)) {
              const m = `e2e-marker-${n.type}-${k}`;
              n.credentials[k] = m;
              if (n._def.credentials[k].type === "password") n.credentials[`has_${k}`] = true;
              out.push(m);
            }
            n.changed = true;
          };
          RED.nodes.eachNode(set);
          RED.nodes.eachConfig(set);
          RED.nodes.dirty(true);
          const all = [];
          RED.nodes.eachNode((n) => all.push(n));
          RED.nodes.eachConfig((n) => all.push(n));
          return { markers: out, exported: JSON.stringify(RED.nodes.createExportableNodeSet(all)) };
        }, CONFIG_TYPES);
        assert.ok(markers.markers.length > 0, "no node type declares credentials");
        const leaked = markers.markers.filter((m) => markers.exported.includes(m));
        assert.deepEqual(leaked, [], "credentials in the editor export");
        assert.doesNotMatch(markers.exported, /"credentials"\s*:/);
        await deploy(page);
        const flowsApi = await (await page.request.get(`${nr.url}flows`, { headers: { accept: "application/json" } })).text();
        const flowsFile = fs.readFileSync(path.join(userDir, "flows.json"), "utf8");
        assert.deepEqual(markers.markers.filter((m) => flowsApi.includes(m) || flowsFile.includes(m)), [], "credentials in GET /flows or flows.json");
        assertNoPageProblems(page, "credentials", warnings);
      });
    });
  }
});
