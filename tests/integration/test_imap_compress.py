"""COMPRESS=DEFLATE (RFC 4978) against a real server. imaplib cannot
compress, so a raw TLS socket with zlib raw DEFLATE (wbits=-15) runs
LOGIN/SELECT/FETCH through the compressed stream."""
import zlib

from imap_ext_util import PASSWORD, RawImap, deliver

USER = "bob@example.org"


def test_compressed_session(server):
    deliver(server, USER, subject="compressed", body="line of text\r\n" * 2000)
    c = RawImap.connect(server)
    untagged, _ = c.ok("CAPABILITY")
    # Advertised once logged in (the command is not valid before).
    c.ok(f'LOGIN "{USER}" "{PASSWORD}"')
    untagged, _ = c.ok("CAPABILITY")
    assert b"COMPRESS=DEFLATE" in untagged[0].split()
    _, tagged = c.command("COMPRESS DEFLATE")
    assert tagged.endswith(b"OK DEFLATE active"), tagged
    c.start_compress()
    untagged, _ = c.ok("SELECT INBOX")
    assert any(u.endswith(b" EXISTS") for u in untagged), untagged
    untagged, _ = c.ok("FETCH 1 (BODY.PEEK[] RFC822.SIZE)")
    assert b"Subject: compressed" in untagged[0]
    assert untagged[0].count(b"line of text\r\n") == 2000
    # A second COMPRESS is refused, inside the compressed stream.
    _, tagged = c.command("COMPRESS DEFLATE")
    assert b"NO [COMPRESSIONACTIVE]" in tagged, tagged
    # The wire really is compressed: 28 KB of repetitive text came in far
    # fewer bytes.
    assert c.plain_in > 28000
    assert c.wire_in * 10 < c.plain_in, (c.wire_in, c.plain_in)
    _, tagged = c.command("LOGOUT")
    assert b"OK" in tagged
    c.close()


def test_pipelined_command_after_compress(server):
    c = RawImap.connect(server)
    c.ok(f'LOGIN "{USER}" "{PASSWORD}"')
    # COMPRESS and a compressed NOOP in one write (RFC 4978 allows the
    # client to start compressing right after its COMPRESS line).
    d = zlib.compressobj(wbits=-15)
    c.sock.sendall(b"z1 COMPRESS DEFLATE\r\n" + d.compress(b"z2 NOOP\r\n") + d.flush(zlib.Z_SYNC_FLUSH))
    line = c.read_line()
    assert line == b"z1 OK DEFLATE active", line
    c.start_compress()
    c.deflate = d
    assert c.read_line().startswith(b"z2 OK"), "NOOP after COMPRESS"
    c.ok("LOGOUT")
    c.close()


def test_unknown_mechanism_and_not_authenticated(server):
    c = RawImap.connect(server)
    _, tagged = c.command("COMPRESS DEFLATE")
    assert b" BAD " in tagged or b" NO " in tagged, tagged
    c.ok(f'LOGIN "{USER}" "{PASSWORD}"')
    _, tagged = c.command("COMPRESS LZ4")
    assert b" BAD " in tagged, tagged
    # Still uncompressed and usable.
    c.ok("NOOP")
    c.close()
