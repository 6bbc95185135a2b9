/*
 * pam_lockwarden.c - the PAM entry points.
 *
 * This file owns everything PAM: it reads the items, translates the call
 * into an lw_request, lends the core logging and conversation through
 * lw_host, and maps the core's verdict to a PAM code. Decisions and state
 * live in liblockwarden_core.so. Every path starts from "deny".
 *
 * Field limits: user, service, rhost, tty and module arguments are passed
 * with strnlen(.., LW_MAX_FIELD_BYTES + 1). A longer value therefore
 * reaches the core truncated to LW_MAX_FIELD_BYTES + 1 bytes, which the
 * core sees as too long and refuses; the module never silently shortens a
 * value to something the core would accept.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "lockwarden_core.h"
#include "lw_helper_call.h"
#include "lw_loader.h"
#include "lw_privilege.h"
#include "lw_signals.h"
#include "lw_text.h"

/* What the host callbacks need; lives on the stack for one call. */
typedef struct lw_call {
    pam_handle_t *pamh;
    int silent; /* PAM_SILENT: messages are dropped, prompts still run */
    const lw_privilege *privilege; /* the caller's signal mask, back in force at prompts */
} lw_call;

static int deny_code(uint32_t stage)
{
    return stage == LW_STAGE_AUTHENTICATE ? PAM_AUTH_ERR : PAM_PERM_DENIED;
}

static int map_verdict(uint32_t stage, int32_t verdict)
{
    switch (verdict) {
    case LW_VERDICT_ALLOW:
        return PAM_SUCCESS;
    case LW_VERDICT_IGNORE:
        return PAM_IGNORE;
    case LW_VERDICT_CHANGE_REQUIRED:
        return stage == LW_STAGE_ACCOUNT ? PAM_NEW_AUTHTOK_REQD : deny_code(stage);
    default: /* LW_VERDICT_DENY and anything unknown */
        return deny_code(stage);
    }
}

/* A reply the core asks for must fit what a PAM conversation may answer. */
_Static_assert(LW_MAX_REPLY_BYTES <= PAM_MAX_RESP_SIZE, "LW_MAX_REPLY_BYTES exceeds PAM_MAX_RESP_SIZE");
/* The contract's levels are syslog's own: a line keeps its level even unmapped. */
_Static_assert(LW_LOG_ERR == LOG_ERR && LW_LOG_WARNING == LOG_WARNING && LW_LOG_NOTICE == LOG_NOTICE
                   && LW_LOG_INFO == LOG_INFO && LW_LOG_DEBUG == LOG_DEBUG,
               "LW_LOG_* are the syslog levels");

static void host_log(void *context, int32_t priority, const char *message)
{
    const lw_call *call = context;
    char line[LW_LOG_LINE_MAX];

    if (call == NULL || message == NULL)
        return;
    /* The core escapes already; this only guards the syslog line itself. */
    lw_escape_text(line, sizeof(line), message, 1);
    pam_syslog(call->pamh, lw_syslog_priority(priority), "%s", line);
}

/* Wipes and frees what the application's conversation function returned. */
static void free_response(struct pam_response *resp)
{
    if (resp == NULL)
        return;
    if (resp->resp != NULL) {
        explicit_bzero(resp->resp, strlen(resp->resp));
        free(resp->resp);
    }
    free(resp);
}

static int32_t host_converse(void *context, int32_t style, const char *message,
                             uint8_t *reply, size_t reply_capacity)
{
    const lw_call *call = context;
    const struct pam_conv *conv = NULL;
    const void *item = NULL;
    struct pam_message msg;
    const struct pam_message *msgp = &msg;
    struct pam_response *resp = NULL;
    int32_t result = -1;
    int prompt;

    if (call == NULL || message == NULL)
        return -1;
    switch (style) {
    case LW_CONV_PROMPT_ECHO_OFF: msg.msg_style = PAM_PROMPT_ECHO_OFF; break;
    case LW_CONV_PROMPT_ECHO_ON:  msg.msg_style = PAM_PROMPT_ECHO_ON; break;
    case LW_CONV_ERROR_MSG:       msg.msg_style = PAM_ERROR_MSG; break;
    case LW_CONV_TEXT_INFO:       msg.msg_style = PAM_TEXT_INFO; break;
    default:                      return -1;
    }
    prompt = style == LW_CONV_PROMPT_ECHO_OFF || style == LW_CONV_PROMPT_ECHO_ON;
    if (!prompt && call->silent)
        return 0;
    if (prompt && reply == NULL && reply_capacity > 0)
        return -1;

    if (pam_get_item(call->pamh, PAM_CONV, &item) != PAM_SUCCESS || item == NULL)
        return -1;
    conv = item;
    if (conv->conv == NULL)
        return -1;

    msg.msg = message;
    {
        sigset_t blocked;
        int rc;

        lw_privilege_pause(call->privilege, &blocked);
        rc = conv->conv(1, &msgp, &resp, conv->appdata_ptr);
        lw_privilege_resume(call->privilege, &blocked);
        if (rc != PAM_SUCCESS) {
            free_response(resp);
            return -1;
        }
    }

    if (!prompt) {
        result = 0;
    } else if (resp != NULL && resp->resp != NULL) {
        /* No reply may exceed the contract's limit, whatever the buffer. */
        size_t cap = reply_capacity < LW_MAX_REPLY_BYTES ? reply_capacity : LW_MAX_REPLY_BYTES;
        size_t len = strnlen(resp->resp, cap + 1);

        if (len <= cap) {
            if (len > 0)
                memcpy(reply, resp->resp, len);
            result = (int32_t)len;
        }
    }
    free_response(resp);
    return result;
}

static int32_t host_auth_token(void *context, uint8_t *token, size_t token_capacity)
{
    const lw_call *call = context;
    const void *item = NULL;
    size_t len;

    if (call == NULL || token == NULL)
        return -1;
    if (pam_get_item(call->pamh, PAM_AUTHTOK, &item) != PAM_SUCCESS || item == NULL)
        return -1;
    len = strnlen(item, token_capacity + 1);
    if (len > token_capacity || len > LW_MAX_REPLY_BYTES)
        return -1;
    memcpy(token, item, len);
    return (int32_t)len;
}

static lw_bytes field(const char *s)
{
    lw_bytes b = { NULL, 0 };

    if (s != NULL) {
        b.data = (const uint8_t *)s;
        b.length = strnlen(s, LW_MAX_FIELD_BYTES + 1);
    }
    return b;
}

/* The pam_set_data name under which one login's core session is kept. */
#define LW_SESSION_DATA "pam_lockwarden.session"

/* pam_end (or a replacement) ends the session; in a forked child the core leaves the
   parent's connection alone (lockwarden_core.h). */
static void end_session(pam_handle_t *pamh, void *data, int error_status)
{
    lw_core core;

    (void)pamh;
    (void)error_status;
    if (data != NULL && lw_core_loaded(&core) == 0)
        core.session_close(data);
}

/* The session of this PAM handle, made on its first call; NULL works too (the core then
   opens and closes per call), so a failure here costs speed, never a decision. */
static lw_session *login_session(pam_handle_t *pamh, const lw_core *core)
{
    const void *data = NULL;
    lw_session *session;

    if (pam_get_data(pamh, LW_SESSION_DATA, &data) == PAM_SUCCESS && data != NULL)
        return (lw_session *)data;
    session = core->session_open();
    if (session == NULL)
        return NULL;
    if (pam_set_data(pamh, LW_SESSION_DATA, session, end_session) != PAM_SUCCESS) {
        core->session_close(session);
        return NULL;
    }
    return session;
}

static const char *string_item(pam_handle_t *pamh, int type)
{
    const void *item = NULL;

    if (pam_get_item(pamh, type, &item) != PAM_SUCCESS)
        return NULL;
    return item;
}

/* Whether the stack line names this mode word. */
static int has_argument(int argc, const char **argv, const char *word)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], word) == 0)
            return 1;
    return 0;
}

/*
 * A caller that is not root (a screen locker): the helper decides, for the caller's own
 * account only. At authsucc it gets the auth token, to check that the success is real.
 */
static int run_helper(pam_handle_t *pamh, const lw_request *core_request, int silent, int argc,
                      const char **argv)
{
    lw_helper_request request;
    lw_helper_answer answer;
    lw_call call = { pamh, silent, NULL };

    memset(&request, 0, sizeof(request));
    request.stage = core_request->stage;
    request.flags = core_request->flags;
    request.user = core_request->user;
    request.service = core_request->service;
    request.rhost = core_request->rhost;
    request.tty = core_request->tty;
    if (request.stage == LW_STAGE_AUTHENTICATE && has_argument(argc, argv, "authsucc"))
        request.token = field(string_item(pamh, PAM_AUTHTOK));
    for (size_t i = 0; i < core_request->argument_count; i++)
        request.arguments[i] = core_request->arguments[i];
    request.argument_count = core_request->argument_count;

    if (lw_helper_call(pamh, &request, &answer) != 0)
        return deny_code(request.stage);
    for (size_t i = 0; i < answer.message_count; i++)
        (void)host_converse(&call, answer.styles[i], answer.messages[i], NULL, 0);
    return map_verdict(request.stage, answer.verdict);
}

/* Builds the request, calls the core, maps the verdict. */
static int run_core(pam_handle_t *pamh, uint32_t stage, int flags,
                    int argc, const char **argv, const char *user)
{
    int retval = deny_code(stage);
    lw_bytes args[LW_MAX_ARGS];
    lw_request request;
    lw_privilege privilege;
    lw_call call = { pamh, (flags & PAM_SILENT) != 0, &privilege };
    lw_host host = { &call, host_log, host_converse, host_auth_token };
    lw_signal_state signals;
    lw_core core;
    lw_session *session;
    int32_t verdict;

    if (user == NULL || user[0] == '\0') {
        pam_syslog(pamh, LOG_ERR, "no user name; denying");
        return retval;
    }
    if (argc < 0 || (argc > 0 && argv == NULL) || (size_t)argc > LW_MAX_ARGS) {
        pam_syslog(pamh, LOG_ERR, "%d module arguments, at most %u allowed; denying",
                   argc, (unsigned)LW_MAX_ARGS);
        return retval;
    }
    for (int i = 0; i < argc; i++) {
        if (argv[i] == NULL) {
            pam_syslog(pamh, LOG_ERR, "module argument %d is missing; denying", i);
            return retval;
        }
        args[i] = field(argv[i]);
    }

    memset(&request, 0, sizeof(request));
    request.abi_version = LW_ABI_VERSION;
    request.stage = stage;
    request.flags = ((flags & PAM_SILENT) ? LW_FLAG_SILENT : 0u) |
                    ((flags & PAM_CHANGE_EXPIRED_AUTHTOK) ? LW_FLAG_CHANGE_EXPIRED : 0u);
    request.user = field(user);
    request.service = field(string_item(pamh, PAM_SERVICE));
    request.rhost = field(string_item(pamh, PAM_RHOST));
    request.tty = field(string_item(pamh, PAM_TTY));
    request.arguments = argc > 0 ? args : NULL;
    request.argument_count = (size_t)argc;

    /* Only root can open the database; anyone else goes through the set-uid helper. */
    if (geteuid() != 0)
        return run_helper(pamh, &request, call.silent, argc, argv);

    if (lw_core_load(pamh, &core) != 0)
        return retval;
    session = login_session(pamh, &core);

    if (lw_privilege_enter(&privilege) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot block terminal signals or take real uid 0 for the call; denying");
        return retval;
    }
    if (lw_privilege_caller_is_root(&privilege))
        request.flags |= LW_FLAG_CALLER_ROOT;

    lw_signals_save(&signals);
    verdict = core.handle(&request, &host, session);
    if (lw_signals_restore(&signals) > 0)
        pam_syslog(pamh, LOG_NOTICE, "core changed signal handlers; restored");

    if (lw_privilege_leave(&privilege) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot restore the caller's uids after the call; denying");
        return retval;
    }
    retval = map_verdict(stage, verdict);
    return retval;
}

int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    const char *user = NULL;
    int rc = pam_get_user(pamh, &user, NULL);

    if (rc == PAM_CONV_AGAIN)
        return PAM_INCOMPLETE; /* the application will call us again */
    if (rc != PAM_SUCCESS) {
        pam_syslog(pamh, LOG_ERR, "cannot get user name: %s", pam_strerror(pamh, rc));
        return PAM_AUTH_ERR;
    }
    return run_core(pamh, LW_STAGE_AUTHENTICATE, flags, argc, argv, user);
}

int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    (void)pamh;
    (void)flags;
    (void)argc;
    (void)argv;
    return PAM_SUCCESS; /* no credentials to establish */
}

int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    return run_core(pamh, LW_STAGE_ACCOUNT, flags, argc, argv,
                    string_item(pamh, PAM_USER));
}

int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
    int prelim = (flags & PAM_PRELIM_CHECK) != 0;
    int update = (flags & PAM_UPDATE_AUTHTOK) != 0;

    /* libpam sets exactly one of the two; anything else is not a real call. */
    if (prelim == update) {
        pam_syslog(pamh, LOG_ERR, "password call without a single phase flag; denying");
        return PAM_PERM_DENIED;
    }
    return run_core(pamh, prelim ? LW_STAGE_PASSWORD_PRELIM : LW_STAGE_PASSWORD_UPDATE,
                    flags, argc, argv, string_item(pamh, PAM_USER));
}
