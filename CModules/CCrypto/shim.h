/* OpenSSL's libcrypto, only as the oracle of the differential tests in
 * Tests/LockwardenCryptoTests: production code hashes with LockwardenCrypto's own code. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
