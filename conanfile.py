import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import load


class LibasyncppConan(ConanFile):
    name = "libasyncpp"
    description = "Python asyncio's programming model on Boost.Asio (C++20)"
    license = "BSL-1.0"
    topics = ("asio", "asyncio", "coroutines", "async")
    package_type = "library"
    settings = "os", "compiler", "build_type", "arch"
    options = {"shared": [True, False], "fPIC": [True, False], "with_ssl": [True, False]}
    default_options = {"shared": False, "fPIC": True, "with_ssl": True}
    exports_sources = "CMakeLists.txt", "cmake/*", "libasyncpp/*"

    def set_version(self):
        # The version is written once, in config.hpp.
        config = load(self, os.path.join(self.recipe_folder, "libasyncpp", "include", "asyncpp", "config.hpp"))
        parts = [re.search(rf"#define ASYNCPP_VERSION_{p} (\d+)", config).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def requirements(self):
        # Asio is used in the public headers, so consumers see Boost's headers too. The
        # range is the tested one (README, "Toolchains"): a newer Boost builds on Asio's
        # documented interface where the configure probe fails, but was never tried.
        self.requires("boost/[>=1.81 <1.93]", transitive_headers=True)
        if self.options.with_ssl:
            # TLS streams (<asyncpp/ssl.hpp> includes Asio's SSL headers, hence OpenSSL's).
            self.requires("openssl/[>=3]", transitive_headers=True, transitive_libs=True)

    def validate(self):
        check_min_cppstd(self, 20)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        CMakeDeps(self).generate()
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["ASYNCPP_BUILD_TESTS"] = False
        toolchain.cache_variables["ASYNCPP_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["ASYNCPP_BUILD_TOOLS"] = False
        toolchain.cache_variables["ASYNCPP_INSTALL"] = True
        toolchain.cache_variables["ASYNCPP_WITH_SSL"] = bool(self.options.with_ssl)
        toolchain.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        CMake(self).install()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "asyncpp")
        self.cpp_info.set_property("cmake_target_name", "asyncpp::asyncpp")
        self.cpp_info.set_property("pkg_config_name", "asyncpp")
        self.cpp_info.libs = ["asyncpp"]
        if self.options.shared:
            self.cpp_info.defines.append("ASYNCPP_SHARED")
        if self.options.with_ssl:
            self.cpp_info.defines.append("ASYNCPP_WITH_SSL=1")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
