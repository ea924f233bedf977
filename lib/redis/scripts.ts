/**
 * The Lua scripts, each one atomic in Redis. Lua's `false` is Redis's nil; a script's table
 * reply must not contain nil, hence `cur or ''`.
 */
import { Script } from "./connection";

/**
 * Writes fields of one scope hash if each checked field still holds what the writer read
 * (compare-and-set for nested keys: read, change in JS, write back only if unchanged).
 * KEYS: hash, scope index. ARGV: scope, n, then per field: name, check ("0" none, "1" equals,
 * "2" absent), expected text, op ("s" set, "d" delete), new text. Returns 1, or 0 on conflict.
 */
export const WRITE_FIELDS = new Script(`
local n = tonumber(ARGV[2])
for i = 0, n - 1 do
  local b = 3 + i * 5
  local check = ARGV[b + 1]
  if check ~= '0' then
    local cur = redis.call('HGET', KEYS[1], ARGV[b])
    if check == '1' then
      if cur ~= ARGV[b + 2] then return 0 end
    elseif cur then
      return 0
    end
  end
end
for i = 0, n - 1 do
  local b = 3 + i * 5
  if ARGV[b + 3] == 's' then
    redis.call('HSET', KEYS[1], ARGV[b], ARGV[b + 4])
  else
    redis.call('HDEL', KEYS[1], ARGV[b])
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('SADD', KEYS[2], ARGV[1])
else
  redis.call('SREM', KEYS[2], ARGV[1])
end
return 1
`);

/** Deletes a scope. KEYS: hash, scope index. ARGV: scope. */
export const DELETE_SCOPE = new Script(`
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`);

/**
 * Takes a lease: SET NX PX, or keeps it when it already holds this token (an earlier attempt
 * whose answer came too late). KEYS: lease. ARGV: token, ms. Returns {1, token} or {0, holder}.
 */
export const LEASE_ACQUIRE = new Script(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, ARGV[1]} end
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, cur}
end
return {0, cur or ''}
`);

/** Compare-and-extend. KEYS: lease. ARGV: token, ms. Returns {1, token} or {0, holder or ''}. */
export const LEASE_RENEW = new Script(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, cur}
end
return {0, cur or ''}
`);

/** Compare-and-delete. KEYS: lease. ARGV: token. Returns 1 if released. */
export const LEASE_RELEASE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`);

/**
 * Fenced write: sets one field of a scope hash only while the lease holds this token.
 * KEYS: lease, hash, scope index. ARGV: token, field, JSON text, scope. Returns 1 if written.
 */
export const FENCED_WRITE = new Script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
return 1
`);
