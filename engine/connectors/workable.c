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

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

/* ---- building ---------------------------------------------------------------- */

/* Percent-encode onto the end of 'out'. */
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

/* "<base>/spi/v3/<fmt with one path argument, percent-encoded>" */
static void spi(char *url, size_t cap, const struct conn_view *v,
                const char *pre, const char *arg, const char *post)
{
  snprintf(url, cap, "%s/spi/v3/%s", v->base_url, pre);
  if (arg)
    enc(url, cap, arg);
  size_t o = strlen(url);
  snprintf(url + o, cap - o, "%s", post ? post : "");
}

static void set_json_body(struct http_req *r, cJSON *body)
{
  char *t = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  http_req_body(r, "application/json", t);
  free(t);
}

static void auth_header(const struct conn_view *v, struct http_req *r)
{
  const char *t = v->auth == ATSYNC_AUTH_API_KEY ? v->api_key : v->access_token;
  http_req_header(r, "Authorization: Bearer %s", t ? t : "");
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
    enc(url, sizeof url, a->to_stage_id);
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
  set_json_body(r, body);
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
    form_add(form, sizeof form, "client_id", v->client_id);
    form_add(form, sizeof form, "client_secret", v->client_secret);
    if (a->grant == GRANT_CODE) {
      form_add(form, sizeof form, "grant_type", "authorization_code");
      form_add(form, sizeof form, "code", a->code);
      form_add(form, sizeof form, "redirect_uri", v->redirect_uri);
    } else {
      form_add(form, sizeof form, "grant_type", "refresh_token");
      form_add(form, sizeof form, "refresh_token", a->refresh_token);
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
    enc(q, sizeof q, a->email);
    snprintf(q + strlen(q), sizeof q - strlen(q), "&shortcode=");
    enc(q, sizeof q, a->job_id);
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
    set_json_body(r, body);
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
    if (a->page_url && *a->page_url) { /* a later page: paging.next */
      if (wk_build_next(v, a->page_url, r) != 0) {
        snprintf(err, errlen, "the ATS gave a next page on another host");
        return -1;
      }
      return 0;
    }
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
  /* never hand the token to another host: the base URL must be the whole
   * authority ("https://acme.workable.com.evil.example/" shares the
   * prefix, not the host) */
  size_t bl = strlen(v->base_url);
  if (strncmp(url, v->base_url, bl) != 0 ||
      (url[bl] != '\0' && url[bl] != '/' && url[bl] != '?'))
    return -1;
  http_req_init(r, "GET", url);
  auth_header(v, r);
  return 0;
}

/* ---- reading records --------------------------------------------------------- */

/* Names the first thing wrong in a record, with its path; absent or null
 * fields are "", a field of the wrong type is an error (a changed API is
 * noticed instead of read as empty). */
struct rd {
  char err[200];
};

static void rd_fail(struct rd *rd, const char *path, const char *k,
                    const char *what)
{
  if (rd->err[0] == '\0')
    snprintf(rd->err, sizeof rd->err, "'%s%s%s' %s", path,
             path[0] && k[0] ? "." : "", k, what);
}

static const cJSON *get(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNull(v) ? NULL : v;
}

/* Copy a string cut at a character boundary (names are UTF-8). */
static void copy_utf8(char *dst, size_t len, const char *src)
{
  size_t n = strlen(src);
  if (n >= len) {
    n = len - 1;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Workable ids are strings (hex, shortcodes); a whole number is taken
 * too. Letters, digits, '-' and '_' only: an id goes into URL paths. */
static bool id_ok(const char *s, size_t cap)
{
  size_t n = strlen(s);
  if (n == 0 || n >= cap)
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
      return false;
  return true;
}

static int rd_id(struct rd *rd, const cJSON *o, const char *path,
                 const char *k, char *buf, size_t len, bool required)
{
  const cJSON *v = get(o, k);
  buf[0] = '\0';
  if (v == NULL) {
    if (required)
      rd_fail(rd, path, k, "is missing");
    return 1;
  }
  if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
      v->valuedouble < 9007199254740992.0 &&
      v->valuedouble == (double)(int64_t)v->valuedouble) {
    snprintf(buf, len, "%lld", (long long)v->valuedouble);
    return 0;
  }
  if (cJSON_IsString(v) && id_ok(v->valuestring, len)) {
    snprintf(buf, len, "%s", v->valuestring);
    return 0;
  }
  rd_fail(rd, path, k, "is not an id");
  return -1;
}

static void rd_str(struct rd *rd, const cJSON *o, const char *path,
                   const char *k, char *buf, size_t len)
{
  const cJSON *v = get(o, k);
  buf[0] = '\0';
  if (v == NULL)
    return;
  if (!cJSON_IsString(v))
    rd_fail(rd, path, k, "is not a string");
  else
    copy_utf8(buf, len, v->valuestring);
}

static int64_t rd_time(struct rd *rd, const cJSON *o, const char *path,
                       const char *k)
{
  const cJSON *v = get(o, k);
  int64_t ms = 0;
  if (v && (!cJSON_IsString(v) ||
            at_time_parse_iso8601(v->valuestring, &ms) != 0)) {
    rd_fail(rd, path, k, "is not an ISO-8601 time");
    return 0;
  }
  return ms;
}

static bool rd_bool(struct rd *rd, const cJSON *o, const char *path,
                    const char *k)
{
  const cJSON *v = get(o, k);
  if (v && !cJSON_IsBool(v))
    rd_fail(rd, path, k, "is not true or false");
  return cJSON_IsTrue(v);
}

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
static void rd_cand(struct rd *rd, const cJSON *c, const char *path,
                    struct ats_record *r)
{
  char sub[96];
  rd_id(rd, c, path, "id", r->application_id, sizeof r->application_id, true);
  snprintf(r->candidate_id, sizeof r->candidate_id, "%s", r->application_id);
  rd_str(rd, c, path, "firstname", r->first, sizeof r->first);
  rd_str(rd, c, path, "lastname", r->last, sizeof r->last);
  if (!r->first[0] && !r->last[0]) { /* "name" alone: first word, the rest */
    char name[256];
    rd_str(rd, c, path, "name", name, sizeof name);
    char *sp = strchr(name, ' ');
    if (sp)
      *sp = '\0';
    copy_utf8(r->first, sizeof r->first, name);
    copy_utf8(r->last, sizeof r->last, sp ? sp + 1 : "");
  }
  rd_str(rd, c, path, "email", r->emails[0], sizeof r->emails[0]);
  rd_str(rd, c, path, "phone", r->phones[0], sizeof r->phones[0]);
  const cJSON *job = get(c, "job");
  if (job && !cJSON_IsObject(job)) {
    rd_fail(rd, path, "job", "is not an object");
  } else if (job) {
    snprintf(sub, sizeof sub, "%s%sjob", path, path[0] ? "." : "");
    rd_id(rd, job, sub, "shortcode", r->job_id, sizeof r->job_id, false);
  }
  rd_str(rd, c, path, "stage", r->stage_name, sizeof r->stage_name);
  slugify(r->stage_name, r->stage_id, sizeof r->stage_id);
  bool dq = rd_bool(rd, c, path, "disqualified");
  int64_t hired = rd_time(rd, c, path, "hired_at");
  if (!get(c, "disqualified") && !get(c, "stage"))
    r->status[0] = '\0'; /* ids only: nothing claimed */
  else if (dq)
    snprintf(r->status, sizeof r->status, "rejected");
  else if (hired || strcmp(r->stage_id, "hired") == 0)
    snprintf(r->status, sizeof r->status, "hired");
  else
    snprintf(r->status, sizeof r->status, "active");
  r->updated = rd_time(rd, c, path, "updated_at");
}

static void take_rec(const struct ats_record *r, const struct op_args *a,
                     struct op_result *out)
{
  snprintf(out->candidate_id, sizeof out->candidate_id, "%s", r->candidate_id);
  snprintf(out->application_id, sizeof out->application_id, "%s",
           r->application_id);
  snprintf(out->app_status, sizeof out->app_status, "%s",
           r->status[0] ? r->status : "active");
  snprintf(out->stage_id, sizeof out->stage_id, "%s", r->stage_id);
  snprintf(out->stage_name, sizeof out->stage_name, "%s", r->stage_name);
  if (!out->stage_id[0] && a && a->to_stage_id)
    snprintf(out->stage_id, sizeof out->stage_id, "%s", a->to_stage_id);
}

/* {"candidate": {...}} */
static const cJSON *wrapped(const cJSON *j, const char *k)
{
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, k);
  return cJSON_IsObject(c) ? c : NULL;
}

/* A hex id's order: shorter is older, then by digits (lower-case hex). */
static int cmp_id(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
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
  struct ats_record *recs = n > 0 ? calloc((size_t)n, sizeof *recs) : NULL;
  if (n > 0 && recs == NULL) {
    snprintf(why, whylen, "out of memory for %d records", n);
    return false;
  }
  struct rd rd = {.err = ""};
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, list)
  {
    char path[48];
    snprintf(path, sizeof path, "candidates[%zu]", i);
    if (!cJSON_IsObject(e))
      rd_fail(&rd, path, "", "is not an object");
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
      if (best == NULL || cmp_id(recs[k].application_id,
                                 best->application_id) < 0)
        best = &recs[k];
    }
    if (best)
      take_rec(best, NULL, out);
    free(recs);
    return true;
  }
  outcome_result_free(out);
  out->recs = recs;
  out->nrecs = (size_t)n;
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
    const char *t = at_json_str(j, "title"), *s = at_json_str(j, "state");
    if (t == NULL || s == NULL) {
      snprintf(why, whylen, "the job has no title or state");
      return false;
    }
    copy_utf8(out->job_name, sizeof out->job_name, t);
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
          !id_ok(slug, sizeof out->stages[n].id)) {
        snprintf(why, whylen, "a stage without a slug or a name");
        return false;
      }
      snprintf(out->stages[n].id, sizeof out->stages[n].id, "%s", slug);
      copy_utf8(out->stages[n].name, sizeof out->stages[n].name, name);
      out->stages[n].active = true; /* removed stages are not listed */
      const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "position");
      pos[n] = cJSON_IsNumber(p) ? (int)p->valuedouble : (int)n;
      n++;
    }
    for (size_t i = 1; i < n; i++) /* the pipeline order (stable) */
      for (size_t k = i; k > 0 && pos[k - 1] > pos[k]; k--) {
        struct stage t = out->stages[k];
        out->stages[k] = out->stages[k - 1];
        out->stages[k - 1] = t;
        int tp = pos[k];
        pos[k] = pos[k - 1];
        pos[k - 1] = tp;
      }
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
    struct rd rd = {.err = ""};
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
      /* a 2xx we cannot read: a write may have been applied */
      out->outcome = op_is_write(op) ? OUT_UNKNOWN : OUT_TRANSIENT;
      snprintf(out->what, sizeof out->what, "malformed answer%s%s",
               why[0] ? ": " : "", why);
    } else if (op == OP_FIND || op == OP_CHANGED_APPS ||
               op == OP_CHANGED_PEOPLE) {
      next_page(j, out->next_url, sizeof out->next_url);
    }
    cJSON_Delete(j);
    return;
  }
  char text[200];
  error_text(j, text, sizeof text);
  if (op == OP_TOKEN && r->status >= 400 && r->status < 500 &&
      r->status != 429) {
    /* invalid_grant, invalid_client ...: the grant is unusable */
    const char *e = at_json_str(j, "error");
    snprintf(out->what, sizeof out->what, "%s", e ? e : (text[0] ? text : "rejected"));
    out->outcome = OUT_AUTH;
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
  enum sig_result res;
  size_t n = strlen(h);
  if (n == 64) {
    res = hmac_sha256_hex_check(secret ? secret : "", r->body, r->len, h);
  } else if (n == 44 && h[43] == '=') {
    unsigned char mac[EVP_MAX_MD_SIZE], b64[64];
    unsigned int ml = 0;
    const char *k = secret ? secret : "";
    if (HMAC(EVP_sha256(), k, (int)strlen(k), (const unsigned char *)r->body,
             r->len, mac, &ml) == NULL)
      return SIG_MISMATCH;
    EVP_EncodeBlock(b64, mac, (int)ml);
    res = CRYPTO_memcmp(b64, h, 44) == 0 ? SIG_OK : SIG_MISMATCH;
  } else {
    return SIG_MALFORMED;
  }
  /* no secret set: a signature made with an empty key proves nothing */
  if (res == SIG_OK && (secret == NULL || *secret == '\0'))
    return SIG_MISMATCH;
  return res;
}

/* The body is the candidate as it is now ({"id": ...} alone when
 * Workable sends ids only), or an envelope {"event_type", "fired_at",
 * "resource_type", "data": {candidate}}. No event id: the engine keys
 * deliveries by the body. */
static int wk_event_parse(const struct webhook_req *r, struct ats_event *out,
                          char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  if (r->body == NULL || r->len == 0) {
    snprintf(err, errlen, "webhook payload: the body is empty");
    return -1;
  }
  /* our own NUL-terminated copy: cJSON reads a byte past a length */
  char *buf = malloc(r->len + 1);
  if (buf == NULL) {
    snprintf(err, errlen, "webhook payload: out of memory");
    return -1;
  }
  memcpy(buf, r->body, r->len);
  buf[r->len] = '\0';
  const char *end = NULL;
  cJSON *j = NULL;
  int rc = -1;
  if (strlen(buf) != r->len) {
    snprintf(err, errlen, "webhook payload: not JSON (a NUL byte at byte %zu)",
             strlen(buf));
    goto out;
  }
  j = cJSON_ParseWithLengthOpts(buf, r->len + 1, &end, 1);
  if (j == NULL) {
    size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
    snprintf(err, errlen, "webhook payload: not JSON (it stops making sense "
             "at byte %zu of %zu)", at, r->len);
    goto out;
  }
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
    copy_utf8(out->action, sizeof out->action, et->valuestring);
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
    struct rd rd0 = {.err = ""};
    out->at = rd_time(&rd0, j, "", "fired_at");
  }
  struct rd rd = {.err = ""};
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
  free(buf);
  return rc;
}

/* ---- what the core asks ------------------------------------------------------ */

static const char *wk_field_label(const char *what)
{
  static const struct {
    const char *field, *label;
  } labels[] = {
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
  for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
    if (strcmp(what, labels[i].field) == 0)
      return labels[i].label;
  return NULL;
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
};
