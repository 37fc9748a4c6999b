"""A test world in network namespaces, for programs that know nothing of the board.

The test re-executes itself in a fresh network and mount namespace (the world): its loopback
carries the test address 198.18.0.1 (RFC 2544 benchmarking range), where the remote servers
listen (nginx, sshd, a UDP echo), and /etc/hosts names it www.k210.test.  The emulated board
(k210-emu with espat-sim) and k210sockd run there too, started by harness.Env as in the daemon's
tests: espat-sim's sockets reach the servers.  Programs under test run in a second namespace (the
app namespace) whose only way to 198.18.0.1 is the interface k210-netif creates there, and whose
resolv.conf names the interface's resolver and whose /etc/hosts does not know the test names.
Unix sockets are files: the daemon's is reachable from both.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon"))
import harness  # noqa: E402
from harness import fail, log, wait_for  # noqa: E402,F401

TEST_ADDR = "198.18.0.1"
TEST_NAMES = ("www.k210.test", "git.k210.test", "ssh.k210.test")
UNROUTED_ADDR = "198.18.0.99"     # no route in the world: pings and connects get no answer
NETIF_ADDR, NETIF_NAT, NETIF_RESOLVER = "10.210.0.1", "10.210.0.2", "10.210.0.3"
WORLD_ENV = "K210_TEST_WORLD"


def enter():
    """Run the rest of the calling script in a fresh network and mount namespace."""
    if os.environ.get(WORLD_ENV) != "1":
        env = dict(os.environ, **{WORLD_ENV: "1"})
        argv = ["unshare", "--net", "--mount", "--propagation", "private", "--",
                sys.executable] + sys.argv
        try:
            os.execvpe("unshare", argv, env)
        except OSError as e:
            print("FAIL: cannot run unshare: %s" % e, flush=True)
            sys.exit(1)
    run(["ip", "link", "set", "lo", "up"])
    run(["ip", "addr", "add", TEST_ADDR + "/32", "dev", "lo"])
    d = harness.temp_dir("k210-world-")
    hosts = os.path.join(d, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n%s %s\n" % (TEST_ADDR, " ".join(TEST_NAMES)))
    run(["mount", "--bind", hosts, "/etc/hosts"])


def run(argv, check=True, **kw):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if check and p.returncode != 0:
        fail("%s: exit %d: %s" % (" ".join(argv), p.returncode, p.stderr.decode(errors="replace")))
    return p


class World:
    """The emulated board, the daemon and the servers in the world; k210-netif in the app
    namespace."""

    def __init__(self, name):
        self.env = harness.Env(name)
        self.dir = self.env.dir
        self.app_pid = None
        self.netif = None
        self.netif_conf = os.path.join(self.dir, "k210-netif.conf")
        self.netif_ctl = os.path.join(self.dir, "k210-netif.sock")
        self.www = os.path.join(self.dir, "www")
        os.mkdir(self.www)
        self.files = {}

    # --- the board and the daemon ---
    def start_daemon(self, **sections):
        self.env.start_board("--baud", "2000000", "--esp-baud", "2000000")
        sections.setdefault("limits", {}).setdefault("sockets_per_client", "64")
        self.env.start_daemon(**sections)
        return self.env

    def start_daemon_in_app(self, **sections):
        """k210sockd itself in the app namespace, so that its TCP SOCKS5 port is there: the
        programs then reach the test address through the daemon or not at all."""
        if not self.app_pid:
            self.start_app_ns()
        self.env.start_board("--baud", "2000000", "--esp-baud", "2000000")
        sections.setdefault("limits", {}).setdefault("sockets_per_client", "64")
        self.env.write_conf(**sections)
        self.env.daemon = self.app_spawn([harness.binary("k210sockd"), "-d", "-f", self.env.conf],
                                         "daemon.log")
        wait_for(lambda: os.path.exists(self.env.sock) or self.env.daemon.poll() is not None, 10,
                 "the daemon's socket")
        if self.env.daemon.poll() is not None:
            fail("the daemon exited: " + self.env.read_log())
        self.env.wait_attached()
        return self.env

    def status(self):
        return self.env.status()

    def check_no_leak(self, timeout=15):
        """Every test ends here: no board socket held, every link free."""
        st = self.env.check_no_leak(timeout)
        log("no board socket left: sockets.in_use %d, links_free %d" % (st["sockets.in_use"],
                                                                         st["sockets.links_free"]))

    # --- servers on the test address ---
    def add_file(self, name, size):
        path = os.path.join(self.www, name)
        with open(path, "wb") as f:
            f.write(os.urandom(size))
        self.files[name] = harness.sha256_file(path)
        return path

    def start_nginx(self, keepalive_s=75):
        """nginx from Debian on TEST_ADDR:80, serving www/ (HTTP/1.1, keep-alive)."""
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        prefix = os.path.join(self.dir, "nginx")
        os.mkdir(prefix)
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""daemon off;
master_process on;
worker_processes 1;
user root;
pid %(p)s/nginx.pid;
error_log %(p)s/error.log info;
events { worker_connections 2048; }
http {
    access_log %(p)s/access.log;
    client_body_temp_path %(p)s/body;
    proxy_temp_path %(p)s/proxy;
    fastcgi_temp_path %(p)s/fastcgi;
    uwsgi_temp_path %(p)s/uwsgi;
    scgi_temp_path %(p)s/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout %(keepalive)ds;
    server {
        listen %(addr)s:80;
        server_name _;
        root %(www)s;
    }
}
""" % {"p": prefix, "addr": TEST_ADDR, "www": self.www, "keepalive": keepalive_s})
        p = self.env._spawn([exe, "-p", prefix, "-c", conf, "-e", os.path.join(prefix, "error.log")],
                            "nginx.log")
        wait_for(lambda: port_open(TEST_ADDR, 80) or p.poll() is not None, 10, "nginx")
        if p.poll() is not None:
            fail("nginx exited: " + self.env.read_log("nginx.log"))
        return p

    def make_git_repo(self):
        """A repository served over dumb HTTP by nginx: www/repo.git."""
        work = os.path.join(self.dir, "gitwork")
        bare = os.path.join(self.www, "repo.git")
        genv = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@k210.test",
                    GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@k210.test", HOME=self.dir)
        run(["git", "init", "-q", "-b", "main", work], env=genv)
        with open(os.path.join(work, "README"), "w") as f:
            f.write("served over dumb HTTP through the board\n")
        with open(os.path.join(work, "blob.bin"), "wb") as f:
            f.write(os.urandom(200 * 1024))
        run(["git", "-C", work, "add", "."], env=genv)
        run(["git", "-C", work, "commit", "-q", "-m", "first"], env=genv)
        run(["git", "clone", "-q", "--bare", work, bare], env=genv)
        run(["git", "-C", bare, "update-server-info"], env=genv)
        return run(["git", "-C", work, "rev-parse", "HEAD"], env=genv).stdout.decode().strip()

    def start_sshd(self):
        """OpenSSH's sshd on TEST_ADDR:22 accepting a key made here; returns ssh options."""
        d = os.path.join(self.dir, "ssh")
        os.mkdir(d, 0o700)
        hostkey, userkey = os.path.join(d, "host_key"), os.path.join(d, "user_key")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostkey])
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", userkey])
        shutil.copy(userkey + ".pub", os.path.join(d, "authorized_keys"))
        conf = os.path.join(d, "sshd_config")
        with open(conf, "w") as f:
            f.write("ListenAddress %s:22\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\n"
                    "PermitRootLogin prohibit-password\nPasswordAuthentication no\nUsePAM no\n"
                    "StrictModes no\nSubsystem sftp internal-sftp\n"
                    % (TEST_ADDR, hostkey, os.path.join(d, "authorized_keys"),
                       os.path.join(d, "sshd.pid")))
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        p = self.env._spawn(["/usr/sbin/sshd", "-D", "-e", "-f", conf], "sshd.log")
        wait_for(lambda: port_open(TEST_ADDR, 22) or p.poll() is not None, 10, "sshd")
        if p.poll() is not None:
            fail("sshd exited: " + self.env.read_log("sshd.log"))
        return ["-F", "/dev/null", "-i", userkey, "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR"]

    def start_udp_echo(self, port=7777):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((TEST_ADDR, port))

        def serve():
            while True:
                try:
                    data, peer = s.recvfrom(65536)
                    s.sendto(data, peer)
                except OSError:
                    return
        threading.Thread(target=serve, daemon=True).start()
        return port

    # --- the app namespace and k210-netif ---
    def start_app_ns(self):
        """A holder process for the app namespace: its own network (lo up) and /etc files."""
        resolv = os.path.join(self.dir, "app-resolv.conf")
        hosts = os.path.join(self.dir, "app-hosts")
        with open(resolv, "w") as f:
            f.write("nameserver %s\noptions timeout:3 attempts:2\n" % NETIF_RESOLVER)
        with open(hosts, "w") as f:
            f.write("127.0.0.1 localhost\n")
        script = ("mount --bind %s /etc/resolv.conf && mount --bind %s /etc/hosts && "
                  "ip link set lo up && exec sleep 100000" % (resolv, hosts))
        p = self.env._spawn(["unshare", "--net", "--mount", "--propagation", "private", "--",
                             "sh", "-c", script], "appns.log")
        # Ready once its network namespace differs from ours and sleep runs.
        mine = os.readlink("/proc/self/ns/net")

        def ready():
            try:
                with open("/proc/%d/comm" % p.pid) as f:
                    comm = f.read().strip()
                return comm == "sleep" and os.readlink("/proc/%d/ns/net" % p.pid) != mine
            except OSError:
                return p.poll() is not None
        wait_for(ready, 10, "the app namespace")
        if p.poll() is not None:
            fail("the app namespace: " + self.env.read_log("appns.log"))
        self.app_pid = p.pid
        return p

    def in_app(self, argv):
        """argv as run in the app namespace."""
        return ["nsenter", "-t", str(self.app_pid), "-n", "-m", "--"] + list(argv)

    def app(self, argv, timeout=60, check=None, input=None, env=None):
        """Run a program in the app namespace; returns the CompletedProcess."""
        e = dict(os.environ)
        e.update(env or {})
        try:
            p = subprocess.run(self.in_app(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, input=input, env=e)
        except subprocess.TimeoutExpired:
            fail("%s: still running after %ds" % (" ".join(argv), timeout))
        if check is not None and p.returncode != check:
            fail("%s: exit %d, expected %d\n%s%s" % (" ".join(argv), p.returncode, check,
                 p.stdout.decode(errors="replace")[-2000:], p.stderr.decode(errors="replace")[-2000:]))
        return p

    def app_spawn(self, argv, logname, env=None):
        return self.env._spawn(self.in_app(argv), logname, environ=env)

    def write_netif_conf(self, **sections):
        conf = {
            "interface": {"routes": "198.18.0.0/15"},
            "daemon": {"socket": self.env.sock},
            "control": {"path": self.netif_ctl, "mode": "0666"},
            "limits": {"udp_idle": "5"},
            "log": {"level": "debug"},
        }
        for sec, keys in sections.items():
            conf.setdefault(sec, {}).update(keys)
        with open(self.netif_conf, "w") as f:
            for sec, keys in conf.items():
                f.write("[%s]\n" % sec)
                for k, v in keys.items():
                    f.write("%s = %s\n" % (k, v))
        return self.netif_conf

    def start_netif(self, wait=True, **sections):
        exe = harness.binary("k210-netif")
        if not exe:
            fail("k210-netif is not built")
        if not self.app_pid:
            self.start_app_ns()
        self.write_netif_conf(**sections)
        self.netif = self.app_spawn([exe, "-d", "-f", self.netif_conf], "netif.log")
        if wait:
            wait_for(lambda: os.path.exists(self.netif_ctl) or self.netif.poll() is not None, 10,
                     "k210-netif's control socket")
            if self.netif.poll() is not None:
                fail("k210-netif exited: " + self.env.read_log("netif.log"))
        return self.netif

    def netif_status(self):
        """k210sock status --json with the interface's part (through its control socket)."""
        cli = harness.binary("k210sock")
        p = subprocess.run([cli, "-s", self.env.sock, "--json", "status"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20,
                           env=dict(os.environ, K210_NETIF_SOCKET=self.netif_ctl))
        if p.returncode != 0:
            fail("k210sock status: exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace")))
        return json.loads(p.stdout)


def port_open(host, port):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()
