/* run_int.h — one scenario run's world, shared by run.c (the timeline),
 * expect.c (conditions) and checks.c (what the runner checks on its own
 * after every scenario). Private to scenarios/. */
#ifndef SCN_RUN_INT_H
#define SCN_RUN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "at_clock.h"
#include "at_loop.h"
#include "atsync.h"
#include "scn.h"
#include "sim.h"
#include "trace.h"

struct strlist {
  char **v;
  size_t n, cap;
};
void strlist_add(struct strlist *l, const char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

struct label {
  char *name;
  int id;
};

struct world {
  const struct scn_scenario *sc;
  const char *ats;
  const struct scn_run_opts *o;
  struct scn_result *r;

  struct at_clock *clock;
  struct at_loop *loop;
  int64_t t0;                 /* virtual time of the start */
  struct sim *sim;

  struct atsync *eng;         /* NULL while the engine is stopped */
  struct atsync_config ecfg;
  char store[512];            /* "" = memory */
  int64_t org;

  /* the connection the runner made */
  bool connected_once;
  char client_cred[24];       /* "client-N" */
  char client_id[96], client_secret[96];
  char key_cred[24];          /* "key-N" */
  char user[24];              /* acting user id */
  enum scn_auth auth;         /* the scenario's, or the last 'with AUTH' */
  struct strlist creds;       /* every credential id the engine was given */
  struct strlist secrets;     /* every secret the runner handed out */

  /* webhooks: the engine always listens (127.0.0.1, a port picked on the
   * first open and kept across restarts, so the ATS's subscription stays
   * valid); the runner subscribes on the first connect unless the
   * scenario says 'webhooks off' */
  uint16_t hook_port;         /* the engine's webhook port (0 before) */
  char hook_secret[64];       /* the subscription's secret ("" = none) */
  int hook_id;                /* the sim's subscription id (0 = none) */
  bool hooks_down;            /* 'stop webhooks' until 'start webhooks' */
  uint64_t deliveries_seen;   /* last delivery log entry copied */
  struct sim_delivery *deliveries; /* every entry, in order */
  size_t ndeliveries, capdeliveries;

  struct label *labels;       /* fault labels */
  size_t nlabels;

  struct trace tr;
  uint64_t journal_seen;      /* last journal entry copied */
  struct sim_journal_entry *journal; /* every entry, in order */
  size_t njournal, capjournal;
  int64_t log_seen;           /* last engine log id traced */
  enum atsync_state last_state;

  cJSON *ats_state;           /* cache for w_ats_state */
  uint64_t ats_gen;

  int64_t done_at;            /* offset when the previous statement ended */
  int failed_line;            /* trace index of the failure (-1 none) */
  bool failed;
  bool error;                 /* the failure is that it could not run */
  bool stopped;               /* --until reached */
  char *message;              /* the failure (malloc) */
  int expectations;
  int checks;
};

/* Offset from the start of the run. */
int64_t w_now(const struct world *w);
/* "line 12" for the scenario's own file, "common.scn:3" for an included
 * one (never a path as typed: the trace hash must not depend on it). */
const char *w_lineref(const struct world *w, const struct scn_loc *loc,
                      char *buf, size_t len);
/* The fake ATS's own id of a record the engine knows by its wire id
 * (stmt.c): kind "candidate" or "application"; 0 when none. */
int64_t w_model_id(struct world *w, const char *kind, const char *wire);
/* Run the loop to 'offset', collecting the trace; false (and an error) on
 * a stall. */
bool w_run_to(struct world *w, int64_t offset);
/* Open the engine on the run's store and find its organization; its
 * webhook endpoint on the port of the first open, down while 'stop
 * webhooks' holds. */
int w_engine_open(struct world *w, char *err, size_t errlen);
/* A failure that means the scenario could not run as written (ERROR). */
void w_error(struct world *w, const struct scn_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* strdup / asprintf that abort when memory runs out. */
char *scn_xstrdup(const char *s);
char *scn_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- stmt.c ---------------------------------------------------------------- */

/* Run one statement (its time has come). */
void stmt_run(struct world *w, const struct scn_stmt *s);
/* Copy what happened since the last call into the trace. */
void w_collect(struct world *w);
/* Record a failure (the first one wins); 'loc' may be NULL. */
void w_fail(struct world *w, const struct scn_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- expect.c ------------------------------------------------------------ */

/* Run an 'expect' statement (now, within or never). */
void expect_run(struct world *w, const struct scn_stmt *s);

/* Does the condition hold now? When 'saw' is not NULL, describe what was
 * seen (for a failure message). */
bool cond_eval(struct world *w, const struct scn_cond *c, char *saw,
               size_t sawlen);
/* Emails of a WHO: a candidate ref (its emails from the engine) or an
 * email. Returns how many were written (0 when the ref is unknown). */
size_t who_emails(struct world *w, const char *who, char out[][256],
                  size_t max);

/* Our candidate's ref for a WHO: the ref itself, or the ref of the
 * candidate with that email (ignoring case); 'who' when none matches. */
const char *who_ref(struct world *w, const char *who, char *buf, size_t len);

/* The ATS state (cached while the sim's data does not change). */
const cJSON *w_ats_state(struct world *w);
bool ats_person_live(const cJSON *cand);
bool ats_person_has_email(const cJSON *cand, const char *email);
/* The id of the live person with that email (0 when none, -1 several). */
int64_t ats_person_by_email(struct world *w, const char *email);
int64_t json_id(const cJSON *o, const char *k);

/* ---- checks.c ------------------------------------------------------------ */

/* The after-run checks: secrets, duplicates, heal, exactly once. */
void checks_run(struct world *w);

#endif
