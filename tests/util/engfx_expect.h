/* engfx_expect.h — the checks the engine tests make through engfx (see
 * engfx.h), in cmocka: each fails the running test (fail_msg, or a cmocka
 * assert) with what it saw — the connection's state and reason, the
 * candidate's sync state and error, the counts — and returns when all
 * holds. Phrases match ignoring case, unless the fixture was made with
 * engfx_opts.exact_phrases (then as written, case and all). */
#ifndef ENGFX_EXPECT_H
#define ENGFX_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engfx.h"

/* A mapping problem is checked again this often (the engine's
 * RECHECK_MS), and the sync log says so in these words (kind "retry"). */
#define ENGFX_RECHECK_MS (15 * 60 * 1000LL)
#define ENGFX_RECHECK_LOG "checking again whether the mapping problem"

/* For a Greenhouse story 'fn(enum engfx_auth)': two cmocka tests,
 * test_<fn>_v3 on OAuth (the code flow) and test_<fn>_v1 on a v1 API key. */
#define ENGFX_BOTH(fn)                                                         \
  static void test_##fn##_v3(void **state)                                     \
  {                                                                            \
    (void)state;                                                               \
    fn(ENGFX_V3_CODE);                                                         \
  }                                                                            \
  static void test_##fn##_v1(void **state)                                     \
  {                                                                            \
    (void)state;                                                               \
    fn(ENGFX_V1_KEY);                                                          \
  }

/* ---- what a user sees ---- */

/* 'text' (something a user reads) carries no secret: not the fake's
 * client secret or API key, no bearer token, no Authorization header. */
void engfx_no_secret(struct engfx *f, const char *text);

/* The connection is in 'want', its reason carries no secret and is empty
 * when connected, and it holds every phrase given (the list ends with
 * NULL). */
void engfx_expect_state(struct engfx *f, enum atsync_state want, ...)
    __attribute__((sentinel));

/* Candidate 'ref' is in 'want', its error and the ATS's words carry no
 * secret, its error is empty when synced and holds every phrase given (the
 * list ends with NULL). */
void engfx_expect_cand(struct engfx *f, const char *ref,
                       enum atsync_sync want, ...) __attribute__((sentinel));

/* atsync_pending() is 'n'. */
void engfx_expect_pending(struct engfx *f, int n);

/* ---- what the ATS holds ---- */

/* 'n' live people in the ATS with this email (ignoring case). */
void engfx_expect_people(struct engfx *f, const char *email, int n);

/* 'n' applications on the fixture's job (f->job) of the live people with
 * this email. */
void engfx_expect_apps(struct engfx *f, const char *email, int n);

/* The end of a story: nothing left in the queue; every approved candidate
 * in the ATS exactly once, in the job at 'stage' (engfx_check_exactly_once),
 * with one application on f->job; and the engine's records agree (the
 * stage recorded, the ATS's candidate and application ids, no error). */
void engfx_expect_delivered(struct engfx *f, const char *stage);

/* The one person in the fake ATS's model with this email (ignoring case;
 * merged ones too), as its state JSON (the caller deletes it); fails the
 * test when there is not exactly one. */
cJSON *engfx_ats_person(struct engfx *f, const char *email);

/* The values of a list of that person ("phones", "emails"), comma
 * separated, in a static buffer. */
const char *engfx_ats_list(struct engfx *f, const char *email,
                           const char *list);

/* ---- acting on the engine and the fake ATS ---- */

/* Our candidate 'ref' gets this phone (atsync_update); fails the test when
 * the engine refuses the update. */
void engfx_update_phone(struct engfx *f, const char *ref, const char *phone);

/* Clear the sim's fault 'id' (it must exist). */
void engfx_clear(struct engfx *f, int id);

/* The id of the newest API key in the sim (the one the engine was given
 * last) into 'out'; fails the test when there is none. */
void engfx_api_key_id(struct engfx *f, char *out, size_t len);

/* ---- the journal ---- */

/* No request matching 'route' (NULL = any) arrived inside 'window' ms
 * after any answer with 'status' after 'mark' (a 429's or a 503's wait);
 * fails the test naming the request otherwise. Returns how many answers
 * had 'status'. */
int engfx_honoured(struct engfx *f, uint64_t mark, const char *route,
                   int status, int64_t window);

/* By hand, on the fake's token endpoint (fx_token): a code exchange, then
 * twice a refresh with the refresh token it gave: each refresh answer has
 * an access token and no refresh token, and the same refresh token works
 * again (refresh_token_in_refresh off). */
void engfx_expect_bare_refresh(struct engfx *f);

/* With DUMP set in the environment: print the engine's sync log and the
 * sim's journal (for a failing story); otherwise nothing. */
void engfx_dump(struct engfx *f);

/* ---- stories told the same on more than one ATS ---- */

/* An ATS with an OAuth authorization-code flow (Lever, Workable), for the
 * token stories below. */
struct engfx_oauth_ats {
  const char *ats;    /* the personality and connector: "lever" */
  const char *api;    /* the route pattern of its API requests */
  const char *lookup; /* the route (as a fault's, '~' for the space) of the
                         lookup by email a push starts with */
  const char *token;  /* its token endpoint: "POST /oauth/token" */
  int refused;        /* the status of a refused token request */
};

/* Refreshes racing: the access token dies under five approvals at the
 * same instant. Their lookups meet 401s together, and one of them (held
 * 2 s) is refused only after the refresh has answered: refreshing again
 * for it would be one refresh too many. One refresh (single flight)
 * serves them all, none is refused, and all five are delivered. */
void engfx_story_racing_refreshes(const struct engfx_oauth_ats *a);

/* The refresh answer omits the refresh token (refresh_token_in_refresh
 * off; engfx_expect_bare_refresh shows it): the engine keeps the old one,
 * which refreshes again, also after a restart (it was kept in the store,
 * /tmp/test_<ats>_push.<pid>.db): one refresh per expiry, none refused. */
void engfx_story_refresh_omits_refresh_token(const struct engfx_oauth_ats *a);

#endif
