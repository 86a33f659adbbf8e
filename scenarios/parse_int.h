/* parse_int.h — what the parser's files share: the parser's state, the
 * line being parsed, and the token readers, error reporting and memory
 * helpers of parse_tok.c. Private to parse*.c.
 *
 *   parse.c         files, includes, header lines, lines and keywords, the
 *                   entry points of scn.h
 *   parse_tok.c     reading tokens, reporting errors, memory
 *   parse_stmt.c    setup and timeline statements (user ... start engine)
 *   parse_expect.c  expect and its conditions
 *
 * A p_* function that finds an error adds "file:line:col: message" to the
 * parser's error text and returns -1 (or NULL); the caller then gives up
 * on the line. */
#ifndef SCN_PARSE_INT_H
#define SCN_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lex.h"
#include "scn.h"

#define PRINTF(a, b) __attribute__((format(printf, a, b)))

#define MAX_DEPTH 8 /* include nesting */

/* A name in a keyword's table of choices, and its value. Tables end with
 * {NULL, 0}. */
struct named {
  const char *name;
  int value;
};

/* Header lines allowed once. */
enum once { O_SCENARIO, O_ATS, O_AUTH, O_PENDING, O_SEED, O_RATE, O_LATENCY,
            O_START, O_WEBHOOKS, O_POLL, O__COUNT };

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

/* A line's first word and the function that parses the rest of it into
 * 'st' (NULL for a header line). Tables end with {NULL, NULL, false}. */
struct p_keyword {
  const char *name;
  int (*fn)(struct parser *, struct line *, struct scn_stmt *);
  bool header;          /* no time prefix; not a statement */
};

/* ---- parse.c ---------------------------------------------------------------- */

extern const struct named p_auths[]; /* auth and connect ... with AUTH */

/* ---- parse_stmt.c and parse_expect.c: their keywords ------------------------- */

extern const struct p_keyword p_stmt_keywords[];
extern const struct p_keyword p_expect_keywords[];

/* A WHO: the next word, an email (not checked) or a ref approved above;
 * NULL after an error naming 'what'. */
const struct scn_lex_tok *p_need_who(struct parser *p, struct line *L,
                                     const char *what);

/* ---- parse_tok.c: memory (out of memory aborts) ------------------------------ */

void *p_xrealloc(void *p, size_t n);
char *p_xstrdup(const char *s);
char *p_xstrndup(const char *s, size_t n);
/* Make room for element n of a vector that holds n elements: capacities
 * are powers of two, so it grows when n is 0 or a power of two. */
void *p_grow(void *v, size_t n, size_t size);
/* Vectors of owned strings: append a copy of 's', free, look up. */
void p_strv_push(char ***v, size_t *n, const char *s);
void p_strv_free(char **v, size_t n);
bool p_strv_has(char *const *v, size_t n, const char *s);

/* ---- parse_tok.c: errors ----------------------------------------------------- */

/* An error at file:line:col; after 20 the parse stops. Return -1. */
int p_err_file(struct parser *p, const char *file, int line, int col,
               const char *fmt, ...) PRINTF(5, 6);
/* An error on line L at column 'col'. */
int p_err_at(struct parser *p, const struct line *L, int col,
             const char *fmt, ...) PRINTF(4, 5);
/* An error at token 't', or at the end of the line when 't' is NULL. */
int p_err_tok(struct parser *p, const struct line *L,
              const struct scn_lex_tok *t, const char *fmt, ...) PRINTF(4, 5);
/* How a token reads in a message: 'word', "string", 'key=value' or "the
 * end of the line" for NULL. Returns 'buf'. */
const char *p_desc(const struct scn_lex_tok *t, char *buf, size_t len);
/* "missing WHAT" at the end of the line when 't' is NULL, else "expected
 * WHAT, found ..." at 't'. */
int p_expected(struct parser *p, const struct line *L,
               const struct scn_lex_tok *t, const char *what);

/* ---- parse_tok.c: tokens ----------------------------------------------------- */

/* The token under the cursor, or NULL at the end of the line. */
const struct scn_lex_tok *p_peek(const struct line *L);
/* Is 't' (which may be NULL) the bare word 'w'? */
bool p_is_word(const struct scn_lex_tok *t, const char *w);
/* Step over the bare word 'w' when it is next; false (and stay) if not. */
bool p_accept_word(struct line *L, const char *w);
/* The next token if it is a bare word, else an error naming 'what'. */
const struct scn_lex_tok *p_need_word(struct parser *p, struct line *L,
                                      const char *what);
/* The next token if it is a word or a quoted string. */
const struct scn_lex_tok *p_need_text(struct parser *p, struct line *L,
                                      const char *what);
/* The bare word 'w', else "expected 'w'". */
int p_need_keyword(struct parser *p, struct line *L, const char *w);
/* Nothing more on the line, else "unexpected ...". */
int p_need_end(struct parser *p, const struct line *L);
/* A name from a table into *out; -1 with "unknown WHAT 'x' (did you mean
 * ...)" or "(one of ...)". */
int p_need_named(struct parser *p, struct line *L, const struct named *tab,
                 const char *what, int *out);
/* A duration with its units (scn_lex_duration) into *ms. */
int p_need_duration(struct parser *p, struct line *L, const char *what,
                    int64_t *ms);
/* Where token 't' is (the end of the line for NULL). */
struct scn_loc p_loc_of(const struct line *L, const struct scn_lex_tok *t);

#endif
