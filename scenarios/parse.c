/* parse.c — a .scn file (scn.h has the grammar) parsed into a struct
 * scn_scenario. One function per statement, found through keyword tables:
 * the header lines (h_*) and the files, includes and lines are here,
 * statements (s_*) in parse_stmt.c, expect and its conditions (c_*) in
 * parse_expect.c, the token readers and error reporting they all use in
 * parse_tok.c (parse_int.h); lex.c cuts lines into tokens.
 *
 * Errors: one line each, "file:line:col: message\n", col counting UTF-8
 * characters from 1 (a tab is one) and pointing at the offending token, or
 * just after the last one when something is missing; a "did you mean" hint
 * where a candidate is close. The parse goes on with the next line and
 * stops after 20 errors; a byte that is not text stops it for good (the
 * lines before it are still read).
 *
 * Checked here because they need no run: times that go backwards, include
 * cycles (and, in parse_stmt.c, refs, jobs, fault labels and the sim's
 * parameters). */
#include "parse_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "strutil.h"

#define MAX_FILE (8u << 20)        /* bytes per file */

const char *const scn_personalities[] = {"greenhouse", "lever", "workable",
                                         "ashby", NULL};

const char *const scn_cause_ids[] = {
    "expired",   "revoked",   "access_removed", "scope_missing",
    "rate_limit", "downtime", "job_mapping",    "stage_mapping",
    "duplicate", "required_field", "format", NULL};

const struct named p_auths[] = {
    {"oauth", SCN_AUTH_OAUTH},
    {"client_credentials", SCN_AUTH_CLIENT_CREDENTIALS},
    {"api_key", SCN_AUTH_API_KEY},
    {NULL, 0}};

const char *scn_auth_name(enum scn_auth a)
{
  for (const struct named *n = p_auths; n->name; n++)
    if (n->value == (int)a)
      return n->name;
  return "oauth";
}

static void stmt_free(struct scn_stmt *st)
{
  free(st->text);
  free(st->name);
  free(st->value);
  p_strv_free(st->list, st->nlist);
  for (size_t i = 0; i < st->nkv; i++) {
    free(st->kv[i].key);
    free(st->kv[i].value);
  }
  free(st->kv);
  free(st->expect.cond.who);
  free(st->expect.cond.text);
  free(st->expect.cond.job);
  free(st->expect.cond.stage);
  free(st->expect.cond.of);
  p_strv_free(st->on, st->non);
}

void scn_free(struct scn_scenario *sc)
{
  if (sc == NULL)
    return;
  free(sc->path);
  free(sc->title);
  p_strv_free(sc->tags, sc->ntags);
  p_strv_free(sc->causes, sc->ncauses);
  p_strv_free(sc->ats, sc->nats);
  free(sc->pending);
  for (size_t i = 0; i < sc->nstmts; i++)
    stmt_free(&sc->stmts[i]);
  free(sc->stmts);
  p_strv_free(sc->files, sc->nfiles);
  free(sc);
}

/* ---- header lines ----------------------------------------------------------- */

/* Note a header line that may appear once; -1 (with an error) when it is
 * there already. */
static int once(struct parser *p, const struct line *L, enum once id)
{
  struct scn_loc *s = &p->once[id];
  if (s->line != 0)
    return p_err_tok(p, L, L->kw, "'%s' given twice (first at %s:%d)",
                     L->kw->text, s->file, s->line);
  *s = p_loc_of(L, L->kw);
  return 0;
}

static int h_scenario(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (p->depth > 0)
    return p_err_tok(p, L, L->kw, "an included file has no scenario line of "
                     "its own (the including file names the scenario)");
  if (once(p, L, O_SCENARIO) != 0)
    return -1;
  const struct scn_lex_tok *t =
      p_need_text(p, L, "the title: scenario \"Title\"");
  if (t == NULL || p_need_end(p, L) != 0)
    return -1;
  if (t->text[0] == '\0')
    return p_err_tok(p, L, t, "the title is empty");
  p->sc->title = p_xstrdup(t->text);
  return 0;
}

static int h_tags(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (p_peek(L) == NULL)
    return p_expected(p, L, NULL, "a tag: tags WORD...");
  for (const struct scn_lex_tok *t; (t = p_peek(L)) != NULL;) {
    if (p_need_text(p, L, "a tag") == NULL)
      return -1;
    if (!p_strv_has(p->sc->tags, p->sc->ntags, t->text))
      p_strv_push(&p->sc->tags, &p->sc->ntags, t->text);
  }
  return 0;
}

static int check_cause(struct parser *p, const struct line *L,
                       const struct scn_lex_tok *t)
{
  struct scn_hint h;
  scn_hint_init(&h, t->text);
  for (const char *const *c = scn_cause_ids; *c; c++) {
    if (strcmp(*c, t->text) == 0)
      return 0;
    scn_hint_offer(&h, *c, strlen(*c));
  }
  if (scn_hint_best(&h))
    return p_err_tok(p, L, t, "unknown cause '%s' (did you mean '%s'?)",
                     t->text, scn_hint_best(&h));
  return p_err_tok(p, L, t, "unknown cause '%s' (one of expired, revoked, "
                   "access_removed, scope_missing, rate_limit, downtime, "
                   "job_mapping, stage_mapping, duplicate, required_field, "
                   "format)", t->text);
}

static int h_cause(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (p_peek(L) == NULL)
    return p_expected(p, L, NULL, "a cause id: cause ID...");
  for (const struct scn_lex_tok *t; p_peek(L) != NULL;) {
    if ((t = p_need_word(p, L, "a cause id")) == NULL ||
        check_cause(p, L, t) != 0)
      return -1;
    if (!p_strv_has(p->sc->causes, p->sc->ncauses, t->text))
      p_strv_push(&p->sc->causes, &p->sc->ncauses, t->text);
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
    return p_err_tok(p, L, t, "unknown personality '%s' (did you mean '%s'?)",
                     t->text, scn_hint_best(&h));
  return p_err_tok(p, L, t, "no personality '%s' is built (built so far: %s)",
                   t->text, built);
}

static int h_ats(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  struct scn_scenario *sc = p->sc;
  if (once(p, L, O_ATS) != 0)
    return -1;
  if (p_accept_word(L, "*")) {
    if (p_need_end(p, L) != 0)
      return -1;
    for (const char *const *a = scn_personalities; *a; a++)
      p_strv_push(&sc->ats, &sc->nats, *a);
    sc->ats_star = true;
    return 0;
  }
  if (p_peek(L) == NULL)
    return p_expected(p, L, NULL, "a personality: ats NAME... or ats *");
  for (const struct scn_lex_tok *t; p_peek(L) != NULL;) {
    if ((t = p_need_word(p, L, "a personality")) == NULL)
      return -1;
    if (strcmp(t->text, "*") == 0)
      return p_err_tok(p, L, t, "'*' stands alone: ats *");
    if (check_personality(p, L, t) != 0)
      return -1;
    if (!p_strv_has(sc->ats, sc->nats, t->text))
      p_strv_push(&sc->ats, &sc->nats, t->text);
  }
  return 0;
}

static int h_auth(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  int v;
  if (once(p, L, O_AUTH) != 0 || p_need_named(p, L, p_auths, "auth", &v) != 0 ||
      p_need_end(p, L) != 0)
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
      p_need_text(p, L, "the reason: pending \"what is not there yet\"");
  if (t == NULL || p_need_end(p, L) != 0)
    return -1;
  if (t->text[0] == '\0')
    return p_err_tok(p, L, t, "the reason is empty (say what is not there "
                     "yet)");
  p->sc->pending = p_xstrdup(t->text);
  return 0;
}

static int h_seed(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (once(p, L, O_SEED) != 0)
    return -1;
  const struct scn_lex_tok *t = p_need_word(p, L, "a seed (a whole number)");
  if (t == NULL || p_need_end(p, L) != 0)
    return -1;
  if (!scn_str_to_u64(t->text, UINT64_MAX, &p->sc->seed))
    return p_err_tok(p, L, t, "'%s' is not a seed (a whole number from 0 to "
                     "18446744073709551615)", t->text);
  p->sc->has_seed = true;
  return 0;
}

/* clock starts 2026-08-28T09:00:00Z: the moment the scenario begins (a
 * ticket's own dates; every timestamp on the wire follows). */
static int h_clock(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (p_need_keyword(p, L, "starts") != 0 || once(p, L, O_START) != 0)
    return -1;
  const struct scn_lex_tok *t =
      p_need_text(p, L, "a time: clock starts 2026-08-28T09:00:00Z");
  if (t == NULL || p_need_end(p, L) != 0)
    return -1;
  int64_t ms;
  if (at_time_parse_iso8601(t->text, &ms) != 0 || ms <= 0)
    return p_err_tok(p, L, t, "'%s' is not a time (use ISO-8601 UTC, e.g. "
                     "2026-08-28T09:00:00Z or 2026-08-28)", t->text);
  p->sc->epoch_ms = ms;
  return 0;
}

static int h_rate(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  struct scn_scenario *sc = p->sc;
  uint64_t n;
  if (p_need_keyword(p, L, "limit") != 0 || once(p, L, O_RATE) != 0)
    return -1;
  if (p_accept_word(L, "off")) {
    sc->rate_off = true;
    return p_need_end(p, L);
  }
  if (p_accept_word(L, "default"))
    return p_need_end(p, L);
  const struct scn_lex_tok *t =
      p_need_word(p, L, "a limit: rate limit N per DUR, off or default");
  if (t == NULL)
    return -1;
  if (!scn_str_to_u64(t->text, 1000000, &n) || n == 0)
    return p_err_tok(p, L, t, "'%s' is not a rate limit (a whole number from 1 "
                     "to 1000000, or off, or default)", t->text);
  if (p_need_keyword(p, L, "per") != 0 ||
      p_need_duration(p, L, "a window (e.g. 10s)", &sc->rate_window_ms) != 0 ||
      p_need_end(p, L) != 0)
    return -1;
  if (sc->rate_window_ms == 0)
    return p_err_tok(p, L, &L->lx.tok[L->pos - 1], "the window must be longer "
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
  if (p_accept_word(L, "off")) {
    sc->latency_off = true;
    return p_need_end(p, L);
  }
  const struct scn_lex_tok *t50 = p_peek(L);
  if (p_need_duration(p, L, "the median: latency P50 P99 or latency off",
                      &p50) != 0)
    return -1;
  const struct scn_lex_tok *t99 = p_peek(L);
  if (p_need_duration(p, L, "the 99th percentile: latency P50 P99",
                      &p99) != 0 ||
      p_need_end(p, L) != 0)
    return -1;
  if (p50 == 0)
    return p_err_tok(p, L, t50, "the median must be longer than 0 (for no "
                     "latency say: latency off)");
  if (p99 < p50)
    return p_err_tok(p, L, t99, "the 99th percentile (%s) is below the median "
                     "(%s)", t99->text, t50->text);
  sc->latency_p50_ms = p50;
  sc->latency_p99_ms = p99;
  return 0;
}

/* webhooks off | webhooks on: whether the customer set webhooks up. */
static int h_webhooks(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (once(p, L, O_WEBHOOKS) != 0)
    return -1;
  const struct scn_lex_tok *t = p_peek(L);
  if (t == NULL)
    return p_expected(p, L, NULL, "'off' or 'on': webhooks off");
  if (p_accept_word(L, "off") || p_accept_word(L, "on")) {
    p->sc->webhooks_off = strcmp(t->text, "off") == 0;
    return p_need_end(p, L);
  }
  struct scn_hint h;
  char b[160];
  scn_hint_init(&h, t->kind == SCN_TOK_WORD ? t->text : "");
  scn_hint_offer(&h, "off", 3);
  scn_hint_offer(&h, "on", 2);
  if (t->kind == SCN_TOK_WORD && scn_hint_best(&h))
    return p_err_tok(p, L, t, "unknown word '%s' after webhooks (did you mean "
                     "'%s'?)", t->text, scn_hint_best(&h));
  return p_err_tok(p, L, t, "expected 'off' or 'on' after webhooks, found %s",
                   p_desc(t, b, sizeof b));
}

/* poll every DUR | poll off: how often the engine reads the ATS's changes. */
static int h_poll(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  if (once(p, L, O_POLL) != 0)
    return -1;
  if (p_accept_word(L, "off")) {
    p->sc->poll_ms = -1;
    return p_need_end(p, L);
  }
  if (!p_accept_word(L, "every"))
    return p_expected(p, L, p_peek(L), "'every DUR' or 'off': poll every 5m");
  const struct scn_lex_tok *d = p_peek(L);
  int64_t ms;
  if (p_need_duration(p, L, "an interval: poll every DUR (e.g. 5m)", &ms) !=
          0 ||
      p_need_end(p, L) != 0)
    return -1;
  if (ms == 0)
    return p_err_tok(p, L, d, "the interval must be longer than 0 (for no "
                     "polling say: poll off)");
  p->sc->poll_ms = ms;
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
  char *buf = p_xrealloc(NULL, cap);
  for (;;) {
    if (n == cap)
      buf = p_xrealloc(buf, cap *= 2);
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
  p_strv_push(&sc->files, &sc->nfiles, name);
  return sc->files[sc->nfiles - 1];
}

/* The directory part of 'path' ("" for none), to be freed. */
static char *dir_of(const char *path)
{
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    return p_xstrdup("");
  return p_xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static char *join_path(const char *dir, const char *rel)
{
  char *s = scn_str_path_join(dir, rel);
  if (s == NULL)
    abort();
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
  return p_err_tok(p, L, t, "include cycle: %s", chain);
}

static int h_include(struct parser *p, struct line *L, struct scn_stmt *st)
{
  (void)st;
  char why[256];
  const struct scn_lex_tok *t = p_need_text(p, L, "a path: include \"path\"");
  if (t == NULL || p_need_end(p, L) != 0)
    return -1;
  if (t->text[0] == '\0')
    return p_err_tok(p, L, t, "the include path is empty");
  if (p->depth >= MAX_DEPTH)
    return p_err_tok(p, L, t, "includes nested deeper than %d", MAX_DEPTH);
  char *path = join_path(L->dir, t->text), *buf = NULL, *real = NULL;
  size_t len = 0;
  int rc = -1;
  if (read_file(path, &buf, &len, why, sizeof why) != 0) {
    p_err_tok(p, L, t, "cannot include '%s': %s", path, why);
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

/* ---- lines ------------------------------------------------------------------- */

static const struct p_keyword header_keywords[] = {
    {"scenario", h_scenario, true}, {"tags", h_tags, true},
    {"cause", h_cause, true},       {"ats", h_ats, true},
    {"auth", h_auth, true},         {"pending", h_pending, true},
    {"seed", h_seed, true},         {"rate", h_rate, true},
    {"latency", h_latency, true},   {"include", h_include, true},
    {"clock", h_clock, true},       {"webhooks", h_webhooks, true},
    {"poll", h_poll, true},         {NULL, NULL, false},
};

/* Every keyword, in the order hints are offered them. */
static const struct p_keyword *const keyword_tables[] = {
    header_keywords, p_stmt_keywords, p_expect_keywords};

static const struct p_keyword *find_keyword(struct parser *p,
                                            const struct line *L,
                                            const struct scn_lex_tok *t,
                                            const struct scn_lex_tok *pre)
{
  char b[160];
  struct scn_hint h;
  if (t->kind != SCN_TOK_WORD) {
    p_err_tok(p, L, t, "expected a keyword, found %s", p_desc(t, b, sizeof b));
    return NULL;
  }
  if (p_is_word(t, "at") || p_is_word(t, "after")) {
    p_err_tok(p, L, t, "one time prefix per line ('%s' gives it already)",
              pre->text);
    return NULL;
  }
  if (p_is_word(t, "on")) {
    p_err_tok(p, L, t, "'on' comes first: on NAME,... %s ...",
              pre ? pre->text : "STATEMENT");
    return NULL;
  }
  scn_hint_init(&h, t->text);
  scn_hint_offer(&h, "at", 2);
  scn_hint_offer(&h, "after", 5);
  for (size_t i = 0; i < sizeof keyword_tables / sizeof *keyword_tables;
       i++) {
    for (const struct p_keyword *k = keyword_tables[i]; k->name; k++) {
      if (strcmp(k->name, t->text) != 0) {
        scn_hint_offer(&h, k->name, strlen(k->name));
        continue;
      }
      if (pre && k->header) {
        p_err_tok(p, L, t, "'%s' is a header line: it takes no '%s' prefix",
                  t->text, pre->text);
        return NULL;
      }
      return k;
    }
  }
  if (scn_hint_best(&h))
    p_err_tok(p, L, t, "unknown keyword '%s' (did you mean '%s'?)", t->text,
              scn_hint_best(&h));
  else
    p_err_tok(p, L, t, "unknown keyword '%s'", t->text);
  return NULL;
}

/* 'at DUR' / 'after DUR': the statement's time, checked against the
 * earliest time this line can run. */
static int parse_when(struct parser *p, struct line *L,
                      const struct scn_lex_tok *pre, struct scn_stmt *st)
{
  bool at = strcmp(pre->text, "at") == 0;
  const struct scn_lex_tok *d = p_peek(L);
  int64_t ms;
  char b[32];
  if (p_need_duration(p, L, at ? "a time: at DUR (e.g. at 5m)"
                               : "a duration: after DUR (e.g. after 30s)",
                      &ms) != 0)
    return -1;
  if (at && ms < p->now)
    return p_err_tok(p, L, d, "'at %s' goes back in time: this line runs at "
                     "%s at the earliest (the previous 'at' plus the 'after's "
                     "since)", d->text,
                     at_duration_format(p->now, b, sizeof b));
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
  sc->stmts = p_grow(sc->stmts, sc->nstmts, sizeof *sc->stmts);
  sc->stmts[sc->nstmts++] = *st;
}

/* 'on NAME[,NAME...]': the ATSes a statement is for. */
static int parse_on(struct parser *p, struct line *L, struct scn_stmt *st)
{
  const struct scn_lex_tok *on = &L->lx.tok[L->pos++];
  const struct scn_lex_tok *t = p_peek(L);
  if (t == NULL || t->kind != SCN_TOK_WORD)
    return p_expected(p, L, t, "the ATSes this line is for: on NAME[,NAME...] "
                      "STATEMENT (e.g. on lever,workable expect ...)");
  L->pos++;
  st->on_loc = p_loc_of(L, on);
  const char *s = t->text;
  size_t tl = strlen(s);
  if (tl > 0 && s[tl - 1] == ',')
    return p_err_tok(p, L, t, "'%s' ends with a comma: write on NAME,NAME "
                     "without spaces", t->text);
  while (*s) {
    size_t n = strcspn(s, ",");
    char name[64];
    struct scn_lex_tok one = *t;
    snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), s);
    one.text = name;
    if (n == 0)
      return p_err_tok(p, L, t, "empty name in '%s': write on NAME,NAME "
                       "without spaces", t->text);
    if (check_personality(p, L, &one) != 0)
      return -1;
    if (p_strv_has(st->on, st->non, name))
      return p_err_tok(p, L, t, "'%s' is named twice", name);
    p_strv_push(&st->on, &st->non, name);
    s += n + (s[n] == ',');
  }
  if (p_peek(L) == NULL)
    return p_expected(p, L, NULL, "a statement after the ATS names");
  if (p_is_word(p_peek(L), "on"))
    return p_err_tok(p, L, p_peek(L), "one 'on' per line: on A,B STATEMENT");
  return 0;
}

static void parse_line(struct parser *p, struct line *L)
{
  struct scn_stmt st;
  const struct scn_lex_tok *pre = NULL, *t;
  memset(&st, 0, sizeof st);
  if (p_is_word(p_peek(L), "on") && parse_on(p, L, &st) != 0) {
    stmt_free(&st);
    return;
  }
  if (p_is_word(p_peek(L), "at") || p_is_word(p_peek(L), "after")) {
    pre = &L->lx.tok[L->pos++];
    if (parse_when(p, L, pre, &st) != 0) {
      stmt_free(&st);
      return;
    }
  }
  const struct p_keyword *kw = NULL;
  if ((t = p_peek(L)) != NULL && (kw = find_keyword(p, L, t, pre)) == NULL) {
    stmt_free(&st);
    return;
  }
  if (kw != NULL && kw->header && st.non > 0) {
    p_err_tok(p, L, t, "'%s' is a header line: it takes no 'on' prefix "
              "(the header 'ats' says where the whole scenario runs)",
              t->text);
    stmt_free(&st);
    return;
  }
  if (kw != NULL && kw->header) {
    L->kw = t;
    L->pos++;
    kw->fn(p, L, NULL);
    return;
  }
  st.text = p_xstrndup(L->src + L->lx.text_start,
                       L->lx.text_end - L->lx.text_start);
  st.loc = p_loc_of(L, t ? t : pre);
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
    p_err_file(p, file, no, scn_lex_col(src, SCN_LEX_MAX_LINE),
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
    p_err_file(p, file, no, col, "%s", msg);
    if (L.lx.n > 0 && p_is_word(&L.lx.tok[0], "scenario") &&
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
  p_err_file(p, file, no, scn_lex_col(buf + ls, bad - ls), "%s", msg);
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
    p_err_file(p, file, 1, 1, "empty file (a scenario starts with: scenario "
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
  p->sc->path = p_xstrdup(name);
  p->open_name[0] = add_file(p, name);
}

/* The checks at the end, the defaults, and the parser's own memory. Returns
 * the scenario, or NULL (freed) after any error. */
static struct scn_scenario *finish(struct parser *p)
{
  struct scn_scenario *sc = p->sc;
  if (p->once[O_SCENARIO].line == 0 && !p->stop && !p->quiet_end)
    p_err_file(p, sc->files[0], 1, 1, "missing scenario line (a scenario "
               "starts with: scenario \"Title\")");
  if (sc->nats == 0)
    p_strv_push(&sc->ats, &sc->nats, scn_personalities[0]);
  for (size_t i = 0; i < sc->nstmts; i++)
    for (size_t k = 0; k < sc->stmts[i].non; k++)
      if (!p_strv_has(sc->ats, sc->nats, sc->stmts[i].on[k])) {
        const struct scn_loc *l = &sc->stmts[i].on_loc;
        p_err_file(p, l->file, l->line, l->col, "'on %s': this scenario "
                   "does not run on %s (add it to the 'ats' line, or drop "
                   "it here)", sc->stmts[i].on[k], sc->stmts[i].on[k]);
        break;
      }
  for (size_t i = 0; i < p->nrefs; i++)
    free(p->refs[i].name);
  free(p->refs);
  p_strv_free(p->jobs, p->njobs);
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
    p_err_file(&p, p.sc->files[0], 1, 1, "cannot read the scenario: %s",
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
