-- wrk script: POSTs pre-made requests, each once. WRK_BODIES names a file of lines "path<TAB>authorization<TAB>body";
-- thread n of N sends lines n, n+N, n+2N, ... and stops when its share is spent (a signed request's nonce is good
-- once). The report is wrk_report.lua's (WRK_REPORT), one JSON line.
dofile(os.getenv("WRK_REPORT"))

local counter = 0
local threads = {}

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local total = tonumber(os.getenv("WRK_THREADS"))
  requests_ = {}
  local n = 0
  for line in io.lines(os.getenv("WRK_BODIES")) do
    if n % total == index then
      local path, authorization, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(requests_, wrk.format("POST", path, {
        ["Authorization"] = authorization,
        ["Content-Type"] = "application/json",
        ["X-Forwarded-Proto"] = "https",
      }, body))
    end
    n = n + 1
  end
  next_ = 1
end

function request()
  local r = requests_[next_]
  if r == nil then
    -- spent (the run makes more than it can send, so this is a guard): stop, and never replay a nonce
    wrk.thread:stop()
    return wrk.format("GET", "/healthz", {["X-Forwarded-Proto"] = "https"})
  end
  next_ = next_ + 1
  return r
end
