/* redact.c — secrets (API keys, client secrets, codes, tokens) never reach
 * a log, an error or an output: every secret the engine holds is replaced
 * wherever it appears, and so is anything that looks like a credential
 * (Authorization values, token fields, secret parameters). */
#include "engine_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MASK "[redacted]"

static int longer_first(const void *a, const void *b)
{
  size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
  return x < y ? 1 : x > y ? -1 : 0;
}

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
  /* longest first: a secret that begins a longer one must not leave the
   * rest of the longer one visible */
  qsort(e->secrets, e->nsecrets, sizeof *e->secrets, longer_first);
}

/* Replace [from, from+n) with MASK, within cap (the text is cut when the
 * mask does not fit). Returns the end of the mask written. */
static char *splice(char *text, size_t cap, char *from, size_t n)
{
  size_t ml = strlen(MASK), tail = strlen(from + n);
  size_t room = cap - (size_t)(from - text) - 1; /* bytes before the NUL */
  if (ml > room)
    ml = room; /* no room for the whole mask: cut the text there */
  if (ml + tail > room)
    tail = room - ml;
  memmove(from + ml, from + n, tail);
  from[ml + tail] = '\0';
  memcpy(from, MASK, ml);
  return from + ml;
}

static bool token_char(char ch)
{
  return isalnum((unsigned char)ch) || strchr("-._~+/=%", ch) != NULL;
}

/* A credential-looking pattern: 'key', then (when 'sep') a ':' or '='
 * (quotes and spaces around it allowed), then a value of at least 'min'
 * token characters. "Invalid Basic Auth credentials" or "authorization
 * code" are prose, not credentials, and stay. */
struct pattern {
  const char *key;
  bool sep;
  size_t min;
  bool words_stay;  /* an error code after it ("code":"invalid_input",
                       "code":"ForbiddenError") is not a credential */
};

/* An ATS's error code: a snake_case word, or a CamelCase one ending in
 * "Error" (Lever). A credential has digits or no such shape. */
static bool error_word(const char *v, const char *end)
{
  bool snake = true, alpha = true;
  for (const char *c = v; c < end; c++) {
    snake &= (*c >= 'a' && *c <= 'z') || *c == '_';
    alpha &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z');
  }
  size_t n = (size_t)(end - v);
  return snake || (alpha && n > 5 && strncmp(end - 5, "Error", 5) == 0);
}

static void mask_after(char *text, size_t cap, const struct pattern *pt)
{
  size_t kl = strlen(pt->key);
  for (char *p = strcasestr(text, pt->key); p; p = strcasestr(p, pt->key)) {
    char *v = p + kl;
    bool saw_sep = false;
    while (*v == ' ' || *v == '"' || *v == ':' || *v == '=') {
      saw_sep |= *v == ':' || *v == '=';
      v++;
    }
    char *end = v;
    while (*end && token_char(*end))
      end++;
    if ((!pt->sep || saw_sep) && (size_t)(end - v) >= pt->min &&
        strncmp(v, MASK, strlen(MASK)) != 0 &&
        !(pt->words_stay && error_word(v, end)))
      v = splice(text, cap, v, (size_t)(end - v));
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
      p = splice(text, cap, p, n); /* on after the mask, never into it */
  }
  static const struct pattern patterns[] = {
      {"Bearer ", false, 8, false},      {"Basic ", false, 8, false},
      {"access_token", true, 4, false},  {"refresh_token", true, 4, false},
      {"client_secret", true, 4, false}, {"api_key", true, 4, false},
      {"password", true, 4, false},      {"code", true, 6, true},
      {"Authorization", true, 4, false}, {"secret", true, 6, false}};
  for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++)
    mask_after(text, cap, &patterns[i]);
}
