/*
 * lw_text.c - see lw_text.h.
 */
#include "lw_text.h"

#include <string.h>
#include <syslog.h>

#include "lockwarden_core.h"

void lw_escape_text(char *out, size_t cap, const char *in, int keep_utf8)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;

    if (out == NULL || cap < 4)
        return;
    if (in == NULL)
        in = "(null)";

    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        int plain = *p >= 0x20 && *p != 0x7f && (*p < 0x80 || keep_utf8);
        size_t need = plain ? 1 : 4;

        /* Keep room for "..." and the NUL in case we have to cut. */
        if (n + need > cap - 4) {
            /* Cut inside a UTF-8 sequence: drop its first half too. */
            if (keep_utf8 && (*p & 0xc0) == 0x80) {
                while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
                    n--;
                if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
                    n--;
            }
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        if (plain) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 0x0f];
        }
    }
    out[n] = '\0';
}

int lw_syslog_priority(int32_t level)
{
    switch (level) {
    case LW_LOG_WARNING: return LOG_WARNING;
    case LW_LOG_NOTICE:  return LOG_NOTICE;
    case LW_LOG_INFO:    return LOG_INFO;
    case LW_LOG_DEBUG:   return LOG_DEBUG;
    default:             return LOG_ERR; /* LW_LOG_ERR and anything unknown */
    }
}
