/* parse.c — a .scn file (scn.h has the grammar) parsed into a struct
 * scn_scenario. One function per statement, found through a keyword table
 * (h_* header lines, s_* statements, c_* conditions); lex.c cuts lines into
 * tokens.
 *
 * Errors: one line each, "file:line:col: message\n", col counting UTF-8
 * characters from 1 (a tab is one) and pointing at the offending token, or
 * just after the last one when something is missing; a "did you mean" hint
 * where a candidate is close. The parse goes on with the next line and
 * stops after 20 errors; a byte that is not text stops it for good (the
 * lines before it are still read).
 *
 * Checked here because they need no run: times that go backwards, refs
 * never approved or approved twice, jobs never mapped, fault labels, fault
 * and action parameters (through the sim's own checks), include cycles. */
#include "scn.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "atsync.h"
#include "lex.h"
#include "sim.h"

#define MAX_ERRORS 20
#define MAX_DEPTH 8                /* include nesting */
#define MAX_FILE (8u << 20)        /* bytes per file */
#define MAX_RANGE 10000            /* refs in one approve range */
#define MAX_REF 63                 /* atsync keeps refs in 64 bytes */

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

const char *const scn_personalities[] = {"greenhouse", NULL};

static const char *const cause_ids[] = {
    "expired",   "revoked",   "access_removed", "scope_missing",
    "rate_limit", "downtime", "job_mapping",    "stage_mapping",
    "duplicate", "required_field", "format", NULL};

struct named {
  const char *name;
  int value;
};

static const struct named conn_states[] = {
    {"not_connected", ATSYNC_NOT_CONNECTED},
    {"connecting", ATSYNC_CONNECTING},
    {"connected", ATSYNC_CONNECTED},
    {"disconnected", ATSYNC_DISCONNECTED},
    {"permission_missing", ATSYNC_PERMISSION_MISSING},
    {"throttled", ATSYNC_THROTTLED},
    {"ats_unavailable", ATSYNC_ATS_UNAVAILABLE},
    {"misconfigured", ATSYNC_MISCONFIGURED},
    {NULL, 0}};

static const struct named cand_states[] = {
    {"queued", ATSYNC_QUEUED},
    {"pushing", ATSYNC_PUSHING},
    {"waiting", ATSYNC_WAITING},
    {"needs_attention", ATSYNC_NEEDS_ATTENTION},
    {"synced", ATSYNC_SYNCED},
    {NULL, 0}};

static const struct named ops[] = {
    {"==", SCN_EQ}, {"!=", SCN_NE}, {"<", SCN_LT}, {"<=", SCN_LE},
    {">", SCN_GT},  {">=", SCN_GE}, {NULL, 0}};

static const struct named auths[] = {
    {"oauth", SCN_AUTH_OAUTH},
    {"client_credentials", SCN_AUTH_CLIENT_CREDENTIALS},
    {"api_key", SCN_AUTH_API_KEY},
    {NULL, 0}};

static const struct named indicators[] = {
    {"none", 0}, {"minor", 1}, {"major", 2}, {"maintenance", 3}, {NULL, 0}};

static const struct named job_status[] = {{"open", SCN_JOB_OPEN},
                                          {"closed", SCN_JOB_CLOSED},
                                          {"draft", SCN_JOB_DRAFT},
                                          {NULL, 0}};

static const char *const default_stages[] = {
    "Application Review", "Phone Screen", "Onsite", "Offer", NULL};

/* Keys of approve and update (PERSON_KEYS) and of person. */
#define PERSON_KEYS "email first last phone job stage"
#define ATS_PERSON_KEYS "email phone job stage company"

/* ---- parser state ----------------------------------------------------------- */

/* Header lines allowed once. */
enum once { O_SCENARIO, O_ATS, O_AUTH, O_PENDING, O_SEED, O_RATE, O_LATENCY,
            O__COUNT };

struct ref {            /* an approved candidate, or a range of them */
  char *name;
  bool range;
  long lo, hi;
  struct scn_loc loc;
};

struct label {          /* fault ... as NAME */
  char *name;
  struct scn_loc loc;
};

struct parser {
  struct scn_scenario *sc;
  char *err;
  size_t errlen, errused;
  int nerr;
  bool stop;            /* 20 errors, or a file that is not text */
  bool quiet_end;       /* no "missing scenario line" (empty, unread) */
  int64_t now;          /* the earliest time the next line can run */
  struct ref *refs;
  size_t nrefs;
  char **jobs;          /* distinct OURS job names mapped so far */
  size_t njobs;
  struct label *labels;
  size_t nlabels;
  struct scn_loc once[O__COUNT];
  char *open_real[MAX_DEPTH + 1]; /* realpath of each open file (or NULL) */
  const char *open_name[MAX_DEPTH + 1];
  int depth;
  int cut;              /* after an include cycle: files deeper stop */
};

/* One source line being parsed. */
struct line {
  const char *file;     /* owned by sc->files */
  const char *dir;      /* includes resolve here ("" = current dir) */
  int no;
  const char *src;
  size_t len;
  struct scn_lex_line lx;
  size_t pos;           /* cursor into lx.tok */
  const struct scn_lex_tok *kw; /* the statement's keyword */
};

/* ---- memory ----------------------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    abort();
  return p;
}

static char *xstrdup(const char *s)
{
  char *d = strdup(s);
  if (d == NULL)
    abort();
  return d;
}

static char *xstrndup(const char *s, size_t n)
{
  char *d = strndup(s, n);
  if (d == NULL)
    abort();
  return d;
}

/* Make room for element n of a vector that holds n elements: capacities
 * are powers of two, so it grows when n is 0 or a power of two. */
static void *grow(void *v, size_t n, size_t size)
{
  if (n != 0 && (n & (n - 1)) != 0)
    return v;
  return xrealloc(v, (n ? 2 * n : 1) * size);
}

static void strv_push(char ***v, size_t *n, const char *s)
{
  *v = grow(*v, *n, sizeof **v);
  (*v)[(*n)++] = xstrdup(s);
}

static void strv_free(char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(v[i]);
  free(v);
}

static bool strv_has(char *const *v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

static void kv_add(struct scn_stmt *st, const char *k, const char *v,
                   struct scn_loc loc)
{
  st->kv = grow(st->kv, st->nkv, sizeof *st->kv);
  st->kv[st->nkv++] = (struct scn_kv){xstrdup(k), xstrdup(v), loc};
}

static int kv_find(const struct scn_stmt *st, const char *k)
{
  for (size_t i = 0; i < st->nkv; i++)
    if (strcmp(st->kv[i].key, k) == 0)
      return (int)i;
  return -1;
}

static void stmt_free(struct scn_stmt *st)
{
  free(st->text);
  free(st->name);
  free(st->value);
  strv_free(st->list, st->nlist);
  for (size_t i = 0; i < st->nkv; i++) {
    free(st->kv[i].key);
    free(st->kv[i].value);
  }
  free(st->kv);
  free(st->expect.cond.who);
  free(st->expect.cond.text);
  free(st->expect.cond.job);
  free(st->expect.cond.stage);
}

void scn_free(struct scn_scenario *sc)
{
  if (sc == NULL)
    return;
  free(sc->path);
  free(sc->title);
  strv_free(sc->tags, sc->ntags);
  strv_free(sc->causes, sc->ncauses);
  strv_free(sc->ats, sc->nats);
  free(sc->pending);
  for (size_t i = 0; i < sc->nstmts; i++)
    stmt_free(&sc->stmts[i]);
  free(sc->stmts);
  strv_free(sc->files, sc->nfiles);
  free(sc);
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

static int PRINTF(5, 6) err_file(struct parser *p, const char *file,
                                 int line, int col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verr(p, file, line, col, fmt, ap);
  va_end(ap);
  return -1;
}

static int PRINTF(4, 5) err_at(struct parser *p, const struct line *L,
                               int col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verr(p, L->file, L->no, col, fmt, ap);
  va_end(ap);
  return -1;
}

/* An error at token 't', or at the end of the line when 't' is NULL. */
static int PRINTF(4, 5) err_tok(struct parser *p, const struct line *L,
                                const struct scn_lex_tok *t,
                                const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  verr(p, L->file, L->no, t ? t->col : L->lx.eol_col, fmt, ap);
  va_end(ap);
  return -1;
}

/* How a token reads in a message. */
static const char *desc(const struct scn_lex_tok *t, char *buf, size_t len)
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

static const struct scn_lex_tok *peek(const struct line *L)
{
  return L->pos < L->lx.n ? &L->lx.tok[L->pos] : NULL;
}

static bool is_word(const struct scn_lex_tok *t, const char *w)
{
  return t && t->kind == SCN_TOK_WORD && strcmp(t->text, w) == 0;
}

static bool accept_word(struct line *L, const char *w)
{
  if (!is_word(peek(L), w))
    return false;
  L->pos++;
  return true;
}

static int expected(struct parser *p, const struct line *L,
                    const struct scn_lex_tok *t, const char *what)
{
  char b[160];
  if (t == NULL)
    return err_tok(p, L, NULL, "missing %s", what);
  return err_tok(p, L, t, "expected %s, found %s", what, desc(t, b, sizeof b));
}

/* The next token if it is a bare word, else an error naming 'what'. */
static const struct scn_lex_tok *need_word(struct parser *p, struct line *L,
                                           const char *what)
{
  const struct scn_lex_tok *t = peek(L);
  if (t && t->kind == SCN_TOK_WORD) {
    L->pos++;
    return t;
  }
  expected(p, L, t, what);
  return NULL;
}

/* The next token if it is a word or a quoted string. */
static const struct scn_lex_tok *need_text(struct parser *p, struct line *L,
                                           const char *what)
{
  const struct scn_lex_tok *t = peek(L);
  if (t && t->kind != SCN_TOK_KV) {
    L->pos++;
    return t;
  }
  expected(p, L, t, what);
  return NULL;
}

static int need_keyword(struct parser *p, struct line *L, const char *w)
{
  if (accept_word(L, w))
    return 0;
  char what[64];
  snprintf(what, sizeof what, "'%s'", w);
  return expected(p, L, peek(L), what);
}

static int need_end(struct parser *p, const struct line *L)
{
  char b[160];
  const struct scn_lex_tok *t = peek(L);
  if (t == NULL)
    return 0;
  return err_tok(p, L, t, "unexpected %s", desc(t, b, sizeof b));
}

/* A name from a table; -1 with "unknown WHAT 'x' (did you mean ...)". */
static int need_named(struct parser *p, struct line *L,
                      const struct named *tab, const char *what, int *out)
{
  char b[512], h[96];
  const struct scn_lex_tok *t = need_word(p, L, what);
  if (t == NULL)
    return -1;
  for (const struct named *n = tab; n->name; n++) {
    if (strcmp(n->name, t->text) == 0) {
      *out = n->value;
      return 0;
    }
  }
  if (*hint_named(tab, t->text, h, sizeof h))
    return err_tok(p, L, t, "unknown %s '%s'%s", what, t->text, h);
  return err_tok(p, L, t, "unknown %s '%s' (one of %s)", what, t->text,
                 list_named(tab, ", ", b, sizeof b));
}

static int need_duration(struct parser *p, struct line *L, const char *what,
                         int64_t *ms)
{
  const struct scn_lex_tok *t = need_word(p, L, what);
  if (t == NULL)
    return -1;
  int rc = scn_lex_duration(t->text, ms);
  if (rc == 0)
    return 0;
  if (rc == -3)
    return err_tok(p, L, t, "'%s' is too long a duration", t->text);
  if (rc == -1 && strspn(t->text, "0123456789") == strlen(t->text))
    return err_tok(p, L, t, "'%s' is not a duration: say the unit (e.g. "
                   "%ss or %sm)", t->text, t->text, t->text);
  if (rc == -1)
    return err_tok(p, L, t, "'%s' is not a duration: every number needs a "
                   "unit (ms, s, m, h, d)", t->text);
  return err_tok(p, L, t, "'%s' is not a duration (use e.g. 250ms, 30s, 5m, "
                 "2h, 1d, 1h30m)", t->text);
}

/* A decimal number of at most 'max'; false for anything else. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
  uint64_t v = 0;
  if (*s == '\0')
    return false;
  for (; *s; s++) {
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

static int need_count(struct parser *p, struct line *L, long *n)
{
  uint64_t v;
  const struct scn_lex_tok *t = need_word(p, L, "a number");
  if (t == NULL)
    return -1;
  if (!parse_number(t->text, LONG_MAX, &v))
    return err_tok(p, L, t, "'%s' is not a number (a whole number >= 0)",
                   t->text);
  *n = (long)v;
  return 0;
}

static int need_op(struct parser *p, struct line *L, enum scn_op *op)
{
  const struct scn_lex_tok *t = peek(L);
  if (t == NULL || t->kind != SCN_TOK_WORD)
    return expected(p, L, t, "an operator (== != < <= > >=)");
  for (const struct named *n = ops; n->name; n++) {
    if (strcmp(n->name, t->text) == 0) {
      *op = (enum scn_op)n->value;
      L->pos++;
      return 0;
    }
  }
  return err_tok(p, L, t, "bad operator '%s' (use one of == != < <= > >=)",
                 t->text);
}

static int need_op_count(struct parser *p, struct line *L,
                         struct scn_cond *c)
{
  if (need_op(p, L, &c->op) != 0)
    return -1;
  return need_count(p, L, &c->n);
}

/* ---- refs, jobs, labels ----------------------------------------------------- */

/* A decimal number without leading zeros, as a range's names use. */
static bool canonical_long(const char *s, long *out)
{
  size_t n = strlen(s);
  uint64_t v;
  if (n == 0 || n > 9 || (s[0] == '0' && n > 1) ||
      !parse_number(s, 999999999, &v))
    return false;
  *out = (long)v;
  return true;
}

static bool ref_covers(const struct ref *r, const char *name)
{
  if (!r->range)
    return strcmp(r->name, name) == 0;
  size_t pl = strlen(r->name);
  long v;
  if (strncmp(name, r->name, pl) != 0 || !canonical_long(name + pl, &v))
    return false;
  return v >= r->lo && v <= r->hi;
}

static const struct ref *ref_find(const struct parser *p, const char *name)
{
  for (size_t i = 0; i < p->nrefs; i++)
    if (ref_covers(&p->refs[i], name))
      return &p->refs[i];
  return NULL;
}

static bool ref_chars_ok(const char *s, size_t n)
{
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

/* A WHO: an email (not checked) or a ref approved above. */
static int check_who(struct parser *p, const struct line *L,
                     const struct scn_lex_tok *t)
{
  if (strchr(t->text, '@') != NULL || ref_find(p, t->text) != NULL)
    return 0;
  struct scn_hint h;
  scn_hint_init(&h, t->text);
  for (size_t i = 0; i < p->nrefs; i++)
    if (!p->refs[i].range)
      scn_hint_offer(&h, p->refs[i].name, strlen(p->refs[i].name));
  const char *b = scn_hint_best(&h);
  if (b)
    return err_tok(p, L, t, "no candidate '%s' is approved above (did you "
                   "mean '%s'?)", t->text, b);
  return err_tok(p, L, t, "no candidate '%s' is approved above (approve it "
                 "first, or give an email)", t->text);
}

static const struct scn_lex_tok *need_who(struct parser *p, struct line *L,
                                          const char *what)
{
  const struct scn_lex_tok *t = need_word(p, L, what);
  if (t == NULL || check_who(p, L, t) != 0)
    return NULL;
  return t;
}

static bool job_mapped(const struct parser *p, const char *ours)
{
  return strv_has(p->jobs, p->njobs, ours);
}

static const struct label *label_find(const struct parser *p,
                                      const char *name)
{
  for (size_t i = 0; i < p->nlabels; i++)
    if (strcmp(p->labels[i].name, name) == 0)
      return &p->labels[i];
  return NULL;
}

static struct scn_loc loc_of(const struct line *L, const struct scn_lex_tok *t)
{
  return (struct scn_loc){L->file, L->no, t ? t->col : L->lx.eol_col};
}

/* ---- header lines ----------------------------------------------------------- */

/* Note a header line that may appear once; -1 (with an error) when it is
 * there already. */
static int once(struct parser *p, const struct line *L, enum once id)
{
  struct scn_loc *s = &p->once[id];
  if (s->line != 0)
    return err_tok(p, L, L->kw, "'%s' given twice (first at %s:%d)",
                   L->kw->text, s->file, s->line);
  *s = loc_of(L, L->kw);
  return 0;
}

static int h_scenario(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (p->depth > 0)
    return err_tok(p, L, L->kw, "an included file has no scenario line of "
                   "its own (the including file names the scenario)");
  if (once(p, L, O_SCENARIO) != 0)
    return -1;
  const struct scn_lex_tok *t = need_text(p, L, "the title: scenario \"Title\"");
  if (t == NULL || need_end(p, L) != 0)
    return -1;
  if (t->text[0] == '\0')
    return err_tok(p, L, t, "the title is empty");
  p->sc->title = xstrdup(t->text);
  return 0;
}

static int h_tags(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (peek(L) == NULL)
    return expected(p, L, NULL, "a tag: tags WORD...");
  for (const struct scn_lex_tok *t; (t = peek(L)) != NULL;) {
    if (need_text(p, L, "a tag") == NULL)
      return -1;
    if (!strv_has(p->sc->tags, p->sc->ntags, t->text))
      strv_push(&p->sc->tags, &p->sc->ntags, t->text);
  }
  return 0;
}

static int check_cause(struct parser *p, const struct line *L,
                       const struct scn_lex_tok *t)
{
  struct scn_hint h;
  scn_hint_init(&h, t->text);
  for (const char *const *c = cause_ids; *c; c++) {
    if (strcmp(*c, t->text) == 0)
      return 0;
    scn_hint_offer(&h, *c, strlen(*c));
  }
  if (scn_hint_best(&h))
    return err_tok(p, L, t, "unknown cause '%s' (did you mean '%s'?)",
                   t->text, scn_hint_best(&h));
  return err_tok(p, L, t, "unknown cause '%s' (one of expired, revoked, "
                 "access_removed, scope_missing, rate_limit, downtime, "
                 "job_mapping, stage_mapping, duplicate, required_field, "
                 "format)", t->text);
}

static int h_cause(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (peek(L) == NULL)
    return expected(p, L, NULL, "a cause id: cause ID...");
  for (const struct scn_lex_tok *t; peek(L) != NULL;) {
    if ((t = need_word(p, L, "a cause id")) == NULL ||
        check_cause(p, L, t) != 0)
      return -1;
    if (!strv_has(p->sc->causes, p->sc->ncauses, t->text))
      strv_push(&p->sc->causes, &p->sc->ncauses, t->text);
  }
  return 0;
}

static int check_personality(struct parser *p, const struct line *L,
                             const struct scn_lex_tok *t)
{
  struct scn_hint h;
  char built[256];
  size_t o = 0;
  built[0] = '\0';
  scn_hint_init(&h, t->text);
  for (const char *const *a = scn_personalities; *a; a++) {
    if (strcmp(*a, t->text) == 0)
      return 0;
    scn_hint_offer(&h, *a, strlen(*a));
    if (o < sizeof built)
      o += (size_t)snprintf(built + o, sizeof built - o, "%s%s",
                            o ? ", " : "", *a);
  }
  if (scn_hint_best(&h))
    return err_tok(p, L, t, "unknown personality '%s' (did you mean '%s'?)",
                   t->text, scn_hint_best(&h));
  return err_tok(p, L, t, "no personality '%s' is built (built so far: %s)",
                 t->text, built);
}

static int h_ats(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  struct scn_scenario *sc = p->sc;
  if (once(p, L, O_ATS) != 0)
    return -1;
  if (accept_word(L, "*")) {
    if (need_end(p, L) != 0)
      return -1;
    for (const char *const *a = scn_personalities; *a; a++)
      strv_push(&sc->ats, &sc->nats, *a);
    sc->ats_star = true;
    return 0;
  }
  if (peek(L) == NULL)
    return expected(p, L, NULL, "a personality: ats NAME... or ats *");
  for (const struct scn_lex_tok *t; peek(L) != NULL;) {
    if ((t = need_word(p, L, "a personality")) == NULL)
      return -1;
    if (strcmp(t->text, "*") == 0)
      return err_tok(p, L, t, "'*' stands alone: ats *");
    if (check_personality(p, L, t) != 0)
      return -1;
    if (!strv_has(sc->ats, sc->nats, t->text))
      strv_push(&sc->ats, &sc->nats, t->text);
  }
  return 0;
}

static int h_auth(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  int v;
  if (once(p, L, O_AUTH) != 0 || need_named(p, L, auths, "auth", &v) != 0 ||
      need_end(p, L) != 0)
    return -1;
  p->sc->auth = (enum scn_auth)v;
  return 0;
}

static int h_pending(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (once(p, L, O_PENDING) != 0)
    return -1;
  const struct scn_lex_tok *t =
      need_text(p, L, "the reason: pending \"what is not there yet\"");
  if (t == NULL || need_end(p, L) != 0)
    return -1;
  if (t->text[0] == '\0')
    return err_tok(p, L, t, "the reason is empty (say what is not there "
                   "yet)");
  p->sc->pending = xstrdup(t->text);
  return 0;
}

static int h_seed(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (once(p, L, O_SEED) != 0)
    return -1;
  const struct scn_lex_tok *t = need_word(p, L, "a seed (a whole number)");
  if (t == NULL || need_end(p, L) != 0)
    return -1;
  if (!parse_number(t->text, UINT64_MAX, &p->sc->seed))
    return err_tok(p, L, t, "'%s' is not a seed (a whole number from 0 to "
                   "18446744073709551615)", t->text);
  p->sc->has_seed = true;
  return 0;
}

static int h_rate(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  struct scn_scenario *sc = p->sc;
  uint64_t n;
  if (need_keyword(p, L, "limit") != 0 || once(p, L, O_RATE) != 0)
    return -1;
  if (accept_word(L, "off")) {
    sc->rate_off = true;
    return need_end(p, L);
  }
  if (accept_word(L, "default"))
    return need_end(p, L);
  const struct scn_lex_tok *t =
      need_word(p, L, "a limit: rate limit N per DUR, off or default");
  if (t == NULL)
    return -1;
  if (!parse_number(t->text, 1000000, &n) || n == 0)
    return err_tok(p, L, t, "'%s' is not a rate limit (a whole number from 1 "
                   "to 1000000, or off, or default)", t->text);
  if (need_keyword(p, L, "per") != 0 ||
      need_duration(p, L, "a window (e.g. 10s)", &sc->rate_window_ms) != 0 ||
      need_end(p, L) != 0)
    return -1;
  if (sc->rate_window_ms == 0)
    return err_tok(p, L, &L->lx.tok[L->pos - 1], "the window must be longer "
                   "than 0");
  sc->rate_limit = (int)n;
  return 0;
}

static int h_latency(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  struct scn_scenario *sc = p->sc;
  int64_t p50, p99;
  if (once(p, L, O_LATENCY) != 0)
    return -1;
  if (accept_word(L, "off")) {
    sc->latency_off = true;
    return need_end(p, L);
  }
  const struct scn_lex_tok *t50 = peek(L);
  if (need_duration(p, L, "the median: latency P50 P99 or latency off",
                    &p50) != 0)
    return -1;
  const struct scn_lex_tok *t99 = peek(L);
  if (need_duration(p, L, "the 99th percentile: latency P50 P99", &p99) != 0 ||
      need_end(p, L) != 0)
    return -1;
  if (p50 == 0)
    return err_tok(p, L, t50, "the median must be longer than 0 (for no "
                   "latency say: latency off)");
  if (p99 < p50)
    return err_tok(p, L, t99, "the 99th percentile (%s) is below the median "
                   "(%s)", t99->text, t50->text);
  sc->latency_p50_ms = p50;
  sc->latency_p99_ms = p99;
  return 0;
}

static void parse_buffer(struct parser *p, const char *file, const char *dir,
                         const char *buf, size_t len);

/* Read a whole file (at most MAX_FILE bytes). Returns 0 and a buffer the
 * caller frees, or -1 with the reason in 'why'. */
static int read_file(const char *path, char **out, size_t *len, char *why,
                     size_t whylen)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(why, whylen, "%s", strerror(errno));
    return -1;
  }
  size_t cap = 4096, n = 0;
  char *buf = xrealloc(NULL, cap);
  for (;;) {
    if (n == cap)
      buf = xrealloc(buf, cap *= 2);
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (n > MAX_FILE || r == 0)
      break;
  }
  int rc = 0;
  if (ferror(f)) {
    snprintf(why, whylen, "%s", strerror(errno));
    rc = -1;
  } else if (n > MAX_FILE) {
    snprintf(why, whylen, "larger than %u MiB", MAX_FILE >> 20);
    rc = -1;
  }
  fclose(f);
  if (rc != 0) {
    free(buf);
    return -1;
  }
  *out = buf;
  *len = n;
  return 0;
}

static const char *add_file(struct parser *p, const char *name)
{
  struct scn_scenario *sc = p->sc;
  for (size_t i = 0; i < sc->nfiles; i++)
    if (strcmp(sc->files[i], name) == 0)
      return sc->files[i];
  strv_push(&sc->files, &sc->nfiles, name);
  return sc->files[sc->nfiles - 1];
}

/* The directory part of 'path' ("" for none), to be freed. */
static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    return xstrdup("");
  return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static char *join_path(const char *dir, const char *rel)
{
  if (rel[0] == '/' || dir[0] == '\0')
    return xstrdup(rel);
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *s = xrealloc(NULL, n);
  snprintf(s, n, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel);
  return s;
}

/* -1 (with an error) when 'real' is one of the files being read. */
static int check_cycle(struct parser *p, const struct line *L,
                       const struct scn_lex_tok *t, const char *real,
                       const char *name)
{
  char chain[1024];
  size_t o = 0;
  int from = -1;
  for (int i = 0; i <= p->depth && real; i++)
    if (from < 0 && p->open_real[i] && strcmp(p->open_real[i], real) == 0)
      from = i;
  if (from < 0)
    return 0;
  p->cut = from; /* unwind to the include that started the cycle */
  for (int i = from; i <= p->depth && o < sizeof chain; i++)
    o += (size_t)snprintf(chain + o, sizeof chain - o, "%s -> ",
                          p->open_name[i]);
  if (o < sizeof chain)
    snprintf(chain + o, sizeof chain - o, "%s", name);
  return err_tok(p, L, t, "include cycle: %s", chain);
}

static int h_include(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  char why[256];
  const struct scn_lex_tok *t = need_text(p, L, "a path: include \"path\"");
  if (t == NULL || need_end(p, L) != 0)
    return -1;
  if (t->text[0] == '\0')
    return err_tok(p, L, t, "the include path is empty");
  if (p->depth >= MAX_DEPTH)
    return err_tok(p, L, t, "includes nested deeper than %d", MAX_DEPTH);
  char *path = join_path(L->dir, t->text), *buf = NULL, *real = NULL;
  size_t len = 0;
  int rc = -1;
  if (read_file(path, &buf, &len, why, sizeof why) != 0) {
    err_tok(p, L, t, "cannot include '%s': %s", path, why);
    goto out;
  }
  real = realpath(path, NULL);
  if (check_cycle(p, L, t, real, path) != 0)
    goto out;
  const char *file = add_file(p, path);
  char *dir = dir_of(file);
  p->depth++;
  p->open_real[p->depth] = real;
  p->open_name[p->depth] = file;
  parse_buffer(p, file, dir, buf, len);
  p->open_real[p->depth] = NULL;
  if (--p->depth <= p->cut)
    p->cut = MAX_DEPTH;
  free(dir);
  rc = 0;
out:
  free(real);
  free(buf);
  free(path);
  return rc;
}

/* ---- setup statements ------------------------------------------------------- */

/* Is 'w' one of the space-separated words of 'list'? */
static bool word_in(const char *list, const char *w)
{
  size_t wl = strlen(w);
  while (*list) {
    size_t l = strcspn(list, " ");
    if (l == wl && strncmp(list, w, l) == 0)
      return true;
    list += l;
    list += strspn(list, " ");
  }
  return false;
}

static int unknown_key(struct parser *p, const struct line *L,
                       const struct scn_lex_tok *t, const char *keys)
{
  struct scn_hint h;
  char list[256];
  size_t o = 0;
  scn_hint_init(&h, t->text);
  scn_hint_offer_words(&h, keys, " ");
  if (scn_hint_best(&h))
    return err_tok(p, L, t, "%s has no parameter '%s' (did you mean '%s'?)",
                   L->kw->text, t->text, scn_hint_best(&h));
  list[0] = '\0';
  for (const char *k = keys; *k && o < sizeof list; k++)
    o += (size_t)snprintf(list + o, sizeof list - o, *k == ' ' ? ", " : "%c",
                          *k);
  return err_tok(p, L, t, "%s has no parameter '%s' (it takes: %s)",
                 L->kw->text, t->text, list);
}

/* The KEY=VALUE tokens up to the end of the line (or up to the word
 * 'stop'). 'keys' limits the keys (NULL = any); only those in 'repeat'
 * may be given twice. */
static int collect_kv(struct parser *p, struct line *L, struct scn_stmt *st,
                      const char *keys, const char *repeat, const char *stop)
{
  for (const struct scn_lex_tok *t; (t = peek(L)) != NULL; L->pos++) {
    if (stop && is_word(t, stop))
      return 0;
    if (t->kind != SCN_TOK_KV)
      return expected(p, L, t, stop ? "KEY=VALUE or 'as NAME'" : "KEY=VALUE");
    if (keys && !word_in(keys, t->text))
      return unknown_key(p, L, t, keys);
    if (kv_find(st, t->text) >= 0 && !(repeat && word_in(repeat, t->text)))
      return err_tok(p, L, t, "'%s' given twice", t->text);
    kv_add(st, t->text, t->value, loc_of(L, t));
  }
  return 0;
}

static const struct named user_flags[] = {
    {"admin", SCN_USER_ADMIN}, {"deactivated", SCN_USER_DEACTIVATED},
    {NULL, 0}};

static int s_user(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_USER;
  const struct scn_lex_tok *id, *name;
  if ((id = need_word(p, L, "a user id: user ID \"First Last\"")) == NULL ||
      (name = need_text(p, L, "the user's name: user ID \"First Last\"")) ==
          NULL)
    return -1;
  if (name->text[0] == '\0')
    return err_tok(p, L, name, "the user's name is empty");
  st->name = xstrdup(id->text);
  st->value = xstrdup(name->text);
  while (peek(L) != NULL) {
    int f;
    if (need_named(p, L, user_flags, "user flag", &f) != 0)
      return -1;
    st->flags |= (unsigned)f;
  }
  return 0;
}

static int job_stages(struct parser *p, struct line *L, struct scn_stmt *st)
{
  if (peek(L) == NULL)
    return expected(p, L, NULL, "a stage name: stages \"A\" \"B\" ...");
  for (const struct scn_lex_tok *t; peek(L) != NULL;) {
    if ((t = need_text(p, L, "a stage name")) == NULL)
      return -1;
    if (t->text[0] == '\0')
      return err_tok(p, L, t, "a stage name is empty");
    if (strv_has(st->list, st->nlist, t->text))
      return err_tok(p, L, t, "stage \"%s\" is listed twice", t->text);
    strv_push(&st->list, &st->nlist, t->text);
  }
  return 0;
}

static int s_job(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_JOB;
  const struct scn_lex_tok *id, *name, *t;
  if ((id = need_word(p, L, "a job id: job ID \"Name\"")) == NULL ||
      (name = need_text(p, L, "the job's name: job ID \"Name\"")) == NULL)
    return -1;
  if (name->text[0] == '\0')
    return err_tok(p, L, name, "the job's name is empty");
  st->name = xstrdup(id->text);
  st->value = xstrdup(name->text);
  t = peek(L);
  if (t != NULL && !is_word(t, "stages")) {
    int f;
    if (t->kind != SCN_TOK_WORD)
      return expected(p, L, t, "open, closed, draft or stages");
    if (need_named(p, L, job_status, "job status", &f) != 0)
      return -1;
    st->flags = (unsigned)f;
  }
  if (accept_word(L, "stages")) {
    if (job_stages(p, L, st) != 0)
      return -1;
  } else if (peek(L) != NULL) {
    return expected(p, L, peek(L), "stages \"A\" \"B\" ...");
  }
  if (st->nlist == 0)
    for (const char *const *s = default_stages; *s; s++)
      strv_push(&st->list, &st->nlist, *s);
  return 0;
}

/* "First Last": a first and a last name around a space. */
static bool full_name(const char *s)
{
  const char *sp = strchr(s, ' ');
  size_t n = strlen(s);
  return sp != NULL && sp != s && n > 0 && s[n - 1] != ' ';
}

static int s_person(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_PERSON;
  const struct scn_lex_tok *name =
      need_text(p, L, "the person's name: person \"First Last\" email=E");
  if (name == NULL)
    return -1;
  if (!full_name(name->text))
    return err_tok(p, L, name, "a person needs a first and a last name: "
                   "person \"First Last\" email=E");
  st->value = xstrdup(name->text);
  if (collect_kv(p, L, st, ATS_PERSON_KEYS, "email", NULL) != 0)
    return -1;
  if (kv_find(st, "email") < 0)
    return err_tok(p, L, L->kw, "person needs email=E (at least one)");
  int stage = kv_find(st, "stage");
  if (stage >= 0 && kv_find(st, "job") < 0)
    return err_at(p, L, st->kv[stage].loc.col, "stage= needs job= (the "
                  "stage is in that job's pipeline)");
  return 0;
}

static int s_setting(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_SETTING;
  const struct scn_lex_tok *t = peek(L);
  if (t == NULL || t->kind != SCN_TOK_KV)
    return expected(p, L, t, "KEY=VALUE: setting KEY=VALUE");
  L->pos++;
  st->name = xstrdup(t->text);
  st->value = xstrdup(t->value);
  return need_end(p, L);
}

/* connect|reconnect [with AUTH] [as USER_ID], in either order; the
 * auth is kept in flags as SCN_AUTH_* + 1 (0 = the scenario's). */
static int s_connect(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = strcmp(L->kw->text, "reconnect") == 0 ? SCN_S_RECONNECT
                                                   : SCN_S_CONNECT;
  for (;;) {
    if (st->name == NULL && accept_word(L, "as")) {
      const struct scn_lex_tok *t =
          need_word(p, L, "a user id: connect as USER_ID");
      if (t == NULL)
        return -1;
      st->name = xstrdup(t->text);
    } else if (st->flags == 0 && accept_word(L, "with")) {
      int v;
      if (need_named(p, L, auths, "auth", &v) != 0)
        return -1;
      st->flags = (unsigned)v + 1;
    } else {
      break;
    }
  }
  return need_end(p, L);
}

static int s_disconnect(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_DISCONNECT;
  return need_end(p, L);
}

static const struct named map_kinds[] = {{"job", 1}, {"stage", 2},
                                         {NULL, 0}};

static int s_map(struct parser *p, struct line *L, struct scn_stmt *st)
{
  int what;
  const struct scn_lex_tok *ours, *v;
  if (need_named(p, L, map_kinds, "mapping", &what) != 0)
    return -1;
  bool job = what == 1;
  if ((ours = need_word(p, L, job ? "our job: map job OURS -> ATS_JOB_ID"
                                  : "our stage: map stage OURS -> \"Name\"")) ==
          NULL ||
      need_keyword(p, L, "->") != 0 ||
      (v = need_text(p, L, job ? "the ATS job id" : "the ATS stage name")) ==
          NULL ||
      need_end(p, L) != 0)
    return -1;
  if (v->text[0] == '\0')
    return err_tok(p, L, v, "the %s is empty", job ? "job id" : "stage name");
  st->kind = job ? SCN_S_MAP_JOB : SCN_S_MAP_STAGE;
  st->name = xstrdup(ours->text);
  st->value = xstrdup(v->text);
  if (job && !job_mapped(p, ours->text))
    strv_push(&p->jobs, &p->njobs, ours->text);
  return 0;
}

/* ---- approve and update ------------------------------------------------------ */

static int bad_ref(struct parser *p, const struct line *L,
                   const struct scn_lex_tok *t)
{
  return err_tok(p, L, t, "'%s' is not a candidate ref (letters, digits, "
                 "'_', '-' and '.', at most %d; a range: cand{1..50})",
                 t->text, MAX_REF);
}

/* REF or PREFIX{LO..HI} into st->name and st->range*. */
static int parse_ref(struct parser *p, const struct line *L,
                     const struct scn_lex_tok *t, struct scn_stmt *st)
{
  const char *s = t->text, *open = strchr(s, '{');
  size_t n = strlen(s);
  if (open == NULL) {
    if (n > MAX_REF || !ref_chars_ok(s, n))
      return bad_ref(p, L, t);
    st->name = xstrdup(s);
    return 0;
  }
  size_t pl = (size_t)(open - s);
  const char *dots = strstr(open, "..");
  char lo[16], hi[16];
  if (!ref_chars_ok(s, pl) || s[n - 1] != '}' || dots == NULL)
    return bad_ref(p, L, t);
  /* PREFIX { lo .. hi }: lo starts after '{', hi ends before '}' */
  size_t lol = (size_t)(dots - open) - 1, hil = n - 1 - (size_t)(dots - s) - 2;
  if (lol >= sizeof lo || hil >= sizeof hi)
    return bad_ref(p, L, t);
  snprintf(lo, sizeof lo, "%.*s", (int)lol, open + 1);
  snprintf(hi, sizeof hi, "%.*s", (int)hil, dots + 2);
  if (!canonical_long(lo, &st->range_lo) || !canonical_long(hi, &st->range_hi))
    return bad_ref(p, L, t);
  if (st->range_lo > st->range_hi)
    return err_tok(p, L, t, "the range '%s' runs backwards", s);
  if (st->range_hi - st->range_lo >= MAX_RANGE)
    return err_tok(p, L, t, "the range '%s' holds more than %d candidates",
                   s, MAX_RANGE);
  if (pl + strlen(hi) > MAX_REF)
    return bad_ref(p, L, t);
  st->range = true;
  st->name = xstrndup(s, pl);
  return 0;
}

static long max_l(long a, long b) { return a > b ? a : b; }
static long min_l(long a, long b) { return a < b ? a : b; }

/* Ranges A = P{alo..ahi} and B = P S{blo..bhi}, S a string: the first
 * number of B whose name is also in A, or -1. B's name P S v is in A when
 * S v, read as a number, is in [alo, ahi] and has no leading zero. */
static long range_meet(long alo, long ahi, const char *s, long blo, long bhi)
{
  size_t sl = strlen(s);
  uint64_t sv;
  if (sl == 0)
    return blo <= ahi && alo <= bhi ? max_l(alo, blo) : -1;
  if (s[0] == '0' || sl > 8 || !parse_number(s, 99999999, &sv))
    return -1;
  long p10 = 1;
  for (size_t k = 1; k + sl <= 9; k++) { /* v of k digits */
    long dlo = k == 1 ? 0 : p10;
    p10 *= 10;
    long vlo = max_l(blo, dlo), vhi = min_l(bhi, p10 - 1);
    long base = (long)sv * p10;
    if (vlo <= vhi && base + vlo <= ahi && alo <= base + vhi)
      return max_l(vlo, alo - base);
  }
  return -1;
}

/* The first name the new approval 'st' shares with ref 'r', or false. */
static bool ref_clash(const struct ref *r, const struct scn_stmt *st,
                      char *name, size_t len)
{
  struct ref mine = {st->name, st->range, st->range_lo, st->range_hi, st->loc};
  size_t rl = strlen(r->name), ml = strlen(st->name);
  long v = -1;
  if (!r->range || !st->range) {
    const struct ref *single = r->range ? &mine : r;
    const struct ref *other = r->range ? r : &mine;
    snprintf(name, len, "%s", single->name);
    return ref_covers(other, single->name);
  }
  if (ml >= rl && strncmp(st->name, r->name, rl) == 0) {
    v = range_meet(r->lo, r->hi, st->name + rl, st->range_lo, st->range_hi);
    snprintf(name, len, "%s%ld", st->name, v);
  } else if (rl > ml && strncmp(r->name, st->name, ml) == 0) {
    v = range_meet(st->range_lo, st->range_hi, r->name + ml, r->lo, r->hi);
    snprintf(name, len, "%s%ld", r->name, v);
  }
  return v >= 0;
}

static int approve_ref(struct parser *p, const struct line *L,
                       const struct scn_lex_tok *t, const struct scn_stmt *st)
{
  char name[MAX_REF + 16];
  for (size_t i = 0; i < p->nrefs; i++) {
    const struct ref *r = &p->refs[i];
    if (ref_clash(r, st, name, sizeof name))
      return err_tok(p, L, t, "candidate '%s' is already approved (at %s:%d)",
                     name, r->loc.file, r->loc.line);
  }
  p->refs = grow(p->refs, p->nrefs, sizeof *p->refs);
  p->refs[p->nrefs++] = (struct ref){xstrdup(st->name), st->range,
                                     st->range_lo, st->range_hi, st->loc};
  return 0;
}

static int check_job(struct parser *p, const struct line *L,
                     const struct scn_kv *kv)
{
  if (job_mapped(p, kv->value))
    return 0;
  struct scn_hint h;
  scn_hint_init(&h, kv->value);
  for (size_t i = 0; i < p->njobs; i++)
    scn_hint_offer(&h, p->jobs[i], strlen(p->jobs[i]));
  if (scn_hint_best(&h))
    return err_at(p, L, kv->loc.col, "job '%s' is not mapped above (did you "
                  "mean '%s'?)", kv->value, scn_hint_best(&h));
  return err_at(p, L, kv->loc.col, "job '%s' is not mapped above (map it "
                "first: map job %s -> ATS_JOB_ID)", kv->value, kv->value);
}

/* approve without job= gets the only job mapped so far. */
static int approve_job(struct parser *p, const struct line *L,
                       struct scn_stmt *st)
{
  char list[512];
  size_t o = 0;
  int j = kv_find(st, "job");
  if (j >= 0)
    return check_job(p, L, &st->kv[j]);
  if (p->njobs == 1) {
    kv_add(st, "job", p->jobs[0], st->loc);
    return 0;
  }
  if (p->njobs == 0)
    return err_tok(p, L, L->kw, "approve needs job=: no job is mapped above "
                   "(map one first: map job OURS -> ATS_JOB_ID)");
  list[0] = '\0';
  for (size_t i = 0; i < p->njobs && o < sizeof list; i++)
    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                          p->jobs[i]);
  return err_tok(p, L, L->kw, "approve needs job=: %zu jobs are mapped (%s)",
                 p->njobs, list);
}

static int s_approve(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_APPROVE;
  const struct scn_lex_tok *t =
      need_word(p, L, "a candidate ref: approve REF (or cand{1..50})");
  if (t == NULL || parse_ref(p, L, t, st) != 0 ||
      approve_ref(p, L, t, st) != 0)
    return -1;
  if (collect_kv(p, L, st, PERSON_KEYS, "email", NULL) != 0)
    return -1;
  return approve_job(p, L, st);
}

static int s_update(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_UPDATE;
  const struct scn_lex_tok *t =
      need_who(p, L, "a candidate ref: update REF KEY=VALUE...");
  if (t == NULL)
    return -1;
  st->name = xstrdup(t->text);
  if (collect_kv(p, L, st, PERSON_KEYS, "email", NULL) != 0)
    return -1;
  if (st->nkv == 0)
    return expected(p, L, NULL, "KEY=VALUE (email, first, last, phone, job "
                    "or stage)");
  int j = kv_find(st, "job");
  return j >= 0 ? check_job(p, L, &st->kv[j]) : 0;
}

/* ---- faults and actions ------------------------------------------------------ */

static bool fault_kind_known(const char *k)
{
  const char *n;
  for (size_t i = 0; (n = sim_fault_kind(i)) != NULL; i++)
    if (strcmp(n, k) == 0)
      return true;
  return false;
}

/* An unknown fault kind or action: a hint when one is close, else the
 * sim's own message (it lists them all). */
static int unknown_name(struct parser *p, const struct line *L,
                        const struct scn_lex_tok *t, bool fault)
{
  struct scn_hint h;
  const char *n;
  char msg[1024];
  scn_hint_init(&h, t->text);
  for (size_t i = 0;
       (n = fault ? sim_fault_kind(i) : sim_action_name(i)) != NULL; i++)
    scn_hint_offer(&h, n, strlen(n));
  if (scn_hint_best(&h))
    return err_tok(p, L, t, "unknown %s '%s' (did you mean '%s'?)",
                   fault ? "fault kind" : "action", t->text,
                   scn_hint_best(&h));
  if (fault)
    sim_fault_check(t->text, NULL, 0, msg, sizeof msg);
  else
    sim_action_check(t->text, NULL, 0, msg, sizeof msg);
  return err_tok(p, L, t, "%s", msg);
}

/* The column of the parameter a sim message names, else 'dflt'. */
static int sim_err_col(const struct scn_stmt *st, const char *msg, int dflt)
{
  static const char *const pats[] = {"'%s=%s'", "'%s=", "parameter '%s'",
                                     "'%s'"};
  char pat[200];
  for (size_t k = 0; k < sizeof pats / sizeof *pats; k++) {
    for (size_t i = 0; i < st->nkv; i++) {
      const struct scn_kv *kv = &st->kv[i];
      if (k == 0)
        snprintf(pat, sizeof pat, "'%s=%s'", kv->key, kv->value);
      else
        snprintf(pat, sizeof pat, pats[k], kv->key);
      if (strstr(msg, pat) != NULL)
        return kv->loc.col;
    }
  }
  return dflt;
}

/* "has no parameter 'x' (it takes: a, b)" -> "... (did you mean 'a'?)"
 * when a taken parameter is close to 'x'. */
static void param_hint(char *msg, size_t len)
{
  static const char no[] = "has no parameter '", takes[] = " (it takes: ";
  char word[64], list[512];
  const char *a = strstr(msg, no), *b = strstr(msg, takes);
  if (a == NULL || b == NULL)
    return;
  a += sizeof no - 1;
  b += sizeof takes - 1;
  size_t wl = strcspn(a, "'"), ll = strcspn(b, ")");
  if (wl >= sizeof word || ll >= sizeof list)
    return;
  snprintf(word, sizeof word, "%.*s", (int)wl, a);
  snprintf(list, sizeof list, "%.*s", (int)ll, b);
  struct scn_hint h;
  scn_hint_init(&h, word);
  scn_hint_offer_words(&h, list, ", ");
  if (scn_hint_best(&h) == NULL)
    return;
  size_t at = (size_t)(b - msg) - (sizeof takes - 1);
  snprintf(msg + at, len - at, " (did you mean '%s'?)", scn_hint_best(&h));
}

/* Durations so long the sim's parser would overflow on them. */
static int fault_guard(struct parser *p, const struct line *L,
                       const struct scn_stmt *st)
{
  for (size_t i = 0; i < st->nkv; i++) {
    const struct scn_kv *kv = &st->kv[i];
    const char *v = kv->value;
    int64_t ms;
    bool time = strcmp(kv->key, "from") == 0 || strcmp(kv->key, "until") == 0;
    if (time && v[0] == '+')
      v++;
    else if (!word_in("for window delay hold retry_after", kv->key))
      continue;
    if (scn_lex_duration(v, &ms) == -3)
      return err_at(p, L, kv->loc.col, "fault %s: '%s=%s' is too long a "
                    "duration", st->name, kv->key, kv->value);
  }
  return 0;
}

static int sim_check(struct parser *p, const struct line *L,
                     const struct scn_lex_tok *name, const struct scn_stmt *st,
                     bool fault)
{
  struct sim_kv *kv = xrealloc(NULL, (st->nkv + 1) * sizeof *kv);
  char msg[1024];
  for (size_t i = 0; i < st->nkv; i++)
    kv[i] = (struct sim_kv){st->kv[i].key, st->kv[i].value};
  int rc = fault ? sim_fault_check(st->name, kv, st->nkv, msg, sizeof msg)
                 : sim_action_check(st->name, kv, st->nkv, msg, sizeof msg);
  free(kv);
  if (rc == 0)
    return 0;
  int col = sim_err_col(st, msg, name->col);
  param_hint(msg, sizeof msg);
  return err_at(p, L, col, "%s", msg);
}

static int fault_label(struct parser *p, struct line *L, struct scn_stmt *st)
{
  const struct scn_lex_tok *t = need_word(p, L, "a label: fault ... as NAME");
  if (t == NULL)
    return -1;
  const struct label *l = label_find(p, t->text);
  if (l != NULL)
    return err_tok(p, L, t, "the label '%s' is already used (at %s:%d)",
                   t->text, l->loc.file, l->loc.line);
  p->labels = grow(p->labels, p->nlabels, sizeof *p->labels);
  p->labels[p->nlabels++] = (struct label){xstrdup(t->text), loc_of(L, t)};
  st->value = xstrdup(t->text);
  return 0;
}

static int s_fault(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_FAULT;
  const struct scn_lex_tok *k =
      need_word(p, L, "a fault kind: fault KIND KEY=VALUE... [as NAME]");
  if (k == NULL)
    return -1;
  st->name = xstrdup(k->text);
  if (!fault_kind_known(k->text))
    return unknown_name(p, L, k, true);
  if (collect_kv(p, L, st, NULL, NULL, "as") != 0)
    return -1;
  if (accept_word(L, "as") && fault_label(p, L, st) != 0)
    return -1;
  if (need_end(p, L) != 0 || fault_guard(p, L, st) != 0)
    return -1;
  return sim_check(p, L, k, st, true);
}

static int s_action(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_ACTION;
  const struct scn_lex_tok *a =
      need_word(p, L, "an action: action NAME KEY=VALUE...");
  if (a == NULL)
    return -1;
  st->name = xstrdup(a->text);
  if (sim_action_params(a->text) == NULL)
    return unknown_name(p, L, a, false);
  if (collect_kv(p, L, st, NULL, NULL, NULL) != 0)
    return -1;
  return sim_check(p, L, a, st, false);
}

static int s_clear(struct parser *p, struct line *L, struct scn_stmt *st)
{
  if (accept_word(L, "faults")) {
    st->kind = SCN_S_CLEAR_FAULTS;
    return need_end(p, L);
  }
  const struct scn_lex_tok *t = peek(L);
  if (!accept_word(L, "fault"))
    return expected(p, L, t, "'fault NAME' or 'faults'");
  if ((t = need_word(p, L, "a fault label: clear fault NAME")) == NULL ||
      need_end(p, L) != 0)
    return -1;
  st->kind = SCN_S_CLEAR_FAULT;
  st->name = xstrdup(t->text);
  if (label_find(p, t->text) != NULL)
    return 0;
  struct scn_hint h;
  scn_hint_init(&h, t->text);
  for (size_t i = 0; i < p->nlabels; i++)
    scn_hint_offer(&h, p->labels[i].name, strlen(p->labels[i].name));
  if (scn_hint_best(&h))
    return err_tok(p, L, t, "no fault is labelled '%s' above (did you mean "
                   "'%s'?)", t->text, scn_hint_best(&h));
  return err_tok(p, L, t, "no fault is labelled '%s' above (label one: "
                 "fault KIND ... as %s)", t->text, t->text);
}

static int s_engine(struct parser *p, struct line *L, struct scn_stmt *st)
{
  const char *w = L->kw->text;
  st->kind = strcmp(w, "restart") == 0 ? SCN_S_RESTART_ENGINE
             : strcmp(w, "stop") == 0  ? SCN_S_STOP_ENGINE
                                       : SCN_S_START_ENGINE;
  if (need_keyword(p, L, "engine") != 0 || need_end(p, L) != 0)
    return -1;
  p->sc->restarts = true;
  return 0;
}

/* ---- expectations ------------------------------------------------------------ */

/* An operator, or a word that can only be a misspelt one ("=>"). */
static bool is_op(const struct scn_lex_tok *t)
{
  return t && t->kind == SCN_TOK_WORD &&
         strspn(t->text, "=<>!") == strlen(t->text);
}

static int need_contains(struct parser *p, struct line *L, struct scn_cond *c)
{
  const struct scn_lex_tok *t;
  if (need_keyword(p, L, "contains") != 0 ||
      (t = need_text(p, L, "the text to look for: contains \"T\"")) == NULL)
    return -1;
  c->text = xstrdup(t->text);
  return 0;
}

static int set_who(struct parser *p, struct line *L, struct scn_cond *c)
{
  const struct scn_lex_tok *t =
      need_who(p, L, "a candidate (a ref approved above, or an email)");
  if (t == NULL)
    return -1;
  c->who = xstrdup(t->text);
  return 0;
}

static int c_connection(struct parser *p, struct line *L, struct scn_cond *c)
{
  if (accept_word(L, "is")) {
    c->kind = SCN_C_CONNECTION_IS;
    return need_named(p, L, conn_states, "connection state", &c->state);
  }
  if (accept_word(L, "reason")) {
    c->kind = SCN_C_CONNECTION_REASON;
    return need_contains(p, L, c);
  }
  return expected(p, L, peek(L), "'is STATE' or 'reason contains \"T\"'");
}

static int c_candidate(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_CANDIDATE_IS;
  if (set_who(p, L, c) != 0 || need_keyword(p, L, "is") != 0)
    return -1;
  return need_named(p, L, cand_states, "candidate state", &c->state);
}

static int c_candidates(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_CANDIDATES;
  const struct scn_lex_tok *t = peek(L);
  if (t != NULL && t->kind == SCN_TOK_WORD && !is_op(t) &&
      need_named(p, L, cand_states, "candidate state", &c->state) != 0)
    return -1;
  return need_op_count(p, L, c);
}

static int c_error(struct parser *p, struct line *L, struct scn_cond *c)
{
  if (set_who(p, L, c) != 0)
    return -1;
  if (is_word(peek(L), "contains")) {
    c->kind = SCN_C_ERROR_CONTAINS;
    return need_contains(p, L, c);
  }
  if (accept_word(L, "is")) {
    c->kind = SCN_C_ERROR_EMPTY;
    return need_keyword(p, L, "empty");
  }
  return expected(p, L, peek(L), "'contains \"T\"' or 'is empty'");
}

/* [in JOB_ID] [at "Stage"] after ats has/lacks WHO. */
static int ats_where(struct parser *p, struct line *L, struct scn_cond *c,
                     bool stage)
{
  for (const struct scn_lex_tok *t = peek(L); t != NULL; t = peek(L)) {
    bool in = is_word(t, "in"), at = stage && is_word(t, "at");
    char **dst = in ? &c->job : &c->stage;
    if (!in && !at)
      return 0;
    if (*dst != NULL)
      return err_tok(p, L, t, "'%s' given twice", t->text);
    L->pos++;
    if ((t = need_text(p, L, in ? "an ATS job id: in JOB_ID"
                                : "a stage name: at \"Stage\"")) == NULL)
      return -1;
    *dst = xstrdup(t->text);
  }
  return 0;
}

static const struct named ats_conds[] = {
    {"has", SCN_C_ATS_HAS}, {"lacks", SCN_C_ATS_LACKS},
    {"people", SCN_C_ATS_PEOPLE}, {NULL, 0}};

static int c_ats(struct parser *p, struct line *L, struct scn_cond *c)
{
  int k;
  if (need_named(p, L, ats_conds, "ats condition", &k) != 0)
    return -1;
  c->kind = (enum scn_cond_kind)k;
  if (c->kind == SCN_C_ATS_PEOPLE) {
    if (accept_word(L, "with") && set_who(p, L, c) != 0)
      return -1;
    return need_op_count(p, L, c);
  }
  if (set_who(p, L, c) != 0)
    return -1;
  return ats_where(p, L, c, c->kind == SCN_C_ATS_HAS);
}

static int requests_between(struct parser *p, struct line *L,
                            struct scn_cond *c)
{
  if (need_duration(p, L, "a time: between T1 and T2 (e.g. 1m)", &c->t1) !=
          0 ||
      need_keyword(p, L, "and") != 0)
    return -1;
  const struct scn_lex_tok *t2 = peek(L);
  if (need_duration(p, L, "a time: between T1 and T2", &c->t2) != 0)
    return -1;
  if (c->t2 < c->t1)
    return err_tok(p, L, t2, "'between' ends before it starts (%s < %s)",
                   t2->text, L->lx.tok[L->pos - 3].text);
  c->has_between = true;
  return 0;
}

static int c_requests(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_REQUESTS;
  const struct scn_lex_tok *t = peek(L);
  if (t != NULL && t->kind == SCN_TOK_STRING) {
    if (t->text[0] == '\0')
      return err_tok(p, L, t, "the route is empty (leave it out for every "
                     "request)");
    c->text = xstrdup(t->text);
    L->pos++;
  }
  if (accept_word(L, "status")) {
    uint64_t code;
    if ((t = need_word(p, L, "an HTTP status: status CODE")) == NULL)
      return -1;
    if (!parse_number(t->text, 599, &code) || code < 100)
      return err_tok(p, L, t, "'%s' is not an HTTP status (100..599)",
                     t->text);
    c->status = (int)code;
  }
  if (accept_word(L, "between") && requests_between(p, L, c) != 0)
    return -1;
  t = peek(L);
  if (t != NULL && !is_op(t))
    return expected(p, L, t, "\"ROUTE\" (quoted), status CODE, between T1 "
                    "and T2, or an operator");
  return need_op_count(p, L, c);
}

static int c_retry_after(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_RETRY_AFTER;
  return need_keyword(p, L, "honoured");
}

static int c_log(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_LOG_CONTAINS;
  if (!is_word(peek(L), "contains") && set_who(p, L, c) != 0)
    return -1;
  return need_contains(p, L, c);
}

static int c_status(struct parser *p, struct line *L, struct scn_cond *c)
{
  int v;
  c->kind = SCN_C_STATUS_PAGE;
  if (need_keyword(p, L, "page") != 0 || need_keyword(p, L, "is") != 0 ||
      need_named(p, L, indicators, "status page indicator", &v) != 0)
    return -1;
  c->text = xstrdup(indicators[v].name);
  return 0;
}

static const struct {
  const char *name;
  int (*fn)(struct parser *, struct line *, struct scn_cond *);
} conds[] = {
    {"connection", c_connection}, {"candidate", c_candidate},
    {"candidates", c_candidates}, {"error", c_error},
    {"ats", c_ats},               {"requests", c_requests},
    {"retry-after", c_retry_after}, {"log", c_log},
    {"status", c_status},
};

static int parse_cond(struct parser *p, struct line *L, struct scn_cond *c)
{
  struct scn_hint h;
  const struct scn_lex_tok *t =
      need_word(p, L, "a condition (connection, candidate, candidates, "
                      "error, ats, requests, retry-after, log or status)");
  if (t == NULL)
    return -1;
  scn_hint_init(&h, t->text);
  for (size_t i = 0; i < sizeof conds / sizeof *conds; i++) {
    if (strcmp(conds[i].name, t->text) == 0)
      return conds[i].fn(p, L, c);
    scn_hint_offer(&h, conds[i].name, strlen(conds[i].name));
  }
  if (scn_hint_best(&h))
    return err_tok(p, L, t, "unknown condition '%s' (did you mean '%s'?)",
                   t->text, scn_hint_best(&h));
  return err_tok(p, L, t, "unknown condition '%s' (one of connection, "
                 "candidate, candidates, error, ats, requests, retry-after, "
                 "log, status)", t->text);
}

/* [for DUR | until T] after the condition: 'expect never' needs one. */
static int expect_window(struct parser *p, struct line *L,
                         struct scn_expect *e)
{
  const struct scn_lex_tok *t = peek(L);
  bool f = is_word(t, "for"), u = is_word(t, "until");
  if ((f || u) && e->mode != SCN_E_NEVER)
    return err_tok(p, L, t, "'%s' only follows 'expect never' (expect never "
                   "COND %s ...)", t->text, t->text);
  if (!f && !u && e->mode == SCN_E_NEVER)
    return t ? expected(p, L, t, "'for DUR' or 'until T'")
             : err_tok(p, L, NULL, "'expect never' needs 'for DUR' or "
                       "'until T' (how long it must not hold)");
  if (!f && !u)
    return need_end(p, L);
  L->pos++;
  const struct scn_lex_tok *d = peek(L);
  int64_t ms;
  char b[32];
  if (need_duration(p, L, f ? "a duration: for DUR" : "a time: until T (from "
                    "the start, e.g. 10m)", &ms) != 0 ||
      need_end(p, L) != 0)
    return -1;
  if (f && ms == 0)
    return err_tok(p, L, d, "'for' needs a duration longer than 0");
  if (u && ms < p->now)
    return err_tok(p, L, d, "'until %s' is already past: this line runs at "
                   "%s at the earliest", d->text,
                   at_duration_format(p->now, b, sizeof b));
  e->for_ms = f ? ms : 0;
  e->until_ms = u ? ms : -1;
  return 0;
}

static int s_expect(struct parser *p, struct line *L, struct scn_stmt *st)
{
  struct scn_expect *e = &st->expect;
  st->kind = SCN_S_EXPECT;
  e->until_ms = -1;
  e->cond.state = -1;
  if (accept_word(L, "within")) {
    e->mode = SCN_E_WITHIN;
    if (need_duration(p, L, "a duration: expect within DUR COND",
                      &e->within_ms) != 0)
      return -1;
  } else if (accept_word(L, "never")) {
    e->mode = SCN_E_NEVER;
  }
  if (parse_cond(p, L, &e->cond) != 0)
    return -1;
  return expect_window(p, L, e);
}

/* ---- lines ------------------------------------------------------------------- */

static const struct keyword {
  const char *name;
  int (*fn)(struct parser *, struct line *, struct scn_stmt *);
  bool header;          /* no time prefix; not a statement */
} keywords[] = {
    {"scenario", h_scenario, true}, {"tags", h_tags, true},
    {"cause", h_cause, true},       {"ats", h_ats, true},
    {"auth", h_auth, true},         {"pending", h_pending, true},
    {"seed", h_seed, true},         {"rate", h_rate, true},
    {"latency", h_latency, true},   {"include", h_include, true},
    {"user", s_user, false},        {"job", s_job, false},
    {"person", s_person, false},    {"setting", s_setting, false},
    {"connect", s_connect, false},  {"reconnect", s_connect, false},
    {"disconnect", s_disconnect, false}, {"map", s_map, false},
    {"approve", s_approve, false},  {"update", s_update, false},
    {"fault", s_fault, false},      {"clear", s_clear, false},
    {"action", s_action, false},    {"restart", s_engine, false},
    {"stop", s_engine, false},      {"start", s_engine, false},
    {"expect", s_expect, false},
};

static const struct keyword *find_keyword(struct parser *p,
                                          const struct line *L,
                                          const struct scn_lex_tok *t,
                                          const struct scn_lex_tok *pre)
{
  char b[160];
  struct scn_hint h;
  if (t->kind != SCN_TOK_WORD) {
    err_tok(p, L, t, "expected a keyword, found %s", desc(t, b, sizeof b));
    return NULL;
  }
  if (is_word(t, "at") || is_word(t, "after")) {
    err_tok(p, L, t, "one time prefix per line ('%s' gives it already)",
            pre->text);
    return NULL;
  }
  scn_hint_init(&h, t->text);
  scn_hint_offer(&h, "at", 2);
  scn_hint_offer(&h, "after", 5);
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
    const struct keyword *k = &keywords[i];
    if (strcmp(k->name, t->text) != 0) {
      scn_hint_offer(&h, k->name, strlen(k->name));
      continue;
    }
    if (pre && k->header) {
      err_tok(p, L, t, "'%s' is a header line: it takes no '%s' prefix",
              t->text, pre->text);
      return NULL;
    }
    return k;
  }
  if (scn_hint_best(&h))
    err_tok(p, L, t, "unknown keyword '%s' (did you mean '%s'?)", t->text,
            scn_hint_best(&h));
  else
    err_tok(p, L, t, "unknown keyword '%s'", t->text);
  return NULL;
}

/* 'at DUR' / 'after DUR': the statement's time, checked against the
 * earliest time this line can run. */
static int parse_when(struct parser *p, struct line *L,
                      const struct scn_lex_tok *pre, struct scn_stmt *st)
{
  bool at = strcmp(pre->text, "at") == 0;
  const struct scn_lex_tok *d = peek(L);
  int64_t ms;
  char b[32];
  if (need_duration(p, L, at ? "a time: at DUR (e.g. at 5m)"
                             : "a duration: after DUR (e.g. after 30s)",
                    &ms) != 0)
    return -1;
  if (at && ms < p->now)
    return err_tok(p, L, d, "'at %s' goes back in time: this line runs at "
                   "%s at the earliest (the previous 'at' plus the 'after's "
                   "since)", d->text, at_duration_format(p->now, b, sizeof b));
  if (at)
    p->now = ms;
  else
    p->now = p->now > INT64_MAX / 2 - ms ? INT64_MAX / 2 : p->now + ms;
  st->when = at ? SCN_W_AT : SCN_W_AFTER;
  st->when_ms = ms;
  return 0;
}

static void push_stmt(struct parser *p, struct scn_stmt *st)
{
  struct scn_scenario *sc = p->sc;
  sc->stmts = grow(sc->stmts, sc->nstmts, sizeof *sc->stmts);
  sc->stmts[sc->nstmts++] = *st;
}

static void parse_line(struct parser *p, struct line *L)
{
  struct scn_stmt st;
  const struct scn_lex_tok *pre = NULL, *t;
  memset(&st, 0, sizeof st);
  if (is_word(peek(L), "at") || is_word(peek(L), "after")) {
    pre = &L->lx.tok[L->pos++];
    if (parse_when(p, L, pre, &st) != 0)
      return;
  }
  const struct keyword *kw = NULL;
  if ((t = peek(L)) != NULL && (kw = find_keyword(p, L, t, pre)) == NULL)
    return;
  if (kw != NULL && kw->header) {
    L->kw = t;
    L->pos++;
    kw->fn(p, L, NULL);
    return;
  }
  st.text = xstrndup(L->src + L->lx.text_start,
                     L->lx.text_end - L->lx.text_start);
  st.loc = loc_of(L, t ? t : pre);
  if (kw == NULL) {
    st.kind = SCN_S_WAIT;
    push_stmt(p, &st);
    return;
  }
  L->kw = t;
  L->pos++;
  if (kw->fn(p, L, &st) == 0)
    push_stmt(p, &st);
  else
    stmt_free(&st);
}

static void parse_source_line(struct parser *p, const char *file,
                              const char *dir, int no, const char *src,
                              size_t len)
{
  char msg[160];
  int col = 1;
  if (len > 0 && src[len - 1] == '\r')
    len--;
  if (len > SCN_LEX_MAX_LINE) {
    err_file(p, file, no, scn_lex_col(src, SCN_LEX_MAX_LINE),
             "line longer than %d bytes", SCN_LEX_MAX_LINE);
    return;
  }
  struct line L;
  memset(&L, 0, sizeof L);
  L.file = file;
  L.dir = dir;
  L.no = no;
  L.src = src;
  L.len = len;
  if (scn_lex_line(src, len, &L.lx, &col, msg, sizeof msg) != 0) {
    err_file(p, file, no, col, "%s", msg);
    if (L.lx.n > 0 && is_word(&L.lx.tok[0], "scenario") &&
        p->once[O_SCENARIO].line == 0) /* no "missing scenario" too */
      p->once[O_SCENARIO] = (struct scn_loc){file, no, 1};
  } else if (L.lx.n > 0) {
    parse_line(p, &L);
  }
  scn_lex_line_free(&L.lx);
}

static bool all_blank(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return false;
  return true;
}

/* The first byte that is not text stops the whole parse. */
static void bad_byte(struct parser *p, const char *file, const char *buf,
                     size_t bad, const char *msg)
{
  int no = 1;
  size_t ls = 0;
  for (size_t i = 0; i < bad; i++)
    if (buf[i] == '\n')
      no++, ls = i + 1;
  err_file(p, file, no, scn_lex_col(buf + ls, bad - ls), "%s", msg);
  p->stop = true;
}

static void parse_buffer(struct parser *p, const char *file, const char *dir,
                         const char *buf, size_t len)
{
  size_t bad = 0, end = len;
  char msg[160];
  static const char bom[] = "\xEF\xBB\xBF"; /* a UTF-8 byte order mark */
  if (len >= 3 && memcmp(buf, bom, 3) == 0) {
    buf = &buf[3];
    len -= 3;
    end = len;
  }
  bool binary = scn_lex_check_text(buf, len, &bad, msg, sizeof msg) != 0;
  if (binary) /* parse the lines before the one with the bad byte */
    for (end = bad; end > 0 && buf[end - 1] != '\n'; end--)
      ;
  if (!binary && p->depth == 0 && all_blank(buf, len)) {
    err_file(p, file, 1, 1, "empty file (a scenario starts with: scenario "
             "\"Title\")");
    p->quiet_end = true;
    return;
  }
  size_t off = 0;
  for (int no = 1; off < end && !p->stop && p->depth <= p->cut; no++) {
    const char *nl = memchr(buf + off, '\n', end - off);
    size_t eol = nl ? (size_t)(nl - buf) : end;
    parse_source_line(p, file, dir, no, buf + off, eol - off);
    off = eol + 1;
  }
  if (binary && p->depth <= p->cut)
    bad_byte(p, file, buf, bad, msg);
}

/* ---- entry points ------------------------------------------------------------ */

static void parser_init(struct parser *p, const char *name, char *err,
                        size_t errlen)
{
  memset(p, 0, sizeof *p);
  p->sc = calloc(1, sizeof *p->sc);
  if (p->sc == NULL)
    abort();
  p->err = err;
  p->errlen = err ? errlen : 0;
  if (p->errlen > 0)
    err[0] = '\0';
  p->cut = MAX_DEPTH;
  p->sc->path = xstrdup(name);
  p->open_name[0] = add_file(p, name);
}

/* The checks at the end, the defaults, and the parser's own memory. Returns
 * the scenario, or NULL (freed) after any error. */
static struct scn_scenario *finish(struct parser *p)
{
  struct scn_scenario *sc = p->sc;
  if (p->once[O_SCENARIO].line == 0 && !p->stop && !p->quiet_end)
    err_file(p, sc->files[0], 1, 1, "missing scenario line (a scenario "
             "starts with: scenario \"Title\")");
  if (sc->nats == 0)
    strv_push(&sc->ats, &sc->nats, scn_personalities[0]);
  for (size_t i = 0; i < p->nrefs; i++)
    free(p->refs[i].name);
  free(p->refs);
  strv_free(p->jobs, p->njobs);
  for (size_t i = 0; i < p->nlabels; i++)
    free(p->labels[i].name);
  free(p->labels);
  free(p->open_real[0]);
  if (p->nerr > 0) {
    scn_free(sc);
    return NULL;
  }
  return sc;
}

struct scn_scenario *scn_parse_file(const char *path, char *err,
                                    size_t errlen)
{
  struct parser p;
  char why[256], *buf = NULL;
  size_t len = 0;
  parser_init(&p, path ? path : "", err, errlen);
  if (path == NULL || read_file(path, &buf, &len, why, sizeof why) != 0) {
    err_file(&p, p.sc->files[0], 1, 1, "cannot read the scenario: %s",
             path ? why : "no file named");
    p.quiet_end = true;
    return finish(&p);
  }
  char *dir = dir_of(path);
  p.open_real[0] = realpath(path, NULL);
  parse_buffer(&p, p.sc->files[0], dir, buf, len);
  free(dir);
  free(buf);
  return finish(&p);
}

struct scn_scenario *scn_parse_text(const char *name, const char *text,
                                    size_t len, char *err, size_t errlen)
{
  struct parser p;
  parser_init(&p, name ? name : "<text>", err, errlen);
  parse_buffer(&p, p.sc->files[0], "", text ? text : "", text ? len : 0);
  return finish(&p);
}

const char *scn_op_name(enum scn_op op)
{
  for (const struct named *n = ops; n->name; n++)
    if (n->value == (int)op)
      return n->name;
  return "?";
}

bool scn_op_eval(enum scn_op op, long a, long b)
{
  switch (op) {
  case SCN_EQ:
    return a == b;
  case SCN_NE:
    return a != b;
  case SCN_LT:
    return a < b;
  case SCN_LE:
    return a <= b;
  case SCN_GT:
    return a > b;
  case SCN_GE:
    return a >= b;
  }
  return false;
}
