-- What a comment check reads of its site, and its usage count, in one round trip.
-- KEYS[1]: the site's known link domains (a set); KEYS[2]: its adaptation layer (a hash
-- with rev, state and the state's SHA-1 sum); KEYS[3]: this month's usage counts (a hash
-- by sitekey); KEYS[4], when given: the index entry of the secret the caller sent, which
-- must name ARGV[1].
-- ARGV[1]: the sitekey; ARGV[2]: the usage hash's TTL in seconds; ARGV[3]: the layer the
-- caller holds, as "rev:sum" ('' for none); ARGV[4...]: the comment's link domains.
-- Returns {1, which domains are known (1/0 each), rev, state, sum}, or {0} when the
-- secret no longer names the site (then nothing is counted). The state is left out
-- (false) when its revision and sum are the caller's: the caller has it already. Both,
-- because every write moves the revision on (an earlier version's too, which leaves the
-- sum as it was), and a layer regrown to the same revision after Redis lost it differs
-- in its sum.
if KEYS[4] and redis.call('GET', KEYS[4]) ~= ARGV[1] then
  return {0}
end
local known = {}
local domains = #ARGV - 3
-- In slices: a long comment can link more domains than Lua can unpack at once.
for first = 1, domains, 1000 do
  local last = math.min(first + 999, domains)
  local found = redis.call('SMISMEMBER', KEYS[1], unpack(ARGV, first + 3, last + 3))
  for _, hit in ipairs(found) do
    known[#known + 1] = hit
  end
end
local layer = redis.call('HMGET', KEYS[2], 'rev', 'sum')
local state = false
-- No revision: the site never had a layer. A layer without a sum was stored by an
-- earlier version: sent every time, as then.
if layer[1] and (not layer[2] or layer[1] .. ':' .. layer[2] ~= ARGV[3]) then
  state = redis.call('HGET', KEYS[2], 'state')
end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('EXPIRE', KEYS[3], ARGV[2])
return {1, known, layer[1], state, layer[2]}
