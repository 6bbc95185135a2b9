/*
 * lw_signals.h - save and restore the host's fatal-signal handlers.
 *
 * A language runtime loaded into sshd/login/su may install its own crash
 * handlers (and an alternate stack); the host process must keep its own.
 */
#ifndef LW_SIGNALS_H
#define LW_SIGNALS_H

#include <signal.h>

/* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGQUIT. */
#define LW_SAVED_SIGNAL_COUNT 7

typedef struct lw_signal_state {
    struct sigaction actions[LW_SAVED_SIGNAL_COUNT];
    int action_saved[LW_SAVED_SIGNAL_COUNT];
    stack_t altstack;
    int altstack_saved;
} lw_signal_state;

/* Records the current dispositions and the calling thread's alternate stack. */
void lw_signals_save(lw_signal_state *state);

/*
 * Puts back what lw_signals_save recorded. Returns the number of items
 * (dispositions or the alternate stack) that had been changed meanwhile,
 * so the caller can log that something tampered with them.
 */
int lw_signals_restore(const lw_signal_state *state);

#endif /* LW_SIGNALS_H */
