/* specchk.h — checks a JSON body against a schema of an OpenAPI document
 * (tests/specs/): member names, JSON types, enums, uuid formats, $ref (JSON
 * pointers, through $refs met on the way), allOf, oneOf/anyOf, nullable,
 * additionalProperties and array items. Every mismatch is collected as
 * "  path.to.field: expected string, got number". Each spec says what it
 * requires (struct specchk_rules) and which mismatches are its own known
 * defects (tests/specs/SOURCES.md), so those are allowed and nothing else. */
#ifndef SPECCHK_H
#define SPECCHK_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* What a mismatch is. */
enum specchk_kind {
  SPECCHK_MISSING, /* a member the schema requires (or names) is absent */
  SPECCHK_NULL,    /* null where the schema's type does not allow it */
  SPECCHK_TYPE,    /* another JSON type than the schema's */
  SPECCHK_ONEOF,   /* no alternative of oneOf/anyOf fits */
  SPECCHK_ENUM,    /* a string not in the schema's enum */
  SPECCHK_FORMAT,  /* a string not of the schema's format (uuid) */
};

/* Where: the member 'field' of the object at 'parent' (field is NULL for an
 * array item and for the root, whose parent is ""); 'path' is the two
 * joined ("job.departments[0].children"); 'value' is NULL when missing. */
struct specchk_site {
  const char *path;
  const char *parent;
  const char *field;
  const cJSON *value;
};

struct specchk_rules {
  /* every member the schema names must be there, not only its 'required' */
  bool every_property;
  /* null only where the schema allows it (type "null" among its types, or
   * no type, or nullable: true); otherwise null is accepted anywhere (the
   * document does not declare nullability) */
  bool null_declared;
  /* true when this mismatch is one of the document's known defects (or a
   * part the sim does not model), so it is not reported; NULL: none */
  bool (*known_defect)(enum specchk_kind kind, const struct specchk_site *at);
};

/* A check in progress: set doc and rules (NULL: the defaults, all false),
 * the rest zero. */
struct specchk {
  const cJSON *doc;
  const struct specchk_rules *rules;
  int count;          /* mismatches found */
  size_t len;
  char errors[4096];  /* one "  path: message\n" each, cut when full */
};

/* A JSON file below the repository root (ATSIM_SRCDIR, else the current
 * directory), parsed; fails the test when it cannot. Caller frees. */
cJSON *specchk_load(const char *rel);

/* The node at a JSON pointer ("#/paths/~1jobs/get"), following the $refs
 * met on the way; NULL when there is none. */
const cJSON *specchk_at(const cJSON *doc, const char *pointer);

/* The schema named 'name' in components/schemas, or NULL. */
const cJSON *specchk_schema(const cJSON *doc, const char *name);

/* The application/json schema of the 'status' answer of 'method' 'route'
 * ("/jobs/{id}", "get", "200"); fails the test when there is none. */
const cJSON *specchk_response(const cJSON *doc, const char *route,
                              const char *method, const char *status);

/* Check 'v' against 'schema', its paths starting at 'path'; adds what
 * differs to k and returns k->count. */
int specchk_check(struct specchk *k, const cJSON *schema, const cJSON *v,
                  const char *path);

/* A lowercase 8-4-4-4-12 hex UUID (NULL: false). */
bool specchk_is_uuid(const char *s);

/* Add a mismatch of one's own ("  path: message\n"). */
void specchk_problem(struct specchk *k, const char *path, const char *fmt,
                     ...) __attribute__((format(printf, 3, 4)));

#endif
