/* test_conn_state.c — the connection state machine as a user sees it,
 * through the public API and against no ATS at all: organizations,
 * connect with bad input, connect / disconnect / reconnect, approvals and
 * their validation, the candidate's sync state, the sync log with secrets
 * redacted, and an ATS that refuses connections (http://127.0.0.1:1): the
 * connection reads ats_unavailable with a reason and nothing is lost.
 * A virtual clock: the loop only runs when a test says so. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "at_clock.h"
#include "at_loop.h"
#include "atsync.h"

#define T0 AT_CLOCK_DEFAULT_EPOCH_MS
#define SECRET_KEY "supersecretkey123"
#define SECRET_CLIENT "clientsecret-9f8e7d"
#define REFUSED "http://127.0.0.1:1"

struct fx {
  struct at_clock *clock;
  struct at_loop *loop;
  struct atsync *e;
  int64_t org;
  char store[64];
};

static void fx_open(struct fx *f)
{
  char err[512] = "";
  struct atsync_config cfg = {.loop = f->loop,
                              .store = f->store[0] ? f->store : NULL,
                              .seed = 7};
  f->e = atsync_open(&cfg, err, sizeof err);
  if (f->e == NULL)
    fail_msg("atsync_open: %s", err);
}

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof *f);
  if (f == NULL)
    return -1;
  f->clock = at_clock_new_virtual(T0);
  f->loop = at_loop_new(f->clock);
  if (f->loop == NULL)
    return -1;
  char err[512] = "";
  struct atsync_config cfg = {.loop = f->loop, .seed = 7};
  f->e = atsync_open(&cfg, err, sizeof err);
  if (f->e == NULL) {
    print_message("atsync_open: %s\n", err);
    return -1;
  }
  if (atsync_org(f->e, "acme", &f->org, err, sizeof err) != 0) {
    print_message("atsync_org: %s\n", err);
    return -1;
  }
  *state = f;
  return 0;
}

static void rm_store(const char *path)
{
  static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < 4; i++) {
    char p[96];
    snprintf(p, sizeof p, "%s%s", path, sfx[i]);
    unlink(p);
  }
}

static int teardown(void **state)
{
  struct fx *f = *state;
  atsync_close(f->e);
  at_loop_free(f->loop);
  at_clock_free(f->clock);
  if (f->store[0])
    rm_store(f->store);
  free(f);
  return 0;
}

static struct atsync_credentials v1_key(const char *url)
{
  struct atsync_credentials cr = {.kind = "greenhouse",
                                  .base_url = url,
                                  .auth = ATSYNC_AUTH_API_KEY,
                                  .api_key = SECRET_KEY,
                                  .on_behalf_of = "42"};
  return cr;
}

static struct atsync_connection conn(struct fx *f)
{
  struct atsync_connection c;
  if (atsync_connection(f->e, f->org, &c) != 0)
    fail_msg("atsync_connection failed for org %lld", (long long)f->org);
  return c;
}

static void expect_state(struct fx *f, enum atsync_state want)
{
  struct atsync_connection c = conn(f);
  if (c.state != want)
    fail_msg("state %s (%s), want %s", atsync_state_name(c.state), c.reason,
             atsync_state_name(want));
}

/* ---- the log ------------------------------------------------------------------ */

#define MAX_LOG 256

struct logs {
  size_t n;
  struct atsync_log_entry l[MAX_LOG];
};

static void on_log(void *ud, const struct atsync_log_entry *l)
{
  struct logs *g = ud;
  if (g->n < MAX_LOG)
    g->l[g->n++] = *l;
}

static struct logs *read_log(struct fx *f)
{
  struct logs *g = calloc(1, sizeof *g);
  assert_non_null(g);
  assert_int_equal(atsync_log(f->e, f->org, 0, on_log, g), 0);
  return g;
}

/* The first entry of 'kind' whose message contains 'text' (NULL: none). */
static const struct atsync_log_entry *find_log(const struct logs *g,
                                               const char *kind,
                                               const char *text)
{
  for (size_t i = 0; i < g->n; i++)
    if (strcmp(g->l[i].kind, kind) == 0 && strstr(g->l[i].message, text))
      return &g->l[i];
  return NULL;
}

static void dump_log(const struct logs *g)
{
  for (size_t i = 0; i < g->n; i++)
    print_message("  log %lld %s [%s] %s\n", (long long)g->l[i].id,
                  g->l[i].kind, g->l[i].candidate, g->l[i].message);
}

/* ---- candidates ------------------------------------------------------------------ */

struct cands {
  size_t n;
  struct atsync_candidate_info c[16];
};

static void on_cand(void *ud, const struct atsync_candidate_info *c)
{
  struct cands *g = ud;
  if (g->n < 16)
    g->c[g->n++] = *c;
}

static struct atsync_candidate_info cand(struct fx *f, const char *ref)
{
  struct atsync_candidate_info c;
  if (atsync_candidate(f->e, f->org, ref, &c) != 0)
    fail_msg("no candidate '%s'", ref);
  return c;
}

static void approve(struct fx *f, const char *ref, const char *email)
{
  struct atsync_candidate c = {.ref = ref, .first = "Ada", .last = "Lovelace",
                               .emails = {email}, .nemails = 1,
                               .job = "backend"};
  char err[512] = "";
  if (atsync_approve(f->e, f->org, &c, NULL, err, sizeof err) != 0)
    fail_msg("approve %s: %s", ref, err);
}

/* ---- organizations ----------------------------------------------------------------- */

static void test_org(void **state)
{
  struct fx *f = *state;
  char err[256] = "";
  int64_t again = 0, other = 0;
  assert_true(f->org > 0);
  assert_int_equal(atsync_org(f->e, "acme", &again, err, sizeof err), 0);
  assert_int_equal(again, f->org);
  assert_int_equal(atsync_org(f->e, "globex", &other, err, sizeof err), 0);
  assert_true(other > 0 && other != f->org);
  char long_name[80];
  memset(long_name, 'n', 64);
  long_name[64] = '\0';
  static const char *const bad[] = {"", NULL};
  for (size_t i = 0; i < 2; i++) {
    err[0] = '\0';
    assert_int_equal(atsync_org(f->e, bad[i], &other, err, sizeof err), -1);
    assert_non_null(strstr(err, "needs a name"));
  }
  assert_int_equal(atsync_org(f->e, long_name, &other, err, sizeof err), -1);
  /* a new organization is not connected, has no reason and no history */
  struct atsync_connection c = conn(f);
  assert_int_equal(c.state, ATSYNC_NOT_CONNECTED);
  assert_string_equal(c.reason, "");
  assert_string_equal(c.kind, "");
  assert_false(c.connected_ever);
  assert_int_equal(c.last_success, 0);
  assert_int_equal(atsync_pending(f->e, f->org), 0);
  assert_string_equal(atsync_state_name(ATSYNC_ATS_UNAVAILABLE),
                      "ats_unavailable");
  assert_string_equal(atsync_sync_name(ATSYNC_WAITING), "waiting");
}

/* ---- connect ------------------------------------------------------------------------ */

static void test_connect_bad_input(void **state)
{
  struct fx *f = *state;
  struct {
    const char *name;
    struct atsync_credentials cr;
    const char *msg;
  } cases[] = {
      {"unknown kind", {.kind = "bamboohr", .base_url = "https://x",
                        .auth = ATSYNC_AUTH_API_KEY, .api_key = "k",
                        .on_behalf_of = "1"},
       "unknown ATS 'bamboohr'"},
      {"no kind", {.base_url = "https://x", .auth = ATSYNC_AUTH_API_KEY,
                   .api_key = "k", .on_behalf_of = "1"},
       "unknown ATS"},
      {"missing URL", {.kind = "greenhouse", .auth = ATSYNC_AUTH_API_KEY,
                       .api_key = "k", .on_behalf_of = "1"},
       "URL must start with http"},
      {"empty URL", {.kind = "greenhouse", .base_url = "",
                     .auth = ATSYNC_AUTH_API_KEY, .api_key = "k",
                     .on_behalf_of = "1"},
       "URL must start with http"},
      {"not http", {.kind = "greenhouse", .base_url = "ftp://harvest",
                    .auth = ATSYNC_AUTH_API_KEY, .api_key = "k",
                    .on_behalf_of = "1"},
       "URL must start with http"},
      {"v1 key without On-Behalf-Of",
       {.kind = "greenhouse", .base_url = "https://x",
        .auth = ATSYNC_AUTH_API_KEY, .api_key = SECRET_KEY},
       "On-Behalf-Of"},
      {"v1 without a key", {.kind = "greenhouse", .base_url = "https://x",
                            .auth = ATSYNC_AUTH_API_KEY,
                            .on_behalf_of = "42"},
       "needs the key"},
      {"On-Behalf-Of not a user id",
       {.kind = "greenhouse", .base_url = "https://x",
        .auth = ATSYNC_AUTH_API_KEY, .api_key = SECRET_KEY,
        .on_behalf_of = "ada@example.com"},
       "must be a Greenhouse user id"},
      {"OAuth code without a code",
       {.kind = "greenhouse", .base_url = "https://x",
        .auth = ATSYNC_AUTH_OAUTH_CODE, .client_id = "cid",
        .client_secret = SECRET_CLIENT},
       "authorization code"},
      {"OAuth code without a secret",
       {.kind = "greenhouse", .base_url = "https://x",
        .auth = ATSYNC_AUTH_OAUTH_CODE, .client_id = "cid",
        .auth_code = "code-123456"},
       "client secret"},
      {"client credentials without a secret",
       {.kind = "greenhouse", .base_url = "https://x",
        .auth = ATSYNC_AUTH_CLIENT_CREDENTIALS, .client_id = "cid"},
       "client secret"},
      {"client credentials without a client id",
       {.kind = "greenhouse", .base_url = "https://x",
        .auth = ATSYNC_AUTH_CLIENT_CREDENTIALS,
        .client_secret = SECRET_CLIENT},
       "client id"},
      {"unknown auth mode", {.kind = "greenhouse", .base_url = "https://x",
                             .auth = (enum atsync_auth)17},
       "unknown authentication mode"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char err[512] = "";
    int rc = atsync_connect(f->e, f->org, &cases[i].cr, err, sizeof err);
    if (rc != -1 || strstr(err, cases[i].msg) == NULL)
      fail_msg("%s: rc %d, message '%s' (want -1 and '%s')", cases[i].name,
               rc, err, cases[i].msg);
    /* a message never repeats a secret */
    if (strstr(err, SECRET_KEY) || strstr(err, SECRET_CLIENT))
      fail_msg("%s: the message shows a secret: %s", cases[i].name, err);
  }
  char err[256] = "";
  assert_int_equal(atsync_connect(f->e, f->org, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown ATS"));
  /* nothing was connected or logged */
  expect_state(f, ATSYNC_NOT_CONNECTED);
  assert_false(conn(f).connected_ever);
  struct logs *g = read_log(f);
  assert_null(find_log(g, "connect", ""));
  assert_null(find_log(g, "state", ""));
  free(g);
}

static void test_connect_unknown_org(void **state)
{
  struct fx *f = *state;
  struct atsync_credentials cr = v1_key(REFUSED);
  char err[256] = "";
  int rc = atsync_connect(f->e, f->org + 1000, &cr, err, sizeof err);
  if (rc != -1)
    fail_msg("connecting an organization that does not exist returned %d",
             rc);
  assert_non_null(strstr(err, "no such organization"));
  struct atsync_connection c;
  assert_int_equal(atsync_connection(f->e, f->org + 1000, &c), -1);
  struct atsync_candidate ca = {.first = "A", .last = "B",
                                .emails = {"a@example.com"}, .nemails = 1,
                                .job = "backend"};
  err[0] = '\0';
  assert_int_equal(
      atsync_approve(f->e, f->org + 1000, &ca, NULL, err, sizeof err), -1);
  assert_non_null(strstr(err, "no such organization"));
}

static void test_connect_v1_key(void **state)
{
  struct fx *f = *state;
  struct atsync_credentials cr = v1_key(REFUSED "/");
  char err[512] = "";
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  struct atsync_connection c = conn(f);
  assert_int_equal(c.state, ATSYNC_CONNECTED);
  assert_string_equal(c.reason, "");
  assert_string_equal(c.kind, "greenhouse");
  assert_int_equal(c.auth, ATSYNC_AUTH_API_KEY);
  assert_true(c.connected_ever);
  assert_true(c.since == T0);
  assert_int_equal(c.last_success, 0); /* the ATS has not answered yet */
  struct logs *g = read_log(f);
  dump_log(g);
  const struct atsync_log_entry *l =
      find_log(g, "connect", "Connected Greenhouse (Harvest v1 API key) at "
                             REFUSED);
  if (l == NULL)
    fail_msg("no 'connect' entry naming the key mode and the URL");
  assert_string_equal(l->candidate, "");
  assert_true(l->at == T0);
  assert_non_null(find_log(g, "state", "not_connected -> connected"));
  free(g);

  /* connect again: a reconnect, still connected, logged as such */
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  expect_state(f, ATSYNC_CONNECTED);
  g = read_log(f);
  assert_non_null(find_log(g, "connect", "Reconnected Greenhouse"));
  free(g);
}

static void test_disconnect(void **state)
{
  struct fx *f = *state;
  char err[512] = "";
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), -1);
  assert_non_null(strstr(err, "not connected"));
  struct atsync_credentials cr = v1_key(REFUSED);
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  at_loop_run_until(f->loop, T0 + 1000); /* time moves on */
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), 0);
  struct atsync_connection c = conn(f);
  assert_int_equal(c.state, ATSYNC_NOT_CONNECTED);
  print_message("reason: %s\n", c.reason);
  assert_non_null(strstr(c.reason, "Disconnected"));
  assert_true(c.since == T0 + 1000);
  assert_true(c.connected_ever); /* history stays */
  struct logs *g = read_log(f);
  /* from connected, or from ats_unavailable if the first poll already
   * found the (refused) ATS down */
  assert_non_null(find_log(g, "state", "-> not_connected: Disconnected"));
  free(g);
  err[0] = '\0';
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), -1);
  assert_non_null(strstr(err, "not connected"));
  /* the loop has nothing to do for a disconnected organization */
  assert_int_equal(at_loop_run_until(f->loop, T0 + 60000), AT_RUN_OK);
  expect_state(f, ATSYNC_NOT_CONNECTED);
}

/* The state survives a restart of the engine on the same file. */
static void test_state_persists(void **state)
{
  struct fx *f = *state;
  atsync_close(f->e);
  snprintf(f->store, sizeof f->store, "/tmp/atsync-test-conn-XXXXXX");
  int fd = mkstemp(f->store);
  assert_true(fd >= 0);
  close(fd);
  fx_open(f);
  char err[512] = "";
  assert_int_equal(atsync_org(f->e, "acme", &f->org, err, sizeof err), 0);
  struct atsync_credentials cr = v1_key(REFUSED);
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  approve(f, "ada", "ada@example.com");
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), 0);
  atsync_close(f->e);
  fx_open(f);
  struct atsync_connection c = conn(f);
  assert_int_equal(c.state, ATSYNC_NOT_CONNECTED);
  assert_non_null(strstr(c.reason, "Disconnected"));
  assert_true(c.connected_ever);
  struct atsync_candidate_info a = cand(f, "ada");
  assert_int_equal(a.sync, ATSYNC_WAITING);
  assert_int_equal(atsync_pending(f->e, f->org), 1);
  /* the credentials were forgotten on disconnect: nothing to reconnect
   * with, and the file holds no key */
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), -1);
  atsync_close(f->e);
  f->e = NULL;
  FILE *fp = fopen(f->store, "rb");
  assert_non_null(fp);
  static char bytes[1 << 20];
  size_t n = fread(bytes, 1, sizeof bytes, fp);
  fclose(fp);
  bytes[n < sizeof bytes ? n : sizeof bytes - 1] = '\0';
  assert_null(memmem(bytes, n, SECRET_KEY, strlen(SECRET_KEY)));
  fx_open(f);
}

/* ---- approvals ----------------------------------------------------------------------- */

static void test_approve_validation(void **state)
{
  struct fx *f = *state;
  struct {
    const char *name;
    struct atsync_candidate c;
    const char *msg;
  } cases[] = {
      {"no email", {.first = "A", .last = "B", .job = "backend"},
       "at least one email"},
      {"bad email", {.first = "A", .last = "B", .emails = {"ada"},
                     .nemails = 1, .job = "backend"},
       "'ada' is not an email address"},
      {"no local part", {.first = "A", .last = "B",
                         .emails = {"@example.com"}, .nemails = 1,
                         .job = "backend"},
       "not an email address"},
      {"no domain", {.first = "A", .last = "B", .emails = {"ada@"},
                     .nemails = 1, .job = "backend"},
       "not an email address"},
      {"a bad second email", {.first = "A", .last = "B",
                              .emails = {"a@example.com", "b example.com"},
                              .nemails = 2, .job = "backend"},
       "'b example.com' is not an email address"},
      {"a NULL email", {.first = "A", .last = "B", .emails = {NULL},
                        .nemails = 1, .job = "backend"},
       "not an email address"},
      {"no job", {.first = "A", .last = "B", .emails = {"a@example.com"},
                  .nemails = 1},
       "needs our job"},
      {"no first name", {.last = "B", .emails = {"a@example.com"},
                         .nemails = 1, .job = "backend"},
       "first and a last name"},
      {"too many emails", {.first = "A", .last = "B",
                           .emails = {"a@example.com"},
                           .nemails = ATSYNC_MAX_EMAILS + 1,
                           .job = "backend"},
       "at most"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char err[512] = "";
    int64_t id = -5;
    int rc = atsync_approve(f->e, f->org, &cases[i].c, &id, err, sizeof err);
    if (rc != -1 || strstr(err, cases[i].msg) == NULL)
      fail_msg("%s: rc %d, message '%s' (want -1 and '%s')", cases[i].name,
               rc, err, cases[i].msg);
    assert_int_equal(id, -5); /* untouched on failure */
  }
  /* a duplicate ref */
  approve(f, "ada", "ada@example.com");
  struct atsync_candidate dup = {.ref = "ada", .first = "Other", .last = "One",
                                 .emails = {"other@example.com"},
                                 .nemails = 1, .job = "backend"};
  char err[512] = "";
  assert_int_equal(atsync_approve(f->e, f->org, &dup, NULL, err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "'ada' was approved already"));
  /* only the one valid approval exists */
  struct cands *g = calloc(1, sizeof *g);
  assert_int_equal(atsync_candidates(f->e, f->org, on_cand, g), 0);
  assert_int_equal(g->n, 1);
  assert_string_equal(g->c[0].first, "Ada");
  free(g);
  assert_int_equal(atsync_pending(f->e, f->org), 1);
}

static void test_approve_and_query(void **state)
{
  struct fx *f = *state;
  char err[512] = "";
  struct atsync_credentials cr = v1_key(REFUSED);
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  struct atsync_candidate c = {.ref = "ada", .first = "Ada",
                               .last = "Lovelace",
                               .emails = {"ada@example.com",
                                          "a.lovelace@example.org"},
                               .nemails = 2, .phone = "+44 20 0000",
                               .job = "backend", .stage = "onsite"};
  int64_t id = 0;
  assert_int_equal(atsync_approve(f->e, f->org, &c, &id, err, sizeof err), 0);
  assert_true(id > 0);
  struct atsync_candidate anon = {.first = "Bo", .last = "Bell",
                                  .emails = {"bo@example.com"}, .nemails = 1,
                                  .job = "backend"};
  int64_t id2 = 0;
  assert_int_equal(atsync_approve(f->e, f->org, &anon, &id2, err, sizeof err),
                   0);
  assert_true(id2 > id);

  /* the loop has not run: queued, nothing tried */
  struct atsync_candidate_info a = cand(f, "ada");
  assert_int_equal(a.id, id);
  assert_int_equal(a.sync, ATSYNC_QUEUED);
  assert_string_equal(a.first, "Ada");
  assert_string_equal(a.emails, "ada@example.com,a.lovelace@example.org");
  assert_string_equal(a.job, "backend");
  assert_string_equal(a.stage, "onsite");
  assert_int_equal(a.attempts, 0);
  assert_string_equal(a.error, "");
  assert_string_equal(a.ats_candidate_id, "");
  assert_true(a.approved_at == T0);
  assert_int_equal(a.synced_at, 0);

  /* a generated ref, and the default stage */
  char ref[32];
  snprintf(ref, sizeof ref, "c-%lld", (long long)id2);
  struct atsync_candidate_info b = cand(f, ref);
  assert_int_equal(b.id, id2);
  assert_string_equal(b.stage, "approved");
  assert_int_equal(b.sync, ATSYNC_QUEUED);
  struct atsync_candidate_info none;
  assert_int_equal(atsync_candidate(f->e, f->org, "nobody", &none), -1);
  assert_int_equal(atsync_pending(f->e, f->org), 2);
  assert_true(atsync_busy(f->e)); /* a push is due now */
  assert_true(atsync_next_wakeup(f->e) == T0);

  struct logs *g = read_log(f);
  const struct atsync_log_entry *l =
      find_log(g, "approved", "Approved Ada Lovelace for job 'backend'");
  assert_non_null(l);
  assert_string_equal(l->candidate, "ada");
  free(g);

  /* disconnected: the queue waits, nothing is lost */
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), 0);
  assert_int_equal(cand(f, "ada").sync, ATSYNC_WAITING);
  assert_int_equal(cand(f, ref).sync, ATSYNC_WAITING);
  assert_int_equal(atsync_pending(f->e, f->org), 2);
  /* approving while disconnected: accepted, waiting */
  approve(f, "cy", "cy@example.com");
  assert_int_equal(cand(f, "cy").sync, ATSYNC_WAITING);
  assert_int_equal(atsync_pending(f->e, f->org), 3);
  /* the loop runs: nothing is pushed, nothing is dropped */
  assert_int_equal(at_loop_run_until(f->loop, T0 + 30000), AT_RUN_OK);
  assert_int_equal(cand(f, "cy").attempts, 0);
  assert_int_equal(atsync_pending(f->e, f->org), 3);
  struct cands *all = calloc(1, sizeof *all);
  atsync_candidates(f->e, f->org, on_cand, all);
  assert_int_equal(all->n, 3);
  assert_string_equal(all->c[0].ref, "ada"); /* by id */
  assert_string_equal(all->c[2].ref, "cy");
  for (size_t i = 0; i < all->n; i++)
    assert_int_equal(all->c[i].sync, ATSYNC_WAITING);
  free(all);
}

/* ---- an ATS that refuses connections --------------------------------------------------- */

static void map_backend(struct fx *f)
{
  char err[256] = "";
  if (atsync_map_job(f->e, f->org, "backend", "4001", err, sizeof err) != 0)
    fail_msg("map job: %s", err);
}

/* No secret in the log, in any candidate's error or words, or in the
 * connection's reason. */
static void check_no_secret(struct fx *f)
{
  static const char *const secrets[] = {SECRET_KEY, SECRET_CLIENT};
  struct logs *g = read_log(f);
  struct cands *cs = calloc(1, sizeof *cs);
  atsync_candidates(f->e, f->org, on_cand, cs);
  struct atsync_connection c = conn(f);
  for (size_t s = 0; s < 2; s++) {
    for (size_t i = 0; i < g->n; i++)
      if (strstr(g->l[i].message, secrets[s]))
        fail_msg("log %s shows a secret: %s", g->l[i].kind, g->l[i].message);
    for (size_t i = 0; i < cs->n; i++)
      if (strstr(cs->c[i].error, secrets[s]) ||
          strstr(cs->c[i].ats_words, secrets[s]))
        fail_msg("candidate %s shows a secret: %s / %s", cs->c[i].ref,
                 cs->c[i].error, cs->c[i].ats_words);
    if (strstr(c.reason, secrets[s]))
      fail_msg("the reason shows a secret: %s", c.reason);
  }
  free(g);
  free(cs);
}

static void test_unreachable_ats(void **state)
{
  struct fx *f = *state;
  char err[512] = "";
  struct atsync_credentials cr = v1_key(REFUSED);
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  map_backend(f);
  approve(f, "ada", "ada@example.com");
  enum at_run rr = at_loop_run_until(f->loop, T0 + 5000);
  if (rr != AT_RUN_OK)
    fail_msg("run: %d %s", rr, at_loop_error(f->loop));
  struct atsync_connection c = conn(f);
  print_message("state %s: %s\n", atsync_state_name(c.state), c.reason);
  assert_int_equal(c.state, ATSYNC_ATS_UNAVAILABLE);
  assert_non_null(strstr(c.reason, "connection refused"));
  assert_non_null(strstr(c.reason, "Nothing is lost"));
  assert_true(c.since >= T0 && c.since <= T0 + 5000);
  assert_int_equal(c.last_success, 0);

  struct atsync_candidate_info a = cand(f, "ada");
  print_message("ada: %s, %d attempt(s): %s\n", atsync_sync_name(a.sync),
                a.attempts, a.error);
  assert_true(a.sync == ATSYNC_PUSHING || a.sync == ATSYNC_QUEUED);
  assert_true(a.attempts >= 1);
  assert_non_null(strstr(a.error, "Nothing is lost"));
  assert_int_equal(atsync_pending(f->e, f->org), 1);
  int first = a.attempts;

  struct logs *g = read_log(f);
  dump_log(g);
  assert_non_null(find_log(g, "state", "connected -> ats_unavailable"));
  assert_non_null(find_log(g, "retry", "Next try at"));
  free(g);

  /* longer: retries go on with backoff; never given up, never attention */
  rr = at_loop_run_until(f->loop, T0 + 120000);
  if (rr != AT_RUN_OK)
    fail_msg("run: %d %s", rr, at_loop_error(f->loop));
  a = cand(f, "ada");
  print_message("after 2 min: %s, %d attempt(s)\n", atsync_sync_name(a.sync),
                a.attempts);
  assert_true(a.attempts > first);
  assert_true(a.attempts < 60); /* backoff, not a tight loop */
  assert_true(a.sync == ATSYNC_PUSHING || a.sync == ATSYNC_QUEUED);
  assert_int_equal(atsync_pending(f->e, f->org), 1);
  expect_state(f, ATSYNC_ATS_UNAVAILABLE);
  assert_true(atsync_next_wakeup(f->e) > T0 + 120000 - 1);
  check_no_secret(f);

  /* a reconnect with the same problem: connected at first, the queue is due
   * at once, and the outage shows again after the next try */
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  expect_state(f, ATSYNC_CONNECTED);
  assert_true(atsync_next_wakeup(f->e) == at_loop_now(f->loop));
  rr = at_loop_run_until(f->loop, at_loop_now(f->loop) + 2000);
  assert_int_equal(rr, AT_RUN_OK);
  expect_state(f, ATSYNC_ATS_UNAVAILABLE);
  assert_true(cand(f, "ada").attempts > a.attempts);
}

static void test_unreachable_token_endpoint(void **state)
{
  struct fx *f = *state;
  char err[512] = "";
  struct atsync_credentials cr = {.kind = "greenhouse",
                                  .base_url = REFUSED,
                                  .auth = ATSYNC_AUTH_CLIENT_CREDENTIALS,
                                  .client_id = "cid-1",
                                  .client_secret = SECRET_CLIENT};
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  expect_state(f, ATSYNC_CONNECTING);
  map_backend(f);
  approve(f, "ada", "ada@example.com");
  assert_int_equal(cand(f, "ada").sync, ATSYNC_QUEUED);
  enum at_run rr = at_loop_run_until(f->loop, T0 + 10000);
  if (rr != AT_RUN_OK)
    fail_msg("run: %d %s", rr, at_loop_error(f->loop));
  struct atsync_connection c = conn(f);
  print_message("state %s: %s\n", atsync_state_name(c.state), c.reason);
  /* a token endpoint that does not answer is an outage, not a disconnect */
  assert_int_equal(c.state, ATSYNC_ATS_UNAVAILABLE);
  assert_true(c.reason[0] != '\0');
  assert_int_equal(atsync_pending(f->e, f->org), 1);
  struct atsync_candidate_info a = cand(f, "ada");
  assert_true(a.sync != ATSYNC_NEEDS_ATTENTION && a.sync != ATSYNC_SYNCED);
  check_no_secret(f);
}

/* ---- redaction through the public API ----------------------------------------------------- */

static void test_log_and_redact_hide_the_key(void **state)
{
  struct fx *f = *state;
  char err[512] = "";
  struct atsync_credentials cr = v1_key(REFUSED);
  assert_int_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  /* a candidate whose data carries the key (pasted by mistake) */
  struct atsync_candidate c = {.ref = "leaky", .first = SECRET_KEY,
                               .last = "Paste",
                               .emails = {"leaky@example.com"}, .nemails = 1,
                               .job = "backend"};
  assert_int_equal(atsync_approve(f->e, f->org, &c, NULL, err, sizeof err), 0);
  map_backend(f);
  at_loop_run_until(f->loop, T0 + 3000);
  check_no_secret(f);
  struct logs *g = read_log(f);
  assert_non_null(find_log(g, "approved", "Approved [redacted] Paste"));
  free(g);
  char text[] = "curl -u " SECRET_KEY ": -H 'On-Behalf-Of: 42'";
  atsync_redact(f->e, text);
  print_message("%s\n", text);
  assert_null(strstr(text, SECRET_KEY));
  assert_non_null(strstr(text, "On-Behalf-Of: 42"));
  /* after a disconnect the key is still a secret for this engine */
  assert_int_equal(atsync_disconnect(f->e, f->org, err, sizeof err), 0);
  char again[] = "key " SECRET_KEY;
  atsync_redact(f->e, again);
  assert_null(strstr(again, SECRET_KEY));
  check_no_secret(f);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_org),
      T(test_connect_bad_input),
      T(test_connect_unknown_org),
      T(test_connect_v1_key),
      T(test_disconnect),
      T(test_state_persists),
      T(test_approve_validation),
      T(test_approve_and_query),
      T(test_unreachable_ats),
      T(test_unreachable_token_endpoint),
      T(test_log_and_redact_hide_the_key),
  };
#undef T
  int rc = cmocka_run_group_tests_name("conn_state", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
