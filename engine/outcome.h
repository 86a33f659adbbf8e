/* outcome.h — the classification every connector starts from. */
#ifndef ATSYNC_OUTCOME_H
#define ATSYNC_OUTCOME_H

#include "connector.h"
#include "pace.h"

/* Fill out->outcome, words, retry_at and the pacing headers from the
 * transport result and the HTTP status alone. */
void outcome_classify(enum op op, const struct http_resp *r, int64_t now,
                      int64_t retry_cap, struct op_result *out);

#endif
