#!/usr/bin/env bash
# tests/cli/atsync.sh BUILD — the atsync command line end to end on the real
# clock, against `atsim serve`: argument errors of the status-pull options,
# a push, then the pull: the engine's webhook endpoint (`run
# --webhook-port`) receives a signed delivery from the fake Greenhouse and
# the candidate's status follows; a forged delivery is refused and logged.
# Waits on events (a port file, a line of output, a status) with bounded
# timeouts; never sleeps for a fixed time to let something happen.
set -u -o pipefail
BUILD=${1:?usage: atsync.sh BUILD_DIR}
ATSIM=$BUILD/atsim
ATSYNC=$BUILD/atsync
fail=0
pass=0
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
export ATSYNC_DB=$tmp/demo.db

check() { # name, then a command that must succeed
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name"; fail=1; fi
}
exit_code() { "$@" >/dev/null 2>&1; echo $?; }
tick() { read -r -t 0.05 <> <(:) || true; }
# wait_for SECONDS CMD...: until CMD succeeds (true) or the time is up
wait_for() {
  local n=$(( $1 * 20 )); shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; tick; done
  return 1
}

"$ATSIM" serve --port 0 --port-file "$tmp/port" --latency off >"$tmp/serve" 2>&1 &
wait_for 10 test -s "$tmp/port" || { echo "FAIL: atsim serve did not start"; exit 1; }
wait_for 5 grep -q '^OAuth client' "$tmp/serve"
base="http://127.0.0.1:$(cat "$tmp/port")"
cid=$(awk '/^OAuth client/ {sub("client_id=", "", $3); print $3}' "$tmp/serve")
sec=$(awk '/client_secret=/ {sub("client_secret=", "", $1); print $1}' "$tmp/serve")

# ---- argument errors: exit 2 with a message that names the fix ----------------
check "map status needs two names" test "$(exit_code "$ATSYNC" map status Onsite)" = 2
"$ATSYNC" set default_country USA 2>"$tmp/err" >/dev/null
check "set default_country USA -> exit 2" test $? = 2
check "the message says two letters" grep -q "two-letter" "$tmp/err"
check "set an unknown setting -> exit 2" test "$(exit_code "$ATSYNC" set colour blue)" = 2
check "--field without = -> exit 2" test "$(exit_code "$ATSYNC" approve --field nokey --email a@b.io --first A --last B --job j)" = 2
check "run --poll 10ms -> exit 2" test "$(exit_code "$ATSYNC" run --poll 10ms)" = 2
check "run --webhook-bind without a port -> exit 2" test "$(exit_code "$ATSYNC" run --webhook-bind 127.0.0.1)" = 2
check "run --webhook-port 70000 -> exit 2" test "$(exit_code "$ATSYNC" run --webhook-port 70000)" = 2

# ---- a push --------------------------------------------------------------------
check "connect with a webhook secret" "$ATSYNC" connect greenhouse --url "$base" \
  --client-id "$cid" --client-secret "$sec" --client-credentials \
  --webhook-secret whsec_cli_test >/dev/null
"$ATSYNC" map job backend 4100001 >/dev/null
"$ATSYNC" map stage approved "Recruiter Phone Screen" >/dev/null
check "map status" "$ATSYNC" map status rejected declined >/dev/null
check "set default_country" "$ATSYNC" set default_country us >/dev/null
check "approve with a custom field" "$ATSYNC" approve --email ada@example.com \
  --first Ada --last Lovelace --job backend --phone "(415) 555-0100" \
  --field available_from="28 Nov 2026" >/dev/null
check "run --until-idle delivers" "$ATSYNC" run --until-idle --timeout 30s >/dev/null
"$ATSYNC" candidates >"$tmp/cands"
check "synced" grep -q " synced " "$tmp/cands"
app=$(grep -o 'application [0-9]*' "$tmp/cands" | awk '{print $2}')
check "the phone went out in E.164" bash -c "curl -s '$base/_sim/state' | grep -q '+14155550100'"
check "the date went out as YYYY-MM-DD" bash -c "curl -s '$base/_sim/state' | grep -q '2026-11-28'"

# ---- the pull: a signed webhook on the real clock ----------------------------
"$ATSYNC" run --webhook-port 0 --poll off >"$tmp/run" 2>&1 &
runpid=$!
wait_for 10 grep -q '^webhooks: POST' "$tmp/run"
url=$(awk '/^webhooks: POST/ {print $3}' "$tmp/run")
check "run prints the endpoint" test -n "$url"
curl -s -d "{\"url\":\"$url\",\"secret\":\"whsec_cli_test\"}" "$base/_sim/webhooks" >/dev/null
curl -s -d "{\"action\":\"reject_application\",\"application\":$app}" "$base/_sim/actions" >/dev/null
rejected() { "$ATSYNC" candidates 2>/dev/null | grep -q "status: declined (ATS: rejected)"; }
check "the rejection comes back by webhook (polling off), mapped" wait_for 15 rejected
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Signature: sha256 00' \
  -d '{"action":"reject_candidate","payload":{}}' "$url")
check "a forged delivery -> 401" test "$code" = 401
"$ATSYNC" status >"$tmp/status"
check "status: webhooks set up, one received" grep -q "Webhooks:     set up, last received 20" "$tmp/status"
kill -TERM $runpid; wait $runpid 2>/dev/null
"$ATSYNC" log >"$tmp/log"
check "the log says a webhook was refused" grep -q "Refused a webhook with a bad signature" "$tmp/log"
check "the secret never reaches the log" bash -c "! grep -q whsec_cli_test '$tmp/log' '$tmp/status' '$tmp/cands'"

echo "atsync cli: $pass passed, $fail failed"
exit $fail
