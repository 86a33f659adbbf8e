/* sim_int.h — what the sim's modules and personalities share.
 *
 *   model.c      the tenant's data (users, jobs, stages, candidates, ...)
 *   creds.c      API keys, OAuth clients, codes, grants, tokens
 *   faults.c     the fault plan: parsing, windows, matching
 *   actions.c    admin actions
 *   journal.c    the request journal (a bounded ring)
 *   limits.c     the vendor rate limiter and the latency model
 *   statuspage.c the Atlassian Statuspage documents
 *   control.c    the /_sim/ JSON API
 *   seed.c       seed data and --data files
 *   json.c       small cJSON helpers (ids as 64-bit integers)
 *   webhooks.c   webhook subscriptions, events and the faults decided
 *                when an event fires
 *   webhook_deliver.c  the delivery queue: signing, sending, retries, the
 *                delivery log
 *   settings.c   a personality's settings from its declarative table
 *   oauth.c      the OAuth authorization-code and refresh machinery
 *   util.c       containers and wire helpers (percent-coding, Basic
 *                credentials, query strings)
 *   sim.c        the instance, the request pipeline
 *   ats/NAME.c   one personality per ATS
 */
#ifndef SIM_INT_H
#define SIM_INT_H

#include "sim.h"

#include "at_prng.h"

/* ---- small containers ---------------------------------------------------- */

struct vec {
  void **v;
  size_t n, cap;
};
void vec_push(struct vec *a, void *p);
void vec_free(struct vec *a); /* frees the array, not the items */

struct strv {
  char **v;
  size_t n;
};
void strv_add(struct strv *s, const char *x);
bool strv_has(const struct strv *s, const char *x);
bool strv_remove(struct strv *s, const char *x);
void strv_clear(struct strv *s);
void strv_copy(struct strv *dst, const struct strv *src);
/* Split a comma (or space) separated list into 's' (appending). */
void strv_split(struct strv *s, const char *list);
char *strv_join(const struct strv *s, const char *sep); /* caller frees */

char *xstrdup(const char *s);     /* NULL stays NULL; aborts on OOM */
void *xcalloc(size_t n, size_t sz);
void sim_setstr(char **dst, const char *src);

/* int64 id -> pointer (open addressing). */
struct idmap {
  int64_t *keys;
  void **vals;
  size_t n, cap;
};
void idmap_put(struct idmap *m, int64_t k, void *v);
void *idmap_get(const struct idmap *m, int64_t k);
void idmap_free(struct idmap *m);

/* ---- the data model ------------------------------------------------------ */

enum sim_job_status { SIM_JOB_OPEN, SIM_JOB_CLOSED, SIM_JOB_DRAFT };
enum sim_app_status { SIM_APP_ACTIVE, SIM_APP_REJECTED, SIM_APP_HIRED };

const char *sim_job_status_name(enum sim_job_status s);
int sim_job_status_parse(const char *s, enum sim_job_status *out);
const char *sim_app_status_name(enum sim_app_status s);

struct sim_user {
  int64_t id;
  char *first, *last, *email;
  bool disabled, site_admin;
  int64_t created, updated;
};

struct sim_stage {
  int64_t id, job_id;
  char *name;
  int priority;
  bool active; /* false once removed */
  int64_t created, updated;
};

struct sim_job {
  int64_t id;
  char *name, *requisition_id, *department, *office;
  enum sim_job_status status;
  bool deleted, confidential;
  int64_t created, opened, closed, updated;
};

struct sim_contact {
  char *value, *type;
};

struct sim_field {
  char *key, *value;
};

struct sim_candidate {
  int64_t id;
  char *first, *last, *company, *title;
  struct sim_contact *emails, *phones;
  size_t nemails, nphones;
  struct sim_field *fields;
  size_t nfields;
  struct strv tags;
  int64_t created, updated, last_activity;
  int64_t merged_into; /* the surviving candidate after a merge, else 0 */
  bool deleted;
  int64_t ready_at;    /* async create: reads 404 before this time */
  char created_by[24]; /* credential id that created it ("" = seed/admin) */
  struct vec apps;     /* struct sim_app * */
};

struct sim_app {
  int64_t id, candidate_id, job_id, stage_id;
  enum sim_app_status status;
  int64_t applied, rejected_at, hired_at, last_activity, updated;
  int64_t source_id, rejection_reason_id;
  char *rejection_notes;
  char *start_date;
  int64_t ready_at;
};

struct sim_source {
  int64_t id;
  char *name;
};

struct sim_reason {
  int64_t id;
  char *name, *type;
};

struct sim_model {
  struct vec users, jobs, stages, candidates, apps, sources, reasons;
  struct idmap cand_ix, app_ix;
  int64_t next_user, next_job, next_stage, next_cand, next_app;
  char org_name[64];
};

void model_init(struct sim_model *m);
void model_free(struct sim_model *m);

struct sim_user *model_user_add(struct sim_model *m, int64_t id,
                                const char *first, const char *last,
                                const char *email, bool admin, int64_t now);
struct sim_user *model_user(const struct sim_model *m, int64_t id);

struct sim_job *model_job_add(struct sim_model *m, int64_t id,
                              const char *name, enum sim_job_status st,
                              int64_t now);
/* A job by id, deleted ones included (check ->deleted). */
struct sim_job *model_job(const struct sim_model *m, int64_t id);

struct sim_stage *model_stage_add(struct sim_model *m, struct sim_job *j,
                                  int64_t id, const char *name, int64_t now);
struct sim_stage *model_stage(const struct sim_model *m, int64_t id);
/* The active stages of a job, ordered by priority, into out (max n). */
size_t model_job_stages(const struct sim_model *m, int64_t job_id,
                        struct sim_stage **out, size_t max);
/* The same, removed stages included (they read active: false). */
size_t model_job_stages_all(const struct sim_model *m, int64_t job_id,
                            struct sim_stage **out, size_t max);
struct sim_stage *model_first_stage(const struct sim_model *m, int64_t job_id);

struct sim_candidate *model_cand_add(struct sim_model *m, int64_t id,
                                     const char *first, const char *last,
                                     int64_t now);
void model_cand_add_email(struct sim_candidate *c, const char *v,
                          const char *type);
void model_cand_add_phone(struct sim_candidate *c, const char *v,
                          const char *type);
void model_cand_set_field(struct sim_candidate *c, const char *k,
                          const char *v);
struct sim_candidate *model_cand(const struct sim_model *m, int64_t id);
/* True when one of c's emails equals 'email' (case-insensitively when ci). */
bool model_cand_has_email(const struct sim_candidate *c, const char *email,
                          bool ci);
/* A live (not merged, not deleted) candidate. */
bool model_cand_live(const struct sim_candidate *c);
/* Number of live candidates. */
size_t model_cand_count(const struct sim_model *m);

struct sim_app *model_app_add(struct sim_model *m, struct sim_candidate *c,
                              int64_t job_id, int64_t stage_id, int64_t now);
struct sim_app *model_app(const struct sim_model *m, int64_t id);

/* State changes. Each returns 0, or -1 with a message in the ATS's words
 * (e.g. "Application must be 'active', is currently 'rejected'"). */
int model_app_move(struct sim_model *m, struct sim_app *a, int64_t to_stage,
                   int64_t now, char *err, size_t errlen);
int model_app_reject(struct sim_model *m, struct sim_app *a, int64_t reason,
                     const char *notes, int64_t now, char *err, size_t errlen);
int model_app_unreject(struct sim_model *m, struct sim_app *a, int64_t now,
                       char *err, size_t errlen);
int model_app_hire(struct sim_model *m, struct sim_app *a,
                   const char *start_date, int64_t now, char *err,
                   size_t errlen);
/* Merge 'dup' into 'primary': applications move over, emails and phones
 * not already there are added, dup is marked merged. */
int model_cand_merge(struct sim_model *m, struct sim_candidate *primary,
                     struct sim_candidate *dup, int64_t now, char *err,
                     size_t errlen);
void model_cand_touch(struct sim_candidate *c, int64_t now);

struct sim_source *model_source(const struct sim_model *m, int64_t id);
struct sim_reason *model_reason(const struct sim_model *m, int64_t id);
void model_source_add(struct sim_model *m, int64_t id, const char *name);
void model_reason_add(struct sim_model *m, int64_t id, const char *name,
                      const char *type);

/* ---- credentials ---------------------------------------------------------- */

enum sim_cred_kind { SIM_CRED_NONE, SIM_CRED_KEY, SIM_CRED_TOKEN };

struct sim_apikey {
  char id[24];          /* "key-1" */
  char secret[40];
  bool all;             /* no permission list: every endpoint */
  struct strv perms;    /* route permissions, e.g. "GET /v1/candidates" */
  bool revoked;
  int64_t created;
};

struct sim_client {
  char id[24];          /* credential id "client-1" */
  char client_id[48];
  char secret[48];
  struct strv scopes;   /* what the credential may carry */
  int64_t user_id;      /* default acting user (client credentials) */
  bool revoked;
  int64_t created;
};

struct sim_code {
  char code[48];
  char client[24];      /* credential id */
  int64_t user_id;
  struct strv scopes;
  char *redirect_uri;
  int64_t expires;
  bool used;
};

struct sim_grant {
  int id;
  char client[24];
  int64_t user_id;
  struct strv scopes;   /* what the user granted */
  bool client_credentials;
  char refresh[48];     /* current refresh token ("" for client credentials) */
  struct strv retired;  /* earlier refresh tokens (for leak checks only) */
  int64_t refresh_expires;
  bool revoked;
};

struct sim_token {
  char jti[24];
  int grant;
  char client[24];
  int64_t user_id;
  struct strv scopes;
  int64_t issued, expires;
  bool revoked;
};

struct sim_creds {
  struct vec keys, clients, codes, grants, tokens;
  int next_key, next_client, next_grant, next_token;
  unsigned char jwt_secret[32];
};

void creds_init(struct sim_creds *c, struct at_prng *prng);
void creds_free(struct sim_creds *c);
struct sim_apikey *creds_key_add(struct sim_creds *c, struct at_prng *p,
                                 const struct strv *perms, int64_t now);
struct sim_apikey *creds_key_by_secret(const struct sim_creds *c,
                                       const char *secret);
struct sim_apikey *creds_key(const struct sim_creds *c, const char *id);
struct sim_client *creds_client_add(struct sim_creds *c, struct at_prng *p,
                                    const struct strv *scopes,
                                    int64_t user_id, int64_t now);
struct sim_client *creds_client(const struct sim_creds *c, const char *id);
struct sim_client *creds_client_by_client_id(const struct sim_creds *c,
                                             const char *client_id);
struct sim_code *creds_code_add(struct sim_creds *c, struct at_prng *p,
                                const struct sim_client *cl, int64_t user_id,
                                const struct strv *scopes,
                                const char *redirect_uri, int64_t expires);
struct sim_code *creds_code(const struct sim_creds *c, const char *code);
struct sim_grant *creds_grant_add(struct sim_creds *c, struct at_prng *p,
                                  const struct sim_client *cl,
                                  int64_t user_id, const struct strv *scopes,
                                  bool client_credentials);
struct sim_grant *creds_grant(const struct sim_creds *c, int id);
struct sim_grant *creds_grant_by_refresh(const struct sim_creds *c,
                                         const char *refresh);
void creds_grant_rotate(struct sim_grant *g, struct at_prng *p);
/* Issue an access token for a grant; returns the token record and writes
 * the JWT (caller frees) into *jwt. */
struct sim_token *creds_token_issue(struct sim_creds *c,
                                    const struct sim_grant *g,
                                    const struct strv *scopes, int64_t now,
                                    int64_t ttl, char **jwt);
/* Verify a JWT's signature and find its token. NULL when it does not
 * decode, is not ours, or is unknown. */
struct sim_token *creds_token_by_jwt(const struct sim_creds *c,
                                     const char *jwt);
/* Revoke every access token of a grant. */
void creds_revoke_grant_tokens(struct sim_creds *c, int grant);

/* ---- rate limits and latency --------------------------------------------- */

struct sim_bucket {
  char key[32];
  int64_t *hits; /* ring of request times within the window */
  size_t cap, head, n;
  int64_t fixed_start; /* fixed windows */
  int fixed_count;
  int64_t level;       /* token bucket: tokens x window (one token =
                          'window' units, refilled at 'limit' per ms) */
  int64_t filled;      /* token bucket: time of the last refill */
  bool primed;         /* token bucket: level has been set */
};

struct sim_limiter {
  int limit;        /* < 0 = off; 0 = every request is refused */
  int64_t window;
  bool fixed;       /* fixed window (reset at window boundaries) */
  bool token;       /* token bucket: 'limit' tokens (the burst), refilled
                       at 'limit' per 'window' (set after limiter_init) */
  struct vec buckets;
};

struct sim_rl_result {
  bool limited;
  int limit, remaining;
  int64_t reset;       /* ms: when a slot frees up (rolling) / window ends */
  int64_t retry_after; /* ms */
};

void limiter_init(struct sim_limiter *l, int limit, int64_t window, bool fixed);
void limiter_free(struct sim_limiter *l);
void limiter_reset(struct sim_limiter *l);
/* Count a request for 'key' at 'now' (unless limited). */
struct sim_rl_result limiter_hit(struct sim_limiter *l, const char *key,
                                 int64_t now);

/* ---- faults ---------------------------------------------------------------- */

enum sim_fault_kind {
  SIM_F_RATE_LIMIT,
  SIM_F_OUTAGE,
  SIM_F_ASYNC_CREATE,
  SIM_F_REQUIRED_FIELD,
  SIM_F_FORMAT_RULE,
  SIM_F_WEBHOOK_DISABLED,
  SIM_F_WEBHOOK_DELAY,
  SIM_F_WEBHOOK_DUPLICATE,
  SIM_F_WEBHOOK_REORDER,
  SIM_F_WEBHOOK_BAD_SIGNATURE,
  SIM_F_WEBHOOK_IDS_ONLY,
  SIM_F__COUNT
};

enum sim_outage_mode {
  SIM_OUT_503, SIM_OUT_500, SIM_OUT_HANG, SIM_OUT_SLOW, SIM_OUT_RESET,
  SIM_OUT_TRUNCATED, SIM_OUT_MALFORMED, SIM_OUT_REFUSED
};

struct sim_fault {
  int id;
  enum sim_fault_kind kind;
  int64_t from, until;     /* window; until 0 = open-ended */
  long after, count;       /* skip the first 'after' matches; apply 'count'
                              times (0 = unlimited) */
  char *route;             /* pattern, NULL = any */
  char *credential;        /* credential id, NULL = any */
  double probability;      /* 1 = always */
  long matched, applied;   /* counters */
  /* kind parameters */
  int limit;               /* rate_limit */
  int64_t window;          /* rate_limit / webhook_reorder window */
  enum sim_outage_mode mode;
  bool commit;             /* outage: commit=before */
  int64_t delay;           /* slow / webhook_delay / async_create duration;
                              webhook_duplicate: the wait before a copy */
  int64_t hold;            /* hang: close after this long (0 = until cleared) */
  int64_t retry_after;     /* 503: Retry-After seconds (0 = none) */
  char *message;           /* maintenance message for the status page */
  bool page_silent;        /* the status page does not report it */
  int copies;              /* webhook_duplicate: extra deliveries */
  bool same_id;            /* webhook_duplicate: copies keep the event id */
  char *field;             /* required_field / format_rule */
  char *rule;              /* format_rule: e164, email, max_length:N, date */
  int64_t job;             /* rule scoped to a job */
  int64_t created;
  struct at_timer *timer_on, *timer_off; /* refused */
  struct vec held;         /* struct sim_held * (hang) */
  struct sim_limiter rl;   /* rate_limit: its own windows */
};

const char *sim_fault_kind_name(enum sim_fault_kind k);
const char *sim_outage_mode_name(enum sim_outage_mode m);

/* Parse a fault. Returns NULL with a message naming the problem. The caller
 * assigns the id. */
struct sim_fault *fault_parse(const char *kind, const struct sim_kv *kv,
                              size_t n, int64_t now, char *err, size_t errlen);
void fault_free(struct sim_fault *f);
cJSON *fault_json(const struct sim_fault *f, int64_t now);
/* Is the fault's time window open at 'now'? */
bool fault_window_open(const struct sim_fault *f, int64_t now);
/* Does a route pattern match a request? 'method' + 'path' is the concrete
 * request, 'tmpl' its route template (may be NULL). Patterns: "*", a path
 * glob ("/v1/candidates*"), or "METHOD glob" ("POST /v1/candidates"). */
bool route_match(const char *pattern, const char *method, const char *path,
                 const char *tmpl);

/* ---- journal ----------------------------------------------------------------- */

struct sim_journal {
  struct sim_journal_entry *ring;
  size_t cap;
  uint64_t next; /* number of the next entry (from 1) */
};
void journal_init(struct sim_journal *j, size_t cap);
void journal_free(struct sim_journal *j);
void journal_clear(struct sim_journal *j);
/* Append an entry; returns a pointer to fill in (valid until the ring
 * wraps around to it). */
struct sim_journal_entry *journal_add(struct sim_journal *j);
struct sim_journal_entry *journal_find(struct sim_journal *j, uint64_t n);

struct sim_latency_rule {
  char *route; /* NULL = default */
  double mu, sigma;
  bool off;
};

struct sim_latency {
  struct vec rules;
};
void latency_init(struct sim_latency *l, bool off);
void latency_free(struct sim_latency *l);
int latency_set(struct sim_latency *l, const char *route, int64_t p50,
                int64_t p99);
int64_t latency_sample(const struct sim_latency *l, struct at_prng *p,
                       const char *method, const char *path,
                       const char *tmpl);

/* ---- JSON helpers ------------------------------------------------------------ */

/* Keys of the jput_ and jadd_ helpers must outlive the tree (literals). */
void jadd(cJSON *o, const char *k, cJSON *item); /* takes item */
void jadd_null(cJSON *o, const char *k);
cJSON *jadd_arr(cJSON *o, const char *k);
cJSON *jadd_obj(cJSON *o, const char *k);
/* Put an id as an exact integer literal (never through a double). */
void jput_id(cJSON *o, const char *k, int64_t id);
cJSON *jid(int64_t id);
void jput_str(cJSON *o, const char *k, const char *s); /* NULL -> null */
void jput_time(cJSON *o, const char *k, int64_t ms);   /* 0 -> null */
void jput_date(cJSON *o, const char *k, int64_t ms);   /* YYYY-MM-DD */
void jput_bool(cJSON *o, const char *k, bool b);
void jput_int(cJSON *o, const char *k, long v);
/* Read an integer id from a number (exact, |v| < 2^53) or a string of
 * digits. Returns 0 and sets *out, 1 when absent or null, -1 when it has
 * the wrong type or is not a whole number. */
int jget_id(const cJSON *o, const char *k, int64_t *out);
/* The value of a string member, or NULL (absent, null or not a string). */
const char *jget_str(const cJSON *o, const char *k);
/* Is the member present with a type other than string/null? */
bool jbad_str(const cJSON *o, const char *k);
/* Parse a request body; NULL with an offset message on error. */
cJSON *jparse(const char *body, size_t len, char *err, size_t errlen);
/* Print compactly (caller frees with free()). */
char *jprint(const cJSON *j, size_t *len);
/* Parse a decimal id from a string. */
int parse_id(const char *s, int64_t *out);

/* ---- webhook events -------------------------------------------------------- */

/* What happened in the tenant, in neutral terms; each personality names
 * the events it sends (struct sim_event_def) and renders their bodies. */
enum sim_event {
  SIM_EV_PING,             /* a subscription was saved */
  SIM_EV_NEW_APPLICATION,  /* an application was created */
  SIM_EV_STAGE_CHANGE,     /* an application moved to another stage */
  SIM_EV_REJECT,
  SIM_EV_UNREJECT,
  SIM_EV_HIRE,
  SIM_EV_UPDATE_CANDIDATE, /* a candidate's own fields changed */
  SIM_EV_MERGE_CANDIDATE,  /* a candidate was merged into another one */
  SIM_EV_DELETE_CANDIDATE, /* a candidate is gone (here: only as the
                              stand-in of a merge) */
  SIM_EV__COUNT
};

/* How a personality names an event ("candidate_stage_change"; NULL: it
 * never sends it) and which event stands in for it on a subscription that
 * does not listen to it (-1: none). Greenhouse sends delete_candidate for a
 * merge to a hook that listens to deletes but not to merges. */
struct sim_event_def {
  const char *action;
  int standin;
};

/* Flags for the payload builder. */
#define SIM_WH_IDS_ONLY 1u /* keep only the ids (webhook_ids_only fault) */

/* A personality's webhook wire conventions (data; the delivery machinery
 * in webhook_deliver.c is ATS-neutral). */
struct sim_webhook_wire {
  const char *id_header;       /* event id header: "Greenhouse-Event-ID" */
  const char *sig_header;      /* signature header: "Signature" */
  const char *sig_prefix;      /* before the hex HMAC-SHA256: "sha256 " */
  const char *user_agent;
  const int64_t *retry_waits;  /* the wait before each retry (ms) */
  size_t nretries;             /* attempts in all = 1 + nretries */
  bool escape_html;            /* write <, > and & in bodies as \u003c... */
  /* A vendor that signs inside the body (Lever: token, triggeredAt and
   * signature fields) returns the body of one attempt at 'now', signed
   * with 'key' (malloc'd; *outlen its length); then no signature header
   * is sent (sig_header may be NULL). NULL: sign the body in sig_header. */
  char *(*sign_body)(const char *body, size_t len, const char *key,
                     int64_t now, size_t *outlen);
  /* HTTP statuses a failed delivery is never retried on (Ashby: 401, 403,
   * 404, 405, 410), 0-terminated; NULL = retry every failure. */
  const int *no_retry;
};

/* ---- wire helpers for the personalities (util.c) ----------------------------- */

struct sim_call;

/* A JSON answer ("application/json; charset=utf-8"); takes 'body'. */
struct at_resp *sim_json_resp(unsigned status, cJSON *body);
/* Match a request path against a route pattern ("/v1/candidates/{id}"):
 * a "{...}" placeholder takes one non-empty segment of characters 'ok'
 * accepts (NULL: any but '/'), copied to 'seg' (it must be shorter than
 * seglen); a trailing slash is tolerated. */
bool sim_path_match(const char *pat, const char *path, int (*ok)(int ch),
                    char *seg, size_t seglen);
/* A hex digit's value, or -1. */
int sim_hexval(int ch);
/* Decode %XX and '+' (a space) in place, as in a query string or a form
 * body; a '%' without two hex digits stays as it is. */
void sim_pct_decode(char *p);
/* Append 's' percent-encoded (everything but A-Z a-z 0-9 - . _ ~) at
 * out[*o], never past cap (the result is cut, always terminated). */
void sim_url_put(char *out, size_t *o, size_t cap, const char *s);
/* Split "Authorization: Basic base64(user:pass)". False when it is not
 * Basic, does not decode, holds a NUL or a part does not fit. With pass
 * NULL only the user is wanted, and the colon is optional (an API key
 * sent as "base64(key)"). */
bool sim_basic_pair(const char *auth, char *user, size_t ul, char *pass,
                    size_t pl);
/* The token of "Authorization: Bearer TOKEN" (may be ""), or NULL. */
const char *sim_bearer(struct sim_call *c);

/* Query or form parameters in arrival order; the strings belong to the
 * request (arena) and live as long as it. At most SIM_MAXQ: the rest are
 * dropped and 'overflow' is set. */
#define SIM_MAXQ 32
struct sim_query {
  struct sim_kv kv[SIM_MAXQ];
  size_t n;
  bool overflow;
};
/* An at_req_query_each() callback collecting into a struct sim_query. */
bool sim_query_collect(void *ud, const char *k, const char *v);
/* The first value of 'k', or NULL. */
const char *sim_query_get(const struct sim_query *q, const char *k);
/* Parse "a=1&b=x%20y" (a query string or a form body), appending. */
void sim_form_parse(struct sim_call *c, const char *qs, struct sim_query *q);

/* ---- personality settings (settings.c) -------------------------------------
 *
 * What no source settles about an ATS is a setting (docs/fidelity/<ats>.md).
 * A personality keeps its settings in a plain struct that its handlers read
 * directly (s->pdata) and describes every field in a table; the core does
 * the rest from the table: the block with its defaults, `key=value` parsing,
 * the JSON listing (in table order) and the flag()/duration() answers. */

enum sim_setting_type {
  SIM_SET_BOOL,     /* bool: on/off, true/false, 1/0; listed true/false */
  SIM_SET_INT,      /* int: whole decimal number in [min, max] */
  SIM_SET_STATUS,   /* unsigned: an HTTP status in [min, max] */
  SIM_SET_DURATION, /* int64_t ms: a duration >= min; listed "1h30m" */
  SIM_SET_ENUM,     /* int: the index of the value in names[] */
  SIM_SET_STRING,   /* char[size]: non-empty, shorter than size */
};

struct sim_setting {
  const char *name;          /* "refresh_token_ttl"; NULL ends the table */
  enum sim_setting_type type;
  size_t offset;             /* offsetof(the settings struct, field) */
  int64_t def;               /* default (bool, numbers, enum index) */
  int64_t min, max;          /* int/status range; duration minimum */
  const char *const *names;  /* enum: its values, NULL-terminated */
  const char *str_def;       /* string: default */
  size_t size;               /* string: size of the char array */
  bool (*valid)(const char *v); /* string: extra check (NULL: any) */
  const char *zero;          /* duration: how 0 is listed (NULL: "0ms") */
  /* The name the neutral modules ask flag()/duration() by when it is not
   * the setting's ("email_ci" for email_match). A two-valued enum answers
   * flag() by its alias with "is it the second value". */
  const char *alias;
  /* int/status: ignore text after the number ("200x" = 200). Kept for
   * the settings that always accepted it (Greenhouse, Workable). */
  bool lax;
};

/* Helpers for tables: SIM_BOOL(struct, field, "name", default), ... */
#define SIM_BOOL(T, f, n, d) {.name = n, .type = SIM_SET_BOOL, \
    .offset = offsetof(T, f), .def = (d)}
#define SIM_STATUS(T, f, n, d, lo, hi) {.name = n, .type = SIM_SET_STATUS, \
    .offset = offsetof(T, f), .def = (d), .min = (lo), .max = (hi)}
#define SIM_DURATION(T, f, n, d, lo) {.name = n, .type = SIM_SET_DURATION, \
    .offset = offsetof(T, f), .def = (d), .min = (lo)}
#define SIM_STATUS_LAX(T, f, n, d, lo, hi) {.name = n, \
    .type = SIM_SET_STATUS, .offset = offsetof(T, f), .def = (d), \
    .min = (lo), .max = (hi), .lax = true}
#define SIM_ENUM(T, f, n, d, v) {.name = n, .type = SIM_SET_ENUM, \
    .offset = offsetof(T, f), .def = (d), .names = (v)}
/* email_match = exact | case_insensitive (an int field; flag "email_ci"),
 * which every personality has. */
extern const char *const sim_email_match_names[];
#define SIM_EMAIL_MATCH(T, f, d) {.name = "email_match", \
    .type = SIM_SET_ENUM, .offset = offsetof(T, f), .def = (d), \
    .names = sim_email_match_names, .alias = "email_ci"}

/* "on", "true", "1" / "off", "false", "0". Returns 0, or -1. */
int sim_parse_bool(const char *v, bool *out);
/* The personality's settings block with every default (NULL when it has
 * no table); freed with sim_settings_free(). */
struct sim_personality;
void *sim_settings_new(const struct sim_personality *p);
void sim_settings_free(const struct sim_personality *p, void *pdata);
/* Set one setting from text. Returns 0, or -1 with the message. */
int sim_settings_set(struct sim *s, const char *key, const char *value,
                     char *err, size_t errlen);
/* Every setting, in table order (caller frees). */
cJSON *sim_settings_json(const struct sim *s);
/* A boolean (or two-valued enum) setting by name or alias; false when the
 * personality has none. */
bool sim_settings_flag(const struct sim *s, const char *name);
/* A duration setting by name or alias, in ms; 0 when it has none. */
int64_t sim_settings_duration(const struct sim *s, const char *name);
/* What the neutral modules call: the personality's flag()/duration()
 * override when it has one, else the table. */
bool sim_flag(const struct sim *s, const char *name);
int64_t sim_duration(const struct sim *s, const char *name);

/* ---- the instance ------------------------------------------------------------ */

struct sim_call;
struct sim;
struct sim_wh;

/* What the personality tells the core about a request before it runs. */
struct sim_route {
  const char *tmpl;   /* "POST /v1/candidates" */
  const char *perm;   /* v1 permission or v3 scope needed */
  bool write;         /* changes state (commit=before applies) */
};

struct sim_alias {
  const char *from, *to;
};

struct sim_request_kind {
  const char *kind, *route; /* "create", "POST /v3/candidates" */
};

/* A personality: the wire format of one ATS. Its handlers answer every
 * request with sim_reply*(); the core adds latency, faults and the journal.
 */
struct sim_personality {
  const char *name;    /* "greenhouse" */
  const char *display; /* "Greenhouse" */
  /* Settings for UNVERIFIED behaviour (docs/fidelity/<ats>.md): the table
   * (NULL-name terminated) and the size of the struct it describes; the
   * core keeps the block in s->pdata (settings.c). settings_release
   * (optional) frees what the block owns besides itself. */
  const struct sim_setting *settings;
  size_t settings_size;
  void (*settings_release)(void *pdata);
  /* Identify the route (fills *route; false for an unknown one). */
  bool (*route)(struct sim_call *c, struct sim_route *route);
  /* Identify the credential without judging it ("" when none). */
  void (*identify)(struct sim_call *c, char *cred, size_t len);
  /* Serve the request: authenticate, authorize, apply, answer. */
  void (*handle)(struct sim_call *c);
  /* Wire renderings of what the core decides. */
  struct at_resp *(*rate_limited)(struct sim_call *c,
                                  const struct sim_rl_result *rl);
  struct at_resp *(*outage)(struct sim_call *c, unsigned status,
                            const char *message);
  void (*rate_headers)(struct sim_call *c, struct at_resp *r,
                       const struct sim_rl_result *rl);
  /* Vendor rate limits: how many limiters, and each one's defaults. */
  size_t nlimiters;
  void (*limiter_defaults)(size_t i, int *limit, int64_t *window,
                           bool *fixed);
  /* Bit i set: limiter i is a token bucket (limits.c); 0 = none. */
  unsigned token_buckets;
  /* The status page's "url" (NULL: "https://status.<name>.io") and the
   * name of its API component (NULL: "Harvest API"). */
  const char *status_url;
  const char *status_api_component;
  /* What `atsim serve` prints: the API's paths ("v1: /v1/..., v3:
   * /v3/..., OAuth: /token"), how the API key is presented ("v1",
   * "Basic", "Bearer"), and whether OAuth clients apply. */
  const char *serve_paths;
  const char *serve_key_use;
  bool serve_no_oauth;
  /* The id a client sees for a model record of this kind ("job", "user",
   * "candidate", "application"): Lever UUIDs, Workable shortcodes ... 0,
   * or -1 for a kind the personality does not show. NULL: the decimal
   * id (Greenhouse). */
  int (*wire_id)(const char *kind, int64_t id, char *out, size_t len);
  /* Optional overrides of the table's flag()/duration() answers, for a
   * value that is a vendor fact rather than a setting (NULL: the table). */
  bool (*flag)(const struct sim *s, const char *name);
  int64_t (*duration)(const struct sim *s, const char *name);
  /* The field a friendly name ("phone", "source") stands for in this
   * ATS's request shape, as {from, to} pairs ending with {NULL, NULL};
   * a name not listed stands for itself (sim_field_alias). */
  const struct sim_alias *field_aliases;
  /* Its routes by what they are for (sim_request_kinds): {kind, route
   * pattern} pairs, a kind as often as it has routes, ending with
   * {NULL, NULL}. A kind not listed has no route here. */
  const struct sim_request_kind *request_kinds;
  /* Every permission an API key can hold (NULL-terminated). */
  const char *const *permissions;
  /* Every OAuth scope a client can hold (NULL-terminated). */
  const char *const *scopes;
  /* Webhooks: the events this ATS sends (indexed by enum sim_event), their
   * wire conventions, and the body of one delivery: a snapshot of the
   * records as they are now, {"action": ..., "payload": ...} for
   * Greenhouse (caller frees). 'c' and 'a' are the candidate and the
   * application the event is about (either may be NULL when it does not
   * apply); 'extra' is the surviving candidate of a merge and the
   * subscription id of a ping. 'flags': SIM_WH_*. */
  const struct sim_event_def *webhook_events;
  const struct sim_webhook_wire *webhook_wire;
  cJSON *(*webhook_payload)(const struct sim *s, enum sim_event ev,
                            const struct sim_candidate *c,
                            const struct sim_app *a, int64_t extra,
                            unsigned flags);
  /* Optional: does subscription 'hook' take event 'ev' about c/a (a
   * per-subscription filter such as Workable's job_shortcode/stage_slug
   * args)? NULL: every subscription that listens to the event takes it. */
  bool (*webhook_filter)(const struct sim *s, int hook, enum sim_event ev,
                         const struct sim_candidate *c,
                         const struct sim_app *a);
};

#define SIM_MAX_LIMITERS 4

struct sim {
  const struct sim_personality *p;
  struct at_loop *loop;
  struct sim_config cfg;
  char *bind, *data_file;
  struct at_httpd *api, *ctl;
  char base_url[64];
  struct at_prng prng;
  uint64_t seed;
  uint64_t resets;  /* how many times sim_reset() ran */
  struct sim_model model;
  struct sim_creds creds;
  struct vec faults; /* struct sim_fault * */
  int next_fault;
  struct vec webhooks; /* struct sim_webhook *, in creation order */
  int next_webhook;
  struct sim_wh *wh;   /* deliveries: queue and log (webhook_deliver.c) */
  struct sim_journal journal;
  struct sim_limiter limiters[SIM_MAX_LIMITERS];
  struct sim_latency latency;
  void *pdata; /* the personality's settings */
  bool refused; /* the API listener is down (outage refused) */
  /* GET responses are cached while nothing changed: 'gen' moves on every
   * state change, and nothing is cached while a record is still being
   * built (async create) before 'ready_max'. */
  uint64_t gen;
  int64_t ready_max;
  struct sim_cached {
    char *key;
    struct at_resp *resp;
    uint64_t gen;
  } cache[32];
  unsigned cache_next;
};

struct sim_webhook {
  int id;
  char *url, *secret;
  struct strv events;
  bool enabled;   /* false after a failed ping, until enabled again */
  int64_t created;
  char ping[64];  /* the last ping: "pending", "ok", "failed: ..." */
};

/* One API request on its way through the pipeline. */
struct sim_call {
  struct sim *s;
  struct at_req *req;
  const char *method, *path;
  bool routed;
  struct sim_route route;
  char cred[24];
  uint64_t jn;               /* journal entry number */
  int64_t now;
  struct sim_fault *after;   /* an outage applied once the handler ran */
  struct sim_rl_result rl;   /* the vendor limiter's verdict, if counted */
  bool has_rl;
  bool replied;
  void *pctx;                /* the personality's per-call data */
  const char *cache_key;     /* set when the answer may be cached */
};

/* A request held by a hang fault. */
struct sim_held {
  struct sim *s;
  struct sim_fault *f;
  struct at_req *req;
  struct at_timer *timer;
};

/* Answer the call (the core adds latency and journals it). Takes 'r'. */
void sim_reply(struct sim_call *c, struct at_resp *r);
void sim_reply_json(struct sim_call *c, unsigned status, cJSON *body);
void sim_reply_raw(struct sim_call *c, unsigned status, const char *ctype,
                   const char *body);
/* Note on the journal entry (e.g. "refresh"). */
void sim_note(struct sim_call *c, const char *note);
/* Count the call against vendor limiter 'i' for the call's credential.
 * Returns true when it is over the limit: the 429 has been sent. */
bool sim_rate_check(struct sim_call *c, size_t i);
/* The base URL the client used ("http://host:port"), for Link headers. */
const char *sim_call_base(struct sim_call *c);
/* A GET that passed authentication: answer it from the cache (true) or
 * mark its answer for caching (false). State changes invalidate it. */
bool sim_cache_reply(struct sim_call *c);
/* Record that the tenant changed (invalidates cached answers). */
void sim_changed(struct sim *s);
/* A record is being built until 'ready' (async create). */
void sim_pending_until(struct sim *s, int64_t ready);

/* The first active fault of 'kind' that matches the call (and counts as
 * applied), or NULL. Data faults (required_field, format_rule,
 * async_create) are looked up by the personality while it handles a write. */
struct sim_fault *sim_fault_hit(struct sim_call *c, enum sim_fault_kind kind,
                                int64_t job_id);
/* Check required_field and format_rule faults against a value set. The
 * personality passes the values found under 'field' (in its own request
 * shape), or SIM_RULE_NA for a field the request does not judge (an
 * application's source on an edit of the person alone): its rules are
 * skipped. Returns the fault violated, writing its message, or NULL. */
extern const char sim_rule_na[];
#define SIM_RULE_NA sim_rule_na
struct sim_fault *sim_rules_check(struct sim_call *c, int64_t job_id,
                                  const char *(*values)(void *ud,
                                                        const char *field,
                                                        size_t i),
                                  void *ud, char *msg, size_t msglen,
                                  const char **field);

/* ---- OAuth (oauth.c) -----------------------------------------------------------
 *
 * The authorization-code flow's shared pieces. The personality keeps its
 * token endpoint's shape (client authentication, grant types, error
 * words, refresh lifetimes) and calls these; the vendor's data and
 * renderings are in a struct sim_oauth. */

/* A token request's parameters: a JSON body or a form body, then the
 * query string. */
struct sim_tokreq {
  struct sim_query form;
  cJSON *json; /* owned; sim_tokreq_free() */
};
void sim_tokreq_parse(struct sim_call *c, struct sim_tokreq *t);
void sim_tokreq_free(struct sim_tokreq *t);
/* Parameter 'k' (form, then JSON string member, then query), NULL when
 * absent or empty; 'numbers': a JSON number counts too ({"sub": 123}).
 * The string belongs to the request. */
const char *sim_tokreq_get(struct sim_call *c, const struct sim_tokreq *t,
                           const char *k, bool numbers);

struct sim_oauth {
  /* The personality's JSON answer (its own headers); NULL: sim_json_resp. */
  struct at_resp *(*json)(unsigned status, cJSON *body);
  /* The token answer's body for access token 'jwt' of grant 'g' carrying
   * 'scope' (space separated), valid 'ttl' ms from c->now. */
  cJSON *(*token_body)(struct sim_call *c, const struct sim_grant *g,
                       const char *jwt, const char *scope, int64_t ttl);
  /* /authorize: the error_description for an unknown ?user_id=. */
  const char *unknown_user;
  /* /authorize: who consents without ?user_id= (NULL: the first active
   * site admin, else nobody: 0). */
  int64_t (*consenting_user)(const struct sim *s);
  /* /authorize: a vendor check after response_type (Lever's audience);
   * the error query sent back ("error=access_denied&..."), or NULL. */
  const char *(*authorize_refuse)(struct sim_call *c);
};

/* {"error": E, "error_description": D} (D omitted when NULL), no-store. */
void sim_oauth_error(struct sim_call *c, const struct sim_oauth *o,
                     unsigned status, const char *error, const char *desc);
/* GET /authorize: the user consents at once and the browser goes back to
 * redirect_uri with a code (authorization_code_ttl) or an error, and the
 * state. */
void sim_oauth_authorize(struct sim_call *c, const struct sim_oauth *o);
/* The authorization_code grant: a live, unused code of this client, for
 * this redirect_uri when it was issued with one. Uses the code and
 * returns a new grant (the caller sets its refresh_expires), or NULL. */
struct sim_grant *sim_oauth_code_grant(struct sim_call *c,
                                       const struct sim_client *cl,
                                       const char *code,
                                       const char *redirect_uri);
/* The refresh_token grant: the live, unrevoked grant of this client that
 * holds this refresh token, or NULL. Rotation is the caller's. */
struct sim_grant *sim_oauth_refresh_grant(struct sim_call *c,
                                          const struct sim_client *cl,
                                          const char *refresh);
/* The scopes a new token of grant g carries: the grant's that its client
 * still holds; with regrant_requires_reauth the grant keeps only those. */
void sim_oauth_scopes(const struct sim *s, struct sim_grant *g,
                      const struct sim_client *cl, struct strv *out);
/* Issue an access token (access_token_ttl) carrying 'scopes' and answer
 * 200 with the personality's token body. */
void sim_oauth_token_reply(struct sim_call *c, const struct sim_oauth *o,
                           struct sim_grant *g, const struct strv *scopes);
/* The same for a user grant of client cl: its current scopes
 * (sim_oauth_scopes), after a journal note ("token:refresh"). */
void sim_oauth_grant_reply(struct sim_call *c, const struct sim_oauth *o,
                           struct sim_grant *g, const struct sim_client *cl,
                           const char *note);

/* Settings shared by every personality. */
const struct sim_personality *sim_personality_find(const char *name);
/* The field a fault's friendly name stands for (the personality's
 * field_aliases; the name itself when it is not listed). */
const char *sim_field_alias(const struct sim_personality *p,
                            const char *name);
extern const struct sim_personality sim_greenhouse;
extern const struct sim_personality sim_lever;
extern const struct sim_personality sim_workable;
extern const struct sim_personality sim_ashby;

/* Status page documents (statuspage.c). */
bool statuspage_serve(struct sim *s, struct at_req *r);

/* The control API (control.c): answers /_sim/... requests. */
void control_serve(struct sim *s, struct at_req *r);

/* Seed data (seed.c). */
int seed_default(struct sim *s);
int seed_empty(struct sim *s);
int seed_load_file(struct sim *s, const char *path, char *err, size_t errlen);
int seed_load_json(struct sim *s, const cJSON *root, char *err, size_t errlen);

/* Candidate/job/app JSON used by /_sim/state (neutral shape). */
cJSON *sim_state_candidate(const struct sim *s, const struct sim_candidate *c);

/* ---- webhooks (webhooks.c, webhook_deliver.c) ---------------------------------
 *
 * An event fires when the tenant changes (an admin action or an API
 * write). sim_webhook_fire() renders the personality's body once, then
 * queues one delivery per enabled subscription that listens to it, after
 * the faults decided at that moment (webhook_disabled, _delay, _duplicate,
 * _reorder, _ids_only). Each delivery leaves after the personality's
 * webhook_delay setting, signed with the subscription's secret; a failure
 * (timeout, network error, non-2xx) is retried on the personality's
 * schedule, then dropped. Every attempt and every drop is logged. */

/* Fire an event about candidate 'c' / application 'a' (see the payload
 * hook for 'extra'). Does nothing without subscriptions. */
void sim_webhook_fire(struct sim *s, enum sim_event ev,
                      const struct sim_candidate *c, const struct sim_app *a,
                      int64_t extra);
struct sim_webhook *webhook_find(const struct sim *s, int id);
cJSON *webhook_json(const struct sim_webhook *h); /* secret masked */
void webhooks_free(struct sim *s); /* subscriptions only */
/* The first active webhook_* fault of 'kind' that acts now (it counts as
 * matched and applied), or NULL. Webhook faults have no route or
 * credential: they act on deliveries, not on requests. */
struct sim_fault *wh_fault_hit(struct sim *s, enum sim_fault_kind kind);

/* One delivery to queue (webhook_deliver.c). */
struct wh_new {
  int hook;                 /* subscription id */
  const char *action;       /* the personality's event name */
  char *body;               /* taken: malloc'd, exactly the bytes to send */
  size_t len;
  const char *event_id;     /* NULL: a fresh one */
  int64_t due;              /* first attempt */
  bool ping;                /* one attempt; a failure disables the hook */
  bool hold;                /* webhook_reorder: hold in the batch */
  int64_t window;           /* the batch's window when 'hold' starts one */
  int fault;                /* the first fault applied (0 = none) */
  const char *faults;       /* their kinds, comma separated ("" = none) */
  const char *note;         /* e.g. "copy 1" */
};
/* A duration setting of the personality in ms ('def' when it has none). */
int64_t wh_duration(const struct sim *s, const char *name, int64_t def);
void wh_init(struct sim *s);
void wh_free(struct sim *s);  /* cancels timers and transfers */
void wh_enqueue(struct sim *s, const struct wh_new *n);
/* The bytes of a body as the personality sends them (compact JSON, with
 * its escaping); caller frees with free(). */
char *wh_render(const struct sim *s, const cJSON *body, size_t *len);
/* A fresh event id (deterministic: the seed, the resets and a counter). */
void wh_event_id(struct sim *s, char *out, size_t len);
/* Log a delivery dropped before any attempt. */
void wh_log_drop(struct sim *s, int hook, const char *action,
                 const char *reason, const struct sim_fault *f);

/* Helpers used everywhere. */
int64_t sim_now(const struct sim *s);
/* Parse a time parameter: epoch ms, ISO-8601, or "+30m" relative to now. */
int sim_parse_time(const char *v, int64_t now, int64_t *out);
/* Apply a refused outage (take the listener down / bring it back). */
void sim_refused_update(struct sim *s);
/* Drop every request held by a fault (on clear). */
void sim_fault_release(struct sim *s, struct sim_fault *f);

#endif
