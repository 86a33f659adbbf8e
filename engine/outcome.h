/* outcome.h — the classification every connector starts from. */
#ifndef ATSYNC_OUTCOME_H
#define ATSYNC_OUTCOME_H

#include "connector.h"
#include "pace.h"

/* Fill out->outcome, words, retry_at and the pacing headers from the
 * transport result and the HTTP status alone. */
void outcome_classify(enum op op, const struct http_resp *r, int64_t now,
                      int64_t retry_cap, struct op_result *out);

/* A 2xx answer the connector cannot read: a write may have been applied
 * (unknown: the next run reads before it writes), a read is retried
 * (transient). What the answer gave is dropped (records, next page);
 * 'what' says "malformed answer[: why]". */
void outcome_malformed(enum op op, const char *why, struct op_result *out);

/* The application a record shows, into the result's ids, status and
 * stage (an answer that is one application). */
void outcome_take_record(struct op_result *out, const struct ats_record *r);

/* A page's records: n zeroed records (NULL for none), or NULL with
 * "out of memory for n records" in why. The caller owns them until
 * outcome_set_recs hands them to the result. */
struct ats_record *outcome_recs_alloc(int n, char *why, size_t whylen);
/* The result owns 'recs' (n of them) from now on; earlier ones are freed. */
void outcome_set_recs(struct op_result *out, struct ats_record *recs,
                      size_t n);

/* Stages into pipeline order by order[i] (stable: equal orders keep the
 * ATS's order); order[] is sorted along. */
void outcome_sort_stages(struct stage *st, int *order, size_t n);

/* Two ids of growing numbers (decimal, or lower-case hex of one width
 * class) compared by age: shorter is older, then digit by digit. */
int outcome_id_cmp(const char *a, const char *b);

#endif
