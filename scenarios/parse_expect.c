/* parse_expect.c — expect [within DUR | never] COND [for DUR | until T]
 * and its conditions (scn.h has the grammar), the operators, and their
 * names for messages. */
#include "parse_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "at_clock.h"
#include "atsync.h"
#include "sim.h"
#include "strutil.h"

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

static const struct named indicators[] = {
    {"none", 0}, {"minor", 1}, {"major", 2}, {"maintenance", 3}, {NULL, 0}};

/* ---- operators and counts --------------------------------------------------- */

static int need_count(struct parser *p, struct line *L, long *n)
{
  uint64_t v;
  const struct scn_lex_tok *t = p_need_word(p, L, "a number");
  if (t == NULL)
    return -1;
  if (!scn_str_to_u64(t->text, LONG_MAX, &v))
    return p_err_tok(p, L, t, "'%s' is not a number (a whole number >= 0)",
                     t->text);
  *n = (long)v;
  return 0;
}

static int need_op(struct parser *p, struct line *L, enum scn_op *op)
{
  const struct scn_lex_tok *t = p_peek(L);
  if (t == NULL || t->kind != SCN_TOK_WORD)
    return p_expected(p, L, t, "an operator (== != < <= > >=)");
  for (const struct named *n = ops; n->name; n++) {
    if (strcmp(n->name, t->text) == 0) {
      *op = (enum scn_op)n->value;
      L->pos++;
      return 0;
    }
  }
  return p_err_tok(p, L, t, "bad operator '%s' (use one of == != < <= > >=)",
                   t->text);
}

static int need_op_count(struct parser *p, struct line *L,
                         struct scn_cond *c)
{
  if (need_op(p, L, &c->op) != 0)
    return -1;
  return need_count(p, L, &c->n);
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
  if (p_need_keyword(p, L, "contains") != 0 ||
      (t = p_need_text(p, L, "the text to look for: contains \"T\"")) == NULL)
    return -1;
  c->text = p_xstrdup(t->text);
  return 0;
}

static int set_who(struct parser *p, struct line *L, struct scn_cond *c)
{
  const struct scn_lex_tok *t =
      p_need_who(p, L, "a candidate (a ref approved above, or an email)");
  if (t == NULL)
    return -1;
  c->who = p_xstrdup(t->text);
  return 0;
}

static int c_connection(struct parser *p, struct line *L, struct scn_cond *c)
{
  if (p_accept_word(L, "is")) {
    c->kind = SCN_C_CONNECTION_IS;
    return p_need_named(p, L, conn_states, "connection state", &c->state);
  }
  if (p_accept_word(L, "reason")) {
    c->kind = SCN_C_CONNECTION_REASON;
    return need_contains(p, L, c);
  }
  if (p_accept_word(L, "webhooks")) {
    c->kind = SCN_C_WEBHOOKS_REJECTED;
    if (p_need_keyword(p, L, "rejected") != 0)
      return -1;
    return need_op_count(p, L, c);
  }
  return p_expected(p, L, p_peek(L), "'is STATE', 'reason contains \"T\"' or "
                    "'webhooks rejected OP N'");
}

/* candidate WHO is STATE | candidate WHO status is WORD */
static int c_candidate(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_CANDIDATE_IS;
  if (set_who(p, L, c) != 0)
    return -1;
  if (p_accept_word(L, "status")) {
    const struct scn_lex_tok *t;
    c->kind = SCN_C_CANDIDATE_STATUS;
    if (p_need_keyword(p, L, "is") != 0 ||
        (t = p_need_text(p, L, "a status: candidate REF status is WORD (our "
                               "stage, rejected or hired)")) == NULL)
      return -1;
    c->text = p_xstrdup(t->text);
    return 0;
  }
  if (!p_accept_word(L, "is"))
    return p_expected(p, L, p_peek(L), "'is STATE' or 'status is WORD'");
  return p_need_named(p, L, cand_states, "candidate state", &c->state);
}

static int c_candidates(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_CANDIDATES;
  const struct scn_lex_tok *t = p_peek(L);
  if (t != NULL && t->kind == SCN_TOK_WORD && !is_op(t) &&
      p_need_named(p, L, cand_states, "candidate state", &c->state) != 0)
    return -1;
  return need_op_count(p, L, c);
}

static int c_error(struct parser *p, struct line *L, struct scn_cond *c)
{
  if (set_who(p, L, c) != 0)
    return -1;
  if (p_is_word(p_peek(L), "contains")) {
    c->kind = SCN_C_ERROR_CONTAINS;
    return need_contains(p, L, c);
  }
  if (p_accept_word(L, "is")) {
    c->kind = SCN_C_ERROR_EMPTY;
    return p_need_keyword(p, L, "empty");
  }
  return p_expected(p, L, p_peek(L), "'contains \"T\"' or 'is empty'");
}

/* [in JOB_ID] [at "Stage"] after ats has/lacks WHO. */
static int ats_where(struct parser *p, struct line *L, struct scn_cond *c,
                     bool stage)
{
  for (const struct scn_lex_tok *t = p_peek(L); t != NULL; t = p_peek(L)) {
    bool in = p_is_word(t, "in"), at = stage && p_is_word(t, "at");
    char **dst = in ? &c->job : &c->stage;
    if (!in && !at)
      return 0;
    if (*dst != NULL)
      return p_err_tok(p, L, t, "'%s' given twice", t->text);
    L->pos++;
    if ((t = p_need_text(p, L, in ? "an ATS job id: in JOB_ID"
                                  : "a stage name: at \"Stage\"")) == NULL)
      return -1;
    *dst = p_xstrdup(t->text);
  }
  return 0;
}

static const struct named ats_conds[] = {
    {"has", SCN_C_ATS_HAS}, {"lacks", SCN_C_ATS_LACKS},
    {"people", SCN_C_ATS_PEOPLE}, {NULL, 0}};

static int c_ats(struct parser *p, struct line *L, struct scn_cond *c)
{
  int k;
  if (p_need_named(p, L, ats_conds, "ats condition", &k) != 0)
    return -1;
  c->kind = (enum scn_cond_kind)k;
  if (c->kind == SCN_C_ATS_PEOPLE) {
    if (p_accept_word(L, "with") && set_who(p, L, c) != 0)
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
  if (p_need_duration(p, L, "a time: between T1 and T2 (e.g. 1m)", &c->t1) !=
          0 ||
      p_need_keyword(p, L, "and") != 0)
    return -1;
  const struct scn_lex_tok *t2 = p_peek(L);
  if (p_need_duration(p, L, "a time: between T1 and T2", &c->t2) != 0)
    return -1;
  if (c->t2 < c->t1)
    return p_err_tok(p, L, t2, "'between' ends before it starts (%s < %s)",
                     t2->text, L->lx.tok[L->pos - 3].text);
  c->has_between = true;
  return 0;
}

/* webhooks ["ACTION"] [status CODE] [between T1 and T2] OP N: delivery
 * attempts of the fake ATS; CODE 0 = no answer. */
static int c_webhooks(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_WEBHOOKS;
  c->status = -1;
  const struct scn_lex_tok *t = p_peek(L);
  if (t != NULL && t->kind == SCN_TOK_STRING) {
    if (t->text[0] == '\0')
      return p_err_tok(p, L, t, "the event name is empty (leave it out for "
                       "every delivery)");
    c->text = p_xstrdup(t->text);
    L->pos++;
  }
  if (p_accept_word(L, "status")) {
    uint64_t code;
    if ((t = p_need_word(p, L, "an HTTP status: status CODE (0 = no "
                               "answer)")) == NULL)
      return -1;
    if (!scn_str_to_u64(t->text, 599, &code) || (code < 100 && code != 0))
      return p_err_tok(p, L, t, "'%s' is not an HTTP status (100..599, or 0 "
                       "for no answer)", t->text);
    c->status = (int)code;
  }
  if (p_accept_word(L, "between") && requests_between(p, L, c) != 0)
    return -1;
  t = p_peek(L);
  if (t != NULL && !is_op(t))
    return p_expected(p, L, t, "\"ACTION\" (quoted), status CODE, between T1 "
                      "and T2, or an operator");
  return need_op_count(p, L, c);
}

/* 'requests KIND': is the word one of sim_request_kinds? */
static bool request_kind(const char *w)
{
  for (const char *const *k = sim_request_kinds; *k; k++)
    if (strcmp(*k, w) == 0)
      return true;
  return false;
}

static int c_requests(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_REQUESTS;
  const struct scn_lex_tok *t = p_peek(L);
  if (t != NULL && t->kind == SCN_TOK_STRING) {
    if (t->text[0] == '\0')
      return p_err_tok(p, L, t, "the route is empty (leave it out for every "
                       "request)");
    c->text = p_xstrdup(t->text);
    L->pos++;
  } else if (t != NULL && t->kind == SCN_TOK_WORD && !is_op(t) &&
             strcmp(t->text, "status") != 0 &&
             strcmp(t->text, "between") != 0) {
    if (!request_kind(t->text)) {
      struct scn_hint h;
      scn_hint_init(&h, t->text);
      for (const char *const *k = sim_request_kinds; *k; k++)
        scn_hint_offer(&h, *k, strlen(*k));
      if (scn_hint_best(&h))
        return p_err_tok(p, L, t, "'%s' is not a kind of request (did you "
                         "mean '%s'?)", t->text, scn_hint_best(&h));
      return p_err_tok(p, L, t, "'%s' is not a kind of request (token, job, "
                       "find, create, apply, move, update; or a \"ROUTE\" "
                       "in quotes)", t->text);
    }
    c->of = p_xstrdup(t->text);
    L->pos++;
  }
  if (p_accept_word(L, "status")) {
    uint64_t code;
    if ((t = p_need_word(p, L, "an HTTP status: status CODE")) == NULL)
      return -1;
    if (!scn_str_to_u64(t->text, 599, &code) || code < 100)
      return p_err_tok(p, L, t, "'%s' is not an HTTP status (100..599)",
                       t->text);
    c->status = (int)code;
  }
  if (p_accept_word(L, "between") && requests_between(p, L, c) != 0)
    return -1;
  t = p_peek(L);
  if (t != NULL && !is_op(t))
    return p_expected(p, L, t, c->of || c->text
                                   ? "status CODE, between T1 and T2, or an "
                                     "operator (one KIND or one \"ROUTE\")"
                                   : "\"ROUTE\" (quoted), status CODE, "
                                     "between T1 and T2, or an operator");
  return need_op_count(p, L, c);
}

static int c_retry_after(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_RETRY_AFTER;
  return p_need_keyword(p, L, "honoured");
}

static int c_log(struct parser *p, struct line *L, struct scn_cond *c)
{
  c->kind = SCN_C_LOG_CONTAINS;
  if (!p_is_word(p_peek(L), "contains") && set_who(p, L, c) != 0)
    return -1;
  return need_contains(p, L, c);
}

static int c_status(struct parser *p, struct line *L, struct scn_cond *c)
{
  int v;
  c->kind = SCN_C_STATUS_PAGE;
  if (p_need_keyword(p, L, "page") != 0 || p_need_keyword(p, L, "is") != 0 ||
      p_need_named(p, L, indicators, "status page indicator", &v) != 0)
    return -1;
  c->text = p_xstrdup(indicators[v].name);
  return 0;
}

static const struct {
  const char *name;
  int (*fn)(struct parser *, struct line *, struct scn_cond *);
} conds[] = {
    {"connection", c_connection}, {"candidate", c_candidate},
    {"candidates", c_candidates}, {"error", c_error},
    {"ats", c_ats},               {"requests", c_requests},
    {"webhooks", c_webhooks},     {"retry-after", c_retry_after},
    {"log", c_log},               {"status", c_status},
};

static int parse_cond(struct parser *p, struct line *L, struct scn_cond *c)
{
  struct scn_hint h;
  const struct scn_lex_tok *t =
      p_need_word(p, L, "a condition (connection, candidate, candidates, "
                      "error, ats, requests, webhooks, retry-after, log or "
                      "status)");
  if (t == NULL)
    return -1;
  scn_hint_init(&h, t->text);
  for (size_t i = 0; i < sizeof conds / sizeof *conds; i++) {
    if (strcmp(conds[i].name, t->text) == 0)
      return conds[i].fn(p, L, c);
    scn_hint_offer(&h, conds[i].name, strlen(conds[i].name));
  }
  if (scn_hint_best(&h))
    return p_err_tok(p, L, t, "unknown condition '%s' (did you mean '%s'?)",
                     t->text, scn_hint_best(&h));
  return p_err_tok(p, L, t, "unknown condition '%s' (one of connection, "
                   "candidate, candidates, error, ats, requests, webhooks, "
                   "retry-after, log, status)", t->text);
}

/* [for DUR | until T] after the condition: 'expect never' needs one. */
static int expect_window(struct parser *p, struct line *L,
                         struct scn_expect *e)
{
  const struct scn_lex_tok *t = p_peek(L);
  bool f = p_is_word(t, "for"), u = p_is_word(t, "until");
  if ((f || u) && e->mode != SCN_E_NEVER)
    return p_err_tok(p, L, t, "'%s' only follows 'expect never' (expect never "
                     "COND %s ...)", t->text, t->text);
  if (!f && !u && e->mode == SCN_E_NEVER)
    return t ? p_expected(p, L, t, "'for DUR' or 'until T'")
             : p_err_tok(p, L, NULL, "'expect never' needs 'for DUR' or "
                         "'until T' (how long it must not hold)");
  if (!f && !u)
    return p_need_end(p, L);
  L->pos++;
  const struct scn_lex_tok *d = p_peek(L);
  int64_t ms;
  char b[32];
  if (p_need_duration(p, L, f ? "a duration: for DUR" : "a time: until T (from "
                      "the start, e.g. 10m)", &ms) != 0 ||
      p_need_end(p, L) != 0)
    return -1;
  if (f && ms == 0)
    return p_err_tok(p, L, d, "'for' needs a duration longer than 0");
  if (u && ms < p->now)
    return p_err_tok(p, L, d, "'until %s' is already past: this line runs at "
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
  if (p_accept_word(L, "within")) {
    e->mode = SCN_E_WITHIN;
    if (p_need_duration(p, L, "a duration: expect within DUR COND",
                        &e->within_ms) != 0)
      return -1;
  } else if (p_accept_word(L, "never")) {
    e->mode = SCN_E_NEVER;
  }
  if (parse_cond(p, L, &e->cond) != 0)
    return -1;
  return expect_window(p, L, e);
}

const struct p_keyword p_expect_keywords[] = {
    {"expect", s_expect, false},
    {NULL, NULL, false},
};

/* ---- operators for messages and runs ------------------------------------------ */

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
