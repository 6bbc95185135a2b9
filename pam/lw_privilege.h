/*
 * lw_privilege.h - nobody the caller can signal holds the state's write lock.
 *
 * A set-uid host (su, sudo, passwd, a set-uid helper) runs pam_authenticate with the caller's
 * real UID, so the caller may send it SIGSTOP while it holds SQLite's write lock and stall
 * every other login. For the core call the module therefore makes the real and saved UID 0 as
 * well (the kernel then refuses the caller's signals) and blocks the job-control and
 * interrupt signals a terminal sends without any permission check (SIGTSTP, SIGTTIN, SIGTTOU,
 * SIGINT, SIGQUIT). Both are restored after the call, and signals that arrived meanwhile are
 * delivered then. During a conversation step (a prompt) the caller's signal mask is back in
 * force, so Ctrl-C and Ctrl-Z at a prompt behave as always: the core never holds the write
 * lock while it waits for the user.
 */
#ifndef LW_PRIVILEGE_H
#define LW_PRIVILEGE_H

#include <signal.h>
#include <sys/types.h>

typedef struct lw_privilege {
    uid_t ruid, euid, suid;
    int uids_switched;
    sigset_t caller_mask;
    int mask_saved;
} lw_privilege;

/*
 * Blocks the terminal's signals and, in a set-uid host (real UID not 0, effective UID 0),
 * switches the real and saved UID to 0. Returns 0, or -1 if the process could not be made
 * safe (the call must then be denied; everything was put back).
 */
int lw_privilege_enter(lw_privilege *state);

/* Restores the UIDs, then the signal mask. Returns 0, or -1 if the UIDs could not be restored. */
int lw_privilege_leave(lw_privilege *state);

/* Whether the caller's real UID was 0 before lw_privilege_enter. */
int lw_privilege_caller_is_root(const lw_privilege *state);

/* Around a conversation step: the caller's signal mask, then the blocked one again. */
void lw_privilege_pause(const lw_privilege *state, sigset_t *blocked);
void lw_privilege_resume(const lw_privilege *state, const sigset_t *blocked);

#endif /* LW_PRIVILEGE_H */
