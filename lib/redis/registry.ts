/**
 * Finds the Redis context store behind a `settings.contextStorage` entry, so node code can
 * take leases on the same connection and configuration (lib/redis/lease.ts). Node-RED passes
 * the entry's `config` object itself to the store factory (@node-red/runtime
 * lib/nodes/context/index.js `load()`) and `RED.settings.contextStorage` is the settings.js
 * object, so the config object identifies the store; a deep-equal config is the fallback for a
 * cloned settings object (`RED.settings.get()` clones).
 */
import { isDeepStrictEqual } from "node:util";
import { LeaseFactory } from "./lease";
import type { RedisContextStore } from "./store";

/** Set on the module function so a settings entry can be recognised as this store. */
export const STORE_MARKER = "isRedisContextStore";

/**
 * Process-wide, so node code finds a store created by another copy of this package (settings.js
 * requiring the installed package while Node-RED loads the nodes from a working tree).
 */
const REGISTRY = Symbol.for("@event-router/node-red-vmware/redis-context-stores");
const holder = globalThis as unknown as Record<symbol, Set<RedisContextStore> | undefined>;
const stores: Set<RedisContextStore> = (holder[REGISTRY] ??= new Set<RedisContextStore>());
const factories = new WeakMap<RedisContextStore, LeaseFactory>();

export function register(store: RedisContextStore): void {
  stores.add(store);
}

export function unregister(store: RedisContextStore): void {
  stores.delete(store);
}

function userPart(config: unknown): Record<string, unknown> {
  if (typeof config !== "object" || config === null) return {};
  const { settings: _ignored, ...rest } = config as Record<string, unknown>;
  void _ignored;
  return rest;
}

function isOurModule(module: unknown): boolean {
  return typeof module === "function" && (module as unknown as Record<string, unknown>)[STORE_MARKER] === true;
}

function factoryOf(store: RedisContextStore): LeaseFactory {
  let f = factories.get(store);
  if (!f) factories.set(store, (f = new LeaseFactory(store)));
  return f;
}

/**
 * The lease factory of the Redis store configured by `entry` (a `contextStorage` entry
 * `{ module, config }`, or its `config` object), or undefined when the entry is another store or
 * no such store has been created by Node-RED.
 */
export function leaseFor(entry: unknown): LeaseFactory | undefined {
  if (typeof entry !== "object" || entry === null) return undefined;
  const e = entry as { module?: unknown; config?: unknown };
  const isEntry = "module" in e;
  if (isEntry && !isOurModule(e.module)) return undefined;
  const config = isEntry ? e.config : entry;
  for (const s of stores) if (config !== undefined && s.userConfig === config) return factoryOf(s);
  if (!isEntry) return undefined;
  const wanted = userPart(config);
  const matches = [...stores].filter((s) => isDeepStrictEqual(userPart(s.userConfig), wanted));
  return matches.length === 1 ? factoryOf(matches[0]) : undefined;
}

/**
 * The lease factory for a context store name as a node would name it (`undefined`, "" or
 * "default" = the default store), resolved like Node-RED does: an unknown name falls back to
 * the default store; `default` may be an alias (a string); without `default`, the first store.
 * Undefined when that store is not this Redis store.
 */
export function leasesForStore(contextStorage: unknown, name?: string): LeaseFactory | undefined {
  if (typeof contextStorage !== "object" || contextStorage === null) return undefined;
  const all = contextStorage as Record<string, unknown>;
  let entry: unknown = name && name !== "_" && name !== "default" && Object.hasOwn(all, name) ? all[name] : undefined;
  if (entry === undefined) {
    const names = Object.keys(all).filter((n) => n !== "_");
    const dflt = Object.hasOwn(all, "default") ? all.default : names.length > 0 ? all[names[0]] : undefined;
    entry = typeof dflt === "string" ? all[dflt] : dflt;
  }
  return leaseFor(entry);
}

/**
 * As leasesForStore, from Node-RED's settings object (`RED.settings`, whose getter throws for
 * a setting that is not set) and a node's store name ("" = the default store).
 */
export function leasesForSettings(settings: unknown, storeName: string | undefined): LeaseFactory | undefined {
  let contextStorage: unknown;
  try {
    contextStorage = (settings as { contextStorage?: unknown } | undefined)?.contextStorage;
  } catch {
    return undefined;
  }
  return leasesForStore(contextStorage, storeName);
}
