# The scripts' own tests: scripts/deb-src.sh (the deb-src entries bootstrap derives from the
# machine's APT sources) on made-up configurations.
add_test(NAME scripts/deb-src COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/deb_src_test.sh)
