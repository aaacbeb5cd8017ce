# Load the debug and release variables
file(GLOB DATA_FILES "${CMAKE_CURRENT_LIST_DIR}/asyncpp-*-data.cmake")

foreach(f ${DATA_FILES})
    include(${f})
endforeach()

# Create the targets for all the components
foreach(_COMPONENT ${libasyncpp_COMPONENT_NAMES} )
    if(NOT TARGET ${_COMPONENT})
        add_library(${_COMPONENT} INTERFACE IMPORTED)
        message(${asyncpp_MESSAGE_MODE} "Conan: Component target declared '${_COMPONENT}'")
    endif()
endforeach()

if(NOT TARGET asyncpp::asyncpp)
    add_library(asyncpp::asyncpp INTERFACE IMPORTED)
    message(${asyncpp_MESSAGE_MODE} "Conan: Target declared 'asyncpp::asyncpp'")
endif()
# Load the debug and release library finders
file(GLOB CONFIG_FILES "${CMAKE_CURRENT_LIST_DIR}/asyncpp-Target-*.cmake")

foreach(f ${CONFIG_FILES})
    include(${f})
endforeach()