#!/usr/bin/env bash
# bench/run.sh ATSIM — `atsim serve` (rate limit off, latency off, journal
# on) under wrk, side by side in the same run with nginx serving fixed
# bodies of the same size (the floor on this machine).
#
#   GET  /v1/jobs        valid Basic auth
#   POST /v1/candidates  valid Basic auth, On-Behalf-Of, a valid candidate
#                        (every request creates a candidate, as Greenhouse
#                        does: it never dedupes)
#
# wrk -t2 -c32 -d10s on loopback; a 3 s unrecorded warm-up first; REPS runs
# (default 3), median reported. Any non-2xx answer or socket error fails the
# run. Peak RSS is VmHWM after the last run. Results go to stdout and to
# $OUT/results.tsv. Knobs: DURATION=10s WARMUP=3s REPS=3 THREADS=2 CONNS=32.
set -u -o pipefail
ATSIM=$(realpath "${1:?usage: bench/run.sh path/to/atsim}")
HERE=$(cd "$(dirname "$0")" && pwd)
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
REPS=${REPS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
export PATH="$PATH:/usr/sbin:/sbin"
for t in wrk nginx curl awk; do
  command -v $t >/dev/null || { echo "bench: missing $t (apt-get install wrk nginx curl)" >&2; exit 1; }
done
OUT=$(mktemp -d /tmp/atsim-bench.XXXXXX)
chmod 755 "$OUT" # nginx workers (www-data) read the bodies from here
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT

wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; read -r -t 0.05 <> <(:) || true; done; return 1; }
rss_kib() { awk '/^VmHWM:/ {s+=$2} END {print s+0}' $(for p in $(ps -e -o pid=,pgid= | awk -v g="$1" '$2==g {print $1}'); do echo /proc/$p/status; done) 2>/dev/null; }

# --- our server
setsid "$ATSIM" serve --port 0 --port-file "$OUT/port" --rate-limit off --latency off \
  >"$OUT/atsim.log" 2>&1 </dev/null &
OURS=$!; PIDS+=($OURS)
wait_file "$OUT/port" || { echo "bench: atsim did not start"; cat "$OUT/atsim.log"; exit 1; }
PORT=$(cat "$OUT/port")
KEY=$(awk '/^API key/ {print $4}' "$OUT/atsim.log")
export AUTH="Basic $(printf '%s:' "$KEY" | base64 -w0)"
export OBO=4000001
# sizes of our answers, for nginx's fixed bodies
curl -s -H "Authorization: $AUTH" "http://127.0.0.1:$PORT/v1/jobs" > "$OUT/get.body"
curl -s -H "Authorization: $AUTH" -H "On-Behalf-Of: $OBO" -H 'Content-Type: application/json' \
  --data "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$HERE/wrk-post.lua")" \
  -o "$OUT/post.body" -w '%{http_code}' "http://127.0.0.1:$PORT/v1/candidates" > "$OUT/post.code"
[ "$(cat "$OUT/post.code")" = 201 ] || { echo "bench: POST /v1/candidates answered $(cat "$OUT/post.code")"; exit 1; }
GET_BYTES=$(wc -c < "$OUT/get.body"); POST_BYTES=$(wc -c < "$OUT/post.body")

# --- nginx with bodies of the same size
NGPORT=$((PORT + 1)); while ss -Htln "sport = :$NGPORT" | grep -q .; do NGPORT=$((NGPORT + 1)); done
mkdir -p "$OUT/nginx/logs"
head -c "$GET_BYTES" /dev/zero | tr '\0' 'x' > "$OUT/nginx/get.json"
head -c "$POST_BYTES" /dev/zero | tr '\0' 'x' > "$OUT/nginx/post.json"
cat > "$OUT/nginx/nginx.conf" <<NG
worker_processes 2;
daemon off;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/logs/error.log crit;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  open_file_cache max=16;
  server {
    listen 127.0.0.1:$NGPORT;
    # fixed bodies of the same size as ours (too long for 'return'); a POST
    # to a static file is turned into a 201 with the file
    location = /v1/jobs { alias $OUT/nginx/get.json; }
    location = /v1/candidates { alias $OUT/nginx/post.json; error_page 405 =201 \$uri; }
  }
}
NG
setsid nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" >"$OUT/nginx.log" 2>&1 </dev/null &
NGINX=$!; PIDS+=($NGINX)
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$NGPORT/v1/jobs" && break; read -r -t 0.05 <> <(:) || true; done

printf 'server\troute\trps\tp50_ms\tp99_ms\terrors\trss_mib\tbody_bytes\n' > "$OUT/results.tsv"
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1==k {print $2}'; }

bench_case() { # name port route script bytes pid
  local name=$1 port=$2 route=$3 script=$4 bytes=$5 pid=$6 url
  url="http://127.0.0.1:$port$route"
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$HERE/$script" "$url" >/dev/null 2>&1
  : > "$OUT/runs"
  for r in $(seq 1 "$REPS"); do
    line=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$HERE/$script" "$url" 2>&1 | grep '^RESULT')
    echo "$line" >> "$OUT/runs"
  done
  local rps p50 p99 errs
  rps=$(while read -r l; do field rps "$l"; done < "$OUT/runs" | median)
  p50=$(while read -r l; do field p50_us "$l"; done < "$OUT/runs" | median)
  p99=$(while read -r l; do field p99_us "$l"; done < "$OUT/runs" | median)
  errs=$(while read -r l; do for k in err_connect err_read err_write err_status err_timeout; do field $k "$l"; done; done < "$OUT/runs" | awk '{s+=$1} END {print s+0}')
  printf '%s\t%s\t%.0f\t%.3f\t%.3f\t%s\t%.1f\t%s\n' "$name" "$route" "$rps" \
    "$(awk -v u="$p50" 'BEGIN{print u/1000}')" "$(awk -v u="$p99" 'BEGIN{print u/1000}')" \
    "$errs" "$(awk -v k="$(rss_kib "$pid")" 'BEGIN{print k/1024}')" "$bytes" >> "$OUT/results.tsv"
}

bench_case nginx-2w "$NGPORT" /v1/jobs wrk-get.lua "$GET_BYTES" "$NGINX"
bench_case atsim "$PORT" /v1/jobs wrk-get.lua "$GET_BYTES" "$OURS"
bench_case nginx-2w "$NGPORT" /v1/candidates wrk-post.lua "$POST_BYTES" "$NGINX"
bench_case atsim "$PORT" /v1/candidates wrk-post.lua "$POST_BYTES" "$OURS"

column -t -s$'\t' "$OUT/results.tsv"
awk -F'\t' 'NR>1 {rps[$1" "$2]=$3} END {
  for (r in rps) if (r ~ /^atsim/) { split(r, a, " "); n = rps["nginx-2w " a[2]];
    if (n > 0) printf "ratio atsim/nginx %s: %.2f\n", a[2], rps[r] / n } }' "$OUT/results.tsv"
bad=$(awk -F'\t' 'NR>1 && $6 != 0' "$OUT/results.tsv")
echo "raw results: $OUT/results.tsv (wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'))"
if [ -n "$bad" ]; then echo "bench: FAILED: non-2xx answers or socket errors:"; echo "$bad"; exit 1; fi
