-- ARGV: prefix, key, now (logical ms), only if expired ('1' or '0').
-- Returns 1 if a live value was deleted, else 0.
local key, now = ARGV[2], ARGV[3]
if ARGV[4] == '1' then
  -- The caller saw it expired, but it may have been written again since.
  local old = redis.call('HMGET', value_key(key), 'o', 'e')
  if not old[1] or is_live(old[2], now) then return 0 end
end
local old = remove_value(key)
if old and is_live(old[2], now) then return 1 end
return 0
