#!/bin/sh
# Builds everything (warnings are errors) and runs the whole test suite with ctest.
set -eu
cd "$(dirname "$0")/.."
sh scripts/configure.sh
cmake --build build -j2
cd build
ctest -j2 --output-on-failure
