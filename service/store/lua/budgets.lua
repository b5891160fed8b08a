-- Spending rate-limit budgets, all of their rules or none, before an operation.
-- The sliding window counter of the `limits` library, on its own keys, for several rules
-- at once. Rule i: KEYS[2i-1], KEYS[2i]: its previous and current window; ARGV[2i]: its
-- limit; ARGV[2i+1]: its window in seconds (ARGV[1] is the number of rules).
-- Returns nothing when every rule had room (each then counts one more), else, for the
-- first rule without room, {its number, its previous window's count and milliseconds
-- left, its current window's count and milliseconds left} (none counts it: a refused
-- request spends nothing; the windows say when to retry, without another round trip).
local function spend_budgets(rules)
  -- Whether each rule's current window exists, as its first read found it (or made it):
  -- its count is then added to rather than started, as the library's EXISTS would decide.
  local present = {}
  for i = 1, rules do
    local previous, current = KEYS[2 * i - 1], KEYS[2 * i]
    local limit, expiry = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]) * 1000
    local current_ttl = tonumber(redis.call('pttl', current))
    if current_ttl > 0 and current_ttl < expiry then
      -- The current window has ended: it becomes the previous one.
      redis.call('rename', current, previous)
      redis.call('set', current, 0, 'PX', current_ttl + expiry)
    end
    present[current] = present[current] or current_ttl ~= -2
    local previous_count = tonumber(redis.call('get', previous)) or 0
    -- A missing previous window counts nothing, however long it has left.
    local previous_ttl = 0
    if previous_count > 0 then
      previous_ttl = math.max(tonumber(redis.call('pttl', previous)) or 0, 0)
    end
    local current_count = tonumber(redis.call('get', current)) or 0
    if math.floor(previous_count * previous_ttl / expiry) + current_count + 1 > limit then
      local current_left = math.max(tonumber(redis.call('pttl', current)) or 0, 0)
      return {i, previous_count, previous_ttl, current_count, current_left}
    end
  end
  for i = 1, rules do
    local current = KEYS[2 * i]
    if present[current] then
      redis.call('incrby', current, 1)
    else
      redis.call('set', current, 1, 'PX', tonumber(ARGV[2 * i + 1]) * 2000)
      present[current] = true
    end
  end
  return nil
end
