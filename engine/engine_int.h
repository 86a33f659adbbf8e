/* engine_int.h — what the engine's modules share.
 *
 *   engine.c   the handle, organizations, connections and their state,
 *              mappings, approvals, queries, the scheduler
 *   push.c     one candidate's push: find, create or add, move, record
 *   refused.c  the person's data as the ATS refused it, and what changed
 *              since (refused.h: pure, for push.c)
 *   auth.c     tokens: code exchange, refresh (single flight), client
 *              credentials, idle refresh
 *   pull.c     status pull: applications re-read on a webhook's hint,
 *              the changes-since poll, the people index (duplicates by
 *              name and phone), merges followed
 *   webhook.c  the webhook endpoint: verify, store the hint, acknowledge
 *   fail.c     what a failed request means for the connection (state,
 *              reason, hold), shared by pushes and pulls
 *   redact.c   secrets never reach a log, an error or an output
 *   store.c    SQLite; pace.c pacing and backoff; http.c the client;
 *   connectors/NAME.c one connector per ATS */
#ifndef ATSYNC_ENGINE_INT_H
#define ATSYNC_ENGINE_INT_H

#include "atsync.h"

#include "at_prng.h"
#include "connector.h"
#include "http.h"
#include "pace.h"
#include "store.h"

/* A job of the ATS as the engine last read it. */
struct job_info {
  char id[64];
  char name[128];
  char status[16];
  struct stage stages[MAX_STAGES];
  size_t nstages;
  int64_t fetched;
};

struct push;
struct poll;
struct pull;

struct conn {
  struct atsync *e;
  int64_t org;
  char org_name[64];
  const struct connector *ops;
  bool has_creds;
  enum atsync_auth auth;
  char *kind, *base_url, *client_id, *client_secret, *token_url,
      *redirect_uri, *sub, *api_key, *obo, *auth_code;
  char *access;
  int64_t access_exp;
  char *refresh;
  int64_t refresh_exp, refreshed_at;
  enum atsync_state state;
  char reason[600];
  int64_t since, last_success;
  bool connected_ever;
  int generation;          /* moves on connect/disconnect */
  struct pace pace;
  int inflight;            /* pushes running */
  int64_t hold_until;      /* no push starts before this (backoff of the
                              connection: outage, 429, missing permission) */
  int hold_attempts;       /* consecutive connection-level failures */
  enum op denied_op;       /* permission_missing: the operation refused;
                              only its success ends the state (OP__COUNT:
                              not known, e.g. after a restart: any) */
  bool token_busy;         /* a token request is in flight */
  unsigned token_gen;      /* moves with each access token received */
  struct request *token_rq;
  int64_t token_retry_at;  /* after a transient token failure */
  int token_failures;
  struct push **waiters;   /* pushes waiting for the token */
  size_t nwaiters, capwaiters;
  struct job_info *jobs;   /* cache of the mapped jobs */
  size_t njobs;
  uint64_t job_waits;      /* waits so far for a read of a job by another
                              push: each wait's turn (push.c reads a job
                              and its pipeline once at a time) */
  int64_t recheck_at;      /* while a job or stage mapping problem stands:
                              when one held candidate tries again (a job
                              reopened, a stage added back); 0 = none */
  int64_t recheck_cid;     /* the candidate that tries; its success
                              releases the others */
  /* status pull (pull.c) */
  char *webhook_secret;
  char default_country[8]; /* the organization's, for phone numbers */
  int64_t poll_cursor, people_cursor, last_poll, last_webhook;
  bool people_ready;       /* the first walk of the ATS's people is done */
  int64_t people_at;       /* when the people index was last brought up
                              to date (0 = not since the engine started) */
  bool people_wanted;      /* a create waits for the index: the next poll
                              (now) reads the people changed first */
  int64_t poll_at;         /* next poll (0 = as soon as possible) */
  struct poll *poll;       /* the poll in flight */
  struct pull *pull;       /* the application read in flight */
  int64_t last_bad_log;    /* rejected webhooks are logged at most once a
                              minute */
  int bad_since_log, webhooks_rejected;
  int64_t pull_refresh_at; /* a read's 401 cost a refresh then */
};

struct atsync {
  struct atsync_config cfg;
  struct at_loop *loop;
  struct store *st;
  struct at_prng prng;
  struct conn **conns;
  size_t nconns;
  struct push **running;
  size_t nrunning, caprunning;
  struct at_timer *wake;
  int64_t wake_at;
  bool in_tick;
  char **secrets;          /* every secret the engine holds, for redaction */
  size_t nsecrets;
  struct at_httpd *hooks;  /* the webhook endpoint (webhook.c) */
};

/* engine.c */
int64_t eng_now(const struct atsync *e);
struct conn *eng_conn(struct atsync *e, int64_t org);
/* Run the scheduler soon (at 'at'; now when at <= now). */
void eng_kick(struct atsync *e, int64_t at);
/* Set the connection's state and reason; logged and stored when it
 * changes. */
void conn_set_state(struct conn *c, enum atsync_state s, const char *reason);
/* The connection served a request: a temporary problem is over. */
void conn_success(struct conn *c);
/* Append to the sync log (inside or outside a transaction). */
void eng_log(struct atsync *e, int64_t org, const char *ref, const char *kind,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Re-derive 'misconfigured' after mapping problems appear or go away. */
void conn_check_mappings(struct conn *c);
/* Candidates held by that cause ("job_map", "stage_map", "data") are
 * queued again (inside the caller's transaction). */
void eng_requeue_cause(struct atsync *e, int64_t org, const char *cause);
/* A mapping problem is re-checked this often, one candidate at a time. */
#define RECHECK_MS (15 * 60 * 1000)
struct conn_view conn_view(const struct conn *c);
/* Persist the connection's tokens (own transaction). */
void conn_save_tokens(struct conn *c);
/* Forget the cached job (it changed in the ATS). */
void conn_forget_job(struct conn *c, const char *job);

/* push.c */
/* Start the push of candidate 'cand_id' on connection 'c'. */
void push_start(struct conn *c, int64_t cand_id);
/* Resume a push that waited for a token (ok) or give it up for now. */
void push_resume(struct push *p, bool token_ok);
/* Abandon a running push (engine closing): nothing is written. */
void push_abandon(struct push *p);
bool push_running(const struct atsync *e, int64_t cand_id);
/* Does a running push of the connection share one of these emails
 * (newline separated, compared ignoring case)? Two such pushes would both
 * find nobody and both create the person: they run one after the other. */
bool push_shares_email(const struct conn *c, const char *emails);
struct conn *push_conn(const struct push *p);
int64_t push_id(const struct push *p); /* the candidate's id */

/* auth.c */
/* True when the connection has a token it can use now. */
bool auth_ready(struct conn *c);
/* Get a token; 'p' (may be NULL) resumes when it arrives. */
void auth_request(struct conn *c, struct push *p);
/* The ATS rejected the token: forget it (a refresh comes next). */
void auth_invalidate(struct conn *c);
/* Abandon a token request in flight (the connection changes or closes). */
void auth_cancel(struct conn *c);
/* Time the idle connection must refresh (INT64_MAX: never). */
int64_t auth_next_refresh(const struct conn *c);
/* Send an operation of the connection's connector with pacing; 'done'
 * gets the parsed result. Used by push.c and auth.c. */
struct request;
typedef void (*request_fn)(void *ud, struct op_result *r);
struct request *conn_request(struct conn *c, enum op op,
                             const struct op_args *a, request_fn done,
                             void *ud);
void request_cancel(struct request *rq);

/* fail.c: a failed request's meaning for the connection. Each sets the
 * connection's state and reason (written into msg) and returns when the
 * connection may try again. */
int64_t conn_throttled(struct conn *c, const struct op_result *r, char *msg,
                       size_t len);
int64_t conn_outage(struct conn *c, const struct op_result *r, char *msg,
                    size_t len);
void conn_auth_failed(struct conn *c, const struct op_result *r, char *msg,
                      size_t len);
int64_t conn_permission(struct conn *c, enum op op, const struct op_result *r,
                        char *msg, size_t len);

/* pull.c */
/* Start what is due (a poll, an application read); lower *next to when
 * the next one is. */
void pull_tick(struct conn *c, int64_t now, int64_t *next);
void pull_abandon(struct conn *c); /* the connection changes or closes */
/* Queue a read of the application (inside the caller's transaction). */
void pull_queue(struct conn *c, const char *application_id, const char *why);
/* Apply what the ATS shows of an application to our candidate (inside
 * the caller's transaction); 'how' says where it was read ("webhook",
 * "poll"). */
void pull_apply(struct conn *c, const struct ats_record *r, const char *how);
/* Is the people index up to date (read within a poll interval)? When not,
 * the next poll (now) reads the people first. */
bool pull_people_fresh(struct conn *c);
/* A person the ATS merged away, or deleted: the index forgets it. */
void pull_forget_person(struct conn *c, const char *ats_id);
/* Is a person of the ATS a likely duplicate of ours (same name, same
 * phone)? Writes its id. */
bool pull_find_twin(struct conn *c, const char *first, const char *last,
                    const char *phone_e164, char *id, size_t len, char *email,
                    size_t elen);
/* Forget the index (the default country changed): the next poll walks
 * every person again. Inside the caller's transaction. */
void pull_people_reset(struct conn *c);
/* Is a read of this application queued or in flight? */
bool pull_pending(struct conn *c, const char *application_id);
/* Our status for an ATS application state, through the pull mapping. */
bool pull_status_for(struct conn *c, const char *ats_status,
                     const char *stage_name, char *out, size_t len);

/* webhook.c */
int webhook_open(struct atsync *e, char *err, size_t errlen);
void webhook_close(struct atsync *e);

/* redact.c */
void eng_secret(struct atsync *e, const char *secret);
void eng_redact(const struct atsync *e, char *text, size_t cap);

#endif
