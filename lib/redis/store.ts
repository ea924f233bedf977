/**
 * A Node-RED context store on Redis: the API of @node-red/runtime's context stores (open,
 * close, get, set, keys, delete, clean; see lib/redis/context-store.ts for the module shape).
 * One hash per scope (lib/redis/keys.ts), values as JSON, nested keys through an optimistic
 * compare-and-set script so concurrent writers on several Node-RED instances never lose an
 * update. Asynchronous only: there is no local cache, so get/keys need a callback.
 */
import { resolveConfig, type RedisStoreConfig, type ResolvedConfig } from "./config";
import { RedisConnection, type Reply, type Warn } from "./connection";
import { scopeIndexKey, scopeKey, scopeOwner } from "./keys";
import { InvalidKeyError, parsePath, getBelow, setBelow, topLevelField, type PathPart } from "./property-path";
import { DELETE_SCOPE, FENCED_WRITE, WRITE_FIELDS } from "./scripts";
import { ScopeOrder } from "./scope-order";

export type ContextCallback = (err?: Error | null, ...values: unknown[]) => void;

/** Attempts of a nested set against other instances' writes before it fails. */
const MAX_CAS_ATTEMPTS = 100;

const GLOBAL_HIDDEN = new Set(["get", "set", "keys"]);

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function defaultWarn(message: string): void {
  console.warn(`[context-redis] ${message}`);
}

interface FieldWrite {
  /** what the field held when read (null: absent); undefined when it was not read */
  read?: string | null;
  /** the new JSON text (undefined: delete the field) */
  text: string | undefined;
}

/** A set's key with its parsed path and its value already encoded (a snapshot at call time). */
interface PendingSet {
  parts: PathPart[];
  encoded: string | undefined;
}

export class RedisContextStore {
  readonly config: ResolvedConfig;
  readonly connection: RedisConnection;
  private readonly order = new ScopeOrder();
  private readonly closeHooks = new Set<() => Promise<void>>();
  private opened = false;

  /**
   * @param userConfig the object from settings.js (kept by reference: see lib/redis/registry.ts)
   * @param warn where outage and callback problems are reported (rate-limited)
   */
  constructor(
    readonly userConfig: RedisStoreConfig,
    warn: Warn = defaultWarn,
  ) {
    this.config = resolveConfig(userConfig);
    this.connection = new RedisConnection(this.config, warn);
  }

  open(): Promise<void> {
    this.opened = true;
    return this.connection.open();
  }

  /** Stops what was registered with onClose (leases), then closes the connection. */
  async close(): Promise<void> {
    const hooks = [...this.closeHooks];
    this.closeHooks.clear();
    await Promise.all(hooks.map((h) => h().catch(() => undefined)));
    await this.order.settled();
    await this.connection.close();
  }

  /** Registers work to finish before the connection closes; returns the unregister function. */
  onClose(hook: () => Promise<void>): () => void {
    this.closeHooks.add(hook);
    return () => this.closeHooks.delete(hook);
  }

  get isOpen(): boolean {
    return this.opened;
  }

  private hash(scope: string): string {
    return scopeKey(this.config.prefix, scope);
  }

  private index(): string {
    return scopeIndexKey(this.config.prefix);
  }

  /** Calls a user's callback; an exception from it is reported, never thrown into our promises. */
  private deliver(cb: ContextCallback | undefined, what: string, args: [Error | null | undefined, ...unknown[]]): void {
    if (typeof cb !== "function") {
      if (args[0]) this.connection.note(`context ${what} failed: ${args[0].message}`);
      return;
    }
    try {
      cb(...args);
    } catch (err) {
      this.connection.note(`a context ${what} callback threw: ${asError(err).message}`);
    }
  }

  get(scope: string, key: string | string[], callback?: ContextCallback): void {
    if (typeof callback !== "function") {
      throw new Error("The Redis context store is asynchronous only: pass a callback to get()");
    }
    const many = Array.isArray(key);
    const keys = many ? key : [key];
    let paths: PathPart[][];
    try {
      paths = keys.map((k) => parsePath(k));
    } catch (err) {
      this.deliver(callback, "get", [asError(err)]);
      return;
    }
    const fields = [...new Set(paths.map(topLevelField))];
    this.order
      .run(scope, () => this.connection.send(["HMGET", this.hash(scope), ...fields]), false)
      .then((reply) => {
        const raw = Array.isArray(reply) ? reply : [];
        const parsed = new Map<string, unknown>();
        fields.forEach((f, i) => {
          const text = raw[i];
          parsed.set(f, typeof text === "string" ? JSON.parse(text) : undefined);
        });
        const values = paths.map((p) => getBelow(parsed.get(topLevelField(p)), p));
        return values;
      })
      .then(
        (values) => this.deliver(callback, "get", many ? [undefined, ...values] : [undefined, values[0]]),
        (err: unknown) => this.deliver(callback, "get", [asError(err)]),
      );
  }

  set(scope: string, key: string | string[], value: unknown, callback?: ContextCallback): void {
    if (callback !== undefined && typeof callback !== "function") throw new Error("Callback must be a function");
    let sets: PendingSet[];
    try {
      sets = this.pendingSets(key, value);
    } catch (err) {
      this.deliver(callback, "set", [asError(err)]);
      return;
    }
    const nested = sets.some((s) => s.parts.length > 1);
    const run = nested ? () => this.readModifyWrite(scope, sets) : () => this.writeTopLevel(scope, sets);
    this.order.run(scope, run, nested).then(
      () => this.deliver(callback, "set", [null]),
      (err: unknown) => this.deliver(callback, "set", [asError(err)]),
    );
  }

  /** Keys and values as Node-RED's stores take them (a lone value for several keys is wrapped; missing ones are null). */
  private pendingSets(key: string | string[], value: unknown): PendingSet[] {
    let keys: string[];
    let values: unknown[];
    if (!Array.isArray(key)) {
      keys = [key];
      values = [value];
    } else {
      keys = key;
      values = Array.isArray(value) ? value : [value];
    }
    return keys.map((k, i) => {
      const v = i < values.length ? values[i] : null;
      const encoded = v === undefined ? undefined : JSON.stringify(v);
      return { parts: parsePath(k), encoded };
    });
  }

  private writeArgs(scope: string, writes: Map<string, FieldWrite>): string[] {
    const args = [scope, String(writes.size)];
    for (const [field, w] of writes) {
      const check = w.read === undefined ? "0" : w.read === null ? "2" : "1";
      args.push(field, check, typeof w.read === "string" ? w.read : "", w.text === undefined ? "d" : "s", w.text ?? "");
    }
    return args;
  }

  /** Only top-level keys: no read; HSET, or one script when a key is deleted. */
  private writeTopLevel(scope: string, sets: PendingSet[]): Promise<void> {
    const writes = new Map<string, FieldWrite>();
    for (const s of sets) {
      const field = topLevelField(s.parts);
      writes.delete(field); // the last write of a field wins, in its place
      writes.set(field, { text: s.encoded });
    }
    const fields = [...writes.entries()];
    if (fields.every(([, w]) => w.text !== undefined)) {
      // the common case without a script: HSET of several fields is atomic; the index entry is idempotent
      const hset = this.connection.send(["HSET", this.hash(scope), ...fields.flatMap(([f, w]) => [f, w.text as string])]);
      const sadd = this.connection.send(["SADD", this.index(), scope]);
      return Promise.all([hset, sadd]).then(() => undefined);
    }
    return this.connection.eval(WRITE_FIELDS, [this.hash(scope), this.index()], this.writeArgs(scope, writes)).then(() => undefined);
  }

  /** Nested keys: read the fields, change them here, write back only if nobody changed them meanwhile. */
  private async readModifyWrite(scope: string, sets: PendingSet[]): Promise<void> {
    const readFields = [...new Set(sets.filter((s) => s.parts.length > 1).map((s) => topLevelField(s.parts)))];
    for (let attempt = 1; ; attempt++) {
      const reply = await this.connection.send(["HMGET", this.hash(scope), ...readFields]);
      const raw = Array.isArray(reply) ? reply : [];
      const read = new Map<string, string | null>();
      const values = new Map<string, unknown>();
      readFields.forEach((f, i) => {
        const text: Reply | undefined = raw[i];
        read.set(f, typeof text === "string" ? text : null);
        values.set(f, typeof text === "string" ? (JSON.parse(text) as unknown) : undefined);
      });
      for (const s of sets) {
        const field = topLevelField(s.parts);
        const v = s.encoded === undefined ? undefined : (JSON.parse(s.encoded) as unknown);
        values.set(field, setBelow(values.get(field), s.parts, v));
      }
      const writes = new Map<string, FieldWrite>();
      for (const [field, v] of values) {
        const w: FieldWrite = { text: v === undefined ? undefined : JSON.stringify(v) };
        if (read.has(field)) w.read = read.get(field);
        writes.set(field, w);
      }
      const ok = await this.connection.eval(WRITE_FIELDS, [this.hash(scope), this.index()], this.writeArgs(scope, writes));
      if (ok === 1) return;
      if (attempt >= MAX_CAS_ATTEMPTS) throw new Error(`context set of ${scope} gave up after ${attempt} conflicting writes`);
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
    }
  }

  keys(scope: string, callback?: ContextCallback): void {
    if (typeof callback !== "function") {
      throw new Error("The Redis context store is asynchronous only: pass a callback to keys()");
    }
    this.order
      .run(scope, () => this.connection.send(["HKEYS", this.hash(scope)]), false)
      .then(
        (reply) => {
          let keys = (Array.isArray(reply) ? reply : []).filter((k): k is string => typeof k === "string");
          if (scope === "global") keys = keys.filter((k) => !GLOBAL_HIDDEN.has(k));
          this.deliver(callback, "keys", [null, keys]);
        },
        (err: unknown) => this.deliver(callback, "keys", [asError(err)]),
      );
  }

  /** Removes a scope. Resolves even when Redis is down (with a warning): it runs inside deploys. */
  delete(scope: string): Promise<void> {
    return this.order
      .run(scope, () => this.connection.eval(DELETE_SCOPE, [this.hash(scope), this.index()], [scope]), false)
      .then(
        () => undefined,
        (err: unknown) => this.connection.note(`context delete of ${scope} failed: ${asError(err).message}`),
      );
  }

  /**
   * Removes the scopes of nodes and flows no longer deployed (never `global`), like the
   * runtime's memory store. Resolves even when Redis is down (with a warning): Node-RED calls it
   * on every deploy and a rejection would stop the flows from starting.
   */
  async clean(activeNodes: string[]): Promise<void> {
    try {
      const active = new Set(activeNodes);
      const stale: string[] = [];
      let cursor = "0";
      do {
        const reply = await this.connection.send(["SSCAN", this.index(), cursor, "COUNT", "500"]);
        if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) throw new Error("unexpected SSCAN reply");
        cursor = String(reply[0]);
        for (const scope of reply[1]) {
          if (typeof scope === "string" && scope !== "global" && !active.has(scopeOwner(scope))) stale.push(scope);
        }
      } while (cursor !== "0");
      await Promise.all(stale.map((s) => this.delete(s)));
    } catch (err) {
      this.connection.note(`context clean failed: ${asError(err).message}`);
    }
  }

  /**
   * One field of a scope written only while `leaseKey` holds `token` (lib/redis/lease.ts), in
   * the scope's call order. Resolves whether it wrote.
   */
  fencedWrite(scope: string, field: string, encoded: string, leaseKeyName: string, token: string, timeoutMs?: number): Promise<boolean> {
    return this.order
      .run(scope, () => this.connection.eval(FENCED_WRITE, [leaseKeyName, this.hash(scope), this.index()], [token, field, encoded, scope], timeoutMs), false)
      .then((reply) => reply === 1);
  }
}

export { InvalidKeyError };
