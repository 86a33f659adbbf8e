/* greenhouse.c — the Greenhouse connector: Harvest v3 (OAuth bearer
 * tokens from auth.greenhouse.io/token) by default, since Greenhouse
 * retired v1/v2 keys on 2026-08-31, and Harvest v1 (Basic key +
 * On-Behalf-Of) for legacy keys. Requests and outcomes only: no retry,
 * pacing or state logic here. */
#include "../connector.h"
#include "../outcome.h"
#include "../wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "at_json.h"

static bool v3(const struct conn_view *v) { return v->auth != ATSYNC_AUTH_API_KEY; }

static void gh_window(enum atsync_auth auth, int64_t *window, bool *fixed)
{
  /* v1: a rolling 10 s window; v3: fixed 30 s windows with
   * X-RateLimit-Reset on every answer (docs/fidelity/greenhouse.md) */
  *window = auth == ATSYNC_AUTH_API_KEY ? 10000 : 30000;
  *fixed = auth != ATSYNC_AUTH_API_KEY;
}

/* A JSON integer from a decimal id string (ids never pass a double). */
static cJSON *id_json(const char *id)
{
  for (const char *p = id; *p; p++)
    if (!isdigit((unsigned char)*p))
      return cJSON_CreateString(id);
  return cJSON_CreateRaw(id);
}

static void auth_headers(const struct conn_view *v, struct http_req *r,
                         bool write)
{
  if (v3(v)) {
    wire_bearer(r, v->access_token);
    return;
  }
  wire_basic(r, v->api_key, ""); /* the key is the user name */
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

/* The person's custom fields: v1 a list of {name_key, value}, v3 an
 * object {key: value} (the keys are the immutable underscore keys). */
static void add_custom_fields(cJSON *person, const struct op_args *a, bool w3)
{
  if (a->nfields == 0 || a->field_keys == NULL || a->field_values == NULL)
    return;
  if (w3) {
    cJSON *cf = cJSON_AddObjectToObject(person, "custom_fields");
    for (size_t i = 0; i < a->nfields; i++)
      cJSON_AddStringToObject(cf, a->field_keys[i], a->field_values[i]);
    return;
  }
  cJSON *cf = cJSON_AddArrayToObject(person, "custom_fields");
  for (size_t i = 0; i < a->nfields; i++) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name_key", a->field_keys[i]);
    cJSON_AddStringToObject(f, "value", a->field_values[i]);
    cJSON_AddItemToArray(cf, f);
  }
}

/* PATCH of a person: only what is given, never a blank. Harvest replaces
 * a contact list it is given: emails are never sent (the person may hold
 * addresses we do not have; update_person leaves PERSON_EMAIL out), and
 * the phone list becomes our number, which the core sends only when the
 * recruiter changed it after the ATS refused the person's data. Custom
 * fields are keyed: the others stay. */
static cJSON *update_body(const struct op_args *a, bool w3)
{
  cJSON *o = cJSON_CreateObject();
  if (a->first && *a->first)
    cJSON_AddStringToObject(o, "first_name", a->first);
  if (a->last && *a->last)
    cJSON_AddStringToObject(o, "last_name", a->last);
  if (a->phone && *a->phone) {
    cJSON *ph = cJSON_AddArrayToObject(o, "phone_numbers");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "value", a->phone);
    cJSON_AddStringToObject(p, "type", "mobile");
    cJSON_AddItemToArray(ph, p);
  }
  add_custom_fields(o, a, w3);
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
  /* the source credited (v1 and v3 both call it source_id) */
  if (a->source_id && *a->source_id)
    cJSON_AddItemToObject(o, "source_id", id_json(a->source_id));
  return o;
}

/* "&k=<ISO-8601 of since>" for a changes-since list; nothing for 0 (all).
 * The time is cut to the second: "at or after" then returns a few
 * records twice, never one too few. v3 takes an operator: gte|<time>. */
static void since_arg(char *url, size_t cap, const char *k, bool op,
                      int64_t since)
{
  if (since <= 0)
    return;
  char iso[AT_TIME_BUF], v[96];
  at_time_iso8601(since - since % 1000, false, iso);
  snprintf(v, sizeof v, "%s%s", op ? "gte|" : "", iso);
  size_t o = strlen(url);
  snprintf(url + o, cap - o, "%s=", k);
  wire_enc(url, cap, v);
  o = strlen(url);
  snprintf(url + o, cap - o, "&");
}

/* A changes-since list, first page: filters and per_page only here (a v3
 * cursor page must carry nothing but its cursor: build_next). */
static void changed_url(const struct conn_view *v, enum op op, int64_t since,
                        char *url, size_t cap)
{
  bool w3 = v3(v), apps = op == OP_CHANGED_APPS;
  snprintf(url, cap, "%s/%s/%s?", v->base_url, w3 ? "v3" : "v1",
           apps ? "applications" : "candidates");
  const char *k = w3 ? "updated_at"
                  : apps ? "last_activity_after"
                         : "updated_after";
  since_arg(url, cap, k, w3, since);
  size_t o = strlen(url);
  snprintf(url + o, cap - o, "per_page=500");
}

static int gh_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r);

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
    wire_basic(r, v->client_id, v->client_secret);
    char form[4096] = "";
    if (a->grant == GRANT_CODE) {
      wire_form_add(form, sizeof form, "grant_type", "authorization_code");
      wire_form_add(form, sizeof form, "code", a->code);
      wire_form_add(form, sizeof form, "redirect_uri", v->redirect_uri);
    } else if (a->grant == GRANT_REFRESH) {
      wire_form_add(form, sizeof form, "grant_type", "refresh_token");
      wire_form_add(form, sizeof form, "refresh_token", a->refresh_token);
    } else {
      wire_form_add(form, sizeof form, "grant_type", "client_credentials");
      wire_form_add(form, sizeof form, "sub", v->sub);
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
    wire_enc(q, sizeof q, a->email);
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
    add_custom_fields(body, a, w3);
    if (w3) {
      cJSON_AddItemToObject(body, "application", app_body(a, false));
    } else {
      cJSON *apps = cJSON_AddArrayToObject(body, "applications");
      cJSON_AddItemToArray(apps, app_body(a, false));
    }
    wire_json_body(r, body);
    break;
  }
  case OP_ADD_APP:
    if (w3)
      snprintf(url, sizeof url, "%s/v3/applications", b);
    else
      snprintf(url, sizeof url, "%s/v1/candidates/%s/applications", b,
               a->candidate_id);
    http_req_init(r, "POST", url);
    wire_json_body(r, app_body(a, w3));
    break;
  case OP_UPDATE_PERSON:
    if (a->candidate_id == NULL || *a->candidate_id == '\0') {
      snprintf(err, errlen, "greenhouse: updating a candidate needs its id");
      return -1;
    }
    wire_enc(q, sizeof q, a->candidate_id);
    snprintf(url, sizeof url, "%s/%s/candidates/%s", b, w3 ? "v3" : "v1", q);
    http_req_init(r, "PATCH", url);
    wire_json_body(r, update_body(a, w3));
    break;
  case OP_MOVE: {
    snprintf(url, sizeof url, "%s/%s/applications/%s/move", b, w3 ? "v3" : "v1",
             a->application_id);
    http_req_init(r, "POST", url);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "from_stage_id", id_json(a->from_stage_id));
    cJSON_AddItemToObject(body, "to_stage_id", id_json(a->to_stage_id));
    wire_json_body(r, body);
    break;
  }
  case OP_READ_APP:
    if (a->application_id == NULL || *a->application_id == '\0') {
      snprintf(err, errlen, "greenhouse: reading an application needs its id");
      return -1;
    }
    /* v3 has no single-record route: a list filtered by the id */
    wire_enc(q, sizeof q, a->application_id);
    if (w3)
      snprintf(url, sizeof url, "%s/v3/applications?ids=%s", b, q);
    else
      snprintf(url, sizeof url, "%s/v1/applications/%s", b, q);
    http_req_init(r, "GET", url);
    break;
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    if (a->page_url && *a->page_url) /* a later page: the ATS's URL */
      return wire_later_page(gh_build_next, v, a->page_url, r, err, errlen);
    changed_url(v, op, a->since, url, sizeof url);
    http_req_init(r, "GET", url);
    break;
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
  case OP_UPDATE_PERSON: return "PATCH /v1/candidates/{id}";
  case OP_READ_APP: return "GET /v1/applications/{id}";
  case OP_CHANGED_APPS: return "GET /v1/applications";
  case OP_CHANGED_PEOPLE: return "GET /v1/candidates";
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

static int stage_order(const cJSON *s)
{
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, "sort_order");
  if (!cJSON_IsNumber(o))
    o = cJSON_GetObjectItemCaseSensitive(s, "priority");
  return cJSON_IsNumber(o) ? (int)o->valuedouble : 0;
}

/* ---- records: applications and people as the ATS shows them ---------------- */

/* Greenhouse ids are whole numbers (v3 may send them as strings of
 * digits). */
static const struct wire_ids gh_ids = {
    .numbers = true,
    .not_id = "is not an id (a whole number or a string of digits)"};

/* A person: a list's candidate, a webhook's payload.candidate or
 * payload.application.candidate. */
static void rd_person(struct wire_rd *rd, const cJSON *c, const char *path,
                      struct ats_record *r, bool id_required)
{
  wire_id(rd, c, path, "id", r->candidate_id, sizeof r->candidate_id,
          id_required);
  wire_str(rd, c, path, "first_name", r->first, sizeof r->first);
  wire_str(rd, c, path, "last_name", r->last, sizeof r->last);
  wire_contacts(rd, c, path, "phone_numbers", r->phones[0], sizeof r->phones[0],
                sizeof r->phones / sizeof r->phones[0]);
  wire_contacts(rd, c, path, "email_addresses", r->emails[0],
                sizeof r->emails[0], sizeof r->emails / sizeof r->emails[0]);
  r->updated = wire_time(rd, c, path, "updated_at");
}

/* The application's job: v3 job_id; v1 and webhooks jobs[0].id (a
 * candidate's application has exactly one job), the older "job". */
static void rd_job(struct wire_rd *rd, const cJSON *app, const char *path,
                   struct ats_record *r)
{
  const cJSON *jobs = wire_get(app, "jobs");
  char sub[96];
  if (jobs && !cJSON_IsArray(jobs)) {
    wire_fail(rd, path, "jobs", "is not a list");
    return;
  }
  const cJSON *j0 = cJSON_GetArrayItem(jobs, 0);
  if (j0) {
    wire_path(sub, sizeof sub, path, "jobs[0]");
    if (!cJSON_IsObject(j0))
      wire_fail(rd, sub, "", "is not an object");
    else
      wire_id(rd, j0, sub, "id", r->job_id, sizeof r->job_id, true);
    return;
  }
  const cJSON *job = wire_obj(rd, app, path, "job");
  if (job) {
    wire_path(sub, sizeof sub, path, "job");
    wire_id(rd, job, sub, "id", r->job_id, sizeof r->job_id, true);
    return;
  }
  wire_id(rd, app, path, "job_id", r->job_id, sizeof r->job_id, false);
}

/* An application: v1 and v3 lists and reads, webhook payloads. */
static void rd_app(struct wire_rd *rd, const cJSON *app, const char *path,
                   struct ats_record *r)
{
  char sub[96];
  wire_id(rd, app, path, "id", r->application_id, sizeof r->application_id,
          true);
  const cJSON *cand = wire_obj(rd, app, path, "candidate");
  if (cand) { /* a webhook nests the person */
    wire_path(sub, sizeof sub, path, "candidate");
    rd_person(rd, cand, sub, r, false);
  }
  if (r->candidate_id[0] == '\0')
    wire_id(rd, app, path, "candidate_id", r->candidate_id,
            sizeof r->candidate_id, false);
  rd_job(rd, app, path, r);
  char st[sizeof r->status];
  wire_str(rd, app, path, "status", st, sizeof st);
  snprintf(r->status, sizeof r->status, "%s", app_status(st));
  const cJSON *cs = wire_obj(rd, app, path, "current_stage");
  if (cs) { /* v1 and webhooks; null once hired */
    wire_path(sub, sizeof sub, path, "current_stage");
    wire_id(rd, cs, sub, "id", r->stage_id, sizeof r->stage_id, false);
    wire_str(rd, cs, sub, "name", r->stage_name, sizeof r->stage_name);
  } else if (wire_get(app, "current_stage") == NULL) { /* v3 */
    wire_id(rd, app, path, "stage_id", r->stage_id, sizeof r->stage_id, false);
    wire_str(rd, app, path, "stage_name", r->stage_name, sizeof r->stage_name);
  }
  /* v3 filters on updated_at; v1 on last_activity_at (which v3 has too) */
  int64_t up = wire_time(rd, app, path, "updated_at");
  int64_t la = wire_time(rd, app, path, "last_activity_at");
  r->updated = up ? up : la;
}

/* One page of a changes-since list: one record per application or
 * person, owned by the result. */
static bool parse_changed(enum op op, const cJSON *j, struct op_result *out,
                          char *why, size_t whylen)
{
  if (!cJSON_IsArray(j)) {
    snprintf(why, whylen, "not a list");
    return false;
  }
  int n = cJSON_GetArraySize(j);
  struct ats_record *recs = outcome_recs_alloc(n, why, whylen);
  if (n > 0 && recs == NULL)
    return false;
  struct wire_rd rd = {.ids = &gh_ids};
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, j)
  {
    char path[32];
    snprintf(path, sizeof path, "[%zu]", i);
    if (!cJSON_IsObject(e))
      wire_fail(&rd, path, "", "is not an object");
    else if (op == OP_CHANGED_APPS)
      rd_app(&rd, e, path, &recs[i]);
    else
      rd_person(&rd, e, path, &recs[i], true);
    if (rd.err[0])
      break;
    i++;
  }
  if (rd.err[0]) {
    free(recs);
    snprintf(why, whylen, "%s", rd.err);
    return false;
  }
  outcome_set_recs(out, recs, (size_t)n);
  return true;
}

/* One application by id (v3: a list filtered by ids, empty when gone). */
static bool parse_read_app(const struct conn_view *v, const struct op_args *a,
                           const cJSON *j, struct op_result *out, char *why,
                           size_t whylen)
{
  const cJSON *app = j;
  if (v3(v)) {
    if (!cJSON_IsArray(j)) {
      snprintf(why, whylen, "not a list");
      return false;
    }
    app = NULL;
    const cJSON *x;
    cJSON_ArrayForEach(x, j)
    {
      char id[32];
      if (at_json_id(x, "id", id, sizeof id) == 0 && a->application_id &&
          strcmp(id, a->application_id) == 0)
        app = x;
    }
    if (app == NULL) { /* deleted, or its person merged or deleted */
      out->outcome = OUT_NOT_FOUND;
      return true;
    }
  } else if (!cJSON_IsObject(j)) {
    snprintf(why, whylen, "not an object");
    return false;
  }
  struct wire_rd rd = {.ids = &gh_ids};
  struct ats_record *r = &out->rec;
  rd_app(&rd, app, "", r);
  if (rd.err[0]) {
    snprintf(why, whylen, "%s", rd.err);
    return false;
  }
  outcome_take_record(out, r);
  return true;
}

static bool parse_ok(const struct conn_view *v, enum op op,
                     const struct op_args *a, const cJSON *j,
                     struct op_result *out, char *why, size_t whylen)
{
  switch (op) {
  case OP_READ_APP:
    return parse_read_app(v, a, j, out, why, whylen);
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    return parse_changed(op, j, out, why, whylen);
  case OP_TOKEN:
    return wire_take_token(j, out);
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
    struct stage tmp[MAX_STAGES];
    int order[MAX_STAGES];
    size_t n = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, j)
    {
      if (n == MAX_STAGES)
        break;
      const char *name = at_json_str(s, "name");
      if (at_json_id(s, "id", tmp[n].id, sizeof tmp[n].id) != 0 ||
          name == NULL)
        return false;
      snprintf(tmp[n].name, sizeof tmp[n].name, "%s", name);
      tmp[n].active =
          !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(s, "active"));
      order[n] = stage_order(s);
      n++;
    }
    outcome_sort_stages(tmp, order, n);
    memcpy(out->stages, tmp, n * sizeof *tmp);
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
      /* the oldest person */
      if (best[0] == '\0' || outcome_id_cmp(id, best) < 0) {
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
  case OP_UPDATE_PERSON: /* the person as it is now */
    return at_json_id(j, "id", out->candidate_id,
                      sizeof out->candidate_id) == 0;
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
  if (!wire_under_base(v->base_url, url))
    return -1; /* never hand our credentials to another host */
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
  if (op == OP_FIND || op == OP_APPS || op == OP_PIPELINE ||
      op == OP_CHANGED_APPS || op == OP_CHANGED_PEOPLE)
    next_link(r->link, out->next_url, sizeof out->next_url);
  cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
  if (out->outcome == OUT_OK) {
    if (r->status == 204 && (op == OP_MOVE || op == OP_UPDATE_PERSON)) {
      cJSON_Delete(j);
      return;
    }
    char why[160] = "";
    if (j == NULL || !parse_ok(v, op, a, j, out, why, sizeof why))
      outcome_malformed(op, why, out);
    cJSON_Delete(j);
    return;
  }
  char text[200];
  error_text(j, text, sizeof text);
  if (wire_token_refused(op, r, j, text, out)) {
    /* the grant is unusable */
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

/* ---- webhooks ------------------------------------------------------------ */

/* "Signature: sha256 <hex>": the algorithm, one space, the hex HMAC of the
 * raw body with the webhook's secret key (Greenhouse webhook docs,
 * "Authentication"). Anything else in the header is malformed. */
static enum sig_result gh_event_verify(const char *secret,
                                       const struct webhook_req *r)
{
  return wire_sig_header(secret, r, "Signature", "sha256 ");
}

enum gh_action { A_PING, A_APP, A_CAND, A_MERGE, A_DEL_CAND, A_DEL_APP };

static const struct {
  const char *name;
  enum gh_action a;
} gh_actions[] = {
    {"ping", A_PING},
    {"new_candidate_application", A_APP},
    {"new_prospect_application", A_APP},
    {"candidate_stage_change", A_APP},
    {"reject_candidate", A_APP},
    {"unreject_candidate", A_APP},
    {"hire_candidate", A_APP},
    {"unhire_candidate", A_APP},
    {"application_updated", A_APP},
    {"update_candidate", A_CAND},
    {"merge_candidate", A_MERGE},
    {"delete_candidate", A_DEL_CAND},
    {"delete_application", A_DEL_APP},
};

/* What an application event claims. The hire payload carries no status
 * (the docs' example): the action says it. */
static void ev_application(struct wire_rd *rd, const cJSON *pl,
                           struct ats_event *ev)
{
  const cJSON *app = wire_need_obj(rd, pl, "payload", "application");
  if (app == NULL)
    return;
  rd_app(rd, app, "payload.application", &ev->rec);
  if (ev->rec.status[0] == '\0' && strcmp(ev->action, "hire_candidate") == 0)
    snprintf(ev->rec.status, sizeof ev->rec.status, "hired");
  ev->at = ev->rec.updated;
}

/* merge_candidate and delete_candidate: payload.person. */
static void ev_person_gone(struct wire_rd *rd, const cJSON *pl, bool merge,
                           struct ats_event *ev)
{
  const cJSON *p = wire_need_obj(rd, pl, "payload", "person");
  if (p == NULL)
    return;
  if (merge) {
    /* person.id was merged away into new_candidate_id, which survives */
    wire_id(rd, p, "payload.person", "id", ev->merged_from,
            sizeof ev->merged_from, true);
    wire_id(rd, p, "payload.person", "new_candidate_id", ev->rec.candidate_id,
            sizeof ev->rec.candidate_id, true);
    return;
  }
  wire_id(rd, p, "payload.person", "id", ev->rec.candidate_id,
          sizeof ev->rec.candidate_id, true);
  ev->rec.deleted = true;
  /* the applications deleted with the person: implied by the person's
   * deletion (the engine forgets all of them), only checked here */
  const cJSON *ids = wire_get(p, "deleted_application_ids"), *x;
  if (ids && !cJSON_IsArray(ids)) {
    wire_fail(rd, "payload.person", "deleted_application_ids", "is not a list");
    return;
  }
  cJSON_ArrayForEach(x, ids)
  {
    char id[32];
    if (at_json_id_item(x, id, sizeof id) != 0) {
      wire_fail(rd, "payload.person", "deleted_application_ids",
                "has an entry that is not an id");
      return;
    }
  }
}

static void ev_read(enum gh_action act, const cJSON *pl, struct wire_rd *rd,
                    struct ats_event *ev)
{
  switch (act) {
  case A_PING:
    ev->kind = EV_PING;
    break;
  case A_APP:
    ev->kind = EV_APPLICATION;
    ev_application(rd, pl, ev);
    break;
  case A_CAND: {
    ev->kind = EV_CANDIDATE;
    const cJSON *c = wire_need_obj(rd, pl, "payload", "candidate");
    if (c)
      rd_person(rd, c, "payload.candidate", &ev->rec, true);
    ev->at = ev->rec.updated;
    break;
  }
  case A_MERGE:
  case A_DEL_CAND:
    ev->kind = act == A_MERGE ? EV_MERGE : EV_DELETE;
    ev_person_gone(rd, pl, act == A_MERGE, ev);
    break;
  case A_DEL_APP: {
    ev->kind = EV_DELETE;
    const cJSON *app = wire_need_obj(rd, pl, "payload", "application");
    if (app == NULL)
      break;
    /* flat ids here: candidate_id, job_id */
    rd_app(rd, app, "payload.application", &ev->rec);
    ev->rec.deleted = true;
    break;
  }
  }
}

static int gh_event_parse(const struct webhook_req *r, struct ats_event *out,
                          char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  cJSON *j = wire_event_json(r, err, errlen, NULL);
  int rc = -1;
  if (j == NULL)
    return -1;
  if (!cJSON_IsObject(j)) {
    snprintf(err, errlen, "webhook payload: not a JSON object");
    goto out;
  }
  const cJSON *action = cJSON_GetObjectItemCaseSensitive(j, "action");
  if (action == NULL || cJSON_IsNull(action)) {
    snprintf(err, errlen, "webhook payload: 'action' is missing");
    goto out;
  }
  if (!cJSON_IsString(action)) {
    snprintf(err, errlen, "webhook payload: 'action' is not a string");
    goto out;
  }
  if (action->valuestring[0] == '\0') {
    snprintf(err, errlen, "webhook payload: 'action' is empty");
    goto out;
  }
  wire_copy(out->action, sizeof out->action, action->valuestring);
  const char *id = r->header ? r->header(r->ud, "Greenhouse-Event-ID") : NULL;
  if (id)
    wire_copy(out->id, sizeof out->id, id);
  const cJSON *pl = cJSON_GetObjectItemCaseSensitive(j, "payload");
  size_t i = 0, n = sizeof gh_actions / sizeof *gh_actions;
  while (i < n && strcmp(gh_actions[i].name, action->valuestring) != 0)
    i++;
  bool ping = i < n && gh_actions[i].a == A_PING;
  /* a ping's payload is the hook's settings, whatever they are */
  if ((pl == NULL || cJSON_IsNull(pl)) && !ping) {
    snprintf(err, errlen, "webhook payload: 'payload' is missing");
    goto out;
  }
  if (pl && !cJSON_IsNull(pl) && !cJSON_IsObject(pl)) {
    snprintf(err, errlen, "webhook payload: 'payload' is not an object");
    goto out;
  }
  if (i == n) { /* jobs, offers, interviews ...: nothing sync acts on */
    out->kind = EV_OTHER;
    rc = 0;
    goto out;
  }
  struct wire_rd rd = {.ids = &gh_ids};
  ev_read(gh_actions[i].a, pl, &rd, out);
  if (rd.err[0]) {
    snprintf(err, errlen, "webhook payload: %s", rd.err);
    goto out;
  }
  rc = 0;
out:
  cJSON_Delete(j);
  return rc;
}

/* The name a customer reads for a field a 422 names. */
static const char *gh_field_label(const char *what)
{
  static const struct wire_label labels[] = {
      {"phone_numbers", "phone"},         {"email_addresses", "email"},
      {"source_id", "Source"},            {"first_name", "first name"},
      {"last_name", "last name"},         {"initial_stage_id", "stage"},
      {"job_id", "job"},
  };
  if (what == NULL)
    return NULL;
  if (strncmp(what, "custom_fields.", 14) == 0 && what[14])
    return what + 14;
  return wire_label(labels, sizeof labels / sizeof *labels, what);
}

/* ---- what the core asks ----------------------------------------------------------- */

/* A Harvest v1 key acts as a user: every write carries On-Behalf-Of. */
static int gh_check_credentials(const struct atsync_credentials *cr,
                                char *err, size_t errlen)
{
  if (cr->auth != ATSYNC_AUTH_API_KEY)
    return 0;
  if (cr->on_behalf_of == NULL || *cr->on_behalf_of == '\0') {
    snprintf(err, errlen, "a Harvest v1 key needs the key and an "
             "On-Behalf-Of user id");
    return -1;
  }
  for (const char *p = cr->on_behalf_of; *p; p++)
    if (*p < '0' || *p > '9') {
      snprintf(err, errlen, "On-Behalf-Of must be a Greenhouse user id "
               "(digits), not '%s'", cr->on_behalf_of);
      return -1;
    }
  return 0;
}

static const char *gh_auth_name(enum atsync_auth a)
{
  return a == ATSYNC_AUTH_API_KEY       ? "Harvest v1 API key"
         : a == ATSYNC_AUTH_OAUTH_CODE ? "OAuth authorization code"
                                       : "OAuth client credentials";
}

static void gh_auth_failed(enum atsync_auth a, const char *words, int64_t now,
                           char *msg, size_t len)
{
  /* Harvest v1 keys stop working on 2026-08-31 (ats-apis.md [GH-SUNSET]) */
  static const int64_t v1_retired = INT64_C(1788134400000);
  if (a == ATSYNC_AUTH_API_KEY && now >= v1_retired)
    snprintf(msg, len, "Sync failed: Greenhouse rejected the API key (%s). "
             "The integration is disconnected: Greenhouse retired Harvest v1 "
             "keys on 2026-08-31; reconnect with OAuth in Settings > "
             "Integrations.", words);
  else if (a == ATSYNC_AUTH_API_KEY)
    snprintf(msg, len, "Sync failed: Greenhouse rejected the API key (%s). "
             "The integration is disconnected: the key was revoked or deleted "
             "in Greenhouse. Reconnect in Settings > Integrations, with OAuth "
             "(Harvest v1 keys are retired on 2026-08-31) or a new API key.",
             words);
  else
    snprintf(msg, len, "Sync failed: Greenhouse no longer accepts these "
             "credentials (%s). The integration is disconnected: reconnect it "
             "in Settings > Integrations.", words);
}

const struct connector connector_greenhouse = {
    .name = "greenhouse",
    .display = "Greenhouse",
    .window = gh_window,
    .build = gh_build,
    .parse = gh_parse,
    .build_next = gh_build_next,
    .event_verify = gh_event_verify,
    .event_parse = gh_event_parse,
    .field_label = gh_field_label,
    .check_credentials = gh_check_credentials,
    .auth_name = gh_auth_name,
    .auth_failed = gh_auth_failed,
    .key_permission_fix = "Configure > Dev Center > API Credential "
                          "Management > Manage Permissions, tick it for the "
                          "integration's key",
    /* v3 partner refresh tokens live 24 h (ats-apis.md 1.2) */
    .refresh_ttl_ms = 24 * 3600 * 1000LL,
    /* PATCH /v1|v3/candidates/{id}: no emails (a list PATCH replaces) */
    .update_person = PERSON_NAME | PERSON_PHONE | PERSON_FIELDS,
};

