# The dashboard's build (included by the top-level CMakeLists.txt after the test suites, which set
# SOLDER_GENERATED_WEB_DIR).
#
# - The JavaScript bundle: esbuild (npm, pinned by web/package-lock.json, installed by
#   scripts/bootstrap.sh) bundles web/dashboard/src/ into web/dashboard/dist/ (git-ignored), which
#   the server serves at /dashboard/dist/, each file with a gzipped sibling (FILE.gz) it sends to
#   browsers that accept gzip.
# - The WASM core: the same shared/ sources the SDK's core is linked from, with the exports the
#   builder needs (JSONata, JSON Schema, workflow validation, cron), into
#   BUILD/web/dashboard/dist/core.mjs + core.wasm; static.c serves /dashboard/ files that web/ does
#   not have from there.
set(DASHBOARD_DIR ${CMAKE_SOURCE_DIR}/web/dashboard)
find_program(NODE node)
if(NODE AND EXISTS ${CMAKE_SOURCE_DIR}/web/node_modules/esbuild)
    file(GLOB_RECURSE DASHBOARD_SOURCES CONFIGURE_DEPENDS ${DASHBOARD_DIR}/src/*)
    add_custom_command(OUTPUT ${DASHBOARD_DIR}/dist/app.js ${DASHBOARD_DIR}/dist/app.css
        COMMAND ${CMAKE_COMMAND} -E make_directory ${DASHBOARD_DIR}/dist
        COMMAND ${NODE} ${DASHBOARD_DIR}/build.mjs
        DEPENDS ${DASHBOARD_SOURCES} ${DASHBOARD_DIR}/build.mjs
        COMMENT "esbuild: web/dashboard/src -> web/dashboard/dist"
        VERBATIM)
    add_custom_target(solder_dashboard ALL DEPENDS ${DASHBOARD_DIR}/dist/app.js)
else()
    message(STATUS "Dashboard bundle skipped: node or web/node_modules missing (run scripts/bootstrap.sh)")
endif()

# gzip (Debian's required package) writes the core's .gz siblings the server sends when a browser
# accepts gzip (native/http/static.c).
find_program(GZIP_PROGRAM gzip REQUIRED)
if(SOLDER_HAVE_WASM)
    set(DASHBOARD_CORE_JS ${SOLDER_GENERATED_WEB_DIR}/dashboard/dist/core.mjs)
    set(DASHBOARD_CORE_WASM ${SOLDER_GENERATED_WEB_DIR}/dashboard/dist/core.wasm)
    set(DASHBOARD_CORE_EXPORTS ${CMAKE_SOURCE_DIR}/wasm/exports_token.c
        ${CMAKE_SOURCE_DIR}/wasm/exports_schema.c ${CMAKE_SOURCE_DIR}/wasm/exports_mapping.c
        ${CMAKE_SOURCE_DIR}/wasm/exports_workflow.c ${CMAKE_SOURCE_DIR}/wasm/exports_cron.c
        ${CMAKE_SOURCE_DIR}/wasm/plat_wasm.c)
    add_custom_command(OUTPUT ${DASHBOARD_CORE_JS} ${DASHBOARD_CORE_WASM} ${DASHBOARD_CORE_JS}.gz
                              ${DASHBOARD_CORE_WASM}.gz
        COMMAND ${CMAKE_COMMAND} -E make_directory ${SOLDER_GENERATED_WEB_DIR}/dashboard/dist
        COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs
                ${EMCC} -Os -std=c11 -D_GNU_SOURCE -Wall -Wno-unused-parameter
                -I${CMAKE_SOURCE_DIR}/shared -I${CJSON_SRC_DIR}
                ${SHARED_SOURCES} ${DASHBOARD_CORE_EXPORTS} ${CJSON_SRC_DIR}/cJSON.c
                -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=SolderDashboardCore
                -sENVIRONMENT=web -sFILESYSTEM=0 -sALLOW_MEMORY_GROWTH=1 -sTOTAL_STACK=1048576
                -sEXPORTED_FUNCTIONS=_solder_mapping_eval,_solder_schema_validate,_solder_schema_from_sample,_solder_schema_is_sample,_solder_workflow_validate,_solder_cron_next,_solder_free,_malloc,_free
                -sEXPORTED_RUNTIME_METHODS=cwrap,UTF8ToString
                -o ${DASHBOARD_CORE_JS}
        COMMAND ${GZIP_PROGRAM} -9 -n -k -f ${DASHBOARD_CORE_JS} ${DASHBOARD_CORE_WASM}
        DEPENDS ${SHARED_SOURCES} ${DASHBOARD_CORE_EXPORTS}
        COMMENT "emcc: shared/ core -> web/dashboard/dist/core.mjs + core.wasm (dashboard)"
        VERBATIM)
    add_custom_target(solder_dashboard_core ALL DEPENDS ${DASHBOARD_CORE_JS} ${DASHBOARD_CORE_WASM})
endif()
