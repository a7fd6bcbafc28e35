# The demo's programs: demo/bigcommerce-sandbox (a BigCommerce-compatible store the connector tests
# and the quick-start test run against).
file(GLOB SANDBOX_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/demo/bigcommerce-sandbox/*.c)
file(GLOB DEMO_COMMON_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/demo/common/*.c)
add_executable(bigcommerce-sandbox ${SANDBOX_SOURCES} ${DEMO_COMMON_SOURCES})
target_include_directories(bigcommerce-sandbox PRIVATE ${CMAKE_SOURCE_DIR}/demo/common)
target_link_libraries(bigcommerce-sandbox PRIVATE PkgConfig::LWS PkgConfig::CJSON PkgConfig::CURL
                      Threads::Threads)
target_compile_definitions(bigcommerce-sandbox PRIVATE
    SANDBOX_WEB_DIR="${CMAKE_SOURCE_DIR}/demo/bigcommerce-sandbox/web")
set_target_properties(bigcommerce-sandbox PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
add_dependencies(tsan_targets bigcommerce-sandbox) # the API tests run against it

# demo/acmeco: the demo's ISV, a fulfilment app that uses Solder over its public API.
file(GLOB ACMECO_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/demo/acmeco/*.c)
add_executable(acmeco ${ACMECO_SOURCES} ${DEMO_COMMON_SOURCES})
target_include_directories(acmeco PRIVATE ${CMAKE_SOURCE_DIR}/demo/common)
target_link_libraries(acmeco PRIVATE PkgConfig::LWS PkgConfig::CJSON PkgConfig::CURL
                      PkgConfig::OPENSSL)
target_compile_definitions(acmeco PRIVATE ACMECO_WEB_DIR="${CMAKE_SOURCE_DIR}/demo/acmeco/web")
set_target_properties(acmeco PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# The demo loop in Chromium (tests/demo/*.test.mjs, run by the browser tests' runner): Solder,
# AcmeCo and the sandbox on free ports with temporary data, driven as a person uses them.
if(NODE)
    add_test(NAME demo COMMAND ${NODE} ${CMAKE_SOURCE_DIR}/tests/e2e/run.mjs
             ${CMAKE_SOURCE_DIR}/tests/demo)
    set_tests_properties(demo PROPERTIES
        ENVIRONMENT "SOLDER_BIN=$<TARGET_FILE:solder>;ACMECO_BIN=$<TARGET_FILE:acmeco>;SANDBOX_BIN=$<TARGET_FILE:bigcommerce-sandbox>"
        SKIP_RETURN_CODE 77 TIMEOUT 600 RUN_SERIAL TRUE)
else()
    solder_missing_suite(demo "node not found (scripts/bootstrap.sh installs it)")
endif()
