/*
 * lw_helper_call.h - runs a call through lockwarden-helper, for callers that are not root.
 *
 * A screen locker runs the PAM stack as the logged-in user, who cannot open the root-only
 * database. The module then sends the call to the set-uid helper (lw_helper_wire.h), which
 * acts only on its caller's own account, and passes its messages and verdict on.
 */
#ifndef LW_HELPER_CALL_H
#define LW_HELPER_CALL_H

#include <security/pam_modules.h>

#include "lw_helper_wire.h"

#define LW_HELPER_MESSAGE_MAX 1024u

typedef struct lw_helper_answer {
    int32_t verdict;
    size_t message_count;
    int32_t styles[LW_HELPER_MAX_MESSAGES]; /* LW_CONV_ERROR_MSG or LW_CONV_TEXT_INFO */
    char messages[LW_HELPER_MAX_MESSAGES][LW_HELPER_MESSAGE_MAX];
} lw_helper_answer;

/*
 * Runs LW_HELPER_PATH with the request and reads its answer. Returns 0 with *answer filled,
 * or -1 after logging why (the caller then denies). SIGCHLD has its default disposition for
 * the duration, so that a host that reaps its children cannot take the helper's status.
 */
int lw_helper_call(pam_handle_t *pamh, const lw_helper_request *request, lw_helper_answer *answer);

#endif /* LW_HELPER_CALL_H */
