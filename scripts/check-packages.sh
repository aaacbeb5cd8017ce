#!/bin/sh
# Installs asyncpp by every supported route into ./build-packages and builds and runs a
# small consumer outside the source tree against each: CMake package (static and shared),
# add_subdirectory, pkg-config, b2 install, and Conan 2 (offline, system Boost).
# These are the commands of the README's "Installing" section.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
out=$root/build-packages
consumers=$root/tests/consumers
rm -rf "$out"
mkdir -p "$out"
step() { echo; echo "--- $1"; }

step "CMake: install (static) and find_package"
lib_only="-DASYNCPP_BUILD_TESTS=OFF -DASYNCPP_BUILD_EXAMPLES=OFF -DASYNCPP_BUILD_TOOLS=OFF"
cmake -S . -B "$out/build-static" -G Ninja -DCMAKE_BUILD_TYPE=Release $lib_only -DCMAKE_INSTALL_PREFIX="$out/static" >/dev/null
cmake --build "$out/build-static" -j2
cmake --install "$out/build-static" >/dev/null
cmake -S "$consumers/cmake_install" -B "$out/consumer-static" -G Ninja -DCMAKE_PREFIX_PATH="$out/static" >/dev/null
cmake --build "$out/consumer-static"
"$out/consumer-static/consumer"

step "CMake: install (shared, BUILD_SHARED_LIBS=ON) and find_package"
cmake -S . -B "$out/build-shared" -G Ninja -DCMAKE_BUILD_TYPE=Release $lib_only -DBUILD_SHARED_LIBS=ON \
  -DCMAKE_INSTALL_PREFIX="$out/shared" >/dev/null
cmake --build "$out/build-shared" -j2
cmake --install "$out/build-shared" >/dev/null
cmake -S "$consumers/cmake_install" -B "$out/consumer-shared" -G Ninja -DCMAKE_PREFIX_PATH="$out/shared" >/dev/null
cmake --build "$out/consumer-shared"
"$out/consumer-shared/consumer"

step "CMake: add_subdirectory"
cmake -S "$consumers/cmake_subdir" -B "$out/consumer-subdir" -G Ninja >/dev/null
cmake --build "$out/consumer-subdir" -j2
"$out/consumer-subdir/consumer"

step "pkg-config"
PKG_CONFIG_PATH="$out/static/lib/pkgconfig" pkg-config --modversion asyncpp
g++ "$consumers/consumer.cpp" -o "$out/consumer-pkgconfig" \
  $(PKG_CONFIG_PATH="$out/static/lib/pkgconfig" pkg-config --cflags --libs asyncpp)
"$out/consumer-pkgconfig"

step "b2: install and a b2 consumer"
b2 -j2 install --prefix="$out/b2" 2>&1 | grep -v '^warning: ' | tail -n 1
# The consumer builds in a copy, so that its bin/ stays out of the source tree.
cp -r "$consumers" "$out/b2-consumer"
(cd "$out/b2-consumer/b2_install" && ASYNCPP_PREFIX="$out/b2" b2 -j2 >"$out/b2-consumer.log" 2>&1) ||
  { cat "$out/b2-consumer.log"; exit 1; }
grep '^\*\*passed\*\*' "$out/b2-consumer.log"

step "Conan 2: conan create with Boost from the system, no remote"
conan() { python3 -m conans.conan "$@"; } # pip's script directory need not be on PATH
export CONAN_HOME="$out/conan-home"
conan profile detect >/dev/null 2>&1
conan remote remove conancenter >/dev/null 2>&1 || true
cat > "$out/system-boost.profile" <<PROFILE
include(default)
[settings]
compiler.cppstd=20
[platform_requires]
boost/1.81.0
PROFILE
conan create . -pr:h "$out/system-boost.profile" -pr:b "$out/system-boost.profile" --build=missing \
  >"$out/conan.log" 2>&1 || { tail -n 40 "$out/conan.log"; echo "conan create failed"; exit 1; }
grep -E 'test_package: [0-9]+' "$out/conan.log"
echo
echo "all package consumers built and ran"
