/* OpenSSL's libcrypto (HMAC, digests, KDFs) for the TOTP and PIN code. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
