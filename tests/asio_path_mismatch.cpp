// Copyright (c) 2026 libasyncpp authors. Distributed under the Boost Software License, Version 1.0.
// Compiled with ASYNCPP_ASIO_INTERNALS=0 against a library built with 1 (tests/CMakeLists.txt):
// linking it must fail, naming library_built_with_this_asio_path.
#include <asyncpp/sleep.hpp>

int main()
{
  return 0;
}
