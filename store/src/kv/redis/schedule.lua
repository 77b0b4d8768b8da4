-- ARGV: prefix, owner, queue, member, due (epoch ms). Moves the member if queued (possibly
-- from another owner).
local owner, queue, member, due = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
remove_member(queue, member)
redis.call('ZADD', queue_key(queue), due, member)
redis.call('HSET', queue_owners(queue), member, owner)
redis.call('SADD', owner_members(owner), pair(queue, member))
return 1
