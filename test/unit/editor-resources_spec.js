"use strict";
/**
 * The editor code shared by the seven dialogs (resources/editor.js, served by Node-RED at
 * resources/@event-router/node-red-vmware/editor.js): every nodes/*.html loads it, the rows it
 * writes into the templates give every shared property its input field, and one property has one
 * label in every dialog (en-US and de). The dialogs themselves run in test/e2e/editor_spec.js.
 */
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const assert = require("node:assert/strict");

const root = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const SCRIPT = `resources/${pkg.name}/editor.js`;
const source = fs.readFileSync(path.join(root, "resources", "editor.js"), "utf8");

/** Evaluates resources/editor.js as the browser does (a script, `window` is the global). */
function load() {
  const window = {};
  window.window = window;
  vm.runInContext(source, vm.createContext(window), { filename: "editor.js" });
  return window;
}

const htmlFiles = fs.readdirSync(path.join(root, "nodes")).filter((f) => f.endsWith(".html"));

function templateOf(html, type) {
  const m = new RegExp(`<script type="text/html" data-template-name="${type}">([\\s\\S]*?)</script>`).exec(html);
  return m ? m[1] : undefined;
}

function catalog(lang, base) {
  return JSON.parse(fs.readFileSync(path.join(root, "locales", lang, `${base}.json`), "utf8"))[base];
}

describe("editor resources (resources/editor.js)", function () {
  it("package.json ships resources/ and every editor file loads the shared script before it registers its type", function () {
    assert.ok(pkg.files.includes("resources"), "package.json files lacks resources");
    for (const f of htmlFiles) {
      const html = fs.readFileSync(path.join(root, "nodes", f), "utf8");
      const at = html.indexOf(`<script src="${SCRIPT}"></script>`);
      assert.ok(at >= 0, `${f} does not load ${SCRIPT}`);
      assert.ok(at < html.indexOf("registerType("), `${f} registers its type before loading ${SCRIPT}`);
    }
  });

  it("defines window.VMwareEvents once, however often the editor loads it (one <script> per node set)", function () {
    const window = {};
    window.window = window;
    const ctx = vm.createContext(window);
    vm.runInContext(source, ctx);
    const first = window.VMwareEvents;
    assert.equal(typeof first.expand, "function");
    first.marker = 1;
    vm.runInContext(source, ctx);
    assert.equal(window.VMwareEvents, first, "a second evaluation replaced the namespace");
    assert.equal(window.VMwareEvents.marker, 1);
  });

  it("registerType adds what every node shares: category, palette and port labels, the name as label", function () {
    const window = load();
    const got = {};
    window.RED = { nodes: { registerType: (t, d) => { got[t] = d; } } };
    const V = window.VMwareEvents;
    V.registerType("knative-out", { inputs: 1, outputs: 2, defaults: {}, label: function () { return "knative " + this.url; } });
    V.registerType("vcenter-in", { inputs: 0, outputs: 1, defaults: {} });
    V.registerType("vsphere-config", { category: "config", defaults: {}, label: function () { return this.address || "vCenter"; } });
    const sink = got["knative-out"];
    assert.equal(sink.category, "VMware events");
    assert.equal(sink.paletteLabel, "knative out");
    assert.equal(sink.align, "right");
    const node = { url: "http://b/x", _: (k) => `<${k}>` };
    assert.equal(sink.label.call(node), "knative http://b/x");
    assert.equal(sink.label.call({ ...node, name: "mine" }), "mine");
    assert.equal(sink.labelStyle.call({ name: "mine" }), "node_label_italic");
    assert.equal(sink.inputLabels.call(node), "<knative-out.label.input>");
    assert.deepEqual([0, 1].map((i) => sink.outputLabels.call(node, i)), ["<knative-out.label.delivered>", "<knative-out.label.deadLetter>"]);
    assert.equal(typeof sink.oneditprepare, "function");
    const source = got["vcenter-in"];
    assert.equal(source.label.call({}), "vcenter in");
    assert.equal(source.outputLabels.call(node), "<vcenter-in.label.output>");
    assert.equal(source.align, undefined);
    const config = got["vsphere-config"];
    assert.equal(config.category, "config");
    assert.equal(config.oneditprepare, undefined, "a config dialog must not touch the node dialog beneath it");
    assert.equal(config.label.call({ address: "vc1" }), "vc1");
  });

  it("validators accept what the runtime accepts and flag the rest", function () {
    const { validate, prop } = load().VMwareEvents;
    const inFlight = prop.maxInFlight().validate;
    for (const ok of [1, "1000", 100000, "", undefined]) assert.equal(inFlight(ok), true, `maxInFlight ${ok}`);
    for (const bad of [0, "1.5", 100001, "%% not valid %%", "-1"]) assert.equal(inFlight(bad), false, `maxInFlight ${bad}`);
    const period = prop.checkpointPeriod().validate;
    assert.equal(period("10"), true);
    assert.equal(period("0.5"), false);
    assert.equal(period(""), false, "checkpointPeriod is required");
    const delivery = prop.delivery("acknowledged");
    assert.equal(delivery.value, "acknowledged");
    assert.equal(prop.delivery("sent").value, "sent");
    assert.equal(delivery.validate("sent"), true);
    assert.equal(delivery.validate("ack"), false);
    const url = validate.httpUrl();
    assert.equal(url("http://broker.example/default/default"), true);
    assert.equal(url("https://user@broker.example/"), false, "user info in a URL");
    assert.equal(url(""), false);
    assert.equal(validate.httpUrl({ optional: true })(""), true);
    assert.equal(validate.httpUrl({ path: "no-query" })("http://gw:8080/?x=1"), false);
    assert.equal(prop.retries(10).validate("101"), false);
    assert.equal(prop.retries(10).validate(""), true);
    assert.equal(prop.ceType().validate("a b"), false);
  });

  it("expands the shared rows into every template: each shared property gets its field and label key", function () {
    const V = load().VMwareEvents;
    let placeholders = 0;
    for (const f of htmlFiles) {
      const html = fs.readFileSync(path.join(root, "nodes", f), "utf8");
      const type = f.replace(/\.html$/, "");
      const tpl = templateOf(html, type);
      assert.ok(tpl, `${f}: no template`);
      placeholders += (tpl.match(/data-vmw-rows=/g) || []).length;
      const out = V.expand(type, tpl);
      assert.doesNotMatch(out, /data-vmw-rows/, `${f}: a placeholder was left`);
      const prefix = /category:\s*"config"/.test(html) ? "node-config-input" : "node-input";
      const en = catalog("en-US", type);
      for (const [, id] of out.matchAll(/id="([^"]+)"/g)) {
        const m = new RegExp(`^${prefix}-(.+)$`).exec(id);
        if (!m) continue;
        const name = m[1];
        if (name === "eventTypes-text") continue;
        assert.ok(new RegExp(`\\b${name}:`).test(html.slice(0, html.indexOf("data-template-name"))), `${f}: field ${name} is neither a default nor a credential`);
      }
      for (const [, key] of out.matchAll(/data-i18n="(?:\[placeholder\])?([^"]+)"/g)) {
        const [ns, ...rest] = key.split(".");
        assert.equal(ns, type, `${f}: key ${key} outside the node's namespace`);
        const value = rest.reduce((o, k) => (o ? o[k] : undefined), en);
        assert.equal(typeof value, "string", `${f}: en-US catalog lacks ${key}`);
      }
    }
    assert.ok(placeholders >= 7, "the templates use the shared rows");
    assert.throws(() => V.expand("x", '<div data-vmw-rows="nosuchrow"></div>'), /nosuchrow/);
  });

  it("one label per shared property in every dialog, in en-US and de (delivery is 'Delivery' / 'Zustellung')", function () {
    const shared = ["delivery", "maxInFlight", "checkpointStore", "checkpointPeriod", "insecureSSL", "username", "password", "name"];
    const bases = htmlFiles.map((f) => f.replace(/\.html$/, ""));
    for (const lang of ["en-US", "de"]) {
      for (const p of shared) {
        const labels = new Map();
        for (const b of bases) {
          const l = catalog(lang, b).label[p];
          if (l !== undefined) labels.set(b, l);
        }
        assert.equal(new Set(labels.values()).size <= 1, true, `${lang} ${p}: ${JSON.stringify(Object.fromEntries(labels))}`);
      }
      for (const b of ["vcenter-in", "horizon-in", "cloudevent-in"]) {
        assert.equal(catalog(lang, b).label.delivery, lang === "de" ? "Zustellung" : "Delivery", `${lang} ${b}`);
      }
    }
  });
});
