/* scn.h — scenarios: a .scn file parsed into statements (parse.c and its
 * parse_*.c), one scenario run on the virtual clock against a fake ATS and
 * the real engine (run.c, expect.c, trace.c), and the result every report
 * is made from (report.c, runner.c).
 *
 * ==== The language (docs/scenarios.md is the reference for users) ====
 *
 * Line oriented. '#' starts a comment (outside quotes). Words are separated
 * by blanks; "quoted strings" may hold blanks and the escapes \" and \\.
 * Parameters are key=value, the value a bare word or a quoted string.
 * Durations: 250ms 30s 5m 2h 1d 1h30m (a bare number is an error: say the
 * unit). Times in a scenario are offsets from its start (virtual 0).
 *
 * Header (anywhere, usually first; each at most once unless noted):
 *   scenario "Title"                 required
 *   tags WORD...                     repeatable
 *   cause ID...                      repeatable; ids: expired revoked
 *                                    access_removed scope_missing rate_limit
 *                                    downtime job_mapping stage_mapping
 *                                    duplicate required_field format
 *   ats NAME...  |  ats *            personalities (default greenhouse);
 *                                    '*' = every personality built
 *   auth oauth | client_credentials | api_key
 *                                    how the engine connects (default
 *                                    oauth: Greenhouse v3 authorization
 *                                    code; api_key = the legacy v1 key with
 *                                    On-Behalf-Of)
 *   pending "reason"                 engine work not there yet
 *   seed N                           default PRNG seed (--seed overrides)
 *   clock starts TIME                when the scenario begins, ISO-8601
 *                                    UTC (default 2026-03-02T09:00:00Z,
 *                                    a Monday): a ticket's own dates
 *   rate limit N per DUR | rate limit off | rate limit default
 *   latency off | latency P50 P99    e.g. latency 100ms 400ms
 *   include "path"                   relative to the including file; its
 *                                    lines are read in place (no scenario
 *                                    line of its own; cycles are errors)
 *   webhooks off | webhooks on       off: the customer never set webhooks
 *                                    up (no subscription in the ATS, no
 *                                    secret for the engine); default on
 *   poll every DUR | poll off        how often the engine polls the ATS
 *                                    for changes (default 5m; off = never:
 *                                    webhooks only)
 *
 * Setup and timeline statements, each optionally prefixed by a time:
 *   at DUR STMT       absolute (never earlier than the previous 'at')
 *   after DUR STMT    DUR after the previous statement finished (an
 *                     'expect within' finishes when it first held)
 *   at DUR / after DUR alone on a line: let time pass.
 * Without a prefix a statement runs when the previous one finished.
 *
 *   user ID "First Last" [admin] [deactivated]
 *   job ID "Name" [open|closed|draft] [stages "A" "B" ...]
 *                     (default stages: Application Review, Phone Screen,
 *                     Onsite, Offer)
 *   person "First Last" email=E [email=E2...] [phone=P] [job=ID
 *                     [stage="Name"]] [company="C"]
 *                     a candidate already in the ATS
 *   setting KEY=VALUE a personality setting (docs/fidelity/<ats>.md)
 *   connect [with AUTH] [as USER_ID] | reconnect [with AUTH] [as USER_ID]
 *   | disconnect      reconnect = fresh credentials (a new authorization,
 *                     a new key); 'with' switches the auth (e.g. a
 *                     customer moving off a retired v1 key to OAuth)
 *   map job OURS -> ATS_JOB_ID [source=ATS_SOURCE_ID]
 *   map stage OURS -> "ATS Stage Name"
 *   map status "ATS Stage Name" -> OURS | map status rejected -> OURS
 *   | map status hired -> OURS
 *                     the pull direction: what an ATS stage (or a rejected
 *                     or hired application) reads as on our side; a bare
 *                     word must be rejected or hired
 *   org KEY=VALUE     an organization setting of the engine, e.g.
 *                     org default_country=US (checked when it runs)
 *   approve REF [email=E...] [first=F] [last=L] [phone=P] [job=OURS]
 *                     [stage=OURS] [field.KEY=VALUE...]
 *                     REF may be a range, cand{1..50}: one approval each.
 *                     Defaults: email REF@example.com, first = REF with its
 *                     first letter upper-cased, last "Example", job = the
 *                     only job mapped so far (an error when none or
 *                     several), stage = the engine's default ("approved").
 *                     field.KEY=VALUE: a custom field (at most
 *                     ATSYNC_MAX_FIELDS), e.g. field.available_from=
 *                     "28/11/2026".
 *   update REF KEY=VALUE...   keys as approve (email replaces the list;
 *                     field.* replace the custom fields)
 *   fault KIND KEY=VALUE... [as NAME]   docs/faults.md
 *   clear fault NAME | clear faults
 *   action NAME KEY=VALUE...            docs/faults.md; the runner fills
 *                     credential= with the connection's credential when the
 *                     action takes one and it is not given, and resolves
 *                     symbolic values: stage="Name" (in job= when given,
 *                     which it then drops if the action does not take it),
 *                     candidate=REF|EMAIL and application=REF|EMAIL (the
 *                     ATS ids of our candidate, or of the person with that
 *                     email), user=admin (the org's admin).
 *   restart engine    drop the engine as a crash would, reopen its store
 *   stop engine | start engine
 *   stop webhooks | start webhooks
 *                     the engine's webhook endpoint refuses connections /
 *                     listens again (it stays down across restarts; an
 *                     error while the engine is stopped)
 *   expect [within DUR | never] COND [for DUR | until T]
 *                     'expect COND' holds now; 'within DUR' at the first
 *                     settle point before DUR passes; 'never' must not hold
 *                     at any settle point for DUR / until T.
 *
 * Conditions (WHO = a candidate REF approved above, or an email):
 *   connection is STATE               not_connected connecting connected
 *                                     disconnected permission_missing
 *                                     throttled ats_unavailable
 *                                     misconfigured
 *   connection reason contains "T"    case-insensitive
 *   connection webhooks rejected OP N deliveries the engine refused (bad
 *                                     signature, malformed) since it
 *                                     started
 *   candidate REF is STATE            queued pushing waiting
 *                                     needs_attention synced
 *   candidate REF status is WORD      our status as pulled from the ATS
 *                                     (exact; WORD bare or quoted)
 *   candidates [STATE] OP N           how many of ours (in that state)
 *   error REF contains "T" | error REF is empty
 *   ats has WHO [in JOB_ID] [at "Stage"]
 *   ats lacks WHO [in JOB_ID]
 *   ats people [with WHO] OP N        live people (Greenhouse candidates)
 *   requests ["ROUTE"] [status CODE] [between T1 and T2] OP N
 *                                     the fake ATS's journal; ROUTE as a
 *                                     fault's route pattern
 *   webhooks ["ACTION"] [status CODE] [between T1 and T2] OP N
 *                                     delivery attempts the fake ATS made
 *                                     (each attempt counts; ACTION an event
 *                                     name, a glob; without it every event
 *                                     but the subscription's ping; CODE 0 =
 *                                     no answer)
 *   retry-after honoured              no request with a credential that
 *                                     got a Retry-After arrived before it
 *                                     ran out
 *   log [REF] contains "T"            the engine's sync log
 *   status page is INDICATOR          none minor major maintenance
 *   OP: == != < <= > >=
 */
#ifndef SCN_H
#define SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* ---- parsed form ---------------------------------------------------------- */

struct scn_loc {
  const char *file; /* owned by the scenario (files[]) */
  int line, col;    /* from 1 */
};

struct scn_kv {
  char *key, *value;
  struct scn_loc loc;
};

enum scn_auth { SCN_AUTH_OAUTH, SCN_AUTH_CLIENT_CREDENTIALS, SCN_AUTH_API_KEY };

enum scn_when {
  SCN_W_NEXT,  /* when the previous statement finished */
  SCN_W_AT,    /* when_ms from the start */
  SCN_W_AFTER  /* when_ms after the previous statement finished */
};

enum scn_op { SCN_EQ, SCN_NE, SCN_LT, SCN_LE, SCN_GT, SCN_GE };

enum scn_cond_kind {
  SCN_C_CONNECTION_IS,     /* state */
  SCN_C_CONNECTION_REASON, /* text */
  SCN_C_CANDIDATE_IS,      /* who, state */
  SCN_C_CANDIDATE_STATUS,  /* who, text = our status as pulled */
  SCN_C_CANDIDATES,        /* state (-1 = any), op, n */
  SCN_C_ERROR_CONTAINS,    /* who, text */
  SCN_C_ERROR_EMPTY,       /* who */
  SCN_C_ATS_HAS,           /* who, job (NULL any), stage (NULL any) */
  SCN_C_ATS_LACKS,         /* who, job (NULL any) */
  SCN_C_ATS_PEOPLE,        /* who (NULL = all), op, n */
  SCN_C_REQUESTS,          /* text = route (NULL any), status (0 any),
                              t1/t2 (has_between), op, n */
  SCN_C_RETRY_AFTER,       /* nothing */
  SCN_C_LOG_CONTAINS,      /* who (NULL = any entry), text */
  SCN_C_STATUS_PAGE,       /* text = indicator */
  SCN_C_WEBHOOKS,          /* text = action glob (NULL any), status (-1
                              any, 0 = no answer), t1/t2 (has_between),
                              op, n */
  SCN_C_WEBHOOKS_REJECTED  /* op, n */
};

struct scn_cond {
  enum scn_cond_kind kind;
  char *who;        /* a candidate ref, or an email (contains '@') */
  char *text;
  char *job, *stage;
  char *of;         /* requests: what they are for (sim_request_kinds) */
  int state;        /* enum atsync_state / enum atsync_sync; -1 = any */
  int status;       /* requests: 0 = any; webhooks: -1 = any */
  bool has_between;
  int64_t t1, t2;
  enum scn_op op;
  long n;
};

enum scn_expect_mode { SCN_E_NOW, SCN_E_WITHIN, SCN_E_NEVER };

struct scn_expect {
  enum scn_expect_mode mode;
  int64_t within_ms;  /* SCN_E_WITHIN */
  int64_t for_ms;     /* SCN_E_NEVER with 'for' */
  int64_t until_ms;   /* SCN_E_NEVER with 'until' (absolute); -1 if 'for' */
  struct scn_cond cond;
};

enum scn_stmt_kind {
  SCN_S_WAIT,           /* 'at DUR' / 'after DUR' alone */
  SCN_S_USER,           /* name = id, value = "First Last", flags */
  SCN_S_JOB,            /* name = id, value = job name, list = stages,
                           flags = SCN_JOB_* status */
  SCN_S_PERSON,         /* value = "First Last", kv = email/phone/job/
                           stage/company (email may repeat) */
  SCN_S_SETTING,        /* name = key, value = value */
  SCN_S_CONNECT,        /* name = acting user id or NULL; flags = auth + 1
                           when 'with AUTH' is given, else 0 */
  SCN_S_RECONNECT,      /* the same */
  SCN_S_DISCONNECT,
  SCN_S_MAP_JOB,        /* name = ours, value = ATS job id, kv = source
                           (optional) */
  SCN_S_MAP_STAGE,      /* name = ours, value = ATS stage name */
  SCN_S_MAP_STATUS,     /* name = ATS stage name, "rejected" or "hired",
                           value = ours, flags = SCN_STATUS_* */
  SCN_S_ORG,            /* name = key, value = value */
  SCN_S_APPROVE,        /* name = ref (or its prefix with a range), kv
                           (job always filled in by the parser; custom
                           fields as "field.KEY"), range */
  SCN_S_UPDATE,         /* name = ref, kv */
  SCN_S_FAULT,          /* name = kind, value = label ('as NAME') or NULL,
                           kv */
  SCN_S_CLEAR_FAULT,    /* name = label */
  SCN_S_CLEAR_FAULTS,
  SCN_S_ACTION,         /* name = action, kv */
  SCN_S_RESTART_ENGINE,
  SCN_S_STOP_ENGINE,
  SCN_S_START_ENGINE,
  SCN_S_STOP_WEBHOOKS,
  SCN_S_START_WEBHOOKS,
  SCN_S_EXPECT          /* expect */
};

#define SCN_USER_ADMIN 1u
#define SCN_USER_DEACTIVATED 2u
#define SCN_JOB_OPEN 0u
#define SCN_JOB_CLOSED 1u
#define SCN_JOB_DRAFT 2u
#define SCN_STATUS_STAGE 0u    /* map status "Stage" */
#define SCN_STATUS_REJECTED 1u /* map status rejected */
#define SCN_STATUS_HIRED 2u    /* map status hired */
/* approve/update: the prefix of a custom field's key (field.KEY=VALUE) */
#define SCN_FIELD_PREFIX "field."

struct scn_stmt {
  enum scn_stmt_kind kind;
  struct scn_loc loc;    /* the statement's first word (after at/after) */
  char *text;            /* the source line, trimmed, comment removed */
  enum scn_when when;
  int64_t when_ms;
  char *name, *value;
  char **list;
  size_t nlist;
  unsigned flags;
  struct scn_kv *kv;
  size_t nkv;
  bool range;            /* approve REF{lo..hi}: refs name<lo>..name<hi> */
  long range_lo, range_hi;
  struct scn_expect expect;
  /* 'on NAME[,NAME...]': the statement runs only on these ATSes (its
   * at/after wait still passes on the others); none = every ATS */
  char **on;
  size_t non;
  struct scn_loc on_loc;
};

struct scn_scenario {
  char *path;            /* the file as named on the command line */
  char *title;
  char **tags;
  size_t ntags;
  char **causes;
  size_t ncauses;
  char **ats;            /* personalities, '*' already expanded */
  size_t nats;
  bool ats_star;         /* written as 'ats *' (--ats picks one) */
  enum scn_auth auth;
  char *pending;         /* the reason, or NULL */
  bool has_seed;
  uint64_t seed;
  int64_t epoch_ms;      /* 'clock starts': the virtual clock's start; 0 = the
                            default (AT_CLOCK_DEFAULT_EPOCH_MS) */
  int rate_limit;        /* 0 = the personality's default */
  int64_t rate_window_ms;
  bool rate_off;
  bool latency_off;
  int64_t latency_p50_ms, latency_p99_ms; /* 0 = default */
  bool restarts;         /* has restart/stop/start engine: file store */
  bool webhooks_off;     /* 'webhooks off': no subscription, no secret */
  int64_t poll_ms;       /* 'poll every': 0 = the engine's default (5 min),
                            -1 = 'poll off' */
  struct scn_stmt *stmts;
  size_t nstmts;
  char **files;          /* this file and its includes (own loc.file) */
  size_t nfiles;
};

/* Personalities the sim has today (for 'ats *' and hints). */
extern const char *const scn_personalities[];

/* The ids a 'cause' line takes, in the order `atsim list` counts them;
 * NULL-terminated. */
extern const char *const scn_cause_ids[];

/* Parse a file. On error returns NULL and writes one line per error,
 * "file:line:col: message" (with a hint where one helps), into 'err'; the
 * parse stops after 20 errors. Never crashes on any input. */
struct scn_scenario *scn_parse_file(const char *path, char *err,
                                    size_t errlen);
/* The same for text in memory; 'name' stands for the file in messages and
 * includes resolve against the current directory. */
struct scn_scenario *scn_parse_text(const char *name, const char *text,
                                    size_t len, char *err, size_t errlen);
void scn_free(struct scn_scenario *sc);

/* Names for messages. */
const char *scn_op_name(enum scn_op op);
bool scn_op_eval(enum scn_op op, long a, long b);
/* As an 'auth' line writes it: "oauth", "client_credentials", "api_key". */
const char *scn_auth_name(enum scn_auth a);

/* ---- running one scenario ------------------------------------------------- */

struct scn_run_opts {
  uint64_t seed;         /* used when seed_set, else the file's, else 1 */
  bool seed_set;
  int64_t until_ms;      /* --until: stop the timeline there (0 = none);
                            the after-run checks are then skipped */
  bool keep_trace;       /* put the whole trace into the result */
  const char *tmpdir;    /* for a file store (default $TMPDIR or /tmp) */
  const char *argv0;     /* for the reproduction command ("atsim") */
};

enum scn_verdict {
  SCN_PASS,
  SCN_FAIL,            /* an expectation or an after-run check failed */
  SCN_ERROR,           /* the scenario could not run (an action the ATS
                          refused, a stall, a crash of the child) */
  SCN_PENDING,         /* pending, and it failed as expected */
  SCN_PENDING_PASSED   /* pending, and it passed: fails the run */
};

const char *scn_verdict_name(enum scn_verdict v);

struct scn_result {
  char *file;          /* path as given */
  char *title;
  char *ats;           /* personality this run used */
  char *tags;          /* space separated */
  char *causes;        /* space separated */
  char *pending;       /* reason or NULL */
  uint64_t seed;
  int repeat;          /* 0-based repetition index */
  enum scn_verdict verdict;
  char *message;       /* what failed and what was seen instead (NULL on
                          pass): "file:line: expect ...\n  saw: ..." */
  char *excerpt;       /* trace lines around the failure (NULL on pass) */
  char *trace;         /* the whole trace when keep_trace (else NULL) */
  char *repro;         /* the command that reproduces this run */
  uint64_t hash;       /* trace hash */
  int64_t virtual_ms;  /* simulated time covered */
  double wall_ms;
  long requests;       /* journal entries */
  long status_2xx, status_4xx, status_429, status_5xx, no_response;
  int expectations;    /* expectations checked */
  int checks;          /* after-run checks made */
};

/* Run one scenario on one personality ('ats' one of sc->ats). Fills 'r'
 * (free with scn_result_free) and returns its verdict. Never exits. */
enum scn_verdict scn_run(const struct scn_scenario *sc, const char *ats,
                         const struct scn_run_opts *o, struct scn_result *r);
void scn_result_free(struct scn_result *r);

/* ---- results as JSON (report.c): the child -> parent wire format and the
 * --json report share it ------------------------------------------------- */
cJSON *scn_result_json(const struct scn_result *r, bool with_trace);
/* Fill 'r' from JSON made by scn_result_json; -1 when it does not fit. */
int scn_result_from_json(const cJSON *j, struct scn_result *r);

#endif
