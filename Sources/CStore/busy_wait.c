/* SQLite's own busy wait (sqlite3_busy_timeout) sleeps 1, 2, 5, 10 ... up to 100 ms between
   tries. A login holds the write lock for about one WAL sync (well under a millisecond to a
   few), so under contention the waiters sleep far longer than the lock is held and the
   queue drains slowly. This wait polls every 0.25 ms at first and every 5 ms at most (shorter
   polls made 64 waiters on two CPUs steal time from the holder), with up to a quarter more at
   random so that waiters do not retry in step, and gives up after the timeout. */
#include "lockwarden_store.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* When the current wait began, per thread: a connection waits on one thread at a time, and
   SQLite calls the handler with count 0 at the start of every new wait. */
static __thread struct timespec wait_started;

static long long elapsed_microseconds(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long long)(now.tv_sec - since->tv_sec) * 1000000LL + (now.tv_nsec - since->tv_nsec) / 1000;
}

static int busy_wait(void *timeout, int count) {
    long long limit = (long long)(intptr_t)timeout * 1000LL;
    if (count == 0) clock_gettime(CLOCK_MONOTONIC, &wait_started);
    long long waited = elapsed_microseconds(&wait_started);
    if (waited >= limit) return 0;
    long long pause = 250LL * (count < 20 ? count + 1 : 20);
    pause += ((long long)getpid() * 131LL + (long long)count * 37LL) % (pause / 4 + 1);
    if (pause > limit - waited) pause = limit - waited;
    struct timespec delay = {(time_t)(pause / 1000000LL), (long)(pause % 1000000LL) * 1000L};
    nanosleep(&delay, 0);
    return 1;
}

int lw_store_set_busy_wait(sqlite3 *db, int milliseconds) {
    if (milliseconds <= 0) return sqlite3_busy_handler(db, 0, 0);
    return sqlite3_busy_handler(db, busy_wait, (void *)(intptr_t)milliseconds);
}
