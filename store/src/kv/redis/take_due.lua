-- ARGV: prefix, queue, now (epoch ms), limit. Removes and returns up to limit members due at
-- or before now, earliest first, as a flat array: member, due, owner, member, due, owner...
local queue, now, limit = ARGV[2], ARGV[3], ARGV[4]
local due = redis.call('ZRANGEBYSCORE', queue_key(queue), '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
local taken = {}
for i = 1, #due, 2 do
  local owner = remove_member(queue, due[i])
  table.insert(taken, due[i])
  table.insert(taken, due[i + 1])
  table.insert(taken, owner or '')
end
return taken
