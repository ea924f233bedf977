/**
 * Where everything lives in Redis, under the configured prefix (default "nodered"):
 *
 * - `<prefix>:<scope>`: a hash per context scope (`global`, a flow id, `<nodeId>:<flowId>`);
 *   field = top-level context key, value = its JSON text.
 * - `<prefix>:#scopes`: a set of the scopes written through this prefix, so `clean()` visits
 *   only its own scopes (never a SCAN of a shared keyspace that could match another prefix).
 * - `<prefix>:<scope>:lease:<key>`: a lease (lib/redis/lease.ts) beside the value it fences.
 */

export function scopeKey(prefix: string, scope: string): string {
  return `${prefix}:${scope}`;
}

export function scopeIndexKey(prefix: string): string {
  return `${prefix}:#scopes`;
}

export function leaseKey(prefix: string, scope: string, key: string): string {
  return `${prefix}:${scope}:lease:${key}`;
}

/** The node (or flow) a scope belongs to, as Node-RED's memory store reads it for clean(). */
export function scopeOwner(scope: string): string {
  return scope.split(":")[0];
}
