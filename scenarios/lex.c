/* lex.c — the scenario tokenizer: words, "quoted strings" with \" and \\,
 * key=value with a bare or quoted value, '#' comments; plus the text
 * check, columns, durations and the "did you mean" hints the parser and
 * the command line (cli.c) share. */
#include "lex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static bool is_key_char(char c)
{
  return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

int scn_lex_col(const char *line, size_t off)
{
  int col = 1;
  for (size_t i = 0; i < off; i++)
    if (((unsigned char)line[i] & 0xC0) != 0x80)
      col++;
  return col;
}

/* ---- tokens --------------------------------------------------------------- */

struct lexer {
  const char *s;
  size_t len, i;
  char *out;      /* next free byte of the line's buffer */
  int *col;
  char *msg;
  size_t msglen;
};

static int lex_fail(struct lexer *x, size_t off, const char *m)
{
  *x->col = scn_lex_col(x->s, off);
  snprintf(x->msg, x->msglen, "%s", m);
  return -1;
}

static void push(struct scn_lex_line *l, const struct scn_lex_tok *t)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    struct scn_lex_tok *p = realloc(l->tok, cap * sizeof *p);
    if (p == NULL)
      abort();
    l->tok = p;
    l->cap = cap;
  }
  l->tok[l->n++] = *t;
}

/* A quoted string starting at x->i (on the quote): copy its contents to
 * x->out, NUL-terminated, and leave x->i after the closing quote. */
static int lex_quoted(struct lexer *x)
{
  size_t open = x->i++;
  while (x->i < x->len && x->s[x->i] != '"') {
    char c = x->s[x->i];
    if (c == '\\') {
      char e = x->i + 1 < x->len ? x->s[x->i + 1] : '\0';
      if (e != '"' && e != '\\')
        return lex_fail(x, x->i, "unknown escape in a quoted string (only "
                                 "\\\" and \\\\ are escapes)");
      c = e;
      x->i++;
    }
    *x->out++ = c;
    x->i++;
  }
  if (x->i >= x->len)
    return lex_fail(x, open, "missing closing quote");
  *x->out++ = '\0';
  x->i++;
  if (x->i < x->len && !is_blank(x->s[x->i]) && x->s[x->i] != '#')
    return lex_fail(x, x->i, "a quoted string must be followed by a blank");
  return 0;
}

/* A bare word, or key=value whose value may be quoted. */
static int lex_word(struct lexer *x, struct scn_lex_tok *t)
{
  size_t start = x->i, eq = 0;
  bool kv = false;
  char *text = x->out;
  while (x->i < x->len && !is_blank(x->s[x->i]) && x->s[x->i] != '#') {
    char c = x->s[x->i];
    if (c == '=' && !kv && x->i > start) {
      kv = true;
      for (size_t k = start; k < x->i && kv; k++)
        kv = is_key_char(x->s[k]);
      if (kv) {
        eq = x->i++;
        *x->out++ = '\0';
        break;
      }
    }
    if (c == '"')
      return lex_fail(x, x->i, "unexpected quote inside a word (quote the "
                               "whole value)");
    *x->out++ = c;
    x->i++;
  }
  t->text = text;
  if (!kv) {
    t->kind = SCN_TOK_WORD;
    *x->out++ = '\0';
    return 0;
  }
  t->kind = SCN_TOK_KV;
  t->value = x->out;
  t->vcol = scn_lex_col(x->s, eq + 1);
  if (x->i < x->len && x->s[x->i] == '"')
    return lex_quoted(x);
  while (x->i < x->len && !is_blank(x->s[x->i]) && x->s[x->i] != '#') {
    if (x->s[x->i] == '"')
      return lex_fail(x, x->i, "unexpected quote inside a value (quote the "
                               "whole value)");
    *x->out++ = x->s[x->i++];
  }
  *x->out++ = '\0';
  return 0;
}

int scn_lex_line(const char *line, size_t len, struct scn_lex_line *out,
                 int *col, char *msg, size_t msglen)
{
  memset(out, 0, sizeof *out);
  out->buf = malloc(2 * len + 2);
  if (out->buf == NULL)
    abort();
  out->eol_col = 1;
  struct lexer x = {line, len, 0, out->buf, col, msg, msglen};
  for (;;) {
    while (x.i < len && is_blank(line[x.i]))
      x.i++;
    if (x.i >= len || line[x.i] == '#')
      break;
    struct scn_lex_tok t = {SCN_TOK_WORD, NULL, NULL, 0, 0};
    size_t start = x.i;
    t.col = scn_lex_col(line, start);
    if (line[x.i] == '"') {
      t.kind = SCN_TOK_STRING;
      t.text = x.out;
      if (lex_quoted(&x) != 0)
        return -1;
    } else if (lex_word(&x, &t) != 0) {
      return -1;
    }
    if (out->n == 0)
      out->text_start = start;
    out->text_end = x.i;
    push(out, &t);
  }
  out->eol_col = scn_lex_col(line, out->text_end);
  return 0;
}

void scn_lex_line_free(struct scn_lex_line *l)
{
  free(l->tok);
  free(l->buf);
  memset(l, 0, sizeof *l);
}

/* ---- text check ------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    need = 1;
  else if (c >= 0xE0 && c <= 0xEF)
    need = 2;
  else if (c >= 0xF0 && c <= 0xF4)
    need = 3;
  else
    return 0;
  if (c == 0xE0)
    lo = 0xA0;
  else if (c == 0xED)
    hi = 0x9F;
  else if (c == 0xF0)
    lo = 0x90;
  else if (c == 0xF4)
    hi = 0x8F;
  if (n < need + 1 || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k <= need; k++)
    if ((s[k] & 0xC0) != 0x80)
      return 0;
  return need + 1;
}

int scn_lex_check_text(const char *buf, size_t len, size_t *bad, char *msg,
                       size_t msglen)
{
  const unsigned char *s = (const unsigned char *)buf;
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    if (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
        c == 0x7F) {
      *bad = i;
      if (c == 0)
        snprintf(msg, msglen, "binary data: a NUL byte (a scenario is "
                              "UTF-8 text)");
      else
        snprintf(msg, msglen, "binary data: control character 0x%02x (a "
                              "scenario is UTF-8 text)", c);
      return -1;
    }
    size_t l = utf8_len(s + i, len - i);
    if (l == 0) {
      *bad = i;
      snprintf(msg, msglen, "binary data: invalid UTF-8 byte 0x%02x (a "
                            "scenario is UTF-8 text)", c);
      return -1;
    }
    i += l;
  }
  return 0;
}

/* ---- durations ------------------------------------------------------------- */

int scn_lex_duration(const char *s, int64_t *ms)
{
  int64_t total = 0;
  if (*s == '\0')
    return -2;
  while (*s) {
    if (!isdigit((unsigned char)*s))
      return -2;
    int64_t v = 0;
    for (; isdigit((unsigned char)*s); s++) {
      if (v > SCN_LEX_MAX_DURATION)
        return -3;
      v = v * 10 + (*s - '0');
    }
    int64_t unit;
    if (s[0] == 'm' && s[1] == 's')
      unit = 1, s += 2;
    else if (*s == 's')
      unit = 1000, s++;
    else if (*s == 'm')
      unit = 60000, s++;
    else if (*s == 'h')
      unit = 3600000, s++;
    else if (*s == 'd')
      unit = 86400000, s++;
    else
      return *s == '\0' ? -1 : -2;
    if (v > SCN_LEX_MAX_DURATION / unit ||
        total > SCN_LEX_MAX_DURATION - v * unit)
      return -3;
    total += v * unit;
  }
  *ms = total;
  return 0;
}

/* ---- hints ------------------------------------------------------------------ */

#define HINT_MAX 63
#define OPTION_MAX 40 /* SCN_HINT_OPTIONS: longer counts as far */
#define FAR 99

/* Edit distance of a[0..la) and b[0..lb), both at most HINT_MAX bytes:
 * Levenshtein's, or with 'swaps' the optimal string alignment one (a
 * transposition of two neighbours counts 1); with 'fold' case is
 * ignored. */
static int edit_distance(const char *a, size_t la, const char *b, size_t lb,
                         bool fold, bool swaps)
{
  int d[HINT_MAX + 1][HINT_MAX + 1];
  for (size_t i = 0; i <= la; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      int ca = (unsigned char)a[i - 1], cb = (unsigned char)b[j - 1];
      int pa = i > 1 ? (unsigned char)a[i - 2] : 0;
      int pb = j > 1 ? (unsigned char)b[j - 2] : 0;
      if (fold) {
        ca = tolower(ca);
        cb = tolower(cb);
        pa = tolower(pa);
        pb = tolower(pb);
      }
      int cost = ca != cb;
      int v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v)
        v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v)
        v = d[i - 1][j - 1] + cost;
      if (swaps && i > 1 && j > 1 && ca == pb && pa == cb &&
          d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  }
  return d[la][lb];
}

void scn_hint_init_rule(struct scn_hint *h, const char *word,
                        enum scn_hint_rule rule)
{
  h->word = word;
  h->rule = rule;
  h->best_d = 100;
  h->best[0] = '\0';
}

void scn_hint_init(struct scn_hint *h, const char *word)
{
  scn_hint_init_rule(h, word, SCN_HINT_WORDS);
}

/* SCN_HINT_WORDS: distance 1 scores 2, a prefix 3, distance 2 4; 100 is
 * not close. */
static int score_word(const char *w, size_t wl, const char *cand, size_t len)
{
  if (wl == 0 || wl > HINT_MAX || len == 0 || len > HINT_MAX)
    return 100;
  int d = edit_distance(w, wl, cand, len, true, true);
  int score = d <= 2 && (size_t)d < wl ? 2 * d : 100;
  if (score > 3 && wl >= 3 && wl < len && strncasecmp(cand, w, wl) == 0)
    score = 3;
  return score;
}

/* SCN_HINT_OPTIONS: the distance itself; 100 is not close. */
static int score_option(const char *w, size_t wl, const char *cand,
                        size_t len)
{
  int d = wl > OPTION_MAX || len > OPTION_MAX
              ? FAR
              : edit_distance(w, wl, cand, len, false, false);
  if (wl >= 2 && wl <= len && memcmp(cand, w, wl) == 0)
    d = 1; /* a prefix of a name is as good as a typo */
  return d <= (wl <= 4 ? 2 : 3) ? d : 100;
}

void scn_hint_offer(struct scn_hint *h, const char *cand, size_t len)
{
  size_t wl = strlen(h->word);
  if (len > HINT_MAX)
    return;
  int score = h->rule == SCN_HINT_OPTIONS ? score_option(h->word, wl, cand, len)
                                          : score_word(h->word, wl, cand, len);
  if (score < h->best_d) {
    h->best_d = score;
    memcpy(h->best, cand, len);
    h->best[len] = '\0';
  }
}

void scn_hint_offer_words(struct scn_hint *h, const char *list,
                          const char *seps)
{
  while (*list) {
    list += strspn(list, seps);
    size_t l = strcspn(list, seps);
    if (l)
      scn_hint_offer(h, list, l);
    list += l;
  }
}

const char *scn_hint_best(const struct scn_hint *h)
{
  return h->best_d < 100 ? h->best : NULL;
}
