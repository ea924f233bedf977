"use strict";
// Conformance of the Redis context store through Node-RED's own context API: real Node-RED
// processes (test/support/nodered-process.js) whose settings.js loads the store from the
// package root (`require(".../context-redis.js")`, url from an environment variable), flows of
// function nodes calling flow/global/context get/set/keys with the "redis" store, values kept
// across a SIGKILL of Node-RED, clean() on redeploy, and two Node-RED instances writing
// nested properties of one key at the same time.
const assert = require("node:assert");
const { startRedis, requireRedis, redisUserDir } = require("../support/redis");
const { startProcess } = require("../support/nodered-process");

const PREFIX = "conf";

// Runs msg.payload.ops in order with the callback form and answers with the results.
const OPS_FUNC = `
const ops = msg.payload.ops;
const results = [];
const scopes = { flow, global, context };
let i = 0;
function next(err) {
  if (err) { msg.payload = { error: String(err.message || err), code: err.code, results }; node.send(msg); return; }
  if (i >= ops.length) { msg.payload = { results }; node.send(msg); return; }
  const o = ops[i++];
  const c = scopes[o.scope];
  const store = o.store || "redis";
  try {
    if (o.op === "set") c.set(o.key, o.value, store, (e) => { results.push(null); next(e); });
    else if (o.op === "get") c.get(o.key, store, (e, ...v) => { results.push(Array.isArray(o.key) ? v : v[0]); next(e); });
    else if (o.op === "keys") c.keys(store, (e, k) => { results.push(k); next(e); });
    else if (o.op === "getSync") { results.push(c.get(o.key, store)); next(); }
    else if (o.op === "parallel") {
      let left = o.keys.length;
      o.keys.forEach((k, j) => c.set(k, o.values[j], store, (e) => { if (e) results.push(String(e)); if (--left === 0) { results.push("done"); next(); } }));
    }
  } catch (e) {
    results.push({ thrown: e.message });
    next();
  }
}
next();
return null;
`;

function opsNode(id, z, url) {
  return [
    { id: `${id}-in`, type: "http in", z, url, method: "post", wires: [[id]] },
    { id, type: "function", z, name: `ops ${url}`, func: OPS_FUNC, outputs: 1, wires: [[`${id}-out`]] },
    { id: `${id}-out`, type: "http response", z, wires: [] },
  ];
}

const FLOWS = [
  { id: "f1", type: "tab", label: "conformance 1" },
  { id: "f2", type: "tab", label: "conformance 2" },
  ...opsNode("fnA", "f1", "/ops-a"),
  ...opsNode("fnB", "f1", "/ops-b"),
  ...opsNode("fnC", "f2", "/ops-c"),
];

async function writeSettings(redisUrl) {
  process.env.NR_TEST_REDIS_URL = redisUrl;
  return redisUserDir("process.env.NR_TEST_REDIS_URL", { prefix: PREFIX });
}

async function ops(dir, url, list) {
  const r = await fetch(`${dir.url}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ops: list }), signal: AbortSignal.timeout(20000) });
  assert.strictEqual(r.status, 200, `${url}: HTTP ${r.status}`);
  const body = await r.json();
  if (body.error) throw Object.assign(new Error(body.error), { code: body.code, results: body.results });
  return body.results;
}

async function waitForRoutes(dir, urls, nr) {
  const deadline = Date.now() + 30000;
  for (const url of urls) {
    let last;
    for (;;) {
      try {
        const r = await fetch(`${dir.url}${url}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ops: [] }), signal: AbortSignal.timeout(5000) });
        last = `HTTP ${r.status} ${await r.text()}`;
        if (r.status === 200) break;
      } catch (err) {
        last = err.message; // not yet
      }
      if (Date.now() > deadline) throw new Error(`route ${url} not deployed (${last})\n${nr ? nr.log.join("") : ""}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function redisCli(redis, ...args) {
  const reply = await redis.command(...args);
  return Array.isArray(reply) ? reply.join("\n") : String(reply);
}

describe("Redis context store through Node-RED's context API (real Node-RED and redis-server)", function () {
  this.timeout(120000);
  let redis;
  const procs = [];

  before(async function () {
    requireRedis(this);
    redis = await startRedis();
  });

  after(async function () {
    for (const p of procs) await p.kill("SIGKILL");
    delete process.env.NR_TEST_REDIS_URL;
    if (redis) await redis.stop();
  });

  let dir;
  let nr;

  it("serves flow, global and node context with nested keys, arrays of keys and keys()", async function () {
    dir = await writeSettings(redis.url);
    nr = await startProcess(dir);
    procs.push(nr);
    await nr.deploy(FLOWS);
    await waitForRoutes(dir, ["/ops-a", "/ops-b", "/ops-c"], nr);
    assert.ok(nr.log.join("").includes("@event-router/node-red-vmware/context-redis"), "Node-RED names the store module");

    const a = await ops(dir, "/ops-a", [
      { scope: "flow", op: "set", key: "cfg.hosts[1].name", value: "vc2" },
      { scope: "flow", op: "set", key: "cfg.enabled", value: true },
      { scope: "global", op: "set", key: ["g1", "g2"], value: [1, { deep: [1, 2] }] },
      { scope: "context", op: "set", key: "mine", value: "node A" },
      { scope: "flow", op: "get", key: "cfg" },
      { scope: "flow", op: "get", key: "cfg.hosts[1].name" },
      { scope: "global", op: "get", key: ["g1", "g2.deep[1]", "none"] },
      { scope: "context", op: "get", key: "mine" },
      { scope: "flow", op: "keys" },
      { scope: "global", op: "keys" },
      { scope: "context", op: "keys" },
      { scope: "flow", op: "get", key: "cfg", store: "default" }, // the memory store is separate
    ]);
    assert.deepStrictEqual(a.slice(4), [
      { hosts: [null, { name: "vc2" }], enabled: true },
      "vc2",
      [1, 2, null],
      "node A",
      ["cfg"],
      ["g1", "g2"],
      ["mine"],
      null,
    ]);
    // same flow, other node: shares flow and global, not node context
    const b = await ops(dir, "/ops-b", [
      { scope: "flow", op: "get", key: "cfg.enabled" },
      { scope: "global", op: "get", key: "g1" },
      { scope: "context", op: "get", key: "mine" },
      { scope: "context", op: "set", key: "mine", value: "node B" },
    ]);
    assert.deepStrictEqual(b, [true, 1, null, null]);
    // other flow: only global
    const c = await ops(dir, "/ops-c", [
      { scope: "flow", op: "get", key: "cfg" },
      { scope: "global", op: "get", key: "g2.deep" },
      { scope: "flow", op: "set", key: "only", value: "f2" },
      { scope: "flow", op: "set", key: "gone", value: 1 },
      { scope: "flow", op: "set", key: "gone", value: undefined }, // deletes the key
      { scope: "flow", op: "keys" },
    ]);
    assert.deepStrictEqual(c, [null, [1, 2], null, null, null, ["only"]]);
    // synchronous access is refused with a clear error; invalid keys reach the callback
    const sync = await ops(dir, "/ops-a", [{ scope: "flow", op: "getSync", key: "cfg" }]);
    assert.match(sync[0].thrown, /asynchronous only/);
    await assert.rejects(ops(dir, "/ops-a", [{ scope: "flow", op: "get", key: "a..b" }]), (err) => err.code === "INVALID_EXPR");
    // where it lives: one hash per scope under the prefix
    assert.deepStrictEqual((await redisCli(redis, "HKEYS", `${PREFIX}:fnA:f1`)).split("\n"), ["mine"]);
    assert.strictEqual(await redisCli(redis, "HGET", `${PREFIX}:global`, "g1"), "1");
  });

  it("keeps every value across a SIGKILL of Node-RED (no flush interval to lose)", async function () {
    await ops(dir, "/ops-a", [{ scope: "flow", op: "set", key: "cfg.last", value: "just before the kill" }]);
    await nr.kill("SIGKILL");
    nr = await startProcess(dir);
    procs.push(nr);
    await waitForRoutes(dir, ["/ops-a", "/ops-b"], nr);
    const a = await ops(dir, "/ops-a", [
      { scope: "flow", op: "get", key: "cfg.last" },
      { scope: "global", op: "get", key: "g2" },
      { scope: "context", op: "get", key: "mine" },
    ]);
    assert.deepStrictEqual(a, ["just before the kill", { deep: [1, 2] }, "node A"]);
    assert.deepStrictEqual(await ops(dir, "/ops-b", [{ scope: "context", op: "get", key: "mine" }]), ["node B"]);
  });

  it("removes a deleted node's and a deleted flow's context on redeploy (clean), keeping global", async function () {
    assert.strictEqual(await redisCli(redis, "EXISTS", `${PREFIX}:fnB:f1`), "1");
    assert.strictEqual(await redisCli(redis, "EXISTS", `${PREFIX}:f2`), "1");
    const keep = FLOWS.filter((n) => n.id !== "f2" && n.z !== "f2" && !n.id.startsWith("fnB"));
    await nr.deploy(keep);
    const deadline = Date.now() + 20000;
    while ((await redisCli(redis, "EXISTS", `${PREFIX}:fnB:f1`)) !== "0" || (await redisCli(redis, "EXISTS", `${PREFIX}:f2`)) !== "0") {
      if (Date.now() > deadline) throw new Error("clean() did not remove the deleted node's or flow's context");
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitForRoutes(dir, ["/ops-a"], nr);
    const a = await ops(dir, "/ops-a", [
      { scope: "context", op: "get", key: "mine" },
      { scope: "flow", op: "get", key: "cfg.enabled" },
      { scope: "global", op: "keys" },
    ]);
    assert.deepStrictEqual(a, ["node A", true, ["g1", "g2"]]);
    assert.ok(!(await redisCli(redis, "SMEMBERS", `${PREFIX}:#scopes`)).split("\n").includes("fnB:f1"));
  });

  it("two Node-RED instances writing nested properties of one key at once lose no update", async function () {
    const dir2 = await writeSettings(redis.url);
    const nr2 = await startProcess(dir2);
    procs.push(nr2);
    const flows = FLOWS.filter((n) => n.z !== "f2" && n.id !== "f2");
    await nr2.deploy(flows);
    await waitForRoutes(dir2, ["/ops-a"], nr2);
    const N = 100;
    const batch = (who) => ({
      scope: "global",
      op: "parallel",
      keys: Array.from({ length: N }, (_, i) => `race.${who}${i}`),
      values: Array.from({ length: N }, (_, i) => i),
    });
    const [r1, r2] = await Promise.all([ops(dir, "/ops-a", [batch("x")]), ops(dir2, "/ops-a", [batch("y")])]);
    assert.deepStrictEqual([r1, r2], [["done"], ["done"]]);
    const [race] = await ops(dir, "/ops-a", [{ scope: "global", op: "get", key: "race" }]);
    assert.strictEqual(Object.keys(race).length, 2 * N);
    for (let i = 0; i < N; i++) assert.ok(race[`x${i}`] === i && race[`y${i}`] === i, `x${i}/y${i}`);
    await nr2.kill("SIGKILL");
  });
});
