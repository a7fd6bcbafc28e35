/* API handlers of the connectors area: apps and credential metadata, end users' credentials, and
 * inbound webhook deliveries of app triggers. */
#ifndef SOLDER_API_CREDENTIALS_H
#define SOLDER_API_CREDENTIALS_H

#include "http/http.h"

/* api/apps.c */
void api_apps_list(struct request *req);
void api_credential_metadata_list(struct request *req);
void api_credential_metadata_get(struct request *req);

/* api/credentials.c */
void api_credentials_create(struct request *req);
void api_credentials_list(struct request *req);
void api_credentials_delete(struct request *req);

/* api/oauth.c */
void api_oauth_url(struct request *req);
void api_oauth_callback(struct request *req);
void api_oauth_status(struct request *req);

/* api/hooks.c */
void api_hooks_receive(struct request *req);

#endif
