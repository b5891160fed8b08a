-- Count a challenge for a client and read its recent history, in one reply.
-- KEYS[1]: its requests in this window; KEYS[2]: its failures; KEYS[3], KEYS[4]: its
-- successful solves in this and the previous window (all one client: one hash slot).
-- ARGV[1]: the requests window in seconds.
-- Returns {requests, failures, solves now, solves before} (missing counters as 0).
-- SET NX then INCR starts a fixed window (EXPIRE NX would need Redis 7).
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local requests = redis.call('INCR', KEYS[1])
return {requests, tonumber(redis.call('GET', KEYS[2]) or 0),
        tonumber(redis.call('GET', KEYS[3]) or 0), tonumber(redis.call('GET', KEYS[4]) or 0)}
