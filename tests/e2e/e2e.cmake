# The browser's build of the shared core and the browser test (included by the top-level file).
#
# web/sdk/ is served from the source tree; the WASM module the SDK and the modal load is generated
# here, into BUILD/web/sdk/ (embedded-core.mjs + embedded.wasm), and static.c serves /sdk/ files it
# does not find in web/ from there. Only the exports the browser needs are linked (token claims and
# JSON Schema validation), so the linker drops JSONata and the workflow model.
set(SOLDER_GENERATED_WEB_DIR ${CMAKE_BINARY_DIR}/web)
set_source_files_properties(${CMAKE_SOURCE_DIR}/native/http/static.c PROPERTIES
    COMPILE_DEFINITIONS SOLDER_GENERATED_WEB_DIR="${SOLDER_GENERATED_WEB_DIR}")

if(SOLDER_HAVE_WASM)
    set(WEB_CORE_JS ${SOLDER_GENERATED_WEB_DIR}/sdk/embedded-core.mjs)
    set(WEB_CORE_WASM ${SOLDER_GENERATED_WEB_DIR}/sdk/embedded.wasm)
    set(WEB_CORE_EXPORTS ${CMAKE_SOURCE_DIR}/wasm/exports_token.c
        ${CMAKE_SOURCE_DIR}/wasm/exports_schema.c ${CMAKE_SOURCE_DIR}/wasm/plat_wasm.c)
    add_custom_command(OUTPUT ${WEB_CORE_JS} ${WEB_CORE_WASM}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${SOLDER_GENERATED_WEB_DIR}/sdk
        COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs
                ${EMCC} -Os -std=c11 -D_GNU_SOURCE -Wall -Wno-unused-parameter
                -I${CMAKE_SOURCE_DIR}/shared -I${CJSON_SRC_DIR}
                ${SHARED_SOURCES} ${WEB_CORE_EXPORTS} ${CJSON_SRC_DIR}/cJSON.c
                -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=SolderEmbeddedCore
                -sENVIRONMENT=web -sFILESYSTEM=0 -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=1048576
                -sEXPORTED_FUNCTIONS=_solder_token_inspect,_solder_schema_validate,_solder_free,_malloc,_free
                -sEXPORTED_RUNTIME_METHODS=cwrap,UTF8ToString
                -o ${WEB_CORE_JS}
        COMMAND ${CMAKE_COMMAND} -E rename ${SOLDER_GENERATED_WEB_DIR}/sdk/embedded-core.wasm
                ${WEB_CORE_WASM}
        DEPENDS ${SHARED_SOURCES} ${WEB_CORE_EXPORTS}
        COMMENT "emcc: shared/ core -> web/sdk/embedded-core.mjs + embedded.wasm (browser)"
        VERBATIM)
    add_custom_target(solder_web ALL DEPENDS ${WEB_CORE_JS} ${WEB_CORE_WASM})
endif()

# The browser test: skipped (77) with a message when chromium or playwright-core is missing.
if(NODE)
    add_test(NAME e2e COMMAND ${NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/run.mjs)
    set_tests_properties(e2e PROPERTIES
        ENVIRONMENT "SOLDER_BIN=$<TARGET_FILE:solder>"
        SKIP_RETURN_CODE 77 TIMEOUT 900 RUN_SERIAL TRUE)
else()
    solder_missing_suite(e2e "node not found (scripts/bootstrap.sh installs it)")
endif()
