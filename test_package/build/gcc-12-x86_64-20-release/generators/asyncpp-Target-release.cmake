# Avoid multiple calls to find_package to append duplicated properties to the targets
include_guard()########### VARIABLES #######################################################################
#############################################################################################
set(libasyncpp_FRAMEWORKS_FOUND_RELEASE "") # Will be filled later
conan_find_apple_frameworks(libasyncpp_FRAMEWORKS_FOUND_RELEASE "${libasyncpp_FRAMEWORKS_RELEASE}" "${libasyncpp_FRAMEWORK_DIRS_RELEASE}")

set(libasyncpp_LIBRARIES_TARGETS "") # Will be filled later


######## Create an interface target to contain all the dependencies (frameworks, system and conan deps)
if(NOT TARGET libasyncpp_DEPS_TARGET)
    add_library(libasyncpp_DEPS_TARGET INTERFACE IMPORTED)
endif()

set_property(TARGET libasyncpp_DEPS_TARGET
             APPEND PROPERTY INTERFACE_LINK_LIBRARIES
             $<$<CONFIG:Release>:${libasyncpp_FRAMEWORKS_FOUND_RELEASE}>
             $<$<CONFIG:Release>:${libasyncpp_SYSTEM_LIBS_RELEASE}>
             $<$<CONFIG:Release>:>)

####### Find the libraries declared in cpp_info.libs, create an IMPORTED target for each one and link the
####### libasyncpp_DEPS_TARGET to all of them
conan_package_library_targets("${libasyncpp_LIBS_RELEASE}"    # libraries
                              "${libasyncpp_LIB_DIRS_RELEASE}" # package_libdir
                              "${libasyncpp_BIN_DIRS_RELEASE}" # package_bindir
                              "${libasyncpp_LIBRARY_TYPE_RELEASE}"
                              "${libasyncpp_IS_HOST_WINDOWS_RELEASE}"
                              libasyncpp_DEPS_TARGET
                              libasyncpp_LIBRARIES_TARGETS  # out_libraries_targets
                              "_RELEASE"
                              "libasyncpp"    # package_name
                              "${libasyncpp_NO_SONAME_MODE_RELEASE}")  # soname

# FIXME: What is the result of this for multi-config? All configs adding themselves to path?
set(CMAKE_MODULE_PATH ${libasyncpp_BUILD_DIRS_RELEASE} ${CMAKE_MODULE_PATH})

########## GLOBAL TARGET PROPERTIES Release ########################################
    set_property(TARGET asyncpp::asyncpp
                 APPEND PROPERTY INTERFACE_LINK_LIBRARIES
                 $<$<CONFIG:Release>:${libasyncpp_OBJECTS_RELEASE}>
                 $<$<CONFIG:Release>:${libasyncpp_LIBRARIES_TARGETS}>
                 )

    if("${libasyncpp_LIBS_RELEASE}" STREQUAL "")
        # If the package is not declaring any "cpp_info.libs" the package deps, system libs,
        # frameworks etc are not linked to the imported targets and we need to do it to the
        # global target
        set_property(TARGET asyncpp::asyncpp
                     APPEND PROPERTY INTERFACE_LINK_LIBRARIES
                     libasyncpp_DEPS_TARGET)
    endif()

    set_property(TARGET asyncpp::asyncpp
                 APPEND PROPERTY INTERFACE_LINK_OPTIONS
                 $<$<CONFIG:Release>:${libasyncpp_LINKER_FLAGS_RELEASE}>)
    set_property(TARGET asyncpp::asyncpp
                 APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES
                 $<$<CONFIG:Release>:${libasyncpp_INCLUDE_DIRS_RELEASE}>)
    # Necessary to find LINK shared libraries in Linux
    set_property(TARGET asyncpp::asyncpp
                 APPEND PROPERTY INTERFACE_LINK_DIRECTORIES
                 $<$<CONFIG:Release>:${libasyncpp_LIB_DIRS_RELEASE}>)
    set_property(TARGET asyncpp::asyncpp
                 APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS
                 $<$<CONFIG:Release>:${libasyncpp_COMPILE_DEFINITIONS_RELEASE}>)
    set_property(TARGET asyncpp::asyncpp
                 APPEND PROPERTY INTERFACE_COMPILE_OPTIONS
                 $<$<CONFIG:Release>:${libasyncpp_COMPILE_OPTIONS_RELEASE}>)

########## For the modules (FindXXX)
set(libasyncpp_LIBRARIES_RELEASE asyncpp::asyncpp)
