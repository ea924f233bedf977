"use strict";
// lib/redis/property-path.ts against Node-RED's own property expressions, and
// lib/redis/config.ts (URL, prefix, password from the environment, TLS options).
const assert = require("node:assert");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const nrUtil = require("@node-red/util").util;
const { parsePath, getBelow, setBelow } = require("../../../dist/lib/redis/property-path");
const { resolveConfig, reconnectDelay, RedisConfigError } = require("../../../dist/lib/redis/config");

const VALID = ["a", "a.b", "a.b.c", "a[0]", "a[0].b", "a.b[2][3]", 'a["b c"]', "a['x.y'].z", "a.0", "$x._y", "a[10].b[\"q\"]", "0", "a.b1"];
const INVALID = ["", ".a", "a.", "a..b", "a[", "a[b]", "[0]", "a b", 'a["b"c', "a[0", "a]", "a[msg.x]", "a.__proto__.x", '"unterminated'];

// what the runtime's memory store answers: undefined when a parent is missing
function nrGet(obj, key) {
  try {
    return nrUtil.getObjectProperty(obj, key);
  } catch {
    return undefined;
  }
}

describe("redis store: property paths (as Node-RED reads context keys)", function () {
  it("splits valid keys exactly like @node-red/util", function () {
    for (const k of VALID) assert.deepStrictEqual(parsePath(k), nrUtil.normalisePropertyExpression(k), k);
  });

  it("rejects malformed keys with an INVALID_EXPR error", function () {
    for (const k of INVALID) {
      assert.throws(() => parsePath(k), (err) => err.code === "INVALID_EXPR", k);
    }
  });

  it("sets and deletes nested values like setObjectProperty", function () {
    const cases = [
      ["a.b.c", 1],
      ["a[1].x", "y"],
      ["a.b", undefined],
      ["a[0]", undefined],
      ["a.s.t", 2], // below a primitive: no write
      ["n.m", undefined], // delete of a missing parent: no write
      ["a.list[2]", true],
    ];
    for (const [key, value] of cases) {
      const start = () => ({ a: { b: { c: 0 }, s: "str", 0: "zero", list: [1] }, z: 1 });
      const expected = start();
      nrUtil.setObjectProperty(expected, key, value);
      const mine = start();
      const parts = parsePath(key);
      const field = String(parts[0]);
      const next = setBelow(mine[field], parts, value);
      if (next === undefined) delete mine[field];
      else mine[field] = next;
      assert.deepStrictEqual(mine, expected, key);
      assert.deepStrictEqual(getBelow(mine[field], parts), nrGet(expected, key), key);
    }
    // arrays created for numeric parts, objects for names
    assert.strictEqual(JSON.stringify(setBelow(undefined, parsePath("a[1].b"), 5)), '[null,{"b":5}]');
  });

  it("never reads inherited properties", function () {
    assert.strictEqual(getBelow({}, parsePath("a.constructor")), undefined);
    assert.strictEqual(getBelow({ x: 1 }, parsePath("a.x.toString")), undefined);
  });
});

describe("redis store: config", function () {
  it("defaults to redis://127.0.0.1:6379, prefix nodered, 15 s leases", function () {
    const c = resolveConfig({});
    assert.strictEqual(c.url, "redis://127.0.0.1:6379");
    assert.strictEqual(c.prefix, "nodered");
    assert.strictEqual(c.leaseMs, 15000);
    assert.strictEqual(c.tls, undefined);
    // an unset environment variable in settings.js (url: process.env.REDIS_URL) means the default
    assert.strictEqual(resolveConfig({ url: undefined }).url, "redis://127.0.0.1:6379");
  });

  it("takes the password from the environment and keeps it out of the loggable URL", function () {
    const c = resolveConfig({ url: "redis://u:inurl@h:7000/2", passwordEnv: "NR_REDIS_PW", usernameEnv: "NR_REDIS_USER" }, { NR_REDIS_PW: "s3cret", NR_REDIS_USER: "alice" });
    assert.strictEqual(c.password, "s3cret");
    assert.strictEqual(c.username, "alice");
    assert.ok(!c.safeUrl.includes("inurl") && !c.safeUrl.includes("s3cret"), c.safeUrl);
    assert.throws(() => resolveConfig({ passwordEnv: "NR_REDIS_MISSING" }, {}), (e) => e instanceof RedisConfigError && /NR_REDIS_MISSING/.test(e.message));
  });

  it("turns TLS on for rediss:// and reads certificate files", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-tls-"));
    try {
      fs.writeFileSync(path.join(dir, "ca.pem"), "CA PEM");
      const c = resolveConfig({ url: "rediss://cache.example:6380", tls: { caFile: path.join(dir, "ca.pem"), rejectUnauthorized: true } });
      assert.deepStrictEqual(c.tls, { ca: "CA PEM", rejectUnauthorized: true, servername: "cache.example" });
      assert.deepStrictEqual(resolveConfig({ url: "rediss://10.0.0.1:6380" }).tls, {});
      assert.deepStrictEqual(resolveConfig({ url: "redis://h:1", tls: true }).tls, { servername: "h" });
      assert.throws(() => resolveConfig({ url: "rediss://h:1", tls: false }), RedisConfigError);
      assert.throws(() => resolveConfig({ tls: { caFile: path.join(dir, "missing.pem") } }), /caFile/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects bad settings with a clear error", function () {
    assert.throws(() => resolveConfig({ url: "http://h" }), /redis:\/\/ or rediss:\/\//);
    assert.throws(() => resolveConfig({ url: "not a url" }), RedisConfigError);
    assert.throws(() => resolveConfig({ leaseMs: 10 }), /leaseMs/);
    assert.throws(() => resolveConfig({ prefix: "a b" }), /prefix/);
    assert.strictEqual(resolveConfig({ leaseMs: "2000" }).leaseMs, 2000);
  });

  it("backs off reconnects from 100 ms up to the configured maximum", function () {
    assert.ok(reconnectDelay(0, 5000) <= 120);
    for (let i = 0; i < 40; i++) assert.ok(reconnectDelay(i, 5000) <= 6000);
    assert.ok(reconnectDelay(30, 5000) >= 4000);
  });
});
