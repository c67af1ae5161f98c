-- wrk script of bench/http_load.py: replays prepared requests and checks every answer.
--
-- wrk ... -s replay.lua URL -- CALLS MODE THREADS STATUS NEEDLE MARKERS
--   CALLS    a file of requests, one per line: method TAB path TAB body (TAB "Name: value")*
--   MODE     "unique": each line is sent at most once (thread i takes lines i, i+THREADS, ...)
--            and a thread stops while it still has a request for each of its connections;
--            "cycle": every thread sends all lines round and round
--   STATUS   the HTTP status of a successful answer, NEEDLE a text its body must contain
--   MARKERS  a path prefix: a thread that stops early creates MARKERS<index>
-- done() prints one line, "BENCH-RESULT {json}", for the Python side.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
local function now() -- CLOCK_MONOTONIC, in seconds
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

-- per thread (each has its own Lua state)
local calls, position, unique, status_ok, needle, connections, markers = {}, 0, true
ok, failed, reused, samples, ran_out, started, stopped = 0, 0, 0, {}, false, nil, nil

local function split(line)
  local fields, from = {}, 1
  while true do
    local tab = string.find(line, "\t", from, true)
    if not tab then
      table.insert(fields, string.sub(line, from))
      return fields
    end
    table.insert(fields, string.sub(line, from, tab - 1))
    from = tab + 1
  end
end

function init(args)
  local path, thread_count = args[1], tonumber(args[3])
  unique, status_ok, needle, markers = args[2] == "unique", tonumber(args[4]), args[5], args[6]
  connections = tonumber(args[7])
  local number = 0
  for line in io.lines(path) do
    if not unique or number % thread_count == index then
      local fields = split(line)
      local headers = {}
      for i = 4, #fields do
        local name, value = string.match(fields[i], "^([^:]+): (.*)$")
        headers[name] = value
      end
      local body = fields[3] ~= "" and fields[3] or nil
      table.insert(calls, wrk.format(fields[1], fields[2], headers, body))
    end
    number = number + 1
  end
  if not unique then -- the threads start at different places of the same round
    position = index % #calls
  end
end

function request()
  started = started or now()
  position = position + 1
  if position > #calls then
    position = 1
    if unique then
      reused = reused + 1 -- cannot happen while a thread has more calls than connections
    end
  end
  return calls[position]
end

function response(status, headers, body)
  if status == status_ok and (needle == "" or string.find(body, needle, 1, true)) then
    ok = ok + 1
  else
    failed = failed + 1
    if #samples < 5 then
      table.insert(samples, "HTTP " .. status .. " " .. string.sub(body, 1, 300))
    end
  end
  if unique and not ran_out and #calls - position <= connections then
    ran_out, stopped = true, now()
    local marker = io.open(markers .. index, "w")
    if marker then marker:close() end
    wrk.thread:stop()
  end
end

local function quote(value)
  local escaped = string.gsub(value, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. escaped .. '"'
end

function done(summary, latency, requests)
  local total = { ok = 0, failed = 0, reused = 0 }
  local texts, ran_out_threads, first, last = {}, 0, nil, nil
  for _, thread in ipairs(threads) do
    total.ok = total.ok + thread:get("ok")
    total.failed = total.failed + thread:get("failed")
    total.reused = total.reused + thread:get("reused")
    for _, sample in ipairs(thread:get("samples")) do
      table.insert(texts, quote(sample))
    end
    local began, ended = thread:get("started"), thread:get("stopped")
    if thread:get("ran_out") then ran_out_threads = ran_out_threads + 1 end
    if began and (not first or began < first) then first = began end
    if ended and (not last or ended > last) then last = ended end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"ok":%d,"failed":%d,"reused":%d,"requests":%d,"duration_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,' ..
    '"threads":%d,"ran_out_threads":%d,"sent_seconds":%s,"samples":[%s]}\n',
    total.ok, total.failed, total.reused, summary.requests, summary.duration,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(99), #threads, ran_out_threads,
    (first and last) and string.format("%.6f", last - first) or "null",
    table.concat(texts, ",")))
end
