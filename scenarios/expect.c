/* expect.c — the conditions of 'expect': what a customer or a support
 * engineer would look at (the connection, our candidates and their errors,
 * the ATS's people, jobs and stages, the request journal, the sync log,
 * the status page), each read fresh from the engine and the fake ATS, with
 * a description of what was seen for the failure message. */
#include "run_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int64_t json_id(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsRaw(v) || cJSON_IsString(v))
    return strtoll(v->valuestring, NULL, 10);
  return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

const cJSON *w_ats_state(struct world *w)
{
  uint64_t gen = sim_generation(w->sim);
  if (w->ats_state == NULL || gen != w->ats_gen) {
    cJSON_Delete(w->ats_state);
    w->ats_state = sim_state_json(w->sim);
    w->ats_gen = gen;
  }
  return w->ats_state;
}

bool ats_person_live(const cJSON *cand)
{
  return cJSON_GetObjectItemCaseSensitive(cand, "merged_into") == NULL;
}

bool ats_person_has_email(const cJSON *cand, const char *email)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cand, "emails"))
  {
    if (cJSON_IsString(e) && strcasecmp(e->valuestring, email) == 0)
      return true;
  }
  return false;
}

int64_t ats_person_by_email(struct world *w, const char *email)
{
  int64_t id = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(w_ats_state(w),
                                                         "candidates"))
  {
    if (ats_person_live(c) && ats_person_has_email(c, email)) {
      if (id)
        return -1;
      id = json_id(c, "id");
    }
  }
  return id;
}

size_t who_emails(struct world *w, const char *who, char out[][256],
                  size_t max)
{
  if (max == 0)
    return 0;
  if (strchr(who, '@')) {
    snprintf(out[0], 256, "%s", who);
    return 1;
  }
  struct atsync_candidate_info ci;
  if (w->eng == NULL || atsync_candidate(w->eng, w->org, who, &ci) != 0)
    return 0;
  size_t n = 0;
  for (char *p = ci.emails; *p && n < max;) {
    size_t l = strcspn(p, ",");
    snprintf(out[n++], 256, "%.*s", (int)l, p);
    p += l;
    if (*p == ',')
      p++;
  }
  return n;
}

/* Is the job deleted (its applications read as absent)? */
static bool job_deleted(const cJSON *state, int64_t job)
{
  const cJSON *j;
  cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(state, "jobs"))
  {
    if (json_id(j, "id") == job) {
      const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(j, "status"));
      return st && strcmp(st, "deleted") == 0;
    }
  }
  return true;
}

static bool matches_any(const cJSON *cand, char emails[][256], size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (ats_person_has_email(cand, emails[i]))
      return true;
  return false;
}

/* Where is WHO in the ATS? Describes every live person with one of its
 * emails and their applications into 'desc'; returns whether one has an
 * active application matching job/stage (NULL = any; job NULL and stage
 * NULL = the person alone is enough). */
static bool ats_find(struct world *w, const char *who, const char *job,
                     const char *stage, int *people, char *desc,
                     size_t desclen)
{
  char emails[ATSYNC_MAX_EMAILS][256];
  size_t ne = who_emails(w, who, emails, ATSYNC_MAX_EMAILS);
  const cJSON *state = w_ats_state(w);
  bool found = false;
  size_t o = 0;
  if (desc && desclen)
    desc[0] = '\0';
  *people = 0;
  int64_t jid = job ? strtoll(job, NULL, 10) : 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(state, "candidates"))
  {
    if (!ats_person_live(c) || !matches_any(c, emails, ne))
      continue;
    (*people)++;
    if (desc && o < desclen)
      o += (size_t)snprintf(desc + o, desclen - o, "%scandidate %lld (",
                            o ? "; " : "", (long long)json_id(c, "id"));
    const cJSON *a;
    int napps = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(c, "applications"))
    {
      int64_t aj = json_id(a, "job_id");
      const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(a, "stage"));
      const char *status =
          cJSON_GetStringValue(cJSON_GetObjectItem(a, "status"));
      bool gone = job_deleted(state, aj);
      if (desc && o < desclen)
        o += (size_t)snprintf(desc + o, desclen - o,
                              "%sjob %lld at \"%s\" %s%s", napps ? ", " : "",
                              (long long)aj, st ? st : "-",
                              status ? status : "", gone ? " (job deleted)" : "");
      napps++;
      if (gone || (status && strcmp(status, "active") != 0))
        continue;
      if ((job == NULL || aj == jid) &&
          (stage == NULL || (st && strcmp(st, stage) == 0)))
        found = true;
    }
    if (desc && o < desclen)
      o += (size_t)snprintf(desc + o, desclen - o, "%s)",
                            napps ? "" : "no applications");
    if (job == NULL && stage == NULL)
      found = true;
  }
  if (desc && o == 0)
    snprintf(desc, desclen, "no person in the ATS has %s%s",
             ne ? emails[0] : who,
             ne > 1 ? " or its other emails" : "");
  return found;
}

static int count_people(struct world *w, const char *who)
{
  char emails[ATSYNC_MAX_EMAILS][256];
  size_t ne = who ? who_emails(w, who, emails, ATSYNC_MAX_EMAILS) : 0;
  int n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(w_ats_state(w),
                                                         "candidates"))
  {
    if (ats_person_live(c) && (who == NULL || matches_any(c, emails, ne)))
      n++;
  }
  return n;
}

struct count_ctx {
  int state;
  long n;
};

struct log_ctx {
  const char *who, *text;
  bool found;
};

static void log_find(void *ud, const struct atsync_log_entry *l)
{
  struct log_ctx *x = ud;
  if (x->found || (x->who && strcmp(l->candidate, x->who) != 0))
    return;
  x->found = strcasestr(l->message, x->text) != NULL ||
             strcasestr(l->kind, x->text) != NULL;
}

static long count_requests(struct world *w, const struct scn_cond *c)
{
  long n = 0;
  for (size_t i = 0; i < w->njournal; i++) {
    const struct sim_journal_entry *e = &w->journal[i];
    int64_t t = e->t - w->t0;
    if (c->has_between && (t < c->t1 || t >= c->t2))
      continue;
    if (c->status && e->status != c->status)
      continue;
    if (c->text && !sim_journal_match(e, c->text))
      continue;
    if (c->of && !sim_journal_is(w->sim, e, c->of))
      continue;
    n++;
  }
  return n;
}

/* Delivery attempts of the fake ATS matching the condition (an event it
 * dropped before any attempt is not one); 'attempts' gets them all.
 * Without an ACTION the ping that saving the subscription sends is not
 * counted: it is not an event ("webhooks == 0" = no event came). */
#define PING "ping" /* the event a subscription's save sends */

static long count_webhooks(struct world *w, const struct scn_cond *c,
                           long *attempts)
{
  long n = 0;
  *attempts = 0;
  for (size_t i = 0; i < w->ndeliveries; i++) {
    const struct sim_delivery *d = &w->deliveries[i];
    int64_t t = d->t - w->t0;
    if (d->attempt == 0)
      continue;
    (*attempts)++;
    if (c->has_between && (t < c->t1 || t >= c->t2))
      continue;
    if (c->status >= 0 && d->status != c->status)
      continue;
    if (c->text ? fnmatch(c->text, d->action, 0) != 0
                : strcmp(d->action, PING) == 0)
      continue;
    n++;
  }
  return n;
}

/* The first request that arrived while a Retry-After given to the same
 * credential was running; -1 when none. */
static long retry_after_violation(struct world *w, size_t *which)
{
  for (size_t i = 0; i < w->njournal; i++) {
    const struct sim_journal_entry *e = &w->journal[i];
    if (e->retry_after <= 0 || e->status == 0)
      continue;
    int64_t from = e->sent, to = e->sent + e->retry_after;
    for (size_t j = i + 1; j < w->njournal; j++) {
      const struct sim_journal_entry *f = &w->journal[j];
      if (f->t >= to)
        break;
      if (f->t > from && strcmp(f->credential, e->credential) == 0) {
        *which = i;
        return (long)j;
      }
    }
  }
  return -1;
}

static const char *engine_stopped = "the engine is stopped";

struct ref_ctx {
  const char *email;
  char *ref;
  size_t len;
};

static void ref_by_email(void *ud, const struct atsync_candidate_info *c)
{
  struct ref_ctx *x = ud;
  if (x->ref[0])
    return;
  size_t el = strlen(x->email);
  for (const char *p = c->emails; *p;) {
    size_t l = strcspn(p, ",");
    if (l == el && strncasecmp(p, x->email, l) == 0) {
      snprintf(x->ref, x->len, "%s", c->ref);
      return;
    }
    p += l;
    if (*p == ',')
      p++;
  }
}

const char *who_ref(struct world *w, const char *who, char *buf, size_t len)
{
  if (who == NULL || !strchr(who, '@') || w->eng == NULL)
    return who;
  struct ref_ctx x = {who, buf, len};
  buf[0] = '\0';
  atsync_candidates(w->eng, w->org, ref_by_email, &x);
  return buf[0] ? buf : who;
}

bool cond_eval(struct world *w, const struct scn_cond *c, char *saw,
               size_t sawlen)
{
  char buf[1200];
  if (saw == NULL) {
    saw = buf;
    sawlen = sizeof buf;
  }
  saw[0] = '\0';
  switch (c->kind) {
  case SCN_C_CONNECTION_IS:
  case SCN_C_CONNECTION_REASON:
  case SCN_C_WEBHOOKS_REJECTED: {
    if (w->eng == NULL) {
      snprintf(saw, sawlen, "%s", engine_stopped);
      return false;
    }
    struct atsync_connection cn;
    atsync_connection(w->eng, w->org, &cn);
    if (c->kind == SCN_C_WEBHOOKS_REJECTED) {
      snprintf(saw, sawlen, "the engine rejected %d webhook%s since it "
               "started (%s)", cn.webhooks_rejected,
               cn.webhooks_rejected == 1 ? "" : "s",
               cn.webhooks ? "webhooks set up" : "no webhook secret");
      return scn_op_eval(c->op, cn.webhooks_rejected, c->n);
    }
    snprintf(saw, sawlen, "connection is %s (reason: %s)",
             atsync_state_name(cn.state), cn.reason[0] ? cn.reason : "none");
    if (c->kind == SCN_C_CONNECTION_IS)
      return (int)cn.state == c->state;
    return strcasestr(cn.reason, c->text) != NULL;
  }
  case SCN_C_CANDIDATE_IS:
  case SCN_C_CANDIDATE_STATUS:
  case SCN_C_ERROR_CONTAINS:
  case SCN_C_ERROR_EMPTY: {
    if (w->eng == NULL) {
      snprintf(saw, sawlen, "%s", engine_stopped);
      return false;
    }
    struct atsync_candidate_info ci;
    char rb[64];
    if (atsync_candidate(w->eng, w->org, who_ref(w, c->who, rb, sizeof rb),
                         &ci) != 0) {
      snprintf(saw, sawlen, "no candidate %s in the engine", c->who);
      return false;
    }
    if (c->kind == SCN_C_CANDIDATE_STATUS) {
      char at[32] = "";
      if (ci.status_at > 0)
        trace_offset(ci.status_at - w->t0, at, sizeof at);
      if (ci.status[0])
        snprintf(saw, sawlen, "%s has status \"%s\" since %s (ATS: %s, at "
                 "\"%s\")", c->who, ci.status, at[0] ? at : "?",
                 ci.ats_status[0] ? ci.ats_status : "?", ci.ats_stage);
      else
        snprintf(saw, sawlen, "%s has no status yet: not read from the ATS "
                 "(ATS: %s, at \"%s\")", c->who,
                 ci.ats_status[0] ? ci.ats_status : "not read", ci.ats_stage);
      return strcmp(ci.status, c->text) == 0;
    }
    snprintf(saw, sawlen, "%s is %s after %d attempt%s (error: %s)", c->who,
             atsync_sync_name(ci.sync), ci.attempts,
             ci.attempts == 1 ? "" : "s", ci.error[0] ? ci.error : "none");
    if (c->kind == SCN_C_CANDIDATE_IS)
      return (int)ci.sync == c->state;
    if (c->kind == SCN_C_ERROR_EMPTY)
      return ci.error[0] == '\0';
    return strcasestr(ci.error, c->text) != NULL;
  }
  case SCN_C_CANDIDATES: {
    if (w->eng == NULL) {
      snprintf(saw, sawlen, "%s", engine_stopped);
      return false;
    }
    struct count_ctx x = {c->state, atsync_count(w->eng, w->org, c->state)};
    snprintf(saw, sawlen, "%ld candidates%s%s", x.n, c->state >= 0 ? " " : "",
             c->state >= 0 ? atsync_sync_name((enum atsync_sync)c->state)
                           : "");
    return scn_op_eval(c->op, x.n, c->n);
  }
  case SCN_C_ATS_HAS:
  case SCN_C_ATS_LACKS: {
    int people;
    bool found = ats_find(w, c->who, c->job,
                          c->kind == SCN_C_ATS_HAS ? c->stage : NULL, &people,
                          saw, sawlen);
    return c->kind == SCN_C_ATS_HAS ? found : !found;
  }
  case SCN_C_ATS_PEOPLE: {
    int n = count_people(w, c->who);
    snprintf(saw, sawlen, "%d people in the ATS%s%s", n, c->who ? " with " : "",
             c->who ? c->who : "");
    return scn_op_eval(c->op, n, c->n);
  }
  case SCN_C_REQUESTS: {
    long n = count_requests(w, c);
    snprintf(saw, sawlen, "%ld matching requests", n);
    return scn_op_eval(c->op, n, c->n);
  }
  case SCN_C_WEBHOOKS: {
    long all;
    long n = count_webhooks(w, c, &all);
    size_t pend = sim_webhooks_pending(w->sim);
    snprintf(saw, sawlen, "%ld matching webhook deliveries (of %ld attempts; "
             "%zu queued or in flight)", n, all, pend);
    return scn_op_eval(c->op, n, c->n);
  }
  case SCN_C_RETRY_AFTER: {
    size_t k = 0;
    long j = retry_after_violation(w, &k);
    if (j < 0) {
      snprintf(saw, sawlen, "every Retry-After was honoured");
      return true;
    }
    const struct sim_journal_entry *e = &w->journal[k], *f = &w->journal[j];
    char a[32], b[32];
    snprintf(saw, sawlen,
             "%s %s at %s answered %d with Retry-After %llds, yet %s %s "
             "arrived at %s with the same credential",
             e->method, e->target, trace_offset(e->t - w->t0, a, sizeof a),
             e->status, (long long)(e->retry_after / 1000), f->method,
             f->target, trace_offset(f->t - w->t0, b, sizeof b));
    return false;
  }
  case SCN_C_LOG_CONTAINS: {
    if (w->eng == NULL) {
      snprintf(saw, sawlen, "%s", engine_stopped);
      return false;
    }
    char rb[64];
    struct log_ctx x = {who_ref(w, c->who, rb, sizeof rb), c->text, false};
    atsync_log(w->eng, w->org, 0, log_find, &x);
    snprintf(saw, sawlen, "no sync log entry%s%s contains \"%s\"",
             c->who ? " of " : "", c->who ? c->who : "", c->text);
    return x.found;
  }
  case SCN_C_STATUS_PAGE: {
    cJSON *st = sim_status_page_json(w->sim);
    const char *ind = cJSON_GetStringValue(cJSON_GetObjectItem(st, "indicator"));
    const char *desc =
        cJSON_GetStringValue(cJSON_GetObjectItem(st, "description"));
    snprintf(saw, sawlen, "the status page says %s (%s)", ind ? ind : "?",
             desc ? desc : "");
    bool ok = ind && strcmp(ind, c->text) == 0;
    cJSON_Delete(st);
    return ok;
  }
  }
  return false;
}

#define LREF(s) w_lineref(w, &(s)->loc, lr, sizeof lr)

/* ---- expectations ------------------------------------------------------------ */

struct poll {
  struct world *w;
  const struct scn_cond *c;
};

/* Stop at the first settle point where the condition holds: 'within'
 * passes there, 'never' fails there. */
static bool poll_cb(void *ud)
{
  struct poll *p = ud;
  w_collect(p->w);
  return cond_eval(p->w, p->c, NULL, 0);
}

static void expect_fail(struct world *w, const struct scn_stmt *s,
                        const char *what, const char *saw)
{
  w_fail(w, &s->loc, "%s\n  %s\n  saw: %s", s->text, what, saw);
}

void expect_run(struct world *w, const struct scn_stmt *s)
{
  char lr[300];
  const struct scn_expect *e = &s->expect;
  char saw[1200], d[32];
  w->expectations++;
  if (e->mode == SCN_E_NOW) {
    if (!cond_eval(w, &e->cond, saw, sizeof saw))
      expect_fail(w, s, "it does not hold", saw);
    else
      trace_add(&w->tr, w_now(w), "expect", "%s holds: %s", LREF(s),
                s->text);
    return;
  }
  struct poll p = {w, &e->cond};
  int64_t start = w_now(w);
  int64_t end = e->mode == SCN_E_WITHIN ? start + e->within_ms
                : e->until_ms >= 0      ? e->until_ms
                                        : start + e->for_ms;
  if (e->mode == SCN_E_NEVER && end < start) {
    w_error(w, &s->loc, "'until' is in the past (the clock is at %s)",
            at_duration_format(start, d, sizeof d));
    return;
  }
  bool cut = false;
  if (w->o->until_ms > 0 && end > w->o->until_ms) {
    end = w->o->until_ms;
    cut = true;
  }
  bool hit = poll_cb(&p);
  if (!hit) {
    enum at_run rc = at_loop_run_while(w->loop, poll_cb, &p, w->t0 + end);
    if (rc == AT_RUN_STALL) {
      w_error(w, &s->loc, "the simulated network stalled: %s",
              at_loop_error(w->loop));
      return;
    }
    hit = cond_eval(w, &e->cond, NULL, 0);
    if (!hit && w_now(w) < end) { /* idle: nothing left to happen */
      if (!w_run_to(w, end))
        return;
      hit = cond_eval(w, &e->cond, NULL, 0);
    }
  }
  char took[32];
  at_duration_format(w_now(w) - start, took, sizeof took);
  if (cut && ((e->mode == SCN_E_WITHIN && !hit) ||
              (e->mode == SCN_E_NEVER && !hit))) {
    trace_add(&w->tr, w_now(w), "expect",
              "%s not decided before --until: %s", LREF(s), s->text);
    w->stopped = true;
    return;
  }
  if (e->mode == SCN_E_WITHIN) {
    if (hit) {
      trace_add(&w->tr, w_now(w), "expect", "%s held after %s: %s",
                LREF(s), took, s->text);
    } else {
      cond_eval(w, &e->cond, saw, sizeof saw);
      char what[96];
      snprintf(what, sizeof what, "it did not hold within %s",
               at_duration_format(e->within_ms, d, sizeof d));
      expect_fail(w, s, what, saw);
    }
  } else {
    if (hit) {
      cond_eval(w, &e->cond, saw, sizeof saw);
      char what[96];
      snprintf(what, sizeof what, "it held after %s", took);
      expect_fail(w, s, what, saw);
    } else {
      trace_add(&w->tr, w_now(w), "expect", "%s never held in %s: %s",
                LREF(s), took, s->text);
    }
  }
}
