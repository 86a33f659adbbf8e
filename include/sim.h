/* sim.h — the fake ATS: one instance is one simulated ATS tenant (an
 * organization with its users, jobs, candidates, credentials and
 * webhooks) served over HTTP with the personality of a real ATS.
 *
 * Everything the control API (/_sim/, docs/sim.md) does is a C call here;
 * the HTTP layer is a thin JSON wrapper over these functions. Faults and
 * admin actions take their parameters as key=value strings, so the
 * scenario runner and the JSON API share one parser and one set of error
 * messages.
 *
 * Threading: none. An instance lives on one at_loop and is only touched
 * from the thread that runs that loop. */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "at_loop.h"

struct sim;

/* A parameter of a fault or an action: "mode" = "503". */
struct sim_kv {
  const char *key;
  const char *value;
};

struct sim_config {
  const char *ats;        /* personality: "greenhouse" */
  struct at_loop *loop;   /* borrowed; outlives the instance */
  uint64_t seed;          /* PRNG seed: latency, probabilistic faults, ids */
  const char *bind;       /* API listener address; default 127.0.0.1 */
  uint16_t port;          /* API port; 0 = ephemeral */
  bool control_listener;  /* also listen on a loopback-only control port */
  uint16_t control_port;  /* 0 = ephemeral */
  const char *data_file;  /* JSON data replacing the seed data (--data) */
  bool empty;             /* start from an empty organization (one admin) */
  /* The vendor rate limit: 0 keeps the personality's default limit and
   * window; rate_limit_off turns it off (benchmarks). */
  int rate_limit;
  int64_t rate_window_ms;
  bool rate_limit_off;
  /* Latency (log-normal): 0 keeps the default p50 100 ms / p99 400 ms;
   * latency_off answers at once. */
  int64_t latency_p50_ms, latency_p99_ms;
  bool latency_off;
  size_t journal_cap;     /* journal ring size; 0 = 10000 entries */
  size_t max_body;        /* request body cap; 0 = 1 MiB */
};

/* Create an instance and start its listener(s). On failure returns NULL
 * and writes the reason to 'err'. */
struct sim *sim_new(const struct sim_config *cfg, char *err, size_t errlen);

/* Stop the listeners (held requests are dropped) and free everything. */
void sim_free(struct sim *s);

uint16_t sim_port(const struct sim *s);
uint16_t sim_control_port(const struct sim *s); /* 0 without a listener */
const char *sim_ats(const struct sim *s);        /* "greenhouse" */
/* The id a client of this personality sees for a model record: kind "job",
 * "user", "candidate" or "application" (Greenhouse: the decimal id; Lever:
 * a UUID; Workable: a job's shortcode ...). 0, or -1 for an unknown kind. */
int sim_wire_id(const struct sim *s, const char *kind, int64_t id, char *out,
                size_t len);
/* The i-th personality the sim has ("greenhouse", ...), NULL past the end. */
const char *sim_personality_name(size_t i);
/* "http://127.0.0.1:PORT" (the address clients should use). */
const char *sim_base_url(const struct sim *s);

/* Put the instance back as it was created (data, credentials, faults,
 * journal, webhooks, limits), keeping its ports. */
int sim_reset(struct sim *s, char *err, size_t errlen);

/* ---- faults (docs/faults.md) -------------------------------------------
 * kinds: rate_limit, outage, async_create, required_field, format_rule,
 * webhook_disabled, webhook_delay, webhook_duplicate, webhook_reorder,
 * webhook_bad_signature, webhook_ids_only.
 * Common parameters: from, until, for (window), after, count (request
 * counts), route, credential (scope), probability. */

/* Check a fault's kind and parameters without adding it (the message is
 * the one sim_fault_add would give). Times relative to "now" are taken
 * against 0. */
int sim_fault_check(const char *kind, const struct sim_kv *kv, size_t n,
                    char *err, size_t errlen);

/* Add a fault. Returns 0 and its id in *id, or -1 with a message naming the
 * bad parameter. */
int sim_fault_add(struct sim *s, const char *kind, const struct sim_kv *kv,
                  size_t n, int *id, char *err, size_t errlen);
/* Clear one fault (0) or report that it does not exist (-1). Clearing
 * restores normal service: held requests are closed, a refused listener
 * comes back. */
int sim_fault_clear(struct sim *s, int id);
void sim_fault_clear_all(struct sim *s);
/* The faults as a JSON array (caller frees with cJSON_Delete). */
cJSON *sim_faults_json(const struct sim *s);

/* ---- admin actions (docs/faults.md) ------------------------------------
 * Returns 0 and, when 'result' is not NULL, a JSON description of what
 * changed (caller frees), or -1 with a message. */
/* Check an action's name and parameter names (not their values, which
 * depend on the state). */
int sim_action_check(const char *action, const struct sim_kv *kv, size_t n,
                     char *err, size_t errlen);
/* The parameters an action takes, space separated, or NULL when there is no
 * such action. */
const char *sim_action_params(const char *action);
/* The i-th action name (for hints and listings), NULL past the end. */
const char *sim_action_name(size_t i);
/* The i-th fault kind name, NULL past the end. */
const char *sim_fault_kind(size_t i);

/* Change a personality setting (docs/fidelity/<ats>.md), as POST
 * /_sim/settings does. */
int sim_setting(struct sim *s, const char *key, const char *value, char *err,
                size_t errlen);
int sim_action(struct sim *s, const char *action, const struct sim_kv *kv,
               size_t n, cJSON **result, char *err, size_t errlen);

/* ---- credentials --------------------------------------------------------
 * Mint a credential. 'type' is "api_key" (parameter: permissions, a comma
 * list; none = all), "oauth_client" (scopes, a comma list, none = all;
 * user, the default acting user) or "authorization_code" (client, the
 * credential id or client_id; user; scopes; redirect_uri).
 * Returns 0 and a JSON object with the credential's id and secrets (the
 * only place secrets are ever shown), or -1 with a message. */
int sim_credential_add(struct sim *s, const char *type,
                       const struct sim_kv *kv, size_t n, cJSON **result,
                       char *err, size_t errlen);
/* Revoke a credential by id ("key-1", "client-1"). */
int sim_credential_revoke(struct sim *s, const char *id, char *err,
                          size_t errlen);
cJSON *sim_credentials_json(const struct sim *s); /* without secrets */
/* Call fn with every secret the instance ever issued (API keys, client
 * secrets, authorization codes, refresh tokens, rotated ones included), for
 * leak checks. Access tokens are JWTs and are not kept: look for them by
 * their form ("eyJ..."). */
void sim_secrets_each(const struct sim *s,
                      void (*fn)(void *ud, const char *secret), void *ud);

/* ---- webhooks (docs/sim.md, /_sim/webhooks) -------------------------------
 * The sim is the HTTP client here: when the tenant changes (an admin
 * action or an API write) it POSTs the personality's event to every
 * enabled subscription that listens to it, signed with the subscription's
 * secret, from the instance's loop (libcurl transfers, virtual timeouts),
 * and retries failures on the vendor's schedule. */

/* Store a subscription and ping its URL (as the vendor does when a hook is
 * saved). 'events' is a comma/space list of the personality's event names,
 * NULL or "*" = all. A ping that fails (network error, timeout, non-2xx)
 * leaves the subscription disabled. Returns 0 and the id, or -1. */
int sim_webhook_add(struct sim *s, const char *url, const char *secret,
                    const char *events, int *id, char *err, size_t errlen);
/* Remove a subscription; its queued deliveries are dropped when due. */
int sim_webhook_remove(struct sim *s, int id);
/* Enable a subscription again (after a failed ping): it is enabled at once
 * and pinged, as saving it would; a failing ping disables it again.
 * Returns 0, or -1 when there is no such subscription. */
int sim_webhook_enable(struct sim *s, int id, char *err, size_t errlen);
cJSON *sim_webhooks_json(const struct sim *s); /* secrets masked */

/* One entry of the delivery log: an attempt, or an event dropped before
 * any attempt. */
struct sim_delivery {
  uint64_t n;            /* entry number, from 1 */
  int64_t t;             /* when the attempt left (or the drop happened) */
  int64_t done;          /* when its outcome was known */
  int hook;              /* subscription id */
  char event_id[40];     /* the event id header sent */
  char action[40];       /* the event: "candidate_stage_change", "ping" */
  int attempt;           /* 1, 2, ...; 0 = dropped before any attempt */
  int status;            /* HTTP status; 0 = no answer */
  char outcome[48];      /* "delivered", "failed", "retry at <ISO time>",
                            "dropped: <why>" */
  int64_t retry_at;      /* the next attempt (outcome "retry at"), else 0 */
  int fault;             /* id of the first fault applied, 0 = none */
  char fault_kind[96];   /* the kinds applied, comma separated */
  char note[64];         /* e.g. "timeout", "connection refused", "copy 1" */
  uint64_t body_hash;    /* FNV-1a 64 of the body as sent (0 = none sent) */
};

/* Copy up to 'max' log entries with number > 'after' into 'out'; returns
 * how many. The log is a ring (the last 10000 entries). */
size_t sim_deliveries_read(const struct sim *s, uint64_t after,
                           struct sim_delivery *out, size_t max);
/* The number of the last entry (0 = none yet). */
uint64_t sim_deliveries_last(const struct sim *s);
/* The log as a JSON array (caller frees). */
cJSON *sim_deliveries_json(const struct sim *s, uint64_t after, size_t max);
/* Deliveries queued, held (reorder) or in flight. */
size_t sim_webhooks_pending(const struct sim *s);

/* ---- latency -------------------------------------------------------------
 * Per-route latency (log-normal with that p50 and p99, in ms, on the
 * instance's clock). 'route' NULL sets the default; p50 = p99 = 0 turns
 * latency off for the route. */
int sim_latency_set(struct sim *s, const char *route, int64_t p50,
                    int64_t p99, char *err, size_t errlen);

/* ---- state and journal -------------------------------------------------- */

/* The status page's overall status now, as status.json's "status" object:
 * {"indicator": "none|minor|major|maintenance", "description": ...}
 * (caller frees). */
cJSON *sim_status_page_json(const struct sim *s);

/* The whole tenant as JSON: users, jobs with stages, candidates with
 * applications, counts (caller frees). */
cJSON *sim_state_json(const struct sim *s);

struct sim_journal_entry {
  uint64_t n;          /* entry number, from 1 */
  int64_t t;           /* arrival time (ms) */
  int64_t sent;        /* when the answer was due (t + latency) */
  char method[8];
  char target[200];    /* path and query, as received (may be cut) */
  char route[64];      /* the route template it matched, "" if none */
  int status;          /* 0 = no response (reset, hang) */
  char credential[24]; /* credential id, "" if none */
  int fault;           /* fault id applied, 0 if none */
  char fault_kind[24];
  char note[64];       /* e.g. "truncated", "held" */
  int64_t retry_after; /* Retry-After of the answer in ms (0 = none); an
                          epoch Retry-After is turned into the wait */
  uint64_t body_hash;  /* FNV-1a 64 of the request body then the response
                          body as sent (0 with no response) */
};

/* Copy up to 'max' entries with number > 'after' into 'out'; returns how
 * many were copied. */
size_t sim_journal_read(const struct sim *s, uint64_t after,
                        struct sim_journal_entry *out, size_t max);
uint64_t sim_journal_last(const struct sim *s);
cJSON *sim_journal_json(const struct sim *s, uint64_t after, size_t max);

/* Does a journal entry match a route pattern (as a fault's route: "POST
 * /v3/candidates", a route template)? NULL or "*" match all. A pattern
 * with a '?' is matched (as a glob) against the target with its query:
 * "GET /v3/candidates?email=*" is a search, not a poll. */
bool sim_journal_match(const struct sim_journal_entry *e, const char *pattern);

/* What a request is for, the same words on every ATS (NULL-terminated):
 * "token" (the OAuth token endpoint), "job" (reading a job or its
 * stages), "find" (people by email), "create" (a new person, with the
 * application where the ATS makes both at once), "apply" (an application
 * for a person who exists, where the ATS has such a call), "move" (an
 * application to another stage), "update" (a person's data, where the ATS
 * has such a call). */
extern const char *const sim_request_kinds[];
/* Is entry 'e' of this sim's ATS a request of that kind? */
bool sim_journal_is(const struct sim *s, const struct sim_journal_entry *e,
                    const char *kind);

/* A number that moves whenever the tenant's data changes (for caches). */
uint64_t sim_generation(const struct sim *s);

/* Counts of requests answered with 'status' (0 = any) whose route or
 * target matches 'route' (NULL = any; same patterns as a fault's route). */
size_t sim_journal_count(const struct sim *s, const char *route, int status);

/* `atsim serve` (sim/serve.c): argv[0] is "serve". Returns the exit code. */
int sim_serve_main(int argc, char **argv);

#endif
