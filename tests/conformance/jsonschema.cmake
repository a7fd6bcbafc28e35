# JSON Schema conformance: the official draft 2020-12 suite, natively and through the WASM module.
# Both runners print "json-schema: N passed, M failed, K skipped" and an optional/ line, fail on a
# required test missing from jsonschema-known-failures.txt, and exit 77 (skip; a failure in CI)
# without the suite, the copy in json-schema/ beside this file unless JSON_SCHEMA_SUITE says.
add_executable(jsonschema_suite ${CMAKE_SOURCE_DIR}/tests/conformance/jsonschema_suite.c)
target_link_libraries(jsonschema_suite PRIVATE solder_native)
target_compile_definitions(jsonschema_suite PRIVATE
    JSON_SCHEMA_SUITE_DEFAULT="${CMAKE_SOURCE_DIR}/tests/conformance/json-schema"
    SOLDER_KNOWN_FAILURES="${CMAKE_SOURCE_DIR}/tests/conformance/jsonschema-known-failures.txt")
add_test(NAME conformance/json-schema COMMAND jsonschema_suite)
set_tests_properties(conformance/json-schema PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

if(SOLDER_HAVE_WASM)
    add_test(NAME conformance/json-schema-wasm
             COMMAND ${NODE} --no-experimental-fetch
                     ${CMAKE_SOURCE_DIR}/tests/conformance/jsonschema_suite.mjs)
    set_tests_properties(conformance/json-schema-wasm PROPERTIES
        SKIP_RETURN_CODE 77 TIMEOUT 600
        ENVIRONMENT "SOLDER_WASM=${WASM_OUT};SOLDER_KNOWN_FAILURES=${CMAKE_SOURCE_DIR}/tests/conformance/jsonschema-known-failures.txt")
endif()
