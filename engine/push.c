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
 * created twice.
 *
 * The job and its pipeline are read by one push at a time per connection
 * and job: a push that needs them while another reads them waits for that
 * read (job_wait) and goes on when it ends — with the cache, or as the
 * failure says (read_over).
 *
 * When the ATS refuses the data of a person it already holds (a phone
 * required on the application of a person we created or found), the push
 * remembers a fingerprint of that data (as its step, "refused ..."); once
 * the recruiter changed it, what changed is sent to the person
 * (OP_UPDATE_PERSON: what the connector can set, never a blank) before
 * the application is tried again (refused.h). */
#include "engine_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "normalize.h"
#include "refused.h"

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
  /* what is sent, normalised where that is safe (normalize.h): the
   * phone in E.164 when it converts (phone_why says why not), dates of
   * custom fields as YYYY-MM-DD (field_why says why not) */
  char raw_phone[64], phone_why[200];
  char fkey[ATSYNC_MAX_FIELDS][64], fval[ATSYNC_MAX_FIELDS][220],
      field_why[ATSYNC_MAX_FIELDS][200];
  const char *fkeys[ATSYNC_MAX_FIELDS], *fvals[ATSYNC_MAX_FIELDS];
  size_t nfields;
  char source[64];                  /* the job mapping's default source */
  bool twin_checked;                /* no likely duplicate by name + phone */
  bool confirming;                  /* the OP_FIND in flight looks for the
                                       likely duplicate's email */
  char twin[64], twin_email[128];
  char ats_job[64], stage_map[128]; /* the mappings */
  char target_id[64], target_name[128];
  char cand[64], app[64], app_status[16], stage_id[64], stage_name[128];
  int attempts;
  size_t email_i;
  bool apps_checked;   /* we know whether the person has an application */
  bool created_now;    /* we created the person and have not seen it in a
                          read yet (Greenhouse may still be building it);
                          kept across runs as the push's step "created" */
  bool refreshed;      /* a 401 already cost one token refresh */
  unsigned token_gen;  /* the connection's token_gen when op was sent */
  struct refused refused;   /* the person's data the ATS refused (kept
                               across runs as the push's step) */
  struct person_update upd; /* the OP_UPDATE_PERSON in flight */
  int rereads;
  uint64_t job_wait;   /* waiting for another push's read of the job and
                          its pipeline: the turn of this wait (the
                          connection's job_waits then); 0 = not waiting */
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

static void wake_later(struct conn *c, const char *job);

/* Is this push reading the job (its job or pipeline request in flight)? */
static bool reads_job(const struct push *p, const struct conn *c,
                      const char *job)
{
  return p->c == c && p->rq != NULL &&
         (p->op == OP_JOB || p->op == OP_PIPELINE) &&
         strcmp(p->ats_job, job) == 0;
}

static void release(struct push *p)
{
  struct atsync *e = p->e;
  struct conn *c = p->c;
  bool reading = reads_job(p, c, p->ats_job);
  for (size_t i = 0; i < e->nrunning; i++) {
    if (e->running[i] == p) {
      e->running[i] = e->running[--e->nrunning];
      break;
    }
  }
  c->inflight--;
  at_timer_cancel(e->loop, p->timer);
  request_cancel(p->rq);
  if (reading) /* abandoned in the middle of its read of the job */
    wake_later(c, p->ats_job);
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
  char refused[REFUSED_STEP_MAX];
  /* these survive a retry, a restart: see load() */
  if (p->refused.set)
    step_name = refused_step(&p->refused, refused, sizeof refused);
  else if (p->created_now)
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
  p->refused.set = false;
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

/* Held until the connection's hold ends (a backoff, a missing permission;
 * now when none): its state says why. */
static void hold(struct push *p, const char *words)
{
  struct conn *c = p->c;
  int64_t due = c->hold_until > eng_now(p->e) ? c->hold_until : eng_now(p->e);
  wait_for_connection(p, due, c->reason, words);
}

/* The person's data as the push holds it (refused.h). */
static struct person_data person_of(const struct push *p)
{
  return (struct person_data){.first = p->first,
                              .last = p->last,
                              .phone = p->phone,
                              .emails = p->emails,
                              .nemails = p->nemails,
                              .fkeys = p->fkeys,
                              .fvals = p->fvals,
                              .nfields = p->nfields};
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
  char msg[600];
  if (r->throttled) {
    retry(p, conn_throttled(c, r, msg, sizeof msg), msg, r->words);
    return;
  }
  int64_t hold = conn_outage(c, r, msg, sizeof msg);
  if (unknown && p->op == OP_UPDATE_PERSON) {
    snprintf(msg, sizeof msg, "The outcome of the update of candidate %s in "
             "%s is unknown (%s): atsync sends it again (the same data twice "
             "is harmless).", p->cand, ats(p), r->words);
  } else if (unknown) {
    snprintf(msg, sizeof msg, "The outcome of the %s request is unknown "
             "(%s): atsync will look in %s before it writes again, so "
             "nothing is created twice.", op_name(p->op), r->words, ats(p));
    /* what the write would have told us must now come from a read */
    if (p->op == OP_ADD_APP || p->op == OP_MOVE) {
      p->app[0] = p->stage_id[0] = '\0';
      p->apps_checked = false;
    }
  }
  retry(p, later(p, hold), msg, r->words);
}

static void on_auth(struct push *p, struct op_result *r)
{
  struct conn *c = p->c;
  if (c->auth != ATSYNC_AUTH_API_KEY && p->token_gen != c->token_gen) {
    /* sent with a token that a racing refresh has replaced: that refresh
     * serves this call too; dropping the new token would refresh again */
    step(p);
    return;
  }
  if (c->auth != ATSYNC_AUTH_API_KEY && !p->refreshed) {
    /* one refresh, then the same step again */
    p->refreshed = true;
    auth_invalidate(c);
    step(p);
    return;
  }
  char msg[600];
  conn_auth_failed(c, r, msg, sizeof msg);
  wait_for_connection(p, eng_now(p->e), msg, r->words);
}

static void on_permission(struct push *p, struct op_result *r)
{
  char msg[600];
  int64_t hold = conn_permission(p->c, p->op, r, msg, sizeof msg);
  wait_for_connection(p, hold, msg, r->words);
}

static bool names(const char *what, const char *field)
{
  return strstr(what, field) != NULL;
}

/* The ATS refused the candidate's data: say which field, why, and the
 * fix — the candidate's data, or the job mapping's default source. */
static void data_refused(struct push *p, struct op_result *r)
{
  char msg[600], name[300];
  who(p, name, sizeof name);
  const char *label = r->what[0] && p->c->ops->field_label
                          ? p->c->ops->field_label(r->what)
                          : NULL;
  if (p->cand[0]) {
    /* the ATS holds the person and judged its data (so it is built):
     * remember that data, unless a refusal is remembered already (what
     * an update sent since is folded into it), so that what the
     * recruiter changes reaches the person */
    bool ours = p->created_now; /* made from this data by this push */
    p->created_now = false;
    if (!p->refused.set) {
      struct person_data d = person_of(p);
      refused_take(&p->refused, &d);
      if (!ours) {
        /* a person found by email: the refused value is the ATS's own;
         * what we hold of it goes to the person at once */
        struct person_update u;
        refused_unknown(&p->refused, &d, label ? label : r->what);
        if (refused_changes(&p->refused, &d, p->c->ops->update_person, &u)) {
          save_ids(p, "refused");
          step(p);
          return;
        }
      }
    }
  }
  if (label == NULL)
    label = r->what[0] ? r->what : "a field";
  if (names(r->what, "source")) {
    snprintf(msg, sizeof msg, "Sync failed for %s: %s requires '%s' for this "
             "job (%s): set a default source for our job '%s' in the job "
             "mapping (Settings > Job mapping); atsync retries when it "
             "changes.", name, ats(p), label, r->words, p->job);
  } else if (names(r->what, "phone") && p->phone_why[0]) {
    snprintf(msg, sizeof msg, "Sync failed for %s: %s refused the phone "
             "'%s' (%s); atsync could not convert it to E.164: %s. Fix the "
             "candidate's data; atsync retries when it changes.", name, ats(p),
             p->raw_phone, r->words, p->phone_why);
  } else {
    const char *why = "";
    for (size_t i = 0; i < p->nfields; i++)
      if (names(r->what, p->fkey[i]) && p->field_why[i][0])
        why = p->field_why[i];
    snprintf(msg, sizeof msg, "Sync failed for %s: %s requires or refused "
             "the %s (%s)%s%s. Fix the candidate's data; atsync retries when "
             "it changes.", name, ats(p), label, r->words, *why ? ": " : "",
             why);
  }
  attention(p, "data", msg, r->words);
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
  data_refused(p, r);
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
    if (p->op == OP_FIND) /* a search scoped to the job (Workable's) says
                             the job is not there: read the job again */
      conn_forget_job(p->c, p->ats_job);
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
  p->confirming = false; /* a failed look-up of the likely duplicate: the
                            next run looks again */
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
  a.source_id = p->source[0] ? p->source : NULL;
  a.field_keys = p->fkeys;
  a.field_values = p->fvals;
  a.nfields = p->nfields;
  if (op == OP_FIND)
    a.email = p->confirming ? p->twin_email : p->emails[p->email_i];
  if (op == OP_UPDATE_PERSON) { /* what changed, nothing else */
    const struct person_update *u = &p->upd;
    bool name = u->what & PERSON_NAME;
    a.first = name ? p->first : NULL;
    a.last = name ? p->last : NULL;
    a.phone = u->what & PERSON_PHONE ? p->phone : NULL;
    a.emails = u->email >= 0 ? &p->emails[u->email] : NULL;
    a.nemails = u->email >= 0 ? 1 : 0;
    a.source_id = NULL;
    a.field_keys = u->fkeys;
    a.field_values = u->fvals;
    a.nfields = u->nfield;
  }
  p->op = op;
  p->token_gen = p->c->token_gen;
  p->rq = conn_request(p->c, op, &a, on_answer, p);
  if (p->rq == NULL) {
    struct op_result r = {.outcome = OUT_TRANSIENT};
    snprintf(r.words, sizeof r.words, "out of memory");
    on_transient(p, &r, false);
  }
}

/* ---- one read of a job at a time ------------------------------------------------ */

static bool job_being_read(const struct conn *c, const char *job)
{
  const struct atsync *e = c->e;
  for (size_t i = 0; i < e->nrunning; i++)
    if (reads_job(e->running[i], c, job))
      return true;
  return false;
}

/* Read the job (OP_JOB) or its pipeline (OP_PIPELINE), unless another push
 * of the connection reads it now: then wait for that read, which resumes
 * this push when it is over (read_over). */
static void read_job(struct push *p, enum op op)
{
  struct conn *c = p->c;
  if (job_being_read(c, p->ats_job)) {
    p->job_wait = ++c->job_waits;
    return;
  }
  send_op(p, op);
}

/* The push that waits longest for a read of the job, among the waits up
 * to turn 'upto' (NULL: none). */
static struct push *next_waiter(const struct conn *c, const char *job,
                                uint64_t upto)
{
  const struct atsync *e = c->e;
  struct push *first = NULL;
  for (size_t i = 0; i < e->nrunning; i++) {
    struct push *w = e->running[i];
    if (w->c == c && w->job_wait && w->job_wait <= upto &&
        strcmp(w->ats_job, job) == 0 &&
        (first == NULL || w->job_wait < first->job_wait))
      first = w;
  }
  return first;
}

/* A push that waited for another's read of its job goes on as that read
 * ended ('op' the request, 'r' its answer), as if the read had been its
 * own — except that the connection's trouble (an outage, a 429, a missing
 * permission, credentials refused) was counted once, by the reader, whose
 * handling set the connection's state and hold. Answered: the cache has
 * the job (open or not). The job's own verdict (not found, refused) is
 * this push's too. An outage or a 429: a retry when the connection's hold
 * ends (with this push's backoff after an outage). A missing permission,
 * credentials refused: held by the connection. Anything else (a token
 * being refreshed): the next step, which reads or waits again. */
static void job_resume(struct push *p, enum op op, struct op_result *r)
{
  struct conn *c = p->c;
  enum outcome o = p->generation == c->generation ? r->outcome : OUT_OK;
  int64_t now = eng_now(p->e);
  int64_t held = c->hold_until > now ? c->hold_until : now;
  switch (o) {
  case OUT_NOT_FOUND:
  case OUT_INVALID:
    p->op = op;
    fail(p, r);
    break;
  case OUT_TRANSIENT:
  case OUT_UNKNOWN:
    p->op = op;
    retry(p, r->throttled ? held : later(p, held), c->reason, r->words);
    break;
  case OUT_PERMISSION:
    hold(p, r->words);
    break;
  case OUT_AUTH:
    if (c->state == ATSYNC_DISCONNECTED)
      hold(p, r->words);
    else
      step(p); /* waits for the token the reader asked for */
    break;
  default:
    step(p); /* a stale generation is released there */
    break;
  }
}

/* The read of the job is over: the pushes that waited for it go on, first
 * come first. One may start the next read; the others wait again. */
static void read_over(struct conn *c, const char *job, enum op op,
                      struct op_result *r)
{
  uint64_t upto = c->job_waits; /* not those that wait again meanwhile */
  struct push *w;
  while ((w = next_waiter(c, job, upto)) != NULL) {
    w->job_wait = 0;
    job_resume(w, op, r);
  }
}

static void on_wake(void *ud)
{
  struct push *p = ud;
  p->timer = NULL;
  step(p);
}

/* The reader was abandoned in the middle of its read (push_abandon): its
 * waiters go on from the loop, not from inside the caller, which may be
 * abandoning them too (a reconnect, the engine closing: release cancels
 * their timers). */
static void wake_later(struct conn *c, const char *job)
{
  struct atsync *e = c->e;
  uint64_t upto = c->job_waits;
  struct push *w;
  while ((w = next_waiter(c, job, upto)) != NULL) {
    w->timer = at_timer_add(e->loop, eng_now(e), on_wake, w);
    /* without a timer (out of memory) it waits for the next read */
    w->job_wait = w->timer ? 0 : ++c->job_waits;
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

/* The likely duplicate is there: create nobody, say who it is and what to
 * do. */
static void twin_found(struct push *p, const char *id)
{
  char msg[600], name[300];
  snprintf(msg, sizeof msg, "Possible duplicate of candidate %s in %s: %s has "
           "the same name and phone (%s) there, under another email%s%s%s, "
           "so atsync created nobody. If it is the same person, add that "
           "email to our candidate and atsync adds the application to "
           "candidate %s; if not, correct the phone number.", id, ats(p),
           who(p, name, sizeof name), p->phone, p->twin_email[0] ? " (" : "",
           p->twin_email, p->twin_email[0] ? ")" : "", id);
  attention(p, "duplicate", msg, "");
}

/* Nobody has any of the candidate's emails. Before a person is created,
 * someone with the same name and phone under another email is a likely
 * duplicate (the ATS does not dedupe: ats-apis.md 1.5): flag it, create
 * nobody. False when the push stopped here (flagged, or waiting for the
 * first read of the ATS's people). */
static bool no_twin(struct push *p)
{
  struct conn *c = p->c;
  if (p->twin_checked || p->phone_why[0] || !p->phone[0] ||
      p->e->cfg.poll_interval_ms < 0)
    return true; /* no comparable phone, or no people index kept */
  if (!pull_people_fresh(c)) {
    /* the people in the ATS are being read (the first walk after a
     * connect, or the changes since the last one): wait for them,
     * quietly, a few seconds */
    struct store *st = p->e->st;
    store_q(st, "UPDATE pushes SET due = ? WHERE candidate_id = ?", "II",
            eng_now(p->e) + 2000, p->id);
    release(p);
    return false;
  }
  if (pull_find_twin(c, p->first, p->last, p->phone, p->twin,
                     sizeof p->twin, p->twin_email, sizeof p->twin_email)) {
    if (!p->twin_email[0]) {
      twin_found(p, p->twin);
      return false;
    }
    /* the index may be stale (the person merged away or deleted since
     * the last poll): look the person up by their email first */
    p->confirming = true;
    send_op(p, OP_FIND);
    return false;
  }
  p->twin_checked = true;
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
    read_job(p, OP_JOB); /* new, or read long ago: stages get renamed,
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
    read_job(p, OP_PIPELINE);
    return;
  }
  if (!p->target_id[0] && !resolve_stage(p, j))
    return;
  if (!p->cand[0]) {
    if (p->email_i < p->nemails)
      send_op(p, OP_FIND);
    else if (no_twin(p))
      send_op(p, OP_CREATE);
    return;
  }
  struct person_data d = person_of(p);
  if (refused_changes(&p->refused, &d, c->ops->update_person, &p->upd)) {
    /* the ATS refused the person's data, and the recruiter changed it:
     * the person gets it before the application is tried again */
    send_op(p, OP_UPDATE_PERSON);
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

static void answer(struct push *p, struct op_result *r)
{
  struct conn *c = p->c;
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
    if (p->confirming) { /* the likely duplicate, looked up by its email */
      p->confirming = false;
      if (r->candidate_id[0]) { /* there (or whoever holds it now) */
        twin_found(p, r->candidate_id);
        return;
      }
      store_begin(p->e->st); /* gone since the last poll: forget it */
      pull_forget_person(c, p->twin);
      store_commit(p->e->st);
      break; /* and look again */
    }
    if (r->candidate_id[0]) {
      p->created_now = false; /* readable: built */
      snprintf(p->cand, sizeof p->cand, "%s", r->candidate_id);
      if (r->application_id[0]) { /* v1 embeds the applications */
        take_app(p, r);
        p->apps_checked = true;
      } else if (c->auth == ATSYNC_AUTH_API_KEY &&
                 !c->ops->find_without_apps) {
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
        !p->c->ops->create_person_only && p->attempts < BUILD_WAITS) {
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
    p->refused.set = false; /* a new person, with the data as it is now */
    /* the application was created with the person; without its id in the
     * answer (v3), read it before anything else. A connector whose create
     * makes the person alone adds the application next. */
    p->apps_checked = r->application_id[0] != '\0' ||
                      c->ops->create_person_only;
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
  case OP_UPDATE_PERSON: {
    char what[400];
    struct person_data d = person_of(p);
    person_update_words(&p->upd, &d, what, sizeof what);
    refused_fold(&p->refused, &d, &p->upd);
    progress(p, "amended", "Updated candidate %s in %s with the data fixed "
             "since it was refused: %s", p->cand, ats(p), what);
    break;
  }
  default:
    break;
  }
  step(p);
}

static void on_answer(void *ud, struct op_result *r)
{
  struct push *p = ud;
  struct conn *c = p->c;
  enum op op = p->op;
  char job[sizeof p->ats_job];
  snprintf(job, sizeof job, "%s", p->ats_job);
  p->rq = NULL;
  answer(p, r); /* p may be gone now */
  /* a read of the job that is over (not followed by its pipeline's, nor
   * tried again): those that waited for it go on */
  if ((op == OP_JOB || op == OP_PIPELINE) && !job_being_read(c, job))
    read_over(c, job, op, r);
}

/* ---- starting --------------------------------------------------------------------------- */

/* What is sent is what the recruiter entered, tidied where that cannot
 * change its meaning: names and emails trimmed, the phone in E.164 when
 * the number (or the organization's default country) says which country,
 * dates of custom fields as YYYY-MM-DD when they are unambiguous. What
 * cannot be tidied is sent as entered: the ATS judges it, and a refusal
 * names the field with the reason it could not be converted. */
/* Two runs of digits or more ("03/04/2026", "28 Nov 2026"): a value meant
 * as a date, whose refusal deserves the date advice. */
static bool date_like(const char *v)
{
  int runs = 0;
  for (const char *s = v; *s; s++)
    if (isdigit((unsigned char)*s) && (s == v || !isdigit((unsigned char)s[-1])))
      runs++;
  return runs >= 2;
}

static void normalise(struct push *p, char *emails, char *fields)
{
  char tmp[256], why[200];
  norm_text(p->first, tmp, sizeof tmp);
  snprintf(p->first, sizeof p->first, "%s", tmp);
  norm_text(p->last, tmp, sizeof tmp);
  snprintf(p->last, sizeof p->last, "%s", tmp);
  char *save = NULL;
  for (char *t = strtok_r(emails, "\n", &save);
       t && p->nemails < ATSYNC_MAX_EMAILS; t = strtok_r(NULL, "\n", &save)) {
    char *dst = p->email_buf[p->nemails];
    if (norm_email(t, dst, sizeof p->email_buf[0], why, sizeof why) != 0)
      snprintf(dst, sizeof p->email_buf[0], "%s", t);
    p->emails[p->nemails++] = dst;
  }
  snprintf(p->raw_phone, sizeof p->raw_phone, "%s", p->phone);
  p->phone_why[0] = '\0';
  if (p->phone[0] &&
      norm_phone_e164(p->raw_phone, p->c->default_country, p->phone,
                      sizeof p->phone, p->phone_why, sizeof p->phone_why) != 0)
    norm_text(p->raw_phone, p->phone, sizeof p->phone);
  save = NULL;
  for (char *t = strtok_r(fields, "\n", &save);
       t && p->nfields < ATSYNC_MAX_FIELDS; t = strtok_r(NULL, "\n", &save)) {
    size_t i = p->nfields++;
    char *eq = strchr(t, '=');
    if (eq)
      *eq = '\0';
    snprintf(p->fkey[i], sizeof p->fkey[i], "%s", t);
    snprintf(p->fval[i], sizeof p->fval[i], "%s", eq ? eq + 1 : "");
    p->field_why[i][0] = '\0';
    if (norm_date_iso(p->fval[i], tmp, sizeof tmp, p->field_why[i],
                      sizeof p->field_why[i]) == 0)
      snprintf(p->fval[i], sizeof p->fval[i], "%s", tmp);
    else if (!date_like(p->fval[i]))
      p->field_why[i][0] = '\0'; /* "Senior" is no date: no date advice */
    p->fkeys[i] = p->fkey[i];
    p->fvals[i] = p->fval[i];
  }
}

static void load(struct push *p)
{
  struct store *st = p->e->st;
  char emails[ATSYNC_MAX_EMAILS * 256], fields[ATSYNC_MAX_FIELDS * 270] = "";
  if (store_q(st,
              "SELECT ref, first, last, emails, phone, job, stage, "
              "ats_candidate_id, ats_application_id, ats_stage_id, ats_stage, "
              "attempts, fields FROM candidates WHERE id = ?",
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
    store_col_text(st, 12, fields, sizeof fields);
  }
  store_done(st);
  normalise(p, emails, fields);
  /* a person we created may still be being built (async create) */
  if (store_q(st, "SELECT step FROM pushes WHERE candidate_id = ?", "I",
              p->id) == SQLITE_ROW) {
    char stepname[REFUSED_STEP_MAX];
    store_col_text(st, 0, stepname, sizeof stepname);
    p->created_now = p->cand[0] && strcmp(stepname, "created") == 0;
    /* the person's data the ATS refused, when it holds the person */
    if (!p->cand[0] || !refused_parse(stepname, &p->refused))
      p->refused.set = false;
  }
  store_done(st);
  if (store_q(st, "SELECT ats, source FROM job_maps WHERE org_id = ? AND "
              "ours = ?", "Is", p->c->org, p->job) == SQLITE_ROW) {
    store_col_text(st, 0, p->ats_job, sizeof p->ats_job);
    store_col_text(st, 1, p->source, sizeof p->source);
  }
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
  hold(p, ""); /* no token for now: the connection state says why */
}
