/* Python's shlex.split (see shlex.h), as its read_token walks the text:
 * the same states, less those posix=True with no comments never enters. */
#include "shlex.h"

#include <stdbool.h>

enum lex_state {
    LEX_BLANK,  /* between words */
    LEX_WORD,   /* in a word, outside quotes */
    LEX_SINGLE, /* inside '...' */
    LEX_DOUBLE, /* inside "..." */
};

struct lexer {
    enum lex_state state;
    char *out;
    size_t used;
    int count;
    const char **words;
    size_t max_words;
};

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void put(struct lexer *l, char ch)
{
    l->out[l->used++] = ch;
}

/* s[*i] in a word, outside quotes: a quote opens, a backslash takes the
 * next byte.  False for a backslash with nothing after it. */
static bool word_byte(struct lexer *l, const char *s, size_t len, size_t *i)
{
    char ch = s[*i];

    if (ch == '\'') {
        l->state = LEX_SINGLE;
    } else if (ch == '"') {
        l->state = LEX_DOUBLE;
    } else if (ch != '\\') {
        put(l, ch);
    } else if (*i + 1 == len) {
        return false; /* "No escaped character" */
    } else {
        put(l, s[++*i]);
    }
    return true;
}

/* s[*i] inside "...": only \" and \\ are escapes. */
static bool double_byte(struct lexer *l, const char *s, size_t len, size_t *i)
{
    char ch = s[*i];

    if (ch == '"') {
        l->state = LEX_WORD;
    } else if (ch != '\\') {
        put(l, ch);
    } else if (*i + 1 == len) {
        return false;
    } else {
        ch = s[++*i];
        if (ch != '"' && ch != '\\') {
            put(l, '\\');
        }
        put(l, ch);
    }
    return true;
}

/* One byte (two for an escape); false on an error. */
static bool step(struct lexer *l, const char *s, size_t len, size_t *i)
{
    switch (l->state) {
    case LEX_BLANK:
        if (blank(s[*i])) {
            return true;
        }
        if ((size_t)l->count < l->max_words) {
            l->words[l->count] = l->out + l->used;
        }
        l->count++;
        l->state = LEX_WORD;
        return word_byte(l, s, len, i);
    case LEX_WORD:
        if (blank(s[*i])) {
            put(l, '\0');
            l->state = LEX_BLANK;
            return true;
        }
        return word_byte(l, s, len, i);
    case LEX_SINGLE:
        if (s[*i] == '\'') {
            l->state = LEX_WORD;
        } else {
            put(l, s[*i]);
        }
        return true;
    case LEX_DOUBLE:
        return double_byte(l, s, len, i);
    }
    return false;
}

int shlex_split(const char *s, size_t len, char *out, const char **words, size_t max_words)
{
    struct lexer l = {
        .state = LEX_BLANK,
        .out = out,
        .used = 0,
        .count = 0,
        .words = words,
        .max_words = words != NULL ? max_words : 0,
    };

    for (size_t i = 0; i < len; i++) {
        if (!step(&l, s, len, &i)) {
            return -1;
        }
    }
    if (l.state == LEX_SINGLE || l.state == LEX_DOUBLE) {
        return -1; /* "No closing quotation" */
    }
    if (l.state == LEX_WORD) {
        out[l.used] = '\0';
    }
    return l.count;
}
