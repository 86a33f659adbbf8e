/* pull.c — the status pull: what recruiters do in the ATS comes back to
 * our candidates.
 *
 * Two ways in, one way to apply:
 *   - a webhook is a hint: webhook.c stores the application to read again
 *     (table pulls) and this module reads it (OP_READ_APP) and applies the
 *     state it reads, never what the payload claimed, so a stale,
 *     duplicated or reordered event changes nothing wrong;
 *   - the poll is the backstop: every poll interval, the applications
 *     changed since the poll cursor, page by page; and, first, the people
 *     changed since the people cursor (the index duplicate detection
 *     uses) when a create is about to use it and it is older than a poll
 *     interval — an idle connection costs one request a poll. Each
 *     page is applied in one transaction; a cursor moves only after every
 *     page of its walk is stored, to when the walk began, less a minute of
 *     overlap for late-visible changes and clock skew, so it never runs
 *     ahead of stored data.
 * Failures go through fail.c, as a push's do: a poll or a read that hits a
 * 429, an outage or a revoked credential changes the connection's state
 * and holds off with it. */
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"

/* A cursor is set this far before the walk began: a change that
 * became visible late (replication in the ATS) is read again, harmlessly. */
#define CURSOR_OVERLAP (60 * 1000)
#define DEFAULT_POLL (5 * 60 * 1000)

struct pull {
  struct conn *c;
  int generation;
  char app[64];
  char why[32];
  int64_t seq;         /* the hint being answered (see pull_queue) */
  bool refreshed;
  unsigned token_gen;  /* the connection's token_gen when sent */
  struct request *rq;
};

enum phase { PHASE_PEOPLE, PHASE_APPS };

struct poll {
  struct conn *c;
  int generation;
  enum phase phase;
  int64_t since;
  int64_t started;     /* when this phase's walk began (our clock) */
  bool refreshed;
  unsigned token_gen;  /* the connection's token_gen when sent */
  int pages;
  struct request *rq;
};

static int64_t poll_every(const struct conn *c)
{
  int64_t v = c->e->cfg.poll_interval_ms;
  return v == 0 ? DEFAULT_POLL : v;
}

/* ---- applying what the ATS shows ------------------------------------------------ */

static bool lookup_map(struct conn *c, const char *sql, const char *key,
                       char *out, size_t len)
{
  bool hit = store_q(c->e->st, sql, "Is", c->org, key) == SQLITE_ROW;
  if (hit)
    store_col_text(c->e->st, 0, out, len);
  store_done(c->e->st);
  return hit;
}

bool pull_status_for(struct conn *c, const char *ats_status,
                     const char *stage_name, char *out, size_t len)
{
  static const char by_status[] =
      "SELECT ours FROM status_maps WHERE org_id = ? AND ats = ?";
  static const char by_stage[] = "SELECT ours FROM stage_maps WHERE org_id = "
                                 "? AND ats = ? ORDER BY ours LIMIT 1";
  if (!strcmp(ats_status, "rejected") || !strcmp(ats_status, "hired")) {
    if (!lookup_map(c, by_status, ats_status, out, len))
      snprintf(out, len, "%s", ats_status);
    return true;
  }
  if (strcmp(ats_status, "active") != 0 || !stage_name[0])
    return false; /* converted (a prospect) or nothing known */
  return lookup_map(c, by_status, stage_name, out, len) ||
         lookup_map(c, by_stage, stage_name, out, len);
}

struct ours {
  int64_t id;
  char ref[64], cand[64], ats_status[16], stage_id[64], stage[128],
      status[64];
  int64_t ats_updated; /* the ATS's time of the state we applied last */
};

static bool find_ours(struct conn *c, const char *app, struct ours *o)
{
  struct store *st = c->e->st;
  bool hit = store_q(st,
                     "SELECT id, ref, ats_candidate_id, ats_status, "
                     "ats_stage_id, ats_stage, status, ats_updated FROM "
                     "candidates WHERE org_id = ? AND ats_application_id = ? "
                     "ORDER BY id LIMIT 1",
                     "Is", c->org, app) == SQLITE_ROW;
  if (hit) {
    o->id = store_col_int(st, 0);
    store_col_text(st, 1, o->ref, sizeof o->ref);
    store_col_text(st, 2, o->cand, sizeof o->cand);
    store_col_text(st, 3, o->ats_status, sizeof o->ats_status);
    store_col_text(st, 4, o->stage_id, sizeof o->stage_id);
    store_col_text(st, 5, o->stage, sizeof o->stage);
    store_col_text(st, 6, o->status, sizeof o->status);
    o->ats_updated = store_col_int(st, 7);
  }
  store_done(st);
  return hit;
}

/* How the application changed, in the words of the sync log. */
static void describe(const struct ours *o, const struct ats_record *r,
                     const char *ats, char *buf, size_t len)
{
  if (!strcmp(r->status, "rejected"))
    snprintf(buf, len, "Rejected in %s", ats);
  else if (!strcmp(r->status, "hired"))
    snprintf(buf, len, "Hired in %s", ats);
  else if (strcmp(r->status, "active") != 0 || !r->stage_name[0])
    snprintf(buf, len, "%s shows the application as '%s'", ats, r->status);
  else if (!strcmp(o->ats_status, "rejected") ||
           !strcmp(o->ats_status, "hired"))
    snprintf(buf, len, "Back in '%s' in %s (the %s was undone)",
             r->stage_name, ats,
             strcmp(o->ats_status, "rejected") ? "hire" : "rejection");
  else
    snprintf(buf, len, "Moved to '%s' in %s", r->stage_name, ats);
}

void pull_apply(struct conn *c, const struct ats_record *r, const char *how)
{
  struct atsync *e = c->e;
  struct ours o;
  if (!r->application_id[0] || !find_ours(c, r->application_id, &o))
    return; /* not an application atsync made or found */
  if (r->updated && o.ats_updated && r->updated < o.ats_updated)
    return; /* older than what was applied (a slow page, a late read) */
  if (push_running(e, o.id)) {
    /* a push of this candidate is writing its ids and stage: read the
     * application again once it is done, never race it */
    store_q(e->st,
            "INSERT INTO pulls (org_id, application_id, due, why, seq) "
            "VALUES (?, ?, ?, ?, 1) ON CONFLICT (org_id, application_id) DO "
            "UPDATE SET due = excluded.due, seq = seq + 1",
            "IsIs", c->org, r->application_id, eng_now(e) + 5000, how);
    return;
  }
  const char *ats = c->ops->display;
  if (r->candidate_id[0] && o.cand[0] && strcmp(r->candidate_id, o.cand)) {
    /* the person was merged into another: the application moved with it */
    store_q(e->st, "UPDATE candidates SET ats_candidate_id = ? WHERE id = ?",
            "sI", r->candidate_id, o.id);
    eng_log(e, c->org, o.ref, "merge", "%s merged candidate %s into "
            "candidate %s; atsync follows %s (application %s)", ats, o.cand,
            r->candidate_id, r->candidate_id, r->application_id);
  }
  if (!r->status[0])
    return; /* nothing but ids: nothing to apply */
  if (r->updated > o.ats_updated)
    store_q(e->st, "UPDATE candidates SET ats_updated = ? WHERE id = ?",
            "II", r->updated, o.id);
  bool same = !strcmp(o.ats_status, r->status) &&
              (!r->stage_id[0] || !strcmp(o.stage_id, r->stage_id));
  if (same)
    return; /* a duplicate, or a stale event that matches what we know */
  char status[64], change[300];
  bool mapped = pull_status_for(c, r->status, r->stage_name, status,
                                sizeof status);
  if (!mapped)
    snprintf(status, sizeof status, "%s", o.status);
  describe(&o, r, ats, change, sizeof change);
  /* the first read after the push (its own echo, usually) only confirms
   * what the push did (active, where it put the application): recorded
   * quietly */
  bool quiet = !o.ats_status[0] && !strcmp(r->status, "active") &&
               (!r->stage_id[0] || !strcmp(r->stage_id, o.stage_id));
  store_q(e->st,
          "UPDATE candidates SET status = ?, ats_status = ?, ats_stage_id = "
          "coalesce(?, ats_stage_id), ats_stage = coalesce(?, ats_stage), "
          "status_at = ? WHERE id = ?",
          "ssssII", status, r->status, r->stage_id[0] ? r->stage_id : NULL,
          r->stage_name[0] ? r->stage_name : NULL, eng_now(e), o.id);
  if (quiet)
    return;
  if (mapped)
    eng_log(e, c->org, o.ref, "status", "%s: status '%s' (read after a %s)",
            change, status, how);
  else
    eng_log(e, c->org, o.ref, "status", "%s (read after a %s), which no "
            "status mapping covers: the status stays '%s'. Map '%s' in "
            "Settings > Status mapping to follow it.", change, how,
            status[0] ? status : "approved",
            r->stage_name[0] ? r->stage_name : r->status);
}

/* Each hint bumps the row's seq: a read deletes the row only if no newer
 * hint arrived while it was in flight (that one is read again). */
void pull_queue(struct conn *c, const char *app, const char *why)
{
  store_q(c->e->st,
          "INSERT INTO pulls (org_id, application_id, due, why, seq) VALUES "
          "(?, ?, ?, ?, 1) ON CONFLICT (org_id, application_id) DO UPDATE SET "
          "due = min(due, excluded.due), why = excluded.why, seq = seq + 1",
          "IsIs", c->org, app, eng_now(c->e), why);
}

bool pull_pending(struct conn *c, const char *app)
{
  if (c->pull && !strcmp(c->pull->app, app))
    return true;
  bool hit = store_q(c->e->st, "SELECT 1 FROM pulls WHERE org_id = ? AND "
                               "application_id = ?",
                     "Is", c->org, app) == SQLITE_ROW;
  store_done(c->e->st);
  return hit;
}

/* ---- the people index ----------------------------------------------------------- */

void pull_forget_person(struct conn *c, const char *ats_id)
{
  store_q(c->e->st, "DELETE FROM people WHERE org_id = ? AND ats_id = ?",
          "Is", c->org, ats_id);
}

static void index_person(struct conn *c, const struct ats_record *r)
{
  pull_forget_person(c, r->candidate_id);
  if (r->merged_into[0] || r->deleted)
    return;
  char email[128];
  norm_email_key(r->emails[0], email, sizeof email);
  char key[300];
  norm_name_key(r->first, r->last, key, sizeof key);
  for (size_t i = 0; i < 3 && r->phones[i][0]; i++) {
    char e164[64], why[200];
    if (norm_phone_e164(r->phones[i], c->default_country, e164, sizeof e164,
                        why, sizeof why) != 0)
      continue; /* a number we cannot compare is no evidence */
    store_q(c->e->st,
            "INSERT OR IGNORE INTO people (org_id, ats_id, name_key, phone, "
            "email) VALUES (?, ?, ?, ?, ?)",
            "Issss", c->org, r->candidate_id, key, e164, email);
  }
}

bool pull_find_twin(struct conn *c, const char *first, const char *last,
                    const char *phone_e164, char *id, size_t len, char *email,
                    size_t elen)
{
  char key[300];
  norm_name_key(first, last, key, sizeof key);
  bool hit = store_q(c->e->st,
                     "SELECT ats_id, email FROM people WHERE org_id = ? AND "
                     "name_key = ? AND phone = ? ORDER BY length(ats_id), "
                     "ats_id LIMIT 1",
                     "Iss", c->org, key, phone_e164) == SQLITE_ROW;
  if (hit) {
    store_col_text(c->e->st, 0, id, len);
    store_col_text(c->e->st, 1, email, elen);
  }
  store_done(c->e->st);
  return hit;
}

void pull_people_reset(struct conn *c)
{
  store_q(c->e->st, "DELETE FROM people WHERE org_id = ?", "I", c->org);
  store_q(c->e->st, "UPDATE connections SET people_ready = 0, people_cursor "
                    "= 0 WHERE org_id = ?", "I", c->org);
  c->people_ready = false;
  c->people_cursor = 0;
  c->people_at = 0;
}

/* ---- failures ------------------------------------------------------------------- */

/* What a failed read means: the connection's state changes as for a push;
 * returns when to try again (INT64_MAX: when the connection is repaired),
 * or 0 to try again now with a fresh token. 'gen': the connection's
 * token_gen when the read was sent. */
static int64_t failed(struct conn *c, enum op op, struct op_result *r,
                      bool *refreshed, unsigned gen)
{
  char msg[600];
  int64_t now = eng_now(c->e);
  switch (r->outcome) {
  case OUT_AUTH:
    if (c->auth != ATSYNC_AUTH_API_KEY && gen != c->token_gen)
      return 0; /* sent with a token a racing refresh replaced: again */
    /* one refresh, then the same read; a 401 again soon after a refresh
     * made for a read is final (the flag lives on the connection: the
     * read itself is gone by the next try) */
    if (c->auth != ATSYNC_AUTH_API_KEY && !*refreshed &&
        (!c->pull_refresh_at || now - c->pull_refresh_at > 60000)) {
      *refreshed = true;
      c->pull_refresh_at = now;
      auth_invalidate(c);
      return 0;
    }
    conn_auth_failed(c, r, msg, sizeof msg);
    return INT64_MAX;
  case OUT_PERMISSION:
    return conn_permission(c, op, r, msg, sizeof msg);
  case OUT_TRANSIENT:
  case OUT_UNKNOWN:
    return r->throttled ? conn_throttled(c, r, msg, sizeof msg)
                        : conn_outage(c, r, msg, sizeof msg);
  default: /* refused for this input: not the connection's problem */
    return now + RECHECK_MS;
  }
}

static void ok(struct conn *c, enum op op)
{
  conn_success(c);
  if (c->state == ATSYNC_PERMISSION_MISSING &&
      (c->denied_op == op || c->denied_op == OP__COUNT)) {
    c->hold_attempts = 0;
    c->hold_until = 0;
    conn_set_state(c, ATSYNC_CONNECTED, "");
  }
}

/* ---- reading one application ----------------------------------------------------- */

static void pull_free(struct conn *c)
{
  struct pull *p = c->pull;
  c->pull = NULL;
  request_cancel(p->rq);
  free(p);
  eng_kick(c->e, 0);
}

static void on_read(void *ud, struct op_result *r)
{
  struct pull *p = ud;
  struct conn *c = p->c;
  struct atsync *e = c->e;
  struct store *st = e->st;
  p->rq = NULL;
  if (p->generation != c->generation) {
    pull_free(c);
    return;
  }
  if (r->outcome == OUT_OK || r->outcome == OUT_NOT_FOUND) {
    ok(c, OP_READ_APP);
    store_begin(st);
    if (r->outcome == OUT_OK) {
      pull_apply(c, &r->rec, p->why);
    } else {
      struct ours o;
      if (find_ours(c, p->app, &o) && strcmp(o.ats_status, "deleted")) {
        store_q(st, "UPDATE candidates SET ats_status = 'deleted', "
                    "status_at = ? WHERE id = ?", "II", eng_now(e), o.id);
        eng_log(e, c->org, o.ref, "status", "Application %s is gone from "
                "%s (deleted there); the status stays '%s'", p->app,
                c->ops->display, o.status);
      }
    }
    /* done, unless a newer hint arrived while the read was in flight */
    store_q(st, "DELETE FROM pulls WHERE org_id = ? AND application_id = ? "
                "AND seq = ?", "IsI", c->org, p->app, p->seq);
    if (store_commit(st) != 0)
      store_rollback(st); /* the hint stays: read again */
    pull_free(c);
    return;
  }
  int64_t again = failed(c, OP_READ_APP, r, &p->refreshed, p->token_gen);
  store_q(st,
          "UPDATE pulls SET due = ?, attempts = attempts + 1 WHERE org_id = "
          "? AND application_id = ?",
          "IIs", again == INT64_MAX ? eng_now(e) : again, c->org, p->app);
  pull_free(c);
}

static void start_read(struct conn *c, const char *app, const char *why,
                       int64_t seq)
{
  struct pull *p = calloc(1, sizeof *p);
  if (p == NULL)
    return;
  p->c = c;
  p->generation = c->generation;
  snprintf(p->app, sizeof p->app, "%s", app);
  snprintf(p->why, sizeof p->why, "%s", why);
  p->seq = seq;
  c->pull = p;
  struct op_args a = {.application_id = p->app};
  p->token_gen = c->token_gen;
  p->rq = conn_request(c, OP_READ_APP, &a, on_read, p);
  if (p->rq == NULL)
    pull_free(c);
}

/* ---- the poll --------------------------------------------------------------------- */

static void poll_free(struct conn *c)
{
  struct poll *q = c->poll;
  c->poll = NULL;
  request_cancel(q->rq);
  free(q);
  eng_kick(c->e, 0);
}

static void poll_page(struct poll *q, const char *page_url);

/* The walk of a phase is stored: its cursor moves, the next phase (or
 * the next poll) follows. */
static void phase_done(struct poll *q)
{
  struct conn *c = q->c;
  struct store *st = c->e->st;
  int64_t now = eng_now(c->e);
  /* every change before the walk began is stored now: the cursor may move
   * to then, less the overlap that absorbs a late-visible change and a
   * skew between the clocks. Never to the newest change seen: a walk of
   * several pages (paged by id) may have passed a record before it
   * changed again */
  int64_t cursor = q->started - CURSOR_OVERLAP;
  if (cursor < q->since)
    cursor = q->since;
  store_begin(st);
  if (q->phase == PHASE_PEOPLE) {
    if (!c->people_ready)
      eng_log(c->e, c->org, NULL, "poll", "Read the people already in %s "
              "(for duplicate detection by name and phone)", c->ops->display);
    c->people_cursor = cursor;
    c->people_ready = true;
    c->people_at = now;
    c->people_wanted = false;
    store_q(st, "UPDATE connections SET people_cursor = ?, people_ready = 1 "
                "WHERE org_id = ?", "II", cursor, c->org);
  } else {
    c->poll_cursor = cursor;
    c->last_poll = now;
    store_q(st, "UPDATE connections SET poll_cursor = ?, last_poll = ? "
                "WHERE org_id = ?", "III", cursor, now, c->org);
  }
  store_commit(st);
  if (q->phase == PHASE_PEOPLE) {
    q->phase = PHASE_APPS;
    q->since = c->poll_cursor;
    q->started = now;
    q->pages = 0;
    poll_page(q, NULL);
    return;
  }
  /* a create asked for the people meanwhile: poll again now */
  c->poll_at = c->people_wanted ? now : now + poll_every(c);
  poll_free(c);
}

static void on_page(void *ud, struct op_result *r)
{
  struct poll *q = ud;
  struct conn *c = q->c;
  struct store *st = c->e->st;
  q->rq = NULL;
  if (q->generation != c->generation) {
    poll_free(c);
    return;
  }
  enum op op = q->phase == PHASE_PEOPLE ? OP_CHANGED_PEOPLE : OP_CHANGED_APPS;
  if (r->outcome != OUT_OK) {
    int64_t again = failed(c, op, r, &q->refreshed, q->token_gen);
    if (again == 0) { /* a fresh token, then the same page again */
      c->poll_at = eng_now(c->e);
    } else {
      c->poll_at = again == INT64_MAX ? eng_now(c->e) + poll_every(c) : again;
    }
    poll_free(c); /* the walk starts over from the stored cursor */
    return;
  }
  ok(c, op);
  if (store_begin(st) != 0) {
    c->poll_at = eng_now(c->e) + poll_every(c); /* the cursor stays */
    poll_free(c);
    return;
  }
  for (size_t i = 0; i < r->nrecs; i++) {
    const struct ats_record *rec = &r->recs[i];
    if (q->phase == PHASE_PEOPLE)
      index_person(c, rec);
    else
      pull_apply(c, rec, "poll");
  }
  if (store_commit(st) != 0) {
    /* this page is not stored: the walk ends here and the cursor stays,
     * so the next poll reads it again */
    store_rollback(st);
    c->poll_at = eng_now(c->e) + poll_every(c);
    poll_free(c);
    return;
  }
  q->pages++;
  if (r->next_url[0]) {
    poll_page(q, r->next_url);
    return;
  }
  phase_done(q);
}

static void poll_page(struct poll *q, const char *page_url)
{
  struct op_args a = {.since = q->since, .page_url = page_url};
  enum op op = q->phase == PHASE_PEOPLE ? OP_CHANGED_PEOPLE : OP_CHANGED_APPS;
  q->token_gen = q->c->token_gen;
  q->rq = conn_request(q->c, op, &a, on_page, q);
  if (q->rq == NULL) {
    q->c->poll_at = eng_now(q->c->e) + poll_every(q->c);
    poll_free(q->c);
  }
}

/* A connection made before polling existed starts at its oldest approval
 * (nothing of ours in the ATS is older). */
static int64_t first_cursor(struct conn *c)
{
  int64_t t = eng_now(c->e);
  if (store_q(c->e->st, "SELECT min(approved_at) FROM candidates WHERE "
                        "org_id = ?", "I", c->org) == SQLITE_ROW &&
      store_col_int(c->e->st, 0) > 0)
    t = store_col_int(c->e->st, 0);
  store_done(c->e->st);
  return t - CURSOR_OVERLAP;
}

static void start_poll(struct conn *c)
{
  struct poll *q = calloc(1, sizeof *q);
  if (q == NULL)
    return;
  if (c->poll_cursor == 0)
    c->poll_cursor = first_cursor(c);
  q->c = c;
  q->generation = c->generation;
  q->phase = c->people_ready && !c->people_wanted ? PHASE_APPS : PHASE_PEOPLE;
  q->since = q->phase == PHASE_APPS ? c->poll_cursor
             : c->people_ready      ? c->people_cursor
                                    : 0;
  q->started = eng_now(c->e);
  c->poll = q;
  poll_page(q, NULL);
}

/* ---- scheduling -------------------------------------------------------------------- */

static bool due_pull(struct conn *c, char *app, size_t len, char *why,
                     size_t wlen, int64_t *due, int64_t *seq)
{
  bool hit = store_q(c->e->st,
                     "SELECT application_id, due, why, seq FROM pulls WHERE "
                     "org_id = ? ORDER BY due, application_id LIMIT 1",
                     "I", c->org) == SQLITE_ROW;
  if (hit) {
    store_col_text(c->e->st, 0, app, len);
    *due = store_col_int(c->e->st, 1);
    store_col_text(c->e->st, 2, why, wlen);
    *seq = store_col_int(c->e->st, 3);
  }
  store_done(c->e->st);
  return hit;
}

static void sooner(int64_t *next, int64_t t)
{
  if (t < *next)
    *next = t;
}

void pull_tick(struct conn *c, int64_t now, int64_t *next)
{
  if (c->hold_until > now) {
    sooner(next, c->hold_until);
    return;
  }
  /* while the connection is troubled, a running push is its probe */
  if (c->state != ATSYNC_CONNECTED && c->inflight > 0)
    return;
  if (!auth_ready(c)) {
    if (!c->token_busy && (c->pull == NULL && c->poll == NULL))
      auth_request(c, NULL);
    return;
  }
  if (c->poll == NULL && poll_every(c) > 0) {
    if (c->poll_at <= now)
      start_poll(c);
    else
      sooner(next, c->poll_at);
  }
  if (c->pull == NULL && (c->state == ATSYNC_CONNECTED || c->poll == NULL)) {
    char app[64], why[32];
    int64_t due, seq;
    if (due_pull(c, app, sizeof app, why, sizeof why, &due, &seq)) {
      if (due <= now)
        start_read(c, app, why, seq);
      else
        sooner(next, due);
    }
  }
}

bool pull_people_fresh(struct conn *c)
{
  int64_t now = eng_now(c->e);
  if (c->people_ready && c->people_at && now - c->people_at <= poll_every(c))
    return true;
  if (!c->people_wanted) {
    c->people_wanted = true;
    if (c->poll == NULL)
      c->poll_at = now;
    eng_kick(c->e, now);
  }
  return false;
}

void pull_abandon(struct conn *c)
{
  if (c->pull)
    pull_free(c);
  if (c->poll)
    poll_free(c);
}
