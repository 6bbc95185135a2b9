/* getrandom(2) for Swift: Glibc's Swift module does not include <sys/random.h>. Header only,
 * so nothing is linked. */
#include <errno.h>
#include <sys/random.h>

/* Retried on EINTR; blocks only until the pool is first seeded. */
static inline long lw_getrandom(void *buffer, unsigned long length) {
    ssize_t result;
    do {
        result = getrandom(buffer, length, 0);
    } while (result < 0 && errno == EINTR);
    return (long)result;
}
