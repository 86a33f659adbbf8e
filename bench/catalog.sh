#!/bin/sh
# catalog.sh — how long the whole scenario catalog takes, in wall time and in
# simulated time, with -j 1 and -j 2 (issue 4, must-show 3).
#
# usage: bench/catalog.sh [ATSIM]      (default build/atsim; REPS=5)
#
# Each configuration runs REPS times; the table gives the median and the best
# wall time, the simulated time the catalog covers, and their ratio. Needs
# jq (make deps installs it).
set -eu
ATSIM=${1:-build/atsim}
REPS=${REPS:-5}
PATHS="scenarios/catalog scenarios/tickets"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

runs=$("$ATSIM" list $PATHS | tail -1)
echo "catalog: $runs"
printf '| -j | runs | simulated | wall median s | wall best s | simulated / wall |\n'
printf '|---:|---:|---:|---:|---:|---:|\n'
for j in 1 2; do
  i=0
  : > "$TMP/walls"
  while [ "$i" -lt "$REPS" ]; do
    start=$(date +%s.%N)
    "$ATSIM" run -q -j "$j" --json "$TMP/r.json" $PATHS > "$TMP/out" || {
      cat "$TMP/out"; echo "catalog.sh: the catalog failed" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$start $end" | awk '{ printf "%.3f\n", $2 - $1 }' >> "$TMP/walls"
    i=$((i + 1))
  done
  vms=$(jq '.summary.virtual_ms' "$TMP/r.json")
  nruns=$(jq '.summary.runs' "$TMP/r.json")
  sort -n "$TMP/walls" > "$TMP/sorted"
  med=$(awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }' "$TMP/sorted")
  best=$(head -1 "$TMP/sorted")
  awk -v j="$j" -v n="$nruns" -v vms="$vms" -v med="$med" -v best="$best" 'BEGIN {
    h = vms / 3600000
    printf "| %d | %d | %.1f h | %.2f | %.2f | %.0f× |\n", j, n, h, med, best, (vms / 1000) / med
  }'
done
