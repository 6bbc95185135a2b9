/*
 * Nettle's SHA-1, SHA-256, SHA-512, HMAC and PBKDF2 behind one small interface, selected by
 * LW_DIGEST_*. Header only: the functions are Nettle's (libnettle, on every Debian system
 * through GnuTLS; it does no global initialisation and allocates nothing).
 *
 * Nettle 4 drops the length argument of the *_digest functions; LW_NETTLE_DIGEST is the one
 * place that knows, so the rest of the code builds against Debian 12's Nettle 3.8 and later.
 */
#ifndef LW_CNETTLE_SHIM_H
#define LW_CNETTLE_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/version.h>

#if NETTLE_VERSION_MAJOR >= 4
#define LW_NETTLE_DIGEST(function, ctx, length, out) function(ctx, out)
#else
#define LW_NETTLE_DIGEST(function, ctx, length, out) function(ctx, length, out)
#endif

enum { LW_DIGEST_SHA1 = 1, LW_DIGEST_SHA256 = 2, LW_DIGEST_SHA512 = 3 };

/* The login core loads libnettle on first use (scripts/embedded/lazy_libraries.c defines
   lw_nettle_load); elsewhere it is linked in. 0 means nothing may be hashed: fail closed. */
extern int lw_nettle_load(void) __attribute__((weak));

static inline int lw_nettle_available(void)
{
    return lw_nettle_load ? lw_nettle_load() : 1;
}

/* A running hash of one kind. */
typedef struct lw_hash_ctx {
    int kind;
    union {
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
        struct sha512_ctx sha512;
    } u;
} lw_hash_ctx;

/* The digest size of a kind in bytes, or 0 for an unknown kind. */
static inline size_t lw_digest_size(int kind)
{
    switch (kind) {
    case LW_DIGEST_SHA1: return SHA1_DIGEST_SIZE;
    case LW_DIGEST_SHA256: return SHA256_DIGEST_SIZE;
    case LW_DIGEST_SHA512: return SHA512_DIGEST_SIZE;
    default: return 0;
    }
}

static inline int lw_hash_init(lw_hash_ctx *ctx, int kind)
{
    ctx->kind = kind;
    switch (kind) {
    case LW_DIGEST_SHA1: nettle_sha1_init(&ctx->u.sha1); return 0;
    case LW_DIGEST_SHA256: nettle_sha256_init(&ctx->u.sha256); return 0;
    case LW_DIGEST_SHA512: nettle_sha512_init(&ctx->u.sha512); return 0;
    default: return -1;
    }
}

static inline void lw_hash_update(lw_hash_ctx *ctx, const uint8_t *data, size_t length)
{
    switch (ctx->kind) {
    case LW_DIGEST_SHA1: nettle_sha1_update(&ctx->u.sha1, length, data); break;
    case LW_DIGEST_SHA256: nettle_sha256_update(&ctx->u.sha256, length, data); break;
    case LW_DIGEST_SHA512: nettle_sha512_update(&ctx->u.sha512, length, data); break;
    default: break;
    }
}

/* Writes lw_digest_size(kind) bytes to out. */
static inline void lw_hash_digest(lw_hash_ctx *ctx, uint8_t *out)
{
    switch (ctx->kind) {
    case LW_DIGEST_SHA1: LW_NETTLE_DIGEST(nettle_sha1_digest, &ctx->u.sha1, SHA1_DIGEST_SIZE, out); break;
    case LW_DIGEST_SHA256: LW_NETTLE_DIGEST(nettle_sha256_digest, &ctx->u.sha256, SHA256_DIGEST_SIZE, out); break;
    case LW_DIGEST_SHA512: LW_NETTLE_DIGEST(nettle_sha512_digest, &ctx->u.sha512, SHA512_DIGEST_SIZE, out); break;
    default: break;
    }
}

/* HMAC (RFC 2104) of message under key; writes lw_digest_size(kind) bytes. -1: unknown kind. */
static inline int lw_hmac(int kind, const uint8_t *key, size_t key_length, const uint8_t *message,
                          size_t message_length, uint8_t *out)
{
    switch (kind) {
    case LW_DIGEST_SHA1: {
        struct hmac_sha1_ctx ctx;
        nettle_hmac_sha1_set_key(&ctx, key_length, key);
        nettle_hmac_sha1_update(&ctx, message_length, message);
        LW_NETTLE_DIGEST(nettle_hmac_sha1_digest, &ctx, SHA1_DIGEST_SIZE, out);
        return 0;
    }
    case LW_DIGEST_SHA256: {
        struct hmac_sha256_ctx ctx;
        nettle_hmac_sha256_set_key(&ctx, key_length, key);
        nettle_hmac_sha256_update(&ctx, message_length, message);
        LW_NETTLE_DIGEST(nettle_hmac_sha256_digest, &ctx, SHA256_DIGEST_SIZE, out);
        return 0;
    }
    case LW_DIGEST_SHA512: {
        struct hmac_sha512_ctx ctx;
        nettle_hmac_sha512_set_key(&ctx, key_length, key);
        nettle_hmac_sha512_update(&ctx, message_length, message);
        LW_NETTLE_DIGEST(nettle_hmac_sha512_digest, &ctx, SHA512_DIGEST_SIZE, out);
        return 0;
    }
    default:
        return -1;
    }
}

/* PBKDF2 (RFC 8018) with HMAC of kind; writes length bytes. -1: unknown kind or no iterations. */
static inline int lw_pbkdf2(int kind, const uint8_t *password, size_t password_length, unsigned iterations,
                            const uint8_t *salt, size_t salt_length, size_t length, uint8_t *out)
{
    if (iterations == 0)
        return -1;
    switch (kind) {
    case LW_DIGEST_SHA1:
        nettle_pbkdf2_hmac_sha1(password_length, password, iterations, salt_length, salt, length, out);
        return 0;
    case LW_DIGEST_SHA256:
        nettle_pbkdf2_hmac_sha256(password_length, password, iterations, salt_length, salt, length, out);
        return 0;
    case LW_DIGEST_SHA512:
        nettle_pbkdf2_hmac_sha512(password_length, password, iterations, salt_length, salt, length, out);
        return 0;
    default:
        return -1;
    }
}

#endif /* LW_CNETTLE_SHIM_H */
