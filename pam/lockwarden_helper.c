/*
 * lockwarden_helper.c - lockwarden-helper, the set-uid program that runs the core for
 * callers that are not root (screen lockers), modelled on pam_unix's unix_chkpwd.
 *
 * It acts only on the account of its real UID: a request for any other name is refused,
 * logged and answered after a delay. It reads one request (lw_helper_wire.h) from stdin,
 * which must not be a terminal, with the C contract's limits, and answers the verdict and
 * the messages for the user on stdout. What a call can do to the caller's own account:
 *  - preauth and account: read the verdict (a locked account stays locked);
 *  - authfail: add one failure, as a wrong password at the locker would;
 *  - authsucc: clear the counter only with the account's real password, checked here
 *    against /etc/shadow; a wrong one counts as a failure, and an account with no local
 *    password (a directory user) records no success. A lock is never lifted by a success.
 * Everything else (other accounts, the second factor, password changes, settings from the
 * module line other than the step and a configuration file) is refused or ignored.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "lw_helper_wire.h"
#include "lw_loader.h"
#include "lw_privilege.h"
#include "lw_text.h"

/* Where a conf= argument may point: the system's PAM configuration directory. */
#ifndef LW_HELPER_CONF_PREFIX
#define LW_HELPER_CONF_PREFIX "/etc/security/"
#endif

/* How long a refused request waits before its answer, so that guessing is slow. */
#define LW_HELPER_REFUSAL_DELAY_SECONDS 2

static char answer_text[LW_HELPER_MAX_ANSWER];
static size_t answer_used;
static size_t answer_messages;
static int answer_silent;

static void host_log(void *context, int32_t priority, const char *message)
{
    char line[LW_LOG_LINE_MAX];

    (void)context;
    if (message == NULL)
        return;
    lw_escape_text(line, sizeof(line), message, 1);
    syslog(LOG_AUTHPRIV | lw_syslog_priority(priority), "%s", line);
}

/* Messages go back to the module, which shows them; the helper has no one to prompt. */
static int32_t host_converse(void *context, int32_t style, const char *message, uint8_t *reply, size_t cap)
{
    char text[LW_HELPER_MAX_ANSWER / LW_HELPER_MAX_MESSAGES - 8];
    size_t length;

    (void)context;
    (void)reply;
    (void)cap;
    if (message == NULL || (style != LW_CONV_ERROR_MSG && style != LW_CONV_TEXT_INFO))
        return -1;
    if (answer_silent || answer_messages == LW_HELPER_MAX_MESSAGES)
        return 0;
    lw_escape_text(text, sizeof(text), message, 1);
    length = strlen(text);
    if (sizeof(answer_text) - answer_used < length + 4 + 8)
        return 0;
    answer_text[answer_used++] = style == LW_CONV_ERROR_MSG ? 'E' : 'I';
    answer_text[answer_used++] = ' ';
    memcpy(answer_text + answer_used, text, length);
    answer_used += length;
    answer_text[answer_used++] = '\n';
    answer_messages++;
    return 0;
}

static int32_t host_auth_token(void *context, uint8_t *token, size_t cap)
{
    (void)context;
    (void)token;
    (void)cap;
    return -1; /* no password reset at a screen locker */
}

static void answer(int32_t verdict)
{
    size_t left;
    const char *p = answer_text;

    if (verdict < 0 || verdict > 9)
        verdict = LW_VERDICT_DENY;
    answer_text[answer_used++] = 'V';
    answer_text[answer_used++] = ' ';
    answer_text[answer_used++] = (char)('0' + verdict);
    answer_text[answer_used++] = '\n';
    left = answer_used;
    while (left > 0) {
        ssize_t n = write(STDOUT_FILENO, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    exit(0);
}

/* Refused: logged, answered late, nothing changed. */
static void refuse(uid_t caller, const char *why)
{
    struct timespec delay = { LW_HELPER_REFUSAL_DELAY_SECONDS, 0 };

    syslog(LOG_AUTHPRIV | LOG_WARNING, "refused a request from uid %u: %s", (unsigned)caller, why);
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR)
        ;
    answer(LW_VERDICT_DENY);
}

/* A set-uid program must not write its output into a file it was handed as fd 0, 1 or 2. */
static void open_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
            _exit(1);
}

static size_t read_request(uint8_t *buf, size_t cap, int *oversized)
{
    size_t used = 0;

    *oversized = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return used;
        used += (size_t)n;
        if (used == cap) {
            *oversized = 1;
            return used;
        }
    }
}

static int bytes_are(lw_bytes b, const char *text)
{
    size_t length = strlen(text);
    return b.length == length && (length == 0 || memcmp(b.data, text, length) == 0);
}

static int bytes_start(lw_bytes b, const char *prefix)
{
    size_t length = strlen(prefix);
    return b.length >= length && memcmp(b.data, prefix, length) == 0;
}

/* conf=PATH under LW_HELPER_CONF_PREFIX, with no "." or ".." components and no NUL. */
static int allowed_conf(lw_bytes argument)
{
    lw_bytes path = { argument.data + 5, argument.length - 5 };

    if (!bytes_start(path, LW_HELPER_CONF_PREFIX) || memchr(path.data, '\0', path.length) != NULL)
        return 0;
    for (size_t i = 0; i + 1 < path.length; i++)
        if (path.data[i] == '/' && path.data[i + 1] == '.')
            return 0;
    return 1;
}

enum password_check { PASSWORD_MATCHES, PASSWORD_DIFFERS, PASSWORD_NOT_LOCAL };

/* The typed password against the account's shadow entry, as pam_unix checked it. */
static enum password_check check_password(const char *name, lw_bytes token)
{
    struct spwd *entry = getspnam(name);
    struct crypt_data *data;
    char typed[LW_MAX_REPLY_BYTES + 1];
    const char *hash, *computed;
    enum password_check result = PASSWORD_DIFFERS;

    if (entry == NULL || entry->sp_pwdp == NULL)
        return PASSWORD_NOT_LOCAL;
    hash = entry->sp_pwdp;
    if (token.length > LW_MAX_REPLY_BYTES || (token.length > 0 && memchr(token.data, '\0', token.length)))
        return PASSWORD_DIFFERS;
    if (hash[0] == '\0')
        return token.length == 0 ? PASSWORD_MATCHES : PASSWORD_DIFFERS;
    if (hash[0] == '!' || hash[0] == '*')
        return PASSWORD_DIFFERS;
    data = calloc(1, sizeof(*data));
    if (data == NULL)
        return PASSWORD_DIFFERS;
    if (token.length > 0)
        memcpy(typed, token.data, token.length);
    typed[token.length] = '\0';
    computed = crypt_r(typed, hash, data);
    if (computed != NULL && computed[0] != '*' && strlen(computed) == strlen(hash)) {
        unsigned char difference = 0;
        for (size_t i = 0; hash[i] != '\0'; i++)
            difference |= (unsigned char)(computed[i] ^ hash[i]);
        if (difference == 0)
            result = PASSWORD_MATCHES;
    }
    explicit_bzero(typed, sizeof(typed));
    explicit_bzero(data, sizeof(*data));
    free(data);
    return result;
}

int main(int argc, char **argv)
{
    static uint8_t request_bytes[LW_HELPER_MAX_REQUEST + 1];
    static lw_helper_request request;
    uid_t caller = getuid();
    struct passwd *account;
    const char *why = NULL;
    const char *mode = NULL;
    char name[1024];
    lw_bytes arguments[2];
    size_t argument_count = 0, dropped = 0;
    lw_privilege privilege;
    lw_request core_request;
    lw_host host = { NULL, host_log, host_converse, host_auth_token };
    lw_core core;
    size_t length;
    int oversized;
    int32_t verdict;

    (void)argv;
    (void)clearenv();
    umask(077);
    open_standard_descriptors();
    openlog("lockwarden-helper", LOG_PID, LOG_AUTHPRIV);

    if (geteuid() != 0) {
        syslog(LOG_AUTHPRIV | LOG_ERR, "not running as root (the helper must be set-uid root); denying");
        answer(LW_VERDICT_DENY);
    }
    if (argc != 1)
        refuse(caller, "the helper takes no arguments");
    if (isatty(STDIN_FILENO))
        refuse(caller, "stdin is a terminal (only pam_lockwarden runs the helper)");
    length = read_request(request_bytes, sizeof(request_bytes), &oversized);
    if (oversized)
        refuse(caller, "request larger than the contract allows");
    if (lw_helper_decode(request_bytes, length, &request, &why) != 0)
        refuse(caller, why);

    account = getpwuid(caller);
    if (account == NULL)
        refuse(caller, "the caller's uid has no account");
    if (!bytes_are(request.user, account->pw_name)) {
        char asked[256];
        char line[LW_LOG_LINE_MAX];
        size_t n = request.user.length < sizeof(asked) - 1 ? request.user.length : sizeof(asked) - 1;

        memcpy(asked, request.user.data, n);
        asked[n] = '\0';
        lw_escape_text(name, sizeof(name), asked, 0);
        snprintf(line, sizeof(line), "asked about another account (\"%s\")", name);
        refuse(caller, line);
    }

    /* The step, and a configuration file the administrator put in place; nothing else. */
    for (size_t i = 0; i < request.argument_count; i++) {
        lw_bytes a = request.arguments[i];
        const char *known[] = { "preauth", "authfail", "authsucc", "totp", "changed" };
        int matched = 0;

        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            if (bytes_are(a, known[k])) {
                if (mode != NULL && strcmp(mode, known[k]) != 0)
                    refuse(caller, "more than one step on the module line");
                mode = known[k];
                matched = 1;
            }
        if (matched)
            continue;
        if (bytes_start(a, "conf=") && allowed_conf(a) && argument_count == 0)
            arguments[argument_count++] = a;
        else if (bytes_start(a, "conf="))
            refuse(caller, "conf= outside " LW_HELPER_CONF_PREFIX);
        else
            dropped++;
    }
    if (!(request.stage == LW_STAGE_AUTHENTICATE && mode != NULL
          && (strcmp(mode, "preauth") == 0 || strcmp(mode, "authfail") == 0 || strcmp(mode, "authsucc") == 0))
        && !(request.stage == LW_STAGE_ACCOUNT && mode == NULL)) {
        syslog(LOG_AUTHPRIV | LOG_ERR,
               "%s for %s: only preauth, authfail, authsucc and the account check run for callers that are not root; denying",
               mode != NULL ? mode : "this stage", account->pw_name);
        answer(LW_VERDICT_DENY);
    }
    if (dropped > 0)
        syslog(LOG_AUTHPRIV | LOG_NOTICE,
               "%zu module argument(s) ignored for a caller that is not root: settings come from the configuration file",
               dropped);

    if (strcmp(mode != NULL ? mode : "", "authsucc") == 0) {
        switch (check_password(account->pw_name, request.token)) {
        case PASSWORD_MATCHES:
            break;
        case PASSWORD_DIFFERS:
            syslog(LOG_AUTHPRIV | LOG_WARNING,
                   "authsucc for %s without the account's password: counted as a failure", account->pw_name);
            mode = "authfail";
            break;
        case PASSWORD_NOT_LOCAL:
            syslog(LOG_AUTHPRIV | LOG_NOTICE,
                   "success of %s not recorded: no local password to check it against", account->pw_name);
            answer(LW_VERDICT_IGNORE);
        }
    }
    if (request.token.length > 0)
        explicit_bzero((void *)request.token.data, request.token.length);
    arguments[argument_count].data = (const uint8_t *)mode;
    arguments[argument_count].length = mode != NULL ? strlen(mode) : 0;
    if (mode != NULL)
        argument_count++;

    /* From here the caller can no longer signal or stop this process (lw_privilege.h). */
    if (lw_privilege_enter(&privilege) != 0) {
        syslog(LOG_AUTHPRIV | LOG_ERR, "cannot take real uid 0 or block terminal signals; denying");
        answer(LW_VERDICT_DENY);
    }
    if (lw_core_load(NULL, &core) != 0)
        answer(LW_VERDICT_DENY);
    answer_silent = (request.flags & LW_FLAG_SILENT) != 0;
    memset(&core_request, 0, sizeof(core_request));
    core_request.abi_version = LW_ABI_VERSION;
    core_request.stage = request.stage;
    core_request.flags = request.flags & (LW_FLAG_SILENT | LW_FLAG_CHANGE_EXPIRED);
    core_request.user = request.user;
    core_request.service = request.service;
    core_request.rhost = request.rhost;
    core_request.tty = request.tty;
    core_request.arguments = arguments;
    core_request.argument_count = argument_count;
    verdict = core.handle(&core_request, &host, NULL);
    answer(verdict);
    return 0;
}
