-- wrk script for scripts/bench.py: the request comes from the environment, the summary is
-- printed as one JSON line (latency percentiles in microseconds).
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
local toggle = os.getenv("BENCH_TOGGLE") -- "field=a,b": alternate the field between a and b

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
local counter = 0

function request()
  if not field then
    return wrk.format(nil, nil, nil, method == "POST" and body or nil)
  end
  counter = counter + 1
  local value = (counter % 2 == 0) and a or b
  return wrk.format(nil, nil, nil, body .. "&" .. field .. "=" .. value)
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
