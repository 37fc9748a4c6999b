/* TLS client side of SSL links, on OpenSSL. Like the real chip, it verifies no certificate. */
#ifndef ESPAT_TLS_H
#define ESPAT_TLS_H

#include <stddef.h>
#include <sys/types.h>

struct tls;

enum tls_status {
	TLS_DONE,
	TLS_WANT_READ,
	TLS_WANT_WRITE,
	TLS_CLOSED, /* the peer ended the session */
	TLS_FAILED,
};

/* max_fragment: the AT+CIPSSLSIZE buffer, the largest record sent (0 = OpenSSL's default). */
/* server_name is not modified; OpenSSL's SNI macro just takes it without const. */
struct tls *tls_new(int fd, char *server_name, unsigned max_fragment);
void tls_free(struct tls *t);
enum tls_status tls_handshake(struct tls *t);
/* Both return the byte count (> 0) or -1 with *status saying why nothing moved. */
ssize_t tls_read(struct tls *t, void *buf, size_t len, enum tls_status *status);
ssize_t tls_write(struct tls *t, const void *buf, size_t len, enum tls_status *status);
/* Decrypted bytes already buffered inside OpenSSL: poll() cannot announce these. */
size_t tls_pending(struct tls *t);

#endif
