/*
 * The AT command interpreter: echo, line assembly, "busy" answers, the CIPSEND data phase, dispatch,
 * and the basic commands. Command handlers (here, in atwifi.c and atip.c) answer through reply_*()
 * for intermediate lines and end with exactly one atcmd_ok/error/final*() call, possibly later from
 * a callback when the command runs asynchronously (joining, connecting, resolving, sending).
 */
#ifndef ESPAT_ATCMD_H
#define ESPAT_ATCMD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atparse.h"

typedef void (*atcmd_handler)(struct atparse_cmd *cmd);
typedef void (*atcmd_after_fn)(void);

/* Boot: echo on, no command running. */
void atcmd_reset(void);
void atcmd_input(const uint8_t *buf, size_t len);

/* Final results; with --cmd-latency-us they are held back that long (the command stays running). */
void atcmd_ok(void);
void atcmd_error(void);
/* Prints text (a line or two, then the final result) as the end of the running command. */
void atcmd_final(const char *text);
/* As atcmd_final(), then runs after() once the text is out (baud switch, reboot, data phase). */
void atcmd_final_then(const char *text, atcmd_after_fn after);
/* Prints msg as an info line, then ERROR. */
void atcmd_fail_with(const char *msg);

/*
 * Ends AT+CIPSEND with OK and the prompt, then takes exactly len raw bytes for link id (dest: the
 * UDP remote given in the command, or NULL) and hands them to the link.
 */
void atcmd_prompt_data(int id, size_t len, const struct sockaddr_in *dest);

/* --quirk busy-after-scan: from now until the next boot every command line gets "busy p...". */
void atcmd_wedge(void);

#endif
