/*
 * AES-256-GCM from Nettle, for the fleet agent only: it seals TOTP secrets with the fleet key
 * before they reach the fleet database, and opens them on the other hosts. Logins never load
 * this module. Nettle 4 drops the length argument of the *_digest functions, as in CNettle.
 */
#ifndef LW_CNETTLE_SEAL_H
#define LW_CNETTLE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <nettle/version.h>

#if NETTLE_VERSION_MAJOR >= 4
#define LW_SEAL_DIGEST(ctx, out) nettle_gcm_aes256_digest(ctx, out)
#else
#define LW_SEAL_DIGEST(ctx, out) nettle_gcm_aes256_digest(ctx, GCM_DIGEST_SIZE, out)
#endif

enum { LW_SEAL_KEY_SIZE = 32, LW_SEAL_NONCE_SIZE = GCM_IV_SIZE, LW_SEAL_TAG_SIZE = GCM_DIGEST_SIZE };

/* Encrypts length bytes of plain into out (length bytes) and writes the tag (16 bytes). */
static inline void lw_seal(const uint8_t *key, const uint8_t *nonce, const uint8_t *data, size_t data_length,
                           const uint8_t *plain, size_t length, uint8_t *out, uint8_t *tag)
{
    struct gcm_aes256_ctx ctx;
    nettle_gcm_aes256_set_key(&ctx, key);
    nettle_gcm_aes256_set_iv(&ctx, LW_SEAL_NONCE_SIZE, nonce);
    nettle_gcm_aes256_update(&ctx, data_length, data);
    nettle_gcm_aes256_encrypt(&ctx, length, out, plain);
    LW_SEAL_DIGEST(&ctx, tag);
}

/* Decrypts into out; 0 if the tag matches (compared in constant time), -1 otherwise. */
static inline int lw_open(const uint8_t *key, const uint8_t *nonce, const uint8_t *data, size_t data_length,
                          const uint8_t *sealed, size_t length, const uint8_t *tag, uint8_t *out)
{
    struct gcm_aes256_ctx ctx;
    uint8_t expected[LW_SEAL_TAG_SIZE];
    nettle_gcm_aes256_set_key(&ctx, key);
    nettle_gcm_aes256_set_iv(&ctx, LW_SEAL_NONCE_SIZE, nonce);
    nettle_gcm_aes256_update(&ctx, data_length, data);
    nettle_gcm_aes256_decrypt(&ctx, length, out, sealed);
    LW_SEAL_DIGEST(&ctx, expected);
    return nettle_memeql_sec(expected, tag, LW_SEAL_TAG_SIZE) ? 0 : -1;
}

#endif /* LW_CNETTLE_SEAL_H */
