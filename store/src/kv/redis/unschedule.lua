-- ARGV: prefix, queue, member. Returns 1 if the member was queued, else 0.
if remove_member(ARGV[2], ARGV[3]) then return 1 end
return 0
