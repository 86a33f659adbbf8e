/* workable.c — the Workable personality: SPI v3 under /spi/v3 (bearer
 * account tokens with scopes, partner tokens with X-WORKABLE-CLIENT-ID,
 * OAuth authorization-code tokens from /oauth/token), per-job candidates
 * with short hex ids, jobs addressed by shortcode, since_id paging with
 * paging.next, 10 s rate-limit windows with X-Rate-Limit-* headers, and
 * webhook subscriptions made over the API. Facts and their sources are in
 * docs/fidelity/workable.md; what no source settles is a setting.
 *
 * The neutral model maps onto Workable like this: a Workable "candidate"
 * is one candidate-job pair, i.e. one model application (its id is the
 * application id in hex); the person behind it is the model candidate;
 * a job's stages are the model's active stages plus a hired-kind stage
 * "Hired" (moving there hires the application); a member is a user. */
#include "../sim_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "at_clock.h"

#define WK_BASE "/spi/v3"
#define SRC_APPLIED 2   /* "Jobs page on your website": sourced false */
#define SRC_SOURCED 19  /* "Sourced by atsync": sourced true */

/* ==== settings (UNVERIFIED behaviour, configurable) ========================= */

/* A subscription made with POST /subscriptions (the core keeps the URL,
 * the secret and the event; this keeps Workable's args). */
struct wk_sub {
  int hook;
  char event[32];
  char job[24];    /* job_shortcode ("" = any) */
  char stage[64];  /* stage_slug ("" = any) */
  int64_t created;
};

struct wk_settings {
  char subdomain[64];
  int email_ci;
  unsigned scope_status;          /* a token without the route's scope */
  unsigned member_status;         /* member_id unknown or deactivated */
  bool closed_job_accepts;        /* candidates may be added to closed jobs */
  int sig_base64;                 /* X-Workable-Signature in base64 */
  int webhook_envelope;           /* {event_type, fired_at, data} body */
  bool revoke_cascade;
  bool refresh_in_refresh;        /* a refresh answer carries refresh_token */
  int64_t access_ttl, refresh_ttl, code_ttl;
  int64_t webhook_delay, webhook_timeout;
  struct vec subs;                /* struct wk_sub * */
};

/* The settings own the subscriptions' args (see wk_sub). */
static void wk_settings_release(void *p)
{
  struct wk_settings *g = p;
  for (size_t i = 0; i < g->subs.n; i++)
    free(g->subs.v[i]);
  vec_free(&g->subs);
}

/* An account subdomain: lower-case letters, digits and dashes. */
static bool subdomain_ok(const char *v)
{
  for (const char *p = v; *p; p++)
    if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
        *p != '-')
      return false;
  return true;
}

#define T struct wk_settings
static const char *const sig_names[] = {"hex", "base64", NULL};
static const char *const body_names[] = {"candidate", "envelope", NULL};
/* In the order GET /_sim/settings lists them. */
static const struct sim_setting wk_settings[] = {
    {.name = "subdomain", .type = SIM_SET_STRING,
     .offset = offsetof(T, subdomain), .str_def = "acme",
     .size = sizeof ((T *)0)->subdomain, .valid = subdomain_ok},
    SIM_EMAIL_MATCH(T, email_ci, 1),
    SIM_STATUS_LAX(T, scope_status, "scope_missing_status", 403, 400, 499),
    SIM_STATUS_LAX(T, member_status, "member_invalid_status", 422, 400, 499),
    SIM_BOOL(T, closed_job_accepts, "closed_job_accepts_candidates", false),
    SIM_BOOL(T, revoke_cascade, "revoke_cascade", true),
    SIM_BOOL(T, refresh_in_refresh, "refresh_token_in_refresh", true),
    {.name = "webhook_signature", .type = SIM_SET_ENUM,
     .offset = offsetof(T, sig_base64), .names = sig_names,
     .alias = "webhook_signature_base64"},
    SIM_ENUM(T, webhook_envelope, "webhook_body", 0, body_names),
    SIM_DURATION(T, access_ttl, "access_token_ttl", 2 * 3600 * 1000, 1),
    /* 0 = never expires */
    {.name = "refresh_token_ttl", .type = SIM_SET_DURATION,
     .offset = offsetof(T, refresh_ttl), .def = 0, .min = 0, .zero = "0s"},
    SIM_DURATION(T, code_ttl, "authorization_code_ttl", 10 * 60 * 1000, 1),
    SIM_DURATION(T, webhook_delay, "webhook_delay", 1000, 0),
    SIM_DURATION(T, webhook_timeout, "webhook_timeout", 10000, 1),
    {0}};
#undef T

static struct wk_settings *S(const struct sim *s) { return s->pdata; }

static bool wk_flag(const struct sim *s, const char *name)
{
  if (strcmp(name, "webhook_require_200") == 0)
    return true; /* "respond 200 or Workable replays" [WK-WH] */
  return sim_settings_flag(s, name);
}

/* ==== ids ========================================================================== */

/* Jobs: shortcode = the job id in upper-case hex, 8 digits at least
 * ("003E8EA1"); the job's own "id" is lower-case hex. Candidates (model
 * applications) and members (users): lower-case hex ("39387a1"). */
static void shortcode(int64_t id, char *out, size_t len)
{
  snprintf(out, len, "%08" PRIX64, (uint64_t)id);
}

static void hexid(int64_t id, char *out, size_t len)
{
  snprintf(out, len, "%" PRIx64, (uint64_t)id);
}

/* Parse an id back: it must be exactly what we render. */
static bool parse_hex(const char *s, bool upper, int64_t *out)
{
  size_t n = strlen(s);
  if (n == 0 || n > 15)
    return false;
  for (const char *p = s; *p; p++)
    if (!isxdigit((unsigned char)*p))
      return false;
  int64_t v = (int64_t)strtoull(s, NULL, 16);
  char back[24];
  if (upper)
    shortcode(v, back, sizeof back);
  else
    hexid(v, back, sizeof back);
  if (strcmp(back, s) != 0 || v <= 0)
    return false;
  *out = v;
  return true;
}

/* ==== routes ====================================================================== */

enum wk_op {
  OP_JOBS, OP_JOB, OP_JOB_STAGES, OP_MEMBERS, OP_CANDS, OP_CAND, OP_CREATE,
  OP_MOVE, OP_DISQUALIFY, OP_REVERT, OP_SUBS, OP_SUB_CREATE, OP_SUB_DELETE,
  OP_TOKEN, OP_AUTHORIZE
};

struct wk_route {
  const char *method, *path, *tmpl;
  enum wk_op op;
  const char *scope;
  bool write;
};

#define R(m, p, op, sc, w) {m, p, m " " p, op, sc, w}
static const struct wk_route routes[] = {
    R("GET", WK_BASE "/jobs", OP_JOBS, "r_jobs", false),
    R("GET", WK_BASE "/jobs/{shortcode}", OP_JOB, "r_jobs", false),
    R("GET", WK_BASE "/jobs/{shortcode}/stages", OP_JOB_STAGES, "r_jobs",
      false),
    R("POST", WK_BASE "/jobs/{shortcode}/candidates", OP_CREATE,
      "w_candidates", true),
    R("GET", WK_BASE "/members", OP_MEMBERS, "r_jobs", false),
    R("GET", WK_BASE "/candidates", OP_CANDS, "r_candidates", false),
    R("GET", WK_BASE "/candidates/{id}", OP_CAND, "r_candidates", false),
    R("POST", WK_BASE "/candidates/{id}/move", OP_MOVE, "w_candidates", true),
    R("POST", WK_BASE "/candidates/{id}/disqualify", OP_DISQUALIFY,
      "w_candidates", true),
    R("POST", WK_BASE "/candidates/{id}/revert", OP_REVERT, "w_candidates",
      true),
    R("GET", WK_BASE "/subscriptions", OP_SUBS, "r_candidates", false),
    R("POST", WK_BASE "/subscriptions", OP_SUB_CREATE, "r_candidates", true),
    R("DELETE", WK_BASE "/subscriptions/{id}", OP_SUB_DELETE, "r_candidates",
      true),
    R("POST", "/oauth/token", OP_TOKEN, NULL, true),
    R("GET", "/oauth/authorize", OP_AUTHORIZE, NULL, false),
    /* the core advertises BASE/token and BASE/authorize for every
     * personality (credentials.c): answer them too */
    R("POST", "/token", OP_TOKEN, NULL, true),
    R("GET", "/authorize", OP_AUTHORIZE, NULL, false),
};
#define NROUTES (sizeof routes / sizeof *routes)

/* A path segment standing for "{...}": letters, digits, '-' and '_'. */
static int slug_char(int ch) { return isalnum(ch) || ch == '-' || ch == '_'; }

struct wk_ctx {
  const struct wk_route *r;
  char arg[64];
  const char *secret;   /* the caller's signing key (token or app secret) */
  bool oauth;           /* OAuth or partner token: the 50 / 10 s limiter */
};

static struct wk_ctx *ctx(struct sim_call *c) { return c->pctx; }

static bool wk_route(struct sim_call *c, struct sim_route *out)
{
  struct wk_ctx *x = at_req_alloc(c->req, sizeof *x);
  memset(x, 0, sizeof *x);
  c->pctx = x;
  for (size_t i = 0; i < NROUTES; i++) {
    char arg[64] = "";
    if (!sim_path_match(routes[i].path, c->path, slug_char, arg, sizeof arg) ||
        strcmp(routes[i].method, c->method) != 0)
      continue;
    x->r = &routes[i];
    memcpy(x->arg, arg, sizeof arg);
    out->tmpl = routes[i].tmpl;
    out->perm = routes[i].scope;
    out->write = routes[i].write;
    return true;
  }
  return false;
}

/* ==== wire helpers ================================================================ */

static cJSON *err_obj(const char *msg)
{
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "error", msg);
  return o;
}

static void reply_error(struct sim_call *c, unsigned status, const char *msg)
{
  sim_reply_json(c, status, err_obj(msg));
}

static void reply_not_found(struct sim_call *c)
{
  reply_error(c, 404, "Not found");
}

static void reply_unauthorized(struct sim_call *c)
{
  reply_error(c, 401, "Not authorized");
}

/* A Rails validation error: {"error": "Validation failed: Email can't be
 * blank, ...", "validation_errors": {"email": ["can't be blank"]}}. */
struct verr {
  cJSON *fields;
  char summary[512];
};

static void verr_init(struct verr *v)
{
  v->fields = cJSON_CreateObject();
  v->summary[0] = '\0';
}

static void verr_add(struct verr *v, const char *field, const char *msg)
{
  char m[256];
  snprintf(m, sizeof m, "%s", msg);
  if (m[0] && isupper((unsigned char)m[0]) &&
      !(m[1] && isupper((unsigned char)m[1])))
    m[0] = (char)tolower((unsigned char)m[0]);
  cJSON *a = cJSON_GetObjectItemCaseSensitive(v->fields, field);
  if (a == NULL) {
    a = cJSON_CreateArray();
    cJSON_AddItemToObject(v->fields, field, a);
  }
  cJSON_AddItemToArray(a, cJSON_CreateString(m));
  char human[64];
  snprintf(human, sizeof human, "%s", field);
  for (char *p = human; *p; p++)
    if (*p == '_' || *p == '.')
      *p = ' ';
  human[0] = (char)toupper((unsigned char)human[0]);
  size_t o = strlen(v->summary);
  snprintf(v->summary + o, sizeof v->summary - o, "%s%s %s", o ? ", " : "",
           human, m);
}

static bool verr_any(const struct verr *v)
{
  return cJSON_GetArraySize(v->fields) > 0;
}

static void reply_verr(struct sim_call *c, struct verr *v)
{
  char msg[600];
  snprintf(msg, sizeof msg, "Validation failed: %s", v->summary);
  cJSON *o = err_obj(msg);
  jadd(o, "validation_errors", v->fields);
  v->fields = NULL;
  sim_reply_json(c, 422, o);
}

static void reply_invalid(struct sim_call *c, const char *field,
                          const char *msg)
{
  struct verr v;
  verr_init(&v);
  verr_add(&v, field, msg);
  reply_verr(c, &v);
}

/* 429: {"error": ...}, X-Rate-Limit-* and no Retry-After [WK-RL]. */
static struct at_resp *wk_rate_limited(struct sim_call *c,
                                       const struct sim_rl_result *rl)
{
  (void)c;
  struct at_resp *r = sim_json_resp(429, err_obj("Too Many Requests"));
  char buf[32];
  snprintf(buf, sizeof buf, "%d", rl->limit);
  at_resp_header(r, "X-Rate-Limit-Limit", buf);
  at_resp_header(r, "X-Rate-Limit-Remaining", "0");
  snprintf(buf, sizeof buf, "%lld", (long long)((rl->reset + 999) / 1000));
  at_resp_header(r, "X-Rate-Limit-Reset", buf);
  return r;
}

static void wk_rate_headers(struct sim_call *c, struct at_resp *r,
                            const struct sim_rl_result *rl)
{
  (void)c;
  if (rl->limited || rl->limit < 0)
    return;
  char buf[32];
  snprintf(buf, sizeof buf, "%d", rl->limit);
  at_resp_header(r, "X-Rate-Limit-Limit", buf);
  snprintf(buf, sizeof buf, "%d", rl->remaining);
  at_resp_header(r, "X-Rate-Limit-Remaining", buf);
  snprintf(buf, sizeof buf, "%lld", (long long)((rl->reset + 999) / 1000));
  at_resp_header(r, "X-Rate-Limit-Reset", buf);
}

/* 5xx bodies are UNVERIFIED: Workable's {"error": ...} shape. */
static struct at_resp *wk_outage(struct sim_call *c, unsigned status,
                                 const char *message)
{
  (void)c;
  if (status == 503)
    return sim_json_resp(503, err_obj(message ? message
                                          : "Service Unavailable"));
  return sim_json_resp(status, err_obj("Internal Server Error"));
}

/* Limiters: 0 = account tokens (10 / 10 s), 1 = OAuth and partner tokens
 * (50 / 10 s); fixed 10 s windows, X-Rate-Limit-Reset = the next one. */
static void wk_limiter_defaults(size_t i, int *limit, int64_t *window,
                                bool *fixed)
{
  *limit = i == 0 ? 10 : 50;
  *window = 10000;
  *fixed = true;
}

/* ==== query strings =============================================================== */


/* created_after / updated_after: ISO-8601 compact ("20150708T115616Z"),
 * full ISO-8601, or Unix seconds [WK-JOBS]. */
static bool parse_when(const char *v, int64_t *ms)
{
  size_t n = strlen(v);
  bool digits = n > 0;
  for (const char *p = v; *p; p++)
    digits &= isdigit((unsigned char)*p) != 0;
  if (digits && n <= 12) {
    *ms = strtoll(v, NULL, 10) * 1000;
    return true;
  }
  int Y, M, D, h, m, s;
  char z;
  if (n == 16 && sscanf(v, "%4d%2d%2dT%2d%2d%2d%c", &Y, &M, &D, &h, &m, &s,
                        &z) == 7 && z == 'Z') {
    char iso[32];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", Y, M, D, h, m,
             s);
    return at_time_parse_iso8601(iso, ms) == 0;
  }
  return at_time_parse_iso8601(v, ms) == 0;
}

/* ==== authentication ============================================================== */

/* An empty bearer token counts as none here. */
static const char *bearer(struct sim_call *c)
{
  const char *a = sim_bearer(c);
  return a && *a ? a : NULL;
}

static void wk_identify(struct sim_call *c, char *cred, size_t len)
{
  struct wk_ctx *x = ctx(c);
  cred[0] = '\0';
  if (x->r && (x->r->op == OP_TOKEN || x->r->op == OP_AUTHORIZE)) {
    char u[128], p[128];
    const char *cid = NULL;
    if (sim_basic_pair(at_req_header(c->req, "Authorization"), u, sizeof u, p,
                   sizeof p))
      cid = u;
    else {
      struct sim_tokreq t;
      sim_tokreq_parse(c, &t);
      cid = sim_tokreq_get(c, &t, "client_id", false);
      sim_tokreq_free(&t);
    }
    struct sim_client *cl =
        cid ? creds_client_by_client_id(&c->s->creds, cid) : NULL;
    if (cl)
      snprintf(cred, len, "%s", cl->id);
    return;
  }
  const char *t = bearer(c);
  if (t == NULL)
    return;
  struct sim_apikey *k = creds_key_by_secret(&c->s->creds, t);
  if (k) {
    snprintf(cred, len, "%s", k->id);
    return;
  }
  struct sim_token *tok = creds_token_by_jwt(&c->s->creds, t);
  if (tok)
    snprintf(cred, len, "%s", tok->client);
}

/* Who is calling, with which scopes. */
struct caller {
  struct sim_apikey *key;
  struct sim_token *tok;
};

/* Authenticate the bearer token; false after answering 401. */
static bool authenticate(struct sim_call *c, struct caller *who)
{
  memset(who, 0, sizeof *who);
  const char *t = bearer(c);
  if (t == NULL) {
    reply_unauthorized(c);
    return false;
  }
  struct sim_apikey *k = creds_key_by_secret(&c->s->creds, t);
  if (k) {
    if (k->revoked) {
      reply_unauthorized(c);
      return false;
    }
    who->key = k;
    ctx(c)->secret = k->secret;
    /* a partner token: the account token plus the partner's client id */
    const char *pid = at_req_header(c->req, "X-WORKABLE-CLIENT-ID");
    ctx(c)->oauth = pid && *pid;
    return true;
  }
  struct sim_token *tok = creds_token_by_jwt(&c->s->creds, t);
  struct sim_client *cl = tok ? creds_client(&c->s->creds, tok->client)
                              : NULL;
  const struct sim_user *u = tok ? model_user(&c->s->model, tok->user_id)
                                 : NULL;
  if (tok == NULL || tok->revoked || c->now >= tok->expires || cl == NULL ||
      cl->revoked || u == NULL || u->disabled) {
    reply_unauthorized(c);
    return false;
  }
  who->tok = tok;
  ctx(c)->secret = cl->secret;
  ctx(c)->oauth = true;
  return true;
}

/* The route's scope: the account token's scopes, or the OAuth token's,
 * its client's and its grant's (a removed scope is enforced at once). */
static bool authorized(struct sim_call *c, const struct caller *who)
{
  const char *need = c->route.perm;
  if (need == NULL)
    return true;
  bool ok;
  if (who->key) {
    ok = who->key->all || strv_has(&who->key->perms, need);
  } else {
    const struct sim_client *cl = creds_client(&c->s->creds, who->tok->client);
    const struct sim_grant *g = creds_grant(&c->s->creds, who->tok->grant);
    ok = strv_has(&who->tok->scopes, need) && cl &&
         strv_has(&cl->scopes, need) &&
         (g == NULL || g->client_credentials || strv_has(&g->scopes, need));
  }
  if (ok)
    return true;
  unsigned st = S(c->s)->scope_status;
  if (st == 401) {
    reply_unauthorized(c);
  } else {
    char msg[160];
    snprintf(msg, sizeof msg, "The access token is missing the required "
             "scope: %s", need);
    reply_error(c, st, msg);
  }
  return false;
}

/* ==== renderings ================================================================== */

static void put_time(cJSON *o, const char *k, int64_t ms)
{
  char buf[AT_TIME_BUF];
  if (ms == 0)
    jadd_null(o, k);
  else
    jput_str(o, k, at_time_iso8601(ms, false, buf));
}

static const char *job_state(const struct sim_job *j)
{
  switch (j->status) {
  case SIM_JOB_OPEN: return "published";
  case SIM_JOB_CLOSED: return "closed";
  default: return "draft";
  }
}

static bool job_live(const struct sim_job *j) { return j && !j->deleted; }

static cJSON *job_json(const struct sim *s, const struct sim_job *j)
{
  char sc[24], id[24], u[256];
  shortcode(j->id, sc, sizeof sc);
  hexid(j->id, id, sizeof id);
  const char *sd = S(s)->subdomain;
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "id", id);
  jput_str(o, "title", j->name);
  char full[256];
  if (j->requisition_id)
    snprintf(full, sizeof full, "%s - %s", j->name, j->requisition_id);
  else
    snprintf(full, sizeof full, "%s", j->name);
  jput_str(o, "full_title", full);
  jput_str(o, "shortcode", sc);
  jput_str(o, "code", j->requisition_id);
  jput_str(o, "state", job_state(j));
  jput_str(o, "department", j->department);
  cJSON *dh = jadd_arr(o, "department_hierarchy");
  if (j->department) {
    cJSON *d = cJSON_CreateObject();
    jput_int(d, "id", (long)(j->id % 1000000));
    jput_str(d, "name", j->department);
    cJSON_AddItemToArray(dh, d);
  }
  snprintf(u, sizeof u, "https://%s.workable.com/jobs/%lld", sd,
           (long long)j->id);
  jput_str(o, "url", u);
  snprintf(u, sizeof u, "https://%s.workable.com/jobs/%lld/candidates/new",
           sd, (long long)j->id);
  jput_str(o, "application_url", u);
  snprintf(u, sizeof u, "https://%s.workable.com/j/%s", sd, sc);
  jput_str(o, "shortlink", u);
  cJSON *loc = jadd_obj(o, "location");
  bool remote = j->office && strcasecmp(j->office, "Remote") == 0;
  jput_str(loc, "location_str", j->office);
  jadd_null(loc, "country");
  jadd_null(loc, "country_code");
  jadd_null(loc, "region");
  jadd_null(loc, "region_code");
  jput_str(loc, "city", remote ? NULL : j->office);
  jadd_null(loc, "zip_code");
  jput_bool(loc, "telecommuting", remote);
  put_time(o, "created_at", j->created);
  return o;
}

/* ---- stages ---- */

static void slugify(const char *name, char *out, size_t len)
{
  size_t o = 0;
  bool dash = false;
  for (const char *p = name; *p && o + 2 < len; p++) {
    unsigned char ch = (unsigned char)*p;
    if (isalnum(ch)) {
      if (dash && o)
        out[o++] = '-';
      out[o++] = (char)tolower(ch);
      dash = false;
    } else {
      dash = true;
    }
  }
  out[o] = '\0';
  if (o == 0)
    snprintf(out, len, "stage");
}

/* Workable's stage kinds [WK-SPEC]: sourced, applied, shortlisted,
 * assessment, phone-screen, interview, offer, hired. The model has names
 * only: the kind is read from the name. */
static const char *stage_kind(const char *name)
{
  char l[128];
  snprintf(l, sizeof l, "%s", name ? name : "");
  for (char *p = l; *p; p++)
    *p = (char)tolower((unsigned char)*p);
  static const struct { const char *word, *kind; } k[] = {
      {"hire", "hired"},         {"offer", "offer"},
      {"sourc", "sourced"},      {"phone", "phone-screen"},
      {"screen", "phone-screen"},{"assess", "assessment"},
      {"test", "assessment"},    {"interview", "interview"},
      {"face", "interview"},     {"shortlist", "shortlisted"},
      {"appl", "applied"},       {"review", "applied"},
      {"new", "applied"}};
  for (size_t i = 0; i < sizeof k / sizeof *k; i++)
    if (strstr(l, k[i].word))
      return k[i].kind;
  return "interview";
}

#define MAXST 128

struct wk_stage {
  const struct sim_stage *st; /* NULL: the synthesized hired stage */
  char slug[64];
  const char *name, *kind;
};

/* A job's stages as Workable shows them: the active model stages, then
 * "Hired" (kind hired) unless the job has a hired-kind stage already. */
static size_t job_stages(const struct sim *s, int64_t job_id,
                         struct wk_stage *out, size_t max)
{
  struct sim_stage *st[MAXST];
  size_t n = model_job_stages(&s->model, job_id, st, MAXST), k = 0;
  bool hired = false;
  memset(out, 0, max * sizeof *out);
  for (size_t i = 0; i < n && k + 1 < max; i++) {
    struct wk_stage *w = &out[k++];
    w->st = st[i];
    w->name = st[i]->name;
    w->kind = stage_kind(st[i]->name);
    hired |= strcmp(w->kind, "hired") == 0;
    slugify(st[i]->name, w->slug, sizeof w->slug);
    for (size_t j = 0; j + 1 < k; j++) /* slugs are unique per job */
      if (strcmp(out[j].slug, w->slug) == 0) {
        size_t l = strlen(w->slug);
        if (l > 50)
          l = 50;
        snprintf(w->slug + l, sizeof w->slug - l, "-%zu", k);
      }
  }
  if (!hired && k < max) {
    struct wk_stage *w = &out[k++];
    w->st = NULL;
    snprintf(w->slug, sizeof w->slug, "hired");
    w->name = "Hired";
    w->kind = "hired";
  }
  return k;
}

/* The stage an application shows (NULL when it has none). */
static const char *app_stage_name(const struct sim *s, const struct sim_app *a,
                                  char *slug, size_t slen)
{
  struct wk_stage ws[MAXST];
  size_t n = job_stages(s, a->job_id, ws, MAXST);
  for (size_t i = 0; i < n; i++) {
    bool match = a->status == SIM_APP_HIRED
                     ? strcmp(ws[i].kind, "hired") == 0
                     : ws[i].st && ws[i].st->id == a->stage_id;
    if (match) {
      if (slug)
        snprintf(slug, slen, "%s", ws[i].slug);
      return ws[i].name;
    }
  }
  const struct sim_stage *st = model_stage(&s->model, a->stage_id);
  if (slug) {
    if (st)
      slugify(st->name, slug, slen);
    else
      slug[0] = '\0';
  }
  return st ? st->name : NULL; /* a removed stage keeps its name */
}

/* ---- candidates (one per application) ---- */

static const char *reason_text(const struct sim *s, const struct sim_app *a)
{
  if (a->rejection_notes && *a->rejection_notes)
    return a->rejection_notes;
  const struct sim_reason *r = model_reason(&s->model, a->rejection_reason_id);
  return r ? r->name : NULL;
}

static cJSON *cand_json(const struct sim *s, const struct sim_app *a,
                        bool full)
{
  const struct sim_candidate *cd = model_cand(&s->model, a->candidate_id);
  const struct sim_job *j = model_job(&s->model, a->job_id);
  const struct wk_settings *g = S(s);
  char id[24], sc[24], buf[256];
  hexid(a->id, id, sizeof id);
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "id", id);
  snprintf(buf, sizeof buf, "%s%s%s", cd->first ? cd->first : "",
           cd->first && cd->last ? " " : "", cd->last ? cd->last : "");
  jput_str(o, "name", buf);
  jput_str(o, "firstname", cd->first);
  jput_str(o, "lastname", cd->last);
  jput_str(o, "headline", cd->title);
  if (full)
    jadd_null(o, "image_url");
  cJSON *acc = jadd_obj(o, "account");
  jput_str(acc, "subdomain", g->subdomain);
  jput_str(acc, "name", s->model.org_name);
  cJSON *jo = jadd_obj(o, "job");
  shortcode(a->job_id, sc, sizeof sc);
  jput_str(jo, "shortcode", sc);
  jput_str(jo, "title", j ? j->name : NULL);
  jput_str(o, "stage", app_stage_name(s, a, NULL, 0));
  jput_bool(o, "disqualified", a->status == SIM_APP_REJECTED);
  if (full)
    put_time(o, "disqualified_at",
             a->status == SIM_APP_REJECTED ? a->rejected_at : 0);
  jput_str(o, "disqualification_reason",
           a->status == SIM_APP_REJECTED ? reason_text(s, a) : NULL);
  if (full)
    put_time(o, "hired_at", a->status == SIM_APP_HIRED ? a->hired_at : 0);
  jput_bool(o, "sourced", a->source_id != SRC_APPLIED);
  snprintf(buf, sizeof buf,
           "https://%s.workable.com/backend/jobs/%lld/candidates/%lld",
           g->subdomain, (long long)a->job_id, (long long)a->id);
  jput_str(o, "profile_url", buf);
  if (full) {
    jadd_null(o, "address");
    jput_str(o, "phone", cd->nphones ? cd->phones[0].value : NULL);
  }
  jput_str(o, "email", cd->nemails ? cd->emails[0].value : NULL);
  if (full) {
    snprintf(buf, sizeof buf, "%s@outbound.workable.example", id);
    jput_str(o, "outbound_mailbox", buf);
  }
  jadd_null(o, "domain");
  if (full)
    jadd_null(o, "uploader_id");
  put_time(o, "created_at", a->applied);
  put_time(o, "updated_at", a->updated > cd->updated ? a->updated
                                                      : cd->updated);
  if (!full)
    return o;
  jadd_null(o, "cover_letter");
  jadd_null(o, "summary");
  jadd_arr(o, "education_entries");
  jadd_arr(o, "experience_entries");
  jadd_arr(o, "skills");
  jadd_arr(o, "answers");
  jadd_null(o, "resume_url");
  jadd_arr(o, "social_profiles");
  cJSON *tags = jadd_arr(o, "tags");
  for (size_t i = 0; i < cd->tags.n; i++)
    cJSON_AddItemToArray(tags, cJSON_CreateString(cd->tags.v[i]));
  return o;
}

static cJSON *member_json(const struct sim_user *u)
{
  char id[24], name[160];
  hexid(u->id, id, sizeof id);
  snprintf(name, sizeof name, "%s %s", u->first ? u->first : "",
           u->last ? u->last : "");
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "id", id);
  jput_str(o, "name", name);
  jadd_null(o, "headline");
  jput_str(o, "email", u->email);
  jput_str(o, "role", u->site_admin ? "admin" : "simple");
  jput_bool(o, "active", !u->disabled);
  return o;
}

/* ==== visibility ================================================================== */

static bool app_visible(const struct sim *s, const struct sim_app *a,
                        int64_t now)
{
  if (a == NULL || now < a->ready_at ||
      !job_live(model_job(&s->model, a->job_id)))
    return false;
  const struct sim_candidate *cd = model_cand(&s->model, a->candidate_id);
  return cd && model_cand_live(cd) && now >= cd->ready_at;
}

static struct sim_app *visible_app(struct sim_call *c, const char *hex)
{
  int64_t id;
  if (!parse_hex(hex, false, &id))
    return NULL;
  struct sim_app *a = model_app(&c->s->model, id);
  return app_visible(c->s, a, c->now) ? a : NULL;
}

static struct sim_job *visible_job(struct sim_call *c, const char *sc)
{
  int64_t id;
  if (!parse_hex(sc, true, &id))
    return NULL;
  struct sim_job *j = model_job(&c->s->model, id);
  return job_live(j) ? j : NULL;
}

/* ==== lists: limit, since_id, max_id, paging.next ================================ */

typedef cJSON *(*render_fn)(const struct sim *s, const void *item);

static int cmp_id(const void *a, const void *b)
{
  int64_t x = **(const int64_t *const *)a, y = **(const int64_t *const *)b;
  return x < y ? -1 : x > y;
}

/* Read limit, since_id and max_id; false after answering 422. */
static bool page_args(struct sim_call *c, const struct sim_query *q, long *limit,
                      int64_t *since, int64_t *max, long def)
{
  *limit = def;
  *since = 0;
  *max = INT64_MAX;
  const char *l = sim_query_get(q, "limit");
  if (l) {
    char *end;
    long n = strtol(l, &end, 10);
    if (*l == '\0' || *end != '\0' || n < 1) {
      reply_invalid(c, "limit", "is invalid");
      return false;
    }
    *limit = n > 100 ? 100 : n; /* max 100 [WK-JOBS] */
  }
  const char *si = sim_query_get(q, "since_id"), *mi = sim_query_get(q, "max_id");
  if ((si && !parse_hex(si, false, since)) ||
      (mi && !parse_hex(mi, false, max))) {
    reply_invalid(c, si && !parse_hex(si, false, since) ? "since_id"
                                                        : "max_id",
                  "is invalid");
    return false;
  }
  return true;
}

static bool time_arg(struct sim_call *c, const struct sim_query *q, const char *k,
                     int64_t *out)
{
  *out = 0;
  const char *v = sim_query_get(q, k);
  if (v == NULL)
    return true;
  if (!parse_when(v, out)) {
    reply_invalid(c, k, "is invalid: use an ISO-8601 time such as "
                  "20150708T115616Z or Unix seconds");
    return false;
  }
  return true;
}

/* Answer {"<key>": [...], "paging": {"next": URL}} from 'items' (struct
 * pointers whose first member is the int64 id). */
static void reply_list(struct sim_call *c, const struct sim_query *q,
                       struct vec *items, const char *key, render_fn render,
                       long limit, int64_t since, int64_t max)
{
  if (items->n > 1)
    qsort(items->v, items->n, sizeof *items->v, cmp_id);
  cJSON *o = cJSON_CreateObject();
  cJSON *arr = jadd_arr(o, key);
  long taken = 0;
  int64_t next = 0;
  for (size_t i = 0; i < items->n; i++) {
    int64_t id = *(const int64_t *)items->v[i];
    if (id < since || id > max)
      continue;
    if (taken == limit) {
      next = id;
      break;
    }
    cJSON_AddItemToArray(arr, render(c->s, items->v[i]));
    taken++;
  }
  vec_free(items);
  if (next) {
    char url[2048], hx[24];
    size_t o2 = (size_t)snprintf(url, sizeof url, "%s%s?", sim_call_base(c),
                                 c->path);
    for (size_t i = 0; i < q->n; i++) {
      if (!strcmp(q->kv[i].key, "since_id") || !strcmp(q->kv[i].key, "limit"))
        continue;
      sim_url_put(url, &o2, sizeof url, q->kv[i].key);
      if (o2 + 1 < sizeof url)
        url[o2++] = '=';
      sim_url_put(url, &o2, sizeof url, q->kv[i].value);
      if (o2 + 1 < sizeof url) {
        url[o2++] = '&';
        url[o2] = '\0';
      }
    }
    hexid(next, hx, sizeof hx);
    snprintf(url + o2, sizeof url - o2, "limit=%ld&since_id=%s", limit, hx);
    jput_str(jadd_obj(o, "paging"), "next", url);
  }
  sim_reply_json(c, 200, o);
}

static cJSON *r_job(const struct sim *s, const void *p) { return job_json(s, p); }
static cJSON *r_cand(const struct sim *s, const void *p) { return cand_json(s, p, false); }
static cJSON *r_member(const struct sim *s, const void *p) { (void)s; return member_json(p); }

/* ==== reads ======================================================================== */

static void do_jobs(struct sim_call *c, const struct sim_query *q)
{
  long limit;
  int64_t since, max, ca, ua;
  if (!page_args(c, q, &limit, &since, &max, 50) ||
      !time_arg(c, q, "created_after", &ca) ||
      !time_arg(c, q, "updated_after", &ua))
    return;
  const char *state = sim_query_get(q, "state");
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.jobs.n; i++) {
    struct sim_job *j = c->s->model.jobs.v[i];
    if (!job_live(j) || (state && strcmp(state, job_state(j))) ||
        (ca && j->created < ca) || (ua && j->updated < ua))
      continue;
    vec_push(&items, j);
  }
  reply_list(c, q, &items, "jobs", r_job, limit, since, max);
}

static void do_job(struct sim_call *c)
{
  struct sim_job *j = visible_job(c, ctx(c)->arg);
  if (j == NULL) {
    reply_not_found(c);
    return;
  }
  sim_reply_json(c, 200, job_json(c->s, j));
}

static void do_job_stages(struct sim_call *c)
{
  struct sim_job *j = visible_job(c, ctx(c)->arg);
  if (j == NULL) {
    reply_not_found(c);
    return;
  }
  struct wk_stage ws[MAXST];
  size_t n = job_stages(c->s, j->id, ws, MAXST);
  cJSON *o = cJSON_CreateObject();
  cJSON *a = jadd_arr(o, "stages");
  for (size_t i = 0; i < n; i++) {
    cJSON *e = cJSON_CreateObject();
    jput_str(e, "slug", ws[i].slug);
    jput_str(e, "name", ws[i].name);
    jput_str(e, "kind", ws[i].kind);
    jput_int(e, "position", (long)i);
    cJSON_AddItemToArray(a, e);
  }
  sim_reply_json(c, 200, o);
}

static void do_members(struct sim_call *c, const struct sim_query *q)
{
  long limit;
  int64_t since, max;
  if (!page_args(c, q, &limit, &since, &max, 100))
    return;
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.users.n; i++)
    vec_push(&items, c->s->model.users.v[i]);
  reply_list(c, q, &items, "members", r_member, limit, since, max);
}

static bool email_eq(const struct sim *s, const char *a, const char *b)
{
  return S(s)->email_ci ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static void do_cands(struct sim_call *c, const struct sim_query *q)
{
  long limit;
  int64_t since, max, ca, ua, job = 0;
  if (!page_args(c, q, &limit, &since, &max, 50) ||
      !time_arg(c, q, "created_after", &ca) ||
      !time_arg(c, q, "updated_after", &ua))
    return;
  const char *email = sim_query_get(q, "email"), *sc = sim_query_get(q, "shortcode"),
             *stage = sim_query_get(q, "stage");
  if (sc) {
    struct sim_job *j = visible_job(c, sc);
    if (j == NULL) {
      reply_not_found(c);
      return;
    }
    job = j->id;
  }
  struct vec items = {0};
  for (size_t i = 0; i < c->s->model.apps.n; i++) {
    struct sim_app *a = c->s->model.apps.v[i];
    if (!app_visible(c->s, a, c->now) || (job && a->job_id != job))
      continue;
    const struct sim_candidate *cd = model_cand(&c->s->model, a->candidate_id);
    int64_t upd = a->updated > cd->updated ? a->updated : cd->updated;
    if ((ca && a->applied < ca) || (ua && upd < ua))
      continue;
    if (email) {
      bool hit = false;
      for (size_t k = 0; k < cd->nemails && !hit; k++)
        hit = email_eq(c->s, cd->emails[k].value, email);
      if (!hit)
        continue;
    }
    if (stage) {
      char slug[64];
      app_stage_name(c->s, a, slug, sizeof slug);
      if (strcmp(slug, stage) != 0)
        continue;
    }
    vec_push(&items, a);
  }
  reply_list(c, q, &items, "candidates", r_cand, limit, since, max);
}

static void do_cand(struct sim_call *c)
{
  struct sim_app *a = visible_app(c, ctx(c)->arg);
  if (a == NULL) {
    reply_not_found(c);
    return;
  }
  cJSON *o = cJSON_CreateObject();
  jadd(o, "candidate", cand_json(c->s, a, true));
  sim_reply_json(c, 200, o);
}

/* ==== writes ====================================================================== */

static void reply_bad_json(struct sim_call *c, const char *why)
{
  char msg[160];
  snprintf(msg, sizeof msg, "Invalid JSON: %s", why);
  reply_error(c, 400, msg);
}

static bool body_object(struct sim_call *c, cJSON **out)
{
  *out = NULL;
  if (at_req_body_too_big(c->req)) {
    reply_error(c, 413, "Request entity too large");
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

/* Values of a field of the create body, for the fault rules. */
struct rule_src {
  const cJSON *cand;
  const char *stage;
};

static const char *rule_value(void *ud, const char *field, size_t i)
{
  const struct rule_src *r = ud;
  if (strcmp(field, "stage") == 0)
    return i == 0 ? r->stage : NULL;
  if (strcmp(field, "name") == 0 && i == 0 && !jget_str(r->cand, "name"))
    return jget_str(r->cand, "firstname"); /* firstname+lastname stand in */
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->cand, field);
  if (cJSON_IsString(v))
    return i == 0 ? v->valuestring : NULL;
  if (cJSON_IsArray(v)) {
    const cJSON *e = cJSON_GetArrayItem(v, (int)i);
    if (cJSON_IsString(e))
      return e->valuestring;
    return e ? jget_str(e, "name") : NULL;
  }
  if (cJSON_IsBool(v) && i == 0)
    return cJSON_IsTrue(v) ? "true" : "false";
  return NULL;
}

/* Requests by what they are for (sim_request_kinds). A candidate is per
 * job: the create makes the person's candidate on this job (no separate
 * "apply"). */
static const struct sim_request_kind wk_kinds[] = {
    {"token", "POST /oauth/token"},
    {"token", "POST /token"},
    {"job", "GET " WK_BASE "/jobs/{shortcode}"},
    {"job", "GET " WK_BASE "/jobs/{shortcode}/stages"},
    {"find", "GET " WK_BASE "/candidates[?]*email=*"},
    {"create", "POST " WK_BASE "/jobs/{shortcode}/candidates"},
    {"move", "POST " WK_BASE "/candidates/{id}/move"},
    {NULL, NULL}};

static const struct sim_alias wk_aliases[] = {
    {"phone", "phone"},          {"email", "email"},
    {"first_name", "firstname"}, {"last_name", "lastname"},
    {"name", "name"},            {"stage", "stage"},
    {"source", "sourced"},       {"title", "headline"},
    {"phone_numbers", "phone"},  {"email_addresses", "email"},
    {NULL, NULL}};

/* The stage slug 'slug' of the job, or false. */
static bool find_stage(const struct sim *s, int64_t job, const char *slug,
                       struct wk_stage *out)
{
  struct wk_stage ws[MAXST];
  size_t n = job_stages(s, job, ws, MAXST);
  for (size_t i = 0; i < n; i++)
    if (strcmp(ws[i].slug, slug) == 0) {
      *out = ws[i];
      return true;
    }
  return false;
}

static void do_create(struct sim_call *c)
{
  struct sim *s = c->s;
  struct sim_model *m = &s->model;
  struct sim_job *j = visible_job(c, ctx(c)->arg);
  if (j == NULL) {
    reply_not_found(c);
    return;
  }
  cJSON *body;
  if (!body_object(c, &body))
    return;
  const char *stage = at_req_query(c->req, "stage");
  struct verr v;
  verr_init(&v);
  const cJSON *cand = cJSON_GetObjectItemCaseSensitive(body, "candidate");
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(body, "sourced");
  if (!cJSON_IsObject(cand)) {
    verr_add(&v, "candidate", "can't be blank");
    goto invalid;
  }
  if (src && !cJSON_IsBool(src) && !cJSON_IsNull(src))
    verr_add(&v, "sourced", "must be true or false");
  static const char *const strs[] = {"name", "firstname", "lastname", "email",
                                     "phone", "headline", "summary",
                                     "address", NULL};
  for (const char *const *k = strs; *k; k++)
    if (jbad_str(cand, *k))
      verr_add(&v, *k, "must be a string");
  const char *name = jget_str(cand, "name"), *fn = jget_str(cand, "firstname"),
             *ln = jget_str(cand, "lastname"), *email = jget_str(cand, "email");
  if ((name == NULL || *name == '\0') &&
      (fn == NULL || *fn == '\0' || ln == NULL || *ln == '\0'))
    verr_add(&v, "name", "can't be blank");
  if (email == NULL || *email == '\0')
    verr_add(&v, "email", "can't be blank");
  if (verr_any(&v))
    goto invalid;
  if (j->status != SIM_JOB_OPEN && !S(s)->closed_job_accepts) {
    char msg[96];
    snprintf(msg, sizeof msg, "is %s and does not accept candidates",
             job_state(j));
    verr_add(&v, "job", msg);
    goto invalid;
  }
  struct wk_stage ws = {0};
  if (stage && !find_stage(s, j->id, stage, &ws)) {
    verr_add(&v, "stage", "does not exist in this job");
    goto invalid;
  }
  if (!stage && model_first_stage(m, j->id) == NULL) {
    verr_add(&v, "job", "has no stages");
    goto invalid;
  }
  {
    struct rule_src rs = {cand, stage};
    char msg[160];
    const char *field = NULL;
    if (sim_rules_check(c, j->id, rule_value, &rs, msg, sizeof msg,
                        &field)) {
      verr_add(&v, field, msg);
      goto invalid;
    }
  }
  /* a Workable candidate is per job: the same e-mail twice on one job is
   * refused [WK-SPEC] */
  for (size_t i = 0; i < m->apps.n; i++) {
    struct sim_app *a = m->apps.v[i];
    if (a->job_id != j->id || !app_visible(s, a, c->now))
      continue;
    const struct sim_candidate *cd = model_cand(m, a->candidate_id);
    if (model_cand_has_email(cd, email, S(s)->email_ci)) {
      verr_add(&v, "email", "candidate already exists");
      goto invalid;
    }
  }
  /* the person: an existing live one with this e-mail, else a new one */
  struct sim_candidate *cd = NULL;
  for (size_t i = 0; i < m->candidates.n && cd == NULL; i++) {
    struct sim_candidate *x = m->candidates.v[i];
    if (model_cand_live(x) && c->now >= x->ready_at &&
        model_cand_has_email(x, email, S(s)->email_ci))
      cd = x;
  }
  struct sim_fault *async = sim_fault_hit(c, SIM_F_ASYNC_CREATE, j->id);
  int64_t ready = 0;
  if (async) {
    sim_note(c, "async");
    ready = c->now + async->delay;
    sim_pending_until(s, ready);
  }
  if (cd == NULL) {
    char first[128], last[128];
    if (fn && *fn && ln && *ln) {
      snprintf(first, sizeof first, "%s", fn);
      snprintf(last, sizeof last, "%s", ln);
    } else { /* "Jj Botha": first word, the rest */
      const char *sp = strchr(name, ' ');
      snprintf(first, sizeof first, "%.*s",
               (int)(sp ? (size_t)(sp - name) : strlen(name)), name);
      snprintf(last, sizeof last, "%s", sp ? sp + 1 : "");
    }
    cd = model_cand_add(m, 0, first, last, c->now);
    model_cand_add_email(cd, email, "personal");
    const char *ph = jget_str(cand, "phone");
    if (ph && *ph)
      model_cand_add_phone(cd, ph, "mobile");
    sim_setstr(&cd->title, jget_str(cand, "headline"));
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cand, "tags"))
    {
      if (cJSON_IsString(e))
        strv_add(&cd->tags, e->valuestring);
    }
    cd->ready_at = ready;
    snprintf(cd->created_by, sizeof cd->created_by, "%s", c->cred);
  }
  int64_t st_id = ws.st ? ws.st->id : model_first_stage(m, j->id)->id;
  struct sim_app *a = model_app_add(m, cd, j->id, st_id, c->now);
  /* "sourced" omitted: uploaded/sourced; false: applied [WK-CREATE] */
  a->source_id = cJSON_IsFalse(src) ? SRC_APPLIED : SRC_SOURCED;
  a->ready_at = ready;
  char err[160];
  if (stage && ws.st == NULL) /* created straight into the hired stage */
    model_app_hire(m, a, NULL, c->now, err, sizeof err);
  cJSON_Delete(body);
  cJSON_Delete(v.fields); /* no error to report */
  sim_webhook_fire(s, SIM_EV_NEW_APPLICATION, cd, a, 0);
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "status", "created");
  jadd(o, "candidate", cand_json(s, a, true));
  sim_reply_json(c, 201, o);
  return;
invalid:
  cJSON_Delete(body);
  reply_verr(c, &v);
}

/* member_id: the acting member (required); NULL after answering. */
static struct sim_user *acting_member(struct sim_call *c, const cJSON *body)
{
  const char *mid = jget_str(body, "member_id");
  if (mid == NULL || *mid == '\0') {
    reply_invalid(c, "member_id", "can't be blank");
    return NULL;
  }
  int64_t uid;
  struct sim_user *u = parse_hex(mid, false, &uid)
                           ? model_user(&c->s->model, uid)
                           : NULL;
  if (u == NULL || u->disabled) {
    unsigned st = S(c->s)->member_status;
    const char *why = u ? "is not an active member of this account"
                        : "is not a member of this account";
    if (st == 422) {
      reply_invalid(c, "member_id", why);
    } else {
      char msg[128];
      snprintf(msg, sizeof msg, "Member %s", why);
      reply_error(c, st, msg);
    }
    return NULL;
  }
  return u;
}

static void reply_state(struct sim_call *c, const char *field,
                        const char *msg)
{
  reply_invalid(c, field, msg);
}

enum wk_state_op { ST_MOVE, ST_DISQUALIFY, ST_REVERT };

static void do_state(struct sim_call *c, enum wk_state_op op)
{
  struct sim *s = c->s;
  struct sim_app *a = visible_app(c, ctx(c)->arg);
  if (a == NULL) {
    reply_not_found(c);
    return;
  }
  cJSON *body;
  if (!body_object(c, &body))
    return;
  if (acting_member(c, body) == NULL) {
    cJSON_Delete(body);
    return;
  }
  char err[200];
  struct sim_model *m = &s->model;
  if (op == ST_MOVE) {
    const char *slug = jget_str(body, "target_stage");
    struct wk_stage ws;
    if (slug == NULL || *slug == '\0') {
      cJSON_Delete(body);
      reply_invalid(c, "target_stage", "can't be blank");
      return;
    }
    if (!find_stage(s, a->job_id, slug, &ws)) {
      cJSON_Delete(body);
      reply_invalid(c, "target_stage", "is not a stage of this job");
      return;
    }
    cJSON_Delete(body);
    bool hire = strcmp(ws.kind, "hired") == 0;
    if (a->status == SIM_APP_HIRED) {
      reply_state(c, "target_stage", "candidate is hired and cannot move");
      return;
    }
    if (a->status == SIM_APP_REJECTED) {
      reply_state(c, "candidate", "is disqualified; revert it first");
      return;
    }
    int rc = hire ? model_app_hire(m, a, NULL, c->now, err, sizeof err)
                  : ws.st ? model_app_move(m, a, ws.st->id, c->now, err,
                                           sizeof err)
                          : -1;
    if (rc != 0) {
      reply_state(c, "target_stage", err);
      return;
    }
    sim_webhook_fire(s, hire ? SIM_EV_HIRE : SIM_EV_STAGE_CHANGE, NULL, a, 0);
    sim_reply_raw(c, 202, "text/plain", "");
    return;
  }
  if (op == ST_DISQUALIFY) {
    const char *why = jget_str(body, "disqualification_reason");
    if (a->status != SIM_APP_ACTIVE) {
      cJSON_Delete(body);
      reply_state(c, "candidate", a->status == SIM_APP_REJECTED
                                      ? "is already disqualified"
                                      : "is hired and cannot be disqualified");
      return;
    }
    int rc = model_app_reject(m, a, 0, why, c->now, err, sizeof err);
    cJSON_Delete(body);
    if (rc != 0) {
      reply_state(c, "candidate", err);
      return;
    }
    sim_webhook_fire(s, SIM_EV_REJECT, NULL, a, 0);
    sim_reply_raw(c, 200, "text/plain", "");
    return;
  }
  cJSON_Delete(body);
  if (a->status != SIM_APP_REJECTED) {
    reply_state(c, "candidate", "is not disqualified");
    return;
  }
  if (model_app_unreject(m, a, c->now, err, sizeof err) != 0) {
    reply_state(c, "candidate", err);
    return;
  }
  sim_webhook_fire(s, SIM_EV_UNREJECT, NULL, a, 0);
  sim_reply_raw(c, 200, "text/plain", "");
}

/* ==== subscriptions =============================================================== */

static struct wk_sub *sub_find(const struct sim *s, int hook)
{
  const struct wk_settings *g = S(s);
  for (size_t i = 0; i < g->subs.n; i++) {
    struct wk_sub *w = g->subs.v[i];
    if (w->hook == hook)
      return w;
  }
  return NULL;
}

static cJSON *sub_json(const struct sim *s, const struct sim_webhook *h)
{
  const struct wk_sub *w = sub_find(s, h->id);
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "id", h->id);
  jput_str(o, "target", h->url);
  put_time(o, "valid_until", h->created + 365LL * 24 * 3600 * 1000);
  put_time(o, "created_at", h->created);
  if (w && w->stage[0])
    jput_str(o, "stage_slug", w->stage);
  if (w && w->job[0])
    jput_str(o, "job_shortcode", w->job);
  return o;
}

static void do_subs(struct sim_call *c)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *a = jadd_arr(o, "subscriptions");
  for (size_t i = 0; i < c->s->webhooks.n; i++)
    cJSON_AddItemToArray(a, sub_json(c->s, c->s->webhooks.v[i]));
  sim_reply_json(c, 200, o);
}

/* POST /subscriptions: 400 {} when a member is missing or wrong, 409 {}
 * for the same target and event twice [WK-SPEC]. */
static void do_sub_create(struct sim_call *c)
{
  struct sim *s = c->s;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  const char *target = jget_str(body, "target"), *event = jget_str(body, "event");
  const cJSON *args = cJSON_GetObjectItemCaseSensitive(body, "args");
  const char *acc = jget_str(args, "account_id"),
             *job = jget_str(args, "job_shortcode"),
             *stage = jget_str(args, "stage_slug");
  bool ok = target && (!strncmp(target, "http://", 7) ||
                       !strncmp(target, "https://", 8)) &&
            event && (!strcmp(event, "candidate_created") ||
                      !strcmp(event, "candidate_moved")) &&
            cJSON_IsObject(args) && acc && *acc &&
            strlen(target) < 1024 && (!job || strlen(job) < 24) &&
            (!stage || strlen(stage) < 64);
  int64_t jid = 0;
  if (ok && job && *job)
    ok = visible_job(c, job) != NULL && parse_hex(job, true, &jid);
  if (!ok) {
    cJSON_Delete(body);
    sim_reply_json(c, 400, cJSON_CreateObject());
    return;
  }
  for (size_t i = 0; i < s->webhooks.n; i++) {
    const struct sim_webhook *h = s->webhooks.v[i];
    const struct wk_sub *w = sub_find(s, h->id);
    if (w && strcmp(h->url, target) == 0 && strcmp(w->event, event) == 0 &&
        strcmp(w->job, job ? job : "") == 0 &&
        strcmp(w->stage, stage ? stage : "") == 0) {
      cJSON_Delete(body);
      sim_reply_json(c, 409, cJSON_CreateObject());
      return;
    }
  }
  int id;
  char err[256];
  /* signed with the caller's account token or OAuth app secret [WK-WH] */
  if (sim_webhook_add(s, target, ctx(c)->secret, event, &id, err,
                      sizeof err) != 0) {
    cJSON_Delete(body);
    sim_reply_json(c, 400, cJSON_CreateObject());
    return;
  }
  struct wk_sub *w = xcalloc(1, sizeof *w);
  w->hook = id;
  snprintf(w->event, sizeof w->event, "%s", event);
  snprintf(w->job, sizeof w->job, "%s", job ? job : "");
  snprintf(w->stage, sizeof w->stage, "%s", stage ? stage : "");
  w->created = c->now;
  vec_push(&S(s)->subs, w);
  cJSON_Delete(body);
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "id", id);
  sim_reply_json(c, 201, o);
}

static void do_sub_delete(struct sim_call *c)
{
  char *end;
  long id = strtol(ctx(c)->arg, &end, 10);
  if (*end != '\0' || id <= 0 || id > 1000000000 ||
      sim_webhook_remove(c->s, (int)id) != 0) {
    sim_reply_json(c, 404, cJSON_CreateObject());
    return;
  }
  struct wk_settings *g = S(c->s);
  for (size_t i = 0; i < g->subs.n; i++) {
    struct wk_sub *w = g->subs.v[i];
    if (w->hook == (int)id) {
      free(w);
      memmove(&g->subs.v[i], &g->subs.v[i + 1],
              (g->subs.n - i - 1) * sizeof *g->subs.v);
      g->subs.n--;
      break;
    }
  }
  sim_reply_json(c, 200, cJSON_CreateObject());
}

/* A subscription's args: only its job, only its stage. */
static bool wk_webhook_filter(const struct sim *s, int hook,
                              enum sim_event ev,
                              const struct sim_candidate *c,
                              const struct sim_app *a)
{
  (void)ev;
  (void)c;
  const struct wk_sub *w = sub_find(s, hook);
  if (w == NULL || a == NULL)
    return true; /* a /_sim/ subscription: no args */
  if (w->job[0]) {
    char sc[24];
    shortcode(a->job_id, sc, sizeof sc);
    if (strcmp(sc, w->job) != 0)
      return false;
  }
  if (w->stage[0]) {
    char slug[64];
    app_stage_name(s, a, slug, sizeof slug);
    if (strcmp(slug, w->stage) != 0)
      return false;
  }
  return true;
}

/* ==== webhooks ==================================================================== */

/* candidate_created for a new candidate (application), candidate_moved
 * for a move, a hire being a move to the hired stage. Workable has no
 * event for a disqualification, a revert, an edit or a merge [WK-WH]; it
 * sends no ping (UNVERIFIED). */
static const struct sim_event_def wk_webhook_events[SIM_EV__COUNT] = {
    [SIM_EV_PING] = {NULL, -1},
    [SIM_EV_NEW_APPLICATION] = {"candidate_created", -1},
    [SIM_EV_STAGE_CHANGE] = {"candidate_moved", -1},
    [SIM_EV_REJECT] = {NULL, -1},
    [SIM_EV_UNREJECT] = {NULL, -1},
    [SIM_EV_HIRE] = {"candidate_moved", -1},
    [SIM_EV_UPDATE_CANDIDATE] = {NULL, -1},
    [SIM_EV_MERGE_CANDIDATE] = {NULL, -1},
    [SIM_EV_DELETE_CANDIDATE] = {NULL, -1},
};

/* "Workable replays until it gets 200" [WK-WH]; the schedule is
 * UNVERIFIED: 8 retries after 1, 5, 15, 60, 180, 360, 720, 1440 min. */
static const int64_t wk_retry_waits[] = {60000,    300000,   900000,
                                         3600000,  10800000, 21600000,
                                         43200000, 86400000};

static const struct sim_webhook_wire wk_webhook_wire = {
    .id_header = NULL,
    .sig_header = "X-Workable-Signature",
    .sig_prefix = "",
    .user_agent = "Workable-Webhooks/1.0 (atsim)",
    .retry_waits = wk_retry_waits,
    .nretries = sizeof wk_retry_waits / sizeof *wk_retry_waits,
    .escape_html = false,
};

static cJSON *wk_webhook_payload(const struct sim *s, enum sim_event ev,
                                 const struct sim_candidate *c,
                                 const struct sim_app *a, int64_t extra,
                                 unsigned flags)
{
  (void)c;
  (void)extra;
  cJSON *data;
  if (a == NULL) {
    data = cJSON_CreateObject();
  } else if (flags & SIM_WH_IDS_ONLY) {
    char id[24];
    hexid(a->id, id, sizeof id);
    data = cJSON_CreateObject();
    jput_str(data, "id", id);
  } else {
    data = cand_json(s, a, true);
  }
  if (!S(s)->webhook_envelope)
    return data;
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "event_type", wk_webhook_events[ev].action);
  put_time(o, "fired_at", sim_now(s));
  jput_str(o, "resource_type", "candidate");
  jadd(o, "data", data);
  return o;
}

/* ==== OAuth: /oauth/token and /oauth/authorize ==================================== */

static cJSON *token_body(struct sim_call *c, const struct sim_grant *g,
                         const char *jwt, const char *scope, int64_t ttl)
{
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "access_token", jwt);
  jput_str(o, "token_type", "Bearer");
  jput_int(o, "expires_in", (long)(ttl / 1000));
  jput_str(o, "refresh_token", g->refresh);
  jput_str(o, "scope", scope);
  jput_int(o, "created_at", (long)(c->now / 1000));
  return o;
}

static const struct sim_oauth wk_oauth = {
    .token_body = token_body,
    .unknown_user = "user_id is not a member of this account",
};

/* A refresh answer without refresh_token (refresh_token_in_refresh off). */
static cJSON *token_body_bare(struct sim_call *c, const struct sim_grant *g,
                              const char *jwt, const char *scope, int64_t ttl)
{
  cJSON *o = token_body(c, g, jwt, scope, ttl);
  cJSON_DeleteItemFromObjectCaseSensitive(o, "refresh_token");
  return o;
}

#define WK_INVALID_GRANT "The provided authorization grant is invalid, " \
  "expired, revoked, or was issued to another client."

static void do_token(struct sim_call *c)
{
  struct sim_tokreq t;
  sim_tokreq_parse(c, &t);
  const char *u = sim_tokreq_get(c, &t, "client_id", false);
  const char *p = sim_tokreq_get(c, &t, "client_secret", false);
  const char *gt = sim_tokreq_get(c, &t, "grant_type", false);
  const char *code = sim_tokreq_get(c, &t, "code", false);
  const char *ru = sim_tokreq_get(c, &t, "redirect_uri", false);
  const char *rt = sim_tokreq_get(c, &t, "refresh_token", false);
  sim_tokreq_free(&t); /* the values belong to the request */
  char user[128] = "", pass[128] = "";
  if (!sim_basic_pair(at_req_header(c->req, "Authorization"), user,
                      sizeof user, pass, sizeof pass)) {
    if (u && p && strlen(u) < sizeof user && strlen(p) < sizeof pass) {
      snprintf(user, sizeof user, "%s", u);
      snprintf(pass, sizeof pass, "%s", p);
    }
  }
  struct sim_client *cl =
      user[0] ? creds_client_by_client_id(&c->s->creds, user) : NULL;
  if (cl == NULL || cl->revoked || strcmp(cl->secret, pass) != 0) {
    sim_oauth_error(c, &wk_oauth, 401, "invalid_client",
                    "Client authentication failed.");
    return;
  }
  struct wk_settings *st = S(c->s);
  if (gt && strcmp(gt, "authorization_code") == 0) {
    struct sim_grant *g = sim_oauth_code_grant(c, cl, code, ru);
    if (g == NULL) {
      sim_oauth_error(c, &wk_oauth, 400, "invalid_grant", WK_INVALID_GRANT);
      return;
    }
    g->refresh_expires = st->refresh_ttl ? c->now + st->refresh_ttl
                                         : INT64_MAX;
    sim_oauth_grant_reply(c, &wk_oauth, g, cl, "token:authorization_code");
  } else if (gt && strcmp(gt, "refresh_token") == 0) {
    struct sim_grant *g = sim_oauth_refresh_grant(c, cl, rt);
    if (g == NULL) {
      sim_note(c, "refresh:invalid_grant");
      sim_oauth_error(c, &wk_oauth, 400, "invalid_grant", WK_INVALID_GRANT);
      return;
    }
    struct sim_oauth o = wk_oauth;
    if (!st->refresh_in_refresh) {
      o.token_body = token_body_bare; /* the old refresh token stays */
    } else {
      /* every refresh returns a new pair; the old refresh token dies
       * [WK-OAUTH] */
      creds_grant_rotate(g, &c->s->prng);
      if (st->refresh_ttl)
        g->refresh_expires = c->now + st->refresh_ttl;
    }
    sim_oauth_grant_reply(c, &o, g, cl, "token:refresh");
  } else {
    sim_oauth_error(c, &wk_oauth, 400,
                    gt ? "unsupported_grant_type" : "invalid_request",
                    gt ? "The authorization grant type is not supported by "
                         "the authorization server."
                       : "Missing required parameter: grant_type.");
  }
}

/* GET /oauth/authorize: the account's first active admin consents at
 * once (or ?user_id=), and the browser goes back with a code. */
static void do_authorize(struct sim_call *c)
{
  sim_oauth_authorize(c, &wk_oauth);
}

/* ==== dispatch ====================================================================== */

static void wk_handle(struct sim_call *c)
{
  struct wk_ctx *x = ctx(c);
  if (x->r == NULL) { /* /api/... and every other unknown path [WK-START] */
    reply_not_found(c);
    return;
  }
  if (x->r->op == OP_TOKEN) {
    do_token(c);
    return;
  }
  if (x->r->op == OP_AUTHORIZE) {
    do_authorize(c);
    return;
  }
  struct caller who;
  if (!authenticate(c, &who) || sim_rate_check(c, x->oauth ? 1 : 0) ||
      !authorized(c, &who) || sim_cache_reply(c))
    return;
  struct sim_query q = {0};
  at_req_query_each(c->req, sim_query_collect, &q);
  switch (x->r->op) {
  case OP_JOBS: do_jobs(c, &q); break;
  case OP_JOB: do_job(c); break;
  case OP_JOB_STAGES: do_job_stages(c); break;
  case OP_MEMBERS: do_members(c, &q); break;
  case OP_CANDS: do_cands(c, &q); break;
  case OP_CAND: do_cand(c); break;
  case OP_CREATE: do_create(c); break;
  case OP_MOVE: do_state(c, ST_MOVE); break;
  case OP_DISQUALIFY: do_state(c, ST_DISQUALIFY); break;
  case OP_REVERT: do_state(c, ST_REVERT); break;
  case OP_SUBS: do_subs(c); break;
  case OP_SUB_CREATE: do_sub_create(c); break;
  case OP_SUB_DELETE: do_sub_delete(c); break;
  default: reply_not_found(c);
  }
}

/* Account tokens and OAuth apps share one scope vocabulary [WK-START]. */
static const char *const wk_scopes[] = {"r_jobs", "r_candidates",
                                        "w_candidates", "r_employees",
                                        "w_employees", NULL};

/* A job is addressed by its shortcode; members and candidates (model
 * applications) by their hex ids; a model candidate has no id of its own
 * here (a Workable candidate is per job). */
static int wk_wire_id(const char *kind, int64_t id, char *out, size_t len)
{
  if (strcmp(kind, "job") == 0)
    shortcode(id, out, len);
  else if (strcmp(kind, "user") == 0 || strcmp(kind, "application") == 0)
    hexid(id, out, len);
  else
    return -1;
  return 0;
}

const struct sim_personality sim_workable = {
    .wire_id = wk_wire_id,
    .name = "workable",
    .display = "Workable",
    .settings = wk_settings,
    .settings_size = sizeof(struct wk_settings),
    .settings_release = wk_settings_release,
    .route = wk_route,
    .identify = wk_identify,
    .handle = wk_handle,
    .rate_limited = wk_rate_limited,
    .outage = wk_outage,
    .rate_headers = wk_rate_headers,
    .nlimiters = 2,
    .status_url = "https://status.workable.com",
    .serve_paths = "API: /spi/v3/..., OAuth: /oauth/authorize, /oauth/token",
    .serve_key_use = "Bearer",
    .status_api_component = "API",
    .limiter_defaults = wk_limiter_defaults,
    .flag = wk_flag,
    .field_aliases = wk_aliases,
    .request_kinds = wk_kinds,
    .permissions = wk_scopes,
    .scopes = wk_scopes,
    .webhook_events = wk_webhook_events,
    .webhook_wire = &wk_webhook_wire,
    .webhook_payload = wk_webhook_payload,
    .webhook_filter = wk_webhook_filter,
};
