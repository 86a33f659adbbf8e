/* test_loop.c — the one-thread loop on a virtual clock: latency, holds past
 * a deadline, issue order, drops, truncation, refusal, timers, Date. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "at_loop.h"
#include "tclient.h"

struct fx {
  struct at_clock *clock;
  struct at_loop *loop;
  struct at_httpd *srv;
  char base[64];
  /* what the handler saw */
  char order[64];
  size_t norder;
  const char *mode;
  int64_t delay;
  struct at_req *held;
};

static void handler(void *ud, struct at_req *r)
{
  struct fx *f = ud;
  const char *p = at_req_path(r);
  if (f->norder < sizeof f->order - 1)
    f->order[f->norder++] = p[strlen(p) - 1];
  const char *mode = at_req_query(r, "mode");
  if (mode && strcmp(mode, "hold") == 0) {
    f->held = r;
    at_req_hold(r);
    return;
  }
  if (mode && strcmp(mode, "drop") == 0) {
    at_req_drop(r);
    return;
  }
  struct at_resp *resp = at_resp_new(200);
  const char *body = "{\"ok\":true,\"padding\":\"0123456789abcdef\"}";
  at_resp_body(resp, "application/json", body, strlen(body));
  if (mode && strcmp(mode, "trunc") == 0)
    at_resp_truncate(resp, 5);
  at_req_respond(r, resp, at_loop_now(f->loop) + f->delay);
}

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof *f);
  f->clock = at_clock_new_virtual(AT_CLOCK_DEFAULT_EPOCH_MS);
  f->loop = at_loop_new(f->clock);
  struct at_httpd_config cfg = {.name = "t", .handler = handler, .ud = f};
  char err[128];
  f->srv = at_httpd_new(f->loop, &cfg, err, sizeof err);
  if (f->srv == NULL) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u",
           at_httpd_port(f->srv));
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  at_httpd_free(f->srv);
  at_loop_free(f->loop);
  at_clock_free(f->clock);
  free(f);
  return 0;
}

static void url(struct fx *f, char *buf, const char *path)
{
  snprintf(buf, 256, "%s%s", f->base, path);
}

static void test_latency_is_virtual(void **state)
{
  struct fx *f = *state;
  char u[256];
  f->delay = 2000;
  int64_t t0 = at_loop_now(f->loop);
  url(f, u, "/a");
  struct tc_resp r = tc_do(f->loop, "GET", u, NULL, NULL);
  assert_int_equal(r.status, 200);
  assert_int_equal(r.done_at - t0, 2000);
  assert_non_null(strstr(r.body, "\"ok\":true"));
  char d[64];
  assert_non_null(tc_header(&r, "Date", d, sizeof d));
  char want[AT_TIME_BUF];
  assert_string_equal(d, at_time_http_date(t0 + 2000, want));
  tc_free(&r);
}

static void test_issue_order(void **state)
{
  struct fx *f = *state;
  struct tc_resp rs[8];
  char u[256];
  for (int i = 0; i < 8; i++) {
    char path[16];
    snprintf(path, sizeof path, "/p%d", i);
    url(f, u, path);
    tc_start(f->loop, "GET", u, NULL, NULL, &rs[i]);
  }
  assert_int_equal(at_loop_settle(f->loop), AT_RUN_OK);
  f->order[f->norder] = '\0';
  assert_string_equal(f->order, "01234567");
  for (int i = 0; i < 8; i++) {
    assert_int_equal(rs[i].status, 200);
    tc_free(&rs[i]);
  }
}

static void test_hold_past_deadline(void **state)
{
  struct fx *f = *state;
  char u[256];
  url(f, u, "/h?mode=hold");
  struct tc_opts o = {.timeout_ms = 30000};
  int64_t t0 = at_loop_now(f->loop);
  struct tc_resp r = tc_do(f->loop, "GET", u, NULL, &o);
  assert_int_equal(r.curl_rc, CURLE_OPERATION_TIMEDOUT);
  assert_int_equal(r.done_at - t0, 30000);
  assert_non_null(f->held);
  assert_int_equal(at_httpd_live(f->srv), 1);
  /* releasing the held request later must be harmless */
  struct at_resp *late = at_resp_new(200);
  at_req_respond(f->held, late, 0);
  assert_int_equal(at_loop_run_until(f->loop, t0 + 60000), AT_RUN_OK);
  assert_int_equal(at_httpd_live(f->srv), 0);
  tc_free(&r);
}

static void test_drop_and_truncate(void **state)
{
  struct fx *f = *state;
  char u[256];
  struct tc_opts fresh = {.fresh = true};
  url(f, u, "/d?mode=drop");
  struct tc_resp r = tc_do(f->loop, "POST", u, "{}", &fresh);
  assert_int_equal(r.curl_rc, CURLE_GOT_NOTHING);
  tc_free(&r);
  url(f, u, "/t?mode=trunc");
  r = tc_do(f->loop, "GET", u, NULL, &fresh);
  assert_int_equal(r.curl_rc, CURLE_PARTIAL_FILE);
  tc_free(&r);
}

static void test_down_and_up(void **state)
{
  struct fx *f = *state;
  char u[256];
  url(f, u, "/x");
  struct tc_resp r = tc_do(f->loop, "GET", u, NULL, NULL);
  assert_int_equal(r.status, 200);
  tc_free(&r);
  uint16_t port = at_httpd_port(f->srv);
  at_httpd_set_down(f->srv, true);
  r = tc_do(f->loop, "GET", u, NULL, NULL);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
  assert_int_equal(at_httpd_set_down(f->srv, false), 0);
  assert_int_equal(at_httpd_port(f->srv), port);
  r = tc_do(f->loop, "GET", u, NULL, NULL);
  assert_int_equal(r.status, 200);
  tc_free(&r);
}

static char fired[16];
static char names[] = "abcx";
static size_t nfired;
static void mark(void *ud)
{
  fired[nfired++] = *(const char *)ud;
}

static void test_timers(void **state)
{
  struct fx *f = *state;
  nfired = 0;
  int64_t t0 = at_loop_now(f->loop);
  at_timer_add(f->loop, t0 + 500, mark, &names[2]);
  at_timer_add(f->loop, t0 + 100, mark, &names[0]);
  struct at_timer *x = at_timer_add(f->loop, t0 + 200, mark, &names[3]);
  at_timer_add(f->loop, t0 + 100, mark, &names[1]);
  at_timer_cancel(f->loop, x);
  assert_int_equal(at_loop_run_until(f->loop, t0 + 400), AT_RUN_OK);
  fired[nfired] = '\0';
  assert_string_equal(fired, "ab");
  assert_int_equal(at_loop_now(f->loop), t0 + 400);
  assert_int_equal(at_loop_run_until_idle(f->loop, t0 + 10000), AT_RUN_IDLE);
  fired[nfired] = '\0';
  assert_string_equal(fired, "abc");
}

static void test_refused_port_no_server(void **state)
{
  struct fx *f = *state;
  /* a transfer to a port nobody listens on fails fast, no stall */
  struct tc_resp r = tc_do(f->loop, "GET", "http://127.0.0.1:1/", NULL, NULL);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_latency_is_virtual, setup, teardown),
      cmocka_unit_test_setup_teardown(test_issue_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hold_past_deadline, setup, teardown),
      cmocka_unit_test_setup_teardown(test_drop_and_truncate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_down_and_up, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_refused_port_no_server, setup,
                                      teardown),
  };
  int rc = cmocka_run_group_tests_name("loop", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
