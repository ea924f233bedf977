/**
 * The Redis context store and leases for node code (the store module itself is
 * lib/redis/context-store.ts, loaded through the package root's context-redis.js).
 */
export { RedisContextStore } from "./store";
export { leaseFor, leasesForStore } from "./registry";
export { Lease, LeaseFactory, defaultInstanceName, type LeaseOptions, type LeaseInfo, type LeaseLostReason, type LeaseEvents } from "./lease";
export { resolveConfig, RedisConfigError, type RedisStoreConfig, type RedisTlsConfig } from "./config";
