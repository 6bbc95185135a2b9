/*
 * lw_helper_call.c - see lw_helper_call.h.
 */
#include "lw_helper_call.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "lw_text.h"

/* The helper waits at most record_timeout for the database; this only bounds a stuck one. */
#define LW_HELPER_TIMEOUT_MS 30000

static int send_all(int fd, const uint8_t *data, size_t length)
{
    while (length > 0) {
        ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads until end of file, at most cap bytes or the timeout. Returns the length, or -1. */
static ssize_t read_answer(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    int64_t deadline = now_ms() + LW_HELPER_TIMEOUT_MS;

    for (;;) {
        struct pollfd p = { fd, POLLIN, 0 };
        int64_t left = deadline - now_ms();
        ssize_t n;

        if (left <= 0)
            return -1;
        if (poll(&p, 1, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (used == cap)
            return -1; /* more than any answer can be */
        n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return (ssize_t)used;
        used += (size_t)n;
    }
}

/* "E text" / "I text" lines, then "V n" last. Returns 0 or -1. */
static int parse_answer(char *text, size_t length, lw_helper_answer *answer)
{
    char *line = text;
    char *end = text + length;

    answer->message_count = 0;
    while (line < end) {
        char *newline = memchr(line, '\n', (size_t)(end - line));
        if (newline == NULL)
            return -1;
        *newline = '\0';
        if (line[0] == 'V' && line[1] == ' ' && line[2] >= '0' && line[2] <= '9' && line[3] == '\0') {
            answer->verdict = line[2] - '0';
            return newline + 1 == end ? 0 : -1;
        }
        if ((line[0] != 'E' && line[0] != 'I') || line[1] != ' '
            || answer->message_count == LW_HELPER_MAX_MESSAGES)
            return -1;
        answer->styles[answer->message_count] = line[0] == 'E' ? LW_CONV_ERROR_MSG : LW_CONV_TEXT_INFO;
        lw_escape_text(answer->messages[answer->message_count], LW_HELPER_MESSAGE_MAX, line + 2, 1);
        answer->message_count++;
        line = newline + 1;
    }
    return -1;
}

static void exec_helper(int socket_fd)
{
    char *const argv[] = { (char *)LW_HELPER_PATH, NULL };
    char *const envp[] = { NULL };
    int null_fd = open("/dev/null", O_WRONLY);

    /* Only async-signal-safe calls between fork and exec. */
    if (dup2(socket_fd, 0) < 0 || dup2(socket_fd, 1) < 0 || null_fd < 0 || dup2(null_fd, 2) < 0)
        _exit(127);
    (void)close_range(3, ~0u, 0);
    execve(LW_HELPER_PATH, argv, envp);
    _exit(127);
}

int lw_helper_call(pam_handle_t *pamh, const lw_helper_request *request, lw_helper_answer *answer)
{
    struct sigaction default_chld, saved_chld;
    uint8_t *frame;
    size_t frame_length;
    char *text;
    ssize_t text_length;
    int sockets[2];
    int status = 0;
    int result = -1;
    pid_t pid;

    if (access(LW_HELPER_PATH, X_OK) != 0) {
        pam_syslog(pamh, LOG_ERR, "caller is not root and the helper %s cannot run: %s; denying",
                   LW_HELPER_PATH, strerror(errno));
        return -1;
    }
    frame = malloc(LW_HELPER_MAX_REQUEST);
    text = malloc(LW_HELPER_MAX_ANSWER);
    if (frame == NULL || text == NULL) {
        free(frame);
        free(text);
        pam_syslog(pamh, LOG_ERR, "out of memory for the helper's request; denying");
        return -1;
    }
    frame_length = lw_helper_encode(frame, LW_HELPER_MAX_REQUEST, request);
    if (frame_length == 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot pass the call to the helper; denying");
        explicit_bzero(frame, LW_HELPER_MAX_REQUEST);
        free(frame);
        free(text);
        return -1;
    }

    memset(&default_chld, 0, sizeof(default_chld));
    default_chld.sa_handler = SIG_DFL;
    sigemptyset(&default_chld.sa_mask);
    (void)sigaction(SIGCHLD, &default_chld, &saved_chld);
    pid = fork();
    if (pid == 0)
        exec_helper(sockets[1]);
    close(sockets[1]);
    if (pid < 0) {
        pam_syslog(pamh, LOG_ERR, "cannot start the helper: %s; denying", strerror(errno));
    } else {
        int sent = send_all(sockets[0], frame, frame_length);
        (void)shutdown(sockets[0], SHUT_WR);
        text_length = sent == 0 ? read_answer(sockets[0], text, LW_HELPER_MAX_ANSWER) : -1;
        close(sockets[0]);
        sockets[0] = -1;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (text_length < 0)
            pam_syslog(pamh, LOG_ERR, "no answer from the helper %s; denying", LW_HELPER_PATH);
        else if (parse_answer(text, (size_t)text_length, answer) != 0)
            pam_syslog(pamh, LOG_ERR, "the helper's answer is malformed (exit status %d); denying",
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        else
            result = 0;
    }
    if (sockets[0] >= 0)
        close(sockets[0]);
    (void)sigaction(SIGCHLD, &saved_chld, NULL);
    explicit_bzero(frame, LW_HELPER_MAX_REQUEST);
    free(frame);
    free(text);
    return result;
}
