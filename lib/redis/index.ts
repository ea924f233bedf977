/**
 * The Redis context store and leases for node code (the store module itself is
 * lib/redis/context-store.ts, loaded through the package root's context-redis.js).
 *
 * One active reader per stream, from a source node (the checkpoint lives in the node's
 * context under `key` in the store named by the node's setting):
 *
 *     const leases = leasesForSettings(RED.settings, settings.checkpointStore);
 *     if (leases) {                                   // undefined: not the Redis store, run as today
 *       const scope = node.z ? `${node._alias ?? node.id}:${node.z}` : node.id;   // node.context()'s scope
 *       const lease = leases.create({ scope, key: "checkpoint" });                // instance: host:pid
 *       lease.on("holder", (who) => ...);             // standby: show who reads
 *       lease.on("acquired", () => ...);              // load the checkpoint now, then start reading
 *       lease.on("lost", (reason, who) => ...);       // stop reading at once; drop in-flight holds
 *       lease.start();
 *       // checkpoint writes: await lease.fencedWrite(value) → false = not holder (nothing written)
 *       // before acting on a read batch: lease.held
 *       // on close: await lease.stop()              // gives the lease back; no "lost" event
 *     }
 */
export { RedisContextStore } from "./store";
export { leaseFor, leasesForStore, leasesForSettings } from "./registry";
export { Lease, LeaseFactory, defaultInstanceName, type LeaseOptions, type LeaseInfo, type LeaseLostReason, type LeaseEvents } from "./lease";
export { resolveConfig, RedisConfigError, type RedisStoreConfig, type RedisTlsConfig } from "./config";
