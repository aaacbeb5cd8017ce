########### AGGREGATED COMPONENTS AND DEPENDENCIES FOR THE MULTI CONFIG #####################
#############################################################################################

set(libasyncpp_COMPONENT_NAMES "")
if(DEFINED libasyncpp_FIND_DEPENDENCY_NAMES)
  list(APPEND libasyncpp_FIND_DEPENDENCY_NAMES )
  list(REMOVE_DUPLICATES libasyncpp_FIND_DEPENDENCY_NAMES)
else()
  set(libasyncpp_FIND_DEPENDENCY_NAMES )
endif()

########### VARIABLES #######################################################################
#############################################################################################
set(libasyncpp_PACKAGE_FOLDER_RELEASE "/work/main/build-packages/conan-home/p/b/libas18ffb25f328c8/p")
set(libasyncpp_BUILD_MODULES_PATHS_RELEASE )


set(libasyncpp_INCLUDE_DIRS_RELEASE "${libasyncpp_PACKAGE_FOLDER_RELEASE}/include")
set(libasyncpp_RES_DIRS_RELEASE )
set(libasyncpp_DEFINITIONS_RELEASE )
set(libasyncpp_SHARED_LINK_FLAGS_RELEASE )
set(libasyncpp_EXE_LINK_FLAGS_RELEASE )
set(libasyncpp_OBJECTS_RELEASE )
set(libasyncpp_COMPILE_DEFINITIONS_RELEASE )
set(libasyncpp_COMPILE_OPTIONS_C_RELEASE )
set(libasyncpp_COMPILE_OPTIONS_CXX_RELEASE )
set(libasyncpp_LIB_DIRS_RELEASE "${libasyncpp_PACKAGE_FOLDER_RELEASE}/lib")
set(libasyncpp_BIN_DIRS_RELEASE )
set(libasyncpp_LIBRARY_TYPE_RELEASE STATIC)
set(libasyncpp_IS_HOST_WINDOWS_RELEASE 0)
set(libasyncpp_LIBS_RELEASE asyncpp)
set(libasyncpp_SYSTEM_LIBS_RELEASE pthread)
set(libasyncpp_FRAMEWORK_DIRS_RELEASE )
set(libasyncpp_FRAMEWORKS_RELEASE )
set(libasyncpp_BUILD_DIRS_RELEASE )
set(libasyncpp_NO_SONAME_MODE_RELEASE FALSE)


# COMPOUND VARIABLES
set(libasyncpp_COMPILE_OPTIONS_RELEASE)
if (NOT "${libasyncpp_COMPILE_OPTIONS_CXX_RELEASE}" STREQUAL "")
    list(APPEND libasyncpp_COMPILE_OPTIONS_RELEASE
        "$<$<COMPILE_LANGUAGE:CXX>:${libasyncpp_COMPILE_OPTIONS_CXX_RELEASE}>")
endif ()
if (NOT "${libasyncpp_COMPILE_OPTIONS_C_RELEASE}" STREQUAL "")
    list(APPEND libasyncpp_COMPILE_OPTIONS_RELEASE
        "$<$<COMPILE_LANGUAGE:C>:${libasyncpp_COMPILE_OPTIONS_C_RELEASE}>")
endif ()
set(libasyncpp_LINKER_FLAGS_RELEASE)
if (NOT "${libasyncpp_SHARED_LINK_FLAGS_RELEASE}" STREQUAL "")
    list(APPEND libasyncpp_LINKER_FLAGS_RELEASE
        "$<$<OR:$<STREQUAL:$<TARGET_PROPERTY:TYPE>,SHARED_LIBRARY>,$<STREQUAL:$<TARGET_PROPERTY:TYPE>,MODULE_LIBRARY>>:${libasyncpp_SHARED_LINK_FLAGS_RELEASE}>")
endif ()
if (NOT "${libasyncpp_EXE_LINK_FLAGS_RELEASE}" STREQUAL "")
    list(APPEND libasyncpp_LINKER_FLAGS_RELEASE
        "$<$<STREQUAL:$<TARGET_PROPERTY:TYPE>,EXECUTABLE>:${libasyncpp_EXE_LINK_FLAGS_RELEASE}>")
endif ()


set(libasyncpp_COMPONENTS_RELEASE )