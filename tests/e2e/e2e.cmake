# The browser's build of the shared core and the browser test (included by the top-level file).
#
# web/sdk/ is served from the source tree; the WASM module the SDK and the modal load is linked
# here (wasm/browser.cmake), into BUILD/web/sdk/ (embedded-core.mjs + embedded.wasm), and static.c
# serves /sdk/ files it does not find in web/ from there. Only the exports the SDK needs are linked
# (token claims and JSON Schema validation), so the linker drops JSONata and the workflow model.
set(SOLDER_GENERATED_WEB_DIR ${CMAKE_BINARY_DIR}/web)
set_source_files_properties(${CMAKE_SOURCE_DIR}/native/http/static.c PROPERTIES
    COMPILE_DEFINITIONS SOLDER_GENERATED_WEB_DIR="${SOLDER_GENERATED_WEB_DIR}")

if(SOLDER_HAVE_WASM)
    set(WEB_CORE_JS ${SOLDER_GENERATED_WEB_DIR}/sdk/embedded-core.mjs)
    set(WEB_CORE_WASM ${SOLDER_GENERATED_WEB_DIR}/sdk/embedded.wasm)
    solder_browser_core(solder_web ${WEB_CORE_JS} ${WEB_CORE_WASM} SolderEmbeddedCore
        _solder_token_inspect,_solder_schema_validate exports_token exports_schema)
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
