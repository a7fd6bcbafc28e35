# JSONata conformance: the official suite run twice, natively and by the WASM build under Node.
# Both runners share the known-failures ratchet and the skip list beside this file, and both end
# with the line "jsonata: N passed, M failed, K skipped". The suite is the copy in jsonata/ beside
# this file (JSONATA_SUITE overrides it); a missing suite skips (exit 77), or fails in CI.
add_executable(jsonata_suite ${CMAKE_CURRENT_LIST_DIR}/jsonata_suite.c)
target_link_libraries(jsonata_suite PRIVATE solder_native)
target_compile_definitions(jsonata_suite PRIVATE
    JSONATA_SUITE_DEFAULT="${CMAKE_CURRENT_LIST_DIR}/jsonata"
    JSONATA_LISTS_DIR="${CMAKE_CURRENT_LIST_DIR}"
    MAPPING_CASES_DIR="${CMAKE_SOURCE_DIR}/tests/cases/mapping")
add_test(NAME conformance/jsonata COMMAND jsonata_suite)
set_tests_properties(conformance/jsonata PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900)

if(SOLDER_HAVE_WASM AND NODE)
    add_test(NAME conformance/jsonata-wasm
             COMMAND ${NODE} --no-experimental-fetch ${CMAKE_CURRENT_LIST_DIR}/jsonata_suite.mjs)
    set_tests_properties(conformance/jsonata-wasm PROPERTIES
        SKIP_RETURN_CODE 77 TIMEOUT 900
        ENVIRONMENT "SOLDER_WASM=${WASM_OUT}")
    # The module is built by the solder_wasm ALL target; this fixture makes sure it exists first.
    add_test(NAME conformance/jsonata-wasm-build
             COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target solder_wasm)
    set_tests_properties(conformance/jsonata-wasm-build PROPERTIES FIXTURES_SETUP jsonata_wasm)
    set_tests_properties(conformance/jsonata-wasm PROPERTIES FIXTURES_REQUIRED jsonata_wasm)
endif()

# The mapping.h API itself: bindings, host functions, limits, shared compiled expressions.
add_executable(mapping_api ${CMAKE_CURRENT_LIST_DIR}/mapping_api.c)
target_link_libraries(mapping_api PRIVATE solder_shared Threads::Threads)
add_test(NAME conformance/mapping-api COMMAND mapping_api)
solder_tsan_test(conformance/mapping-api mapping_api)
