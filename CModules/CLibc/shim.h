/* libc declarations that Glibc's Swift module leaves out. Header only, so nothing is linked. */
#include <spawn.h>
#include <sys/vfs.h>

/* GNU extensions (glibc 2.29 and 2.34) that <spawn.h> declares only under _GNU_SOURCE. */
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
