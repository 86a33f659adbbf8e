/* greenhouse.c — the Greenhouse personality: Harvest v1 (Basic API key,
 * On-Behalf-Of, page/Link pagination), Harvest v3 (OAuth bearer JWTs with
 * scopes, cursor pagination) and the OAuth token endpoint
 * (auth.greenhouse.io/token). Facts and their sources are in
 * docs/fidelity/greenhouse.md; what no source settles is a setting. */
#include "../sim_int.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at_clock.h"

/* ==== settings (UNVERIFIED behaviour, configurable) ========================= */

struct gh_settings {
  int email_ci;                  /* ?email= matches ignoring case */
  unsigned obo_missing_status;   /* On-Behalf-Of absent on a write */
  unsigned obo_invalid_status;   /* unknown or deactivated user */
  int retry_after_epoch;         /* 429 Retry-After as epoch, not seconds */
  int token_expiry;              /* 0 both, 1 expires_in, 2 expires_at */
  bool refresh_rotation;         /* each refresh issues a new refresh token */
  bool refresh_extends;          /* a rotated refresh token lives 24 h anew */
  bool revoke_cascade;           /* revoking a refresh token kills its
                                    access tokens */
  bool regrant_requires_reauth;  /* a removed scope comes back only with a
                                    new authorization */
  bool v3_create_returns_app;    /* POST /v3/candidates 201 names the
                                    application */
  unsigned candidate_create_status;
  unsigned application_create_status;
  bool closed_job_accepts;       /* applications to closed jobs accepted */
  bool webhook_retry_new_id;     /* a retry carries a new event id */
  bool webhook_retry_jitter;     /* retries wait rand(30)*(n+1) s more */
  bool webhook_require_200;      /* only a 200 counts as delivered */
  int64_t access_ttl, refresh_ttl, code_ttl;
  int64_t webhook_delay;         /* event -> first delivery attempt */
  int64_t webhook_timeout;       /* a delivery without an answer fails */
};

#define T struct gh_settings
static const char *const retry_after_names[] = {"seconds", "epoch", NULL};
static const char *const token_expiry_names[] = {"both", "expires_in",
                                                 "expires_at", NULL};
/* In the order GET /_sim/settings lists them. */
static const struct sim_setting gh_settings[] = {
    SIM_EMAIL_MATCH(T, email_ci, 1),
    SIM_STATUS_LAX(T, obo_missing_status, "obo_missing_status", 422, 100,
                   599),
    SIM_STATUS_LAX(T, obo_invalid_status, "obo_invalid_status", 403, 100,
                   599),
    SIM_ENUM(T, retry_after_epoch, "retry_after", 0, retry_after_names),
    SIM_ENUM(T, token_expiry, "token_expiry_field", 0, token_expiry_names),
    SIM_BOOL(T, refresh_rotation, "refresh_rotation", true),
    SIM_BOOL(T, refresh_extends, "refresh_extends", true),
    SIM_BOOL(T, revoke_cascade, "revoke_cascade", true),
    SIM_BOOL(T, regrant_requires_reauth, "regrant_requires_reauth", true),
    SIM_BOOL(T, v3_create_returns_app, "v3_create_returns_application",
             false),
    SIM_BOOL(T, closed_job_accepts, "closed_job_accepts_applications", false),
    SIM_STATUS_LAX(T, candidate_create_status, "candidate_create_status",
                   201, 100, 599),
    SIM_STATUS_LAX(T, application_create_status, "application_create_status",
                   200, 100, 599),
    SIM_DURATION(T, access_ttl, "access_token_ttl", 3600 * 1000, 1),
    SIM_DURATION(T, refresh_ttl, "refresh_token_ttl", 24 * 3600 * 1000, 1),
    SIM_DURATION(T, code_ttl, "authorization_code_ttl", 60 * 1000, 1),
    SIM_DURATION(T, webhook_delay, "webhook_delay", 1000, 0),
    SIM_DURATION(T, webhook_timeout, "webhook_timeout", 10000, 1),
    SIM_BOOL(T, webhook_retry_new_id, "webhook_retry_new_id", false),
    SIM_BOOL(T, webhook_retry_jitter, "webhook_retry_jitter", false),
    SIM_BOOL(T, webhook_require_200, "webhook_require_200", false),
    {0}};
#undef T

static struct gh_settings *S(const struct sim *s) { return s->pdata; }

/* ==== routes ================================================================== */

enum gh_api { GH_V1, GH_V3, GH_AUTH };

/* Limiters: 0 = v1 (rolling 10 s), 1 = v3 (fixed 30 s), 2 = token endpoint. */
static void gh_limiter_defaults(size_t i, int *limit, int64_t *window,
                                bool *fixed)
{
  static const int limits[] = {50, 75, 100};
  static const int64_t windows[] = {10000, 30000, 60000};
  *limit = limits[i];
  *window = windows[i];
  *fixed = i != 0;
}

enum gh_op {
  OP_NONE,
  /* v1 */
  OP_V1_JOBS, OP_V1_JOB, OP_V1_JOB_STAGES, OP_V1_USERS, OP_V1_USER,
  OP_V1_CANDS, OP_V1_CAND, OP_V1_CAND_CREATE, OP_V1_CAND_ADD_APP,
  OP_V1_CAND_PATCH,
  OP_V1_MERGE, OP_V1_APPS, OP_V1_APP, OP_V1_MOVE, OP_V1_REJECT,
  OP_V1_UNREJECT, OP_V1_HIRE, OP_V1_SOURCES, OP_V1_REASONS,
  /* v3 */
  OP_V3_JOBS, OP_V3_STAGES, OP_V3_USERS, OP_V3_CANDS, OP_V3_CAND_CREATE,
  OP_V3_CAND_PATCH,
  OP_V3_MERGE, OP_V3_APPS, OP_V3_APP_CREATE, OP_V3_MOVE, OP_V3_REJECT,
  OP_V3_UNREJECT, OP_V3_HIRE, OP_V3_REASONS,
  /* OAuth */
  OP_TOKEN, OP_AUTHORIZE
};

struct gh_route {
  const char *method;
  const char *path; /* "{id}" matches a number */
  const char *tmpl; /* "METHOD path" */
  enum gh_op op;
  const char *perm; /* v1 permission / v3 scope */
  bool write;
};

#define R(m, p, op, perm, w) {m, p, m " " p, op, perm, w}
static const struct gh_route routes[] = {
    R("GET", "/v1/jobs", OP_V1_JOBS, "GET /v1/jobs", false),
    R("GET", "/v1/jobs/{id}", OP_V1_JOB, "GET /v1/jobs/{id}", false),
    R("GET", "/v1/jobs/{id}/stages", OP_V1_JOB_STAGES,
     "GET /v1/jobs/{id}/stages", false),
    R("GET", "/v1/users", OP_V1_USERS, "GET /v1/users", false),
    R("GET", "/v1/users/{id}", OP_V1_USER, "GET /v1/users/{id}", false),
    R("GET", "/v1/candidates", OP_V1_CANDS, "GET /v1/candidates", false),
    R("GET", "/v1/candidates/{id}", OP_V1_CAND, "GET /v1/candidates/{id}",
     false),
    R("POST", "/v1/candidates", OP_V1_CAND_CREATE, "POST /v1/candidates", true),
    R("PATCH", "/v1/candidates/{id}", OP_V1_CAND_PATCH,
      "PATCH /v1/candidates/{id}", true),
    R("POST", "/v1/candidates/{id}/applications", OP_V1_CAND_ADD_APP,
     "POST /v1/candidates/{id}/applications", true),
    R("PUT", "/v1/candidates/merge", OP_V1_MERGE, "PUT /v1/candidates/merge",
     true),
    R("GET", "/v1/applications", OP_V1_APPS, "GET /v1/applications", false),
    R("GET", "/v1/applications/{id}", OP_V1_APP, "GET /v1/applications/{id}",
     false),
    R("POST", "/v1/applications/{id}/move", OP_V1_MOVE,
     "POST /v1/applications/{id}/move", true),
    R("POST", "/v1/applications/{id}/reject", OP_V1_REJECT,
     "POST /v1/applications/{id}/reject", true),
    R("POST", "/v1/applications/{id}/unreject", OP_V1_UNREJECT,
     "POST /v1/applications/{id}/unreject", true),
    R("POST", "/v1/applications/{id}/hire", OP_V1_HIRE,
     "POST /v1/applications/{id}/hire", true),
    R("GET", "/v1/sources", OP_V1_SOURCES, "GET /v1/sources", false),
    R("GET", "/v1/rejection_reasons", OP_V1_REASONS,
     "GET /v1/rejection_reasons", false),
    R("GET", "/v3/jobs", OP_V3_JOBS, "harvest:jobs:list", false),
    R("GET", "/v3/job_interview_stages", OP_V3_STAGES,
     "harvest:job_interview_stages:list", false),
    R("GET", "/v3/users", OP_V3_USERS, "harvest:users:list", false),
    R("GET", "/v3/candidates", OP_V3_CANDS, "harvest:candidates:list", false),
    R("POST", "/v3/candidates", OP_V3_CAND_CREATE, "harvest:candidates:create",
     true),
    /* one scope per endpoint: the v3 reference as read by [SV-CAP]
     * (docs/notes/greenhouse-wire.md 2.3) */
    R("PATCH", "/v3/candidates/{id}", OP_V3_CAND_PATCH,
      "harvest:candidates:update", true),
    R("POST", "/v3/candidates/{id}/merge", OP_V3_MERGE,
     "harvest:candidates:merge", true),
    R("GET", "/v3/applications", OP_V3_APPS, "harvest:applications:list",
     false),
    R("POST", "/v3/applications", OP_V3_APP_CREATE,
     "harvest:applications:create", true),
    R("POST", "/v3/applications/{id}/move", OP_V3_MOVE,
     "harvest:applications:move", true),
    R("POST", "/v3/applications/{id}/reject", OP_V3_REJECT,
     "harvest:applications:reject", true),
    R("POST", "/v3/applications/{id}/unreject", OP_V3_UNREJECT,
     "harvest:applications:unreject", true),
    R("POST", "/v3/applications/{id}/hire", OP_V3_HIRE,
     "harvest:applications:hire", true),
    R("GET", "/v3/rejection_reasons", OP_V3_REASONS,
     "harvest:rejection_reasons:list", false),
    R("POST", "/token", OP_TOKEN, NULL, true),
    R("GET", "/authorize", OP_AUTHORIZE, NULL, false),
};

#define NROUTES (sizeof routes / sizeof *routes)

/* Match "/v1/candidates/123/applications" against a pattern; the number
 * (at most 18 digits) that stands for "{id}" goes to *id. */
static int digit(int ch) { return isdigit(ch); }

static bool path_match(const char *pat, const char *path, int64_t *id)
{
  char num[19];
  if (!sim_path_match(pat, path, digit, num, sizeof num))
    return false;
  if (strchr(pat, '{'))
    parse_id(num, id);
  return true;
}

/* Per-call context kept by the personality. */
struct gh_ctx {
  const struct gh_route *r;
  int64_t id;
  enum gh_api api;
};

static struct gh_ctx *ctx(struct sim_call *c) { return c->pctx; }

static bool gh_route(struct sim_call *c, struct sim_route *out)
{
  struct gh_ctx *x = at_req_alloc(c->req, sizeof *x);
  memset(x, 0, sizeof *x);
  c->pctx = x;
  if (strncmp(c->path, "/v3/", 4) == 0)
    x->api = GH_V3;
  else if (strncmp(c->path, "/v1/", 4) == 0 || strcmp(c->path, "/v1") == 0)
    x->api = GH_V1;
  else
    x->api = GH_AUTH;
  for (size_t i = 0; i < NROUTES; i++) {
    int64_t id = 0;
    if (!path_match(routes[i].path, c->path, &id))
      continue;
    if (strcmp(routes[i].method, c->method) != 0)
      continue; /* Rails routing: another method is a 404 */
    x->r = &routes[i];
    x->id = id;
    out->tmpl = routes[i].tmpl;
    out->perm = routes[i].perm;
    out->write = routes[i].write;
    return true;
  }
  return false;
}

/* ==== wire helpers ============================================================ */

static cJSON *msg_obj(const char *message)
{
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "message", message);
  return o;
}

/* {"errors":[{"message":...}]} — Harvest's state-error shape. */
static cJSON *errors_obj(const char *message)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *a = jadd_arr(o, "errors");
  cJSON *e = cJSON_CreateObject();
  jput_str(e, "message", message);
  cJSON_AddItemToArray(a, e);
  return o;
}

/* A validation error body in the API's shape (v1 and v3 differ). */
struct verr {
  cJSON *list;
  enum gh_api api;
};

static void verr_init(struct verr *v, enum gh_api api)
{
  v->list = cJSON_CreateArray();
  v->api = api;
}

static void verr_add(struct verr *v, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verr_add(struct verr *v, const char *field, const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cJSON *e = cJSON_CreateObject();
  if (v->api == GH_V3) {
    cJSON_AddStringToObject(e, field, msg);
  } else {
    jput_str(e, "message", msg);
    jput_str(e, "field", field);
  }
  cJSON_AddItemToArray(v->list, e);
}

static bool verr_any(const struct verr *v)
{
  return cJSON_GetArraySize(v->list) > 0;
}

static void reply_verr(struct sim_call *c, struct verr *v)
{
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "message", v->api == GH_V3
                                            ? "Unprocessable Content"
                                            : "Validation error");
  jadd(o, "errors", v->list);
  v->list = NULL;
  sim_reply_json(c, 422, o);
}

static void verr_free(struct verr *v)
{
  cJSON_Delete(v->list);
  v->list = NULL;
}

/* One-line validation error. */
static void reply_invalid(struct sim_call *c, const char *field,
                          const char *message)
{
  struct verr v;
  verr_init(&v, ctx(c)->api);
  verr_add(&v, field, "%s", message);
  reply_verr(c, &v);
}

/* A state error: v1 {"errors":[{"message"}]}, v3 {"message","errors":[..]}.
 */
static void reply_state(struct sim_call *c, const char *message)
{
  if (ctx(c)->api == GH_V3) {
    cJSON *o = msg_obj("Unprocessable Content");
    cJSON *a = jadd_arr(o, "errors");
    cJSON_AddItemToArray(a, cJSON_CreateString(message));
    sim_reply_json(c, 422, o);
  } else {
    sim_reply_json(c, 422, errors_obj(message));
  }
}

static void reply_not_found(struct sim_call *c)
{
  sim_reply_json(c, 404, msg_obj("Resource not found"));
}

static void reply_forbidden(struct sim_call *c, const char *message)
{
  if (ctx(c)->api == GH_V3) {
    cJSON *o = msg_obj("Forbidden");
    cJSON *a = jadd_arr(o, "errors");
    cJSON_AddItemToArray(a, cJSON_CreateString(message));
    sim_reply_json(c, 403, o);
  } else {
    sim_reply_json(c, 403, msg_obj(message));
  }
}

static void reply_bad_json(struct sim_call *c, const char *why)
{
  char msg[160];
  snprintf(msg, sizeof msg, "Invalid JSON payload: %s", why);
  if (ctx(c)->api == GH_V3) {
    cJSON *o = msg_obj("Bad Request");
    cJSON *a = jadd_arr(o, "errors");
    cJSON_AddItemToArray(a, cJSON_CreateString(msg));
    sim_reply_json(c, 400, o);
  } else {
    sim_reply_json(c, 400, errors_obj(msg));
  }
}

static struct at_resp *gh_rate_limited(struct sim_call *c,
                                       const struct sim_rl_result *rl)
{
  struct gh_ctx *x = ctx(c);
  int64_t secs = (rl->retry_after + 999) / 1000;
  if (secs < 1)
    secs = 1;
  char buf[160];
  cJSON *body;
  if (x && x->api == GH_V3) {
    body = msg_obj("Too Many Requests");
    cJSON *a = jadd_arr(body, "errors");
    snprintf(buf, sizeof buf, "Rate limit exceeded; retry after %lld seconds",
             (long long)secs);
    cJSON_AddItemToArray(a, cJSON_CreateString(buf));
  } else if (x && x->api == GH_AUTH) {
    body = cJSON_CreateObject();
    jput_str(body, "error", "rate_limit_exceeded");
  } else {
    body = msg_obj("Too Many Requests");
  }
  struct at_resp *r = sim_json_resp(429, body);
  bool epoch = c->s->pdata && S(c->s)->retry_after_epoch && x &&
               x->api == GH_V1;
  snprintf(buf, sizeof buf, "%lld",
           (long long)(epoch ? (c->now + rl->retry_after + 999) / 1000 : secs));
  at_resp_header(r, "Retry-After", buf);
  snprintf(buf, sizeof buf, "%d", rl->limit);
  at_resp_header(r, "X-RateLimit-Limit", buf);
  at_resp_header(r, "X-RateLimit-Remaining", "0");
  snprintf(buf, sizeof buf, "%lld", (long long)((rl->reset + 999) / 1000));
  at_resp_header(r, "X-RateLimit-Reset", buf);
  return r;
}

static void gh_rate_headers(struct sim_call *c, struct at_resp *r,
                            const struct sim_rl_result *rl)
{
  if (rl->limited || rl->limit < 0)
    return;
  char buf[32];
  snprintf(buf, sizeof buf, "%d", rl->limit);
  at_resp_header(r, "X-RateLimit-Limit", buf);
  snprintf(buf, sizeof buf, "%d", rl->remaining);
  at_resp_header(r, "X-RateLimit-Remaining", buf);
  struct gh_ctx *x = ctx(c);
  if (x && x->api == GH_V3) { /* v3 sends the reset on every response */
    snprintf(buf, sizeof buf, "%lld", (long long)((rl->reset + 999) / 1000));
    at_resp_header(r, "X-RateLimit-Reset", buf);
  }
}

static struct at_resp *gh_outage(struct sim_call *c, unsigned status,
                                 const char *message)
{
  if (status == 503) {
    /* a load balancer's maintenance page, not JSON (UNVERIFIED) */
    char body[512];
    snprintf(body, sizeof body,
             "<!DOCTYPE html><html><head><title>503 Service Unavailable"
             "</title></head><body><h1>Service Unavailable</h1><p>%s</p>"
             "</body></html>",
             message ? message
                     : "Greenhouse is down for maintenance. Check "
                       "status.greenhouse.io for updates.");
    struct at_resp *r = at_resp_new(503);
    at_resp_body(r, "text/html; charset=utf-8", body, strlen(body));
    return r;
  }
  if (ctx(c) && ctx(c)->api == GH_V3)
    return sim_json_resp(status, msg_obj("Internal Server Error"));
  return sim_json_resp(status, errors_obj("We had a problem with our server. "
                                      "Try again later."));
}

/* ==== authentication ============================================================ */

/* Copy 'src' into 'dst' (len bytes); false when it does not fit. */
/* "Basic base64(user:pass)" into both parts (an API key is the user with
 * an empty password). */
static bool basic_user(const char *auth, char *out, size_t len)
{
  char pass[128];
  return sim_basic_pair(auth, out, len, pass, sizeof pass);
}

static const char *body_client_id(struct sim_call *c);

static void gh_identify(struct sim_call *c, char *cred, size_t len)
{
  struct gh_ctx *x = ctx(c);
  cred[0] = '\0';
  const char *auth = at_req_header(c->req, "Authorization");
  if (x->api == GH_V1) {
    char key[128];
    if (basic_user(auth, key, sizeof key)) {
      struct sim_apikey *k = creds_key_by_secret(&c->s->creds, key);
      if (k)
        snprintf(cred, len, "%s", k->id);
    }
  } else if (x->api == GH_V3) {
    const char *t = sim_bearer(c);
    struct sim_token *tok = t ? creds_token_by_jwt(&c->s->creds, t) : NULL;
    if (tok)
      snprintf(cred, len, "%s", tok->client);
  } else {
    char u[128], p[128];
    const char *cid = sim_basic_pair(auth, u, sizeof u, p, sizeof p)
                          ? u
                          : body_client_id(c);
    struct sim_client *cl =
        cid ? creds_client_by_client_id(&c->s->creds, cid) : NULL;
    if (cl)
      snprintf(cred, len, "%s", cl->id);
  }
}

/* v1: the API key and its permission for the route. Returns the key, or
 * NULL after answering 401/403. */
static struct sim_apikey *v1_auth(struct sim_call *c)
{
  char key[128];
  const char *auth = at_req_header(c->req, "Authorization");
  struct sim_apikey *k = NULL;
  if (basic_user(auth, key, sizeof key))
    k = creds_key_by_secret(&c->s->creds, key);
  if (k == NULL || k->revoked) {
    struct at_resp *r = sim_json_resp(401, msg_obj("Invalid Basic Auth credentials"));
    at_resp_header(r, "WWW-Authenticate", "Basic realm=\"Greenhouse Harvest\"");
    sim_reply(c, r);
    return NULL;
  }
  return k;
}

static bool v1_permitted(struct sim_call *c, const struct sim_apikey *k)
{
  if (k->all || strv_has(&k->perms, c->route.perm))
    return true;
  reply_forbidden(c, "You do not have access to that record.");
  return false;
}

/* The acting user of a v1 write (On-Behalf-Of), or NULL after answering. */
static struct sim_user *v1_obo(struct sim_call *c)
{
  const struct gh_settings *g = S(c->s);
  const char *h = at_req_header(c->req, "On-Behalf-Of");
  if (h == NULL || *h == '\0') {
    if (g->obo_missing_status == 422) {
      reply_invalid(c, "On-Behalf-Of",
                    "Missing On-Behalf-Of header: supply the id of the "
                    "Greenhouse user making this change");
    } else {
      sim_reply_json(c, g->obo_missing_status,
                     errors_obj("Missing On-Behalf-Of header"));
    }
    return NULL;
  }
  int64_t uid;
  struct sim_user *u = parse_id(h, &uid) == 0 ? model_user(&c->s->model, uid)
                                             : NULL;
  if (u == NULL || u->disabled) {
    char msg[160];
    snprintf(msg, sizeof msg, "User %.40s %s", h,
             u ? "is deactivated and cannot act on behalf of this key"
               : "does not exist in this organization");
    sim_reply_json(c, g->obo_invalid_status, errors_obj(msg));
    return NULL;
  }
  return u;
}

/* v3: the bearer token; NULL after answering 401/403. */
static struct sim_token *v3_auth(struct sim_call *c)
{
  const char *t = sim_bearer(c);
  struct sim_token *tok = t ? creds_token_by_jwt(&c->s->creds, t) : NULL;
  const char *why = NULL;
  if (tok == NULL)
    why = "Token could not be decoded. Please ensure your token is from a "
          "trusted source.";
  else if (tok->revoked)
    why = "Token has been revoked.";
  else if (c->now >= tok->expires)
    why = "Token has expired.";
  else {
    struct sim_client *cl = creds_client(&c->s->creds, tok->client);
    if (cl == NULL || cl->revoked)
      why = "Token has been revoked.";
  }
  if (why) {
    cJSON *o = msg_obj("Unauthorized");
    cJSON *a = jadd_arr(o, "errors");
    cJSON_AddItemToArray(a, cJSON_CreateString(why));
    struct at_resp *r = sim_json_resp(401, o);
    at_resp_header(r, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    sim_reply(c, r);
    return NULL;
  }
  return tok;
}

/* Scope removal is enforced at request time: the token's scopes and the
 * client's current scopes must both cover the route. */
static bool v3_permitted(struct sim_call *c, const struct sim_token *t)
{
  const struct sim_client *cl = creds_client(&c->s->creds, t->client);
  const struct sim_grant *g = creds_grant(&c->s->creds, t->grant);
  const char *need = c->route.perm;
  /* the token, its client and its authorization must all still carry the
   * scope: one removed from the authorization stays removed for tokens
   * issued before, even once the client has it again */
  bool granted = g == NULL || g->client_credentials ||
                 strv_has(&g->scopes, need);
  if (strv_has(&t->scopes, need) && cl && strv_has(&cl->scopes, need) &&
      granted) {
    const struct sim_user *u = model_user(&c->s->model, t->user_id);
    if (u && !u->disabled)
      return true;
    char msg[128];
    snprintf(msg, sizeof msg, "User %lld is deactivated",
             (long long)t->user_id);
    reply_forbidden(c, msg);
    return false;
  }
  char msg[160];
  snprintf(msg, sizeof msg, "Missing required scope: %s", need);
  reply_forbidden(c, msg);
  return false;
}

/* ==== JSON renderings ============================================================== */

static int64_t name_id(const char *name, int64_t base)
{
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = name; p && *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  return base + (int64_t)(h % 90000);
}

static cJSON *contacts(const struct sim_contact *v, size_t n)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++) {
    cJSON *e = cJSON_CreateObject();
    jput_str(e, "value", v[i].value);
    jput_str(e, "type", v[i].type);
    cJSON_AddItemToArray(a, e);
  }
  return a;
}

static cJSON *custom_fields(const struct sim_candidate *cd, bool keyed)
{
  cJSON *o = cJSON_CreateObject();
  for (size_t i = 0; cd && i < cd->nfields; i++) {
    if (keyed) {
      cJSON *k = cJSON_CreateObject();
      jput_str(k, "name", cd->fields[i].key);
      jput_str(k, "type", "short_text");
      jput_str(k, "value", cd->fields[i].value);
      cJSON_AddItemToObject(o, cd->fields[i].key, k);
    } else {
      jput_str(o, cd->fields[i].key, cd->fields[i].value);
    }
  }
  return o;
}

static cJSON *v1_app_json(const struct sim *s, const struct sim_app *a)
{
  const struct sim_model *m = &s->model;
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", a->id);
  jput_id(o, "candidate_id", a->candidate_id);
  jput_bool(o, "prospect", false);
  jput_time(o, "applied_at", a->applied);
  jput_time(o, "rejected_at", a->rejected_at);
  jput_time(o, "last_activity_at", a->last_activity);
  jadd_null(o, "location");
  const struct sim_source *src = model_source(m, a->source_id);
  if (src) {
    cJSON *so = jadd_obj(o, "source");
    jput_id(so, "id", src->id);
    jput_str(so, "public_name", src->name);
  } else {
    jadd_null(o, "source");
  }
  jadd_null(o, "credited_to");
  const struct sim_reason *rr = model_reason(m, a->rejection_reason_id);
  if (a->status == SIM_APP_REJECTED && rr) {
    cJSON *ro = jadd_obj(o, "rejection_reason");
    jput_id(ro, "id", rr->id);
    jput_str(ro, "name", rr->name);
    cJSON *t = jadd_obj(ro, "type");
    jput_id(t, "id", strcmp(rr->type, "they_rejected_us") == 0 ? 2 : 1);
    jput_str(t, "name", strcmp(rr->type, "they_rejected_us")
                                           ? "We rejected them"
                                           : "They rejected us");
    cJSON *rd = jadd_obj(o, "rejection_details");
    jadd_obj(rd, "custom_fields");
    jadd_obj(rd, "keyed_custom_fields");
  } else {
    jadd_null(o, "rejection_reason");
    jadd_null(o, "rejection_details");
  }
  cJSON *jobs = jadd_arr(o, "jobs");
  const struct sim_job *j = model_job(m, a->job_id);
  if (j) {
    cJSON *jo = cJSON_CreateObject();
    jput_id(jo, "id", j->id);
    jput_str(jo, "name", j->name);
    cJSON_AddItemToArray(jobs, jo);
  }
  jadd_null(o, "job_post_id");
  jput_str(o, "status", sim_app_status_name(a->status));
  const struct sim_stage *st = model_stage(m, a->stage_id);
  if (a->status != SIM_APP_HIRED && st) {
    cJSON *so = jadd_obj(o, "current_stage");
    jput_id(so, "id", st->id);
    jput_str(so, "name", st->name);
  } else {
    jadd_null(o, "current_stage");
  }
  jadd_arr(o, "answers");
  jadd_null(o, "prospective_office");
  jadd_null(o, "prospective_department");
  cJSON *pd = jadd_obj(o, "prospect_detail");
  jadd_null(pd, "prospect_pool");
  jadd_null(pd, "prospect_stage");
  jadd_null(pd, "prospect_owner");
  jadd_obj(o, "custom_fields");
  jadd_obj(o, "keyed_custom_fields");
  jadd_arr(o, "attachments");
  return o;
}

static bool app_visible(const struct sim *s, const struct sim_app *a,
                        int64_t now);

static cJSON *v1_cand_json(const struct sim *s, const struct sim_candidate *cd)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", cd->id);
  jput_str(o, "first_name", cd->first);
  jput_str(o, "last_name", cd->last);
  jput_str(o, "company", cd->company);
  jput_str(o, "title", cd->title);
  jput_time(o, "created_at", cd->created);
  jput_time(o, "updated_at", cd->updated);
  jput_time(o, "last_activity", cd->last_activity);
  jput_bool(o, "is_private", false);
  jadd_null(o, "photo_url");
  jadd_arr(o, "attachments");
  cJSON *ids = jadd_arr(o, "application_ids");
  for (size_t i = 0; i < cd->apps.n; i++) /* not those reading 404 */
    if (app_visible(s, cd->apps.v[i], sim_now(s)))
      cJSON_AddItemToArray(ids, jid(((struct sim_app *)cd->apps.v[i])->id));
  jadd(o, "phone_numbers", contacts(cd->phones, cd->nphones));
  jadd_arr(o, "addresses");
  jadd(o, "email_addresses",
                        contacts(cd->emails, cd->nemails));
  jadd_arr(o, "website_addresses");
  jadd_arr(o, "social_media_addresses");
  jadd_null(o, "recruiter");
  jadd_null(o, "coordinator");
  jput_bool(o, "can_email", true);
  cJSON *tags = jadd_arr(o, "tags");
  for (size_t i = 0; i < cd->tags.n; i++)
    cJSON_AddItemToArray(tags, cJSON_CreateString(cd->tags.v[i]));
  cJSON *apps = jadd_arr(o, "applications");
  for (size_t i = 0; i < cd->apps.n; i++)
    if (app_visible(s, cd->apps.v[i], sim_now(s)))
      cJSON_AddItemToArray(apps, v1_app_json(s, cd->apps.v[i]));
  jadd_arr(o, "educations");
  jadd_arr(o, "employments");
  jadd_arr(o, "linked_user_ids");
  jadd(o, "custom_fields", custom_fields(cd, false));
  jadd(o, "keyed_custom_fields", custom_fields(cd, true));
  return o;
}

static cJSON *v1_job_json(const struct sim *s, const struct sim_job *j)
{
  (void)s;
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", j->id);
  jput_str(o, "name", j->name);
  jput_str(o, "requisition_id", j->requisition_id);
  jadd_null(o, "notes");
  jput_bool(o, "confidential", j->confidential);
  jput_str(o, "status", sim_job_status_name(j->status));
  jput_time(o, "created_at", j->created);
  jput_time(o, "opened_at", j->opened);
  jput_time(o, "closed_at", j->closed);
  jput_time(o, "updated_at", j->updated);
  jput_bool(o, "is_template", false);
  jadd_null(o, "copied_from_id");
  cJSON *deps = jadd_arr(o, "departments");
  if (j->department) {
    cJSON *d = cJSON_CreateObject();
    jput_id(d, "id", name_id(j->department, 20000));
    jput_str(d, "name", j->department);
    jadd_null(d, "parent_id");
    jadd_null(d, "parent_department_external_id");
    jadd_arr(d, "child_ids");
    jadd_arr(d, "child_department_external_ids");
    jadd_null(d, "external_id");
    cJSON_AddItemToArray(deps, d);
  }
  cJSON *offs = jadd_arr(o, "offices");
  if (j->office) {
    cJSON *d = cJSON_CreateObject();
    jput_id(d, "id", name_id(j->office, 40000));
    jput_str(d, "name", j->office);
    cJSON *loc = jadd_obj(d, "location");
    jput_str(loc, "name", j->office);
    jadd_null(d, "primary_contact_user_id");
    jadd_null(d, "parent_id");
    jadd_arr(d, "child_ids");
    jadd_null(d, "external_id");
    cJSON_AddItemToArray(offs, d);
  }
  jadd_obj(o, "custom_fields");
  jadd_obj(o, "keyed_custom_fields");
  cJSON *ht = jadd_obj(o, "hiring_team");
  jadd_arr(ht, "hiring_managers");
  jadd_arr(ht, "recruiters");
  jadd_arr(ht, "coordinators");
  jadd_arr(ht, "sourcers");
  cJSON *ops = jadd_arr(o, "openings");
  cJSON *op = cJSON_CreateObject();
  jput_id(op, "id", j->id * 10 + 1);
  char oid[32];
  snprintf(oid, sizeof oid, "%lld-1", (long long)(j->id % 100000));
  jput_str(op, "opening_id", oid);
  jput_str(op, "status",
                          j->status == SIM_JOB_OPEN ? "open" : "closed");
  jput_time(op, "opened_at", j->opened);
  jput_time(op, "closed_at", j->closed);
  jadd_null(op, "application_id");
  jadd_null(op, "close_reason");
  cJSON_AddItemToArray(ops, op);
  return o;
}

static cJSON *v1_stage_json(const struct sim_stage *st)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", st->id);
  jput_str(o, "name", st->name);
  jput_time(o, "created_at", st->created);
  jput_time(o, "updated_at", st->updated);
  jput_bool(o, "active", st->active);
  jput_id(o, "job_id", st->job_id);
  jput_int(o, "priority", st->priority);
  jadd_arr(o, "interviews");
  return o;
}

static cJSON *v1_user_json(const struct sim_user *u)
{
  char name[160];
  snprintf(name, sizeof name, "%s %s", u->first, u->last);
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", u->id);
  jput_str(o, "name", name);
  jput_str(o, "first_name", u->first);
  jput_str(o, "last_name", u->last);
  jput_str(o, "primary_email_address", u->email);
  jput_time(o, "updated_at", u->updated);
  jput_time(o, "created_at", u->created);
  jput_bool(o, "disabled", u->disabled);
  jput_bool(o, "site_admin", u->site_admin);
  cJSON *em = jadd_arr(o, "emails");
  if (u->email)
    cJSON_AddItemToArray(em, cJSON_CreateString(u->email));
  jadd_null(o, "employee_id");
  jadd_arr(o, "linked_candidate_ids");
  jadd_arr(o, "offices");
  jadd_arr(o, "departments");
  return o;
}

static cJSON *v3_job_json(const struct sim_job *j)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", j->id);
  jput_str(o, "name", j->name);
  jput_str(o, "requisition_id", j->requisition_id);
  jadd_null(o, "notes");
  jput_bool(o, "confidential", j->confidential);
  jput_str(o, "status", sim_job_status_name(j->status));
  jput_time(o, "opened_at", j->opened);
  jput_time(o, "closed_at", j->closed);
  jput_bool(o, "is_template", false);
  jadd_null(o, "copied_from_id");
  if (j->department)
    jput_id(o, "department_id", name_id(j->department, 20000));
  else
    jadd_null(o, "department_id");
  cJSON *offs = jadd_arr(o, "office_ids");
  if (j->office)
    cJSON_AddItemToArray(offs, jid(name_id(j->office, 40000)));
  jadd_obj(o, "custom_fields");
  jput_time(o, "created_at", j->created);
  jput_time(o, "updated_at", j->updated);
  return o;
}

static cJSON *v3_stage_json(const struct sim_stage *st)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", st->id);
  jput_id(o, "job_id", st->job_id);
  jput_str(o, "name", st->name);
  jput_int(o, "sort_order", st->priority);
  jput_bool(o, "active", st->active);
  jput_time(o, "created_at", st->created);
  jput_time(o, "updated_at", st->updated);
  return o;
}

static cJSON *v3_user_json(const struct sim_user *u)
{
  char name[160];
  snprintf(name, sizeof name, "%s %s", u->first, u->last);
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", u->id);
  jput_str(o, "first_name", u->first);
  jput_str(o, "last_name", u->last);
  jput_str(o, "name", name);
  jadd_null(o, "job_title");
  jput_str(o, "primary_email", u->email);
  cJSON *em = jadd_arr(o, "emails");
  if (u->email)
    cJSON_AddItemToArray(em, cJSON_CreateString(u->email));
  jput_bool(o, "deactivated", u->disabled);
  jput_bool(o, "site_admin", u->site_admin);
  jadd_null(o, "agency_id");
  jadd_null(o, "employee_id");
  jadd_arr(o, "linked_candidate_ids");
  jadd_arr(o, "office_ids");
  jadd_arr(o, "department_ids");
  jadd_arr(o, "interviewer_tags");
  jadd_obj(o, "custom_fields");
  jput_time(o, "created_at", u->created);
  jput_time(o, "updated_at", u->updated);
  return o;
}

static cJSON *v3_cand_json(const struct sim_candidate *cd)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", cd->id);
  jput_str(o, "first_name", cd->first);
  jput_str(o, "last_name", cd->last);
  jadd_null(o, "preferred_name");
  jput_str(o, "company", cd->company);
  jput_str(o, "title", cd->title);
  jput_bool(o, "private", false);
  jput_bool(o, "can_email", true);
  jadd(o, "email_addresses",
                        contacts(cd->emails, cd->nemails));
  jadd(o, "phone_numbers", contacts(cd->phones, cd->nphones));
  jadd_arr(o, "addresses");
  jadd_arr(o, "website_addresses");
  jadd_arr(o, "social_media_addresses");
  cJSON *tags = jadd_arr(o, "tags");
  for (size_t i = 0; i < cd->tags.n; i++)
    cJSON_AddItemToArray(tags, cJSON_CreateString(cd->tags.v[i]));
  jadd_arr(o, "linked_user_ids");
  jadd_null(o, "time_zone");
  jadd(o, "custom_fields", custom_fields(cd, false));
  jput_time(o, "last_activity_at", cd->last_activity);
  jput_time(o, "created_at", cd->created);
  jput_time(o, "updated_at", cd->updated);
  return o;
}

static const char *v3_status(enum sim_app_status s)
{
  /* v3 reads back "in_process" where it filters on "active" */
  return s == SIM_APP_ACTIVE ? "in_process" : sim_app_status_name(s);
}

static cJSON *v3_app_json(const struct sim *s, const struct sim_app *a)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", a->id);
  jput_id(o, "candidate_id", a->candidate_id);
  jput_id(o, "job_id", a->job_id);
  jadd_null(o, "job_post_id");
  jput_str(o, "status", v3_status(a->status));
  const struct sim_stage *st = model_stage(&s->model, a->stage_id);
  if (a->status != SIM_APP_HIRED && st) {
    jput_id(o, "stage_id", st->id);
    jput_str(o, "stage_name", st->name);
  } else {
    jadd_null(o, "stage_id");
    jadd_null(o, "stage_name");
  }
  jadd_null(o, "needs_decision");
  jput_bool(o, "prospect", false);
  jadd_arr(o, "prospective_job_ids");
  jadd_null(o, "recruiter_id");
  jadd_null(o, "coordinator_id");
  jput_id(o, "source_id", a->source_id);
  jadd_null(o, "referrer_id");
  jput_time(o, "rejected_at", a->rejected_at);
  jput_time(o, "last_activity_at", a->last_activity);
  jadd_null(o, "location_address");
  jadd_arr(o, "answers");
  jadd_obj(o, "custom_fields");
  jadd_null(o, "agency_note_id");
  jput_time(o, "created_at", a->applied);
  jput_time(o, "updated_at", a->updated);
  return o;
}

/* ==== webhook bodies ============================================================== */

/* What the fake sends is shaped on the documented examples [GH-WH]
 * [GH-WH-EV] (docs/fidelity/greenhouse.md#webhooks): the same application
 * object for every application event, the candidate inside it, its job
 * under "jobs"; records the sim does not model (interviews, attachments,
 * recruiters, custom field definitions) are empty or null. */

static const struct sim_event_def gh_webhook_events[SIM_EV__COUNT] = {
    [SIM_EV_PING] = {"ping", -1},
    [SIM_EV_NEW_APPLICATION] = {"new_candidate_application", -1},
    [SIM_EV_STAGE_CHANGE] = {"candidate_stage_change", -1},
    [SIM_EV_REJECT] = {"reject_candidate", -1},
    [SIM_EV_UNREJECT] = {"unreject_candidate", -1},
    [SIM_EV_HIRE] = {"hire_candidate", -1},
    [SIM_EV_UPDATE_CANDIDATE] = {"update_candidate", -1},
    /* a hook that listens to deletes but not to merges gets a delete */
    [SIM_EV_MERGE_CANDIDATE] = {"merge_candidate", SIM_EV_DELETE_CANDIDATE},
    [SIM_EV_DELETE_CANDIDATE] = {"delete_candidate", -1},
};

/* Retry policy [GH-WH]: 6 retries after 1, 15, 60, 120, 240, 480 minutes. */
static const int64_t gh_retry_waits[] = {60000,   900000,   3600000,
                                         7200000, 14400000, 28800000};

static const struct sim_webhook_wire gh_webhook_wire = {
    .id_header = "Greenhouse-Event-ID",
    .sig_header = "Signature",
    .sig_prefix = "sha256 ",
    .user_agent = "Greenhouse-Webhooks/1.0 (atsim)",
    .retry_waits = gh_retry_waits,
    .nretries = sizeof gh_retry_waits / sizeof *gh_retry_waits,
    .escape_html = true, /* "<p>" is sent as "\u003cp\u003e" [GH-WH] */
};

/* Webhook bodies carry times to the second ("2015-02-11T15:50:41Z"). */
static void wh_time(cJSON *o, const char *k, int64_t ms)
{
  char buf[AT_TIME_BUF];
  if (ms == 0)
    jadd_null(o, k);
  else
    jput_str(o, k, at_time_iso8601(ms, false, buf));
}

/* The candidate's page in the app (with the application when app != 0). */
static void wh_url(cJSON *o, int64_t cand, int64_t app)
{
  char u[128];
  if (app)
    snprintf(u, sizeof u, "https://app.greenhouse.io/people/%lld?application_id=%lld",
             (long long)cand, (long long)app);
  else
    snprintf(u, sizeof u, "https://app.greenhouse.io/people/%lld",
             (long long)cand);
  jput_str(o, "url", u);
}

static cJSON *wh_candidate(const struct sim_candidate *cd)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", cd->id);
  jput_str(o, "first_name", cd->first);
  jput_str(o, "last_name", cd->last);
  jput_str(o, "title", cd->title);
  jput_str(o, "company", cd->company);
  wh_time(o, "created_at", cd->created);
  jadd_null(o, "external_id");
  jadd_null(o, "photo_url");
  wh_url(o, cd->id, 0);
  jput_bool(o, "is_private", false);
  jput_bool(o, "can_email", true);
  jadd(o, "phone_numbers", contacts(cd->phones, cd->nphones));
  jadd(o, "email_addresses", contacts(cd->emails, cd->nemails));
  jadd_arr(o, "addresses");
  jadd_arr(o, "website_addresses");
  jadd_arr(o, "social_media_addresses");
  jadd_arr(o, "educations");
  jadd_arr(o, "employments");
  jadd_null(o, "recruiter");
  jadd_null(o, "coordinator");
  jadd_arr(o, "attachments");
  cJSON *tags = jadd_arr(o, "tags");
  for (size_t i = 0; i < cd->tags.n; i++)
    cJSON_AddItemToArray(tags, cJSON_CreateString(cd->tags.v[i]));
  jadd(o, "custom_fields", custom_fields(cd, true));
  return o;
}

static cJSON *wh_job(const struct sim_job *j)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", j->id);
  jput_str(o, "name", j->name);
  jput_str(o, "requisition_id", j->requisition_id);
  jadd_null(o, "notes");
  jput_bool(o, "confidential", j->confidential);
  jadd_null(o, "job_post_id");
  jput_str(o, "status", sim_job_status_name(j->status));
  wh_time(o, "created_at", j->created);
  wh_time(o, "opened_at", j->opened);
  wh_time(o, "closed_at", j->closed);
  cJSON *deps = jadd_arr(o, "departments");
  if (j->department) {
    cJSON *d = cJSON_CreateObject();
    jput_id(d, "id", name_id(j->department, 20000));
    jput_str(d, "name", j->department);
    jadd_null(d, "external_id");
    cJSON_AddItemToArray(deps, d);
  }
  cJSON *offs = jadd_arr(o, "offices");
  if (j->office) {
    cJSON *d = cJSON_CreateObject();
    jput_id(d, "id", name_id(j->office, 40000));
    jput_str(d, "name", j->office);
    jput_str(d, "location", j->office);
    jadd_null(d, "external_id");
    cJSON_AddItemToArray(offs, d);
  }
  jadd_obj(o, "custom_fields");
  return o;
}

/* The documented examples label the source "name" on new applications and
 * stage changes but "public_name" on rejections and hires; both as
 * documented. */
static void wh_source(cJSON *o, const struct sim *s, const struct sim_app *a,
                      enum sim_event ev)
{
  const struct sim_source *src = model_source(&s->model, a->source_id);
  if (src == NULL) {
    jadd_null(o, "source");
    return;
  }
  cJSON *so = jadd_obj(o, "source");
  jput_id(so, "id", src->id);
  bool pub = ev == SIM_EV_REJECT || ev == SIM_EV_UNREJECT || ev == SIM_EV_HIRE;
  jput_str(so, pub ? "public_name" : "name", src->name);
}

static void wh_rejection(cJSON *o, const struct sim *s, const struct sim_app *a)
{
  const struct sim_reason *rr = model_reason(&s->model, a->rejection_reason_id);
  if (a->status != SIM_APP_REJECTED || rr == NULL) {
    jadd_null(o, "rejection_reason");
    jadd_null(o, "rejection_details");
    return;
  }
  cJSON *ro = jadd_obj(o, "rejection_reason");
  jput_id(ro, "id", rr->id);
  jput_str(ro, "name", rr->name);
  cJSON *t = jadd_obj(ro, "type");
  bool they = strcmp(rr->type, "they_rejected_us") == 0;
  jput_id(t, "id", they ? 2 : 1);
  jput_str(t, "name", they ? "They rejected us" : "We rejected them");
  cJSON *rd = jadd_obj(o, "rejection_details");
  jadd_obj(rd, "custom_fields");
}

/* hire_candidate also names the opening filled and the accepted offer. */
static void wh_hire_extras(cJSON *o, const struct sim_app *a)
{
  char oid[32];
  snprintf(oid, sizeof oid, "%lld-1", (long long)(a->job_id % 100000));
  cJSON *op = jadd_obj(o, "opening");
  jput_str(op, "opening_id", oid);
  cJSON *of = jadd_obj(o, "offer");
  jput_id(of, "id", a->id * 10 + 1);
  jput_int(of, "version", 1);
  wh_time(of, "created_at", a->hired_at);
  wh_time(of, "resolved_at", a->hired_at);
  jput_str(of, "starts_at", a->start_date);
  jadd_obj(of, "custom_fields");
}

static cJSON *wh_application(const struct sim *s, enum sim_event ev,
                             const struct sim_app *a,
                             const struct sim_candidate *cd)
{
  const struct sim_model *m = &s->model;
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", a->id);
  wh_time(o, "rejected_at", a->rejected_at);
  jput_bool(o, "prospect", false);
  jput_str(o, "status", sim_app_status_name(a->status));
  wh_time(o, "applied_at", a->applied);
  wh_time(o, "last_activity_at", a->last_activity);
  wh_url(o, a->candidate_id, a->id);
  wh_source(o, s, a, ev);
  jadd_null(o, "credited_to");
  wh_rejection(o, s, a);
  const struct sim_stage *st = model_stage(m, a->stage_id);
  if (a->status != SIM_APP_HIRED && st) { /* hired: no current stage */
    cJSON *so = jadd_obj(o, "current_stage");
    jput_id(so, "id", st->id);
    jput_str(so, "name", st->name);
    jadd_arr(so, "interviews");
  } else {
    jadd_null(o, "current_stage");
  }
  if (ev == SIM_EV_NEW_APPLICATION) {
    cJSON *pd = jadd_obj(o, "prospect_detail");
    jadd_null(pd, "prospect_pool");
    jadd_null(pd, "prospect_stage");
    jadd_null(pd, "prospect_owner");
  }
  jadd_obj(o, "custom_fields");
  if (cd)
    jadd(o, "candidate", wh_candidate(cd));
  else
    jadd_null(o, "candidate");
  cJSON *jobs = jadd_arr(o, "jobs");
  const struct sim_job *j = model_job(m, a->job_id);
  if (j)
    cJSON_AddItemToArray(jobs, wh_job(j));
  if (ev == SIM_EV_HIRE)
    wh_hire_extras(o, a);
  return o;
}

/* merge_candidate / delete_candidate: the person that is gone. */
static cJSON *wh_person(const struct sim_candidate *cd, enum sim_event ev,
                        int64_t survivor)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", cd->id);
  jput_str(o, "first_name", cd->first);
  jput_str(o, "last_name", cd->last);
  jput_str(o, "company", cd->company);
  jput_str(o, "title", cd->title);
  wh_time(o, "created_at", cd->created);
  jadd_null(o, "headline");
  jput_bool(o, "is_private", false);
  jadd_null(o, "recruiter_user_id");
  jadd_null(o, "coordinator_user_id");
  jput_bool(o, "can_email", true);
  if (ev == SIM_EV_MERGE_CANDIDATE)
    jput_id(o, "new_candidate_id", survivor);
  else /* a merge moves the applications: none is deleted */
    jadd_arr(o, "deleted_application_ids");
  return o;
}

/* The ping a save sends. Its body is not documented beyond "some
 * configuration settings for the web hook" [GH-WH] (UNVERIFIED). The URL
 * is left out: it holds the receiver's (ephemeral) port, and a run must
 * send the same bytes on every machine. */
static cJSON *wh_ping(const struct sim *s, int hook)
{
  cJSON *o = cJSON_CreateObject();
  const struct sim_webhook *h = webhook_find(s, hook);
  jput_int(o, "web_hook_id", hook);
  if (h) {
    cJSON *ev = jadd_arr(o, "events");
    for (size_t i = 0; i < h->events.n; i++)
      cJSON_AddItemToArray(ev, cJSON_CreateString(h->events.v[i]));
  }
  return o;
}

/* The webhook_ids_only fault: only the ids survive. */
static cJSON *wh_ids_only(enum sim_event ev, const struct sim_candidate *c,
                          const struct sim_app *a, int64_t extra)
{
  cJSON *p = cJSON_CreateObject();
  if (ev == SIM_EV_UPDATE_CANDIDATE) {
    jput_id(jadd_obj(p, "candidate"), "id", c->id);
  } else if (ev == SIM_EV_MERGE_CANDIDATE || ev == SIM_EV_DELETE_CANDIDATE) {
    cJSON *pe = jadd_obj(p, "person");
    jput_id(pe, "id", c->id);
    if (ev == SIM_EV_MERGE_CANDIDATE)
      jput_id(pe, "new_candidate_id", extra);
  } else {
    cJSON *ap = jadd_obj(p, "application");
    jput_id(ap, "id", a->id);
    jput_id(jadd_obj(ap, "candidate"), "id", a->candidate_id);
    cJSON *jobs = jadd_arr(ap, "jobs");
    cJSON *j = cJSON_CreateObject();
    jput_id(j, "id", a->job_id);
    cJSON_AddItemToArray(jobs, j);
  }
  return p;
}

static cJSON *gh_webhook_payload(const struct sim *s, enum sim_event ev,
                                 const struct sim_candidate *c,
                                 const struct sim_app *a, int64_t extra,
                                 unsigned flags)
{
  if (a && c == NULL)
    c = model_cand(&s->model, a->candidate_id);
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "action", gh_webhook_events[ev].action);
  cJSON *p;
  if (ev == SIM_EV_PING) {
    p = wh_ping(s, (int)extra);
  } else if (flags & SIM_WH_IDS_ONLY) {
    p = wh_ids_only(ev, c, a, extra);
  } else if (ev == SIM_EV_UPDATE_CANDIDATE) {
    p = cJSON_CreateObject();
    jadd(p, "candidate", wh_candidate(c));
  } else if (ev == SIM_EV_MERGE_CANDIDATE || ev == SIM_EV_DELETE_CANDIDATE) {
    p = cJSON_CreateObject();
    jadd(p, "person", wh_person(c, ev, extra));
  } else {
    p = cJSON_CreateObject();
    jadd(p, "application", wh_application(s, ev, a, c));
  }
  jadd(o, "payload", p);
  return o;
}

/* ==== visibility ================================================================ */

static bool job_live(const struct sim_job *j) { return j && !j->deleted; }

static bool cand_visible(const struct sim *s, const struct sim_candidate *cd,
                         int64_t now)
{
  (void)s;
  return cd && model_cand_live(cd) && now >= cd->ready_at;
}

static bool app_visible(const struct sim *s, const struct sim_app *a,
                        int64_t now)
{
  if (a == NULL || now < a->ready_at || !job_live(model_job(&s->model, a->job_id)))
    return false;
  return cand_visible(s, model_cand(&s->model, a->candidate_id), now);
}

/* ==== query arguments (v1 from the request, v3 also from a cursor) ============== */


/* Rebuild a query string from args, leaving out 'skip' keys. */
static void q_string(const struct sim_query *q, const char *const *skip,
                     char *out, size_t cap)
{
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < q->n; i++) {
    bool sk = false;
    for (const char *const *p = skip; p && *p; p++)
      sk |= strcmp(*p, q->kv[i].key) == 0;
    if (sk)
      continue;
    if (o && o + 1 < cap)
      out[o++] = '&';
    sim_url_put(out, &o, cap, q->kv[i].key);
    if (o + 1 < cap)
      out[o++] = '=';
    sim_url_put(out, &o, cap, q->kv[i].value);
  }
}

/* Parse "a=1&b=2" (percent-decoded) into q; strings live in the request. */
/* client_id sent as a parameter (form, JSON or query) instead of Basic. */
static const char *body_client_id(struct sim_call *c)
{
  size_t len;
  const char *b = at_req_body(c->req, &len);
  const char *ct = at_req_header(c->req, "Content-Type");
  if (len && ct && strstr(ct, "json")) {
    char why[64];
    cJSON *j = jparse(b, len, why, sizeof why);
    const char *v = jget_str(j, "client_id");
    char *copy = v ? at_req_strdup(c->req, v) : NULL;
    cJSON_Delete(j);
    return copy;
  }
  if (len) {
    struct sim_query form = {0};
    sim_form_parse(c, b, &form);
    if (sim_query_get(&form, "client_id"))
      return sim_query_get(&form, "client_id");
  }
  return at_req_query(c->req, "client_id");
}

/* ==== lists ============================================================ */

typedef cJSON *(*render_fn)(const struct sim *s, const void *item);

static int cmp_id_asc(const void *a, const void *b)
{
  int64_t x = **(const int64_t *const *)a, y = **(const int64_t *const *)b;
  return x < y ? -1 : x > y;
}

static int cmp_id_desc(const void *a, const void *b)
{
  return -cmp_id_asc(a, b);
}

/* Items are structs whose first member is their int64 id. */
static bool page_params(struct sim_call *c, const struct sim_query *q, long *per,
                        long *page)
{
  const char *pp = sim_query_get(q, "per_page"), *pg = sim_query_get(q, "page");
  *per = 100;
  *page = 1;
  char *end;
  if (pp) {
    long n = strtol(pp, &end, 10);
    if (*pp == '\0' || *end != '\0' || n < 1 || n > 500) {
      struct verr v;
      verr_init(&v, ctx(c)->api);
      if (ctx(c)->api == GH_V3)
        verr_add(&v, "per_page", "`%.20s` must be an integer from 1 to 500",
                 pp);
      else
        verr_add(&v, "per_page", "Must be an integer between 1 and 500");
      reply_verr(c, &v);
      return false;
    }
    *per = n;
  }
  if (pg) {
    long n = strtol(pg, &end, 10);
    if (*pg == '\0' || *end != '\0' || n < 1 || n > 1000000) {
      reply_invalid(c, "page", "Must be a positive integer");
      return false;
    }
    *page = n;
  }
  return true;
}

static void v1_reply_list(struct sim_call *c, struct sim_query *q, struct vec *items,
                          render_fn render)
{
  long per, page;
  if (!page_params(c, q, &per, &page)) {
    vec_free(items);
    return;
  }
  if (items->n > 1) /* qsort(NULL, 0, ...) is undefined */
    qsort(items->v, items->n, sizeof *items->v, cmp_id_asc);
  long last = items->n ? (long)((items->n + (size_t)per - 1) / (size_t)per) : 1;
  cJSON *arr = cJSON_CreateArray();
  size_t from = (size_t)((page - 1) * per);
  for (size_t i = from; i < items->n && i < from + (size_t)per; i++)
    cJSON_AddItemToArray(arr, render(c->s, items->v[i]));
  vec_free(items);
  struct at_resp *r = sim_json_resp(200, arr);
  if (last > 1) {
    static const char *const skip[] = {"page", "per_page", NULL};
    char rest[1024], link[4096];
    q_string(q, skip, rest, sizeof rest);
    const char *base = sim_call_base(c);
    size_t o = 0;
    bool skip_count = sim_query_get(q, "skip_count") &&
                      strcmp(sim_query_get(q, "skip_count"), "true") == 0;
    struct { long p; const char *rel; } rels[3] = {
        {page + 1, "next"}, {page - 1, "prev"}, {last, "last"}};
    for (int i = 0; i < 3; i++) {
      long p = rels[i].p;
      if (p < 1 || p > last || (i == 2 && skip_count))
        continue;
      if (i == 0 && page >= last)
        continue;
      o += (size_t)snprintf(link + o, sizeof link - o,
                            "%s<%s%s?page=%ld&per_page=%ld%s%s>; rel=\"%s\"",
                            o ? ", " : "", base, c->path, p, per,
                            rest[0] ? "&" : "", rest, rels[i].rel);
      if (o >= sizeof link)
        break;
    }
    if (o > 0 && o < sizeof link)
      at_resp_header(r, "Link", link);
  }
  sim_reply(c, r);
}

static char *b64url_enc(const char *in)
{
  size_t n = strlen(in);
  char *out = xcalloc(1, 4 * ((n + 2) / 3) + 1);
  int len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in,
                            (int)n);
  while (len > 0 && out[len - 1] == '=')
    out[--len] = '\0';
  for (int i = 0; i < len; i++)
    out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
  return out;
}

static char *b64url_dec(const char *in)
{
  size_t n = strlen(in);
  if (n == 0 || n > 3000)
    return NULL;
  size_t padded = (n + 3) / 4 * 4;
  char *buf = xcalloc(1, padded + 1);
  for (size_t i = 0; i < n; i++) {
    char ch = in[i];
    if (!isalnum((unsigned char)ch) && ch != '-' && ch != '_') {
      free(buf);
      return NULL;
    }
    buf[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
  }
  for (size_t i = n; i < padded; i++)
    buf[i] = '=';
  char *out = xcalloc(1, padded + 1);
  int len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)buf,
                            (int)padded);
  free(buf);
  if (len < 0) {
    free(out);
    return NULL;
  }
  len -= (int)(padded - n);
  out[len < 0 ? 0 : len] = '\0';
  return out;
}

/* v3: the arguments of a list request, from the query or from its cursor.
 * Returns false after answering 422. */
static bool v3_args(struct sim_call *c, struct sim_query *q, long *offset)
{
  struct sim_query raw = {0};
  at_req_query_each(c->req, sim_query_collect, &raw);
  *offset = 0;
  const char *cursor = sim_query_get(&raw, "cursor");
  if (cursor == NULL) {
    *q = raw;
    return true;
  }
  if (raw.n != 1) {
    cJSON *o = msg_obj("Unprocessable Content");
    cJSON *a = jadd_arr(o, "errors");
    cJSON_AddItemToArray(a, cJSON_CreateString(
                                "When passing a cursor, do not include other "
                                "query params."));
    sim_reply_json(c, 422, o);
    return false;
  }
  char *dec = b64url_dec(cursor);
  int64_t before = 0;
  char *amp = dec ? strchr(dec, '&') : NULL;
  if (amp)
    *amp = '\0';
  if (dec == NULL || strncmp(dec, "k=", 2) != 0 ||
      parse_id(dec + 2, &before) != 0 || before <= 0) {
    free(dec);
    reply_invalid(c, "cursor", "is not a valid cursor");
    return false;
  }
  *offset = (long)before;
  q->n = 0;
  if (amp)
    sim_form_parse(c, amp + 1, q);
  free(dec);
  return true;
}

/* v3 lists run by id, descending; a cursor carries the last id served
 * ('before'), so records created during a walk never shift a page. */
static void v3_reply_list(struct sim_call *c, struct sim_query *q, long before,
                          struct vec *items, render_fn render)
{
  long per, page;
  if (!page_params(c, q, &per, &page)) {
    vec_free(items);
    return;
  }
  if (items->n > 1) /* qsort(NULL, 0, ...) is undefined */
    qsort(items->v, items->n, sizeof *items->v, cmp_id_desc);
  cJSON *arr = cJSON_CreateArray();
  size_t from = 0;
  while (before > 0 && from < items->n &&
         **(const int64_t *const *)&items->v[from] >= before)
    from++;
  size_t end = from + (size_t)per;
  for (size_t i = from; i < items->n && i < end; i++)
    cJSON_AddItemToArray(arr, render(c->s, items->v[i]));
  bool more = items->n > end;
  int64_t last = end <= items->n && end > from
                     ? **(const int64_t *const *)&items->v[end - 1]
                     : 0;
  vec_free(items);
  struct at_resp *r = sim_json_resp(200, arr);
  if (more) {
    static const char *const skip[] = {"cursor", NULL};
    char rest[1024], plain[1200], link[2048];
    q_string(q, skip, rest, sizeof rest);
    snprintf(plain, sizeof plain, "k=%lld%s%s", (long long)last,
             rest[0] ? "&" : "", rest);
    char *cur = b64url_enc(plain);
    snprintf(link, sizeof link, "<%s%s?cursor=%s>; rel=\"next\"",
             sim_call_base(c), c->path, cur);
    free(cur);
    at_resp_header(r, "Link", link);
  }
  sim_reply(c, r);
}

/* ==== filters =================================================================== */

/* v1 time filter "updated_after" etc.: returns false after a 422. */
static bool v1_time(struct sim_call *c, const struct sim_query *q, const char *k,
                    int64_t *out)
{
  const char *v = sim_query_get(q, k);
  *out = 0;
  if (v == NULL)
    return true;
  if (at_time_parse_iso8601(v, out) != 0) {
    reply_invalid(c, k, "Must be an ISO-8601 timestamp");
    return false;
  }
  return true;
}

/* v3 "gte|2024-01-01T00:00:00Z|lt|..." */
struct trange {
  int64_t gte, lt; /* inclusive lower, exclusive upper; 0 = open */
  bool set;
};

static bool v3_range(struct sim_call *c, const struct sim_query *q, const char *k,
                     struct trange *r)
{
  memset(r, 0, sizeof *r);
  const char *v = sim_query_get(q, k);
  if (v == NULL)
    return true;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", v);
  char *save = NULL;
  char *op = strtok_r(buf, "|", &save);
  if (op == NULL)
    goto bad;
  while (op) {
    char *tv = strtok_r(NULL, "|", &save);
    int64_t t;
    if (tv == NULL || at_time_parse_iso8601(tv, &t) != 0)
      goto bad;
    if (!strcmp(op, "gte"))
      r->gte = t;
    else if (!strcmp(op, "gt"))
      r->gte = t + 1;
    else if (!strcmp(op, "lte"))
      r->lt = t + 1;
    else if (!strcmp(op, "lt"))
      r->lt = t;
    else
      goto bad;
    op = strtok_r(NULL, "|", &save);
  }
  r->set = true;
  return true;
bad:;
  struct verr ve;
  verr_init(&ve, GH_V3);
  verr_add(&ve, k, "must look like gte|2024-01-01T00:00:00Z (operators gte, "
           "gt, lte, lt)");
  reply_verr(c, &ve);
  return false;
}

static bool in_range(const struct trange *r, int64_t t)
{
  return !r->set || ((r->gte == 0 || t >= r->gte) && (r->lt == 0 || t < r->lt));
}

/* A comma list of ids (at most 50). Returns false after a 422. */
static bool id_list(struct sim_call *c, const struct sim_query *q, const char *k,
                    int64_t *ids, size_t *n)
{
  *n = 0;
  const char *v = sim_query_get(q, k);
  if (v == NULL)
    return true;
  char buf[1200];
  snprintf(buf, sizeof buf, "%s", v);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    int64_t id;
    if (parse_id(t, &id) != 0) {
      reply_invalid(c, k, "Must be a comma-separated list of ids");
      return false;
    }
    if (*n < 50)
      ids[(*n)++] = id;
  }
  return true;
}

static bool id_in(const int64_t *ids, size_t n, int64_t id)
{
  if (n == 0)
    return true;
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id)
      return true;
  return false;
}

/* ==== request bodies ============================================================= */

/* The body as a JSON object; false after answering. */
static bool body_object(struct sim_call *c, cJSON **out)
{
  *out = NULL;
  if (at_req_body_too_big(c->req)) {
    struct at_resp *r = sim_json_resp(413, errors_obj("Request entity too large"));
    sim_reply(c, r);
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
  if (j == NULL) {
    reply_bad_json(c, why);
    return false;
  }
  if (!cJSON_IsObject(j)) {
    cJSON_Delete(j);
    reply_bad_json(c, "the body must be a JSON object");
    return false;
  }
  *out = j;
  return true;
}

/* Required id member. */
static bool need_id(struct verr *v, const cJSON *o, const char *k, int64_t *out,
                    bool required)
{
  int rc = jget_id(o, k, out);
  if (rc == 0)
    return true;
  if (rc < 0)
    verr_add(v, k, "Must be an integer");
  else if (required)
    verr_add(v, k, "Must be present");
  return false;
}

/* Contact list {value, type} with an allowed type set. */
static void check_contacts(struct verr *v, const cJSON *o, const char *k,
                           const char *const *types)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k);
  if (a == NULL || cJSON_IsNull(a))
    return;
  if (!cJSON_IsArray(a)) {
    verr_add(v, k, "Must be an array");
    return;
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    const char *val = jget_str(e, "value"), *type = jget_str(e, "type");
    if (!cJSON_IsObject(e) || val == NULL || *val == '\0') {
      verr_add(v, k, "Each entry must be an object with a 'value'");
      return;
    }
    if (type == NULL) {
      verr_add(v, k, "Each entry needs a 'type'");
      return;
    }
    bool ok = false;
    char allowed[128] = "";
    for (const char *const *t = types; *t; t++) {
      ok |= strcmp(*t, type) == 0;
      strcat(allowed, *t);
      if (t[1])
        strcat(allowed, ", ");
    }
    if (!ok) {
      verr_add(v, k, "Must be one of: %s", allowed);
      return;
    }
  }
}

static const char *const email_types[] = {"personal", "work", "other", NULL};
static const char *const phone_types[] = {"home", "work", "mobile", "skype",
                                          "other", NULL};

/* Values of a field in a candidate request, for the fault rules. */
struct rule_src {
  const cJSON *cand;
  const cJSON *app;
};

static const char *rule_value(void *ud, const char *field, size_t i)
{
  const struct rule_src *r = ud;
  const cJSON *o = r->cand;
  if (strncmp(field, "custom_fields.", 14) == 0) {
    const char *key = field + 14;
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(o, "custom_fields");
    const cJSON *e;
    if (cJSON_IsObject(cf)) { /* v3 shape: {key: value} */
      return i == 0 ? jget_str(cf, key) : NULL;
    }
    cJSON_ArrayForEach(e, cf)
    {
      const char *nk = jget_str(e, "name_key");
      if (nk && strcmp(nk, key) == 0 && i == 0)
        return jget_str(e, "value");
    }
    return NULL;
  }
  if (!strcmp(field, "source_id") || !strcmp(field, "initial_stage_id")) {
    if (r->app == NULL) /* an edit of the person: no application here */
      return i == 0 ? SIM_RULE_NA : NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->app, field);
    if (i != 0 || v == NULL || cJSON_IsNull(v))
      return NULL;
    return cJSON_IsString(v) ? v->valuestring : "set";
  }
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
  if (cJSON_IsString(v))
    return i == 0 ? v->valuestring : NULL;
  if (cJSON_IsArray(v)) {
    const cJSON *e = cJSON_GetArrayItem(v, (int)i);
    if (cJSON_IsString(e))
      return e->valuestring;
    return e ? jget_str(e, "value") : NULL;
  }
  return NULL;
}

/* Requests by what they are for (sim_request_kinds), v3 and v1. */
static const struct sim_request_kind gh_kinds[] = {
    {"token", "POST /token"},
    {"job", "GET /v3/jobs"},
    {"job", "GET /v3/job_interview_stages"},
    {"job", "GET /v1/jobs/{id}"},
    {"job", "GET /v1/jobs/{id}/stages"},
    {"find", "GET /v3/candidates[?]*email=*"},
    {"find", "GET /v1/candidates[?]*email=*"},
    {"create", "POST /v3/candidates"},
    {"create", "POST /v1/candidates"},
    {"apply", "POST /v3/applications"},
    {"apply", "POST /v1/candidates/{id}/applications"},
    {"move", "POST /v3/applications/{id}/move"},
    {"move", "POST /v1/applications/{id}/move"},
    {"update", "PATCH /v3/candidates/{id}"},
    {"update", "PATCH /v1/candidates/{id}"},
    {NULL, NULL}};

static const struct sim_alias gh_aliases[] = {
    {"phone", "phone_numbers"}, {"email", "email_addresses"},
    {"source", "source_id"},    {"first_name", "first_name"},
    {"last_name", "last_name"}, {"name", "first_name"},
    {"stage", "initial_stage_id"},
    {NULL, NULL}};

/* Check the job an application targets, and the fault rules. */
static bool check_job(struct sim_call *c, struct verr *v, int64_t job_id,
                      int64_t stage_id, const char *field)
{
  const struct sim_job *j = model_job(&c->s->model, job_id);
  if (!job_live(j)) {
    verr_add(v, field, "Job %lld does not exist", (long long)job_id);
    return false;
  }
  if (j->status != SIM_JOB_OPEN && !S(c->s)->closed_job_accepts) {
    verr_add(v, field, "Job %lld is %s and does not accept applications",
             (long long)job_id, sim_job_status_name(j->status));
    return false;
  }
  if (stage_id) {
    const struct sim_stage *st = model_stage(&c->s->model, stage_id);
    if (st == NULL || !st->active || st->job_id != job_id) {
      verr_add(v, "initial_stage_id", "Stage %lld is not a stage of job %lld",
               (long long)stage_id, (long long)job_id);
      return false;
    }
  }
  if (model_first_stage(&c->s->model, job_id) == NULL) {
    verr_add(v, field, "Job %lld has no stages", (long long)job_id);
    return false;
  }
  return true;
}

static bool check_rules(struct sim_call *c, struct verr *v, int64_t job_id,
                        const cJSON *cand, const cJSON *app)
{
  struct rule_src rs = {cand, app};
  char msg[160];
  const char *field = NULL;
  if (sim_rules_check(c, job_id, rule_value, &rs, msg, sizeof msg, &field)) {
    verr_add(v, field, "%s", msg);
    return false;
  }
  return true;
}

/* A person body's members onto the person: emails, phones and tags
 * added, custom fields set, company and title when given. */
static void apply_contacts(struct sim_candidate *cd, const cJSON *o)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "email_addresses"))
      model_cand_add_email(cd, jget_str(e, "value"), jget_str(e, "type"));
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "phone_numbers"))
      model_cand_add_phone(cd, jget_str(e, "value"), jget_str(e, "type"));
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "tags"))
  {
    if (cJSON_IsString(e))
      strv_add(&cd->tags, e->valuestring);
  }
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(o, "custom_fields");
  if (cJSON_IsObject(cf)) {
    cJSON_ArrayForEach(e, cf)
    {
      if (cJSON_IsString(e))
        model_cand_set_field(cd, e->string, e->valuestring);
    }
  } else {
    cJSON_ArrayForEach(e, cf)
    {
      const char *k = jget_str(e, "name_key"), *val = jget_str(e, "value");
      if (k && val)
        model_cand_set_field(cd, k, val);
    }
  }
  if (cJSON_GetObjectItemCaseSensitive(o, "company"))
    sim_setstr(&cd->company, jget_str(o, "company"));
  if (cJSON_GetObjectItemCaseSensitive(o, "title"))
    sim_setstr(&cd->title, jget_str(o, "title"));
}

static void check_person(struct verr *v, const cJSON *o)
{
  static const char *const strs[] = {"first_name", "last_name", NULL};
  for (const char *const *k = strs; *k; k++) {
    const char *s = jget_str(o, *k);
    if (jbad_str(o, *k))
      verr_add(v, *k, "Must be a string");
    else if (s == NULL || *s == '\0')
      verr_add(v, *k, "Must be present");
  }
  if (jbad_str(o, "company"))
    verr_add(v, "company", "Must be a string");
  if (jbad_str(o, "title"))
    verr_add(v, "title", "Must be a string");
  check_contacts(v, o, "email_addresses", email_types);
  check_contacts(v, o, "phone_numbers", phone_types);
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags");
  if (tags && !cJSON_IsNull(tags) && !cJSON_IsArray(tags))
    verr_add(v, "tags", "Must be an array of strings");
}

/* The async_create fault: the record reads 404 for a while. */
static int64_t ready_at(struct sim_call *c, int64_t job_id, bool *truncated)
{
  struct sim_fault *f = sim_fault_hit(c, SIM_F_ASYNC_CREATE, job_id);
  *truncated = f != NULL;
  if (f == NULL)
    return 0;
  sim_note(c, "async");
  sim_pending_until(c->s, c->now + f->delay);
  return c->now + f->delay;
}

/* ==== renderers for lists ======================================================= */

static cJSON *r_v1_job(const struct sim *s, const void *p) { return v1_job_json(s, p); }
static cJSON *r_v1_user(const struct sim *s, const void *p) { (void)s; return v1_user_json(p); }
static cJSON *r_v1_cand(const struct sim *s, const void *p) { return v1_cand_json(s, p); }
static cJSON *r_v1_app(const struct sim *s, const void *p) { return v1_app_json(s, p); }
static cJSON *r_v3_job(const struct sim *s, const void *p) { (void)s; return v3_job_json(p); }
static cJSON *r_v3_stage(const struct sim *s, const void *p) { (void)s; return v3_stage_json(p); }
static cJSON *r_v3_user(const struct sim *s, const void *p) { (void)s; return v3_user_json(p); }
static cJSON *r_v3_cand(const struct sim *s, const void *p) { (void)s; return v3_cand_json(p); }
static cJSON *r_v3_app(const struct sim *s, const void *p) { return v3_app_json(s, p); }

static cJSON *r_source(const struct sim *s, const void *p)
{
  (void)s;
  const struct sim_source *src = p;
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", src->id);
  jput_str(o, "name", src->name);
  cJSON *t = jadd_obj(o, "type");
  jput_id(t, "id", 1);
  jput_str(t, "name", "Other");
  return o;
}

static cJSON *r_reason(const struct sim *s, const void *p)
{
  (void)s;
  const struct sim_reason *rr = p;
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", rr->id);
  jput_str(o, "name", rr->name);
  cJSON *t = jadd_obj(o, "type");
  bool they = strcmp(rr->type, "they_rejected_us") == 0;
  jput_id(t, "id", they ? 2 : 1);
  jput_str(t, "name", they ? "They rejected us"
                                          : "We rejected them");
  return o;
}

/* v3: type {id, key, name} [SV-INV] */
static cJSON *r_v3_reason(const struct sim *s, const void *p)
{
  cJSON *o = r_reason(s, p);
  const struct sim_reason *rr = p;
  cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
  jput_str(t, "key", strcmp(rr->type, "they_rejected_us") == 0
                                        ? "THEY_REJECTED_US"
                                        : "WE_REJECTED_THEM");
  return o;
}

/* ==== v1 reads =================================================================== */

static void v1_jobs(struct sim_call *c, struct sim_query *q)
{
  int64_t ua, ca, cb, ub;
  if (!v1_time(c, q, "updated_after", &ua) || !v1_time(c, q, "created_after", &ca) ||
      !v1_time(c, q, "created_before", &cb) || !v1_time(c, q, "updated_before", &ub))
    return;
  const char *status = sim_query_get(q, "status");
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.jobs.n; i++) {
    struct sim_job *j = c->s->model.jobs.v[i];
    if (!job_live(j) || (status && strcmp(status, sim_job_status_name(j->status))))
      continue;
    if ((ua && j->updated < ua) || (ub && j->updated >= ub) ||
        (ca && j->created < ca) || (cb && j->created >= cb))
      continue;
    vec_push(&items, j);
  }
  v1_reply_list(c, q, &items, r_v1_job);
}

static void v1_job(struct sim_call *c)
{
  struct sim_job *j = model_job(&c->s->model, ctx(c)->id);
  if (!job_live(j)) {
    reply_not_found(c);
    return;
  }
  sim_reply_json(c, 200, v1_job_json(c->s, j));
}

static void v1_job_stages(struct sim_call *c)
{
  struct sim_job *j = model_job(&c->s->model, ctx(c)->id);
  if (!job_live(j)) {
    reply_not_found(c);
    return;
  }
  /* removed stages stay listed with "active": false [GH-STAGES] */
  struct sim_stage *st[128];
  size_t n = model_job_stages_all(&c->s->model, j->id, st, 128);
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, v1_stage_json(st[i]));
  sim_reply_json(c, 200, a);
}

static void v1_users(struct sim_call *c, struct sim_query *q)
{
  const char *email = sim_query_get(q, "email");
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.users.n; i++) {
    struct sim_user *u = c->s->model.users.v[i];
    if (email && (u->email == NULL || strcasecmp(email, u->email) != 0))
      continue;
    vec_push(&items, u);
  }
  v1_reply_list(c, q, &items, r_v1_user);
}

static void v1_user(struct sim_call *c)
{
  struct sim_user *u = model_user(&c->s->model, ctx(c)->id);
  if (u == NULL) {
    reply_not_found(c);
    return;
  }
  sim_reply_json(c, 200, v1_user_json(u));
}

static bool has_app_on_job(const struct sim *s, const struct sim_candidate *cd,
                           int64_t job, int64_t now)
{
  for (size_t i = 0; i < cd->apps.n; i++) {
    const struct sim_app *a = cd->apps.v[i];
    if (a->job_id == job && app_visible(s, a, now))
      return true;
  }
  return false;
}

static void v1_cands(struct sim_call *c, struct sim_query *q)
{
  int64_t ua, ca, cb, ub, job = 0;
  if (!v1_time(c, q, "updated_after", &ua) || !v1_time(c, q, "created_after", &ca) ||
      !v1_time(c, q, "created_before", &cb) || !v1_time(c, q, "updated_before", &ub))
    return;
  const char *jv = sim_query_get(q, "job_id");
  if (jv && parse_id(jv, &job) != 0) {
    reply_invalid(c, "job_id", "Must be an integer");
    return;
  }
  const char *email = sim_query_get(q, "email");
  int64_t ids[50];
  size_t nids = 0;
  if (email == NULL && !id_list(c, q, "candidate_ids", ids, &nids))
    return;
  bool ci = S(c->s)->email_ci;
  struct vec items = {0};
  const struct sim_model *m = &c->s->model;
  for (size_t i = 0; i < m->candidates.n; i++) {
    struct sim_candidate *cd = m->candidates.v[i];
    if (!cand_visible(c->s, cd, c->now) || !id_in(ids, nids, cd->id))
      continue;
    if (email && !model_cand_has_email(cd, email, ci))
      continue;
    if (job && !has_app_on_job(c->s, cd, job, c->now))
      continue;
    if ((ua && cd->updated < ua) || (ub && cd->updated >= ub) ||
        (ca && cd->created < ca) || (cb && cd->created >= cb))
      continue;
    vec_push(&items, cd);
  }
  v1_reply_list(c, q, &items, r_v1_cand);
}

static struct sim_candidate *visible_cand(struct sim_call *c, int64_t id)
{
  struct sim_candidate *cd = model_cand(&c->s->model, id);
  return cand_visible(c->s, cd, c->now) ? cd : NULL;
}

static struct sim_app *visible_app(struct sim_call *c, int64_t id)
{
  struct sim_app *a = model_app(&c->s->model, id);
  return app_visible(c->s, a, c->now) ? a : NULL;
}

static void v1_cand(struct sim_call *c)
{
  struct sim_candidate *cd = visible_cand(c, ctx(c)->id);
  if (cd == NULL) {
    reply_not_found(c);
    return;
  }
  sim_reply_json(c, 200, v1_cand_json(c->s, cd));
}

static void v1_apps(struct sim_call *c, struct sim_query *q)
{
  int64_t la, ca, cb, job = 0;
  if (!v1_time(c, q, "last_activity_after", &la) ||
      !v1_time(c, q, "created_after", &ca) || !v1_time(c, q, "created_before", &cb))
    return;
  const char *jv = sim_query_get(q, "job_id");
  if (jv && parse_id(jv, &job) != 0) {
    reply_invalid(c, "job_id", "Must be an integer");
    return;
  }
  const char *status = sim_query_get(q, "status");
  struct vec items = {0};
  const struct sim_model *m = &c->s->model;
  for (size_t i = 0; i < m->apps.n; i++) {
    struct sim_app *a = m->apps.v[i];
    if (!app_visible(c->s, a, c->now) || (job && a->job_id != job))
      continue;
    /* an unknown status value yields an empty list, not an error */
    if (status && strcmp(status, sim_app_status_name(a->status)) != 0)
      continue;
    if ((la && a->last_activity < la) || (ca && a->applied < ca) ||
        (cb && a->applied >= cb))
      continue;
    vec_push(&items, a);
  }
  v1_reply_list(c, q, &items, r_v1_app);
}

static void v1_app(struct sim_call *c)
{
  struct sim_app *a = visible_app(c, ctx(c)->id);
  if (a == NULL) {
    reply_not_found(c);
    return;
  }
  sim_reply_json(c, 200, v1_app_json(c->s, a));
}

static void list_all(struct sim_call *c, struct sim_query *q, const struct vec *src,
                     render_fn render, bool v3, long offset)
{
  struct vec items = {0};
  for (size_t i = 0; i < src->n; i++)
    vec_push(&items, src->v[i]);
  if (v3)
    v3_reply_list(c, q, offset, &items, render);
  else
    v1_reply_list(c, q, &items, render);
}

/* ==== writes shared by v1 and v3 ================================================= */

/* Create a candidate with one application per job in 'jobs'. */
static struct sim_candidate *create_candidate(struct sim_call *c,
                                              const cJSON *body,
                                              const int64_t *jobs,
                                              const int64_t *stages,
                                              const int64_t *sources,
                                              size_t njobs, bool *truncated)
{
  struct sim_model *m = &c->s->model;
  int64_t ready = ready_at(c, njobs ? jobs[0] : 0, truncated);
  struct sim_candidate *cd = model_cand_add(m, 0, jget_str(body, "first_name"),
                                            jget_str(body, "last_name"), c->now);
  apply_contacts(cd, body);
  cd->ready_at = ready;
  snprintf(cd->created_by, sizeof cd->created_by, "%s", c->cred);
  for (size_t i = 0; i < njobs; i++) {
    int64_t st = stages[i] ? stages[i] : model_first_stage(m, jobs[i])->id;
    struct sim_app *a = model_app_add(m, cd, jobs[i], st, c->now);
    a->source_id = sources[i];
    a->ready_at = ready;
  }
  for (size_t i = 0; i < cd->apps.n; i++) /* API writes fire too */
    sim_webhook_fire(c->s, SIM_EV_NEW_APPLICATION, cd, cd->apps.v[i], 0);
  return cd;
}

/* ==== PATCH a candidate (v1 and v3) ================================================= */

/* A PATCH body's members: each one given must be well formed; none is
 * required. */
static void check_patch(struct verr *v, const cJSON *o, bool w3)
{
  static const char *const names[] = {"first_name", "last_name", NULL};
  for (const char *const *k = names; *k; k++) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, *k);
    if (x && !cJSON_IsNull(x) && (!cJSON_IsString(x) || !*x->valuestring))
      verr_add(v, *k, "Must be a non-empty string");
  }
  if (jbad_str(o, "company"))
    verr_add(v, "company", "Must be a string");
  if (jbad_str(o, "title"))
    verr_add(v, "title", "Must be a string");
  check_contacts(v, o, "email_addresses", email_types);
  check_contacts(v, o, "phone_numbers", phone_types);
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(o, "tags"), *e;
  if (tags && !cJSON_IsNull(tags) && !cJSON_IsArray(tags))
    verr_add(v, "tags", "Must be an array of strings");
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(o, "custom_fields");
  if (cf == NULL || cJSON_IsNull(cf))
    return;
  if (w3 ? !cJSON_IsObject(cf) : !cJSON_IsArray(cf)) {
    verr_add(v, "custom_fields", w3 ? "Must be an object {key: value}"
                                    : "Must be an array of {name_key, value}");
    return;
  }
  cJSON_ArrayForEach(e, cf)
  {
    bool ok = w3 ? cJSON_IsString(e) || cJSON_IsNull(e)
                 : cJSON_IsObject(e) && jget_str(e, "name_key") &&
                       !jbad_str(e, "value");
    if (!ok) {
      verr_add(v, "custom_fields", w3 ? "Each value must be a string"
                                      : "Each entry needs a name_key and a "
                                        "string value");
      return;
    }
  }
}

/* The custom fields a PATCH sets, put into a person's custom_fields
 * object (v1's shape): the keys given with a string value (a null leaves
 * the key as it is, as apply_contacts does). */
static void patch_fields(const cJSON *o, bool w3, cJSON *cf)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "custom_fields"))
  {
    const char *k = w3 ? e->string : jget_str(e, "name_key");
    const char *val = w3 ? cJSON_GetStringValue(e) : jget_str(e, "value");
    if (k && val) {
      cJSON_DeleteItemFromObjectCaseSensitive(cf, k);
      jput_str(cf, k, val);
    }
  }
}

static void clear_contacts(struct sim_contact **v, size_t *n)
{
  for (size_t i = 0; i < *n; i++) {
    free((*v)[i].value);
    free((*v)[i].type);
  }
  *n = 0;
}

/* PATCH /v1/candidates/{id} [GH-RAML PatchCandidate], and v3's PATCH
 * /v3/candidates/{id} in v3's shapes (custom_fields {key: value};
 * UNVERIFIED beyond the v3 write guide's PATCH convention): only the
 * members given change. A contact list given replaces the person's (an
 * empty one clears it: Harvest's "Passing an empty array will clear
 * all"), tags too; custom fields set the keys given, the others stay.
 * The data faults judge the person as it would be. 200 with the
 * person. */
static void cand_patch(struct sim_call *c)
{
  bool w3 = ctx(c)->api == GH_V3;
  struct sim_candidate *cd = visible_cand(c, ctx(c)->id);
  if (cd == NULL) {
    reply_not_found(c);
    return;
  }
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, w3 ? GH_V3 : GH_V1);
  check_patch(&v, body, w3);
  if (!verr_any(&v)) {
    /* the person as it would be, in v1's shape (what the rules read); a
     * member sent as null changes nothing, so the rules see the stored
     * value */
    cJSON *shape = v1_cand_json(c->s, cd), *e;
    cJSON_ArrayForEach(e, body)
    {
      if (strcmp(e->string, "custom_fields") != 0 && !cJSON_IsNull(e)) {
        cJSON *dup = cJSON_Duplicate(e, true);
        if (!cJSON_ReplaceItemInObjectCaseSensitive(shape, e->string, dup))
          cJSON_Delete(dup); /* a member the person has not: not judged */
      }
    }
    patch_fields(body, w3,
                 cJSON_GetObjectItemCaseSensitive(shape, "custom_fields"));
    check_rules(c, &v, 0, shape, NULL);
    cJSON_Delete(shape);
  }
  if (verr_any(&v)) {
    reply_verr(c, &v);
    cJSON_Delete(body);
    return;
  }
  verr_free(&v);
  if (jget_str(body, "first_name"))
    sim_setstr(&cd->first, jget_str(body, "first_name"));
  if (jget_str(body, "last_name"))
    sim_setstr(&cd->last, jget_str(body, "last_name"));
  if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(body, "email_addresses")))
    clear_contacts(&cd->emails, &cd->nemails);
  if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(body, "phone_numbers")))
    clear_contacts(&cd->phones, &cd->nphones);
  if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(body, "tags")))
    strv_clear(&cd->tags);
  apply_contacts(cd, body); /* the lists given, custom fields, company ... */
  cJSON_Delete(body);
  model_cand_touch(cd, c->now);
  sim_webhook_fire(c->s, SIM_EV_UPDATE_CANDIDATE, cd, NULL, 0);
  sim_reply_json(c, 200, w3 ? v3_cand_json(cd) : v1_cand_json(c->s, cd));
}

static cJSON *truncated_cand(const struct sim_candidate *cd)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", cd->id);
  cJSON *ids = jadd_arr(o, "application_ids");
  for (size_t i = 0; i < cd->apps.n; i++)
    cJSON_AddItemToArray(ids, jid(((struct sim_app *)cd->apps.v[i])->id));
  return o;
}

/* ==== v1 writes =================================================================== */

static void v1_cand_create(struct sim_call *c)
{
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, GH_V1);
  check_person(&v, body);
  const cJSON *apps = cJSON_GetObjectItemCaseSensitive(body, "applications");
  int64_t jobs[16], stages[16], sources[16];
  size_t n = 0;
  if (!cJSON_IsArray(apps) || cJSON_GetArraySize(apps) == 0) {
    verr_add(&v, "applications", "Must be present (at least one application "
             "with a job_id)");
  } else {
    const cJSON *a;
    cJSON_ArrayForEach(a, apps)
    {
      if (n == 16) {
        verr_add(&v, "applications", "At most 16 applications per request");
        break;
      }
      if (!cJSON_IsObject(a)) {
        verr_add(&v, "applications", "Each application must be an object");
        break;
      }
      stages[n] = sources[n] = 0;
      if (!need_id(&v, a, "job_id", &jobs[n], true))
        break;
      need_id(&v, a, "initial_stage_id", &stages[n], false);
      need_id(&v, a, "source_id", &sources[n], false);
      if (sources[n] && !model_source(&c->s->model, sources[n]))
        verr_add(&v, "source_id", "Source %lld does not exist",
                 (long long)sources[n]);
      if (!check_job(c, &v, jobs[n], stages[n], "job_id"))
        break;
      if (!check_rules(c, &v, jobs[n], body, a))
        break;
      n++;
    }
  }
  if (verr_any(&v)) {
    reply_verr(c, &v);
    cJSON_Delete(body);
    return;
  }
  verr_free(&v);
  bool trunc;
  struct sim_candidate *cd =
      create_candidate(c, body, jobs, stages, sources, n, &trunc);
  cJSON_Delete(body);
  sim_reply_json(c, S(c->s)->candidate_create_status,
                 trunc ? truncated_cand(cd) : v1_cand_json(c->s, cd));
}

static void v1_add_app(struct sim_call *c)
{
  struct sim_candidate *cd = visible_cand(c, ctx(c)->id);
  if (cd == NULL) {
    reply_not_found(c);
    return;
  }
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, GH_V1);
  int64_t job = 0, stage = 0, source = 0;
  if (need_id(&v, body, "job_id", &job, true)) {
    need_id(&v, body, "initial_stage_id", &stage, false);
    need_id(&v, body, "source_id", &source, false);
    if (source && !model_source(&c->s->model, source))
      verr_add(&v, "source_id", "Source %lld does not exist", (long long)source);
    if (check_job(c, &v, job, stage, "job_id")) {
      cJSON *as_cand = v1_cand_json(c->s, cd);
      check_rules(c, &v, job, as_cand, body);
      cJSON_Delete(as_cand);
    }
  }
  if (verr_any(&v)) {
    reply_verr(c, &v);
    cJSON_Delete(body);
    return;
  }
  verr_free(&v);
  cJSON_Delete(body);
  struct sim_model *m = &c->s->model;
  bool trunc;
  int64_t ready = ready_at(c, job, &trunc);
  struct sim_app *a = model_app_add(
      m, cd, job, stage ? stage : model_first_stage(m, job)->id, c->now);
  a->source_id = source;
  a->ready_at = ready;
  sim_webhook_fire(c->s, SIM_EV_NEW_APPLICATION, cd, a, 0);
  if (trunc) {
    cJSON *o = cJSON_CreateObject();
    jput_id(o, "id", a->id);
    sim_reply_json(c, S(c->s)->application_create_status, o);
    return;
  }
  sim_reply_json(c, S(c->s)->application_create_status, v1_app_json(c->s, a));
}

static void v1_merge(struct sim_call *c)
{
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, GH_V1);
  int64_t pid = 0, did = 0;
  need_id(&v, body, "primary_candidate_id", &pid, true);
  need_id(&v, body, "duplicate_candidate_id", &did, true);
  cJSON_Delete(body);
  if (verr_any(&v)) {
    reply_verr(c, &v);
    return;
  }
  verr_free(&v);
  struct sim_candidate *p = visible_cand(c, pid), *d = visible_cand(c, did);
  if (p == NULL || d == NULL) {
    reply_not_found(c);
    return;
  }
  char err[160];
  if (model_cand_merge(&c->s->model, p, d, c->now, err, sizeof err) != 0) {
    reply_state(c, err);
    return;
  }
  sim_webhook_fire(c->s, SIM_EV_MERGE_CANDIDATE, d, NULL, p->id);
  sim_reply_json(c, 200, v1_cand_json(c->s, p));
}

/* The application of a v1/v3 state change, or NULL after a 404. */
static struct sim_app *target_app(struct sim_call *c)
{
  struct sim_app *a = visible_app(c, ctx(c)->id);
  if (a == NULL)
    reply_not_found(c);
  return a;
}

/* Finish a state change: 200 with the application (v1) or 204 (v3). */
static void state_done(struct sim_call *c, struct sim_app *a)
{
  if (ctx(c)->api == GH_V3) {
    struct at_resp *r = at_resp_new(204);
    sim_reply(c, r);
  } else {
    sim_reply_json(c, 200, v1_app_json(c->s, a));
  }
}

static void do_move(struct sim_call *c)
{
  struct sim_app *a = target_app(c);
  if (a == NULL)
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  bool v3 = ctx(c)->api == GH_V3;
  struct verr v;
  verr_init(&v, ctx(c)->api);
  int64_t from = 0, to = 0, to_job = 0;
  need_id(&v, body, "from_stage_id", &from, true);
  need_id(&v, body, "to_stage_id", &to, !v3);
  if (v3)
    need_id(&v, body, "to_job_id", &to_job, false);
  cJSON_Delete(body);
  if (v3 && to && to_job)
    verr_add(&v, "to_stage_id", "give to_stage_id or to_job_id, not both");
  if (verr_any(&v)) {
    reply_verr(c, &v);
    return;
  }
  verr_free(&v);
  struct sim_model *m = &c->s->model;
  char err[200];
  if (a->status != SIM_APP_ACTIVE) {
    snprintf(err, sizeof err, "Application must be 'active', is currently '%s'",
             sim_app_status_name(a->status));
    reply_state(c, err);
    return;
  }
  if (a->stage_id != from) {
    snprintf(err, sizeof err, "Application is not in stage %lld; it is in "
             "stage %lld", (long long)from, (long long)a->stage_id);
    reply_state(c, err);
    return;
  }
  if (v3 && to_job) { /* transfer to another job's first stage */
    struct verr jv;
    verr_init(&jv, GH_V3);
    if (!check_job(c, &jv, to_job, 0, "to_job_id")) {
      reply_verr(c, &jv);
      return;
    }
    verr_free(&jv);
    a->job_id = to_job;
    to = model_first_stage(m, to_job)->id;
  } else if (v3 && to == 0) { /* advance to the next stage */
    struct sim_stage *st[128];
    size_t n = model_job_stages(m, a->job_id, st, 128);
    for (size_t i = 0; i + 1 < n && to == 0; i++)
      if (st[i]->id == a->stage_id)
        to = st[i + 1]->id;
    if (to == 0) {
      reply_state(c, "Application is in the last stage and cannot advance");
      return;
    }
  }
  if (model_app_move(m, a, to, c->now, err, sizeof err) != 0) {
    reply_state(c, err);
    return;
  }
  sim_webhook_fire(c->s, SIM_EV_STAGE_CHANGE, NULL, a, 0);
  state_done(c, a);
}

static void do_reject(struct sim_call *c)
{
  struct sim_app *a = target_app(c);
  if (a == NULL)
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  bool v3 = ctx(c)->api == GH_V3;
  struct verr v;
  verr_init(&v, ctx(c)->api);
  int64_t reason = 0;
  if (need_id(&v, body, "rejection_reason_id", &reason, v3) &&
      !model_reason(&c->s->model, reason))
    verr_add(&v, "rejection_reason_id", "Rejection reason %lld does not exist",
             (long long)reason);
  const cJSON *em = cJSON_GetObjectItemCaseSensitive(body, "rejection_email");
  int64_t tmpl;
  if (em && !cJSON_IsNull(em) &&
      (!cJSON_IsObject(em) || jget_id(em, "email_template_id", &tmpl) != 0))
    verr_add(&v, "rejection_email.email_template_id", "Must be present when "
             "rejection_email is sent");
  if (jbad_str(body, "notes"))
    verr_add(&v, "notes", "Must be a string");
  char *notes = xstrdup(jget_str(body, "notes"));
  cJSON_Delete(body);
  if (verr_any(&v)) {
    free(notes);
    reply_verr(c, &v);
    return;
  }
  verr_free(&v);
  char err[160];
  int rc = model_app_reject(&c->s->model, a, reason, notes, c->now, err,
                            sizeof err);
  free(notes);
  if (rc != 0) {
    reply_state(c, err);
    return;
  }
  sim_webhook_fire(c->s, SIM_EV_REJECT, NULL, a, 0);
  state_done(c, a);
}

static void do_unreject(struct sim_call *c)
{
  struct sim_app *a = target_app(c);
  if (a == NULL)
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  cJSON_Delete(body);
  char err[160];
  if (model_app_unreject(&c->s->model, a, c->now, err, sizeof err) != 0) {
    reply_state(c, err);
    return;
  }
  sim_webhook_fire(c->s, SIM_EV_UNREJECT, NULL, a, 0);
  state_done(c, a);
}

static void do_hire(struct sim_call *c)
{
  struct sim_app *a = target_app(c);
  if (a == NULL)
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, ctx(c)->api);
  const char *sd = jget_str(body, "start_date");
  int64_t ms;
  if (jbad_str(body, "start_date") ||
      (sd && (strlen(sd) != 10 || at_time_parse_iso8601(sd, &ms) != 0)))
    verr_add(&v, "start_date", "Must be a date in the format YYYY-MM-DD");
  char *start = xstrdup(sd);
  cJSON_Delete(body);
  if (verr_any(&v)) {
    free(start);
    reply_verr(c, &v);
    return;
  }
  verr_free(&v);
  char err[160];
  int rc = model_app_hire(&c->s->model, a, start, c->now, err, sizeof err);
  free(start);
  if (rc != 0) {
    reply_state(c, err);
    return;
  }
  sim_webhook_fire(c->s, SIM_EV_HIRE, NULL, a, 0);
  state_done(c, a);
}

/* ==== v3 reads =================================================================== */

static void v3_jobs(struct sim_call *c, struct sim_query *q, long off)
{
  struct trange cr, ur;
  int64_t ids[50];
  size_t nids;
  if (!v3_range(c, q, "created_at", &cr) || !v3_range(c, q, "updated_at", &ur) ||
      !id_list(c, q, "ids", ids, &nids))
    return;
  const char *status = sim_query_get(q, "status");
  enum sim_job_status want;
  if (status && sim_job_status_parse(status, &want) != 0) {
    reply_invalid(c, "status", "must be one of open, closed, draft");
    return;
  }
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.jobs.n; i++) {
    struct sim_job *j = c->s->model.jobs.v[i];
    if (!job_live(j) || !id_in(ids, nids, j->id) ||
        (status && j->status != want) || !in_range(&cr, j->created) ||
        !in_range(&ur, j->updated))
      continue;
    vec_push(&items, j);
  }
  v3_reply_list(c, q, off, &items, r_v3_job);
}

static void v3_stages(struct sim_call *c, struct sim_query *q, long off)
{
  int64_t ids[50], jobs[50];
  size_t nids, njobs;
  if (!id_list(c, q, "ids", ids, &nids) || !id_list(c, q, "job_ids", jobs, &njobs))
    return;
  const char *active = sim_query_get(q, "active");
  if (active && strcmp(active, "true") && strcmp(active, "false")) {
    reply_invalid(c, "active", "must be true or false");
    return;
  }
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.stages.n; i++) {
    struct sim_stage *st = c->s->model.stages.v[i];
    if (!job_live(model_job(&c->s->model, st->job_id)) ||
        !id_in(ids, nids, st->id) || !id_in(jobs, njobs, st->job_id))
      continue;
    if (active && (strcmp(active, "true") == 0) != st->active)
      continue;
    vec_push(&items, st);
  }
  v3_reply_list(c, q, off, &items, r_v3_stage);
}

static void v3_users(struct sim_call *c, struct sim_query *q, long off)
{
  int64_t ids[50];
  size_t nids;
  if (!id_list(c, q, "ids", ids, &nids))
    return;
  const char *email = sim_query_get(q, "primary_email");
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.users.n; i++) {
    struct sim_user *u = c->s->model.users.v[i];
    if (!id_in(ids, nids, u->id) ||
        (email && (!u->email || strcmp(email, u->email)))) /* exact */
      continue;
    vec_push(&items, u);
  }
  v3_reply_list(c, q, off, &items, r_v3_user);
}

static void v3_cands(struct sim_call *c, struct sim_query *q, long off)
{
  struct trange cr, ur, la;
  int64_t ids[50];
  size_t nids;
  if (!v3_range(c, q, "created_at", &cr) || !v3_range(c, q, "updated_at", &ur) ||
      !v3_range(c, q, "last_activity_at", &la) || !id_list(c, q, "ids", ids, &nids))
    return;
  const char *email = sim_query_get(q, "email");
  bool ci = S(c->s)->email_ci;
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.candidates.n; i++) {
    struct sim_candidate *cd = c->s->model.candidates.v[i];
    if (!cand_visible(c->s, cd, c->now) || !id_in(ids, nids, cd->id) ||
        (email && !model_cand_has_email(cd, email, ci)) ||
        !in_range(&cr, cd->created) || !in_range(&ur, cd->updated) ||
        !in_range(&la, cd->last_activity))
      continue;
    vec_push(&items, cd);
  }
  v3_reply_list(c, q, off, &items, r_v3_cand);
}

static void v3_apps(struct sim_call *c, struct sim_query *q, long off)
{
  struct trange cr, ur, la;
  int64_t ids[50], cands[50], jobs[50];
  size_t nids, ncands, njobs;
  if (!v3_range(c, q, "created_at", &cr) || !v3_range(c, q, "updated_at", &ur) ||
      !v3_range(c, q, "last_activity_at", &la) ||
      !id_list(c, q, "ids", ids, &nids) ||
      !id_list(c, q, "candidate_ids", cands, &ncands) ||
      !id_list(c, q, "job_ids", jobs, &njobs))
    return;
  const char *status = sim_query_get(q, "status");
  if (status && strcmp(status, "active") && strcmp(status, "rejected") &&
      strcmp(status, "hired") && strcmp(status, "converted")) {
    reply_invalid(c, "status", "must be one of active, rejected, hired, "
                  "converted");
    return;
  }
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.apps.n; i++) {
    struct sim_app *a = c->s->model.apps.v[i];
    if (!app_visible(c->s, a, c->now) || !id_in(ids, nids, a->id) ||
        !id_in(cands, ncands, a->candidate_id) || !id_in(jobs, njobs, a->job_id) ||
        (status && strcmp(status, sim_app_status_name(a->status))) ||
        !in_range(&cr, a->applied) || !in_range(&ur, a->updated) ||
        !in_range(&la, a->last_activity))
      continue;
    vec_push(&items, a);
  }
  v3_reply_list(c, q, off, &items, r_v3_app);
}

/* ==== v3 writes ==================================================================== */

static void v3_cand_create(struct sim_call *c)
{
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, GH_V3);
  check_person(&v, body);
  const cJSON *app = cJSON_GetObjectItemCaseSensitive(body, "application");
  int64_t job = 0, stage = 0, source = 0;
  size_t njobs = 0;
  if (app && !cJSON_IsNull(app)) {
    if (!cJSON_IsObject(app)) {
      verr_add(&v, "application", "must be an object with a job_id");
    } else if (need_id(&v, app, "job_id", &job, true)) {
      need_id(&v, app, "initial_stage_id", &stage, false);
      need_id(&v, app, "source_id", &source, false);
      if (source && !model_source(&c->s->model, source))
        verr_add(&v, "source_id", "source %lld does not exist",
                 (long long)source);
      if (check_job(c, &v, job, stage, "job_id") &&
          check_rules(c, &v, job, body, app))
        njobs = 1;
    }
  } else {
    check_rules(c, &v, 0, body, NULL);
  }
  if (verr_any(&v)) {
    reply_verr(c, &v);
    cJSON_Delete(body);
    return;
  }
  verr_free(&v);
  bool trunc;
  struct sim_candidate *cd =
      create_candidate(c, body, &job, &stage, &source, njobs, &trunc);
  cJSON_Delete(body);
  cJSON *out = v3_cand_json(cd);
  if (S(c->s)->v3_create_returns_app && cd->apps.n)
    jput_id(out, "application_id", ((struct sim_app *)cd->apps.v[0])->id);
  if (trunc) { /* still being built: the id only, as documented for v1 */
    cJSON_Delete(out);
    out = cJSON_CreateObject();
    jput_id(out, "id", cd->id);
  }
  sim_reply_json(c, 201, out);
}

static void v3_app_create(struct sim_call *c)
{
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, GH_V3);
  int64_t cid = 0, job = 0, stage = 0, source = 0;
  const cJSON *prospect = cJSON_GetObjectItemCaseSensitive(body, "prospect");
  if (cJSON_IsTrue(prospect))
    verr_add(&v, "prospect", "prospect applications are not supported by "
             "this simulator");
  struct sim_candidate *cd = NULL;
  if (need_id(&v, body, "candidate_id", &cid, true)) {
    cd = visible_cand(c, cid);
    if (cd == NULL)
      verr_add(&v, "candidate_id", "candidate %lld does not exist",
               (long long)cid);
  }
  if (need_id(&v, body, "job_id", &job, true)) {
    need_id(&v, body, "initial_stage_id", &stage, false);
    need_id(&v, body, "source_id", &source, false);
    if (source && !model_source(&c->s->model, source))
      verr_add(&v, "source_id", "source %lld does not exist", (long long)source);
    if (check_job(c, &v, job, stage, "job_id") && cd) {
      cJSON *as_cand = v3_cand_json(cd);
      check_rules(c, &v, job, as_cand, body);
      cJSON_Delete(as_cand);
    }
  }
  cJSON_Delete(body);
  if (verr_any(&v)) {
    reply_verr(c, &v);
    return;
  }
  verr_free(&v);
  struct sim_model *m = &c->s->model;
  bool trunc;
  int64_t ready = ready_at(c, job, &trunc);
  struct sim_app *a = model_app_add(
      m, cd, job, stage ? stage : model_first_stage(m, job)->id, c->now);
  a->source_id = source;
  a->ready_at = ready;
  sim_webhook_fire(c->s, SIM_EV_NEW_APPLICATION, cd, a, 0);
  if (trunc) {
    cJSON *o = cJSON_CreateObject();
    jput_id(o, "id", a->id);
    sim_reply_json(c, 201, o);
    return;
  }
  sim_reply_json(c, 201, v3_app_json(c->s, a));
}

static void v3_merge(struct sim_call *c)
{
  struct sim_candidate *p = visible_cand(c, ctx(c)->id);
  if (p == NULL) {
    reply_not_found(c);
    return;
  }
  cJSON *body;
  if (!body_object(c, &body))
    return;
  struct verr v;
  verr_init(&v, GH_V3);
  int64_t did = 0;
  if (jget_id(body, "duplicate_candidate_id", &did) != 0 &&
      jget_id(body, "secondary_candidate_id", &did) != 0)
    verr_add(&v, "duplicate_candidate_id", "must be present");
  cJSON_Delete(body);
  if (verr_any(&v)) {
    reply_verr(c, &v);
    return;
  }
  verr_free(&v);
  struct sim_candidate *d = visible_cand(c, did);
  if (d == NULL) {
    reply_not_found(c);
    return;
  }
  char err[160];
  if (model_cand_merge(&c->s->model, p, d, c->now, err, sizeof err) != 0) {
    reply_state(c, err);
    return;
  }
  sim_webhook_fire(c->s, SIM_EV_MERGE_CANDIDATE, d, NULL, p->id);
  sim_reply(c, at_resp_new(204));
}

/* ==== OAuth: /token and /authorize ================================================== */

/* {"message": ...}, with an "errorId" where the observed body has one. */
static void message_error(struct sim_call *c, unsigned status, const char *msg,
                          bool error_id)
{
  cJSON *o = msg_obj(msg);
  if (error_id) {
    char eid[32];
    snprintf(eid, sizeof eid, "err-%llu", (unsigned long long)c->jn);
    jput_str(o, "errorId", eid);
  }
  sim_reply_json(c, status, o);
}

static cJSON *token_body(struct sim_call *c, const struct sim_grant *g,
                         const char *jwt, const char *scope, int64_t ttl)
{
  int te = S(c->s)->token_expiry;
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "token_type", "Bearer");
  jput_str(o, "access_token", jwt);
  if (te != 2)
    jput_int(o, "expires_in", (long)(ttl / 1000));
  if (te != 1)
    jput_time(o, "expires_at", c->now + ttl);
  if (!g->client_credentials)
    jput_str(o, "refresh_token", g->refresh);
  jput_str(o, "scope", scope);
  return o;
}

static const struct sim_oauth gh_oauth = {
    .token_body = token_body,
    .unknown_user = "user_id is not a user of this organization",
};

static void do_token(struct sim_call *c)
{
  struct sim_tokreq t;
  sim_tokreq_parse(c, &t);
  char user[128] = "", pass[128] = "";
  if (!sim_basic_pair(at_req_header(c->req, "Authorization"), user,
                      sizeof user, pass, sizeof pass)) {
    const char *u = sim_tokreq_get(c, &t, "client_id", true);
    const char *p = sim_tokreq_get(c, &t, "client_secret", true);
    if (u && p) {
      snprintf(user, sizeof user, "%s", u);
      snprintf(pass, sizeof pass, "%s", p);
    }
  }
  const char *gt = sim_tokreq_get(c, &t, "grant_type", true);
  const char *sub = sim_tokreq_get(c, &t, "sub", true);
  const char *code = sim_tokreq_get(c, &t, "code", true);
  const char *ru = sim_tokreq_get(c, &t, "redirect_uri", true);
  const char *rt = sim_tokreq_get(c, &t, "refresh_token", true);
  sim_tokreq_free(&t); /* the values belong to the request */
  if (user[0] == '\0') {
    message_error(c, 401, "Unauthorized", true);
    return;
  }
  const char *dash = strrchr(user, '-');
  if (dash == NULL || !isdigit((unsigned char)dash[1])) {
    char msg[200];
    snprintf(msg, sizeof msg, "client_id=%.64s does not contain a valid "
             "client ID suffix", user);
    message_error(c, 400, msg, true);
    return;
  }
  struct sim_client *cl = creds_client_by_client_id(&c->s->creds, user);
  if (cl == NULL || cl->revoked || strcmp(cl->secret, pass) != 0) {
    sim_oauth_error(c, &gh_oauth, 401, "invalid_client", NULL);
    return;
  }
  if (gt == NULL) {
    message_error(c, 400, "Must include `grant_type` parameter in /token "
                  "request", false);
    return;
  }
  struct gh_settings *st = S(c->s);
  if (strcmp(gt, "client_credentials") == 0) {
    int64_t uid = cl->user_id;
    if (sub && (parse_id(sub, &uid) != 0 || !model_user(&c->s->model, uid))) {
      sim_oauth_error(c, &gh_oauth, 400, "invalid_request", "sub is not a "
                      "user of this organization");
      return;
    }
    struct sim_grant *g = creds_grant_add(&c->s->creds, &c->s->prng, cl, uid,
                                          &cl->scopes, true);
    sim_note(c, "token:client_credentials");
    sim_oauth_token_reply(c, &gh_oauth, g, &cl->scopes);
  } else if (strcmp(gt, "authorization_code") == 0) {
    struct sim_grant *g = sim_oauth_code_grant(c, cl, code, ru);
    if (g == NULL) {
      sim_oauth_error(c, &gh_oauth, 400, "invalid_grant", "The authorization "
                      "code is invalid, expired or already used");
      return;
    }
    g->refresh_expires = c->now + st->refresh_ttl;
    sim_oauth_grant_reply(c, &gh_oauth, g, cl, "token:authorization_code");
  } else if (strcmp(gt, "refresh_token") == 0) {
    struct sim_grant *g = sim_oauth_refresh_grant(c, cl, rt);
    if (g == NULL) {
      sim_oauth_error(c, &gh_oauth, 400, "invalid_grant", "The refresh token "
                      "is invalid, expired or revoked");
      sim_note(c, "refresh:invalid_grant");
      return;
    }
    if (st->refresh_rotation) {
      creds_grant_rotate(g, &c->s->prng);
      if (st->refresh_extends)
        g->refresh_expires = c->now + st->refresh_ttl;
    }
    sim_oauth_grant_reply(c, &gh_oauth, g, cl, "token:refresh");
  } else {
    char msg[200];
    snprintf(msg, sizeof msg, "grant_type=%.40s is invalid, please use one "
             "of: authorization_code, refresh_token, client_credentials, "
             "urn:ietf:params:oauth:grant-type:token-exchange", gt);
    message_error(c, 400, msg, false);
  }
}

/* GET /authorize: the user consents at once (the org's first site admin,
 * or ?user_id=), and the browser is sent back with a code. */
static void do_authorize(struct sim_call *c)
{
  sim_oauth_authorize(c, &gh_oauth);
}

/* ==== dispatch ====================================================================== */

static void v1_dispatch(struct sim_call *c)
{
  struct sim_query q = {0};
  at_req_query_each(c->req, sim_query_collect, &q);
  switch (ctx(c)->r->op) {
  case OP_V1_JOBS: v1_jobs(c, &q); break;
  case OP_V1_JOB: v1_job(c); break;
  case OP_V1_JOB_STAGES: v1_job_stages(c); break;
  case OP_V1_USERS: v1_users(c, &q); break;
  case OP_V1_USER: v1_user(c); break;
  case OP_V1_CANDS: v1_cands(c, &q); break;
  case OP_V1_CAND: v1_cand(c); break;
  case OP_V1_CAND_CREATE: v1_cand_create(c); break;
  case OP_V1_CAND_ADD_APP: v1_add_app(c); break;
  case OP_V1_CAND_PATCH: cand_patch(c); break;
  case OP_V1_MERGE: v1_merge(c); break;
  case OP_V1_APPS: v1_apps(c, &q); break;
  case OP_V1_APP: v1_app(c); break;
  case OP_V1_MOVE: do_move(c); break;
  case OP_V1_REJECT: do_reject(c); break;
  case OP_V1_UNREJECT: do_unreject(c); break;
  case OP_V1_HIRE: do_hire(c); break;
  case OP_V1_SOURCES: list_all(c, &q, &c->s->model.sources, r_source, false, 0); break;
  case OP_V1_REASONS: list_all(c, &q, &c->s->model.reasons, r_reason, false, 0); break;
  default: reply_not_found(c);
  }
}

static void v3_dispatch(struct sim_call *c)
{
  enum gh_op op = ctx(c)->r->op;
  struct sim_query q = {0};
  long off = 0;
  if (strcmp(c->method, "GET") == 0) {
    if (!v3_args(c, &q, &off))
      return;
  }
  switch (op) {
  case OP_V3_JOBS: v3_jobs(c, &q, off); break;
  case OP_V3_STAGES: v3_stages(c, &q, off); break;
  case OP_V3_USERS: v3_users(c, &q, off); break;
  case OP_V3_CANDS: v3_cands(c, &q, off); break;
  case OP_V3_APPS: v3_apps(c, &q, off); break;
  case OP_V3_REASONS: list_all(c, &q, &c->s->model.reasons, r_v3_reason, true, off); break;
  case OP_V3_CAND_CREATE: v3_cand_create(c); break;
  case OP_V3_CAND_PATCH: cand_patch(c); break;
  case OP_V3_MERGE: v3_merge(c); break;
  case OP_V3_APP_CREATE: v3_app_create(c); break;
  case OP_V3_MOVE: do_move(c); break;
  case OP_V3_REJECT: do_reject(c); break;
  case OP_V3_UNREJECT: do_unreject(c); break;
  case OP_V3_HIRE: do_hire(c); break;
  default: reply_not_found(c);
  }
}

static void gh_handle(struct sim_call *c)
{
  struct gh_ctx *x = ctx(c);
  size_t blen;
  at_req_body(c->req, &blen);
  if (x->api == GH_AUTH) {
    if (x->r == NULL) {
      reply_not_found(c);
      return;
    }
    if (sim_rate_check(c, 2))
      return;
    if (x->r->op == OP_TOKEN)
      do_token(c);
    else
      do_authorize(c);
    return;
  }
  if (x->api == GH_V3) { /* v3 routes before it authenticates */
    if (x->r == NULL) {
      reply_not_found(c);
      return;
    }
    struct sim_token *t = v3_auth(c);
    if (t == NULL || sim_rate_check(c, 1) || !v3_permitted(c, t) ||
        sim_cache_reply(c))
      return;
    v3_dispatch(c);
    return;
  }
  /* v1 authenticates before it routes */
  struct sim_apikey *k = v1_auth(c);
  if (k == NULL || sim_rate_check(c, 0))
    return;
  if (x->r == NULL) {
    reply_not_found(c);
    return;
  }
  if (!v1_permitted(c, k))
    return;
  if (strcmp(c->method, "GET") == 0 && blen > 0) {
    reply_forbidden(c, "GET requests must not carry a body");
    return;
  }
  if (x->r->write ? v1_obo(c) == NULL : sim_cache_reply(c))
    return;
  v1_dispatch(c);
}

static const char *const gh_permissions[] = {
    "GET /v1/jobs", "GET /v1/jobs/{id}", "GET /v1/jobs/{id}/stages",
    "GET /v1/users", "GET /v1/users/{id}", "GET /v1/candidates",
    "GET /v1/candidates/{id}", "POST /v1/candidates",
    "PATCH /v1/candidates/{id}",
    "POST /v1/candidates/{id}/applications", "PUT /v1/candidates/merge",
    "GET /v1/applications", "GET /v1/applications/{id}",
    "POST /v1/applications/{id}/move", "POST /v1/applications/{id}/reject",
    "POST /v1/applications/{id}/unreject", "POST /v1/applications/{id}/hire",
    "GET /v1/sources", "GET /v1/rejection_reasons", NULL};

static const char *const gh_scopes[] = {
    "harvest:jobs:list", "harvest:job_interview_stages:list",
    "harvest:users:list", "harvest:candidates:list",
    "harvest:candidates:create", "harvest:candidates:update",
    "harvest:candidates:merge",
    "harvest:applications:list", "harvest:applications:create",
    "harvest:applications:move", "harvest:applications:reject",
    "harvest:applications:unreject", "harvest:applications:hire",
    "harvest:rejection_reasons:list", NULL};

const struct sim_personality sim_greenhouse = {
    .name = "greenhouse",
    .display = "Greenhouse",
    .serve_paths = "v1: /v1/..., v3: /v3/..., OAuth: /token",
    .serve_key_use = "v1",
    .settings = gh_settings,
    .settings_size = sizeof(struct gh_settings),
    .route = gh_route,
    .identify = gh_identify,
    .handle = gh_handle,
    .rate_limited = gh_rate_limited,
    .outage = gh_outage,
    .rate_headers = gh_rate_headers,
    .nlimiters = 3,
    .limiter_defaults = gh_limiter_defaults,
    .field_aliases = gh_aliases,
    .request_kinds = gh_kinds,
    .permissions = gh_permissions,
    .scopes = gh_scopes,
    .webhook_events = gh_webhook_events,
    .webhook_wire = &gh_webhook_wire,
    .webhook_payload = gh_webhook_payload,
};
