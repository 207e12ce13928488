-- wrk script: POST pre-signed, unique WhatsApp webhook bodies, cycling through a file.
--
-- wrk -s bench/webhooks.lua URL -- BODIES_FILE
-- Each line of BODIES_FILE is "<X-Hub-Signature-256 value>\t<raw JSON body>". Thread k of n
-- sends lines k, k+n, k+2n, ... so no two requests carry the same body until the file wraps
-- (counted in "wrapped"). No cryptography happens in the hot loop. done() prints one JSON line.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

sigs = {}
bodies = {}
n = 0
i = 0
wrapped = 0
nthreads = 1

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    local tab = line:find("\t", 1, true)
    n = n + 1
    sigs[n] = line:sub(1, tab - 1)
    bodies[n] = line:sub(tab + 1)
  end
  nthreads = tonumber(args[2] or "1")
  i = tid - nthreads
end

function request()
  i = i + nthreads
  if i > n then
    i = tid
    wrapped = wrapped + 1
  end
  return wrk.format("POST", "/webhooks/whatsapp", {
    ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = sigs[i],
  }, bodies[i])
end

function done(summary, latency, requests)
  local w = 0
  for _, t in ipairs(threads) do
    w = w + (t:get("wrapped") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"p999_us":%d,"max_us":%d,"mean_us":%.1f,"wrapped":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean, w))
end
