/* Metrics (stub, filled in below). */
#include "app.h"

void http_metrics_route(struct request *req)
{
    reply_error(req, 404, "not_found", "no metrics");
}
