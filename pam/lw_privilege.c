/*
 * lw_privilege.c - see lw_privilege.h.
 */
#include "lw_privilege.h"

#include <string.h>
#include <unistd.h>

static const int lw_terminal_signals[] = { SIGTSTP, SIGTTIN, SIGTTOU, SIGINT, SIGQUIT };

int lw_privilege_enter(lw_privilege *state)
{
    sigset_t block;

    memset(state, 0, sizeof(*state));
    if (getresuid(&state->ruid, &state->euid, &state->suid) != 0)
        return -1;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof(lw_terminal_signals) / sizeof(lw_terminal_signals[0]); i++)
        sigaddset(&block, lw_terminal_signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &block, &state->caller_mask) != 0)
        return -1;
    state->mask_saved = 1;
    if (state->euid == 0 && (state->ruid != 0 || state->suid != 0)) {
        if (setresuid(0, 0, 0) != 0) {
            (void)lw_privilege_leave(state);
            return -1;
        }
        state->uids_switched = 1;
    }
    return 0;
}

int lw_privilege_leave(lw_privilege *state)
{
    int status = 0;

    if (state->uids_switched) {
        if (setresuid(state->ruid, state->euid, state->suid) != 0)
            status = -1;
        state->uids_switched = 0;
    }
    if (state->mask_saved) {
        (void)pthread_sigmask(SIG_SETMASK, &state->caller_mask, NULL);
        state->mask_saved = 0;
    }
    return status;
}

int lw_privilege_caller_is_root(const lw_privilege *state)
{
    return state->ruid == 0;
}

void lw_privilege_pause(const lw_privilege *state, sigset_t *blocked)
{
    sigemptyset(blocked);
    if (state != NULL && state->mask_saved)
        (void)pthread_sigmask(SIG_SETMASK, &state->caller_mask, blocked);
}

void lw_privilege_resume(const lw_privilege *state, const sigset_t *blocked)
{
    if (state != NULL && state->mask_saved)
        (void)pthread_sigmask(SIG_SETMASK, blocked, NULL);
}
