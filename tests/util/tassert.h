/* tassert.h — assertions the HTTP-level tests share, with the file, the
 * line and what was seen in the message. Include after <cmocka.h>. */
#ifndef TASSERT_H
#define TASSERT_H

#include <string.h>

/* A tc_resp (tclient.h) has the wanted status. */
#define assert_status(r, want)                                                 \
  do {                                                                         \
    if ((r).status != (want))                                                  \
      fail_msg("%s:%d: status %ld (curl rc %d), want %d; body: %.300s",       \
               __FILE__, __LINE__, (r).status, (r).curl_rc, (int)(want),       \
               (r).body ? (r).body : "");                                      \
  } while (0)

/* 'hay' holds 'needle'. */
#define assert_contains(hay, needle)                                           \
  do {                                                                         \
    const char *h_ = (hay);                                                    \
    if (h_ == NULL || strstr(h_, (needle)) == NULL)                            \
      fail_msg("%s:%d: '%s' not found in: %.400s", __FILE__, __LINE__,        \
               (needle), h_ ? h_ : "(null)");                                  \
  } while (0)

#endif
