# The layers the build enforces (docs/architecture.md). For every part, layers/PART compiles one
# header of every part with exactly the include directories the part's own files compile with, and
# expects it to compile where the arrow PART -> OTHER is allowed and to fail, the header not found,
# where it is not. The rule is the table below, written apart from the links of CMakeLists.txt: a
# link that opens a forbidden arrow, or one missing for an allowed arrow, fails the test.

# One header of each part, named as its part.
set(LAYER_HEADERS
    shared=json/json.h
    base=base/log.h
    store=store/store.h
    crypto=crypto/crypto.h
    engine=engine/engine.h
    connectors=connectors/connectors.h
    destinations=destinations/destinations.h
    http=http/ws.h
    app=app.h
    api=api/api.h
    cli=cli/cli.h)
# PART: the parts whose headers it may include besides its own.
set(LAYER_ALLOWED_shared "")
set(LAYER_ALLOWED_base shared)
set(LAYER_ALLOWED_store shared base)
set(LAYER_ALLOWED_crypto shared base)
set(LAYER_ALLOWED_engine shared base store crypto)
set(LAYER_ALLOWED_connectors shared base store crypto engine)
set(LAYER_ALLOWED_destinations shared base store crypto engine connectors)
set(LAYER_ALLOWED_http shared base store crypto app)
set(LAYER_ALLOWED_api shared base store crypto engine connectors http app)
set(LAYER_ALLOWED_cli shared base store crypto engine connectors destinations http app api)

# The probes: one file per header, alone in a folder so that no include is found beside it.
set(LAYER_PROBE_DIR ${CMAKE_BINARY_DIR}/layer-probes)
set(probes "")
foreach(entry ${LAYER_HEADERS})
    string(REPLACE "=" ";" pair ${entry})
    list(GET pair 0 name)
    list(GET pair 1 header)
    file(WRITE ${LAYER_PROBE_DIR}/${name}.c "#include \"${header}\"\n")
    list(APPEND probes "${name}=${header}")
endforeach()
string(REPLACE ";" "|" probes "${probes}")

# The store's door (docs/architecture.md, "The store"): through its public headers, every one of
# native/store/ but store_internal.h and driver.h, no part sees SQL (store_query) or the database
# library (sqlite3). door_control reaches both through the SQLite backend's own header
# (store/sqlite/sqlite.h, which includes store_internal.h), proving the probes can tell.
file(GLOB store_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/native/store/*.h)
set(public_includes "")
foreach(h ${store_headers})
    get_filename_component(base ${h} NAME)
    if(NOT base STREQUAL "store_internal.h" AND NOT base STREQUAL "driver.h")
        string(APPEND public_includes "#include \"store/${base}\"\n")
    endif()
endforeach()
file(WRITE ${LAYER_PROBE_DIR}/door_query.c
     "${public_includes}int probe(void) { return (int)sizeof &store_query; }\n")
file(WRITE ${LAYER_PROBE_DIR}/door_sqlite.c
     "${public_includes}int probe(void) { return (int)sizeof(sqlite3 *); }\n")
file(WRITE ${LAYER_PROBE_DIR}/door_control.c
     "#include \"store/sqlite/sqlite.h\"\n"
     "int probe(void) { return (int)(sizeof &store_query + sizeof(sqlite3 *)); }\n")
set(door_probes "door_query=store_query|door_sqlite=sqlite3|door_control=")

# A part's compile line comes from compile_commands.json: the entry of an object library that is
# never built and links what the part links (SOLDER_PART_LINKS_<part>), shared/ only its own.
foreach(part shared base store crypto engine connectors destinations http api cli)
    set(target layer_probe_${part})
    add_library(${target} OBJECT EXCLUDE_FROM_ALL ${LAYER_PROBE_DIR}/${part}.c)
    if(part STREQUAL "shared")
        target_link_libraries(${target} PRIVATE solder_shared)
    else()
        get_property(links GLOBAL PROPERTY SOLDER_PART_LINKS_${part})
        target_link_libraries(${target} PRIVATE solder_${part} ${links})
    endif()
    string(REPLACE ";" "|" allowed "${part};${LAYER_ALLOWED_${part}}")
    set(door "")
    if(NOT part STREQUAL "store" AND "store" IN_LIST LAYER_ALLOWED_${part})
        set(door "-DDOOR=${door_probes}")
    endif()
    add_test(NAME layers/${part}
             COMMAND ${CMAKE_COMMAND} -DCOMMANDS=${CMAKE_BINARY_DIR}/compile_commands.json
                     -DTARGET=${target} -DPART=${part} -DPROBES=${probes} -DALLOWED=${allowed}
                     -DPROBE_DIR=${LAYER_PROBE_DIR} ${door}
                     -P ${CMAKE_CURRENT_LIST_DIR}/probe.cmake)
endforeach()

# layers/symbols: the same table at link level, over the parts' archives (nm), so that a function
# declared by hand cannot call across a forbidden arrow either.
find_program(NM NAMES nm)
set(libs "shared=$<TARGET_FILE:solder_shared>")
set(allowed_args "")
foreach(part base store crypto engine connectors destinations http api cli)
    string(APPEND libs "|${part}=$<TARGET_FILE:solder_${part}>")
    string(REPLACE ";" "|" allowed "${LAYER_ALLOWED_${part}}")
    list(APPEND allowed_args -DALLOWED_${part}=${allowed})
endforeach()
# The executable's own object (main.c) is checked for the store's door too.
if(NM)
    add_test(NAME layers/symbols
             COMMAND ${CMAKE_COMMAND} -DNM=${NM} -DLIBS=${libs} ${allowed_args}
                     -DOBJECTS=main=$<TARGET_OBJECTS:solder> -DBACKEND_PREFIX=sqlite3_
                     -DSTORE_INTERNAL=${CMAKE_SOURCE_DIR}/native/store/store_internal.h
                     -P ${CMAKE_CURRENT_LIST_DIR}/symbols.cmake)
else()
    solder_missing_suite(layers/symbols "nm not found (binutils; scripts/bootstrap.sh installs it)")
endif()
