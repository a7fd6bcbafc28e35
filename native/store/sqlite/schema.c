/*
 * The SQLite schema as numbered migrations: migration n brings a database from version n to n+1
 * (PRAGMA user_version). PostgreSQL's list (store/postgres/schema.c) is numbered apart: every later
 * change of the schema is added to both.
 */
#include "store/sqlite/sqlite.h"

const char *const store_sqlite_migrations[] = {
    /* 1: identity */
    "CREATE TABLE accounts(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE environments(id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES accounts(id), name TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, UNIQUE(account_id, name));"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES environments(id),"
    "  hash BLOB NOT NULL UNIQUE, prefix TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    "CREATE TABLE users(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES environments(id),"
    "  username TEXT, full_name TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE UNIQUE INDEX users_env_username ON users(env_id, username);"
    "CREATE INDEX users_env_created ON users(env_id, created_at);"
    "CREATE TABLE signing_keys(id TEXT PRIMARY KEY, alg TEXT NOT NULL, private_pem TEXT NOT NULL,"
    "  public_pem TEXT NOT NULL, created_at INTEGER NOT NULL, retired_at INTEGER);",

    /* 2: integrations, versioned workflows, events, installations, executions */
    "CREATE TABLE integrations(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES "
    "environments(id),"
    "  name TEXT NOT NULL, app TEXT, icon TEXT, description TEXT,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(env_id, name));"
    "CREATE TABLE workflows(id TEXT PRIMARY KEY, env_id TEXT NOT NULL REFERENCES environments(id),"
    "  integration_id TEXT NOT NULL REFERENCES integrations(id), name TEXT NOT NULL,"
    "  draft TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(env_id, name));"
    "CREATE INDEX workflows_integration ON workflows(integration_id);"
    "CREATE TABLE workflow_versions(workflow_id TEXT NOT NULL REFERENCES workflows(id),"
    "  version INTEGER NOT NULL, definition TEXT NOT NULL, trigger_type TEXT NOT NULL,"
    "  trigger_event TEXT, blocks TEXT NOT NULL, fields TEXT NOT NULL, released_at INTEGER NOT "
    "NULL,"
    "  PRIMARY KEY(workflow_id, version));"
    "CREATE TABLE events(env_id TEXT NOT NULL REFERENCES environments(id), name TEXT NOT NULL,"
    "  description TEXT, body TEXT NOT NULL, schema TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(env_id, name));"
    "CREATE TABLE installations(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  workflow_id TEXT NOT NULL REFERENCES workflows(id),"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  integration_id TEXT NOT NULL, version INTEGER NOT NULL, active INTEGER NOT NULL,"
    "  config TEXT NOT NULL DEFAULT '{}', trigger_type TEXT NOT NULL, trigger_event TEXT,"
    "  installed_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE(workflow_id, user_id));"
    "CREATE INDEX installations_trigger ON installations(user_id, trigger_type, trigger_event);"
    "CREATE TABLE install_sessions(id TEXT PRIMARY KEY, env_id TEXT NOT NULL, user_id TEXT NOT "
    "NULL,"
    "  integration_id TEXT NOT NULL, workflow_ids TEXT NOT NULL, state TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE run_events(id TEXT PRIMARY KEY, env_id TEXT NOT NULL, user_id TEXT NOT NULL,"
    "  name TEXT NOT NULL, payload TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE INDEX run_events_user ON run_events(user_id);"
    "CREATE TABLE executions(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  installation_id TEXT NOT NULL, workflow_id TEXT NOT NULL, user_id TEXT NOT NULL,"
    "  version INTEGER NOT NULL, event_id TEXT, status TEXT NOT NULL, attempt INTEGER NOT NULL,"
    "  run_at INTEGER NOT NULL, lease_until INTEGER, state TEXT NOT NULL,"
    "  error TEXT, error_block TEXT, created_at INTEGER NOT NULL, started_at INTEGER,"
    "  finished_at INTEGER);"
    "CREATE INDEX executions_due ON executions(run_at) WHERE status = 'queued';"
    "CREATE INDEX executions_leased ON executions(lease_until) WHERE status = 'running';"
    "CREATE INDEX executions_installation ON executions(installation_id, created_at);"
    "CREATE INDEX executions_workflow ON executions(workflow_id, created_at);"
    "CREATE INDEX executions_user ON executions(user_id);"
    "CREATE INDEX executions_created ON executions(env_id, created_at);"
    "CREATE TABLE execution_steps(execution_id TEXT NOT NULL REFERENCES executions(id)"
    "  ON DELETE CASCADE, seq INTEGER NOT NULL, block_id TEXT NOT NULL, block_type TEXT NOT NULL,"
    "  block_name TEXT, step_key TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL, stopped_at INTEGER NOT NULL, inputs TEXT, output TEXT,"
    "  error TEXT, PRIMARY KEY(execution_id, seq));"
    "CREATE TABLE execution_errors(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  execution_id TEXT NOT NULL, workflow_id TEXT NOT NULL, installation_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL, block TEXT, message TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  streamed INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX execution_errors_workflow ON execution_errors(workflow_id, created_at);"
    "CREATE INDEX execution_errors_user ON execution_errors(user_id);"
    "CREATE INDEX execution_errors_unstreamed ON execution_errors(created_at) WHERE streamed = 0;"
    "CREATE TABLE settings(env_id TEXT PRIMARY KEY REFERENCES environments(id),"
    "  error_webhook_url TEXT, error_webhook_secret TEXT, signing_secret TEXT,"
    "  log_retention_days INTEGER NOT NULL DEFAULT 60);"
    "CREATE TABLE server_keys(name TEXT PRIMARY KEY, private_pem TEXT NOT NULL,"
    "  public_pem TEXT NOT NULL, created_at INTEGER NOT NULL);",

    /* 3: app credentials (sealed), webhook subscriptions of app triggers, inbound deliveries */
    "CREATE TABLE credentials(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, app TEXT NOT NULL,"
    "  name TEXT NOT NULL, sealed TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX credentials_user_app ON credentials(user_id, app, created_at);"
    "CREATE TABLE app_subscriptions(id TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL, workflow_id TEXT NOT NULL, app TEXT NOT NULL,"
    "  trigger_name TEXT NOT NULL, credential_id TEXT, sealed_secret TEXT NOT NULL,"
    "  remote TEXT, state TEXT NOT NULL, error TEXT, created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL, UNIQUE(workflow_id, user_id));"
    "CREATE TABLE app_deliveries(id TEXT PRIMARY KEY, subscription_id TEXT NOT NULL,"
    "  payload TEXT NOT NULL, created_at INTEGER NOT NULL);",

    /* 4: schedule triggers' next run, single-use install links */
    "ALTER TABLE installations ADD COLUMN next_run_at INTEGER;"
    "CREATE INDEX installations_schedule ON installations(next_run_at) "
    "  WHERE trigger_type = 'schedule' AND active = 1;"
    "CREATE TABLE used_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);",

    /* 5: OAuth2 — a credential can be marked invalid; authorization requests in flight */
    "ALTER TABLE credentials ADD COLUMN error TEXT;"
    "CREATE TABLE oauth_states(state TEXT PRIMARY KEY, env_id TEXT NOT NULL,"
    "  user_id TEXT NOT NULL, app TEXT NOT NULL, sealed_verifier TEXT NOT NULL,"
    "  params TEXT NOT NULL, redirect_uri TEXT NOT NULL, sealed_code TEXT,"
    "  created_at INTEGER NOT NULL);",

    /* 6: polling app triggers: the item keys already run, per subscription */
    "CREATE TABLE poll_seen(subscription_id TEXT NOT NULL, key TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL, PRIMARY KEY(subscription_id, key));",

    /* 7: a plain index for schedules: a partial index whose condition names trigger_type made
     * SQLite re-prepare every statement binding trigger_type (the hot INSERT of /run/event) */
    "DROP INDEX installations_schedule;"
    "CREATE INDEX installations_schedule ON installations(trigger_type, next_run_at);",

    /* 8: an install session may pin workflow versions (versionIds) */
    "ALTER TABLE install_sessions ADD COLUMN versions TEXT;",

    /* 9: credentials chosen at installation (credentialIds: app -> credential id) */
    "ALTER TABLE install_sessions ADD COLUMN credential_ids TEXT;"
    "ALTER TABLE installations ADD COLUMN credential_ids TEXT;",

    /* 10: no query looks executions up by installation; the index only cost every enqueue */
    "DROP INDEX executions_installation;",

    /* 11: dashboard sign-in: operator accounts (Argon2id hashes), sessions and the one-time setup
     * token (both stored as SHA-256 hashes), failed sign-ins per account and per address; when an
     * API key was last used */
    "CREATE TABLE dashboard_accounts(id TEXT PRIMARY KEY,"
    "  email TEXT NOT NULL COLLATE NOCASE UNIQUE, password_hash TEXT NOT NULL, created_at INTEGER "
    "NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE TABLE dashboard_sessions(id_hash TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL REFERENCES dashboard_accounts(id) ON DELETE CASCADE,"
    "  environment TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);"
    "CREATE INDEX dashboard_sessions_account ON dashboard_sessions(account_id);"
    "CREATE TABLE dashboard_setup_tokens(hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);"
    "CREATE TABLE login_failures(key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
    "  first_at INTEGER NOT NULL);"
    "ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;",

    /* 12: the process holding an execution's lease, which renews it while it lives */
    "ALTER TABLE executions ADD COLUMN lease_owner TEXT;",

    /* 13: a failed app-trigger subscription is retried with backoff (attempts, retry_at, set only
     * while it is in error) and shown (last_attempt_at); an error row is an execution's or a
     * subscription's (kind; execution_id then holds the subscription's id) */
    "ALTER TABLE app_subscriptions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE app_subscriptions ADD COLUMN retry_at INTEGER;"
    "ALTER TABLE app_subscriptions ADD COLUMN last_attempt_at INTEGER;"
    "CREATE INDEX app_subscriptions_retry ON app_subscriptions(retry_at);"
    "ALTER TABLE execution_errors ADD COLUMN kind TEXT NOT NULL DEFAULT 'execution';",

    /* 14: who released each workflow version: a dashboard account's email, "API key <prefix>", or
     * the command that imported it */
    "ALTER TABLE workflow_versions ADD COLUMN released_by TEXT;",

    /* 15: error streaming to Amazon EventBridge: bus, region, keys (the secret ones sealed), as
     * JSON */
    "ALTER TABLE settings ADD COLUMN error_eventbridge TEXT;",

    /* 16: an environment's own rate limits (JSON: {key, user, event} buckets), http/ratelimit.c */
    "ALTER TABLE settings ADD COLUMN rate_limits TEXT;",
};

const int store_sqlite_migration_count =
    (int)(sizeof store_sqlite_migrations / sizeof store_sqlite_migrations[0]);
