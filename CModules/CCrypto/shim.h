/* OpenSSL's libcrypto (HMAC, digests, KDFs) for the TOTP and PIN code. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <errno.h>
#include <sys/random.h>

/* getrandom(2) for Swift, retried on EINTR; blocks only until the pool is first seeded. */
static inline long lw_getrandom(void *buffer, unsigned long length) {
    ssize_t result;
    do {
        result = getrandom(buffer, length, 0);
    } while (result < 0 && errno == EINTR);
    return (long)result;
}
