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
#include <openssl/evp.h>
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
  bool email_ci;
  unsigned scope_status;          /* a token without the route's scope */
  unsigned member_status;         /* member_id unknown or deactivated */
  bool closed_job_accepts;        /* candidates may be added to closed jobs */
  bool sig_base64;                /* X-Workable-Signature in base64 */
  bool webhook_envelope;          /* {event_type, fired_at, data} body */
  bool revoke_cascade;
  int64_t access_ttl, refresh_ttl, code_ttl;
  int64_t webhook_delay, webhook_timeout;
  struct vec subs;                /* struct wk_sub * */
};

static void *wk_settings_new(void)
{
  struct wk_settings *g = xcalloc(1, sizeof *g);
  snprintf(g->subdomain, sizeof g->subdomain, "acme");
  g->email_ci = true;
  g->scope_status = 403;
  g->member_status = 422;
  g->revoke_cascade = true;
  g->access_ttl = 2 * 3600 * 1000;
  g->refresh_ttl = 0; /* never expires */
  g->code_ttl = 10 * 60 * 1000;
  g->webhook_delay = 1000;
  g->webhook_timeout = 10000;
  return g;
}

static void wk_settings_free(void *p)
{
  struct wk_settings *g = p;
  if (g == NULL)
    return;
  for (size_t i = 0; i < g->subs.n; i++)
    free(g->subs.v[i]);
  vec_free(&g->subs);
  free(g);
}

static struct wk_settings *S(const struct sim *s) { return s->pdata; }

static int parse_bool(const char *v, bool *out)
{
  if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
    *out = true;
  else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
    *out = false;
  else
    return -1;
  return 0;
}

static int wk_setting(struct sim *s, const char *k, const char *v, char *err,
                      size_t errlen)
{
  struct wk_settings *g = S(s);
  struct { const char *name; bool *b; } bools[] = {
      {"closed_job_accepts_candidates", &g->closed_job_accepts},
      {"revoke_cascade", &g->revoke_cascade},
  };
  for (size_t i = 0; i < sizeof bools / sizeof *bools; i++) {
    if (strcmp(k, bools[i].name) == 0) {
      if (parse_bool(v, bools[i].b) != 0)
        goto bad;
      return 0;
    }
  }
  struct { const char *name; unsigned *u; } codes[] = {
      {"scope_missing_status", &g->scope_status},
      {"member_invalid_status", &g->member_status},
  };
  for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
    if (strcmp(k, codes[i].name) == 0) {
      long n = strtol(v, NULL, 10);
      if (n < 400 || n > 499)
        goto bad;
      *codes[i].u = (unsigned)n;
      return 0;
    }
  }
  if (strcmp(k, "email_match") == 0) {
    if (strcmp(v, "case_insensitive") && strcmp(v, "exact"))
      goto bad;
    g->email_ci = v[0] == 'c';
    return 0;
  }
  if (strcmp(k, "webhook_signature") == 0) {
    if (strcmp(v, "hex") && strcmp(v, "base64"))
      goto bad;
    g->sig_base64 = v[0] == 'b';
    return 0;
  }
  if (strcmp(k, "webhook_body") == 0) {
    if (strcmp(v, "candidate") && strcmp(v, "envelope"))
      goto bad;
    g->webhook_envelope = v[0] == 'e';
    return 0;
  }
  if (strcmp(k, "subdomain") == 0) {
    size_t n = strlen(v);
    if (n == 0 || n >= sizeof g->subdomain)
      goto bad;
    for (const char *p = v; *p; p++)
      if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
          *p != '-')
        goto bad;
    snprintf(g->subdomain, sizeof g->subdomain, "%s", v);
    return 0;
  }
  struct { const char *name; int64_t *d; int64_t min; } durs[] = {
      {"access_token_ttl", &g->access_ttl, 1},
      {"refresh_token_ttl", &g->refresh_ttl, 0},
      {"authorization_code_ttl", &g->code_ttl, 1},
      {"webhook_delay", &g->webhook_delay, 0},
      {"webhook_timeout", &g->webhook_timeout, 1},
  };
  for (size_t i = 0; i < sizeof durs / sizeof *durs; i++) {
    if (strcmp(k, durs[i].name) == 0) {
      int64_t d;
      if (at_duration_parse(v, &d) != 0 || d < durs[i].min)
        goto bad;
      *durs[i].d = d;
      return 0;
    }
  }
  snprintf(err, errlen, "workable has no setting '%s' (see "
           "docs/fidelity/workable.md)", k);
  return -1;
bad:
  snprintf(err, errlen, "workable setting %s: '%s' is not a valid value", k,
           v);
  return -1;
}

static cJSON *wk_settings_json(const struct sim *s)
{
  const struct wk_settings *g = S(s);
  char buf[32];
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "subdomain", g->subdomain);
  jput_str(o, "email_match", g->email_ci ? "case_insensitive" : "exact");
  jput_int(o, "scope_missing_status", g->scope_status);
  jput_int(o, "member_invalid_status", g->member_status);
  jput_bool(o, "closed_job_accepts_candidates", g->closed_job_accepts);
  jput_bool(o, "revoke_cascade", g->revoke_cascade);
  jput_str(o, "webhook_signature", g->sig_base64 ? "base64" : "hex");
  jput_str(o, "webhook_body", g->webhook_envelope ? "envelope" : "candidate");
  jput_str(o, "access_token_ttl",
           at_duration_format(g->access_ttl, buf, sizeof buf));
  jput_str(o, "refresh_token_ttl",
           g->refresh_ttl ? at_duration_format(g->refresh_ttl, buf, sizeof buf)
                          : "0s");
  jput_str(o, "authorization_code_ttl",
           at_duration_format(g->code_ttl, buf, sizeof buf));
  jput_str(o, "webhook_delay",
           at_duration_format(g->webhook_delay, buf, sizeof buf));
  jput_str(o, "webhook_timeout",
           at_duration_format(g->webhook_timeout, buf, sizeof buf));
  return o;
}

static bool wk_flag(const struct sim *s, const char *name)
{
  const struct wk_settings *g = S(s);
  if (strcmp(name, "revoke_cascade") == 0)
    return g->revoke_cascade;
  if (strcmp(name, "email_ci") == 0)
    return g->email_ci;
  if (strcmp(name, "webhook_require_200") == 0)
    return true; /* "respond 200 or Workable replays" [WK-WH] */
  if (strcmp(name, "webhook_signature_base64") == 0)
    return g->sig_base64;
  return false;
}

static int64_t wk_duration(const struct sim *s, const char *name)
{
  const struct wk_settings *g = S(s);
  if (strcmp(name, "authorization_code_ttl") == 0)
    return g->code_ttl;
  if (strcmp(name, "access_token_ttl") == 0)
    return g->access_ttl;
  if (strcmp(name, "refresh_token_ttl") == 0)
    return g->refresh_ttl;
  if (strcmp(name, "webhook_delay") == 0)
    return g->webhook_delay;
  if (strcmp(name, "webhook_timeout") == 0)
    return g->webhook_timeout;
  return 0;
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

/* Match a path against a pattern; the segment standing for "{...}" goes to
 * 'arg' (letters, digits, '-' and '_'). */
static bool path_match(const char *pat, const char *path, char *arg,
                       size_t arglen)
{
  while (*pat && *path) {
    if (*pat == '{') {
      const char *pe = strchr(pat, '}');
      const char *e = path;
      while (isalnum((unsigned char)*e) || *e == '-' || *e == '_')
        e++;
      size_t n = (size_t)(e - path);
      if (pe == NULL || n == 0 || n >= arglen)
        return false;
      memcpy(arg, path, n);
      arg[n] = '\0';
      pat = pe + 1;
      path = e;
      continue;
    }
    if (*pat != *path)
      return false;
    pat++;
    path++;
  }
  if (*path == '/' && path[1] == '\0')
    path++;
  return *pat == '\0' && *path == '\0';
}

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
    if (!path_match(routes[i].path, c->path, arg, sizeof arg) ||
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

static struct at_resp *json_resp(unsigned status, cJSON *body)
{
  struct at_resp *r = at_resp_new(status);
  size_t len;
  char *t = jprint(body, &len);
  cJSON_Delete(body);
  at_resp_body_take(r, "application/json; charset=utf-8", t, len);
  return r;
}

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
  struct at_resp *r = json_resp(429, err_obj("Too Many Requests"));
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
    return json_resp(503, err_obj(message ? message
                                          : "Service Unavailable"));
  return json_resp(status, err_obj("Internal Server Error"));
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

#define MAXQ 32

struct qargs {
  struct sim_kv kv[MAXQ];
  size_t n;
};

static bool q_collect(void *ud, const char *k, const char *v)
{
  struct qargs *q = ud;
  if (q->n == MAXQ)
    return false;
  q->kv[q->n].key = k;
  q->kv[q->n].value = v;
  q->n++;
  return true;
}

static const char *q_get(const struct qargs *q, const char *k)
{
  for (size_t i = 0; i < q->n; i++)
    if (strcmp(q->kv[i].key, k) == 0)
      return q->kv[i].value;
  return NULL;
}

static void url_put(char *out, size_t *o, size_t cap, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; *s && *o + 4 < cap; s++) {
    unsigned char ch = (unsigned char)*s;
    if (isalnum(ch) || strchr("-._~", ch)) {
      out[(*o)++] = (char)ch;
    } else {
      out[(*o)++] = '%';
      out[(*o)++] = hex[ch >> 4];
      out[(*o)++] = hex[ch & 15];
    }
  }
  out[*o] = '\0';
}

static int hexval(int ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  ch = tolower(ch);
  return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static void pct_decode(char *p)
{
  char *w = p;
  for (char *r = p; *r; r++) {
    if (*r == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
      *w++ = (char)(hexval(r[1]) * 16 + hexval(r[2]));
      r += 2;
    } else {
      *w++ = *r == '+' ? ' ' : *r;
    }
  }
  *w = '\0';
}

static void form_parse(struct sim_call *c, const char *qs, struct qargs *q)
{
  char *copy = at_req_strdup(c->req, qs);
  char *save = NULL;
  for (char *tok = strtok_r(copy, "&", &save); tok && q->n < MAXQ;
       tok = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(tok, '=');
    char *v = eq ? eq + 1 : tok + strlen(tok);
    if (eq)
      *eq = '\0';
    pct_decode(tok);
    pct_decode(v);
    q->kv[q->n].key = tok;
    q->kv[q->n].value = v;
    q->n++;
  }
}

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

static const char *bearer(struct sim_call *c)
{
  const char *a = at_req_header(c->req, "Authorization");
  if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
    return NULL;
  a += 7;
  while (*a == ' ')
    a++;
  return *a ? a : NULL;
}

static bool basic_pair(const char *auth, char *user, size_t ul, char *pass,
                       size_t pl)
{
  if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0)
    return false;
  const char *b = auth + 6;
  while (*b == ' ')
    b++;
  size_t n = strlen(b);
  if (n == 0 || n > 512 || n % 4 != 0)
    return false;
  unsigned char dec[400];
  int dl = EVP_DecodeBlock(dec, (const unsigned char *)b, (int)n);
  if (dl < 0)
    return false;
  if (b[n - 1] == '=')
    dl--;
  if (n >= 2 && b[n - 2] == '=')
    dl--;
  dec[dl] = '\0';
  if (memchr(dec, '\0', (size_t)dl) != NULL)
    return false;
  char *colon = strchr((char *)dec, ':');
  if (colon == NULL)
    return false;
  *colon = '\0';
  if (strlen((char *)dec) >= ul || strlen(colon + 1) >= pl)
    return false;
  snprintf(user, ul, "%s", (char *)dec);
  snprintf(pass, pl, "%s", colon + 1);
  return true;
}

/* Token endpoint parameters: form body, JSON body or query string. */
struct tokreq {
  struct qargs form;
  cJSON *json;
};

static void tokreq_parse(struct sim_call *c, struct tokreq *t)
{
  memset(t, 0, sizeof *t);
  size_t len;
  const char *b = at_req_body(c->req, &len);
  const char *ct = at_req_header(c->req, "Content-Type");
  if (len && ct && strstr(ct, "json")) {
    char why[64];
    t->json = jparse(b, len, why, sizeof why);
  } else if (len) {
    form_parse(c, b, &t->form);
  }
}

static const char *tok_param(struct sim_call *c, const struct tokreq *t,
                             const char *k)
{
  const char *v = q_get(&t->form, k);
  if (v == NULL && t->json)
    v = jget_str(t->json, k);
  if (v == NULL)
    v = at_req_query(c->req, k);
  return v && *v ? v : NULL;
}

static void wk_identify(struct sim_call *c, char *cred, size_t len)
{
  struct wk_ctx *x = ctx(c);
  cred[0] = '\0';
  if (x->r && (x->r->op == OP_TOKEN || x->r->op == OP_AUTHORIZE)) {
    char u[128], p[128];
    const char *cid = NULL;
    if (basic_pair(at_req_header(c->req, "Authorization"), u, sizeof u, p,
                   sizeof p))
      cid = u;
    else {
      struct tokreq t;
      tokreq_parse(c, &t);
      cid = tok_param(c, &t, "client_id");
      cid = cid ? at_req_strdup(c->req, cid) : NULL;
      cJSON_Delete(t.json);
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
static bool page_args(struct sim_call *c, const struct qargs *q, long *limit,
                      int64_t *since, int64_t *max, long def)
{
  *limit = def;
  *since = 0;
  *max = INT64_MAX;
  const char *l = q_get(q, "limit");
  if (l) {
    char *end;
    long n = strtol(l, &end, 10);
    if (*l == '\0' || *end != '\0' || n < 1) {
      reply_invalid(c, "limit", "is invalid");
      return false;
    }
    *limit = n > 100 ? 100 : n; /* max 100 [WK-JOBS] */
  }
  const char *si = q_get(q, "since_id"), *mi = q_get(q, "max_id");
  if ((si && !parse_hex(si, false, since)) ||
      (mi && !parse_hex(mi, false, max))) {
    reply_invalid(c, si && !parse_hex(si, false, since) ? "since_id"
                                                        : "max_id",
                  "is invalid");
    return false;
  }
  return true;
}

static bool time_arg(struct sim_call *c, const struct qargs *q, const char *k,
                     int64_t *out)
{
  *out = 0;
  const char *v = q_get(q, k);
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
static void reply_list(struct sim_call *c, const struct qargs *q,
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
      url_put(url, &o2, sizeof url, q->kv[i].key);
      if (o2 + 1 < sizeof url)
        url[o2++] = '=';
      url_put(url, &o2, sizeof url, q->kv[i].value);
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

static void do_jobs(struct sim_call *c, const struct qargs *q)
{
  long limit;
  int64_t since, max, ca, ua;
  if (!page_args(c, q, &limit, &since, &max, 50) ||
      !time_arg(c, q, "created_after", &ca) ||
      !time_arg(c, q, "updated_after", &ua))
    return;
  const char *state = q_get(q, "state");
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

static void do_members(struct sim_call *c, const struct qargs *q)
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

static void do_cands(struct sim_call *c, const struct qargs *q)
{
  long limit;
  int64_t since, max, ca, ua, job = 0;
  if (!page_args(c, q, &limit, &since, &max, 50) ||
      !time_arg(c, q, "created_after", &ca) ||
      !time_arg(c, q, "updated_after", &ua))
    return;
  const char *email = q_get(q, "email"), *sc = q_get(q, "shortcode"),
             *stage = q_get(q, "stage");
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

static const char *wk_field_alias(const char *name)
{
  static const struct { const char *from, *to; } alias[] = {
      {"phone", "phone"},          {"email", "email"},
      {"first_name", "firstname"}, {"last_name", "lastname"},
      {"name", "name"},            {"stage", "stage"},
      {"source", "sourced"},       {"title", "headline"},
      {"phone_numbers", "phone"},  {"email_addresses", "email"}};
  for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
    if (strcmp(alias[i].from, name) == 0)
      return alias[i].to;
  return name;
}

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

static void oauth_error(struct sim_call *c, unsigned status, const char *error,
                        const char *desc)
{
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "error", error);
  if (desc)
    jput_str(o, "error_description", desc);
  struct at_resp *r = json_resp(status, o);
  at_resp_header(r, "Cache-Control", "no-store");
  sim_reply(c, r);
}

static void token_reply(struct sim_call *c, struct sim_grant *g,
                        const struct strv *scopes)
{
  struct wk_settings *st = S(c->s);
  char *jwt;
  creds_token_issue(&c->s->creds, g, scopes, c->now, st->access_ttl, &jwt);
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "access_token", jwt);
  free(jwt);
  jput_str(o, "token_type", "Bearer");
  jput_int(o, "expires_in", (long)(st->access_ttl / 1000));
  jput_str(o, "refresh_token", g->refresh);
  char *sc = strv_join(scopes, " ");
  jput_str(o, "scope", sc);
  free(sc);
  jput_int(o, "created_at", (long)(c->now / 1000));
  struct at_resp *r = json_resp(200, o);
  at_resp_header(r, "Cache-Control", "no-store");
  sim_reply(c, r);
}

static void effective_scopes(struct sim_grant *g, const struct sim_client *cl,
                             struct strv *out)
{
  for (size_t i = 0; i < g->scopes.n; i++)
    if (strv_has(&cl->scopes, g->scopes.v[i]))
      strv_add(out, g->scopes.v[i]);
}

static void do_token(struct sim_call *c)
{
  struct tokreq t;
  tokreq_parse(c, &t);
  char user[128] = "", pass[128] = "";
  if (!basic_pair(at_req_header(c->req, "Authorization"), user, sizeof user,
                  pass, sizeof pass)) {
    const char *u = tok_param(c, &t, "client_id");
    const char *p = tok_param(c, &t, "client_secret");
    if (u && p && strlen(u) < sizeof user && strlen(p) < sizeof pass) {
      snprintf(user, sizeof user, "%s", u);
      snprintf(pass, sizeof pass, "%s", p);
    }
  }
  struct sim_client *cl =
      user[0] ? creds_client_by_client_id(&c->s->creds, user) : NULL;
  if (cl == NULL || cl->revoked || strcmp(cl->secret, pass) != 0) {
    cJSON_Delete(t.json);
    oauth_error(c, 401, "invalid_client", "Client authentication failed.");
    return;
  }
  const char *gt = tok_param(c, &t, "grant_type");
  struct sim_creds *cr = &c->s->creds;
  struct wk_settings *st = S(c->s);
  if (gt && strcmp(gt, "authorization_code") == 0) {
    const char *code = tok_param(c, &t, "code");
    const char *ru = tok_param(c, &t, "redirect_uri");
    struct sim_code *k = code ? creds_code(cr, code) : NULL;
    if (k == NULL || k->used || c->now >= k->expires ||
        strcmp(k->client, cl->id) != 0 ||
        (k->redirect_uri && (!ru || strcmp(ru, k->redirect_uri)))) {
      cJSON_Delete(t.json);
      oauth_error(c, 400, "invalid_grant", "The provided authorization "
                  "grant is invalid, expired, revoked, or was issued to "
                  "another client.");
      return;
    }
    k->used = true;
    struct sim_grant *g = creds_grant_add(cr, &c->s->prng, cl, k->user_id,
                                          &k->scopes, false);
    g->refresh_expires = st->refresh_ttl ? c->now + st->refresh_ttl
                                         : INT64_MAX;
    struct strv eff = {0};
    effective_scopes(g, cl, &eff);
    sim_note(c, "token:authorization_code");
    token_reply(c, g, &eff);
    strv_clear(&eff);
  } else if (gt && strcmp(gt, "refresh_token") == 0) {
    const char *rt = tok_param(c, &t, "refresh_token");
    struct sim_grant *g = rt ? creds_grant_by_refresh(cr, rt) : NULL;
    if (g == NULL || g->revoked || strcmp(g->client, cl->id) != 0 ||
        c->now >= g->refresh_expires) {
      cJSON_Delete(t.json);
      sim_note(c, "refresh:invalid_grant");
      oauth_error(c, 400, "invalid_grant", "The provided authorization "
                  "grant is invalid, expired, revoked, or was issued to "
                  "another client.");
      return;
    }
    /* every refresh returns a new pair; the old refresh token dies
     * [WK-OAUTH] */
    creds_grant_rotate(g, &c->s->prng);
    if (st->refresh_ttl)
      g->refresh_expires = c->now + st->refresh_ttl;
    struct strv eff = {0};
    effective_scopes(g, cl, &eff);
    sim_note(c, "token:refresh");
    token_reply(c, g, &eff);
    strv_clear(&eff);
  } else {
    oauth_error(c, 400, gt ? "unsupported_grant_type" : "invalid_request",
                gt ? "The authorization grant type is not supported by the "
                     "authorization server."
                   : "Missing required parameter: grant_type.");
  }
  cJSON_Delete(t.json);
}

/* GET /oauth/authorize: the account's first active admin consents at
 * once (or ?user_id=), and the browser goes back with a code. */
static void do_authorize(struct sim_call *c)
{
  const char *cid = at_req_query(c->req, "client_id");
  const char *ru = at_req_query(c->req, "redirect_uri");
  const char *rt = at_req_query(c->req, "response_type");
  const char *state = at_req_query(c->req, "state");
  const char *scope = at_req_query(c->req, "scope");
  struct sim_client *cl = cid ? creds_client_by_client_id(&c->s->creds, cid)
                              : NULL;
  if (cl == NULL || cl->revoked || ru == NULL || *ru == '\0') {
    oauth_error(c, 400, "invalid_request", "unknown client_id or missing "
                "redirect_uri");
    return;
  }
  char loc[2048];
  const char *sep = strchr(ru, '?') ? "&" : "?";
  if (rt == NULL || strcmp(rt, "code") != 0) {
    snprintf(loc, sizeof loc, "%s%serror=unsupported_response_type", ru, sep);
  } else {
    struct strv want = {0};
    strv_split(&want, scope);
    if (want.n == 0)
      strv_copy(&want, &cl->scopes);
    bool ok = true;
    for (size_t i = 0; i < want.n; i++)
      ok &= strv_has(&cl->scopes, want.v[i]);
    int64_t uid = 0;
    const char *u = at_req_query(c->req, "user_id");
    if (u == NULL) {
      for (size_t i = 0; i < c->s->model.users.n && !uid; i++) {
        struct sim_user *usr = c->s->model.users.v[i];
        if (usr->site_admin && !usr->disabled)
          uid = usr->id;
      }
    } else if (parse_id(u, &uid) != 0 || !model_user(&c->s->model, uid)) {
      strv_clear(&want);
      oauth_error(c, 400, "invalid_request", "user_id is not a member of "
                  "this account");
      return;
    }
    if (!ok) {
      snprintf(loc, sizeof loc, "%s%serror=invalid_scope", ru, sep);
    } else {
      struct sim_code *k =
          creds_code_add(&c->s->creds, &c->s->prng, cl, uid, &want, ru,
                         c->now + S(c->s)->code_ttl);
      snprintf(loc, sizeof loc, "%s%scode=%s", ru, sep, k->code);
    }
    strv_clear(&want);
  }
  if (state) {
    size_t o = strlen(loc);
    snprintf(loc + o, sizeof loc - o, "&state=");
    o = strlen(loc);
    url_put(loc, &o, sizeof loc, state);
  }
  struct at_resp *r = at_resp_new(302);
  at_resp_header(r, "Location", loc);
  sim_reply(c, r);
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
  struct qargs q = {0};
  at_req_query_each(c->req, q_collect, &q);
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

const struct sim_personality sim_workable = {
    .name = "workable",
    .display = "Workable",
    .settings_new = wk_settings_new,
    .settings_free = wk_settings_free,
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
    .setting = wk_setting,
    .settings_json = wk_settings_json,
    .flag = wk_flag,
    .duration = wk_duration,
    .field_alias = wk_field_alias,
    .permissions = wk_scopes,
    .scopes = wk_scopes,
    .webhook_events = wk_webhook_events,
    .webhook_wire = &wk_webhook_wire,
    .webhook_payload = wk_webhook_payload,
    .webhook_filter = wk_webhook_filter,
};
