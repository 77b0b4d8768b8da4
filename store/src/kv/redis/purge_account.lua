-- ARGV: prefix, owner, now (logical ms). Deletes every value and queue member of the owner;
-- returns how many live values and queue members went.
local owner, now = ARGV[2], ARGV[3]
local deleted = 0
for _, key in ipairs(redis.call('ZRANGE', owner_keys(owner), 0, -1)) do
  local old = redis.call('HMGET', value_key(key), 'o', 'e')
  -- The index may lag a key that moved to another owner; that key is not ours to delete.
  if old[1] == owner then
    redis.call('DEL', value_key(key))
    if is_live(old[2], now) then deleted = deleted + 1 end
  end
end
redis.call('DEL', owner_keys(owner))
for _, encoded in ipairs(redis.call('SMEMBERS', owner_members(owner))) do
  local queue, member = unpair(encoded)
  if remove_member(queue, member) then deleted = deleted + 1 end
end
redis.call('DEL', owner_members(owner))
return deleted
