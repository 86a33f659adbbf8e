/* checks.c — what the runner checks on its own after every scenario,
 * whatever the scenario asserted:
 *
 *   1. no secret (an API key, a client secret, an authorization code, a
 *      refresh token, an access token) appears in the engine's log, its
 *      errors, its connection reason, or the trace;
 *   2. for each approved candidate the engine created at most one person in
 *      the ATS, and none where a person with one of its emails (ignoring
 *      case) already existed;
 *   3. heal: every fault is cleared (a stopped engine is started, a
 *      stopped webhook endpoint listens again) and the world runs until no
 *      push is due or in flight (at most 2 h);
 *   4. then every candidate was delivered exactly once (one application on
 *      its job among the people with its emails, the one the engine
 *      recorded), or it needs attention with an error that says why, or it
 *      waits on a connection whose reason says why; and check 2 again. */
#include "run_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEAL_LIMIT_MS (2 * 3600 * 1000)

/* ---- 1. secrets ------------------------------------------------------------ */

/* Every secret of the run, once: those the runner handed the engine and
 * every one the fake ATS issued (rotated refresh tokens included). */
static void add_secret(void *ud, const char *secret)
{
  struct strlist *l = ud;
  if (strlen(secret) >= 8 && !strlist_has(l, secret))
    strlist_add(l, secret);
}

/* A JWT: "eyJ" + base64url, a dot, more base64url. */
static bool has_jwt(const char *s)
{
  for (const char *p = strstr(s, "eyJ"); p; p = strstr(p + 1, "eyJ")) {
    size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-_");
    if (n >= 16 && p[n] == '.')
      return true;
  }
  return false;
}

/* Fail (describing the secret, never showing it) when 'text' holds one. */
static bool leak_in(struct world *w, const struct strlist *secrets,
                    const char *what, const char *text)
{
  for (size_t i = 0; i < secrets->n; i++) {
    if (strstr(text, secrets->v[i])) {
      w_fail(w, NULL,
             "secret leaked: a secret (%zu characters, issued by the fake "
             "ATS) appears in %s",
             strlen(secrets->v[i]), what);
      return true;
    }
  }
  if (has_jwt(text)) {
    w_fail(w, NULL, "secret leaked: an access token (a JWT) appears in %s",
           what);
    return true;
  }
  return false;
}

struct cand_list {
  struct atsync_candidate_info *v;
  size_t n, cap;
};

static void cand_keep(void *ud, const struct atsync_candidate_info *c)
{
  struct cand_list *l = ud;
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 64;
    struct atsync_candidate_info *v = realloc(l->v, l->cap * sizeof *v);
    if (v == NULL)
      abort();
    l->v = v;
  }
  l->v[l->n++] = *c;
}

static void check_secrets(struct world *w, const struct cand_list *cl)
{
  w->checks++;
  struct strlist secrets = {0};
  for (size_t i = 0; i < w->secrets.n; i++)
    add_secret(&secrets, w->secrets.v[i]);
  sim_secrets_each(w->sim, add_secret, &secrets);
  char what[160];
  bool leaked = false;
  for (size_t i = 0; i < w->tr.n && !leaked; i++) {
    snprintf(what, sizeof what, "trace line %zu", i + 1);
    leaked = leak_in(w, &secrets, what, w->tr.lines[i]);
  }
  for (size_t i = 0; i < cl->n && !leaked; i++) {
    snprintf(what, sizeof what, "the error of candidate %s", cl->v[i].ref);
    leaked = leak_in(w, &secrets, what, cl->v[i].error);
    snprintf(what, sizeof what, "the ATS's words recorded for %s",
             cl->v[i].ref);
    leaked = leaked || leak_in(w, &secrets, what, cl->v[i].ats_words);
  }
  struct atsync_connection cn;
  if (!leaked && atsync_connection(w->eng, w->org, &cn) == 0)
    leak_in(w, &secrets, "the connection's reason", cn.reason);
  strlist_free(&secrets);
}

/* ---- 2. no duplicates -------------------------------------------------------- */

static bool matches(const cJSON *person, const struct atsync_candidate_info *c)
{
  char emails[ATSYNC_MAX_EMAILS][256];
  size_t n = 0;
  for (const char *p = c->emails; *p && n < ATSYNC_MAX_EMAILS;) {
    size_t l = strcspn(p, ",");
    snprintf(emails[n++], 256, "%.*s", (int)l, p);
    p += l;
    if (*p == ',')
      p++;
  }
  for (size_t i = 0; i < n; i++)
    if (ats_person_has_email(person, emails[i]))
      return true;
  return false;
}

static int64_t created_at(const cJSON *person)
{
  int64_t t = 0;
  const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(person, "created_at"));
  if (s == NULL || at_time_parse_iso8601(s, &t) != 0)
    return 0;
  return t;
}

static void check_duplicates(struct world *w, const struct cand_list *cl,
                             const char *when)
{
  const cJSON *state = w_ats_state(w);
  for (size_t i = 0; i < cl->n && !w->failed; i++) {
    const struct atsync_candidate_info *c = &cl->v[i];
    int made = 0, before = 0;
    int64_t made_id = 0, before_id = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(state, "candidates"))
    {
      /* a person merged away in the ATS is no longer a person; its emails
       * went to the survivor, which therefore "had" them only since the
       * merge (the scenario's own doing, e.g. a recruiter resolving a
       * duplicate the engine could not have detected) */
      if (!matches(p, c) || cJSON_GetObjectItem(p, "merged_into"))
        continue;
      const char *by = cJSON_GetStringValue(cJSON_GetObjectItem(p, "created_by"));
      if (by && strlist_has(&w->creds, by)) {
        made++;
        made_id = made_id ? made_id : json_id(p, "id");
      } else if (created_at(p) <= c->approved_at) {
        before++;
        before_id = json_id(p, "id");
      }
    }
    w->checks++;
    if (made > 1)
      w_fail(w, NULL,
             "%s: the engine created %d people in the ATS for candidate %s "
             "(%s); at most one is allowed (the first is candidate %lld)",
             when, made, c->ref, c->emails, (long long)made_id);
    else if (made > 0 && before > 0)
      w_fail(w, NULL,
             "%s: the engine created candidate %lld in the ATS for %s (%s), "
             "but candidate %lld with one of its emails was already there: "
             "a duplicate",
             when, (long long)made_id, c->ref, c->emails,
             (long long)before_id);
  }
}

/* ---- 3. heal ------------------------------------------------------------------ */

static bool healed(void *ud)
{
  struct world *w = ud;
  w_collect(w);
  if (atsync_busy(w->eng))
    return false;
  /* waiting ones are held by the connection: not due */
  return atsync_count(w->eng, w->org, ATSYNC_QUEUED) == 0 &&
         atsync_count(w->eng, w->org, ATSYNC_PUSHING) == 0;
}

static bool heal(struct world *w)
{
  sim_fault_clear_all(w->sim);
  char err[512];
  bool hooks = w->hooks_down;
  w->hooks_down = false;
  if (w->eng == NULL) {
    if (w_engine_open(w, err, sizeof err) != 0) {
      w_fail(w, NULL, "heal: the engine did not start: %s", err);
      return false;
    }
    trace_add(&w->tr, w_now(w), "check", "heal: engine started");
  } else if (hooks && atsync_webhook_set_down(w->eng, false) != 0) {
    w_fail(w, NULL, "heal: the webhook endpoint could not listen again");
    return false;
  }
  if (hooks)
    trace_add(&w->tr, w_now(w), "check", "heal: webhooks started");
  trace_add(&w->tr, w_now(w), "check", "heal: faults cleared");
  int64_t start = w_now(w);
  enum at_run rc = healed(w) ? AT_RUN_OK
                             : at_loop_run_while(w->loop, healed, w,
                                                 w->t0 + start + HEAL_LIMIT_MS);
  w_collect(w);
  if (rc == AT_RUN_STALL) {
    w_fail(w, NULL, "heal: the simulated network stalled: %s",
           at_loop_error(w->loop));
    return false;
  }
  char d[32];
  trace_add(&w->tr, w_now(w), "check", "heal: settled after %s",
            at_duration_format(w_now(w) - start, d, sizeof d));
  return true;
}

/* ---- 4. exactly once ----------------------------------------------------------- */

static void check_delivered(struct world *w, const struct atsync_candidate_info *c,
                            const struct atsync_connection *cn)
{
  w->checks++;
  switch (c->sync) {
  case ATSYNC_QUEUED:
  case ATSYNC_PUSHING:
    w_fail(w, NULL,
           "after healing, candidate %s is still %s after %d attempts "
           "(error: %s): it was not delivered",
           c->ref, atsync_sync_name(c->sync), c->attempts,
           c->error[0] ? c->error : "none");
    return;
  case ATSYNC_NEEDS_ATTENTION:
    if (c->error[0] == '\0')
      w_fail(w, NULL,
             "after healing, candidate %s needs attention but its error is "
             "empty: the customer cannot tell what to fix",
             c->ref);
    return;
  case ATSYNC_WAITING:
    if (cn->reason[0] == '\0')
      w_fail(w, NULL,
             "after healing, candidate %s waits on the connection (%s) but "
             "the connection gives no reason",
             c->ref, atsync_state_name(cn->state));
    return;
  case ATSYNC_SYNCED:
    break;
  }
  /* one application on its job among the people with its emails: the one
   * the engine recorded */
  const cJSON *state = w_ats_state(w);
  int64_t app = c->ats_application_id[0]
                    ? w_model_id(w, "application", c->ats_application_id)
                    : 0,
          job = 0;
  const cJSON *p, *a;
  cJSON_ArrayForEach(p, cJSON_GetObjectItem(state, "candidates"))
  {
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(p, "applications"))
    {
      if (json_id(a, "id") == app)
        job = json_id(a, "job_id");
    }
  }
  if (job == 0) {
    w_fail(w, NULL,
           "after healing, candidate %s is synced with application %s, but "
           "the ATS has no such application",
           c->ref, c->ats_application_id[0] ? c->ats_application_id : "(none)");
    return;
  }
  int apps = 0;
  cJSON_ArrayForEach(p, cJSON_GetObjectItem(state, "candidates"))
  {
    if (!ats_person_live(p) || !matches(p, c))
      continue;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(p, "applications"))
    {
      apps += json_id(a, "job_id") == job;
    }
  }
  if (apps != 1)
    w_fail(w, NULL,
           "after healing, candidate %s (%s) has %d applications on job %lld "
           "in the ATS; exactly one was wanted",
           c->ref, c->emails, apps, (long long)job);
}

void checks_run(struct world *w)
{
  struct cand_list cl = {0};
  trace_add(&w->tr, w_now(w), "check", "after the scenario: secrets, "
            "duplicates, heal, exactly once");
  if (w->eng)
    atsync_candidates(w->eng, w->org, cand_keep, &cl);
  if (w->eng)
    check_secrets(w, &cl);
  if (!w->failed)
    check_duplicates(w, &cl, "at the end of the scenario");
  if (!w->failed && heal(w)) {
    cl.n = 0;
    atsync_candidates(w->eng, w->org, cand_keep, &cl);
    struct atsync_connection cn;
    atsync_connection(w->eng, w->org, &cn);
    for (size_t i = 0; i < cl.n && !w->failed; i++)
      check_delivered(w, &cl.v[i], &cn);
    if (!w->failed)
      check_duplicates(w, &cl, "after healing");
    if (!w->failed)
      check_secrets(w, &cl);
    if (!w->failed)
      trace_add(&w->tr, w_now(w), "check",
                "%zu candidates: delivered once or waiting with a reason; no "
                "duplicates; no secrets",
                cl.n);
  }
  free(cl.v);
}
