/*
 * Every size and time limit of the firmware core, in one place.  All memory
 * is static; CONFIG_* sizes decide the core's RAM: about 190 KB of variables
 * (the host link, 72 KB, and the socket send rings, 48 KB, dominate) and the
 * receive pool, 5.5 MB, which the port provides (on the K210, SRAM the image
 * leaves free).
 */
#ifndef K210_CONFIG_H
#define K210_CONFIG_H

#define CONFIG_FIRMWARE_VERSION "k210sockd-shim 0.1.0"

/*
 * Host link.  What the board sends stays in the 32 KB ring until the host
 * acknowledges it, and that includes the bytes still queued in the UART's
 * own 8 KB transmit ring: 32 KB keeps the line busy through the round trip
 * and leaves room for answers.  16 frames of 2048 bytes (the board's window
 * in PROTOCOL.md) towards the board is 160 ms of line at 2 Mbaud, well above
 * a USB serial bridge's round trip.
 */
#define CONFIG_LINK_WINDOW 16
#define CONFIG_LINK_PAYLOAD 2048
#define CONFIG_LINK_TX_BUFFER 32768
/*
 * Frame payload towards the host while a socket with nothing to move shares
 * the link with one that has (and for CONFIG_LINK_SHARED_HOLD_US after):
 * the quiet socket's next message waits behind shorter frames, at about 1%
 * more framing.
 */
#define CONFIG_LINK_SHARED_PAYLOAD 1024
#define CONFIG_LINK_SHARED_HOLD_US 1000000u
#define CONFIG_LINK_SHARED_CHECK_US 1000u
/* Link memory: tx ring, reorder slots, decoder, scratch and encoded frame. */
#define CONFIG_LINK_MEM (CONFIG_LINK_TX_BUFFER + CONFIG_LINK_WINDOW * CONFIG_LINK_PAYLOAD + 8192)
/* Bytes moved between the link and the host UART per step. */
#define CONFIG_HOST_CHUNK 512

/* ESP8285 links (AT+CIPMUX=1 gives ids 0..4). */
#define CONFIG_LINKS 5
/* Per-socket ring: host->ESP bytes waiting for CIPSEND. */
#define CONFIG_SOCK_TX_RING 8192
/*
 * ESP->host bytes waiting for credit, all sockets: the receive pool (pool.h).
 * In active mode (AT 1.1) it is what lets a reader stall: a lone socket may
 * hold all of it but the other sockets' shares, about 5.2 MB, half a minute
 * of data at 2 Mbaud.  The K210 image has 6 MB of SRAM and needs about
 * 350 KB itself; the layout check keeps the pool inside what is left.
 */
#define CONFIG_RX_POOL (5632u * 1024u)
#define CONFIG_RX_SHARE_MIN (64u * 1024u)
/* Datagrams queued per socket towards the ESP (their bytes share the tx ring). */
#define CONFIG_SOCK_DGRAMS 16
/* Pending SETSOCKOPT values for ids that are not connected yet. */
#define CONFIG_PENDING_OPTS 8
/* Ids recently reported closed: a CLOSE racing EV_CLOSED still answers OK. */
#define CONFIG_RECENT_CLOSED 16
/* Local ports for UDP_BIND with port 0. */
#define CONFIG_EPHEMERAL_FIRST 49152u
#define CONFIG_EPHEMERAL_COUNT 16384u

/* ESP UART. */
#define CONFIG_ESP_BASE_BAUD 115200u
/* The module's UART divides this clock: its rates are 80 MHz / n. */
#define CONFIG_ESP_UART_CLOCK 80000000u
/*
 * In active mode (no passive receive) the module sends as fast as its UART
 * goes and nothing holds it back: its rate stays below this share of the
 * host link's, whose framing and acknowledgements cost a few percent.
 */
#define CONFIG_ESP_ACTIVE_PERCENT 93u
#define CONFIG_AT_LINE_MAX 256
/* Largest +IPD or +CIPRECVDATA payload accepted (the ESP sends at most 2048). */
#define CONFIG_AT_DATA_MAX 4096
#define CONFIG_AT_CMD_MAX 300
/* One AT+CIPSEND / AT+CIPRECVDATA moves at most this much. */
#define CONFIG_ESP_CHUNK 2048
/*
 * ...and this much while another socket is open and idle (see
 * sock_esp_chunk).  Reads stay longer than sends: each read is a round trip
 * on the module's UART (the command, then the reply's header before its
 * data), and at 512 bytes that turn-around cost bulk downloads a twentieth
 * of the line; a bulk upload loses far less to short sends.
 */
#define CONFIG_ESP_SHARED_SEND 512
#define CONFIG_ESP_SHARED_READ 1024
#define CONFIG_ESP_READ_CHUNK 512
/* What one command or message costs in the sockets' fair queues beyond its
 * bytes: the exchange around it, so that many tiny ones are not free. */
#define CONFIG_ESP_CMD_COST 64

/* ESP timing (milliseconds). */
#define CONFIG_ESP_RESET_HOLD_MS 20
#define CONFIG_ESP_BOOT_MS 3000
#define CONFIG_ESP_PROBE_MS 300
#define CONFIG_ESP_PROBE_TRIES 3
#define CONFIG_ESP_VERIFY_MS 150
#define CONFIG_ESP_VERIFY_TRIES 3
#define CONFIG_ESP_RESET_BACKOFF_MS 5000
#define CONFIG_ESP_CMD_MS 3000
#define CONFIG_ESP_CONNECT_MS 25000
#define CONFIG_ESP_JOIN_MS 30000
#define CONFIG_ESP_SCAN_MS 15000
#define CONFIG_ESP_DNS_MS 15000
#define CONFIG_ESP_SEND_MS 30000
#define CONFIG_ESP_BUSY_QUIET_MS 100
/*
 * The module sends a reply's data without pauses: a gap this long inside it
 * means trouble.  The emulated board raises it: its ESP8285 is a process that
 * a busy machine may not run for longer than that.
 */
#ifndef CONFIG_ESP_DATA_STALL_MS
#define CONFIG_ESP_DATA_STALL_MS 50
#endif
#define CONFIG_ESP_BUSY_TRIES 30
/*
 * "busy" means a command is still running.  Busy answers, with no command
 * completing, for longer than the longest command may take (AT+CWJAP) mean
 * the module is wedged: it is reset through WIFI_EN.
 */
#define CONFIG_ESP_WEDGED_MS (CONFIG_ESP_JOIN_MS + 5000)
/* Consecutive command timeouts that mean the ESP is gone. */
#define CONFIG_ESP_TIMEOUTS_MAX 3

/* Host requests served at once (PROTO_BOARD_REQUESTS_MAX) and how long one may wait for the ESP. */
#define CONFIG_REQUESTS 8
#define CONFIG_REQUEST_WAIT_MS 20000

/* EV_LOG rate limit: a burst, then one per interval. */
#define CONFIG_LOG_BURST 5
#define CONFIG_LOG_INTERVAL_MS 1000

#endif
