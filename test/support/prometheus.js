"use strict";
/**
 * A real Prometheus server for tests (Debian package `prometheus`, /usr/bin/prometheus): a temp
 * config scraping the given targets every second and a temp TSDB directory; `query()` goes
 * through its HTTP query API. stop() kills it (by its pid) and removes the directory.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { freePort } = require("./nodered-process");

const PROMETHEUS = process.env.PROMETHEUS_BIN || "/usr/bin/prometheus";

function prometheusAvailable() {
  return fs.existsSync(PROMETHEUS);
}

/**
 * jobs: [{name, target: "host:port", path, bearer?}]. Resolves when /-/ready answers.
 */
async function startPrometheus(jobs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prom-test-"));
  const port = await freePort();
  const lines = ["global:", "  scrape_interval: 1s", "  scrape_timeout: 1s", "  evaluation_interval: 1s", "scrape_configs:"];
  for (const j of jobs) {
    lines.push(`  - job_name: ${JSON.stringify(j.name)}`, `    metrics_path: ${JSON.stringify(j.path)}`, "    scrape_interval: 1s");
    if (j.bearer) lines.push("    authorization:", "      type: Bearer", `      credentials: ${JSON.stringify(j.bearer)}`);
    lines.push("    static_configs:", `      - targets: [${JSON.stringify(j.target)}]`);
  }
  const config = path.join(dir, "prometheus.yml");
  fs.writeFileSync(config, lines.join("\n") + "\n");
  const log = [];
  const child = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (c) => log.push(String(c)));
  child.stderr.on("data", (c) => log.push(String(c)));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const url = `http://127.0.0.1:${port}`;
  const prom = {
    url,
    log,
    async query(q) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = await r.json();
      if (body.status !== "success") throw new Error(`query ${q}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    /** the single value of an instant query, or undefined when it has no result */
    async value(q) {
      const res = await prom.query(q);
      return res.length === 0 ? undefined : Number(res[0].value[1]);
    },
    async targets() {
      const r = await fetch(`${url}/api/v1/targets`);
      return (await r.json()).data.activeTargets;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGTERM");
        const t = setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited at start:\n${log.join("")}`);
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await prom.stop();
      throw new Error(`prometheus did not start:\n${log.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return prom;
}

module.exports = { startPrometheus, prometheusAvailable };
