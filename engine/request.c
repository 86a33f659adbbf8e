/* request.c — one operation of a connection on the wire: built by the
 * connector, held back by the pacing gate until the rate limit allows it,
 * sent with a deadline, parsed back into an outcome, and its rate-limit
 * headers fed to the pacing. */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

#define ARGS_STR 16

struct request {
  struct conn *c;
  enum op op;
  struct op_args a;
  char *strs[ARGS_STR]; /* deep copies of the argument strings */
  const char *emails[ATSYNC_MAX_EMAILS];
  size_t nstrs;
  request_fn done;
  void *ud;
  struct http_call *call;
  struct at_timer *timer;
  struct op_result *acc; /* a list: what the pages so far gave */
  int pages;
};

#define MAX_PAGES 20

static const char *keep(struct request *rq, const char *s)
{
  if (s == NULL || rq->nstrs == ARGS_STR)
    return s == NULL ? NULL : "";
  rq->strs[rq->nstrs] = strdup(s);
  return rq->strs[rq->nstrs++];
}

static void rq_free(struct request *rq)
{
  for (size_t i = 0; i < rq->nstrs; i++)
    free(rq->strs[i]);
  free(rq->acc);
  free(rq);
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
    if (res->throttled)
      pace_block(&c->pace, res->retry_at > now ? res->retry_at : now + 1000);
  }
  eng_redact(e, res->words, sizeof res->words);
  eng_redact(e, res->what, sizeof res->what);
  /* a list with more pages: follow Link rel="next" (paced like any
   * request), folding each page in; an error on any page is the answer */
  if (rq->acc && res->outcome == OUT_OK) {
    outcome_merge_page(rq->op, rq->acc, res);
    free(res);
    res = rq->acc;
    rq->acc = NULL;
  }
  if (res->outcome == OUT_OK && res->next_url[0] && ++rq->pages < MAX_PAGES) {
    rq->acc = res;
    rq->timer = at_timer_add(e->loop, now, on_timer, rq);
    return;
  }
  request_fn done = rq->done;
  void *dud = rq->ud;
  rq_free(rq);
  done(dud, res);
  free(res);
}

static void send_now(struct request *rq)
{
  struct conn *c = rq->c;
  struct atsync *e = c->e;
  struct conn_view v = conn_view(c);
  struct http_req req;
  char err[256];
  struct op_result *fail = NULL;
  int built = rq->acc ? (c->ops->build_next
                             ? c->ops->build_next(&v, rq->acc->next_url, &req)
                             : -1)
                       : c->ops->build(&v, rq->op, &rq->a, &req, err,
                                       sizeof err);
  if (rq->acc && built != 0)
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
  free(fail);
}

static void on_timer(void *ud)
{
  struct request *rq = (struct request *)ud;
  rq->timer = NULL;
  /* the slot may have gone to a request that waited with us: ask again */
  int64_t now = eng_now(rq->c->e);
  int64_t when = rq->op == OP_TOKEN ? now : pace_when(&rq->c->pace, now);
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
  rq->a.code = keep(rq, a->code);
  rq->a.refresh_token = keep(rq, a->refresh_token);
  rq->a.email = keep(rq, a->email);
  rq->a.candidate_id = keep(rq, a->candidate_id);
  rq->a.job_id = keep(rq, a->job_id);
  rq->a.application_id = keep(rq, a->application_id);
  rq->a.from_stage_id = keep(rq, a->from_stage_id);
  rq->a.to_stage_id = keep(rq, a->to_stage_id);
  rq->a.first = keep(rq, a->first);
  rq->a.last = keep(rq, a->last);
  rq->a.phone = keep(rq, a->phone);
  /* emails point into the caller's push, which outlives the request */
  for (size_t i = 0; i < a->nemails && i < ATSYNC_MAX_EMAILS; i++)
    rq->emails[i] = a->emails[i];
  rq->a.emails = rq->emails;
  int64_t now = eng_now(c->e);
  int64_t when = op == OP_TOKEN ? now : pace_when(&c->pace, now);
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
