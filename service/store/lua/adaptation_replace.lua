-- Replace a site's adaptation layer, if no one else did since the caller read it.
-- KEYS[1]: the site's adaptation hash (fields "rev", "state" and its SHA-1 "sum")
-- ARGV[1]: the revision the caller read ("*": replace whatever is there)
-- ARGV[2]: the new state ("": none, as after a reset)
-- Returns the new revision, or -1 when another writer came first. The revision only
-- grows, a reset included, so a writer that read before a reset can never land after it.
local rev = tonumber(redis.call('HGET', KEYS[1], 'rev') or '0')
if ARGV[1] ~= '*' and tonumber(ARGV[1]) ~= rev then
  return -1
end
rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
if ARGV[2] == '' then
  redis.call('HDEL', KEYS[1], 'state', 'sum')
else
  -- Its digest beside it: a comment check sends the digest of the layer it holds, and is
  -- sent the layer only when it differs (comment_state.lua).
  redis.call('HSET', KEYS[1], 'state', ARGV[2], 'sum', redis.sha1hex(ARGV[2]))
end
return rev
