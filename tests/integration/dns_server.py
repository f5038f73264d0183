"""A private dnsmasq on a free loopback UDP port, answering only from its
command line (no /etc/hosts, no upstream): the zones given as `local` get
NXDOMAIN for unknown names, anything else is REFUSED. Postamt's resolver is
pointed at it with [dns] forwarders = ["127.0.0.1@<port>"]."""
import pathlib
import shutil
import socket
import subprocess
import time

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def free_udp_port() -> int:
    while True:
        with socket.socket() as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class Dnsmasq:
    def __init__(self, tmp_path: pathlib.Path, *records: str, local=("example", "example.org")):
        self.port = free_udp_port()
        self.log = pathlib.Path(tmp_path) / f"dnsmasq-{self.port}.log"
        self.args = [DNSMASQ, "-k", "--conf-file=/dev/null", f"--port={self.port}",
                     "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                     "--pid-file=", "--user=root", "--group=root", "--log-queries",
                     f"--log-facility={self.log}", *[f"--local=/{z}/" for z in local], *records]
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dnsmasq exited: " + self.proc.stderr.read().decode(errors="replace"))
            if self.log.exists() and "started" in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.05)
        raise AssertionError("dnsmasq did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None

    @property
    def address(self) -> str:
        return f"127.0.0.1@{self.port}"
