/* lex.h — the scenario language's tokenizer and the small lexical helpers
 * the parser shares: UTF-8 checks, columns, durations, "did you mean"
 * hints (which the command line, cli.c, uses too). Nothing here knows a
 * keyword; parse*.c do. */
#ifndef SCN_LEX_H
#define SCN_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A line longer than this (in bytes, without its line end) is an error. */
#define SCN_LEX_MAX_LINE 4096

/* The longest duration the language takes (about 317 years), so sums of
 * durations never overflow an int64_t. */
#define SCN_LEX_MAX_DURATION INT64_C(10000000000000)

enum scn_lex_kind {
  SCN_TOK_WORD,   /* a bare word: "approve", "==", "cand{1..5}" */
  SCN_TOK_STRING, /* a "quoted string", escapes resolved */
  SCN_TOK_KV      /* key=value, the value bare or quoted */
};

struct scn_lex_tok {
  enum scn_lex_kind kind;
  const char *text;   /* the word, the string's contents, or the key */
  const char *value;  /* SCN_TOK_KV: the value (unquoted); else NULL */
  int col;            /* column of the token's first character, from 1 */
  int vcol;           /* SCN_TOK_KV: column of the value */
};

struct scn_lex_line {
  struct scn_lex_tok *tok;
  size_t n, cap;
  char *buf;          /* the tokens' text (owned) */
  size_t text_start;  /* byte offsets of the first token's start and the */
  size_t text_end;    /* last token's end: the line without its comment */
  int eol_col;        /* the column just after the last token */
};

/* Split one line (without its line end) into tokens. Returns 0, or -1 with
 * a message in 'msg' and the offending column in *col. Either way 'out'
 * must be released with scn_lex_line_free(). */
int scn_lex_line(const char *line, size_t len, struct scn_lex_line *out,
                 int *col, char *msg, size_t msglen);
void scn_lex_line_free(struct scn_lex_line *l);

/* The column (from 1, counting UTF-8 characters) of byte 'off' of 'line'. */
int scn_lex_col(const char *line, size_t off);

/* Check that buf[0..len) is text: UTF-8 without NUL or control characters
 * other than tab, CR and LF. Returns 0, or -1 with the offset of the first
 * bad byte in *bad and a message in 'msg'. */
int scn_lex_check_text(const char *buf, size_t len, size_t *bad, char *msg,
                       size_t msglen);

/* Parse a duration that carries a unit on every number: 250ms 30s 5m 2h 1d
 * 1h30m. Returns 0 and sets *ms; -1 for a bare number; -2 for anything
 * else that is not a duration; -3 for one longer than
 * SCN_LEX_MAX_DURATION. */
int scn_lex_duration(const char *s, int64_t *ms);

/* "Did you mean" search: feed it candidates, then ask for the closest one.
 * On a tie the first candidate offered wins. Two rules:
 *
 *   SCN_HINT_WORDS (scn_hint_init), for the words of a scenario: case is
 *   ignored and a transposition counts 1; a candidate within a distance
 *   of 2 (and less than the word's length) is close, and so is one the
 *   word, of 3 or more characters, is a prefix of. Words and candidates
 *   longer than 63 bytes are never close.
 *
 *   SCN_HINT_OPTIONS, for the names on a command line (options, --ats):
 *   case counts and a transposition counts 2 (Levenshtein distance); a
 *   candidate within 2 of a word of at most 4 bytes, or within 3 of a
 *   longer one, is close, and so is one the word, of 2 or more bytes, is
 *   a prefix of (it counts 1). Past 40 bytes a word or a candidate is far
 *   but for the prefix rule; a candidate longer than 63 bytes is never
 *   offered. */
enum scn_hint_rule { SCN_HINT_WORDS, SCN_HINT_OPTIONS };

struct scn_hint {
  const char *word;
  enum scn_hint_rule rule;
  int best_d;
  char best[64];
};
/* Start a search for 'word' (borrowed until the last call) by the
 * SCN_HINT_WORDS rule, or by 'rule'. */
void scn_hint_init(struct scn_hint *h, const char *word);
void scn_hint_init_rule(struct scn_hint *h, const char *word,
                        enum scn_hint_rule rule);
/* Offer a candidate of 'len' bytes (it need not be NUL-terminated). */
void scn_hint_offer(struct scn_hint *h, const char *cand, size_t len);
/* Offer every word of 'list', words separated by any of 'seps'. */
void scn_hint_offer_words(struct scn_hint *h, const char *list,
                          const char *seps);
/* The suggestion, or NULL when nothing was close. */
const char *scn_hint_best(const struct scn_hint *h);

#endif
