#include "tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include "log.h"

struct tls {
	SSL *ssl;
};

static SSL_CTX *tls_ctx;

static SSL_CTX *tls_context(void)
{
	if (tls_ctx != NULL)
		return tls_ctx;
	tls_ctx = SSL_CTX_new(TLS_client_method());
	if (tls_ctx == NULL)
		log_fatalx("cannot create a TLS context");
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_NONE, NULL);
	/* A peer that drops TCP without close_notify has simply closed the link, as the chip sees it. */
	SSL_CTX_set_options(tls_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* A CIPSEND buffer is handed over once; partial writes let it drain as the socket allows. */
	SSL_CTX_set_mode(tls_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return tls_ctx;
}

struct tls *tls_new(int fd, char *server_name, unsigned max_fragment)
{
	struct tls *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ssl = SSL_new(tls_context());
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1) {
		tls_free(t);
		return NULL;
	}
	if (server_name != NULL)
		SSL_set_tlsext_host_name(t->ssl, server_name);
	if (max_fragment > 0)
		SSL_set_max_send_fragment(t->ssl, max_fragment);
	SSL_set_connect_state(t->ssl);
	return t;
}

void tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	free(t);
}

static enum tls_status tls_status_of(struct tls *t, int ret)
{
	int err = SSL_get_error(t->ssl, ret);

	switch (err) {
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return TLS_CLOSED;
	default:
		log_debug("TLS error %d: %s", err, ERR_reason_error_string(ERR_peek_last_error()));
		ERR_clear_error();
		return TLS_FAILED;
	}
}

enum tls_status tls_handshake(struct tls *t)
{
	int ret = SSL_do_handshake(t->ssl);

	return ret == 1 ? TLS_DONE : tls_status_of(t, ret);
}

ssize_t tls_read(struct tls *t, void *buf, size_t len, enum tls_status *status)
{
	int ret = SSL_read(t->ssl, buf, (int)len);

	if (ret > 0)
		return ret;
	*status = tls_status_of(t, ret);
	return -1;
}

ssize_t tls_write(struct tls *t, const void *buf, size_t len, enum tls_status *status)
{
	int ret = SSL_write(t->ssl, buf, (int)len);

	if (ret > 0)
		return ret;
	*status = tls_status_of(t, ret);
	return -1;
}

size_t tls_pending(struct tls *t)
{
	int n = SSL_pending(t->ssl);

	return n > 0 ? (size_t)n : 0;
}
