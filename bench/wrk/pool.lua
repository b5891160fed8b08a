-- Requests for wrk from a file of bodies, one a line, each sent at most once (a pool of
-- single-use tokens) or, with one line, every time. Every thread takes its own lines.
-- Arguments (after --): file method content-type authorization success-pattern
-- Prints one JSON line at the end: requests, duration, latency percentiles, successes.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

function init(args)
   bodies = {}
   local path, method, ctype, auth = args[1], args[2], args[3], args[4]
   pattern = args[5] or ""
   local nthreads = tonumber(args[6] or "1")
   local i = 0
   if path ~= "-" then
      for line in io.lines(path) do
         if i % nthreads == id then
            table.insert(bodies, line)
         end
         i = i + 1
      end
   end
   wrk.method = method
   wrk.headers["Content-Type"] = ctype ~= "-" and ctype or nil
   if auth ~= "-" then
      wrk.headers["Authorization"] = auth
   end
   reuse = i == 1
   if reuse then
      bodies = { (function() for line in io.lines(path) do return line end end)() }
   end
   next_body = 1
   ok = 0
   spent = 0
end

function request()
   local body = nil
   if #bodies > 0 then
      if reuse then
         body = bodies[1]
      else
         body = bodies[next_body]
         if body == nil then
            spent = spent + 1
            body = bodies[#bodies]  -- the pool ran out: replays are counted as failures
         end
         next_body = next_body + 1
      end
   end
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status < 300 and (pattern == "" or string.find(body, pattern, 1, true)) then
      ok = ok + 1
   end
end

function done(summary, latency, requests)
   local total_ok, total_spent = 0, 0
   for _, thread in ipairs(threads) do
      total_ok = total_ok + thread:get("ok")
      total_spent = total_spent + thread:get("spent")
   end
   io.write(string.format(
      '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "ok": %d, ' ..
      '"pool_exhausted": %d, "socket_errors": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      total_ok, total_spent,
      summary.errors.connect + summary.errors.read + summary.errors.write
         + summary.errors.timeout))
end
