#!/bin/bash
# Runs subprocess_pipeline and checks what each job printed (the jobs run concurrently, so
# only each job's own lines have an order) and the exit codes, the slow one killed (-9).
#   check_pipeline.sh path/to/subprocess_pipeline
set -u
out=$("$1") || { echo "FAIL: exit $?"; echo "$out"; exit 1; }
echo "$out"
failures=0
expect_in_order() { # expect_in_order LINE... : the lines appear, in this order
  local rest=$out line
  for line in "$@"; do
    if ! grep -qxF -- "$line" <<<"$rest"; then
      echo "FAIL: missing or out of order: $line"
      failures=$((failures + 1))
      return
    fi
    rest=$(sed -n "/^$(sed 's/[][\.*^$/]/\\&/g' <<<"$line")\$/,\$p" <<<"$rest" | tail -n +2)
  done
}
expect_in_order "[job1] step 1" "[job1] step 2" "[job1] step 3" "[job1] exit 0"
expect_in_order "[job2] Linux" "[job2] exit 0"
expect_in_order "[job3] slow start" "[job3] timed out after 1 s, killed" "[job3] exit -9"
expect_in_order "[job4] to stderr" "[job4] exit 3"
[ "$(tail -n 1 <<<"$out")" = "exit codes: 0 0 -9 3" ] || { echo "FAIL: last line"; failures=$((failures + 1)); }
[ "$(wc -l <<<"$out")" = 12 ] || { echo "FAIL: not 12 lines"; failures=$((failures + 1)); }
[ "$failures" = 0 ] && echo "subprocess pipeline ok"
