#!/usr/bin/env bash
# sim/demo.sh ATSIM — the `make run` demo until the scenario runner lands:
# start `atsim serve`, exercise it the way a sync engine would (auth, a
# fault, its recovery, a revoked key, a rate limit) and print what happened.
set -u -o pipefail
ATSIM=${1:?usage: sim/demo.sh path/to/atsim}
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$ATSIM" serve --port 0 --port-file "$tmp/port" --latency off >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; read -r -t 0.05 <> <(:) || true; done
[ -s "$tmp/port" ] || { echo "demo: atsim serve did not start"; cat "$tmp/out"; exit 1; }
base="http://127.0.0.1:$(cat "$tmp/port")"
key=$(awk '/^API key/ {print $4}' "$tmp/out")
cid=$(awk -F= '/client_id=/ {print $2}' "$tmp/out")
csecret=$(awk -F'[= ]+' '/client_secret=/ {print $3}' "$tmp/out")
failed=0

say() { printf '\n== %s\n' "$*"; }
# req EXPECTED-STATUS DESCRIPTION curl-args... : run, show status and a body excerpt
req() {
  local want=$1 what=$2; shift 2
  local code
  code=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 "$@")
  local mark=ok
  [ "$code" = "$want" ] || { mark="UNEXPECTED (wanted $want)"; failed=1; }
  printf '  %-52s -> %s %s\n' "$what" "$code" "$mark"
  printf '      %s\n' "$(head -c 150 "$tmp/body" | tr -d '\n')"
}

say "A fake Greenhouse is up at $base (control API at $base/_sim/)"
req 200 "GET /v1/jobs with the minted v1 API key" -u "$key:" "$base/v1/jobs?per_page=2"
req 401 "GET /v1/jobs without credentials" "$base/v1/jobs"
req 201 "POST /v1/candidates (On-Behalf-Of: 4000001)" -u "$key:" \
  -H 'On-Behalf-Of: 4000001' -H 'Content-Type: application/json' \
  -d '{"first_name":"Ada","last_name":"Lovelace","email_addresses":[{"value":"ada@example.com","type":"personal"}],"applications":[{"job_id":4100001}]}' \
  "$base/v1/candidates"

say "v3: OAuth client credentials, then a bearer call"
req 200 "POST /token grant_type=client_credentials" -u "$cid:$csecret" \
  -d 'grant_type=client_credentials' "$base/token"
token=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' "$tmp/body")
req 200 "GET /v3/candidates?email=ADA@example.com" -H "Authorization: Bearer $token" \
  "$base/v3/candidates?email=ADA@example.com"

say "Fault: Greenhouse goes into maintenance (outage 503 for 1h)"
req 201 "POST /_sim/faults outage mode=503" -H 'Content-Type: application/json' \
  -d '{"kind":"outage","mode":"503","for":"1h","message":"Scheduled database maintenance"}' \
  "$base/_sim/faults"
fid=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$tmp/body")
req 503 "GET /v1/jobs during the outage" -u "$key:" "$base/v1/jobs"
req 200 "GET /api/v2/status.json (status page)" "$base/api/v2/status.json"
say "Recovery: the fault is cleared"
req 204 "DELETE /_sim/faults/$fid" -X DELETE "$base/_sim/faults/$fid"
req 200 "GET /v1/jobs after the outage" -u "$key:" "$base/v1/jobs?per_page=1"

say "Fault: a 429 storm (rate_limit limit=1 window=60s)"
req 201 "POST /_sim/faults rate_limit" -H 'Content-Type: application/json' \
  -d '{"kind":"rate_limit","limit":1,"window":"60s"}' "$base/_sim/faults"
req 200 "first request in the window" -u "$key:" "$base/v1/users"
req 429 "second request in the window (Retry-After set)" -u "$key:" "$base/v1/users"
req 204 "DELETE /_sim/faults (clear all)" -X DELETE "$base/_sim/faults"

say "Admin action: the API key is revoked in Greenhouse"
req 200 "POST /_sim/actions revoke_api_key key-1" -H 'Content-Type: application/json' \
  -d '{"action":"revoke_api_key","credential":"key-1"}' "$base/_sim/actions"
req 401 "GET /v1/jobs with the revoked key" -u "$key:" "$base/v1/jobs"
req 201 "POST /_sim/credentials (a fresh key)" -H 'Content-Type: application/json' \
  -d '{"type":"api_key"}' "$base/_sim/credentials"
newkey=$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' "$tmp/body")
req 200 "GET /v1/jobs with the new key" -u "$newkey:" "$base/v1/jobs?per_page=1"

say "The request journal (GET /_sim/journal)"
curl -s "$base/_sim/journal" | tr '{' '\n' | sed -n 's/.*"method":"\([A-Z]*\)","target":"\([^"]*\)".*"status":\([0-9a-z]*\).*/  \1 \2 -> \3/p' | head -20

kill -TERM "$pid"; wait "$pid"; pid=""
echo
if [ $failed -eq 0 ]; then echo "demo: every step behaved as the real Greenhouse would."; else echo "demo: some steps were unexpected (see above)."; exit 1; fi
