/* run.c — one scenario run: a virtual clock and one loop driving a fake
 * ATS (sim/) and the real engine (engine/), the timeline executed
 * statement by statement, the trace, and the result.
 *
 * Time: every statement has a time (at/after/next, see scn.h); the loop
 * runs up to it, the statement runs, the instant settles. Expectations
 * with 'within' or 'never' run the loop themselves and look at the world at
 * every settle point. Nothing reads the wall clock except the result's
 * wall_ms. */
#include "run_int.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "strutil.h"

/* ---- small helpers -------------------------------------------------------- */

void strlist_add(struct strlist *l, const char *s)
{
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 8;
    char **v = realloc(l->v, l->cap * sizeof *v);
    if (v == NULL)
      abort();
    l->v = v;
  }
  l->v[l->n] = strdup(s);
  if (l->v[l->n] == NULL)
    abort();
  l->n++;
}

bool strlist_has(const struct strlist *l, const char *s)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i], s) == 0)
      return true;
  return false;
}

void strlist_free(struct strlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static char *xstrdup(const char *s)
{
  char *d = strdup(s ? s : "");
  if (d == NULL)
    abort();
  return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    abort();
  va_end(ap);
  return s;
}

int64_t w_now(const struct world *w)
{
  return w->loop ? at_loop_now(w->loop) - w->t0 : 0;
}

/* "line 12" for a line of the scenario's own file, "common.scn:3" for a
 * line of an included one: trace lines never hold a path as typed, so the
 * hash does not depend on how the file was named. */
static const char *lineref(const struct world *w, const struct scn_loc *loc,
                           char *buf, size_t len)
{
  if (loc == NULL || loc->file == NULL)
    snprintf(buf, len, "%s", "the run");
  else if (strcmp(loc->file, w->sc->path) == 0)
    snprintf(buf, len, "line %d", loc->line);
  else {
    const char *base = strrchr(loc->file, '/');
    snprintf(buf, len, "%s:%d", base ? base + 1 : loc->file, loc->line);
  }
  return buf;
}

static const char *where(const struct scn_loc *loc, char *buf, size_t len)
{
  if (loc == NULL || loc->file == NULL)
    snprintf(buf, len, "%s", "");
  else
    snprintf(buf, len, "%s:%d", loc->file, loc->line);
  return buf;
}

void w_fail(struct world *w, const struct scn_loc *loc, const char *fmt, ...)
{
  if (w->failed)
    return;
  char text[2048], at[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  w->failed = true;
  where(loc, at, sizeof at);
  w->message = at[0] ? xasprintf("%s: %s", at, text) : xstrdup(text);
  char first[300];
  snprintf(first, sizeof first, "%s", text);
  first[strcspn(first, "\n")] = '\0';
  char lr[300];
  w->failed_line = (int)trace_add(&w->tr, w_now(w), "FAIL", "%s: %s",
                                  lineref(w, loc, lr, sizeof lr), first);
}

/* A failure that means the scenario could not run as written. */
static void w_error(struct world *w, const struct scn_loc *loc,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void w_error(struct world *w, const struct scn_loc *loc,
                    const char *fmt, ...)
{
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (!w->failed)
    w->error = true;
  w_fail(w, loc, "%s", text);
}

/* ---- the trace ------------------------------------------------------------- */

static void journal_keep(struct world *w, const struct sim_journal_entry *e)
{
  if (w->njournal == w->capjournal) {
    w->capjournal = w->capjournal ? w->capjournal * 2 : 1024;
    struct sim_journal_entry *v =
        realloc(w->journal, w->capjournal * sizeof *v);
    if (v == NULL)
      abort();
    w->journal = v;
  }
  w->journal[w->njournal++] = *e;
}

static void trace_journal(struct world *w, const struct sim_journal_entry *e)
{
  char status[48], extra[160] = "";
  if (e->status)
    snprintf(status, sizeof status, "%d in %lldms", e->status,
             (long long)(e->sent - e->t));
  else
    snprintf(status, sizeof status, "no answer");
  size_t o = 0;
  if (e->credential[0])
    o += (size_t)snprintf(extra + o, sizeof extra - o, " %s", e->credential);
  if (e->fault)
    o += (size_t)snprintf(extra + o, sizeof extra - o, " fault#%d %s",
                          e->fault, e->fault_kind);
  if (e->note[0])
    o += (size_t)snprintf(extra + o, sizeof extra - o, " (%s)", e->note);
  if (e->retry_after)
    o += (size_t)snprintf(extra + o, sizeof extra - o, " retry-after %llds",
                          (long long)(e->retry_after / 1000));
  trace_add(&w->tr, e->t - w->t0, "ats", "%s %s -> %s%s #%016" PRIx64,
            e->method, e->target, status, extra, e->body_hash);
}

struct logbuf {
  struct atsync_log_entry *v;
  size_t n, cap;
};

static void log_keep(void *ud, const struct atsync_log_entry *l)
{
  struct logbuf *b = ud;
  if (b->n == b->cap) {
    b->cap = b->cap ? b->cap * 2 : 64;
    struct atsync_log_entry *v = realloc(b->v, b->cap * sizeof *v);
    if (v == NULL)
      abort();
    b->v = v;
  }
  b->v[b->n++] = *l;
}

void w_collect(struct world *w)
{
  /* the journal since the last call: every entry here is decided (the
   * loop settled), its answer may still be on its way */
  struct sim_journal_entry buf[256];
  struct logbuf lb = {0};
  if (w->eng)
    atsync_log(w->eng, w->org, w->log_seen, log_keep, &lb);
  size_t li = 0;
  for (;;) {
    size_t n = sim_journal_read(w->sim, w->journal_seen, buf,
                                sizeof buf / sizeof *buf);
    if (n == 0)
      break;
    for (size_t i = 0; i < n; i++) {
      while (li < lb.n && lb.v[li].at < buf[i].t) {
        const struct atsync_log_entry *l = &lb.v[li++];
        trace_add(&w->tr, l->at - w->t0, "engine", "%s%s%s: %s", l->candidate,
                  l->candidate[0] ? " " : "", l->kind, l->message);
        w->log_seen = l->id;
      }
      journal_keep(w, &buf[i]);
      trace_journal(w, &buf[i]);
      w->journal_seen = buf[i].n;
    }
  }
  for (; li < lb.n; li++) {
    const struct atsync_log_entry *l = &lb.v[li];
    trace_add(&w->tr, l->at - w->t0, "engine", "%s%s%s: %s", l->candidate,
              l->candidate[0] ? " " : "", l->kind, l->message);
    w->log_seen = l->id;
  }
  free(lb.v);
}

/* ---- the world --------------------------------------------------------------- */

static int engine_open(struct world *w, char *err, size_t errlen)
{
  w->eng = atsync_open(&w->ecfg, err, errlen);
  if (w->eng == NULL)
    return -1;
  if (atsync_org(w->eng, "acme", &w->org, err, errlen) != 0) {
    atsync_close(w->eng);
    w->eng = NULL;
    return -1;
  }
  return 0;
}

static void unlink_store(const char *path)
{
  if (path[0] == '\0')
    return;
  char side[600];
  unlink(path);
  snprintf(side, sizeof side, "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-journal", path);
  unlink(side);
}

static int world_open(struct world *w, uint64_t seed, char *err, size_t errlen)
{
  w->clock = at_clock_new_virtual(w->sc->epoch_ms ? w->sc->epoch_ms
                                                  : AT_CLOCK_DEFAULT_EPOCH_MS);
  w->loop = w->clock ? at_loop_new(w->clock) : NULL;
  if (w->loop == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  w->t0 = at_loop_now(w->loop);
  const struct scn_scenario *sc = w->sc;
  struct sim_config sc_cfg = {
      .ats = w->ats,
      .loop = w->loop,
      .seed = seed,
      .empty = true,
      .rate_limit = sc->rate_limit,
      .rate_window_ms = sc->rate_window_ms,
      .rate_limit_off = sc->rate_off,
      .latency_off = sc->latency_off,
      .latency_p50_ms = sc->latency_p50_ms,
      .latency_p99_ms = sc->latency_p99_ms,
      .journal_cap = 50000,
  };
  w->sim = sim_new(&sc_cfg, err, errlen);
  if (w->sim == NULL)
    return -1;
  if (sc->restarts) {
    const char *dir = w->o->tmpdir ? w->o->tmpdir : getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
      dir = "/tmp";
    snprintf(w->store, sizeof w->store, "%s/atsim-%ld-%" PRIu64 ".db", dir,
             (long)getpid(), seed);
    unlink_store(w->store);
  }
  w->ecfg.loop = w->loop;
  w->ecfg.store = w->store[0] ? w->store : NULL;
  w->ecfg.seed = seed * 0x9E3779B97F4A7C15ULL + 1;
  w->last_state = ATSYNC_NOT_CONNECTED;
  return engine_open(w, err, errlen);
}

static void world_close(struct world *w)
{
  atsync_close(w->eng);
  w->eng = NULL;
  sim_free(w->sim);
  at_loop_free(w->loop);
  at_clock_free(w->clock);
  unlink_store(w->store);
  strlist_free(&w->creds);
  strlist_free(&w->secrets);
  for (size_t i = 0; i < w->nlabels; i++)
    free(w->labels[i].name);
  free(w->labels);
  free(w->journal);
  cJSON_Delete(w->ats_state);
  trace_free(&w->tr);
  free(w->message);
}

/* Run the loop to 'offset'; false (and a failure) on a stall. */
static bool run_to(struct world *w, int64_t offset)
{
  enum at_run rc = at_loop_run_until(w->loop, w->t0 + offset);
  w_collect(w);
  if (rc == AT_RUN_STALL) {
    w_error(w, NULL, "the simulated network stalled: %s",
            at_loop_error(w->loop));
    return false;
  }
  return true;
}

static bool settle(struct world *w)
{
  enum at_run rc = at_loop_settle(w->loop);
  w_collect(w);
  if (rc == AT_RUN_STALL) {
    w_error(w, NULL, "the simulated network stalled: %s",
            at_loop_error(w->loop));
    return false;
  }
  return true;
}

/* ---- sim calls --------------------------------------------------------------- */

struct kvs {
  struct sim_kv v[48];
  char *own[48];
  size_t n, nown;
};

static void kv_put(struct kvs *k, const char *key, const char *value)
{
  if (k->n == sizeof k->v / sizeof *k->v)
    return;
  char *kk = xstrdup(key), *vv = xstrdup(value);
  k->own[k->nown++] = kk;
  k->own[k->nown++] = vv;
  k->v[k->n].key = kk;
  k->v[k->n].value = vv;
  k->n++;
  if (k->nown > sizeof k->own / sizeof *k->own - 2)
    k->nown = sizeof k->own / sizeof *k->own - 2; /* never reached: n caps */
}

static const char *kv_get(const struct kvs *k, const char *key)
{
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->v[i].key, key) == 0)
      return k->v[i].value;
  return NULL;
}

static void kv_drop(struct kvs *k, const char *key)
{
  for (size_t i = 0; i < k->n; i++) {
    if (strcmp(k->v[i].key, key) == 0) {
      memmove(&k->v[i], &k->v[i + 1], (k->n - i - 1) * sizeof *k->v);
      k->n--;
      return;
    }
  }
}

static void kv_free(struct kvs *k)
{
  for (size_t i = 0; i < k->nown; i++)
    free(k->own[i]);
  k->nown = k->n = 0;
}

/* Run an action; on failure record an error at 'loc'. Returns the result
 * (caller frees) or NULL. */
static cJSON *action(struct world *w, const struct scn_loc *loc,
                     const char *name, struct kvs *k)
{
  char err[512];
  cJSON *res = NULL;
  if (sim_action(w->sim, name, k->v, k->n, &res, err, sizeof err) != 0) {
    w_error(w, loc, "%s", err);
    return NULL;
  }
  return res;
}

static bool is_number(const char *s)
{
  if (s == NULL || *s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s))
      return false;
  return true;
}

/* The id of the stage called 'name' in job 'job' (0: any job; the name
 * must then be unique). */
static int64_t stage_id(struct world *w, const char *job, const char *name,
                        char *err, size_t errlen)
{
  const cJSON *st = w_ats_state(w);
  int64_t found = 0;
  int hits = 0;
  const cJSON *j;
  cJSON_ArrayForEach(j, cJSON_GetObjectItem(st, "jobs"))
  {
    if (job && json_id(j, "id") != strtoll(job, NULL, 10))
      continue;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "stages"))
    {
      const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(s, "name"));
      if (n && strcmp(n, name) == 0) {
        found = json_id(s, "id");
        hits++;
      }
    }
  }
  if (hits == 1)
    return found;
  if (hits == 0)
    snprintf(err, errlen, "there is no stage \"%s\"%s%s", name,
             job ? " in job " : "", job ? job : "");
  else
    snprintf(err, errlen, "stage \"%s\" is in %d jobs: give job=", name, hits);
  return 0;
}

/* The ATS candidate id of a ref or an email. */
static int64_t person_id(struct world *w, const char *v, char *err,
                         size_t errlen)
{
  if (strchr(v, '@')) {
    int64_t id = ats_person_by_email(w, v);
    if (id <= 0)
      snprintf(err, errlen, "%s people in the ATS have the email %s",
               id == 0 ? "no" : "several", v);
    return id > 0 ? id : 0;
  }
  struct atsync_candidate_info ci;
  if (w->eng == NULL || atsync_candidate(w->eng, w->org, v, &ci) != 0) {
    snprintf(err, errlen, "no candidate '%s'%s", v,
             w->eng ? "" : " (the engine is stopped)");
    return 0;
  }
  if (ci.ats_candidate_id[0] == '\0') {
    snprintf(err, errlen, "%s has no ATS candidate id yet (it is %s)", v,
             atsync_sync_name(ci.sync));
    return 0;
  }
  return strtoll(ci.ats_candidate_id, NULL, 10);
}

/* The ATS application id of a ref (the one the engine recorded) or of the
 * person with that email (on 'job' when given, else their only one). */
static int64_t application_id(struct world *w, const char *v, const char *job,
                              char *err, size_t errlen)
{
  if (!strchr(v, '@')) {
    struct atsync_candidate_info ci;
    if (w->eng && atsync_candidate(w->eng, w->org, v, &ci) == 0 &&
        ci.ats_application_id[0])
      return strtoll(ci.ats_application_id, NULL, 10);
    snprintf(err, errlen, "%s has no ATS application id yet", v);
    return 0;
  }
  int64_t pid = person_id(w, v, err, errlen);
  if (pid == 0)
    return 0;
  const cJSON *c;
  int64_t app = 0;
  int hits = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(w_ats_state(w), "candidates"))
  {
    if (json_id(c, "id") != pid)
      continue;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "applications"))
    {
      if (job && json_id(a, "job_id") != strtoll(job, NULL, 10))
        continue;
      app = json_id(a, "id");
      hits++;
    }
  }
  if (hits != 1) {
    snprintf(err, errlen, "%s has %d applications%s%s: give job=", v, hits,
             job ? " on job " : "", job ? job : "");
    return 0;
  }
  return app;
}

/* Turn a statement's parameters into the sim's: credential filled in,
 * names resolved to ids. */
static bool resolve_action(struct world *w, const struct scn_stmt *s,
                           struct kvs *k)
{
  const char *params = sim_action_params(s->name);
  for (size_t i = 0; i < s->nkv; i++)
    kv_put(k, s->kv[i].key, s->kv[i].value);
  bool takes_cred = params && strstr(params, "credential") != NULL;
  if (takes_cred && !kv_get(k, "credential") && !kv_get(k, "key")) {
    const char *cred = w->auth == SCN_AUTH_API_KEY ? w->key_cred
                                                       : w->client_cred;
    if (cred[0])
      kv_put(k, "credential", cred);
  }
  char err[400] = "", buf[32];
  const char *user = kv_get(k, "user");
  if (user && strcmp(user, "admin") == 0) {
    kv_drop(k, "user");
    kv_put(k, "user", "4000001");
  }
  const char *job = kv_get(k, "job");
  const char *stage = kv_get(k, "stage");
  if (stage && !is_number(stage)) {
    int64_t id = stage_id(w, job && is_number(job) ? job : NULL, stage, err,
                          sizeof err);
    if (id == 0) {
      w_error(w, &s->loc, "action %s: %s", s->name, err);
      return false;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    kv_drop(k, "stage");
    kv_put(k, "stage", buf);
  }
  static const char *const people[] = {"candidate", "primary", "duplicate"};
  for (size_t i = 0; i < 3; i++) {
    const char *v = kv_get(k, people[i]);
    if (v && !is_number(v)) {
      int64_t id = person_id(w, v, err, sizeof err);
      if (id == 0) {
        w_error(w, &s->loc, "action %s: %s=%s: %s", s->name, people[i], v,
                err);
        return false;
      }
      snprintf(buf, sizeof buf, "%lld", (long long)id);
      kv_drop(k, people[i]);
      kv_put(k, people[i], buf);
    }
  }
  const char *app = kv_get(k, "application");
  if (app && !is_number(app)) {
    int64_t id = application_id(w, app, job && is_number(job) ? job : NULL,
                                err, sizeof err);
    if (id == 0) {
      w_error(w, &s->loc, "action %s: application=%s: %s", s->name, app, err);
      return false;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    kv_drop(k, "application");
    kv_put(k, "application", buf);
  }
  /* job= only helped to find a stage or an application */
  if (job && params && !strstr(params, "job"))
    kv_drop(k, "job");
  return true;
}

static void split_name(const char *full, char *first, size_t fl, char *last,
                       size_t ll)
{
  const char *sp = strrchr(full, ' ');
  if (sp == NULL) {
    snprintf(first, fl, "%s", full);
    snprintf(last, ll, "%s", "Example");
    return;
  }
  snprintf(first, fl, "%.*s", (int)(sp - full), full);
  snprintf(last, ll, "%s", sp + 1);
}

/* ---- statements ---------------------------------------------------------------- */

static void do_user(struct world *w, const struct scn_stmt *s)
{
  char first[128], last[128];
  split_name(s->value, first, sizeof first, last, sizeof last);
  struct kvs k = {0};
  kv_put(&k, "id", s->name);
  kv_put(&k, "first_name", first);
  kv_put(&k, "last_name", last);
  if (s->flags & SCN_USER_ADMIN)
    kv_put(&k, "site_admin", "true");
  cJSON_Delete(action(w, &s->loc, "add_user", &k));
  kv_free(&k);
  if (!w->failed && (s->flags & SCN_USER_DEACTIVATED)) {
    kv_put(&k, "user", s->name);
    cJSON_Delete(action(w, &s->loc, "deactivate_user", &k));
    kv_free(&k);
  }
}

static const char *const default_stages[] = {"Application Review",
                                             "Phone Screen", "Onsite", "Offer"};

static void do_job(struct world *w, const struct scn_stmt *s)
{
  char stages[2048] = "";
  size_t n = s->nlist ? s->nlist : 4;
  for (size_t i = 0; i < n; i++) {
    size_t o = strlen(stages);
    snprintf(stages + o, sizeof stages - o, "%s%s", i ? "|" : "",
             s->nlist ? s->list[i] : default_stages[i]);
  }
  struct kvs k = {0};
  kv_put(&k, "id", s->name);
  kv_put(&k, "name", s->value);
  kv_put(&k, "status", s->flags == SCN_JOB_CLOSED  ? "closed"
                       : s->flags == SCN_JOB_DRAFT ? "draft"
                                                   : "open");
  kv_put(&k, "stages", stages);
  cJSON_Delete(action(w, &s->loc, "add_job", &k));
  kv_free(&k);
}

static void do_person(struct world *w, const struct scn_stmt *s)
{
  char first[128], last[128], emails[1024] = "";
  split_name(s->value, first, sizeof first, last, sizeof last);
  struct kvs k = {0};
  kv_put(&k, "first_name", first);
  kv_put(&k, "last_name", last);
  const char *job = NULL, *stage = NULL;
  for (size_t i = 0; i < s->nkv; i++) {
    const struct scn_kv *p = &s->kv[i];
    if (strcmp(p->key, "email") == 0) {
      size_t o = strlen(emails);
      snprintf(emails + o, sizeof emails - o, "%s%s", o ? "," : "", p->value);
    } else if (strcmp(p->key, "job") == 0) {
      job = p->value;
    } else if (strcmp(p->key, "stage") == 0) {
      stage = p->value;
    } else {
      kv_put(&k, p->key, p->value);
    }
  }
  if (emails[0])
    kv_put(&k, "email", emails);
  if (job)
    kv_put(&k, "job", job);
  if (stage) {
    char err[300], buf[32];
    int64_t id = is_number(stage) ? strtoll(stage, NULL, 10)
                                  : stage_id(w, job, stage, err, sizeof err);
    if (id == 0) {
      w_error(w, &s->loc, "person: %s", err);
      kv_free(&k);
      return;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    kv_put(&k, "stage", buf);
  }
  cJSON *res = action(w, &s->loc, "add_candidate", &k);
  if (res)
    trace_add(&w->tr, w_now(w), "run", "person %s %s is candidate %lld",
              first, last, (long long)json_id(res, "id"));
  cJSON_Delete(res);
  kv_free(&k);
}

static const char *jstr(const cJSON *o, const char *k)
{
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
  return v ? v : "";
}

/* Mint fresh credentials and (re)connect the organization. */
static void do_connect(struct world *w, const struct scn_stmt *s, bool fresh)
{
  char err[512];
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  if (s->name)
    snprintf(w->user, sizeof w->user, "%s", s->name);
  if (s->flags)
    w->auth = (enum scn_auth)(s->flags - 1);
  if (w->user[0] == '\0')
    snprintf(w->user, sizeof w->user, "4000001");
  struct atsync_credentials cr = {.kind = w->ats,
                                  .base_url = sim_base_url(w->sim)};
  char secret[128] = "", code[128] = "";
  cJSON *res = NULL;
  if (w->auth == SCN_AUTH_API_KEY) {
    if (sim_credential_add(w->sim, "api_key", NULL, 0, &res, err,
                           sizeof err) != 0) {
      w_error(w, &s->loc, "%s", err);
      return;
    }
    snprintf(w->key_cred, sizeof w->key_cred, "%s", jstr(res, "id"));
    snprintf(secret, sizeof secret, "%s", jstr(res, "key"));
    cJSON_Delete(res);
    strlist_add(&w->secrets, secret);
    strlist_add(&w->creds, w->key_cred);
    cr.auth = ATSYNC_AUTH_API_KEY;
    cr.api_key = secret;
    cr.on_behalf_of = w->user;
  } else {
    /* fresh credentials: oauth gets a new authorization below; client
     * credentials have nothing but the client, so a new client */
    if (w->client_cred[0] == '\0' || (fresh && s->kind == SCN_S_CONNECT) ||
        (s->kind == SCN_S_RECONNECT &&
         w->auth == SCN_AUTH_CLIENT_CREDENTIALS)) {
      struct sim_kv kv[] = {{"user", w->user}};
      if (sim_credential_add(w->sim, "oauth_client", kv, 1, &res, err,
                             sizeof err) != 0) {
        w_error(w, &s->loc, "%s", err);
        return;
      }
      snprintf(w->client_cred, sizeof w->client_cred, "%s", jstr(res, "id"));
      snprintf(w->client_id, sizeof w->client_id, "%s",
               jstr(res, "client_id"));
      snprintf(w->client_secret, sizeof w->client_secret, "%s",
               jstr(res, "client_secret"));
      cJSON_Delete(res);
      strlist_add(&w->secrets, w->client_secret);
      strlist_add(&w->creds, w->client_cred);
    }
    cr.client_id = w->client_id;
    cr.client_secret = w->client_secret;
    if (w->auth == SCN_AUTH_OAUTH) {
      struct sim_kv kv[] = {{"client", w->client_cred}, {"user", w->user}};
      if (sim_credential_add(w->sim, "authorization_code", kv, 2, &res, err,
                             sizeof err) != 0) {
        w_error(w, &s->loc, "%s", err);
        return;
      }
      snprintf(code, sizeof code, "%s", jstr(res, "code"));
      cJSON_Delete(res);
      strlist_add(&w->secrets, code);
      cr.auth = ATSYNC_AUTH_OAUTH_CODE;
      cr.auth_code = code;
    } else {
      cr.auth = ATSYNC_AUTH_CLIENT_CREDENTIALS;
      cr.sub = w->user;
    }
  }
  if (atsync_connect(w->eng, w->org, &cr, err, sizeof err) != 0) {
    w_error(w, &s->loc, "connect: %s", err);
    return;
  }
  w->connected_once = true;
  trace_add(&w->tr, w_now(w), "run", "%s with %s as user %s",
            s->kind == SCN_S_RECONNECT ? "reconnect" : "connect",
            w->auth == SCN_AUTH_API_KEY ? w->key_cred : w->client_cred,
            w->user);
}

static void fill_candidate(const struct scn_stmt *s, struct atsync_candidate *c,
                           const char *ref, char *email_default, size_t elen,
                           char *first_default, size_t flen, bool patch)
{
  memset(c, 0, sizeof *c);
  c->ref = ref;
  for (size_t i = 0; i < s->nkv; i++) {
    const struct scn_kv *p = &s->kv[i];
    if (strcmp(p->key, "email") == 0) {
      if (c->nemails < ATSYNC_MAX_EMAILS)
        c->emails[c->nemails++] = p->value;
    } else if (strcmp(p->key, "first") == 0) {
      c->first = p->value;
    } else if (strcmp(p->key, "last") == 0) {
      c->last = p->value;
    } else if (strcmp(p->key, "phone") == 0) {
      c->phone = p->value;
    } else if (strcmp(p->key, "job") == 0) {
      c->job = p->value;
    } else if (strcmp(p->key, "stage") == 0) {
      c->stage = p->value;
    }
  }
  if (patch)
    return;
  if (c->nemails == 0) {
    snprintf(email_default, elen, "%s@example.com", ref);
    c->emails[c->nemails++] = email_default;
  }
  if (c->first == NULL) {
    snprintf(first_default, flen, "%s", ref);
    first_default[0] = (char)toupper((unsigned char)first_default[0]);
    c->first = first_default;
  }
  if (c->last == NULL)
    c->last = "Example";
}

static void do_approve(struct world *w, const struct scn_stmt *s)
{
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  long lo = s->range ? s->range_lo : 0, hi = s->range ? s->range_hi : 0;
  for (long i = lo; i <= hi && !w->failed; i++) {
    char ref[96], email[160], first[96], err[512];
    if (s->range)
      snprintf(ref, sizeof ref, "%s%ld", s->name, i);
    else
      snprintf(ref, sizeof ref, "%s", s->name);
    struct atsync_candidate c;
    fill_candidate(s, &c, ref, email, sizeof email, first, sizeof first,
                   false);
    if (atsync_approve(w->eng, w->org, &c, NULL, err, sizeof err) != 0)
      w_error(w, &s->loc, "approve %s: %s", ref, err);
  }
}

static void do_update(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  struct atsync_candidate c;
  char rb[64];
  const char *ref = who_ref(w, s->name, rb, sizeof rb);
  fill_candidate(s, &c, ref, NULL, 0, NULL, 0, true);
  if (atsync_update(w->eng, w->org, ref, &c, err, sizeof err) != 0)
    w_error(w, &s->loc, "update %s: %s", s->name, err);
}

static void do_fault(struct world *w, const struct scn_stmt *s)
{
  struct kvs k = {0};
  for (size_t i = 0; i < s->nkv; i++)
    kv_put(&k, s->kv[i].key, s->kv[i].value);
  char err[512];
  int id;
  if (sim_fault_add(w->sim, s->name, k.v, k.n, &id, err, sizeof err) != 0) {
    w_error(w, &s->loc, "%s", err);
  } else {
    trace_add(&w->tr, w_now(w), "run", "fault#%d: %s", id, s->text);
    if (s->value) {
      struct label *v = realloc(w->labels, (w->nlabels + 1) * sizeof *v);
      if (v == NULL)
        abort();
      w->labels = v;
      w->labels[w->nlabels].name = xstrdup(s->value);
      w->labels[w->nlabels].id = id;
      w->nlabels++;
    }
  }
  kv_free(&k);
}

static void do_clear_fault(struct world *w, const struct scn_stmt *s)
{
  for (size_t i = 0; i < w->nlabels; i++) {
    if (strcmp(w->labels[i].name, s->name) == 0) {
      sim_fault_clear(w->sim, w->labels[i].id);
      return;
    }
  }
  w_error(w, &s->loc, "no fault is named '%s'", s->name);
}

static void do_action(struct world *w, const struct scn_stmt *s)
{
  struct kvs k = {0};
  if (resolve_action(w, s, &k)) {
    cJSON *res = action(w, &s->loc, s->name, &k);
    if (res) {
      char line[600] = "";
      for (size_t i = 0; i < k.n; i++) {
        size_t o = strlen(line);
        snprintf(line + o, sizeof line - o, " %s=%s", k.v[i].key,
                 k.v[i].value);
      }
      char *out = cJSON_PrintUnformatted(res);
      trace_add(&w->tr, w_now(w), "run", "action %s%s -> %s", s->name, line,
                out ? out : "");
      free(out);
    }
    cJSON_Delete(res);
  }
  kv_free(&k);
}

static void do_engine(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  if (s->kind == SCN_S_RESTART_ENGINE || s->kind == SCN_S_STOP_ENGINE) {
    if (w->eng == NULL) {
      w_error(w, &s->loc, "the engine is already stopped");
      return;
    }
    w_collect(w);
    atsync_close(w->eng); /* no cleanup: what was in flight is abandoned */
    w->eng = NULL;
  }
  if (s->kind == SCN_S_RESTART_ENGINE || s->kind == SCN_S_START_ENGINE) {
    if (w->eng != NULL) {
      w_error(w, &s->loc, "the engine is already running");
      return;
    }
    if (engine_open(w, err, sizeof err) != 0)
      w_error(w, &s->loc, "the engine did not start: %s", err);
  }
}

#define LREF(s) lineref(w, &(s)->loc, lr, sizeof lr)

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

static void do_expect(struct world *w, const struct scn_stmt *s)
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
      if (!run_to(w, end))
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

/* ---- the timeline -------------------------------------------------------------- */

static void do_stmt(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  switch (s->kind) {
  case SCN_S_WAIT:
    break;
  case SCN_S_USER:
    do_user(w, s);
    break;
  case SCN_S_JOB:
    do_job(w, s);
    break;
  case SCN_S_PERSON:
    do_person(w, s);
    break;
  case SCN_S_SETTING:
    if (sim_setting(w->sim, s->name, s->value, err, sizeof err) != 0)
      w_error(w, &s->loc, "%s", err);
    break;
  case SCN_S_CONNECT:
    do_connect(w, s, !w->connected_once);
    break;
  case SCN_S_RECONNECT:
    do_connect(w, s, false);
    break;
  case SCN_S_DISCONNECT:
    if (w->eng == NULL)
      w_error(w, &s->loc, "the engine is stopped (start engine first)");
    else if (atsync_disconnect(w->eng, w->org, err, sizeof err) != 0)
      w_error(w, &s->loc, "disconnect: %s", err);
    break;
  case SCN_S_MAP_JOB:
  case SCN_S_MAP_STAGE:
    if (w->eng == NULL) {
      w_error(w, &s->loc, "the engine is stopped (start engine first)");
    } else if ((s->kind == SCN_S_MAP_JOB
                    ? atsync_map_job(w->eng, w->org, s->name, s->value, err,
                                     sizeof err)
                    : atsync_map_stage(w->eng, w->org, s->name, s->value, err,
                                       sizeof err)) != 0) {
      w_error(w, &s->loc, "%s", err);
    }
    break;
  case SCN_S_APPROVE:
    do_approve(w, s);
    break;
  case SCN_S_UPDATE:
    do_update(w, s);
    break;
  case SCN_S_FAULT:
    do_fault(w, s);
    break;
  case SCN_S_CLEAR_FAULT:
    do_clear_fault(w, s);
    break;
  case SCN_S_CLEAR_FAULTS:
    sim_fault_clear_all(w->sim);
    break;
  case SCN_S_ACTION:
    do_action(w, s);
    break;
  case SCN_S_RESTART_ENGINE:
  case SCN_S_STOP_ENGINE:
  case SCN_S_START_ENGINE:
    do_engine(w, s);
    break;
  case SCN_S_EXPECT:
    do_expect(w, s);
    break;
  }
}

static void timeline(struct world *w)
{
  char lr[300];
  const struct scn_scenario *sc = w->sc;
  char d1[32], d2[32];
  for (size_t i = 0; i < sc->nstmts && !w->failed && !w->stopped; i++) {
    const struct scn_stmt *s = &sc->stmts[i];
    int64_t t = s->when == SCN_W_AT      ? s->when_ms
                : s->when == SCN_W_AFTER ? w->done_at + s->when_ms
                                         : w->done_at;
    if (t < w_now(w)) {
      w_error(w, &s->loc,
              "this statement is due at %s, but the clock is already at %s "
              "(an earlier expectation ran that long): use 'after'",
              at_duration_format(t, d1, sizeof d1),
              at_duration_format(w_now(w), d2, sizeof d2));
      break;
    }
    if (w->o->until_ms > 0 && t > w->o->until_ms) {
      run_to(w, w->o->until_ms);
      trace_add(&w->tr, w_now(w), "run", "stopped by --until before %s",
                LREF(s));
      w->stopped = true;
      break;
    }
    if (!run_to(w, t))
      break;
    if (s->kind != SCN_S_EXPECT && s->kind != SCN_S_WAIT)
      trace_add(&w->tr, w_now(w), "run", "%s: %s", LREF(s), s->text);
    do_stmt(w, s);
    if (!w->failed)
      settle(w);
    w->done_at = w_now(w);
  }
}

/* ---- the result -------------------------------------------------------------- */

static double wall_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}


static void fill_result(struct world *w, struct scn_result *r)
{
  r->hash = w->tr.hash;
  r->virtual_ms = w_now(w);
  r->expectations = w->expectations;
  r->checks = w->checks;
  for (size_t i = 0; i < w->njournal; i++) {
    int st = w->journal[i].status;
    r->requests++;
    if (st == 0)
      r->no_response++;
    else if (st == 429)
      r->status_429++;
    if (st >= 200 && st < 300)
      r->status_2xx++;
    else if (st >= 400 && st < 500)
      r->status_4xx++;
    else if (st >= 500)
      r->status_5xx++;
  }
  const struct scn_scenario *sc = w->sc;
  if (w->failed) {
    r->verdict = sc->pending ? SCN_PENDING : w->error ? SCN_ERROR : SCN_FAIL;
    r->message = xstrdup(w->message);
    size_t at = w->failed_line >= 0 ? (size_t)w->failed_line : w->tr.n;
    size_t from = at > 24 ? at - 24 : 0;
    r->excerpt = trace_join(&w->tr, from, at + 1, "");
  } else if (sc->pending && w->stopped) {
    r->verdict = SCN_PENDING; /* stopped by --until: not a verdict on it */
  } else if (sc->pending) {
    r->verdict = SCN_PENDING_PASSED;
    r->message = xasprintf(
        "%s: this scenario passes but is marked pending (\"%s\"): the work "
        "is done, remove its pending line",
        sc->path, sc->pending);
  } else {
    r->verdict = SCN_PASS;
  }
  if (w->o->keep_trace)
    r->trace = trace_join(&w->tr, 0, w->tr.n, "");
}

enum scn_verdict scn_run(const struct scn_scenario *sc, const char *ats,
                         const struct scn_run_opts *o, struct scn_result *r)
{
  static const struct scn_run_opts none;
  if (o == NULL)
    o = &none;
  double wall0 = wall_now_ms();
  memset(r, 0, sizeof *r);
  uint64_t seed = o->seed_set ? o->seed : sc->has_seed ? sc->seed : 1;
  r->file = xstrdup(sc->path);
  r->title = xstrdup(sc->title);
  r->ats = xstrdup(ats);
  r->tags = scn_str_join(sc->tags, sc->ntags);
  r->causes = scn_str_join(sc->causes, sc->ncauses);
  r->pending = sc->pending ? xstrdup(sc->pending) : NULL;
  r->seed = seed;
  char qpath[1200];
  scn_str_shell_quote(sc->path, SCN_SHELL_PLAIN, qpath, sizeof qpath);
  r->repro = xasprintf("%s run %s --ats %s --seed %" PRIu64,
                       o->argv0 ? o->argv0 : "atsim", qpath, ats, seed);

  struct world w;
  memset(&w, 0, sizeof w);
  w.sc = sc;
  w.ats = ats;
  w.o = o;
  w.r = r;
  w.failed_line = -1;
  w.auth = sc->auth;
  trace_init(&w.tr);
  char err[512];
  if (world_open(&w, seed, err, sizeof err) != 0) {
    w_error(&w, NULL, "could not set up the run: %s", err);
  } else {
    trace_add(&w.tr, 0, "run", "\"%s\" on %s, seed %" PRIu64, sc->title, ats,
              seed);
    timeline(&w);
    if (!w.failed && !w.stopped)
      checks_run(&w);
    w_collect(&w);
  }
  fill_result(&w, r);
  world_close(&w);
  r->wall_ms = wall_now_ms() - wall0;
  return r->verdict;
}

void scn_result_free(struct scn_result *r)
{
  if (r == NULL)
    return;
  free(r->file);
  free(r->title);
  free(r->ats);
  free(r->tags);
  free(r->causes);
  free(r->pending);
  free(r->message);
  free(r->excerpt);
  free(r->trace);
  free(r->repro);
  memset(r, 0, sizeof *r);
}
