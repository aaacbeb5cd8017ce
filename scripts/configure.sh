#!/bin/sh
# Configures the shared build tree ./build (once; later runs only rebuild what changed).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASYNCPP_WERROR="${ASYNCPP_WERROR:-ON}" >/dev/null
fi
