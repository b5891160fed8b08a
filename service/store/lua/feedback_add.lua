-- Append one feedback entry within a quota, and drop entries older than the retention.
-- KEYS[1]: the feedback stream; KEYS[2]: the quota's counters (a hash: entries, bytes).
-- ARGV[1]: retention in ms (0 keeps everything); ARGV[2]: most entries (0: no limit);
-- ARGV[3]: most bytes (0: no limit); ARGV[4]: seconds the quota's counters live;
-- ARGV[5..]: field, value, field, value…
-- Returns {1, id} when stored, {0, 'entries' | 'bytes'} when the quota would be broken.
local size = 0
for i = 5, #ARGV do
  size = size + string.len(ARGV[i])
end
local max_entries = tonumber(ARGV[2])
local max_bytes = tonumber(ARGV[3])
local used = redis.call('HMGET', KEYS[2], 'entries', 'bytes')
local entries = tonumber(used[1]) or 0
local bytes = tonumber(used[2]) or 0
if max_entries > 0 and entries + 1 > max_entries then
  return {0, 'entries'}
end
if max_bytes > 0 and bytes + size > max_bytes then
  return {0, 'bytes'}
end
redis.call('HINCRBY', KEYS[2], 'entries', 1)
redis.call('HINCRBY', KEYS[2], 'bytes', size)
redis.call('EXPIRE', KEYS[2], ARGV[4])
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 5))
local retention_ms = tonumber(ARGV[1])
if retention_ms > 0 then
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('XTRIM', KEYS[1], 'MINID', tostring(now_ms - retention_ms))
end
return {1, id}
