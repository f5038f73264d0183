"""Private Dovecot and Postfix instances for the comparison benchmarks.

install() puts dovecot-imapd, dovecot-pop3d, dovecot-lmtpd and postfix on the
machine from Debian when they are missing, without starting their system
services: a /usr/sbin/policy-rc.d that exits 101 blocks every init script
during apt-get install (created only if there is none, and removed again
only if we created it), and Postfix is preseeded to "No configuration", so
it has no main.cf and nothing listens on port 25.

Dovecot and Postfix then run privately: their own config files, state,
queue and mail under a temporary directory, loopback high ports only, their
default durability (Dovecot mail_fsync = optimized: every delivered or
appended message is fsync'ed; Postfix fsyncs every queue file before it
answers 250). Test passwords are plain text ({PLAIN} in a passwd-file):
say so with every result.
"""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

# python3-matplotlib: compare.py draws the PNG chart (bench/compare/chart.py).
PACKAGES = ["dovecot-imapd", "dovecot-pop3d", "dovecot-lmtpd", "postfix", "python3-matplotlib"]
POLICY_RC_D = pathlib.Path("/usr/sbin/policy-rc.d")
# The mail files belong to Debian's "mail" system user (uid 8 in base-passwd):
# Dovecot does not hand mail to uid 0, and a fixed system user means we create
# no account on the machine.
MAIL_USER = "mail"


_handed_out: set = set()


def free_port() -> int:
    # bind(0) may return a port it handed out a moment ago; never give one twice.
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def missing_packages():
    out = []
    for p in PACKAGES:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True)
        if r.returncode != 0 or "install ok installed" not in r.stdout:
            out.append(p)
    return out


def install(log=print):
    """apt-get install what is missing, with services kept from starting."""
    missing = missing_packages()
    if not missing:
        return []
    if os.geteuid() != 0:
        raise RuntimeError(f"missing {missing}; run as root or install them: apt-get install {' '.join(missing)}")
    created = False
    if not POLICY_RC_D.exists():
        POLICY_RC_D.write_text("#!/bin/sh\n# bench/compare: keep services from starting during install\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
        created = True
    try:
        subprocess.run(["debconf-set-selections"], check=True, text=True,
                       input="postfix postfix/main_mailer_type select No configuration\n")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        log(f"apt-get install {' '.join(missing)} (services blocked by policy-rc.d)")
        r = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                           env=env, capture_output=True, text=True)
        if r.returncode != 0:
            # The package lists may be missing on a fresh machine.
            subprocess.run(["apt-get", "update", "-q"], env=env, check=True, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                           env=env, check=True, capture_output=True)
    finally:
        if created:
            POLICY_RC_D.unlink()
    return missing


def versions():
    out = {}
    for p in ("dovecot-core", *PACKAGES):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", p], capture_output=True, text=True)
        out[p] = r.stdout.strip() if r.returncode == 0 else None
    return out


def self_signed(directory: pathlib.Path, cn="mail.example.org"):
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", f"/CN={cn}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    key.chmod(0o600)
    return cert, key


def wait_port(port, deadline_s=30, proc_alive=lambda: True):
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.recv(100)
                return
        except OSError:
            if not proc_alive():
                raise
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Dovecot:
    """`dovecot -c <conf>`: IMAP, IMAPS, POP3, POP3S and LMTP on loopback
    high ports, maildir under <root>/mail/<address>, passwd-file users."""

    def __init__(self, root: pathlib.Path, domain="example.org", max_connections=2000, password_scheme="PLAIN"):
        self.root = pathlib.Path(root) / "dovecot"
        # PLAIN: test passwords in clear, auth cache off (Dovecot's default).
        # ARGON2ID: hashes from `doveadm pw` (t=3, m=64 MiB) and the auth cache on.
        self.password_scheme = password_scheme
        self._hash = None
        self.root.mkdir(parents=True)
        self.domain = domain
        self.max_connections = max_connections
        self.ports = {name: free_port() for name in ("imap", "imaps", "pop3", "pop3s", "lmtp")}
        self.conf = self.root / "dovecot.conf"
        self.passwd = self.root / "passwd"
        self.passwd.write_text("")
        self.mail = self.root / "mail"
        self.mail.mkdir()
        import pwd
        pw = pwd.getpwnam(MAIL_USER)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.chown(self.mail, self.uid, self.gid)
        self.cert, self.key = self_signed(self.root)
        self.running = False
        self.write_config()

    def write_config(self):
        r, p = self.root, self.ports
        n = self.max_connections
        self.conf.write_text(f"""# Private Dovecot for bench/compare: defaults except where noted.
instance_name = postamt-bench-{os.getpid()}
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
info_log_path = {r}/dovecot.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
auth_mechanisms = plain login
{self.auth_settings()}
passdb {{
  driver = passwd-file
  args = scheme={self.password_scheme} username_format=%u {self.passwd}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd}
}}
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
first_valid_gid = {self.gid}
mail_location = maildir:~/Maildir
# mail_fsync stays at its default (optimized): messages are fsync'ed when saved.
namespace inbox {{
  inbox = yes
}}
# Room for the idle-connection benchmark (defaults: 100 processes, 10 per user+IP).
default_process_limit = {n + 50}
default_client_limit = {2 * n + 100}
mail_max_userip_connections = {n + 50}
pop3_uidl_format = %08Xu%08Xv
# Dovecot warns unless these cover every login process at once.
service auth {{
  client_limit = {5 * n + 500}
}}
service anvil {{
  client_limit = {5 * n + 500}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {p['imap']}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {p['imaps']}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {p['pop3']}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {p['pop3s']}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {p['lmtp']}
  }}
}}
""")

    def new_ports(self):
        """Fresh loopback ports (after a long preparation), config rewritten."""
        self.ports = {name: free_port() for name in self.ports}
        self.write_config()

    def auth_settings(self):
        if self.password_scheme == "PLAIN":
            return "# Test passwords are plain text ({PLAIN}), no hashing cost; auth cache off (default)."
        return ("# Hashed test passwords; the auth cache on (it keeps the passdb entry, the hash is\n"
                "# still verified at every login).\nauth_cache_size = 10M\nauth_cache_ttl = 5 mins")

    def password_field(self, password):
        if self.password_scheme == "PLAIN":
            return "{PLAIN}" + password
        if self._hash is None or self._hash[0] != password:
            r = subprocess.run(["doveadm", "pw", "-s", self.password_scheme, "-p", password],
                               check=True, capture_output=True, text=True)
            self._hash = (password, r.stdout.strip())
        return self._hash[1]

    def add_user(self, address, password="secret-pw"):
        home = self.mail / address
        with self.passwd.open("a") as f:
            f.write(f"{address}:{self.password_field(password)}:{self.uid}:{self.gid}::{home}::\n")

    def write_maildir(self, address, messages):
        """Writes `messages` (CRLF bytes, in order) straight into the user's
        ~/Maildir/cur as Dovecot's own saves would leave them: LF line ends,
        names that sort in delivery order with ,S=<file size>,W=<CRLF size>,
        every 10th \\Seen (as tests/tools/fill_mailbox flags them). No
        index is written: the first SELECT builds it."""
        home = self.mail / address
        md = home / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (md / sub).mkdir(parents=True, exist_ok=True)
        base = int(time.time()) - 10_000_000
        n = 0
        for i, msg in enumerate(messages):
            data = msg.replace(b"\r\n", b"\n")
            flags = "S" if i % 10 == 0 else ""
            name = f"{base + i}.M{i}P1.bench.example,S={len(data)},W={len(msg)}:2,{flags}"
            fd = os.open(md / "cur" / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, data)
                os.fchown(fd, self.uid, self.gid)
            finally:
                os.close(fd)
            n += 1
        for d in (home, md, md / "cur", md / "new", md / "tmp"):
            os.chown(d, self.uid, self.gid)
        return n

    def maildir_count(self, address, folder=""):
        md = self.mail / address / "Maildir" / folder
        n = 0
        for sub in ("new", "cur"):
            try:
                n += sum(1 for _ in os.scandir(md / sub))
            except FileNotFoundError:
                pass
        return n

    def start(self):
        # The daemon keeps inherited descriptors: no pipes, or run() waits forever.
        with (self.root / "start.out").open("w") as out:
            r = subprocess.run(["dovecot", "-c", str(self.conf)], stdin=subprocess.DEVNULL, stdout=out,
                               stderr=subprocess.STDOUT, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"dovecot -c {self.conf} failed: {(self.root / 'start.out').read_text()}"
                               f"{self.read_log()}")
        self.running = True
        for name in ("imap", "pop3", "lmtp"):
            wait_port(self.ports[name])

    def master_pid(self):
        return int((self.root / "run" / "master.pid").read_text())

    def pids(self):
        """The master and all its descendants."""
        master = self.master_pid()
        children = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = pathlib.Path(f"/proc/{d}/stat").read_text()
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
        out, todo = [], [master]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(children.get(p, []))
        return out

    def stop(self):
        if not self.running:
            return
        subprocess.run(["doveadm", "-c", str(self.conf), "stop"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        deadline = time.time() + 20
        pidfile = self.root / "run" / "master.pid"
        while pidfile.exists() and time.time() < deadline:
            time.sleep(0.1)
        if pidfile.exists():
            try:
                os.kill(self.master_pid(), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        self.running = False

    def read_log(self):
        try:
            return (self.root / "dovecot.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""


class Postfix:
    """`postfix -c <dir> start`: smtpd on a loopback high port, its own queue
    and data directories, the test domain handed to Dovecot over LMTP."""

    def __init__(self, root: pathlib.Path, lmtp_port: int, domain="example.org"):
        self.root = pathlib.Path(root) / "postfix"
        self.cfg = self.root / "etc"
        self.queue = self.root / "spool"
        self.data = self.root / "lib"
        for d in (self.cfg, self.queue, self.data):
            d.mkdir(parents=True)
        # `postfix check` insists that data_directory belongs to mail_owner.
        import pwd
        pw = pwd.getpwnam("postfix")
        os.chown(self.data, pw.pw_uid, pw.pw_gid)
        self.domain = domain
        self.lmtp_port = lmtp_port
        self.ports = {"smtp": free_port()}
        self.vmailbox = self.cfg / "vmailbox"
        self.vmailbox.write_text("")
        self.running = False
        self.write_config()

    def write_config(self):
        (self.cfg / "main.cf").write_text(f"""# Private Postfix for bench/compare: defaults except where noted.
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
maillog_file = {self.root}/postfix.log
maillog_file_prefixes = {self.root}
myhostname = mx.{self.domain}
mydomain = {self.domain}
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = $myhostname ESMTP
virtual_mailbox_domains = {self.domain}
virtual_mailbox_maps = texthash:{self.vmailbox}
virtual_transport = lmtp:inet:127.0.0.1:{self.lmtp_port}
alias_maps =
alias_database =
biff = no
# Queue files are fsync'ed before 250 (Postfix default, not changeable).
""")
        port = self.ports["smtp"]
        services = [
            (f"127.0.0.1:{port}", "inet", "n", "-", "n", "-", "-", "smtpd"),
            ("pickup", "unix", "n", "-", "n", "60", "1", "pickup"),
            ("cleanup", "unix", "n", "-", "n", "-", "0", "cleanup"),
            ("qmgr", "unix", "n", "-", "n", "300", "1", "qmgr"),
            ("rewrite", "unix", "-", "-", "n", "-", "-", "trivial-rewrite"),
            ("bounce", "unix", "-", "-", "n", "-", "0", "bounce"),
            ("defer", "unix", "-", "-", "n", "-", "0", "bounce"),
            ("trace", "unix", "-", "-", "n", "-", "0", "bounce"),
            ("verify", "unix", "-", "-", "n", "-", "1", "verify"),
            ("flush", "unix", "n", "-", "n", "1000?", "0", "flush"),
            ("proxymap", "unix", "-", "-", "n", "-", "-", "proxymap"),
            ("proxywrite", "unix", "-", "-", "n", "-", "1", "proxymap"),
            ("smtp", "unix", "-", "-", "n", "-", "-", "smtp"),
            ("relay", "unix", "-", "-", "n", "-", "-", "smtp"),
            ("showq", "unix", "n", "-", "n", "-", "-", "showq"),
            ("error", "unix", "-", "-", "n", "-", "-", "error"),
            ("retry", "unix", "-", "-", "n", "-", "-", "error"),
            ("discard", "unix", "-", "-", "n", "-", "-", "discard"),
            ("local", "unix", "-", "n", "n", "-", "-", "local"),
            ("virtual", "unix", "-", "n", "n", "-", "-", "virtual"),
            ("lmtp", "unix", "-", "-", "n", "-", "-", "lmtp"),
            ("anvil", "unix", "-", "-", "n", "-", "1", "anvil"),
            ("scache", "unix", "-", "-", "n", "-", "1", "scache"),
            ("postlog", "unix-dgram", "n", "-", "n", "-", "1", "postlogd"),
        ]
        (self.cfg / "master.cf").write_text(
            "# service type private unpriv chroot wakeup maxproc command\n"
            + "".join(" ".join(s) + "\n" for s in services))

    def add_user(self, address):
        with self.vmailbox.open("a") as f:
            f.write(f"{address} OK\n")

    def postfix(self, *args, check=True):
        out_file = self.root / "postfix.out"
        with out_file.open("w") as out:
            r = subprocess.run(["postfix", "-c", str(self.cfg), *args], stdin=subprocess.DEVNULL, stdout=out,
                               stderr=subprocess.STDOUT, timeout=120)
        r.output = out_file.read_text(errors="replace")
        if check and r.returncode != 0:
            raise RuntimeError(f"postfix -c {self.cfg} {' '.join(args)} failed ({r.returncode}):\n"
                               f"{r.output}{self.read_log()}")
        return r

    def start(self):
        # set-permissions/check create the queue subdirectories with the
        # owners Postfix wants (postfix:postdrop) in the private queue.
        self.postfix("set-permissions", check=False)
        self.postfix("check")
        self.postfix("start")
        self.running = True
        wait_port(self.ports["smtp"])

    def queue_empty(self):
        for sub in ("incoming", "active", "deferred", "maildrop"):
            d = self.queue / sub
            if d.exists():
                for _, _, files in os.walk(d):
                    if files:
                        return False
        return True

    def master_pid(self):
        return int((self.queue / "pid" / "master.pid").read_text().strip())

    def stop(self):
        if self.running:
            self.postfix("stop", check=False)
            deadline = time.time() + 20
            while (self.queue / "pid" / "master.pid").exists() and time.time() < deadline:
                time.sleep(0.1)
            self.running = False

    def read_log(self):
        try:
            return (self.root / "postfix.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""


def cleanup_tree(path):
    shutil.rmtree(path, ignore_errors=True)
