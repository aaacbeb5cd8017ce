#!/bin/bash
# Runs a program and checks its output line by line: each line must match its pattern (an
# extended regular expression, the whole line), in order, with nothing before, between or
# after, and the program must exit 0. A pattern may end in "@SECONDS": that line must come
# at least that long after the one before it (a lower bound only, never an upper one).
#   check_output.sh PATTERN[@SECONDS]... -- PROGRAM [ARGS...]
# Lines are stamped as they arrive with bash's $EPOCHREALTIME (no process per line). The
# reader may see the earlier line late when the machine is busy, which shortens the gap it
# measures, so a gap is accepted down to 20 ms below its bound.
set -u
specs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  specs+=("$1")
  shift
done
if [ $# -lt 2 ]; then
  echo "usage: check_output.sh PATTERN[@SECONDS]... -- PROGRAM [ARGS...]" >&2
  exit 2
fi
shift
tolerance_us=20000

micros() { # EPOCHREALTIME (seconds.microseconds, locale-independent digits) -> microseconds
  local t=${1/[.,]/}
  echo $((10#$t))
}

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

index=0
previous_us=0
while IFS= read -r line; do
  now_us=$(micros "$EPOCHREALTIME")
  echo "$line"
  if [ "$index" -ge "${#specs[@]}" ]; then
    fail "line $((index + 1)) was not expected: '$line'"
  else
    spec=${specs[$index]}
    pattern=$spec gap=""
    if [[ $spec =~ ^(.*)@([0-9]+(\.[0-9]+)?)$ ]]; then
      pattern=${BASH_REMATCH[1]} gap=${BASH_REMATCH[2]}
    fi
    [[ $line =~ ^($pattern)$ ]] || fail "line $((index + 1)) '$line' does not match '$pattern'"
    if [ -n "$gap" ]; then
      whole=${gap%%.*} fraction=000000
      [[ $gap == *.* ]] && fraction=${gap#*.}000000
      want_us=$((10#$whole * 1000000 + 10#${fraction:0:6}))
      got_us=$((now_us - previous_us))
      [ "$got_us" -ge $((want_us - tolerance_us)) ] ||
        fail "line $((index + 1)) came $got_us us after the one before it, less than ${gap} s"
    fi
  fi
  previous_us=$now_us
  index=$((index + 1))
done < <("$@")
wait $! # the program's exit status
status=$?
[ "$status" -eq 0 ] || fail "'$*' exited with $status"
[ "$index" -ge "${#specs[@]}" ] || fail "$index lines printed, ${#specs[@]} expected"
echo "${#specs[@]} lines expected: $([ "$failures" -eq 0 ] && echo ok || echo "$failures failures")"
[ "$failures" -eq 0 ]
