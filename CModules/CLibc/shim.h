/*
 * The libc the shared Swift code uses, as one C module: Embedded Swift has no Glibc overlay,
 * so the core and the normal builds both import this instead. Header only, nothing is linked.
 * Macros and variadic functions Swift cannot import get small inline wrappers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* GNU extensions (glibc 2.29 and 2.34) that <spawn.h> declares only under _GNU_SOURCE. */
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

static inline int lw_errno(void) { return errno; }
static inline void lw_set_errno(int value) { errno = value; }

/* open(2) and openat(2) are variadic; these never create a file. */
static inline int lw_open(const char *path, int flags) { return open(path, flags); }
static inline int lw_open_mode(const char *path, int flags, unsigned mode) { return open(path, flags, (mode_t)mode); }
static inline int lw_openat(int directory, const char *path, int flags) { return openat(directory, path, flags); }
static inline int lw_set_cloexec(int descriptor) { return fcntl(descriptor, F_SETFD, FD_CLOEXEC); }

/* SIGPIPE ignored around a write to a child, and put back after. */
static inline void (*lw_ignore_sigpipe(void))(int) { return signal(SIGPIPE, SIG_IGN); }
static inline void lw_restore_sigpipe(void (*previous)(int)) { (void)signal(SIGPIPE, previous); }

/* File type bits as mode_t (the macros import as Int32). */
static inline mode_t lw_file_type(mode_t mode) { return mode & S_IFMT; }
static const mode_t lw_type_directory = S_IFDIR;
static const mode_t lw_type_regular = S_IFREG;
static const mode_t lw_type_symlink = S_IFLNK;

#include <pthread.h>

/* The engine's cache of the last parsed configuration is shared by the threads of a host
 * process (a display manager may run PAM on several); this guards it. Embedded Swift has no
 * Synchronization module. Static: only the engine uses it. */
static pthread_mutex_t lw_parse_cache_mutex = PTHREAD_MUTEX_INITIALIZER;
static inline void lw_parse_cache_lock(void) { (void)pthread_mutex_lock(&lw_parse_cache_mutex); }
static inline void lw_parse_cache_unlock(void) { (void)pthread_mutex_unlock(&lw_parse_cache_mutex); }

/* Guards the idle connection a finished login leaves for the next (LoginSession). */
static pthread_mutex_t lw_idle_store_mutex = PTHREAD_MUTEX_INITIALIZER;
static inline void lw_idle_store_lock(void) { (void)pthread_mutex_lock(&lw_idle_store_mutex); }
static inline void lw_idle_store_unlock(void) { (void)pthread_mutex_unlock(&lw_idle_store_mutex); }

#include <syslog.h>

/* syslog(3) is variadic: the CLI's lines go out as "%s", never as a format. The ident is a
 * literal, which openlog(3) needs to stay valid. */
static inline void lw_syslog_open(void) { openlog("lockwarden", LOG_PID, LOG_AUTHPRIV); }
static inline void lw_syslog(int priority, const char *line) { syslog(LOG_AUTHPRIV | priority, "%s", line); }

/* Clears memory that held a secret with a call the optimiser may not remove. */
static inline void lw_wipe(void *memory, size_t length)
{
    if (memory != NULL && length > 0)
        explicit_bzero(memory, length);
}
