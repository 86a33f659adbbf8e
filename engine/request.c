/* request.c — one operation of a connection on the wire: built by the
 * connector, held back by the pacing gate until the rate limit allows it,
 * sent with a deadline, parsed back into an outcome, and its rate-limit
 * headers fed to the pacing (a 429 holds every request of the connection:
 * until the time the ATS named, or for a growing backoff when it named
 * none). */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

/* The scalar string arguments of an op_args (code ... page_url: 13 of
 * them); custom fields have arrays of their own (fkeys, fvals). */
#define ARGS_STR 16

struct request {
  struct conn *c;
  enum op op;
  struct op_args a;
  char *strs[ARGS_STR]; /* deep copies of the argument strings */
  const char *emails[ATSYNC_MAX_EMAILS];
  size_t nstrs;
  char **fkeys, **fvals; /* deep copies of the custom fields (a.nfields) */
  request_fn done;
  void *ud;
  struct http_call *call;
  struct at_timer *timer;
  struct op_result *acc; /* a list: what the pages so far gave */
  int pages;
};

#define MAX_PAGES 20

/* A deep copy owned by the request. Returns -1 when it cannot be kept
 * (out of memory, or more strings than ARGS_STR: a programming error that
 * must not turn an argument into "" silently). */
static int keep(struct request *rq, const char **s)
{
  if (*s == NULL)
    return 0;
  if (rq->nstrs == ARGS_STR)
    return -1;
  char *copy = strdup(*s);
  if (copy == NULL)
    return -1;
  rq->strs[rq->nstrs++] = copy;
  *s = copy;
  return 0;
}

static void free_strv(char **v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

/* The custom fields, copied as two arrays of a.nfields strings each. */
static int keep_fields(struct request *rq, const struct op_args *a)
{
  rq->a.field_keys = rq->a.field_values = NULL;
  rq->a.nfields = 0;
  if (a->nfields == 0 || a->field_keys == NULL || a->field_values == NULL)
    return 0;
  rq->fkeys = calloc(a->nfields, sizeof *rq->fkeys);
  rq->fvals = calloc(a->nfields, sizeof *rq->fvals);
  if (rq->fkeys == NULL || rq->fvals == NULL)
    return -1;
  for (size_t i = 0; i < a->nfields; i++) {
    rq->fkeys[i] = strdup(a->field_keys[i] ? a->field_keys[i] : "");
    rq->fvals[i] = strdup(a->field_values[i] ? a->field_values[i] : "");
    rq->a.nfields = i + 1; /* what rq_free must release */
    if (rq->fkeys[i] == NULL || rq->fvals[i] == NULL)
      return -1;
  }
  rq->a.field_keys = (const char *const *)rq->fkeys;
  rq->a.field_values = (const char *const *)rq->fvals;
  return 0;
}

static void result_free(struct op_result *r)
{
  outcome_result_free(r);
  free(r);
}

static void rq_free(struct request *rq)
{
  for (size_t i = 0; i < rq->nstrs; i++)
    free(rq->strs[i]);
  size_t nf = rq->fkeys || rq->fvals ? rq->a.nfields : 0;
  free_strv(rq->fkeys, nf);
  free_strv(rq->fvals, nf);
  if (rq->acc)
    result_free(rq->acc);
  free(rq);
}

/* A changes-since list is paged by its caller (it stores its cursor
 * between pages), never followed here. */
static bool caller_pages(enum op op)
{
  return op == OP_CHANGED_APPS || op == OP_CHANGED_PEOPLE;
}

/* A 429 that names no time (neither Retry-After nor a reset header) is
 * held at most this long. */
#define THROTTLE_CAP_MS 60000

/* The connection's pacing gate, with the limit its connector documents
 * until an answer names one: an ATS that sends no X-RateLimit-Limit
 * (Lever) is paced all the same. */
static struct pace *pacing(struct conn *c)
{
  if (c->ops->default_limit)
    pace_assume(&c->pace, c->ops->default_limit(c->auth));
  return &c->pace;
}

/* When a 429 lets the connection send again. With the ATS's Retry-After or
 * reset: then (at least 1 s on when that time has passed). Without one,
 * the connection backs off over its consecutive failures (hold_attempts,
 * as for an outage; 0 again after the first success), exponentially with
 * jitter from the engine's PRNG: 1 s, then 1-2 s, 2-4 s, 4-8 s ... up to
 * a minute (the outage cap when smaller), then 30-60 s. Equal jitter, not
 * the outage's full jitter: no wait is shorter than the one before (below
 * the cap), so the ATS that said "too many" never sees a re-probe at once. */
static int64_t throttled_until(struct conn *c, const struct op_result *res,
                               int64_t now)
{
  if (res->retry_at != 0)
    return res->retry_at > now ? res->retry_at : now + 1000;
  /* requests that were in flight together share one hold: the ladder
   * climbs once per hold, not once per 429 of the same burst */
  if (c->pace.blocked_until > now)
    return c->pace.blocked_until;
  struct atsync *e = c->e;
  int64_t base = e->cfg.backoff_base_ms;
  int64_t cap = e->cfg.backoff_cap_ms < THROTTLE_CAP_MS ? e->cfg.backoff_cap_ms
                                                        : THROTTLE_CAP_MS;
  int64_t wait = backoff_delay_equal(&e->prng, c->hold_attempts++, base, cap);
  return now + (wait > base ? wait : base);
}

static void on_timer(void *ud);

static void on_http(void *ud, struct http_resp *r)
{
  struct request *rq = ud;
  struct conn *c = rq->c;
  struct atsync *e = c->e;
  rq->call = NULL;
  struct op_result *res = calloc(1, sizeof *res);
  struct conn_view v = conn_view(c);
  int64_t now = eng_now(e);
  c->ops->parse(&v, rq->op, &rq->a, r, now, res);
  if (rq->op != OP_TOKEN) {
    pace_seen(&c->pace, now, res->rl_limit, res->rl_remaining, res->rl_reset);
    if (res->throttled) {
      /* one hold for every reader: the pacing here, the connection's
       * hold in fail.c (conn_throttled reads retry_at) */
      res->retry_at = throttled_until(c, res, now);
      pace_block(&c->pace, res->retry_at);
    }
  }
  eng_redact(e, res->words, sizeof res->words);
  eng_redact(e, res->what, sizeof res->what);
  /* a list with more pages: follow Link rel="next" (paced like any
   * request), folding each page in; an error on any page is the answer */
  if (rq->acc && res->outcome == OUT_OK) {
    outcome_merge_page(rq->op, rq->acc, res);
    result_free(res);
    res = rq->acc;
    rq->acc = NULL;
  }
  if (res->outcome == OUT_OK && res->next_url[0] && !caller_pages(rq->op) &&
      ++rq->pages < MAX_PAGES) {
    rq->acc = res;
    rq->timer = at_timer_add(e->loop, now, on_timer, rq);
    return;
  }
  request_fn done = rq->done;
  void *dud = rq->ud;
  rq_free(rq);
  /* 'done' may take res->recs (and set recs to NULL) to keep them */
  done(dud, res);
  result_free(res);
}

static void send_now(struct request *rq)
{
  struct conn *c = rq->c;
  struct atsync *e = c->e;
  struct conn_view v = conn_view(c);
  struct http_req req;
  char err[256];
  struct op_result *fail = NULL;
  /* a next page: the URL the ATS gave, from an earlier page of this
   * request or from the caller (a changes-since list it pages itself) */
  const char *next = rq->acc ? rq->acc->next_url
                     : caller_pages(rq->op) && rq->a.page_url &&
                             *rq->a.page_url
                         ? rq->a.page_url
                         : NULL;
  int built = next ? (c->ops->build_next ? c->ops->build_next(&v, next, &req)
                                         : -1)
                   : c->ops->build(&v, rq->op, &rq->a, &req, err, sizeof err);
  if (next && built != 0)
    snprintf(err, sizeof err, "the ATS gave a next page on another host");
  if (built != 0) {
    fail = calloc(1, sizeof *fail);
    fail->outcome = OUT_INVALID;
    snprintf(fail->what, sizeof fail->what, "%s", err);
  } else {
    int64_t now = eng_now(e);
    if (rq->op != OP_TOKEN)
      pace_sent(&c->pace, now);
    rq->call = http_send(e->loop, &req, now + e->cfg.request_timeout_ms,
                         on_http, rq);
    if (rq->call != NULL)
      return;
    http_req_free(&req);
    fail = calloc(1, sizeof *fail);
    fail->outcome = OUT_TRANSIENT;
    snprintf(fail->words, sizeof fail->words, "could not start the request");
  }
  request_fn done = rq->done;
  void *dud = rq->ud;
  rq_free(rq);
  done(dud, fail);
  result_free(fail);
}

static void on_timer(void *ud)
{
  struct request *rq = (struct request *)ud;
  rq->timer = NULL;
  /* the slot may have gone to a request that waited with us: ask again */
  int64_t now = eng_now(rq->c->e);
  int64_t when = rq->op == OP_TOKEN ? now : pace_when(pacing(rq->c), now);
  if (when > now) {
    rq->timer = at_timer_add(rq->c->e->loop, when, on_timer, rq);
    return;
  }
  send_now(rq);
}

struct request *conn_request(struct conn *c, enum op op,
                             const struct op_args *a, request_fn done,
                             void *ud)
{
  struct request *rq = calloc(1, sizeof *rq);
  if (rq == NULL)
    return NULL;
  rq->c = c;
  rq->op = op;
  rq->done = done;
  rq->ud = ud;
  rq->a = *a;
  const char **strs[] = {
      &rq->a.code,          &rq->a.refresh_token,  &rq->a.email,
      &rq->a.candidate_id,  &rq->a.job_id,         &rq->a.application_id,
      &rq->a.from_stage_id, &rq->a.to_stage_id,    &rq->a.first,
      &rq->a.last,          &rq->a.phone,          &rq->a.source_id,
      &rq->a.page_url};
  _Static_assert(sizeof strs / sizeof *strs <= ARGS_STR,
                 "ARGS_STR holds every string argument");
  int kept = 0;
  for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
    kept |= keep(rq, strs[i]);
  kept |= keep_fields(rq, a);
  if (kept != 0) {
    rq_free(rq);
    return NULL;
  }
  /* emails point into the caller's push, which outlives the request */
  for (size_t i = 0; i < a->nemails && i < ATSYNC_MAX_EMAILS; i++)
    rq->emails[i] = a->emails[i];
  rq->a.emails = rq->emails;
  int64_t now = eng_now(c->e);
  int64_t when = op == OP_TOKEN ? now : pace_when(pacing(c), now);
  if (when > now) { /* the rate limit says wait: hold it, don't send it */
    rq->timer = at_timer_add(c->e->loop, when, on_timer, rq);
    return rq;
  }
  /* send from a timer at 'now', never from inside the caller */
  rq->timer = at_timer_add(c->e->loop, now, on_timer, rq);
  return rq;
}

void request_cancel(struct request *rq)
{
  if (rq == NULL)
    return;
  at_timer_cancel(rq->c->e->loop, rq->timer);
  http_cancel(rq->call);
  rq_free(rq);
}
