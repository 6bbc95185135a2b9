/*
 * lw_text.h - escaping of text before it reaches syslog, and its priorities.
 */
#ifndef LW_TEXT_H
#define LW_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Largest log line the module writes (bytes, including the NUL). */
#define LW_LOG_LINE_MAX 2048u

/*
 * Copies in to out (capacity cap, cap >= 4), always NUL-terminated.
 * Control characters (and, unless keep_utf8, every byte >= 0x80) become
 * \xNN, so a line can never be split or forged. A line that does not fit
 * is cut and ends in "...". in == NULL gives "(null)".
 */
void lw_escape_text(char *out, size_t cap, const char *in, int keep_utf8);

/* The syslog priority for an LW_LOG_* level; anything unknown is LOG_ERR. */
int lw_syslog_priority(int32_t level);

#endif /* LW_TEXT_H */
