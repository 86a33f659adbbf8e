/* lever.c — the Lever connector: API v1 (api.lever.co/v1) with a Basic API
 * key ("key:") or OAuth bearer tokens from auth.lever.co (Auth0: audience,
 * offline_access for refresh tokens, rotating). An opportunity is one
 * candidacy (the application, our application id) and its 'contact' is the
 * person (our candidate id). Requests and outcomes only: no retry, pacing
 * or state logic here (docs/fidelity/lever.md, research/ats-apis.md §2).
 *
 * Duplicates: Lever dedupes a create by e-mail and attaches the new
 * opportunity to the existing contact, answering 201 {"deduped": true}.
 * That is OK, not EXISTS: the application we asked for exists now, on the
 * person who had the e-mail, so there is nothing left to find or write.
 *
 * Hires: an opportunity shows only archived {reason}; a hire is an archive
 * with a 'hired'-type reason. OP_PIPELINE therefore reads the stages
 * (GET /stages) and then the hired archive reasons (GET
 * /archive_reasons?type=hired), kept in the pipeline as inactive entries
 * with ids "hired:<reason id>" (never a target: resolve_stage takes active
 * stages only); records are read against that pipeline (conn_view). */
#include "../connector.h"
#include "../outcome.h"
#include "../wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_json.h"

#define LV_AUDIENCE "https://api.lever.co/v1/"
#define HIRED_PREFIX "hired:"

static void lv_window(enum atsync_auth auth, int64_t *window, bool *fixed)
{
  (void)auth;
  /* a token bucket of 20 refilled at 10/s: a rolling 2 s window of 20
   * (X-RateLimit-Limit, when sent) never asks more than it refills */
  *window = 2000;
  *fixed = false;
}

/* Lever documents its bucket (10 req/s steady, bursts to 20: ats-apis.md
 * 2.4) but no rate-limit header (docs/fidelity/lever.md, rate_headers):
 * per rolling 2 s window, per key or token, until an answer says. An
 * OAuth client's token requests come out of the same bucket, and the
 * pacer counts only API requests: leave room for them. */
static int lv_default_limit(enum atsync_auth auth)
{
  return auth == ATSYNC_AUTH_API_KEY ? 20 : 18;
}

static void auth_headers(const struct conn_view *v, struct http_req *r)
{
  if (v->auth == ATSYNC_AUTH_API_KEY)
    wire_basic(r, v->api_key, ""); /* the key is the user name */
  else
    wire_bearer(r, v->access_token);
}

/* A Lever id: a non-empty string of letters, digits, '-' and '_' (UUIDs,
 * slugs such as "lead-new"). 0 read, 1 absent or null, -1 not an id. */
static int sid(const cJSON *o, const char *k, char *buf, size_t len)
{
  static const struct wire_ids strings = {.numbers = false, .not_id = ""};
  struct wire_rd rd = {.ids = &strings}; /* the caller words the error */
  return wire_id(&rd, o, "", k, buf, len, false);
}

/* The first page of a list for an operation (the next page adds offset=). */
static void list_url(const struct conn_view *v, enum op op,
                     const struct op_args *a, char *url, size_t cap)
{
  char ms[32];
  switch (op) {
  case OP_PIPELINE:
    snprintf(url, cap, "%s/v1/stages?limit=100", v->base_url);
    break;
  case OP_FIND: /* the person's opportunity on the posting */
    snprintf(url, cap, "%s/v1/opportunities", v->base_url);
    wire_add_q(url, cap, "email", a->email ? a->email : "");
    wire_add_q(url, cap, "posting_id", a->job_id ? a->job_id : "");
    wire_add_q(url, cap, "limit", "100");
    break;
  case OP_APPS:
    snprintf(url, cap, "%s/v1/opportunities", v->base_url);
    wire_add_q(url, cap, "contact_id", a->candidate_id ? a->candidate_id : "");
    wire_add_q(url, cap, "posting_id", a->job_id ? a->job_id : "");
    wire_add_q(url, cap, "limit", "100");
    break;
  default: /* OP_CHANGED_*: opportunities updated since (ms) */
    snprintf(url, cap, "%s/v1/opportunities", v->base_url);
    if (a->since > 0) {
      snprintf(ms, sizeof ms, "%lld", (long long)a->since);
      wire_add_q(url, cap, "updated_at_start", ms);
    }
    wire_add_q(url, cap, "limit", "100");
    break;
  }
}

static void reasons_url(const struct conn_view *v, char *url, size_t cap)
{
  snprintf(url, cap, "%s/v1/archive_reasons?type=hired&limit=100",
           v->base_url);
}

/* perform_as: the acting Lever user (the connection's on_behalf_of); a
 * create without one acts as the posting's owner. */
static void acting(const struct conn_view *v, enum op op, char *url,
                   size_t cap)
{
  if (v->on_behalf_of && *v->on_behalf_of)
    wire_add_q(url, cap, "perform_as", v->on_behalf_of);
  else if (op != OP_MOVE)
    wire_add_q(url, cap, "perform_as_posting_owner", "true");
}

static cJSON *opp_body(const struct op_args *a, bool with_contact)
{
  cJSON *o = cJSON_CreateObject();
  char name[300];
  wire_full_name(a->first, a->last, name, sizeof name);
  cJSON_AddStringToObject(o, "name", name);
  cJSON *em = cJSON_AddArrayToObject(o, "emails"); /* plain strings */
  for (size_t i = 0; i < a->nemails; i++)
    cJSON_AddItemToArray(em, cJSON_CreateString(a->emails[i]));
  if (a->phone && *a->phone) {
    cJSON *ph = cJSON_AddArrayToObject(o, "phones");
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "value", a->phone);
    cJSON_AddStringToObject(p, "type", "mobile");
    cJSON_AddItemToArray(ph, p);
  }
  cJSON *po = cJSON_AddArrayToObject(o, "postings");
  cJSON_AddItemToArray(po, cJSON_CreateString(a->job_id ? a->job_id : ""));
  if (a->to_stage_id && *a->to_stage_id)
    cJSON_AddStringToObject(o, "stage", a->to_stage_id);
  if (a->source_id && *a->source_id) { /* Lever's sources are names */
    cJSON *s = cJSON_AddArrayToObject(o, "sources");
    cJSON_AddItemToArray(s, cJSON_CreateString(a->source_id));
  }
  if (with_contact && a->candidate_id && *a->candidate_id)
    cJSON_AddStringToObject(o, "contact", a->candidate_id);
  /* Lever's create takes no custom fields (they live on forms): none are
   * sent */
  return o;
}

static int lv_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r);

static int lv_build(const struct conn_view *v, enum op op,
                    const struct op_args *a, struct http_req *r, char *err,
                    size_t errlen)
{
  char url[2048];
  const char *b = v->base_url;
  switch (op) {
  case OP_TOKEN: {
    http_req_init(r, "POST", v->token_url);
    wire_basic(r, v->client_id, v->client_secret);
    char form[4096] = "";
    if (a->grant == GRANT_CODE) {
      wire_form_add(form, sizeof form, "grant_type", "authorization_code");
      wire_form_add(form, sizeof form, "code", a->code);
      wire_form_add(form, sizeof form, "redirect_uri", v->redirect_uri);
      wire_form_add(form, sizeof form, "audience", LV_AUDIENCE);
    } else if (a->grant == GRANT_REFRESH) {
      wire_form_add(form, sizeof form, "grant_type", "refresh_token");
      wire_form_add(form, sizeof form, "refresh_token", a->refresh_token);
    } else {
      snprintf(err, errlen, "Lever has no client-credentials grant: connect "
               "with an API key or the OAuth authorization code");
      http_req_free(r);
      return -1;
    }
    http_req_body(r, "application/x-www-form-urlencoded", form);
    r->fresh = true; /* rotation: a grant is never sent twice */
    return 0;
  }
  case OP_JOB:
    snprintf(url, sizeof url, "%s/v1/postings/", b);
    wire_enc(url, sizeof url, a->job_id);
    http_req_init(r, "GET", url);
    break;
  case OP_PIPELINE:
  case OP_FIND:
  case OP_APPS:
    list_url(v, op, a, url, sizeof url);
    http_req_init(r, "GET", url);
    break;
  case OP_CREATE:
  case OP_ADD_APP:
    snprintf(url, sizeof url, "%s/v1/opportunities", b);
    acting(v, op, url, sizeof url);
    http_req_init(r, "POST", url);
    wire_json_body(r, opp_body(a, op == OP_ADD_APP));
    break;
  case OP_MOVE: {
    snprintf(url, sizeof url, "%s/v1/opportunities/", b);
    wire_enc(url, sizeof url, a->application_id);
    size_t o = strlen(url);
    snprintf(url + o, sizeof url - o, "/stage");
    acting(v, op, url, sizeof url);
    http_req_init(r, "PUT", url);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "stage", a->to_stage_id ? a->to_stage_id : "");
    wire_json_body(r, body);
    break;
  }
  case OP_READ_APP:
    if (a->application_id == NULL || *a->application_id == '\0') {
      snprintf(err, errlen, "lever: reading an opportunity needs its id");
      return -1;
    }
    snprintf(url, sizeof url, "%s/v1/opportunities/", b);
    wire_enc(url, sizeof url, a->application_id);
    http_req_init(r, "GET", url);
    break;
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    if (a->page_url && *a->page_url)
      return wire_later_page(lv_build_next, v, a->page_url, r, err, errlen);
    list_url(v, op, a, url, sizeof url);
    http_req_init(r, "GET", url);
    break;
  default:
    snprintf(err, errlen, "lever: no operation %d", (int)op);
    return -1;
  }
  auth_headers(v, r);
  r->fresh = op_is_write(op);
  return 0;
}

static int lv_build_next(const struct conn_view *v, const char *url,
                         struct http_req *r)
{
  if (!wire_under_base(v->base_url, url))
    return -1; /* never hand our credentials to another host */
  http_req_init(r, "GET", url);
  auth_headers(v, r);
  return 0;
}

/* ---- reading records --------------------------------------------------------- */

static const struct stage *stage_of(const struct conn_view *v, const char *id)
{
  for (size_t i = 0; v->stages && i < v->nstages; i++)
    if (strcmp(v->stages[i].id, id) == 0)
      return &v->stages[i];
  return NULL;
}

static bool hired_reason(const struct conn_view *v, const char *reason)
{
  char id[80];
  snprintf(id, sizeof id, HIRED_PREFIX "%s", reason);
  return stage_of(v, id) != NULL;
}

static int64_t ms_of(const cJSON *o, const char *k)
{
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(t) && t->valuedouble > 0 ? (int64_t)t->valuedouble : 0;
}

/* An opportunity as a record; false when it is not one. */
static bool rd_opp(const struct conn_view *v, const cJSON *o,
                   struct ats_record *r, char *why, size_t whylen)
{
  memset(r, 0, sizeof *r);
  if (!cJSON_IsObject(o)) {
    snprintf(why, whylen, "an opportunity is not an object");
    return false;
  }
  if (sid(o, "id", r->application_id, sizeof r->application_id) != 0 ||
      sid(o, "contact", r->candidate_id, sizeof r->candidate_id) != 0) {
    snprintf(why, whylen, "an opportunity without a readable 'id' and "
             "'contact'");
    return false;
  }
  if (sid(o, "stage", r->stage_id, sizeof r->stage_id) < 0) {
    snprintf(why, whylen, "'stage' is not a stage id");
    return false;
  }
  const struct stage *st = r->stage_id[0] ? stage_of(v, r->stage_id) : NULL;
  if (st)
    wire_copy(r->stage_name, sizeof r->stage_name, st->name);
  const cJSON *arch = cJSON_GetObjectItemCaseSensitive(o, "archived");
  if (arch == NULL || cJSON_IsNull(arch)) {
    snprintf(r->status, sizeof r->status, "active");
  } else {
    char reason[64];
    if (!cJSON_IsObject(arch) ||
        sid(arch, "reason", reason, sizeof reason) < 0) {
      snprintf(why, whylen, "'archived' is not {reason, archivedAt}");
      return false;
    }
    snprintf(r->status, sizeof r->status, "%s",
             reason[0] && hired_reason(v, reason) ? "hired" : "rejected");
  }
  /* the person: "First Last" as one name, split at the last space */
  const char *name = at_json_str(o, "name");
  if (name)
    wire_split_name(name, r->first, sizeof r->first, r->last, sizeof r->last);
  const cJSON *e;
  size_t n = 0;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "emails"))
  {
    if (cJSON_IsString(e) && n < 3)
      wire_copy(r->emails[n++], sizeof r->emails[0], e->valuestring);
  }
  n = 0;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "phones"))
  {
    const char *val = at_json_str(e, "value");
    if (val && n < 3)
      wire_copy(r->phones[n++], sizeof r->phones[0], val);
  }
  r->updated = ms_of(o, "updatedAt");
  return true;
}

/* The opportunity to take from a list: an active one first, else the
 * first (the oldest: Lever lists by creation). */
static bool pick(const struct conn_view *v, const cJSON *list,
                 struct op_result *out, char *why, size_t whylen)
{
  struct ats_record best, r;
  bool have = false;
  const cJSON *o;
  cJSON_ArrayForEach(o, list)
  {
    if (!rd_opp(v, o, &r, why, whylen))
      return false;
    if (!have || (strcmp(best.status, "active") != 0 &&
                  strcmp(r.status, "active") == 0)) {
      best = r;
      have = true;
    }
  }
  if (have)
    outcome_take_record(out, &best);
  return true;
}

static bool parse_list(const struct conn_view *v, enum op op,
                       const cJSON *data, struct op_result *out, char *why,
                       size_t whylen)
{
  int n = cJSON_GetArraySize(data);
  struct ats_record *recs = outcome_recs_alloc(n, why, whylen);
  if (n > 0 && recs == NULL)
    return false;
  size_t i = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, data)
  {
    if (!rd_opp(v, o, &recs[i], why, whylen)) {
      free(recs);
      return false;
    }
    if (op == OP_CHANGED_PEOPLE) { /* the person only */
      recs[i].application_id[0] = recs[i].status[0] = '\0';
      recs[i].stage_id[0] = recs[i].stage_name[0] = '\0';
    }
    i++;
  }
  outcome_set_recs(out, recs, (size_t)n);
  return true;
}

/* The pipeline: stages, then the hired archive reasons as inactive
 * "hired:<id>" entries (see the top of the file). */
static bool parse_pipeline(const cJSON *data, struct op_result *out,
                           bool *reasons)
{
  *reasons = false;
  const cJSON *s;
  cJSON_ArrayForEach(s, data)
  {
    if (cJSON_GetObjectItemCaseSensitive(s, "type"))
      *reasons = true;
  }
  cJSON_ArrayForEach(s, data)
  {
    if (out->nstages == MAX_STAGES)
      break;
    struct stage *st = &out->stages[out->nstages];
    char id[sizeof st->id - sizeof HIRED_PREFIX];
    const char *text = at_json_str(s, "text");
    if (sid(s, "id", id, sizeof id) != 0 || text == NULL)
      return false;
    if (*reasons) {
      const char *type = at_json_str(s, "type");
      if (type == NULL || strcmp(type, "hired") != 0)
        continue;
      snprintf(st->id, sizeof st->id, HIRED_PREFIX "%s", id);
      st->active = false;
    } else {
      snprintf(st->id, sizeof st->id, "%s", id);
      st->active = true;
    }
    wire_copy(st->name, sizeof st->name, text);
    out->nstages++;
  }
  return true;
}

static bool parse_ok(const struct conn_view *v, enum op op,
                     const struct op_args *a, const cJSON *j,
                     struct op_result *out, char *why, size_t whylen)
{
  (void)a;
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(j, "data");
  struct ats_record r;
  switch (op) {
  case OP_TOKEN:
    if (!wire_take_token(j, out)) {
      snprintf(why, whylen, "no access_token");
      return false;
    }
    return true;
  case OP_JOB: {
    const char *t = at_json_str(data, "text"), *s = at_json_str(data, "state");
    if (t == NULL || s == NULL) {
      snprintf(why, whylen, "a posting without 'text' and 'state'");
      return false;
    }
    wire_copy(out->job_name, sizeof out->job_name, t);
    /* published is open; closed, draft, internal ... are not */
    snprintf(out->job_status, sizeof out->job_status, "%s",
             strcmp(s, "published") == 0 ? "open" : s);
    return true;
  }
  case OP_PIPELINE: {
    if (!cJSON_IsArray(data)) {
      snprintf(why, whylen, "'data' is not a list");
      return false;
    }
    bool reasons;
    if (!parse_pipeline(data, out, &reasons)) {
      snprintf(why, whylen, "a stage without 'id' and 'text'");
      return false;
    }
    /* after the last page of stages: the hired archive reasons */
    if (!reasons && out->next_url[0] == '\0' && out->nstages > 0)
      reasons_url(v, out->next_url, sizeof out->next_url);
    return true;
  }
  case OP_FIND:
  case OP_APPS:
    if (!cJSON_IsArray(data)) {
      snprintf(why, whylen, "'data' is not a list");
      return false;
    }
    return pick(v, data, out, why, whylen);
  case OP_CREATE:
  case OP_ADD_APP:
  case OP_MOVE:
  case OP_READ_APP:
    if (!rd_opp(v, data, &r, why, whylen))
      return false;
    outcome_take_record(out, &r);
    if (op == OP_READ_APP)
      out->rec = r;
    return true;
  case OP_CHANGED_APPS:
  case OP_CHANGED_PEOPLE:
    if (!cJSON_IsArray(data)) {
      snprintf(why, whylen, "'data' is not a list");
      return false;
    }
    return parse_list(v, op, data, out, why, whylen);
  default:
    return true;
  }
}

/* {data, hasNext, next}: the next page is the same list with offset=. */
static void next_page(const struct conn_view *v, enum op op,
                      const struct op_args *a, const cJSON *j,
                      struct op_result *out)
{
  out->next_url[0] = '\0';
  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "hasNext")))
    return;
  const char *tok = at_json_str(j, "next");
  if (tok == NULL || *tok == '\0')
    return;
  char url[2048];
  const cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
  if (op == OP_PIPELINE && cJSON_GetObjectItemCaseSensitive(d0, "type")) {
    reasons_url(v, url, sizeof url);
  } else if (a->page_url && *a->page_url) {
    /* a later page of a changes-since list: its URL less its offset */
    snprintf(url, sizeof url, "%s", a->page_url);
    char *off = strstr(url, "&offset=");
    if (off)
      *off = '\0';
  } else {
    list_url(v, op, a, url, sizeof url);
  }
  wire_add_q(url, sizeof url, "offset", tok);
  snprintf(out->next_url, sizeof out->next_url, "%s", url);
}

/* Lever's error message: {"code", "message"} or {"message"}. */
static const char *message(const cJSON *j)
{
  const char *m = at_json_str(j, "message");
  return m ? m : "";
}

/* "Invalid value for phones: ..." -> "phones" */
static bool value_field(const char *m, char *out, size_t len)
{
  static const char pre[] = "Invalid value for ";
  if (strncmp(m, pre, sizeof pre - 1) != 0)
    return false;
  const char *f = m + sizeof pre - 1, *colon = strchr(f, ':');
  size_t n = colon ? (size_t)(colon - f) : strlen(f);
  if (n == 0 || n >= len)
    return false;
  memcpy(out, f, n);
  out[n] = '\0';
  return true;
}

static void refusal(enum op op, const char *m, struct op_result *out)
{
  char f[96];
  if (strstr(m, "perform_as")) {
    /* no acting user, or one Lever does not know: a setting of the
     * connection, not the candidate's data */
    out->outcome = OUT_PERMISSION;
    snprintf(out->what, sizeof out->what, "the acting user (perform_as: %s)",
             m);
  } else if (strncmp(m, "Invalid posting", 15) == 0 ||
             strncmp(m, "Posting ", 8) == 0) {
    snprintf(out->what, sizeof out->what, "job_id (%s)", m);
  } else if (strncmp(m, "Invalid stage", 13) == 0) {
    snprintf(out->what, sizeof out->what, "stage");
  } else if (value_field(m, f, sizeof f)) {
    if (strcmp(f, "postings") == 0)
      snprintf(out->what, sizeof out->what, "job_id (%s)", m);
    else if (strcmp(f, "stage") == 0)
      snprintf(out->what, sizeof out->what, "stage");
    else
      snprintf(out->what, sizeof out->what, "%s", f);
  } else if (op == OP_MOVE && strstr(m, "archived")) {
    snprintf(out->what, sizeof out->what, "the opportunity is archived");
  } else {
    snprintf(out->what, sizeof out->what, "%s", m[0] ? m : "refused");
  }
}

static void lv_parse(const struct conn_view *v, enum op op,
                     const struct op_args *a, const struct http_resp *r,
                     int64_t now, struct op_result *out)
{
  outcome_classify(op, r, now, 3600 * 1000, out);
  if (r->status == 0)
    return;
  cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
  if (out->outcome == OUT_OK) {
    char why[160] = "";
    if (j && (op == OP_PIPELINE || op == OP_FIND || op == OP_APPS ||
              op == OP_CHANGED_APPS || op == OP_CHANGED_PEOPLE))
      next_page(v, op, a, j, out);
    if (j == NULL || !cJSON_IsObject(j) ||
        !parse_ok(v, op, a, j, out, why, sizeof why))
      outcome_malformed(op, why, out);
    cJSON_Delete(j);
    return;
  }
  const char *m = message(j);
  if (wire_token_refused(op, r, j, "", out)) {
    /* Auth0: 403 invalid_grant, 401 access_denied ... the grant is gone */
  } else if (out->outcome == OUT_PERMISSION) {
    const char *p = strstr(m, "the permission ");
    const char *s = strstr(m, "scope: ");
    if (p)
      snprintf(out->what, sizeof out->what, "the API key permission '%s'",
               p + 15);
    else if (s)
      snprintf(out->what, sizeof out->what, "the scope %s", s + 7);
    else if (strstr(m, "perform_as"))
      snprintf(out->what, sizeof out->what, "the acting user (%s)", m);
    else
      snprintf(out->what, sizeof out->what, "access (%s)", m);
  } else if (out->outcome == OUT_INVALID) {
    refusal(op, m, out);
  } else if (out->outcome == OUT_AUTH) {
    snprintf(out->what, sizeof out->what, "%s", m[0] ? m : "unauthorized");
  }
  cJSON_Delete(j);
}

/* ---- webhooks ------------------------------------------------------------------ */

/* The signature is inside the body: signature = hex(HMAC-SHA256(the
 * webhook's signature token, token + triggeredAt)), triggeredAt as the
 * decimal milliseconds sent ([LV-DOCS#webhooks]). */
static enum sig_result lv_event_verify(const char *secret,
                                       const struct webhook_req *r)
{
  cJSON *j = wire_event_json(r, NULL, 0, NULL);
  if (j == NULL || !cJSON_IsObject(j)) {
    cJSON_Delete(j);
    return SIG_MISSING; /* no body to hold a signature */
  }
  const cJSON *sig = cJSON_GetObjectItemCaseSensitive(j, "signature");
  const cJSON *tok = cJSON_GetObjectItemCaseSensitive(j, "token");
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(j, "triggeredAt");
  enum sig_result res;
  if (sig == NULL || cJSON_IsNull(sig)) {
    res = SIG_MISSING;
  } else if (!cJSON_IsString(sig) || !cJSON_IsString(tok) ||
             !cJSON_IsNumber(at) || at->valuedouble < 0 ||
             at->valuedouble > 9007199254740992.0 ||
             at->valuedouble != (double)(int64_t)at->valuedouble ||
             strlen(tok->valuestring) > 256) {
    res = SIG_MALFORMED;
  } else {
    char msg[300];
    int n = snprintf(msg, sizeof msg, "%s%lld", tok->valuestring,
                     (long long)at->valuedouble);
    res = wire_sig_keyed(
        hmac_sha256_hex_check(secret, msg, (size_t)n, sig->valuestring),
        secret);
  }
  cJSON_Delete(j);
  return res;
}

static int lv_event_parse(const struct webhook_req *r, struct ats_event *out,
                          char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  cJSON *j = wire_event_json(r, NULL, 0, NULL);
  int rc = -1;
  if (j == NULL || !cJSON_IsObject(j)) {
    snprintf(err, errlen, "webhook payload: not a JSON object");
    goto out;
  }
  const char *ev = at_json_str(j, "event");
  if (ev == NULL || *ev == '\0') {
    snprintf(err, errlen, "webhook payload: 'event' is missing");
    goto out;
  }
  wire_copy(out->action, sizeof out->action, ev);
  out->at = ms_of(j, "triggeredAt");
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
  if (d != NULL && !cJSON_IsNull(d) && !cJSON_IsObject(d)) {
    snprintf(err, errlen, "webhook payload: 'data' is not an object");
    goto out;
  }
  char opp[64], contact[64];
  int ro = sid(d, "opportunityId", opp, sizeof opp);
  if (ro == 1)
    ro = sid(d, "candidateId", opp, sizeof opp); /* the legacy alias */
  int rcnt = sid(d, "contactId", contact, sizeof contact);
  if (ro < 0 || rcnt < 0) {
    snprintf(err, errlen, "webhook payload: 'data.%s' is not an id",
             ro < 0 ? "opportunityId" : "contactId");
    goto out;
  }
  rc = 0;
  if (ro == 1 && rcnt == 1) { /* a connection test: no ids */
    out->kind = EV_PING;
    goto out;
  }
  static const char *const app_events[] = {
      "applicationCreated", "candidateStageChange", "candidateArchiveChange",
      "candidateHired", "candidateDeleted", NULL};
  bool app = false;
  for (const char *const *e = app_events; *e; e++)
    app |= strcmp(*e, ev) == 0;
  if (app && ro == 0) {
    /* what the opportunity shows is read, never what the event claims
     * (a merge's candidateDeleted too: the opportunity moved) */
    out->kind = EV_APPLICATION;
    snprintf(out->rec.application_id, sizeof out->rec.application_id, "%s",
             opp);
    snprintf(out->rec.candidate_id, sizeof out->rec.candidate_id, "%s",
             contact);
  } else if (strcmp(ev, "contactUpdated") == 0 && rcnt == 0) {
    out->kind = EV_CANDIDATE;
    snprintf(out->rec.candidate_id, sizeof out->rec.candidate_id, "%s",
             contact);
  } else {
    out->kind = EV_OTHER; /* interviews, contactCreated ... */
  }
out:
  cJSON_Delete(j);
  return rc;
}

/* ---- what the core asks ------------------------------------------------------------ */

static const char *lv_field_label(const char *what)
{
  static const struct wire_label labels[] = {
      {"phones", "phone"},    {"emails", "email"},   {"sources", "Source"},
      {"name", "name"},       {"headline", "title"}, {"stage", "stage"},
      {"postings", "job"},    {"location", "location"},
  };
  return wire_label(labels, sizeof labels / sizeof *labels, what);
}

/* Every write acts as a Lever user (perform_as): an API key needs one. */
static int lv_check_credentials(const struct atsync_credentials *cr,
                                char *err, size_t errlen)
{
  if (cr->auth == ATSYNC_AUTH_CLIENT_CREDENTIALS) {
    snprintf(err, errlen, "Lever has no client-credentials grant: connect "
             "with an API key and a perform_as user, or with OAuth");
    return -1;
  }
  const char *u = cr->on_behalf_of;
  if (cr->auth == ATSYNC_AUTH_API_KEY && (u == NULL || *u == '\0')) {
    snprintf(err, errlen, "a Lever API key needs the key and the Lever user "
             "id that writes act as (perform_as)");
    return -1;
  }
  for (const char *p = u; p && *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-') {
      snprintf(err, errlen, "perform_as must be a Lever user id (a UUID), "
               "not '%s'", u);
      return -1;
    }
  return 0;
}

static const char *lv_auth_name(enum atsync_auth a)
{
  return a == ATSYNC_AUTH_API_KEY       ? "Lever API key"
         : a == ATSYNC_AUTH_OAUTH_CODE ? "OAuth authorization code"
                                       : "OAuth client credentials";
}

static void lv_auth_failed(enum atsync_auth a, const char *words, int64_t now,
                           char *msg, size_t len)
{
  (void)now;
  if (a == ATSYNC_AUTH_API_KEY)
    snprintf(msg, len, "Sync failed: Lever rejected the API key (%s). The "
             "integration is disconnected: the key was deleted or revoked in "
             "Lever (Settings > Integrations and API > API Credentials). "
             "Reconnect in Settings > Integrations with a new key.", words);
  else
    snprintf(msg, len, "Sync failed: Lever no longer accepts these "
             "credentials (%s). The integration is disconnected: the "
             "authorization was revoked in Lever or has lapsed; reconnect it "
             "in Settings > Integrations (a Lever Super Admin approves "
             "it).", words);
}

const struct connector connector_lever = {
    .name = "lever",
    .display = "Lever",
    .window = lv_window,
    .default_limit = lv_default_limit,
    .build = lv_build,
    .parse = lv_parse,
    .build_next = lv_build_next,
    .event_verify = lv_event_verify,
    .event_parse = lv_event_parse,
    .field_label = lv_field_label,
    .check_credentials = lv_check_credentials,
    .auth_name = lv_auth_name,
    .auth_failed = lv_auth_failed,
    .key_permission_fix = "Lever > Settings > Integrations and API > API "
                          "Credentials, edit the integration's key and tick "
                          "it",
    /* Lever's refresh-token lifetime is not documented (the fake: 365 d,
     * rotating): not refreshed for idleness */
    .refresh_ttl_ms = 0,
    .create_person_only = false,
    /* Auth0's endpoint (auth.lever.co/oauth/token: with the sim, one base) */
    .token_path = "/oauth/token",
};
