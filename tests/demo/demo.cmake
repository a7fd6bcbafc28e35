# The demo's programs: demo/bigcommerce-sandbox (a BigCommerce-compatible store the connector tests
# and the quick-start test run against).
file(GLOB SANDBOX_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/demo/bigcommerce-sandbox/*.c)
add_executable(bigcommerce-sandbox ${SANDBOX_SOURCES})
target_link_libraries(bigcommerce-sandbox PRIVATE PkgConfig::LWS PkgConfig::CJSON PkgConfig::CURL
                      Threads::Threads)
set_target_properties(bigcommerce-sandbox PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
add_dependencies(tsan_targets bigcommerce-sandbox) # the API tests run against it
