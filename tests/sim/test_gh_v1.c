/* test_gh_v1.c — Greenhouse Harvest v1 over HTTP: every v1 route the sim
 * serves (jobs, stages, users, candidates, applications and their state
 * changes, sources, rejection reasons), the headers every answer carries,
 * authentication and authorization, and what bad input gets. Each test
 * builds a fresh sim on a virtual clock (setup/teardown). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simfx.h"

#define OBO "4000001" /* the empty (and seeded) org's admin */

/* ==== fixtures ============================================================ */

static int setup_empty(void **state)
{
  struct simfx_opts o = {.seeded = false};
  *state = simfx_new(&o);
  return 0;
}

static int setup_seeded(void **state)
{
  struct simfx_opts o = {.seeded = true};
  *state = simfx_new(&o);
  return 0;
}

/* The vendor default rate limit (50 per rolling 10 s). */
static int setup_ratelimited(void **state)
{
  struct simfx_opts o = {.seeded = true, .rate_limit = -1};
  *state = simfx_new(&o);
  return 0;
}

static int teardown(void **state)
{
  simfx_free(*state);
  return 0;
}

/* ==== assertion helpers (messages with context, not cmocka's hex) ========= */

static void status_is(const struct tc_resp *r, long want, int line)
{
  if (r->status != want)
    fail_msg("line %d: HTTP %ld, want %ld (curl rc %d); body: %.500s", line,
             r->status, want, r->curl_rc, r->body ? r->body : "(none)");
}
#define STATUS_IS(r, want) status_is(&(r), (want), __LINE__)

static void contains(const char *hay, const char *needle, int line)
{
  if (hay == NULL || strstr(hay, needle) == NULL)
    fail_msg("line %d: '%s' not found in: %.600s", line, needle,
             hay ? hay : "(null)");
}
#define CONTAINS(hay, needle) contains((hay), (needle), __LINE__)

static void not_contains(const char *hay, const char *needle, int line)
{
  if (hay != NULL && strstr(hay, needle) != NULL)
    fail_msg("line %d: '%s' unexpectedly found in: %.600s", line, needle, hay);
}
#define NOT_CONTAINS(hay, needle) not_contains((hay), (needle), __LINE__)

static void str_is(const char *got, const char *want, int line)
{
  if (got == NULL || strcmp(got, want) != 0)
    fail_msg("line %d: got '%s', want '%s'", line, got ? got : "(null)",
             want);
}
#define STR_IS(got, want) str_is((got), (want), __LINE__)

static void int_is(long long got, long long want, const char *what, int line)
{
  if (got != want)
    fail_msg("line %d: %s is %lld, want %lld", line, what, got, want);
}
#define INT_IS(got, want, what) int_is((long long)(got), (long long)(want), (what), __LINE__)

/* A member of an object (fails when absent). */
static const cJSON *mem(const cJSON *o, const char *k, int line)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (v == NULL) {
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    fail_msg("line %d: member '%s' missing in %.500s", line, k,
             s ? s : "(null)");
  }
  return v;
}
#define MEM(o, k) mem((o), (k), __LINE__)

/* An integer, read exactly (numbers from a response, raw literals from an
 * action result). */
static int64_t num(const cJSON *v, int line)
{
  if (cJSON_IsRaw(v))
    return strtoll(v->valuestring, NULL, 10);
  if (cJSON_IsNumber(v))
    return (int64_t)v->valuedouble;
  char *s = v ? cJSON_PrintUnformatted(v) : NULL;
  fail_msg("line %d: not a number: %s", line, s ? s : "(missing)");
  return -1;
}
#define NUM(v) num((v), __LINE__)
#define ID(o, k) num(mem((o), (k), __LINE__), __LINE__)

static const char *str(const cJSON *v, int line)
{
  if (!cJSON_IsString(v)) {
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    fail_msg("line %d: not a string: %s", line, s ? s : "(missing)");
  }
  return v->valuestring;
}
#define STR(o, k) str(mem((o), (k), __LINE__), __LINE__)

static void is_null(const cJSON *v, const char *what, int line)
{
  if (!cJSON_IsNull(v)) {
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    fail_msg("line %d: %s should be null, is %s", line, what,
             s ? s : "(missing)");
  }
}
#define IS_NULL(o, k) is_null(mem((o), (k), __LINE__), (k), __LINE__)

static int size(const cJSON *a, int line)
{
  if (!cJSON_IsArray(a)) {
    char *s = a ? cJSON_PrintUnformatted(a) : NULL;
    fail_msg("line %d: not an array: %.300s", line, s ? s : "(missing)");
  }
  return cJSON_GetArraySize(a);
}
#define SIZE(a) size((a), __LINE__)

/* A v1 request expecting 'want'; returns the parsed body (caller frees). */
static cJSON *v1_at(struct simfx *f, const char *method, const char *path,
                    const char *body, const char *obo, long want, int line)
{
  struct tc_resp r = fx_v1(f, method, path, body, obo);
  if (r.status != want)
    fail_msg("line %d: %s %s: HTTP %ld, want %ld; body: %.500s", line, method,
             path, r.status, want, r.body ? r.body : "(none)");
  cJSON *j = cJSON_Parse(r.body);
  if (j == NULL)
    fail_msg("line %d: %s %s: body is not JSON: %.300s", line, method, path,
             r.body);
  tc_free(&r);
  return j;
}
#define V1(f, m, p, b, obo, want) v1_at((f), (m), (p), (b), (obo), (want), __LINE__)

/* Does errors[] carry an entry for 'field'? */
static void error_field(const cJSON *body, const char *field, int line)
{
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(body, "errors");
  const cJSON *e;
  cJSON_ArrayForEach(e, errs)
  {
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(e, "field");
    if (cJSON_IsString(fl) && strcmp(fl->valuestring, field) == 0)
      return;
  }
  char *s = cJSON_PrintUnformatted(body);
  fail_msg("line %d: no error names field '%s': %.500s", line, field, s);
}
#define ERROR_FIELD(b, fld) error_field((b), (fld), __LINE__)

/* The first errors[].message ({"errors":[{"message":...}]}). */
static const char *error_message(const cJSON *body, int line)
{
  const cJSON *errs = cJSON_GetObjectItemCaseSensitive(body, "errors");
  const cJSON *e = cJSON_GetArrayItem(errs, 0);
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
  if (!cJSON_IsString(m)) {
    char *s = cJSON_PrintUnformatted(body);
    fail_msg("line %d: no errors[0].message in %.500s", line, s);
  }
  return m->valuestring;
}
#define ERROR_MESSAGE(b) error_message((b), __LINE__)

static const char *header(const struct tc_resp *r, const char *name,
                          char *buf, size_t len, int line)
{
  if (tc_header(r, name, buf, len) == NULL)
    fail_msg("line %d: header %s missing; headers:\n%s", line, name,
             r->headers);
  return buf;
}
#define HEADER(r, name, buf) header(&(r), (name), (buf), sizeof(buf), __LINE__)

/* ==== data helpers ========================================================= */

struct job {
  int64_t id;
  int64_t stage[8];
  int nstages;
};

/* add_job through the admin action; kv as for fx_action. */
static struct job add_job(struct simfx *f, const char *kv)
{
  struct job j = {0};
  cJSON *r = fx_action(f, "add_job", kv);
  j.id = ID(r, "id");
  const cJSON *s;
  cJSON_ArrayForEach(s, MEM(r, "stage_ids"))
  {
    if (j.nstages < 8)
      j.stage[j.nstages++] = NUM(s);
  }
  cJSON_Delete(r);
  return j;
}

static struct job backend_job(struct simfx *f)
{
  return add_job(f, "name=Backend~Engineer "
                    "stages=Application~Review|Phone~Screen|Onsite");
}

struct cand {
  int64_t id, app;
};

/* add_candidate through the admin action (email/job optional). */
static struct cand add_cand(struct simfx *f, const char *first,
                            const char *email, int64_t job)
{
  char kv[256];
  int o = snprintf(kv, sizeof kv, "first_name=%s last_name=Test", first);
  if (email)
    o += snprintf(kv + o, sizeof kv - (size_t)o, " email=%s", email);
  if (job)
    snprintf(kv + o, sizeof kv - (size_t)o, " job=%lld", (long long)job);
  cJSON *r = fx_action(f, "add_candidate", kv);
  struct cand c = {ID(r, "id"), 0};
  if (job)
    c.app = ID(r, "application_id");
  cJSON_Delete(r);
  return c;
}

static void iso(int64_t ms, char *buf)
{
  at_time_iso8601(ms, true, buf);
}

static int64_t now(struct simfx *f) { return at_loop_now(f->loop); }

/* Is 'id' the id of an element of array 'a' (exactly 'times' times)? */
static int count_id(const cJSON *a, int64_t id)
{
  int n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "id");
    if (v == NULL)
      v = e; /* a bare id */
    if (cJSON_IsNumber(v) && (int64_t)v->valuedouble == id)
      n++;
  }
  return n;
}

/* ==== Link header ========================================================== */

/* The URL of rel="name" in a Link header into out; false when absent. */
static bool link_rel(const char *link, const char *rel, char *out, size_t len)
{
  char want[40];
  snprintf(want, sizeof want, "rel=\"%s\"", rel);
  for (const char *p = strchr(link, '<'); p; p = strchr(p + 1, '<')) {
    const char *e = strchr(p, '>');
    if (e == NULL)
      return false;
    const char *next = strchr(e, '<');
    const char *r = strstr(e, want);
    if (r && (next == NULL || r < next)) {
      size_t n = (size_t)(e - p - 1);
      if (n >= len)
        n = len - 1;
      memcpy(out, p + 1, n);
      out[n] = '\0';
      return true;
    }
  }
  return false;
}

/* A query parameter of a URL as a number (-1 when absent). */
static long url_param(const char *url, const char *k)
{
  char pat[40];
  const char *q = strchr(url, '?');
  if (q == NULL)
    return -1;
  for (const char *p = q; p; p = strchr(p + 1, '&')) {
    snprintf(pat, sizeof pat, "%s=", k);
    if (strncmp(p + 1, pat, strlen(pat)) == 0)
      return strtol(p + 1 + strlen(pat), NULL, 10);
  }
  return -1;
}

/* Walk a v1 list from 'path' by following rel="next" until it is absent.
 * Checks on every page: at most 'per' items; rel="last" is page 'pages';
 * rel="prev" is the previous page (absent on page 1); rel="next" is the
 * following page (absent on the last); the links keep per_page and point at
 * this server. Collects the item ids into ids; returns the page count. */
static int walk(struct simfx *f, const char *path, long per, long pages,
                int64_t *ids, size_t max, size_t *n)
{
  char cur[1024], url[2048], link[4096];
  snprintf(cur, sizeof cur, "%s", path);
  *n = 0;
  for (long page = 1;; page++) {
    if (page > pages)
      fail_msg("walk %s: more than %ld pages (at %s)", path, pages, cur);
    struct tc_resp r = fx_v1(f, "GET", cur, NULL, NULL);
    STATUS_IS(r, 200);
    cJSON *a = fx_json(&r);
    if (SIZE(a) > per || SIZE(a) == 0)
      fail_msg("walk %s: page %ld has %d items (per_page %ld)", path, page,
               SIZE(a), per);
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
      if (*n < max)
        ids[(*n)++] = ID(e, "id");
    }
    cJSON_Delete(a);
    bool have_link = tc_header(&r, "Link", link, sizeof link) != NULL;
    if (pages == 1) {
      if (have_link)
        fail_msg("walk %s: one page but a Link header: %s", path, link);
      tc_free(&r);
      return 1;
    }
    if (!have_link)
      fail_msg("walk %s: page %ld of %ld has no Link header", path, page,
               pages);
    tc_free(&r);
    if (!link_rel(link, "last", url, sizeof url))
      fail_msg("page %ld: no rel=\"last\" in %s", page, link);
    if (url_param(url, "page") != pages || url_param(url, "per_page") != per)
      fail_msg("page %ld: rel=\"last\" is %s, want page=%ld per_page=%ld",
               page, url, pages, per);
    bool prev = link_rel(link, "prev", url, sizeof url);
    if (page == 1 && prev)
      fail_msg("page 1 has a rel=\"prev\": %s", link);
    if (page > 1 && (!prev || url_param(url, "page") != page - 1 ||
                     url_param(url, "per_page") != per))
      fail_msg("page %ld: rel=\"prev\" wrong or missing in %s", page, link);
    if (!link_rel(link, "next", url, sizeof url)) {
      if (page != pages)
        fail_msg("page %ld of %ld: no rel=\"next\" in %s", page, pages, link);
      return (int)page;
    }
    if (page == pages)
      fail_msg("last page %ld still has rel=\"next\": %s", page, link);
    if (url_param(url, "page") != page + 1 || url_param(url, "per_page") != per)
      fail_msg("page %ld: rel=\"next\" is %s", page, url);
    size_t bl = strlen(f->base);
    if (strncmp(url, f->base, bl) != 0)
      fail_msg("rel=\"next\" %s does not point at %s", url, f->base);
    snprintf(cur, sizeof cur, "%s", url + bl);
  }
}

/* Every id in want[] seen exactly once in got[], and nothing else. */
static void each_once(const int64_t *got, size_t ngot, const int64_t *want,
                      size_t nwant)
{
  if (ngot != nwant)
    fail_msg("saw %zu items, want %zu", ngot, nwant);
  for (size_t i = 0; i < nwant; i++) {
    size_t c = 0;
    for (size_t k = 0; k < ngot; k++)
      c += got[k] == want[i];
    if (c != 1)
      fail_msg("id %lld seen %zu times", (long long)want[i], c);
  }
}

/* ==== GET /v1/jobs ============================================================ */

static void test_jobs_list_status_filter(void **state)
{
  struct simfx *f = *state;
  cJSON *a = V1(f, "GET", "/v1/jobs", NULL, NULL, 200);
  INT_IS(SIZE(a), 5, "jobs");
  for (int i = 0; i < 5; i++) /* ascending ids */
    INT_IS(ID(cJSON_GetArrayItem(a, i), "id"), 4100001 + i, "job id");
  const cJSON *j = cJSON_GetArrayItem(a, 0);
  STR_IS(STR(j, "name"), "Backend Engineer");
  STR_IS(STR(j, "status"), "open");
  IS_NULL(j, "closed_at");
  STR_IS(STR(cJSON_GetArrayItem(MEM(j, "departments"), 0), "name"),
         "Engineering");
  INT_IS(SIZE(MEM(j, "openings")), 1, "openings");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/jobs?status=open", NULL, NULL, 200);
  INT_IS(SIZE(a), 3, "open jobs");
  const cJSON *e;
  cJSON_ArrayForEach(e, a) STR_IS(STR(e, "status"), "open");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/jobs?status=closed", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "closed jobs");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), 4100004, "closed job");
  if (cJSON_IsNull(MEM(cJSON_GetArrayItem(a, 0), "closed_at")))
    fail_msg("a closed job has closed_at null");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/jobs?status=draft", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "draft jobs");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), 4100005, "draft job");
  IS_NULL(cJSON_GetArrayItem(a, 0), "opened_at");
  cJSON_Delete(a);
}

static void test_jobs_pages_walk(void **state)
{
  struct simfx *f = *state;
  int64_t ids[16], want[5];
  size_t n;
  for (int i = 0; i < 5; i++)
    want[i] = 4100001 + i;
  INT_IS(walk(f, "/v1/jobs?per_page=2", 2, 3, ids, 16, &n), 3, "pages");
  each_once(ids, n, want, 5);
  INT_IS(walk(f, "/v1/jobs?per_page=1", 1, 5, ids, 16, &n), 5, "pages");
  each_once(ids, n, want, 5);
  INT_IS(walk(f, "/v1/jobs", 100, 1, ids, 16, &n), 1, "pages");
  each_once(ids, n, want, 5);

  /* the links keep the other filters */
  struct tc_resp r = fx_v1(f, "GET", "/v1/jobs?status=open&per_page=1", NULL,
                           NULL);
  STATUS_IS(r, 200);
  char link[2048], url[1024];
  HEADER(r, "Link", link);
  tc_free(&r);
  if (!link_rel(link, "next", url, sizeof url))
    fail_msg("no rel=\"next\": %s", link);
  CONTAINS(url, "status=open");
  int64_t open[3] = {4100001, 4100002, 4100003};
  INT_IS(walk(f, "/v1/jobs?status=open&per_page=1", 1, 3, ids, 16, &n), 3,
         "open pages");
  each_once(ids, n, open, 3);

  /* explicit page 2 of 3 and a page past the end */
  cJSON *a = V1(f, "GET", "/v1/jobs?per_page=2&page=2", NULL, NULL, 200);
  INT_IS(SIZE(a), 2, "page 2");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), 4100003, "page 2 first");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/jobs?per_page=2&page=9", NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "page past the end");
  cJSON_Delete(a);
}

/* ==== GET /v1/jobs/{id}, /stages ============================================ */

static void test_job_get_and_404(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  char path[128];
  snprintf(path, sizeof path, "/v1/jobs/%lld", (long long)j.id);
  cJSON *o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(ID(o, "id"), j.id, "job id");
  STR_IS(STR(o, "name"), "Backend Engineer");
  STR_IS(STR(o, "status"), "open");
  IS_NULL(o, "notes");
  cJSON_Delete(o);

  o = V1(f, "GET", "/v1/jobs/999", NULL, NULL, 404);
  STR_IS(STR(o, "message"), "Resource not found");
  cJSON_Delete(o);

  /* a deleted job: 404 for the job and its stages, gone from the list */
  char kv[64];
  snprintf(kv, sizeof kv, "job=%lld", (long long)j.id);
  cJSON_Delete(fx_action(f, "delete_job", kv));
  o = V1(f, "GET", path, NULL, NULL, 404);
  cJSON_Delete(o);
  snprintf(path, sizeof path, "/v1/jobs/%lld/stages", (long long)j.id);
  o = V1(f, "GET", path, NULL, NULL, 404);
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/jobs", NULL, NULL, 200);
  INT_IS(SIZE(o), 0, "jobs after the delete");
  cJSON_Delete(o);
}

static void test_job_stages(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct job other = add_job(f, "name=Other stages=X|Y");
  INT_IS(j.nstages, 3, "stages made");
  char path[128];
  snprintf(path, sizeof path, "/v1/jobs/%lld/stages", (long long)j.id);
  cJSON *a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 3, "stages");
  static const char *const names[] = {"Application Review", "Phone Screen",
                                      "Onsite"};
  for (int i = 0; i < 3; i++) {
    const cJSON *s = cJSON_GetArrayItem(a, i);
    INT_IS(ID(s, "id"), j.stage[i], "stage id");
    STR_IS(STR(s, "name"), names[i]);
    INT_IS(ID(s, "job_id"), j.id, "stage job_id");
    INT_IS(ID(s, "priority"), i, "priority");
    if (!cJSON_IsTrue(MEM(s, "active")))
      fail_msg("stage %d not active", i);
    SIZE(MEM(s, "interviews"));
  }
  cJSON_Delete(a);
  /* the other job's stages are its own */
  snprintf(path, sizeof path, "/v1/jobs/%lld/stages", (long long)other.id);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 2, "other job's stages");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), other.stage[0], "other stage");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/jobs/77/stages", NULL, NULL, 404);
  cJSON_Delete(a);
}

/* ==== users ==================================================================== */

static void test_users(void **state)
{
  struct simfx *f = *state;
  cJSON *a = V1(f, "GET", "/v1/users", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "users of the empty org");
  const cJSON *u = cJSON_GetArrayItem(a, 0);
  INT_IS(ID(u, "id"), 4000001, "admin id");
  if (!cJSON_IsTrue(MEM(u, "site_admin")))
    fail_msg("the admin is not a site admin");
  cJSON_Delete(a);

  cJSON *add = fx_action(f, "add_user",
                         "first_name=Riley last_name=Recruiter "
                         "email=riley@acme.example");
  int64_t uid = ID(add, "id");
  cJSON_Delete(add);
  a = V1(f, "GET", "/v1/users", NULL, NULL, 200);
  INT_IS(SIZE(a), 2, "users");
  INT_IS(count_id(a, uid), 1, "new user listed");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/users?email=RILEY@acme.example", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "users by email");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), uid, "user by email");
  cJSON_Delete(a);

  cJSON *o = V1(f, "GET", "/v1/users/4000001", NULL, NULL, 200);
  INT_IS(ID(o, "id"), 4000001, "user id");
  STR_IS(STR(o, "name"), "Avery Admin");
  STR_IS(STR(o, "first_name"), "Avery");
  STR_IS(STR(o, "primary_email_address"), "avery.admin@acme.example");
  STR_IS(str(cJSON_GetArrayItem(MEM(o, "emails"), 0), __LINE__),
         "avery.admin@acme.example");
  if (!cJSON_IsFalse(MEM(o, "disabled")))
    fail_msg("the admin is disabled");
  cJSON_Delete(o);

  cJSON_Delete(fx_action(f, "deactivate_user", "user=4000001"));
  o = V1(f, "GET", "/v1/users/4000001", NULL, NULL, 200);
  if (!cJSON_IsTrue(MEM(o, "disabled")))
    fail_msg("a deactivated user reads disabled=false");
  cJSON_Delete(o);

  o = V1(f, "GET", "/v1/users/12345", NULL, NULL, 404);
  cJSON_Delete(o);
}

/* ==== GET /v1/candidates ========================================================== */

static void test_candidates_email_filter(void **state)
{
  struct simfx *f = *state;
  /* seeded: "Margaret.Hamilton@Example.com" */
  cJSON *a = V1(f, "GET", "/v1/candidates?email=margaret.hamilton@example.com",
                NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "match in another case");
  STR_IS(STR(cJSON_GetArrayItem(a, 0), "first_name"), "Margaret");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/candidates?email=Margaret.Hamilton@Example.com", NULL,
         NULL, 200);
  INT_IS(SIZE(a), 1, "exact match");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/candidates?email=nobody@example.com", NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "no match");
  cJSON_Delete(a);
  /* email + job_id: only a candidate with an application on that job */
  a = V1(f, "GET",
         "/v1/candidates?email=grace.hopper@example.com&job_id=4100001", NULL,
         NULL, 200);
  INT_IS(SIZE(a), 1, "email on the job");
  cJSON_Delete(a);
  a = V1(f, "GET",
         "/v1/candidates?email=grace.hopper@example.com&job_id=4100002", NULL,
         NULL, 200);
  INT_IS(SIZE(a), 0, "email on another job");
  cJSON_Delete(a);
}

static void test_candidates_job_and_ids_filters(void **state)
{
  struct simfx *f = *state;
  cJSON *all = V1(f, "GET", "/v1/candidates", NULL, NULL, 200);
  INT_IS(SIZE(all), 6, "seeded candidates");
  int64_t c0 = ID(cJSON_GetArrayItem(all, 0), "id");
  int64_t c3 = ID(cJSON_GetArrayItem(all, 3), "id");
  cJSON_Delete(all);

  cJSON *a = V1(f, "GET", "/v1/candidates?job_id=4100001", NULL, NULL, 200);
  INT_IS(SIZE(a), 3, "candidates on job 4100001");
  const cJSON *e;
  cJSON_ArrayForEach(e, a)
  {
    const cJSON *app = cJSON_GetArrayItem(MEM(e, "applications"), 0);
    INT_IS(ID(cJSON_GetArrayItem(MEM(app, "jobs"), 0), "id"), 4100001,
           "application job");
  }
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/candidates?job_id=4100002", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "candidates on job 4100002");
  cJSON_Delete(a);

  char path[160];
  snprintf(path, sizeof path, "/v1/candidates?candidate_ids=%lld,%lld",
           (long long)c0, (long long)c3);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 2, "candidates by id");
  INT_IS(count_id(a, c0), 1, "c0");
  INT_IS(count_id(a, c3), 1, "c3");
  cJSON_Delete(a);
  /* candidate_ids combines with job_id */
  snprintf(path, sizeof path,
           "/v1/candidates?candidate_ids=%lld,%lld&job_id=4100002",
           (long long)c0, (long long)c3);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "ids on job 4100002");
  INT_IS(count_id(a, c3), 1, "c3 (Edsger, job 4100002)");
  cJSON_Delete(a);
  /* with email, candidate_ids is ignored */
  snprintf(path, sizeof path,
           "/v1/candidates?candidate_ids=%lld&email=linus@example.com",
           (long long)c0);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "email wins over candidate_ids");
  STR_IS(STR(cJSON_GetArrayItem(a, 0), "first_name"), "Linus");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/candidates?job_id=abc", NULL, NULL, 422);
  ERROR_FIELD(a, "job_id");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/candidates?candidate_ids=1,abc", NULL, NULL, 422);
  ERROR_FIELD(a, "candidate_ids");
  cJSON_Delete(a);
}

static void test_candidates_updated_after(void **state)
{
  struct simfx *f = *state;
  struct cand old = add_cand(f, "Old", NULL, 0);
  fx_advance(f, 60000);
  int64_t t1 = now(f);
  struct cand young = add_cand(f, "Young", NULL, 0);
  char t[AT_TIME_BUF], path[200];

  iso(t1 - 30000, t);
  snprintf(path, sizeof path, "/v1/candidates?updated_after=%s", t);
  cJSON *a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "updated after t1-30s");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), young.id, "the young one");
  cJSON_Delete(a);

  iso(t1, t); /* inclusive (>=) */
  snprintf(path, sizeof path, "/v1/candidates?updated_after=%s", t);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "updated at exactly t1");
  cJSON_Delete(a);

  iso(t1 + 1, t);
  snprintf(path, sizeof path, "/v1/candidates?updated_after=%s", t);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "updated after t1+1ms");
  cJSON_Delete(a);

  /* touching the old one brings it into the window */
  fx_advance(f, 1000);
  char kv[80];
  snprintf(kv, sizeof kv, "candidate=%lld company=Acme", (long long)old.id);
  cJSON_Delete(fx_action(f, "update_candidate", kv));
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "the touched one");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), old.id, "touched id");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/candidates?updated_after=yesterday", NULL, NULL, 422);
  ERROR_FIELD(a, "updated_after");
  cJSON_Delete(a);
}

static void test_candidates_per_page_limits(void **state)
{
  struct simfx *f = *state;
  cJSON *a = V1(f, "GET", "/v1/candidates?per_page=500", NULL, NULL, 200);
  INT_IS(SIZE(a), 6, "per_page=500");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/candidates?per_page=1", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "per_page=1");
  cJSON_Delete(a);
  static const char *const bad[] = {"per_page=501", "per_page=abc",
                                    "per_page=0", "per_page=-1", "per_page="};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char path[80];
    snprintf(path, sizeof path, "/v1/candidates?%s", bad[i]);
    struct tc_resp r = fx_v1(f, "GET", path, NULL, NULL);
    if (r.status != 422)
      fail_msg("%s: HTTP %ld, want 422: %s", path, r.status, r.body);
    cJSON *j = fx_json(&r);
    ERROR_FIELD(j, "per_page");
    STR_IS(STR(j, "message"), "Validation error");
    cJSON_Delete(j);
    tc_free(&r);
  }
  a = V1(f, "GET", "/v1/candidates?page=0", NULL, NULL, 422);
  ERROR_FIELD(a, "page");
  cJSON_Delete(a);
}

static void test_candidates_link_walk(void **state)
{
  struct simfx *f = *state;
  int64_t want[7], ids[16];
  char name[16];
  for (int i = 0; i < 7; i++) {
    snprintf(name, sizeof name, "C%d", i);
    want[i] = add_cand(f, name, NULL, 0).id;
  }
  size_t n;
  INT_IS(walk(f, "/v1/candidates?per_page=3", 3, 3, ids, 16, &n), 3, "pages");
  each_once(ids, n, want, 7);
  INT_IS(walk(f, "/v1/candidates?per_page=7", 7, 1, ids, 16, &n), 1, "pages");
  each_once(ids, n, want, 7);
  INT_IS(walk(f, "/v1/candidates?per_page=6", 6, 2, ids, 16, &n), 2, "pages");
  each_once(ids, n, want, 7);
  /* the last page holds the remainder */
  cJSON *a = V1(f, "GET", "/v1/candidates?per_page=3&page=3", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "page 3 of 7 by 3");
  cJSON_Delete(a);
}

/* ==== GET /v1/candidates/{id} ==================================================== */

static void test_candidate_get(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct cand c = add_cand(f, "Grace", "grace@example.com", j.id);
  char path[80];
  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)c.id);
  cJSON *o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(ID(o, "id"), c.id, "candidate id");
  STR_IS(STR(o, "first_name"), "Grace");
  STR_IS(STR(o, "last_name"), "Test");
  IS_NULL(o, "title");
  const cJSON *em = cJSON_GetArrayItem(MEM(o, "email_addresses"), 0);
  STR_IS(STR(em, "value"), "grace@example.com");
  INT_IS(SIZE(MEM(o, "application_ids")), 1, "application_ids");
  INT_IS(NUM(cJSON_GetArrayItem(MEM(o, "application_ids"), 0)), c.app,
         "application id");
  const cJSON *app = cJSON_GetArrayItem(MEM(o, "applications"), 0);
  INT_IS(ID(app, "id"), c.app, "embedded application");
  INT_IS(ID(app, "candidate_id"), c.id, "embedded candidate_id");
  INT_IS(ID(MEM(app, "current_stage"), "id"), j.stage[0], "current stage");
  MEM(o, "last_activity");
  MEM(o, "keyed_custom_fields");
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates/31999999", NULL, NULL, 404);
  cJSON_Delete(o);
}

/* ==== POST /v1/candidates ======================================================= */

static char *cand_body(const char *first, const char *email, int64_t job)
{
  char *b = malloc(1024);
  snprintf(b, 1024,
           "{\"first_name\":\"%s\",\"last_name\":\"Lovelace\","
           "\"company\":\"Analytical Engines\","
           "\"email_addresses\":[{\"value\":\"%s\",\"type\":\"personal\"}],"
           "\"phone_numbers\":[{\"value\":\"+15555550100\",\"type\":\"mobile\"}],"
           "\"tags\":[\"math\"],"
           "\"applications\":[{\"job_id\":%lld}]}",
           first, email, (long long)job);
  return b;
}

static void test_candidate_create(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct job k = add_job(f, "name=Designer stages=Portfolio|Panel");
  char *body = cand_body("Ada", "ada@example.com", j.id);
  struct tc_resp r = fx_v1(f, "POST", "/v1/candidates", body, OBO);
  free(body);
  STATUS_IS(r, 201);
  cJSON *o = fx_json(&r);
  tc_free(&r);
  int64_t id = ID(o, "id");
  if (id <= 0)
    fail_msg("candidate id %lld", (long long)id);
  STR_IS(STR(o, "first_name"), "Ada");
  STR_IS(STR(o, "last_name"), "Lovelace");
  STR_IS(STR(o, "company"), "Analytical Engines");
  const cJSON *em = cJSON_GetArrayItem(MEM(o, "email_addresses"), 0);
  STR_IS(STR(em, "value"), "ada@example.com");
  STR_IS(STR(em, "type"), "personal");
  const cJSON *ph = cJSON_GetArrayItem(MEM(o, "phone_numbers"), 0);
  STR_IS(STR(ph, "value"), "+15555550100");
  STR_IS(STR(ph, "type"), "mobile");
  STR_IS(str(cJSON_GetArrayItem(MEM(o, "tags"), 0), __LINE__), "math");
  INT_IS(SIZE(MEM(o, "application_ids")), 1, "application_ids");
  INT_IS(SIZE(MEM(o, "applications")), 1, "applications");
  const cJSON *app = cJSON_GetArrayItem(MEM(o, "applications"), 0);
  int64_t app_id = ID(app, "id");
  INT_IS(NUM(cJSON_GetArrayItem(MEM(o, "application_ids"), 0)), app_id,
         "application_ids[0]");
  INT_IS(ID(app, "candidate_id"), id, "candidate_id");
  STR_IS(STR(app, "status"), "active");
  if (!cJSON_IsFalse(MEM(app, "prospect")))
    fail_msg("prospect is not false");
  IS_NULL(app, "rejected_at");
  const cJSON *cs = MEM(app, "current_stage");
  INT_IS(ID(cs, "id"), j.stage[0], "current_stage = first stage");
  STR_IS(STR(cs, "name"), "Application Review");
  INT_IS(ID(cJSON_GetArrayItem(MEM(app, "jobs"), 0), "id"), j.id, "jobs[0]");
  cJSON_Delete(o);

  /* it reads back */
  char path[80];
  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)id);
  o = V1(f, "GET", path, NULL, NULL, 200);
  STR_IS(STR(cJSON_GetArrayItem(MEM(o, "email_addresses"), 0), "value"),
         "ada@example.com");
  cJSON_Delete(o);
  snprintf(path, sizeof path, "/v1/applications/%lld", (long long)app_id);
  o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(ID(o, "candidate_id"), id, "application reads back");
  cJSON_Delete(o);

  /* two applications, one per job, each on its job's first stage; an
   * initial_stage_id is honoured */
  char two[512];
  snprintf(two, sizeof two,
           "{\"first_name\":\"Two\",\"last_name\":\"Jobs\",\"applications\":"
           "[{\"job_id\":%lld},{\"job_id\":%lld,\"initial_stage_id\":%lld,"
           "\"source_id\":7}]}",
           (long long)j.id, (long long)k.id, (long long)k.stage[1]);
  o = V1(f, "POST", "/v1/candidates", two, OBO, 201);
  INT_IS(SIZE(MEM(o, "applications")), 2, "two applications");
  const cJSON *a0 = cJSON_GetArrayItem(MEM(o, "applications"), 0);
  const cJSON *a1 = cJSON_GetArrayItem(MEM(o, "applications"), 1);
  INT_IS(ID(MEM(a0, "current_stage"), "id"), j.stage[0], "app 0 stage");
  INT_IS(ID(MEM(a1, "current_stage"), "id"), k.stage[1], "app 1 stage");
  INT_IS(ID(MEM(a1, "source"), "id"), 7, "app 1 source");
  STR_IS(STR(MEM(a1, "source"), "public_name"), "Referral");
  cJSON_Delete(o);
}

static void test_candidate_create_duplicates(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  char *body = cand_body("Ada", "dup@example.com", j.id);
  cJSON *a = V1(f, "POST", "/v1/candidates", body, OBO, 201);
  cJSON *b = V1(f, "POST", "/v1/candidates", body, OBO, 201);
  free(body);
  int64_t ia = ID(a, "id"), ib = ID(b, "id");
  if (ia == ib)
    fail_msg("the same person posted twice got one id %lld", (long long)ia);
  cJSON_Delete(a);
  cJSON_Delete(b);
  cJSON *l = V1(f, "GET", "/v1/candidates?email=DUP@example.com", NULL, NULL,
                200);
  INT_IS(SIZE(l), 2, "duplicates by email");
  INT_IS(count_id(l, ia), 1, "first");
  INT_IS(count_id(l, ib), 1, "second");
  cJSON_Delete(l);
}

static void test_candidate_create_validation(void **state)
{
  struct simfx *f = *state;
  /* seeded: 4100004 is closed, 4100005 a draft */
  cJSON *o = V1(f, "POST", "/v1/candidates",
                "{\"first_name\":\"A\",\"last_name\":\"B\"}", OBO, 422);
  ERROR_FIELD(o, "applications");
  STR_IS(STR(o, "message"), "Validation error");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"last_name\":\"B\",\"applications\":[{\"job_id\":4100001}]}", OBO,
         422);
  ERROR_FIELD(o, "first_name");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\","
         "\"applications\":[{\"job_id\":4199999}]}",
         OBO, 422);
  ERROR_FIELD(o, "job_id");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\","
         "\"applications\":[{\"job_id\":4100004}]}",
         OBO, 422);
  ERROR_FIELD(o, "job_id");
  CONTAINS(ERROR_MESSAGE(o), "closed");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\","
         "\"applications\":[{\"job_id\":4100001,\"initial_stage_id\":1}]}",
         OBO, 422);
  ERROR_FIELD(o, "initial_stage_id");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\","
         "\"email_addresses\":[{\"value\":\"a@b.c\",\"type\":\"bogus\"}],"
         "\"applications\":[{\"job_id\":4100001}]}",
         OBO, 422);
  ERROR_FIELD(o, "email_addresses");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\","
         "\"applications\":[{\"job_id\":4100001,\"source_id\":424242}]}",
         OBO, 422);
  ERROR_FIELD(o, "source_id");
  cJSON_Delete(o);
  /* nothing was created by any of these */
  o = V1(f, "GET", "/v1/candidates", NULL, NULL, 200);
  INT_IS(SIZE(o), 6, "candidates after refused creates");
  cJSON_Delete(o);
}

/* ==== POST /v1/candidates/{id}/applications ====================================== */

static void test_add_application(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct job k = add_job(f, "name=Designer stages=Portfolio|Panel");
  struct cand c = add_cand(f, "Grace", "g@example.com", j.id);
  char path[96], body[160];
  snprintf(path, sizeof path, "/v1/candidates/%lld/applications",
           (long long)c.id);
  snprintf(body, sizeof body, "{\"job_id\":%lld,\"source_id\":3}",
           (long long)k.id);
  cJSON *o = V1(f, "POST", path, body, OBO, 200);
  int64_t app = ID(o, "id");
  if (app == c.app)
    fail_msg("the new application reuses id %lld", (long long)app);
  INT_IS(ID(o, "candidate_id"), c.id, "candidate_id");
  STR_IS(STR(o, "status"), "active");
  INT_IS(ID(MEM(o, "current_stage"), "id"), k.stage[0], "first stage");
  STR_IS(STR(MEM(o, "current_stage"), "name"), "Portfolio");
  INT_IS(ID(cJSON_GetArrayItem(MEM(o, "jobs"), 0), "id"), k.id, "job");
  INT_IS(ID(MEM(o, "source"), "id"), 3, "source");
  cJSON_Delete(o);

  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)c.id);
  o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(MEM(o, "application_ids")), 2, "application_ids");
  INT_IS(count_id(MEM(o, "application_ids"), app), 1, "new id listed");
  INT_IS(count_id(MEM(o, "application_ids"), c.app), 1, "old id listed");
  cJSON_Delete(o);

  /* errors */
  snprintf(path, sizeof path, "/v1/candidates/%lld/applications",
           (long long)c.id);
  o = V1(f, "POST", path, "{}", OBO, 422);
  ERROR_FIELD(o, "job_id");
  cJSON_Delete(o);
  snprintf(body, sizeof body, "{\"job_id\":%lld,\"initial_stage_id\":%lld}",
           (long long)k.id, (long long)j.stage[1]);
  o = V1(f, "POST", path, body, OBO, 422);
  ERROR_FIELD(o, "initial_stage_id");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates/31999999/applications", body, OBO, 404);
  cJSON_Delete(o);
}

/* ==== PUT /v1/candidates/merge ===================================================== */

static void test_merge(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct job k = add_job(f, "name=Designer stages=Portfolio|Panel");
  struct cand p = add_cand(f, "Primary", "p@example.com", j.id);
  struct cand d = add_cand(f, "Dup", "d@example.com", k.id);
  char body[160], path[80];
  snprintf(body, sizeof body,
           "{\"primary_candidate_id\":%lld,\"duplicate_candidate_id\":%lld}",
           (long long)p.id, (long long)d.id);
  cJSON *o = V1(f, "PUT", "/v1/candidates/merge", body, OBO, 200);
  INT_IS(ID(o, "id"), p.id, "merged candidate is the primary");
  INT_IS(SIZE(MEM(o, "application_ids")), 2, "applications after merge");
  INT_IS(count_id(MEM(o, "application_ids"), d.app), 1, "dup's app moved");
  INT_IS(count_id(MEM(o, "applications"), d.app), 1, "dup's app embedded");
  const cJSON *e;
  cJSON_ArrayForEach(e, MEM(o, "applications"))
      INT_IS(ID(e, "candidate_id"), p.id, "moved application's candidate_id");
  INT_IS(SIZE(MEM(o, "email_addresses")), 2, "emails merged");
  cJSON_Delete(o);

  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)d.id);
  o = V1(f, "GET", path, NULL, NULL, 404);
  cJSON_Delete(o);
  snprintf(path, sizeof path, "/v1/applications/%lld", (long long)d.app);
  o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(ID(o, "candidate_id"), p.id, "application now belongs to primary");
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates", NULL, NULL, 200);
  INT_IS(SIZE(o), 1, "candidates after merge");
  INT_IS(count_id(o, d.id), 0, "duplicate listed");
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates?email=d@example.com", NULL, NULL, 200);
  INT_IS(SIZE(o), 1, "the dup's email now finds the primary");
  INT_IS(ID(cJSON_GetArrayItem(o, 0), "id"), p.id, "primary by dup email");
  cJSON_Delete(o);

  /* merging the vanished duplicate again; missing ids; self-merge */
  o = V1(f, "PUT", "/v1/candidates/merge", body, OBO, 404);
  cJSON_Delete(o);
  snprintf(body, sizeof body, "{\"primary_candidate_id\":%lld}",
           (long long)p.id);
  o = V1(f, "PUT", "/v1/candidates/merge", body, OBO, 422);
  ERROR_FIELD(o, "duplicate_candidate_id");
  cJSON_Delete(o);
  snprintf(body, sizeof body,
           "{\"primary_candidate_id\":%lld,\"duplicate_candidate_id\":%lld}",
           (long long)p.id, (long long)p.id);
  o = V1(f, "PUT", "/v1/candidates/merge", body, OBO, 422);
  ERROR_MESSAGE(o);
  cJSON_Delete(o);
}

/* ==== GET /v1/applications, /{id} ================================================= */

static void app_path(char *buf, size_t len, int64_t app, const char *verb)
{
  snprintf(buf, len, "/v1/applications/%lld%s%s", (long long)app,
           verb ? "/" : "", verb ? verb : "");
}

static void test_applications_filters(void **state)
{
  struct simfx *f = *state;
  cJSON *all = V1(f, "GET", "/v1/applications", NULL, NULL, 200);
  INT_IS(SIZE(all), 6, "seeded applications");
  const cJSON *x = NULL, *y = NULL, *e;
  cJSON_ArrayForEach(e, all)
  { /* x on job 4100001, y on job 4100003 */
    int64_t job = ID(cJSON_GetArrayItem(MEM(e, "jobs"), 0), "id");
    if (job == 4100001 && x == NULL)
      x = e;
    if (job == 4100003)
      y = e;
  }
  if (x == NULL || y == NULL)
    fail_msg("seed applications on 4100001/4100003 not found");
  int64_t xid = ID(x, "id"), yid = ID(y, "id");
  int64_t ystage = ID(MEM(y, "current_stage"), "id");
  cJSON_Delete(all);

  cJSON *a = V1(f, "GET", "/v1/applications?job_id=4100001", NULL, NULL, 200);
  INT_IS(SIZE(a), 3, "applications on 4100001");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/applications?status=active", NULL, NULL, 200);
  INT_IS(SIZE(a), 6, "active");
  cJSON_Delete(a);

  /* t1: x rejected; t2: y moved */
  fx_advance(f, 60000);
  int64_t t1 = now(f);
  char path[200], t[AT_TIME_BUF];
  app_path(path, sizeof path, xid, "reject");
  cJSON_Delete(V1(f, "POST", path, "{}", OBO, 200));
  fx_advance(f, 60000);
  int64_t t2 = now(f);
  cJSON *stages = V1(f, "GET", "/v1/jobs/4100003/stages", NULL, NULL, 200);
  int64_t next = 0;
  cJSON_ArrayForEach(e, stages)
  {
    if (ID(e, "id") == ystage)
      next = e->next ? ID(e->next, "id") : 0;
  }
  cJSON_Delete(stages);
  if (next == 0)
    fail_msg("no stage after %lld", (long long)ystage);
  char body[128];
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           (long long)ystage, (long long)next);
  app_path(path, sizeof path, yid, "move");
  cJSON_Delete(V1(f, "POST", path, body, OBO, 200));

  a = V1(f, "GET", "/v1/applications?status=rejected", NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "rejected");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), xid, "the rejected one");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/applications?status=active", NULL, NULL, 200);
  INT_IS(SIZE(a), 5, "active after a reject");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/applications?status=hired", NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "hired");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/applications?status=bogus", NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "unknown status gives []");
  cJSON_Delete(a);

  iso(t1, t);
  snprintf(path, sizeof path, "/v1/applications?last_activity_after=%s", t);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 2, "activity since t1");
  INT_IS(count_id(a, xid), 1, "x since t1");
  INT_IS(count_id(a, yid), 1, "y since t1");
  cJSON_Delete(a);
  iso(t2, t);
  snprintf(path, sizeof path, "/v1/applications?last_activity_after=%s", t);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 1, "activity since t2");
  INT_IS(ID(cJSON_GetArrayItem(a, 0), "id"), yid, "y since t2");
  STR_IS(STR(cJSON_GetArrayItem(a, 0), "last_activity_at"), t);
  cJSON_Delete(a);
  snprintf(path, sizeof path,
           "/v1/applications?last_activity_after=%s&job_id=4100001", t);
  a = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "since t2 on 4100001");
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/applications?job_id=abc", NULL, NULL, 422);
  ERROR_FIELD(a, "job_id");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/applications?last_activity_after=yesterday", NULL,
         NULL, 422);
  ERROR_FIELD(a, "last_activity_after");
  cJSON_Delete(a);
}

static void test_application_get(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct cand c = add_cand(f, "Grace", NULL, j.id);
  char path[80];
  app_path(path, sizeof path, c.app, NULL);
  cJSON *o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(ID(o, "id"), c.app, "application id");
  INT_IS(ID(o, "candidate_id"), c.id, "candidate id");
  STR_IS(STR(o, "status"), "active");
  INT_IS(ID(MEM(o, "current_stage"), "id"), j.stage[0], "stage");
  STR_IS(STR(cJSON_GetArrayItem(MEM(o, "jobs"), 0), "name"),
         "Backend Engineer");
  IS_NULL(o, "rejection_reason");
  IS_NULL(o, "rejected_at");
  char t[AT_TIME_BUF];
  iso(now(f), t);
  STR_IS(STR(o, "applied_at"), t);
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/applications/69999999", NULL, NULL, 404);
  cJSON_Delete(o);
  /* an application on a deleted job is gone too */
  char kv[64];
  snprintf(kv, sizeof kv, "job=%lld", (long long)j.id);
  cJSON_Delete(fx_action(f, "delete_job", kv));
  o = V1(f, "GET", path, NULL, NULL, 404);
  cJSON_Delete(o);
}

/* ==== move / reject / unreject / hire =============================================== */

static cJSON *move(struct simfx *f, int64_t app, int64_t from, int64_t to,
                   long want, int line)
{
  char path[96], body[128];
  app_path(path, sizeof path, app, "move");
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           (long long)from, (long long)to);
  return v1_at(f, "POST", path, body, OBO, want, line);
}
#define MOVE(f, app, from, to, want) move((f), (app), (from), (to), (want), __LINE__)

static cJSON *post_app(struct simfx *f, int64_t app, const char *verb,
                       const char *body, long want, int line)
{
  char path[96];
  app_path(path, sizeof path, app, verb);
  return v1_at(f, "POST", path, body, OBO, want, line);
}
#define POST_APP(f, app, verb, body, want) post_app((f), (app), (verb), (body), (want), __LINE__)

static int64_t current_stage(struct simfx *f, int64_t app)
{
  char path[80];
  app_path(path, sizeof path, app, NULL);
  cJSON *o = V1(f, "GET", path, NULL, NULL, 200);
  const cJSON *cs = MEM(o, "current_stage");
  int64_t s = cJSON_IsNull(cs) ? 0 : ID(cs, "id");
  cJSON_Delete(o);
  return s;
}

static void test_move(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct job k = add_job(f, "name=Designer stages=Portfolio|Panel");
  struct cand c = add_cand(f, "Grace", NULL, j.id);
  fx_advance(f, 5000);
  char t[AT_TIME_BUF];
  iso(now(f), t);

  cJSON *o = MOVE(f, c.app, j.stage[0], j.stage[1], 200);
  INT_IS(ID(o, "id"), c.app, "moved application");
  INT_IS(ID(MEM(o, "current_stage"), "id"), j.stage[1], "new stage");
  STR_IS(STR(MEM(o, "current_stage"), "name"), "Phone Screen");
  STR_IS(STR(o, "last_activity_at"), t);
  STR_IS(STR(o, "status"), "active");
  cJSON_Delete(o);
  INT_IS(current_stage(f, c.app), j.stage[1], "stage reads back");

  /* stale from_stage_id: the compare-and-swap guard */
  o = MOVE(f, c.app, j.stage[0], j.stage[2], 422);
  if (SIZE(MEM(o, "errors")) != 1 || *ERROR_MESSAGE(o) == '\0')
    fail_msg("stale move: want one error message");
  cJSON_Delete(o);
  INT_IS(current_stage(f, c.app), j.stage[1], "stale move changed nothing");

  /* a stage of another job */
  o = MOVE(f, c.app, j.stage[1], k.stage[0], 422);
  ERROR_MESSAGE(o);
  cJSON_Delete(o);
  INT_IS(current_stage(f, c.app), j.stage[1], "cross-job move changed nothing");

  /* bad bodies */
  char path[96];
  app_path(path, sizeof path, c.app, "move");
  o = V1(f, "POST", path, "{\"from_stage_id\":1}", OBO, 422);
  ERROR_FIELD(o, "to_stage_id");
  cJSON_Delete(o);
  o = V1(f, "POST", path, "{\"from_stage_id\":\"x\",\"to_stage_id\":1}", OBO,
         422);
  ERROR_FIELD(o, "from_stage_id");
  cJSON_Delete(o);

  /* a rejected application cannot move */
  cJSON_Delete(POST_APP(f, c.app, "reject", "{}", 200));
  o = MOVE(f, c.app, j.stage[1], j.stage[2], 422);
  STR_IS(ERROR_MESSAGE(o), "Application must be 'active', is currently "
                           "'rejected'");
  cJSON_Delete(o);

  o = MOVE(f, 69999999, j.stage[1], j.stage[2], 404);
  cJSON_Delete(o);
}

static void test_reject_unreject(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct cand c = add_cand(f, "Grace", NULL, j.id);
  struct cand c2 = add_cand(f, "Alan", NULL, j.id);
  cJSON_Delete(MOVE(f, c.app, j.stage[0], j.stage[1], 200));
  fx_advance(f, 7000);
  char t[AT_TIME_BUF];
  iso(now(f), t);

  /* an unknown reason is refused and changes nothing */
  cJSON *o = POST_APP(f, c.app, "reject", "{\"rejection_reason_id\":999}", 422);
  ERROR_FIELD(o, "rejection_reason_id");
  cJSON_Delete(o);
  o = POST_APP(f, c.app, "reject", "{\"rejection_email\":{}}", 422);
  ERROR_FIELD(o, "rejection_email.email_template_id");
  cJSON_Delete(o);
  o = POST_APP(f, c.app, "reject", "{\"notes\":5}", 422);
  ERROR_FIELD(o, "notes");
  cJSON_Delete(o);
  char path[80];
  app_path(path, sizeof path, c.app, NULL);
  o = V1(f, "GET", path, NULL, NULL, 200);
  STR_IS(STR(o, "status"), "active");
  cJSON_Delete(o);

  o = POST_APP(f, c.app, "reject",
               "{\"rejection_reason_id\":101,\"notes\":\"Not yet.\"}", 200);
  STR_IS(STR(o, "status"), "rejected");
  STR_IS(STR(o, "rejected_at"), t);
  const cJSON *rr = MEM(o, "rejection_reason");
  INT_IS(ID(rr, "id"), 101, "rejection_reason.id");
  STR_IS(STR(rr, "name"), "Lacking skill(s)/qualification(s)");
  INT_IS(ID(MEM(rr, "type"), "id"), 1, "rejection_reason.type.id");
  STR_IS(STR(MEM(rr, "type"), "name"), "We rejected them");
  INT_IS(ID(MEM(o, "current_stage"), "id"), j.stage[1],
         "a rejected application keeps its stage");
  cJSON_Delete(o);
  o = V1(f, "GET", path, NULL, NULL, 200);
  STR_IS(STR(o, "status"), "rejected");
  INT_IS(ID(MEM(o, "rejection_reason"), "id"), 101, "reason reads back");
  cJSON_Delete(o);

  /* rejecting twice */
  o = POST_APP(f, c.app, "reject", "{}", 422);
  STR_IS(ERROR_MESSAGE(o), "Application must be 'active', is currently "
                           "'rejected'");
  cJSON_Delete(o);

  /* "they rejected us", and a reject without a reason */
  o = POST_APP(f, c2.app, "reject", "{\"rejection_reason_id\":\"103\"}", 200);
  INT_IS(ID(MEM(MEM(o, "rejection_reason"), "type"), "id"), 2, "type id");
  cJSON_Delete(o);
  o = POST_APP(f, c2.app, "unreject", "{}", 200);
  cJSON_Delete(o);
  o = POST_APP(f, c2.app, "reject", "", 200);
  STR_IS(STR(o, "status"), "rejected");
  IS_NULL(o, "rejection_reason");
  cJSON_Delete(o);

  /* unreject */
  fx_advance(f, 1000);
  o = POST_APP(f, c.app, "unreject", "{}", 200);
  STR_IS(STR(o, "status"), "active");
  IS_NULL(o, "rejected_at");
  IS_NULL(o, "rejection_reason");
  INT_IS(ID(MEM(o, "current_stage"), "id"), j.stage[1], "stage after unreject");
  cJSON_Delete(o);
  o = POST_APP(f, c.app, "unreject", "{}", 422);
  STR_IS(ERROR_MESSAGE(o), "Application must be 'rejected', is currently "
                           "'active'");
  cJSON_Delete(o);
  /* it can move again */
  cJSON_Delete(MOVE(f, c.app, j.stage[1], j.stage[2], 200));

  o = POST_APP(f, 69999999, "reject", "{}", 404);
  cJSON_Delete(o);
  o = POST_APP(f, 69999999, "unreject", "{}", 404);
  cJSON_Delete(o);
}

static void test_hire(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  struct cand c = add_cand(f, "Grace", NULL, j.id);
  struct cand c2 = add_cand(f, "Alan", NULL, j.id);

  static const char *const bad[] = {"{\"start_date\":\"03/15/2026\"}",
                                    "{\"start_date\":\"2026-3-15\"}",
                                    "{\"start_date\":20260315}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cJSON *o = POST_APP(f, c.app, "hire", bad[i], 422);
    ERROR_FIELD(o, "start_date");
    cJSON_Delete(o);
  }
  INT_IS(current_stage(f, c.app), j.stage[0], "refused hire changed nothing");

  cJSON *o = POST_APP(f, c.app, "hire", "{\"start_date\":\"2026-03-15\"}", 200);
  STR_IS(STR(o, "status"), "hired");
  IS_NULL(o, "current_stage");
  IS_NULL(o, "rejected_at");
  cJSON_Delete(o);
  INT_IS(current_stage(f, c.app), 0, "hired application's stage");
  o = V1(f, "GET", "/v1/applications?status=hired", NULL, NULL, 200);
  INT_IS(SIZE(o), 1, "hired list");
  INT_IS(ID(cJSON_GetArrayItem(o, 0), "id"), c.app, "hired id");
  cJSON_Delete(o);

  o = POST_APP(f, c.app, "hire", "{}", 422);
  STR_IS(ERROR_MESSAGE(o), "Application must be 'active', is currently "
                           "'hired'");
  cJSON_Delete(o);
  o = POST_APP(f, c.app, "unreject", "{}", 422);
  STR_IS(ERROR_MESSAGE(o), "Application must be 'rejected', is currently "
                           "'hired'");
  cJSON_Delete(o);
  o = POST_APP(f, c.app, "reject", "{}", 422);
  cJSON_Delete(o);

  /* a rejected application cannot be hired; no start date is fine */
  cJSON_Delete(POST_APP(f, c2.app, "reject", "{}", 200));
  o = POST_APP(f, c2.app, "hire", "{}", 422);
  STR_IS(ERROR_MESSAGE(o), "Application must be 'active', is currently "
                           "'rejected'");
  cJSON_Delete(o);
  cJSON_Delete(POST_APP(f, c2.app, "unreject", "{}", 200));
  o = POST_APP(f, c2.app, "hire", "", 200);
  STR_IS(STR(o, "status"), "hired");
  cJSON_Delete(o);
}

/* ==== sources, rejection reasons ===================================================== */

static void test_sources_and_reasons(void **state)
{
  struct simfx *f = *state;
  cJSON *a = V1(f, "GET", "/v1/sources", NULL, NULL, 200);
  INT_IS(SIZE(a), 6, "sources");
  INT_IS(count_id(a, 7), 1, "source 7");
  const cJSON *e;
  int64_t prev = 0;
  cJSON_ArrayForEach(e, a)
  {
    if (ID(e, "id") <= prev)
      fail_msg("sources not in ascending id order");
    prev = ID(e, "id");
    STR(e, "name");
    MEM(MEM(e, "type"), "name");
    if (ID(e, "id") == 3)
      STR_IS(STR(e, "name"), "LinkedIn");
  }
  cJSON_Delete(a);

  a = V1(f, "GET", "/v1/rejection_reasons", NULL, NULL, 200);
  INT_IS(SIZE(a), 4, "rejection reasons");
  cJSON_ArrayForEach(e, a)
  {
    int64_t id = ID(e, "id");
    const cJSON *t = MEM(e, "type");
    if (id == 103) {
      STR_IS(STR(e, "name"), "Took another job");
      INT_IS(ID(t, "id"), 2, "they rejected us");
      STR_IS(STR(t, "name"), "They rejected us");
    } else if (id == 101) {
      INT_IS(ID(t, "id"), 1, "we rejected them");
    }
  }
  INT_IS(count_id(a, 103), 1, "reason 103");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/rejection_reasons?per_page=3", NULL, NULL, 200);
  INT_IS(SIZE(a), 3, "reasons, per_page=3");
  cJSON_Delete(a);
}

/* ==== headers ========================================================================= */

/* Content-Type JSON, a Date equal to the virtual clock and the rate-limit
 * headers with the remaining count one lower than before. */
static void common_headers(struct simfx *f, const struct tc_resp *r,
                           int *remaining, int line)
{
  char buf[128], want[AT_TIME_BUF];
  if (tc_header(r, "Content-Type", buf, sizeof buf) == NULL ||
      strncmp(buf, "application/json", 16) != 0)
    fail_msg("line %d: Content-Type '%s'", line,
             tc_header(r, "Content-Type", buf, sizeof buf) ? buf : "(none)");
  at_time_http_date(now(f), want);
  if (tc_header(r, "Date", buf, sizeof buf) == NULL || strcmp(buf, want))
    fail_msg("line %d: Date '%s', want '%s'", line,
             tc_header(r, "Date", buf, sizeof buf) ? buf : "(none)", want);
  if (tc_header(r, "X-RateLimit-Limit", buf, sizeof buf) == NULL ||
      strcmp(buf, "50") != 0)
    fail_msg("line %d: X-RateLimit-Limit '%s' (HTTP %ld)\n%s", line,
             tc_header(r, "X-RateLimit-Limit", buf, sizeof buf) ? buf
                                                                 : "(none)",
             r->status, r->headers);
  if (tc_header(r, "X-RateLimit-Remaining", buf, sizeof buf) == NULL)
    fail_msg("line %d: no X-RateLimit-Remaining (HTTP %ld)", line, r->status);
  int rem = atoi(buf);
  if (rem != *remaining - 1)
    fail_msg("line %d: X-RateLimit-Remaining %d, want %d", line, rem,
             *remaining - 1);
  *remaining = rem;
}

/* One request on every v1 route (and a few errors), each checked for the
 * headers. */
static void test_headers_on_every_route(void **state)
{
  struct simfx *f = *state;
  int rem = 50;
  struct {
    const char *method, *path, *body, *obo;
    long status;
  } plain[] = {
      {"GET", "/v1/jobs", NULL, NULL, 200},
      {"GET", "/v1/jobs/4100001", NULL, NULL, 200},
      {"GET", "/v1/jobs/4100001/stages", NULL, NULL, 200},
      {"GET", "/v1/users", NULL, NULL, 200},
      {"GET", "/v1/users/4000001", NULL, NULL, 200},
      {"GET", "/v1/candidates", NULL, NULL, 200},
      {"GET", "/v1/applications", NULL, NULL, 200},
      {"GET", "/v1/sources", NULL, NULL, 200},
      {"GET", "/v1/rejection_reasons", NULL, NULL, 200},
      {"GET", "/v1/jobs/1", NULL, NULL, 404},
      {"GET", "/v1/nope", NULL, NULL, 404},
      {"POST", "/v1/candidates", "{}", NULL, 422},
      {"POST", "/v1/candidates", "{}", OBO, 422},
      {"POST", "/v1/candidates", "{", OBO, 400},
      {"GET", "/v1/jobs", "{}", NULL, 403},
  };
  for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
    struct tc_resp r = fx_v1(f, plain[i].method, plain[i].path, plain[i].body,
                             plain[i].obo);
    if (r.status != plain[i].status)
      fail_msg("%s %s: HTTP %ld, want %ld: %s", plain[i].method,
               plain[i].path, r.status, plain[i].status, r.body);
    common_headers(f, &r, &rem, __LINE__);
    tc_free(&r);
    fx_advance(f, 100); /* the Date follows the clock */
  }

  /* the routes that need ids */
  struct tc_resp r = fx_v1(f, "POST", "/v1/candidates",
                           "{\"first_name\":\"H\",\"last_name\":\"D\","
                           "\"applications\":[{\"job_id\":4100001}]}",
                           OBO);
  STATUS_IS(r, 201);
  common_headers(f, &r, &rem, __LINE__);
  cJSON *o = fx_json(&r);
  tc_free(&r);
  int64_t cid = ID(o, "id");
  const cJSON *app0 = cJSON_GetArrayItem(MEM(o, "applications"), 0);
  int64_t aid = ID(app0, "id");
  int64_t stage = ID(MEM(app0, "current_stage"), "id");
  cJSON_Delete(o);

  char path[128], body[160];
  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)cid);
  r = fx_v1(f, "GET", path, NULL, NULL);
  STATUS_IS(r, 200);
  common_headers(f, &r, &rem, __LINE__);
  tc_free(&r);

  snprintf(path, sizeof path, "/v1/candidates/%lld/applications",
           (long long)cid);
  r = fx_v1(f, "POST", path, "{\"job_id\":4100002}", OBO);
  STATUS_IS(r, 200);
  common_headers(f, &r, &rem, __LINE__);
  tc_free(&r);

  app_path(path, sizeof path, aid, NULL);
  r = fx_v1(f, "GET", path, NULL, NULL);
  STATUS_IS(r, 200);
  common_headers(f, &r, &rem, __LINE__);
  tc_free(&r);

  cJSON *st = V1(f, "GET", "/v1/jobs/4100001/stages", NULL, NULL, 200);
  rem--;
  int64_t to = ID(cJSON_GetArrayItem(st, 1), "id");
  cJSON_Delete(st);
  if (to == stage)
    fail_msg("the second stage is the first");
  app_path(path, sizeof path, aid, "move");
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           (long long)stage, (long long)to);
  r = fx_v1(f, "POST", path, body, OBO);
  STATUS_IS(r, 200);
  common_headers(f, &r, &rem, __LINE__);
  tc_free(&r);

  static const char *const verbs[] = {"reject", "unreject", "hire"};
  for (int i = 0; i < 3; i++) {
    app_path(path, sizeof path, aid, verbs[i]);
    r = fx_v1(f, "POST", path, "{}", OBO);
    if (r.status != 200)
      fail_msg("%s: HTTP %ld: %s", verbs[i], r.status, r.body);
    common_headers(f, &r, &rem, __LINE__);
    tc_free(&r);
  }

  /* merge a seeded candidate into the new one */
  cJSON *l = V1(f, "GET", "/v1/candidates?per_page=1", NULL, NULL, 200);
  rem--;
  snprintf(body, sizeof body,
           "{\"primary_candidate_id\":%lld,\"duplicate_candidate_id\":%lld}",
           (long long)cid, (long long)ID(cJSON_GetArrayItem(l, 0), "id"));
  cJSON_Delete(l);
  r = fx_v1(f, "PUT", "/v1/candidates/merge", body, OBO);
  STATUS_IS(r, 200);
  common_headers(f, &r, &rem, __LINE__);
  tc_free(&r);
  if (rem <= 0 || rem >= 50)
    fail_msg("remaining %d after the walk", rem);
}

static void test_rate_limit_window(void **state)
{
  struct simfx *f = *state;
  char buf[32];
  int rem = 50;
  for (int i = 0; i < 50; i++) {
    struct tc_resp r = fx_v1(f, "GET", "/v1/sources", NULL, NULL);
    if (r.status != 200)
      fail_msg("request %d: HTTP %ld", i + 1, r.status);
    common_headers(f, &r, &rem, __LINE__);
    tc_free(&r);
  }
  struct tc_resp r = fx_v1(f, "GET", "/v1/sources", NULL, NULL);
  STATUS_IS(r, 429);
  HEADER(r, "Retry-After", buf);
  if (atoi(buf) < 1 || atoi(buf) > 10)
    fail_msg("Retry-After '%s'", buf);
  tc_free(&r);
  /* a rolling 10 s window: 10 s later there is room again */
  fx_advance(f, 10000);
  r = fx_v1(f, "GET", "/v1/sources", NULL, NULL);
  STATUS_IS(r, 200);
  rem = 50;
  common_headers(f, &r, &rem, __LINE__);
  tc_free(&r);
}

static void test_no_rate_headers_when_off(void **state)
{
  struct simfx *f = *state; /* default fixture: rate limiting off */
  char buf[64], want[AT_TIME_BUF];
  fx_advance(f, 3600 * 1000 + 1234);
  struct tc_resp r = fx_v1(f, "GET", "/v1/jobs", NULL, NULL);
  STATUS_IS(r, 200);
  if (tc_header(&r, "X-RateLimit-Limit", buf, sizeof buf))
    fail_msg("rate limiting is off but X-RateLimit-Limit is %s", buf);
  HEADER(r, "Date", buf);
  STR_IS(buf, at_time_http_date(now(f), want));
  HEADER(r, "Content-Type", buf);
  CONTAINS(buf, "application/json");
  tc_free(&r);
  for (int i = 0; i < 60; i++) { /* more than 50 in a window: all fine */
    r = fx_v1(f, "GET", "/v1/sources", NULL, NULL);
    if (r.status != 200)
      fail_msg("request %d: HTTP %ld with rate limiting off", i + 1, r.status);
    tc_free(&r);
  }
}

/* ==== authentication and authorization ================================================ */

static struct tc_resp as_user(struct simfx *f, const char *method,
                              const char *path, const char *user,
                              const char *bearer)
{
  struct tc_opts o = {.user = user, .bearer = bearer};
  return tc_do(f->loop, method, fx_url(f, path), NULL, &o);
}

static void unauthorized(struct tc_resp *r, int line)
{
  status_is(r, 401, line);
  cJSON *j = fx_json(r);
  str_is(str(mem(j, "message", line), line), "Invalid Basic Auth credentials",
         line);
  if (cJSON_GetArraySize(j) != 1)
    fail_msg("line %d: 401 body has extra members: %s", line, r->body);
  cJSON_Delete(j);
  char buf[128];
  header(r, "WWW-Authenticate", buf, sizeof buf, line);
  contains(buf, "Basic", line);
  tc_free(r);
}
#define UNAUTHORIZED(r) unauthorized(&(r), __LINE__)

static void test_auth_failures(void **state)
{
  struct simfx *f = *state;
  struct tc_resp r = as_user(f, "GET", "/v1/jobs", NULL, NULL);
  UNAUTHORIZED(r);
  r = as_user(f, "GET", "/v1/jobs", "not-a-key:", NULL);
  UNAUTHORIZED(r);
  /* the key in the password slot is not the key */
  char user[96];
  snprintf(user, sizeof user, "x:%s", f->key);
  r = as_user(f, "GET", "/v1/jobs", user, NULL);
  UNAUTHORIZED(r);
  /* a v3 bearer token is no v1 credential */
  r = as_user(f, "GET", "/v1/jobs", NULL, f->access);
  UNAUTHORIZED(r);
  /* writes too, before any body is looked at */
  struct tc_opts o = {.obo = OBO};
  r = tc_do(f->loop, "POST", fx_url(f, "/v1/candidates"), "{", &o);
  UNAUTHORIZED(r);
  /* the real key still works */
  cJSON_Delete(V1(f, "GET", "/v1/jobs", NULL, NULL, 200));
}

static void test_auth_revoked_key(void **state)
{
  struct simfx *f = *state;
  cJSON_Delete(V1(f, "GET", "/v1/jobs", NULL, NULL, 200));
  char err[256];
  cJSON *k = NULL;
  if (sim_credential_add(f->sim, "api_key", NULL, 0, &k, err, sizeof err))
    fail_msg("second key: %s", err);
  char other[96];
  snprintf(other, sizeof other, "%s:",
           cJSON_GetStringValue(cJSON_GetObjectItem(k, "key")));
  cJSON_Delete(k);
  cJSON_Delete(fx_action(f, "revoke_api_key", "credential=key-1"));
  struct tc_resp r = fx_v1(f, "GET", "/v1/jobs", NULL, NULL);
  UNAUTHORIZED(r);
  r = fx_v1(f, "POST", "/v1/candidates", "{}", OBO);
  UNAUTHORIZED(r);
  /* another key is unaffected */
  r = as_user(f, "GET", "/v1/jobs", other, NULL);
  STATUS_IS(r, 200);
  tc_free(&r);
}

/* A key holding only 'perms' (comma list); returns "secret:" in buf. */
static void limited_key(struct simfx *f, const char *perms, char *buf,
                        size_t len)
{
  struct sim_kv kv[] = {{"permissions", perms}};
  cJSON *k = NULL;
  char err[256];
  if (sim_credential_add(f->sim, "api_key", kv, 1, &k, err, sizeof err) != 0)
    fail_msg("minting a key with permissions '%s': %s", perms, err);
  snprintf(buf, len, "%s:", cJSON_GetStringValue(cJSON_GetObjectItem(k, "key")));
  const cJSON *p = cJSON_GetObjectItem(k, "permissions");
  if (!cJSON_IsArray(p))
    fail_msg("the key's permissions are not a list");
  cJSON_Delete(k);
}

static void test_auth_missing_permission(void **state)
{
  struct simfx *f = *state;
  char key[96];
  limited_key(f, "GET /v1/jobs", key, sizeof key);
  struct tc_resp r = as_user(f, "GET", "/v1/jobs", key, NULL);
  STATUS_IS(r, 200);
  tc_free(&r);
  r = as_user(f, "GET", "/v1/candidates", key, NULL);
  STATUS_IS(r, 403);
  cJSON *j = fx_json(&r);
  STR_IS(STR(j, "message"), "You do not have access to that record.");
  cJSON_Delete(j);
  tc_free(&r);
  /* GET /v1/jobs/{id} is a permission of its own */
  r = as_user(f, "GET", "/v1/jobs/4100001", key, NULL);
  STATUS_IS(r, 403);
  tc_free(&r);

  char two[96];
  limited_key(f, "GET /v1/jobs,GET /v1/candidates", two, sizeof two);
  r = as_user(f, "GET", "/v1/candidates", two, NULL);
  STATUS_IS(r, 200);
  tc_free(&r);
  r = as_user(f, "GET", "/v1/applications", two, NULL);
  STATUS_IS(r, 403);
  tc_free(&r);
  /* a write permission missing: 403 before the body or On-Behalf-Of */
  struct tc_opts o = {.user = two};
  r = tc_do(f->loop, "POST", fx_url(f, "/v1/candidates"), "{", &o);
  STATUS_IS(r, 403);
  tc_free(&r);
}

static void test_on_behalf_of(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  char body[256];
  snprintf(body, sizeof body,
           "{\"first_name\":\"A\",\"last_name\":\"B\","
           "\"applications\":[{\"job_id\":%lld}]}",
           (long long)j.id);

  cJSON *o = V1(f, "POST", "/v1/candidates", body, NULL, 422);
  ERROR_FIELD(o, "On-Behalf-Of");
  CONTAINS(ERROR_MESSAGE(o), "On-Behalf-Of");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates", body, "", 422);
  ERROR_FIELD(o, "On-Behalf-Of");
  cJSON_Delete(o);

  o = V1(f, "POST", "/v1/candidates", body, "999", 403);
  CONTAINS(ERROR_MESSAGE(o), "999");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates", body, "abc", 403);
  CONTAINS(ERROR_MESSAGE(o), "abc");
  cJSON_Delete(o);

  o = V1(f, "GET", "/v1/candidates", NULL, NULL, 200);
  INT_IS(SIZE(o), 0, "candidates after refused creates");
  cJSON_Delete(o);

  struct cand c = add_cand(f, "Existing", NULL, j.id);
  cJSON *add = fx_action(f, "add_user", "first_name=A last_name=B");
  int64_t uid = ID(add, "id");
  cJSON_Delete(add);
  cJSON_Delete(fx_action(f, "deactivate_user", "user=4000001"));
  o = V1(f, "POST", "/v1/candidates", body, OBO, 403);
  CONTAINS(ERROR_MESSAGE(o), "4000001");
  CONTAINS(ERROR_MESSAGE(o), "deactivated");
  cJSON_Delete(o);
  /* the other writes check it too */
  char path[96];
  app_path(path, sizeof path, c.app, "reject");
  o = V1(f, "POST", path, "{}", OBO, 403);
  cJSON_Delete(o);
  o = V1(f, "POST", path, "{}", NULL, 422);
  ERROR_FIELD(o, "On-Behalf-Of");
  cJSON_Delete(o);
  o = V1(f, "PUT", "/v1/candidates/merge", "{}", NULL, 422);
  ERROR_FIELD(o, "On-Behalf-Of");
  cJSON_Delete(o);

  /* nothing was written */
  o = V1(f, "GET", "/v1/candidates", NULL, NULL, 200);
  INT_IS(SIZE(o), 1, "candidates after refused writes");
  cJSON_Delete(o);
  app_path(path, sizeof path, c.app, NULL);
  o = V1(f, "GET", path, NULL, NULL, 200);
  STR_IS(STR(o, "status"), "active");
  cJSON_Delete(o);
  /* reads need no On-Behalf-Of, and an active user may write */
  char who[24];
  snprintf(who, sizeof who, "%lld", (long long)uid);
  o = V1(f, "POST", "/v1/candidates", body, who, 201);
  cJSON_Delete(o);
  cJSON_Delete(fx_action(f, "reactivate_user", "user=4000001"));
  o = V1(f, "POST", "/v1/candidates", body, OBO, 201);
  cJSON_Delete(o);
}

static void test_get_with_body(void **state)
{
  struct simfx *f = *state;
  cJSON *o = V1(f, "GET", "/v1/jobs", "{}", NULL, 403);
  STR(o, "message");
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates?per_page=1", "x", NULL, 403);
  cJSON_Delete(o);
  cJSON_Delete(V1(f, "GET", "/v1/jobs", NULL, NULL, 200));
}

static void test_auth_before_routing(void **state)
{
  struct simfx *f = *state;
  struct tc_resp r = as_user(f, "GET", "/v1/nope", NULL, NULL);
  UNAUTHORIZED(r);
  r = as_user(f, "DELETE", "/v1/jobs", NULL, NULL);
  UNAUTHORIZED(r);
  cJSON *o = V1(f, "GET", "/v1/nope", NULL, NULL, 404);
  STR(o, "message");
  cJSON_Delete(o);
  cJSON_Delete(V1(f, "DELETE", "/v1/jobs", NULL, NULL, 404));
  cJSON_Delete(V1(f, "DELETE", "/v1/candidates/30000001", NULL, OBO, 404));
  cJSON_Delete(V1(f, "GET", "/v1/jobs/abc", NULL, NULL, 404));
  cJSON_Delete(V1(f, "GET", "/v1/candidates/merge", NULL, NULL, 404));
  cJSON_Delete(V1(f, "POST", "/v1/jobs", "{}", OBO, 404));
  /* a trailing slash is tolerated */
  o = V1(f, "GET", "/v1/jobs/", NULL, NULL, 200);
  INT_IS(SIZE(o), 5, "jobs with a trailing slash");
  cJSON_Delete(o);
}

/* ==== PATCH /v1/candidates/{id} ==================================================== */

/* A person made through POST /v1/candidates with two e-mails, a phone, a
 * tag, a custom field, a company and an application; returns its id. */
static int64_t patch_subject(struct simfx *f, int64_t job)
{
  char body[1024];
  snprintf(body, sizeof body,
           "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
           "\"company\":\"Analytical Engines\","
           "\"email_addresses\":[{\"value\":\"ada@example.com\","
           "\"type\":\"personal\"},{\"value\":\"ada@work.example\","
           "\"type\":\"work\"}],"
           "\"phone_numbers\":[{\"value\":\"+15555550100\",\"type\":\"mobile\"}],"
           "\"tags\":[\"math\"],"
           "\"custom_fields\":[{\"name_key\":\"current_salary\",\"value\":\"$1\"}],"
           "\"applications\":[{\"job_id\":%lld}]}",
           (long long)job);
  cJSON *o = V1(f, "POST", "/v1/candidates", body, OBO, 201);
  int64_t id = ID(o, "id");
  cJSON_Delete(o);
  return id;
}

static void cand_path(char *buf, size_t len, int64_t id)
{
  snprintf(buf, len, "/v1/candidates/%lld", (long long)id);
}

/* The compact JSON of a candidate without updated_at and last_activity
 * (what a PATCH that changes nothing must leave as it was). */
static char *cand_state(struct simfx *f, int64_t id)
{
  char path[80];
  cand_path(path, sizeof path, id);
  cJSON *o = V1(f, "GET", path, NULL, NULL, 200);
  cJSON_DeleteItemFromObjectCaseSensitive(o, "updated_at");
  cJSON_DeleteItemFromObjectCaseSensitive(o, "last_activity");
  cJSON_DeleteItemFromObjectCaseSensitive(o, "applications");
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  return s;
}

static void test_candidate_patch(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  int64_t id = patch_subject(f, j.id);
  int64_t t0 = now(f);
  fx_advance(f, 60000);
  char path[80], t[AT_TIME_BUF];
  cand_path(path, sizeof path, id);
  cJSON *o = V1(f, "PATCH", path,
                "{\"first_name\":\"Augusta\",\"title\":\"Countess\","
                "\"email_addresses\":[{\"value\":\"countess@example.com\","
                "\"type\":\"other\"}],"
                "\"custom_fields\":[{\"name_key\":\"desired_salary\","
                "\"value\":\"$2\"}]}",
                OBO, 200);
  /* the answer is the whole candidate, as GET shows it */
  INT_IS(ID(o, "id"), id, "same candidate");
  STR_IS(STR(o, "first_name"), "Augusta");
  STR_IS(STR(o, "last_name"), "Lovelace"); /* not sent: kept */
  STR_IS(STR(o, "company"), "Analytical Engines");
  STR_IS(STR(o, "title"), "Countess");
  INT_IS(SIZE(MEM(o, "email_addresses")), 1, "e-mails replaced by the list");
  const cJSON *em = cJSON_GetArrayItem(MEM(o, "email_addresses"), 0);
  STR_IS(STR(em, "value"), "countess@example.com");
  STR_IS(STR(em, "type"), "other");
  INT_IS(SIZE(MEM(o, "phone_numbers")), 1, "phones kept");
  STR_IS(STR(cJSON_GetArrayItem(MEM(o, "phone_numbers"), 0), "value"),
         "+15555550100");
  STR_IS(str(cJSON_GetArrayItem(MEM(o, "tags"), 0), __LINE__), "math");
  const cJSON *cf = MEM(o, "custom_fields");
  STR_IS(STR(cf, "current_salary"), "$1"); /* the keys not sent stay */
  STR_IS(STR(cf, "desired_salary"), "$2");
  STR_IS(STR(MEM(MEM(o, "keyed_custom_fields"), "desired_salary"), "value"),
         "$2");
  INT_IS(SIZE(MEM(o, "applications")), 1, "applications untouched");
  iso(now(f), t);
  STR_IS(STR(o, "updated_at"), t);
  if (strcmp(STR(o, "created_at"), t) == 0)
    fail_msg("created_at moved with the edit: %s", t);
  cJSON_Delete(o);

  /* it reads back, and the search by e-mail follows the new list */
  o = V1(f, "GET", path, NULL, NULL, 200);
  STR_IS(STR(o, "first_name"), "Augusta");
  STR_IS(STR(o, "title"), "Countess");
  STR_IS(STR(cJSON_GetArrayItem(MEM(o, "email_addresses"), 0), "value"),
         "countess@example.com");
  STR_IS(STR(MEM(o, "custom_fields"), "desired_salary"), "$2");
  STR_IS(STR(o, "updated_at"), t);
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates?email=ada@example.com", NULL, NULL, 200);
  INT_IS(SIZE(o), 0, "the replaced e-mail no longer finds her");
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates?email=countess@example.com", NULL, NULL,
         200);
  INT_IS(SIZE(o), 1, "the new e-mail finds her");
  cJSON_Delete(o);
  /* the edit is a change for updated_after */
  char q[120];
  iso(t0 + 30000, t);
  snprintf(q, sizeof q, "/v1/candidates?updated_after=%s", t);
  o = V1(f, "GET", q, NULL, NULL, 200);
  INT_IS(SIZE(o), 1, "updated after the create");
  INT_IS(count_id(o, id), 1, "the edited one");
  cJSON_Delete(o);
}

/* Only the members sent change; empty lists clear, an empty custom_fields
 * does nothing ("Passing an empty array does nothing" [GH-CAND]). */
static void test_candidate_patch_only_given(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  int64_t id = patch_subject(f, j.id);
  char path[80];
  cand_path(path, sizeof path, id);
  char *before = cand_state(f, id);
  cJSON_Delete(V1(f, "PATCH", path, "{}", OBO, 200));
  char *after = cand_state(f, id);
  STR_IS(after, before); /* an empty edit changes nothing */
  free(after);
  cJSON_Delete(V1(f, "PATCH", path, "{\"custom_fields\":[]}", OBO, 200));
  after = cand_state(f, id);
  STR_IS(after, before);
  free(after);
  free(before);

  /* a title alone: the company and the rest stay */
  cJSON *o = V1(f, "PATCH", path, "{\"title\":\"Countess\"}", OBO, 200);
  STR_IS(STR(o, "title"), "Countess");
  STR_IS(STR(o, "company"), "Analytical Engines");
  STR_IS(STR(o, "first_name"), "Ada");
  INT_IS(SIZE(MEM(o, "email_addresses")), 2, "e-mails");
  cJSON_Delete(o);
  /* empty lists clear phones and tags; e-mails not sent stay */
  o = V1(f, "PATCH", path, "{\"phone_numbers\":[],\"tags\":[]}", OBO, 200);
  INT_IS(SIZE(MEM(o, "phone_numbers")), 0, "phones cleared");
  INT_IS(SIZE(MEM(o, "tags")), 0, "tags cleared");
  INT_IS(SIZE(MEM(o, "email_addresses")), 2, "e-mails kept");
  cJSON_Delete(o);
  /* a tag list replaces the tags; a custom field is overwritten by key */
  o = V1(f, "PATCH", path,
         "{\"tags\":[\"poet\",\"countess\"],\"custom_fields\":[{\"name_key\":"
         "\"current_salary\",\"value\":\"$3\"}]}",
         OBO, 200);
  INT_IS(SIZE(MEM(o, "tags")), 2, "tags replaced");
  STR_IS(str(cJSON_GetArrayItem(MEM(o, "tags"), 0), __LINE__), "poet");
  STR_IS(STR(MEM(o, "custom_fields"), "current_salary"), "$3");
  cJSON_Delete(o);
  o = V1(f, "GET", path, NULL, NULL, 200);
  STR_IS(STR(o, "last_name"), "Lovelace");
  STR_IS(STR(o, "title"), "Countess");
  INT_IS(SIZE(MEM(o, "phone_numbers")), 0, "phones read back cleared");
  INT_IS(SIZE(MEM(o, "tags")), 2, "tags read back");
  STR_IS(STR(MEM(o, "custom_fields"), "current_salary"), "$3");
  cJSON_Delete(o);
}

static void test_candidate_patch_refused(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  int64_t id = patch_subject(f, j.id);
  char path[80];
  cand_path(path, sizeof path, id);
  char *before = cand_state(f, id);
  const char *edit = "{\"first_name\":\"Augusta\"}";

  /* credentials: none, unknown, revoked-style wrong slot */
  struct tc_opts no = {0}, bad = {.user = "not-a-key:", .obo = OBO};
  struct tc_resp r = tc_do(f->loop, "PATCH", fx_url(f, path), edit, &no);
  UNAUTHORIZED(r);
  r = tc_do(f->loop, "PATCH", fx_url(f, path), edit, &bad);
  UNAUTHORIZED(r);
  /* a key without the route's permission: 403, before the body */
  char key[96];
  limited_key(f, "GET /v1/candidates/{id},POST /v1/candidates", key,
              sizeof key);
  struct tc_opts lim = {.user = key, .obo = OBO};
  r = tc_do(f->loop, "PATCH", fx_url(f, path), "{", &lim);
  STATUS_IS(r, 403);
  cJSON *o = fx_json(&r);
  STR_IS(STR(o, "message"), "You do not have access to that record.");
  cJSON_Delete(o);
  tc_free(&r);
  /* On-Behalf-Of: missing, unknown, deactivated */
  o = V1(f, "PATCH", path, edit, NULL, 422);
  ERROR_FIELD(o, "On-Behalf-Of");
  cJSON_Delete(o);
  o = V1(f, "PATCH", path, edit, "999", 403);
  CONTAINS(ERROR_MESSAGE(o), "999");
  cJSON_Delete(o);
  cJSON *u = fx_action(f, "add_user", "first_name=Other last_name=User");
  char who[24];
  snprintf(who, sizeof who, "%lld", (long long)ID(u, "id"));
  cJSON_Delete(u);
  cJSON_Delete(fx_action(f, "deactivate_user", "user=4000001"));
  o = V1(f, "PATCH", path, edit, OBO, 403);
  CONTAINS(ERROR_MESSAGE(o), "deactivated");
  cJSON_Delete(o);
  /* unknown and merged-away candidates: 404 */
  o = V1(f, "PATCH", "/v1/candidates/31999999", edit, who, 404);
  STR_IS(STR(o, "message"), "Resource not found");
  cJSON_Delete(o);
  struct cand dup = add_cand(f, "Dup", NULL, 0);
  char kv[96], dpath[80];
  snprintf(kv, sizeof kv, "primary=%lld duplicate=%lld", (long long)id,
           (long long)dup.id);
  cJSON_Delete(fx_action(f, "merge_candidates", kv));
  cand_path(dpath, sizeof dpath, dup.id);
  cJSON_Delete(V1(f, "PATCH", dpath, edit, who, 404));
  /* bodies that are not JSON objects: 400 */
  static const char *const junk[] = {"{\"first_name\":", "[]", "\"x\"", "{}{}"};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
    o = V1(f, "PATCH", path, junk[i], who, 400);
    CONTAINS(ERROR_MESSAGE(o), "Invalid JSON payload");
    cJSON_Delete(o);
  }
  /* members of the wrong shape: 422 naming each */
  static const struct {
    const char *body, *field;
  } bad_members[] = {
      {"{\"first_name\":42}", "first_name"},
      {"{\"first_name\":\"\"}", "first_name"},
      {"{\"last_name\":\"\"}", "last_name"},
      {"{\"company\":[]}", "company"},
      {"{\"title\":7}", "title"},
      {"{\"email_addresses\":\"a@b.c\"}", "email_addresses"},
      {"{\"email_addresses\":[{\"value\":\"a@b.c\",\"type\":\"bogus\"}]}",
       "email_addresses"},
      {"{\"phone_numbers\":[{\"value\":\"+15555550101\"}]}", "phone_numbers"},
      {"{\"tags\":\"math\"}", "tags"},
      {"{\"custom_fields\":{\"current_salary\":\"$9\"}}", "custom_fields"},
      {"{\"custom_fields\":[{\"value\":\"$9\"}]}", "custom_fields"},
  };
  for (size_t i = 0; i < sizeof bad_members / sizeof *bad_members; i++) {
    struct tc_resp rr = fx_v1(f, "PATCH", path, bad_members[i].body, who);
    if (rr.status != 422)
      fail_msg("%s: HTTP %ld, want 422: %s", bad_members[i].body, rr.status,
               rr.body);
    o = fx_json(&rr);
    tc_free(&rr);
    STR_IS(STR(o, "message"), "Validation error");
    ERROR_FIELD(o, bad_members[i].field);
    cJSON_Delete(o);
  }
  /* nothing was written by any of these */
  char *after = cand_state(f, id);
  STR_IS(after, before);
  free(after);
  free(before);
  /* and the same edit goes through with good credentials */
  o = V1(f, "PATCH", path, edit, who, 200);
  STR_IS(STR(o, "first_name"), "Augusta");
  cJSON_Delete(o);
  /* a key holding only this route's permission may edit */
  limited_key(f, "PATCH /v1/candidates/{id}", key, sizeof key);
  struct tc_opts only = {.user = key, .obo = who};
  r = tc_do(f->loop, "PATCH", fx_url(f, path), "{\"last_name\":\"Byron\"}",
            &only);
  STATUS_IS(r, 200);
  CONTAINS(r.body, "\"last_name\":\"Byron\"");
  tc_free(&r);
}

/* The data faults judge the candidate as it would be after the edit. */
static void test_candidate_patch_data_faults(void **state)
{
  struct simfx *f = *state;
  struct job j = backend_job(f);
  int64_t id = patch_subject(f, j.id);
  char path[80];
  cand_path(path, sizeof path, id);
  int rule = fx_fault(f, "required_field", "field=phone");
  /* she keeps her phone: an edit of something else passes */
  cJSON_Delete(V1(f, "PATCH", path, "{\"title\":\"Countess\"}", OBO, 200));
  /* clearing the phones would leave none: refused, nothing written */
  cJSON *o = V1(f, "PATCH", path, "{\"phone_numbers\":[],\"title\":\"X\"}",
                OBO, 422);
  STR_IS(STR(o, "message"), "Validation error");
  ERROR_FIELD(o, "phone_numbers");
  CONTAINS(ERROR_MESSAGE(o), "Is required");
  cJSON_Delete(o);
  o = V1(f, "GET", path, NULL, NULL, 200);
  INT_IS(SIZE(MEM(o, "phone_numbers")), 1, "phone kept after the refusal");
  STR_IS(STR(o, "title"), "Countess");
  cJSON_Delete(o);
  /* replacing the phone with another one passes */
  cJSON_Delete(V1(f, "PATCH", path,
                  "{\"phone_numbers\":[{\"value\":\"+15555550199\","
                  "\"type\":\"work\"}]}",
                  OBO, 200));
  sim_fault_clear(f->sim, rule);

  rule = fx_fault(f, "format_rule", "rule=e164 field=phone");
  o = V1(f, "PATCH", path,
         "{\"phone_numbers\":[{\"value\":\"(555) 555-0100\",\"type\":\"home\"}]}",
         OBO, 422);
  ERROR_FIELD(o, "phone_numbers");
  CONTAINS(ERROR_MESSAGE(o), "E.164");
  cJSON_Delete(o);
  sim_fault_clear(f->sim, rule);

  rule = fx_fault(f, "format_rule", "rule=date field=custom_fields.start_date");
  o = V1(f, "PATCH", path,
         "{\"custom_fields\":[{\"name_key\":\"start_date\","
         "\"value\":\"03/02/2026\"}]}",
         OBO, 422);
  ERROR_FIELD(o, "custom_fields.start_date");
  cJSON_Delete(o);
  o = V1(f, "PATCH", path,
         "{\"custom_fields\":[{\"name_key\":\"start_date\","
         "\"value\":\"2026-03-02\"}]}",
         OBO, 200);
  STR_IS(STR(MEM(o, "custom_fields"), "start_date"), "2026-03-02");
  STR_IS(STR(MEM(o, "custom_fields"), "current_salary"), "$1");
  cJSON_Delete(o);
  sim_fault_clear(f->sim, rule);

  /* a rule on the stored name bites on an edit of something else */
  rule = fx_fault(f, "format_rule", "rule=max_length:3 field=last_name");
  o = V1(f, "PATCH", path, "{\"title\":\"Y\"}", OBO, 422);
  ERROR_FIELD(o, "last_name");
  cJSON_Delete(o);
  o = V1(f, "PATCH", path, "{\"title\":\"Y\",\"last_name\":\"Kin\"}", OBO,
         200);
  STR_IS(STR(o, "last_name"), "Kin");
  cJSON_Delete(o);
  sim_fault_clear(f->sim, rule);

  /* a member sent as null changes nothing: the rules judge what stays */
  rule = fx_fault(f, "required_field", "field=email");
  o = V1(f, "PATCH", path, "{\"email_addresses\":null,\"first_name\":null}",
         OBO, 200);
  assert_true(cJSON_GetArraySize(MEM(o, "email_addresses")) > 0);
  cJSON_Delete(o);
  o = V1(f, "PATCH", path, "{\"email_addresses\":[]}", OBO, 422);
  ERROR_FIELD(o, "email_addresses");
  cJSON_Delete(o);
  sim_fault_clear(f->sim, rule);
  /* an application's source is not the person's: an edit of the person
   * alone is not judged by a source rule */
  rule = fx_fault(f, "required_field", "field=source");
  cJSON_Delete(V1(f, "PATCH", path, "{\"title\":\"Z\"}", OBO, 200));
  sim_fault_clear(f->sim, rule);
}

/* ==== bad input ============================================================================ */

static void test_malformed_json(void **state)
{
  struct simfx *f = *state;
  static const char *const bodies[] = {
      "{\"first_name\":",   "{bad json}",      "{\"a\":1,}",
      "[{\"first_name\":\"A\"}]", "[]",        "\"a string\"",
      "42",                 "null",            "{\"a\":\"\xff\xfe\"",
      "{}{}",
  };
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
    struct tc_resp r = fx_v1(f, "POST", "/v1/candidates", bodies[i], OBO);
    if (r.status != 400)
      fail_msg("body %zu '%s': HTTP %ld, want 400: %s", i, bodies[i],
               r.status, r.body);
    cJSON *j = fx_json(&r);
    CONTAINS(ERROR_MESSAGE(j), "Invalid JSON payload");
    cJSON_Delete(j);
    tc_free(&r);
    /* the server keeps answering */
    cJSON_Delete(V1(f, "GET", "/v1/sources", NULL, NULL, 200));
  }
  /* the state-change routes parse bodies the same way */
  char path[96];
  app_path(path, sizeof path, 60000001, "move");
  cJSON_Delete(V1(f, "POST", path, "{\"from_stage_id\":", OBO, 400));
  app_path(path, sizeof path, 60000001, "reject");
  cJSON_Delete(V1(f, "POST", path, "[1]", OBO, 400));
  cJSON_Delete(V1(f, "PUT", "/v1/candidates/merge", "{", OBO, 400));
  cJSON_Delete(V1(f, "POST", "/v1/candidates/30000001/applications", "[]",
                  OBO, 400));
  /* and a good write still works */
  cJSON_Delete(V1(f, "POST", "/v1/candidates",
                  "{\"first_name\":\"A\",\"last_name\":\"B\","
                  "\"applications\":[{\"job_id\":4100001}]}",
                  OBO, 201));
}

static void test_wrong_types(void **state)
{
  struct simfx *f = *state;
  cJSON *o = V1(f, "POST", "/v1/candidates",
                "{\"first_name\":42,\"last_name\":true,\"company\":[],"
                "\"applications\":[{\"job_id\":\"abc\"}]}",
                OBO, 422);
  ERROR_FIELD(o, "first_name");
  ERROR_FIELD(o, "last_name");
  ERROR_FIELD(o, "company");
  ERROR_FIELD(o, "job_id");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\","
         "\"email_addresses\":\"a@b.c\",\"tags\":\"x\","
         "\"applications\":[{\"job_id\":4100001.5}]}",
         OBO, 422);
  ERROR_FIELD(o, "email_addresses");
  ERROR_FIELD(o, "tags");
  ERROR_FIELD(o, "job_id");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\",\"applications\":{}}",
         OBO, 422);
  ERROR_FIELD(o, "applications");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates",
         "{\"first_name\":\"A\",\"last_name\":\"B\",\"applications\":[7]}",
         OBO, 422);
  ERROR_FIELD(o, "applications");
  cJSON_Delete(o);
  o = V1(f, "PUT", "/v1/candidates/merge",
         "{\"primary_candidate_id\":\"x\",\"duplicate_candidate_id\":[1]}",
         OBO, 422);
  ERROR_FIELD(o, "primary_candidate_id");
  ERROR_FIELD(o, "duplicate_candidate_id");
  cJSON_Delete(o);
  o = V1(f, "POST", "/v1/candidates/30000001/applications",
         "{\"job_id\":\"abc\"}", OBO, 422);
  ERROR_FIELD(o, "job_id");
  cJSON_Delete(o);
  o = V1(f, "GET", "/v1/candidates", NULL, NULL, 200);
  INT_IS(SIZE(o), 6, "candidates after refused creates");
  cJSON_Delete(o);
}

static void test_oversized_body(void **state)
{
  struct simfx *f = *state;
  size_t n = ((size_t)1 << 20) + 4096;
  char *big = malloc(n + 64);
  int o = snprintf(big, 64, "{\"first_name\":\"");
  memset(big + o, 'a', n);
  strcpy(big + o + n, "\",\"last_name\":\"B\"}");
  struct tc_resp r = fx_v1(f, "POST", "/v1/candidates", big, OBO);
  free(big);
  STATUS_IS(r, 413);
  cJSON *j = fx_json(&r);
  ERROR_MESSAGE(j);
  cJSON_Delete(j);
  tc_free(&r);
  /* just under the cap is read (and refused for what it says) */
  n = ((size_t)1 << 20) - 200;
  big = malloc(n + 64);
  o = snprintf(big, 64, "{\"first_name\":\"");
  memset(big + o, 'a', n);
  strcpy(big + o + n, "\",\"last_name\":\"B\"}");
  r = fx_v1(f, "POST", "/v1/candidates", big, OBO);
  free(big);
  STATUS_IS(r, 422);
  tc_free(&r);
  cJSON_Delete(V1(f, "GET", "/v1/jobs", NULL, NULL, 200));
}

static void test_bad_query_values(void **state)
{
  struct simfx *f = *state;
  static const struct {
    const char *path, *field;
  } bad[] = {
      {"/v1/candidates?updated_after=yesterday", "updated_after"},
      {"/v1/candidates?created_before=2026-13-45", "created_before"},
      {"/v1/jobs?updated_after=yesterday", "updated_after"},
      {"/v1/jobs?created_after=1772442000", "created_after"},
      {"/v1/applications?last_activity_after=yesterday", "last_activity_after"},
      {"/v1/applications?created_after=soon", "created_after"},
      {"/v1/jobs?per_page=501", "per_page"},
      {"/v1/users?per_page=0", "per_page"},
      {"/v1/applications?page=abc", "page"},
      {"/v1/sources?per_page=x", "per_page"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    struct tc_resp r = fx_v1(f, "GET", bad[i].path, NULL, NULL);
    if (r.status != 422)
      fail_msg("%s: HTTP %ld, want 422: %s", bad[i].path, r.status, r.body);
    cJSON *j = fx_json(&r);
    ERROR_FIELD(j, bad[i].field);
    cJSON_Delete(j);
    tc_free(&r);
  }
  /* well-formed timestamps in both precisions and with an offset */
  cJSON *a = V1(f, "GET", "/v1/candidates?updated_after=2026-03-01T00:00:00Z",
                NULL, NULL, 200);
  INT_IS(SIZE(a), 6, "updated since yesterday");
  cJSON_Delete(a);
  a = V1(f, "GET",
         "/v1/candidates?updated_after=2026-03-02T10:00:00.000%2B01:00", NULL,
         NULL, 200);
  INT_IS(SIZE(a), 6, "updated since 09:00Z written as 10:00+01:00");
  cJSON_Delete(a);
  a = V1(f, "GET", "/v1/candidates?updated_after=2026-03-02T09:00:00.001Z",
         NULL, NULL, 200);
  INT_IS(SIZE(a), 0, "updated after the seed time");
  cJSON_Delete(a);
}

/* ==== big ids ================================================================================ */

static void test_big_id_roundtrip(void **state)
{
  struct simfx *f = *state;
  struct job j = add_job(f, "id=9007199254740000 name=Big stages=A|B");
  INT_IS(j.id, 9007199254740000LL, "big job id");
  struct tc_resp r = fx_v1(f, "GET", "/v1/jobs/9007199254740000", NULL, NULL);
  STATUS_IS(r, 200);
  CONTAINS(r.body, "\"id\":9007199254740000,");
  NOT_CONTAINS(r.body, "e+");
  tc_free(&r);
  r = fx_v1(f, "GET", "/v1/jobs/9007199254740000/stages", NULL, NULL);
  STATUS_IS(r, 200);
  CONTAINS(r.body, "\"job_id\":9007199254740000");
  tc_free(&r);
  r = fx_v1(f, "GET", "/v1/jobs", NULL, NULL);
  STATUS_IS(r, 200);
  CONTAINS(r.body, "\"id\":9007199254740000,");
  tc_free(&r);

  /* a candidate applying to it, by number and by string */
  r = fx_v1(f, "POST", "/v1/candidates",
            "{\"first_name\":\"A\",\"last_name\":\"B\","
            "\"applications\":[{\"job_id\":9007199254740000}]}",
            OBO);
  STATUS_IS(r, 201);
  CONTAINS(r.body, "\"jobs\":[{\"id\":9007199254740000,");
  tc_free(&r);
  r = fx_v1(f, "POST", "/v1/candidates",
            "{\"first_name\":\"A\",\"last_name\":\"B\","
            "\"applications\":[{\"job_id\":\"9007199254740000\"}]}",
            OBO);
  STATUS_IS(r, 201);
  CONTAINS(r.body, "\"jobs\":[{\"id\":9007199254740000,");
  tc_free(&r);
  r = fx_v1(f, "GET", "/v1/applications?job_id=9007199254740000", NULL, NULL);
  STATUS_IS(r, 200);
  cJSON *a = fx_json(&r);
  INT_IS(SIZE(a), 2, "applications on the big job");
  tc_free(&r);
  cJSON_Delete(a);

  /* past 2^53 the digits still survive a path and a response */
  struct job huge = add_job(f, "id=9007199254740993 name=Huge stages=A");
  INT_IS(huge.id, 9007199254740993LL, "huge job id");
  r = fx_v1(f, "GET", "/v1/jobs/9007199254740993", NULL, NULL);
  STATUS_IS(r, 200);
  CONTAINS(r.body, "\"id\":9007199254740993,");
  tc_free(&r);
}

/* ==== main ======================================================================================= */

#define T_EMPTY(fn) cmocka_unit_test_setup_teardown(fn, setup_empty, teardown)
#define T_SEEDED(fn) cmocka_unit_test_setup_teardown(fn, setup_seeded, teardown)
#define T_RL(fn) cmocka_unit_test_setup_teardown(fn, setup_ratelimited, teardown)

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      T_SEEDED(test_jobs_list_status_filter),
      T_SEEDED(test_jobs_pages_walk),
      T_EMPTY(test_job_get_and_404),
      T_EMPTY(test_job_stages),
      T_EMPTY(test_users),
      T_SEEDED(test_candidates_email_filter),
      T_SEEDED(test_candidates_job_and_ids_filters),
      T_EMPTY(test_candidates_updated_after),
      T_SEEDED(test_candidates_per_page_limits),
      T_EMPTY(test_candidates_link_walk),
      T_EMPTY(test_candidate_get),
      T_EMPTY(test_candidate_create),
      T_EMPTY(test_candidate_create_duplicates),
      T_SEEDED(test_candidate_create_validation),
      T_EMPTY(test_add_application),
      T_EMPTY(test_merge),
      T_SEEDED(test_applications_filters),
      T_EMPTY(test_application_get),
      T_EMPTY(test_move),
      T_EMPTY(test_reject_unreject),
      T_EMPTY(test_hire),
      T_EMPTY(test_sources_and_reasons),
      T_RL(test_headers_on_every_route),
      T_RL(test_rate_limit_window),
      T_SEEDED(test_no_rate_headers_when_off),
      T_SEEDED(test_auth_failures),
      T_SEEDED(test_auth_revoked_key),
      T_SEEDED(test_auth_missing_permission),
      T_EMPTY(test_on_behalf_of),
      T_SEEDED(test_get_with_body),
      T_SEEDED(test_auth_before_routing),
      T_EMPTY(test_candidate_patch),
      T_EMPTY(test_candidate_patch_only_given),
      T_EMPTY(test_candidate_patch_refused),
      T_EMPTY(test_candidate_patch_data_faults),
      T_SEEDED(test_malformed_json),
      T_SEEDED(test_wrong_types),
      T_SEEDED(test_oversized_body),
      T_SEEDED(test_bad_query_values),
      T_EMPTY(test_big_id_roundtrip),
  };
  int rc = cmocka_run_group_tests_name("gh_v1", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
