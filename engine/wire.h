/* wire.h — what every connector needs to speak an ATS's HTTP API, so that
 * a connector file holds its wire format and nothing else: reading JSON
 * records with path-named errors, building URLs, query strings, forms and
 * JSON bodies, auth headers, next-page checks, OAuth token answers,
 * webhook bodies and signature headers. Vendor differences are passed in
 * as data (an id rule, a header name, a label table), never written here.
 *
 * Ownership: nothing here keeps a pointer past the call. Every output
 * buffer is the caller's and is always left NUL-terminated. */
#ifndef ATSYNC_WIRE_H
#define ATSYNC_WIRE_H

#include <cjson/cJSON.h>

#include "connector.h"

/* ---- reading records ------------------------------------------------------
 * A reader names the first thing wrong in a record with its path
 * ("'payload.application.id' is missing"); later errors are dropped, so a
 * record is read field by field without checking after each. Absent or
 * null fields read as "" (0 for times); a field of the wrong type is an
 * error, so that a changed API is noticed instead of read as empty. */

/* The ids an ATS uses. Every rule takes a non-empty string of letters,
 * digits, '-' and '_' that fits; 'numbers' takes a whole non-negative JSON
 * number below 2^53 too (as decimal text). 'not_id' completes the error
 * ("is not an id (a string such as a uuid)"). */
struct wire_ids {
  bool numbers;
  const char *not_id;
};

struct wire_rd {
  char err[200];              /* "" while all is well */
  const struct wire_ids *ids; /* for wire_id; NULL: strings and numbers,
                                 "is not an id" */
};

/* Record the first error: "'<path>.<k>' <what>" (either part may be ""). */
void wire_fail(struct wire_rd *rd, const char *path, const char *k,
               const char *what);
/* "<path>.<k>" into buf (just k at the top), for a nested object's path. */
void wire_path(char *buf, size_t len, const char *path, const char *k);
/* Member k of o; NULL when absent or null. */
const cJSON *wire_get(const cJSON *o, const char *k);
/* Copy src (NULL reads as "") cut at a UTF-8 character boundary. */
void wire_copy(char *dst, size_t len, const char *src);
/* The id under k: 0 read, 1 absent or null ("" then; an error when
 * required), -1 not an id under the reader's rule ("" then). */
int wire_id(struct wire_rd *rd, const cJSON *o, const char *path,
            const char *k, char *buf, size_t len, bool required);
/* A string member ("" when absent). */
void wire_str(struct wire_rd *rd, const cJSON *o, const char *path,
              const char *k, char *buf, size_t len);
/* An ISO-8601 time member in ms (0 when absent). */
int64_t wire_time(struct wire_rd *rd, const cJSON *o, const char *path,
                  const char *k);
/* A true/false member (false when absent). */
bool wire_bool(struct wire_rd *rd, const cJSON *o, const char *path,
               const char *k);
/* An object member, or NULL (an error when present and not an object). */
const cJSON *wire_obj(struct wire_rd *rd, const cJSON *o, const char *path,
                      const char *k);
/* The same, and its absence is an error ("is missing"). */
const cJSON *wire_need_obj(struct wire_rd *rd, const cJSON *o,
                           const char *path, const char *k);
/* The first 'max' values of a contact list [{value, ...}], each into a
 * slot of 'each' bytes; returns how many were taken. */
size_t wire_contacts(struct wire_rd *rd, const cJSON *o, const char *path,
                     const char *k, char *out, size_t each, size_t max);
/* A non-empty string of letters, digits, '-' and '_' shorter than cap:
 * safe in a URL path. */
bool wire_token_ok(const char *s, size_t cap);

/* "First Last" from the two halves (either may be NULL or ""). */
void wire_full_name(const char *first, const char *last, char *buf,
                    size_t len);
/* One name split at its last space: "Ada King Lovelace" -> "Ada King",
 * "Lovelace"; a single word is the first name (last ""). */
void wire_split_name(const char *name, char *first, size_t flen, char *last,
                     size_t llen);

/* ---- building requests ---------------------------------------------------- */

/* Percent-encode s (RFC 3986 unreserved kept) onto the end of out. */
void wire_enc(char *out, size_t cap, const char *s);
/* Append "?k=v" or "&k=v" (v encoded) to a URL. */
void wire_add_q(char *url, size_t cap, const char *k, const char *v);
/* Append "k=v" to an x-www-form-urlencoded body ('&' between pairs);
 * nothing when v is NULL. */
void wire_form_add(char *form, size_t cap, const char *k, const char *v);
/* The request's JSON body (application/json); takes 'body'. */
void wire_json_body(struct http_req *r, cJSON *body);
/* Authorization: Basic base64(user:pass) (NULL reads as ""). */
void wire_basic(struct http_req *r, const char *user, const char *pass);
/* Authorization: Bearer token (NULL reads as ""). */
void wire_bearer(struct http_req *r, const char *token);
/* True when url lies under base with base as the whole authority (and
 * path prefix): base itself, or base followed by '/' or '?'. Checked
 * before a next-page URL the ATS gave gets our credentials:
 * "https://api.example.io.evil.example/" shares the prefix, not the host. */
bool wire_under_base(const char *base, const char *url);
/* A changes-since list's later page (a->page_url): the connector's
 * build_next, or -1 with the message when it points to another host. */
int wire_later_page(int (*build_next)(const struct conn_view *, const char *,
                                      struct http_req *),
                    const struct conn_view *v, const char *url,
                    struct http_req *r, char *err, size_t errlen);

/* ---- reading answers ------------------------------------------------------ */

/* An OAuth token answer (RFC 6749 5.1): access_token (required, must
 * fit), refresh_token and expires_in when given. False when unusable. */
bool wire_take_token(const cJSON *j, struct op_result *out);
/* The token endpoint's 4xx (not 429): the grant is unusable (RFC 6749
 * 5.2 invalid_grant, invalid_client ...). Sets OUT_AUTH and 'what' (the
 * error code, else 'text', else "rejected") and returns true; false for
 * any other answer. */
bool wire_token_refused(enum op op, const struct http_resp *r,
                        const cJSON *j, const char *text,
                        struct op_result *out);
/* A field's label from a connector's table, NULL when it has none. */
struct wire_label {
  const char *field, *label;
};
const char *wire_label(const struct wire_label *t, size_t n,
                       const char *what);

/* ---- webhooks ------------------------------------------------------------- */

/* A delivery's body parsed as one whole JSON value, from our own
 * NUL-terminated copy (the body need not end in one, and cJSON reads a
 * byte past a length it is given). NULL with the reason in err
 * ("webhook payload: the body is empty", "... not JSON (...)"); err may
 * be NULL. *syntax (may be NULL) is set when the body is not JSON at all.
 * The caller owns the result (cJSON_Delete). */
cJSON *wire_event_json(const struct webhook_req *r, char *err, size_t errlen,
                       bool *syntax);
/* A signature verdict given the secret: a signature made with an empty
 * key proves nothing, so without a secret nothing is SIG_OK. */
enum sig_result wire_sig_keyed(enum sig_result res, const char *secret);
/* "<header>: <prefix><hex HMAC-SHA256(secret, raw body)>" checked:
 * SIG_MISSING without the header, SIG_MALFORMED without the prefix. */
enum sig_result wire_sig_header(const char *secret,
                                const struct webhook_req *r,
                                const char *header, const char *prefix);

#endif
