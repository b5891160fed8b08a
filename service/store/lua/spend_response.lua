-- Spend a response token in siteverify or a comment check, in one round trip.
-- KEYS[1]: the token's nonce key; KEYS[2]: its "verified" mark (same hash slot);
-- KEYS[3], when given: the index entry of the secret the caller sent, which must name
-- ARGV[5], the token's site, or nothing is spent (a secret rotated out or removed a
-- moment ago, while the caller's worker still knew it).
-- ARGV[1]: idempotency key ('' for none); ARGV[2]: the spent mark's TTL in ms;
-- ARGV[3]: the verified mark's TTL in ms, set on first use (0: do not set);
-- ARGV[4]: '1' to take (delete) the verified mark when the token was spent before.
-- Returns {first use 1/0 (-1: the secret is not the site's), stored idempotency key,
-- verified mark taken 1/0}.
if KEYS[3] and redis.call('GET', KEYS[3]) ~= ARGV[5] then
  return {-1, '', 0}
end
local marker = ARGV[1]
if marker == '' then marker = '-' end
if redis.call('SET', KEYS[1], marker, 'NX', 'PX', ARGV[2]) then
  if tonumber(ARGV[3]) > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  end
  return {1, '', 0}
end
local stored = redis.call('GET', KEYS[1]) or ''
local taken = 0
if ARGV[4] == '1' then
  taken = redis.call('DEL', KEYS[2])
end
return {0, stored, taken}
