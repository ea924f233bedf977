"use strict";
/**
 * A real Node-RED runtime, in the test process, loading this package from the working tree the
 * way a user's Node-RED does (nodesDir -> package.json -> dist/nodes, HTML, locales), with a
 * persistent localfilesystem context store named "file" and the memory store as default.
 *
 * Messages reach the test through function nodes calling `global.get("testSink")(name, msg)`;
 * node status and log lines are recorded. One runtime per mocha process (Node-RED's runtime is
 * a singleton); each test deploys its own flows.
 */
const fs = require("fs");
const os = require("os");
const path = require("path");
const http = require("http");
const { deadPeerError } = require("./peers");

const repoRoot = path.join(__dirname, "..", "..");

let instance;

class Sinks {
  constructor() {
    this.messages = new Map();
    this.waiters = [];
  }
  push(name, msg) {
    let list = this.messages.get(name);
    if (list === undefined) this.messages.set(name, (list = []));
    list.push(msg);
    this.waiters = this.waiters.filter((w) => !w.check());
  }
  get(name) {
    return this.messages.get(name) ?? [];
  }
  clear() {
    this.messages.clear();
  }
  /** resolve when fn() is true, re-checked on every message and every 100 ms */
  until(fn, timeoutMs, what) {
    return waitFor(fn, timeoutMs, what, this);
  }
}

/**
 * Resolves when fn() is true; rejects after timeoutMs, or at once with the death of a test peer
 * (test/support/peers.js) that died meanwhile, so the test fails with the peer's exit and stderr.
 */
function waitFor(fn, timeoutMs = 20000, what = "condition", sinks) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let timer;
    const w = {
      check: () => {
        const died = deadPeerError();
        if (died) {
          clearInterval(timer);
          reject(new Error(`while waiting for ${what}: ${died.message}`));
          return true;
        }
        let ok;
        try {
          ok = fn();
        } catch (err) {
          clearInterval(timer);
          reject(err);
          return true;
        }
        if (ok) {
          clearInterval(timer);
          resolve(ok);
          return true;
        }
        if (Date.now() - started > timeoutMs) {
          clearInterval(timer);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
          return true;
        }
        return false;
      },
    };
    if (w.check()) return;
    timer = setInterval(() => {
      if (w.check() && sinks) sinks.waiters = sinks.waiters.filter((x) => x !== w);
    }, 100);
    if (sinks) sinks.waiters.push(w);
  });
}

async function startNodeRed() {
  if (instance) return instance;
  const RED = require("node-red");
  const express = require("express");
  const { events } = require("@node-red/util");
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), "nr-test-"));
  const logs = [];
  const statuses = new Map();
  const sinks = new Sinks();
  const settings = {
    userDir,
    flowFile: "flows.json",
    credentialSecret: "test-secret",
    httpAdminRoot: "/",
    httpNodeRoot: "/",
    nodesDir: [repoRoot],
    uiHost: "127.0.0.1",
    runtimeState: { enabled: true },
    contextStorage: {
      default: { module: "memory" },
      file: { module: "localfilesystem", config: { flushInterval: 1 } },
    },
    logging: {
      console: { level: process.env.NR_LOG ? "debug" : "off" },
      capture: {
        level: "debug",
        metrics: false,
        audit: false,
        handler: () => (m) => logs.push(m),
      },
    },
    functionGlobalContext: { testSink: (name, msg) => sinks.push(name, msg) },
    editorTheme: { tours: false, palette: { catalogues: [] } },
    diagnostics: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false },
    nodeCloseTimeout: 5000,
  };
  const app = express();
  const server = http.createServer(app);
  RED.init(server, settings);
  app.use("/", RED.httpAdmin);
  app.use("/", RED.httpNode);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  await RED.start();
  events.on("node-status", (e) => {
    let list = statuses.get(e.id);
    if (list === undefined) statuses.set(e.id, (list = []));
    list.push({ ...e.status, at: Date.now() });
  });
  const url = `http://127.0.0.1:${server.address().port}`;

  instance = {
    RED,
    url,
    userDir,
    logs,
    sinks,
    statuses,
    waitFor,
    /** full deploy of these flows (credentials inline in the nodes, as the editor sends them) */
    async deploy(flows) {
      // setFlows resolves before the new flows have started; wait for them
      let onStarted;
      const started = new Promise((resolve) => {
        onStarted = resolve;
        events.once("flows:started", resolve);
      });
      let timer;
      try {
        await RED.runtime.flows.setFlows({ flows: { flows }, deploymentType: "full" });
        await Promise.race([started, new Promise((r) => (timer = setTimeout(r, 10000)))]);
      } finally {
        clearTimeout(timer);
        events.removeListener("flows:started", onStarted);
      }
    },
    async stopFlows() {
      await RED.runtime.flows.setState({ state: "stop" });
    },
    /** hand `msg` to node `id` as if a wire delivered it */
    inject(id, msg) {
      const node = RED.nodes.getNode(id);
      if (node === null) throw new Error(`no node ${id}`);
      node.receive(msg);
    },
    /** a node's context value (callback form, so any store works) */
    context(id, key, store) {
      const node = RED.nodes.getNode(id);
      if (node === null) return Promise.reject(new Error(`no node ${id}`));
      return new Promise((resolve, reject) => node.context().get(key, store, (err, v) => (err ? reject(err) : resolve(v))));
    },
    async startFlows() {
      await RED.runtime.flows.setState({ state: "start" });
    },
    /** the latest status of a node, or undefined */
    status(id) {
      const list = statuses.get(id);
      return list?.[list.length - 1];
    },
    /** log lines from a node id (or all when id is omitted) at a level name */
    logLines(level, id) {
      const lv = { error: 20, warn: 30, info: 40, debug: 50 }[level];
      return logs.filter((l) => l.level === lv && (id === undefined || l.id === id)).map((l) => String(l.msg));
    },
    reset() {
      sinks.clear();
      statuses.clear();
      logs.length = 0;
    },
    async stop() {
      await RED.stop();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(userDir, { recursive: true, force: true });
      instance = undefined;
    },
  };
  return instance;
}

/** A function node forwarding every message to sink `name`. */
function sinkNode(id, name, z) {
  return {
    id, type: "function", z, name: `sink ${name}`,
    func: `global.get("testSink")(${JSON.stringify(name)}, msg); return null;`,
    outputs: 0, wires: [],
  };
}

module.exports = { startNodeRed, sinkNode, waitFor, repoRoot };
