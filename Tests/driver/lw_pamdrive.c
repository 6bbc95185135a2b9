/*
 * lw_pamdrive.c - drives real libpam against a local service file.
 *
 *   lw_pamdrive --confdir DIR --service NAME --user USER [--rhost H] [--tty T]
 *               [--ops auth,acct,chauthtok,setcred,open,close] [--repeat N]
 *               [--silent] [--expired] [--answer TEXT | --answer-hex HEX]... [--stdin-answers]
 *               [--check-signals]
 *
 * Test-only ops besides the PAM calls: forkauth (pam_authenticate in a forked
 * child, which then calls pam_end and exits, as sshd splits a login), locks
 * (prints how many POSIX locks this process holds) and wait (reads one line of
 * standard input, so a test can change files between two logins of one
 * process).
 *
 * Each prompt is answered with the next --answer (the list restarts with
 * every start/end cycle); when answers run out the conversation fails, or
 * with --stdin-answers the prompt is answered by the next line of standard
 * input (output is flushed first, so a test can answer what it was shown).
 * Every message is printed as "STYLE: text", every op as
 * "op: <pam_strerror> (<code>)".
 *
 * Exit: 0 every op returned PAM_SUCCESS, 1 otherwise, 2 usage error,
 * 3 --check-signals found a changed disposition or alternate stack.
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_ANSWERS 64
#define MAX_OPS 32
#define ALTSTACK_BYTES (256 * 1024)

static const char *answers[MAX_ANSWERS];
/* Given with --answer-hex: decoded only when the prompt comes, so that the plain text is in
   no memory of this process but the response PAM hands to the module (which clears it). */
static int answer_is_hex[MAX_ANSWERS];
static int answer_count;
static int answer_next;
static int stdin_answers;
/* --timing: after each op, "time: N us" (monotonic clock, the op alone). */
static int timing;

/* The next line of standard input without its newline, or NULL at end of input. */
static char *read_answer_line(void)
{
    char line[1024];
    size_t len;

    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL)
        return NULL;
    len = strcspn(line, "\r\n");
    line[len] = '\0';
    return strdup(line);
}

/* The bytes a hex string spells, NUL-terminated, in a new allocation; NULL if it is not hex. */
static char *decode_hex(const char *hex)
{
    size_t len = strlen(hex);
    char *out;

    if (len % 2 != 0)
        return NULL;
    out = malloc(len / 2 + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned value;
        if (sscanf(hex + 2 * i, "%2x", &value) != 1) {
            free(out);
            return NULL;
        }
        out[i] = (char)value;
    }
    out[len / 2] = '\0';
    return out;
}

/* ---- conversation ---------------------------------------------------- */

static void free_responses(struct pam_response *r, int n)
{
    for (int i = 0; i < n; i++)
        free(r[i].resp);
    free(r);
}

static int conversation(int n, const struct pam_message **msg,
                        struct pam_response **resp, void *appdata)
{
    struct pam_response *r;

    (void)appdata;
    if (n <= 0 || n > PAM_MAX_NUM_MSG)
        return PAM_CONV_ERR;
    r = calloc((size_t)n, sizeof(*r));
    if (r == NULL)
        return PAM_BUF_ERR;

    for (int i = 0; i < n; i++) {
        const char *text = msg[i]->msg != NULL ? msg[i]->msg : "(null)";

        switch (msg[i]->msg_style) {
        case PAM_PROMPT_ECHO_OFF:
        case PAM_PROMPT_ECHO_ON:
            printf("%s: %s\n", msg[i]->msg_style == PAM_PROMPT_ECHO_OFF
                                   ? "PROMPT_ECHO_OFF" : "PROMPT_ECHO_ON", text);
            if (answer_next < answer_count) {
                int hex = answer_is_hex[answer_next];
                const char *given = answers[answer_next++];
                r[i].resp = hex ? decode_hex(given) : strdup(given);
            } else if (stdin_answers) {
                r[i].resp = read_answer_line();
                if (r[i].resp == NULL) {
                    printf("(no answer left)\n");
                    free_responses(r, n);
                    return PAM_CONV_ERR;
                }
            } else {
                printf("(no answer left)\n");
                free_responses(r, n);
                return PAM_CONV_ERR;
            }
            if (r[i].resp == NULL) {
                free_responses(r, n);
                return PAM_BUF_ERR;
            }
            break;
        case PAM_ERROR_MSG:
            printf("ERROR_MSG: %s\n", text);
            break;
        case PAM_TEXT_INFO:
            printf("TEXT_INFO: %s\n", text);
            break;
        default:
            printf("UNKNOWN_STYLE(%d): %s\n", msg[i]->msg_style, text);
            free_responses(r, n);
            return PAM_CONV_ERR;
        }
    }
    fflush(stdout);
    *resp = r;
    return PAM_SUCCESS;
}

/* ---- signal check ---------------------------------------------------- */

static const struct { int sig; const char *name; } checked[] = {
    { SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGILL, "SIGILL" },
    { SIGFPE, "SIGFPE" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
    { SIGQUIT, "SIGQUIT" },
};
#define CHECKED_COUNT (sizeof(checked) / sizeof(checked[0]))

static struct sigaction installed[CHECKED_COUNT];
static stack_t installed_stack;
static char altstack_memory[ALTSTACK_BYTES];

static void plain_handler(int sig) { (void)sig; _exit(90); }
static void info_handler(int sig, siginfo_t *si, void *uc) { (void)sig; (void)si; (void)uc; _exit(91); }

/* Distinct handlers, flags and masks per signal, so any replacement shows. */
static int install_signal_canaries(void)
{
    stack_t ss = { .ss_sp = altstack_memory, .ss_size = sizeof(altstack_memory), .ss_flags = 0 };

    if (sigaltstack(&ss, NULL) != 0 || sigaltstack(NULL, &installed_stack) != 0)
        return -1;
    for (size_t i = 0; i < CHECKED_COUNT; i++) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGUSR1 + (int)(i % 2));
        sigaddset(&sa.sa_mask, SIGRTMIN + (int)i);
        if (i % 2 == 0) {
            sa.sa_sigaction = info_handler;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        } else {
            sa.sa_handler = plain_handler;
            sa.sa_flags = SA_RESTART | (i % 3 == 0 ? SA_NODEFER : 0);
        }
        if (sigaction(checked[i].sig, &sa, NULL) != 0 ||
            sigaction(checked[i].sig, NULL, &installed[i]) != 0)
            return -1;
    }
    return 0;
}

static int same_mask(const sigset_t *a, const sigset_t *b)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(a, sig) != sigismember(b, sig))
            return 0;
    return 1;
}

/* Prints the verdict line; returns 1 if anything changed. */
static int verify_signal_canaries(void)
{
    char list[256] = "";
    stack_t ss;

    for (size_t i = 0; i < CHECKED_COUNT; i++) {
        struct sigaction now;

        if (sigaction(checked[i].sig, NULL, &now) != 0 ||
            now.sa_sigaction != installed[i].sa_sigaction ||
            now.sa_flags != installed[i].sa_flags ||
            !same_mask(&now.sa_mask, &installed[i].sa_mask)) {
            strcat(list, list[0] ? "," : "");
            strcat(list, checked[i].name);
        }
    }
    if (sigaltstack(NULL, &ss) != 0 || ss.ss_sp != installed_stack.ss_sp ||
        ss.ss_size != installed_stack.ss_size || ss.ss_flags != installed_stack.ss_flags) {
        strcat(list, list[0] ? "," : "");
        strcat(list, "sigaltstack");
    }
    if (list[0] == '\0') {
        printf("signals: unchanged\n");
        return 0;
    }
    printf("signals: CHANGED %s\n", list);
    return 1;
}

/* ---- resource report ------------------------------------------------- */

static long rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static int open_fds(void)
{
    struct dirent *e;
    int n = 0;
    DIR *d = opendir("/proc/self/fd");

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

static int posix_locks_held(void)
{
    char line[512], own[32];
    int n = 0;
    FILE *f = fopen("/proc/locks", "r");

    if (f == NULL)
        return -1;
    snprintf(own, sizeof(own), " %d ", (int)getpid());
    while (fgets(line, sizeof(line), f) != NULL)
        if (strstr(line, "POSIX") != NULL && strstr(line, own) != NULL)
            n++;
    fclose(f);
    return n;
}

/* pam_authenticate in a child that then ends its copy of the handle, as sshd's
   privilege-separated child does; the parent goes on with the same handle. */
static int fork_auth(pam_handle_t *pamh, int flags)
{
    int wstatus = 0;
    pid_t child;

    fflush(stdout);
    child = fork();
    if (child < 0)
        return -1;
    if (child == 0) {
        int rc = pam_authenticate(pamh, flags);
        printf("forkauth: %s (%d)\n", pam_strerror(pamh, rc), rc);
        fflush(stdout);
        pam_end(pamh, rc);
        _exit(rc == PAM_SUCCESS ? 0 : 1);
    }
    if (waitpid(child, &wstatus, 0) != child || !WIFEXITED(wstatus))
        return -1;
    return WEXITSTATUS(wstatus) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
}

/* ---- main ------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: lw_pamdrive --confdir DIR --service NAME --user USER [--rhost H]\n"
            "         [--tty T] [--ops auth,acct,chauthtok,setcred,open,close]\n"
            "         [--repeat N] [--timing] [--silent] [--expired] [--answer TEXT | --answer-hex HEX]... [--stdin-answers]\n"
            "         [--check-signals]\n");
}

static int run_op(pam_handle_t *pamh, const char *op, int silent, int expired, int *status)
{
    int flags = silent ? PAM_SILENT : 0;
    int rc;

    if (strcmp(op, "locks") == 0) {
        printf("locks: %d\n", posix_locks_held());
        fflush(stdout);
        return 0;
    }
    if (strcmp(op, "wait") == 0) {
        char line[64];
        printf("wait: ready\n");
        fflush(stdout);
        return fgets(line, sizeof(line), stdin) == NULL;
    }
    if (strcmp(op, "auth") == 0)
        rc = pam_authenticate(pamh, flags);
    else if (strcmp(op, "forkauth") == 0) {
        rc = fork_auth(pamh, flags);
        if (rc < 0)
            return -1;
        *status = rc;
        return rc == PAM_SUCCESS ? 0 : 1;
    }
    else if (strcmp(op, "acct") == 0)
        rc = pam_acct_mgmt(pamh, flags);
    else if (strcmp(op, "chauthtok") == 0)
        rc = pam_chauthtok(pamh, flags | (expired ? PAM_CHANGE_EXPIRED_AUTHTOK : 0));
    else if (strcmp(op, "setcred") == 0)
        rc = pam_setcred(pamh, flags | PAM_ESTABLISH_CRED);
    else if (strcmp(op, "open") == 0)
        rc = pam_open_session(pamh, flags);
    else if (strcmp(op, "close") == 0)
        rc = pam_close_session(pamh, flags);
    else
        return -1;
    printf("%s: %s (%d)\n", op, pam_strerror(pamh, rc), rc);
    fflush(stdout);
    *status = rc;
    return rc == PAM_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "confdir", required_argument, NULL, 'c' },
        { "service", required_argument, NULL, 's' },
        { "user", required_argument, NULL, 'u' },
        { "rhost", required_argument, NULL, 'r' },
        { "tty", required_argument, NULL, 't' },
        { "ops", required_argument, NULL, 'o' },
        { "repeat", required_argument, NULL, 'n' },
        { "timing", no_argument, NULL, 'T' },
        { "silent", no_argument, NULL, 'S' },
        { "expired", no_argument, NULL, 'E' },
        { "answer", required_argument, NULL, 'a' },
        { "answer-hex", required_argument, NULL, 'x' },
        { "check-signals", no_argument, NULL, 'k' },
        { "stdin-answers", no_argument, NULL, 'I' },
        { NULL, 0, NULL, 0 },
    };
    const char *confdir = NULL, *service = NULL, *user = NULL, *rhost = NULL, *tty = NULL;
    char ops_buf[512] = "auth";
    char *ops[MAX_OPS];
    int op_count = 0, silent = 0, expired = 0, check_signals = 0, failed = 0;
    long repeat = 1;
    int repeat_given = 0;
    int opt;

    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case 'c': confdir = optarg; break;
        case 's': service = optarg; break;
        case 'u': user = optarg; break;
        case 'r': rhost = optarg; break;
        case 't': tty = optarg; break;
        case 'S': silent = 1; break;
        case 'E': expired = 1; break;
        case 'k': check_signals = 1; break;
        case 'I': stdin_answers = 1; break;
        case 'T': timing = 1; break;
        case 'o':
            if (strlen(optarg) >= sizeof(ops_buf)) { usage(); return 2; }
            strcpy(ops_buf, optarg);
            break;
        case 'n': {
            char *end;
            repeat = strtol(optarg, &end, 10);
            if (*end != '\0' || repeat < 1 || repeat > 10000000) { usage(); return 2; }
            repeat_given = 1;
            break;
        }
        case 'a':
        case 'x':
            if (answer_count >= MAX_ANSWERS) { usage(); return 2; }
            answer_is_hex[answer_count] = opt == 'x';
            answers[answer_count++] = optarg;
            break;
        default:
            usage();
            return 2;
        }
    }
    if (optind != argc || confdir == NULL || service == NULL || user == NULL) {
        usage();
        return 2;
    }
    for (char *save = NULL, *tok = strtok_r(ops_buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        if (op_count >= MAX_OPS || (strcmp(tok, "auth") && strcmp(tok, "acct") &&
            strcmp(tok, "chauthtok") && strcmp(tok, "setcred") && strcmp(tok, "open") &&
            strcmp(tok, "close") && strcmp(tok, "forkauth") && strcmp(tok, "locks") &&
            strcmp(tok, "wait"))) {
            fprintf(stderr, "lw_pamdrive: unknown op '%s'\n", tok);
            usage();
            return 2;
        }
        ops[op_count++] = tok;
    }
    if (op_count == 0) { usage(); return 2; }

    if (check_signals && install_signal_canaries() != 0) {
        perror("lw_pamdrive: installing signal handlers");
        return 2;
    }

    for (long cycle = 0; cycle < repeat; cycle++) {
        struct pam_conv conv = { conversation, NULL };
        pam_handle_t *pamh = NULL;
        int status, rc;

        answer_next = 0;
        rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
        if (rc != PAM_SUCCESS) {
            printf("start: %s (%d)\n", pam_strerror(pamh, rc), rc);
            return 1;
        }
        status = PAM_SUCCESS;
        if (rhost != NULL && pam_set_item(pamh, PAM_RHOST, rhost) != PAM_SUCCESS)
            failed = 1;
        if (tty != NULL && pam_set_item(pamh, PAM_TTY, tty) != PAM_SUCCESS)
            failed = 1;
        for (int i = 0; i < op_count; i++) {
            struct timespec begun, ended;
            clock_gettime(CLOCK_MONOTONIC, &begun);
            failed |= run_op(pamh, ops[i], silent, expired, &status);
            clock_gettime(CLOCK_MONOTONIC, &ended);
            if (timing)
                printf("time: %lld us\n", (long long)(ended.tv_sec - begun.tv_sec) * 1000000LL
                                               + (ended.tv_nsec - begun.tv_nsec) / 1000);
        }
        rc = pam_end(pamh, status);
        if (rc != PAM_SUCCESS) {
            printf("end: %s (%d)\n", pam_strerror(NULL, rc), rc);
            failed = 1;
        }
    }

    if (repeat_given) {
        printf("rss_kb: %ld\n", rss_kb());
        printf("fds: %d\n", open_fds());
    }
    if (check_signals && verify_signal_canaries())
        return 3;
    return failed ? 1 : 0;
}
