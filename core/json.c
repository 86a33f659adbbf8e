/* json.c — see at_json.h. */
#include "at_json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int at_json_id(const cJSON *o, const char *k, char *buf, size_t len)
{
  return at_json_id_item(cJSON_GetObjectItemCaseSensitive(o, k), buf, len);
}

int at_json_id_item(const cJSON *v, char *buf, size_t len)
{
  if (v == NULL || cJSON_IsNull(v))
    return 1;
  if (cJSON_IsString(v)) {
    const char *s = v->valuestring;
    if (*s == '\0' || strlen(s) >= len)
      return -1;
    for (const char *p = s; *p; p++)
      if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
        return -1;
    memcpy(buf, s, strlen(s) + 1);
    return 0;
  }
  if (!cJSON_IsNumber(v))
    return -1;
  double d = v->valuedouble;
  if (d != floor(d) || fabs(d) >= 9007199254740992.0)
    return -1;
  snprintf(buf, len, "%.0f", d);
  return 0;
}

const char *at_json_str(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}
