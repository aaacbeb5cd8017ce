#!/usr/bin/env bash
# ApacheBench against asyncpp-bench's two echo servers (asyncpp streams and raw Asio), the
# way netcan/asyncio benchmarks: the server echoes ab's request, so ab counts non-2xx
# responses. The sides alternate, their order rotated every round; prints each run, then
# the medians and the median (min-max) of the rounds' paired ratios asyncpp/Asio.
#   bash tools/bench/ab_echo.sh path/to/asyncpp-bench [ROUNDS] [REQUESTS] [CONCURRENCY]
# Needs ab (sh scripts/install-deps.sh bench installs apache2-utils).
set -eu
. "$(dirname "$0")/../../examples/start_server.sh"
bench=$1
rounds=${2:-3}
requests=${3:-200000}
concurrency=${4:-1000}
command -v ab >/dev/null || { echo "ab_echo.sh: ab not found (sh scripts/install-deps.sh bench)"; exit 2; }
ulimit -n 8192 # ab holds CONCURRENCY sockets, the server as many
log=$(mktemp)
ab_out=$(mktemp)
results=$(mktemp)
server=""
trap 'rm -f "$log" "$ab_out" "$results"; [ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT

run_side() { # side round
  start_server "$log" '^listening on 127\.0\.0\.1:\([0-9]*\)$' "$bench" --serve "$1"
  server=$pid
  ab -q -n "$requests" -c "$concurrency" -k "http://127.0.0.1:$port/" >"$ab_out" 2>&1 ||
    { echo "$1: ab failed"; cat "$ab_out"; exit 1; }
  kill -INT "$server"
  wait "$server"
  server=""
  done_n=$(sed -n 's/^Complete requests: *\([0-9]*\)$/\1/p' "$ab_out")
  failed=$(sed -n 's/^Failed requests: *\([0-9]*\)$/\1/p' "$ab_out")
  rate=$(sed -n 's/^Requests per second: *\([0-9.]*\) .*$/\1/p' "$ab_out")
  cpu=$(sed -n 's/^served .* s, server CPU \([0-9.]*\) s$/\1/p' "$log")
  [ "$done_n" = "$requests" ] && [ "$failed" = 0 ] || { echo "$1: incomplete run"; cat "$ab_out"; exit 1; }
  us=$(awk -v c="$cpu" -v n="$done_n" 'BEGIN { printf "%.3f", c * 1e6 / n }')
  echo "round $2 $1: $rate req/s, server CPU $us us/request"
  echo "$2 $1 $rate $us" >>"$results"
}

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="asio asyncpp"; else order="asyncpp asio"; fi
  for side in $order; do run_side "$side" "$r"; done
done

awk '
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { rate[$1, $2] = $3; us[$1, $2] = $4; if ($1 > rounds) rounds = $1 }
  END {
    for (r = 1; r <= rounds; r++) {
      ar[r] = rate[r, "asio"]; pr[r] = rate[r, "asyncpp"]; au[r] = us[r, "asio"]; pu[r] = us[r, "asyncpp"]
      cpu_ratio[r] = pu[r] / au[r]; rate_ratio[r] = ar[r] / pr[r]
    }
    lo = hi = cpu_ratio[1]
    for (r = 2; r <= rounds; r++) { if (cpu_ratio[r] < lo) lo = cpu_ratio[r]; if (cpu_ratio[r] > hi) hi = cpu_ratio[r] }
    printf "raw Asio: %.0f req/s, %.2f us CPU/request; asyncpp: %.0f req/s, %.2f us CPU/request\n",
      median(ar, rounds), median(au, rounds), median(pr, rounds), median(pu, rounds)
    printf "asyncpp/Asio server CPU per request: %.2f (%.2f-%.2f); Asio req/s over asyncpp req/s: %.2f\n",
      median(cpu_ratio, rounds), lo, hi, median(rate_ratio, rounds)
  }' "$results"
