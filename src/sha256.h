/*
 * sha256.h -- SHA-256 (FIPS 180-4), for the store's audit hash chain and
 * for fingerprints of calibration inputs.
 *
 * A small self-contained implementation so that src/ needs no crypto
 * library; checked against the FIPS 180-2 example vectors in
 * tests/check_store.c.
 */
#ifndef QD_SHA256_H
#define QD_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;           /* bytes hashed so far */
	unsigned char block[64];
	size_t fill;            /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
/* Writes the 32-byte digest. */
void sha256_final(struct sha256 *c, unsigned char out[32]);
/* Hashes n bytes and writes the digest as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t n, char out[65]);
/* Writes the digest in c as 64 lowercase hex digits and a NUL. */
void sha256_final_hex(struct sha256 *c, char out[65]);

#endif
