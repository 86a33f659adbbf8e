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

char *scn_xstrdup(const char *s)
{
  char *d = strdup(s ? s : "");
  if (d == NULL)
    abort();
  return d;
}

char *scn_xasprintf(const char *fmt, ...)
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
const char *w_lineref(const struct world *w, const struct scn_loc *loc,
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
  w->message = at[0] ? scn_xasprintf("%s: %s", at, text) : scn_xstrdup(text);
  char first[300];
  snprintf(first, sizeof first, "%s", text);
  first[strcspn(first, "\n")] = '\0';
  char lr[300];
  w->failed_line = (int)trace_add(&w->tr, w_now(w), "FAIL", "%s: %s",
                                  w_lineref(w, loc, lr, sizeof lr), first);
}

/* A failure that means the scenario could not run as written. */
void w_error(struct world *w, const struct scn_loc *loc, const char *fmt, ...)
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

static void delivery_keep(struct world *w, const struct sim_delivery *d)
{
  if (w->ndeliveries == w->capdeliveries) {
    w->capdeliveries = w->capdeliveries ? w->capdeliveries * 2 : 64;
    struct sim_delivery *v =
        realloc(w->deliveries, w->capdeliveries * sizeof *v);
    if (v == NULL)
      abort();
    w->deliveries = v;
  }
  w->deliveries[w->ndeliveries++] = *d;
}

/* A webhook delivery attempt of the fake ATS (or an event it dropped
 * before any attempt), at the time the attempt left:
 * "hook#1 candidate_stage_change EVENT_ID attempt 1 -> 200 in 3ms:
 * delivered [fault#N KINDS] [(note)] #BODYHASH". */
static void trace_delivery(struct world *w, const struct sim_delivery *d)
{
  char status[48], extra[200] = "";
  size_t o = 0;
  if (d->fault)
    o += (size_t)snprintf(extra + o, sizeof extra - o, " fault#%d %s",
                          d->fault, d->fault_kind);
  if (d->note[0] && o < sizeof extra)
    o += (size_t)snprintf(extra + o, sizeof extra - o, " (%s)", d->note);
  if (d->attempt == 0) {
    trace_add(&w->tr, d->t - w->t0, "hook", "hook#%d %s%s%s %s%s", d->hook,
              d->action, d->event_id[0] ? " " : "", d->event_id, d->outcome,
              extra);
    return;
  }
  if (d->status)
    snprintf(status, sizeof status, "%d", d->status);
  else
    snprintf(status, sizeof status, "no answer");
  trace_add(&w->tr, d->t - w->t0, "hook",
            "hook#%d %s %s attempt %d -> %s in %lldms: %s%s #%016" PRIx64,
            d->hook, d->action, d->event_id, d->attempt, status,
            (long long)(d->done - d->t), d->outcome, extra, d->body_hash);
}

static void trace_log(struct world *w, const struct atsync_log_entry *l)
{
  trace_add(&w->tr, l->at - w->t0, "engine", "%s%s%s: %s", l->candidate,
            l->candidate[0] ? " " : "", l->kind, l->message);
  w->log_seen = l->id;
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
  /* what happened since the last call: the journal (every entry here is
   * decided, the loop settled; its answer may still be on its way), the
   * webhook deliveries whose outcome is known, and the engine's log;
   * merged by time: on a tie a delivery first (what it makes the engine
   * do comes after it), then the journal, then the log */
  struct sim_journal_entry buf[256];
  struct sim_delivery dbuf[64];
  struct logbuf lb = {0};
  if (w->eng)
    atsync_log(w->eng, w->org, w->log_seen, log_keep, &lb);
  size_t j0 = w->njournal, d0 = w->ndeliveries;
  for (size_t n; (n = sim_journal_read(w->sim, w->journal_seen, buf,
                                       sizeof buf / sizeof *buf)) > 0;) {
    for (size_t i = 0; i < n; i++)
      journal_keep(w, &buf[i]);
    w->journal_seen = buf[n - 1].n;
  }
  for (size_t n; (n = sim_deliveries_read(w->sim, w->deliveries_seen, dbuf,
                                          sizeof dbuf / sizeof *dbuf)) > 0;) {
    for (size_t i = 0; i < n; i++)
      delivery_keep(w, &dbuf[i]);
    w->deliveries_seen = dbuf[n - 1].n;
  }
  size_t ji = j0, di = d0, li = 0;
  while (ji < w->njournal || di < w->ndeliveries || li < lb.n) {
    int64_t jt = ji < w->njournal ? w->journal[ji].t : INT64_MAX;
    int64_t dt = di < w->ndeliveries ? w->deliveries[di].t : INT64_MAX;
    int64_t lt = li < lb.n ? lb.v[li].at : INT64_MAX;
    if (di < w->ndeliveries && dt <= jt && dt <= lt)
      trace_delivery(w, &w->deliveries[di++]);
    else if (ji < w->njournal && jt <= lt)
      trace_journal(w, &w->journal[ji++]);
    else
      trace_log(w, &lb.v[li++]);
  }
  free(lb.v);
}

/* ---- the world --------------------------------------------------------------- */

int w_engine_open(struct world *w, char *err, size_t errlen)
{
  /* the same port every time: the ATS's subscription names it */
  w->ecfg.webhook_port = w->hook_port;
  w->eng = atsync_open(&w->ecfg, err, errlen);
  if (w->eng == NULL)
    return -1;
  if (atsync_org(w->eng, "acme", &w->org, err, errlen) != 0) {
    atsync_close(w->eng);
    w->eng = NULL;
    return -1;
  }
  if (w->hook_port == 0)
    w->hook_port = atsync_webhook_port(w->eng);
  if (w->hooks_down && atsync_webhook_set_down(w->eng, true) != 0) {
    snprintf(err, errlen, "could not take the webhook endpoint down");
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
  w->ecfg.poll_interval_ms = sc->poll_ms;
  w->ecfg.webhook_listen = true;
  w->ecfg.webhook_bind = "127.0.0.1";
  w->last_state = ATSYNC_NOT_CONNECTED;
  return w_engine_open(w, err, errlen);
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
  free(w->deliveries);
  cJSON_Delete(w->ats_state);
  trace_free(&w->tr);
  free(w->message);
}

/* Run the loop to 'offset'; false (and a failure) on a stall. */
bool w_run_to(struct world *w, int64_t offset)
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


#define LREF(s) w_lineref(w, &(s)->loc, lr, sizeof lr)

/* 'on NAME,...': is the statement for this ATS? */
static bool stmt_is_for(const struct scn_stmt *s, const char *ats)
{
  for (size_t i = 0; i < s->non; i++)
    if (strcmp(s->on[i], ats) == 0)
      return true;
  return false;
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
      w_run_to(w, w->o->until_ms);
      trace_add(&w->tr, w_now(w), "run", "stopped by --until before %s",
                LREF(s));
      w->stopped = true;
      break;
    }
    if (!w_run_to(w, t))
      break;
    if (s->non > 0 && !stmt_is_for(s, w->ats)) {
      w->done_at = w_now(w);
      continue;
    }
    if (s->kind != SCN_S_EXPECT && s->kind != SCN_S_WAIT)
      trace_add(&w->tr, w_now(w), "run", "%s: %s", LREF(s), s->text);
    stmt_run(w, s);
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
    r->message = scn_xstrdup(w->message);
    size_t at = w->failed_line >= 0 ? (size_t)w->failed_line : w->tr.n;
    size_t from = at > 24 ? at - 24 : 0;
    r->excerpt = trace_join(&w->tr, from, at + 1, "");
  } else if (sc->pending && w->stopped) {
    r->verdict = SCN_PENDING; /* stopped by --until: not a verdict on it */
  } else if (sc->pending) {
    r->verdict = SCN_PENDING_PASSED;
    r->message = scn_xasprintf(
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
  r->file = scn_xstrdup(sc->path);
  r->title = scn_xstrdup(sc->title);
  r->ats = scn_xstrdup(ats);
  r->tags = scn_str_join(sc->tags, sc->ntags);
  r->causes = scn_str_join(sc->causes, sc->ncauses);
  r->pending = sc->pending ? scn_xstrdup(sc->pending) : NULL;
  r->seed = seed;
  char qpath[1200];
  scn_str_shell_quote(sc->path, SCN_SHELL_PLAIN, qpath, sizeof qpath);
  r->repro = scn_xasprintf("%s run %s --ats %s --seed %" PRIu64,
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
