-- Append one feedback entry and drop entries older than the retention, by Redis's clock.
-- KEYS[1]: the feedback stream; ARGV[1]: retention in ms (0 keeps everything);
-- ARGV[2..]: field, value, field, value…
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
local retention_ms = tonumber(ARGV[1])
if retention_ms > 0 then
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('XTRIM', KEYS[1], 'MINID', tostring(now_ms - retention_ms))
end
return id
