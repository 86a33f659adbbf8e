/* atsync.h — the sync engine: it takes a recruiter's approval and makes the
 * candidate appear in the customer's ATS, in the mapped job and stage, and
 * keeps its promises when the ATS misbehaves: nothing approved is lost
 * (approvals sit in a durable SQLite outbox), nothing is created twice (a
 * person is looked up by every email before any create, and an unknown
 * outcome is settled by reading the ATS, never by posting again), and the
 * customer sees an honest connection state and an error that says what to
 * do.
 *
 * The engine lives on an at_loop (include/at_loop.h): it starts its HTTP
 * requests and timers there and never blocks, so the same engine runs on a
 * virtual clock in tests and scenarios and on the real clock under
 * `atsync run`. It links the clock and the loop, never the fake ATS.
 *
 * Threading: none; call it from the thread that runs its loop. */
#ifndef ATSYNC_H
#define ATSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_loop.h"

struct atsync;

struct atsync_config {
  struct at_loop *loop;        /* required; borrowed */
  const char *store;           /* SQLite file; NULL or ":memory:" = memory */
  uint64_t seed;               /* PRNG seed (backoff jitter) */
  int max_inflight;            /* pushes in flight per connection (4) */
  int64_t request_timeout_ms;  /* a request's deadline (30 s) */
  int64_t backoff_base_ms;     /* first retry waits up to this (1 s) */
  int64_t backoff_cap_ms;      /* no retry waits longer (5 min) */
  int64_t refresh_margin_ms;   /* refresh this long before expiry (5 min) */
  int64_t idle_refresh_ms;     /* refresh an idle OAuth grant this long
                                  after the last refresh (20 h), before the
                                  refresh token lapses (24 h) */
  int64_t retry_after_cap_ms;  /* longest Retry-After honoured (1 h) */
  /* Status pull. Each connection polls the ATS's changes-since queries
   * this often (5 min; < 0 = never: webhooks only). */
  int64_t poll_interval_ms;
  /* The webhook endpoint (an HTTP listener on the loop): POST
   * /webhooks/<organization name>. Off unless webhook_listen is set. */
  bool webhook_listen;
  const char *webhook_bind;    /* IPv4 address; default 127.0.0.1 */
  uint16_t webhook_port;       /* 0 = an ephemeral port */
};

/* Open the engine on its store (created and migrated when needed) and
 * resume every push that was due. NULL with a message on failure (a store
 * that is not an atsync database, a newer schema, a locked file ...). */
struct atsync *atsync_open(const struct atsync_config *cfg, char *err,
                           size_t errlen);

/* Abandon every request in flight and close the store. Pushes in flight
 * are resumed by the next open. NULL is a no-op. */
void atsync_close(struct atsync *e);

/* ---- organizations and connections ------------------------------------- */

/* The organization of that name, created when new. Returns 0 and its id. */
int atsync_org(struct atsync *e, const char *name, int64_t *org, char *err,
               size_t errlen);

enum atsync_auth {
  ATSYNC_AUTH_OAUTH_CODE,         /* v3: authorization code + refresh token */
  ATSYNC_AUTH_CLIENT_CREDENTIALS, /* v3: client credentials */
  ATSYNC_AUTH_API_KEY             /* v1: legacy Harvest key + On-Behalf-Of */
};

struct atsync_credentials {
  const char *kind;          /* "greenhouse" */
  const char *base_url;      /* e.g. https://harvest.greenhouse.io */
  enum atsync_auth auth;
  const char *client_id, *client_secret;
  const char *auth_code;     /* ATSYNC_AUTH_OAUTH_CODE: exchanged at once */
  const char *redirect_uri;  /* sent with the code when set */
  const char *token_url;     /* default: base_url + the ATS's token path
                                ("/token"; Lever, Workable "/oauth/token") */
  const char *sub;           /* client credentials: acting user (optional) */
  const char *api_key;       /* ATSYNC_AUTH_API_KEY */
  const char *on_behalf_of;  /* ATSYNC_AUTH_API_KEY: acting user id */
  const char *webhook_secret;/* the secret the ATS signs webhooks with
                                (NULL = webhooks not set up: polling only) */
};

/* Connect (or reconnect with fresh credentials) an organization. The
 * credentials are stored; an authorization code is exchanged on the loop
 * (the state reads "connecting" until then). Pushes waiting on a broken
 * connection resume. Returns -1 with a message for bad credentials input
 * (never for what the ATS answers: that becomes the connection state). */
int atsync_connect(struct atsync *e, int64_t org,
                   const struct atsync_credentials *cr, char *err,
                   size_t errlen);

/* Disconnect: forget the credentials, keep the queue. */
int atsync_disconnect(struct atsync *e, int64_t org, char *err, size_t errlen);

enum atsync_state {
  ATSYNC_NOT_CONNECTED,
  ATSYNC_CONNECTING,
  ATSYNC_CONNECTED,
  ATSYNC_DISCONNECTED,       /* credentials expired or revoked */
  ATSYNC_PERMISSION_MISSING, /* names what is missing */
  ATSYNC_THROTTLED,          /* 429: waiting out the ATS's window */
  ATSYNC_ATS_UNAVAILABLE,    /* 5xx, timeouts, refused connections */
  ATSYNC_MISCONFIGURED       /* a job or stage mapping is invalid */
};
const char *atsync_state_name(enum atsync_state s);

struct atsync_connection {
  enum atsync_state state;
  char reason[600];          /* the sentence a customer reads, with the fix */
  int64_t since;
  char kind[24];
  enum atsync_auth auth;
  bool connected_ever;
  int64_t last_success;      /* last request the ATS accepted (0 = never) */
  /* status pull, for the status page */
  bool webhooks;             /* a webhook secret is set */
  int64_t last_webhook;      /* last webhook accepted (0 = never) */
  int64_t last_poll;         /* last poll that completed (0 = never) */
  int64_t poll_cursor;       /* changes at or after this were not read yet */
  bool people_ready;         /* the people of the ATS were read (duplicate
                                detection by name and phone works) */
  int webhooks_rejected;     /* deliveries refused (bad signature,
                                malformed) since the engine started */
};
int atsync_connection(struct atsync *e, int64_t org,
                      struct atsync_connection *out);
/* How an auth mode is called for an ATS ("Harvest v1 API key" for
 * greenhouse), for messages and status pages. */
const char *atsync_auth_name(const char *kind, enum atsync_auth auth);

/* ---- mappings -------------------------------------------------------------- */

/* Our job -> an ATS job id; our stage -> an ATS stage name, resolved in the
 * pipeline of each mapped job when a candidate is pushed (a name missing
 * there makes the mapping invalid). Changing a mapping re-queues the
 * candidates that need attention because of it. */
int atsync_map_job(struct atsync *e, int64_t org, const char *ours,
                   const char *ats_job, char *err, size_t errlen);
int atsync_map_stage(struct atsync *e, int64_t org, const char *ours,
                     const char *ats_stage, char *err, size_t errlen);
/* The source a job's applications get in the ATS (an ATS source id; NULL
 * or "" = none), for ATSes that require one. Candidates that need
 * attention for it are queued again. */
int atsync_map_job_source(struct atsync *e, int64_t org, const char *ours,
                          const char *ats_source, char *err, size_t errlen);
/* The pull direction: an ATS stage name (or "rejected", "hired") -> our
 * status. Without one, a stage our stage mapping points at reads back as
 * that stage of ours. */
int atsync_map_status(struct atsync *e, int64_t org, const char *ats_stage,
                      const char *ours, char *err, size_t errlen);
/* An organization setting: "default_country" (ISO 3166 alpha-2, e.g. US:
 * national phone numbers are sent in E.164 with that country's code).
 * Candidates that need attention for their data are queued again. */
int atsync_org_set(struct atsync *e, int64_t org, const char *key,
                   const char *value, char *err, size_t errlen);

/* ---- candidates ---------------------------------------------------------- */

#define ATSYNC_MAX_EMAILS 8
#define ATSYNC_MAX_FIELDS 8

struct atsync_candidate {
  const char *ref;           /* our id; NULL = generated ("c-<n>") */
  const char *first, *last;
  const char *emails[ATSYNC_MAX_EMAILS];
  size_t nemails;
  const char *phone;
  const char *job;           /* our job (mapped with atsync_map_job) */
  const char *stage;         /* our stage; NULL = "approved" */
  /* custom fields sent to the ATS under the same key (dates are sent as
   * YYYY-MM-DD); an update with nfields > 0 replaces them */
  const char *field_keys[ATSYNC_MAX_FIELDS], *field_values[ATSYNC_MAX_FIELDS];
  size_t nfields;
};

/* Approve a candidate: the candidate and its push are written in one
 * transaction, then pushed as soon as the connection allows. Returns 0 and
 * the candidate's id, or -1 for bad input (no email, no job, a duplicate
 * ref). */
int atsync_approve(struct atsync *e, int64_t org,
                   const struct atsync_candidate *c, int64_t *id, char *err,
                   size_t errlen);

/* Change a candidate's data (fields left NULL keep their value; emails
 * replace the list when nemails > 0). A candidate that needs attention is
 * queued again. */
int atsync_update(struct atsync *e, int64_t org, const char *ref,
                  const struct atsync_candidate *patch, char *err,
                  size_t errlen);

enum atsync_sync {
  ATSYNC_QUEUED,          /* approved, not sent yet */
  ATSYNC_PUSHING,         /* being pushed, or retrying after a failure */
  ATSYNC_WAITING,         /* held by the connection (disconnected, missing
                             permission): nothing lost, resumes by itself
                             or on reconnect */
  ATSYNC_NEEDS_ATTENTION, /* the ATS refused this candidate's data or its
                             mapping: fix it, and it is retried */
  ATSYNC_SYNCED           /* in the ATS, in the mapped job and stage */
};
const char *atsync_sync_name(enum atsync_sync s);

struct atsync_candidate_info {
  int64_t id;
  char ref[64];
  char first[128], last[128];
  char emails[512];          /* comma separated */
  char job[64], stage[64];
  enum atsync_sync sync;
  char ats_candidate_id[64], ats_application_id[64];
  char ats_stage[128];
  int attempts;
  char error[600];           /* our sentence with the fix ("" when fine) */
  char ats_words[400];       /* what the ATS said: status and body excerpt */
  int64_t approved_at, synced_at;
  /* the pull direction: our status as the ATS last showed it ("" before
   * the first read; our stage name, "rejected" or "hired") */
  char status[64];
  char ats_status[16];       /* active, rejected, hired ("" = not read) */
  int64_t status_at;         /* when the status last changed */
  char fields[512];          /* custom fields, "key=value" comma separated */
};

int atsync_candidate(struct atsync *e, int64_t org, const char *ref,
                     struct atsync_candidate_info *out);
/* Call fn for every candidate of the organization, by id. */
int atsync_candidates(struct atsync *e, int64_t org,
                      void (*fn)(void *ud,
                                 const struct atsync_candidate_info *c),
                      void *ud);

/* ---- the sync log ---------------------------------------------------------- */

struct atsync_log_entry {
  int64_t id, at;
  char candidate[64];        /* ref, "" for connection events */
  char kind[32];             /* e.g. "state", "pushed", "retry", "error" */
  char message[600];         /* secrets redacted */
};
/* Call fn for every entry with id > after, oldest first. */
int atsync_log(struct atsync *e, int64_t org, int64_t after,
               void (*fn)(void *ud, const struct atsync_log_entry *l),
               void *ud);

/* ---- running ----------------------------------------------------------------- */

/* True while a push or a token request is in flight or due now. */
bool atsync_busy(struct atsync *e);
/* Pushes not yet synced and not needing attention (queued, pushing,
 * waiting). */
int atsync_pending(struct atsync *e, int64_t org);
/* How many candidates of the organization are in that sync state
 * (enum atsync_sync; -1 = all). */
int atsync_count(struct atsync *e, int64_t org, int sync);
/* When the engine next wants to run (INT64_MAX when nothing is scheduled). */
int64_t atsync_next_wakeup(struct atsync *e);

/* The webhook endpoint's port (0 without a listener), and taking it down
 * (connections refused, as a crashed or unreachable endpoint) or back up.
 * Returns -1 without a listener or when the port cannot be bound again. */
uint16_t atsync_webhook_port(const struct atsync *e);
int atsync_webhook_set_down(struct atsync *e, bool down);

/* Redact every secret the engine knows (and credential-looking patterns)
 * from 'text' in place. */
void atsync_redact(struct atsync *e, char *text);

#endif
