-- Spend a challenge and count its solve for the puzzle's difficulty, in one round trip.
-- KEYS[1]: the challenge's nonce key; KEYS[2]: the client's counter (its solves in this
-- window, or its failures); KEYS[3]: the service-wide counters hash.
-- ARGV[1]: the mark's TTL in ms; ARGV[2]: the counter's TTL in s; ARGV[3]: the field of
-- the service-wide counter. A token that was already spent is not counted again.
-- Returns 1 the first time, 0 afterwards.
if not redis.call('SET', KEYS[1], '-', 'NX', 'PX', ARGV[1]) then
  return 0
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
return 1
