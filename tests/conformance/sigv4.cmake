# AWS Signature Version 4 test suite (Apache-2.0) through crypto/sigv4.c. The runner prints
# "sigv4: N passed, M failed" and fails on any failure. It reads the copy in tests/conformance/sigv4
# when the repository has one, else SOLDER_TESTDATA/sigv4 (SIGV4_SUITE overrides both); without
# either it skips (exit 77), except under CI=true, where it fails.
add_executable(sigv4_suite ${CMAKE_SOURCE_DIR}/tests/conformance/sigv4_suite.c)
target_link_libraries(sigv4_suite PRIVATE solder_native)
target_compile_definitions(sigv4_suite PRIVATE
    SOLDER_TESTDATA_DEFAULT="${SOLDER_TESTDATA}"
    SIGV4_SUITE_REPO="${CMAKE_SOURCE_DIR}/tests/conformance/sigv4")
add_test(NAME conformance/sigv4 COMMAND sigv4_suite)
set_tests_properties(conformance/sigv4 PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
