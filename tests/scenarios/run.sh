#!/usr/bin/env bash
# tests/scenarios/run.sh ATSIM — end-to-end checks of `atsim run` and
# `atsim list` on the fixtures beside this script:
#   bad/     files that must not parse (bad/EXPECTED: FILE LINE:COL substring)
#   good/    scenarios that pass (and one pending that fails as expected)
#   wrong/   scenarios with a deliberately wrong expectation, marked with
#            the comment "# wrong on purpose" on its line
#   pending/ a pending scenario that passes (which fails the run)
# Prints "ok   NAME" or "FAIL NAME" per check and a closing count; exits
# nonzero on any failure. Every atsim call is bounded with `timeout`.
set -u -o pipefail

ATSIM=${1:?usage: run.sh path/to/atsim}
case $ATSIM in /*) ;; *) ATSIM=$PWD/$ATSIM ;; esac
cd "$(dirname "$0")/../.." || exit 2
D=tests/scenarios
LIMIT=${ATSIM_TEST_TIMEOUT:-120}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { # NAME COMMAND...: the command must succeed
  local name=$1
  shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
# Run atsim; stdout in $tmp/out, stderr in $tmp/err, status in $rc.
atsim() {
  timeout "$LIMIT" "$ATSIM" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
}
has() { grep -qF -- "$1" "${2:-$tmp/out}"; }
has_err() { grep -qF -- "$1" "$tmp/err"; }
# The result lines of an output: "VERDICT FILE [ATS] [#REP] ... hash H",
# reduced to "VERDICT FILE [ATS] [#REP] H".
runs_of() {
  grep -E '^(PASS|FAIL|ERROR|PENDING|PASSED-BUT-PENDING) ' "$1" |
    sed -E 's/^([A-Z-]+) +([^ ]+) (\[[^]]*\])( #[0-9]+)? .* hash ([0-9a-f]{16})$/\1 \2 \3\4 \5/'
}
nruns() { runs_of "$1" | wc -l | tr -d ' '; }

# ---- files that must not parse ----------------------------------------------
if [ ! -f $D/bad/EXPECTED ]; then
  bad "tests/scenarios/bad/EXPECTED exists (the parser's fixtures)"
else
  nbad=0
  while read -r file lc sub; do
    case $file in '' | '#'*) continue ;; esac
    nbad=$((nbad + 1))
    atsim run "$D/bad/$file"
    check "bad/$file: exit 2" test "$rc" = 2
    check "bad/$file: stderr names $D/bad/$file:$lc:" has_err "$D/bad/$file:$lc:"
    check "bad/$file: stderr says '$sub'" has_err "$sub"
    check "bad/$file: nothing ran" test "$(nruns "$tmp/out")" = 0
  done <$D/bad/EXPECTED
  check "bad/EXPECTED lists fixtures" test "$nbad" -gt 0
  # the whole folder at once: every file's error is printed
  atsim run $D/bad
  check "bad/: exit 2" test "$rc" = 2
  missing=0
  while read -r file lc sub; do
    case $file in '' | '#'*) continue ;; esac
    has_err "$D/bad/$file:$lc:" || missing=$((missing + 1))
  done <$D/bad/EXPECTED
  check "bad/: every file's error printed in one run" test "$missing" = 0
  # one bad file among good ones: every error printed, nothing runs
  first=$(awk '$1 !~ /^#/ && NF {print $1; exit}' $D/bad/EXPECTED)
  if [ -n "$first" ]; then
    atsim run $D/good "$D/bad/$first"
    check "a bad file among good ones: exit 2" test "$rc" = 2
    check "a bad file among good ones: nothing ran" test "$(nruns "$tmp/out")" = 0
  fi
fi

# ---- bad command lines -------------------------------------------------------
atsim run --jbos 2 $D/good
check "--jbos: exit 2" test "$rc" = 2
check "--jbos: did you mean --jobs" has_err "did you mean --jobs"
atsim run --frobnicate $D/good
check "--frobnicate: exit 2" test "$rc" = 2
check "--frobnicate: names it and points to --help" \
  eval 'has_err "unknown option '"'"'--frobnicate'"'"'" && has_err "--help"'
atsim run -j 0 $D/good
check "-j 0: exit 2 with a message" eval '[ "$rc" = 2 ] && has_err "jobs"'
atsim run --shard 3/2 $D/good
check "--shard 3/2: exit 2 with a message" eval '[ "$rc" = 2 ] && has_err "--shard"'
atsim run --seed x $D/good
check "--seed x: exit 2" test "$rc" = 2
atsim run --until 5 $D/good
check "--until without a unit: exit 2" test "$rc" = 2
atsim run --ats grenhouse $D/good
check "--ats grenhouse: exit 2, did you mean greenhouse" \
  eval '[ "$rc" = 2 ] && has_err "did you mean greenhouse"'
atsim run $D/no-such-thing.scn
check "missing path: exit 2 naming it" \
  eval '[ "$rc" = 2 ] && has_err "$D/no-such-thing.scn"'
mkdir -p "$tmp/empty/sub"
atsim run "$tmp/empty"
check "folder without .scn: exit 2" eval '[ "$rc" = 2 ] && has_err "no .scn"'
atsim run --filter zzz-matches-nothing $D/good
check "--filter matching nothing: exit 2" test "$rc" = 2
atsim run --help
check "--help: exit 0 with the options" eval '[ "$rc" = 0 ] && has "--shard K/N"'
atsim list --frobnicate
check "list --frobnicate: exit 2" test "$rc" = 2

# ---- good scenarios ------------------------------------------------------------
atsim run $D/good
cp "$tmp/out" "$tmp/good.out"
check "good/: exit 0" test "$rc" = 0
ngood=$(ls $D/good/*.scn | wc -l | tr -d ' ')
# 'ats *' runs on every personality built (greenhouse lever workable ashby)
nstar=$(grep -l '^ats \*' $D/good/*.scn | wc -l | tr -d ' ')
ngood_runs=$((ngood + nstar * 3))
check "good/: one line per run ('ats *' once per ATS)" \
  test "$(nruns "$tmp/out")" = "$ngood_runs"
check "good/: 'ats *' ran on all four ATSes" \
  eval 'for a in greenhouse lever workable ashby; do grep -q "^PASS  tests/scenarios/good/outage.scn \[$a\]" "$tmp/out" || exit 1; done'
check "good/: PASS line format" \
  grep -qE '^PASS  tests/scenarios/good/approval\.scn \[greenhouse\] seed 1 · [0-9a-z.]+ simulated · [0-9.]+ m?s · hash [0-9a-f]{16}$' "$tmp/out"
check "good/: runs in path order" \
  eval 'runs_of "$tmp/out" | cut -d" " -f2 | LC_ALL=C sort -c'
check "good/: summary line" \
  grep -qE "^$ngood scenarios, $ngood_runs runs: [0-9]+ passed, 0 failed, 0 errors, 1 pending · [0-9a-z.]+ simulated in [0-9.]+ s wall( \([0-9.]+× real time\))?$" "$tmp/out"
check "good/: the summary is the last line" \
  eval 'tail -n 1 "$tmp/out" | grep -q "scenarios, "'
check "good/: the pending scenario is PENDING" \
  grep -qE '^PENDING tests/scenarios/good/pending_fails\.scn \[greenhouse\]' "$tmp/out"
check "good/: pending runs listed apart with their reason" \
  eval 'grep -A1 "^pending" "$tmp/out" | grep -q "pending_fails.scn \[greenhouse\]: the engine does not disconnect"'
check "good/: nothing on stderr" test ! -s "$tmp/err"

atsim run $D/good/pending_fails.scn
check "a pending scenario that fails: exit 0" test "$rc" = 0
check "a pending scenario that fails: counted pending" has "0 failed, 0 errors, 1 pending"
atsim run $D/pending/passes.scn
check "a pending scenario that passes: exit 1" test "$rc" = 1
check "a pending scenario that passes: PASSED-BUT-PENDING" \
  eval 'has "PASSED-BUT-PENDING tests/scenarios/pending/passes.scn" && has "1 passed-but-pending" && has "pending line"'

# ---- wrong expectations ------------------------------------------------------------
for f in $D/wrong/*.scn; do
  name=wrong/$(basename "$f")
  line=$(grep -n '# wrong on purpose' "$f" | head -n 1 | cut -d: -f1)
  atsim run "$f"
  check "$name: exit 1" test "$rc" = 1
  check "$name: FAIL line" has "FAIL  $f [greenhouse] seed 1 ·"
  check "$name: the expectation with file:line" has "  $f:$line: expect"
  check "$name: what was seen" grep -qE '^ +saw: ' "$tmp/out"
  check "$name: a trace excerpt" \
    eval 'grep -A1 "^  trace around the failure:$" "$tmp/out" | grep -qE "^    [^ ]"'
  repro=$(sed -n 's/^  reproduce: //p' "$tmp/out" | head -n 1)
  hash=$(runs_of "$tmp/out" | awk '{print $NF}')
  check "$name: a reproduction command" test -n "$repro"
  timeout "$LIMIT" bash -c "$repro" >"$tmp/repro" 2>&1
  rrc=$?
  check "$name: the reproduction fails the same way (exit 1, hash $hash)" \
    eval '[ "$rrc" = 1 ] && [ "$(runs_of "$tmp/repro" | awk "{print \$NF}")" = "$hash" ]'
  check "$name: the reproduction names the same line" has "  $f:$line: expect" "$tmp/repro"
done

# ---- determinism ------------------------------------------------------------------
atsim run --repeat 3 $D/good/approval.scn
check "--repeat 3: exit 0" test "$rc" = 0
check "--repeat 3: three runs #1..#3" \
  eval '[ "$(runs_of "$tmp/out" | grep -c " #[123] ")" = 3 ]'
check "--repeat 3: identical hashes" \
  eval '[ "$(runs_of "$tmp/out" | awk "{print \$NF}" | sort -u | wc -l)" = 1 ]'
ALL="$D/good $D/wrong $D/pending"
atsim run -j 1 $ALL
rc1=$rc
runs_of "$tmp/out" >"$tmp/j1"
atsim run -j 2 $ALL
check "-j 2: same exit status as -j 1" test "$rc" = "$rc1"
runs_of "$tmp/out" >"$tmp/j2"
check "-j 2: same runs, order and hashes as -j 1" cmp -s "$tmp/j1" "$tmp/j2"
check "-j 1: every fixture ran" test "$(wc -l <"$tmp/j1")" -ge 8
atsim run --jobs=2 --seed 5 $D/good/approval.scn
check "--seed 5: shown and in the run" has "[greenhouse] seed 5 ·"
# the latency model draws from the seed: another seed, another timeline
h5=$(runs_of "$tmp/out" | awk '{print $NF}')
atsim run --seed 1 $D/good/approval.scn
h1=$(runs_of "$tmp/out" | awk '{print $NF}')
check "--seed 5: a different hash from seed 1 (jitter)" \
  eval '[ -n "$h5" ] && [ -n "$h1" ] && [ "$h5" != "$h1" ]'
atsim run --seed 5 $D/good/approval.scn
check "--seed 5 again: the same hash" \
  eval '[ "$(runs_of "$tmp/out" | awk "{print \$NF}")" = "$h5" ]'
atsim run --seed=5 $D/wrong/people.scn
check "--seed 5: in the reproduction command" \
  grep -qE '^  reproduce: .*--seed 5' "$tmp/out"

# ---- the runner's own checks ----------------------------------------------------------
atsim run $D/leak/jwt.scn
check "secret check: exit 1 with no failed expectation" test "$rc" = 1
check "secret check: says what and where" \
  has "secret leaked: an access token (a JWT) appears in trace line"

# ---- shards and filters -------------------------------------------------------------
cut -d' ' -f2,3 "$tmp/j1" | sort >"$tmp/all"
atsim run --shard 1/2 $ALL
cut -d' ' -f2,3 <(runs_of "$tmp/out") | sort >"$tmp/s1"
atsim run --shard=2/2 $ALL
cut -d' ' -f2,3 <(runs_of "$tmp/out") | sort >"$tmp/s2"
check "--shard 1/2 and 2/2 both run something" \
  eval '[ -s "$tmp/s1" ] && [ -s "$tmp/s2" ]'
check "--shard 1/2 + 2/2 = all runs" cmp -s "$tmp/all" <(sort "$tmp/s1" "$tmp/s2")
check "--shard 1/2 and 2/2 do not overlap" \
  test -z "$(comm -12 "$tmp/s1" "$tmp/s2")"
atsim run --filter people $ALL
check "--filter substring: the files it names" \
  eval '[ "$(runs_of "$tmp/out" | cut -d" " -f2 | tr "\n" " ")" = "$D/good/two_people.scn $D/wrong/people.scn " ]'
atsim run --filter '*/good/out*' $ALL
check "--filter glob on the path (one file, 'ats *': a run per ATS)" \
  eval '[ "$(runs_of "$tmp/out" | cut -d" " -f2 | sort -u)" = "$D/good/outage.scn" ] && [ "$(nruns "$tmp/out")" = 4 ]'
atsim run --filter smoke $ALL
check "--filter a tag" \
  eval '[ "$(runs_of "$tmp/out" | cut -d" " -f2 | tr "\n" " ")" = "$D/good/approval.scn $D/good/two_people.scn " ]'
atsim run --filter 'Two approvals*' $ALL
check "--filter a title glob" \
  eval '[ "$(runs_of "$tmp/out" | cut -d" " -f2)" = "$D/good/two_people.scn" ]'
atsim run --ats greenhouse $D/good
check "--ats greenhouse runs the greenhouse scenarios" \
  eval '[ "$rc" = 0 ] && [ "$(nruns "$tmp/out")" = "$ngood" ]'

# ---- reports ---------------------------------------------------------------------------
atsim run --junit "$tmp/junit.xml" --json "$tmp/report.json" $ALL
check "--junit/--json: exit 1 (wrong/ fails)" test "$rc" = 1
n=$(nruns "$tmp/out")
xmllint --noout --schema tests/junit.xsd "$tmp/junit.xml" >"$tmp/lint" 2>&1
lrc=$?
[ "$lrc" = 0 ] || cat "$tmp/lint"
check "--junit validates against tests/junit.xsd" test "$lrc" = 0
check "--junit: one testcase per run" \
  test "$(grep -c '<testcase ' "$tmp/junit.xml")" = "$n"
check "--junit: a failure per wrong scenario and pending-passed" \
  test "$(grep -c '<failure ' "$tmp/junit.xml")" = "$(($(ls $D/wrong/*.scn | wc -l) + 1))"
check "--junit: the pending one is skipped" \
  grep -q '<skipped message="pending: the engine does not disconnect' "$tmp/junit.xml"
check "--junit: a suite per folder" \
  test "$(grep -c '<testsuite ' "$tmp/junit.xml")" = 3
check "--json parses" eval 'jq -e . "$tmp/report.json" >/dev/null'
check "--json: version 1" test "$(jq .version "$tmp/report.json")" = 1
check "--json: one entry per run" test "$(jq '.runs | length' "$tmp/report.json")" = "$n"
check "--json: summary.runs" test "$(jq .summary.runs "$tmp/report.json")" = "$n"
check "--json: the verdicts" \
  test "$(jq -r '[.runs[].verdict] | unique | join(" ")' "$tmp/report.json")" = "fail pass passed_but_pending pending"
check "--json: hashes as the terminal printed them" \
  cmp -s <(jq -r '.runs[] | .file + " " + .hash' "$tmp/report.json") \
  <(runs_of "$tmp/out" | awk '{print $2, $NF}')
check "--json: seeds are strings, no trace" \
  test "$(jq '[.runs[] | (.seed | type == "string") and (has("trace") | not)] | all' "$tmp/report.json")" = true

# ---- quiet, trace, artifacts ---------------------------------------------------------
atsim run -q $ALL
check "-q: no PASS lines" eval '! grep -q "^PASS " "$tmp/out"'
check "-q: failures and the summary" \
  eval 'has "FAIL  $D/wrong/people.scn" && has "reproduce: " && tail -n 1 "$tmp/out" | grep -q "scenarios, "'
atsim run --trace $D/good/approval.scn
check "--trace: the whole trace after the result" \
  eval 'has "  trace:" && [ "$(grep -c "^    +" "$tmp/out")" -ge 5 ]'
atsim run --artifacts "$tmp/art/deep" $ALL
art="$tmp/art/deep/tests_scenarios_wrong_people.scn.greenhouse.1.trace"
check "--artifacts: a file per failed run" \
  test "$(ls "$tmp/art/deep" | wc -l)" = "$(($(ls $D/wrong/*.scn | wc -l) + 1))"
check "--artifacts: message, then the whole trace" \
  eval 'head -n 1 "$art" | grep -qF "$D/wrong/people.scn:" && grep -q "line 5: job 4001" "$art"'

# ---- atsim list ------------------------------------------------------------------
atsim list $D/good $D/wrong
check "list: exit 0" test "$rc" = 0
check "list: titles" eval 'has "An approval reaches Greenhouse" && has "Wrong: one approval is expected to make two people"'
check "list: tags" has "outage recovery"
check "list: causes" eval 'has "downtime" && has "duplicate"'
check "list: pending reasons" has "pending: the engine does not disconnect"
check "list: the causes covered" \
  eval 'tail -n 1 "$tmp/out" | grep -qE "^[0-9]+ scenarios · causes covered: .*downtime 1.* · not covered: .*revoked"'
atsim list --json $D/good
check "list --json: one entry per file" \
  test "$(jq '.scenarios | length' "$tmp/out")" = "$ngood"
check "list --json: causes counted" test "$(jq '.causes.downtime' "$tmp/out")" = 1
# the certification matrix: causes x ATSes; a pending scenario covers nothing
mkdir -p "$tmp/mx"
cp $D/good/outage.scn "$tmp/mx/"
printf 'scenario "Pending: revoked"\ncause revoked\npending "not yet"\nconnect\n' > "$tmp/mx/p.scn"
atsim list --matrix "$tmp/mx"
check "list --matrix: exit 0" test "$rc" = 0
check "list --matrix: one column per ATS" \
  eval 'head -n 1 "$tmp/out" | grep -qE "^CAUSE +greenhouse +lever +workable +ashby$"'
check "list --matrix: 'ats *' covers its cause on every ATS" \
  eval 'grep -qE "^downtime +[^ ]*outage.scn +[^ ]*outage.scn +[^ ]*outage.scn +[^ ]*outage.scn$" "$tmp/out"'
check "list --matrix: a pending scenario covers nothing" \
  eval 'grep -qE "^revoked +- +- +- +-$" "$tmp/out"'
check "list --matrix: the count" has "4 of 44 cells covered"
atsim list --matrix --json "$tmp/mx"
check "list --matrix --json: covered and total" \
  test "$(jq -c '[.covered, .total]' "$tmp/out")" = "[4,44]"
check "list --matrix --json: the cell's files" \
  eval 'jq -r ".cells.downtime.greenhouse[0]" "$tmp/out" | grep -q "outage.scn$"'
if [ -f $D/bad/EXPECTED ]; then
  first=$(awk '$1 !~ /^#/ && NF {print $1; exit}' $D/bad/EXPECTED)
  atsim list "$D/bad/$first"
  check "list of a bad file: exit 2" test "$rc" = 2
fi

echo "scenarios/run.sh: $pass passed, $fail failed"
[ "$fail" = 0 ]
