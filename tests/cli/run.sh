#!/usr/bin/env bash
# tests/cli/run.sh ATSIM — end-to-end checks of the atsim command line on the
# real clock: argument errors, `atsim serve` start-up, a request, a clean
# shutdown on SIGTERM. Waits on events (the port file, the HTTP answer) with
# bounded timeouts; never sleeps for a fixed time to let something happen.
set -u -o pipefail
ATSIM=${1:?usage: run.sh path/to/atsim}
fail=0
pass=0
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name"; fail=1; fi
}

exit_code() { "$@" >/dev/null 2>&1; echo $?; }

check "no command -> exit 2" test "$(exit_code "$ATSIM")" = 2
check "unknown command -> exit 2" test "$(exit_code "$ATSIM" frobnicate)" = 2
check "help -> exit 0" test "$(exit_code "$ATSIM" help)" = 0
check "serve --help -> exit 0" test "$(exit_code "$ATSIM" serve --help)" = 0
check "bad port -> exit 2" test "$(exit_code "$ATSIM" serve --port 70000)" = 2
check "bad rate limit -> exit 2" test "$(exit_code "$ATSIM" serve --rate-limit fast)" = 2
check "unknown ats -> exit 1" test "$(exit_code "$ATSIM" serve --ats nope --port 0)" = 1
echo '{"users": 3}' > "$tmp/bad.json"
check "bad --data -> exit 1" test "$(exit_code "$ATSIM" serve --port 0 --data "$tmp/bad.json")" = 1
"$ATSIM" serve --port 0 --data "$tmp/bad.json" 2>"$tmp/bad.err" >/dev/null
check "bad --data names the problem" grep -q "'users' must be an array" "$tmp/bad.err"

# Start a server and wait (bounded) for its port file.
"$ATSIM" serve --port 0 --port-file "$tmp/port" --latency off >"$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/port" ] && break
  kill -0 $pid 2>/dev/null || break
  read -r -t 0.05 <> <(:) || true
done
check "serve writes its port file" test -s "$tmp/port"
port=$(cat "$tmp/port" 2>/dev/null)
key=$(awk '/^API key/ {print $4}' "$tmp/out")
check "serve prints an API key" test -n "$key"
code=$(curl -s -o "$tmp/jobs" -w '%{http_code}' --max-time 5 -u "$key:" "http://127.0.0.1:$port/v1/jobs")
check "GET /v1/jobs with the printed key -> 200" test "$code" = 200
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/v1/jobs")
check "GET /v1/jobs without a key -> 401" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/_sim/health")
check "control health -> 200" test "$code" = 200
kill -TERM $pid
for _ in $(seq 1 100); do
  kill -0 $pid 2>/dev/null || break
  read -r -t 0.05 <> <(:) || true
done
wait $pid
rc=$?
check "SIGTERM -> clean exit 0" test "$rc" = 0
check "shutdown is reported" grep -q "shutting down" "$tmp/out"

# --data replaces the seed data
cat > "$tmp/data.json" <<'JSON'
{"organization": "Globex",
 "users": [{"id": 77, "first_name": "Hank", "last_name": "Scorpio", "email": "hank@globex.example", "site_admin": true}],
 "jobs": [{"id": 555, "name": "Doomsday Device Engineer", "stages": ["Screen", "Volcano Lair Visit"]}],
 "candidates": [{"first_name": "Homer", "last_name": "Simpson", "emails": ["homer@example.com"],
                 "applications": [{"job_id": 555, "stage": "Volcano Lair Visit"}]}]}
JSON
rm -f "$tmp/port2"
"$ATSIM" serve --port 0 --port-file "$tmp/port2" --latency off --data "$tmp/data.json" >"$tmp/out2" 2>&1 &
pid2=$!
for _ in $(seq 1 100); do [ -s "$tmp/port2" ] && break; read -r -t 0.05 <> <(:) || true; done
key2=$(awk '/^API key/ {print $4}' "$tmp/out2")
curl -s --max-time 5 -u "$key2:" "http://127.0.0.1:$(cat "$tmp/port2")/v1/jobs" > "$tmp/jobs2"
check "--data: the file's job is served" grep -q '"id":555,"name":"Doomsday Device Engineer"' "$tmp/jobs2"
check "--data: the seed jobs are gone" test "$(grep -o '"id":41000' "$tmp/jobs2" | wc -l)" = 0
curl -s --max-time 5 -u "$key2:" "http://127.0.0.1:$(cat "$tmp/port2")/v1/candidates?email=homer@example.com" > "$tmp/c2"
check "--data: the candidate sits in the named stage" grep -q '"current_stage":{"id":[0-9]*,"name":"Volcano Lair Visit"}' "$tmp/c2"
kill -TERM $pid2; wait $pid2

echo "cli: $pass passed, $fail failed"
exit $fail
