/* ashby.c — the Ashby connector: RPC over POST (every operation, reads
 * too, is POST <base>/<object>.<method> with a JSON body), HTTP Basic with
 * the API key as the user and a blank password; no OAuth and no acting
 * user. Errors are mostly HTTP 200 with {"success":false,"errorInfo":
 * {"code","message"}} (or the older {"success":false,"errors":[code]}).
 * Ids are strings (uuids). Requests and outcomes only: no retry, pacing or
 * state logic here (docs/fidelity/ashby.md, ats-apis.md §4). */
#include "../connector.h"
#include "../outcome.h"
#include "../wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "at_json.h"

/* One limiter per key: a rolling 10 s window (50 requests by default in
 * the fake; the limit is learned from X-RateLimit-Limit). */
static void ab_window(enum atsync_auth auth, int64_t *window, bool *fixed)
{
  (void)auth;
  *window = 10000;
  *fixed = false;
}

/* ---- requests ----------------------------------------------------------------- */

static const char *rpc_name(enum op op)
{
  switch (op) {
  case OP_JOB: return "job.info";
  case OP_PIPELINE: return "jobInterviewPlan.info";
  case OP_FIND: return "candidate.search";
  case OP_APPS: return "application.list";
  case OP_CREATE: return "candidate.create";
  case OP_ADD_APP: return "application.create";
  case OP_MOVE: return "application.changeStage";
  case OP_UPDATE_PERSON: return "candidate.update";
  case OP_READ_APP: return "application.info";
  case OP_CHANGED_APPS: return "application.list";
  case OP_CHANGED_PEOPLE: return "candidate.list";
  default: return NULL;
  }
}

/* The module permission each operation needs, for a 403 without a name. */
static const char *op_permission(enum op op)
{
  switch (op) {
  case OP_JOB:
  case OP_PIPELINE: return "jobsRead";
  case OP_CREATE:
  case OP_ADD_APP:
  case OP_MOVE:
  case OP_UPDATE_PERSON: return "candidatesWrite";
  default: return "candidatesRead";
  }
}

/* POST <base>/<name> with the body (taken). */
static void rpc(const struct conn_view *v, const char *name, cJSON *body,
                bool write, struct http_req *r)
{
  char url[2048];
  snprintf(url, sizeof url, "%s/%s", v->base_url, name);
  http_req_init(r, "POST", url);
  wire_basic(r, v->api_key, ""); /* the key is the user name */
  http_req_header(r, "Accept: application/json");
  wire_json_body(r, body);
  r->fresh = write;
}

static void put(cJSON *o, const char *k, const char *v)
{
  if (v && *v)
    cJSON_AddStringToObject(o, k, v);
}

static int hexval(int c)
{
  return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

/* Decode %XX (and '+') of [s, s+n) into buf; -1 when malformed. */
static int dec(const char *s, size_t n, char *buf, size_t len)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (o + 1 >= len)
      return -1;
    if (s[i] == '%') {
      if (i + 2 >= n)
        return -1;
      int a = hexval((unsigned char)s[i + 1]), b = hexval((unsigned char)s[i + 2]);
      if (a < 0 || b < 0)
        return -1;
      buf[o++] = (char)(a * 16 + b);
      i += 2;
    } else {
      buf[o++] = s[i] == '+' ? ' ' : s[i];
    }
  }
  buf[o] = '\0';
  return 0;
}

/* The next page of a list, as a URL the core can keep and hand back:
 * <base>/<object>.<method>?<member>=<value>&... — the body members of the
 * next request (the cursor Ashby gave, and the filters of the first
 * request), percent-encoded. build_next turns it back into the POST. */
static void next_page_url(const struct conn_view *v, enum op op,
                          const struct op_args *a, const char *cursor,
                          char *out, size_t len)
{
  out[0] = '\0';
  if (cursor == NULL || *cursor == '\0')
    return;
  char url[2048];
  snprintf(url, sizeof url, "%s/%s?cursor=", v->base_url, rpc_name(op));
  wire_enc(url, sizeof url, cursor);
  if (op == OP_APPS && a->job_id && *a->job_id) {
    size_t o = strlen(url);
    snprintf(url + o, sizeof url - o, "&jobId=");
    wire_enc(url, sizeof url, a->job_id);
  }
  if (strlen(url) < len)
    snprintf(out, len, "%s", url);
}

static int ab_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r)
{
  /* never hand the key to another host: the base URL must be the whole
   * authority and path prefix, then one RPC name */
  size_t bl = strlen(v->base_url);
  if (!wire_under_base(v->base_url, url) || url[bl] != '/')
    return -1;
  const char *name = url + bl + 1, *q = strchr(name, '?');
  size_t nl = q ? (size_t)(q - name) : strlen(name);
  if (nl == 0 || nl > 64)
    return -1;
  for (size_t i = 0; i < nl; i++)
    if (!isalpha((unsigned char)name[i]) && name[i] != '.')
      return -1;
  char method[72];
  memcpy(method, name, nl);
  method[nl] = '\0';
  cJSON *body = cJSON_CreateObject();
  for (const char *p = q ? q + 1 : NULL; p && *p;) {
    const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
    const char *eq = memchr(p, '=', (size_t)(end - p));
    char k[64], val[1024];
    if (eq == NULL || dec(p, (size_t)(eq - p), k, sizeof k) != 0 ||
        dec(eq + 1, (size_t)(end - eq - 1), val, sizeof val) != 0) {
      cJSON_Delete(body);
      return -1;
    }
    cJSON_AddStringToObject(body, k, val);
    p = amp ? amp + 1 : NULL;
  }
  rpc(v, method, body, false, r);
  return 0;
}

static int ab_build(const struct conn_view *v, enum op op,
                    const struct op_args *a, struct http_req *r, char *err,
                    size_t errlen)
{
  if (op == OP_TOKEN) {
    snprintf(err, errlen, "Ashby has no OAuth: connect with an API key");
    return -1;
  }
  const char *name = rpc_name(op);
  if (name == NULL) {
    snprintf(err, errlen, "ashby: no operation %d", (int)op);
    return -1;
  }
  if ((op == OP_CHANGED_APPS || op == OP_CHANGED_PEOPLE) && a->page_url &&
      *a->page_url)
    return wire_later_page(ab_build_next, v, a->page_url, r, err, errlen);
  cJSON *b = cJSON_CreateObject();
  switch (op) {
  case OP_JOB:
    put(b, "id", a->job_id);
    break;
  case OP_PIPELINE:
    put(b, "jobId", a->job_id);
    break;
  case OP_FIND:
    put(b, "email", a->email);
    break;
  case OP_APPS:
    /* application.list filters by job, not by person: the person's one
     * is picked from the pages (candidate.info lists only ids) */
    put(b, "jobId", a->job_id);
    break;
  case OP_CREATE: {
    /* the person alone (create_person_only); Ashby keeps one name */
    char full[300];
    wire_full_name(a->first, a->last, full, sizeof full);
    cJSON_AddStringToObject(b, "name", full);
    if (a->nemails > 0)
      put(b, "email", a->emails[0]);
    else
      put(b, "email", a->email);
    if (a->nemails > 1) {
      cJSON *alt = cJSON_AddArrayToObject(b, "alternateEmailAddresses");
      for (size_t i = 1; i < a->nemails; i++)
        cJSON_AddItemToArray(alt, cJSON_CreateString(a->emails[i]));
    }
    put(b, "phoneNumber", a->phone);
    put(b, "sourceId", a->source_id);
    /* custom fields: candidate.create takes none (customField.setValue,
     * not served by the fake): not sent */
    break;
  }
  case OP_ADD_APP:
    put(b, "candidateId", a->candidate_id);
    put(b, "jobId", a->job_id);
    put(b, "interviewStageId", a->to_stage_id);
    put(b, "sourceId", a->source_id);
    break;
  case OP_MOVE:
    put(b, "applicationId", a->application_id);
    put(b, "interviewStageId", a->to_stage_id);
    break;
  case OP_UPDATE_PERSON: {
    if (a->candidate_id == NULL || *a->candidate_id == '\0') {
      cJSON_Delete(b);
      snprintf(err, errlen, "ashby: updating a candidate needs its id");
      return -1;
    }
    /* only what is given, never a blank. One name; the phone becomes the
     * primary one; candidate.update adds one email per call
     * (alternateEmail, beside the others) */
    put(b, "candidateId", a->candidate_id);
    if (a->first || a->last) {
      char full[300];
      wire_full_name(a->first, a->last, full, sizeof full);
      put(b, "name", full);
    }
    put(b, "phoneNumber", a->phone);
    if (a->nemails > 0)
      put(b, "alternateEmail", a->emails[0]);
    /* custom fields: not on candidate.update (customField.setValue, not
     * served by the fake): not sent, as on create */
    break;
  }
  case OP_READ_APP:
    if (a->application_id == NULL || *a->application_id == '\0') {
      cJSON_Delete(b);
      snprintf(err, errlen, "ashby: reading an application needs its id");
      return -1;
    }
    put(b, "applicationId", a->application_id);
    break;
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    /* Ashby's changes-since is an opaque syncToken from the last page of
     * an earlier walk; the core keeps a time. So every poll walks the
     * list (cursor pages) and keeps the records updated at or after
     * 'since' (parse) */
    break;
  default:
    break;
  }
  rpc(v, name, b, op_is_write(op), r);
  return 0;
}

/* ---- reading records -------------------------------------------------------------- */

/* Ashby's ids are strings (uuids), never numbers. */
static const struct wire_ids ab_ids = {
    .numbers = false, .not_id = "is not an id (a string such as a uuid)"};

/* Contacts [{value, type, isPrimary}], or the primary one alone. */
static void rd_contacts(struct wire_rd *rd, const cJSON *o, const char *path,
                        const char *list, const char *primary, char *out,
                        size_t each, size_t max)
{
  size_t n = wire_contacts(rd, o, path, list, out, each, max);
  const cJSON *p = wire_obj(rd, o, path, primary);
  if (n == 0 && p) {
    const char *val = at_json_str(p, "value");
    if (val)
      wire_copy(out, each, val);
  }
}

static void rd_person(struct wire_rd *rd, const cJSON *c, const char *path,
                      struct ats_record *r, bool id_required)
{
  wire_id(rd, c, path, "id", r->candidate_id, sizeof r->candidate_id,
          id_required);
  char name[256];
  wire_str(rd, c, path, "name", name, sizeof name);
  if (name[0]) /* Ashby's one name: the last word is the last name */
    wire_split_name(name, r->first, sizeof r->first, r->last, sizeof r->last);
  rd_contacts(rd, c, path, "phoneNumbers", "primaryPhoneNumber", r->phones[0],
              sizeof r->phones[0], sizeof r->phones / sizeof r->phones[0]);
  rd_contacts(rd, c, path, "emailAddresses", "primaryEmailAddress",
              r->emails[0], sizeof r->emails[0],
              sizeof r->emails / sizeof r->emails[0]);
  int64_t up = wire_time(rd, c, path, "updatedAt");
  if (up)
    r->updated = up;
}

/* Ashby's application statuses in the engine's words. */
static const char *status_word(const char *s)
{
  if (s == NULL || *s == '\0')
    return "";
  if (!strcmp(s, "Active") || !strcmp(s, "Lead"))
    return "active";
  if (!strcmp(s, "Archived"))
    return "rejected";
  if (!strcmp(s, "Hired"))
    return "hired";
  return "";
}

static void rd_app(struct wire_rd *rd, const cJSON *app, const char *path,
                   struct ats_record *r)
{
  char sub[96];
  wire_id(rd, app, path, "id", r->application_id, sizeof r->application_id,
          true);
  const cJSON *cand = wire_obj(rd, app, path, "candidate");
  if (cand) {
    wire_path(sub, sizeof sub, path, "candidate");
    rd_person(rd, cand, sub, r, false);
  }
  const cJSON *job = wire_obj(rd, app, path, "job");
  if (job) {
    wire_path(sub, sizeof sub, path, "job");
    wire_id(rd, job, sub, "id", r->job_id, sizeof r->job_id, false);
  }
  char st[32];
  wire_str(rd, app, path, "status", st, sizeof st);
  snprintf(r->status, sizeof r->status, "%s", status_word(st));
  const cJSON *cs = wire_obj(rd, app, path, "currentInterviewStage");
  if (cs) {
    wire_path(sub, sizeof sub, path, "currentInterviewStage");
    wire_id(rd, cs, sub, "id", r->stage_id, sizeof r->stage_id, false);
    wire_str(rd, cs, sub, "title", r->stage_name, sizeof r->stage_name);
  }
  /* the application's own time wins over its person's */
  int64_t up = wire_time(rd, app, path, "updatedAt");
  if (up)
    r->updated = up;
}

/* ---- answers ----------------------------------------------------------------------- */

static bool one_app(const cJSON *res, struct op_result *out, char *why,
                    size_t whylen)
{
  if (!cJSON_IsObject(res)) {
    snprintf(why, whylen, "results is not an object");
    return false;
  }
  struct wire_rd rd = {.ids = &ab_ids};
  struct ats_record rec;
  memset(&rec, 0, sizeof rec);
  rd_app(&rd, res, "results", &rec);
  if (rd.err[0]) {
    snprintf(why, whylen, "%s", rd.err);
    return false;
  }
  out->rec = rec;
  outcome_take_record(out, &rec);
  return true;
}

static bool parse_changed(enum op op, const struct op_args *a,
                          const cJSON *res, struct op_result *out, char *why,
                          size_t whylen)
{
  if (!cJSON_IsArray(res)) {
    snprintf(why, whylen, "results is not a list");
    return false;
  }
  int n = cJSON_GetArraySize(res);
  struct ats_record *recs = outcome_recs_alloc(n, why, whylen);
  if (n > 0 && recs == NULL)
    return false;
  struct wire_rd rd = {.ids = &ab_ids};
  size_t i = 0, kept = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, res)
  {
    char path[32];
    snprintf(path, sizeof path, "results[%zu]", i++);
    struct ats_record *r = &recs[kept];
    memset(r, 0, sizeof *r);
    if (!cJSON_IsObject(e))
      wire_fail(&rd, path, "", "is not an object");
    else if (op == OP_CHANGED_APPS)
      rd_app(&rd, e, path, r);
    else
      rd_person(&rd, e, path, r, true);
    if (rd.err[0])
      break;
    /* the walk is whole: keep what changed at or after 'since' (a
     * record without a time is kept) */
    if (a->since <= 0 || r->updated == 0 || r->updated >= a->since)
      kept++;
  }
  if (rd.err[0]) {
    free(recs);
    snprintf(why, whylen, "%s", rd.err);
    return false;
  }
  if (kept == 0) {
    free(recs);
    recs = NULL;
  }
  outcome_set_recs(out, recs, kept);
  return true;
}

static int stage_order(const cJSON *s)
{
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(s, "orderInInterviewPlan");
  return cJSON_IsNumber(o) ? (int)o->valuedouble : 0;
}

static bool parse_pipeline(const cJSON *res, struct op_result *out)
{
  const cJSON *stages = cJSON_GetObjectItemCaseSensitive(res, "stages");
  if (!cJSON_IsArray(stages))
    return false;
  struct stage tmp[MAX_STAGES];
  int order[MAX_STAGES];
  size_t n = 0;
  const cJSON *s;
  cJSON_ArrayForEach(s, stages)
  {
    if (n == MAX_STAGES)
      break;
    const char *title = at_json_str(s, "title"), *type = at_json_str(s, "type");
    struct wire_rd rd = {.ids = &ab_ids};
    if (wire_id(&rd, s, "", "id", tmp[n].id, sizeof tmp[n].id, true) != 0 ||
        title == NULL)
      return false;
    /* every plan ends in a Hired and an Archived stage: moving there is a
     * hire or a rejection, never a sync target */
    if (type && (!strcmp(type, "Hired") || !strcmp(type, "Archived")))
      continue;
    snprintf(tmp[n].name, sizeof tmp[n].name, "%s", title);
    tmp[n].active = true;
    order[n] = stage_order(s);
    n++;
  }
  outcome_sort_stages(tmp, order, n);
  memcpy(out->stages, tmp, n * sizeof *tmp);
  out->nstages = n;
  return true;
}

/* candidate.search: the oldest person (by createdAt, then id). */
static bool parse_find(const cJSON *res, struct op_result *out)
{
  if (!cJSON_IsArray(res))
    return false;
  const cJSON *c;
  int64_t best_at = 0;
  char best[64] = "";
  cJSON_ArrayForEach(c, res)
  {
    char id[64];
    struct wire_rd rd = {.ids = &ab_ids};
    if (wire_id(&rd, c, "", "id", id, sizeof id, true) != 0)
      return false;
    int64_t at = wire_time(&rd, c, "", "createdAt");
    if (best[0] == '\0' || (at && (best_at == 0 || at < best_at)) ||
        (at == best_at && strcmp(id, best) < 0)) {
      snprintf(best, sizeof best, "%s", id);
      best_at = at;
    }
  }
  snprintf(out->candidate_id, sizeof out->candidate_id, "%s", best);
  return true;
}

/* application.list on the job: the person's application, an active one
 * first. */
static bool parse_apps(const struct op_args *a, const cJSON *res,
                       struct op_result *out)
{
  if (!cJSON_IsArray(res))
    return false;
  const cJSON *e;
  bool have = false;
  cJSON_ArrayForEach(e, res)
  {
    struct wire_rd rd = {.ids = &ab_ids};
    struct ats_record r;
    memset(&r, 0, sizeof r);
    if (!cJSON_IsObject(e))
      return false;
    rd_app(&rd, e, "", &r);
    if (rd.err[0])
      return false;
    if (a->candidate_id == NULL || strcmp(r.candidate_id, a->candidate_id) ||
        (a->job_id && r.job_id[0] && strcmp(r.job_id, a->job_id)))
      continue;
    if (!have || (strcmp(out->app_status, "active") != 0 &&
                  strcmp(r.status, "active") == 0)) {
      outcome_take_record(out, &r);
      have = true;
    }
  }
  return true;
}

static bool parse_ok(const struct conn_view *v, enum op op,
                     const struct op_args *a, const cJSON *j,
                     struct op_result *out, char *why, size_t whylen)
{
  const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "results");
  if (res == NULL) {
    snprintf(why, whylen, "no 'results'");
    return false;
  }
  /* a list with more: the next request's body, as a URL */
  if (op == OP_APPS || op == OP_CHANGED_APPS || op == OP_CHANGED_PEOPLE) {
    const cJSON *more = cJSON_GetObjectItemCaseSensitive(j, "moreDataAvailable");
    if (cJSON_IsTrue(more))
      next_page_url(v, op, a, at_json_str(j, "nextCursor"), out->next_url,
                    sizeof out->next_url);
  }
  switch (op) {
  case OP_JOB: {
    const char *t = at_json_str(res, "title"), *s = at_json_str(res, "status");
    if (t == NULL || s == NULL)
      return false;
    snprintf(out->job_name, sizeof out->job_name, "%s", t);
    /* Open, Closed, Draft, Archived: the engine's lower-case words */
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof out->job_status; i++)
      out->job_status[i] = (char)tolower((unsigned char)s[i]);
    out->job_status[i] = '\0';
    return true;
  }
  case OP_PIPELINE:
    return parse_pipeline(res, out);
  case OP_FIND:
    return parse_find(res, out);
  case OP_APPS:
    return parse_apps(a, res, out);
  case OP_CREATE:
  case OP_UPDATE_PERSON: { /* the person as it is now */
    struct wire_rd rd = {.ids = &ab_ids};
    if (!cJSON_IsObject(res) ||
        wire_id(&rd, res, "results", "id", out->candidate_id,
                sizeof out->candidate_id, true) != 0) {
      snprintf(why, whylen, "%s", rd.err[0] ? rd.err : "results is not an object");
      return false;
    }
    return true;
  }
  case OP_ADD_APP:
  case OP_MOVE:
  case OP_READ_APP:
    return one_app(res, out, why, whylen);
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    return parse_changed(op, a, res, out, why, whylen);
  default:
    return true;
  }
}

/* The field an invalid_input message names: "phoneNumber: Is required",
 * "name is required", "sourceId is not a source ...". A closed job and a
 * plan without stages are the job's and the stage's. */
static void invalid_field(const char *msg, char *what, size_t len)
{
  if (msg == NULL || *msg == '\0') {
    snprintf(what, len, "invalid_input");
    return;
  }
  if (strstr(msg, "does not accept applications") || !strncmp(msg, "Job ", 4)) {
    snprintf(what, len, "job_id");
    return;
  }
  if (strstr(msg, "interview plan has no stages")) {
    snprintf(what, len, "stage (the job's interview plan has none)");
    return;
  }
  size_t n = 0;
  while (isalnum((unsigned char)msg[n]) || msg[n] == '_' || msg[n] == '.')
    n++;
  if (n > 0 && n < len && islower((unsigned char)msg[0]) &&
      (msg[n] == ':' || !strncmp(msg + n, " is ", 4) ||
       !strncmp(msg + n, " must ", 6))) {
    memcpy(what, msg, n);
    what[n] = '\0';
    if (!strcmp(what, "interviewStageId"))
      snprintf(what, len, "stage (interviewStageId)");
    else if (!strcmp(what, "jobId"))
      snprintf(what, len, "job_id");
    return;
  }
  snprintf(what, len, "%s", msg);
}

/* An answer with success:false (HTTP 200, or a 4xx with the same body). */
static void failed_answer(enum op op, const char *code, const char *msg,
                          struct op_result *out)
{
  if (!strcmp(code, "application_not_found") ||
      !strcmp(code, "candidate_not_found")) {
    out->outcome = OUT_NOT_FOUND;
    snprintf(out->what, sizeof out->what, "%s", code);
  } else if (!strcmp(code, "job_not_found") ||
             !strcmp(code, "interview_plan_not_found")) {
    /* reading the job: it is gone; on a write: the job mapping */
    if (op == OP_JOB || op == OP_PIPELINE) {
      out->outcome = OUT_NOT_FOUND;
      snprintf(out->what, sizeof out->what, "%s", code);
    } else {
      out->outcome = OUT_INVALID;
      snprintf(out->what, sizeof out->what, "job_id");
    }
  } else if (!strcmp(code, "interview_stage_not_found")) {
    /* the mapped stage was removed from the plan: a stage mapping
     * problem (the core's not_found means a person or application
     * merged or deleted, which this is not) */
    out->outcome = OUT_INVALID;
    snprintf(out->what, sizeof out->what, "stage (interviewStageId)");
  } else if (!strcmp(code, "invalid_input")) {
    out->outcome = OUT_INVALID;
    invalid_field(msg, out->what, sizeof out->what);
  } else if (!strcmp(code, "invalid_api_key") ||
             !strcmp(code, "unauthenticated")) {
    out->outcome = OUT_AUTH;
    snprintf(out->what, sizeof out->what, "%s", msg && *msg ? msg : code);
  } else if (!strcmp(code, "missing_endpoint_permission")) {
    out->outcome = OUT_PERMISSION;
    const char *p = msg ? strstr(msg, "missing the ") : NULL;
    char perm[64] = "";
    if (p) {
      p += 12;
      size_t n = strcspn(p, " ");
      if (n < sizeof perm) {
        memcpy(perm, p, n);
        perm[n] = '\0';
      }
    }
    snprintf(out->what, sizeof out->what, "the API key permission '%s'",
             perm[0] ? perm : op_permission(op));
  } else if (!strcmp(code, "rate_limit_exceeded")) {
    out->outcome = OUT_TRANSIENT;
  } else {
    out->outcome = OUT_INVALID; /* a refusal: nothing was applied */
    snprintf(out->what, sizeof out->what, "%s", code);
  }
}

static void ab_parse(const struct conn_view *v, enum op op,
                     const struct op_args *a, const struct http_resp *r,
                     int64_t now, struct op_result *out)
{
  outcome_classify(op, r, now, 3600 * 1000, out);
  if (r->status == 0)
    return;
  cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
  const cJSON *ok = cJSON_GetObjectItemCaseSensitive(j, "success");
  /* the error code: errorInfo.code, or the older errors[0] */
  const cJSON *ei = cJSON_GetObjectItemCaseSensitive(j, "errorInfo");
  const char *code = at_json_str(ei, "code"), *msg = at_json_str(ei, "message");
  if (code == NULL) {
    const cJSON *e0 =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
    code = cJSON_IsString(e0) ? e0->valuestring : NULL;
  }
  if (out->outcome == OUT_OK) {
    char why[200] = "";
    if (cJSON_IsFalse(ok)) { /* a refusal, answered as HTTP 200 */
      failed_answer(op, code ? code : "error", msg, out);
    } else if (j == NULL || !cJSON_IsTrue(ok) ||
               !parse_ok(v, op, a, j, out, why, sizeof why)) {
      outcome_malformed(op, why, out);
    }
    cJSON_Delete(j);
    return;
  }
  if (out->outcome == OUT_AUTH) { /* 401: no key, or not Basic */
    snprintf(out->what, sizeof out->what, "%s",
             msg ? msg : code ? code : "unauthenticated");
  } else if (out->outcome == OUT_PERMISSION) {
    /* 403: a wrong or deactivated key is not a permission */
    if (code && !strcmp(code, "missing_endpoint_permission"))
      failed_answer(op, code, msg, out);
    else {
      out->outcome = OUT_AUTH;
      snprintf(out->what, sizeof out->what, "%s",
               msg ? msg : code ? code : "forbidden");
    }
  } else if (out->outcome == OUT_INVALID && code) {
    failed_answer(op, code, msg, out);
  } else if (out->outcome == OUT_NOT_FOUND && code &&
             !strcmp(code, "not_found")) {
    /* no such RPC method: the base URL is wrong, not a record gone */
    out->outcome = op_is_write(op) ? OUT_INVALID : OUT_TRANSIENT;
    snprintf(out->what, sizeof out->what, "the endpoint %s (check the "
             "Ashby API URL)", rpc_name(op) ? rpc_name(op) : "?");
  }
  cJSON_Delete(j);
}

/* ---- webhooks ------------------------------------------------------------------- */

/* "Ashby-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>". */
static enum sig_result ab_event_verify(const char *secret,
                                       const struct webhook_req *r)
{
  return wire_sig_header(secret, r, "Ashby-Signature", "sha256=");
}

static int ab_event_parse(const struct webhook_req *r, struct ats_event *out,
                          char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  bool syntax = false;
  cJSON *j = wire_event_json(r, err, errlen, &syntax);
  int rc = -1;
  if (j == NULL && !syntax)
    return -1; /* empty, a NUL byte: wire_event_json's words */
  if (j == NULL || !cJSON_IsObject(j)) {
    snprintf(err, errlen, "webhook payload: not a JSON object");
    goto out;
  }
  const char *action = at_json_str(j, "action");
  if (action == NULL || *action == '\0') {
    snprintf(err, errlen, "webhook payload: 'action' is missing or not a "
             "string");
    goto out;
  }
  wire_copy(out->action, sizeof out->action, action);
  const cJSON *d = wire_get(j, "data");
  if (!strcmp(action, "ping")) {
    out->kind = EV_PING;
    rc = 0;
    goto out;
  }
  if (d == NULL || !cJSON_IsObject(d)) {
    snprintf(err, errlen, "webhook payload: 'data' is missing or not an "
             "object");
    goto out;
  }
  struct wire_rd rd = {.ids = &ab_ids};
  if (!strcmp(action, "applicationSubmit") ||
      !strcmp(action, "applicationUpdate") ||
      !strcmp(action, "candidateStageChange") ||
      !strcmp(action, "candidateHire")) {
    out->kind = EV_APPLICATION;
    const cJSON *app = wire_need_obj(&rd, d, "data", "application");
    if (app)
      rd_app(&rd, app, "data.application", &out->rec);
    if (!rd.err[0] && out->rec.status[0] == '\0' &&
        !strcmp(action, "candidateHire"))
      snprintf(out->rec.status, sizeof out->rec.status, "hired");
    out->at = out->rec.updated;
  } else if (!strcmp(action, "candidateMerge")) {
    out->kind = EV_MERGE;
    const cJSON *gone = wire_obj(&rd, d, "data", "deletedCandidate");
    const cJSON *kept = wire_obj(&rd, d, "data", "mergedCandidate");
    if (gone == NULL || kept == NULL)
      wire_fail(&rd, "data", gone ? "mergedCandidate" : "deletedCandidate",
                "is missing");
    else {
      wire_id(&rd, gone, "data.deletedCandidate", "id", out->merged_from,
              sizeof out->merged_from, true);
      wire_id(&rd, kept, "data.mergedCandidate", "id", out->rec.candidate_id,
              sizeof out->rec.candidate_id, true);
    }
  } else if (!strcmp(action, "candidateDelete")) {
    out->kind = EV_DELETE;
    const cJSON *c = wire_need_obj(&rd, d, "data", "candidate");
    if (c)
      wire_id(&rd, c, "data.candidate", "id", out->rec.candidate_id,
              sizeof out->rec.candidate_id, true);
    out->rec.deleted = true;
  } else if (!strcmp(action, "candidateUpdate")) {
    out->kind = EV_CANDIDATE;
    const cJSON *c = wire_need_obj(&rd, d, "data", "candidate");
    if (c)
      rd_person(&rd, c, "data.candidate", &out->rec, true);
    out->at = out->rec.updated;
  } else {
    out->kind = EV_OTHER; /* jobs, offers, interviews ...: nothing to do */
  }
  if (rd.err[0]) {
    snprintf(err, errlen, "webhook payload: %s", rd.err);
    goto out;
  }
  rc = 0;
out:
  cJSON_Delete(j);
  return rc;
}

/* ---- what the core asks --------------------------------------------------------- */

static const char *ab_field_label(const char *what)
{
  static const struct wire_label labels[] = {
      {"phoneNumber", "phone"},
      {"email", "email"},
      {"alternateEmailAddresses", "email"},
      {"alternateEmail", "email"},
      {"name", "name"},
      {"sourceId", "Source"},
      {"stage (interviewStageId)", "stage"},
      {"interviewStageId", "stage"},
      {"job_id", "job"},
      {"linkedInUrl", "LinkedIn URL"},
      {"githubUrl", "GitHub URL"},
      {"website", "website"},
  };
  return wire_label(labels, sizeof labels / sizeof *labels, what);
}

/* Ashby's API takes an API key (Basic), nothing else; there is no acting
 * user, so an On-Behalf-Of given with the key is not used. */
static int ab_check_credentials(const struct atsync_credentials *cr,
                                char *err, size_t errlen)
{
  if (cr->auth != ATSYNC_AUTH_API_KEY) {
    snprintf(err, errlen, "Ashby's API has no OAuth: connect with an Ashby "
             "API key (Admin > Integrations > API Keys)");
    return -1;
  }
  for (const char *p = cr->api_key; p && *p; p++)
    if (*p == ':' || isspace((unsigned char)*p) || !isprint((unsigned char)*p)) {
      snprintf(err, errlen, "an Ashby API key has no spaces or colons");
      return -1;
    }
  return 0;
}

static const char *ab_auth_name(enum atsync_auth a)
{
  return a == ATSYNC_AUTH_API_KEY ? "API key" : "OAuth (not offered by Ashby)";
}

static void ab_auth_failed(enum atsync_auth a, const char *words, int64_t now,
                           char *msg, size_t len)
{
  (void)a;
  (void)now;
  snprintf(msg, len, "Sync failed: Ashby rejected the API key (%s). The "
           "integration is disconnected: the key was deactivated or deleted "
           "in Ashby. Create a new key in Ashby (Admin > Integrations > API "
           "Keys, with the Candidates read and write, Jobs read and "
           "Interviews read permissions) and reconnect in Settings > "
           "Integrations.", words);
}

const struct connector connector_ashby = {
    .name = "ashby",
    .display = "Ashby",
    .window = ab_window,
    .build = ab_build,
    .parse = ab_parse,
    .build_next = ab_build_next,
    .event_verify = ab_event_verify,
    .event_parse = ab_event_parse,
    .field_label = ab_field_label,
    .check_credentials = ab_check_credentials,
    .auth_name = ab_auth_name,
    .auth_failed = ab_auth_failed,
    .key_permission_fix = "Admin > Integrations > API Keys, edit the "
                          "integration's key and tick that permission",
    .refresh_ttl_ms = 0, /* no OAuth, no refresh tokens */
    .create_person_only = true,
    .find_without_apps = true, /* candidate.search: people only */
    /* candidate.update: no custom fields (customField.setValue) */
    .update_person = PERSON_NAME | PERSON_PHONE | PERSON_EMAIL,
};
