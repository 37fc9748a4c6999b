/* TCP/IP commands: CIPMUX, CIPSTART, CIPSEND, CIPCLOSE, CIPSTATUS, the server, passive receive... */
#ifndef ESPAT_ATIP_H
#define ESPAT_ATIP_H

#include "atparse.h"

void atip_reset(void);

void atip_cipmux(struct atparse_cmd *cmd);
void atip_cipmode(struct atparse_cmd *cmd);
void atip_cipstart(struct atparse_cmd *cmd);
void atip_cipsend(struct atparse_cmd *cmd);
void atip_cipclose(struct atparse_cmd *cmd);
void atip_cipstatus(struct atparse_cmd *cmd);
void atip_cipserver(struct atparse_cmd *cmd);
void atip_cipsto(struct atparse_cmd *cmd);
void atip_cipdinfo(struct atparse_cmd *cmd);
void atip_cipdomain(struct atparse_cmd *cmd);
void atip_ping(struct atparse_cmd *cmd);
void atip_cipsslsize(struct atparse_cmd *cmd);
void atip_ciprecvmode(struct atparse_cmd *cmd);
void atip_ciprecvdata(struct atparse_cmd *cmd);
void atip_ciprecvlen(struct atparse_cmd *cmd);

#endif
