"""DSNs built by src/smtp/dsn.cpp (through tests/tools/dsn_sample) read by an
independent parser, Python's email package: structure, RFC 3464 fields,
the returned original."""
import email
import email.policy
import subprocess

ORIGINAL = (b"From: Alice <alice@example.org>\r\nTo: bob@example.net, carol@example.net\r\n"
            b"Subject: Lunch?\r\nMessage-ID: <orig-1@example.org>\r\n\r\nShall we meet at noon?\r\n")


def dsn(build_dir, *args, original=ORIGINAL):
    r = subprocess.run([str(build_dir / "dsn_sample"), *args], input=original, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert b"\n" not in r.stdout.replace(b"\r\n", b"")  # CRLF only
    return email.message_from_bytes(r.stdout, policy=email.policy.default)


def test_failed_dsn(build_dir):
    m = dsn(build_dir)
    assert m["From"].addresses[0].addr_spec == "MAILER-DAEMON@mail.example.org"
    assert m["To"].addresses[0].addr_spec == "alice@example.org"
    assert m["Subject"] == "Undelivered Mail Returned to Sender"
    assert m["Auto-Submitted"] == "auto-replied"
    assert m.get_content_type() == "multipart/report"
    assert m.get_param("report-type") == "delivery-status"
    assert not m.defects
    text, status, original = m.get_payload()
    assert text.get_content_type() == "text/plain"
    assert "<bob@example.net>: failed" in text.get_content()
    assert status.get_content_type() == "message/delivery-status"
    # email parses message/delivery-status into header blocks (RFC 3464 2.1).
    blocks = status.get_payload()
    assert len(blocks) == 3
    per_message, bob, carol = blocks
    assert per_message["Reporting-MTA"] == "dns; mail.example.org"
    assert per_message["Original-Envelope-Id"] == "ENV+2B1"
    assert per_message["Arrival-Date"] == "Tue, 01 Oct 2024 12:00:00 +0000"
    assert bob["Final-Recipient"] == "rfc822; bob@example.net"
    assert bob["Original-Recipient"] == "rfc822;bob+x@example.net"
    assert bob["Action"] == "failed"
    assert bob["Status"] == "5.1.1"
    assert bob["Remote-MTA"] == "dns; mx.example.net"
    assert bob["Diagnostic-Code"] == "smtp; 550 5.1.1 <bob@example.net>: user unknown"
    assert carol["Status"] == "5.2.2" and carol["Remote-MTA"] is None
    assert original.get_content_type() == "message/rfc822"
    inner = original.get_payload()[0]
    assert inner["Subject"] == "Lunch?"
    assert inner.get_content().strip() == "Shall we meet at noon?"


def test_delayed_dsn_headers_only(build_dir):
    m = dsn(build_dir, "delayed", "hdrs")
    assert m["Subject"] == "Delayed Mail (still being retried)"
    text, status, headers = m.get_payload()
    blocks = status.get_payload()
    assert [b["Action"] for b in blocks[1:]] == ["delayed", "delayed"]
    assert blocks[1]["Will-Retry-Until"] == "Sun, 06 Oct 2024 12:00:00 +0000"
    assert headers.get_content_type() == "text/rfc822-headers"
    body = headers.get_payload(decode=True)
    assert b"Subject: Lunch?" in body and b"Shall we meet" not in body


def test_global_dsn_for_smtputf8(build_dir):
    original = "From: Jörg <jörg@example.org>\r\nSubject: Grüße\r\n\r\nHallö\r\n".encode()
    m = dsn(build_dir, "utf8", original=original)
    assert m.get_param("report-type") == "global-delivery-status"
    text, status, orig = m.get_payload()
    assert status.get_content_type() == "message/global-delivery-status"
    assert orig.get_content_type() == "message/global"
    # email treats every message/* type as an embedded message; read the text.
    raw_status = status.as_bytes(policy=email.policy.SMTPUTF8).decode()
    assert "Final-Recipient: utf-8; müller@example.net" in raw_status
    assert "Original-Recipient: rfc822;bob+x@example.net" in raw_status
    assert "Subject: Grüße" in orig.as_bytes(policy=email.policy.SMTPUTF8).decode()
