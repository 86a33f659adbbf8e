/* workable.c — the Workable connector: SPI v3 (`<base>/spi/v3`), with an
 * account API access token (`Authorization: Bearer`, and the acting
 * member's id for moves) or an OAuth authorization-code grant (every
 * refresh returns a new pair). Requests and outcomes only: no retry,
 * pacing or state logic here.
 *
 * A Workable candidate is per job: it is the application. The engine's
 * candidate id and application id are then both the Workable candidate
 * id (a hex string); the person has no id of its own on the wire. */
#include "../connector.h"
#include "../outcome.h"
#include "../wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "at_json.h"

static void wk_window(enum atsync_auth auth, int64_t *window, bool *fixed)
{
  /* fixed 10 s windows for account tokens (10 requests) and OAuth tokens
   * (50); the limit comes from X-Rate-Limit-Limit (ats-apis.md 3.4) */
  (void)auth;
  *window = 10000;
  *fixed = true;
}

/* Until the first answer's X-Rate-Limit-Limit: the documented 10 per 10 s
 * for an account token (the API key), 50 for an OAuth token (ats-apis.md
 * 3.4). */
static int wk_default_limit(enum atsync_auth auth)
{
  return auth == ATSYNC_AUTH_API_KEY ? 10 : 50;
}

/* ---- building ---------------------------------------------------------------- */

/* "<base>/spi/v3/<fmt with one path argument, percent-encoded>" */
static void spi(char *url, size_t cap, const struct conn_view *v,
                const char *pre, const char *arg, const char *post)
{
  snprintf(url, cap, "%s/spi/v3/%s", v->base_url, pre);
  if (arg)
    wire_enc(url, cap, arg);
  size_t o = strlen(url);
  snprintf(url + o, cap - o, "%s", post ? post : "");
}

static void auth_header(const struct conn_view *v, struct http_req *r)
{
  wire_bearer(r, v->auth == ATSYNC_AUTH_API_KEY ? v->api_key : v->access_token);
}

/* The members a create must not take from the custom fields. */
static bool reserved_member(const char *k)
{
  static const char *const std[] = {"name", "firstname", "lastname", "email",
                                    "phone", NULL};
  for (const char *const *s = std; *s; s++)
    if (strcmp(*s, k) == 0)
      return true;
  return k[0] == '\0';
}

/* POST /jobs/{shortcode}/candidates[?stage=slug]: the candidate is the
 * application, made on the job at the stage in one call. Workable takes
 * one e-mail: the first (the others find the person, never create it).
 * Custom fields go as members of "candidate" (Workable's create takes
 * headline, summary, address ... there). */
static void build_create(const struct conn_view *v, const struct op_args *a,
                         struct http_req *r)
{
  char url[2048];
  spi(url, sizeof url, v, "jobs/", a->job_id, "/candidates");
  if (a->to_stage_id && *a->to_stage_id) {
    size_t o = strlen(url);
    snprintf(url + o, sizeof url - o, "?stage=");
    wire_enc(url, sizeof url, a->to_stage_id);
  }
  http_req_init(r, "POST", url);
  cJSON *body = cJSON_CreateObject();
  /* sourced: no "thank you for applying" mail to the candidate */
  cJSON_AddBoolToObject(body, "sourced", true);
  cJSON *c = cJSON_AddObjectToObject(body, "candidate");
  cJSON_AddStringToObject(c, "firstname", a->first ? a->first : "");
  cJSON_AddStringToObject(c, "lastname", a->last ? a->last : "");
  cJSON_AddStringToObject(c, "email", a->nemails ? a->emails[0] : "");
  if (a->phone && *a->phone)
    cJSON_AddStringToObject(c, "phone", a->phone);
  for (size_t i = 0; a->field_keys && a->field_values && i < a->nfields; i++)
    if (!reserved_member(a->field_keys[i]) &&
        !cJSON_GetObjectItemCaseSensitive(c, a->field_keys[i]))
      cJSON_AddStringToObject(c, a->field_keys[i], a->field_values[i]);
  wire_json_body(r, body);
}

static int wk_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r);

static int wk_build(const struct conn_view *v, enum op op,
                    const struct op_args *a, struct http_req *r, char *err,
                    size_t errlen)
{
  char url[2048], q[1024] = "";
  switch (op) {
  case OP_TOKEN: {
    if (a->grant == GRANT_CLIENT_CREDENTIALS) {
      snprintf(err, errlen, "Workable has no client-credentials grant: "
               "connect with an API access token or an OAuth authorization "
               "code");
      return -1;
    }
    http_req_init(r, "POST", v->token_url);
    char form[4096] = "";
    wire_form_add(form, sizeof form, "client_id", v->client_id);
    wire_form_add(form, sizeof form, "client_secret", v->client_secret);
    if (a->grant == GRANT_CODE) {
      wire_form_add(form, sizeof form, "grant_type", "authorization_code");
      wire_form_add(form, sizeof form, "code", a->code);
      wire_form_add(form, sizeof form, "redirect_uri", v->redirect_uri);
    } else {
      wire_form_add(form, sizeof form, "grant_type", "refresh_token");
      wire_form_add(form, sizeof form, "refresh_token", a->refresh_token);
    }
    http_req_body(r, "application/x-www-form-urlencoded", form);
    r->fresh = true; /* every refresh rotates the pair: never sent twice */
    return 0;
  }
  case OP_JOB:
    spi(url, sizeof url, v, "jobs/", a->job_id, NULL);
    http_req_init(r, "GET", url);
    break;
  case OP_PIPELINE:
    spi(url, sizeof url, v, "jobs/", a->job_id, "/stages");
    http_req_init(r, "GET", url);
    break;
  case OP_FIND:
    /* a Workable candidate is per job: the person's candidate on the
     * mapped job (a candidate on another job is another record) */
    snprintf(q, sizeof q, "candidates?email=");
    wire_enc(q, sizeof q, a->email);
    snprintf(q + strlen(q), sizeof q - strlen(q), "&shortcode=");
    wire_enc(q, sizeof q, a->job_id);
    snprintf(q + strlen(q), sizeof q - strlen(q), "&limit=100");
    spi(url, sizeof url, v, q, NULL, NULL);
    http_req_init(r, "GET", url);
    break;
  case OP_APPS: /* the candidate is the application: read it */
    if (a->candidate_id == NULL || *a->candidate_id == '\0') {
      snprintf(err, errlen, "workable: reading a candidate needs its id");
      return -1;
    }
    spi(url, sizeof url, v, "candidates/", a->candidate_id, NULL);
    http_req_init(r, "GET", url);
    break;
  case OP_CREATE:
  case OP_ADD_APP: /* the person on another job: a new candidate here */
    build_create(v, a, r);
    break;
  case OP_MOVE: {
    spi(url, sizeof url, v, "candidates/", a->application_id, "/move");
    http_req_init(r, "POST", url);
    cJSON *body = cJSON_CreateObject();
    /* the acting member; without one Workable refuses the move (422
     * member_id), read as the acting user missing */
    if (v->on_behalf_of && *v->on_behalf_of)
      cJSON_AddStringToObject(body, "member_id", v->on_behalf_of);
    cJSON_AddStringToObject(body, "target_stage",
                            a->to_stage_id ? a->to_stage_id : "");
    wire_json_body(r, body);
    break;
  }
  case OP_READ_APP:
    if (a->application_id == NULL || *a->application_id == '\0') {
      snprintf(err, errlen, "workable: reading a candidate needs its id");
      return -1;
    }
    spi(url, sizeof url, v, "candidates/", a->application_id, NULL);
    http_req_init(r, "GET", url);
    break;
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    if (a->page_url && *a->page_url) /* a later page: paging.next */
      return wire_later_page(wk_build_next, v, a->page_url, r, err, errlen);
    /* one list serves both: a candidate carries the person's name and
     * e-mail, its job, stage and state. updated_after in Unix seconds,
     * cut to the second ("at or after": a few records twice, never one
     * too few) */
    if (a->since > 0)
      snprintf(q, sizeof q, "candidates?updated_after=%lld&limit=100",
               (long long)(a->since / 1000));
    else
      snprintf(q, sizeof q, "candidates?limit=100");
    spi(url, sizeof url, v, q, NULL, NULL);
    http_req_init(r, "GET", url);
    break;
  default:
    snprintf(err, errlen, "workable: no operation %d", (int)op);
    return -1;
  }
  auth_header(v, r);
  r->fresh = op_is_write(op);
  return 0;
}

static int wk_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r)
{
  if (!wire_under_base(v->base_url, url))
    return -1; /* never hand the token to another host */
  http_req_init(r, "GET", url);
  auth_header(v, r);
  return 0;
}

/* ---- reading records --------------------------------------------------------- */

/* Workable ids are strings (hex, shortcodes); a whole number is taken
 * too. Letters, digits, '-' and '_' only: an id goes into URL paths. */
static const struct wire_ids wk_ids = {.numbers = true,
                                       .not_id = "is not an id"};

/* A stage's slug from its name, as Workable makes them: lower case, runs
 * of anything else than letters and digits one '-'. (A job whose stage
 * names clash gets "-N" slugs: such a stage reads as its name's slug,
 * which the pipeline then does not hold, and the push moves it.) */
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
}

/* A candidate (list shape, GET /candidates/{id}, a webhook body): the
 * application and the person as one record. Disqualified reads as
 * rejected, the hired stage (or hired_at) as hired. */
static void rd_cand(struct wire_rd *rd, const cJSON *c, const char *path,
                    struct ats_record *r)
{
  char sub[96];
  wire_id(rd, c, path, "id", r->application_id, sizeof r->application_id, true);
  snprintf(r->candidate_id, sizeof r->candidate_id, "%s", r->application_id);
  wire_str(rd, c, path, "firstname", r->first, sizeof r->first);
  wire_str(rd, c, path, "lastname", r->last, sizeof r->last);
  if (!r->first[0] && !r->last[0]) { /* "name" alone: first word, the rest */
    char name[256];
    wire_str(rd, c, path, "name", name, sizeof name);
    char *sp = strchr(name, ' ');
    if (sp)
      *sp = '\0';
    wire_copy(r->first, sizeof r->first, name);
    wire_copy(r->last, sizeof r->last, sp ? sp + 1 : "");
  }
  wire_str(rd, c, path, "email", r->emails[0], sizeof r->emails[0]);
  wire_str(rd, c, path, "phone", r->phones[0], sizeof r->phones[0]);
  const cJSON *job = wire_get(c, "job");
  if (job && !cJSON_IsObject(job)) {
    wire_fail(rd, path, "job", "is not an object");
  } else if (job) {
    wire_path(sub, sizeof sub, path, "job");
    wire_id(rd, job, sub, "shortcode", r->job_id, sizeof r->job_id, false);
  }
  wire_str(rd, c, path, "stage", r->stage_name, sizeof r->stage_name);
  slugify(r->stage_name, r->stage_id, sizeof r->stage_id);
  bool dq = wire_bool(rd, c, path, "disqualified");
  int64_t hired = wire_time(rd, c, path, "hired_at");
  if (!wire_get(c, "disqualified") && !wire_get(c, "stage"))
    r->status[0] = '\0'; /* ids only: nothing claimed */
  else if (dq)
    snprintf(r->status, sizeof r->status, "rejected");
  else if (hired || strcmp(r->stage_id, "hired") == 0)
    snprintf(r->status, sizeof r->status, "hired");
  else
    snprintf(r->status, sizeof r->status, "active");
  r->updated = wire_time(rd, c, path, "updated_at");
}

static void take_rec(const struct ats_record *r, const struct op_args *a,
                     struct op_result *out)
{
  outcome_take_record(out, r);
  if (!out->app_status[0]) /* ids only: a create or a read is active */
    snprintf(out->app_status, sizeof out->app_status, "active");
  if (!out->stage_id[0] && a && a->to_stage_id)
    snprintf(out->stage_id, sizeof out->stage_id, "%s", a->to_stage_id);
}

/* {"candidate": {...}} */
static const cJSON *wrapped(const cJSON *j, const char *k)
{
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, k);
  return cJSON_IsObject(c) ? c : NULL;
}

static bool parse_list(enum op op, const struct op_args *a, const cJSON *j,
                       struct op_result *out, char *why, size_t whylen)
{
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "candidates");
  if (!cJSON_IsArray(list)) {
    snprintf(why, whylen, "'candidates' is not a list");
    return false;
  }
  int n = cJSON_GetArraySize(list);
  struct ats_record *recs = outcome_recs_alloc(n, why, whylen);
  if (n > 0 && recs == NULL)
    return false;
  struct wire_rd rd = {.ids = &wk_ids};
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, list)
  {
    char path[48];
    snprintf(path, sizeof path, "candidates[%zu]", i);
    if (!cJSON_IsObject(e))
      wire_fail(&rd, path, "", "is not an object");
    else
      rd_cand(&rd, e, path, &recs[i]);
    if (rd.err[0])
      break;
    i++;
  }
  if (rd.err[0]) {
    free(recs);
    snprintf(why, whylen, "%s", rd.err);
    return false;
  }
  if (op == OP_FIND) {
    /* the oldest candidate of the job with the e-mail (one, unless
     * Workable merged people) */
    const struct ats_record *best = NULL;
    for (size_t k = 0; k < (size_t)n; k++) {
      if (a->job_id && recs[k].job_id[0] && strcmp(recs[k].job_id, a->job_id))
        continue;
      if (best == NULL || outcome_id_cmp(recs[k].application_id,
                                         best->application_id) < 0)
        best = &recs[k];
    }
    if (best)
      take_rec(best, NULL, out);
    free(recs);
    return true;
  }
  outcome_set_recs(out, recs, (size_t)n);
  return true;
}

/* The next page: paging.next, a full URL (absent on the last page). */
static void next_page(const cJSON *j, char *out, size_t len)
{
  out[0] = '\0';
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "paging");
  const char *n = at_json_str(p, "next");
  if (n && strlen(n) < len)
    snprintf(out, len, "%s", n);
}

static bool parse_ok(enum op op, const struct op_args *a, const cJSON *j,
                     struct op_result *out, char *why, size_t whylen)
{
  if (!cJSON_IsObject(j)) {
    snprintf(why, whylen, "not an object");
    return false;
  }
  switch (op) {
  case OP_TOKEN:
    return wire_take_token(j, out);
  case OP_JOB: {
    const char *t = at_json_str(j, "title"), *s = at_json_str(j, "state");
    if (t == NULL || s == NULL) {
      snprintf(why, whylen, "the job has no title or state");
      return false;
    }
    wire_copy(out->job_name, sizeof out->job_name, t);
    /* published takes candidates; draft, closed, archived do not */
    snprintf(out->job_status, sizeof out->job_status, "%s",
             strcmp(s, "published") == 0 ? "open" : s);
    return true;
  }
  case OP_PIPELINE: {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "stages"), *s;
    if (!cJSON_IsArray(list)) {
      snprintf(why, whylen, "'stages' is not a list");
      return false;
    }
    int pos[MAX_STAGES];
    size_t n = 0;
    cJSON_ArrayForEach(s, list)
    {
      if (n == MAX_STAGES)
        break;
      const char *slug = at_json_str(s, "slug"), *name = at_json_str(s, "name");
      if (slug == NULL || name == NULL ||
          !wire_token_ok(slug, sizeof out->stages[n].id)) {
        snprintf(why, whylen, "a stage without a slug or a name");
        return false;
      }
      snprintf(out->stages[n].id, sizeof out->stages[n].id, "%s", slug);
      wire_copy(out->stages[n].name, sizeof out->stages[n].name, name);
      out->stages[n].active = true; /* removed stages are not listed */
      const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "position");
      pos[n] = cJSON_IsNumber(p) ? (int)p->valuedouble : (int)n;
      n++;
    }
    outcome_sort_stages(out->stages, pos, n); /* the pipeline order */
    out->nstages = n;
    return true;
  }
  case OP_FIND:
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    return parse_list(op, a, j, out, why, whylen);
  case OP_APPS:
  case OP_READ_APP:
  case OP_CREATE:
  case OP_ADD_APP: {
    const cJSON *c = wrapped(j, "candidate");
    if (c == NULL) {
      snprintf(why, whylen, "'candidate' is missing");
      return false;
    }
    struct wire_rd rd = {.ids = &wk_ids};
    struct ats_record rec = {0};
    rd_cand(&rd, c, "candidate", &rec);
    if (rd.err[0]) {
      snprintf(why, whylen, "%s", rd.err);
      return false;
    }
    if (op == OP_APPS && a->job_id && rec.job_id[0] &&
        strcmp(rec.job_id, a->job_id) != 0) {
      /* a candidate of another job (the job mapping changed): not an
       * application on this one; the engine looks on the job by e-mail */
      out->outcome = OUT_NOT_FOUND;
      snprintf(out->what, sizeof out->what, "candidate %s is on job %s",
               rec.application_id, rec.job_id);
      return true;
    }
    if (op == OP_READ_APP)
      out->rec = rec;
    take_rec(&rec, op == OP_CREATE || op == OP_ADD_APP ? a : NULL, out);
    return true;
  }
  default:
    return true;
  }
}

/* Workable's words: {"error": "...", "validation_errors": {field: [..]}}. */
static void error_text(const cJSON *j, char *buf, size_t len)
{
  const char *m = at_json_str(j, "error");
  if (m == NULL)
    m = at_json_str(j, "message");
  snprintf(buf, len, "%s", m ? m : "");
}

/* The first message of a validation error's field. */
static const char *field_msg(const cJSON *f)
{
  if (cJSON_IsString(f))
    return f->valuestring;
  const cJSON *m = cJSON_GetArrayItem(f, 0);
  return cJSON_IsString(m) ? m->valuestring : "";
}

/* A 422: a duplicate, the acting member, or the fields refused (in the
 * engine's words: a refused job reads "job_id", a stage "stage"). */
static void unprocessable(const cJSON *j, const char *text,
                          struct op_result *out)
{
  const cJSON *ve = cJSON_GetObjectItemCaseSensitive(j, "validation_errors");
  const cJSON *f;
  out->what[0] = '\0';
  cJSON_ArrayForEach(f, ve)
  {
    const char *k = f->string ? f->string : "";
    const char *m = field_msg(f);
    if (strcmp(k, "email") == 0 && strstr(m, "already exists")) {
      out->outcome = OUT_EXISTS; /* the candidate is on this job: find it */
      snprintf(out->what, sizeof out->what, "email: %s", m);
      return;
    }
    if (strcmp(k, "member_id") == 0) {
      out->outcome = OUT_PERMISSION;
      snprintf(out->what, sizeof out->what, "the acting user (member_id %s)",
               m);
      return;
    }
    const char *name = strcmp(k, "job") == 0 ? "job_id" : k;
    size_t o = strlen(out->what);
    snprintf(out->what + o, sizeof out->what - o, "%s%s", o ? ", " : "", name);
  }
  out->outcome = OUT_INVALID;
  if (out->what[0] == '\0')
    snprintf(out->what, sizeof out->what, "%s", text[0] ? text : "refused");
}

static void wk_parse(const struct conn_view *v, enum op op,
                     const struct op_args *a, const struct http_resp *r,
                     int64_t now, struct op_result *out)
{
  outcome_classify(op, r, now, 3600 * 1000, out);
  if (r->status == 0)
    return;
  cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
  if (out->outcome == OUT_OK) {
    if (op == OP_MOVE) { /* 202, an empty body */
      cJSON_Delete(j);
      return;
    }
    char why[200] = "";
    if (j == NULL || !parse_ok(op, a, j, out, why, sizeof why)) {
      outcome_malformed(op, why, out);
    } else if (op == OP_FIND || op == OP_CHANGED_APPS ||
               op == OP_CHANGED_PEOPLE) {
      next_page(j, out->next_url, sizeof out->next_url);
    }
    cJSON_Delete(j);
    return;
  }
  char text[200];
  error_text(j, text, sizeof text);
  if (wire_token_refused(op, r, j, text, out)) {
    /* invalid_grant, invalid_client ...: the grant is unusable */
  } else if (r->status == 422) {
    unprocessable(j, text, out);
  } else if (out->outcome == OUT_PERMISSION) {
    const char *scope = strstr(text, "scope: ");
    if (strncmp(text, "Member ", 7) == 0)
      snprintf(out->what, sizeof out->what, "the acting user (%s)", text);
    else if (scope && v->auth == ATSYNC_AUTH_API_KEY)
      /* an account token's scopes are its permissions */
      snprintf(out->what, sizeof out->what, "the API access token "
               "permission '%s'", scope + 7);
    else if (scope)
      snprintf(out->what, sizeof out->what, "the scope %s", scope + 7);
    else
      snprintf(out->what, sizeof out->what, "access (%s)", text);
  } else if (out->outcome == OUT_AUTH) {
    /* 401 {"error":"Not authorized"}: revoked, expired, or (when this
     * Workable answers so) a scope missing */
    snprintf(out->what, sizeof out->what, "%s", text[0] ? text : "unauthorized");
  } else if (out->outcome == OUT_INVALID) {
    snprintf(out->what, sizeof out->what, "%s", text);
  }
  cJSON_Delete(j);
}

/* ---- webhooks ---------------------------------------------------------------- */

/* X-Workable-Signature: HMAC-SHA256 of the raw body keyed with the token
 * that made the subscription (the app's client secret for OAuth): hex, or
 * base64 where a Workable sends that. */
static enum sig_result wk_event_verify(const char *secret,
                                       const struct webhook_req *r)
{
  const char *h = r->header ? r->header(r->ud, "X-Workable-Signature") : NULL;
  if (h == NULL)
    return SIG_MISSING;
  size_t n = strlen(h);
  if (n != 64 && !(n == 44 && h[43] == '='))
    return SIG_MALFORMED;
  return wire_sig_keyed(
      n == 64 ? hmac_sha256_hex_check(secret, r->body, r->len, h)
              : hmac_sha256_b64_check(secret, r->body, r->len, h),
      secret);
}

/* The body is the candidate as it is now ({"id": ...} alone when
 * Workable sends ids only), or an envelope {"event_type", "fired_at",
 * "resource_type", "data": {candidate}}. No event id: the engine keys
 * deliveries by the body. */
static int wk_event_parse(const struct webhook_req *r, struct ats_event *out,
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
  const cJSON *cand = j, *data = cJSON_GetObjectItemCaseSensitive(j, "data");
  const char *path = "";
  snprintf(out->action, sizeof out->action, "candidate");
  const cJSON *et = cJSON_GetObjectItemCaseSensitive(j, "event_type");
  if (data || et) { /* the envelope */
    if (!cJSON_IsString(et) || et->valuestring[0] == '\0') {
      snprintf(err, errlen, "webhook payload: 'event_type' is missing");
      goto out;
    }
    wire_copy(out->action, sizeof out->action, et->valuestring);
    const char *rt = at_json_str(j, "resource_type");
    if (strncmp(et->valuestring, "candidate_", 10) != 0 ||
        (rt && strcmp(rt, "candidate") != 0)) {
      out->kind = EV_OTHER; /* employee_* events: nothing sync acts on */
      rc = 0;
      goto out;
    }
    if (!cJSON_IsObject(data)) {
      snprintf(err, errlen, "webhook payload: 'data' is %s",
               data ? "not an object" : "missing");
      goto out;
    }
    cand = data;
    path = "data";
    struct wire_rd rd0 = {.ids = &wk_ids};
    out->at = wire_time(&rd0, j, "", "fired_at");
  }
  struct wire_rd rd = {.ids = &wk_ids};
  rd_cand(&rd, cand, path, &out->rec);
  if (rd.err[0]) {
    snprintf(err, errlen, "webhook payload: %s", rd.err);
    goto out;
  }
  out->kind = EV_APPLICATION;
  if (out->rec.updated)
    out->at = out->rec.updated;
  rc = 0;
out:
  cJSON_Delete(j);
  return rc;
}

/* ---- what the core asks ------------------------------------------------------ */

static const char *wk_field_label(const char *what)
{
  static const struct wire_label labels[] = {
      {"firstname", "first name"}, {"lastname", "last name"},
      {"name", "name"},            {"email", "email"},
      {"phone", "phone"},          {"headline", "headline"},
      {"job_id", "job"},           {"stage", "stage"},
      {"target_stage", "stage"},   {"sourced", "Source"},
  };
  if (what == NULL)
    return NULL;
  if (strncmp(what, "candidate.", 10) == 0 && what[10])
    what += 10;
  return wire_label(labels, sizeof labels / sizeof *labels, what);
}

/* Moves are made by a member: an account token needs the acting member's
 * id (GET /spi/v3/members); an OAuth grant may name one. Workable has no
 * client-credentials grant. */
static int wk_check_credentials(const struct atsync_credentials *cr,
                                char *err, size_t errlen)
{
  if (cr->auth == ATSYNC_AUTH_CLIENT_CREDENTIALS) {
    snprintf(err, errlen, "Workable has no client-credentials grant: connect "
             "with an API access token (--api-key and --on-behalf-of MEMBER) "
             "or an OAuth authorization code");
    return -1;
  }
  const char *m = cr->on_behalf_of;
  if (cr->auth == ATSYNC_AUTH_API_KEY && (m == NULL || *m == '\0')) {
    snprintf(err, errlen, "a Workable API access token needs the key and the "
             "acting member's id (--on-behalf-of: an id from GET "
             "/spi/v3/members; Workable moves candidates as a member)");
    return -1;
  }
  if (m && *m) {
    for (const char *p = m; *p; p++)
      if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p)) {
        snprintf(err, errlen, "the acting member must be a Workable member "
                 "id (lower-case hex, as GET /spi/v3/members shows it), not "
                 "'%s'", m);
        return -1;
      }
  }
  return 0;
}

static const char *wk_auth_name(enum atsync_auth a)
{
  return a == ATSYNC_AUTH_API_KEY       ? "API access token"
         : a == ATSYNC_AUTH_OAUTH_CODE ? "OAuth authorization code"
                                       : "OAuth client credentials";
}

static void wk_auth_failed(enum atsync_auth a, const char *words, int64_t now,
                           char *msg, size_t len)
{
  (void)now;
  if (a == ATSYNC_AUTH_API_KEY)
    snprintf(msg, len, "Sync failed: Workable rejected the API access token "
             "(%s). The integration is disconnected: the token was revoked "
             "in Workable. A Workable admin generates a new one in Settings "
             "> Integrations > Apps (with the r_jobs, r_candidates and "
             "w_candidates scopes); reconnect with it in Settings > "
             "Integrations.", words);
  else
    snprintf(msg, len, "Sync failed: Workable no longer accepts these "
             "credentials (%s). The integration is disconnected: its access "
             "was revoked in Workable (or the user who connected it was "
             "deactivated); reconnect it in Settings > Integrations.", words);
}

const struct connector connector_workable = {
    .name = "workable",
    .display = "Workable",
    .window = wk_window,
    .default_limit = wk_default_limit,
    .build = wk_build,
    .parse = wk_parse,
    .build_next = wk_build_next,
    .event_verify = wk_event_verify,
    .event_parse = wk_event_parse,
    .field_label = wk_field_label,
    .check_credentials = wk_check_credentials,
    .auth_name = wk_auth_name,
    .auth_failed = wk_auth_failed,
    /* an account token's scopes are chosen when it is generated */
    .key_permission_fix = "Settings > Integrations > Apps, generate an API "
                          "access token with that scope ticked and reconnect "
                          "with it",
    /* refresh tokens do not lapse (every refresh returns a new pair) */
    .refresh_ttl_ms = 0,
    .create_person_only = false,
    /* www.workable.com/oauth/token (with the sim, one base) */
    .token_path = "/oauth/token",
};
