/* parse_stmt.c — the setup and timeline statements of a scenario (scn.h
 * has the grammar): user, job, person, setting, connect, reconnect,
 * disconnect, map (job, stage, status), org, approve, update, fault,
 * clear, action, restart, stop and start engine, stop and start webhooks.
 * Checked here because they need no run: refs never approved or approved
 * twice, jobs never mapped, fault labels, fault and action parameters
 * (through the sim's own checks), custom fields. */
#include "parse_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atsync.h"
#include "sim.h"
#include "strutil.h"

#define MAX_RANGE 10000            /* refs in one approve range */
#define MAX_REF 63                 /* atsync keeps refs in 64 bytes */

static const struct named job_status[] = {{"open", SCN_JOB_OPEN},
                                          {"closed", SCN_JOB_CLOSED},
                                          {"draft", SCN_JOB_DRAFT},
                                          {NULL, 0}};

static const char *const default_stages[] = {
    "Application Review", "Phone Screen", "Onsite", "Offer", NULL};

/* Keys of approve and update (PERSON_KEYS) and of person. "field.KEY"
 * stands for every key that starts with "field." (a custom field). */
#define FIELD_KEYS SCN_FIELD_PREFIX "KEY"
#define PERSON_KEYS "email first last phone job stage " FIELD_KEYS
#define ATS_PERSON_KEYS "email phone job stage company"

static void kv_add(struct scn_stmt *st, const char *k, const char *v,
                   struct scn_loc loc)
{
  st->kv = p_grow(st->kv, st->nkv, sizeof *st->kv);
  st->kv[st->nkv++] = (struct scn_kv){p_xstrdup(k), p_xstrdup(v), loc};
}

static int kv_find(const struct scn_stmt *st, const char *k)
{
  for (size_t i = 0; i < st->nkv; i++)
    if (strcmp(st->kv[i].key, k) == 0)
      return (int)i;
  return -1;
}

/* ---- refs, jobs, labels ----------------------------------------------------- */

/* A decimal number without leading zeros, as a range's names use. */
static bool canonical_long(const char *s, long *out)
{
  size_t n = strlen(s);
  uint64_t v;
  if (n == 0 || n > 9 || (s[0] == '0' && n > 1) ||
      !scn_str_to_u64(s, 999999999, &v))
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
    return p_err_tok(p, L, t, "no candidate '%s' is approved above (did you "
                     "mean '%s'?)", t->text, b);
  return p_err_tok(p, L, t, "no candidate '%s' is approved above (approve it "
                   "first, or give an email)", t->text);
}

const struct scn_lex_tok *p_need_who(struct parser *p, struct line *L,
                                     const char *what)
{
  const struct scn_lex_tok *t = p_need_word(p, L, what);
  if (t == NULL || check_who(p, L, t) != 0)
    return NULL;
  return t;
}

static bool job_mapped(const struct parser *p, const char *ours)
{
  return p_strv_has(p->jobs, p->njobs, ours);
}

static const struct label *label_find(const struct parser *p,
                                      const char *name)
{
  for (size_t i = 0; i < p->nlabels; i++)
    if (strcmp(p->labels[i].name, name) == 0)
      return &p->labels[i];
  return NULL;
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
  const char *dot = strchr(t->text, '.');
  if (dot && dot[1] && word_in(keys, FIELD_KEYS)) {
    /* fields.start, feild.start: a custom field misspelt */
    char pre[64];
    snprintf(pre, sizeof pre, "%.*s", (int)(dot - t->text), t->text);
    scn_hint_init(&h, pre);
    scn_hint_offer(&h, "field", 5);
    if (scn_hint_best(&h))
      return p_err_tok(p, L, t, "%s has no parameter '%s' (did you mean "
                       "'" SCN_FIELD_PREFIX "%s'?)", L->kw->text, t->text,
                       dot + 1);
  }
  scn_hint_init(&h, t->text);
  scn_hint_offer_words(&h, keys, " ");
  if (scn_hint_best(&h))
    return p_err_tok(p, L, t, "%s has no parameter '%s' (did you mean '%s'?)",
                     L->kw->text, t->text, scn_hint_best(&h));
  list[0] = '\0';
  for (const char *k = keys; *k && o < sizeof list; k++)
    o += (size_t)snprintf(list + o, sizeof list - o, *k == ' ' ? ", " : "%c",
                          *k);
  return p_err_tok(p, L, t, "%s has no parameter '%s' (it takes: %s)",
                   L->kw->text, t->text, list);
}

static bool is_field(const char *key)
{
  return strncmp(key, SCN_FIELD_PREFIX, sizeof SCN_FIELD_PREFIX - 1) == 0;
}

/* field.KEY=VALUE: a key after the prefix, at most ATSYNC_MAX_FIELDS. */
static int check_field(struct parser *p, const struct line *L,
                       const struct scn_lex_tok *t, const struct scn_stmt *st)
{
  size_t n = 0;
  if (t->text[sizeof SCN_FIELD_PREFIX - 1] == '\0')
    return p_err_tok(p, L, t, "'%s' needs the field's key: "
                     SCN_FIELD_PREFIX "KEY=VALUE (e.g. "
                     SCN_FIELD_PREFIX "available_from=2026-11-28)", t->text);
  for (size_t i = 0; i < st->nkv; i++)
    n += is_field(st->kv[i].key);
  if (n >= ATSYNC_MAX_FIELDS)
    return p_err_tok(p, L, t, "too many custom fields: at most %d "
                     SCN_FIELD_PREFIX "KEY=VALUE", ATSYNC_MAX_FIELDS);
  return 0;
}

/* The KEY=VALUE tokens up to the end of the line (or up to the word
 * 'stop'). 'keys' limits the keys (NULL = any; "field.KEY" in it takes
 * every custom field); only those in 'repeat' may be given twice. */
static int collect_kv(struct parser *p, struct line *L, struct scn_stmt *st,
                      const char *keys, const char *repeat, const char *stop)
{
  for (const struct scn_lex_tok *t; (t = p_peek(L)) != NULL; L->pos++) {
    if (stop && p_is_word(t, stop))
      return 0;
    if (t->kind != SCN_TOK_KV)
      return p_expected(p, L, t, stop ? "KEY=VALUE or 'as NAME'" : "KEY=VALUE");
    if (keys && is_field(t->text) && word_in(keys, FIELD_KEYS)) {
      if (check_field(p, L, t, st) != 0)
        return -1;
    } else if (keys && !word_in(keys, t->text)) {
      return unknown_key(p, L, t, keys);
    }
    if (kv_find(st, t->text) >= 0 && !(repeat && word_in(repeat, t->text)))
      return p_err_tok(p, L, t, "'%s' given twice", t->text);
    kv_add(st, t->text, t->value, p_loc_of(L, t));
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
  if ((id = p_need_word(p, L, "a user id: user ID \"First Last\"")) == NULL ||
      (name = p_need_text(p, L, "the user's name: user ID \"First Last\"")) ==
          NULL)
    return -1;
  if (name->text[0] == '\0')
    return p_err_tok(p, L, name, "the user's name is empty");
  st->name = p_xstrdup(id->text);
  st->value = p_xstrdup(name->text);
  while (p_peek(L) != NULL) {
    int f;
    if (p_need_named(p, L, user_flags, "user flag", &f) != 0)
      return -1;
    st->flags |= (unsigned)f;
  }
  return 0;
}

static int job_stages(struct parser *p, struct line *L, struct scn_stmt *st)
{
  if (p_peek(L) == NULL)
    return p_expected(p, L, NULL, "a stage name: stages \"A\" \"B\" ...");
  for (const struct scn_lex_tok *t; p_peek(L) != NULL;) {
    if ((t = p_need_text(p, L, "a stage name")) == NULL)
      return -1;
    if (t->text[0] == '\0')
      return p_err_tok(p, L, t, "a stage name is empty");
    if (p_strv_has(st->list, st->nlist, t->text))
      return p_err_tok(p, L, t, "stage \"%s\" is listed twice", t->text);
    p_strv_push(&st->list, &st->nlist, t->text);
  }
  return 0;
}

static int s_job(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_JOB;
  const struct scn_lex_tok *id, *name, *t;
  if ((id = p_need_word(p, L, "a job id: job ID \"Name\"")) == NULL ||
      (name = p_need_text(p, L, "the job's name: job ID \"Name\"")) == NULL)
    return -1;
  if (name->text[0] == '\0')
    return p_err_tok(p, L, name, "the job's name is empty");
  st->name = p_xstrdup(id->text);
  st->value = p_xstrdup(name->text);
  t = p_peek(L);
  if (t != NULL && !p_is_word(t, "stages")) {
    int f;
    if (t->kind != SCN_TOK_WORD)
      return p_expected(p, L, t, "open, closed, draft or stages");
    if (p_need_named(p, L, job_status, "job status", &f) != 0)
      return -1;
    st->flags = (unsigned)f;
  }
  if (p_accept_word(L, "stages")) {
    if (job_stages(p, L, st) != 0)
      return -1;
  } else if (p_peek(L) != NULL) {
    return p_expected(p, L, p_peek(L), "stages \"A\" \"B\" ...");
  }
  if (st->nlist == 0)
    for (const char *const *s = default_stages; *s; s++)
      p_strv_push(&st->list, &st->nlist, *s);
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
      p_need_text(p, L, "the person's name: person \"First Last\" email=E");
  if (name == NULL)
    return -1;
  if (!full_name(name->text))
    return p_err_tok(p, L, name, "a person needs a first and a last name: "
                     "person \"First Last\" email=E");
  st->value = p_xstrdup(name->text);
  if (collect_kv(p, L, st, ATS_PERSON_KEYS, "email", NULL) != 0)
    return -1;
  if (kv_find(st, "email") < 0)
    return p_err_tok(p, L, L->kw, "person needs email=E (at least one)");
  int stage = kv_find(st, "stage");
  if (stage >= 0 && kv_find(st, "job") < 0)
    return p_err_at(p, L, st->kv[stage].loc.col, "stage= needs job= (the "
                    "stage is in that job's pipeline)");
  return 0;
}

/* setting KEY=VALUE (the fake ATS's) and org KEY=VALUE (the engine's
 * organization setting): one each, checked when it runs. */
static int s_setting(struct parser *p, struct line *L, struct scn_stmt *st)
{
  bool org = strcmp(L->kw->text, "org") == 0;
  st->kind = org ? SCN_S_ORG : SCN_S_SETTING;
  const struct scn_lex_tok *t = p_peek(L);
  if (t == NULL || t->kind != SCN_TOK_KV)
    return p_expected(p, L, t, org ? "KEY=VALUE: org KEY=VALUE (e.g. org "
                                     "default_country=US)"
                                   : "KEY=VALUE: setting KEY=VALUE");
  L->pos++;
  st->name = p_xstrdup(t->text);
  st->value = p_xstrdup(t->value);
  return p_need_end(p, L);
}

/* connect|reconnect [with AUTH] [as USER_ID], in either order; the
 * auth is kept in flags as SCN_AUTH_* + 1 (0 = the scenario's). */
static int s_connect(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = strcmp(L->kw->text, "reconnect") == 0 ? SCN_S_RECONNECT
                                                   : SCN_S_CONNECT;
  for (;;) {
    if (st->name == NULL && p_accept_word(L, "as")) {
      const struct scn_lex_tok *t =
          p_need_word(p, L, "a user id: connect as USER_ID");
      if (t == NULL)
        return -1;
      st->name = p_xstrdup(t->text);
    } else if (st->flags == 0 && p_accept_word(L, "with")) {
      int v;
      if (p_need_named(p, L, p_auths, "auth", &v) != 0)
        return -1;
      st->flags = (unsigned)v + 1;
    } else {
      break;
    }
  }
  return p_need_end(p, L);
}

static int s_disconnect(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_DISCONNECT;
  return p_need_end(p, L);
}

static const struct named map_kinds[] = {{"job", 1}, {"stage", 2},
                                         {"status", 3}, {NULL, 0}};

static const struct named status_words[] = {
    {"rejected", SCN_STATUS_REJECTED}, {"hired", SCN_STATUS_HIRED},
    {NULL, 0}};

/* map status "ATS Stage" -> OURS, map status rejected|hired -> OURS. */
static int map_status(struct parser *p, struct line *L, struct scn_stmt *st)
{
  const struct scn_lex_tok *t = p_peek(L), *ours;
  int f = SCN_STATUS_STAGE;
  if (t == NULL || t->kind == SCN_TOK_KV)
    return p_expected(p, L, t, "an ATS stage: map status \"ATS Stage Name\" "
                      "-> OURS (or rejected, hired)");
  if (t->kind == SCN_TOK_WORD) {
    struct scn_hint h;
    for (const struct named *n = status_words; n->name; n++)
      if (strcmp(n->name, t->text) == 0)
        f = n->value;
    if (f == SCN_STATUS_STAGE) {
      scn_hint_init(&h, t->text);
      scn_hint_offer(&h, "rejected", 8);
      scn_hint_offer(&h, "hired", 5);
      if (scn_hint_best(&h))
        return p_err_tok(p, L, t, "unknown status '%s' (did you mean '%s'?)",
                         t->text, scn_hint_best(&h));
      return p_err_tok(p, L, t, "'%s' is not rejected or hired: quote an ATS "
                       "stage name (map status \"%s\" -> OURS)", t->text,
                       t->text);
    }
  } else if (t->text[0] == '\0') {
    return p_err_tok(p, L, t, "the stage name is empty");
  }
  L->pos++;
  if (p_need_keyword(p, L, "->") != 0 ||
      (ours = p_need_word(p, L, "our status: map status \"ATS Stage Name\" "
                                "-> OURS")) == NULL ||
      p_need_end(p, L) != 0)
    return -1;
  st->kind = SCN_S_MAP_STATUS;
  st->name = p_xstrdup(t->text);
  st->value = p_xstrdup(ours->text);
  st->flags = (unsigned)f;
  return 0;
}

static int s_map(struct parser *p, struct line *L, struct scn_stmt *st)
{
  int what;
  const struct scn_lex_tok *ours, *v;
  if (p_need_named(p, L, map_kinds, "mapping", &what) != 0)
    return -1;
  if (what == 3)
    return map_status(p, L, st);
  bool job = what == 1;
  if ((ours = p_need_word(p, L,
                          job ? "our job: map job OURS -> ATS_JOB_ID"
                              : "our stage: map stage OURS -> \"Name\"")) ==
          NULL ||
      p_need_keyword(p, L, "->") != 0 ||
      (v = p_need_text(p, L, job ? "the ATS job id" : "the ATS stage name")) ==
          NULL)
    return -1;
  if (v->text[0] == '\0')
    return p_err_tok(p, L, v, "the %s is empty", job ? "job id" : "stage name");
  st->kind = job ? SCN_S_MAP_JOB : SCN_S_MAP_STAGE;
  st->name = p_xstrdup(ours->text);
  st->value = p_xstrdup(v->text);
  if (job ? collect_kv(p, L, st, "source", NULL, NULL) != 0
          : p_need_end(p, L) != 0)
    return -1;
  if (job && !job_mapped(p, ours->text))
    p_strv_push(&p->jobs, &p->njobs, ours->text);
  return 0;
}

/* ---- approve and update ------------------------------------------------------ */

static int bad_ref(struct parser *p, const struct line *L,
                   const struct scn_lex_tok *t)
{
  return p_err_tok(p, L, t, "'%s' is not a candidate ref (letters, digits, "
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
    st->name = p_xstrdup(s);
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
    return p_err_tok(p, L, t, "the range '%s' runs backwards", s);
  if (st->range_hi - st->range_lo >= MAX_RANGE)
    return p_err_tok(p, L, t, "the range '%s' holds more than %d candidates",
                     s, MAX_RANGE);
  if (pl + strlen(hi) > MAX_REF)
    return bad_ref(p, L, t);
  st->range = true;
  st->name = p_xstrndup(s, pl);
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
  if (s[0] == '0' || sl > 8 || !scn_str_to_u64(s, 99999999, &sv))
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
      return p_err_tok(p, L, t, "candidate '%s' is already approved (at %s:%d)",
                       name, r->loc.file, r->loc.line);
  }
  p->refs = p_grow(p->refs, p->nrefs, sizeof *p->refs);
  p->refs[p->nrefs++] = (struct ref){p_xstrdup(st->name), st->range,
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
    return p_err_at(p, L, kv->loc.col, "job '%s' is not mapped above (did you "
                    "mean '%s'?)", kv->value, scn_hint_best(&h));
  return p_err_at(p, L, kv->loc.col, "job '%s' is not mapped above (map it "
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
    return p_err_tok(p, L, L->kw, "approve needs job=: no job is mapped above "
                     "(map one first: map job OURS -> ATS_JOB_ID)");
  list[0] = '\0';
  for (size_t i = 0; i < p->njobs && o < sizeof list; i++)
    o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
                          p->jobs[i]);
  return p_err_tok(p, L, L->kw, "approve needs job=: %zu jobs are mapped (%s)",
                   p->njobs, list);
}

static int s_approve(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_APPROVE;
  const struct scn_lex_tok *t =
      p_need_word(p, L, "a candidate ref: approve REF (or cand{1..50})");
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
      p_need_who(p, L, "a candidate ref: update REF KEY=VALUE...");
  if (t == NULL)
    return -1;
  st->name = p_xstrdup(t->text);
  if (collect_kv(p, L, st, PERSON_KEYS, "email", NULL) != 0)
    return -1;
  if (st->nkv == 0)
    return p_expected(p, L, NULL, "KEY=VALUE (email, first, last, phone, job, "
                      "stage or " FIELD_KEYS ")");
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
    return p_err_tok(p, L, t, "unknown %s '%s' (did you mean '%s'?)",
                     fault ? "fault kind" : "action", t->text,
                     scn_hint_best(&h));
  if (fault)
    sim_fault_check(t->text, NULL, 0, msg, sizeof msg);
  else
    sim_action_check(t->text, NULL, 0, msg, sizeof msg);
  return p_err_tok(p, L, t, "%s", msg);
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
      return p_err_at(p, L, kv->loc.col, "fault %s: '%s=%s' is too long a "
                      "duration", st->name, kv->key, kv->value);
  }
  return 0;
}

static int sim_check(struct parser *p, const struct line *L,
                     const struct scn_lex_tok *name, const struct scn_stmt *st,
                     bool fault)
{
  struct sim_kv *kv = p_xrealloc(NULL, (st->nkv + 1) * sizeof *kv);
  char msg[1024];
  size_t n = 0;
  /* job= may narrow a stage name or an application the runner resolves
   * (scn.h); it is dropped before the action when the action has no job */
  bool resolves = false;
  for (size_t i = 0; i < st->nkv && !fault; i++)
    resolves |= (strcmp(st->kv[i].key, "stage") == 0 ||
                 strcmp(st->kv[i].key, "application") == 0) &&
                !scn_str_to_u64(st->kv[i].value, UINT64_MAX, &(uint64_t){0});
  const char *takes = fault ? NULL : sim_action_params(st->name);
  for (size_t i = 0; i < st->nkv; i++) {
    if (resolves && strcmp(st->kv[i].key, "job") == 0 && takes &&
        !word_in(takes, "job"))
      continue;
    kv[n++] = (struct sim_kv){st->kv[i].key, st->kv[i].value};
  }
  int rc = fault ? sim_fault_check(st->name, kv, n, msg, sizeof msg)
                 : sim_action_check(st->name, kv, n, msg, sizeof msg);
  free(kv);
  if (rc == 0)
    return 0;
  int col = sim_err_col(st, msg, name->col);
  param_hint(msg, sizeof msg);
  return p_err_at(p, L, col, "%s", msg);
}

static int fault_label(struct parser *p, struct line *L, struct scn_stmt *st)
{
  const struct scn_lex_tok *t = p_need_word(p, L, "a label: fault ... as NAME");
  if (t == NULL)
    return -1;
  const struct label *l = label_find(p, t->text);
  if (l != NULL)
    return p_err_tok(p, L, t, "the label '%s' is already used (at %s:%d)",
                     t->text, l->loc.file, l->loc.line);
  p->labels = p_grow(p->labels, p->nlabels, sizeof *p->labels);
  p->labels[p->nlabels++] = (struct label){p_xstrdup(t->text), p_loc_of(L, t)};
  st->value = p_xstrdup(t->text);
  return 0;
}

static int s_fault(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_FAULT;
  const struct scn_lex_tok *k =
      p_need_word(p, L, "a fault kind: fault KIND KEY=VALUE... [as NAME]");
  if (k == NULL)
    return -1;
  st->name = p_xstrdup(k->text);
  if (!fault_kind_known(k->text))
    return unknown_name(p, L, k, true);
  if (collect_kv(p, L, st, NULL, NULL, "as") != 0)
    return -1;
  if (p_accept_word(L, "as") && fault_label(p, L, st) != 0)
    return -1;
  if (p_need_end(p, L) != 0 || fault_guard(p, L, st) != 0)
    return -1;
  return sim_check(p, L, k, st, true);
}

static int s_action(struct parser *p, struct line *L, struct scn_stmt *st)
{
  st->kind = SCN_S_ACTION;
  const struct scn_lex_tok *a =
      p_need_word(p, L, "an action: action NAME KEY=VALUE...");
  if (a == NULL)
    return -1;
  st->name = p_xstrdup(a->text);
  if (sim_action_params(a->text) == NULL)
    return unknown_name(p, L, a, false);
  if (collect_kv(p, L, st, NULL, NULL, NULL) != 0)
    return -1;
  return sim_check(p, L, a, st, false);
}

static int s_clear(struct parser *p, struct line *L, struct scn_stmt *st)
{
  if (p_accept_word(L, "faults")) {
    st->kind = SCN_S_CLEAR_FAULTS;
    return p_need_end(p, L);
  }
  const struct scn_lex_tok *t = p_peek(L);
  if (!p_accept_word(L, "fault"))
    return p_expected(p, L, t, "'fault NAME' or 'faults'");
  if ((t = p_need_word(p, L, "a fault label: clear fault NAME")) == NULL ||
      p_need_end(p, L) != 0)
    return -1;
  st->kind = SCN_S_CLEAR_FAULT;
  st->name = p_xstrdup(t->text);
  if (label_find(p, t->text) != NULL)
    return 0;
  struct scn_hint h;
  scn_hint_init(&h, t->text);
  for (size_t i = 0; i < p->nlabels; i++)
    scn_hint_offer(&h, p->labels[i].name, strlen(p->labels[i].name));
  if (scn_hint_best(&h))
    return p_err_tok(p, L, t, "no fault is labelled '%s' above (did you mean "
                     "'%s'?)", t->text, scn_hint_best(&h));
  return p_err_tok(p, L, t, "no fault is labelled '%s' above (label one: "
                   "fault KIND ... as %s)", t->text, t->text);
}

/* restart engine; stop|start engine; stop|start webhooks. */
static int s_engine(struct parser *p, struct line *L, struct scn_stmt *st)
{
  const char *w = L->kw->text;
  bool stop = strcmp(w, "stop") == 0;
  if (strcmp(w, "restart") == 0) {
    st->kind = SCN_S_RESTART_ENGINE;
    if (p_need_keyword(p, L, "engine") != 0)
      return -1;
  } else if (p_accept_word(L, "engine")) {
    st->kind = stop ? SCN_S_STOP_ENGINE : SCN_S_START_ENGINE;
  } else if (p_accept_word(L, "webhooks")) {
    st->kind = stop ? SCN_S_STOP_WEBHOOKS : SCN_S_START_WEBHOOKS;
  } else {
    const struct scn_lex_tok *t = p_peek(L);
    char b[160];
    struct scn_hint h;
    if (t == NULL || t->kind != SCN_TOK_WORD)
      return p_expected(p, L, t, "'engine' or 'webhooks'");
    scn_hint_init(&h, t->text);
    scn_hint_offer(&h, "engine", 6);
    scn_hint_offer(&h, "webhooks", 8);
    if (scn_hint_best(&h))
      return p_err_tok(p, L, t, "expected 'engine' or 'webhooks', found %s "
                       "(did you mean '%s'?)", p_desc(t, b, sizeof b),
                       scn_hint_best(&h));
    return p_expected(p, L, t, "'engine' or 'webhooks'");
  }
  if (p_need_end(p, L) != 0)
    return -1;
  if (st->kind != SCN_S_STOP_WEBHOOKS && st->kind != SCN_S_START_WEBHOOKS)
    p->sc->restarts = true;
  return 0;
}


/* ---- the keywords -------------------------------------------------------------- */

const struct p_keyword p_stmt_keywords[] = {
    {"user", s_user, false},        {"job", s_job, false},
    {"person", s_person, false},    {"setting", s_setting, false},
    {"connect", s_connect, false},  {"reconnect", s_connect, false},
    {"disconnect", s_disconnect, false}, {"map", s_map, false},
    {"approve", s_approve, false},  {"update", s_update, false},
    {"fault", s_fault, false},      {"clear", s_clear, false},
    {"action", s_action, false},    {"restart", s_engine, false},
    {"stop", s_engine, false},      {"start", s_engine, false},
    {"org", s_setting, false},      {NULL, NULL, false},
};
