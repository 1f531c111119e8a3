/* src/shlex.c against Python's shlex.split: every case in
 * tests/unit/data/shlex-cases.txt (what Python answered; see
 * shlex-cases.py there) gives the same words, or the same refusal.  Then
 * what the data cannot show: the words cap and the output's bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shlex.h"
#include "util.h"

#define MAX_TEXT 4096
#define MAX_WORDS 64

struct shlex_case {
    unsigned line; /* of the "in" line, for messages */
    char in[MAX_TEXT];
    size_t in_len;
    char words[MAX_WORDS][MAX_TEXT];
    int n_words; /* -1: shlex.split raised ValueError */
};

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The bytes between the first '<' and the last '>' of line, unescaped
 * (\\ \n \t \r \xHH) into out[MAX_TEXT]; their number. */
static size_t unescape(const char *line, unsigned lineno, char *out)
{
    const char *open = strchr(line, '<');
    const char *close = strrchr(line, '>');
    size_t n = 0;

    if (open == NULL || close == NULL || close < open) {
        fail_msg("shlex-cases.txt:%u: no <TEXT>", lineno);
        return 0;
    }
    for (const char *p = open + 1; p < close; p++) {
        char ch = *p;

        if (ch == '\\') {
            ch = *++p;
            if (ch == 'n' || ch == 't' || ch == 'r') {
                ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : '\r';
            } else if (ch == 'x' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
                ch = (char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
                p += 2;
            } else if (ch != '\\') {
                fail_msg("shlex-cases.txt:%u: bad escape \\%c", lineno, ch);
            }
        }
        assert_true(n + 1 < MAX_TEXT);
        out[n++] = ch;
    }
    out[n] = '\0';
    return n;
}

/* The next case from f into c; false at the end of the file. */
static bool next_case(FILE *f, unsigned *lineno, struct shlex_case *c)
{
    char line[4 * MAX_TEXT];
    bool open = false;

    while (fgets(line, sizeof(line), f) != NULL) {
        (*lineno)++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        if (!open && strncmp(line, "in <", 4) == 0) {
            memset(c, 0, sizeof(*c));
            c->line = *lineno;
            c->in_len = unescape(line, *lineno, c->in);
            open = true;
        } else if (open && strncmp(line, "word <", 6) == 0) {
            assert_true(c->n_words < MAX_WORDS);
            unescape(line, *lineno, c->words[c->n_words++]);
        } else if (open && (strcmp(line, "ok") == 0 || strncmp(line, "error <", 7) == 0)) {
            c->n_words = line[0] == 'e' ? -1 : c->n_words;
            return true;
        } else {
            fail_msg("shlex-cases.txt:%u: unexpected line '%s'", *lineno, line);
        }
    }
    if (open) {
        fail_msg("shlex-cases.txt: the case at line %u has no end", c->line);
    }
    return false;
}

/* test_python_cases' setup: the data file. */
static int open_cases(void **state)
{
    const char *top = getenv("TOP_SRCDIR");
    char path[4096];

    snprintf(path, sizeof(path), "%s/tests/unit/data/shlex-cases.txt", top != NULL ? top : ".");
    if ((*state = fopen(path, "r")) == NULL) {
        print_error("cannot open %s (set TOP_SRCDIR to the source tree)\n", path);
        return -1;
    }
    return 0;
}

static int close_cases(void **state)
{
    fclose(*state);
    return 0;
}

/* shlex_split gives c's words, in exactly len + 1 bytes of room (the
 * byte past them a canary). */
static void check_case(const struct shlex_case *c)
{
    char out[MAX_TEXT + 2];
    const char *words[MAX_WORDS];
    int n = 0;

    memset(out, 0x5a, sizeof(out));
    n = shlex_split(c->in, c->in_len, out, words, MAX_WORDS);
    if (n != c->n_words) {
        fail_msg("shlex-cases.txt:%u: %d words, Python: %d%s", c->line, n, c->n_words,
                 c->n_words < 0 ? " (ValueError)" : "");
    }
    for (int i = 0; i < n; i++) {
        char got[80];
        char want[80];

        if (strcmp(words[i], c->words[i]) != 0) {
            fail_msg("shlex-cases.txt:%u: word %d is '%s', Python: '%s' (odd bytes as '?')",
                     c->line, i, util_printable(words[i], got, sizeof(got)),
                     util_printable(c->words[i], want, sizeof(want)));
        }
    }
    assert_int_equal((unsigned char)out[c->in_len + 1], 0x5a);
}

static void test_python_cases(void **state)
{
    static struct shlex_case c; /* large: not on the stack */
    FILE *f = *state;
    unsigned lineno = 0;
    int cases = 0;
    int refused = 0;
    int empty_words = 0;

    while (next_case(f, &lineno, &c)) {
        check_case(&c);
        cases++;
        refused += c.n_words < 0;
        for (int i = 0; i < c.n_words; i++) {
            empty_words += c.words[i][0] == '\0';
        }
    }
    /* The data must be there to hold the code to something. */
    assert_true(cases >= 50);
    assert_true(refused >= 5);
    assert_true(empty_words >= 5);
}

/* Words past max_words are counted, and written, but not pointed to. */
static void test_words_cap(void **unused)
{
    const char *text = "one 'two' \"three\" four";
    char out[64];
    const char *words[2] = { NULL, NULL };

    (void)unused;
    assert_int_equal(shlex_split(text, strlen(text), out, words, 2), 4);
    assert_string_equal(words[0], "one");
    assert_string_equal(words[1], "two");
    assert_memory_equal(out, "one\0two\0three\0four", 19);
    assert_int_equal(shlex_split(text, strlen(text), out, NULL, 0), 4);
    assert_int_equal(shlex_split("'open", 5, out, NULL, 0), -1);
}

/* Only len bytes are read: the text need not end in NUL there. */
static void test_length_bounds_the_text(void **unused)
{
    char out[16];
    const char *words[4];

    (void)unused;
    assert_int_equal(shlex_split("ab cd\"unclosed", 5, out, words, 4), 2);
    assert_string_equal(words[1], "cd");
    assert_int_equal(shlex_split("ab\\", 2, out, words, 4), 1);
    assert_string_equal(words[0], "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_python_cases, open_cases, close_cases),
        cmocka_unit_test(test_words_cap),
        cmocka_unit_test(test_length_bounds_the_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
