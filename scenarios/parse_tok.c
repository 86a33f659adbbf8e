/* parse_tok.c — what every part of the parser uses (parse_int.h): memory
 * that aborts when there is none, error reporting with "did you mean"
 * hints, and reading a line's tokens. */
#include "parse_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS 20

/* ---- memory ----------------------------------------------------------------- */

void *p_xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    abort();
  return p;
}

char *p_xstrdup(const char *s)
{
  char *d = strdup(s);
  if (d == NULL)
    abort();
  return d;
}

char *p_xstrndup(const char *s, size_t n)
{
  char *d = strndup(s, n);
  if (d == NULL)
    abort();
  return d;
}

/* Make room for element n of a vector that holds n elements: capacities
 * are powers of two, so it grows when n is 0 or a power of two. */
void *p_grow(void *v, size_t n, size_t size)
{
  if (n != 0 && (n & (n - 1)) != 0)
    return v;
  return p_xrealloc(v, (n ? 2 * n : 1) * size);
}

void p_strv_push(char ***v, size_t *n, const char *s)
{
  *v = p_grow(*v, *n, sizeof **v);
  (*v)[(*n)++] = p_xstrdup(s);
}

void p_strv_free(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

bool p_strv_has(char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

/* ---- errors ----------------------------------------------------------------- */

static int verr(struct parser *p, const char *file, int line, int col,
                const char *fmt, va_list ap)
{
  if (p->stop)
    return -1;
  char msg[2048];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (p->err != NULL && p->errused + 1 < p->errlen) {
    int w = snprintf(p->err + p->errused, p->errlen - p->errused,
                     "%s:%d:%d: %s\n", file, line, col, msg);
    size_t room = p->errlen - p->errused - 1;
    p->errused += w < 0 ? 0 : (size_t)w > room ? room : (size_t)w;
  }
  if (++p->nerr >= MAX_ERRORS)
    p->stop = true;
  return -1;
}

int p_err_file(struct parser *p, const char *file, int line, int col,
               const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verr(p, file, line, col, fmt, ap);
  va_end(ap);
  return -1;
}

int p_err_at(struct parser *p, const struct line *L, int col,
             const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verr(p, L->file, L->no, col, fmt, ap);
  va_end(ap);
  return -1;
}

int p_err_tok(struct parser *p, const struct line *L,
              const struct scn_lex_tok *t, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verr(p, L->file, L->no, t ? t->col : L->lx.eol_col, fmt, ap);
  va_end(ap);
  return -1;
}

/* How a token reads in a message. */
const char *p_desc(const struct scn_lex_tok *t, char *buf, size_t len)
{
  if (t == NULL)
    snprintf(buf, len, "the end of the line");
  else if (t->kind == SCN_TOK_STRING)
    snprintf(buf, len, "\"%.60s\"", t->text);
  else if (t->kind == SCN_TOK_KV)
    snprintf(buf, len, "'%.40s=%.40s'", t->text, t->value);
  else
    snprintf(buf, len, "'%.60s'", t->text);
  return buf;
}

/* " (did you mean 'x'?)" for 'word' among a table's names, else "". */
static const char *hint_named(const struct named *tab, const char *word,
                              char *buf, size_t len)
{
  struct scn_hint h;
  scn_hint_init(&h, word);
  for (; tab->name; tab++)
    scn_hint_offer(&h, tab->name, strlen(tab->name));
  const char *b = scn_hint_best(&h);
  if (b)
    snprintf(buf, len, " (did you mean '%s'?)", b);
  else
    buf[0] = '\0';
  return buf;
}

/* "a b c" from a table's names, with 'sep' between them. */
static const char *list_named(const struct named *tab, const char *sep,
                              char *buf, size_t len)
{
  size_t o = 0;
  buf[0] = '\0';
  for (const struct named *n = tab; n->name && o < len; n++)
    o += (size_t)snprintf(buf + o, len - o, "%s%s", n == tab ? "" : sep,
                          n->name);
  return buf;
}

/* ---- tokens ----------------------------------------------------------------- */

const struct scn_lex_tok *p_peek(const struct line *L)
{
  return L->pos < L->lx.n ? &L->lx.tok[L->pos] : NULL;
}

bool p_is_word(const struct scn_lex_tok *t, const char *w)
{
  return t && t->kind == SCN_TOK_WORD && strcmp(t->text, w) == 0;
}

bool p_accept_word(struct line *L, const char *w)
{
  if (!p_is_word(p_peek(L), w))
    return false;
  L->pos++;
  return true;
}

int p_expected(struct parser *p, const struct line *L,
               const struct scn_lex_tok *t, const char *what)
{
  char b[160];
  if (t == NULL)
    return p_err_tok(p, L, NULL, "missing %s", what);
  return p_err_tok(p, L, t, "expected %s, found %s", what,
                   p_desc(t, b, sizeof b));
}

/* The next token if it is a bare word, else an error naming 'what'. */
const struct scn_lex_tok *p_need_word(struct parser *p, struct line *L,
                                      const char *what)
{
  const struct scn_lex_tok *t = p_peek(L);
  if (t && t->kind == SCN_TOK_WORD) {
    L->pos++;
    return t;
  }
  p_expected(p, L, t, what);
  return NULL;
}

/* The next token if it is a word or a quoted string. */
const struct scn_lex_tok *p_need_text(struct parser *p, struct line *L,
                                      const char *what)
{
  const struct scn_lex_tok *t = p_peek(L);
  if (t && t->kind != SCN_TOK_KV) {
    L->pos++;
    return t;
  }
  p_expected(p, L, t, what);
  return NULL;
}

int p_need_keyword(struct parser *p, struct line *L, const char *w)
{
  if (p_accept_word(L, w))
    return 0;
  char what[64];
  snprintf(what, sizeof what, "'%s'", w);
  return p_expected(p, L, p_peek(L), what);
}

int p_need_end(struct parser *p, const struct line *L)
{
  char b[160];
  const struct scn_lex_tok *t = p_peek(L);
  if (t == NULL)
    return 0;
  return p_err_tok(p, L, t, "unexpected %s", p_desc(t, b, sizeof b));
}

/* A name from a table; -1 with "unknown WHAT 'x' (did you mean ...)". */
int p_need_named(struct parser *p, struct line *L,
                 const struct named *tab, const char *what, int *out)
{
  char b[512], h[96];
  const struct scn_lex_tok *t = p_need_word(p, L, what);
  if (t == NULL)
    return -1;
  for (const struct named *n = tab; n->name; n++) {
    if (strcmp(n->name, t->text) == 0) {
      *out = n->value;
      return 0;
    }
  }
  if (*hint_named(tab, t->text, h, sizeof h))
    return p_err_tok(p, L, t, "unknown %s '%s'%s", what, t->text, h);
  return p_err_tok(p, L, t, "unknown %s '%s' (one of %s)", what, t->text,
                   list_named(tab, ", ", b, sizeof b));
}

int p_need_duration(struct parser *p, struct line *L, const char *what,
                    int64_t *ms)
{
  const struct scn_lex_tok *t = p_need_word(p, L, what);
  if (t == NULL)
    return -1;
  int rc = scn_lex_duration(t->text, ms);
  if (rc == 0)
    return 0;
  if (rc == -3)
    return p_err_tok(p, L, t, "'%s' is too long a duration", t->text);
  if (rc == -1 && strspn(t->text, "0123456789") == strlen(t->text))
    return p_err_tok(p, L, t, "'%s' is not a duration: say the unit (e.g. "
                     "%ss or %sm)", t->text, t->text, t->text);
  if (rc == -1)
    return p_err_tok(p, L, t, "'%s' is not a duration: every number needs a "
                     "unit (ms, s, m, h, d)", t->text);
  return p_err_tok(p, L, t, "'%s' is not a duration (use e.g. 250ms, 30s, 5m, "
                   "2h, 1d, 1h30m)", t->text);
}

struct scn_loc p_loc_of(const struct line *L, const struct scn_lex_tok *t)
{
  return (struct scn_loc){L->file, L->no, t ? t->col : L->lx.eol_col};
}
