"use strict";
// The Redis context store (lib/redis/store.ts) against a real redis-server: the whole store API
// as Node-RED's runtime calls it, JSON values, nested keys, arrays of keys, concurrent writers
// on two connections, an outage and recovery, a password from the environment and TLS.
const assert = require("node:assert");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync, spawnSync } = require("node:child_process");
const { startRedis, requireRedis, freePort } = require("../support/redis");

const repoRoot = path.join(__dirname, "..", "..");

function get(store, scope, key) {
  return new Promise((resolve, reject) => {
    store.get(scope, key, (err, ...values) => (err ? reject(err) : resolve(Array.isArray(key) ? values : values[0])));
  });
}
function set(store, scope, key, value) {
  return new Promise((resolve, reject) => store.set(scope, key, value, (err) => (err ? reject(err) : resolve())));
}
function keys(store, scope) {
  return new Promise((resolve, reject) => store.keys(scope, (err, k) => (err ? reject(err) : resolve(k))));
}
async function until(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Redis context store (real redis-server)", function () {
  this.timeout(60000);
  let redis;
  let contextRedis;
  const stores = [];
  const warnings = [];

  function newStore(config = {}) {
    const store = new contextRedis.RedisContextStore({ url: redis.url, prefix: "t", commandTimeout: 2000, connectTimeout: 2000, ...config }, (m) => warnings.push(m));
    stores.push(store);
    return store;
  }

  before(async function () {
    requireRedis(this);
    contextRedis = require(path.join(repoRoot, "context-redis.js"));
    redis = await startRedis();
  });

  afterEach(async function () {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  after(async function () {
    if (redis) await redis.stop();
  });

  it("is a Node-RED store module at the package root: a factory returning the store API", async function () {
    assert.strictEqual(typeof contextRedis, "function");
    const store = contextRedis({ url: redis.url, prefix: "root" });
    try {
      for (const fn of ["open", "close", "get", "set", "keys", "delete", "clean"]) assert.strictEqual(typeof store[fn], "function", fn);
      await store.open();
      await set(store, "global", "x", 1);
      assert.strictEqual(await get(store, "global", "x"), 1);
      assert.strictEqual(typeof contextRedis.leaseFor, "function");
      // package.json ships the shim
      assert.ok(require(path.join(repoRoot, "package.json")).files.includes("context-redis.js"));
    } finally {
      await store.close();
    }
  });

  it("round-trips values as JSON and deletes a key set to undefined", async function () {
    const store = newStore();
    await store.open();
    const value = { s: "text ✓", n: 1.5, b: false, nil: null, list: [1, [2, { three: 3 }], []], empty: {} };
    await set(store, "n1:f1", "obj", value);
    await set(store, "n1:f1", "str", "plain");
    await set(store, "n1:f1", "num", 0);
    await set(store, "n1:f1", "when", new Date("2026-01-02T03:04:05.000Z"));
    await set(store, "n1:f1", "buf", Buffer.from("hi"));
    assert.deepStrictEqual(await get(store, "n1:f1", "obj"), value);
    assert.strictEqual(await get(store, "n1:f1", "str"), "plain");
    assert.strictEqual(await get(store, "n1:f1", "num"), 0);
    assert.strictEqual(await get(store, "n1:f1", "when"), "2026-01-02T03:04:05.000Z");
    assert.deepStrictEqual(await get(store, "n1:f1", "buf"), { type: "Buffer", data: [104, 105] });
    assert.strictEqual(await get(store, "n1:f1", "missing"), undefined);
    await set(store, "n1:f1", "str", undefined);
    assert.deepStrictEqual((await keys(store, "n1:f1")).sort(), ["buf", "num", "obj", "when"]);
    // stored where the README says: one hash per scope, JSON text per top-level key
    const raw = await redis.command("HGET", "t:n1:f1", "num");
    assert.strictEqual(raw, "0");
  });

  it("reads and writes nested properties and arrays of keys like Node-RED's memory store", async function () {
    const store = newStore();
    await store.open();
    await set(store, "f1", "a.b[1].c", "deep");
    assert.deepStrictEqual(await get(store, "f1", "a"), { b: [null, { c: "deep" }] });
    assert.strictEqual(await get(store, "f1", "a.b[1].c"), "deep");
    assert.strictEqual(await get(store, "f1", "a.x.y"), undefined); // missing parent
    await set(store, "f1", 'a["b"][1].d', 4);
    await set(store, "f1", "a.b[1].c", undefined);
    assert.deepStrictEqual(await get(store, "f1", "a"), { b: [null, { d: 4 }] });
    // several keys at once, values in order
    await set(store, "f1", ["k1", "k2", "a.e"], [1, "two", { three: 3 }]);
    assert.deepStrictEqual(await get(store, "f1", ["k1", "k2", "a.e.three", "nope"]), [1, "two", 3, undefined]);
    // a lone value for several keys goes to the first; the others become null (as in the memory store)
    await set(store, "f1", ["m1", "m2"], "only");
    assert.deepStrictEqual(await get(store, "f1", ["m1", "m2"]), ["only", null]);
    // a primitive parent is not overwritten by a nested set
    await set(store, "f1", "k1.sub", 5);
    assert.strictEqual(await get(store, "f1", "k1"), 1);
  });

  it("answers invalid keys and missing callbacks like the runtime's async stores", async function () {
    const store = newStore();
    await store.open();
    await assert.rejects(get(store, "f1", "a..b"), (err) => err.code === "INVALID_EXPR");
    await assert.rejects(set(store, "f1", "a[x]", 1), (err) => err.code === "INVALID_EXPR");
    assert.throws(() => store.get("f1", "a"), /asynchronous only/);
    assert.throws(() => store.keys("f1"), /asynchronous only/);
    const circular = {};
    circular.self = circular;
    await assert.rejects(set(store, "f1", "c", circular), /circular/i);
    // set without a callback is allowed (fire and forget), and later calls see it
    store.set("f1", "ff", 7);
    assert.strictEqual(await get(store, "f1", "ff"), 7);
  });

  it("keeps one instance's calls on a scope in call order, nested or not", async function () {
    const store = newStore();
    await store.open();
    store.set("f2", "a.b", 1);
    store.set("f2", "a", { replaced: true });
    store.set("f2", "a.c", 2);
    store.set("f2", "a.replaced", undefined);
    assert.deepStrictEqual(await get(store, "f2", "a"), { c: 2 });
  });

  it("never loses an update when two instances write nested properties of one key at once", async function () {
    const a = newStore();
    const b = newStore();
    await Promise.all([a.open(), b.open()]);
    const N = 150;
    const writes = [];
    for (let i = 0; i < N; i++) {
      writes.push(set(a, "global", `shared.a${i}`, i));
      writes.push(set(b, "global", `shared.b${i}`, i));
      writes.push(set(i % 2 ? a : b, "global", `shared.list[${i}]`, i));
    }
    await Promise.all(writes);
    const shared = await get(a, "global", "shared");
    for (let i = 0; i < N; i++) {
      assert.strictEqual(shared[`a${i}`], i, `a${i}`);
      assert.strictEqual(shared[`b${i}`], i, `b${i}`);
      assert.strictEqual(shared.list[i], i, `list[${i}]`);
    }
  });

  it("lists keys (hiding get/set/keys in global), deletes scopes and cleans those of removed nodes", async function () {
    const store = newStore({ prefix: "clean" });
    const other = newStore({ prefix: "clean:nested" }); // another prefix inside this one: untouched
    await Promise.all([store.open(), other.open()]);
    await set(store, "global", ["g", "get", "keys"], [1, 2, 3]);
    assert.deepStrictEqual(await keys(store, "global"), ["g"]);
    await set(store, "n1:f1", "v", 1); // node n1 in flow f1: stays
    await set(store, "n2:f1", "v", 2); // node n2 removed
    await set(store, "f1", "v", 3); // flow f1: stays
    await set(store, "f2", "v", 4); // flow f2 removed
    await set(other, "n9:f9", "v", 9);
    await store.clean(["n1", "f1"]);
    assert.deepStrictEqual(await keys(store, "n1:f1"), ["v"]);
    assert.deepStrictEqual(await keys(store, "f1"), ["v"]);
    assert.deepStrictEqual(await keys(store, "n2:f1"), []);
    assert.deepStrictEqual(await keys(store, "f2"), []);
    assert.deepStrictEqual(await keys(store, "global"), ["g"]);
    assert.strictEqual(await get(other, "n9:f9", "v"), 9);
    await store.delete("n1:f1");
    assert.deepStrictEqual(await keys(store, "n1:f1"), []);
    assert.strictEqual(await get(store, "global", "get"), 2); // hidden from keys() only
  });

  it("calls back with an error during an outage (never throws or hangs) and recovers after a restart", async function () {
    const store = newStore({ maxReconnectDelay: 200 });
    await store.open();
    await set(store, "global", "before", 1);
    await redis.stop();
    const started = Date.now();
    await assert.rejects(get(store, "global", "before"));
    await assert.rejects(set(store, "global", "during", 2));
    await assert.rejects(keys(store, "global"));
    await store.delete("global"); // resolves (with a warning) during an outage
    await store.clean([]); // likewise: Node-RED calls it on every deploy
    assert.ok(Date.now() - started < 5000, "errors come at once, not after a hang");
    assert.ok(warnings.some((w) => /failed|ECONNREFUSED|closed/i.test(w)), warnings.join("\n"));
    await redis.restart();
    await until(async () => (await set(store, "global", "after", 3), true), 15000, "the store to reconnect");
    assert.strictEqual(await get(store, "global", "after"), 3);
  });

  it("starts while Redis is down and works once it is up", async function () {
    const port = await freePort();
    const store = newStore({ url: `redis://127.0.0.1:${port}`, connectTimeout: 300, maxReconnectDelay: 200 });
    await store.open(); // resolves after connectTimeout with a warning
    await assert.rejects(get(store, "global", "x"));
    const late = await startRedis({ port });
    try {
      await until(async () => (await set(store, "global", "x", 1), true), 15000, "the store to connect");
      assert.strictEqual(await get(store, "global", "x"), 1);
    } finally {
      await store.close();
      await late.stop();
    }
  });

  it("a throwing callback is reported, not thrown into the runtime", async function () {
    const store = newStore();
    await store.open();
    const before = warnings.length;
    await new Promise((resolve) =>
      store.set("global", "cb", 1, () => {
        setImmediate(resolve);
        throw new Error("user bug");
      }),
    );
    assert.ok(warnings.slice(before).some((w) => /user bug/.test(w)));
  });

  describe("authentication and TLS", function () {
    let secured;
    let dir;

    before(async function () {
      // openssl makes the test certificate (Debian: package openssl, pulled in by ca-certificates)
      if (spawnSync("openssl", ["version"], { stdio: "ignore" }).status !== 0) {
        if (process.env.CI) throw new Error("openssl not found: apt-get install openssl");
        this.skip();
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-tls-"));
      execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
      const tlsPort = await freePort();
      secured = await startRedis({
        extraArgs: ["--requirepass", "pw-from-env", "--tls-port", String(tlsPort), "--tls-cert-file", path.join(dir, "cert.pem"), "--tls-key-file", path.join(dir, "key.pem"), "--tls-ca-cert-file", path.join(dir, "cert.pem"), "--tls-auth-clients", "no"],
      });
      secured.tlsPort = tlsPort;
    });

    after(async function () {
      if (secured) await secured.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("logs in with a password named by passwordEnv and fails without it", async function () {
      process.env.NR_TEST_REDIS_PW = "pw-from-env";
      try {
        const ok = newStore({ url: secured.url, passwordEnv: "NR_TEST_REDIS_PW" });
        await ok.open();
        await set(ok, "global", "auth", true);
        assert.strictEqual(await get(ok, "global", "auth"), true);
      } finally {
        delete process.env.NR_TEST_REDIS_PW;
      }
      const bad = newStore({ url: secured.url, connectTimeout: 500 });
      await bad.open();
      await assert.rejects(get(bad, "global", "auth"));
      assert.ok(!warnings.join("\n").includes("pw-from-env"), "no password in warnings");
    });

    it("connects over rediss:// with the CA from a file, and refuses an untrusted server", async function () {
      const url = `rediss://:pw-from-env@localhost:${secured.tlsPort}`;
      const ok = newStore({ url, tls: { caFile: path.join(dir, "cert.pem") } });
      await ok.open();
      await set(ok, "global", "tls", "yes");
      assert.strictEqual(await get(ok, "global", "tls"), "yes");
      const untrusted = newStore({ url, connectTimeout: 500 });
      await untrusted.open();
      await assert.rejects(get(untrusted, "global", "tls"));
      assert.ok(warnings.some((w) => /certificate/i.test(w)), warnings.join("\n"));
      assert.ok(!warnings.join("\n").includes("pw-from-env"), "no password in warnings");
    });
  });
});
