"use strict";
// Leases for one active reader per stream (lib/redis/lease.ts) against a real redis-server:
// one holder at a time, takeover after a paused holder's lease runs out, fenced checkpoint
// writes that a stale holder cannot make, and losing the lease when Redis cannot confirm it.
const assert = require("node:assert");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { startRedis, requireRedis } = require("../support/redis");

const repoRoot = path.join(__dirname, "..", "..");
const LEASE_MS = 1500;

function get(store, scope, key) {
  return new Promise((resolve, reject) => store.get(scope, key, (err, v) => (err ? reject(err) : resolve(v))));
}
function once(emitter, event, timeoutMs, what = event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    emitter.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
async function until(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A lease holder in a child process (test/support/redis-lease-holder.js). */
function startHolder(url, prefix, scope, key, instance) {
  const child = spawn(process.execPath, [path.join(repoRoot, "test/support/redis-lease-holder.js"), url, prefix, scope, key, instance, String(LEASE_MS)], { stdio: ["pipe", "pipe", "inherit"] });
  const events = [];
  let buf = "";
  child.stdout.on("data", (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      events.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return {
    child,
    events,
    exited,
    send: (line) => child.stdin.write(`${line}\n`),
    has: (pred) => events.some(pred),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
      }
      return exited;
    },
  };
}

describe("Redis leases (real redis-server)", function () {
  this.timeout(60000);
  let redis;
  let contextRedis;
  let prefixCount = 0;
  const cleanup = [];

  before(async function () {
    requireRedis(this);
    contextRedis = require(path.join(repoRoot, "context-redis.js"));
    redis = await startRedis();
  });

  afterEach(async function () {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  after(async function () {
    if (redis) await redis.stop();
  });

  async function newStore(config = {}) {
    const config_ = { url: redis.url, prefix: `lease${++prefixCount}`, leaseMs: LEASE_MS, maxReconnectDelay: 200, commandTimeout: 1000, ...config };
    const store = contextRedis(config_, () => undefined);
    cleanup.push(() => store.close());
    await store.open();
    return { store, leases: contextRedis.leaseFor({ module: contextRedis, config: config_ }) };
  }

  it("lets exactly one of two instances hold a key; the other sees who does and takes over on release", async function () {
    const { store, leases } = await newStore();
    const { leases: leases2 } = await newStore({ prefix: store.config.prefix });
    // a longer lease here: this test needs a to keep it for a while on a loaded machine
    const a = leases.create({ scope: "n1:f1", key: "checkpoint", instance: "node-a:1", leaseMs: 4000 });
    const b = leases2.create({ scope: "n1:f1", key: "checkpoint", instance: "node-b:2", leaseMs: 4000 });
    const acquired = [];
    a.on("acquired", () => acquired.push("a"));
    b.on("acquired", () => acquired.push("b"));
    const aGot = once(a, "acquired", 5000);
    a.start();
    await aGot;
    const bSees = once(b, "holder", 5000);
    b.start();
    assert.deepStrictEqual(await bSees, ["node-a:1"]);
    await new Promise((r) => setTimeout(r, 4000 * 1.5)); // a renews; b keeps waiting
    assert.deepStrictEqual(acquired, ["a"]);
    assert.strictEqual(a.held, true);
    assert.strictEqual(b.held, false);
    assert.strictEqual(b.holder, "node-a:1");
    const lease = await redis.command("GET", `${store.config.prefix}:n1:f1:lease:checkpoint`);
    assert.match(lease, /^node-a:1#[0-9a-f]+/);
    // a gives the lease back on stop: b takes it within its poll interval, not after a full lease
    const started = Date.now();
    const bGot = once(b, "acquired", 5000);
    await a.stop();
    await bGot;
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
    assert.strictEqual(b.holder, "node-b:2");
    await b.stop();
  });

  it("writes the checkpoint where node.context().get reads it, only while holding the lease", async function () {
    const { store, leases } = await newStore();
    const a = leases.create({ scope: "n2:f1", key: "checkpoint", instance: "a" });
    assert.strictEqual(await a.fencedWrite({ key: 1 }), false); // not started: not held
    assert.strictEqual(await get(store, "n2:f1", "checkpoint"), undefined);
    a.start();
    await once(a, "acquired", 5000);
    assert.strictEqual(await a.fencedWrite({ key: 41, time: "2026-01-01T00:00:00Z" }), true);
    assert.deepStrictEqual(await get(store, "n2:f1", "checkpoint"), { key: 41, time: "2026-01-01T00:00:00Z" });
    // another instance takes the lease behind a's back (as after a pause): a's write is refused
    // by the script itself (a still believes it holds the lease) and a loses it at once
    await redis.command("SET", `${store.config.prefix}:n2:f1:lease:checkpoint`, "other:9#abc", "PX", "60000");
    assert.strictEqual(a.held, true);
    const lost = once(a, "lost", 1000);
    assert.strictEqual(await a.fencedWrite({ key: 40 }), false);
    await lost;
    assert.strictEqual(a.held, false);
    assert.deepStrictEqual(await get(store, "n2:f1", "checkpoint"), { key: 41, time: "2026-01-01T00:00:00Z" });
    await a.stop();
  });

  it("loses the lease at the next renewal when another token holds it, and names the holder", async function () {
    const { store, leases } = await newStore();
    const a = leases.create({ scope: "n3:f1", key: "cp", instance: "a" });
    a.start();
    await once(a, "acquired", 5000);
    await redis.command("SET", `${store.config.prefix}:n3:f1:lease:cp`, "thief:7#00", "PX", "60000");
    const started = Date.now();
    const [reason, holder] = await once(a, "lost", LEASE_MS, "lost after renewal");
    assert.strictEqual(reason, "taken");
    assert.strictEqual(holder, "thief:7");
    assert.ok(Date.now() - started < LEASE_MS, `${Date.now() - started} ms: at a renewal, before the lease could expire`);
    assert.strictEqual(a.holder, "thief:7");
    await a.stop();
  });

  it("a paused holder is replaced after its lease runs out, and after SIGCONT it cannot write its stale checkpoint", async function () {
    const { store, leases } = await newStore();
    const scope = "n4:f1";
    const holder = startHolder(redis.url, store.config.prefix, scope, "checkpoint", "paused-one");
    cleanup.push(() => holder.kill());
    await until(() => holder.has((e) => e.event === "acquired"), 15000, "the child to acquire");
    holder.send('write {"key":1}');
    await until(() => holder.has((e) => e.event === "written"), 5000, "the first write");
    assert.deepStrictEqual(holder.events.find((e) => e.event === "written"), { event: "written", wrote: true, held: true });

    const b = leases.create({ scope, key: "checkpoint", instance: "standby" });
    b.start();
    await until(() => b.holder === "paused-one", 5000, "the standby to see the holder");
    holder.child.kill("SIGSTOP");
    const paused = Date.now();
    await once(b, "acquired", LEASE_MS * 3, "the standby to take over");
    const takeover = Date.now() - paused;
    assert.ok(takeover >= LEASE_MS * 0.5 && takeover <= LEASE_MS + 2000, `takeover after ${takeover} ms`);
    assert.strictEqual(await b.fencedWrite({ key: 2 }), true);

    holder.child.kill("SIGCONT");
    holder.send('write {"key":1}');
    await until(() => holder.events.filter((e) => e.event === "written").length === 2, 5000, "the stale write");
    const stale = holder.events.filter((e) => e.event === "written")[1];
    assert.deepStrictEqual(stale, { event: "written", wrote: false, held: false });
    assert.ok(holder.has((e) => e.event === "lost"), JSON.stringify(holder.events));
    assert.deepStrictEqual(await get(store, scope, "checkpoint"), { key: 2 }); // never moved backwards
    await until(() => holder.has((e) => e.event === "holder" && e.holder === "standby"), 5000, "the old holder to see the new one");
    await b.stop();
  });

  it("reports the lease lost when Redis cannot confirm it before it would expire, and takes it again when Redis is back", async function () {
    const { leases } = await newStore();
    const a = leases.create({ scope: "n5:f1", key: "checkpoint", instance: "a" });
    a.start();
    await once(a, "acquired", 5000);
    await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    const lost = once(a, "lost", LEASE_MS * 2, "lost while Redis is down");
    await redis.stop();
    const down = Date.now();
    const [reason] = await lost;
    assert.strictEqual(reason, "unconfirmed");
    // lost before Redis could give the key to another instance (+ timer lateness on a loaded machine)
    assert.ok(Date.now() - down <= LEASE_MS + 300, `lost ${Date.now() - down} ms after Redis stopped`);
    assert.strictEqual(a.held, false);
    assert.strictEqual(await a.fencedWrite({ key: 9 }), false);
    const again = once(a, "acquired", 15000, "the lease again");
    await redis.restart();
    await again;
    assert.strictEqual(a.held, true);
    await a.stop();
  });

  it("also gives up while Redis hangs (SIGSTOP) instead of answering", async function () {
    const { leases } = await newStore();
    const a = leases.create({ scope: "n6:f1", key: "checkpoint", instance: "a" });
    a.start();
    await once(a, "acquired", 5000);
    const lost = once(a, "lost", LEASE_MS * 2, "lost while Redis hangs");
    redis.pause();
    const paused = Date.now();
    try {
      const [reason] = await lost;
      assert.strictEqual(reason, "unconfirmed");
      assert.ok(Date.now() - paused <= LEASE_MS + 300, `${Date.now() - paused} ms`);
    } finally {
      redis.resume();
    }
    await a.stop();
  });

  it("finds the lease factory from Node-RED's contextStorage settings", async function () {
    const config = { url: redis.url, prefix: `reg${++prefixCount}` };
    const contextStorage = { default: { module: "memory" }, redis: { module: contextRedis, config } };
    assert.strictEqual(contextRedis.leasesForStore(contextStorage, "redis"), undefined); // not created yet
    const store = contextRedis(config);
    cleanup.push(() => store.close());
    const f = contextRedis.leasesForStore(contextStorage, "redis");
    assert.ok(f && typeof f.create === "function");
    assert.strictEqual(f.leaseMs, 15000);
    assert.strictEqual(contextRedis.leasesForStore(contextStorage, "default"), undefined);
    assert.strictEqual(contextRedis.leasesForStore(contextStorage, "unknown"), undefined); // falls back to default: memory
    assert.strictEqual(contextRedis.leasesForStore({ default: "redis", redis: contextStorage.redis }, undefined), f);
    assert.strictEqual(contextRedis.leasesForStore({ redis: contextStorage.redis, file: { module: "localfilesystem" } }, "nope"), f);
    // from RED.settings, whose getter throws for settings that are not set
    assert.strictEqual(contextRedis.leasesForSettings({ contextStorage }, "redis"), f);
    assert.strictEqual(contextRedis.leasesForSettings({ contextStorage }, ""), undefined);
    const unset = Object.defineProperty({}, "contextStorage", { get: () => { throw new Error("not set"); } });
    assert.strictEqual(contextRedis.leasesForSettings(unset, "redis"), undefined);
    // a cloned settings object (RED.settings.get clones) still finds it
    const cloned = { redis: { module: contextRedis, config: JSON.parse(JSON.stringify(config)) } };
    assert.strictEqual(contextRedis.leasesForStore(cloned, "redis"), f);
    await store.close();
    assert.strictEqual(contextRedis.leasesForStore(contextStorage, "redis"), undefined);
  });
});
