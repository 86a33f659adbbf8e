/* ashby.c — the Ashby personality: RPC over POST (/<object>.<method> with a
 * JSON body), Basic API keys with module permissions, {success, results}
 * envelopes with errors as HTTP 200 {success:false, errorInfo}, cursor and
 * syncToken pagination, uuid ids, and Ashby-Signature webhooks. Facts and
 * their sources are in docs/fidelity/ashby.md; what no source settles is a
 * setting. */
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

enum ab_rl_headers { AB_RLH_FULL, AB_RLH_RETRY_AFTER, AB_RLH_NONE };

struct ab_settings {
  int errors_legacy;           /* {"success":false,"errors":[code]} */
  int email_ci;                /* candidate.search email ignores case */
  bool closed_job_accepts;     /* application.create on closed/draft jobs */
  bool duplicate_warning;      /* candidate.create warns on a known e-mail */
  int rl_headers;              /* enum ab_rl_headers */
  int page_max;                /* limit cap and default page size */
  int64_t sync_token_ttl;      /* an older syncToken is expired */
  char sync_expired_code[64];  /* errorInfo.code of an expired syncToken */
  int64_t webhook_delay, webhook_timeout;
};

#define T struct ab_settings
static const char *const error_format_names[] = {"error_info", "errors",
                                                 NULL};
static const char *const rlh_names[] = {"full", "retry_after", "none", NULL};
/* In the order GET /_sim/settings lists them. */
static const struct sim_setting ab_settings[] = {
    SIM_ENUM(T, errors_legacy, "error_format", 0, error_format_names),
    SIM_EMAIL_MATCH(T, email_ci, 1),
    SIM_BOOL(T, closed_job_accepts, "closed_job_accepts_applications", false),
    SIM_BOOL(T, duplicate_warning, "duplicate_email_warning", false),
    SIM_ENUM(T, rl_headers, "rate_limit_headers", AB_RLH_FULL, rlh_names),
    {.name = "page_size_max", .type = SIM_SET_INT,
     .offset = offsetof(T, page_max), .def = 100, .min = 1, .max = 10000},
    SIM_DURATION(T, sync_token_ttl, "sync_token_ttl",
                 7LL * 24 * 3600 * 1000, 1),
    {.name = "sync_token_expired_code", .type = SIM_SET_STRING,
     .offset = offsetof(T, sync_expired_code),
     .str_def = "sync_token_expired",
     .size = sizeof ((T *)0)->sync_expired_code},
    SIM_DURATION(T, webhook_delay, "webhook_delay", 1000, 0),
    SIM_DURATION(T, webhook_timeout, "webhook_timeout", 10000, 1),
    {0}};
#undef T

static struct ab_settings *S(const struct sim *s) { return s->pdata; }

/* One limiter: per API key, 50 requests in a rolling 10 s (UNVERIFIED: no
 * number is published [AB-SPEC]; a conservative default). */
static void ab_limiter_defaults(size_t i, int *limit, int64_t *window,
                                bool *fixed)
{
  (void)i;
  *limit = 50;
  *window = 10000;
  *fixed = false;
}

/* ==== ids: the model's integers as uuids ===================================== */

/* "a5b0KKKK-HHHH-4000-8000-LLLLLLLLLLLL": KKKK the record kind, HHHH the
 * high 16 bits and L the low 48 bits of the model id. A valid v4-shaped
 * uuid that parses back exactly. */
enum ab_kind {
  K_USER = 1, K_JOB, K_STAGE, K_CAND, K_APP, K_SOURCE, K_REASON, K_PLAN,
  K_HIRED, K_ARCHIVED, K_DEPT, K_LOC, K_TAG, K_FIELD, K_REQ, K_KEY
};

static const char *uuid(char *buf, enum ab_kind k, int64_t id)
{
  uint64_t u = (uint64_t)id;
  snprintf(buf, 37, "a5b0%04x-%04x-4000-8000-%012llx", (unsigned)k,
           (unsigned)(u >> 48), (unsigned long long)(u & 0xffffffffffffULL));
  return buf;
}

static void put_uuid(cJSON *o, const char *k, enum ab_kind kind, int64_t id)
{
  char b[40];
  jput_str(o, k, uuid(b, kind, id));
}

/* Parse a uuid of one of our kinds; the kind found goes to *kind. */
static bool uuid_parse(const char *s, enum ab_kind *kind, int64_t *id)
{
  if (s == NULL || strlen(s) != 36)
    return false;
  for (int i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
      return false;
  }
  if (strncasecmp(s, "a5b0", 4) != 0 || strncmp(s + 14, "4000-8000-", 10))
    return false;
  char k[5] = {0}, hi[5] = {0};
  memcpy(k, s + 4, 4);
  memcpy(hi, s + 9, 4);
  *kind = (enum ab_kind)strtoul(k, NULL, 16);
  uint64_t v = ((uint64_t)strtoul(hi, NULL, 16) << 48) |
               strtoull(s + 24, NULL, 16);
  if (v > (uint64_t)INT64_MAX)
    return false;
  *id = (int64_t)v;
  return true;
}

static bool uuid_of(const char *s, enum ab_kind want, int64_t *id)
{
  enum ab_kind k;
  return uuid_parse(s, &k, id) && k == want;
}

/* A stable number for a name (departments, locations, tags, fields). */
static int64_t name_hash(const char *name)
{
  uint64_t h = 1469598103934665603ULL;
  for (const char *p = name; p && *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211ULL;
  return (int64_t)(h & 0xffffffffffffULL);
}

/* ==== routes ================================================================ */

enum ab_op {
  OP_API_KEY_INFO, OP_JOB_LIST, OP_JOB_INFO, OP_PLAN_LIST, OP_JOB_PLAN_INFO,
  OP_STAGE_LIST, OP_CAND_SEARCH, OP_CAND_INFO, OP_CAND_CREATE, OP_CAND_LIST,
  OP_CAND_UPDATE,
  OP_APP_CREATE, OP_APP_CHANGE_STAGE, OP_APP_INFO, OP_APP_LIST,
  OP_REASON_LIST, OP_SOURCE_LIST, OP_USER_LIST, OP_USER_INFO
};

struct ab_route {
  const char *path;
  const char *tmpl;
  enum ab_op op;
  const char *perm; /* the module permission [AB-AUTH][AB-SPEC] */
  bool write;
};

#define R(p, op, perm, w) {p, "POST " p, op, perm, w}
static const struct ab_route routes[] = {
    R("/apiKey.info", OP_API_KEY_INFO, "apiKeysRead", false),
    R("/job.list", OP_JOB_LIST, "jobsRead", false),
    R("/job.info", OP_JOB_INFO, "jobsRead", false),
    R("/interviewPlan.list", OP_PLAN_LIST, "interviewsRead", false),
    R("/jobInterviewPlan.info", OP_JOB_PLAN_INFO, "jobsRead", false),
    R("/interviewStage.list", OP_STAGE_LIST, "interviewsRead", false),
    R("/candidate.search", OP_CAND_SEARCH, "candidatesRead", false),
    R("/candidate.info", OP_CAND_INFO, "candidatesRead", false),
    R("/candidate.create", OP_CAND_CREATE, "candidatesWrite", true),
    R("/candidate.list", OP_CAND_LIST, "candidatesRead", false),
    R("/candidate.update", OP_CAND_UPDATE, "candidatesWrite", true),
    R("/application.create", OP_APP_CREATE, "candidatesWrite", true),
    R("/application.changeStage", OP_APP_CHANGE_STAGE, "candidatesWrite",
      true),
    R("/application.info", OP_APP_INFO, "candidatesRead", false),
    R("/application.list", OP_APP_LIST, "candidatesRead", false),
    R("/archiveReason.list", OP_REASON_LIST, "hiringProcessMetadataRead",
      false),
    R("/source.list", OP_SOURCE_LIST, "hiringProcessMetadataRead", false),
    R("/user.list", OP_USER_LIST, "organizationRead", false),
    R("/user.info", OP_USER_INFO, "organizationRead", false),
};
#define NROUTES (sizeof routes / sizeof *routes)

struct ab_ctx {
  const struct ab_route *r;
};

static struct ab_ctx *ctx(struct sim_call *c) { return c->pctx; }

static bool ab_route(struct sim_call *c, struct sim_route *out)
{
  struct ab_ctx *x = at_req_alloc(c->req, sizeof *x);
  memset(x, 0, sizeof *x);
  c->pctx = x;
  if (strcmp(c->method, "POST") != 0)
    return false; /* RPC: every method is a POST */
  size_t n = strlen(c->path);
  for (size_t i = 0; i < NROUTES; i++) {
    size_t rl = strlen(routes[i].path);
    if (strncmp(routes[i].path, c->path, rl) != 0 ||
        (n != rl && !(n == rl + 1 && c->path[rl] == '/')))
      continue;
    x->r = &routes[i];
    out->tmpl = routes[i].tmpl;
    out->perm = routes[i].perm;
    out->write = routes[i].write;
    return true;
  }
  return false;
}

/* ==== wire helpers =========================================================== */

/* {"success":false,"errorInfo":{"code","message","requestId"}} [AB-RESP],
 * or the older {"success":false,"errors":[code]} [AB-SPEC]. */
static cJSON *error_body(const struct sim *s, uint64_t jn, const char *code,
                         const char *message)
{
  cJSON *o = cJSON_CreateObject();
  jput_bool(o, "success", false);
  if (s->pdata && S(s)->errors_legacy) {
    cJSON *a = jadd_arr(o, "errors");
    cJSON_AddItemToArray(a, cJSON_CreateString(code));
    return o;
  }
  cJSON *e = jadd_obj(o, "errorInfo");
  jput_str(e, "code", code);
  jput_str(e, "message", message);
  put_uuid(e, "requestId", K_REQ, (int64_t)jn);
  return o;
}

static void reply_error(struct sim_call *c, unsigned status, const char *code,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void reply_error(struct sim_call *c, unsigned status, const char *code,
                        const char *fmt, ...)
{
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sim_reply_json(c, status, error_body(c->s, c->jn, code, msg));
}

/* Most errors are HTTP 200 with success:false [AB-RESP]. */
#define FAIL(c, code, ...) reply_error((c), 200, (code), __VA_ARGS__)

static cJSON *ok_body(cJSON *results)
{
  cJSON *o = cJSON_CreateObject();
  jput_bool(o, "success", true);
  jadd(o, "results", results);
  return o;
}

static void reply_ok(struct sim_call *c, cJSON *results)
{
  sim_reply_json(c, 200, ok_body(results));
}

static void put_rate_headers(struct at_resp *r, const struct sim_rl_result *rl,
                             bool reset)
{
  char buf[32];
  snprintf(buf, sizeof buf, "%d", rl->limit);
  at_resp_header(r, "X-RateLimit-Limit", buf);
  snprintf(buf, sizeof buf, "%d", rl->limited ? 0 : rl->remaining);
  at_resp_header(r, "X-RateLimit-Remaining", buf);
  if (reset) {
    snprintf(buf, sizeof buf, "%lld", (long long)((rl->reset + 999) / 1000));
    at_resp_header(r, "X-RateLimit-Reset", buf);
  }
}

/* 429 exists [AB-SPEC]; body and headers are UNVERIFIED (settings). */
static struct at_resp *ab_rate_limited(struct sim_call *c,
                                       const struct sim_rl_result *rl)
{
  int64_t secs = (rl->retry_after + 999) / 1000;
  if (secs < 1)
    secs = 1;
  char msg[128];
  snprintf(msg, sizeof msg, "Rate limit exceeded; retry after %lld seconds",
           (long long)secs);
  struct at_resp *r =
      sim_json_resp(429, error_body(c->s, c->jn, "rate_limit_exceeded", msg));
  int mode = c->s->pdata ? S(c->s)->rl_headers : AB_RLH_FULL;
  if (mode != AB_RLH_NONE) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)secs);
    at_resp_header(r, "Retry-After", buf);
  }
  if (mode == AB_RLH_FULL)
    put_rate_headers(r, rl, true);
  return r;
}

static void ab_rate_headers(struct sim_call *c, struct at_resp *r,
                            const struct sim_rl_result *rl)
{
  if (rl->limited || rl->limit < 0 || S(c->s)->rl_headers != AB_RLH_FULL)
    return;
  put_rate_headers(r, rl, false);
}

/* Outage answers in the error envelope (UNVERIFIED: Ashby's 5xx bodies are
 * not documented; its status page reports read-only maintenance and
 * elevated latency [AE-AB-STATUS]). */
static struct at_resp *ab_outage(struct sim_call *c, unsigned status,
                                 const char *message)
{
  if (status == 503)
    return sim_json_resp(503, error_body(c->s, c->jn, "service_unavailable",
                                     message ? message
                                             : "Ashby is temporarily "
                                               "unavailable. Check "
                                               "status.ashbyhq.com."));
  return sim_json_resp(status, error_body(c->s, c->jn, "internal_server_error",
                                      "An internal error occurred"));
}

/* ==== authentication ========================================================= */

/* The API key of "Basic base64(key:)" [AB-AUTH]; false when the header is
 * absent or not Basic. */
static bool basic_key(const char *auth, char *out, size_t len)
{
  return sim_basic_pair(auth, out, len, NULL, 0);
}

static void ab_identify(struct sim_call *c, char *cred, size_t len)
{
  char key[128];
  cred[0] = '\0';
  if (basic_key(at_req_header(c->req, "Authorization"), key, sizeof key)) {
    struct sim_apikey *k = creds_key_by_secret(&c->s->creds, key);
    if (k)
      snprintf(cred, len, "%s", k->id);
  }
}

/* Missing key: 401; wrong or deactivated key: 403 [AB-AUTH]. Returns the
 * key, or NULL after answering. */
static struct sim_apikey *ab_auth(struct sim_call *c)
{
  char key[128];
  if (!basic_key(at_req_header(c->req, "Authorization"), key, sizeof key) ||
      key[0] == '\0') {
    struct at_resp *r = sim_json_resp(
        401, error_body(c->s, c->jn, "unauthenticated",
                        "Missing API key: use HTTP Basic authentication with "
                        "the API key as the username and a blank password"));
    at_resp_header(r, "WWW-Authenticate", "Basic realm=\"Ashby API\"");
    sim_reply(c, r);
    return NULL;
  }
  struct sim_apikey *k = creds_key_by_secret(&c->s->creds, key);
  if (k == NULL || k->revoked) {
    reply_error(c, 403, "invalid_api_key",
                "The API key is invalid or has been deactivated");
    return NULL;
  }
  return k;
}

static bool ab_permitted(struct sim_call *c, const struct sim_apikey *k)
{
  if (k->all || strv_has(&k->perms, c->route.perm))
    return true;
  reply_error(c, 403, "missing_endpoint_permission",
              "The API key is missing the %s permission required by %s",
              c->route.perm, c->path + 1);
  return false;
}

/* ==== renderings ============================================================== */

static const char *const reason_types[] = {"RejectedByOrg",
                                           "RejectedByCandidate"};

static void put_time(cJSON *o, const char *k, int64_t ms)
{
  jput_time(o, k, ms); /* ISO-8601 with milliseconds; 0 -> null */
}

static char *full_name(const struct sim_candidate *cd, char *buf, size_t len)
{
  snprintf(buf, len, "%s%s%s", cd->first ? cd->first : "",
           cd->last && *cd->last ? " " : "", cd->last ? cd->last : "");
  return buf;
}

/* {value, type: Personal|Work|Other, isPrimary} [AB-SPEC]; the model's
 * "personal" and "mobile" are Personal. */
static cJSON *contact_json(const struct sim_contact *ct, bool primary)
{
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "value", ct->value);
  const char *t = "Other";
  if (ct->type && !strcasecmp(ct->type, "work"))
    t = "Work";
  else if (ct->type && (!strcasecmp(ct->type, "personal") ||
                        !strcasecmp(ct->type, "mobile")))
    t = "Personal";
  jput_str(o, "type", t);
  jput_bool(o, "isPrimary", primary);
  return o;
}

static void put_contacts(cJSON *o, const char *primary, const char *list,
                         const struct sim_contact *v, size_t n)
{
  if (n > 0)
    jadd(o, primary, contact_json(&v[0], true));
  if (list == NULL)
    return;
  cJSON *a = jadd_arr(o, list);
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, contact_json(&v[i], i == 0));
}

static bool app_visible(const struct sim_call *c, const struct sim_app *a);

static cJSON *cand_json(const struct sim_call *c, const struct sim_candidate *cd)
{
  char b[160];
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_CAND, cd->id);
  put_time(o, "createdAt", cd->created);
  put_time(o, "updatedAt", cd->updated);
  jput_str(o, "name", full_name(cd, b, sizeof b));
  put_contacts(o, "primaryEmailAddress", "emailAddresses", cd->emails,
               cd->nemails);
  put_contacts(o, "primaryPhoneNumber", "phoneNumbers", cd->phones,
               cd->nphones);
  jadd_arr(o, "socialLinks");
  cJSON *tags = jadd_arr(o, "tags");
  for (size_t i = 0; i < cd->tags.n; i++) {
    cJSON *t = cJSON_CreateObject();
    put_uuid(t, "id", K_TAG, name_hash(cd->tags.v[i]));
    jput_str(t, "title", cd->tags.v[i]);
    jput_bool(t, "isArchived", false);
    cJSON_AddItemToArray(tags, t);
  }
  if (cd->title)
    jput_str(o, "position", cd->title);
  if (cd->company)
    jput_str(o, "company", cd->company);
  cJSON *ids = jadd_arr(o, "applicationIds");
  for (size_t i = 0; i < cd->apps.n; i++) {
    const struct sim_app *a = cd->apps.v[i];
    if (app_visible(c, a))
      cJSON_AddItemToArray(ids, cJSON_CreateString(uuid(b, K_APP, a->id)));
  }
  jadd_arr(o, "fileHandles");
  cJSON *cf = jadd_arr(o, "customFields");
  for (size_t i = 0; i < cd->nfields; i++) {
    cJSON *f = cJSON_CreateObject();
    put_uuid(f, "id", K_FIELD, name_hash(cd->fields[i].key));
    jput_str(f, "title", cd->fields[i].key);
    jput_str(f, "value", cd->fields[i].value);
    cJSON_AddItemToArray(cf, f);
  }
  snprintf(b, sizeof b, "https://app.ashbyhq.com/candidates/%s",
           uuid(b + 100, K_CAND, cd->id));
  jput_str(o, "profileUrl", b);
  return o;
}

static const char *job_status(const struct sim_job *j)
{
  if (j->deleted)
    return "Archived"; /* Ashby archives jobs; it does not delete them */
  switch (j->status) {
  case SIM_JOB_OPEN: return "Open";
  case SIM_JOB_CLOSED: return "Closed";
  default: return "Draft";
  }
}

static cJSON *job_json(const struct sim_job *j)
{
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_JOB, j->id);
  jput_str(o, "title", j->name);
  jput_bool(o, "confidential", j->confidential);
  jput_str(o, "status", job_status(j));
  jput_str(o, "employmentType", "FullTime");
  if (j->office)
    put_uuid(o, "locationId", K_LOC, name_hash(j->office));
  if (j->department)
    put_uuid(o, "departmentId", K_DEPT, name_hash(j->department));
  put_uuid(o, "defaultInterviewPlanId", K_PLAN, j->id);
  cJSON *plans = jadd_arr(o, "interviewPlanIds");
  char b[40];
  cJSON_AddItemToArray(plans, cJSON_CreateString(uuid(b, K_PLAN, j->id)));
  jadd_arr(o, "customFields");
  jadd_arr(o, "jobPostingIds");
  if (j->requisition_id)
    jput_str(o, "customRequisitionId", j->requisition_id);
  jadd_arr(o, "hiringTeam");
  put_time(o, "updatedAt", j->updated ? j->updated : j->created);
  if (j->opened)
    put_time(o, "openedAt", j->opened);
  if (j->closed)
    put_time(o, "closedAt", j->closed);
  if (j->office) {
    cJSON *l = jadd_obj(o, "location");
    put_uuid(l, "id", K_LOC, name_hash(j->office));
    jput_str(l, "name", j->office);
    jput_bool(l, "isArchived", false);
    jput_bool(l, "isRemote", strcasecmp(j->office, "remote") == 0);
  }
  jadd_arr(o, "openings");
  return o;
}

/* A plan's stages: the job's active stages, then the synthesized Hired and
 * Archived stages every Ashby plan has [AB-JSON]. 'type' by position and
 * name: the first is PreInterviewScreen, an "Offer" one is Offer, the rest
 * Active. */
static const char *stage_type(const struct sim_model *m,
                              const struct sim_stage *st)
{
  if (strcasestr(st->name, "offer"))
    return "Offer";
  struct sim_stage *all[256];
  size_t n = model_job_stages_all(m, st->job_id, all, 256);
  return n > 0 && all[0] == st ? "PreInterviewScreen" : "Active";
}

static int stage_order(const struct sim_model *m, const struct sim_stage *st)
{
  struct sim_stage *all[256];
  size_t n = model_job_stages_all(m, st->job_id, all, 256);
  for (size_t i = 0; i < n; i++)
    if (all[i] == st)
      return (int)i;
  return 0;
}

static cJSON *stage_json(const struct sim_model *m, const struct sim_stage *st)
{
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_STAGE, st->id);
  jput_str(o, "title", st->name);
  jput_str(o, "type", stage_type(m, st));
  jput_int(o, "orderInInterviewPlan", stage_order(m, st));
  put_uuid(o, "interviewPlanId", K_PLAN, st->job_id);
  return o;
}

/* The synthesized terminal stages (kind K_HIRED / K_ARCHIVED, id = job). */
static cJSON *terminal_stage_json(const struct sim_model *m, int64_t job,
                                  bool hired)
{
  struct sim_stage *all[256];
  size_t n = model_job_stages_all(m, job, all, 256);
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", hired ? K_HIRED : K_ARCHIVED, job);
  jput_str(o, "title", hired ? "Hired" : "Archived");
  jput_str(o, "type", hired ? "Hired" : "Archived");
  jput_int(o, "orderInInterviewPlan", (long)n + (hired ? 0 : 1));
  put_uuid(o, "interviewPlanId", K_PLAN, job);
  return o;
}

static const char *app_status(const struct sim_app *a)
{
  switch (a->status) {
  case SIM_APP_ACTIVE: return "Active";
  case SIM_APP_REJECTED: return "Archived";
  default: return "Hired";
  }
}

static cJSON *reason_json(const struct sim_reason *rr)
{
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_REASON, rr->id);
  jput_str(o, "text", rr->name);
  jput_str(o, "reasonType",
           reason_types[strcmp(rr->type, "they_rejected_us") == 0]);
  jput_bool(o, "isArchived", false);
  return o;
}

static cJSON *source_json(const struct sim_source *src)
{
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_SOURCE, src->id);
  jput_str(o, "title", src->name);
  jput_bool(o, "isArchived", false);
  return o;
}

static cJSON *app_json(const struct sim *s, const struct sim_app *a)
{
  const struct sim_model *m = &s->model;
  char b[160];
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_APP, a->id);
  put_time(o, "createdAt", a->applied);
  put_time(o, "updatedAt", a->updated ? a->updated : a->applied);
  jput_str(o, "status", app_status(a));
  jadd_arr(o, "customFields");
  const struct sim_candidate *cd = model_cand(m, a->candidate_id);
  cJSON *co = jadd_obj(o, "candidate");
  put_uuid(co, "id", K_CAND, a->candidate_id);
  if (cd) {
    jput_str(co, "name", full_name(cd, b, sizeof b));
    put_contacts(co, "primaryEmailAddress", NULL, cd->emails, cd->nemails);
    put_contacts(co, "primaryPhoneNumber", NULL, cd->phones, cd->nphones);
  }
  const struct sim_stage *st = model_stage(m, a->stage_id);
  if (a->status == SIM_APP_HIRED)
    jadd(o, "currentInterviewStage", terminal_stage_json(m, a->job_id, true));
  else if (a->status == SIM_APP_REJECTED)
    jadd(o, "currentInterviewStage", terminal_stage_json(m, a->job_id, false));
  else if (st)
    jadd(o, "currentInterviewStage", stage_json(m, st));
  else
    jadd_null(o, "currentInterviewStage");
  const struct sim_source *src = model_source(m, a->source_id);
  if (src)
    jadd(o, "source", source_json(src));
  const struct sim_reason *rr = model_reason(m, a->rejection_reason_id);
  if (a->status == SIM_APP_REJECTED) {
    if (rr)
      jadd(o, "archiveReason", reason_json(rr));
    put_time(o, "archivedAt", a->rejected_at);
  }
  const struct sim_job *j = model_job(m, a->job_id);
  cJSON *jo = jadd_obj(o, "job");
  put_uuid(jo, "id", K_JOB, a->job_id);
  if (j) {
    jput_str(jo, "title", j->name);
    if (j->office)
      put_uuid(jo, "locationId", K_LOC, name_hash(j->office));
    if (j->department)
      put_uuid(jo, "departmentId", K_DEPT, name_hash(j->department));
  }
  jadd_arr(o, "hiringTeam");
  return o;
}

static cJSON *user_json(const struct sim_user *u)
{
  cJSON *o = cJSON_CreateObject();
  put_uuid(o, "id", K_USER, u->id);
  jput_str(o, "firstName", u->first);
  jput_str(o, "lastName", u->last);
  jput_str(o, "email", u->email);
  jput_str(o, "globalRole", u->site_admin ? "Organization Admin"
                                          : "Elevated Access");
  jput_bool(o, "isEnabled", !u->disabled);
  put_time(o, "updatedAt", u->updated ? u->updated : u->created);
  return o;
}

/* ==== visibility ============================================================ */

static bool cand_visible(const struct sim_call *c, const struct sim_candidate *cd)
{
  return cd && model_cand_live(cd) && c->now >= cd->ready_at;
}

static bool app_visible(const struct sim_call *c, const struct sim_app *a)
{
  if (a == NULL || c->now < a->ready_at)
    return false;
  const struct sim_candidate *cd = model_cand(&c->s->model, a->candidate_id);
  return cd && model_cand_live(cd) && c->now >= cd->ready_at;
}

/* ==== webhooks ================================================================ */

/* Event names [AB-WH][AB-SPEC]. Archiving and un-archiving are stage
 * changes in Ashby (to and from the Archived stage); a hire is
 * candidateHire, or candidateStageChange to a hook that does not listen to
 * hires. Candidate field updates: Ashby lists no candidateUpdate event in
 * the sources read, so none is sent. */
static const struct sim_event_def ab_webhook_events[SIM_EV__COUNT] = {
    [SIM_EV_PING] = {"ping", -1},
    [SIM_EV_NEW_APPLICATION] = {"applicationSubmit", -1},
    [SIM_EV_STAGE_CHANGE] = {"candidateStageChange", -1},
    [SIM_EV_REJECT] = {"candidateStageChange", -1},
    [SIM_EV_UNREJECT] = {"candidateStageChange", -1},
    [SIM_EV_HIRE] = {"candidateHire", SIM_EV_STAGE_CHANGE},
    [SIM_EV_UPDATE_CANDIDATE] = {NULL, -1},
    [SIM_EV_MERGE_CANDIDATE] = {"candidateMerge", SIM_EV_DELETE_CANDIDATE},
    [SIM_EV_DELETE_CANDIDATE] = {"candidateDelete", -1},
};

/* Up to 10 attempts, (2^n - 1) x 10 s after the n-th failure [AB-RETRY]. */
static const int64_t ab_retry_waits[] = {10000,   30000,   70000,
                                         150000,  310000,  630000,
                                         1270000, 2550000, 5110000};

/* No retry on these [AB-RETRY]. */
static const int ab_no_retry[] = {401, 403, 404, 405, 410, 0};

static const struct sim_webhook_wire ab_webhook_wire = {
    .id_header = NULL, /* no event id header is documented */
    .sig_header = "Ashby-Signature",
    .sig_prefix = "sha256=",
    .user_agent = "Ashby-Webhooks/1.0 (atsim)",
    .retry_waits = ab_retry_waits,
    .nretries = sizeof ab_retry_waits / sizeof *ab_retry_waits,
    .escape_html = false,
    .no_retry = ab_no_retry,
};

static cJSON *wh_ids_only(enum sim_event ev, const struct sim_candidate *c,
                          const struct sim_app *a, int64_t extra)
{
  cJSON *d = cJSON_CreateObject();
  if (ev == SIM_EV_MERGE_CANDIDATE) {
    put_uuid(jadd_obj(d, "deletedCandidate"), "id", K_CAND, c->id);
    put_uuid(jadd_obj(d, "mergedCandidate"), "id", K_CAND, extra);
  } else if (ev == SIM_EV_DELETE_CANDIDATE) {
    put_uuid(jadd_obj(d, "candidate"), "id", K_CAND, c->id);
  } else if (a) {
    cJSON *ap = jadd_obj(d, "application");
    put_uuid(ap, "id", K_APP, a->id);
    put_uuid(jadd_obj(ap, "candidate"), "id", K_CAND, a->candidate_id);
    put_uuid(jadd_obj(ap, "job"), "id", K_JOB, a->job_id);
  }
  return d;
}

static cJSON *ab_webhook_payload(const struct sim *s, enum sim_event ev,
                                 const struct sim_candidate *c,
                                 const struct sim_app *a, int64_t extra,
                                 unsigned flags)
{
  if (a && c == NULL)
    c = model_cand(&s->model, a->candidate_id);
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "action", ab_webhook_events[ev].action);
  cJSON *d;
  if (ev == SIM_EV_PING) {
    d = cJSON_CreateObject();
    jput_str(d, "webhookActionType", "ping");
  } else if ((flags & SIM_WH_IDS_ONLY) || ev == SIM_EV_MERGE_CANDIDATE ||
             ev == SIM_EV_DELETE_CANDIDATE || a == NULL) {
    d = wh_ids_only(ev, c, a, extra); /* merge/delete bodies are ids only */
  } else {
    d = cJSON_CreateObject();
    jadd(d, "application", app_json(s, a));
  }
  jadd(o, "data", d);
  return o;
}

/* ==== request bodies ========================================================== */

/* The body as a JSON object; false after answering. */
static bool body_object(struct sim_call *c, cJSON **out)
{
  *out = NULL;
  if (at_req_body_too_big(c->req)) {
    reply_error(c, 413, "payload_too_large", "Request entity too large");
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
    FAIL(c, "invalid_input", "The request body must be a JSON object (%s)",
         j ? "not an object" : why);
    return false;
  }
  *out = j;
  return true;
}

/* A uuid member of a given kind. Returns 0 (found), 1 (absent/null) or -1
 * (bad type or not one of our ids of that kind: answered unless 'quiet'). */
static int get_uuid(const cJSON *o, const char *k, enum ab_kind kind,
                    int64_t *id)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (v == NULL || cJSON_IsNull(v))
    return 1;
  if (!cJSON_IsString(v) || !uuid_of(v->valuestring, kind, id))
    return -1;
  return 0;
}

/* ==== pagination and sync tokens [AB-PAG] ==================================== */

struct page_req {
  int limit;
  int64_t after_id;  /* cursor: items with a larger id */
  int64_t since;     /* syncToken: items changed at or after (0 = all) */
};

/* Cursor "c<since hex>.<last id hex>"; syncToken "s<time hex>". */
static bool page_args(struct sim_call *c, const cJSON *body,
                      struct page_req *p)
{
  const struct ab_settings *g = S(c->s);
  memset(p, 0, sizeof *p);
  p->limit = g->page_max;
  const cJSON *lim = cJSON_GetObjectItemCaseSensitive(body, "limit");
  if (lim && !cJSON_IsNull(lim)) {
    if (!cJSON_IsNumber(lim) || lim->valuedouble < 1 ||
        lim->valuedouble != (double)(long)lim->valuedouble) {
      FAIL(c, "invalid_input", "limit must be a whole number >= 1");
      return false;
    }
    if (lim->valuedouble < p->limit)
      p->limit = (int)lim->valuedouble;
  }
  if (jbad_str(body, "cursor") || jbad_str(body, "syncToken")) {
    FAIL(c, "invalid_input", "cursor and syncToken must be strings");
    return false;
  }
  const char *cur = jget_str(body, "cursor");
  const char *tok = jget_str(body, "syncToken");
  if (cur) {
    unsigned long long since, last;
    char tail;
    if (sscanf(cur, "c%llx.%llx%c", &since, &last, &tail) != 2) {
      FAIL(c, "invalid_input", "cursor is not a valid cursor");
      return false;
    }
    p->since = (int64_t)since;
    p->after_id = (int64_t)last;
    return true;
  }
  if (tok) {
    unsigned long long t;
    char tail;
    if (sscanf(tok, "s%llx%c", &t, &tail) != 1) {
      FAIL(c, "invalid_input", "syncToken is not a valid sync token");
      return false;
    }
    if (c->now - (int64_t)t > g->sync_token_ttl) {
      FAIL(c, g->sync_expired_code, "The sync token has expired; start a "
           "full sync without a syncToken");
      return false;
    }
    p->since = (int64_t)t ? (int64_t)t : 1;
  }
  return true;
}

struct item {
  int64_t id;
  const void *p;
};

static int cmp_item(const void *a, const void *b)
{
  const struct item *x = a, *y = b;
  return (x->id > y->id) - (x->id < y->id);
}

typedef cJSON *(*render_fn)(const struct sim_call *c, const void *p);

/* Answer one page of 'items' (taken; sorted by id here). */
static void reply_page(struct sim_call *c, const struct page_req *p,
                       struct item *items, size_t n, render_fn render)
{
  qsort(items, n, sizeof *items, cmp_item);
  cJSON *res = cJSON_CreateArray();
  size_t i = 0, shown = 0;
  while (i < n && items[i].id <= p->after_id)
    i++;
  int64_t last = 0;
  for (; i < n && shown < (size_t)p->limit; i++, shown++) {
    cJSON_AddItemToArray(res, render(c, items[i].p));
    last = items[i].id;
  }
  bool more = i < n;
  cJSON *o = ok_body(res);
  jput_bool(o, "moreDataAvailable", more);
  char buf[64];
  if (more) {
    snprintf(buf, sizeof buf, "c%llx.%llx", (unsigned long long)p->since,
             (unsigned long long)last);
    jput_str(o, "nextCursor", buf);
  } else {
    snprintf(buf, sizeof buf, "s%llx", (unsigned long long)c->now);
    jput_str(o, "syncToken", buf);
  }
  free(items);
  sim_reply_json(c, 200, o);
}

static cJSON *r_job(const struct sim_call *c, const void *p)
{
  (void)c;
  return job_json(p);
}
static cJSON *r_cand(const struct sim_call *c, const void *p)
{
  return cand_json(c, p);
}
static cJSON *r_app(const struct sim_call *c, const void *p)
{
  return app_json(c->s, p);
}
static cJSON *r_user(const struct sim_call *c, const void *p)
{
  (void)c;
  return user_json(p);
}

/* ==== reads ================================================================== */

static void do_api_key_info(struct sim_call *c, const struct sim_apikey *k)
{
  cJSON *r = cJSON_CreateObject();
  char t[48];
  snprintf(t, sizeof t, "atsim %s", k->id);
  jput_str(r, "title", t);
  put_time(r, "createdAt", k->created);
  reply_ok(c, r);
}

static bool status_wanted(const cJSON *st, const char *name)
{
  if (st == NULL || cJSON_IsNull(st)) /* default: all but Draft [AB-SPEC] */
    return strcmp(name, "Draft") != 0;
  if (cJSON_IsString(st))
    return strcmp(st->valuestring, name) == 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, st) if (cJSON_IsString(e) &&
                                strcmp(e->valuestring, name) == 0) return true;
  return false;
}

static void do_job_list(struct sim_call *c, const cJSON *body)
{
  struct page_req p;
  if (!page_args(c, body, &p))
    return;
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(body, "status");
  if (st && !cJSON_IsNull(st) && !cJSON_IsString(st) && !cJSON_IsArray(st)) {
    FAIL(c, "invalid_input", "status must be an array of Open, Closed, "
         "Draft, Archived");
    return;
  }
  const struct vec *v = &c->s->model.jobs;
  struct item *items = xcalloc(v->n + 1, sizeof *items);
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++) {
    const struct sim_job *j = v->v[i];
    if (!status_wanted(st, job_status(j)))
      continue;
    if (p.since && (j->updated ? j->updated : j->created) < p.since)
      continue;
    items[n++] = (struct item){j->id, j};
  }
  reply_page(c, &p, items, n, r_job);
}

static struct sim_job *body_job(struct sim_call *c, const cJSON *body,
                                const char *k)
{
  int64_t id = 0;
  int rc = get_uuid(body, k, K_JOB, &id);
  if (rc == 1) {
    FAIL(c, "invalid_input", "%s is required", k);
    return NULL;
  }
  struct sim_job *j = rc == 0 ? model_job(&c->s->model, id) : NULL;
  if (j == NULL)
    FAIL(c, "job_not_found", "No job with id %s",
         jget_str(body, k) ? jget_str(body, k) : "(not a string)");
  return j;
}

static void do_job_info(struct sim_call *c, const cJSON *body)
{
  struct sim_job *j = body_job(c, body, "id");
  if (j)
    reply_ok(c, job_json(j));
}

static void do_plan_list(struct sim_call *c)
{
  cJSON *res = cJSON_CreateArray();
  const struct vec *v = &c->s->model.jobs;
  for (size_t i = 0; i < v->n; i++) {
    const struct sim_job *j = v->v[i];
    cJSON *o = cJSON_CreateObject();
    put_uuid(o, "id", K_PLAN, j->id);
    jput_str(o, "title", j->name);
    jput_bool(o, "isArchived", j->deleted);
    cJSON_AddItemToArray(res, o);
  }
  cJSON *o = ok_body(res);
  jput_bool(o, "moreDataAvailable", false);
  sim_reply_json(c, 200, o);
}

/* The active stages of a plan, then Hired and Archived. */
static cJSON *plan_stages(const struct sim_model *m, int64_t job)
{
  cJSON *a = cJSON_CreateArray();
  struct sim_stage *st[256];
  size_t n = model_job_stages(m, job, st, 256);
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, stage_json(m, st[i]));
  cJSON_AddItemToArray(a, terminal_stage_json(m, job, true));
  cJSON_AddItemToArray(a, terminal_stage_json(m, job, false));
  return a;
}

static void do_job_plan_info(struct sim_call *c, const cJSON *body)
{
  struct sim_job *j = body_job(c, body, "jobId");
  if (j == NULL)
    return;
  cJSON *r = cJSON_CreateObject();
  put_uuid(r, "jobId", K_JOB, j->id);
  put_uuid(r, "interviewPlanId", K_PLAN, j->id);
  cJSON *stages = plan_stages(&c->s->model, j->id), *st;
  cJSON_ArrayForEach(st, stages) jadd_arr(st, "activities"); /* not modelled */
  jadd(r, "stages", stages);
  reply_ok(c, r);
}

static void do_stage_list(struct sim_call *c, const cJSON *body)
{
  int64_t id = 0;
  int rc = get_uuid(body, "interviewPlanId", K_PLAN, &id);
  if (rc == 1) {
    FAIL(c, "invalid_input", "interviewPlanId is required");
    return;
  }
  if (rc < 0 || model_job(&c->s->model, id) == NULL) {
    FAIL(c, "interview_plan_not_found", "No interview plan with that id");
    return;
  }
  cJSON *o = ok_body(plan_stages(&c->s->model, id));
  jput_bool(o, "moreDataAvailable", false);
  sim_reply_json(c, 200, o);
}

static void do_cand_search(struct sim_call *c, const cJSON *body)
{
  const char *email = jget_str(body, "email"), *name = jget_str(body, "name");
  if (jbad_str(body, "email") || jbad_str(body, "name") ||
      ((email == NULL || !*email) && (name == NULL || !*name))) {
    FAIL(c, "invalid_input", "Give email or name (strings)");
    return;
  }
  bool ci = S(c->s)->email_ci;
  cJSON *res = cJSON_CreateArray();
  const struct vec *v = &c->s->model.candidates;
  for (size_t i = 0; i < v->n && cJSON_GetArraySize(res) < 100; i++) {
    const struct sim_candidate *cd = v->v[i];
    if (!cand_visible(c, cd))
      continue;
    if (email && *email && !model_cand_has_email(cd, email, ci))
      continue;
    char b[160];
    if (name && *name && strcasestr(full_name(cd, b, sizeof b), name) == NULL)
      continue;
    cJSON_AddItemToArray(res, cand_json(c, cd));
  }
  reply_ok(c, res);
}

static struct sim_candidate *body_cand(struct sim_call *c, const cJSON *body,
                                       const char *k)
{
  int64_t id = 0;
  int rc = get_uuid(body, k, K_CAND, &id);
  if (rc == 1) {
    FAIL(c, "invalid_input", "%s is required", k);
    return NULL;
  }
  struct sim_candidate *cd = rc == 0 ? model_cand(&c->s->model, id) : NULL;
  if (!cand_visible(c, cd)) {
    FAIL(c, "candidate_not_found", "No candidate with that id");
    return NULL;
  }
  return cd;
}

static void do_cand_info(struct sim_call *c, const cJSON *body)
{
  struct sim_candidate *cd = body_cand(c, body, "id");
  if (cd)
    reply_ok(c, cand_json(c, cd));
}

static void do_cand_list(struct sim_call *c, const cJSON *body)
{
  struct page_req p;
  if (!page_args(c, body, &p))
    return;
  const struct vec *v = &c->s->model.candidates;
  struct item *items = xcalloc(v->n + 1, sizeof *items);
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++) {
    const struct sim_candidate *cd = v->v[i];
    if (!cand_visible(c, cd) || (p.since && cd->updated < p.since))
      continue;
    items[n++] = (struct item){cd->id, cd};
  }
  reply_page(c, &p, items, n, r_cand);
}

static struct sim_app *body_app(struct sim_call *c, const cJSON *body)
{
  int64_t id = 0;
  int rc = get_uuid(body, "applicationId", K_APP, &id);
  if (rc == 1) {
    FAIL(c, "invalid_input", "applicationId is required");
    return NULL;
  }
  struct sim_app *a = rc == 0 ? model_app(&c->s->model, id) : NULL;
  if (!app_visible(c, a)) {
    FAIL(c, "application_not_found", "No application with that id");
    return NULL;
  }
  return a;
}

static void do_app_info(struct sim_call *c, const cJSON *body)
{
  struct sim_app *a = body_app(c, body);
  if (a)
    reply_ok(c, app_json(c->s, a));
}

static void do_app_list(struct sim_call *c, const cJSON *body)
{
  struct page_req p;
  if (!page_args(c, body, &p))
    return;
  const cJSON *ca = cJSON_GetObjectItemCaseSensitive(body, "createdAfter");
  int64_t after = 0;
  if (ca && !cJSON_IsNull(ca)) {
    if (!cJSON_IsNumber(ca)) {
      FAIL(c, "invalid_input", "createdAfter must be a number (epoch ms)");
      return;
    }
    after = (int64_t)ca->valuedouble;
  }
  const char *status = jget_str(body, "status");
  int64_t job = 0;
  if (get_uuid(body, "jobId", K_JOB, &job) < 0) {
    FAIL(c, "invalid_input", "jobId is not a job id");
    return;
  }
  const struct vec *v = &c->s->model.apps;
  struct item *items = xcalloc(v->n + 1, sizeof *items);
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++) {
    const struct sim_app *a = v->v[i];
    if (!app_visible(c, a) || (after && a->applied < after) ||
        (status && strcmp(status, app_status(a))) ||
        (job && a->job_id != job) ||
        (p.since && (a->updated ? a->updated : a->applied) < p.since))
      continue;
    items[n++] = (struct item){a->id, a};
  }
  reply_page(c, &p, items, n, r_app);
}

static void do_reason_list(struct sim_call *c)
{
  cJSON *res = cJSON_CreateArray();
  const struct vec *v = &c->s->model.reasons;
  for (size_t i = 0; i < v->n; i++)
    cJSON_AddItemToArray(res, reason_json(v->v[i]));
  reply_ok(c, res);
}

static void do_source_list(struct sim_call *c)
{
  cJSON *res = cJSON_CreateArray();
  const struct vec *v = &c->s->model.sources;
  for (size_t i = 0; i < v->n; i++)
    cJSON_AddItemToArray(res, source_json(v->v[i]));
  cJSON *o = ok_body(res);
  jput_bool(o, "moreDataAvailable", false); /* required by [AB-SPEC] */
  sim_reply_json(c, 200, o);
}

static void do_user_list(struct sim_call *c, const cJSON *body)
{
  struct page_req p;
  if (!page_args(c, body, &p))
    return;
  const struct vec *v = &c->s->model.users;
  struct item *items = xcalloc(v->n + 1, sizeof *items);
  size_t n = 0;
  for (size_t i = 0; i < v->n; i++) {
    const struct sim_user *u = v->v[i];
    if (p.since && (u->updated ? u->updated : u->created) < p.since)
      continue;
    items[n++] = (struct item){u->id, u};
  }
  reply_page(c, &p, items, n, r_user);
}

static void do_user_info(struct sim_call *c, const cJSON *body)
{
  int64_t id = 0;
  int rc = get_uuid(body, "userId", K_USER, &id);
  if (rc == 1) {
    FAIL(c, "invalid_input", "userId is required");
    return;
  }
  struct sim_user *u = rc == 0 ? model_user(&c->s->model, id) : NULL;
  if (u == NULL) {
    FAIL(c, "user_not_found", "No user with that id");
    return;
  }
  reply_ok(c, user_json(u));
}

/* ==== writes ================================================================== */

/* Values of a field for the required_field / format_rule faults: the
 * request body first, then (application.create) the candidate. */
struct rule_src {
  const cJSON *body;
  const cJSON *cand; /* candidate.create-shaped, or NULL */
  bool edit;         /* candidate.update: the person alone */
};

static const char *rule_from(const cJSON *o, const char *field, size_t i)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
  if (cJSON_IsString(v))
    return i == 0 ? v->valuestring : NULL;
  if (cJSON_IsArray(v)) {
    const cJSON *e = cJSON_GetArrayItem(v, (int)i);
    return cJSON_IsString(e) ? e->valuestring : NULL;
  }
  return NULL;
}

/* A member the body does not send is the stored person's (r->cand). On an
 * update one sent as null or "" is left as it is too, and the source is
 * not kept on the person: an update that sends none is not judged by a
 * source rule. */
static const char *rule_value(void *ud, const char *field, size_t i)
{
  const struct rule_src *r = ud;
  const cJSON *sent = cJSON_GetObjectItemCaseSensitive(r->body, field);
  bool kept = sent == NULL ||
              (r->edit && (cJSON_IsNull(sent) || (cJSON_IsString(sent) &&
                                                  !sent->valuestring[0])));
  if (r->edit && kept && strcmp(field, "sourceId") == 0)
    return i == 0 ? SIM_RULE_NA : NULL;
  if (r->cand && kept)
    return rule_from(r->cand, field, i);
  return rule_from(r->body, field, i);
}

/* Requests by what they are for (sim_request_kinds). API keys only: no
 * token endpoint. */
static const struct sim_request_kind ab_kinds[] = {
    {"job", "POST /job.info"},
    {"job", "POST /jobInterviewPlan.info"},
    {"job", "POST /interviewStage.list"},
    {"find", "POST /candidate.search"},
    {"create", "POST /candidate.create"},
    {"apply", "POST /application.create"},
    {"move", "POST /application.changeStage"},
    {"update", "POST /candidate.update"},
    {NULL, NULL}};

static const struct sim_alias ab_aliases[] = {
    {"phone", "phoneNumber"},        {"email", "email"},
    {"source", "sourceId"},          {"first_name", "name"},
    {"last_name", "name"},           {"name", "name"},
    {"stage", "interviewStageId"},   {"linkedin", "linkedInUrl"},
    {"github", "githubUrl"},         {"website", "website"},
    {"credited_to", "creditedToUserId"},
    {NULL, NULL}};

/* Apply the data faults; true when one refused the write (answered). */
static bool rules_refuse(struct sim_call *c, int64_t job, const cJSON *body,
                         const cJSON *cand, bool edit)
{
  struct rule_src rs = {body, cand, edit};
  char msg[160];
  const char *field = NULL;
  if (sim_rules_check(c, job, rule_value, &rs, msg, sizeof msg, &field)) {
    FAIL(c, "invalid_input", "%s: %s", field, msg);
    return true;
  }
  return false;
}

/* The async_create fault: the record reads as absent for a while. */
static int64_t ready_at(struct sim_call *c, int64_t job_id)
{
  struct sim_fault *f = sim_fault_hit(c, SIM_F_ASYNC_CREATE, job_id);
  if (f == NULL)
    return 0;
  sim_note(c, "async");
  sim_pending_until(c->s, c->now + f->delay);
  return c->now + f->delay;
}

static void do_cand_create(struct sim_call *c, const cJSON *body)
{
  static const char *const strs[] = {"name", "email", "phoneNumber",
                                     "linkedInUrl", "githubUrl", "website",
                                     NULL};
  for (const char *const *k = strs; *k; k++) {
    if (jbad_str(body, *k)) {
      FAIL(c, "invalid_input", "%s must be a string", *k);
      return;
    }
  }
  const char *name = jget_str(body, "name");
  if (name == NULL || *name == '\0') {
    FAIL(c, "invalid_input", "name is required");
    return;
  }
  const cJSON *alt =
      cJSON_GetObjectItemCaseSensitive(body, "alternateEmailAddresses");
  const cJSON *e;
  if (alt && !cJSON_IsNull(alt)) {
    bool ok = cJSON_IsArray(alt);
    cJSON_ArrayForEach(e, alt) ok = ok && cJSON_IsString(e);
    if (!ok) {
      FAIL(c, "invalid_input", "alternateEmailAddresses must be an array of "
           "strings");
      return;
    }
  }
  int64_t source = 0;
  int rc = get_uuid(body, "sourceId", K_SOURCE, &source);
  if (rc < 0 || (rc == 0 && model_source(&c->s->model, source) == NULL)) {
    FAIL(c, "invalid_input", "sourceId is not a source of this organization");
    return;
  }
  if (rules_refuse(c, 0, body, NULL, false))
    return;
  struct sim_model *m = &c->s->model;
  const char *email = jget_str(body, "email");
  bool dup = false;
  if (email && *email) {
    for (size_t i = 0; i < m->candidates.n && !dup; i++) {
      const struct sim_candidate *o = m->candidates.v[i];
      dup = model_cand_live(o) && model_cand_has_email(o, email, true);
    }
  }
  /* "First Middle Last": the last word is the last name */
  char *first = xstrdup(name), *last = strrchr(first, ' ');
  if (last)
    *last++ = '\0';
  struct sim_candidate *cd = model_cand_add(m, 0, first, last ? last : "",
                                            c->now);
  free(first);
  if (email && *email)
    model_cand_add_email(cd, email, "personal");
  cJSON_ArrayForEach(e, alt) model_cand_add_email(cd, e->valuestring, "other");
  const char *phone = jget_str(body, "phoneNumber");
  if (phone && *phone)
    model_cand_add_phone(cd, phone, "mobile");
  cd->ready_at = ready_at(c, 0);
  snprintf(cd->created_by, sizeof cd->created_by, "%s", c->cred);
  /* no dedupe by e-mail (rep) [WAYMARK-AB] */
  cJSON *o = ok_body(cand_json(c, cd));
  if (dup && S(c->s)->duplicate_warning) {
    cJSON *w = jadd_arr(o, "warnings");
    cJSON_AddItemToArray(w, cJSON_CreateString(
                                "A candidate with this email address already "
                                "exists"));
  }
  sim_reply_json(c, 200, o);
}

/* The candidate as a candidate.create body, for the data faults. */
static cJSON *cand_create_shape(const struct sim_candidate *cd)
{
  char b[160];
  cJSON *o = cJSON_CreateObject();
  jput_str(o, "name", full_name(cd, b, sizeof b));
  if (cd->nemails)
    jput_str(o, "email", cd->emails[0].value);
  if (cd->nphones)
    jput_str(o, "phoneNumber", cd->phones[0].value);
  return o;
}

/* Make 'v' the first (primary) contact of a list, adding it when it is not
 * there (emails compared ignoring case); the others stay, in order. */
static void contact_first(struct sim_contact **list, size_t *n, const char *v,
                          bool email, struct sim_candidate *cd)
{
  size_t i = 0;
  while (i < *n && (email ? strcasecmp((*list)[i].value, v)
                          : strcmp((*list)[i].value, v)) != 0)
    i++;
  if (i == *n) {
    if (email)
      model_cand_add_email(cd, v, "personal");
    else
      model_cand_add_phone(cd, v, "mobile");
  }
  struct sim_contact first = (*list)[i];
  memmove(*list + 1, *list, i * sizeof **list);
  (*list)[0] = first;
}

/* candidate.update [AB-SPEC]: only the members given change. name (the
 * last word is the last name), email (the primary one), phoneNumber (the
 * primary one), alternateEmail (one more email); sourceId must exist.
 * UNVERIFIED: that a new primary email or phone keeps the old one as
 * another entry (the spec says "primary"; nothing says the old one is
 * dropped). linkedInUrl, githubUrl, websiteUrl, socialLinks and
 * creditedToUserId are checked as strings (or ignored) and not kept, as
 * on create. The data faults judge the candidate as it would be. */
static void do_cand_update(struct sim_call *c, const cJSON *body)
{
  static const char *const strs[] = {"name", "email", "phoneNumber",
                                     "alternateEmail", "linkedInUrl",
                                     "githubUrl", "websiteUrl", NULL};
  struct sim_candidate *cd = body_cand(c, body, "candidateId");
  if (cd == NULL)
    return;
  for (const char *const *k = strs; *k; k++) {
    if (jbad_str(body, *k)) {
      FAIL(c, "invalid_input", "%s must be a string", *k);
      return;
    }
  }
  const char *name = jget_str(body, "name");
  if (name && *name == '\0') {
    FAIL(c, "invalid_input", "name must not be empty");
    return;
  }
  int64_t source = 0;
  int rc = get_uuid(body, "sourceId", K_SOURCE, &source);
  if (rc < 0 || (rc == 0 && model_source(&c->s->model, source) == NULL)) {
    FAIL(c, "invalid_input", "sourceId is not a source of this organization");
    return;
  }
  cJSON *shape = cand_create_shape(cd);
  bool refused = rules_refuse(c, 0, body, shape, true);
  cJSON_Delete(shape);
  if (refused)
    return;
  if (name) { /* "First Middle Last": the last word is the last name */
    char *first = xstrdup(name), *last = strrchr(first, ' ');
    if (last)
      *last++ = '\0';
    sim_setstr(&cd->first, first);
    sim_setstr(&cd->last, last ? last : "");
    free(first);
  }
  const char *email = jget_str(body, "email");
  if (email && *email)
    contact_first(&cd->emails, &cd->nemails, email, true, cd);
  const char *alt = jget_str(body, "alternateEmail");
  bool known = false;
  for (size_t i = 0; alt && *alt && i < cd->nemails; i++)
    known |= strcasecmp(cd->emails[i].value, alt) == 0;
  if (alt && *alt && !known)
    model_cand_add_email(cd, alt, "other");
  const char *phone = jget_str(body, "phoneNumber");
  if (phone && *phone)
    contact_first(&cd->phones, &cd->nphones, phone, false, cd);
  model_cand_touch(cd, c->now);
  sim_webhook_fire(c->s, SIM_EV_UPDATE_CANDIDATE, cd, NULL, 0);
  reply_ok(c, cand_json(c, cd));
}

static void do_app_create(struct sim_call *c, const cJSON *body)
{
  struct sim_model *m = &c->s->model;
  struct sim_candidate *cd = body_cand(c, body, "candidateId");
  if (cd == NULL)
    return;
  struct sim_job *j = body_job(c, body, "jobId");
  if (j == NULL)
    return;
  int64_t stage = 0, source = 0;
  int rc = get_uuid(body, "interviewStageId", K_STAGE, &stage);
  struct sim_stage *st = rc == 0 ? model_stage(m, stage) : NULL;
  if (rc < 0 || (rc == 0 && (st == NULL || !st->active ||
                             st->job_id != j->id))) {
    FAIL(c, "interview_stage_not_found", "No interview stage with that id in "
         "the job's interview plan");
    return;
  }
  rc = get_uuid(body, "sourceId", K_SOURCE, &source);
  if (rc < 0 || (rc == 0 && model_source(m, source) == NULL)) {
    FAIL(c, "invalid_input", "sourceId is not a source of this organization");
    return;
  }
  if (j->deleted || (j->status != SIM_JOB_OPEN && !S(c->s)->closed_job_accepts)) {
    /* applications to closed or draft jobs fail validation (rep) */
    FAIL(c, "invalid_input", "Job %s is %s and does not accept applications",
         j->name, job_status(j));
    return;
  }
  struct sim_stage *first = model_first_stage(m, j->id);
  if (first == NULL) {
    FAIL(c, "invalid_input", "The job's interview plan has no stages");
    return;
  }
  cJSON *shape = cand_create_shape(cd);
  bool refused = rules_refuse(c, j->id, body, shape, false);
  cJSON_Delete(shape);
  if (refused)
    return;
  struct sim_app *a = model_app_add(m, cd, j->id, st ? st->id : first->id,
                                    c->now);
  a->source_id = source;
  a->ready_at = ready_at(c, j->id);
  sim_webhook_fire(c->s, SIM_EV_NEW_APPLICATION, cd, a, 0);
  reply_ok(c, app_json(c->s, a));
}

static void do_change_stage(struct sim_call *c, const cJSON *body)
{
  struct sim_model *m = &c->s->model;
  struct sim_app *a = body_app(c, body);
  if (a == NULL)
    return;
  const char *sid = jget_str(body, "interviewStageId");
  if (jbad_str(body, "interviewStageId") || sid == NULL) {
    FAIL(c, "invalid_input", "interviewStageId is required");
    return;
  }
  enum ab_kind kind;
  int64_t id = 0;
  bool parsed = uuid_parse(sid, &kind, &id);
  bool terminal = parsed && (kind == K_HIRED || kind == K_ARCHIVED);
  struct sim_stage *st = parsed && kind == K_STAGE ? model_stage(m, id) : NULL;
  if ((!terminal && (st == NULL || !st->active || st->job_id != a->job_id)) ||
      (terminal && id != a->job_id)) {
    FAIL(c, "interview_stage_not_found", "No interview stage %s in the "
         "application's interview plan", sid);
    return;
  }
  int64_t reason = 0;
  int rc = get_uuid(body, "archiveReasonId", K_REASON, &reason);
  bool archive = terminal && kind == K_ARCHIVED;
  if (rc == 0 && !archive) {
    FAIL(c, "invalid_input", "archiveReasonId is only allowed when moving to "
         "a stage of type Archived");
    return;
  }
  if (archive && rc == 1) {
    FAIL(c, "invalid_input", "archiveReasonId is required when moving to a "
         "stage of type Archived");
    return;
  }
  if (archive && (rc < 0 || model_reason(m, reason) == NULL)) {
    FAIL(c, "archive_reason_not_found", "No archive reason with that id");
    return;
  }
  char err[200];
  enum sim_event ev;
  int r;
  if (archive) {
    r = model_app_reject(m, a, reason, NULL, c->now, err, sizeof err);
    ev = SIM_EV_REJECT;
  } else if (terminal) {
    r = model_app_hire(m, a, NULL, c->now, err, sizeof err);
    ev = SIM_EV_HIRE;
  } else {
    /* moving an archived application to an active stage un-archives it */
    if (a->status == SIM_APP_REJECTED &&
        model_app_unreject(m, a, c->now, err, sizeof err) != 0) {
      FAIL(c, "invalid_input", "%s", err);
      return;
    }
    r = model_app_move(m, a, st->id, c->now, err, sizeof err);
    ev = SIM_EV_STAGE_CHANGE;
  }
  if (r != 0) {
    FAIL(c, "invalid_input", "%s", err);
    return;
  }
  sim_webhook_fire(c->s, ev, NULL, a, 0);
  reply_ok(c, app_json(c->s, a));
}

/* ==== dispatch ==================================================================== */

static void ab_handle(struct sim_call *c)
{
  struct ab_ctx *x = ctx(c);
  /* authentication first (before routing: UNVERIFIED), then the limiter */
  struct sim_apikey *k = ab_auth(c);
  if (k == NULL || sim_rate_check(c, 0))
    return;
  if (x->r == NULL) {
    reply_error(c, 404, "not_found", "No endpoint %s %s (the API is RPC: "
                "POST /<object>.<method>)", c->method, c->path);
    return;
  }
  if (!ab_permitted(c, k))
    return;
  cJSON *body;
  if (!body_object(c, &body))
    return;
  switch (x->r->op) {
  case OP_API_KEY_INFO: do_api_key_info(c, k); break;
  case OP_JOB_LIST: do_job_list(c, body); break;
  case OP_JOB_INFO: do_job_info(c, body); break;
  case OP_PLAN_LIST: do_plan_list(c); break;
  case OP_JOB_PLAN_INFO: do_job_plan_info(c, body); break;
  case OP_STAGE_LIST: do_stage_list(c, body); break;
  case OP_CAND_SEARCH: do_cand_search(c, body); break;
  case OP_CAND_INFO: do_cand_info(c, body); break;
  case OP_CAND_CREATE: do_cand_create(c, body); break;
  case OP_CAND_LIST: do_cand_list(c, body); break;
  case OP_CAND_UPDATE: do_cand_update(c, body); break;
  case OP_APP_CREATE: do_app_create(c, body); break;
  case OP_APP_CHANGE_STAGE: do_change_stage(c, body); break;
  case OP_APP_INFO: do_app_info(c, body); break;
  case OP_APP_LIST: do_app_list(c, body); break;
  case OP_REASON_LIST: do_reason_list(c); break;
  case OP_SOURCE_LIST: do_source_list(c); break;
  case OP_USER_LIST: do_user_list(c, body); break;
  case OP_USER_INFO: do_user_info(c, body); break;
  }
  cJSON_Delete(body);
}

/* Module permissions an API key can hold [AB-AUTH][AB-SPEC]. */
static const char *const ab_permissions[] = {
    "apiKeysRead",    "candidatesRead", "candidatesWrite",
    "jobsRead",       "interviewsRead", "hiringProcessMetadataRead",
    "organizationRead", NULL};

static int ab_wire_id(const char *kind, int64_t id, char *out, size_t len)
{
  static const struct { const char *name; enum ab_kind k; } kinds[] = {
      {"job", K_JOB}, {"user", K_USER}, {"candidate", K_CAND},
      {"application", K_APP}};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (strcmp(kinds[i].name, kind) == 0) {
      char buf[40];
      snprintf(out, len, "%s", uuid(buf, kinds[i].k, id));
      return 0;
    }
  return -1;
}

const struct sim_personality sim_ashby = {
    .wire_id = ab_wire_id,
    .name = "ashby",
    .display = "Ashby",
    .settings = ab_settings,
    .settings_size = sizeof(struct ab_settings),
    .route = ab_route,
    .identify = ab_identify,
    .handle = ab_handle,
    .rate_limited = ab_rate_limited,
    .outage = ab_outage,
    .rate_headers = ab_rate_headers,
    .nlimiters = 1,
    .limiter_defaults = ab_limiter_defaults,
    .status_url = "https://status.ashbyhq.com",
    .serve_paths = "RPC: POST /<object>.<method>",
    .serve_key_use = "Basic",
    .serve_no_oauth = true,
    .status_api_component = "Ashby API",
    .field_aliases = ab_aliases,
    .request_kinds = ab_kinds,
    .permissions = ab_permissions,
    .scopes = NULL, /* Ashby's API has no OAuth: API keys only */
    .webhook_events = ab_webhook_events,
    .webhook_wire = &ab_webhook_wire,
    .webhook_payload = ab_webhook_payload,
};
