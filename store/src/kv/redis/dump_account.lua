-- ARGV: prefix, owner, now (logical ms). Read-only. Returns two flat arrays, from one
-- consistent moment: {key, value, ...} of the owner's live values, and
-- {queue, member, due, ...} of the owner's queue members.
local owner, now = ARGV[2], ARGV[3]
local values, members = {}, {}
for _, key in ipairs(redis.call('ZRANGE', owner_keys(owner), 0, -1)) do
  local found = redis.call('HMGET', value_key(key), 'o', 'e', 'v')
  if found[1] == owner and is_live(found[2], now) then
    table.insert(values, key)
    table.insert(values, found[3])
  end
end
for _, encoded in ipairs(redis.call('SMEMBERS', owner_members(owner))) do
  local queue, member = unpair(encoded)
  local due = redis.call('ZSCORE', queue_key(queue), member)
  if due then
    table.insert(members, queue)
    table.insert(members, member)
    table.insert(members, due)
  end
end
return {values, members}
