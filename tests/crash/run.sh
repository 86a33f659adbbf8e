#!/usr/bin/env bash
# tests/crash/run.sh BUILD_DIR — crash durability of `atsync run` against
# `atsim serve --rate-limit off --latency off` on the real clock, with a
# store file in a temporary directory (issue 3, "Must show" 4):
#
#   (a) the crash hook (ATSYNC_CRASH_COMMIT=N, ATSYNC_CRASH_WHEN=before|after)
#       kills `atsync run` by SIGKILL at each durable commit in turn while it
#       pushes 3 candidates, until a run with the hook completes untouched;
#   (b) a create the ATS applied but whose answer never came (an outage
#       `hang commit=before` on POST /v3/candidates), killed during the hang;
#   (c) `atsync approve` killed just before and just after its commit;
#   (d) 200 candidates, `atsync run` killed -9 20 times at seeded moments.
#
# After each case a restarted `atsync run --until-idle` finishes, and then
# every approved candidate is in the ATS exactly once (one live candidate per
# email, one application on the mapped job, in the mapped stage) and
# `atsync candidates` shows each one synced with that ATS id.
#
# Waits are on events (the port file, the journal, a process ending), each
# bounded; every child runs under `timeout` or, for the ones killed on
# purpose, under a bounded wait that kills them; the trap cleans up.
set -u -o pipefail
BUILD=${1:?usage: tests/crash/run.sh BUILD_DIR}
ATSIM=$BUILD/atsim
ATSYNC=$BUILD/atsync
for b in "$ATSIM" "$ATSYNC"; do
  [ -x "$b" ] || { echo "crash: $b is missing (build it first)"; exit 2; }
done

T=30                     # wall-clock limit of one child command (s)
JOB=4100001              # an open seed job: Backend Engineer
STAGE='Recruiter Phone Screen'
STAGE_ID=5000002         # that stage in job 4100001
SEED_CANDIDATES=6        # live candidates in the seed data

tmp=$(mktemp -d)
sim_pid=""
run_pid=""
cleanup() {
  [ -n "$run_pid" ] && kill -9 "$run_pid" 2>/dev/null
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP
# private copies: a rebuild of BUILD_DIR meanwhile cannot swap them mid-test
cp "$BUILD/atsim" "$BUILD/atsync" "$tmp/" || exit 2
ATSIM=$tmp/atsim
ATSYNC=$tmp/atsync

cases=0
failed=0
case_fail=0
fail() { # message
  echo "FAIL [$case_name]: $*"
  case_fail=1
}

pause() { sleep 0.02; } # the poll interval of the bounded waits below

# ---- the sim -------------------------------------------------------------------

start=$(date +%s)
timeout 170 "$ATSIM" serve --port 0 --port-file "$tmp/port" --rate-limit off \
  --latency off --journal 100000 >"$tmp/sim.out" 2>&1 &
sim_pid=$!
for _ in $(seq 1 250); do
  [ -s "$tmp/port" ] && grep -q '^Stop with' "$tmp/sim.out" && break
  kill -0 "$sim_pid" 2>/dev/null || break
  pause
done
if ! [ -s "$tmp/port" ]; then
  echo "crash: atsim serve did not start:"; cat "$tmp/sim.out"; exit 1
fi
BASE="http://127.0.0.1:$(cat "$tmp/port")"
CTL=$(awk '/^Control URL/ {print $3}' "$tmp/sim.out") # ends with /_sim/
CTL=${CTL%/}

ctl() { # METHOD PATH [BODY]: a control call; the answer on stdout
  curl -sS --fail --max-time 5 -X "$1" "$CTL/$2" ${3:+-d "$3"}
}

journal_last() {
  ctl GET "journal?after=999999999&limit=1" | sed -n 's/^{"last":\([0-9]*\).*/\1/p'
}

# ---- one case: a fresh tenant, a fresh store, connected and mapped --------------

DB=""
cli() { timeout "$T" "$ATSYNC" --db "$DB" "$@"; }

sim_alive() {
  kill -0 "$sim_pid" 2>/dev/null && return 0
  echo "crash: atsim serve died; its output:"; tail -20 "$tmp/sim.out"
  exit 1
}

fresh_case() { # name
  sim_alive
  case_name=$1
  case_fail=0
  cases=$((cases + 1))
  DB="$tmp/$cases.db"
  : >"$tmp/emails"
  if ! ctl POST reset >/dev/null; then fail "POST /_sim/reset failed"; return 1; fi
  local cred id secret
  cred=$(ctl POST credentials '{"type":"oauth_client"}') || {
    fail "cannot mint an OAuth client"; return 1; }
  id=$(printf '%s' "$cred" | sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p')
  secret=$(printf '%s' "$cred" | sed -n 's/.*"client_secret":"\([^"]*\)".*/\1/p')
  if ! cli connect greenhouse --url "$BASE" --client-id "$id" \
         --client-secret "$secret" --client-credentials >"$tmp/out" 2>&1 ||
     ! cli map job eng "$JOB" >>"$tmp/out" 2>&1 ||
     ! cli map stage screen "$STAGE" >>"$tmp/out" 2>&1; then
    fail "set-up failed: $(tr '\n' ' ' <"$tmp/out")"
    return 1
  fi
}

approve() { # email [env assignments...]: approve one candidate; prints rc
  local email=$1; shift
  local n=${email%%@*}
  env "$@" timeout "$T" "$ATSYNC" --db "$DB" approve --email "$email" \
    --first "F$n" --last "L$n" --job eng --stage screen >>"$tmp/approve.out" 2>&1
  echo $?
}

approve_n() { # prefix count
  local i rc
  for i in $(seq 1 "$2"); do
    rc=$(approve "$1-$i@x.example")
    if [ "$rc" != 0 ]; then fail "approve $1-$i: exit $rc"; return 1; fi
    echo "$1-$i@x.example" >>"$tmp/emails"
  done
}

finish() { # run to completion without the hook
  local rc
  cli run --until-idle --timeout 20s >"$tmp/finish.out" 2>&1
  rc=$?
  [ "$rc" = 0 ] || fail "the finishing run exited $rc: $(tr '\n' ' ' <"$tmp/finish.out")"
}

# Every approved email: exactly one live ATS candidate, one application on the
# mapped job, in the mapped stage; `atsync candidates` lists it synced with that
# ATS id, and lists nothing else.
verify() {
  sim_alive
  if ! ctl GET state >"$tmp/state.json"; then fail "GET /_sim/state failed"; return; fi
  # one line per candidate: "ID {rest of the object}"
  sed -e 's/^.*"candidates":\[//' -e 's/\],"counts":.*$//' \
      -e 's/{"id":\([0-9]*\),"first_name"/\n\1 {"first_name"/g' "$tmp/state.json" |
    awk -v job="$JOB" -v sid="$STAGE_ID" '
      NF == 0 || /"merged_into"/ { next }
      {
        id = $1
        if (!match($0, /"emails":\[[^]]*\]/)) next
        em = substr($0, RSTART + 10, RLENGTH - 11)
        napps = gsub("\"job_id\":" job ",", "&")
        nok = gsub("\"job_id\":" job ",\"stage_id\":" sid ",[^}]*\"status\":\"active\"", "&")
        n = split(em, a, ",")
        for (i = 1; i <= n; i++) {
          gsub(/"/, "", a[i])
          print tolower(a[i]), id, napps, nok
        }
      }' >"$tmp/ats.rows"
  local live
  live=$(sed -n 's/.*"counts":{"candidates":\([0-9]*\).*/\1/p' "$tmp/state.json")
  if ! cli candidates >"$tmp/cands.out" 2>&1; then
    fail "atsync candidates failed: $(head -c 300 "$tmp/cands.out")"
  fi
  local want
  want=$(wc -l <"$tmp/emails")
  if [ "$live" != $((SEED_CANDIDATES + want)) ]; then
    fail "the ATS has ${live:-?} live candidates; want $SEED_CANDIDATES seed + $want approved"
  fi
  # (the emails are short: `atsync candidates` cuts its email column at 24)
  awk '
    FILENAME == ARGV[1] { e = tolower($1); want[e] = 1; order[++n] = e; next }
    FILENAME == ARGV[2] { cnt[$1]++; aid[$1] = $2; apps[$1] += $3; ok[$1] += $4; next }
    FILENAME == ARGV[3] && /^[^ ]/ {
      e = tolower($2); scnt[e]++; ssync[e] = $3; sid[e] = $6; sref[e] = $1
      if (!(e in want)) printf "store has a candidate nobody approved: %s (%s)\n", $1, $2
    }
    END {
      for (i = 1; i <= n; i++) {
        e = order[i]
        if (cnt[e] != 1) { printf "%s: %d live candidates in the ATS (want 1)\n", e, cnt[e]; continue }
        if (apps[e] != 1) printf "%s: %d applications on the mapped job (want 1)\n", e, apps[e]
        else if (ok[e] != 1) printf "%s: the application is not active in the mapped stage\n", e
        if (scnt[e] != 1) { printf "%s: listed %d times by atsync candidates (want 1)\n", e, scnt[e]; continue }
        if (ssync[e] != "synced") printf "%s (%s): %s in the store, not synced\n", e, sref[e], ssync[e]
        else if (sid[e] != aid[e]) printf "%s (%s): the store has ATS id %s, the ATS %s\n", e, sref[e], sid[e], aid[e]
      }
    }' "$tmp/emails" "$tmp/ats.rows" "$tmp/cands.out" >"$tmp/verify.out"
  if [ -s "$tmp/verify.out" ]; then
    while IFS= read -r line; do fail "$line"; done <"$tmp/verify.out"
  fi
}

end_case() { # detail
  if [ "$case_fail" = 0 ]; then
    echo "ok   $case_name: $*"
  else
    echo "FAILED $case_name: $*"
    failed=$((failed + 1))
    if [ -s "$tmp/cands.out" ]; then sed 's/^/       /' "$tmp/cands.out" | head -20; fi
  fi
}

# Kill the background `atsync run` by SIGKILL and reap it (quietly: no job
# notice). Sets run_rc.
kill_run() {
  { kill -9 "$run_pid"; wait "$run_pid"; } 2>/dev/null
  run_rc=$?
  run_pid=""
}

# Wait (bounded, seconds) until a background `atsync run` exits; kill it if it
# outlives the bound. Sets run_rc.
wait_run() { # seconds
  local i
  for i in $(seq 1 $(($1 * 50))); do
    kill -0 "$run_pid" 2>/dev/null || break
    pause
  done
  if kill -0 "$run_pid" 2>/dev/null; then
    kill -9 "$run_pid" 2>/dev/null
    fail "atsync run did not end within $1 s"
  fi
  wait "$run_pid" 2>/dev/null
  run_rc=$?
  run_pid=""
}

# ---- (a) the crash hook at each commit of `atsync run`, before and after ---------------

done_before=0
done_after=0
for N in $(seq 1 60); do
  for WHEN in before after; do
    if [ "$WHEN" = before ] && [ $done_before = 1 ]; then continue; fi
    if [ "$WHEN" = after ] && [ $done_after = 1 ]; then continue; fi
    fresh_case "a: commit $N $WHEN" || { end_case "set-up"; continue; }
    approve_n "a$N$WHEN" 3 || { end_case "approvals"; continue; }
    ATSYNC_CRASH_COMMIT=$N ATSYNC_CRASH_WHEN=$WHEN cli run --until-idle \
      --timeout 20s >"$tmp/hooked.out" 2>&1
    rc=$?
    if [ "$rc" = 137 ]; then
      detail="killed at the commit, restarted, finished"
      finish
    elif [ "$rc" = 0 ]; then
      detail="the run made fewer than $N commits: completed untouched"
      [ "$WHEN" = before ] && done_before=1 || done_after=1
    else
      fail "the run with the hook exited $rc (want 137, or 0 when untouched): $(tr '\n' ' ' <"$tmp/hooked.out")"
      detail="unexpected exit"
    fi
    verify
    end_case "$detail"
  done
  [ $done_before = 1 ] && [ $done_after = 1 ] && break
done
if [ $done_before = 0 ] || [ $done_after = 0 ]; then
  echo "FAIL: the hooked runs never completed untouched (60 commits and more?)"
  failed=$((failed + 1))
fi

# ---- (b) the ATS applied a create, the answer never came, killed during the hang -------

if fresh_case "b: killed while a create is held (outage hang commit=before)"; then
  approve_n b 3
  ctl POST faults '{"kind":"outage","mode":"hang","commit":"before","route":"POST /v3/candidates","count":1}' \
    >/dev/null || fail "cannot add the hang fault"
  "$ATSYNC" --db "$DB" run --until-idle --timeout 20s >"$tmp/run.out" 2>&1 &
  run_pid=$!
  held=0
  for _ in $(seq 1 250); do
    if ctl GET "journal?limit=1000" | grep -q '"route":"POST /v3/candidates","status":null[^}]*"note":"[^"]*held'; then
      held=1; break
    fi
    kill -0 "$run_pid" 2>/dev/null || break
    pause
  done
  [ $held = 1 ] || fail "the create was never held (journal: no held POST /v3/candidates)"
  kill_run
  [ "$run_rc" = 137 ] || fail "atsync run was not killed during the hang (exit $run_rc)"
  # the held create was applied, and the store does not know its id yet
  created=$(ctl GET state | grep -o '"created_by":"client-' | wc -l)
  cli candidates >"$tmp/cands.out" 2>&1
  recorded=$(awk '/^[^ ]/ && $6 != "-"' "$tmp/cands.out" | wc -l)
  [ "$created" -gt "$recorded" ] ||
    fail "the ATS has $created created candidates, the store knows $recorded: the held create was not applied (the case tests nothing)"
  ctl DELETE faults >/dev/null || fail "cannot clear the faults"
  finish
  verify
  end_case "killed during the hang, restarted, finished"
else
  end_case "set-up"
fi

# ---- (c) `atsync approve` killed just before and just after its commit ------------------

for WHEN in before after; do
  fresh_case "c: approve killed $WHEN its commit" || { end_case "set-up"; continue; }
  approve_n c 2
  rc=$(approve "c-x@x.example" ATSYNC_CRASH_COMMIT=1 ATSYNC_CRASH_WHEN=$WHEN)
  [ "$rc" = 137 ] || fail "approve with the hook exited $rc (want 137)"
  cli candidates >"$tmp/cands.out" 2>&1 || fail "atsync candidates failed after the crash"
  if [ "$WHEN" = before ]; then
    if grep -q 'c-x@x.example' "$tmp/cands.out"; then
      fail "c-x@x.example is in the store although its approval never committed"
    fi
    rc=$(approve "c-x@x.example")
    [ "$rc" = 0 ] || fail "approving c-x@x.example again failed (exit $rc)"
    detail="not in the store; approved again; delivered once"
  else
    grep -q 'c-x@x.example' "$tmp/cands.out" ||
      fail "c-x@x.example is not in the store although its approval committed"
    detail="in the store; delivered once"
  fi
  echo "c-x@x.example" >>"$tmp/emails"
  finish
  verify
  end_case "$detail"
done

# ---- (d) 200 candidates, 20 kills at seeded random moments --------------------------------

RANDOM=42
if fresh_case "d: 200 candidates, 20 kills"; then
  # the approvals, four processes at a time (each is one transaction)
  approve_batch() { # FIRST LAST
    for i in $(seq "$1" "$2"); do
      approve "d-$i@x.example" >"$tmp/rc.$i" &
      pids="${pids:-} $!"
      if [ $((i % 4)) = 0 ] || [ "$i" = "$2" ]; then wait $pids; pids=""; fi
    done
    for i in $(seq "$1" "$2"); do
      if [ "$(cat "$tmp/rc.$i")" != 0 ]; then fail "approve d-$i: exit $(cat "$tmp/rc.$i")"; fi
      echo "d-$i@x.example" >>"$tmp/emails"
    done
  }
  approve_batch 1 200
  approved=200
  kills=0
  early=0
  moments=""""
  while [ $kills -lt 20 ] && [ "$case_fail" = 0 ]; do
    sim_alive
    base=$(journal_last)
    "$ATSYNC" --db "$DB" run --until-idle --timeout 20s >"$tmp/run.out" 2>&1 &
    run_pid=$!
    if [ $((kills % 3)) = 2 ]; then
      # at 0-59 ms into the run: start-up, token, the job, the first pushes
      sleep "0.0$(printf '%02d' $((RANDOM % 60)))"
    else
      # once the run sent 1-12 more requests (polled, bounded at 5 s)
      target=$((base + 1 + RANDOM % 12))
      for _ in $(seq 1 500); do
        [ "$(journal_last)" -ge "$target" ] 2>/dev/null && break
        kill -0 "$run_pid" 2>/dev/null || break
        sleep 0.01
      done
    fi
    if kill -0 "$run_pid" 2>/dev/null; then
      kill_run
      [ "$run_rc" = 137 ] || fail "kill $((kills + 1)): atsync run exited $run_rc"
      kills=$((kills + 1))
      moments="$moments $(($(journal_last) - base))"
    else
      # the ATS was quicker than the kills: more work, and kill on (the
      # kills must all land while pushes are in flight)
      wait_run 5
      early=$((early + 1))
      [ $early -le 4 ] || { fail "the runs kept finishing before the kills"; break; }
      approve_batch $((approved + 1)) $((approved + 50))
      approved=$((approved + 50))
    fi
  done
  finish
  verify
  end_case "$approved candidates, $kills kills (after this many requests of each run:$moments), restarted each time, finished"
else
  end_case "set-up"
fi

elapsed=$(($(date +%s) - start))
if [ "$elapsed" -ge 120 ]; then
  echo "FAIL: the crash tests took ${elapsed}s; they must stay under 2 minutes"
  failed=$((failed + 1))
fi
echo "crash: $cases cases, $failed failed (${elapsed}s)"
[ "$failed" = 0 ]
