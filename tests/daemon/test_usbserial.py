#!/usr/bin/env python3
"""The daemon's USB serial path (libserialport), as on a real installation:
umockdev publishes USB serial adapters in a sysfs of its own (CH340 1a86:7523
with its serial string, and decoys), the board's adapter carries the emulated
board's bytes, and the daemon runs under umockdev's preload library.

Checked: discovery by usb:1a86:7523 among other adapters, the choice by serial
string between two CH340s (and a serial nobody has), opening by the kernel
name (/dev/ttyUSBn) and by udev's /dev/k210-0, all through libserialport,
downloads (curl via SOCKS5, SHA-256 compared), unplug and replug (the adapter leaves sysfs and its tty
hangs up, the board loses power) with discovery again, and the modem lines:
umockdev's ioctl hook plays the adapter's DTR and RTS (a pseudo-terminal has
none, which is why libserialport cannot open one), raised by the kernel at
every open as a real port's are; the daemon must lower both and never raise
either, and leave the port without hardware flow control (the kernel would
drive RTS) or HUPCL, at the link's 2 Mbaud."""
import importlib.util
import os
import sys

# GObject introspection comes with Debian's python3, not with a private one.
if importlib.util.find_spec("gi") is None and not os.environ.get("K210_USBSERIAL_REEXEC") and \
        os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
        os.access("/usr/bin/python3", os.X_OK):
    os.environ["K210_USBSERIAL_REEXEC"] = "1"
    os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

import atexit
import select
import shutil
import struct
import termios
import threading
import time

from harness import Env, fail, log, sha256_file, wait_for

try:
    import gi
    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev
except (ImportError, ValueError) as e:
    fail("umockdev's GObject introspection is missing (%s): scripts/deps installs python3-gi "
         "and gir1.2-umockdev-1.0" % e)

PRELOAD = "libumockdev-preload.so.0"

# asm-generic/ioctls.h and termbits.h
TIOCMGET, TIOCMBIS, TIOCMBIC, TIOCMSET = 0x5415, 0x5416, 0x5417, 0x5418
TIOCM_DTR, TIOCM_RTS = 0x002, 0x004

BOARD_SERIAL, OTHER_SERIAL = "K210A0001", "K210A0002"


class ModemLines(UMockdev.IoctlBase):
    """A USB serial adapter's modem-control lines, which a pseudo-terminal
    lacks; every other ioctl runs on the pty itself.  Records what the
    daemon does to DTR and RTS."""

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()
        self.lines = 0
        self.opens = 0
        self.tiocmget = 0
        self.raised = []  # (request, value): a line that was low set high

    def reset(self):
        """Forget what an earlier daemon did (the lines stay as they are)."""
        with self.lock:
            self.opens = self.tiocmget = 0
            self.raised = []

    def do_client_connected(self, client):
        with self.lock:
            self.opens += 1
            # The kernel raises DTR and RTS when a port opens (rate not B0).
            self.lines = TIOCM_DTR | TIOCM_RTS

    def do_handle_ioctl(self, client):
        req = client.get_request()
        if req in (TIOCMGET, TIOCMBIS, TIOCMBIC, TIOCMSET):
            arg = client.get_arg().resolve(0, 4)
            with self.lock:
                if req == TIOCMGET:
                    self.tiocmget += 1
                    arg.update(0, list(struct.pack("=i", self.lines)))
                else:
                    v = struct.unpack("=i", bytes(arg.retrieve()))[0]
                    new = {TIOCMBIS: self.lines | v, TIOCMBIC: self.lines & ~v, TIOCMSET: v}[req]
                    if new & ~self.lines & (TIOCM_DTR | TIOCM_RTS):
                        self.raised.append((hex(req), v))
                    self.lines = new
            client.complete(0, 0)
            return True
        r, err = client.execute()
        client.complete(r, err)
        return True

    def snapshot(self):
        with self.lock:
            return {"lines": self.lines, "opens": self.opens, "tiocmget": self.tiocmget,
                    "raised": list(self.raised)}


def adapter(port, devnum, tty, vid, pid, product, serial):
    """A USB device with one interface, its usb-serial port and the tty, as the
    kernel's ch341/ftdi_sio drivers lay them out in sysfs."""
    dev = "/devices/pci0000:00/0000:00:14.0/usb1/" + port
    itf = dev + "/" + port + ":1.0"
    text = ("P: %s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
            "A: idVendor=%s\nA: idProduct=%s\nA: busnum=1\nA: devnum=%d\nA: product=%s\n"
            % (dev, vid, pid, devnum, product))
    if serial:
        text += "A: serial=%s\n" % serial
    text += ("\nP: %s\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nA: bInterfaceNumber=00\n"
             "A: bInterfaceClass=ff\n\n" % itf)
    text += "P: %s/%s\nE: SUBSYSTEM=usb-serial\n\n" % (itf, tty)
    text += ("P: %s/%s/tty/%s\nN: %s\nE: SUBSYSTEM=tty\nE: MAJOR=188\nE: MINOR=%s\n"
             "E: DEVNAME=/dev/%s\nA: dev=188:%s\nL: device=../../../%s\n\n"
             % (itf, tty, tty, tty, tty[6:], tty, tty[6:], tty))
    # Removal order: the tty first, the USB device last.
    syspaths = ["/sys" + p for p in (itf + "/" + tty + "/tty/" + tty, itf + "/" + tty, itf, dev)]
    return text, syspaths


class UsbBoard:
    """The testbed: adapters published by umockdev; the board's adapter relays
    between its pty and the emulated board's USB line.  Each plug gives the
    board's adapter a new tty name (umockdev makes a node of a name only
    once), as the kernel does when the old name is still held; /dev/k210-0
    follows it as the project's udev rule makes it do."""

    def __init__(self, env):
        self.env = env
        self.tb = UMockdev.Testbed.new()
        self.root = self.tb.get_root_dir()
        atexit.register(shutil.rmtree, self.root, True)
        self.modems = {}
        self.relay = None
        self.tty = None
        self.free_ttys = ["ttyUSB0", "ttyUSB3", "ttyUSB4", "ttyUSB5"]
        self.devnum = 4

    def environ(self):
        return {"LD_PRELOAD": PRELOAD, "UMOCKDEV_DIR": self.root}

    def add(self, tty, port, vid, pid, product, serial):
        self.devnum += 1
        text, syspaths = adapter(port, self.devnum, tty, vid, pid, product, serial)
        if not self.tb.add_from_string(text):
            fail("umockdev refused the description of " + tty)
        modem = ModemLines()
        if not self.tb.attach_ioctl("/dev/" + tty, modem):
            fail("umockdev cannot hook the ioctls of /dev/" + tty)
        self.modems[tty] = modem
        return syspaths

    def dev(self, name):
        return os.path.join(self.root, "dev", name)

    def plug(self):
        """The board's adapter appears (and the board it powers boots)."""
        self.tty = self.free_ttys.pop(0)
        self.syspaths = self.add(self.tty, "1-4", "1a86", "7523", "USB2.0-Serial", BOARD_SERIAL)
        master = self.tb.get_dev_fd("/dev/" + self.tty)
        if master < 0:
            fail("umockdev made no pty for /dev/" + self.tty)
        self.pts = os.readlink(self.dev(self.tty))
        # udev's link; umockdev gives a node's device number by its name, so
        # the link's number is declared beside the tty's.
        os.symlink(self.tty, self.dev("k210-0"))
        os.symlink("188:" + self.tty[6:], self.dev(".node/k210-0"))
        self.relay = Relay(master, self.env.board_link)

    def unplug(self):
        """The cable goes: the adapter's tty hangs up under whoever has it open
        (the pty's master closes; its fd number stays the testbed's), the board
        loses power, and once the port is closed the adapter leaves sysfs and
        /dev, in the order the kernel takes them down."""
        self.relay.stop()
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, self.relay.master)
        os.close(null)
        if self.env.emu_command("unplug") != "ok":
            fail("the emulator refused unplug")
        wait_for(lambda: self.env.status()["board.state"] == "absent", 20,
                 "the daemon to close the hung-up port")
        for p in self.syspaths:
            self.tb.remove_device(p)
        self.tb.detach_ioctl("/dev/" + self.tty)
        for p in (self.tty, ".node/" + self.tty, ".ptymap/" + self.pts.replace("/", "_"), "k210-0",
                  ".node/k210-0"):
            if os.path.lexists(self.dev(p)):
                os.unlink(self.dev(p))

    def replug(self):
        if self.env.emu_command("replug") != "ok":
            fail("the emulator refused replug")
        wait_for(lambda: os.path.islink(self.env.board_link), 10, "the emulated board's USB line")
        self.plug()


class Relay:
    """Bytes between the adapter's pty master and the emulated board's line.
    While nobody has the adapter open the board's bytes are dropped, as an
    adapter with no host reading does."""

    def __init__(self, master, link):
        self.master = master
        self.emu = os.open(link, os.O_RDWR | os.O_NOCTTY)
        import tty
        tty.setraw(self.emu)
        self.stop_r, self.stop_w = os.pipe()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        p = select.poll()
        p.register(self.master, select.POLLIN)
        p.register(self.emu, select.POLLIN)
        p.register(self.stop_r, select.POLLIN)
        try:
            while True:
                ev = dict(p.poll(100))
                if self.stop_r in ev:
                    return
                host_open = not ev.get(self.master, 0) & select.POLLHUP
                if host_open and ev.get(self.master, 0) & select.POLLIN:
                    write_all(self.emu, os.read(self.master, 65536))
                if ev.get(self.emu, 0) & select.POLLIN:
                    data = os.read(self.emu, 65536)
                    if host_open:
                        write_all(self.master, data)
                elif ev.get(self.emu, 0) & (select.POLLHUP | select.POLLERR):
                    return
                if not host_open:
                    time.sleep(0.02)
        except OSError:
            return

    def stop(self):
        os.write(self.stop_w, b"x")
        self.thread.join(10)
        os.close(self.emu)
        os.close(self.stop_r)
        os.close(self.stop_w)


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


env = Env("usbserial")
env.start_emu("--baud", "2000000", "--esp-baud", "0")
usb = UsbBoard(env)
usb.plug()
usb.add("ttyUSB1", "1-5", "0403", "6001", "FT232R USB UART", "A10K2Z3Q")
env.start_http(sizes=(65536, 1 << 20))
checks = 0


def daemon(path, attached=True):
    for m in usb.modems.values():
        m.reset()
    if os.path.lexists(env.sock):
        os.unlink(env.sock)
    env.start_daemon(wait_attached=False, environ=usb.environ(),
                     device={"path": path, "request_wait": "5", "reconnect_min": "0.1",
                             "reconnect_max": "1"})
    if attached:
        env.wait_attached(timeout=60)


def stop_daemon():
    if env.stop(env.daemon) != 0:
        fail("the daemon did not stop cleanly")
    os.unlink(env.daemon_log)


def fetch(what):
    global checks
    for name in ("f65536", "f1048576"):
        out = os.path.join(env.dir, name + ".out")
        r = env.curl(name, out, timeout=120)
        if r.returncode != 0:
            fail("%s: curl %s: exit %d: %s" % (what, name, r.returncode, r.stderr.decode().strip()))
        if sha256_file(out) != env.files[name]:
            fail("%s: %s arrived corrupted" % (what, name))
    checks += 1
    log("%s: 64 KB and 1 MB fetched intact" % what)


def expect_port(what, tty):
    """The daemon opened /dev/TTY through libserialport, not as a pty."""
    global checks
    line = "board port /dev/%s open, waiting" % tty
    wait_for(lambda: line in env.read_log(), 30, "the daemon to open /dev/" + tty)
    m = usb.modems[tty].snapshot()
    if m["tiocmget"] == 0:
        fail("%s: the daemon opened /dev/%s without libserialport (no TIOCMGET)" % (what, tty))
    checks += 1


def expect_lines_low(what, tty, opens_at_least=1):
    global checks
    m = usb.modems[tty].snapshot()
    if m["opens"] < opens_at_least:
        fail("%s: /dev/%s opened %d times, expected at least %d" %
             (what, tty, m["opens"], opens_at_least))
    if m["raised"]:
        fail("%s: the daemon raised a modem line: %s" % (what, m["raised"]))
    if m["lines"] & (TIOCM_DTR | TIOCM_RTS):
        fail("%s: DTR/RTS left asserted (lines 0x%x)" % (what, m["lines"]))
    # glibc's tcsetattr() issues its ioctl inside libc, out of the hook's
    # sight: the settings are read from the tty itself.
    fd = os.open(os.readlink(os.path.join(usb.root, "dev", tty)), os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        cflag, ospeed = termios.tcgetattr(fd)[2], termios.tcgetattr(fd)[5]
    finally:
        os.close(fd)
    if cflag & termios.CRTSCTS:
        fail("%s: hardware flow control on: the kernel would drive RTS" % what)
    if cflag & termios.HUPCL:
        fail("%s: HUPCL on: closing the port would toggle DTR" % what)
    if ospeed != termios.B2000000:
        fail("%s: the line is not at 2 Mbaud (termios speed %d)" % (what, ospeed))
    checks += 1
    log("%s: DTR and RTS low after %d open(s), never raised; no CRTSCTS, no HUPCL, 2 Mbaud" %
        (what, m["opens"]))


def unplug_replug(what, absent_text):
    global checks
    old = usb.tty
    usb.unplug()
    wait_for(lambda: absent_text in env.read_log(), 20, what + ": the daemon to look for it again")
    usb.replug()
    env.wait_attached(timeout=60)
    log("%s: unplugged from /dev/%s, found again on /dev/%s after replug" % (what, old, usb.tty))
    checks += 1


# 1. Discovery by VID:PID beside an adapter of another kind.
daemon("usb:1a86:7523")
expect_port("usb:1a86:7523", usb.tty)
fetch("usb:1a86:7523")
expect_lines_low("usb:1a86:7523", usb.tty)
if usb.modems["ttyUSB1"].snapshot()["opens"]:
    fail("usb:1a86:7523 opened the FTDI adapter")
env.check_no_leak()
stop_daemon()

# 2. Two CH340s: the serial string chooses; a serial nobody has finds nothing.
usb.add("ttyUSB2", "1-6", "1a86", "7523", "USB2.0-Serial", OTHER_SERIAL)
daemon("usb:1a86:7523:" + OTHER_SERIAL, attached=False)
expect_port("serial " + OTHER_SERIAL, "ttyUSB2")
stop_daemon()
daemon("usb:1a86:7523:NOSUCH", attached=False)
wait_for(lambda: "usb:1a86:7523:NOSUCH: no such USB serial device" in env.read_log(), 20,
         "the daemon to report no such device")
if env.status()["board.state"] != "absent":
    fail("usb:1a86:7523:NOSUCH: board state %s" % env.status()["board.state"])
checks += 1
stop_daemon()
spec = "usb:1a86:7523:" + BOARD_SERIAL
daemon(spec)
expect_port(spec, usb.tty)
fetch(spec)
unplug_replug(spec, spec + ": no such USB serial device")
expect_port(spec + " after replug", usb.tty)
fetch(spec + " after replug")
expect_lines_low(spec + " after replug", usb.tty)
env.check_no_leak()
stop_daemon()

# 3. By name: the kernel's name, and udev's link, which follows the board to
# the name it has after a replug.  Both go through libserialport.
daemon("/dev/" + usb.tty)
expect_port("/dev/" + usb.tty, usb.tty)
fetch("/dev/" + usb.tty)
expect_lines_low("/dev/" + usb.tty, usb.tty)
stop_daemon()
daemon("/dev/k210-0")
expect_port("/dev/k210-0", usb.tty)
fetch("/dev/k210-0")
unplug_replug("/dev/k210-0", "/dev/k210-0: No such file or directory")
expect_port("/dev/k210-0 after replug", usb.tty)
fetch("/dev/k210-0 after replug")
expect_lines_low("/dev/k210-0 after replug", usb.tty)
env.check_no_leak()
if env.stop(env.daemon) != 0:
    fail("the daemon did not stop cleanly")
print("usbserial: %d passed, 0 failed" % checks)
