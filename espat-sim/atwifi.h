/* WiFi station commands: CWMODE, CWJAP, CWQAP, CWLAP, CIFSR, CIPSTA, CIPSTAMAC. */
#ifndef ESPAT_ATWIFI_H
#define ESPAT_ATWIFI_H

#include "atparse.h"

void atwifi_reset(void);
/* Joins ssid as the firmware does with saved credentials after boot, printing only URCs. */
void atwifi_autojoin(const char *ssid);

void atwifi_cwmode(struct atparse_cmd *cmd);
void atwifi_cwjap(struct atparse_cmd *cmd);
void atwifi_cwqap(struct atparse_cmd *cmd);
void atwifi_cwlap(struct atparse_cmd *cmd);
void atwifi_cifsr(struct atparse_cmd *cmd);
void atwifi_cipsta(struct atparse_cmd *cmd);
void atwifi_cipstamac(struct atparse_cmd *cmd);

#endif
