#!/bin/sh
# Builds asyncpp-demo and runs the seed's four programs with it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/configure.sh
cmake --build build -j2 --target asyncpp-demo
for command in hello low-level gather executor; do
  echo "== asyncpp-demo $command"
  ./build/tools/asyncpp-demo $command
done
