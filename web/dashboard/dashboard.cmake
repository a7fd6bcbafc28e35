# The dashboard's build (included by the top-level CMakeLists.txt after the test suites, which set
# SOLDER_GENERATED_WEB_DIR).
#
# - The JavaScript bundle: esbuild (npm, pinned by web/package-lock.json, installed by
#   scripts/bootstrap.sh) bundles web/dashboard/src/ into web/dashboard/dist/ (git-ignored), which
#   the server serves at /dashboard/dist/.
# - The WASM core: linked from the same browser build of shared/ as the SDK's (wasm/browser.cmake),
#   with the exports the builder needs (JSONata, JSON Schema, workflow validation, cron), into
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

if(SOLDER_HAVE_WASM)
    solder_browser_core(solder_dashboard_core ${SOLDER_GENERATED_WEB_DIR}/dashboard/dist/core.mjs
        ${SOLDER_GENERATED_WEB_DIR}/dashboard/dist/core.wasm SolderDashboardCore
        _solder_mapping_eval,_solder_schema_validate,_solder_schema_from_sample,_solder_schema_is_sample,_solder_workflow_validate,_solder_cron_next
        exports_token exports_schema exports_mapping exports_workflow exports_cron)
endif()
