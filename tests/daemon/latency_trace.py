"""Where an echo's round trip spends its time (bench_latency.py --trace).

Three sources, all on CLOCK_MONOTONIC:
  - the echo client and server: when a message was sent, reached the
    server, came back;
  - espat-sim's event trace (--trace-events): when each AT command reached
    the ESP8285, when its final result and each unsolicited notification
    went into the ESP UART and how many bytes were queued ahead of them;
  - the queue gauges of the daemon's link (STATUS link.queued,
    link.in_flight, link.limit) and of the board (k210-emu stats:
    link_queued, link_in_flight, link_limit, host_tx_queued,
    sock_tx_queued, sock_rx_queued), sampled every few milliseconds; the
    limits are the links' bounds on stream data in them (link_data_room).

Per loaded round trip it splits the time into:
  up:   client send -> the echo's AT+CIPSEND reaches the ESP (daemon,
        link, board, waiting for the ESP command slot); -> the echo server
        has the bytes (the CIPSEND exchange on the ESP UART);
  down: echo server -> the notification is on the ESP UART; -> the
        board's AT+CIPRECVDATA for the echo's link (which commands ran
        first); -> its reply is through the UART; -> the client has it
        (the board's link queue, frames in flight, the daemon).
"""
import re
import statistics
import sys
import threading
import time

from harness import Native

SAMPLE_S = 0.005


def pct(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def parse_trace(path):
    """[(t, kind, fields)] from an espat-sim event trace."""
    events = []
    start = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("# espat-sim trace"):
                m = re.search(r"start (\d+)\.(\d+)", line)
                start = int(m.group(1)) + int(m.group(2)) / 1e9
                continue
            m = re.match(r"\s*(\d+)\.(\d+) # (\w+) (.*)", line)
            if not m or start is None:
                continue
            t = start + int(m.group(1)) + int(m.group(2)) / 1e6
            events.append((t, m.group(3), m.group(4)))
    return events


class Tracer:
    def __init__(self, env, echo, baud):
        self.env = env
        self.echo = echo
        self.baud = baud
        self.path = env.dir + "/esp-events.trace"
        self.samples = []
        self.stop_flag = False
        self.thread = None
        sys.setswitchinterval(0.0002)

    @staticmethod
    def emu_args(path):
        return ("--esp-arg", "--trace-events", "--esp-arg", path)

    def start(self):
        self.samples = []
        self.stop_flag = False
        self.t_start = time.monotonic()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        with Native(self.env.sock) as n:
            while not self.stop_flag:
                t = time.monotonic()
                st = n.status()
                emu = {}
                for kv in self.env.emu_command("stats").splitlines():
                    k, _, v = kv.partition("=")
                    if v.isdigit():
                        emu[k] = int(v)
                self.samples.append((t, st.get("link.queued", 0), st.get("link.in_flight", 0),
                                     emu.get("link_queued", 0), emu.get("link_in_flight", 0),
                                     emu.get("host_tx_queued", 0), emu.get("sock_tx_queued", 0),
                                     emu.get("sock_rx_queued", 0), st.get("link.limit", 0),
                                     emu.get("link_limit", 0)))
                time.sleep(SAMPLE_S)

    def ms(self, nbytes):
        return nbytes * 10.0 * 1000 / self.baud

    def stop(self, sends):
        self.stop_flag = True
        self.thread.join()
        t_end = time.monotonic()
        events = parse_trace(self.path)
        # The echo's ESP link: the last CIPSTART to the echo server's port
        # (the connection may be older than this round's trace window).
        link = None
        for t, kind, rest in events:
            m = re.match(r'AT\+CIPSTART=(\d),"TCP","[^"]*",(\d+)', rest) if kind == "cmd" else None
            if m and int(m.group(2)) == self.echo.port:
                link = int(m.group(1))
        if link is None:
            return "trace: the echo's CIPSTART is not in the trace"
        events = [e for e in events if self.t_start - 1 <= e[0] <= t_end + 1]
        byte_ms = 10.0 * 1000 / self.baud
        seen = list(self.echo.seen)
        stages = {k: [] for k in ("up_to_cipsend", "up_cipsend", "down_notify", "down_wait_read",
                                  "down_read", "down_to_client")}
        down_before = []        # [reads, sends] of other links before the echo's read
        up_before = []          # [reads, sends] between the client's send and the echo's CIPSEND
        read_sizes = []
        send_sizes = []
        ei = 0
        for t0, t1, size in sends:
            while ei < len(events) and events[ei][0] < t0:
                ei += 1
            c_send = None
            j = ei
            while j < len(events) and events[j][0] <= t1:
                t, kind, rest = events[j]
                if kind == "cmd" and rest.startswith("AT+CIPSEND=%d," % link):
                    c_send = t
                    break
                j += 1
            srv = next((t for t, n in seen if t0 <= t <= t1), None)
            if c_send is None or srv is None:
                continue
            ipd = urc = c_recv = ok = None
            others = [0, 0]
            up_cmds = [0, 0]
            for k in range(ei, j):
                t, kind, rest = events[k]
                if kind == "cmd" and rest.startswith("AT+CIPRECVDATA="):
                    up_cmds[0] += 1
                    read_sizes.append(int(rest.split(",")[1]))
                elif kind == "cmd" and rest.startswith("AT+CIPSEND="):
                    up_cmds[1] += 1
                    send_sizes.append(int(rest.split(",")[1]))
            for k in range(j, len(events)):
                t, kind, rest = events[k]
                if t > t1:
                    break
                if ipd is None:
                    if kind == "ipd" and rest.startswith("%d " % link) and t >= srv - 0.0005:
                        ipd = t
                    continue
                if urc is None and kind == "urc":
                    m = re.match(r"\d+ backlog (\d+)", rest)
                    urc = t + int(m.group(1)) * byte_ms / 1000
                if c_recv is None:
                    if kind == "cmd" and rest.startswith("AT+CIPRECVDATA=%d," % link):
                        c_recv = t
                    elif kind == "cmd" and rest.startswith("AT+CIPRECVDATA="):
                        others[0] += 1
                        read_sizes.append(int(rest.split(",")[1]))
                    elif kind == "cmd" and rest.startswith("AT+CIPSEND="):
                        others[1] += 1
                        send_sizes.append(int(rest.split(",")[1]))
                    continue
                if kind == "final":
                    m = re.match(r"\S+ backlog (\d+)", rest)
                    ok = t + int(m.group(1)) * byte_ms / 1000
                    break
            if None in (ipd, urc, c_recv, ok):
                continue
            urc = max(urc, ipd)
            stages["up_to_cipsend"].append((c_send - t0) * 1000)
            stages["up_cipsend"].append((srv - c_send) * 1000)
            stages["down_notify"].append((urc - srv) * 1000)
            stages["down_wait_read"].append((c_recv - urc) * 1000)
            stages["down_read"].append((ok - c_recv) * 1000)
            stages["down_to_client"].append((t1 - ok) * 1000)
            down_before.append(others)
            up_before.append(up_cmds)
        out = ["trace (%d baud, %d of %d loaded round trips matched; ms):" %
               (self.baud, len(stages["up_cipsend"]), len(sends))]
        for name, v in stages.items():
            if v:
                out.append("  %-15s p50 %6.1f  p95 %6.1f  mean %6.1f" %
                           (name, statistics.median(v), pct(v, 95), statistics.mean(v)))
        if up_before:
            for what, v in (("client's send -> echo's CIPSEND", up_before),
                            ("echo's notification -> its CIPRECVDATA", down_before)):
                out.append("  commands of other links, %s: CIPRECVDATA mean %.2f max %d, "
                           "CIPSEND mean %.2f max %d" %
                           (what, statistics.mean(x[0] for x in v), max(x[0] for x in v),
                            statistics.mean(x[1] for x in v), max(x[1] for x in v)))
            out.append("  their sizes (median): CIPRECVDATA %s, CIPSEND %s bytes" %
                       (statistics.median(read_sizes) if read_sizes else "-",
                        statistics.median(send_sizes) if send_sizes else "-"))
        if self.samples:
            names = ("daemon link queued", "daemon link in flight", "board link queued",
                     "board link in flight", "board UART tx ring", "board sock tx rings",
                     "board sock rx rings", "daemon link limit", "board link limit")
            for i, name in enumerate(names):
                vals = [s[i + 1] for s in self.samples]
                out.append("  %-22s mean %6.0f B (%5.1f ms of line)  p95 %6.0f B (%5.1f ms)" %
                           (name, statistics.mean(vals), self.ms(statistics.mean(vals)),
                            pct(vals, 95), self.ms(pct(vals, 95))))
        return "\n".join(out)
