-- Prepended to every script. ARGV[1] is always the store's key prefix; the scripts derive
-- every key from it, so all of an account's entries change in one atomic step.
--
-- Layout under the prefix:
--   <p>:v:<key>            hash  o = owner, v = value, e = logical expiry (absent: never)
--   <p>:o:<owner>:keys     zset  the owner's keys, scored by their native expiry (unix s)
--   <p>:o:<owner>:members  set   the owner's queue members, as pair(queue, member)
--   <p>:q:<queue>          zset  members scored by due time (epoch ms)
--   <p>:qo:<queue>         hash  member -> owner
local prefix = ARGV[1]

local function value_key(key) return prefix .. ':v:' .. key end
local function owner_keys(owner) return prefix .. ':o:' .. owner .. ':keys' end
local function owner_members(owner) return prefix .. ':o:' .. owner .. ':members' end
local function queue_key(queue) return prefix .. ':q:' .. queue end
local function queue_owners(queue) return prefix .. ':qo:' .. queue end

-- Length-prefixed, because queue names and members may contain any separator.
local function pair(queue, member) return #queue .. ':' .. queue .. member end
local function unpair(encoded)
  local colon = string.find(encoded, ':', 1, true)
  local length = tonumber(string.sub(encoded, 1, colon - 1))
  return string.sub(encoded, colon + 1, colon + length), string.sub(encoded, colon + length + 1)
end

-- HMGET gives false for a missing expiry field: such a value never expires.
local function is_live(expiry, now)
  return expiry == false or tonumber(expiry) > tonumber(now)
end

-- Removes a value and its index entry; returns {owner, expiry}, or nil if absent.
local function remove_value(key)
  local old = redis.call('HMGET', value_key(key), 'o', 'e')
  if not old[1] then return nil end
  redis.call('DEL', value_key(key))
  redis.call('ZREM', owner_keys(old[1]), key)
  return old
end

-- Removes a queue member and its owner entries; returns its owner ('' if untracked), or
-- nil if it was not queued. The ZREM comes first and unconditionally, so a member whose
-- owner entry went missing can still leave the queue.
local function remove_member(queue, member)
  local removed = redis.call('ZREM', queue_key(queue), member)
  local owner = redis.call('HGET', queue_owners(queue), member)
  if owner then
    redis.call('HDEL', queue_owners(queue), member)
    redis.call('SREM', owner_members(owner), pair(queue, member))
  end
  if removed == 0 then return nil end
  return owner or ''
end

