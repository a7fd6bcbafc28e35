# Differential tests against node's own RegExp and String case mappings: regex_driver is the native
# side (the shared regex engine and JSONata's $uppercase/$lowercase); the .mjs scripts generate
# the inputs, run node's side and fail on any disagreement they cannot explain.
add_executable(regex_driver ${CMAKE_SOURCE_DIR}/tests/differential/regex_driver.c)
target_link_libraries(regex_driver PRIVATE solder_shared)
if(NODE)
    add_test(NAME differential/regex
             COMMAND ${NODE} ${CMAKE_SOURCE_DIR}/tests/differential/regex.mjs)
    add_test(NAME differential/case-mapping
             COMMAND ${NODE} ${CMAKE_SOURCE_DIR}/tests/differential/case.mjs)
    set_tests_properties(differential/regex differential/case-mapping PROPERTIES
        TIMEOUT 600 ENVIRONMENT "REGEX_DRIVER=$<TARGET_FILE:regex_driver>")
else()
    foreach(t differential/regex differential/case-mapping)
        solder_missing_suite(${t} "node not found (scripts/bootstrap.sh installs it)")
    endforeach()
endif()
