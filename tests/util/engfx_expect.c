/* engfx_expect.c — see engfx_expect.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engfx_expect.h"

#define SEC 1000LL
#define MIN (60 * SEC)

/* ---- what a user sees ---- */

void engfx_no_secret(struct engfx *f, const char *text)
{
  const char *bad[] = {f->fx->client_secret, f->fx->key, "Bearer ey",
                       "Authorization:"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (bad[i][0] && strstr(text, bad[i]))
      fail_msg("a secret ('%.12s...') in: %s", bad[i], text);
}

void engfx_expect_state(struct engfx *f, enum atsync_state want, ...)
{
  char why[600];
  enum atsync_state s = engfx_state(f, why, sizeof why);
  if (s != want)
    fail_msg("connection: want %s, got %s (%s)", atsync_state_name(want),
             atsync_state_name(s), why);
  engfx_no_secret(f, why);
  if (want == ATSYNC_CONNECTED && why[0])
    fail_msg("connected, yet a reason: %s", why);
  va_list ap;
  va_start(ap, want);
  for (const char *p = va_arg(ap, const char *); p;
       p = va_arg(ap, const char *))
    if (!engfx_has_phrase(f, why, p))
      fail_msg("connection %s: the reason does not mention '%s': %s",
               atsync_state_name(s), p, why);
  va_end(ap);
}

void engfx_expect_cand(struct engfx *f, const char *ref,
                       enum atsync_sync want, ...)
{
  struct atsync_candidate_info c = engfx_cand(f, ref);
  if (c.sync != want)
    fail_msg("%s: want %s, got %s (error: %s)", ref, atsync_sync_name(want),
             atsync_sync_name(c.sync), c.error);
  engfx_no_secret(f, c.error);
  engfx_no_secret(f, c.ats_words);
  if (want == ATSYNC_SYNCED && c.error[0])
    fail_msg("%s: synced, yet an error: %s", ref, c.error);
  va_list ap;
  va_start(ap, want);
  for (const char *p = va_arg(ap, const char *); p;
       p = va_arg(ap, const char *))
    if (!engfx_has_phrase(f, c.error, p))
      fail_msg("%s (%s): the error does not mention '%s': '%s'", ref,
               atsync_sync_name(c.sync), p, c.error);
  va_end(ap);
}

void engfx_expect_pending(struct engfx *f, int n)
{
  int got = atsync_pending(f->e, f->org);
  if (got != n)
    fail_msg("pending: want %d, got %d", n, got);
}

/* ---- what the ATS holds ---- */

void engfx_expect_people(struct engfx *f, const char *email, int n)
{
  int got = engfx_people(f, email);
  if (got != n)
    fail_msg("%s: want %d people in the ATS, got %d", email, n, got);
}

void engfx_expect_apps(struct engfx *f, const char *email, int n)
{
  int got = engfx_apps_on_job(f, email, f->job);
  if (got != n)
    fail_msg("%s: want %d applications on job %lld, got %d", email, n,
             (long long)f->job, got);
}

void engfx_expect_delivered(struct engfx *f, const char *stage)
{
  engfx_expect_pending(f, 0);
  engfx_check_exactly_once(f, stage);
  char problem[700];
  if (!engfx_records_agree(f, stage, problem, sizeof problem))
    fail_msg("%s", problem);
}

cJSON *engfx_ats_person(struct engfx *f, const char *email)
{
  cJSON *st = sim_state_json(f->fx->sim), *found = NULL;
  int n = 0;
  const cJSON *c, *e;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(st, "candidates"))
  {
    bool mine = false;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "emails"))
        mine |= cJSON_IsString(e) && strcasecmp(e->valuestring, email) == 0;
    if (mine && n++ == 0)
      found = cJSON_Duplicate(c, true);
  }
  cJSON_Delete(st);
  if (n != 1) {
    cJSON_Delete(found);
    fail_msg("%s: %d people in the fake ATS, want 1", email, n);
  }
  return found;
}

const char *engfx_ats_list(struct engfx *f, const char *email,
                           const char *list)
{
  static char buf[512];
  cJSON *c = engfx_ats_person(f, email);
  size_t o = 0;
  buf[0] = '\0';
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, list))
      o += (size_t)snprintf(buf + o, o < sizeof buf ? sizeof buf - o : 0,
                            "%s%s", o ? "," : "", e->valuestring);
  cJSON_Delete(c);
  return buf;
}

/* ---- acting on the engine and the fake ATS ---- */

void engfx_update_phone(struct engfx *f, const char *ref, const char *phone)
{
  char err[256];
  struct atsync_candidate patch = {.phone = phone};
  if (atsync_update(f->e, f->org, ref, &patch, err, sizeof err) != 0)
    fail_msg("update %s: %s", ref, err);
}

void engfx_clear(struct engfx *f, int id)
{
  assert_int_equal(sim_fault_clear(f->fx->sim, id), 0);
}

void engfx_api_key_id(struct engfx *f, char *out, size_t len)
{
  cJSON *a = sim_credentials_json(f->fx->sim);
  out[0] = '\0';
  const cJSON *c;
  cJSON_ArrayForEach(c, a)
  {
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(c, "type"));
    if (t && strcmp(t, "api_key") == 0)
      snprintf(out, len, "%s",
               cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
  }
  cJSON_Delete(a);
  if (out[0] == '\0')
    fail_msg("no API key in the sim");
}

/* ---- the journal ---- */

int engfx_honoured(struct engfx *f, uint64_t mark, const char *route,
                   int status, int64_t window)
{
  size_t n;
  struct sim_journal_entry *j = engfx_journal_read(f, mark, &n);
  int hits = 0;
  char problem[600] = "";
  for (size_t i = 0; i < n && !problem[0]; i++) {
    if (j[i].status != status)
      continue;
    hits++;
    for (size_t k = 0; k < n && !problem[0]; k++)
      if (sim_journal_match(&j[k], route) && j[k].t > j[i].t &&
          j[k].t < j[i].t + window)
        snprintf(problem, sizeof problem,
                 "%s %s at +%lld ms: inside the %lld s window of the %d at "
                 "+%lld ms", j[k].method, j[k].target,
                 (long long)(j[k].t - j[0].t), (long long)(window / SEC),
                 status, (long long)(j[i].t - j[0].t));
  }
  free(j);
  if (problem[0])
    fail_msg("%s", problem);
  return hits;
}

void engfx_expect_bare_refresh(struct engfx *f)
{
  struct sim_kv kv[] = {{"client", f->fx->client_cred}};
  cJSON *c = NULL;
  char err[256], form[512];
  assert_int_equal(sim_credential_add(f->fx->sim, "authorization_code", kv,
                                      1, &c, err, sizeof err), 0);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s",
           cJSON_GetStringValue(cJSON_GetObjectItem(c, "code")));
  cJSON_Delete(c);
  struct tc_resp r = fx_token(f->fx, form);
  assert_int_equal(r.status, 200);
  cJSON *t = fx_json(&r);
  const char *rt =
      cJSON_GetStringValue(cJSON_GetObjectItem(t, "refresh_token"));
  assert_non_null(rt);
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s", rt);
  cJSON_Delete(t);
  tc_free(&r);
  for (int i = 0; i < 2; i++) {
    r = fx_token(f->fx, form);
    assert_int_equal(r.status, 200);
    t = fx_json(&r);
    assert_non_null(cJSON_GetObjectItem(t, "access_token"));
    assert_null(cJSON_GetObjectItem(t, "refresh_token"));
    cJSON_Delete(t);
    tc_free(&r);
  }
}

static void dump_log_entry(void *ud, const struct atsync_log_entry *l)
{
  (void)ud;
  print_message("  log %lld %s %s: %s\n", (long long)l->at, l->candidate,
                l->kind, l->message);
}

void engfx_dump(struct engfx *f)
{
  if (getenv("DUMP") == NULL)
    return;
  atsync_log(f->e, f->org, 0, dump_log_entry, NULL);
  size_t n;
  struct sim_journal_entry *j = engfx_journal_read(f, 0, &n);
  for (size_t i = 0; i < n; i++)
    print_message("  sim %lld %s %s -> %d %s\n", (long long)j[i].t,
                  j[i].method, j[i].target, j[i].status, j[i].note);
  free(j);
}

/* ---- stories told the same on more than one ATS ---- */

/* A fixture on 'a' with OAuth (the code flow), the latency model and the
 * vendor's rate limit on; phrases match as written. */
static struct engfx *oauth_fixture(const struct engfx_oauth_ats *a,
                                   const char *store)
{
  struct engfx_opts o = {.ats = a->ats, .auth = ENGFX_V3_CODE,
                         .latency = true, .rate_limit = -1, .store = store,
                         .exact_phrases = true};
  return engfx_new(&o);
}

void engfx_story_racing_refreshes(const struct engfx_oauth_ats *a)
{
  static const char *const refs[] = {"ann", "ben", "cat", "dan", "eve"};
  struct engfx *f = oauth_fixture(a, NULL);
  engfx_approve(f, "early", NULL); /* the job is read and cached */
  engfx_settle(f, MIN);
  uint64_t mark = engfx_mark(f);
  engfx_action(f, "expire_tokens", NULL);
  int fid = engfx_fault(f, "outage", "mode=slow delay=2s count=1 route=%s",
                        a->lookup);
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    engfx_approve(f, refs[i], NULL);
  engfx_settle(f, 5 * MIN);
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    engfx_expect_cand(f, refs[i], ATSYNC_SYNCED, NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  /* the race happened: several calls met the dead token, one of them
   * after the new token had come ... */
  struct engfx_race r = engfx_race_seen(f, mark, a->token, a->api);
  if (r.denied < 2 || r.late < 1)
    fail_msg("no race: %zu call(s) met the dead token, %zu late", r.denied,
             r.late);
  /* ... and one refresh answered them all, none refused */
  assert_int_equal(engfx_journal_since(f, mark, a->token, 200), 1);
  assert_int_equal(engfx_journal_since(f, mark, a->token, 0), 1);
  assert_int_equal(engfx_journal(f, a->token, a->refused), 0);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}

void engfx_story_refresh_omits_refresh_token(const struct engfx_oauth_ats *a)
{
  char path[64], err[256];
  snprintf(path, sizeof path, "/tmp/test_%s_push.%d.db", a->ats,
           (int)getpid());
  struct engfx *f = oauth_fixture(a, path);
  assert_int_equal(sim_setting(f->fx->sim, "refresh_token_in_refresh", "off",
                               err, sizeof err), 0);
  engfx_run(f, 5 * SEC); /* the engine's code is exchanged */
  engfx_expect_bare_refresh(f);
  static const char *const refs[] = {"ann", "ben", "cat"};
  for (int round = 0; round < 3; round++) {
    if (round == 2)
      engfx_restart(f);
    uint64_t mark = engfx_mark(f);
    engfx_action(f, "expire_tokens", NULL);
    engfx_approve(f, refs[round], NULL);
    engfx_settle(f, 5 * MIN);
    engfx_expect_cand(f, refs[round], ATSYNC_SYNCED, NULL);
    engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
    assert_int_equal(engfx_journal_since(f, mark, a->token, 200), 1);
    assert_int_equal(engfx_journal_since(f, mark, a->token, 0), 1);
  }
  assert_int_equal(engfx_journal(f, a->token, a->refused), 0);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}
