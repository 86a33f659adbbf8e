/* greenhouse.c — the Greenhouse connector: Harvest v3 (OAuth bearer
 * tokens from auth.greenhouse.io/token) by default, since Greenhouse
 * retired v1/v2 keys on 2026-08-31, and Harvest v1 (Basic key +
 * On-Behalf-Of) for legacy keys. Requests and outcomes only: no retry,
 * pacing or state logic here. */
#include "../connector.h"
#include "../outcome.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_json.h"

static bool v3(const struct conn_view *v) { return v->auth != ATSYNC_AUTH_API_KEY; }

static void gh_window(enum atsync_auth auth, int64_t *window, bool *fixed)
{
  /* v1: a rolling 10 s window; v3: fixed 30 s windows with
   * X-RateLimit-Reset on every answer (docs/fidelity/greenhouse.md) */
  *window = auth == ATSYNC_AUTH_API_KEY ? 10000 : 30000;
  *fixed = auth != ATSYNC_AUTH_API_KEY;
}

/* Percent-encode into a growing buffer. */
static void enc(char *out, size_t cap, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = strlen(out);
  for (; s && *s && o + 4 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c) || strchr("-._~", c)) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

static void form_add(char *out, size_t cap, const char *k, const char *v)
{
  if (v == NULL)
    return;
  size_t o = strlen(out);
  snprintf(out + o, cap - o, "%s%s=", o ? "&" : "", k);
  enc(out, cap, v);
}

/* A JSON integer from a decimal id string (ids never pass a double). */
static cJSON *id_json(const char *id)
{
  for (const char *p = id; *p; p++)
    if (!isdigit((unsigned char)*p))
      return cJSON_CreateString(id);
  return cJSON_CreateRaw(id);
}

static void set_json_body(struct http_req *r, cJSON *body)
{
  char *t = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  http_req_body(r, "application/json", t);
  free(t);
}

static void auth_headers(const struct conn_view *v, struct http_req *r,
                         bool write)
{
  if (v3(v)) {
    http_req_header(r, "Authorization: Bearer %s",
                    v->access_token ? v->access_token : "");
    return;
  }
  char userpass[256];
  snprintf(userpass, sizeof userpass, "%s:", v->api_key ? v->api_key : "");
  unsigned char b64[400];
  EVP_EncodeBlock(b64, (const unsigned char *)userpass, (int)strlen(userpass));
  http_req_header(r, "Authorization: Basic %s", (char *)b64);
  if (write && v->on_behalf_of)
    http_req_header(r, "On-Behalf-Of: %s", v->on_behalf_of);
}

static cJSON *person_body(const struct op_args *a)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "first_name", a->first);
  cJSON_AddStringToObject(o, "last_name", a->last);
  cJSON *em = cJSON_AddArrayToObject(o, "email_addresses");
  for (size_t i = 0; i < a->nemails; i++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "value", a->emails[i]);
    cJSON_AddStringToObject(e, "type", "personal");
    cJSON_AddItemToArray(em, e);
  }
  if (a->phone && *a->phone) {
    cJSON *ph = cJSON_AddArrayToObject(o, "phone_numbers");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "value", a->phone);
    cJSON_AddStringToObject(p, "type", "mobile");
    cJSON_AddItemToArray(ph, p);
  }
  return o;
}

static cJSON *app_body(const struct op_args *a, bool with_candidate)
{
  cJSON *o = cJSON_CreateObject();
  if (with_candidate)
    cJSON_AddItemToObject(o, "candidate_id", id_json(a->candidate_id));
  cJSON_AddItemToObject(o, "job_id", id_json(a->job_id));
  if (a->to_stage_id && *a->to_stage_id)
    cJSON_AddItemToObject(o, "initial_stage_id", id_json(a->to_stage_id));
  return o;
}

static int gh_build(const struct conn_view *v, enum op op,
                    const struct op_args *a, struct http_req *r, char *err,
                    size_t errlen)
{
  char url[2048], q[1024] = "";
  const char *b = v->base_url;
  bool w3 = v3(v);
  switch (op) {
  case OP_TOKEN: {
    http_req_init(r, "POST", v->token_url);
    char userpass[512];
    snprintf(userpass, sizeof userpass, "%s:%s", v->client_id ? v->client_id : "",
             v->client_secret ? v->client_secret : "");
    unsigned char b64[800];
    EVP_EncodeBlock(b64, (const unsigned char *)userpass, (int)strlen(userpass));
    http_req_header(r, "Authorization: Basic %s", (char *)b64);
    char form[4096] = "";
    if (a->grant == GRANT_CODE) {
      form_add(form, sizeof form, "grant_type", "authorization_code");
      form_add(form, sizeof form, "code", a->code);
      form_add(form, sizeof form, "redirect_uri", v->redirect_uri);
    } else if (a->grant == GRANT_REFRESH) {
      form_add(form, sizeof form, "grant_type", "refresh_token");
      form_add(form, sizeof form, "refresh_token", a->refresh_token);
    } else {
      form_add(form, sizeof form, "grant_type", "client_credentials");
      form_add(form, sizeof form, "sub", v->sub);
    }
    http_req_body(r, "application/x-www-form-urlencoded", form);
    r->fresh = true; /* a token grant is not idempotent (rotation) */
    return 0;
  }
  case OP_JOB:
    if (w3)
      snprintf(url, sizeof url, "%s/v3/jobs?ids=%s", b, a->job_id);
    else
      snprintf(url, sizeof url, "%s/v1/jobs/%s", b, a->job_id);
    http_req_init(r, "GET", url);
    break;
  case OP_PIPELINE:
    if (w3)
      snprintf(url, sizeof url, "%s/v3/job_interview_stages?job_ids=%s&per_page=500",
               b, a->job_id);
    else
      snprintf(url, sizeof url, "%s/v1/jobs/%s/stages", b, a->job_id);
    http_req_init(r, "GET", url);
    break;
  case OP_FIND:
    enc(q, sizeof q, a->email);
    snprintf(url, sizeof url, "%s/%s/candidates?email=%s", b, w3 ? "v3" : "v1", q);
    http_req_init(r, "GET", url);
    break;
  case OP_APPS:
    if (w3)
      snprintf(url, sizeof url, "%s/v3/applications?candidate_ids=%s&job_ids=%s",
               b, a->candidate_id, a->job_id);
    else
      snprintf(url, sizeof url, "%s/v1/candidates/%s", b, a->candidate_id);
    http_req_init(r, "GET", url);
    break;
  case OP_CREATE: {
    snprintf(url, sizeof url, "%s/%s/candidates", b, w3 ? "v3" : "v1");
    http_req_init(r, "POST", url);
    cJSON *body = person_body(a);
    /* the person and the application in one call, so the ATS accepts or
     * refuses both (a required field must not leave a person without the
     * application behind): v1 takes a list, v3 one nested object */
    if (w3) {
      cJSON_AddItemToObject(body, "application", app_body(a, false));
    } else {
      cJSON *apps = cJSON_AddArrayToObject(body, "applications");
      cJSON_AddItemToArray(apps, app_body(a, false));
    }
    set_json_body(r, body);
    break;
  }
  case OP_ADD_APP:
    if (w3)
      snprintf(url, sizeof url, "%s/v3/applications", b);
    else
      snprintf(url, sizeof url, "%s/v1/candidates/%s/applications", b,
               a->candidate_id);
    http_req_init(r, "POST", url);
    set_json_body(r, app_body(a, w3));
    break;
  case OP_MOVE: {
    snprintf(url, sizeof url, "%s/%s/applications/%s/move", b, w3 ? "v3" : "v1",
             a->application_id);
    http_req_init(r, "POST", url);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "from_stage_id", id_json(a->from_stage_id));
    cJSON_AddItemToObject(body, "to_stage_id", id_json(a->to_stage_id));
    set_json_body(r, body);
    break;
  }
  default:
    snprintf(err, errlen, "greenhouse: no operation %d", (int)op);
    return -1;
  }
  auth_headers(v, r, op_is_write(op));
  r->fresh = op_is_write(op);
  return 0;
}

/* ---- parsing ----------------------------------------------------------------- */

/* The first error message of {"errors":[{"message":..}]} or
 * {"message":..,"errors":["..."]}, or {"message":..}. */
static void error_text(const cJSON *j, char *buf, size_t len)
{
  buf[0] = '\0';
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
  const cJSON *e = cJSON_GetArrayItem(errs, 0);
  const char *m = cJSON_IsString(e) ? e->valuestring : at_json_str(e, "message");
  if (m == NULL)
    m = at_json_str(j, "message");
  if (m)
    snprintf(buf, len, "%s", m);
}

/* The fields a 422 names: v1 errors[].field, v3 errors[] {field: msg}. */
static void error_fields(const cJSON *j, char *buf, size_t len)
{
  buf[0] = '\0';
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "errors"))
  {
    const char *f = at_json_str(e, "field");
    if (f == NULL && cJSON_IsObject(e) && e->child && e->child->string &&
        strcmp(e->child->string, "message") != 0)
      f = e->child->string;
    if (f == NULL)
      continue;
    size_t o = strlen(buf);
    snprintf(buf + o, len - o, "%s%s", o ? ", " : "", f);
  }
}

static const char *v1_permission(enum op op)
{
  switch (op) {
  case OP_JOB: return "GET /v1/jobs/{id}";
  case OP_PIPELINE: return "GET /v1/jobs/{id}/stages";
  case OP_FIND: return "GET /v1/candidates";
  case OP_APPS: return "GET /v1/candidates/{id}";
  case OP_CREATE: return "POST /v1/candidates";
  case OP_ADD_APP: return "POST /v1/candidates/{id}/applications";
  case OP_MOVE: return "POST /v1/applications/{id}/move";
  default: return "";
  }
}

static const char *app_status(const char *s)
{
  if (s == NULL)
    return "";
  if (strcmp(s, "in_process") == 0)
    return "active"; /* v3 reads back in_process for active */
  return s;
}

static void take_app(const cJSON *app, struct op_result *out)
{
  at_json_id(app, "id", out->application_id, sizeof out->application_id);
  snprintf(out->app_status, sizeof out->app_status, "%s",
           app_status(at_json_str(app, "status")));
  const cJSON *cs = cJSON_GetObjectItemCaseSensitive(app, "current_stage");
  if (cJSON_IsObject(cs)) { /* v1 */
    at_json_id(cs, "id", out->stage_id, sizeof out->stage_id);
    snprintf(out->stage_name, sizeof out->stage_name, "%s",
             at_json_str(cs, "name") ? at_json_str(cs, "name") : "");
  } else { /* v3 */
    at_json_id(app, "stage_id", out->stage_id, sizeof out->stage_id);
    const char *n = at_json_str(app, "stage_name");
    snprintf(out->stage_name, sizeof out->stage_name, "%s", n ? n : "");
  }
}

static bool on_job(const cJSON *app, const char *job)
{
  char id[32];
  if (at_json_id(app, "job_id", id, sizeof id) == 0) /* v3 */
    return strcmp(id, job) == 0;
  const cJSON *j;
  cJSON_ArrayForEach(j, cJSON_GetObjectItemCaseSensitive(app, "jobs"))
  {
    if (at_json_id(j, "id", id, sizeof id) == 0 && strcmp(id, job) == 0)
      return true;
  }
  return false;
}

/* The person's application on the job: an active one first. */
static void pick_app(const cJSON *apps, const char *job, struct op_result *out)
{
  const cJSON *best = NULL, *a;
  cJSON_ArrayForEach(a, apps)
  {
    if (!on_job(a, job))
      continue;
    const char *st = app_status(at_json_str(a, "status"));
    if (best == NULL || strcmp(st, "active") == 0)
      best = a;
  }
  if (best)
    take_app(best, out);
}

static int cmp_num(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

static int stage_order(const cJSON *s)
{
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, "sort_order");
  if (!cJSON_IsNumber(o))
    o = cJSON_GetObjectItemCaseSensitive(s, "priority");
  return cJSON_IsNumber(o) ? (int)o->valuedouble : 0;
}

struct ordered {
  int order;
  struct stage st;
};

static bool parse_ok(const struct conn_view *v, enum op op,
                     const struct op_args *a, const cJSON *j,
                     struct op_result *out)
{
  switch (op) {
  case OP_TOKEN: {
    const char *at = at_json_str(j, "access_token");
    if (at == NULL || strlen(at) >= sizeof out->access_token)
      return false;
    snprintf(out->access_token, sizeof out->access_token, "%s", at);
    const char *rt = at_json_str(j, "refresh_token");
    if (rt && strlen(rt) < sizeof out->refresh_token)
      snprintf(out->refresh_token, sizeof out->refresh_token, "%s", rt);
    const cJSON *ei = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
    if (cJSON_IsNumber(ei))
      out->expires_in_ms = (int64_t)ei->valuedouble * 1000;
    return true;
  }
  case OP_JOB: {
    const cJSON *job = j;
    if (cJSON_IsArray(j)) {
      job = NULL;
      const cJSON *x;
      cJSON_ArrayForEach(x, j)
      {
        char id[32];
        if (at_json_id(x, "id", id, sizeof id) == 0 && !strcmp(id, a->job_id))
          job = x;
      }
      if (job == NULL) {
        out->outcome = OUT_NOT_FOUND;
        return true;
      }
    }
    const char *n = at_json_str(job, "name"), *s = at_json_str(job, "status");
    if (n == NULL || s == NULL)
      return false;
    snprintf(out->job_name, sizeof out->job_name, "%s", n);
    snprintf(out->job_status, sizeof out->job_status, "%s", s);
    return true;
  }
  case OP_PIPELINE: {
    if (!cJSON_IsArray(j))
      return false;
    struct ordered tmp[MAX_STAGES];
    size_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, j)
    {
      if (n == MAX_STAGES)
        break;
      const char *name = at_json_str(s, "name");
      if (at_json_id(s, "id", tmp[n].st.id, sizeof tmp[n].st.id) != 0 ||
          name == NULL)
        return false;
      snprintf(tmp[n].st.name, sizeof tmp[n].st.name, "%s", name);
      tmp[n].st.active =
          !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "active"));
      tmp[n].order = stage_order(s);
      n++;
    }
    /* the pipeline order (stable insertion sort: n is small) */
    for (size_t i = 1; i < n; i++)
      for (size_t k = i; k > 0 && tmp[k - 1].order > tmp[k].order; k--) {
        struct ordered t = tmp[k];
        tmp[k] = tmp[k - 1];
        tmp[k - 1] = t;
      }
    for (size_t i = 0; i < n; i++)
      out->stages[i] = tmp[i].st;
    out->nstages = n;
    return true;
  }
  case OP_FIND: {
    if (!cJSON_IsArray(j))
      return false;
    const cJSON *c, *oldest = NULL;
    char best[32] = "";
    cJSON_ArrayForEach(c, j)
    {
      char id[32];
      if (at_json_id(c, "id", id, sizeof id) != 0)
        return false;
      if (best[0] == '\0' || cmp_num(id, best) < 0) { /* the oldest person */
        snprintf(best, sizeof best, "%s", id);
        oldest = c;
      }
    }
    snprintf(out->candidate_id, sizeof out->candidate_id, "%s", best);
    if (oldest && !v3(v)) /* v1 embeds the applications */
      pick_app(cJSON_GetObjectItemCaseSensitive(oldest, "applications"),
               a->job_id, out);
    return true;
  }
  case OP_APPS:
    if (v3(v)) {
      if (!cJSON_IsArray(j))
        return false;
      pick_app(j, a->job_id, out);
    } else {
      if (!cJSON_IsObject(j))
        return false;
      pick_app(cJSON_GetObjectItemCaseSensitive(j, "applications"), a->job_id,
               out);
    }
    return true;
  case OP_CREATE:
    if (at_json_id(j, "id", out->candidate_id, sizeof out->candidate_id) != 0)
      return false;
    /* the body is cut to ids while Greenhouse still builds the record */
    out->partial = at_json_str(j, "first_name") == NULL;
    if (v3(v)) {
      /* the nested application's id, when this Greenhouse says it (else
       * the engine reads the person's applications) */
      if (at_json_id(j, "application_id", out->application_id,
                     sizeof out->application_id) == 0) {
        snprintf(out->stage_id, sizeof out->stage_id, "%s",
                 a->to_stage_id ? a->to_stage_id : "");
        snprintf(out->app_status, sizeof out->app_status, "active");
      }
    } else {
      const cJSON *apps = cJSON_GetObjectItemCaseSensitive(j, "applications");
      if (cJSON_IsArray(apps)) {
        pick_app(apps, a->job_id, out);
      } else {
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(j, "application_ids");
        if (at_json_id_item(cJSON_GetArrayItem(ids, 0), out->application_id,
                            sizeof out->application_id) == 0) {
          snprintf(out->stage_id, sizeof out->stage_id, "%s",
                   a->to_stage_id ? a->to_stage_id : "");
          snprintf(out->app_status, sizeof out->app_status, "active");
        }
      }
    }
    return true;
  case OP_ADD_APP:
    if (at_json_id(j, "id", out->application_id, sizeof out->application_id) != 0)
      return false;
    take_app(j, out);
    out->partial = out->stage_id[0] == '\0';
    if (out->partial) {
      snprintf(out->stage_id, sizeof out->stage_id, "%s",
               a->to_stage_id ? a->to_stage_id : "");
      snprintf(out->app_status, sizeof out->app_status, "active");
    }
    return true;
  case OP_MOVE:
    if (cJSON_IsObject(j))
      take_app(j, out); /* v1 answers with the application; v3 with 204 */
    return true;
  default:
    return true;
  }
}

/* The rel="next" target of a Link header (v1 and v3 both send it). */
static void next_link(const char *link, char *out, size_t len)
{
  out[0] = '\0';
  for (const char *p = link; p && (p = strchr(p, '<')) != NULL;) {
    const char *gt = strchr(p, '>');
    if (gt == NULL)
      return;
    const char *semi = gt + 1;
    const char *comma = strchr(semi, ',');
    const char *rel = strstr(semi, "rel=\"next\"");
    if (rel && (comma == NULL || rel < comma)) {
      size_t n = (size_t)(gt - p - 1);
      if (n < len) {
        memcpy(out, p + 1, n);
        out[n] = '\0';
      }
      return;
    }
    p = gt;
  }
}

static int gh_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r)
{
  /* never hand our credentials to another host */
  if (strncmp(url, v->base_url, strlen(v->base_url)) != 0)
    return -1;
  http_req_init(r, "GET", url);
  auth_headers(v, r, false);
  return 0;
}

static void gh_parse(const struct conn_view *v, enum op op,
                     const struct op_args *a, const struct http_resp *r,
                     int64_t now, struct op_result *out)
{
  outcome_classify(op, r, now, 3600 * 1000, out);
  if (r->status == 0)
    return;
  if (op == OP_FIND || op == OP_APPS || op == OP_PIPELINE)
    next_link(r->link, out->next_url, sizeof out->next_url);
  cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
  if (out->outcome == OUT_OK) {
    if (r->status == 204 && op == OP_MOVE) {
      cJSON_Delete(j);
      return;
    }
    if (j == NULL || !parse_ok(v, op, a, j, out)) {
      /* a 2xx we cannot read: a write may have been applied */
      out->outcome = op_is_write(op) ? OUT_UNKNOWN : OUT_TRANSIENT;
      snprintf(out->what, sizeof out->what, "malformed answer");
    }
    cJSON_Delete(j);
    return;
  }
  char text[200];
  error_text(j, text, sizeof text);
  if (op == OP_TOKEN && r->status >= 400 && r->status < 500 &&
      r->status != 429) {
    /* RFC 6749: invalid_grant, invalid_client ... the grant is unusable */
    const char *e = at_json_str(j, "error");
    snprintf(out->what, sizeof out->what, "%s", e ? e : (text[0] ? text : "rejected"));
    out->outcome = OUT_AUTH;
  } else if (out->outcome == OUT_PERMISSION) {
    const char *scope = strstr(text, "scope: ");
    if (scope)
      snprintf(out->what, sizeof out->what, "the scope %s", scope + 7);
    else if (strncmp(text, "User ", 5) == 0)
      snprintf(out->what, sizeof out->what, "the acting user (%s)", text);
    else if (!v3(v))
      snprintf(out->what, sizeof out->what, "the API key permission '%s'",
               v1_permission(op));
    else
      snprintf(out->what, sizeof out->what, "access (%s)", text);
  } else if (out->outcome == OUT_INVALID) {
    error_fields(j, out->what, sizeof out->what);
    if (strcmp(out->what, "On-Behalf-Of") == 0) {
      out->outcome = OUT_PERMISSION;
      snprintf(out->what, sizeof out->what, "an acting user (On-Behalf-Of)");
    } else if (out->what[0] == '\0') {
      snprintf(out->what, sizeof out->what, "%s", text);
    }
  } else if (out->outcome == OUT_AUTH) {
    snprintf(out->what, sizeof out->what, "%s", text[0] ? text : "unauthorized");
  }
  cJSON_Delete(j);
}

const struct connector connector_greenhouse = {
    .name = "greenhouse",
    .display = "Greenhouse",
    .window = gh_window,
    .build = gh_build,
    .parse = gh_parse,
    .build_next = gh_build_next,
};

const struct connector *connector_find(const char *name)
{
  if (name && strcmp(name, "greenhouse") == 0)
    return &connector_greenhouse;
  return NULL;
}
