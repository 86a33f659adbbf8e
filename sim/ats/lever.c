/* lever.c — the Lever personality: API v1 at /v1 (Basic API key or OAuth
 * bearer tokens with <resource>:<read|write>:admin scopes), perform_as on
 * writes, one org-wide stage pipeline, opportunities keyed by UUIDs,
 * epoch-millisecond times, {data, hasNext, next} pages with offset tokens,
 * e-mail dedupe on create, a token-bucket rate limit, and webhooks signed
 * inside the body (HMAC of token + triggeredAt). The OAuth server is
 * auth.lever.co (Auth0): /authorize and /oauth/token. Facts and their
 * sources are in docs/fidelity/lever.md; what no source settles is a
 * setting. */
#include "../sim_int.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at_clock.h"

/* ==== settings (UNVERIFIED behaviour, configurable) ========================= */

enum lv_rate_headers { RH_NONE, RH_RETRY_AFTER, RH_XRATELIMIT };
enum lv_error_shape { ES_CODE_MESSAGE, ES_MESSAGE };

struct lv_settings {
  int email_ci;                   /* dedupe and ?email= ignore case */
  bool dedupe;                    /* a create with a known e-mail attaches */
  int rate_headers;               /* enum lv_rate_headers */
  int error_shape;                /* enum lv_error_shape */
  unsigned perform_as_missing_status;     /* absent or unknown user */
  unsigned perform_as_deactivated_status; /* a deactivated user */
  unsigned invalid_grant_status;  /* /oauth/token invalid_grant (Auth0) */
  bool refresh_rotation;          /* each refresh issues a new refresh token */
  bool refresh_in_refresh;        /* a refresh answer carries refresh_token */
  bool revoke_cascade;            /* revoking a grant kills its tokens */
  bool regrant_requires_reauth;   /* a removed scope needs a new consent */
  bool require_audience;          /* /authorize needs the API audience */
  bool create_rate_limit;         /* POST /opportunities also on 2/s */
  bool closed_posting_accepts;    /* creates on closed postings accepted */
  int64_t access_ttl, refresh_ttl, code_ttl;
  int64_t webhook_delay, webhook_timeout;
};

#define LV_AUDIENCE "https://api.lever.co/v1/"

#define T struct lv_settings
static const char *const rh_names[] = {"none", "retry_after", "x-ratelimit",
                                       NULL};
static const char *const es_names[] = {"code_message", "message", NULL};
/* In the order GET /_sim/settings lists them. */
static const struct sim_setting lv_settings[] = {
    SIM_EMAIL_MATCH(T, email_ci, 1),
    SIM_BOOL(T, dedupe, "dedupe_by_email", true),
    SIM_ENUM(T, rate_headers, "rate_headers", RH_NONE, rh_names),
    SIM_ENUM(T, error_shape, "error_shape", ES_CODE_MESSAGE, es_names),
    SIM_STATUS(T, perform_as_missing_status, "perform_as_missing_status", 400,
               100, 599),
    SIM_STATUS(T, perform_as_deactivated_status,
               "perform_as_deactivated_status", 403, 100, 599),
    SIM_STATUS(T, invalid_grant_status, "invalid_grant_status", 403, 100,
               599),
    SIM_BOOL(T, refresh_rotation, "refresh_rotation", true),
    SIM_BOOL(T, refresh_in_refresh, "refresh_token_in_refresh", true),
    SIM_BOOL(T, revoke_cascade, "revoke_cascade", true),
    SIM_BOOL(T, regrant_requires_reauth, "regrant_requires_reauth", true),
    SIM_BOOL(T, require_audience, "require_audience", true),
    SIM_BOOL(T, create_rate_limit, "create_rate_limit", true),
    SIM_BOOL(T, closed_posting_accepts, "closed_posting_accepts", false),
    SIM_DURATION(T, access_ttl, "access_token_ttl", 3600 * 1000, 1),
    SIM_DURATION(T, refresh_ttl, "refresh_token_ttl",
                 INT64_C(365) * 24 * 3600 * 1000, 1),
    SIM_DURATION(T, code_ttl, "authorization_code_ttl", 10 * 60 * 1000, 1),
    SIM_DURATION(T, webhook_delay, "webhook_delay", 1000, 0),
    SIM_DURATION(T, webhook_timeout, "webhook_timeout", 10000, 1),
    {0}};
#undef T

static struct lv_settings *S(const struct sim *s) { return s->pdata; }

/* ==== ids: the model's integers as Lever's UUIDs ============================== */

/* Every record kind has its own UUID space: the last group is the model's
 * id in hex, the rest a hash of the kind and the id, so an id of one kind
 * never parses as another kind (an opportunity id is not a posting id). */
enum lv_kind { K_OPP, K_CONTACT, K_POSTING, K_USER, K_STAGE, K_REASON,
               K_APP };
static const char *const kind_salt[] = {"opportunity", "contact", "posting",
                                        "user", "stage", "archive_reason",
                                        "application"};

#define LV_ID_LEN 40

static void lv_id(enum lv_kind k, int64_t id, char out[LV_ID_LEN])
{
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = kind_salt[k]; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  h ^= (uint64_t)id * 0x9E3779B97F4A7C15ULL;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 29;
  snprintf(out, LV_ID_LEN, "%08x-%04x-4%03x-%04x-%012llx",
           (unsigned)(h >> 32), (unsigned)((h >> 16) & 0xffff),
           (unsigned)(h & 0xfff), (unsigned)(0x8000 | ((h >> 40) & 0x3fff)),
           (unsigned long long)((uint64_t)id & 0xffffffffffffULL));
}

static bool lv_parse(enum lv_kind k, const char *s, int64_t *out)
{
  if (s == NULL || strlen(s) != 36)
    return false;
  uint64_t v = 0;
  for (const char *p = s + 24; *p; p++) {
    if (!isxdigit((unsigned char)*p))
      return false;
    v = v * 16 + (uint64_t)(isdigit((unsigned char)*p) ? *p - '0'
                                                       : (tolower(*p) - 'a' + 10));
  }
  char buf[LV_ID_LEN];
  lv_id(k, (int64_t)v, buf);
  if (strcasecmp(buf, s) != 0)
    return false;
  *out = (int64_t)v;
  return true;
}

/* Add an id string member. */
static void put_lid(cJSON *o, const char *key, enum lv_kind k, int64_t id)
{
  char b[LV_ID_LEN];
  lv_id(k, id, b);
  jput_str(o, key, b);
}

static cJSON *lid(enum lv_kind k, int64_t id)
{
  char b[LV_ID_LEN];
  lv_id(k, id, b);
  return cJSON_CreateString(b);
}

/* Epoch ms as a JSON number (null for 0). */
static void put_ms(cJSON *o, const char *k, int64_t ms)
{
  if (ms == 0)
    jadd_null(o, k);
  else
    jput_id(o, k, ms);
}

/* ==== the org-wide stage pipeline ============================================= */

/* Lever has ONE pipeline for the whole organization; the model keeps
 * stages per job. The global pipeline is every distinct stage name among
 * the jobs' active stages, in the order of first appearance (jobs by id,
 * each job's stages by position). A name's global id is its slug when it
 * is one of Lever's built-in stages, else the UUID of its representative:
 * the lowest-id active stage with that name (the lowest-id stage when none
 * is active), so renaming a stage keeps its id. */
static const struct { const char *name, *slug; } builtin[] = {
    {"New lead", "lead-new"},          {"Reached out", "lead-reached-out"},
    {"Responded", "lead-responded"},   {"New applicant", "applicant-new"},
    {"Offer", "offer"},
};
#define NBUILTIN (sizeof builtin / sizeof *builtin)

static const struct sim_stage *stage_rep(const struct sim_model *m,
                                         const char *name)
{
  const struct sim_stage *best = NULL, *any = NULL;
  for (size_t i = 0; i < m->stages.n; i++) {
    const struct sim_stage *st = m->stages.v[i];
    if (st->name == NULL || strcmp(st->name, name) != 0)
      continue;
    if (st->active && (best == NULL || st->id < best->id))
      best = st;
    if (any == NULL || st->id < any->id)
      any = st;
  }
  return best ? best : any;
}

static void stage_gid(const struct sim_model *m, const char *name,
                      char out[LV_ID_LEN])
{
  for (size_t i = 0; i < NBUILTIN; i++)
    if (strcmp(builtin[i].name, name) == 0) {
      snprintf(out, LV_ID_LEN, "%s", builtin[i].slug);
      return;
    }
  const struct sim_stage *rep = stage_rep(m, name);
  lv_id(K_STAGE, rep ? rep->id : 0, out);
}

/* The names of the global pipeline, in order (max entries). */
static size_t pipeline(const struct sim_model *m, const char **names,
                       size_t max)
{
  size_t n = 0;
  struct vec jobs = {0};
  for (size_t i = 0; i < m->jobs.n; i++)
    vec_push(&jobs, m->jobs.v[i]);
  for (size_t i = 1; i < jobs.n; i++) /* by id */
    for (size_t k = i; k > 0 && ((struct sim_job *)jobs.v[k - 1])->id >
                                    ((struct sim_job *)jobs.v[k])->id; k--) {
      void *t = jobs.v[k];
      jobs.v[k] = jobs.v[k - 1];
      jobs.v[k - 1] = t;
    }
  struct sim_stage *st[128];
  for (size_t i = 0; i < jobs.n && n < max; i++) {
    size_t ns = model_job_stages(m, ((struct sim_job *)jobs.v[i])->id, st, 128);
    for (size_t k = 0; k < ns && n < max; k++) {
      bool seen = false;
      for (size_t j = 0; j < n && !seen; j++)
        seen = strcmp(names[j], st[k]->name) == 0;
      if (!seen)
        names[n++] = st[k]->name;
    }
  }
  vec_free(&jobs);
  return n;
}

#define MAXPIPE 256

/* A global stage id to the stage name it stands for (NULL: not in the
 * pipeline). */
static const char *stage_name_of(const struct sim_model *m, const char *gid)
{
  const char *names[MAXPIPE];
  size_t n = pipeline(m, names, MAXPIPE);
  char b[LV_ID_LEN];
  for (size_t i = 0; gid && i < n; i++) {
    stage_gid(m, names[i], b);
    if (strcmp(b, gid) == 0)
      return names[i];
  }
  return NULL;
}

static int stage_index(const struct sim_model *m, const char *name)
{
  const char *names[MAXPIPE];
  size_t n = pipeline(m, names, MAXPIPE);
  for (size_t i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0)
      return (int)i;
  return -1;
}

/* The stage of job 'job' named 'name'; the global pipeline lets any
 * opportunity be at any stage, so a job whose own pipeline lacks it gets
 * it appended. */
static struct sim_stage *job_stage_named(struct sim_model *m, int64_t job,
                                         const char *name, int64_t now)
{
  struct sim_stage *st[128];
  size_t n = model_job_stages(m, job, st, 128);
  for (size_t i = 0; i < n; i++)
    if (strcmp(st[i]->name, name) == 0)
      return st[i];
  struct sim_job *j = model_job(m, job);
  return j ? model_stage_add(m, j, 0, name, now) : NULL;
}

/* The stage an application shows: its own, or (hired: the model forgets
 * the stage) its job's last active stage. */
static const struct sim_stage *app_stage(const struct sim_model *m,
                                         const struct sim_app *a)
{
  const struct sim_stage *st = model_stage(m, a->stage_id);
  if (st)
    return st;
  struct sim_stage *all[128];
  size_t n = model_job_stages(m, a->job_id, all, 128);
  return n ? all[n - 1] : NULL;
}

/* ==== archive reasons ========================================================= */

/* The model's rejection reasons are Lever's non-hired archive reasons
 * (a reason whose type is "hired" stays hired); one more, "Hired"
 * (model id 0), is the hired-type reason a hire archives with. */
static bool reason_hired(const struct sim_reason *r)
{
  return r == NULL || (r->type && strcmp(r->type, "hired") == 0);
}

static cJSON *reason_json(const struct sim_reason *r)
{
  cJSON *o = cJSON_CreateObject();
  put_lid(o, "id", K_REASON, r ? r->id : 0);
  jput_str(o, "text", r ? r->name : "Hired");
  jput_str(o, "status", "active");
  jput_str(o, "type", reason_hired(r) ? "hired" : "non-hired");
  return o;
}

/* ==== routes ================================================================== */

/* Limiters: 0 = every request per credential (token bucket, 20 tokens,
 * 10/s), 1 = creates (POST /opportunities, 2/s, token bucket of 2). */
static void lv_limiter_defaults(size_t i, int *limit, int64_t *window,
                                bool *fixed)
{
  *limit = i == 0 ? 20 : 2;
  *window = i == 0 ? 2000 : 1000;
  *fixed = false;
}

enum lv_api { LV_API, LV_AUTH };

enum lv_op {
  OP_POSTINGS, OP_POSTING, OP_STAGES, OP_STAGE, OP_REASONS, OP_USERS,
  OP_USER, OP_OPPS, OP_OPPS_DELETED, OP_OPP, OP_OPP_CREATE, OP_OPP_STAGE,
  OP_OPP_ARCHIVED, OP_TOKEN, OP_AUTHORIZE
};

struct lv_route {
  const char *method, *path, *tmpl;
  enum lv_op op;
  const char *perm;
  bool write;
};

#define R(m, p, op, perm, w) {m, p, m " " p, op, perm, w}
static const struct lv_route routes[] = {
    R("GET", "/v1/postings", OP_POSTINGS, "postings:read:admin", false),
    R("GET", "/v1/postings/{id}", OP_POSTING, "postings:read:admin", false),
    R("GET", "/v1/stages", OP_STAGES, "stages:read:admin", false),
    R("GET", "/v1/stages/{id}", OP_STAGE, "stages:read:admin", false),
    R("GET", "/v1/archive_reasons", OP_REASONS, "archive_reasons:read:admin",
      false),
    R("GET", "/v1/users", OP_USERS, "users:read:admin", false),
    R("GET", "/v1/users/{id}", OP_USER, "users:read:admin", false),
    R("GET", "/v1/opportunities", OP_OPPS, "opportunities:read:admin", false),
    R("GET", "/v1/opportunities/deleted", OP_OPPS_DELETED,
      "opportunities:read:admin", false),
    R("GET", "/v1/opportunities/{id}", OP_OPP, "opportunities:read:admin",
      false),
    R("POST", "/v1/opportunities", OP_OPP_CREATE, "opportunities:write:admin",
      true),
    R("PUT", "/v1/opportunities/{id}/stage", OP_OPP_STAGE,
      "opportunities:write:admin", true),
    R("PUT", "/v1/opportunities/{id}/archived", OP_OPP_ARCHIVED,
      "opportunities:write:admin", true),
    R("POST", "/oauth/token", OP_TOKEN, NULL, true),
    R("POST", "/token", OP_TOKEN, NULL, true), /* the core's token_url */
    R("GET", "/authorize", OP_AUTHORIZE, NULL, false),
};
#define NROUTES (sizeof routes / sizeof *routes)


struct lv_ctx {
  const struct lv_route *r;
  char id[72];
  enum lv_api api;
  struct sim_user *actor; /* perform_as */
};

static struct lv_ctx *ctx(struct sim_call *c) { return c->pctx; }

static bool lv_route(struct sim_call *c, struct sim_route *out)
{
  struct lv_ctx *x = at_req_alloc(c->req, sizeof *x);
  memset(x, 0, sizeof *x);
  c->pctx = x;
  x->api = strncmp(c->path, "/v1/", 4) == 0 || strcmp(c->path, "/v1") == 0
               ? LV_API
               : LV_AUTH;
  for (size_t i = 0; i < NROUTES; i++) {
    char id[72] = "";
    if (!sim_path_match(routes[i].path, c->path, NULL, id, sizeof id) ||
        strcmp(routes[i].method, c->method) != 0)
      continue;
    x->r = &routes[i];
    memcpy(x->id, id, sizeof id);
    out->tmpl = routes[i].tmpl;
    out->perm = routes[i].perm;
    out->write = routes[i].write;
    return true;
  }
  return false;
}

/* ==== wire helpers ============================================================ */

static struct at_resp *json_resp(unsigned status, cJSON *body)
{
  struct at_resp *r = sim_json_resp(status, body);
  at_resp_header(r, "x-lever-region", "global"); /* (obs) [NT-LV] */
  return r;
}

static void reply(struct sim_call *c, unsigned status, cJSON *body)
{
  sim_reply(c, json_resp(status, body));
}

static const char *code_for(unsigned status)
{
  switch (status) {
  case 400: return "BadRequestError";
  case 401: return "UnauthorizedError";
  case 403: return "ForbiddenError";
  case 404: return "ResourceNotFoundError";
  case 405: return "MethodNotAllowedError";
  case 413: return "PayloadTooLargeError";
  case 429: return "TooManyRequestsError";
  case 503: return "ServiceUnavailableError";
  default: return status >= 500 ? "InternalServerError" : "BadRequestError";
  }
}

/* Lever's error body (UNVERIFIED): {"code": ..., "message": ...}, or only
 * {"message": ...} with error_shape=message. */
static cJSON *err_body(const struct sim *s, unsigned status, const char *msg)
{
  cJSON *o = cJSON_CreateObject();
  if (s->pdata == NULL || S(s)->error_shape == ES_CODE_MESSAGE)
    jput_str(o, "code", code_for(status));
  jput_str(o, "message", msg);
  return o;
}

static void reply_err(struct sim_call *c, unsigned status, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

static void reply_err(struct sim_call *c, unsigned status, const char *fmt,
                      ...)
{
  char msg[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  reply(c, status, err_body(c->s, status, msg));
}

static void rate_hdrs(struct sim_call *c, struct at_resp *r,
                      const struct sim_rl_result *rl, bool limited)
{
  enum lv_rate_headers mode = S(c->s)->rate_headers;
  char buf[32];
  if (limited && mode != RH_NONE) {
    int64_t secs = (rl->retry_after + 999) / 1000;
    snprintf(buf, sizeof buf, "%lld", (long long)(secs < 1 ? 1 : secs));
    at_resp_header(r, "Retry-After", buf);
  }
  if (mode != RH_XRATELIMIT || rl->limit < 0)
    return;
  snprintf(buf, sizeof buf, "%d", rl->limit);
  at_resp_header(r, "X-RateLimit-Limit", buf);
  snprintf(buf, sizeof buf, "%d", limited ? 0 : rl->remaining);
  at_resp_header(r, "X-RateLimit-Remaining", buf);
  snprintf(buf, sizeof buf, "%lld", (long long)((rl->reset + 999) / 1000));
  at_resp_header(r, "X-RateLimit-Reset", buf);
}

static struct at_resp *lv_rate_limited(struct sim_call *c,
                                       const struct sim_rl_result *rl)
{
  struct at_resp *r = json_resp(429, err_body(c->s, 429,
                                              "Too many requests; slow down "
                                              "and retry later"));
  rate_hdrs(c, r, rl, true);
  return r;
}

static void lv_rate_headers(struct sim_call *c, struct at_resp *r,
                            const struct sim_rl_result *rl)
{
  if (!rl->limited)
    rate_hdrs(c, r, rl, false);
}

static struct at_resp *lv_outage(struct sim_call *c, unsigned status,
                                 const char *message)
{
  const char *msg = message ? message
                    : status == 503
                        ? "Lever is temporarily unavailable. Check "
                          "status.lever.co for updates."
                        : "An internal server error occurred";
  return json_resp(status, err_body(c->s, status, msg));
}

/* ==== authentication ============================================================ */

static const char *param(struct sim_call *c, const char *k);

static void lv_identify(struct sim_call *c, char *cred, size_t len)
{
  cred[0] = '\0';
  const char *auth = at_req_header(c->req, "Authorization");
  char u[128], p[128];
  if (ctx(c)->api == LV_AUTH) {
    const char *cid = sim_basic_pair(auth, u, sizeof u, p, sizeof p)
                          ? u
                          : param(c, "client_id");
    struct sim_client *cl =
        cid ? creds_client_by_client_id(&c->s->creds, cid) : NULL;
    if (cl)
      snprintf(cred, len, "%s", cl->id);
    return;
  }
  if (sim_basic_pair(auth, u, sizeof u, p, sizeof p)) {
    struct sim_apikey *k = creds_key_by_secret(&c->s->creds, u);
    if (k)
      snprintf(cred, len, "%s", k->id);
    return;
  }
  const char *t = sim_bearer(c);
  struct sim_token *tok = t ? creds_token_by_jwt(&c->s->creds, t) : NULL;
  if (tok)
    snprintf(cred, len, "%s", tok->client);
}

static void reply_401(struct sim_call *c, const char *msg, bool token)
{
  struct at_resp *r = json_resp(401, err_body(c->s, 401, msg));
  at_resp_header(r, "WWW-Authenticate",
                 token ? "Bearer error=\"invalid_token\""
                       : "Basic realm=\"Lever API\"");
  sim_reply(c, r);
}

/* Authenticate: an API key (Basic "key:") or an OAuth access token.
 * Exactly one of *key / *tok is set on success; false after a 401. */
static bool authenticate(struct sim_call *c, struct sim_apikey **key,
                         struct sim_token **tok)
{
  *key = NULL;
  *tok = NULL;
  const char *auth = at_req_header(c->req, "Authorization");
  char u[128], p[128];
  if (sim_basic_pair(auth, u, sizeof u, p, sizeof p)) {
    struct sim_apikey *k = creds_key_by_secret(&c->s->creds, u);
    if (k == NULL || k->revoked) {
      reply_401(c, "Invalid API key", false);
      return false;
    }
    *key = k;
    return true;
  }
  const char *t = sim_bearer(c);
  if (t == NULL) {
    reply_401(c, "Missing credentials: send an API key (Basic auth) or an "
              "OAuth access token (Bearer)", false);
    return false;
  }
  struct sim_token *tk = creds_token_by_jwt(&c->s->creds, t);
  const char *why = NULL;
  if (tk == NULL)
    why = "Invalid access token";
  else if (tk->revoked)
    why = "Access token has been revoked";
  else if (c->now >= tk->expires)
    why = "Access token has expired";
  else {
    struct sim_client *cl = creds_client(&c->s->creds, tk->client);
    struct sim_grant *g = creds_grant(&c->s->creds, tk->grant);
    if (cl == NULL || cl->revoked || (g && g->revoked && S(c->s)->revoke_cascade))
      why = "Access token has been revoked";
  }
  if (why) {
    reply_401(c, why, true);
    return false;
  }
  *tok = tk;
  return true;
}

/* The route's permission (API key) or scope (token). */
static bool permitted(struct sim_call *c, const struct sim_apikey *k,
                      const struct sim_token *t)
{
  const char *need = c->route.perm;
  if (need == NULL)
    return true;
  if (k) {
    if (k->all || strv_has(&k->perms, need))
      return true;
    reply_err(c, 403, "This API key does not have the permission %s", need);
    return false;
  }
  const struct sim_client *cl = creds_client(&c->s->creds, t->client);
  const struct sim_grant *g = creds_grant(&c->s->creds, t->grant);
  bool granted = g == NULL || strv_has(&g->scopes, need);
  if (strv_has(&t->scopes, need) && cl && strv_has(&cl->scopes, need) &&
      granted)
    return true;
  reply_err(c, 403, "Missing required scope: %s", need);
  return false;
}

/* perform_as=<user id> on writes; perform_as_posting_owner=true on a
 * create acts as the posting owner (the first active super admin). */
static struct sim_user *first_admin(const struct sim_model *m)
{
  for (size_t i = 0; i < m->users.n; i++) {
    struct sim_user *u = m->users.v[i];
    if (u->site_admin && !u->disabled)
      return u;
  }
  return m->users.n ? m->users.v[0] : NULL;
}

static bool perform_as(struct sim_call *c)
{
  const struct lv_settings *g = S(c->s);
  const char *pa = at_req_query(c->req, "perform_as");
  const char *own = at_req_query(c->req, "perform_as_posting_owner");
  if ((pa == NULL || *pa == '\0') && own && strcmp(own, "true") == 0 &&
      ctx(c)->r->op == OP_OPP_CREATE) {
    ctx(c)->actor = first_admin(&c->s->model);
    return true;
  }
  if (pa == NULL || *pa == '\0') {
    reply_err(c, g->perform_as_missing_status, "The perform_as parameter is "
              "required: the id of the Lever user making this change");
    return false;
  }
  int64_t uid;
  struct sim_user *u = lv_parse(K_USER, pa, &uid)
                           ? model_user(&c->s->model, uid)
                           : NULL;
  if (u == NULL) {
    reply_err(c, g->perform_as_missing_status, "perform_as: user %.40s does "
              "not exist in this account", pa);
    return false;
  }
  if (u->disabled) {
    reply_err(c, g->perform_as_deactivated_status, "perform_as: user %.40s "
              "is deactivated", pa);
    return false;
  }
  ctx(c)->actor = u;
  return true;
}

/* ==== query parameters ======================================================== */


/* A token-endpoint parameter: form body, JSON body or query string. */
static const char *param(struct sim_call *c, const char *k)
{
  struct sim_tokreq t;
  sim_tokreq_parse(c, &t);
  const char *v = sim_tokreq_get(c, &t, k, false);
  sim_tokreq_free(&t);
  return v;
}

/* A millisecond timestamp parameter; false after a 400. */
static bool q_ms(struct sim_call *c, const struct sim_query *q, const char *k,
                 int64_t *out)
{
  const char *v = sim_query_get(q, k);
  *out = 0;
  if (v == NULL)
    return true;
  char *end;
  long long n = strtoll(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < 0) {
    reply_err(c, 400, "Invalid value for %s: expected a timestamp in "
              "milliseconds since the epoch", k);
    return false;
  }
  *out = n;
  return true;
}

/* ==== pages: {data, hasNext, next} with offset tokens ========================= */

/* An offset token names the sort key of the last item returned, with a MAC
 * (the instance's secret) over the route and the key: only tokens this
 * API handed out are accepted. */
static void offset_token(struct sim_call *c, int64_t key, char *out,
                         size_t len)
{
  char data[160];
  snprintf(data, sizeof data, "%s|%lld", c->route.tmpl, (long long)key);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int ml = 0;
  HMAC(EVP_sha256(), c->s->creds.jwt_secret, sizeof c->s->creds.jwt_secret,
       (const unsigned char *)data, strlen(data), mac, &ml);
  size_t o = (size_t)snprintf(out, len, "%llx.", (unsigned long long)key);
  for (unsigned i = 0; i < 8 && o + 3 <= len; i++)
    o += (size_t)snprintf(out + o, len - o, "%02x", mac[i]);
}

static bool offset_parse(struct sim_call *c, const char *tok, int64_t *key)
{
  char *end;
  unsigned long long k = strtoull(tok, &end, 16);
  if (end == tok || *end != '.')
    return false;
  char want[64];
  offset_token(c, (int64_t)k, want, sizeof want);
  if (strcmp(want, tok) != 0)
    return false;
  *key = (int64_t)k;
  return true;
}

typedef cJSON *(*render_fn)(const struct sim *s, const void *item);

struct litem {
  int64_t key;
  const void *item;
};

static int litem_cmp(const void *a, const void *b)
{
  const struct litem *x = a, *y = b;
  return x->key < y->key ? -1 : x->key > y->key;
}

/* Answer a page of 'items' (sorted here by key). Takes 'items'. */
static void reply_page(struct sim_call *c, const struct sim_query *q,
                       struct litem *items, size_t n, render_fn render)
{
  long limit = 100;
  const char *lv = sim_query_get(q, "limit");
  if (lv) {
    char *end;
    limit = strtol(lv, &end, 10);
    if (*lv == '\0' || *end != '\0' || limit < 1 || limit > 100) {
      free(items);
      reply_err(c, 400, "Invalid value for limit: it must be between 1 "
                "and 100");
      return;
    }
  }
  int64_t after = INT64_MIN;
  const char *off = sim_query_get(q, "offset");
  if (off && !offset_parse(c, off, &after)) {
    free(items);
    reply_err(c, 400, "Invalid offset token: only pass an offset returned "
              "as 'next' by a previous request");
    return;
  }
  if (n > 1)
    qsort(items, n, sizeof *items, litem_cmp);
  cJSON *o = cJSON_CreateObject();
  cJSON *data = jadd_arr(o, "data");
  size_t i = 0;
  while (i < n && items[i].key <= after && off)
    i++;
  long taken = 0;
  int64_t last = 0;
  for (; i < n && taken < limit; i++, taken++) {
    cJSON_AddItemToArray(data, render(c->s, items[i].item));
    last = items[i].key;
  }
  bool more = i < n;
  jput_bool(o, "hasNext", more);
  if (more) {
    char tok[64];
    offset_token(c, last, tok, sizeof tok);
    jput_str(o, "next", tok);
  }
  free(items);
  reply(c, 200, o);
}

/* ==== visibility ================================================================ */

static bool cand_visible(const struct sim_candidate *cd, int64_t now)
{
  return cd && model_cand_live(cd) && now >= cd->ready_at;
}

static bool app_visible(const struct sim *s, const struct sim_app *a,
                        int64_t now)
{
  return a && now >= a->ready_at &&
         cand_visible(model_cand(&s->model, a->candidate_id), now);
}

static bool posting_visible(const struct sim_job *j)
{
  return j && !j->deleted;
}

/* ==== renderings =================================================================== */

static const char *field_of(const struct sim_candidate *cd, const char *k)
{
  for (size_t i = 0; i < cd->nfields; i++)
    if (strcmp(cd->fields[i].key, k) == 0)
      return cd->fields[i].value;
  return NULL;
}

static char *full_name(const struct sim_candidate *cd, char *buf, size_t len)
{
  snprintf(buf, len, "%s%s%s", cd->first ? cd->first : "",
           cd->last && *cd->last && cd->first && *cd->first ? " " : "",
           cd->last ? cd->last : "");
  return buf;
}

static const char *posting_state(const struct sim_job *j)
{
  switch (j->status) {
  case SIM_JOB_OPEN: return "published";
  case SIM_JOB_CLOSED: return "closed";
  default: return "draft";
  }
}

static cJSON *posting_json(const struct sim *s, const void *p)
{
  const struct sim_job *j = p;
  const struct sim_user *owner = first_admin(&s->model);
  int64_t uid = owner ? owner->id : 0;
  cJSON *o = cJSON_CreateObject();
  put_lid(o, "id", K_POSTING, j->id);
  jput_str(o, "text", j->name);
  put_ms(o, "createdAt", j->created);
  put_ms(o, "updatedAt", j->updated);
  put_lid(o, "user", K_USER, uid);
  put_lid(o, "owner", K_USER, uid);
  put_lid(o, "hiringManager", K_USER, uid);
  jput_str(o, "confidentiality",
           j->confidential ? "confidential" : "non-confidential");
  cJSON *cat = jadd_obj(o, "categories");
  jput_str(cat, "team", j->department ? j->department : "");
  jput_str(cat, "department", j->department ? j->department : "");
  jput_str(cat, "location", j->office ? j->office : "");
  cJSON *all = jadd_arr(cat, "allLocations");
  if (j->office)
    cJSON_AddItemToArray(all, cJSON_CreateString(j->office));
  jput_str(cat, "commitment", "Full-time");
  jput_str(cat, "level", "");
  cJSON *ct = jadd_obj(o, "content");
  jput_str(ct, "description", "");
  jput_str(ct, "descriptionHtml", "");
  jadd_arr(ct, "lists");
  jput_str(ct, "closing", "");
  jput_str(ct, "closingHtml", "");
  jput_str(o, "country", "US");
  cJSON *tags = jadd_arr(o, "tags");
  if (j->department)
    cJSON_AddItemToArray(tags, cJSON_CreateString(j->department));
  jput_str(o, "state", posting_state(j));
  cJSON *dc = jadd_arr(o, "distributionChannels");
  if (j->status == SIM_JOB_OPEN) {
    cJSON_AddItemToArray(dc, cJSON_CreateString("internal"));
    cJSON_AddItemToArray(dc, cJSON_CreateString("public"));
  }
  jput_str(o, "reqCode", j->requisition_id ? j->requisition_id : "");
  cJSON *rc = jadd_arr(o, "requisitionCodes");
  if (j->requisition_id)
    cJSON_AddItemToArray(rc, cJSON_CreateString(j->requisition_id));
  jput_str(o, "salaryDescription", "");
  jput_str(o, "salaryDescriptionHtml", "");
  char id[LV_ID_LEN], u[160];
  lv_id(K_POSTING, j->id, id);
  cJSON *urls = jadd_obj(o, "urls");
  jput_str(urls, "list", "https://jobs.lever.co/atsim");
  snprintf(u, sizeof u, "https://jobs.lever.co/atsim/%s", id);
  jput_str(urls, "show", u);
  snprintf(u, sizeof u, "https://jobs.lever.co/atsim/%s/apply", id);
  jput_str(urls, "apply", u);
  jput_str(o, "workplaceType", "unspecified");
  return o;
}

static cJSON *user_json(const struct sim *s, const void *p)
{
  (void)s;
  const struct sim_user *u = p;
  cJSON *o = cJSON_CreateObject();
  char name[160];
  snprintf(name, sizeof name, "%s %s", u->first ? u->first : "",
           u->last ? u->last : "");
  put_lid(o, "id", K_USER, u->id);
  jput_str(o, "name", name);
  jput_str(o, "username", u->email);
  jput_str(o, "email", u->email);
  put_ms(o, "createdAt", u->created);
  put_ms(o, "deactivatedAt", u->disabled ? (u->updated ? u->updated : 1) : 0);
  jadd_null(o, "externalDirectoryId");
  jput_str(o, "accessRole", u->site_admin ? "super admin" : "team member");
  jadd_null(o, "photo");
  jadd_arr(o, "linkedContactIds");
  jadd_null(o, "jobTitle");
  jadd_null(o, "managerId");
  return o;
}

static cJSON *strings(const struct strv *v)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < v->n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v->v[i]));
  return a;
}

/* A rejection's archive reason: the model's reason, or (a rejection
 * without one) the first non-hired reason — never id 0, which is the
 * hired reason, so that a reasonless rejection does not read as a hire. */
static int64_t rejection_reason(const struct sim_model *m,
                                const struct sim_app *a)
{
  const struct sim_reason *r =
      a->rejection_reason_id ? model_reason(m, a->rejection_reason_id) : NULL;
  if (r && !reason_hired(r))
    return r->id;
  for (size_t i = 0; i < m->reasons.n; i++) {
    const struct sim_reason *x = m->reasons.v[i];
    if (!reason_hired(x))
      return x->id;
  }
  return a->rejection_reason_id;
}

/* archived: null, or {reason, archivedAt} (hired: the hired reason). */
static cJSON *archived_json(const struct sim_model *m, const struct sim_app *a)
{
  if (a->status == SIM_APP_ACTIVE)
    return cJSON_CreateNull();
  cJSON *o = cJSON_CreateObject();
  bool hired = a->status == SIM_APP_HIRED;
  put_lid(o, "reason", K_REASON, hired ? 0 : rejection_reason(m, a));
  put_ms(o, "archivedAt", hired ? a->hired_at : a->rejected_at);
  return o;
}

static int64_t opp_updated(const struct sim_app *a,
                           const struct sim_candidate *cd)
{
  int64_t u = a->updated > a->last_activity ? a->updated : a->last_activity;
  return cd && cd->updated > u ? cd->updated : u;
}

static cJSON *opp_json(const struct sim *s, const void *p)
{
  const struct sim_app *a = p;
  const struct sim_model *m = &s->model;
  const struct sim_candidate *cd = model_cand(m, a->candidate_id);
  const struct sim_job *j = model_job(m, a->job_id);
  cJSON *o = cJSON_CreateObject();
  char buf[256];
  put_lid(o, "id", K_OPP, a->id);
  jput_str(o, "name", full_name(cd, buf, sizeof buf));
  jput_str(o, "headline", cd->title ? cd->title : "");
  put_lid(o, "contact", K_CONTACT, cd->id);
  cJSON *em = jadd_arr(o, "emails");
  for (size_t i = 0; i < cd->nemails; i++)
    cJSON_AddItemToArray(em, cJSON_CreateString(cd->emails[i].value));
  cJSON *ph = jadd_arr(o, "phones");
  for (size_t i = 0; i < cd->nphones; i++) {
    cJSON *e = cJSON_CreateObject();
    jput_str(e, "type", cd->phones[i].type ? cd->phones[i].type : "other");
    jput_str(e, "value", cd->phones[i].value);
    cJSON_AddItemToArray(ph, e);
  }
  jput_str(o, "confidentiality", j && j->confidential ? "confidential"
                                                      : "non-confidential");
  const char *loc = field_of(cd, "location");
  jput_str(o, "location", loc ? loc : "");
  jadd_arr(o, "links");
  jadd(o, "archived", archived_json(m, a));
  jadd(o, "tags", strings(&cd->tags));
  cJSON *src = jadd_arr(o, "sources");
  const struct sim_source *so = model_source(m, a->source_id);
  if (so)
    cJSON_AddItemToArray(src, cJSON_CreateString(so->name));
  const struct sim_stage *st = app_stage(m, a);
  char gid[LV_ID_LEN] = "";
  if (st)
    stage_gid(m, st->name, gid);
  jput_str(o, "stage", gid);
  /* the model keeps no stage history: the current stage only */
  cJSON *sc = jadd_arr(o, "stageChanges");
  cJSON *ch = cJSON_CreateObject();
  jput_str(ch, "toStageId", gid);
  jput_int(ch, "toStageIndex", st ? stage_index(m, st->name) : 0);
  put_ms(ch, "updatedAt", a->last_activity ? a->last_activity : a->applied);
  const char *owner = field_of(cd, "lever.owner");
  char oid[LV_ID_LEN];
  if (owner == NULL) {
    const struct sim_user *u = first_admin(m);
    lv_id(K_USER, u ? u->id : 0, oid);
    owner = oid;
  }
  jput_str(ch, "userId", owner);
  cJSON_AddItemToArray(sc, ch);
  const char *origin = field_of(cd, "lever.origin");
  jput_str(o, "origin", origin ? origin : "sourced");
  jput_str(o, "sourcedBy", owner);
  jput_str(o, "owner", owner);
  jadd_arr(o, "followers");
  cJSON *apps = jadd_arr(o, "applications");
  cJSON_AddItemToArray(apps, lid(K_APP, a->id));
  put_ms(o, "createdAt", a->applied);
  put_ms(o, "updatedAt", opp_updated(a, cd));
  put_ms(o, "lastInteractionAt", a->last_activity ? a->last_activity
                                                  : a->applied);
  put_ms(o, "lastAdvancedAt", a->last_activity ? a->last_activity
                                               : a->applied);
  jadd_null(o, "snoozedUntil");
  cJSON *urls = jadd_obj(o, "urls");
  jput_str(urls, "list", "https://hire.lever.co/candidates");
  char id[LV_ID_LEN];
  lv_id(K_OPP, a->id, id);
  snprintf(buf, sizeof buf, "https://hire.lever.co/candidates/%s", id);
  jput_str(urls, "show", buf);
  jadd_null(o, "dataProtection");
  jput_bool(o, "isAnonymized", false);
  return o;
}

/* ==== webhooks ======================================================================= */

/* Lever's events [AE-LV-WH][KNIT-LV-WH]. A hire is also an archive change:
 * a subscription without candidateHired but with candidateArchiveChange
 * gets that. A merge is a contact update of the survivor (Lever has no
 * merge event; UNVERIFIED), or a candidateDeleted about the duplicate to a
 * subscription that only listens to deletes. */
static const struct sim_event_def lv_webhook_events[SIM_EV__COUNT] = {
    [SIM_EV_PING] = {"connectionTest", -1},
    [SIM_EV_NEW_APPLICATION] = {"applicationCreated", -1},
    [SIM_EV_STAGE_CHANGE] = {"candidateStageChange", -1},
    [SIM_EV_REJECT] = {"candidateArchiveChange", -1},
    [SIM_EV_UNREJECT] = {"candidateArchiveChange", -1},
    [SIM_EV_HIRE] = {"candidateHired", SIM_EV_REJECT},
    [SIM_EV_UPDATE_CANDIDATE] = {"contactUpdated", -1},
    [SIM_EV_MERGE_CANDIDATE] = {"contactUpdated", SIM_EV_DELETE_CANDIDATE},
    [SIM_EV_DELETE_CANDIDATE] = {"candidateDeleted", -1},
};

/* "up to 5 times with increasing intervals" [LV-RESEARCH] (rep); the
 * waits are this simulator's choice (UNVERIFIED). */
static const int64_t lv_retry_waits[] = {60000, 300000, 1800000, 7200000,
                                         28800000};

/* The body of one attempt: {"token", "triggeredAt", "signature", then the
 * event and its data}; signature = hex(HMAC-SHA256(signature token,
 * token + triggeredAt)) [LV-DOCS#webhooks][LV-CODE]. The token is fresh
 * per attempt (derived from the body and the time, so runs repeat). */
static char *lv_sign_body(const char *body, size_t len, const char *key,
                          int64_t now, size_t *outlen)
{
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int ml = 0;
  char seed[64];
  snprintf(seed, sizeof seed, "atsim-lever-token-%lld", (long long)now);
  HMAC(EVP_sha256(), seed, (int)strlen(seed), (const unsigned char *)body,
       len, mac, &ml);
  char token[41];
  for (unsigned i = 0; i < 20; i++)
    snprintf(token + 2 * i, 3, "%02x", mac[i]);
  char msg[96];
  snprintf(msg, sizeof msg, "%s%lld", token, (long long)now);
  HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
       strlen(msg), mac, &ml);
  char sig[2 * EVP_MAX_MD_SIZE + 1];
  for (unsigned i = 0; i < ml; i++)
    snprintf(sig + 2 * i, 3, "%02x", mac[i]);
  char head[256];
  int hl = snprintf(head, sizeof head,
                    "{\"token\":\"%s\",\"triggeredAt\":%lld,\"signature\":"
                    "\"%s\"",
                    token, (long long)now, sig);
  /* the rest of the body after its '{' (with a comma unless empty) */
  const char *rest = len > 0 && body[0] == '{' ? body + 1 : "}";
  size_t rl = len > 0 && body[0] == '{' ? len - 1 : 1;
  bool empty = rl >= 1 && rest[0] == '}';
  size_t n = (size_t)hl + (empty ? 0 : 1) + rl;
  char *out = xcalloc(1, n + 1);
  memcpy(out, head, (size_t)hl);
  size_t o = (size_t)hl;
  if (!empty)
    out[o++] = ',';
  memcpy(out + o, rest, rl);
  *outlen = n;
  return out;
}

static const struct sim_webhook_wire lv_webhook_wire = {
    .id_header = NULL,  /* none documented */
    .sig_header = NULL, /* signed inside the body */
    .sig_prefix = "",
    .user_agent = "Lever-Webhooks (atsim)",
    .retry_waits = lv_retry_waits,
    .nretries = sizeof lv_retry_waits / sizeof *lv_retry_waits,
    .escape_html = false,
    .sign_body = lv_sign_body,
};

static void wh_ids(cJSON *d, const struct sim_app *a,
                   const struct sim_candidate *c)
{
  if (a) {
    put_lid(d, "candidateId", K_OPP, a->id); /* = opportunityId (legacy) */
    put_lid(d, "opportunityId", K_OPP, a->id);
  }
  if (c)
    put_lid(d, "contactId", K_CONTACT, c->id);
}

static cJSON *lv_webhook_payload(const struct sim *s, enum sim_event ev,
                                 const struct sim_candidate *c,
                                 const struct sim_app *a, int64_t extra,
                                 unsigned flags)
{
  const struct sim_model *m = &s->model;
  if (a && c == NULL)
    c = model_cand(m, a->candidate_id);
  cJSON *o = cJSON_CreateObject();
  cJSON *d = cJSON_CreateObject();
  const char *event = lv_webhook_events[ev].action;
  char gid[LV_ID_LEN];
  if (ev == SIM_EV_PING) {
    /* a connection test: the subscription's first event, no ids */
    const struct sim_webhook *h = webhook_find(s, (int)extra);
    event = "applicationCreated";
    for (size_t i = 0; h && i < h->events.n; i++)
      if (strcmp(h->events.v[i], "*") != 0) {
        event = h->events.v[i];
        break;
      }
  } else if (ev == SIM_EV_MERGE_CANDIDATE) {
    put_lid(d, "contactId", K_CONTACT, extra); /* the survivor */
  } else if (ev == SIM_EV_UPDATE_CANDIDATE) {
    wh_ids(d, NULL, c);
  } else if (ev == SIM_EV_DELETE_CANDIDATE) {
    /* a merged-away contact: its opportunities moved to the survivor */
    wh_ids(d, a, c);
    if (a == NULL)
      jadd_null(d, "opportunityId");
  } else {
    wh_ids(d, a, c);
    if (!(flags & SIM_WH_IDS_ONLY) && a) {
      if (ev == SIM_EV_NEW_APPLICATION) {
        put_lid(d, "applicationId", K_APP, a->id);
        put_lid(d, "postingId", K_POSTING, a->job_id);
      } else if (ev == SIM_EV_STAGE_CHANGE) {
        const struct sim_stage *from = extra ? model_stage(m, extra) : NULL;
        if (from) {
          stage_gid(m, from->name, gid);
          jput_str(d, "fromStageId", gid);
        } else {
          jadd_null(d, "fromStageId");
        }
        const struct sim_stage *to = app_stage(m, a);
        if (to) {
          stage_gid(m, to->name, gid);
          jput_str(d, "toStageId", gid);
        } else {
          jadd_null(d, "toStageId");
        }
      } else if (ev == SIM_EV_REJECT || ev == SIM_EV_UNREJECT) {
        jadd_null(d, "fromArchived"); /* the model keeps no history */
        jadd(d, "toArchived", archived_json(m, a));
      }
    }
  }
  jput_str(o, "event", event);
  jadd(o, "data", d);
  return o;
}

/* ==== request bodies ================================================================== */

static bool body_object(struct sim_call *c, cJSON **out)
{
  *out = NULL;
  if (at_req_body_too_big(c->req)) {
    reply_err(c, 413, "Request entity too large");
    return false;
  }
  size_t len;
  const char *b = at_req_body(c->req, &len);
  if (len == 0) {
    *out = cJSON_CreateObject();
    return true;
  }
  char why[96];
  cJSON *j = jparse(b, len, why, sizeof why);
  if (j == NULL || !cJSON_IsObject(j)) {
    cJSON_Delete(j);
    reply_err(c, 400, "Invalid JSON in the request body: %s",
              j ? "the body must be a JSON object" : why);
    return false;
  }
  *out = j;
  return true;
}

/* Values of a field in a create body, for the fault rules. */
static const char *rule_value(void *ud, const char *field, size_t i)
{
  const cJSON *o = ud;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
  if (cJSON_IsString(v))
    return i == 0 ? v->valuestring : NULL;
  if (cJSON_IsArray(v)) {
    const cJSON *e = cJSON_GetArrayItem(v, (int)i);
    if (cJSON_IsString(e))
      return e->valuestring;
    return e ? jget_str(e, "value") : NULL;
  }
  if (cJSON_IsObject(v) && i == 0)
    return "set";
  return NULL;
}

/* Requests by what they are for (sim_request_kinds). An opportunity is
 * the application: the create makes it, for a new contact or the one with
 * that email (no separate "apply"). */
static const struct sim_request_kind lv_kinds[] = {
    {"token", "POST /oauth/token"},
    {"token", "POST /token"},
    {"job", "GET /v1/postings/{id}"},
    {"job", "GET /v1/stages"},
    {"find", "GET /v1/opportunities[?]*email=*"},
    {"create", "POST /v1/opportunities"},
    {"move", "PUT /v1/opportunities/{id}/stage"},
    {NULL, NULL}};

static const struct sim_alias lv_aliases[] = {
    {"phone", "phones"},   {"phone_numbers", "phones"},
    {"email", "emails"},   {"email_addresses", "emails"},
    {"source", "sources"}, {"source_id", "sources"},
    {"first_name", "name"}, {"last_name", "name"},
    {"title", "headline"}, {"initial_stage_id", "stage"},
    {"job", "postings"},   {"posting", "postings"},
    {NULL, NULL}};

/* A list member that must hold only strings; false after a 400. */
static bool string_list(struct sim_call *c, const cJSON *o, const char *k,
                        const char *what)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k);
  if (a == NULL || cJSON_IsNull(a))
    return true;
  bool ok = cJSON_IsArray(a);
  const cJSON *e;
  cJSON_ArrayForEach(e, a) ok &= cJSON_IsString(e);
  if (!ok)
    reply_err(c, 400, "Invalid value for %s: %s", k, what);
  return ok;
}

static const char *const phone_types[] = {"mobile", "home", "work", "skype",
                                          "other", NULL};

static bool check_phones(struct sim_call *c, const cJSON *o)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "phones");
  if (a == NULL || cJSON_IsNull(a))
    return true;
  if (!cJSON_IsArray(a)) {
    reply_err(c, 400, "Invalid value for phones: expected an array of "
              "{value, type} objects");
    return false;
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    const char *v = jget_str(e, "value"), *t = jget_str(e, "type");
    if (!cJSON_IsObject(e) || v == NULL) {
      reply_err(c, 400, "Invalid value for phones: expected an array of "
                "{value, type} objects");
      return false;
    }
    bool ok = t == NULL;
    for (const char *const *p = phone_types; t && *p; p++)
      ok |= strcmp(*p, t) == 0;
    if (!ok) {
      reply_err(c, 400, "Invalid value for phones.type: '%.40s' is not one "
                "of mobile, home, work, skype, other", t);
      return false;
    }
  }
  return true;
}

/* The posting a create targets; false after a 400. */
static bool check_posting(struct sim_call *c, const char *pid, int64_t *job)
{
  int64_t id;
  const struct sim_job *j = lv_parse(K_POSTING, pid, &id)
                                ? model_job(&c->s->model, id)
                                : NULL;
  if (!posting_visible(j)) {
    reply_err(c, 400, "Invalid posting: %.40s does not exist", pid);
    return false;
  }
  if (j->status != SIM_JOB_OPEN && !S(c->s)->closed_posting_accepts) {
    reply_err(c, 400, "Posting %.40s is %s and does not accept new "
              "candidates", pid, posting_state(j));
    return false;
  }
  *job = id;
  return true;
}

static int64_t source_named(struct sim_model *m, const char *name)
{
  int64_t max = 0;
  for (size_t i = 0; i < m->sources.n; i++) {
    const struct sim_source *so = m->sources.v[i];
    if (strcasecmp(so->name, name) == 0)
      return so->id;
    if (so->id > max)
      max = so->id;
  }
  model_source_add(m, max + 1, name);
  return max + 1;
}

/* The existing contact with one of these e-mails (dedupe), or NULL. */
static struct sim_candidate *dedupe(struct sim_call *c, const cJSON *emails)
{
  const struct sim_model *m = &c->s->model;
  bool ci = S(c->s)->email_ci;
  const cJSON *e;
  cJSON_ArrayForEach(e, emails)
  {
    if (!cJSON_IsString(e) || *e->valuestring == '\0')
      continue;
    for (size_t i = 0; i < m->candidates.n; i++) {
      struct sim_candidate *cd = m->candidates.v[i];
      if (cand_visible(cd, c->now) &&
          model_cand_has_email(cd, e->valuestring, ci))
        return cd;
    }
  }
  return NULL;
}

/* Archive (reason given) or un-archive (NULL) an application, as
 * PUT /opportunities/{id}/archived does; 0 or -1 with a message. */
static int do_archive(struct sim_call *c, struct sim_app *a,
                      const char *reason, char *err, size_t errlen)
{
  struct sim_model *m = &c->s->model;
  if (reason == NULL) {
    if (a->status == SIM_APP_ACTIVE)
      return 0;
    if (a->status == SIM_APP_HIRED) {
      snprintf(err, errlen, "Un-archiving a hired opportunity is not "
               "modelled by this simulator");
      return -1;
    }
    if (model_app_unreject(m, a, c->now, err, errlen) != 0)
      return -1;
    sim_webhook_fire(c->s, SIM_EV_UNREJECT, NULL, a, 0);
    return 0;
  }
  int64_t rid;
  if (!lv_parse(K_REASON, reason, &rid) ||
      (rid != 0 && model_reason(m, rid) == NULL)) {
    snprintf(err, errlen, "Invalid archive reason: %.40s does not exist",
             reason);
    return -1;
  }
  const struct sim_reason *r = rid ? model_reason(m, rid) : NULL;
  if (a->status == SIM_APP_HIRED) {
    snprintf(err, errlen, "Changing the archive reason of a hired "
             "opportunity is not modelled by this simulator");
    return -1;
  }
  if (a->status == SIM_APP_REJECTED &&
      model_app_unreject(m, a, c->now, err, errlen) != 0)
    return -1;
  if (reason_hired(r)) {
    if (model_app_hire(m, a, NULL, c->now, err, errlen) != 0)
      return -1;
    sim_webhook_fire(c->s, SIM_EV_HIRE, NULL, a, 0);
    return 0;
  }
  if (model_app_reject(m, a, rid, NULL, c->now, err, errlen) != 0)
    return -1;
  sim_webhook_fire(c->s, SIM_EV_REJECT, NULL, a, 0);
  return 0;
}

/* ==== handlers ========================================================================= */

static struct litem *items_new(size_t n)
{
  return xcalloc(n ? n : 1, sizeof(struct litem));
}

static void h_postings(struct sim_call *c, const struct sim_query *q)
{
  const struct sim_model *m = &c->s->model;
  int64_t since, until;
  if (!q_ms(c, q, "updated_at_start", &since) ||
      !q_ms(c, q, "updated_at_end", &until))
    return;
  const char *state = sim_query_get(q, "state");
  const char *conf = sim_query_get(q, "confidentiality");
  if (state && strcmp(state, "published") && strcmp(state, "internal") &&
      strcmp(state, "closed") && strcmp(state, "draft") &&
      strcmp(state, "pending") && strcmp(state, "rejected")) {
    reply_err(c, 400, "Invalid value for state: one of published, internal, "
              "closed, draft, pending, rejected");
    return;
  }
  if (conf && strcmp(conf, "all") && strcmp(conf, "confidential") &&
      strcmp(conf, "non-confidential")) {
    reply_err(c, 400, "Invalid value for confidentiality: one of "
              "non-confidential, confidential, all");
    return;
  }
  struct litem *it = items_new(m->jobs.n);
  size_t n = 0;
  for (size_t i = 0; i < m->jobs.n; i++) {
    const struct sim_job *j = m->jobs.v[i];
    if (!posting_visible(j) || (since && j->updated < since) ||
        (until && j->updated > until))
      continue;
    if (state && strcmp(state, posting_state(j)) != 0)
      continue;
    bool want = conf == NULL || !strcmp(conf, "non-confidential")
                    ? !j->confidential
                    : !strcmp(conf, "all") || j->confidential;
    if (!want)
      continue;
    it[n].key = j->id;
    it[n++].item = j;
  }
  reply_page(c, q, it, n, posting_json);
}

static void h_posting(struct sim_call *c)
{
  int64_t id;
  const struct sim_job *j = lv_parse(K_POSTING, ctx(c)->id, &id)
                                ? model_job(&c->s->model, id)
                                : NULL;
  if (!posting_visible(j)) {
    reply_err(c, 404, "Posting not found");
    return;
  }
  cJSON *o = cJSON_CreateObject();
  jadd(o, "data", posting_json(c->s, j));
  reply(c, 200, o);
}

struct stage_item {
  const char *name;
  int index;
};

static cJSON *stage_json(const struct sim *s, const void *p)
{
  const struct stage_item *si = p;
  char gid[LV_ID_LEN];
  stage_gid(&s->model, si->name, gid);
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "id", gid);
  jput_str(o, "text", si->name);
  return o;
}

static void h_stages(struct sim_call *c, const struct sim_query *q)
{
  const char *names[MAXPIPE];
  size_t n = pipeline(&c->s->model, names, MAXPIPE);
  struct stage_item *si = at_req_alloc(c->req, (n ? n : 1) * sizeof *si);
  struct litem *it = items_new(n);
  for (size_t i = 0; i < n; i++) {
    si[i].name = names[i];
    si[i].index = (int)i;
    it[i].key = (int64_t)i;
    it[i].item = &si[i];
  }
  reply_page(c, q, it, n, stage_json);
}

static void h_stage(struct sim_call *c)
{
  const char *name = stage_name_of(&c->s->model, ctx(c)->id);
  if (name == NULL) {
    reply_err(c, 404, "Stage not found");
    return;
  }
  struct stage_item si = {name, 0};
  cJSON *o = cJSON_CreateObject();
  jadd(o, "data", stage_json(c->s, &si));
  reply(c, 200, o);
}

static cJSON *r_reason(const struct sim *s, const void *p)
{
  (void)s;
  return reason_json(p);
}

static void h_reasons(struct sim_call *c, const struct sim_query *q)
{
  const struct sim_model *m = &c->s->model;
  const char *type = sim_query_get(q, "type");
  if (type && strcmp(type, "hired") && strcmp(type, "non-hired")) {
    reply_err(c, 400, "Invalid value for type: one of hired, non-hired");
    return;
  }
  struct litem *it = items_new(m->reasons.n + 1);
  size_t n = 0;
  if (type == NULL || !strcmp(type, "hired")) {
    it[n].key = 0;
    it[n++].item = NULL;
  }
  for (size_t i = 0; i < m->reasons.n; i++) {
    const struct sim_reason *r = m->reasons.v[i];
    if (type && strcmp(type, reason_hired(r) ? "hired" : "non-hired"))
      continue;
    it[n].key = r->id;
    it[n++].item = r;
  }
  reply_page(c, q, it, n, r_reason);
}

static void h_users(struct sim_call *c, const struct sim_query *q)
{
  const struct sim_model *m = &c->s->model;
  const char *inc = sim_query_get(q, "includeDeactivated");
  bool all = inc && strcmp(inc, "true") == 0;
  const char *email = sim_query_get(q, "email");
  struct litem *it = items_new(m->users.n);
  size_t n = 0;
  for (size_t i = 0; i < m->users.n; i++) {
    const struct sim_user *u = m->users.v[i];
    if ((u->disabled && !all) ||
        (email && (u->email == NULL || strcasecmp(u->email, email))))
      continue;
    it[n].key = u->id;
    it[n++].item = u;
  }
  reply_page(c, q, it, n, user_json);
}

static void h_user(struct sim_call *c)
{
  int64_t id;
  const struct sim_user *u = lv_parse(K_USER, ctx(c)->id, &id)
                                 ? model_user(&c->s->model, id)
                                 : NULL;
  if (u == NULL) {
    reply_err(c, 404, "User not found");
    return;
  }
  cJSON *o = cJSON_CreateObject();
  jadd(o, "data", user_json(c->s, u));
  reply(c, 200, o);
}

static void h_opps(struct sim_call *c, const struct sim_query *q)
{
  const struct sim_model *m = &c->s->model;
  int64_t since, until;
  if (!q_ms(c, q, "updated_at_start", &since) ||
      !q_ms(c, q, "updated_at_end", &until))
    return;
  const char *email = sim_query_get(q, "email");
  const char *contact = sim_query_get(q, "contact_id");
  const char *stage = sim_query_get(q, "stage_id");
  const char *posting = sim_query_get(q, "posting_id");
  const char *arch = sim_query_get(q, "archived");
  if (arch && strcmp(arch, "true") && strcmp(arch, "false")) {
    reply_err(c, 400, "Invalid value for archived: true or false");
    return;
  }
  int64_t cid = -1, pid = -1;
  if (contact && !lv_parse(K_CONTACT, contact, &cid))
    cid = -2; /* matches nothing */
  if (posting && !lv_parse(K_POSTING, posting, &pid))
    pid = -2;
  const char *sname = stage ? stage_name_of(m, stage) : NULL;
  bool ci = S(c->s)->email_ci;
  struct litem *it = items_new(m->apps.n);
  size_t n = 0;
  for (size_t i = 0; i < m->apps.n; i++) {
    const struct sim_app *a = m->apps.v[i];
    if (!app_visible(c->s, a, c->now))
      continue;
    const struct sim_candidate *cd = model_cand(m, a->candidate_id);
    int64_t up = opp_updated(a, cd);
    if ((since && up < since) || (until && up > until))
      continue;
    if (email && !model_cand_has_email(cd, email, ci))
      continue;
    if (contact && cd->id != cid)
      continue;
    if (posting && a->job_id != pid)
      continue;
    if (arch && (a->status != SIM_APP_ACTIVE) != (strcmp(arch, "true") == 0))
      continue;
    if (stage) {
      const struct sim_stage *st = app_stage(m, a);
      if (sname == NULL || st == NULL || strcmp(st->name, sname) != 0)
        continue;
    }
    it[n].key = a->id;
    it[n++].item = a;
  }
  reply_page(c, q, it, n, opp_json);
}

static cJSON *deleted_json(const struct sim *s, const void *p)
{
  (void)s;
  const struct sim_app *a = p;
  cJSON *o = cJSON_CreateObject();
  put_lid(o, "opportunityId", K_OPP, a->id);
  put_ms(o, "deletedAt", a->updated);
  return o;
}

/* Opportunities of deleted contacts (the model deletes none today: merged
 * contacts keep their opportunities on the survivor). */
static void h_opps_deleted(struct sim_call *c, const struct sim_query *q)
{
  const struct sim_model *m = &c->s->model;
  int64_t since, until;
  if (!q_ms(c, q, "deleted_at_start", &since) ||
      !q_ms(c, q, "deleted_at_end", &until))
    return;
  struct litem *it = items_new(m->apps.n);
  size_t n = 0;
  for (size_t i = 0; i < m->apps.n; i++) {
    const struct sim_app *a = m->apps.v[i];
    const struct sim_candidate *cd = model_cand(m, a->candidate_id);
    if (cd == NULL || !cd->deleted || cd->merged_into ||
        (since && a->updated < since) || (until && a->updated > until))
      continue;
    it[n].key = a->id;
    it[n++].item = a;
  }
  reply_page(c, q, it, n, deleted_json);
}

static struct sim_app *target_opp(struct sim_call *c)
{
  int64_t id;
  struct sim_app *a = lv_parse(K_OPP, ctx(c)->id, &id)
                          ? model_app(&c->s->model, id)
                          : NULL;
  if (!app_visible(c->s, a, c->now)) {
    reply_err(c, 404, "Opportunity not found");
    return NULL;
  }
  return a;
}

static void reply_opp(struct sim_call *c, unsigned status,
                      const struct sim_app *a, int deduped)
{
  cJSON *o = cJSON_CreateObject();
  if (deduped >= 0)
    jput_bool(o, "deduped", deduped != 0);
  jadd(o, "data", opp_json(c->s, a));
  reply(c, status, o);
}

static void h_opp(struct sim_call *c)
{
  struct sim_app *a = target_opp(c);
  if (a)
    reply_opp(c, 200, a, -1);
}

static void split_name(const char *name, char *first, size_t fl, char *last,
                       size_t ll)
{
  while (name && *name == ' ')
    name++;
  snprintf(first, fl, "%s", name ? name : "");
  last[0] = '\0';
  size_t n = strlen(first);
  while (n > 0 && first[n - 1] == ' ')
    first[--n] = '\0';
  char *sp = strrchr(first, ' ');
  if (sp) {
    snprintf(last, ll, "%s", sp + 1);
    while (sp > first && sp[-1] == ' ')
      sp--;
    *sp = '\0';
  }
}

static void h_opp_create(struct sim_call *c)
{
  struct sim_model *m = &c->s->model;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  int64_t job = 0;
  const char *stage_gid_in = jget_str(body, "stage");
  const char *stage_name = NULL;
  const cJSON *postings = cJSON_GetObjectItemCaseSensitive(body, "postings");
  const cJSON *archived = cJSON_GetObjectItemCaseSensitive(body, "archived");
  const char *reason = NULL;
  static const char *const strs[] = {"name", "headline", "location", "origin",
                                     "contact", "stage", "owner", NULL};
  for (const char *const *k = strs; *k; k++)
    if (jbad_str(body, *k)) {
      reply_err(c, 400, "Invalid value for %s: expected a string", *k);
      goto out;
    }
  if (!string_list(c, body, "emails", "expected an array of e-mail "
                   "addresses as strings") ||
      !string_list(c, body, "tags", "expected an array of strings") ||
      !string_list(c, body, "sources", "expected an array of strings") ||
      !string_list(c, body, "links", "expected an array of strings") ||
      !string_list(c, body, "postings", "expected an array of posting ids") ||
      !check_phones(c, body))
    goto out;
  if (postings == NULL || cJSON_GetArraySize(postings) == 0) {
    reply_err(c, 400, "postings: an opportunity without a posting (a "
              "general lead) is not modelled by this simulator; give one "
              "posting id");
    goto out;
  }
  if (cJSON_GetArraySize(postings) > 1) {
    reply_err(c, 400, "Invalid value for postings: an opportunity can be "
              "for at most one posting");
    goto out;
  }
  if (!check_posting(c, cJSON_GetArrayItem(postings, 0)->valuestring, &job))
    goto out;
  if (stage_gid_in) {
    stage_name = stage_name_of(m, stage_gid_in);
    if (stage_name == NULL) {
      reply_err(c, 400, "Invalid stage: %.40s is not a stage of this "
                "account's pipeline", stage_gid_in);
      goto out;
    }
  } else if (model_first_stage(m, job) == NULL) {
    reply_err(c, 400, "Posting has no pipeline stages");
    goto out;
  }
  if (archived && !cJSON_IsNull(archived)) {
    reason = jget_str(archived, "reason");
    int64_t rid;
    if (!cJSON_IsObject(archived) || reason == NULL ||
        !lv_parse(K_REASON, reason, &rid) ||
        (rid != 0 && model_reason(m, rid) == NULL)) {
      reply_err(c, 400, "Invalid value for archived: expected {\"reason\": "
                "<archive reason id>, \"archivedAt\": <ms>}");
      goto out;
    }
  }
  char msg[160];
  const char *field = NULL;
  if (sim_rules_check(c, job, rule_value, body, msg, sizeof msg, &field)) {
    reply_err(c, 400, "Invalid value for %s: %s", field, msg);
    goto out;
  }
  /* dedupe: an explicit contact, or a known e-mail */
  const cJSON *emails = cJSON_GetObjectItemCaseSensitive(body, "emails");
  struct sim_candidate *cd = NULL;
  const char *contact = jget_str(body, "contact");
  if (contact) {
    int64_t cid;
    cd = lv_parse(K_CONTACT, contact, &cid) ? model_cand(m, cid) : NULL;
    if (!cand_visible(cd, c->now)) {
      reply_err(c, 400, "Invalid contact: %.40s does not exist", contact);
      goto out;
    }
  } else if (S(c->s)->dedupe) {
    cd = dedupe(c, emails);
  }
  bool deduped = cd != NULL;
  struct sim_fault *async = sim_fault_hit(c, SIM_F_ASYNC_CREATE, job);
  int64_t ready = 0;
  if (async) {
    sim_note(c, "async");
    ready = c->now + async->delay;
    sim_pending_until(c->s, ready);
  }
  char uid[LV_ID_LEN];
  lv_id(K_USER, ctx(c)->actor ? ctx(c)->actor->id : 0, uid);
  const cJSON *e;
  if (cd == NULL) {
    char first[128], last[128];
    split_name(jget_str(body, "name"), first, sizeof first, last,
               sizeof last);
    cd = model_cand_add(m, 0, first, last, c->now);
    cd->ready_at = ready;
    snprintf(cd->created_by, sizeof cd->created_by, "%s", c->cred);
    sim_setstr(&cd->title, jget_str(body, "headline"));
    if (jget_str(body, "location"))
      model_cand_set_field(cd, "location", jget_str(body, "location"));
    model_cand_set_field(cd, "lever.origin", jget_str(body, "origin")
                                                 ? jget_str(body, "origin")
                                                 : "sourced");
    model_cand_set_field(cd, "lever.owner", jget_str(body, "owner")
                                                ? jget_str(body, "owner")
                                                : uid);
  }
  cJSON_ArrayForEach(e, emails)
  {
    if (*e->valuestring && !model_cand_has_email(cd, e->valuestring, true))
      model_cand_add_email(cd, e->valuestring, "personal");
  }
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(body, "phones"))
  {
    bool have = false;
    for (size_t i = 0; i < cd->nphones && !have; i++)
      have = strcmp(cd->phones[i].value, jget_str(e, "value")) == 0;
    if (!have)
      model_cand_add_phone(cd, jget_str(e, "value"),
                           jget_str(e, "type") ? jget_str(e, "type")
                                               : "other");
  }
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(body, "tags"))
  {
    if (!strv_has(&cd->tags, e->valuestring))
      strv_add(&cd->tags, e->valuestring);
  }
  if (deduped)
    model_cand_touch(cd, c->now);
  const struct sim_stage *st = stage_name
                                   ? job_stage_named(m, job, stage_name, c->now)
                                   : model_first_stage(m, job);
  struct sim_app *a = model_app_add(m, cd, job, st->id, c->now);
  a->ready_at = ready;
  const cJSON *srcs = cJSON_GetObjectItemCaseSensitive(body, "sources");
  if (cJSON_GetArraySize(srcs) > 0)
    a->source_id = source_named(m, cJSON_GetArrayItem(srcs, 0)->valuestring);
  sim_webhook_fire(c->s, SIM_EV_NEW_APPLICATION, cd, a, 0);
  if (reason) {
    char err[200];
    if (do_archive(c, a, reason, err, sizeof err) != 0) {
      reply_err(c, 400, "%s", err);
      goto out;
    }
  }
  reply_opp(c, 201, a, deduped);
out:
  cJSON_Delete(body);
}

static void h_opp_stage(struct sim_call *c)
{
  struct sim_app *a = target_opp(c);
  if (a == NULL)
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  const char *gid = jget_str(body, "stage");
  const char *name = gid ? stage_name_of(&c->s->model, gid) : NULL;
  if (gid == NULL) {
    reply_err(c, 400, "Missing required field: stage");
  } else if (name == NULL) {
    reply_err(c, 400, "Invalid stage: %.40s is not a stage of this "
              "account's pipeline", gid);
  } else if (a->status != SIM_APP_ACTIVE) {
    reply_err(c, 400, "Opportunity is archived; un-archive it before "
              "changing its stage");
  } else {
    struct sim_model *m = &c->s->model;
    int64_t from = a->stage_id;
    struct sim_stage *st = job_stage_named(m, a->job_id, name, c->now);
    char err[200];
    if (st == NULL || model_app_move(m, a, st->id, c->now, err, sizeof err)) {
      reply_err(c, 400, "%s", st ? err : "the opportunity's posting is gone");
    } else {
      sim_webhook_fire(c->s, SIM_EV_STAGE_CHANGE, NULL, a, from);
      reply_opp(c, 200, a, -1);
    }
  }
  cJSON_Delete(body);
}

static void h_opp_archived(struct sim_call *c)
{
  struct sim_app *a = target_opp(c);
  if (a == NULL)
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(body, "reason");
  char err[200];
  if (r == NULL) {
    reply_err(c, 400, "Missing required field: reason (an archive reason "
              "id, or null to un-archive)");
  } else if (!cJSON_IsNull(r) && !cJSON_IsString(r)) {
    reply_err(c, 400, "Invalid value for reason: expected an archive reason "
              "id or null");
  } else if (do_archive(c, a, cJSON_IsNull(r) ? NULL : r->valuestring, err,
                        sizeof err) != 0) {
    reply_err(c, 400, "%s", err);
  } else {
    reply_opp(c, 200, a, -1);
  }
  cJSON_Delete(body);
}

/* ==== OAuth (auth.lever.co, Auth0) =================================================== */

static cJSON *token_body(struct sim_call *c, const struct sim_grant *g,
                         const char *jwt, const char *scope, int64_t ttl)
{
  (void)c;
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "access_token", jwt);
  if (strv_has(&g->scopes, "offline_access"))
    jput_str(o, "refresh_token", g->refresh);
  jput_str(o, "scope", scope);
  jput_int(o, "expires_in", (long)(ttl / 1000));
  jput_str(o, "token_type", "Bearer");
  return o;
}

/* A Super Admin consents: the first active one, else the first user. */
static int64_t consenting_user(const struct sim *s)
{
  const struct sim_user *who = first_admin(&s->model);
  return who ? who->id : 0;
}

/* Auth0 wants the API's audience (always, with require_audience). */
static const char *authorize_refuse(struct sim_call *c)
{
  const char *aud = at_req_query(c->req, "audience");
  if ((S(c->s)->require_audience || aud) &&
      (aud == NULL || strcmp(aud, LV_AUDIENCE) != 0))
    return "error=access_denied&error_description=Service%20not%20found";
  return NULL;
}

static const struct sim_oauth lv_oauth = {
    .json = json_resp,
    .token_body = token_body,
    .unknown_user = "user_id is not a user of this account",
    .consenting_user = consenting_user,
    .authorize_refuse = authorize_refuse,
};

/* A refresh answer without refresh_token (refresh_token_in_refresh off). */
static cJSON *token_body_bare(struct sim_call *c, const struct sim_grant *g,
                              const char *jwt, const char *scope, int64_t ttl)
{
  cJSON *o = token_body(c, g, jwt, scope, ttl);
  cJSON_DeleteItemFromObjectCaseSensitive(o, "refresh_token");
  return o;
}

static void oauth_error(struct sim_call *c, unsigned status, const char *error,
                        const char *desc)
{
  sim_oauth_error(c, &lv_oauth, status, error, desc);
}

static void do_token(struct sim_call *c)
{
  const struct lv_settings *st = S(c->s);
  char user[128] = "", pass[128] = "";
  if (!sim_basic_pair(at_req_header(c->req, "Authorization"), user,
                      sizeof user, pass, sizeof pass)) {
    const char *u = param(c, "client_id"), *p = param(c, "client_secret");
    snprintf(user, sizeof user, "%s", u ? u : "");
    snprintf(pass, sizeof pass, "%s", p ? p : "");
  }
  struct sim_client *cl = creds_client_by_client_id(&c->s->creds, user);
  if (cl == NULL || cl->revoked || strcmp(cl->secret, pass) != 0) {
    oauth_error(c, 401, "access_denied", "Unauthorized");
    return;
  }
  const char *aud = param(c, "audience");
  if (aud && strcmp(aud, LV_AUDIENCE) != 0) {
    char d[160];
    snprintf(d, sizeof d, "Service not found: %.100s", aud);
    oauth_error(c, 403, "access_denied", d);
    return;
  }
  const char *gt = param(c, "grant_type");
  if (gt && strcmp(gt, "authorization_code") == 0) {
    struct sim_grant *g = sim_oauth_code_grant(c, cl, param(c, "code"),
                                               param(c, "redirect_uri"));
    if (g == NULL) {
      oauth_error(c, st->invalid_grant_status, "invalid_grant",
                  "Invalid authorization code");
      return;
    }
    /* only offline_access brings a refresh token */
    g->refresh_expires = strv_has(&g->scopes, "offline_access")
                             ? c->now + st->refresh_ttl
                             : 0;
    sim_oauth_grant_reply(c, &lv_oauth, g, cl, "token:authorization_code");
  } else if (gt && strcmp(gt, "refresh_token") == 0) {
    struct sim_grant *g =
        sim_oauth_refresh_grant(c, cl, param(c, "refresh_token"));
    if (g == NULL || !strv_has(&g->scopes, "offline_access")) {
      oauth_error(c, st->invalid_grant_status, "invalid_grant",
                  "Unknown or invalid refresh token.");
      sim_note(c, "refresh:invalid_grant");
      return;
    }
    struct sim_oauth o = lv_oauth;
    if (!st->refresh_in_refresh) {
      o.token_body = token_body_bare; /* the old refresh token stays */
    } else if (st->refresh_rotation) {
      creds_grant_rotate(g, &c->s->prng);
      g->refresh_expires = c->now + st->refresh_ttl;
    }
    sim_oauth_grant_reply(c, &o, g, cl, "token:refresh");
  } else if (gt && strcmp(gt, "client_credentials") == 0) {
    oauth_error(c, 403, "unauthorized_client", "Grant type "
                "'client_credentials' not allowed for the client.");
  } else {
    char d[160];
    snprintf(d, sizeof d, "Unsupported grant type: %.60s", gt ? gt : "");
    oauth_error(c, 403, "unsupported_grant_type", d);
  }
}

/* GET /authorize: a Super Admin consents at once (the first active one, or
 * ?user_id=<model id>) and the browser goes back with a code. */
static void do_authorize(struct sim_call *c)
{
  sim_oauth_authorize(c, &lv_oauth);
}

/* ==== dispatch ========================================================================= */

static void lv_handle(struct sim_call *c)
{
  struct lv_ctx *x = ctx(c);
  if (x->api == LV_AUTH) {
    if (x->r == NULL) {
      reply_err(c, 404, "Not found");
      return;
    }
    if (sim_rate_check(c, 0))
      return;
    if (x->r->op == OP_TOKEN)
      do_token(c);
    else
      do_authorize(c);
    return;
  }
  struct sim_apikey *k;
  struct sim_token *t;
  if (!authenticate(c, &k, &t) || sim_rate_check(c, 0))
    return;
  if (x->r == NULL) {
    reply_err(c, 404, "Resource not found: %.80s %.200s", c->method, c->path);
    return;
  }
  if (!permitted(c, k, t))
    return;
  if (x->r->write) {
    if (!perform_as(c))
      return;
    if (x->r->op == OP_OPP_CREATE && S(c->s)->create_rate_limit &&
        sim_rate_check(c, 1))
      return;
  } else if (sim_cache_reply(c)) {
    return;
  }
  struct sim_query q = {0};
  at_req_query_each(c->req, sim_query_collect, &q);
  switch (x->r->op) {
  case OP_POSTINGS: h_postings(c, &q); break;
  case OP_POSTING: h_posting(c); break;
  case OP_STAGES: h_stages(c, &q); break;
  case OP_STAGE: h_stage(c); break;
  case OP_REASONS: h_reasons(c, &q); break;
  case OP_USERS: h_users(c, &q); break;
  case OP_USER: h_user(c); break;
  case OP_OPPS: h_opps(c, &q); break;
  case OP_OPPS_DELETED: h_opps_deleted(c, &q); break;
  case OP_OPP: h_opp(c); break;
  case OP_OPP_CREATE: h_opp_create(c); break;
  case OP_OPP_STAGE: h_opp_stage(c); break;
  case OP_OPP_ARCHIVED: h_opp_archived(c); break;
  default: reply_err(c, 404, "Not found");
  }
}

/* Scopes [MERGE-LV]: <resource>:<read|write>:admin, plus offline_access
 * for a refresh token. API keys carry the same names as permissions. */
static const char *const lv_permissions[] = {
    "postings:read:admin", "stages:read:admin", "archive_reasons:read:admin",
    "users:read:admin", "opportunities:read:admin",
    "opportunities:write:admin", "webhooks:read:admin", "webhooks:write:admin",
    NULL};

static const char *const lv_scopes[] = {
    "postings:read:admin", "stages:read:admin", "archive_reasons:read:admin",
    "users:read:admin", "opportunities:read:admin",
    "opportunities:write:admin", "webhooks:read:admin", "webhooks:write:admin",
    "offline_access", NULL};

static int lv_wire_id(const char *kind, int64_t id, char *out, size_t len)
{
  static const struct { const char *name; enum lv_kind k; } kinds[] = {
      {"job", K_POSTING}, {"user", K_USER}, {"candidate", K_CONTACT},
      {"application", K_OPP}};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(kinds[i].name, kind) == 0) {
      char buf[LV_ID_LEN];
      lv_id(kinds[i].k, id, buf);
      snprintf(out, len, "%s", buf);
      return 0;
    }
  return -1;
}

const struct sim_personality sim_lever = {
    .wire_id = lv_wire_id,
    .name = "lever",
    .display = "Lever",
    .settings = lv_settings,
    .settings_size = sizeof(struct lv_settings),
    .route = lv_route,
    .identify = lv_identify,
    .handle = lv_handle,
    .rate_limited = lv_rate_limited,
    .outage = lv_outage,
    .rate_headers = lv_rate_headers,
    .nlimiters = 2,
    .limiter_defaults = lv_limiter_defaults,
    .token_buckets = 3u,
    .status_url = "https://status.lever.co",
    .serve_paths = "API: /v1/..., OAuth: /authorize, /oauth/token",
    .serve_key_use = "Basic",
    .status_api_component = "Lever API",
    .field_aliases = lv_aliases,
    .request_kinds = lv_kinds,
    .permissions = lv_permissions,
    .scopes = lv_scopes,
    .webhook_events = lv_webhook_events,
    .webhook_wire = &lv_webhook_wire,
    .webhook_payload = lv_webhook_payload,
};
