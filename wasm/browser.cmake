# The browser's build of the shared/ core (included by the top-level CMakeLists.txt once emcc is
# found): shared/, cJSON and the wasm/ export files are compiled for the browser once, at -Os, into
# objects under BUILD/wasm-browser/, and solder_browser_core() links a module from those objects with
# the exports one page needs. The SDK and the modal (tests/e2e/e2e.cmake) and the dashboard
# (web/dashboard/dashboard.cmake) link their modules from the same objects, so the code they run is
# one build of shared/; each links only its own export files, so the linker drops what that page
# never calls (the SDK's module has no JSONata). The Node module the wasm tests load is built
# separately, at -O2, as one self-contained file.
set(WASM_BROWSER_DIR ${CMAKE_BINARY_DIR}/wasm-browser)
set(WASM_BROWSER_OBJECTS)
file(GLOB _wasm_exports CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/wasm/*.c)
foreach(src ${SHARED_SOURCES} ${CJSON_SRC_DIR}/cJSON.c ${_wasm_exports})
    get_filename_component(name ${src} NAME_WE)
    if(src MATCHES "/wasm/exports_")
        set(obj ${WASM_BROWSER_DIR}/${name}.o)
    else()
        file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR} ${src})
        string(MAKE_C_IDENTIFIER ${rel} id)
        set(obj ${WASM_BROWSER_DIR}/core/${id}.o)
        list(APPEND WASM_BROWSER_OBJECTS ${obj})
    endif()
    get_filename_component(objdir ${obj} DIRECTORY)
    add_custom_command(OUTPUT ${obj}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${objdir}
        COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs
                ${EMCC} -Os -std=c11 -D_GNU_SOURCE -Wall -Wno-unused-parameter
                -I${CMAKE_SOURCE_DIR}/shared -I${CJSON_SRC_DIR} -MD -MF ${obj}.d -c ${src} -o ${obj}
        DEPENDS ${src}
        DEPFILE ${obj}.d
        VERBATIM)
    list(APPEND _wasm_browser_all ${obj})
endforeach()
# One target owns the objects, so the two links never compile the same file at once.
add_custom_target(solder_wasm_browser_objects DEPENDS ${_wasm_browser_all})

# solder_browser_core(TARGET JS WASM EXPORT_NAME FUNCTIONS EXPORTS...): TARGET links JS (an ES
# module) and WASM (a file beside it; emcc names it after JS, and it is renamed when WASM differs)
# from the shared objects and the named wasm/exports_*.c files (EXPORTS, by name without extension),
# exporting FUNCTIONS (comma-separated C names with a leading underscore).
function(solder_browser_core target js wasm export_name functions)
    set(objects)
    foreach(e ${ARGN})
        list(APPEND objects ${WASM_BROWSER_DIR}/${e}.o)
    endforeach()
    get_filename_component(dir ${js} DIRECTORY)
    get_filename_component(stem ${js} NAME_WE)
    set(rename)
    if(NOT "${dir}/${stem}.wasm" STREQUAL "${wasm}")
        set(rename COMMAND ${CMAKE_COMMAND} -E rename ${dir}/${stem}.wasm ${wasm})
    endif()
    add_custom_command(OUTPUT ${js} ${wasm}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
        COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs
                ${EMCC} -Os ${WASM_BROWSER_OBJECTS} ${objects}
                -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=${export_name}
                -sENVIRONMENT=web -sFILESYSTEM=0 -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=1048576
                -sEXPORTED_FUNCTIONS=${functions},_solder_free,_malloc,_free
                -sEXPORTED_RUNTIME_METHODS=cwrap,UTF8ToString
                -o ${js}
        ${rename}
        DEPENDS ${WASM_BROWSER_OBJECTS} ${objects}
        COMMENT "emcc: ${export_name} linked from the browser build of shared/ -> ${js}"
        VERBATIM)
    add_custom_target(${target} ALL DEPENDS ${js})
    add_dependencies(${target} solder_wasm_browser_objects)
endfunction()
