/**
 * The module Node-RED loads as a context store (package root `context-redis.js`):
 *
 *     contextStorage: {
 *       default: { module: "memory" },
 *       redis: { module: require("@event-router/node-red-vmware/context-redis"),
 *                config: { url: process.env.REDIS_URL, prefix: "nr-prod" } },
 *     }
 *
 * The export is the factory Node-RED calls with `config` (lib/redis/config.ts); it also carries
 * `leaseFor` / `leasesForStore` / `leasesForSettings` (lib/redis/registry.ts) for node code.
 */
import { RedisContextStore } from "./store";
import { leaseFor, leasesForSettings, leasesForStore, register, unregister, STORE_MARKER } from "./registry";
import type { RedisStoreConfig } from "./config";
import type { Warn } from "./connection";

/** Creates a store; it is findable through leaseFor while open. */
function createRedisContextStore(config?: RedisStoreConfig, warn?: Warn): RedisContextStore {
  const store = new RedisContextStore(config ?? {}, warn);
  const close = store.close.bind(store);
  register(store);
  store.close = () => {
    unregister(store);
    return close();
  };
  return store;
}

const contextRedis = Object.assign(createRedisContextStore, {
  [STORE_MARKER]: true as const,
  leaseFor,
  leasesForStore,
  leasesForSettings,
  RedisContextStore,
  toString: () => "@event-router/node-red-vmware/context-redis",
});

export = contextRedis;
