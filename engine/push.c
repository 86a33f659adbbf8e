/* push.c — one candidate's push, as a small state machine driven by the
 * answers of the ATS:
 *
 *   the job and its pipeline (cached) -> the target stage
 *   find the person by each email -> create the person (with the
 *   application on v1) or add an application to the person found ->
 *   move the application to the mapped stage -> synced
 *
 * What the push knows (the ATS ids, the stage) is written in the
 * transaction that records each step, and every run starts by deriving the
 * next step from what is known: after a crash, or after a write whose
 * outcome is unknown, the next run reads the ATS (by email, then the
 * person's applications) before it writes anything again. Nothing is
 * created twice. */
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum stage_rel { REL_BEFORE, REL_SAME, REL_AFTER, REL_UNKNOWN };

/* How many times a push waits (30 s each) for a person it created to
 * become readable before it treats the refusal as final. */
#define BUILD_WAITS 20

/* A job and its pipeline are read again after this long. */
#define JOB_TTL (10 * 60 * 1000LL)

struct push {
  struct conn *c;
  struct atsync *e;
  int generation;
  int64_t id;
  char ref[64], first[128], last[128], phone[64];
  char email_buf[ATSYNC_MAX_EMAILS][256];
  const char *emails[ATSYNC_MAX_EMAILS];
  size_t nemails;
  char job[64], stage[64];          /* ours */
  char ats_job[32], stage_map[128]; /* the mappings */
  char target_id[32], target_name[128];
  char cand[32], app[32], app_status[16], stage_id[32], stage_name[128];
  int attempts;
  size_t email_i;
  bool apps_checked;   /* we know whether the person has an application */
  bool created_now;    /* we created the person and have not seen it in a
                          read yet (Greenhouse may still be building it);
                          kept across runs as the push's step "created" */
  bool refreshed;      /* a 401 already cost one token refresh */
  int rereads;
  enum op op;          /* the operation in flight */
  struct request *rq;
  struct at_timer *timer;
};

static void step(struct push *p);

bool push_running(const struct atsync *e, int64_t cand_id)
{
  for (size_t i = 0; i < e->nrunning; i++)
    if (e->running[i]->id == cand_id)
      return true;
  return false;
}

struct conn *push_conn(const struct push *p) { return p->c; }

int64_t push_id(const struct push *p) { return p->id; }

bool push_shares_email(const struct conn *c, const char *emails)
{
  struct atsync *e = c->e;
  for (size_t i = 0; i < e->nrunning; i++) {
    const struct push *p = e->running[i];
    if (p->c != c)
      continue;
    for (const char *s = emails; *s;) {
      size_t l = strcspn(s, "\n");
      for (size_t k = 0; k < p->nemails; k++)
        if (strlen(p->emails[k]) == l && strncasecmp(p->emails[k], s, l) == 0)
          return true;
      s += l;
      if (*s == '\n')
        s++;
    }
  }
  return false;
}

static void release(struct push *p)
{
  struct atsync *e = p->e;
  for (size_t i = 0; i < e->nrunning; i++) {
    if (e->running[i] == p) {
      e->running[i] = e->running[--e->nrunning];
      break;
    }
  }
  p->c->inflight--;
  at_timer_cancel(e->loop, p->timer);
  request_cancel(p->rq);
  free(p);
  eng_kick(e, 0);
}

void push_abandon(struct push *p)
{
  /* remove any token wait of this push */
  struct conn *c = p->c;
  for (size_t i = 0; i < c->nwaiters; i++)
    if (c->waiters[i] == p)
      c->waiters[i] = c->waiters[--c->nwaiters];
  release(p);
}

/* ---- persistence --------------------------------------------------------------- */

static void save_ids(struct push *p, const char *step_name)
{
  if (p->created_now) /* survives a retry, a restart: see load() */
    step_name = "created";
  store_q(p->e->st,
          "UPDATE candidates SET ats_candidate_id = ?, ats_application_id = ?, "
          "ats_stage_id = ?, ats_stage = ?, sync = ?, updated_at = ? "
          "WHERE id = ?",
          "ssssiII", p->cand[0] ? p->cand : NULL, p->app[0] ? p->app : NULL,
          p->stage_id[0] ? p->stage_id : NULL,
          p->stage_name[0] ? p->stage_name : NULL, (int)ATSYNC_PUSHING,
          eng_now(p->e), p->id);
  store_q(p->e->st, "UPDATE pushes SET step = ? WHERE candidate_id = ?", "sI",
          step_name, p->id);
}

/* Record what a step learned, in one transaction with its log entry. */
static void progress(struct push *p, const char *step_name, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

static void progress(struct push *p, const char *step_name, const char *fmt,
                     ...)
{
  char msg[500];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  struct store *st = p->e->st;
  store_begin(st);
  save_ids(p, step_name);
  eng_log(p->e, p->c->org, p->ref, step_name, "%s", msg);
  store_commit(st);
}

static void synced(struct push *p, const char *note)
{
  struct store *st = p->e->st;
  int64_t now = eng_now(p->e);
  p->created_now = false;
  store_begin(st);
  save_ids(p, "done");
  store_q(st,
          "UPDATE candidates SET sync = ?, synced_at = ?, error = '', "
          "ats_words = '', cause = '' WHERE id = ?",
          "iII", (int)ATSYNC_SYNCED, now, p->id);
  store_q(st, "UPDATE pushes SET state = 2, due = ? WHERE candidate_id = ?",
          "II", now, p->id);
  eng_log(p->e, p->c->org, p->ref, "synced",
          "In %s: candidate %s, application %s in '%s'%s%s",
          p->c->ops->display, p->cand, p->app,
          p->stage_name[0] ? p->stage_name : p->target_name, note ? "; " : "",
          note ? note : "");
  if (p->id == p->c->recheck_cid) { /* the mapping problem is gone */
    p->c->recheck_cid = 0;
    eng_requeue_cause(p->e, p->c->org, "job_map");
    eng_requeue_cause(p->e, p->c->org, "stage_map");
  }
  store_commit(st);
  conn_check_mappings(p->c);
  release(p);
}

/* Try again at 'due'; the candidate shows the error meanwhile. */
static void retry(struct push *p, int64_t due, const char *error,
                  const char *words)
{
  struct store *st = p->e->st;
  p->attempts++;
  store_begin(st);
  save_ids(p, op_name(p->op));
  store_q(st,
          "UPDATE candidates SET attempts = ?, error = ?, ats_words = ? "
          "WHERE id = ?",
          "issI", p->attempts, error, words ? words : "", p->id);
  store_q(st, "UPDATE pushes SET due = ? WHERE candidate_id = ?", "II", due,
          p->id);
  char when[AT_TIME_BUF];
  eng_log(p->e, p->c->org, p->ref, "retry", "%s Next try at %s.", error,
          at_time_iso8601(due, false, when));
  store_commit(st);
  release(p);
}

/* The ATS refused this candidate or its mapping: no blind retry. */
static void attention(struct push *p, const char *cause, const char *error,
                      const char *words)
{
  struct store *st = p->e->st;
  p->attempts++;
  store_begin(st);
  save_ids(p, op_name(p->op));
  store_q(st,
          "UPDATE candidates SET sync = ?, attempts = ?, error = ?, "
          "ats_words = ?, cause = ? WHERE id = ?",
          "iisssI", (int)ATSYNC_NEEDS_ATTENTION, p->attempts, error,
          words ? words : "", cause, p->id);
  store_q(st, "UPDATE pushes SET state = 1 WHERE candidate_id = ?", "I", p->id);
  eng_log(p->e, p->c->org, p->ref, "attention", "%s", error);
  store_commit(st);
  conn_check_mappings(p->c);
  release(p);
}

/* Held by the connection (disconnected, permission): no attempt counted. */
static void wait_for_connection(struct push *p, int64_t due, const char *error,
                                const char *words)
{
  struct store *st = p->e->st;
  store_begin(st);
  store_q(st, "UPDATE candidates SET error = ?, ats_words = ? WHERE id = ?",
          "ssI", error, words ? words : "", p->id);
  store_q(st, "UPDATE pushes SET due = ? WHERE candidate_id = ?", "II", due,
          p->id);
  store_commit(st);
  release(p);
}

/* ---- messages ---------------------------------------------------------------------- */

static const char *ats(const struct push *p) { return p->c->ops->display; }

static const char *who(const struct push *p, char *buf, size_t len)
{
  snprintf(buf, len, "%s %s", p->first, p->last);
  return buf;
}

/* ---- failures ---------------------------------------------------------------------- */

static int64_t later(struct push *p, int64_t at_least)
{
  struct atsync *e = p->e;
  int64_t d = eng_now(e) + backoff_delay(&e->prng, p->attempts,
                                         e->cfg.backoff_base_ms,
                                         e->cfg.backoff_cap_ms);
  return d > at_least ? d : at_least;
}

static void on_transient(struct push *p, struct op_result *r, bool unknown)
{
  struct conn *c = p->c;
  struct atsync *e = p->e;
  int64_t now = eng_now(e);
  char msg[600], when[AT_TIME_BUF];
  if (r->throttled) {
    int64_t until = r->retry_at > now ? r->retry_at : now + 1000;
    c->hold_until = until > c->hold_until ? until : c->hold_until;
    snprintf(msg, sizeof msg, "%s is rate limiting atsync (429); sending "
             "resumes at %s. Nothing is lost.", ats(p),
             at_time_iso8601(c->hold_until, false, when));
    conn_set_state(c, ATSYNC_THROTTLED, msg);
    retry(p, c->hold_until, msg, r->words);
    return;
  }
  /* an outage: the whole connection backs off, with jitter */
  int64_t wait = backoff_delay(&e->prng, c->hold_attempts++,
                               e->cfg.backoff_base_ms, e->cfg.backoff_cap_ms);
  int64_t until = now + wait;
  if (r->retry_at > until)
    until = r->retry_at;
  if (until > c->hold_until)
    c->hold_until = until;
  snprintf(msg, sizeof msg, "%s is not answering properly (%s); atsync "
           "retries on its own. Nothing is lost. If it lasts, check "
           "status.%s.io.", ats(p), r->words, c->kind);
  conn_set_state(c, ATSYNC_ATS_UNAVAILABLE, msg);
  if (unknown) {
    snprintf(msg, sizeof msg, "The outcome of the %s request is unknown "
             "(%s): atsync will look in %s before it writes again, so "
             "nothing is created twice.", op_name(p->op), r->words, ats(p));
    /* what the write would have told us must now come from a read */
    if (p->op == OP_ADD_APP || p->op == OP_MOVE) {
      p->app[0] = p->stage_id[0] = '\0';
      p->apps_checked = false;
    }
  }
  retry(p, later(p, c->hold_until), msg, r->words);
}

static void on_auth(struct push *p, struct op_result *r)
{
  struct conn *c = p->c;
  if (c->auth != ATSYNC_AUTH_API_KEY && !p->refreshed) {
    /* one refresh, then the same step again */
    p->refreshed = true;
    auth_invalidate(c);
    step(p);
    return;
  }
  char msg[600];
  /* Harvest v1 keys stop working on 2026-08-31 (ats-apis.md [GH-SUNSET]) */
  static const int64_t v1_retired = INT64_C(1788134400000);
  if (c->auth == ATSYNC_AUTH_API_KEY && eng_now(p->e) >= v1_retired)
    snprintf(msg, sizeof msg, "Sync failed: %s rejected the API key (%s). The "
             "integration is disconnected: Greenhouse retired Harvest v1 keys "
             "on 2026-08-31; reconnect with OAuth in Settings > "
             "Integrations.", ats(p), r->words);
  else if (c->auth == ATSYNC_AUTH_API_KEY)
    snprintf(msg, sizeof msg, "Sync failed: %s rejected the API key (%s). The "
             "integration is disconnected: the key was revoked or deleted in "
             "%s. Reconnect in Settings > Integrations, with OAuth (Harvest "
             "v1 keys are retired on 2026-08-31) or a new API key.", ats(p),
             r->words, ats(p));
  else
    snprintf(msg, sizeof msg, "Sync failed: %s no longer accepts these "
             "credentials (%s). The integration is disconnected: reconnect "
             "it in Settings > Integrations.", ats(p), r->words);
  conn_set_state(c, ATSYNC_DISCONNECTED, msg);
  wait_for_connection(p, eng_now(p->e), msg, r->words);
}

static void on_permission(struct push *p, struct op_result *r)
{
  struct conn *c = p->c;
  struct atsync *e = p->e;
  char msg[600];
  if (strstr(r->what, "acting user") || strstr(r->what, "On-Behalf-Of"))
    snprintf(msg, sizeof msg, "Sync paused: %s refused to act as %s (%s). "
             "Choose an active %s user for the integration in Settings > "
             "Integrations.", ats(p), c->obo ? c->obo : "the integration's user",
             r->words, ats(p));
  else if (strstr(r->what, "scope"))
    snprintf(msg, sizeof msg, "Sync paused: %s denied %s (%s). A %s admin must "
             "grant it to the integration's OAuth credentials; then reconnect "
             "in Settings > Integrations.", ats(p), r->what, r->words, ats(p));
  else
    snprintf(msg, sizeof msg, "Sync paused: %s denied %s (%s). In %s, Configure "
             "> Dev Center > API Credential Management > Manage Permissions, "
             "tick it for the integration's key.", ats(p), r->what, r->words,
             ats(p));
  conn_set_state(c, ATSYNC_PERMISSION_MISSING, msg);
  c->denied_op = p->op;
  /* probe again later: 1 min, doubling, at most the backoff cap */
  int64_t wait = 60000;
  for (int i = 0; i < c->hold_attempts && wait < e->cfg.backoff_cap_ms; i++)
    wait *= 2;
  if (wait > e->cfg.backoff_cap_ms)
    wait = e->cfg.backoff_cap_ms;
  c->hold_attempts++;
  c->hold_until = eng_now(e) + wait;
  wait_for_connection(p, c->hold_until, msg, r->words);
}

static bool names(const char *what, const char *field)
{
  return strstr(what, field) != NULL;
}

static void on_invalid(struct push *p, struct op_result *r)
{
  char msg[600], name[300];
  who(p, name, sizeof name);
  if (p->op == OP_MOVE && p->rereads < 2) {
    /* the application moved meanwhile (a stale from-stage): read it again */
    p->rereads++;
    p->app[0] = p->stage_id[0] = '\0';
    p->apps_checked = false;
    step(p);
    return;
  }
  if ((p->op == OP_ADD_APP || p->op == OP_APPS) && p->created_now &&
      p->attempts < BUILD_WAITS && names(r->what, "candidate")) {
    /* the person we just created is still being built (async create) */
    retry(p, eng_now(p->e) + 30000,
          "The new candidate is still being created in the ATS; atsync "
          "checks again in 30 s.", r->words);
    return;
  }
  if (names(r->what, "job_id")) {
    conn_forget_job(p->c, p->ats_job);
    snprintf(msg, sizeof msg, "Sync failed for %s: %s refused job %s (%s). "
             "Check that our job '%s' is mapped to an open %s job in Settings "
             "> Job mapping.", name, ats(p), p->ats_job, r->words, p->job,
             ats(p));
    attention(p, "job_map", msg, r->words);
    return;
  }
  if (names(r->what, "stage")) {
    conn_forget_job(p->c, p->ats_job);
    snprintf(msg, sizeof msg, "Sync failed for %s: %s refused the stage '%s' "
             "(%s). Fix the stage mapping of '%s' in Settings > Stage "
             "mapping.", name, ats(p), p->target_name, r->words, p->stage);
    attention(p, "stage_map", msg, r->words);
    return;
  }
  snprintf(msg, sizeof msg, "Sync failed for %s: %s requires or refused '%s' "
           "(%s). Fix the candidate's data (or set a default for this job in "
           "Settings > Job mapping); atsync retries when it changes.", name,
           ats(p), r->what[0] ? r->what : "a field", r->words);
  attention(p, "data", msg, r->words);
}

static void job_missing(struct push *p, const char *words, const char *why)
{
  char msg[600];
  conn_forget_job(p->c, p->ats_job);
  snprintf(msg, sizeof msg, "Job mapping invalid: our job '%s' is mapped to "
           "%s job %s, which %s. Map it to an open job in Settings > Job "
           "mapping.", p->job, ats(p), p->ats_job, why);
  attention(p, "job_map", msg, words);
}

static void on_not_found(struct push *p, struct op_result *r)
{
  if (p->op == OP_JOB || p->op == OP_PIPELINE) {
    job_missing(p, r->words, "does not exist (deleted?)");
    return;
  }
  if (p->created_now && p->attempts < BUILD_WAITS) { /* still being built */
    retry(p, eng_now(p->e) + 30000,
          "The new candidate is still being created in the ATS; atsync "
          "checks again in 30 s.", r->words);
    return;
  }
  if (p->rereads < 2) { /* merged or deleted in the ATS: look again */
    p->rereads++;
    p->cand[0] = p->app[0] = p->stage_id[0] = '\0';
    p->apps_checked = false;
    p->email_i = 0;
    step(p);
    return;
  }
  on_transient(p, r, false);
}

static void fail(struct push *p, struct op_result *r)
{
  switch (r->outcome) {
  case OUT_TRANSIENT: on_transient(p, r, false); break;
  case OUT_UNKNOWN: on_transient(p, r, true); break;
  case OUT_AUTH: on_auth(p, r); break;
  case OUT_PERMISSION: on_permission(p, r); break;
  case OUT_INVALID: on_invalid(p, r); break;
  case OUT_NOT_FOUND: on_not_found(p, r); break;
  case OUT_EXISTS: /* the ATS has the person: find it */
    p->cand[0] = '\0';
    p->email_i = 0;
    p->rereads++;
    if (p->rereads > 2)
      on_transient(p, r, false);
    else
      step(p);
    break;
  default: on_transient(p, r, false); break;
  }
}

/* ---- the steps ------------------------------------------------------------------------ */

static struct job_info *cached_job(struct conn *c, const char *id)
{
  for (size_t i = 0; i < c->njobs; i++)
    if (strcmp(c->jobs[i].id, id) == 0)
      return &c->jobs[i];
  return NULL;
}

static struct job_info *cache_job(struct conn *c, const char *id)
{
  struct job_info *j = cached_job(c, id);
  if (j)
    return j;
  struct job_info *v = realloc(c->jobs, (c->njobs + 1) * sizeof *v);
  if (v == NULL)
    return NULL;
  c->jobs = v;
  j = &c->jobs[c->njobs++];
  memset(j, 0, sizeof *j);
  snprintf(j->id, sizeof j->id, "%s", id);
  return j;
}

static void on_answer(void *ud, struct op_result *r);

static void send_op(struct push *p, enum op op)
{
  struct op_args a = {0};
  a.job_id = p->ats_job;
  a.candidate_id = p->cand;
  a.application_id = p->app;
  a.from_stage_id = p->stage_id;
  a.to_stage_id = p->target_id;
  a.first = p->first;
  a.last = p->last;
  a.phone = p->phone[0] ? p->phone : NULL;
  a.emails = p->emails;
  a.nemails = p->nemails;
  if (op == OP_FIND)
    a.email = p->emails[p->email_i];
  p->op = op;
  p->rq = conn_request(p->c, op, &a, on_answer, p);
  if (p->rq == NULL) {
    struct op_result r = {.outcome = OUT_TRANSIENT};
    snprintf(r.words, sizeof r.words, "out of memory");
    on_transient(p, &r, false);
  }
}

/* Where the stage 'id' sits relative to the target in the pipeline. */
static enum stage_rel relation(const struct job_info *j, const char *id,
                               const char *target)
{
  int a = -1, b = -1;
  for (size_t i = 0; i < j->nstages; i++) {
    if (strcmp(j->stages[i].id, id) == 0)
      a = (int)i;
    if (strcmp(j->stages[i].id, target) == 0)
      b = (int)i;
  }
  if (a < 0 || b < 0)
    return REL_UNKNOWN;
  return a < b ? REL_BEFORE : a == b ? REL_SAME : REL_AFTER;
}

/* Resolve the target stage in the job's pipeline; false after attention. */
static bool resolve_stage(struct push *p, const struct job_info *j)
{
  const struct stage *hit = NULL;
  for (size_t i = 0; i < j->nstages && !hit; i++)
    if (j->stages[i].active &&
        (!p->stage_map[0] || strcmp(j->stages[i].name, p->stage_map) == 0))
      hit = &j->stages[i];
  for (size_t i = 0; i < j->nstages && !hit && p->stage_map[0]; i++)
    if (j->stages[i].active && strcasecmp(j->stages[i].name, p->stage_map) == 0)
      hit = &j->stages[i];
  if (hit == NULL) {
    char msg[600];
    if (p->stage_map[0])
      snprintf(msg, sizeof msg, "Stage mapping invalid: our stage '%s' is "
               "mapped to '%s', which is not a stage of %s job %s (%s). Fix "
               "it in Settings > Stage mapping.", p->stage, p->stage_map,
               ats(p), p->ats_job, j->name);
    else
      snprintf(msg, sizeof msg, "%s job %s (%s) has no stages: fix the job in "
               "%s or map '%s' to another job.", ats(p), p->ats_job, j->name,
               ats(p), p->job);
    attention(p, p->stage_map[0] ? "stage_map" : "job_map", msg, "");
    return false;
  }
  snprintf(p->target_id, sizeof p->target_id, "%s", hit->id);
  snprintf(p->target_name, sizeof p->target_name, "%s", hit->name);
  return true;
}

/* Decide the next thing to do from what is known, and do it. */
static void step(struct push *p)
{
  struct conn *c = p->c;
  if (p->generation != c->generation || !c->has_creds) {
    release(p); /* reconnected or disconnected meanwhile: start over later */
    return;
  }
  if (!auth_ready(c)) {
    auth_request(c, p); /* resumes in push_resume */
    return;
  }
  if (!p->ats_job[0]) {
    char msg[400];
    snprintf(msg, sizeof msg, "No job mapping for our job '%s': map it to a "
             "%s job in Settings > Job mapping.", p->job, ats(p));
    attention(p, "job_map", msg, "");
    return;
  }
  struct job_info *j = cached_job(c, p->ats_job);
  if (j == NULL || j->status[0] == '\0' ||
      (j->fetched && eng_now(p->e) - j->fetched > JOB_TTL)) {
    send_op(p, OP_JOB); /* new, or read long ago: stages get renamed,
                           removed, jobs closed */
    return;
  }
  if (strcmp(j->status, "open") != 0) {
    char why[64];
    snprintf(why, sizeof why, "is %s", j->status);
    job_missing(p, "", why);
    return;
  }
  if (j->nstages == 0 && j->fetched == 0) {
    send_op(p, OP_PIPELINE);
    return;
  }
  if (!p->target_id[0] && !resolve_stage(p, j))
    return;
  if (!p->cand[0]) {
    send_op(p, p->email_i < p->nemails ? OP_FIND : OP_CREATE);
    return;
  }
  if (!p->app[0]) {
    send_op(p, p->apps_checked ? OP_ADD_APP : OP_APPS);
    return;
  }
  if (strcmp(p->stage_id, p->target_id) == 0) {
    synced(p, NULL);
    return;
  }
  if (strcmp(p->app_status, "active") != 0 && p->app_status[0]) {
    char note[200];
    snprintf(note, sizeof note, "the application is %s in %s and was left as "
             "it is", p->app_status, ats(p));
    synced(p, note);
    return;
  }
  if (relation(j, p->stage_id, p->target_id) == REL_AFTER) {
    synced(p, "the application is already past the mapped stage; atsync "
              "never moves it back");
    return;
  }
  send_op(p, OP_MOVE);
}

static void take_app(struct push *p, const struct op_result *r)
{
  snprintf(p->app, sizeof p->app, "%s", r->application_id);
  snprintf(p->app_status, sizeof p->app_status, "%s", r->app_status);
  snprintf(p->stage_id, sizeof p->stage_id, "%s", r->stage_id);
  snprintf(p->stage_name, sizeof p->stage_name, "%s", r->stage_name);
  if (!p->stage_name[0] && strcmp(p->stage_id, p->target_id) == 0)
    snprintf(p->stage_name, sizeof p->stage_name, "%s", p->target_name);
}

static void on_answer(void *ud, struct op_result *r)
{
  struct push *p = ud;
  struct conn *c = p->c;
  p->rq = NULL;
  if (p->generation != c->generation) {
    release(p);
    return;
  }
  if (r->outcome != OUT_OK) {
    fail(p, r);
    return;
  }
  conn_success(c);
  if (c->state == ATSYNC_PERMISSION_MISSING &&
      (p->op == c->denied_op || c->denied_op == OP__COUNT)) {
    /* the probe went through the operation that was denied */
    c->hold_attempts = 0;
    c->hold_until = 0;
    conn_set_state(c, ATSYNC_CONNECTED, "");
  }
  switch (p->op) {
  case OP_JOB: {
    struct job_info *j = cache_job(c, p->ats_job);
    if (j) {
      snprintf(j->name, sizeof j->name, "%s", r->job_name);
      snprintf(j->status, sizeof j->status, "%s", r->job_status);
      j->nstages = 0;
      j->fetched = 0;
    }
    break;
  }
  case OP_PIPELINE: {
    struct job_info *j = cache_job(c, p->ats_job);
    if (j) {
      memcpy(j->stages, r->stages, r->nstages * sizeof *r->stages);
      j->nstages = r->nstages;
      j->fetched = eng_now(p->e);
    }
    break;
  }
  case OP_FIND:
    if (r->candidate_id[0]) {
      p->created_now = false; /* readable: built */
      snprintf(p->cand, sizeof p->cand, "%s", r->candidate_id);
      if (r->application_id[0]) { /* v1 embeds the applications */
        take_app(p, r);
        p->apps_checked = true;
      } else if (c->auth == ATSYNC_AUTH_API_KEY) {
        p->apps_checked = true; /* v1 showed them all: none on this job */
      }
      progress(p, "found", "Found the person in %s by %s: candidate %s",
               ats(p), p->emails[p->email_i], p->cand);
    } else {
      p->email_i++;
    }
    break;
  case OP_APPS:
    if (!r->application_id[0] && p->created_now &&
        p->attempts < BUILD_WAITS) {
      /* we created the person with the application: an empty list means
       * Greenhouse is still building the record (async create), never
       * that the application is missing; adding one could double it */
      retry(p, eng_now(p->e) + 30000,
            "The new candidate is still being created in the ATS; atsync "
            "checks again in 30 s.", r->words);
      return;
    }
    p->apps_checked = true;
    if (r->application_id[0]) {
      take_app(p, r);
      if (p->created_now)
        progress(p, "found", "Read the application created with candidate "
                 "%s: application %s on job %s", p->cand, p->app, p->ats_job);
      else
        progress(p, "found", "Candidate %s already has application %s on job "
                 "%s", p->cand, p->app, p->ats_job);
    }
    break;
  case OP_CREATE:
    snprintf(p->cand, sizeof p->cand, "%s", r->candidate_id);
    p->created_now = true;
    /* the application was created with the person; without its id in the
     * answer (v3), read it before anything else */
    p->apps_checked = r->application_id[0] != '\0';
    if (r->application_id[0])
      take_app(p, r);
    progress(p, "created", "Created candidate %s in %s%s", p->cand, ats(p),
             r->partial ? " (the record is still being built there)" : "");
    break;
  case OP_ADD_APP:
    p->created_now = false; /* the ATS accepted the person: it is built */
    take_app(p, r);
    if (!p->stage_id[0])
      snprintf(p->stage_id, sizeof p->stage_id, "%s", p->target_id);
    progress(p, "applied", "Added application %s on job %s", p->app,
             p->ats_job);
    break;
  case OP_MOVE:
    snprintf(p->stage_id, sizeof p->stage_id, "%s", p->target_id);
    snprintf(p->stage_name, sizeof p->stage_name, "%s", p->target_name);
    break;
  default:
    break;
  }
  step(p);
}

/* ---- starting --------------------------------------------------------------------------- */

static void load(struct push *p)
{
  struct store *st = p->e->st;
  char emails[ATSYNC_MAX_EMAILS * 256];
  if (store_q(st,
              "SELECT ref, first, last, emails, phone, job, stage, "
              "ats_candidate_id, ats_application_id, ats_stage_id, ats_stage, "
              "attempts FROM candidates WHERE id = ?",
              "I", p->id) == SQLITE_ROW) {
    store_col_text(st, 0, p->ref, sizeof p->ref);
    store_col_text(st, 1, p->first, sizeof p->first);
    store_col_text(st, 2, p->last, sizeof p->last);
    store_col_text(st, 3, emails, sizeof emails);
    store_col_text(st, 4, p->phone, sizeof p->phone);
    store_col_text(st, 5, p->job, sizeof p->job);
    store_col_text(st, 6, p->stage, sizeof p->stage);
    store_col_text(st, 7, p->cand, sizeof p->cand);
    store_col_text(st, 8, p->app, sizeof p->app);
    store_col_text(st, 9, p->stage_id, sizeof p->stage_id);
    store_col_text(st, 10, p->stage_name, sizeof p->stage_name);
    p->attempts = (int)store_col_int(st, 11);
  }
  store_done(st);
  char *save = NULL;
  for (char *t = strtok_r(emails, "\n", &save);
       t && p->nemails < ATSYNC_MAX_EMAILS; t = strtok_r(NULL, "\n", &save)) {
    snprintf(p->email_buf[p->nemails], sizeof p->email_buf[0], "%s", t);
    p->emails[p->nemails] = p->email_buf[p->nemails];
    p->nemails++;
  }
  /* a person we created may still be being built (async create) */
  if (store_q(st, "SELECT step FROM pushes WHERE candidate_id = ?", "I",
              p->id) == SQLITE_ROW) {
    char stepname[32];
    store_col_text(st, 0, stepname, sizeof stepname);
    p->created_now = p->cand[0] && strcmp(stepname, "created") == 0;
  }
  store_done(st);
  if (store_q(st, "SELECT ats FROM job_maps WHERE org_id = ? AND ours = ?",
              "Is", p->c->org, p->job) == SQLITE_ROW)
    store_col_text(st, 0, p->ats_job, sizeof p->ats_job);
  store_done(st);
  if (store_q(st, "SELECT ats FROM stage_maps WHERE org_id = ? AND ours = ?",
              "Is", p->c->org, p->stage) == SQLITE_ROW)
    store_col_text(st, 0, p->stage_map, sizeof p->stage_map);
  store_done(st);
  /* an application recorded earlier must be re-read: it may have moved */
  if (p->app[0]) {
    p->app[0] = p->stage_id[0] = '\0';
    p->apps_checked = false;
  }
}

void push_start(struct conn *c, int64_t cand_id)
{
  struct atsync *e = c->e;
  struct push *p = calloc(1, sizeof *p);
  if (p == NULL)
    return;
  p->c = c;
  p->e = e;
  p->id = cand_id;
  p->generation = c->generation;
  if (e->nrunning == e->caprunning) {
    size_t cap = e->caprunning ? e->caprunning * 2 : 16;
    struct push **v = realloc(e->running, cap * sizeof *v);
    if (v == NULL) {
      free(p);
      return;
    }
    e->running = v;
    e->caprunning = cap;
  }
  e->running[e->nrunning++] = p;
  c->inflight++;
  load(p);
  step(p);
}

void push_resume(struct push *p, bool token_ok)
{
  if (token_ok) {
    step(p);
    return;
  }
  /* no token for now: the connection state says why; try again later */
  struct conn *c = p->c;
  int64_t due = c->hold_until > eng_now(p->e) ? c->hold_until : eng_now(p->e);
  wait_for_connection(p, due, c->reason, "");
}
