/* outcome.c — names of outcomes and operations, and the classification
 * every connector starts from: transport errors and HTTP status classes.
 * Connectors refine it with what their ATS says in the body. */
#include "connector.h"
#include "outcome.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const outcome_names[] = {
    "ok", "transient", "auth", "permission", "invalid", "not_found", "exists",
    "unknown"};

const char *outcome_name(enum outcome o) { return outcome_names[o]; }

static const char *const op_names[] = {
    "token", "job", "pipeline", "find", "applications", "create",
    "add application", "move", "update person", "read application",
    "changed applications", "changed people"};
/* a new op without a name fails the build, not a log line at run time */
_Static_assert(sizeof op_names / sizeof *op_names == OP__COUNT,
               "op_names: one name per enum op");

const char *op_name(enum op o)
{
  return (unsigned)o < OP__COUNT ? op_names[o] : "?";
}

static const char *const sig_names[] = {"ok", "missing", "malformed",
                                        "mismatch"};
_Static_assert(sizeof sig_names / sizeof *sig_names == SIG_MISMATCH + 1,
               "sig_names: one name per enum sig_result");

const char *sig_result_name(enum sig_result r)
{
  return (unsigned)r <= SIG_MISMATCH ? sig_names[r] : "?";
}

bool op_is_write(enum op o)
{
  return o == OP_CREATE || o == OP_ADD_APP || o == OP_MOVE ||
         o == OP_UPDATE_PERSON;
}

/* A body excerpt on one line: control characters become spaces, and an
 * HTML page (a proxy's or a maintenance page) is reduced to its text. */
static void excerpt(char *dst, size_t len, const char *body)
{
  size_t o = 0;
  bool html = body && body[0] == '<', in_tag = false, space = false;
  for (const char *p = body; p && *p && o + 4 < len; p++) {
    char ch = isprint((unsigned char)*p) ? *p : ' ';
    if (html) {
      if (ch == '<') {
        in_tag = true;
        ch = ' ';
      } else if (in_tag) {
        in_tag = ch != '>';
        continue;
      }
      if (ch == ' ' && (space || o == 0))
        continue;
      space = ch == ' ';
    }
    dst[o++] = ch;
  }
  while (o > 0 && dst[o - 1] == ' ')
    o--;
  if (body && strlen(body) > o && o > 3 && !html)
    memcpy(dst + o - 3, "...", 3);
  dst[o] = '\0';
}

static const char *curl_words(int rc)
{
  switch (rc) {
  case CURLE_COULDNT_CONNECT: return "connection refused";
  case CURLE_COULDNT_RESOLVE_HOST: return "host not found";
  case CURLE_OPERATION_TIMEDOUT: return "no answer before the deadline";
  case CURLE_GOT_NOTHING: return "connection closed without an answer";
  case CURLE_PARTIAL_FILE: return "answer cut off mid-way";
  case CURLE_RECV_ERROR: return "connection reset";
  case CURLE_SEND_ERROR: return "connection reset while sending";
  case CURLE_WRITE_ERROR: return "answer larger than atsync accepts";
  default: return curl_easy_strerror((CURLcode)rc);
  }
}

int outcome_id_cmp(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  return la != lb ? (la < lb ? -1 : 1) : strcmp(a, b);
}

void outcome_result_free(struct op_result *r)
{
  if (r == NULL)
    return;
  free(r->recs);
  r->recs = NULL;
  r->nrecs = 0;
}

/* Append copies of a page's records (a list read page by page). On
 * allocation failure the records so far stay and the page's are dropped:
 * the caller sees fewer records, never a dangling pointer. */
static void append_recs(struct op_result *acc, const struct op_result *page)
{
  if (page->nrecs == 0)
    return;
  struct ats_record *v =
      realloc(acc->recs, (acc->nrecs + page->nrecs) * sizeof *v);
  if (v == NULL)
    return;
  memcpy(v + acc->nrecs, page->recs, page->nrecs * sizeof *v);
  acc->recs = v;
  acc->nrecs += page->nrecs;
}

void outcome_merge_page(enum op op, struct op_result *acc,
                        const struct op_result *page)
{
  snprintf(acc->next_url, sizeof acc->next_url, "%s", page->next_url);
  acc->rl_limit = page->rl_limit;
  acc->rl_remaining = page->rl_remaining;
  acc->rl_reset = page->rl_reset;
  if (op == OP_CHANGED_APPS || op == OP_CHANGED_PEOPLE) {
    append_recs(acc, page);
    return;
  }
  if (op == OP_PIPELINE) {
    for (size_t i = 0; i < page->nstages && acc->nstages < MAX_STAGES; i++)
      acc->stages[acc->nstages++] = page->stages[i];
    return;
  }
  if (op == OP_FIND && page->candidate_id[0] &&
      (!acc->candidate_id[0] ||
       outcome_id_cmp(page->candidate_id, acc->candidate_id) < 0)) {
    /* the oldest person wins, with what the page knew of its application */
    snprintf(acc->candidate_id, sizeof acc->candidate_id, "%s",
             page->candidate_id);
    memcpy(acc->application_id, page->application_id,
           sizeof acc->application_id);
    memcpy(acc->app_status, page->app_status, sizeof acc->app_status);
    memcpy(acc->stage_id, page->stage_id, sizeof acc->stage_id);
    memcpy(acc->stage_name, page->stage_name, sizeof acc->stage_name);
  }
  if (op == OP_APPS && page->application_id[0] &&
      (!acc->application_id[0] || (strcmp(acc->app_status, "active") != 0 &&
                                   strcmp(page->app_status, "active") == 0))) {
    memcpy(acc->application_id, page->application_id,
           sizeof acc->application_id);
    memcpy(acc->app_status, page->app_status, sizeof acc->app_status);
    memcpy(acc->stage_id, page->stage_id, sizeof acc->stage_id);
    memcpy(acc->stage_name, page->stage_name, sizeof acc->stage_name);
  }
}

void outcome_classify(enum op op, const struct http_resp *r, int64_t now,
                      int64_t retry_cap, struct op_result *out)
{
  bool write = op_is_write(op);
  if (r->status == 0) {
    snprintf(out->words, sizeof out->words, "%s", curl_words(r->curl_rc));
    /* no answer, no rate-limit headers: say nothing about the budget */
    out->rl_limit = out->rl_remaining = -1;
    out->rl_reset = 0;
    /* nothing sent: known not applied; otherwise a write may have been */
    out->outcome = write && r->sent ? OUT_UNKNOWN : OUT_TRANSIENT;
    return;
  }
  char ex[300];
  excerpt(ex, sizeof ex, r->body);
  snprintf(out->words, sizeof out->words, "%ld %s", r->status, ex);
  out->rl_limit = r->rl_limit[0] ? atoi(r->rl_limit) : -1;
  out->rl_remaining = r->rl_remaining[0] ? atoi(r->rl_remaining) : -1;
  out->rl_reset = ratelimit_reset_ms(r->rl_reset, now);
  long s = r->status;
  if (s >= 200 && s < 300) {
    out->outcome = OUT_OK;
  } else if (s == 429) {
    out->outcome = OUT_TRANSIENT;
    out->throttled = true;
    int64_t ra = retry_after_ms(r->retry_after, now, retry_cap);
    int64_t at = ra >= 0 ? now + ra : 0;
    if (out->rl_reset > at && out->rl_reset - now <= retry_cap)
      at = out->rl_reset; /* the longer of the two wins */
    out->retry_at = at;
  } else if (s == 401) {
    out->outcome = OUT_AUTH;
  } else if (s == 403) {
    out->outcome = OUT_PERMISSION;
  } else if (s == 404 || s == 410) {
    out->outcome = OUT_NOT_FOUND;
  } else if (s == 409) {
    out->outcome = OUT_EXISTS;
  } else if (s == 408 || s >= 500) {
    out->outcome = write ? OUT_UNKNOWN : OUT_TRANSIENT;
    int64_t ra = retry_after_ms(r->retry_after, now, retry_cap);
    if (ra >= 0)
      out->retry_at = now + ra;
  } else {
    out->outcome = OUT_INVALID;
  }
}

/* ---- helpers for connectors reading an answer ---------------------------- */

void outcome_malformed(enum op op, const char *why, struct op_result *out)
{
  out->outcome = op_is_write(op) ? OUT_UNKNOWN : OUT_TRANSIENT;
  out->next_url[0] = '\0'; /* a page we could not read: no next */
  outcome_result_free(out);
  snprintf(out->what, sizeof out->what, "malformed answer%s%s",
           why && why[0] ? ": " : "", why ? why : "");
}

void outcome_take_record(struct op_result *out, const struct ats_record *r)
{
  snprintf(out->application_id, sizeof out->application_id, "%s",
           r->application_id);
  snprintf(out->candidate_id, sizeof out->candidate_id, "%s", r->candidate_id);
  snprintf(out->app_status, sizeof out->app_status, "%s", r->status);
  snprintf(out->stage_id, sizeof out->stage_id, "%s", r->stage_id);
  snprintf(out->stage_name, sizeof out->stage_name, "%s", r->stage_name);
}

struct ats_record *outcome_recs_alloc(int n, char *why, size_t whylen)
{
  if (n <= 0)
    return NULL;
  struct ats_record *recs = calloc((size_t)n, sizeof *recs);
  if (recs == NULL)
    snprintf(why, whylen, "out of memory for %d records", n);
  return recs;
}

void outcome_set_recs(struct op_result *out, struct ats_record *recs,
                      size_t n)
{
  outcome_result_free(out);
  out->recs = recs;
  out->nrecs = n;
}

void outcome_sort_stages(struct stage *st, int *order, size_t n)
{
  /* insertion sort: stable, and a pipeline is short (MAX_STAGES) */
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && order[k - 1] > order[k]; k--) {
      struct stage t = st[k];
      st[k] = st[k - 1];
      st[k - 1] = t;
      int o = order[k];
      order[k] = order[k - 1];
      order[k - 1] = o;
    }
}
