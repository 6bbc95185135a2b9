/*
 * lockwarden_core.h - the contract between pam_lockwarden.so (C, owns PAM)
 * and liblockwarden_core.so (Swift, owns decisions and state).
 *
 * This header is the whole ABI. The core exports exactly the functions
 * declared here and nothing else; the PAM module checks LW_ABI_VERSION
 * before calling anything else. Plain C11: no PAM types cross this line.
 *
 * Rules for both sides:
 *  - Byte strings (user, service, rhost, tty, arguments) cross as pointer +
 *    length, never as NUL-terminated strings; they may contain any byte.
 *  - Every call returns a verdict; any internal failure is LW_VERDICT_DENY.
 *  - Text handed to the host callbacks is NUL-terminated, already escaped
 *    (no control characters, valid UTF-8) and never a format string.
 */
#ifndef LOCKWARDEN_CORE_H
#define LOCKWARDEN_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a declaration below changes meaning or layout. */
#define LW_ABI_VERSION 4u

/* Longest field the module hands over; longer values are refused (denied). */
#define LW_MAX_FIELD_BYTES 4096u
/* Most module arguments handed over in one call. */
#define LW_MAX_ARGS 64u
/* Largest reply buffer the core asks the conversation callback to fill. */
#define LW_MAX_REPLY_BYTES 512u

/* A byte string that is not NUL-terminated. data may be NULL when length is 0. */
typedef struct lw_bytes {
    const uint8_t *data;
    size_t length;
} lw_bytes;

/*
 * What both sides rely on, checked wherever this header is compiled (the module, and the
 * core through Swift's C importer): the Swift side reads lw_bytes as a pointer and a length,
 * refuses user names over 256 bytes inside a field, and hands reply lengths back as int32_t.
 */
#ifndef __cplusplus
_Static_assert(sizeof(lw_bytes) == sizeof(const uint8_t *) + sizeof(size_t), "lw_bytes: pointer and length, no padding");
_Static_assert(LW_MAX_FIELD_BYTES >= 256u, "a field holds any possible login name");
_Static_assert(LW_MAX_REPLY_BYTES >= 64u && LW_MAX_REPLY_BYTES <= 0x7fffffffu, "a reply length fits int32_t");
_Static_assert(LW_MAX_ARGS >= 1u && LW_MAX_ARGS <= 1024u, "the argument count is small");
#endif

/* Which PAM entry point is calling. */
enum {
    LW_STAGE_AUTHENTICATE = 1,   /* pam_sm_authenticate */
    LW_STAGE_ACCOUNT = 2,        /* pam_sm_acct_mgmt */
    LW_STAGE_PASSWORD_PRELIM = 3,/* pam_sm_chauthtok, PAM_PRELIM_CHECK */
    LW_STAGE_PASSWORD_UPDATE = 4 /* pam_sm_chauthtok, PAM_UPDATE_AUTHTOK */
};

/* Bits of lw_request.flags, translated from the PAM flags by the module. */
enum {
    LW_FLAG_SILENT = 1u << 0,          /* PAM_SILENT: send no messages */
    LW_FLAG_CHANGE_EXPIRED = 1u << 1,  /* PAM_CHANGE_EXPIRED_AUTHTOK */
    /*
     * The calling process's real UID was 0 before the module switched it (a set-uid host runs
     * the core with real UID 0; see pam/lw_privilege.h). Root's own password changes are
     * administrative; a user's through a set-uid passwd are not.
     */
    LW_FLAG_CALLER_ROOT = 1u << 2
};

/* What the module should do; it maps these to PAM codes per stage. */
enum {
    LW_VERDICT_ALLOW = 0,            /* PAM_SUCCESS */
    LW_VERDICT_DENY = 1,             /* auth: PAM_AUTH_ERR; account/password: PAM_PERM_DENIED */
    LW_VERDICT_IGNORE = 2,           /* PAM_IGNORE */
    LW_VERDICT_CHANGE_REQUIRED = 3   /* account: PAM_NEW_AUTHTOK_REQD */
};

/* Log priorities for lw_host.log; the module maps them to syslog priorities. */
enum {
    LW_LOG_ERR = 3,
    LW_LOG_WARNING = 4,
    LW_LOG_NOTICE = 5,
    LW_LOG_INFO = 6,
    LW_LOG_DEBUG = 7
};

/* Message styles for lw_host.converse; the module maps them to PAM styles. */
enum {
    LW_CONV_PROMPT_ECHO_OFF = 1,
    LW_CONV_PROMPT_ECHO_ON = 2,
    LW_CONV_ERROR_MSG = 3,
    LW_CONV_TEXT_INFO = 4
};

/* Services the module offers the core for the duration of one call. */
typedef struct lw_host {
    void *context;
    /* Writes one line to syslog (authpriv) via pam_syslog(.., "%s", message). */
    void (*log)(void *context, int32_t priority, const char *message);
    /*
     * Runs one conversation step. For prompts, copies the reply (without a
     * terminating NUL) into reply (capacity reply_capacity) and returns its
     * length; for messages returns 0. Returns -1 if the conversation failed
     * or the reply did not fit. The module wipes its own copies of replies.
     */
    int32_t (*converse)(void *context, int32_t style, const char *message,
                        uint8_t *reply, size_t reply_capacity);
    /*
     * Copies the PAM auth token (what an earlier module, pam_unix, stored as
     * PAM_AUTHTOK: the typed password) into token (capacity token_capacity)
     * and returns its length; -1 if there is none or it does not fit. The
     * core asks only at authfail, when a password-reset code is pending for
     * the user, and clears its copy; the module clears nothing of PAM's own.
     */
    int32_t (*auth_token)(void *context, uint8_t *token, size_t token_capacity);
} lw_host;

/* One PAM call, as the module saw it. */
typedef struct lw_request {
    uint32_t abi_version;   /* LW_ABI_VERSION of the module */
    uint32_t stage;         /* LW_STAGE_* */
    uint32_t flags;         /* LW_FLAG_* */
    lw_bytes user;          /* PAM_USER */
    lw_bytes service;       /* PAM_SERVICE */
    lw_bytes rhost;         /* PAM_RHOST (may be empty) */
    lw_bytes tty;           /* PAM_TTY (may be empty) */
    const lw_bytes *arguments; /* module arguments from the PAM stack line */
    size_t argument_count;
} lw_request;

/*
 * What the core keeps between the calls of one login (one PAM handle): the
 * database connection and its prepared statements. Opaque to the module.
 */
typedef struct lw_session lw_session;

/* The core's ABI version; the module refuses a core that differs. */
uint32_t lw_core_abi_version(void);

/*
 * A new, empty session, or NULL if memory is short (the module then calls
 * lw_core_handle with NULL, which works without one). Opens nothing yet.
 */
lw_session *lw_core_session_open(void);

/*
 * Ends a session. In the process that opened its connection, closes it; in
 * any other process (a child forked after the connection was opened) frees
 * nothing that belongs to the connection and never closes it, because
 * closing would end the opening process's locks and could checkpoint under
 * it. NULL is ignored.
 */
void lw_core_session_close(lw_session *session);

/*
 * Handles one PAM call: reads the configuration and module arguments,
 * consults and updates the state, logs, and returns an LW_VERDICT_*.
 * Never traps; any failure is logged and answered with LW_VERDICT_DENY
 * (or what on_error says). session may be NULL (the call then opens and
 * closes what it needs); one session is used by one thread at a time.
 */
int32_t lw_core_handle(const lw_request *request, const lw_host *host, lw_session *session);

#ifdef __cplusplus
}
#endif

#endif /* LOCKWARDEN_CORE_H */
