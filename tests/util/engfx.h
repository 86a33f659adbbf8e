/* engfx.h — the engine and a fake Greenhouse in one loop on a virtual
 * clock, for tests: a job with a pipeline, a connection (v3 OAuth by
 * default, or a v1 key), mappings, and helpers to approve, run and look at
 * both sides. Never sleeps: time moves only through the loop. */
#ifndef ENGFX_H
#define ENGFX_H

#include <stdbool.h>
#include <stdint.h>

#include "atsync.h"
#include "simfx.h"

enum engfx_auth { ENGFX_V3_CODE, ENGFX_V3_CLIENT, ENGFX_V1_KEY };

struct engfx_opts {
  const char *ats;       /* the personality and connector (NULL =
                            "greenhouse"); ENGFX_V1_KEY is then the ATS's
                            API key, ENGFX_V3_CODE its OAuth code flow */
  enum engfx_auth auth;
  bool latency;          /* the sim's latency model on */
  int rate_limit;        /* simfx convention: 0 off, -1 vendor default, N */
  int64_t rate_window_ms;
  const char *store;     /* NULL = memory */
  uint64_t seed;
  bool no_connect;       /* leave the organization unconnected */
  int64_t poll_ms;       /* the engine's poll interval (0 = its default,
                            5 min; -1 = never) */
  bool webhooks;         /* the engine listens for webhooks, is given
                            ENGFX_WEBHOOK_SECRET, and the fake ATS is
                            subscribed to it at the first connect */
  bool acting_user;      /* OAuth connects name the acting user too (as
                            an API key's do: Lever perform_as, Workable
                            member_id), for ATSes whose writes need one */
  bool exact_phrases;    /* the phrases engfx_log_count, engfx_log_when and
                            engfx_expect_* look for match as written (case
                            and all); by default they match ignoring case */
};

#define ENGFX_WEBHOOK_SECRET "whsec_engfx_0123456789abcdef"


struct engfx {
  struct simfx *fx;      /* the sim side (clock, loop, credentials) */
  struct atsync *e;
  struct atsync_config cfg;
  int64_t org;
  int64_t job;           /* the ATS job: "Backend Engineer" */
  int64_t stages[4];     /* Application Review, Phone Screen, Onsite, Offer */
  char store[256];
  bool webhooks;
  bool subscribed;
  char ats[16];
  char job_id[64];       /* the job as the ATS shows it (sim_wire_id) */
  char webhook_url[128]; /* the engine's endpoint for organization "acme" */
  bool acting_user;      /* as engfx_opts.acting_user */
  bool exact_phrases;    /* as engfx_opts.exact_phrases */
};

struct engfx *engfx_new(const struct engfx_opts *o);
void engfx_free(struct engfx *f);

/* Connect with the options' auth mode (fresh credentials each time). */
void engfx_connect(struct engfx *f, enum engfx_auth auth);

/* Approve 'ref' with one email (NULL = "<ref>@example.com") for our job
 * "backend" at our stage "approved". */
void engfx_approve(struct engfx *f, const char *ref, const char *email);

/* Run the loop until every push is settled (synced or needing attention,
 * or held by the connection) or 'limit_ms' of virtual time passed.
 * Returns the virtual time spent. */
int64_t engfx_settle(struct engfx *f, int64_t limit_ms);
void engfx_run(struct engfx *f, int64_t ms);

struct atsync_candidate_info engfx_cand(struct engfx *f, const char *ref);
enum atsync_state engfx_state(struct engfx *f, char *reason, size_t len);

/* The ATS side: people (live candidates) with this email (ignoring case);
 * the stage name of the person's application on the job ("" if none). */
int engfx_people(struct engfx *f, const char *email);
int engfx_people_total(struct engfx *f);
const char *engfx_ats_stage(struct engfx *f, const char *email, char *buf,
                            size_t len);

/* Restart the engine as a crash would (no cleanup), on the same store. */
void engfx_restart(struct engfx *f);

/* Every approved candidate is in the ATS exactly once, in the job at the
 * mapped stage; aborts the test with a message otherwise. */
void engfx_check_exactly_once(struct engfx *f, const char *stage);

/* The engine's record of every approved candidate agrees with the ATS: the
 * stage recorded is 'stage', the ATS's candidate and application ids are
 * there, no error, and one application on f->job. Returns false with the
 * first problem in 'problem' otherwise. */
bool engfx_records_agree(struct engfx *f, const char *stage, char *problem,
                         size_t len);

/* ---- counting, for stories on any ATS ---- */

/* Journal entries after entry 'mark' (0 = all; sim_journal_last() before
 * the part of the story to count) whose route or target matches 'route'
 * (NULL = any; a fault's route pattern) and answered with 'status' (0 =
 * any, and -1 = no answer: reset, held, hung). *gap (when given) gets the
 * shortest time between two of them (INT64_MAX with fewer than two) and
 * *first the arrival of the first (0 with none). */
size_t engfx_requests(struct engfx *f, uint64_t mark, const char *route,
                      int status, int64_t *gap, int64_t *first);

/* Applications on job 'job' (a model id: f->job) of the live people with
 * this email (ignoring case). */
int engfx_apps_on_job(struct engfx *f, const char *email, int64_t job);

/* Entries of the engine's sync log of 'kind' (NULL = any) whose message
 * holds 'phrase' (ignoring case, unless f->exact_phrases). */
int engfx_log_count(struct engfx *f, const char *kind, const char *phrase);

/* Does 'text' hold 'phrase' (ignoring case, unless f->exact_phrases)? */
bool engfx_has_phrase(const struct engfx *f, const char *text,
                      const char *phrase);

/* The entries of the sync log of 'kind' (NULL = any) holding 'phrase' (as
 * engfx_log_count): how many, when the first and the last were written (0
 * with none), and whose the first was. */
struct engfx_log_when {
  int n;
  int64_t first, last;
  char first_ref[64];
};
struct engfx_log_when engfx_log_when(struct engfx *f, const char *kind,
                                     const char *phrase);

/* The virtual time now (ms). */
int64_t engfx_now(struct engfx *f);

/* The number of the journal's last entry: a mark to count after. */
uint64_t engfx_mark(struct engfx *f);

/* engfx_requests without the times: requests after 'mark' (0 = the whole
 * journal) matching 'route' answered with 'status' (0 = any, -1 = none). */
size_t engfx_journal_since(struct engfx *f, uint64_t mark, const char *route,
                           int status);
size_t engfx_journal(struct engfx *f, const char *route, int status);

/* Every journal entry after 'mark' (0 = all), in order; *n gets how many.
 * The caller frees the array. */
struct sim_journal_entry *engfx_journal_read(struct engfx *f, uint64_t mark,
                                             size_t *n);

/* Refreshes racing: the API requests on 'api' after 'mark' refused with
 * 401 ('denied'), and of those the ones answered after the first request
 * to the token endpoint 'token' after 'mark' ('late': sent with the old
 * token, refused when the new one was there). */
struct engfx_race {
  size_t denied, late;
};
struct engfx_race engfx_race_seen(struct engfx *f, uint64_t mark,
                                  const char *token, const char *api);

/* Every candidate of the organization is synced. */
bool engfx_all_synced(struct engfx *f);

/* Run the loop in steps of 250 ms until candidate 'ref' has status 'want'
 * (our status: "onsite", "hired" ...); returns the time that took, or -1
 * when 'limit' ms passed first. */
int64_t engfx_wait_status(struct engfx *f, const char *ref, const char *want,
                          int64_t limit);

/* Greenhouse's routes (as a fault's route pattern) of the requests a push
 * makes, with a v1 key (ENGFX_V1_KEY) or on v3 (OAuth). */
struct engfx_gh_routes {
  const char *create;   /* a new person, with the application */
  const char *add_app;  /* an application for a person who exists */
  const char *move;     /* the application to another stage */
  const char *patch;    /* the person's data */
  const char *job_read; /* the job */
};
const struct engfx_gh_routes *engfx_gh_routes(enum engfx_auth a);

/* A webhook signature header into 'hdr': 'prefix' (the header's name and
 * what comes before the digest: "Ashby-Signature: sha256=") then the hex
 * HMAC-SHA256 of 'body' with 'secret'. */
void engfx_sign_header(char *hdr, size_t len, const char *prefix,
                       const char *body, const char *secret);

/* ---- the fake ATS's faults and control actions ---- */

/* A key=value string for fx_fault/fx_action from a printf format ('~'
 * stands for a space in a value), in one of 8 static buffers used in
 * turn; aborts when it does not fit (512 bytes). */
const char *engfx_kv(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* 's' with every space as '~', for a value in a key=value string (one of
 * 8 static buffers used in turn). */
const char *engfx_sq(const char *s);

/* Run the sim's control action 'name' with the key=value string of 'fmt'
 * (NULL or "" = none; as engfx_kv), dropping its result; fault 'kind' the
 * same way, returning the fault's id. Both abort on an error. */
void engfx_action(struct engfx *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int engfx_fault(struct engfx *f, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
