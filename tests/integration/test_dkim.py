"""DKIM signing checked by an independent verifier (Debian's python3-dkim):
keys come from `postamt dkim generate`, messages are signed by
tests/tools/dkim_sign (the library code the queue uses at enqueue), and
dkimpy verifies every signature with the TXT records the CLI printed."""
import re
import subprocess
import time

import dkim
import pytest

DOMAIN = "example.org"

MESSAGES = {
    "plain": b"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Hello\r\n"
             b"Date: Sun, 22 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.org>\r\n\r\nHi Bob.\r\n",
    "empty_body": b"From: alice@example.org\r\nTo: bob@example.net\r\nSubject: empty\r\n\r\n",
    "no_blank_line": b"From: alice@example.org\r\nSubject: header only\r\n",
    "no_final_crlf": b"From: alice@example.org\r\nSubject: x\r\n\r\nlast line without CRLF",
    "no_final_crlf_trailing_ws": b"From: alice@example.org\r\nSubject: x\r\n\r\nlast line without CRLF \t ",
    "trailing_blank_lines": b"From: alice@example.org\r\nSubject: x\r\n\r\nbody \t\r\n\r\n  \r\n\r\n\r\n",
    "odd_folding": b"From:\r\n \"Alice, A.\"\r\n\t<alice@example.org>\r\nSubject:   many\r\n   folds \r\n\there\r\n"
                   b"To: x@example.net,\r\n y@example.net\r\nCc: z@example.net\r\nCc: w@example.net\r\n"
                   b"References: <a@x>\r\n <b@x>\r\n\t<c@x>\r\n\r\nbody\r\n",
    "eight_bit": "From: Jörg <joerg@example.org>\r\nTo: Zoë <zoe@example.net>\r\nSubject: Grüße ✉\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 "Content-Transfer-Encoding: 8bit\r\n\r\nÄÖÜ äöü ß\r\n".encode(),
    "lf_only": b"From: alice@example.org\nTo: bob@example.net\nSubject: unix\n\nline 1\nline 2\n",
    "mime": b"From: alice@example.org\r\nTo: bob@example.net\r\nSubject: att\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
            b"text\r\n--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"AAECAwQ=\r\n--b1--\r\n",
}


def txt_records(output: str) -> dict:
    """name -> TXT text from lines like 'sel._domainkey.example.org. IN TXT "a" "b"'."""
    records = {}
    for line in output.splitlines():
        m = re.match(r'^(\S+)\. IN TXT (.*)$', line)
        if not m:
            continue
        strings = re.findall(r'"([^"]*)"', m.group(2))
        assert strings, line
        assert all(len(s) <= 255 for s in strings), "TXT strings are limited to 255 octets"
        records[m.group(1)] = "".join(strings)
    return records


@pytest.fixture
def keys(postamt_bin, tmp_path):
    data = tmp_path / "data"
    cfg = tmp_path / "postamt.toml"
    cfg.write_text(f'[server]\ndata_dir = "{data}"\n')

    def cli(*args, check=True):
        r = subprocess.run([str(postamt_bin), "-c", str(cfg), *args], capture_output=True, text=True, timeout=60)
        if check:
            assert r.returncode == 0, r.stderr
        return r

    out = cli("dkim", "generate", DOMAIN).stdout
    records = txt_records(out)
    assert set(records) == {f"postamt-rsa._domainkey.{DOMAIN}", f"postamt-ed25519._domainkey.{DOMAIN}"}
    return {"cli": cli, "records": records, "key_dir": data / "dkim"}


def dnsfunc_for(records):
    def dnsfunc(name, timeout=5):
        key = name.decode().rstrip(".")
        return records.get(key, "").encode()
    return dnsfunc


def sign(build_dir, key_dir, message: bytes) -> bytes:
    r = subprocess.run([str(build_dir / "dkim_sign"), str(key_dir), str(int(time.time()))],
                       input=message, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def signature_count(message: bytes) -> int:
    return len(re.findall(rb"^DKIM-Signature:", message, re.M | re.I))


def test_generate_list_dns(keys):
    records = keys["records"]
    rsa = records[f"postamt-rsa._domainkey.{DOMAIN}"]
    ed = records[f"postamt-ed25519._domainkey.{DOMAIN}"]
    assert rsa.startswith("v=DKIM1; k=rsa; p=MII") and len(rsa) > 255  # split into several strings
    assert re.fullmatch(r"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=", ed)
    listed = keys["cli"]("dkim", "list").stdout.split("\n")
    assert f"{DOMAIN} postamt-ed25519 ed25519-sha256" in listed
    assert f"{DOMAIN} postamt-rsa rsa-sha256 2048" in listed
    assert txt_records(keys["cli"]("dkim", "dns", DOMAIN).stdout) == records
    # Key files are private.
    for pem in (keys["key_dir"] / DOMAIN).iterdir():
        assert pem.stat().st_mode & 0o777 == 0o600
    # Generating again with the same selector refuses to overwrite.
    again = keys["cli"]("dkim", "generate", DOMAIN, check=False)
    assert again.returncode == 1 and "exists already" in again.stderr
    # A new selector base adds keys (rotation) without touching the old ones.
    rot = txt_records(keys["cli"]("dkim", "generate", DOMAIN, "--selector", "2027a", "--algorithm", "ed25519").stdout)
    assert list(rot) == [f"2027a-ed25519._domainkey.{DOMAIN}"]
    missing = keys["cli"]("dkim", "dns", "example.net", check=False)
    assert missing.returncode == 1


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_signatures_verify_with_dkimpy(keys, build_dir, name):
    signed = sign(build_dir, keys["key_dir"], MESSAGES[name])
    assert signature_count(signed) == 2  # RSA and Ed25519
    if name == "no_final_crlf_trailing_ws":
        # Over SMTP a body always arrives ending in CRLF (RFC 5321 4.1.1.4),
        # and that is what the verifier sees. Without it dkimpy keeps the
        # whitespace of an unterminated last line, which RFC 6376 3.4.4
        # ("ignore all whitespace at the end of lines") does not.
        signed += b"\r\n"
    dnsfunc = dnsfunc_for(keys["records"])
    d = dkim.DKIM(signed)
    algs = set()
    for idx in range(2):
        assert d.verify(idx=idx, dnsfunc=dnsfunc), f"signature {idx} of {name!r} does not verify"
        algs.add(d.signature_fields[b"a"])
    assert algs == {b"rsa-sha256", b"ed25519-sha256"}
    # Relaxed canonicalisation forgives whitespace changes in the body...
    head, sep, body = signed.partition(b"\r\n\r\n")
    if sep and body:
        respaced = head + sep + body.replace(b" ", b"  ")
        assert dkim.DKIM(respaced).verify(idx=1, dnsfunc=dnsfunc)
    # ...but not changed content.
    tampered = signed.replace(b"Subject:", b"Subject: [changed]", 1)
    for idx in range(2):
        assert not dkim.DKIM(tampered).verify(idx=idx, dnsfunc=dnsfunc)


def test_added_from_is_caught(keys, build_dir):
    signed = sign(build_dir, keys["key_dir"], MESSAGES["plain"])
    dnsfunc = dnsfunc_for(keys["records"])
    assert dkim.DKIM(signed).verify(idx=0, dnsfunc=dnsfunc)
    # A second From inserted after the signatures: From is over-signed.
    head, _, body = signed.partition(b"\r\n\r\n")
    forged = head + b"\r\nFrom: mallory@example.net\r\n\r\n" + body
    for idx in range(2):
        assert not dkim.DKIM(forged).verify(idx=idx, dnsfunc=dnsfunc)


def test_unknown_domain_is_not_signed(keys, build_dir):
    r = subprocess.run([str(build_dir / "dkim_sign"), str(keys["key_dir"])],
                       input=b"From: a@example.net\r\nSubject: x\r\n\r\nbody\r\n", capture_output=True, timeout=60)
    assert r.returncode == 1 and b"no key" in r.stderr


def free_udp_port() -> int:
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_opendkim_testkey_finds_the_published_keys(keys, tmp_path):
    """opendkim-testkey (Debian's opendkim-tools) fetches the records the CLI
    printed from a local dnsmasq and, for RSA, checks that the private key
    file matches the published public key. (Its -k comparison knows RSA
    only; for Ed25519 it checks that the record is there and parses.)"""
    port = free_udp_port()
    conf = tmp_path / "dnsmasq.conf"
    lines = []
    for name, text in keys["records"].items():
        # dnsmasq takes the character-strings comma-separated; keep the split.
        strings = [text[i:i + 255] for i in range(0, len(text), 255)]
        lines.append(f"txt-record={name}," + ",".join(f'"{s}"' for s in strings))
    conf.write_text("\n".join(lines) + "\n")
    dns = subprocess.Popen(["dnsmasq", "--no-daemon", f"--conf-file={conf}", "--no-resolv", "--no-hosts",
                            "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={port}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        unbound_conf = tmp_path / "unbound.conf"
        unbound_conf.write_text('server:\n  do-not-query-localhost: no\n  module-config: "iterator"\n'
                                f'forward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@{port}\n')
        odk_conf = tmp_path / "opendkim.conf"
        odk_conf.write_text(f"ResolverConfiguration\t{unbound_conf}\n")
        time.sleep(0.3)
        assert dns.poll() is None, dns.stderr.read().decode()
        key_dir = keys["key_dir"] / DOMAIN
        rsa = subprocess.run(["opendkim-testkey", "-x", str(odk_conf), "-d", DOMAIN, "-s", "postamt-rsa",
                              "-k", str(key_dir / "postamt-rsa.pem"), "-vvv"],
                             capture_output=True, text=True, timeout=30)
        assert rsa.returncode == 0 and "key OK" in rsa.stdout + rsa.stderr, rsa.stderr
        ed = subprocess.run(["opendkim-testkey", "-x", str(odk_conf), "-d", DOMAIN, "-s", "postamt-ed25519", "-vvv"],
                            capture_output=True, text=True, timeout=30)
        assert ed.returncode == 0 and "key OK" in ed.stdout + ed.stderr, ed.stderr
        # A key that does not match the record is reported.
        other = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
                                "-out", str(tmp_path / "other.pem")], capture_output=True, timeout=60)
        assert other.returncode == 0
        bad = subprocess.run(["opendkim-testkey", "-x", str(odk_conf), "-d", DOMAIN, "-s", "postamt-rsa",
                              "-k", str(tmp_path / "other.pem"), "-vvv"], capture_output=True, text=True, timeout=30)
        assert bad.returncode != 0, bad.stderr
    finally:
        dns.terminate()
        dns.wait(timeout=10)
