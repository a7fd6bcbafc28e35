# Benchmarks: every tests/bench/bench_*.c becomes build/bench/bench_NAME (not a test: it reports).
# `make bench` builds the release configuration and runs tests/bench/run.sh, which runs each
# tests/bench/*.sh with the build directory as its first argument.
file(GLOB BENCH_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/bench/bench_*.c)
foreach(src ${BENCH_SOURCES})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_link_libraries(${name} PRIVATE solder_native PkgConfig::LWS)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
endforeach()
