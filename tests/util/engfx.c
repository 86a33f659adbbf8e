/* engfx.c — see engfx.h. */
#include "engfx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

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
  f->exact_phrases = o->exact_phrases;
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

/* Call 'fn' with every application on job 'job' (a model id) of the live
 * people with this email. */
static void each_app(struct engfx *f, const char *email, int64_t job,
                     void (*fn)(void *ud, const cJSON *app), void *ud)
{
  cJSON *s = sim_state_json(f->fx->sim);
  const cJSON *c, *a;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(s, "candidates"))
  {
    if (!live(c) || !has_email(c, email))
      continue;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "applications"))
    {
      if (raw_id(a, "job_id") == job)
        fn(ud, a);
    }
  }
  cJSON_Delete(s);
}

struct stage_buf {
  char *buf;
  size_t len;
};

static void keep_stage(void *ud, const cJSON *app)
{
  struct stage_buf *b = ud;
  const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(app, "stage"));
  snprintf(b->buf, b->len, "%s", st ? st : "");
}

const char *engfx_ats_stage(struct engfx *f, const char *email, char *buf,
                            size_t len)
{
  struct stage_buf b = {buf, len};
  buf[0] = '\0';
  each_app(f, email, f->job, keep_stage, &b);
  return buf;
}

static void count_app(void *ud, const cJSON *app)
{
  (void)app;
  ++*(int *)ud;
}

int engfx_apps_on_job(struct engfx *f, const char *email, int64_t job)
{
  int n = 0;
  each_app(f, email, job, count_app, &n);
  return n;
}

void engfx_restart(struct engfx *f)
{
  atsync_close(f->e);
  open_engine(f);
}

/* A check of every candidate, stopping at the first problem. */
struct check_ctx {
  struct engfx *f;
  const char *stage;
  /* checks one candidate, whose first email (the one the ATS is asked
   * for) is in 'first'; a problem goes to 'problem' */
  void (*check)(struct check_ctx *x, const struct atsync_candidate_info *c);
  char first[256];
  char problem[700];
};

static void check_step(void *ud, const struct atsync_candidate_info *c)
{
  struct check_ctx *x = ud;
  if (x->problem[0])
    return;
  snprintf(x->first, sizeof x->first, "%s", c->emails);
  x->first[strcspn(x->first, ",")] = '\0';
  x->check(x, c);
}

static void check_in_ats(struct check_ctx *x,
                         const struct atsync_candidate_info *c)
{
  int n = engfx_people(x->f, x->first);
  char st[128];
  engfx_ats_stage(x->f, x->first, st, sizeof st);
  if (n != 1 || strcmp(st, x->stage) != 0 || c->sync != ATSYNC_SYNCED)
    snprintf(x->problem, sizeof x->problem,
             "%s (%s): %d people in the ATS, stage '%s' (want 1, '%s'), "
             "sync %s, error: %s", c->ref, x->first, n, st, x->stage,
             atsync_sync_name(c->sync), c->error);
}

void engfx_check_exactly_once(struct engfx *f, const char *stage)
{
  struct check_ctx x = {.f = f, .stage = stage ? stage : "Phone Screen",
                        .check = check_in_ats};
  atsync_candidates(f->e, f->org, check_step, &x);
  if (x.problem[0])
    die("exactly once", x.problem);
}

static void check_record(struct check_ctx *x,
                         const struct atsync_candidate_info *c)
{
  int apps = engfx_apps_on_job(x->f, x->first, x->f->job);
  if (strcmp(c->ats_stage, x->stage) != 0 || !c->ats_candidate_id[0] ||
      !c->ats_application_id[0] || c->error[0] || apps != 1)
    snprintf(x->problem, sizeof x->problem,
             "%s: recorded stage '%s' (want '%s'), candidate '%s', "
             "application '%s', %d applications on the job, error '%s'",
             c->ref, c->ats_stage, x->stage, c->ats_candidate_id,
             c->ats_application_id, apps, c->error);
}

bool engfx_records_agree(struct engfx *f, const char *stage, char *problem,
                         size_t len)
{
  struct check_ctx x = {.f = f, .stage = stage, .check = check_record};
  atsync_candidates(f->e, f->org, check_step, &x);
  snprintf(problem, len, "%s", x.problem);
  return x.problem[0] == '\0';
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

bool engfx_has_phrase(const struct engfx *f, const char *text,
                      const char *phrase)
{
  return (f->exact_phrases ? strstr(text, phrase)
                           : strcasestr(text, phrase)) != NULL;
}

struct log_when_ctx {
  const struct engfx *f;
  const char *kind, *phrase;
  struct engfx_log_when w;
};

static void when_entry(void *ud, const struct atsync_log_entry *l)
{
  struct log_when_ctx *x = ud;
  if ((x->kind && strcmp(l->kind, x->kind) != 0) ||
      !engfx_has_phrase(x->f, l->message, x->phrase ? x->phrase : ""))
    return;
  if (x->w.n++ == 0) {
    x->w.first = l->at;
    snprintf(x->w.first_ref, sizeof x->w.first_ref, "%s", l->candidate);
  }
  x->w.last = l->at;
}

struct engfx_log_when engfx_log_when(struct engfx *f, const char *kind,
                                     const char *phrase)
{
  struct log_when_ctx x = {.f = f, .kind = kind, .phrase = phrase};
  atsync_log(f->e, f->org, 0, when_entry, &x);
  return x.w;
}

int engfx_log_count(struct engfx *f, const char *kind, const char *phrase)
{
  return engfx_log_when(f, kind, phrase).n;
}

int64_t engfx_now(struct engfx *f) { return at_loop_now(f->fx->loop); }

uint64_t engfx_mark(struct engfx *f) { return sim_journal_last(f->fx->sim); }

size_t engfx_journal_since(struct engfx *f, uint64_t mark, const char *route,
                           int status)
{
  return engfx_requests(f, mark, route, status, NULL, NULL);
}

size_t engfx_journal(struct engfx *f, const char *route, int status)
{
  return engfx_requests(f, 0, route, status, NULL, NULL);
}

struct sim_journal_entry *engfx_journal_read(struct engfx *f, uint64_t mark,
                                             size_t *n)
{
  enum { CHUNK = 1024 };
  struct sim_journal_entry *j = NULL;
  size_t k = 0, got;
  do {
    struct sim_journal_entry *more = realloc(j, (k + CHUNK) * sizeof *j);
    if (more == NULL)
      die("engfx_journal_read", "out of memory");
    j = more;
    got = sim_journal_read(f->fx->sim, mark, j + k, CHUNK);
    if (got > 0)
      mark = j[k + got - 1].n;
    k += got;
  } while (got == CHUNK);
  *n = k;
  return j;
}

struct engfx_race engfx_race_seen(struct engfx *f, uint64_t mark,
                                  const char *token, const char *api)
{
  size_t n;
  struct sim_journal_entry *j = engfx_journal_read(f, mark, &n);
  int64_t refreshed = INT64_MAX;
  for (size_t i = 0; i < n && refreshed == INT64_MAX; i++)
    if (sim_journal_match(&j[i], token))
      refreshed = j[i].sent;
  struct engfx_race r = {0, 0};
  for (size_t i = 0; i < n; i++) {
    if (!sim_journal_match(&j[i], api) || j[i].status != 401)
      continue;
    r.denied++;
    r.late += j[i].sent > refreshed;
  }
  free(j);
  return r;
}

static void synced_one(void *ud, const struct atsync_candidate_info *c)
{
  bool *all = ud;
  *all &= c->sync == ATSYNC_SYNCED;
}

bool engfx_all_synced(struct engfx *f)
{
  bool all = true;
  atsync_candidates(f->e, f->org, synced_one, &all);
  return all;
}

int64_t engfx_wait_status(struct engfx *f, const char *ref, const char *want,
                          int64_t limit)
{
  for (int64_t t = 0; t <= limit; t += 250) {
    if (strcmp(engfx_cand(f, ref).status, want) == 0)
      return t;
    engfx_run(f, 250);
  }
  return -1;
}

const struct engfx_gh_routes *engfx_gh_routes(enum engfx_auth a)
{
  static const struct engfx_gh_routes v1 = {
      .create = "POST /v1/candidates",
      .add_app = "POST /v1/candidates/{id}/applications",
      .move = "POST /v1/applications/{id}/move",
      .patch = "PATCH /v1/candidates/{id}",
      .job_read = "GET /v1/jobs/{id}",
  };
  static const struct engfx_gh_routes v3 = {
      .create = "POST /v3/candidates",
      .add_app = "POST /v3/applications",
      .move = "POST /v3/applications/{id}/move",
      .patch = "PATCH /v3/candidates/{id}",
      .job_read = "GET /v3/jobs",
  };
  return a == ENGFX_V1_KEY ? &v1 : &v3;
}

void engfx_sign_header(char *hdr, size_t len, const char *prefix,
                       const char *body, const char *secret)
{
  unsigned char mac[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret),
       (const unsigned char *)body, strlen(body), mac, &n);
  int o = snprintf(hdr, len, "%s", prefix);
  for (unsigned i = 0; i < n; i++)
    o += snprintf(hdr + o, len - (size_t)o, "%02x", mac[i]);
}

/* ---- the fake ATS's faults and control actions ---- */

enum { KV_LEN = 512 };

static const char *vkv(const char *fmt, va_list ap)
{
  static char buf[8][KV_LEN];
  static int i;
  char *b = buf[i++ % 8];
  int n = vsnprintf(b, KV_LEN, fmt, ap);
  if (n < 0 || n >= KV_LEN)
    die("key=value string too long", fmt);
  return b;
}

const char *engfx_kv(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const char *s = vkv(fmt, ap);
  va_end(ap);
  return s;
}

const char *engfx_sq(const char *s)
{
  static char buf[8][256];
  static int i;
  char *b = buf[i++ % 8];
  snprintf(b, 256, "%s", s);
  for (char *p = b; *p; p++)
    if (*p == ' ')
      *p = '~';
  return b;
}

void engfx_action(struct engfx *f, const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const char *kvs = fmt ? vkv(fmt, ap) : NULL;
  va_end(ap);
  cJSON_Delete(fx_action(f->fx, name, kvs && kvs[0] ? kvs : NULL));
}

int engfx_fault(struct engfx *f, const char *kind, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  const char *kvs = fmt ? vkv(fmt, ap) : NULL;
  va_end(ap);
  return fx_fault(f->fx, kind, kvs);
}
