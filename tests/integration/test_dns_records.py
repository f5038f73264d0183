"""`postamt dns <domain>` prints the zone records; `postamt dns check <domain>`
looks them up through the server's resolver ([dns] forwarders) and says which
are ok, missing or wrong. A private dnsmasq serves the records exactly as
printed (all ok), with some left out (missing), and with wrong values."""
import re
import subprocess

import pytest

from dns_server import Dnsmasq

DOMAIN = "example.org"
HOST = "mail.example.org"
HOST_ADDRS = ("192.0.2.10", "2001:db8::10")

LISTENERS = """
[[listener]]
name = "smtp"
protocol = "smtp"
address = ["0.0.0.0", "::"]
port = 25
[[listener]]
name = "submissions"
protocol = "submission"
address = ["0.0.0.0"]
port = 465
tls = "implicit"
[[listener]]
name = "submission"
protocol = "submission"
address = ["0.0.0.0"]
port = 587
[[listener]]
name = "imaps"
protocol = "imap"
address = ["0.0.0.0"]
port = 10993
tls = "implicit"
[[listener]]
name = "imap"
protocol = "imap"
address = ["0.0.0.0"]
port = 143
[[listener]]
name = "pop3-local"
protocol = "pop3"
address = ["127.0.0.1"]
port = 110
"""


class Setup:
    def __init__(self, binary, tmp_path):
        self.binary = binary
        self.tmp = tmp_path
        self.config = tmp_path / "postamt.toml"
        self.dns = None
        self.write_config(forwarder="127.0.0.1@1")

    def write_config(self, forwarder):
        self.config.write_text(f"""
[server]
hostname = "{HOST}"
data_dir = "{self.tmp / 'data'}"
run_as_user = ""

[dns]
forwarders = ["{forwarder}"]
{LISTENERS}
""")

    def cli(self, *args, check=True):
        r = subprocess.run([str(self.binary), "-c", str(self.config), *args], capture_output=True, text=True,
                           timeout=120)
        if check:
            assert r.returncode == 0, f"postamt {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r

    def serve(self, records):
        """Starts a dnsmasq with these records (dnsmasq arguments) and points [dns] at it."""
        if self.dns:
            self.dns.stop()
        # In a conf file dnsmasq unquotes the TXT strings (on its command line it
        # would keep the quotes as part of the text).
        conf = self.tmp / "records.conf"
        conf.write_text("".join(r[2:] + "\n" for r in records))
        self.dns = Dnsmasq(self.tmp, f"--conf-file={conf}").start()
        self.write_config(self.dns.address)

    def check(self):
        return self.cli("dns", "check", DOMAIN, check=False)


@pytest.fixture
def setup(postamt_bin, tmp_path):
    s = Setup(postamt_bin, tmp_path)
    s.cli("domain", "add", DOMAIN)
    s.cli("dkim", "generate", DOMAIN)
    yield s
    if s.dns:
        s.dns.stop()


TXT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def parse_zone(text):
    """Record lines of the printed zone: (name, type, data), name without the dot;
    TXT data as its list of character-strings."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith(";"):
            continue
        name, ttl, klass, rtype, data = line.split(None, 4)
        assert name.endswith(".") and ttl == "3600" and klass == "IN", line
        if rtype == "TXT":
            strings = [re.sub(r"\\(.)", r"\1", s) for s in TXT_STRING.findall(data)]
            assert all(len(s.encode()) <= 255 for s in strings), line
            out.append((name[:-1], rtype, strings))
        else:
            out.append((name[:-1], rtype, data))
    return out


def dnsmasq_args(records):
    """dnsmasq options serving exactly these records (plus the host's addresses)."""
    args = [f"--host-record={HOST},{','.join(HOST_ADDRS)}"]
    for name, rtype, data in records:
        if rtype == "MX":
            pref, host = data.split()
            args.append(f"--mx-host={name},{host.rstrip('.')},{pref}")
        elif rtype == "TXT":
            args.append(f"--txt-record={name}," + ",".join(f'"{s}"' for s in data))
        elif rtype == "CNAME":
            args.append(f"--cname={name},{data.rstrip('.')}")
        elif rtype == "SRV":
            prio, weight, port, target = data.split()
            if target == ".":
                args.append(f"--srv-host={name}")  # dnsmasq: no target = service not available
            else:
                args.append(f"--srv-host={name},{target.rstrip('.')},{port},{prio},{weight}")
        else:
            raise AssertionError(f"unexpected record type {rtype}")
    return args


def verdicts(out):
    """{(label, name): verdict} from `dns check` output."""
    v = {}
    for line in out.splitlines():
        m = re.match(r"^(ok|missing|wrong|error)\s+(.+?)\s+(\S+) (MX|TXT|CNAME|SRV)$", line)
        if m:
            v[m.group(3) + " " + m.group(4)] = m.group(1)
    return v


def test_printed_records(setup):
    out = setup.cli("dns", DOMAIN).stdout
    records = parse_zone(out)
    by_name = {(n, t): d for n, t, d in records}
    assert by_name[(DOMAIN, "MX")] == f"10 {HOST}."
    assert by_name[(DOMAIN, "TXT")] == ["v=spf1 mx -all"]
    assert by_name[(f"_dmarc.{DOMAIN}", "TXT")] == [f"v=DMARC1; p=quarantine; rua=mailto:postmaster@{DOMAIN}"]
    assert by_name[(f"_smtp._tls.{DOMAIN}", "TXT")] == [f"v=TLSRPTv1; rua=mailto:postmaster@{DOMAIN}"]
    sts = by_name[(f"_mta-sts.{DOMAIN}", "TXT")][0]
    assert re.fullmatch(r"v=STSv1; id=[0-9a-f]{32}", sts), sts
    for sub in ("autoconfig", "autodiscover", "mta-sts"):
        assert by_name[(f"{sub}.{DOMAIN}", "CNAME")] == f"{HOST}."
    # The configured public ports; implicit TLS preferred; POP3 only on
    # loopback, so not offered (RFC 6186 target ".").
    assert by_name[(f"_submissions._tcp.{DOMAIN}", "SRV")] == f"0 1 465 {HOST}."
    assert by_name[(f"_submission._tcp.{DOMAIN}", "SRV")] == f"10 1 587 {HOST}."
    assert by_name[(f"_imaps._tcp.{DOMAIN}", "SRV")] == f"0 1 10993 {HOST}."
    assert by_name[(f"_imap._tcp.{DOMAIN}", "SRV")] == f"10 1 143 {HOST}."
    assert by_name[(f"_pop3s._tcp.{DOMAIN}", "SRV")] == "0 0 0 ."
    assert by_name[(f"_pop3._tcp.{DOMAIN}", "SRV")] == "0 0 0 ."
    # Both DKIM keys, the same records as `postamt dkim dns`; RSA split into strings.
    dkim = {n: "".join(d) for (n, t), d in by_name.items() if "._domainkey." in n}
    assert set(dkim) == {f"postamt-rsa._domainkey.{DOMAIN}", f"postamt-ed25519._domainkey.{DOMAIN}"}
    assert len(by_name[(f"postamt-rsa._domainkey.{DOMAIN}", "TXT")]) >= 2
    dkim_dns = parse_zone(setup.cli("dkim", "dns", DOMAIN).stdout.replace(" IN TXT", " 3600 IN TXT"))
    assert {n: "".join(d) for n, t, d in dkim_dns} == dkim
    assert len(records) == 16
    # The id follows the policy: another mode, another id.
    setup.config.write_text(setup.config.read_text() + '\n[mta_sts]\nmode = "enforce"\n')
    sts2 = {(n, t): d for n, t, d in parse_zone(setup.cli("dns", DOMAIN).stdout)}[(f"_mta-sts.{DOMAIN}", "TXT")][0]
    assert sts2 != sts


def test_unknown_domain_is_refused(setup):
    r = setup.cli("dns", "example.net", check=False)
    assert r.returncode == 1 and "no domain example.net" in r.stderr
    r = setup.cli("dns", "check", "example.net", check=False)
    assert r.returncode == 1 and "no domain example.net" in r.stderr


def test_check_complete_set_is_all_ok(setup):
    records = parse_zone(setup.cli("dns", DOMAIN).stdout)
    setup.serve(dnsmasq_args(records))
    r = setup.check()
    assert r.returncode == 0, r.stdout + r.stderr
    v = verdicts(r.stdout)
    assert len(v) == len(records) == 16, r.stdout
    assert set(v.values()) == {"ok"}, r.stdout
    assert "All 16 records of example.org are published" in r.stdout


def test_check_names_missing_records(setup):
    records = parse_zone(setup.cli("dns", DOMAIN).stdout)
    dropped = {(f"_dmarc.{DOMAIN}", "TXT"), (f"postamt-rsa._domainkey.{DOMAIN}", "TXT"),
               (f"_imaps._tcp.{DOMAIN}", "SRV"), (f"autoconfig.{DOMAIN}", "CNAME"), (f"_pop3._tcp.{DOMAIN}", "SRV")}
    setup.serve(dnsmasq_args([r for r in records if (r[0], r[1]) not in dropped]))
    r = setup.check()
    assert r.returncode == 1, r.stdout
    v = verdicts(r.stdout)
    for name, rtype in dropped:
        assert v[f"{name} {rtype}"] == "missing", r.stdout
    assert [k for k, x in v.items() if x != "ok"].__len__() == len(dropped), r.stdout
    assert "5 of 16 records of example.org need attention" in r.stdout
    # What to publish is shown for each missing record.
    assert f"expected: v=DMARC1; p=quarantine; rua=mailto:postmaster@{DOMAIN}" in r.stdout


def test_check_names_wrong_values(setup):
    records = parse_zone(setup.cli("dns", DOMAIN).stdout)
    wrong = {
        (DOMAIN, "MX"): ("MX", "10 mx.elsewhere.example."),
        (DOMAIN, "TXT"): ("TXT", ["v=spf1 a ~all"]),
        (f"_dmarc.{DOMAIN}", "TXT"): ("TXT", ["v=DMARC1; p=none; rua=mailto:x@elsewhere.example"]),
        (f"_mta-sts.{DOMAIN}", "TXT"): ("TXT", ["v=STSv1; id=20240101T000000"]),
        (f"_submissions._tcp.{DOMAIN}", "SRV"): ("SRV", f"0 1 4650 {HOST}."),
        (f"autodiscover.{DOMAIN}", "CNAME"): ("CNAME", "web.example.org."),
        (f"postamt-ed25519._domainkey.{DOMAIN}", "TXT"): ("TXT", ["v=DKIM1; k=ed25519; p=bm90IHRoZSBrZXk="]),
    }
    served = [(n, t, wrong[(n, t)][1]) if (n, t) in wrong else (n, t, d) for n, t, d in records]
    # autoconfig with address records instead of a CNAME: fine when they are the host's.
    served = [r for r in served if r[0] != f"autoconfig.{DOMAIN}"]
    extra = [f"--host-record=web.example.org,192.0.2.99", f"--host-record=autoconfig.{DOMAIN},{','.join(HOST_ADDRS)}"]
    setup.serve(dnsmasq_args(served) + extra)
    r = setup.check()
    assert r.returncode == 1, r.stdout
    v = verdicts(r.stdout)
    for (name, rtype) in wrong:
        assert v[f"{name} {rtype}"] == "wrong", r.stdout
    assert v[f"autoconfig.{DOMAIN} CNAME"] == "ok", r.stdout
    assert "address records instead of a CNAME" in r.stdout
    assert sum(1 for x in v.values() if x != "ok") == len(wrong), r.stdout
    # Found and expected values are both shown.
    assert "found:    v=spf1 a ~all" in r.stdout and "expected: v=spf1 mx -all" in r.stdout
    assert "found:    10 mx.elsewhere.example" in r.stdout
    assert "policy p=none, expected p=quarantine" in r.stdout
    assert "the id differs" in r.stdout
    assert f"found:    0 1 4650 {HOST}" in r.stdout and f"expected: 0 1 465 {HOST}" in r.stdout


def test_check_reports_an_unreachable_resolver(setup):
    setup.write_config("127.0.0.1@9")  # nothing answers there
    r = setup.check()
    assert r.returncode == 1
    v = verdicts(r.stdout)
    assert v and set(v.values()) == {"error"}, r.stdout
