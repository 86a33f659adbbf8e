/* at_json.h — reading ids out of JSON without ever going through a lossy
 * double: a JSON number is accepted only when it is a whole number below
 * 2^53 (exact in a double), a string of digits as it is. Shared by the sim
 * and the engine. */
#ifndef AT_JSON_H
#define AT_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Copy the id under key 'k' of object 'o' into buf as decimal text.
 * Returns 0, 1 when absent or null, -1 when not an id. */
int at_json_id(const cJSON *o, const char *k, char *buf, size_t len);
/* The same for a bare item (an element of an id array). */
int at_json_id_item(const cJSON *v, char *buf, size_t len);

/* The string under 'k' (case-sensitive), or NULL. */
const char *at_json_str(const cJSON *o, const char *k);

#endif
