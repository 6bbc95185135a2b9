/* The account index: which accounts have any state, so that a login of an account with none
   is decided without loading SQLite (lockwarden_store.h). The file is derived from the
   database and checked against it on every read; anything unexpected reads as "unknown",
   which sends the caller to SQLite. Nothing here calls SQLite.

   Layout (host byte order; the file is local and root-only): a header, then `capacity` 64-bit
   slots of an open-addressing hash table with linear probing. A slot holds 0 (empty),
   1 (removed) or a key (>= 2). Writers change the file in place under the index lock, as a
   sequence lock: `sequence` is odd while a change is under way, and `in_progress` stays set
   from before a database transaction until its commit, so a writer that dies mid-way leaves
   the index unusable rather than wrong. */
#include "lockwarden_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INDEX_MAGIC 0x3158444e49574cULL /* "LWINDX1" */
#define INDEX_VERSION 1u
#define SLOT_EMPTY 0u
#define SLOT_REMOVED 1u
#define MIN_CAPACITY 1024u
#define MAX_CAPACITY (1ULL << 26) /* 512 MiB of slots: far beyond any user database */

typedef struct index_header {
    uint64_t magic;
    uint32_t version;
    uint32_t in_progress;
    _Atomic uint64_t sequence;
    uint64_t capacity;
    uint64_t used;
    uint64_t removed;
    lw_index_stamp stamp;
    uint64_t reserved[4];
} index_header;

struct lw_index_writer {
    int fd;
    size_t size;
    index_header *header;
    uint64_t *slots;
    int usable; /* the index matched the database when the change began */
};

static int64_t nanoseconds(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec; }

/* A file SQLite owns, as its stamp part; absent is all zeros. -1 when it exists but is odd.
   Not the change time: SQLite, run by root, fchowns the WAL at every open. */
static int stamp_file(const char *path, uint64_t *ino, uint64_t *size, int64_t *mtime, uint64_t *dev) {
    struct stat status;
    if (lstat(path, &status) != 0) {
        if (errno != ENOENT) return -1;
        *ino = 0; *size = 0; *mtime = 0;
        if (dev) *dev = 0;
        return 0;
    }
    if (!S_ISREG(status.st_mode)) return -1;
    *ino = (uint64_t)status.st_ino;
    *size = (uint64_t)status.st_size;
    *mtime = nanoseconds(&status.st_mtim);
    if (dev) *dev = (uint64_t)status.st_dev;
    return 0;
}

int lw_index_stamp_files(const char *database_path, lw_index_stamp *stamp) {
    char wal[4096];
    memset(stamp, 0, sizeof(*stamp));
    if (snprintf(wal, sizeof(wal), "%s-wal", database_path) >= (int)sizeof(wal)) return -1;
    if (stamp_file(database_path, &stamp->db_ino, &stamp->db_size, &stamp->db_mtime, &stamp->db_dev) != 0)
        return -1;
    if (stamp->db_ino == 0) return -1; /* no database: nothing to vouch for */
    return stamp_file(wal, &stamp->wal_ino, &stamp->wal_size, &stamp->wal_mtime, 0);
}

static int stamps_equal(const lw_index_stamp *a, const lw_index_stamp *b) { return memcmp(a, b, sizeof(*a)) == 0; }

static int header_sane(const index_header *header, size_t size) {
    if (header->magic != INDEX_MAGIC || header->version != INDEX_VERSION) return 0;
    uint64_t capacity = header->capacity;
    if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) != 0) return 0;
    return size == sizeof(index_header) + capacity * sizeof(uint64_t);
}

/* Root-owned, 0600 or stricter, a regular file reached without a symlink. */
static int open_checked(const char *path, int flags, struct stat *status) {
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -1;
    if (fstat(fd, status) != 0 || !S_ISREG(status->st_mode) || status->st_uid != 0 || (status->st_mode & 0077) != 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    return fd;
}

int lw_index_lookup(const char *index_path, const char *database_path, uint64_t key) {
    struct stat status;
    int result = LW_INDEX_UNKNOWN;
    if (key < 2) return LW_INDEX_UNKNOWN;
    /* A database that cannot take a write (read-only mount, immutable file) could not count
       the next failure either: SQLite refuses it, so the login is refused as before. */
    if (access(database_path, W_OK) != 0) return LW_INDEX_UNKNOWN;
    int fd = open_checked(index_path, O_RDONLY, &status);
    if (fd < 0) return LW_INDEX_UNKNOWN;
    size_t size = (size_t)status.st_size;
    if (size < sizeof(index_header)) {
        close(fd);
        return LW_INDEX_UNKNOWN;
    }
    void *map = mmap(0, size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return LW_INDEX_UNKNOWN;
    const index_header *header = map;
    const volatile uint64_t *slots = (const volatile uint64_t *)((const char *)map + sizeof(index_header));
    uint64_t before = atomic_load_explicit(&((index_header *)map)->sequence, memory_order_acquire);
    lw_index_stamp now, recorded;
    if ((before & 1u) == 0 && header_sane(header, size) && header->in_progress == 0 &&
        lw_index_stamp_files(database_path, &now) == 0) {
        memcpy(&recorded, (const void *)&header->stamp, sizeof(recorded));
        if (stamps_equal(&recorded, &now)) {
            uint64_t mask = header->capacity - 1;
            uint64_t slot = key & mask;
            for (uint64_t probe = 0; probe <= mask; probe++) {
                uint64_t value = slots[slot];
                if (value == SLOT_EMPTY) { result = LW_INDEX_CLEAN; break; }
                if (value == key) { result = LW_INDEX_HAS_STATE; break; }
                slot = (slot + 1) & mask;
            }
        }
    }
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&((index_header *)map)->sequence, memory_order_relaxed) != before) result = LW_INDEX_UNKNOWN;
    munmap(map, size);
    return result;
}

int lw_index_lock(const char *directory, int timeout_milliseconds) {
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned attempt = 0;; attempt++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
        if (errno != EWOULDBLOCK && errno != EINTR) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t waited = (nanoseconds(&now) - nanoseconds(&start)) / 1000000;
        if (waited >= timeout_milliseconds) {
            errno = EWOULDBLOCK;
            break;
        }
        struct timespec pause = {0, (long)(attempt < 20 ? attempt + 1 : 20) * 250000L};
        nanosleep(&pause, 0);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

void lw_index_unlock(int lock) {
    if (lock >= 0) close(lock); /* closing the descriptor releases the flock */
}

static void begin_change(index_header *header) {
    atomic_fetch_add_explicit(&header->sequence, 1, memory_order_acq_rel);
}

static void end_change(index_header *header) {
    atomic_fetch_add_explicit(&header->sequence, 1, memory_order_release);
}

lw_index_writer *lw_index_begin(const char *index_path, const char *database_path) {
    lw_index_writer *writer = calloc(1, sizeof(*writer));
    if (!writer) return 0;
    writer->fd = -1;
    struct stat status;
    int fd = open_checked(index_path, O_RDWR, &status);
    if (fd < 0) return writer; /* missing or refused: not usable, rebuilt later */
    size_t size = (size_t)status.st_size;
    void *map = size >= sizeof(index_header) ? mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (map == MAP_FAILED) {
        close(fd);
        return writer;
    }
    writer->fd = fd;
    writer->size = size;
    writer->header = map;
    writer->slots = (uint64_t *)((char *)map + sizeof(index_header));
    lw_index_stamp now;
    index_header *header = writer->header;
    if (header_sane(header, size) && (atomic_load(&header->sequence) & 1u) == 0 && header->in_progress == 0 &&
        lw_index_stamp_files(database_path, &now) == 0 && stamps_equal(&header->stamp, &now)) {
        begin_change(header);
        header->in_progress = 1;
        end_change(header);
        writer->usable = 1;
    }
    return writer;
}

int lw_index_usable(const lw_index_writer *writer) { return writer && writer->usable; }

static int insert_key(lw_index_writer *writer, uint64_t key) {
    index_header *header = writer->header;
    uint64_t mask = header->capacity - 1, slot = key & mask, free_slot = UINT64_MAX;
    for (uint64_t probe = 0; probe <= mask; probe++) {
        uint64_t value = writer->slots[slot];
        if (value == key) return 0;
        if (value == SLOT_REMOVED && free_slot == UINT64_MAX) free_slot = slot;
        if (value == SLOT_EMPTY) {
            if (free_slot == UINT64_MAX) free_slot = slot;
            break;
        }
        slot = (slot + 1) & mask;
    }
    if (free_slot == UINT64_MAX) return -1;
    int reuses = writer->slots[free_slot] == SLOT_REMOVED;
    /* Keep at least half the slots empty, so that probes stay short and always end. */
    if (!reuses && (header->used + header->removed + 1) * 2 > header->capacity) return -1;
    writer->slots[free_slot] = key;
    header->used++;
    if (reuses) header->removed--;
    return 0;
}

static void remove_key(lw_index_writer *writer, uint64_t key) {
    index_header *header = writer->header;
    uint64_t mask = header->capacity - 1, slot = key & mask;
    for (uint64_t probe = 0; probe <= mask; probe++) {
        uint64_t value = writer->slots[slot];
        if (value == SLOT_EMPTY) return;
        if (value == key) {
            writer->slots[slot] = SLOT_REMOVED;
            header->used--;
            header->removed++;
            return;
        }
        slot = (slot + 1) & mask;
    }
}

void lw_index_set(lw_index_writer *writer, uint64_t key, int has_state) {
    if (!writer || !writer->usable || key < 2) return;
    begin_change(writer->header);
    if (has_state) {
        /* No room: the index stays marked in progress, and the next use rebuilds it larger. */
        if (insert_key(writer, key) != 0) writer->usable = 0;
    } else {
        remove_key(writer, key);
    }
    end_change(writer->header);
}

void lw_index_end(lw_index_writer *writer, const char *database_path, int committed) {
    if (!writer) return;
    if (writer->usable && committed) {
        lw_index_stamp now;
        index_header *header = writer->header;
        if (lw_index_stamp_files(database_path, &now) == 0) {
            begin_change(header);
            header->stamp = now;
            header->in_progress = 0;
            end_change(header);
        }
    }
    /* Not committed, or not usable: in_progress stays set (or the index was already stale). */
    if (writer->header) munmap(writer->header, writer->size);
    if (writer->fd >= 0) close(writer->fd);
    free(writer);
}

/* Writes a complete new index next to the old one and renames it into place; a reader that
   mapped the old file sees its sequence move and asks SQLite instead. */
int lw_index_write(const char *index_path, const char *database_path, const uint64_t *keys, size_t count) {
    uint64_t capacity = MIN_CAPACITY;
    while (capacity < (uint64_t)count * 4 && capacity < MAX_CAPACITY) capacity <<= 1;
    if ((uint64_t)count * 2 > capacity) return -1;
    char temporary[4096];
    if (snprintf(temporary, sizeof(temporary), "%s.new", index_path) >= (int)sizeof(temporary)) return -1;
    size_t size = sizeof(index_header) + (size_t)capacity * sizeof(uint64_t);
    unlink(temporary);
    int fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)size) != 0) goto fail;
    void *map = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) goto fail;
    lw_index_writer writer = {fd, size, map, (uint64_t *)((char *)map + sizeof(index_header)), 1};
    writer.header->magic = INDEX_MAGIC;
    writer.header->version = INDEX_VERSION;
    writer.header->capacity = capacity;
    for (size_t i = 0; i < count; i++) {
        if (keys[i] >= 2 && insert_key(&writer, keys[i]) != 0) {
            munmap(map, size);
            goto fail;
        }
    }
    if (lw_index_stamp_files(database_path, &writer.header->stamp) != 0) {
        munmap(map, size);
        goto fail;
    }
    munmap(map, size);
    close(fd);
    /* Retire the old file for readers that still have it mapped. */
    struct stat status;
    int old = open_checked(index_path, O_RDWR, &status);
    if (rename(temporary, index_path) != 0) {
        if (old >= 0) close(old);
        unlink(temporary);
        return -1;
    }
    if (old >= 0) {
        if ((size_t)status.st_size >= sizeof(index_header)) {
            index_header *retired = mmap(0, sizeof(index_header), PROT_READ | PROT_WRITE, MAP_SHARED, old, 0);
            if (retired != MAP_FAILED) {
                begin_change(retired);
                retired->in_progress = 1;
                end_change(retired);
                munmap(retired, sizeof(index_header));
            }
        }
        close(old);
    }
    return 0;
fail:
    close(fd);
    unlink(temporary);
    return -1;
}

void lw_index_discard(const char *index_path) { unlink(index_path); }
