-- What a comment check reads of its site, and its usage count, in one round trip.
-- KEYS[1]: the site's known link domains (a set); KEYS[2]: its adaptation layer (a hash
-- with rev and state); KEYS[3]: this month's usage counts (a hash by sitekey); KEYS[4],
-- when given: the index entry of the secret the caller sent, which must name ARGV[1].
-- ARGV[1]: the sitekey; ARGV[2]: the usage hash's TTL in seconds; ARGV[3...]: the
-- comment's link domains.
-- Returns {1, which domains are known (1/0 each), rev, state}, or {0} when the secret
-- no longer names the site (then nothing is counted).
if KEYS[4] and redis.call('GET', KEYS[4]) ~= ARGV[1] then
  return {0}
end
local known = {}
local domains = #ARGV - 2
-- In slices: a long comment can link more domains than Lua can unpack at once.
for first = 1, domains, 1000 do
  local last = math.min(first + 999, domains)
  local found = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV, first + 2, last + 2))
  for _, hit in ipairs(found) do
    known[#known + 1] = hit
  end
end
local adaptation = redis.call('HMGET', KEYS[2], 'rev', 'state')
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {1, known, adaptation[1], adaptation[2]}
