-- POST /v1/candidates with a valid body, Basic auth and On-Behalf-Of.
-- AUTH and OBO come from the environment.
wrk.method = "POST"
wrk.headers["Authorization"] = os.getenv("AUTH")
wrk.headers["On-Behalf-Of"] = os.getenv("OBO")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"first_name":"Ada","last_name":"Lovelace","email_addresses":[{"type":"personal","value":"ada@example.com"},{"type":"work","value":"ada.lovelace@example.org"}],"phone_numbers":[{"type":"mobile","value":"+44 20 7946 0000"}],"company":"Analytical Engines Ltd","applications":[{"job_id":4100001}]}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_us=%d p99_us=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
