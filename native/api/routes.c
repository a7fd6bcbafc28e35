/*
 * The route table: every API path Solder serves, with its handler and flags. Served under any dated
 * prefix (/2023-12/..., /2024-03/...) and unversioned. Literal segments come before parameters
 * that would also match them (/users/batch before /users/:userId).
 */
#include "api/api.h"
#include "api/credentials.h"

#define USER ROUTE_USER_TOKEN | ROUTE_BROWSER
/* Also open to an install link's token (the install modal's reads and its one install). */
#define LINK USER | ROUTE_INSTALL_LINK

const struct route API_ROUTES[] = {
    {HTTP_GET, "/healthz", api_healthz, ROUTE_PUBLIC | ROUTE_BROWSER | ROUTE_INLINE},
    {HTTP_GET, "/.well-known/jwks.json", api_jwks, ROUTE_PUBLIC | ROUTE_BROWSER | ROUTE_INLINE},
    {HTTP_GET, "/security/public_key.pem", api_signature_key,
     ROUTE_PUBLIC | ROUTE_BROWSER | ROUTE_INLINE},

    {HTTP_POST, "/users", api_users_create, 0},
    {HTTP_GET, "/users", api_users_list, 0},
    {HTTP_POST, "/users/batch", api_users_batch, 0},
    {HTTP_GET, "/users/:userId", api_users_get, USER},
    {HTTP_PUT, "/users/:userId", api_users_update, 0},
    {HTTP_DELETE, "/users/:userId", api_users_delete, 0},
    {HTTP_GET, "/users/:userId/token", api_users_token, 0},
    {HTTP_GET, "/user/:userId/token", api_users_token, 0},
    {HTTP_PUT, "/users/:userId/deactivate-workflows", api_users_deactivate_workflows, 0},
    {HTTP_DELETE, "/users/:userId/logs", api_users_delete_logs, 0},
    {HTTP_GET, "/users/:userId/integrations/:integrationId/install-url", api_users_install_url, 0},

    {HTTP_POST, "/integrations", api_integrations_create, 0},
    {HTTP_GET, "/integrations", api_integrations_list, USER},
    {HTTP_GET, "/integrations/:integrationId", api_integrations_get, LINK},
    {HTTP_GET, "/integrations/:integrationId/workflows", api_builder_workflows, 0},
    {HTTP_PUT, "/integrations/:integrationId", api_integrations_update, 0},
    {HTTP_DELETE, "/integrations/:integrationId", api_integrations_delete, 0},

    {HTTP_POST, "/workflows", api_workflows_create, 0},
    {HTTP_GET, "/workflows", api_workflows_list, USER},
    {HTTP_PUT, "/workflows/activate", api_workflows_activate, USER},
    {HTTP_PUT, "/workflows/deactivate", api_workflows_deactivate, USER},
    {HTTP_GET, "/workflows/:workflowId", api_workflows_get, LINK},
    {HTTP_PUT, "/workflows/:workflowId", api_workflows_update, 0},
    {HTTP_DELETE, "/workflows/:workflowId", api_workflows_uninstall, USER},
    {HTTP_POST, "/workflows/:workflowId/release", api_workflows_release, 0},
    {HTTP_GET, "/workflows/:workflowId/versions", api_workflows_versions, USER},
    {HTTP_GET, "/workflows/:workflowId/versions/:version", api_builder_version, 0},
    {HTTP_PUT, "/workflows/:workflowId/upgrade", api_workflows_upgrade, USER},
    {HTTP_GET, "/workflows/:workflowId/users", api_workflows_users, 0},
    {HTTP_GET, "/workflows/:workflowId/logs", api_workflow_logs, USER},
    {HTTP_GET, "/workflows/:workflowId/errors", api_workflow_errors, USER},
    {HTTP_GET, "/workflows/:workflowId/analytics", api_workflow_analytics, 0},
    {HTTP_POST, "/workflows/:workflowId/rerun/:executionId", api_workflow_rerun, USER},

    {HTTP_GET, "/installations", api_installations_list, LINK},
    {HTTP_POST, "/headless/startInstallation", api_headless_start, LINK},
    {HTTP_POST, "/headless/completeInstallation", api_headless_complete, LINK},

    {HTTP_GET, "/events", api_events_list, USER},
    {HTTP_POST, "/events", api_events_create, 0},
    {HTTP_GET, "/events/:name", api_events_get, 0},
    {HTTP_PUT, "/events/:name", api_events_update, 0},
    {HTTP_DELETE, "/events/:name", api_events_delete, 0},
    {HTTP_POST, "/run/event", api_run_event, ROUTE_BATCH},
    {HTTP_POST, "/run/workflow", api_run_workflow, ROUTE_BATCH},

    {HTTP_GET, "/logs", api_logs, 0},
    {HTTP_GET, "/logs/executions", api_history_executions, 0},
    {HTTP_GET, "/logs/executions/:executionId", api_history_execution, 0},
    {HTTP_GET, "/logs/analytics", api_history_analytics, 0},
    {HTTP_GET, "/settings", api_settings_get, 0},
    {HTTP_PUT, "/settings", api_settings_update, 0},
    {HTTP_POST, "/settings/rotate-signing-secret", api_settings_rotate_signing_secret, 0},
    {HTTP_POST, "/settings/test-error-webhook", api_settings_test_error_webhook, ROUTE_SESSION},

    {HTTP_GET, "/metadata/apps", api_apps_list, USER},
    {HTTP_GET, "/apps", api_apps_list, USER},
    {HTTP_GET, "/metadata/credentials", api_credential_metadata_list, USER},
    {HTTP_GET, "/metadata/credentials/:name", api_credential_metadata_get, LINK},
    {HTTP_POST, "/headless/credentials", api_credentials_create, LINK},
    {HTTP_POST, "/users/:userId/credentials", api_credentials_create, USER},
    {HTTP_GET, "/users/:userId/credentials", api_credentials_list, LINK},
    {HTTP_GET, "/credentials/users/:userId", api_credentials_list, USER},
    {HTTP_DELETE, "/users/:userId/credentials/:credentialId", api_credentials_delete, USER},
    {HTTP_GET, "/users/:userId/credentials/:app", api_oauth_url, USER},
    {HTTP_GET, "/credentials/:name", api_credential_metadata_get, USER},
    {HTTP_POST, "/hooks/:subscriptionId", api_hooks_receive, ROUTE_PUBLIC},
    {HTTP_GET, "/headless/oauthUrl", api_oauth_url, LINK},
    {HTTP_GET, "/oauth/callback", api_oauth_callback, ROUTE_PUBLIC | ROUTE_BROWSER},
    {HTTP_GET, "/oauth/status", api_oauth_status, ROUTE_PUBLIC | ROUTE_BROWSER},

    {HTTP_GET, "/auth/state", api_auth_state, ROUTE_PUBLIC},
    {HTTP_POST, "/auth/setup", api_auth_setup, ROUTE_PUBLIC},
    {HTTP_POST, "/auth/login", api_auth_login, ROUTE_PUBLIC},
    {HTTP_GET, "/auth/session", api_auth_session_get, ROUTE_SESSION},
    {HTTP_PUT, "/auth/session", api_auth_session_put, ROUTE_SESSION},
    {HTTP_POST, "/auth/logout", api_auth_logout, ROUTE_SESSION},

    {HTTP_GET, "/api-keys", api_keys_list, 0},
    {HTTP_POST, "/api-keys", api_keys_create, ROUTE_SESSION},
    {HTTP_DELETE, "/api-keys/:keyId", api_keys_revoke, ROUTE_SESSION},
    {HTTP_POST, "/promote/preview", api_promote_preview, ROUTE_SESSION},
    {HTTP_POST, "/promote", api_promote, ROUTE_SESSION},
};

const size_t API_ROUTE_COUNT = sizeof API_ROUTES / sizeof API_ROUTES[0];
