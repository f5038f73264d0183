"""A real `postamt serve` on free loopback ports in a temporary directory,
plus the `postamt` CLI pointed at the same data directory."""
import os
import pathlib
import random
import signal
import socket
import subprocess
import time


_handed_out: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on and that this test run has not handed out before.

    Ports come from below the kernel's ephemeral range (32768-60999 by default): bind(0)
    can return a port it returned a moment ago, and outgoing connections of the test's
    own clients take ephemeral ports, so either could collide with a listener that a
    server binds only later (CI saw two listeners of one server given the same port)."""
    rng = random.Random()
    for _ in range(1000):
        port = rng.randrange(20000, 32000)
        if port in _handed_out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free loopback port in 20000-31999")


class PostamtServer:
    def __init__(self, binary: pathlib.Path, root: pathlib.Path, extra_config: str = "",
                 server_extra: str = 'run_as_user = ""', hostname: str = "mail.example.org",
                 default_domain: str = "example.org"):
        self.binary = pathlib.Path(binary)
        self.root = pathlib.Path(root)
        self.data = self.root / "data"
        self.config = self.root / "postamt.toml"
        self.log = self.root / "postamt.log"
        self.ports = {name: free_port() for name in ("smtp", "submission", "submissions", "imap",
                                                     "imaps", "pop3", "pop3s", "http")}
        self.hostname = hostname
        self.default_domain = default_domain
        self.extra_config = extra_config
        self.server_extra = server_extra
        self.proc = None
        self.write_config()

    def write_config(self):
        listeners = ""
        for name, protocol, tls in (("smtp", "smtp", "starttls"),
                                    ("submission", "submission", "starttls"),
                                    ("submissions", "submission", "implicit"),
                                    ("imap", "imap", "starttls"),
                                    ("imaps", "imap", "implicit"), ("pop3", "pop3", "starttls"),
                                    ("pop3s", "pop3", "implicit"), ("http", "http", "none")):
            listeners += f"""
[[listener]]
name = "{name}"
protocol = "{protocol}"
address = ["127.0.0.1"]
port = {self.ports[name]}
tls = "{tls}"
"""
        self.config.write_text(f"""
[server]
hostname = "{self.hostname}"
data_dir = "{self.data}"
{self.server_extra}
default_domain = "{self.default_domain}"

[log]
level = "debug"
file = "{self.log}"
{self.extra_config}
{listeners}
""")

    # ---- CLI ---------------------------------------------------------------
    def cli(self, *args, input=None, check=True) -> subprocess.CompletedProcess:
        res = subprocess.run([str(self.binary), "-c", str(self.config), *args], input=input,
                             capture_output=True, timeout=120)
        if check and res.returncode != 0:
            raise AssertionError(f"postamt {' '.join(args)} failed ({res.returncode}): "
                                 f"{res.stderr.decode(errors='replace')}")
        return res

    def add_user(self, address, password="secret-pw", quota=None):
        args = ["user", "add", address, "--password-stdin"]
        if quota:
            args += ["--quota", quota]
        self.cli(*args, input=(password + "\n").encode())

    def message(self, user, uid, mailbox="INBOX") -> bytes:
        return self.cli("message", "cat", user, mailbox, str(uid)).stdout

    def mailbox_count(self, user, mailbox="INBOX") -> int:
        out = self.cli("mailbox", "list", user).stdout.decode()
        for line in out.splitlines():
            fields = line.split()
            if fields and fields[0] == mailbox:
                # name, special-use?, messages, ...: find the "messages=" or
                # the first integer column.
                for f in fields[1:]:
                    if f.isdigit():
                        return int(f)
        raise AssertionError(f"no mailbox {mailbox} in:\n{out}")

    # ---- process -----------------------------------------------------------
    def start(self, *extra_args):
        self.proc = subprocess.Popen([str(self.binary), "-c", str(self.config), "serve", *extra_args],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode(errors="replace")
                raise AssertionError(f"postamt serve exited {self.proc.returncode}:\n{out}\n{self.read_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.ports["smtp"]), timeout=1) as s:
                    s.recv(100)
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("postamt serve did not start listening")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                # Graceful stop finishes in-flight transactions; idle
                # connections are told to go at once.
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("postamt serve did not stop within 20 s of SIGTERM")
        code = self.proc.returncode if self.proc else 0
        self.proc = None
        return code

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def read_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""
