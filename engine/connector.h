/* connector.h — what an ATS connector does for the engine: it turns an
 * operation into an HTTP request and an HTTP response into an outcome the
 * core understands. A connector holds no retry, pacing or state logic of
 * its own: the core decides what an outcome means for the push and the
 * connection. A connector file is its ATS's wire format only: what every
 * connector needs (JSON records read with path-named errors, URL, form
 * and auth-header building, the next-page host check, webhook bodies and
 * signature headers) is in engine/wire.h, and the answer helpers
 * (malformed answers, records, stage order) in engine/outcome.h.
 *
 * The operations table, designed for the four ATSes (only Greenhouse is
 * built; see docs/engine.md for the sources):
 *
 * | op        | Greenhouse v3 (v1)                         | Lever                              | Workable                                  | Ashby                          |
 * |-----------|--------------------------------------------|------------------------------------|-------------------------------------------|--------------------------------|
 * | TOKEN     | POST auth/token (code, refresh, client cr.)| POST auth.lever.co/oauth/token     | POST www.workable.com/oauth/token         | (API key only)                 |
 * | JOB       | GET /v3/jobs?ids= (GET /v1/jobs/{id})      | GET /postings/{id}                 | GET /jobs/{shortcode}                     | POST job.info                  |
 * | PIPELINE  | GET /v3/job_interview_stages?job_ids=      | GET /stages (one global pipeline)  | GET /jobs/{shortcode}/stages              | POST jobInterviewPlan.info     |
 * |           | (GET /v1/jobs/{id}/stages)                 |                                    |                                           |                                |
 * | FIND      | GET /v3/candidates?email= (v1 ?email=)     | GET /opportunities?email=          | GET /candidates?email= (per job)          | POST candidate.search {email}  |
 * | APPS      | GET /v3/applications?candidate_ids=&job_ids| GET /opportunities?contact_id=     | (a candidate is per job)                  | POST application.list          |
 * |           | (GET /v1/candidates/{id}, embedded)        |                                    |                                           |                                |
 * | CREATE    | POST /v3/candidates (POST /v1/candidates   | POST /opportunities (dedupes:      | POST /jobs/{sc}/candidates (422 on a      | POST candidate.create          |
 * |           | with applications[initial_stage_id])       | deduped:true -> EXISTS)            | duplicate email -> EXISTS)                |                                |
 * | ADD_APP   | POST /v3/applications (POST /v1/candidates | (an opportunity is the application)| (the candidate is the application)        | POST application.create        |
 * |           | /{id}/applications)                        |                                    |                                           |                                |
 * | MOVE      | POST /v3/applications/{id}/move            | PUT /opportunities/{id}/stage      | POST /candidates/{id}/move                | POST application.changeStage   |
 * |           | (POST /v1/applications/{id}/move)          |                                    |                                           |                                |
 * | UPDATE_   | PATCH /v3/candidates/{id} (PATCH /v1/      | (not built: an opportunity carries | (not built: a candidate is per job and    | POST candidate.update          |
 * | PERSON    | candidates/{id})                           | the person's data itself)          | carries its data)                         |                                |
 *
 * Outcome mapping, per ATS (HTTP status / body -> outcome):
 *   Greenhouse: 2xx ok; 401 auth; 403 permission (scope, endpoint permission
 *     or acting user named in the body); 404 not_found; 422 invalid (field
 *     from errors[].field or v3 {field: message}); 429 transient; 5xx,
 *     timeouts, resets and malformed 2xx bodies unknown for writes,
 *     transient for reads; a refused connection transient.
 *   Lever: 201 with deduped:true -> ok (Lever attached the new opportunity
 *     to the existing contact: the application exists; engine/connectors/
 *     lever.c); 400 invalid (perform_as -> permission); 401 auth; 403
 *     permission; 429 transient (10 req/s).
 *   Workable: 422 "candidate already exists" -> exists; 401 auth (also for
 *     a missing scope); 429 transient (X-Rate-Limit-Reset, no Retry-After).
 *   Ashby: HTTP 200 with success:false -> invalid / not_found by errorInfo
 *     code; 401 missing key, 403 wrong or deactivated key -> auth,
 *     403 missing_endpoint_permission -> permission. */
#ifndef ATSYNC_CONNECTOR_H
#define ATSYNC_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atsync.h"
#include "http.h"

enum outcome {
  OUT_OK,
  OUT_TRANSIENT, /* try again later (429, 5xx on a read, no connection) */
  OUT_AUTH,      /* credentials rejected */
  OUT_PERMISSION,/* authenticated, but not allowed: 'what' names it */
  OUT_INVALID,   /* refused for this input: 'what' names the field */
  OUT_NOT_FOUND,
  OUT_EXISTS,    /* the ATS says the person already exists */
  OUT_UNKNOWN    /* a write that may or may not have been applied */
};
const char *outcome_name(enum outcome o);

enum op {
  OP_TOKEN,     /* grant: code, refresh or client credentials */
  OP_JOB,       /* the job: exists, status, name */
  OP_PIPELINE,  /* the job's stages */
  OP_FIND,      /* people with this email */
  OP_APPS,      /* the person's application on the job */
  OP_CREATE,    /* a new person (v1: with the application) */
  OP_ADD_APP,   /* an application for an existing person */
  OP_MOVE,      /* move the application to the target stage */
  OP_UPDATE_PERSON, /* set fields of an existing person: only those given
                       (connector.update_person: which it can set) */
  /* status pull */
  OP_READ_APP,  /* one application by id: its person, job, status, stage */
  OP_CHANGED_APPS,   /* applications changed since args.since (one page;
                        the caller follows result.next_url itself) */
  OP_CHANGED_PEOPLE, /* people changed since args.since (one page): names,
                        phones, merges, for duplicate detection */
  OP__COUNT
};
const char *op_name(enum op o);
bool op_is_write(enum op o);

/* The person's fields an OP_UPDATE_PERSON can set. */
enum person_field {
  PERSON_NAME = 1u << 0,   /* first and last name */
  PERSON_PHONE = 1u << 1,  /* the phone (the person's primary one) */
  PERSON_EMAIL = 1u << 2,  /* adds an email, one per request; never removes */
  PERSON_FIELDS = 1u << 3  /* custom fields by key; the others untouched */
};

enum grant { GRANT_CODE, GRANT_REFRESH, GRANT_CLIENT_CREDENTIALS };

struct stage;

/* What a connector may read of a connection. */
struct conn_view {
  enum atsync_auth auth;
  const char *base_url, *token_url;
  const char *client_id, *client_secret, *redirect_uri, *sub;
  const char *access_token;
  const char *api_key, *on_behalf_of;
  /* the stages of a job as the engine last read them (OP_PIPELINE), for a
   * connector whose records name a stage only by its id (Lever: one
   * pipeline for the organization); NULL/0 when none was read yet */
  const struct stage *stages;
  size_t nstages;
};

struct op_args {
  enum grant grant;
  const char *code, *refresh_token;
  const char *email;
  const char *candidate_id, *job_id, *application_id;
  const char *from_stage_id, *to_stage_id;
  const char *first, *last, *phone;
  const char *const *emails;
  size_t nemails;
  /* create / add application: the application's source (an ATS source
   * id, from the job mapping's default; NULL = none) and custom fields
   * (already normalised to the ATS's formats).
   * OP_UPDATE_PERSON (candidate_id): only what is to be set, never a
   * blank: first and last together or both NULL, phone or NULL, one
   * email to add (nemails 0 or 1; none is removed), custom fields to set
   * (the others untouched). */
  const char *source_id;
  const char *const *field_keys, *const *field_values;
  size_t nfields;
  /* OP_CHANGED_*: records updated at or after this time (ms, 0 = all);
   * page_url: the next page of an earlier answer (then 'since' is unused) */
  int64_t since;
  const char *page_url;
};

/* One record as the ATS shows it: an application (with its person) in a
 * changes-since list, a read, or what a webhook payload claims. Fields the
 * source does not carry are "" (an ids-only webhook carries only ids). */
struct ats_record {
  char application_id[64], candidate_id[64], job_id[64];
  char status[16];           /* active, rejected, hired, converted */
  char stage_id[64], stage_name[128];
  char first[128], last[128];
  char phones[3][64];        /* as stored in the ATS */
  char emails[3][128];
  char merged_into[64];      /* a person merged away: the survivor */
  bool deleted;              /* a person or application deleted */
  int64_t updated;           /* ms; 0 = not given */
};

/* What a webhook delivery says, read by the connector. */
enum event_kind {
  EV_PING,          /* the ATS checks the endpoint: nothing to do */
  EV_APPLICATION,   /* an application changed: created, moved, rejected,
                       unrejected, hired, updated */
  EV_CANDIDATE,     /* a person's data changed */
  EV_MERGE,         /* rec.candidate_id survives; rec.merged_into is unused,
                       merged_from names the person merged away */
  EV_DELETE,        /* a person or an application was deleted */
  EV_OTHER          /* an event sync does not act on (jobs, offers ...) */
};

struct ats_event {
  enum event_kind kind;
  char action[48];           /* the vendor's event name */
  char id[96];               /* the delivery's event id ("" = none) */
  struct ats_record rec;     /* what the payload claims */
  char merged_from[64];      /* EV_MERGE: the person merged away */
  int64_t at;                /* when the ATS says it happened (0 = unknown) */
};

/* How a webhook request reaches the connector. */
struct webhook_req {
  const char *body;
  size_t len;
  /* a request header by name (case-insensitive), NULL when absent */
  const char *(*header)(void *ud, const char *name);
  void *ud;
};

enum sig_result { SIG_OK, SIG_MISSING, SIG_MALFORMED, SIG_MISMATCH };
const char *sig_result_name(enum sig_result r);

/* Compare hex(HMAC-SHA256(key, data)) with 'hex' (case-insensitive hex, the
 * full digest, CRYPTO_memcmp): SIG_OK, SIG_MALFORMED (not 64 hex digits) or
 * SIG_MISMATCH (engine/hmac.c). */
enum sig_result hmac_sha256_hex_check(const char *key, const void *data,
                                      size_t len, const char *hex);
/* The same with the digest in base64 (44 characters, one '=' of padding),
 * as some ATSs send it. */
enum sig_result hmac_sha256_b64_check(const char *key, const void *data,
                                      size_t len, const char *b64);

#define MAX_STAGES 64

struct stage {
  char id[64];
  char name[128];
  bool active;
};

struct op_result {
  enum outcome outcome;
  char words[400];     /* the ATS's own words: status and a body excerpt */
  char what[200];      /* the scope/permission/user, the field, the OAuth
                          error code ("invalid_grant") */
  int64_t retry_at;    /* absolute ms from Retry-After / X-RateLimit-Reset */
  bool throttled;      /* a 429 */
  char next_url[2048]; /* a list's next page (Link rel="next"), "" = last */
  /* pacing headers, when present */
  int rl_limit, rl_remaining;
  int64_t rl_reset;
  /* payloads */
  char candidate_id[64];
  char application_id[64];
  char app_status[16];     /* active, rejected, hired */
  char stage_id[64], stage_name[128];
  bool partial;            /* a create answered before the record is built */
  /* OP_READ_APP: the application (rec); OP_CHANGED_*: the page's records
   * (owned by the result: outcome_result_free releases them) */
  struct ats_record rec;
  struct ats_record *recs;
  size_t nrecs;
  char job_name[128], job_status[16];
  struct stage stages[MAX_STAGES];
  size_t nstages;
  char access_token[2048], refresh_token[256];
  int64_t expires_in_ms;   /* 0 = not given */
};

struct connector {
  const char *name;        /* "greenhouse" */
  const char *display;     /* "Greenhouse" */
  /* The rate-limit model of the API an auth mode talks to. */
  void (*window)(enum atsync_auth auth, int64_t *window, bool *fixed);
  /* The requests per window the ATS documents for an auth mode, for an ATS
   * whose answers carry no X-RateLimit-Limit (Lever): the pacing uses it
   * until an answer names a limit. NULL or 0: none documented, not paced
   * until an answer names one. */
  int (*default_limit)(enum atsync_auth auth);
  /* Build the request for an operation. Returns 0, or -1 with a message
   * (e.g. an argument the ATS cannot take). */
  int (*build)(const struct conn_view *v, enum op op, const struct op_args *a,
               struct http_req *out, char *err, size_t errlen);
  /* Read a response into an outcome and its payload. */
  void (*parse)(const struct conn_view *v, enum op op, const struct op_args *a,
                const struct http_resp *r, int64_t now, struct op_result *out);
  /* The request for a list's next page (a URL the ATS gave in 'next_url'). */
  int (*build_next)(const struct conn_view *v, const char *url,
                    struct http_req *out);
  /* Webhooks: check a delivery's signature with the connection's webhook
   * secret (never touching anything else), then read it. parse_event
   * returns 0, or -1 with a message naming what is wrong in the payload. */
  enum sig_result (*event_verify)(const char *secret,
                                  const struct webhook_req *r);
  int (*event_parse)(const struct webhook_req *r, struct ats_event *out,
                     char *err, size_t errlen);
  /* The name a customer reads for a field the ATS names in a refusal
   * ("phone_numbers" -> "phone", "custom_fields.X" -> "X"), for messages;
   * NULL when there is none (then the ATS's name is shown). */
  const char *(*field_label)(const char *what);
  /* ---- what the core asks the connector instead of knowing the ATS ---- */
  /* Check credentials for this ATS beyond the common rules (e.g. the
   * acting-user id a key needs); 0, or -1 with a message. */
  int (*check_credentials)(const struct atsync_credentials *cr, char *err,
                           size_t errlen);
  /* How an auth mode is called for this ATS ("Harvest v1 API key"). */
  const char *(*auth_name)(enum atsync_auth auth);
  /* The sentence for credentials the ATS no longer accepts (the
   * connection is then disconnected), with the fix; 'now' for dated
   * rules (a retired key type). 'words' is what the ATS said. */
  void (*auth_failed)(enum atsync_auth auth, const char *words, int64_t now,
                      char *msg, size_t len);
  /* Where an admin grants a missing key permission, the end of the
   * permission sentence ("Configure > Dev Center > ..., tick it for the
   * integration's key"). */
  const char *key_permission_fix;
  /* A refresh token lapses this long after it is issued (0 = never): an
   * idle grant is refreshed before that (Greenhouse v3: 24 h). */
  int64_t refresh_ttl_ms;
  /* OP_CREATE makes the person alone (Ashby's candidate.create): the
   * application is added next with OP_ADD_APP, and a person of ours
   * without one is simply missing it (never "still being built"). False:
   * the create carries the application (Greenhouse, Lever, Workable). */
  bool create_person_only;
  /* OP_FIND answers with people alone, never their applications, even
   * with an API key: OP_APPS follows a person found (Ashby's
   * candidate.search). False: with an API key the find shows every
   * application (Greenhouse v1), so a person found without one on the
   * job has none there. */
  bool find_without_apps;
  /* The OAuth token endpoint's path, when the credentials give no
   * token_url (appended to the base URL; NULL: "/token"). */
  const char *token_path;
  /* What OP_UPDATE_PERSON can set on an existing person (PERSON_* bits;
   * 0 = the operation is not built): after the ATS refused a person's
   * data and the recruiter fixed it, the core sends what changed before
   * it adds the application (Greenhouse, Ashby). 0 where the data travels
   * with each application anyway (Lever, Workable). */
  unsigned update_person;
};

/* Free what a result owns (recs); the struct itself stays the caller's. */
void outcome_result_free(struct op_result *r);

/* Fold the next page of a list into what the earlier pages gave. */
void outcome_merge_page(enum op op, struct op_result *acc,
                        const struct op_result *page);

const struct connector *connector_find(const char *name);
/* The i-th connector's name, NULL past the end (for messages). */
const char *connector_name(size_t i);
extern const struct connector connector_greenhouse;
extern const struct connector connector_lever;
extern const struct connector connector_workable;
extern const struct connector connector_ashby;

#endif
