#!/bin/sh
# Builds the seed's four programs and runs them.
set -eu
cd "$(dirname "$0")/.."
sh scripts/configure.sh
cmake --build build -j2 --target hello_goodbye low_level_loop gather_factorial run_in_executor
for program in hello_goodbye low_level_loop gather_factorial run_in_executor; do
  echo "== $program"
  ./build/examples/$program
done
