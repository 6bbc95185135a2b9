/*
 * lw_signals.c - save and restore the host's fatal-signal handlers.
 */
#include "lw_signals.h"

#include <string.h>

static const int lw_saved_signals[LW_SAVED_SIGNAL_COUNT] = {
    SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGQUIT
};

/* Both actions come from sigaction() into zeroed structures, so their masks compare as
   bytes (the kernel fills only the words it has; the rest stays zero in both). */
static int same_action(const struct sigaction *a, const struct sigaction *b)
{
    /* sa_handler and sa_sigaction share storage; compare the wider one. */
    return a->sa_sigaction == b->sa_sigaction && a->sa_flags == b->sa_flags &&
           memcmp(&a->sa_mask, &b->sa_mask, sizeof(a->sa_mask)) == 0;
}

static int same_stack(const stack_t *a, const stack_t *b)
{
    if ((a->ss_flags & SS_DISABLE) && (b->ss_flags & SS_DISABLE))
        return 1;
    return a->ss_sp == b->ss_sp && a->ss_size == b->ss_size &&
           a->ss_flags == b->ss_flags;
}

void lw_signals_save(lw_signal_state *state)
{
    memset(state, 0, sizeof(*state));
    for (int i = 0; i < LW_SAVED_SIGNAL_COUNT; i++)
        state->action_saved[i] = sigaction(lw_saved_signals[i], NULL, &state->actions[i]) == 0;
    state->altstack_saved = sigaltstack(NULL, &state->altstack) == 0;
}

int lw_signals_restore(const lw_signal_state *state)
{
    int changed = 0;

    for (int i = 0; i < LW_SAVED_SIGNAL_COUNT; i++) {
        struct sigaction now;

        memset(&now, 0, sizeof(now));
        if (!state->action_saved[i])
            continue;
        if (sigaction(lw_saved_signals[i], NULL, &now) == 0 &&
            same_action(&now, &state->actions[i]))
            continue;
        changed++;
        (void)sigaction(lw_saved_signals[i], &state->actions[i], NULL);
    }

    /* Saved while running on the alternate stack: it cannot be replaced now. */
    if (state->altstack_saved && !(state->altstack.ss_flags & SS_ONSTACK)) {
        stack_t now;

        if (sigaltstack(NULL, &now) != 0 || !same_stack(&now, &state->altstack)) {
            stack_t want = state->altstack;

            changed++;
            if (want.ss_flags & SS_DISABLE) {
                want.ss_sp = NULL;
                want.ss_size = 0;
                want.ss_flags = SS_DISABLE;
            }
            /* Fails (harmlessly) only if we are on the core's stack now. */
            (void)sigaltstack(&want, NULL);
        }
    }
    return changed;
}
