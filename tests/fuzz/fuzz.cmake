# libFuzzer targets: every tests/fuzz/fuzz_*.c, built only with -DSOLDER_FUZZ=ON and clang.
# Each links the shared/ core compiled with the fuzzer's coverage instrumentation and the sanitizers.
# Run one with: build/fuzz/fuzz_NAME tests/fuzz/corpus/NAME -max_total_time=600
if(SOLDER_FUZZ)
    file(GLOB FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
    add_library(solder_shared_fuzz STATIC ${SHARED_SOURCES} ${CMAKE_SOURCE_DIR}/native/plat_native.c)
    target_include_directories(solder_shared_fuzz PUBLIC ${CMAKE_SOURCE_DIR}/shared)
    target_compile_options(solder_shared_fuzz PUBLIC -fsanitize=fuzzer-no-link,address,undefined)
    target_link_libraries(solder_shared_fuzz PUBLIC PkgConfig::CJSON PkgConfig::OPENSSL m)
    foreach(src ${FUZZ_TARGETS})
        get_filename_component(name ${src} NAME_WE)
        add_executable(${name} ${src})
        target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
        target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
        target_link_libraries(${name} PRIVATE solder_shared_fuzz)
        set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    endforeach()
endif()

# Every fuzz target's seed corpus also runs as a plain regression test in the normal test build,
# through tests/fuzz/replay.c, so a crash once found stays fixed.
file(GLOB FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${FUZZ_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    string(REPLACE "fuzz_" "" corpus ${name})
    add_executable(replay_${corpus} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
    target_link_libraries(replay_${corpus} PRIVATE solder_shared)
    add_test(NAME fuzz-replay/${corpus}
             COMMAND replay_${corpus} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${corpus})
endforeach()
