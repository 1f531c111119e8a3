/* Command lines split as the AWS CLI (botocore) splits them: Python's
 * shlex.split(s), which is posix=True with no comments.  The rules:
 *   - words are separated by runs of ' ', '\t', '\r' and '\n' only (not
 *     '\v', '\f' or any non-ASCII space);
 *   - '...' keeps every byte up to the next ' as it is, '\' included;
 *   - "..." keeps every byte but two escapes: \" gives " and \\ gives \;
 *     any other backslash stays (so "a\$b" is a\$b, unlike sh);
 *   - outside quotes, \ keeps the next byte whatever it is (a blank,
 *     a quote, a newline) and drops itself;
 *   - quotes join what touches them into one word (a"b"'c' is abc), and
 *     an empty pair is an empty word ("" or '');
 *   - an unclosed quote, or a \ at the very end (inside "..." too), is
 *     an error, where shlex.split raises ValueError.
 * Bytes are bytes: UTF-8 splits as Python splits the decoded text, since
 * only ASCII bytes are special.  tests/unit/data/shlex-cases.txt holds
 * what Python answered, and tests/unit/test_shlex holds this to it. */
#ifndef R53_SHLEX_H
#define R53_SHLEX_H

#include <stddef.h>

/* Split s[0..len) (no NUL byte in it) into words, written NUL-terminated
 * one after the other into out, for which len + 1 bytes always suffice.
 * words[0..max_words) point at the first ones (words may be NULL when
 * max_words is 0).  Returns the number of words, which may exceed
 * max_words (the rest are in out, unpointed), or -1 for an unclosed
 * quote or a trailing backslash. */
int shlex_split(const char *s, size_t len, char *out, const char **words, size_t max_words);

#endif
