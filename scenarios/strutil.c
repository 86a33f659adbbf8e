/* strutil.c — small string helpers the scenario code shares (strutil.h). */
#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *scn_str_join(char *const *words, size_t n)
{
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(words[i]) + 1;
  char *s = malloc(len);
  if (s == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    size_t k = strlen(words[i]);
    if (i > 0)
      s[o++] = ' ';
    memcpy(s + o, words[i], k);
    o += k;
  }
  s[o] = '\0';
  return s;
}

char *scn_str_shell_quote(const char *s, const char *plain, char *out,
                          size_t len)
{
  if (s[0] != '\0' && s[strspn(s, plain)] == '\0') {
    snprintf(out, len, "%s", s);
    return out;
  }
  if (len < 3) {
    snprintf(out, len, "%s", "");
    return out;
  }
  size_t o = 0;
  out[o++] = '\'';
  for (; *s != '\0' && o + 5 < len; s++) {
    if (*s == '\'') {
      memcpy(out + o, "'\\''", 4);
      o += 4;
    } else {
      out[o++] = *s;
    }
  }
  out[o++] = '\'';
  out[o] = '\0';
  return out;
}

char *scn_str_shell_quote_dup(const char *s, const char *plain)
{
  size_t len = 4 * strlen(s) + 3;
  char *q = malloc(len);
  if (q == NULL)
    return NULL;
  return scn_str_shell_quote(s, plain, q, len);
}

char *scn_str_path_join(const char *dir, const char *rel)
{
  if (rel[0] == '/' || dir[0] == '\0')
    return strdup(rel);
  size_t n = strlen(dir);
  char *s = NULL;
  if (asprintf(&s, "%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", rel) < 0)
    return NULL;
  return s;
}

bool scn_str_to_u64(const char *s, uint64_t max, uint64_t *out)
{
  uint64_t v = 0;
  if (*s == '\0')
    return false;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9')
      return false;
    unsigned d = (unsigned)(*s - '0');
    if (v > (max - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}
