-- wrk script for scripts/bench.py: the request comes from the environment, the summary is
-- printed as one JSON line (latency percentiles in microseconds).
--
-- Edits (BENCH_POOL) go round a pool of tasks, each wrk thread its own slice, and send each
-- task's version as the previous answer gave it (X-Task-Version), as an editor in a browser
-- does: BENCH_POOL="first:count" task numbers, BENCH_VERSION the pool's starting version,
-- BENCH_TOGGLE="field=a,b" the values each task alternates between, and the path holds "{n}"
-- where the task number goes. Without BENCH_POOL, BENCH_TOGGLE alternates its field's value at
-- each request (bulk edits of a fixed set of tasks). Run with one connection per thread (BENCH_THREADS of them), so
-- that answers come back in the order their requests went out.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local toggle = os.getenv("BENCH_TOGGLE")
local pool = os.getenv("BENCH_POOL")
local start_version = os.getenv("BENCH_VERSION") or ""

wrk.method = method
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
if os.getenv("BENCH_CSRF") then wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF") end
if os.getenv("BENCH_HTMX") then wrk.headers["HX-Request"] = "true" end
if method == "POST" then
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Referer"] = os.getenv("BENCH_REFERER")
end

local field, a, b
if toggle then field, a, b = toggle:match("([^=]+)=([^,]+),(.+)") end

local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
end

local first, count, slice_start, slice_size
local versions, visits = {}, {}
local cursor = 0
local path = wrk.path

function init(args)
  if pool then
    first, count = pool:match("(%d+):(%d+)")
    first, count = tonumber(first), tonumber(count)
    local per = math.floor(count / tonumber(os.getenv("BENCH_THREADS") or "1"))
    slice_start = first + (id - 1) * per
    slice_size = per
  end
end

function request()
  if not pool then
    local form = body
    if toggle then -- without a pool (bulk edits): alternate the value at each request
      cursor = cursor + 1
      form = body .. "&" .. field .. "=" .. ((cursor % 2 == 1) and b or a)
    end
    return wrk.format(nil, nil, nil, method == "POST" and form or nil)
  end
  -- Only reads the pool's state: wrk calls request() once more than it sends (each thread
  -- builds a request up front, to count pipelined ones), so response() moves the state on.
  local n = slice_start + cursor
  local value = ((visits[n] or 0) % 2 == 0) and b or a
  local version = versions[n] or start_version
  local form = body .. "&version=" .. version .. "&" .. field .. "=" .. value
  return wrk.format(nil, path:gsub("{n}", tostring(n)), nil, form)
end

-- The answer to the request for the task at the cursor (one connection per thread: answers
-- come in the order the requests went out): keep the version it carries, move to the next.
function response(status, headers, response_body)
  if not pool then return end
  local n = slice_start + cursor
  cursor = (cursor + 1) % slice_size
  visits[n] = (visits[n] or 0) + 1
  local version = headers["X-Task-Version"] or headers["x-task-version"]
  if version then versions[n] = version end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, '
      .. '"socket_errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)
  ))
end
