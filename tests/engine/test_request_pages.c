/* test_request_pages.c — the request layer (engine/request.c) with the
 * status-pull operations, through a connected engine and the fake
 * Greenhouse on a virtual clock:
 *   - a changes-since list is never followed page by page here: one page
 *     comes back with its next_url, and the caller's page_url goes out
 *     through the connector's build_next, as it is;
 *   - the new string arguments (source, page URL, custom fields) are deep
 *     copies: the caller's buffers may change before the request is sent;
 *   - a callback may take the records (recs) of a result; those it leaves
 *     are freed (ASan checks both). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine_int.h"
#include "at_json.h"
#include "engfx.h"
#include "tassert.h"

struct got {
  bool done;
  enum outcome outcome;
  char what[200], next[2048], cand[32];
  size_t nrecs;
  struct ats_record *kept; /* taken from the result */
  bool take;
};

static void on_result(void *ud, struct op_result *r)
{
  struct got *g = ud;
  g->done = true;
  g->outcome = r->outcome;
  snprintf(g->what, sizeof g->what, "%s", r->what);
  snprintf(g->next, sizeof g->next, "%s", r->next_url);
  snprintf(g->cand, sizeof g->cand, "%s", r->candidate_id);
  g->nrecs = r->nrecs;
  if (g->take) { /* the records are ours now */
    g->kept = r->recs;
    r->recs = NULL;
    r->nrecs = 0;
  }
}

static bool got_done(void *ud) { return ((struct got *)ud)->done; }

static void wait(struct engfx *f, struct got *g)
{
  at_loop_run_while(f->fx->loop, got_done, g,
                    at_loop_now(f->fx->loop) + 120000);
  assert_true(g->done);
}

static struct engfx *fixture(enum engfx_auth auth)
{
  struct engfx_opts o = {.auth = auth, .poll_ms = -1};
  struct engfx *f = engfx_new(&o);
  engfx_run(f, 1000); /* the token, if any */
  return f;
}

/* 520 applications: more than one page of 500. */
static void many_applications(struct engfx *f)
{
  char kv[128];
  snprintf(kv, sizeof kv, "first_name=P last_name=Q job=%lld",
           (long long)f->job);
  for (int i = 0; i < 520; i++)
    cJSON_Delete(fx_action(f->fx, "add_candidate", kv));
}

static void pages(enum engfx_auth auth, const char *route)
{
  struct engfx *f = fixture(auth);
  many_applications(f);
  struct conn *c = eng_conn(f->e, f->org);
  assert_non_null(c);
  size_t before = sim_journal_count(f->fx->sim, route, 200);

  struct got g1 = {.take = true};
  struct op_args a = {.since = 0};
  struct request *rq = conn_request(c, OP_CHANGED_APPS, &a, on_result, &g1);
  assert_non_null(rq);
  wait(f, &g1);
  if (g1.outcome != OUT_OK)
    fail_msg("first page: %s (%s)", outcome_name(g1.outcome), g1.what);
  assert_int_equal(g1.nrecs, 500);
  assert_non_null(g1.kept);
  assert_true(g1.kept[499].application_id[0] != '\0');
  free(g1.kept);
  assert_true(g1.next[0] != '\0');
  /* one page only: the request layer did not follow the Link */
  assert_int_equal(sim_journal_count(f->fx->sim, route, 200), before + 1);

  /* the next page, from a buffer the caller reuses at once */
  char *url = strdup(g1.next);
  struct got g2 = {0};
  a.page_url = url;
  rq = conn_request(c, OP_CHANGED_APPS, &a, on_result, &g2);
  assert_non_null(rq);
  memset(url, 'x', strlen(url)); /* the request kept its own copy */
  free(url);
  wait(f, &g2);
  if (g2.outcome != OUT_OK)
    fail_msg("second page: %s (%s)", outcome_name(g2.outcome), g2.what);
  assert_true(g2.nrecs >= 20); /* the seeded ones and the rest */
  assert_string_equal(g2.next, "");
  assert_int_equal(sim_journal_count(f->fx->sim, route, 200), before + 2);

  /* a page on another host never goes out with our credentials */
  struct got g3 = {0};
  a.page_url = "https://elsewhere.example/v3/applications?cursor=x";
  rq = conn_request(c, OP_CHANGED_APPS, &a, on_result, &g3);
  wait(f, &g3);
  assert_int_equal(g3.outcome, OUT_INVALID);
  assert_contains(g3.what, "another host");
  engfx_free(f);
}

static void test_pages_v3(void **state)
{
  (void)state;
  pages(ENGFX_V3_CLIENT, "GET /v3/applications");
}

static void test_pages_v1(void **state)
{
  (void)state;
  pages(ENGFX_V1_KEY, "GET /v1/applications");
}

/* A read that follows pages (find) still does: unchanged. */
static void test_people_not_followed_find_is(void **state)
{
  (void)state;
  struct engfx *f = fixture(ENGFX_V3_CLIENT);
  for (int i = 0; i < 130; i++)
    cJSON_Delete(fx_action(f->fx, "add_candidate",
                           "first_name=Dup last_name=P email=dup@example.com"));
  struct conn *c = eng_conn(f->e, f->org);
  struct got g = {0};
  struct op_args a = {.email = "dup@example.com"};
  size_t before = sim_journal_count(f->fx->sim, "GET /v3/candidates", 200);
  conn_request(c, OP_FIND, &a, on_result, &g);
  wait(f, &g);
  assert_int_equal(g.outcome, OUT_OK);
  assert_string_equal(g.next, "");
  assert_true(sim_journal_count(f->fx->sim, "GET /v3/candidates", 200) >=
              before + 2);
  /* people changed: one page, records left to the layer to free */
  struct got gp = {0};
  struct op_args ap = {.since = 0};
  before = sim_journal_count(f->fx->sim, "GET /v3/candidates", 200);
  conn_request(c, OP_CHANGED_PEOPLE, &ap, on_result, &gp);
  wait(f, &gp);
  assert_int_equal(gp.outcome, OUT_OK);
  assert_true(gp.nrecs >= 130);
  assert_int_equal(sim_journal_count(f->fx->sim, "GET /v3/candidates", 200),
                   before + 1);
  engfx_free(f);
}

/* The source and custom fields are copied: the caller's arrays and strings
 * change right after the call, before anything is sent. */
static void test_create_args_copied(void **state)
{
  (void)state;
  for (int auth = ENGFX_V3_CLIENT; auth <= ENGFX_V1_KEY; auth++) {
    struct engfx *f = fixture((enum engfx_auth)auth);
    struct conn *c = eng_conn(f->e, f->org);
    char k0[32] = "favorite_color", v0[32] = "Blue";
    char k1[32] = "desired_level", v1[32] = "Senior";
    char src[8] = "7", email[64] = "copied@example.com";
    char job[32], first[16] = "Cop", last[16] = "Ied";
    snprintf(job, sizeof job, "%lld", (long long)f->job);
    const char *keys[2] = {k0, k1}, *vals[2] = {v0, v1};
    const char *emails[1] = {email};
    struct op_args a = {.job_id = job, .first = first, .last = last,
                        .emails = emails, .nemails = 1, .source_id = src,
                        .field_keys = keys, .field_values = vals,
                        .nfields = 2};
    struct got g = {0};
    struct request *rq = conn_request(c, OP_CREATE, &a, on_result, &g);
    assert_non_null(rq);
    strcpy(k0, "zzz");
    strcpy(v0, "Red");
    strcpy(src, "3");
    strcpy(first, "Wrong");
    keys[1] = "other";
    vals[1] = "other";
    wait(f, &g);
    if (g.outcome != OUT_OK)
      fail_msg("create: %s (%s)", outcome_name(g.outcome), g.what);
    char path[96];
    snprintf(path, sizeof path, "/v1/candidates/%s", g.cand);
    struct tc_resp r = fx_v1(f->fx, "GET", path, NULL, NULL);
    assert_status(r, 200);
    cJSON *cd = fx_json(&r);
    assert_string_equal(at_json_str(cd, "first_name"), "Cop");
    cJSON *cf = cJSON_GetObjectItemCaseSensitive(cd, "custom_fields");
    assert_string_equal(at_json_str(cf, "favorite_color"), "Blue");
    assert_string_equal(at_json_str(cf, "desired_level"), "Senior");
    assert_null(at_json_str(cf, "zzz"));
    cJSON *app = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cd, "applications"), 0);
    assert_int_equal(fx_id(cJSON_GetObjectItemCaseSensitive(app, "source"),
                           "id"),
                     7);
    cJSON_Delete(cd);
    tc_free(&r);
    engfx_free(f);
  }
}

/* A request cancelled while it waits frees its copies (ASan). */
static void test_cancel_frees(void **state)
{
  (void)state;
  struct engfx *f = fixture(ENGFX_V3_CLIENT);
  struct conn *c = eng_conn(f->e, f->org);
  const char *keys[3] = {"a", "b", "c"}, *vals[3] = {"1", "2", "3"};
  struct op_args a = {.job_id = "1", .first = "A", .last = "B",
                      .source_id = "7", .page_url = "x",
                      .field_keys = keys, .field_values = vals, .nfields = 3};
  struct got g = {0};
  struct request *rq = conn_request(c, OP_CREATE, &a, on_result, &g);
  assert_non_null(rq);
  request_cancel(rq);
  engfx_run(f, 1000);
  assert_false(g.done);
  engfx_free(f);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pages_v3),
      cmocka_unit_test(test_pages_v1),
      cmocka_unit_test(test_people_not_followed_find_is),
      cmocka_unit_test(test_create_args_copied),
      cmocka_unit_test(test_cancel_frees),
  };
  int rc = cmocka_run_group_tests_name("request_pages", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
