/* redact.c — secrets (API keys, client secrets, codes, tokens) never reach
 * a log, an error or an output: every secret the engine holds is replaced
 * wherever it appears, and so is anything that looks like a credential
 * (Authorization values, token fields, secret parameters). */
#include "engine_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MASK "[redacted]"

void eng_secret(struct atsync *e, const char *secret)
{
  if (secret == NULL || strlen(secret) < 6)
    return;
  for (size_t i = 0; i < e->nsecrets; i++)
    if (strcmp(e->secrets[i], secret) == 0)
      return;
  char **v = realloc(e->secrets, (e->nsecrets + 1) * sizeof *v);
  if (v == NULL)
    return;
  e->secrets = v;
  e->secrets[e->nsecrets++] = strdup(secret);
}

/* Replace [from, from+n) with MASK, within cap. */
static void splice(char *text, size_t cap, char *from, size_t n)
{
  size_t ml = strlen(MASK), tail = strlen(from + n);
  if ((size_t)(from - text) + ml + tail + 1 > cap)
    tail = cap - (size_t)(from - text) - ml - 1;
  memmove(from + ml, from + n, tail);
  from[ml + tail] = '\0';
  memcpy(from, MASK, ml);
}

static bool token_char(char ch)
{
  return isalnum((unsigned char)ch) || strchr("-._~+/=%", ch) != NULL;
}

/* After 'key', skip separators and mask the value that follows. */
static void mask_after(char *text, size_t cap, const char *key)
{
  size_t kl = strlen(key);
  for (char *p = strcasestr(text, key); p; p = strcasestr(p, key)) {
    char *v = p + kl;
    while (*v == ' ' || *v == '"' || *v == ':' || *v == '=')
      v++;
    char *end = v;
    while (*end && token_char(*end))
      end++;
    if (end - v >= 4 && strncmp(v, MASK, strlen(MASK)) != 0)
      splice(text, cap, v, (size_t)(end - v));
    p = v;
  }
}

void eng_redact(const struct atsync *e, char *text, size_t cap)
{
  if (text == NULL || cap == 0)
    return;
  for (size_t i = 0; e && i < e->nsecrets; i++) {
    const char *s = e->secrets[i];
    size_t n = strlen(s);
    for (char *p = strstr(text, s); p; p = strstr(p, s))
      splice(text, cap, p, n);
  }
  static const char *const keys[] = {
      "Bearer",        "Basic",         "access_token",  "refresh_token",
      "client_secret", "api_key",       "password",      "code=",
      "Authorization", NULL};
  for (const char *const *k = keys; *k; k++)
    mask_after(text, cap, *k);
}
