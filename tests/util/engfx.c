/* engfx.c — see engfx.h. */
#include "engfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void die(const char *what, const char *detail)
{
  fprintf(stderr, "engfx: %s: %s\n", what, detail ? detail : "");
  abort();
}

static int64_t raw_id(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsRaw(v))
    return strtoll(v->valuestring, NULL, 10);
  return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

void engfx_connect(struct engfx *f, enum engfx_auth auth)
{
  char err[512];
  struct atsync_credentials cr = {.kind = f->ats, .base_url = f->fx->base};
  static char obo[64];
  if (sim_wire_id(f->fx->sim, "user", 4000001, obo, sizeof obo) != 0)
    die("acting user", "the personality shows no user id");
  char code[128];
  if (auth == ENGFX_V1_KEY) {
    cJSON *k = NULL;
    if (sim_credential_add(f->fx->sim, "api_key", NULL, 0, &k, err, sizeof err))
      die("api key", err);
    static char key[64];
    snprintf(key, sizeof key, "%s", cJSON_GetStringValue(cJSON_GetObjectItem(k, "key")));
    cJSON_Delete(k);
    cr.auth = ATSYNC_AUTH_API_KEY;
    cr.api_key = key;
    cr.on_behalf_of = obo; /* the acting user, as the ATS names it */
  } else {
    if (f->acting_user)
      cr.on_behalf_of = obo;
    cr.client_id = f->fx->client_id;
    cr.client_secret = f->fx->client_secret;
    if (auth == ENGFX_V3_CODE) {
      struct sim_kv kv[] = {{"client", f->fx->client_cred}};
      cJSON *c = NULL;
      if (sim_credential_add(f->fx->sim, "authorization_code", kv, 1, &c, err,
                             sizeof err))
        die("authorization code", err);
      snprintf(code, sizeof code, "%s",
               cJSON_GetStringValue(cJSON_GetObjectItem(c, "code")));
      cJSON_Delete(c);
      cr.auth = ATSYNC_AUTH_OAUTH_CODE;
      cr.auth_code = code;
    } else {
      cr.auth = ATSYNC_AUTH_CLIENT_CREDENTIALS;
    }
  }
  if (f->webhooks)
    cr.webhook_secret = ENGFX_WEBHOOK_SECRET;
  if (atsync_connect(f->e, f->org, &cr, err, sizeof err) != 0)
    die("connect", err);
  if (f->webhooks && !f->subscribed) {
    if (sim_webhook_add(f->fx->sim, f->webhook_url, ENGFX_WEBHOOK_SECRET, "*",
                        NULL, err, sizeof err) != 0)
      die("webhook subscription", err);
    f->subscribed = true;
  }
}

static void open_engine(struct engfx *f)
{
  char err[512];
  f->e = atsync_open(&f->cfg, err, sizeof err);
  if (f->e == NULL)
    die("atsync_open", err);
  if (atsync_org(f->e, "acme", &f->org, err, sizeof err) != 0)
    die("org", err);
  if (f->webhooks) { /* a restart listens on the same port again */
    f->cfg.webhook_port = atsync_webhook_port(f->e);
    snprintf(f->webhook_url, sizeof f->webhook_url,
             "http://127.0.0.1:%u/webhooks/acme", f->cfg.webhook_port);
  }
}

struct engfx *engfx_new(const struct engfx_opts *o)
{
  static const struct engfx_opts none;
  if (o == NULL)
    o = &none;
  struct engfx *f = calloc(1, sizeof *f);
  struct simfx_opts so = {.latency = o->latency, .rate_limit = o->rate_limit,
                          .rate_window_ms = o->rate_window_ms,
                          .seed = o->seed, .ats = o->ats};
  snprintf(f->ats, sizeof f->ats, "%s", o->ats ? o->ats : "greenhouse");
  f->fx = simfx_new(&so);
  cJSON *job = fx_action(f->fx, "add_job",
                         "id=4001 name=Backend~Engineer "
                         "stages=Application~Review|Phone~Screen|Onsite|Offer");
  f->job = raw_id(job, "id");
  const cJSON *ids = cJSON_GetObjectItem(job, "stage_ids");
  for (int i = 0; i < 4; i++)
    f->stages[i] = strtoll(cJSON_GetArrayItem(ids, i)->valuestring, NULL, 10);
  cJSON_Delete(job);
  if (o->store) {
    snprintf(f->store, sizeof f->store, "%s", o->store);
    unlink(f->store);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", f->store);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", f->store);
    unlink(side);
  }
  f->cfg.loop = f->fx->loop;
  f->cfg.store = o->store ? f->store : NULL;
  f->cfg.seed = o->seed ? o->seed : 11;
  f->cfg.poll_interval_ms = o->poll_ms;
  f->cfg.webhook_listen = o->webhooks;
  f->webhooks = o->webhooks;
  f->acting_user = o->acting_user;
  open_engine(f);
  char err[256];
  if (sim_wire_id(f->fx->sim, "job", 4001, f->job_id, sizeof f->job_id) != 0)
    die("job id", "the personality shows no job id");
  if (atsync_map_job(f->e, f->org, "backend", f->job_id, err, sizeof err) ||
      atsync_map_stage(f->e, f->org, "approved", "Phone Screen", err,
                       sizeof err))
    die("mapping", err);
  if (!o->no_connect)
    engfx_connect(f, o->auth);
  return f;
}

void engfx_free(struct engfx *f)
{
  if (f == NULL)
    return;
  atsync_close(f->e);
  simfx_free(f->fx);
  if (f->store[0])
    unlink(f->store);
  free(f);
}

void engfx_approve(struct engfx *f, const char *ref, const char *email)
{
  char mail[128], err[256];
  snprintf(mail, sizeof mail, "%s", email ? email : "");
  if (email == NULL)
    snprintf(mail, sizeof mail, "%s@example.com", ref);
  struct atsync_candidate c = {.ref = ref, .first = ref, .last = "Tester",
                               .emails = {mail}, .nemails = 1,
                               .job = "backend"};
  if (atsync_approve(f->e, f->org, &c, NULL, err, sizeof err) != 0)
    die("approve", err);
}

static bool settled(void *ud)
{
  struct engfx *f = ud;
  return atsync_pending(f->e, f->org) == 0 && !atsync_busy(f->e);
}

int64_t engfx_settle(struct engfx *f, int64_t limit_ms)
{
  int64_t t0 = at_loop_now(f->fx->loop);
  at_loop_run_while(f->fx->loop, settled, f, t0 + limit_ms);
  return at_loop_now(f->fx->loop) - t0;
}

void engfx_run(struct engfx *f, int64_t ms)
{
  at_loop_run_until(f->fx->loop, at_loop_now(f->fx->loop) + ms);
}

struct atsync_candidate_info engfx_cand(struct engfx *f, const char *ref)
{
  struct atsync_candidate_info i;
  if (atsync_candidate(f->e, f->org, ref, &i) != 0)
    die("no such candidate", ref);
  return i;
}

enum atsync_state engfx_state(struct engfx *f, char *reason, size_t len)
{
  struct atsync_connection c;
  atsync_connection(f->e, f->org, &c);
  if (reason)
    snprintf(reason, len, "%s", c.reason);
  return c.state;
}

static bool has_email(const cJSON *cand, const char *email)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(cand, "emails"))
  {
    if (cJSON_IsString(e) && strcasecmp(e->valuestring, email) == 0)
      return true;
  }
  return false;
}

static bool live(const cJSON *cand)
{
  return cJSON_GetObjectItem(cand, "merged_into") == NULL;
}

int engfx_people(struct engfx *f, const char *email)
{
  cJSON *s = sim_state_json(f->fx->sim);
  int n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "candidates"))
      n += live(c) && has_email(c, email);
  cJSON_Delete(s);
  return n;
}

int engfx_people_total(struct engfx *f)
{
  cJSON *s = sim_state_json(f->fx->sim);
  int n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "candidates")) n += live(c);
  cJSON_Delete(s);
  return n;
}

const char *engfx_ats_stage(struct engfx *f, const char *email, char *buf,
                            size_t len)
{
  cJSON *s = sim_state_json(f->fx->sim);
  buf[0] = '\0';
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "candidates"))
  {
    if (!live(c) || !has_email(c, email))
      continue;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "applications"))
    {
      if (raw_id(a, "job_id") == f->job) {
        const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(a, "stage"));
        snprintf(buf, len, "%s", st ? st : "");
      }
    }
  }
  cJSON_Delete(s);
  return buf;
}

void engfx_restart(struct engfx *f)
{
  atsync_close(f->e);
  open_engine(f);
}

struct check_ctx {
  struct engfx *f;
  const char *stage;
  char problem[512];
};

static void check_one(void *ud, const struct atsync_candidate_info *c)
{
  struct check_ctx *x = ud;
  if (x->problem[0])
    return;
  char first[256];
  snprintf(first, sizeof first, "%s", c->emails);
  first[strcspn(first, ",")] = '\0';
  int n = engfx_people(x->f, first);
  char st[128];
  engfx_ats_stage(x->f, first, st, sizeof st);
  if (n != 1 || strcmp(st, x->stage) != 0 || c->sync != ATSYNC_SYNCED)
    snprintf(x->problem, sizeof x->problem,
             "%s (%s): %d people in the ATS, stage '%s' (want 1, '%s'), "
             "sync %s, error: %s", c->ref, first, n, st, x->stage,
             atsync_sync_name(c->sync), c->error);
}

void engfx_check_exactly_once(struct engfx *f, const char *stage)
{
  struct check_ctx x = {.f = f, .stage = stage ? stage : "Phone Screen"};
  atsync_candidates(f->e, f->org, check_one, &x);
  if (x.problem[0])
    die("exactly once", x.problem);
}

/* ---- counting, for stories on any ATS ---- */

size_t engfx_requests(struct engfx *f, uint64_t mark, const char *route,
                      int status, int64_t *gap, int64_t *first)
{
  enum { CHUNK = 256 };
  struct sim_journal_entry *j = malloc(CHUNK * sizeof *j);
  if (j == NULL)
    die("engfx_requests", "out of memory");
  size_t k = 0, n;
  int64_t last = 0, g = INT64_MAX, t0 = 0;
  while ((n = sim_journal_read(f->fx->sim, mark, j, CHUNK)) > 0) {
    for (size_t i = 0; i < n; i++) {
      bool want = status == 0 || (status < 0 ? j[i].status == 0
                                             : j[i].status == status);
      if (!want || !sim_journal_match(&j[i], route))
        continue;
      if (k == 0)
        t0 = j[i].t;
      else if (j[i].t - last < g)
        g = j[i].t - last;
      last = j[i].t;
      k++;
    }
    mark = j[n - 1].n;
  }
  free(j);
  if (gap)
    *gap = g;
  if (first)
    *first = t0;
  return k;
}

int engfx_apps_on_job(struct engfx *f, const char *email, int64_t job)
{
  cJSON *s = sim_state_json(f->fx->sim);
  int n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "candidates"))
  {
    if (!live(c) || !has_email(c, email))
      continue;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "applications"))
        n += raw_id(a, "job_id") == job;
  }
  cJSON_Delete(s);
  return n;
}

struct log_count {
  const char *kind, *phrase;
  int n;
};

static void count_entry(void *ud, const struct atsync_log_entry *l)
{
  struct log_count *x = ud;
  x->n += (x->kind == NULL || strcmp(l->kind, x->kind) == 0) &&
          strcasestr(l->message, x->phrase ? x->phrase : "") != NULL;
}

int engfx_log_count(struct engfx *f, const char *kind, const char *phrase)
{
  struct log_count x = {kind, phrase, 0};
  atsync_log(f->e, f->org, 0, count_entry, &x);
  return x.n;
}
