-- Mark a single-use token as spent, atomically.
-- KEYS[1]: the token's nonce key; ARGV[1]: idempotency key ('' for none); ARGV[2]: TTL in ms.
-- Returns {1, ''} the first time, {0, stored idempotency key} afterwards, so a caller can
-- let a retry that carries the same idempotency key see the same result.
local marker = ARGV[1]
if marker == '' then marker = '-' end
if redis.call('SET', KEYS[1], marker, 'NX', 'PX', ARGV[2]) then
  return {1, ''}
end
return {0, redis.call('GET', KEYS[1]) or ''}
