/* Host side: the errno value each protocol error code stands for. */
#ifndef K210_PROTO_ERRNO_H
#define K210_PROTO_ERRNO_H

int proto_errno_from_err(int err);  /* PROTO_E* -> errno (0 for PROTO_OK) */
int proto_errno_to_err(int errnum); /* errno -> PROTO_E* (PROTO_EIO if none fits) */

#endif
