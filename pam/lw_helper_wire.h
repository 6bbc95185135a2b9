/*
 * lw_helper_wire.h - what pam_lockwarden.so and lockwarden-helper say to each other.
 *
 * A caller that is not root (a screen locker) cannot open the root-only database, so the
 * module hands the call to the set-uid helper over a socket on the helper's stdin and stdout:
 *
 *   request  "LWH1", u32 stage, u32 flags, then as u32 length + bytes: user, service, rhost,
 *            tty, token (the auth token, sent at authsucc only), then u32 count and that many
 *            module arguments. Integers are little-endian; the limits are the C contract's.
 *   answer   text lines: "E text" (an error message for the user), "I text" (an information
 *            message), and last "V n" (an LW_VERDICT_*). Texts come escaped from the core.
 */
#ifndef LW_HELPER_WIRE_H
#define LW_HELPER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lockwarden_core.h"

/* The installed helper; test builds point this into the build tree. */
#ifndef LW_HELPER_PATH
#define LW_HELPER_PATH "/usr/lib/lockwarden/lockwarden-helper"
#endif

#define LW_HELPER_MAGIC "LWH1"
/* The largest request: every field and argument at the contract's limits. */
#define LW_HELPER_MAX_REQUEST (4u + 8u + 4u * (4u + LW_MAX_FIELD_BYTES) + (4u + LW_MAX_REPLY_BYTES) \
                               + 4u + LW_MAX_ARGS * (4u + LW_MAX_FIELD_BYTES))
/* Messages one answer may carry, and the longest answer. */
#define LW_HELPER_MAX_MESSAGES 8u
#define LW_HELPER_MAX_ANSWER (LW_HELPER_MAX_MESSAGES * 1024u + 16u)

/* A decoded request; every lw_bytes points into the buffer it was decoded from. */
typedef struct lw_helper_request {
    uint32_t stage;
    uint32_t flags;
    lw_bytes user, service, rhost, tty, token;
    lw_bytes arguments[LW_MAX_ARGS];
    size_t argument_count;
} lw_helper_request;

/*
 * Encodes request into out (capacity cap). Returns the length, or 0 if a field is over its
 * limit or it does not fit.
 */
size_t lw_helper_encode(uint8_t *out, size_t cap, const lw_helper_request *request);

/* Decodes exactly length bytes. Returns 0, or -1 with *why set to a static reason. */
int lw_helper_decode(const uint8_t *in, size_t length, lw_helper_request *request, const char **why);

#endif /* LW_HELPER_WIRE_H */
