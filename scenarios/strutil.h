/* strutil.h — small string helpers the scenario code shares: words joined
 * with blanks, a word quoted for a POSIX shell, a path joined to a folder,
 * a decimal number read with a ceiling. Nothing here knows a scenario. */
#ifndef SCN_STRUTIL_H
#define SCN_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 'words' joined with single blanks into a new string ("" for none).
 * Caller frees; NULL when out of memory. */
char *scn_str_join(char *const *words, size_t n);

/* The bytes a word may hold and still need no quotes in a POSIX shell. */
#define SCN_SHELL_PLAIN                                                      \
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=@+,-"
/* The same and '%', which no shell treats specially in a word. The
 * runner's own reproduction commands (runner.c) leave '%' bare; those a
 * run makes for itself (run.c) have always quoted it. */
#define SCN_SHELL_PLAIN_PCT SCN_SHELL_PLAIN "%"

/* 's' as one word for a POSIX shell, into out[0..len): as it is when it
 * is not empty and every byte of it is in 'plain', else in single quotes,
 * each ' written as '\''. Output that does not fit is cut (inside the
 * quotes, which are always closed); len < 3 gives "" for a word that needs
 * quotes. 4 * strlen(s) + 3 bytes always suffice. Returns 'out'. */
char *scn_str_shell_quote(const char *s, const char *plain, char *out,
                          size_t len);

/* The same into a new string, never cut. Caller frees; NULL when out of
 * memory. */
char *scn_str_shell_quote_dup(const char *s, const char *plain);

/* 'rel' relative to the folder 'dir': 'rel' itself when it is absolute or
 * 'dir' is "", else dir/rel (no second '/' when 'dir' ends with one).
 * Caller frees; NULL when out of memory. */
char *scn_str_path_join(const char *dir, const char *rel);

/* A decimal number (digits only, at least one) of at most 'max' into *out.
 * False, *out untouched, for anything else. */
bool scn_str_to_u64(const char *s, uint64_t max, uint64_t *out);

#endif
