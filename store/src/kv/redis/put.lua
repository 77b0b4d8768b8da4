-- ARGV: prefix, key, owner, value, logical expiry ('' = never), now (logical ms),
-- native ttl ms ('' = none), only if absent ('1' or '0'). Returns 1 if written, else 0.
local key, owner, value, expiry, now, native_ttl = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if ARGV[8] == '1' then
  local old = redis.call('HMGET', value_key(key), 'o', 'e')
  if old[1] and is_live(old[2], now) then return 0 end
end

remove_value(key)
redis.call('HSET', value_key(key), 'o', owner, 'v', value)
local server_now = tonumber(redis.call('TIME')[1])
local index_score = '+inf'
if expiry ~= '' then
  redis.call('HSET', value_key(key), 'e', expiry)
  redis.call('PEXPIRE', value_key(key), native_ttl)
  index_score = server_now + math.ceil(tonumber(native_ttl) / 1000)
end
redis.call('ZADD', owner_keys(owner), index_score, key)
-- Drops index entries whose values Redis has already expired natively, so an owner's index
-- does not grow forever with keys nobody deletes (idempotency keys, typically).
redis.call('ZREMRANGEBYSCORE', owner_keys(owner), '-inf', '(' .. server_now)
return 1
