"use strict";
// A real redis-server for tests (Debian's /usr/bin/redis-server, or $REDIS_SERVER): started on a
// free port without persistence (--save "" --appendonly no), restartable on the same port,
// pausable (SIGSTOP) and stopped by the test that started it. Outside CI a test skips when
// redis-server is missing; in CI (CI=true) it fails, like test/support/vcsim.js does for Go.

const { spawn, spawnSync } = require("node:child_process");
const { freePort } = require("./nodered-process");
const fs = require("node:fs");
const path = require("node:path");
const net = require("node:net");
const { createClient } = require("@redis/client");

const BIN = process.env.REDIS_SERVER || "/usr/bin/redis-server";
const INSTALL_HINT = "apt-get install redis-server";

function redisAvailable() {
  try {
    if (!fs.existsSync(BIN)) return false;
    return spawnSync(BIN, ["--version"], { stdio: "ignore", timeout: 10000 }).status === 0;
  } catch {
    return false;
  }
}

/**
 * Call at the top of a mocha `before`: skips the suite when redis-server is missing outside
 * CI, throws in CI.
 */
function requireRedis(ctx) {
  if (redisAvailable()) return;
  if (process.env.CI) throw new Error(`redis-server not found at ${BIN}: ${INSTALL_HINT}`);
  ctx.skip();
}


/** Sends one inline command and resolves with the raw reply text (for readiness checks). */
function rawCommand(port, line, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let data = "";
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("timeout"));
    }, timeoutMs);
    sock.on("connect", () => sock.write(`${line}\r\n`));
    sock.on("data", (c) => {
      data += c;
      if (data.includes("\r\n")) {
        clearTimeout(timer);
        sock.end();
        resolve(data);
      }
    });
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function waitUntilUp(server, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`redis-server exited:\n${server.log.join("")}`);
    try {
      const reply = await rawCommand(server.port, "PING");
      if (reply.startsWith("+PONG") || reply.startsWith("-NOAUTH")) return; // up (NOAUTH: --requirepass)
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not start on ${server.port}:\n${server.log.join("")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts redis-server. `extraArgs` are added to the command line (e.g. TLS options).
 * Resolves with { port, url, pid, command(), stop(), restart(), pause(), resume(), log }.
 */
async function startRedis({ port, extraArgs = [], startTimeoutMs = 20000 } = {}) {
  const server = { port: port ?? (await freePort()), log: [], child: undefined };
  server.url = `redis://127.0.0.1:${server.port}`;

  async function launch() {
    const args = ["--port", String(server.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning", ...extraArgs];
    const child = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (c) => server.log.push(String(c)));
    child.stderr.on("data", (c) => server.log.push(String(c)));
    server.child = child;
    server.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    server.pid = child.pid;
    try {
      await waitUntilUp(server, startTimeoutMs);
    } catch (err) {
      child.kill("SIGKILL"); // never leave a half-started server behind
      throw err;
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s); a paused server is resumed first. */
  server.stop = async () => {
    const child = server.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGCONT");
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await server.exited;
    clearTimeout(killer);
  };
  /** Stops and starts again on the same port (all data is gone: no persistence). */
  server.restart = async (downMs = 0) => {
    await server.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await launch();
  };
  /** Runs one command on a fresh connection, e.g. command("HKEYS", "nodered:global"); resolves with the reply. */
  server.command = async (...args) => {
    const client = createClient({ url: server.url, socket: { reconnectStrategy: false } });
    client.on("error", () => undefined);
    await client.connect();
    try {
      return await client.sendCommand(args.map(String));
    } finally {
      await client.close();
    }
  };
  server.pause = () => server.child.kill("SIGSTOP");
  server.resume = () => server.child.kill("SIGCONT");

  await launch();
  return server;
}

/**
 * A Node-RED user directory (test/support/nodered-process.js) whose settings.js adds the
 * package's Redis context store as "redis" (default: memory). `urlSource` is the JavaScript
 * text of the store's `url` (e.g. `process.env.X`, to prove the URL may come from the
 * environment); `config` holds the rest of the store's config.
 */
async function redisUserDir(urlSource, config = {}) {
  const { makeUserDir } = require("./nodered-process");
  const dir = await makeUserDir({ contextStorage: undefined });
  const file = path.join(dir.userDir, "settings.js");
  const base = fs.readFileSync(file, "utf8").replace(/^module\.exports = /, "const settings = ");
  const rest = Object.entries(config).map(([k, v]) => `, ${k}: ${JSON.stringify(v)}`).join("");
  fs.writeFileSync(
    file,
    `${base}
settings.contextStorage = {
  default: { module: "memory" },
  redis: {
    module: require(${JSON.stringify(path.join(__dirname, "..", "..", "context-redis.js"))}),
    config: { url: ${urlSource}${rest} },
  },
};
module.exports = settings;
`,
  );
  return dir;
}

module.exports = { startRedis, redisAvailable, requireRedis, freePort, rawCommand, redisUserDir, REDIS_BIN: BIN };
