/* test_gh_pull_sim.c — the Greenhouse connector's status-pull operations
 * and the source / custom fields of a create, on the wire against the fake
 * Greenhouse (virtual clock, in process): what build() sends is accepted
 * by the sim as it is (v3 filters and operators, a cursor page carrying
 * nothing but its cursor, v1 Link pages), and parse() reads the sim's
 * real answers. The engine's request layer is not involved: requests go
 * through http_send directly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "../../engine/connector.h"
#include "../../engine/http.h"
#include "at_json.h"
#include "simfx.h"
#include "tassert.h"

enum api { V3, V1 };

static struct conn_view view(struct simfx *f, enum api api)
{
  struct conn_view v = {.base_url = f->base};
  if (api == V1) {
    v.auth = ATSYNC_AUTH_API_KEY;
    v.api_key = f->key;
    v.on_behalf_of = NULL;
  } else {
    v.auth = ATSYNC_AUTH_CLIENT_CREDENTIALS;
    v.access_token = f->access;
  }
  return v;
}

struct call {
  const struct conn_view *v;
  enum op op;
  const struct op_args *a;
  struct op_result *out;
  bool done;
  int64_t now;
  struct at_loop *loop;
};

static void on_done(void *ud, struct http_resp *r)
{
  struct call *c = ud;
  connector_greenhouse.parse(c->v, c->op, c->a, r, at_loop_now(c->loop),
                             c->out);
  c->done = true;
}

static bool is_done(void *ud) { return ((struct call *)ud)->done; }

/* Build, send and parse one operation (or the page at a->page_url). */
static struct op_result *run(struct simfx *f, const struct conn_view *v,
                             enum op op, const struct op_args *a)
{
  struct http_req req;
  char err[256] = "";
  memset(&req, 0, sizeof req);
  if (connector_greenhouse.build(v, op, a, &req, err, sizeof err) != 0)
    fail_msg("build %s: %s", op_name(op), err);
  struct call c = {.v = v, .op = op, .a = a, .loop = f->loop};
  c.out = calloc(1, sizeof *c.out);
  int64_t now = at_loop_now(f->loop);
  if (http_send(f->loop, &req, now + 30000, on_done, &c) == NULL)
    fail_msg("http_send failed");
  at_loop_run_while(f->loop, is_done, &c, now + 60000);
  assert_true(c.done);
  return c.out;
}

static void done(struct op_result *r)
{
  outcome_result_free(r);
  free(r);
}

static void assert_ok(const struct op_result *r)
{
  if (r->outcome != OUT_OK)
    fail_msg("outcome %s: %s (%s)", outcome_name(r->outcome), r->words,
             r->what);
}

/* Every record of a changes-since list, following next_url page by page as
 * the caller does. Returns the number of records, *pages the pages. */
static size_t walk(struct simfx *f, enum api api, enum op op, int64_t since,
                   int *pages, char (*ids)[32], size_t max)
{
  struct conn_view v = view(f, api);
  struct op_args a = {.since = since};
  char next[2048] = "";
  size_t n = 0;
  *pages = 0;
  do {
    a.page_url = next[0] ? next : NULL;
    struct op_result *r = run(f, &v, op, &a);
    assert_ok(r);
    for (size_t i = 0; i < r->nrecs; i++) {
      const char *id = op == OP_CHANGED_APPS ? r->recs[i].application_id
                                             : r->recs[i].candidate_id;
      assert_true(id[0] != '\0');
      if (n < max)
        snprintf(ids[n], sizeof ids[n], "%s", id);
      n++;
    }
    snprintf(next, sizeof next, "%s", r->next_url);
    done(r);
    (*pages)++;
  } while (next[0] && *pages < 20);
  return n;
}

/* How many records the sim lists (asked directly). */
static int sim_count(struct simfx *f, const char *path)
{
  struct tc_resp r = fx_v3(f, "GET", path, NULL);
  assert_status(r, 200);
  cJSON *j = fx_json(&r);
  int n = cJSON_GetArraySize(j);
  cJSON_Delete(j);
  tc_free(&r);
  return n;
}

static struct simfx *seeded(void)
{
  struct simfx_opts o = {.seeded = true};
  return simfx_new(&o);
}

static void test_read_app(void **state)
{
  (void)state;
  struct simfx *f = seeded();
  for (int api = V3; api <= V1; api++) {
    struct conn_view v = view(f, (enum api)api);
    struct op_args a = {.application_id = "60000001"};
    struct op_result *r = run(f, &v, OP_READ_APP, &a);
    assert_ok(r);
    assert_string_equal(r->rec.application_id, "60000001");
    assert_string_equal(r->rec.candidate_id, "30000001");
    assert_string_equal(r->rec.job_id, "4100001");
    assert_string_equal(r->rec.status, "active"); /* v3: in_process */
    assert_true(r->rec.stage_id[0] != '\0');
    assert_true(r->rec.stage_name[0] != '\0');
    assert_true(r->rec.updated > 0);
    assert_string_equal(r->app_status, "active");
    done(r);
    a.application_id = "69999999"; /* none such: v3 [] , v1 404 */
    r = run(f, &v, OP_READ_APP, &a);
    assert_int_equal(r->outcome, OUT_NOT_FOUND);
    done(r);
  }
  simfx_free(f);
}

static void test_changed_all_and_since(void **state)
{
  (void)state;
  struct simfx *f = seeded();
  int apps = sim_count(f, "/v3/applications?per_page=500");
  int people = sim_count(f, "/v3/candidates?per_page=500");
  assert_true(apps > 0 && people > 0);
  char ids[8][32];
  int pages;
  for (int api = V3; api <= V1; api++) {
    assert_int_equal(walk(f, (enum api)api, OP_CHANGED_APPS, 0, &pages, ids,
                          8),
                     (size_t)apps);
    assert_int_equal(pages, 1);
    assert_int_equal(walk(f, (enum api)api, OP_CHANGED_PEOPLE, 0, &pages, ids,
                          8),
                     (size_t)people);
  }
  /* the newest change, then nothing after it; the filters are accepted */
  struct conn_view v = view(f, V3);
  struct op_args a = {.since = 0};
  struct op_result *r = run(f, &v, OP_CHANGED_PEOPLE, &a);
  assert_ok(r);
  int64_t newest = 0;
  for (size_t i = 0; i < r->nrecs; i++)
    if (r->recs[i].updated > newest)
      newest = r->recs[i].updated;
  done(r);
  assert_true(newest > 0);
  for (int api = V3; api <= V1; api++) {
    assert_int_equal(walk(f, (enum api)api, OP_CHANGED_PEOPLE, newest + 1000,
                          &pages, ids, 8),
                     0);
    assert_int_equal(walk(f, (enum api)api, OP_CHANGED_APPS, newest + 1000,
                          &pages, ids, 8),
                     0);
    /* 'at or after' the newest change: it is in (cut to the second) */
    assert_true(walk(f, (enum api)api, OP_CHANGED_PEOPLE, newest, &pages, ids,
                     8) >= 1);
  }
  simfx_free(f);
}

/* More applications than a page holds (500): the caller follows the v3
 * cursor (which must be the only query parameter) and the v1 Link pages,
 * and sees every application once. */
static void test_changed_pages(void **state)
{
  (void)state;
  struct simfx_opts o = {.seeded = false};
  struct simfx *f = simfx_new(&o);
  cJSON *job = fx_action(f, "add_job", "name=Paging stages=Review|Screen");
  char kv[128];
  snprintf(kv, sizeof kv, "first_name=P last_name=Q job=%lld",
           (long long)fx_id(job, "id"));
  cJSON_Delete(job);
  for (int i = 0; i < 520; i++)
    cJSON_Delete(fx_action(f, "add_candidate", kv));
  static char ids[600][32];
  int pages;
  for (int api = V3; api <= V1; api++) {
    size_t n = walk(f, (enum api)api, OP_CHANGED_APPS, 0, &pages, ids, 600);
    assert_int_equal(n, 520);
    assert_int_equal(pages, 2);
    for (size_t i = 0; i < n; i++) /* each once */
      for (size_t k = i + 1; k < n; k++)
        if (strcmp(ids[i], ids[k]) == 0)
          fail_msg("application %s listed twice", ids[i]);
    n = walk(f, (enum api)api, OP_CHANGED_PEOPLE, 0, &pages, ids, 600);
    assert_true(n >= 520);
    assert_int_equal(pages, 2);
  }
  simfx_free(f);
}

/* The source and custom fields a create sends are what the sim stores
 * (its fault rules read them the same way: rule_value). */
static void test_create_source_and_fields(void **state)
{
  (void)state;
  struct simfx *f = seeded();
  static const char *const keys[] = {"favorite_color", "desired_level"};
  static const char *const vals[] = {"Blue", "Senior"};
  for (int api = V3; api <= V1; api++) {
    char email[64];
    snprintf(email, sizeof email, "src%d@example.com", api);
    const char *emails[] = {email};
    struct op_args a = {.job_id = "4100001", .first = "Src", .last = "Test",
                        .emails = emails, .nemails = 1, .source_id = "7",
                        .field_keys = keys, .field_values = vals,
                        .nfields = 2};
    struct conn_view v = view(f, (enum api)api);
    v.on_behalf_of = api == V1 ? "4000001" : NULL;
    struct op_result *r = run(f, &v, OP_CREATE, &a);
    assert_ok(r);
    char path[128];
    snprintf(path, sizeof path, "/v1/candidates/%s", r->candidate_id);
    done(r);
    struct tc_resp got = fx_v1(f, "GET", path, NULL, NULL);
    assert_status(got, 200);
    cJSON *c = fx_json(&got);
    cJSON *cf = cJSON_GetObjectItemCaseSensitive(c, "custom_fields");
    assert_string_equal(at_json_str(cf, "favorite_color"), "Blue");
    assert_string_equal(at_json_str(cf, "desired_level"), "Senior");
    cJSON *app = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(c, "applications"), 0);
    cJSON *src = cJSON_GetObjectItemCaseSensitive(app, "source");
    assert_int_equal(fx_id(src, "id"), 7);
    cJSON_Delete(c);
    tc_free(&got);
  }
  simfx_free(f);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_read_app),
      cmocka_unit_test(test_changed_all_and_since),
      cmocka_unit_test(test_changed_pages),
      cmocka_unit_test(test_create_source_and_fields),
  };
  int rc = cmocka_run_group_tests_name("gh_pull_sim", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
