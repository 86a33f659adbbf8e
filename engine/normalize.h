/* normalize.h — what the push does to a candidate's data before an ATS
 * sees it: phone numbers in E.164, emails trimmed (and a key to match them
 * by), text with its whitespace collapsed, a name key for duplicate
 * matching, dates as YYYY-MM-DD.
 *
 * Pure functions: no engine state, no locale, no allocation. Every output
 * is NUL-terminated when len > 0. The functions that can refuse return 0,
 * or -1 with a sentence in 'why' that says what is wrong and what to do
 * (it names the offending part, never guesses a fix). */
#ifndef ATSYNC_NORMALIZE_H
#define ATSYNC_NORMALIZE_H

#include <stddef.h>

/* A phone number in E.164 ("+14155550100"). 'country' is the default
 * country for a national number (ISO 3166 alpha-2, any case; NULL or ""
 * = none). Accepted:
 *   - "+" and 8 to 15 digits (country code first), with spaces, dashes,
 *     dots, slashes and parentheses in between, and "(0)" after the
 *     country code ("+44 (0)20 7946 0958") dropped;
 *   - the international prefix "00" (and the country's own: 011 in
 *     US/CA, 0011 in AU, 010 in JP) in place of the "+";
 *   - a national number of a country in the table (the default country),
 *     its trunk prefix dropped (0 in GB, DE, FR ...; 1 in US/CA; Italy
 *     keeps its 0);
 *   - an extension after "ext", "ext.", "x" or "#", kept as " ext. N".
 * Refused: no country for a national number, letters (1-800-FLOWERS),
 * too few or too many digits, a country without dialing rules here. */
int norm_phone_e164(const char *in, const char *country, char *out,
                    size_t len, char *why, size_t whylen);

/* The key two emails match by: trimmed, ASCII lowercased. */
void norm_email_key(const char *in, char *out, size_t len);

/* An email as the ATS gets it: trimmed, otherwise as written. Refuses
 * what is clearly not an address: no '@' or more than one, nothing before
 * or after it, spaces or control characters inside, a domain without a
 * dot (or with an empty label: "a@b..com", "a@.com"). */
int norm_email(const char *in, char *out, size_t len, char *why,
               size_t whylen);

/* Text trimmed, every run of whitespace (ASCII, and the UTF-8 no-break
 * space) one space. UTF-8 safe: a multibyte character is never split,
 * also when the output is cut at 'len'. */
void norm_text(const char *in, char *out, size_t len);

/* "first last" for duplicate matching: norm_text'ed, ASCII (and Latin-1
 * letters in UTF-8) lowercased. Either part may be NULL or "". */
void norm_name_key(const char *first, const char *last, char *out,
                   size_t len);

/* A date as YYYY-MM-DD. Accepted: YYYY-MM-DD, YYYY/MM/DD, an ISO-8601
 * timestamp's date ("2026-11-28T10:00:00Z"), "28 Nov 2026",
 * "Nov 28, 2026", "November 28 2026" (month names in English, full or
 * abbreviated), and D/M/YYYY or M/D/YYYY ('/', '.' or '-') only when the
 * reading is unambiguous (a part above 12, or both parts equal). Refused:
 * an ambiguous day and month, a two-digit year, a date that does not
 * exist (2026-02-30). 'out' needs 11 bytes. */
int norm_date_iso(const char *in, char *out, size_t len, char *why,
                  size_t whylen);

#endif
