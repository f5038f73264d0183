#include "smtp/dsn.h"

#include <gtest/gtest.h>

#include "mime/header.h"
#include "mime/message_parser.h"

using namespace postamt::smtp;
using namespace postamt::mime;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

namespace {

const std::string kOriginal =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net, carol@example.net\r\n"
    "Subject: Lunch?\r\n"
    "Message-ID: <orig-1@example.org>\r\n"
    "\r\n"
    "Shall we meet at noon?\r\n";

DsnInput base_input() {
    DsnInput in;
    in.reporting_mta = "mail.example.org";
    in.postmaster = "postmaster@example.org";
    in.sender = "alice@example.org";
    in.envid = "QQ314159";
    in.queue_id = "01J9ZQ3K8M5TB2X";
    in.arrival = Clock::time_point(seconds(1727784000));
    in.now = Clock::time_point(seconds(1727787600));
    in.original = kOriginal;
    DsnRecipient r;
    r.final_recipient = "bob@example.net";
    r.original_recipient = "rfc822;bob+2Bx@example.net";
    r.action = DsnAction::failed;
    r.status = "5.1.1";
    r.remote_mta = "mx.example.net";
    r.diagnostic = "550-5.1.1 <bob@example.net>: Recipient address rejected:\r\n550 5.1.1 User unknown in virtual mailbox table";
    r.last_attempt = Clock::time_point(seconds(1727787500));
    in.recipients.push_back(r);
    return in;
}

std::string_view part_body(const std::string& msg, const Part& p) {
    return std::string_view(msg).substr(p.body_start, p.end - p.body_start);
}

// The field blocks of a delivery-status body (RFC 3464 2.1): the
// per-message block first, then one per recipient; values unfolded.
std::vector<std::vector<std::pair<std::string, std::string>>> status_blocks(std::string_view body) {
    std::vector<std::vector<std::pair<std::string, std::string>>> blocks;
    std::size_t p = 0;
    while (p < body.size()) {
        auto hb = parse_header(body, p, body.size());
        std::vector<std::pair<std::string, std::string>> fields;
        for (const auto& f : hb.fields) fields.emplace_back(to_lower_ascii(f.name), unfold(f.raw_value));
        if (!fields.empty()) blocks.push_back(std::move(fields));
        if (hb.body_start <= p) break;
        p = hb.body_start;
    }
    return blocks;
}

std::string get(const std::vector<std::pair<std::string, std::string>>& block, const std::string& name) {
    for (const auto& [n, v] : block)
        if (n == name) return v;
    return "<missing>";
}

}  // namespace

TEST(Dsn, FailedStructureAndFields) {
    auto in = base_input();
    auto dsn = build_dsn(in);
    EXPECT_FALSE(dsn.global);
    EXPECT_TRUE(dsn.full_original);
    auto pm = parse_message(dsn.message);
    const auto& root = pm.root();
    EXPECT_EQ(root.type, "multipart");
    EXPECT_EQ(root.subtype, "report");
    ASSERT_NE(root.param("report-type"), nullptr);
    EXPECT_EQ(*root.param("report-type"), "delivery-status");
    ASSERT_EQ(root.children.size(), 3u);
    const auto& text = pm.parts[root.children[0]];
    const auto& status = pm.parts[root.children[1]];
    const auto& orig = pm.parts[root.children[2]];
    EXPECT_EQ(text.type + "/" + text.subtype, "text/plain");
    EXPECT_EQ(status.type + "/" + status.subtype, "message/delivery-status");
    EXPECT_EQ(orig.type + "/" + orig.subtype, "message/rfc822");

    // The top-level header.
    const auto& env = pm.envelope();
    ASSERT_EQ(env.from.size(), 1u);
    EXPECT_EQ(addr_spec(env.from[0]), "MAILER-DAEMON@mail.example.org");
    ASSERT_EQ(env.to.size(), 1u);
    EXPECT_EQ(addr_spec(env.to[0]), "alice@example.org");
    EXPECT_EQ(env.subject.value_or(""), "Undelivered Mail Returned to Sender");
    EXPECT_EQ(env.message_id.value_or(""), dsn.message_id);
    ASSERT_TRUE(env.parsed_date);
    EXPECT_EQ(env.parsed_date->unix_seconds, 1727787600);
    auto top = parse_header(dsn.message, 0, dsn.message.size());
    ASSERT_NE(top.find("Auto-Submitted"), nullptr);
    EXPECT_EQ(unfold(top.find("Auto-Submitted")->raw_value), "auto-replied");

    // The delivery-status fields.
    auto blocks = status_blocks(part_body(dsn.message, status));
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(get(blocks[0], "reporting-mta"), "dns; mail.example.org");
    EXPECT_EQ(get(blocks[0], "original-envelope-id"), "QQ314159");
    EXPECT_EQ(get(blocks[0], "x-postamt-queue-id"), "01J9ZQ3K8M5TB2X");
    EXPECT_TRUE(parse_date(get(blocks[0], "arrival-date")));
    EXPECT_EQ(parse_date(get(blocks[0], "arrival-date"))->unix_seconds, 1727784000);
    EXPECT_EQ(get(blocks[1], "final-recipient"), "rfc822; bob@example.net");
    EXPECT_EQ(get(blocks[1], "original-recipient"), "rfc822;bob+x@example.net");  // xtext decoded
    EXPECT_EQ(get(blocks[1], "action"), "failed");
    EXPECT_EQ(get(blocks[1], "status"), "5.1.1");
    EXPECT_EQ(get(blocks[1], "remote-mta"), "dns; mx.example.net");
    EXPECT_EQ(get(blocks[1], "diagnostic-code"),
              "smtp; 550-5.1.1 <bob@example.net>: Recipient address rejected: 550 5.1.1 User unknown in virtual "
              "mailbox table");
    EXPECT_EQ(parse_date(get(blocks[1], "last-attempt-date"))->unix_seconds, 1727787500);
    EXPECT_EQ(get(blocks[1], "will-retry-until"), "<missing>");

    // The original comes back byte for byte, as a nested message.
    ASSERT_EQ(orig.children.size(), 1u);
    ASSERT_NE(orig.envelope, kNoIndex);
    EXPECT_EQ(pm.envelopes[orig.envelope].subject.value_or(""), "Lunch?");
    EXPECT_EQ(part_body(dsn.message, orig).substr(0, kOriginal.size()), kOriginal);

    // Every line within the 998 limit, CRLF only.
    EXPECT_TRUE(is_canonical_crlf(dsn.message));
    std::size_t start = 0;
    while (start < dsn.message.size()) {
        auto e = dsn.message.find("\r\n", start);
        ASSERT_NE(e, std::string::npos);
        EXPECT_LE(e - start, 998u);
        start = e + 2;
    }
    // The human-readable part names the recipient and the reason.
    auto t = part_body(dsn.message, text);
    EXPECT_NE(t.find("<bob@example.net>: failed"), std::string_view::npos);
    EXPECT_NE(t.find("Recipient address rejected"), std::string_view::npos);
    EXPECT_NE(t.find("postmaster@example.org"), std::string_view::npos);
}

TEST(Dsn, DelayedWithRetryUntilAndSeveralRecipients) {
    auto in = base_input();
    in.envid.clear();
    in.recipients[0].action = DsnAction::delayed;
    in.recipients[0].status = "4.4.1";
    in.recipients[0].remote_mta.clear();
    in.recipients[0].original_recipient.clear();
    in.recipients[0].diagnostic = "connect to mx.example.net: Connection refused";
    in.recipients[0].will_retry_until = Clock::time_point(seconds(1727784000 + 5 * 86400));
    DsnRecipient c;
    c.final_recipient = "carol@example.net";
    c.action = DsnAction::delayed;
    c.status = "4.2.2";
    c.remote_mta = "mx2.example.net";
    c.diagnostic = "452 4.2.2 Mailbox full";
    c.will_retry_until = in.recipients[0].will_retry_until;
    in.recipients.push_back(c);
    auto dsn = build_dsn(in);
    auto pm = parse_message(dsn.message);
    EXPECT_EQ(pm.envelope().subject.value_or(""), "Delayed Mail (still being retried)");
    const auto& status = pm.parts[pm.root().children[1]];
    auto blocks = status_blocks(part_body(dsn.message, status));
    ASSERT_EQ(blocks.size(), 3u);
    EXPECT_EQ(get(blocks[0], "original-envelope-id"), "<missing>");
    EXPECT_EQ(get(blocks[1], "action"), "delayed");
    EXPECT_EQ(get(blocks[1], "original-recipient"), "<missing>");
    EXPECT_EQ(get(blocks[1], "remote-mta"), "<missing>");
    EXPECT_EQ(get(blocks[1], "diagnostic-code"), "x-postamt; connect to mx.example.net: Connection refused");
    EXPECT_EQ(parse_date(get(blocks[1], "will-retry-until"))->unix_seconds, 1727784000 + 5 * 86400);
    EXPECT_EQ(get(blocks[2], "final-recipient"), "rfc822; carol@example.net");
    EXPECT_EQ(get(blocks[2], "diagnostic-code"), "smtp; 452 4.2.2 Mailbox full");
    EXPECT_NE(dsn.message_id, build_dsn(base_input()).message_id);  // delay and bounce differ
}

TEST(Dsn, HeadersOnlyForRetHdrsAndBigOriginals) {
    auto in = base_input();
    in.ret = DsnRet::hdrs;
    auto dsn = build_dsn(in);
    EXPECT_FALSE(dsn.full_original);
    auto pm = parse_message(dsn.message);
    const auto& orig = pm.parts[pm.root().children[2]];
    EXPECT_EQ(orig.type + "/" + orig.subtype, "text/rfc822-headers");
    auto body = part_body(dsn.message, orig);
    EXPECT_NE(body.find("Subject: Lunch?"), std::string_view::npos);
    EXPECT_EQ(body.find("Shall we meet"), std::string_view::npos);

    auto big = base_input();
    std::string large = kOriginal + std::string(2000, 'x') + "\r\n";
    big.original = large;
    big.max_returned_size = 1000;
    auto d2 = build_dsn(big);
    EXPECT_FALSE(d2.full_original);
    EXPECT_EQ(d2.message.find(std::string(100, 'x')), std::string::npos);
    big.max_returned_size = 1024 * 1024;
    EXPECT_TRUE(build_dsn(big).full_original);
}

TEST(Dsn, GlobalForSmtputf8) {
    auto in = base_input();
    std::string original = "From: J\xc3\xb6rg <j\xc3\xb6rg@example.org>\r\nSubject: Gr\xc3\xbc\xc3\x9f""e\r\n\r\nHall\xc3\xb6\r\n";
    in.original = original;
    in.sender = "j\xc3\xb6rg@example.org";
    in.smtputf8 = true;
    in.recipients[0].final_recipient = "m\xc3\xbcller@example.net";
    in.recipients[0].original_recipient = "utf-8;m\xc3\xbcller@example.net";
    auto dsn = build_dsn(in);
    EXPECT_TRUE(dsn.global);
    auto pm = parse_message(dsn.message);
    EXPECT_EQ(*pm.root().param("report-type"), "global-delivery-status");
    const auto& status = pm.parts[pm.root().children[1]];
    const auto& orig = pm.parts[pm.root().children[2]];
    EXPECT_EQ(status.type + "/" + status.subtype, "message/global-delivery-status");
    EXPECT_EQ(orig.type + "/" + orig.subtype, "message/global");
    EXPECT_EQ(orig.encoding, "8bit");
    auto blocks = status_blocks(part_body(dsn.message, status));
    ASSERT_EQ(blocks.size(), 2u);
    EXPECT_EQ(get(blocks[1], "final-recipient"), "utf-8; m\xc3\xbcller@example.net");
    EXPECT_EQ(get(blocks[1], "original-recipient"), "utf-8;m\xc3\xbcller@example.net");
    // Headers only in the global variant.
    in.ret = DsnRet::hdrs;
    auto h = parse_message(build_dsn(in).message);
    EXPECT_EQ(h.parts[h.root().children[2]].subtype, "global-headers");
}

TEST(Dsn, AsciiReportWhenNotGlobal) {
    // A UTF-8 reply text in a non-SMTPUTF8 report is made ASCII.
    auto in = base_input();
    in.recipients[0].diagnostic = "550 5.7.1 Zugriff verweigert \xe2\x80\x93 bitte pr\xc3\xbc" "fen";
    auto dsn = build_dsn(in);
    EXPECT_FALSE(dsn.global);
    auto pm = parse_message(dsn.message);
    auto blocks = status_blocks(part_body(dsn.message, pm.parts[pm.root().children[1]]));
    auto code = get(blocks[1], "diagnostic-code");
    for (unsigned char ch : code) EXPECT_LT(ch, 0x80);
    EXPECT_EQ(code.rfind("smtp; 550 5.7.1 Zugriff verweigert", 0), 0u);
}

TEST(Dsn, BoundaryNotInContentAndEmptyOriginal) {
    auto in = base_input();
    std::string tricky = "Subject: x\r\n\r\n--=_postamt_01J9ZQ3K8M5TB2X_1727787600\r\n";
    in.original = tricky;
    auto dsn = build_dsn(in);
    auto pm = parse_message(dsn.message);
    ASSERT_EQ(pm.root().children.size(), 3u);
    EXPECT_EQ(pm.parts[pm.root().children[2]].subtype, "rfc822");

    in.original = "";
    auto empty = build_dsn(in);
    auto pe = parse_message(empty.message);
    EXPECT_EQ(pe.root().children.size(), 3u);
}

TEST(Dsn, XtextDecode) {
    EXPECT_EQ(xtext_decode("a+2Bb+3Dc"), "a+b=c");
    EXPECT_EQ(xtext_decode("plain"), "plain");
    EXPECT_EQ(xtext_decode("bad+2"), "bad+2");
    EXPECT_EQ(xtext_decode("lower+2b"), "lower+2b");
    EXPECT_EQ(xtext_decode("+"), "+");
}

TEST(Dsn, HugeDiagnosticStaysWithinLineLimits) {
    auto in = base_input();
    in.recipients[0].diagnostic = "550 " + std::string(5000, 'x') + "\n550 " + std::string(3000, 'y');
    auto dsn = build_dsn(in);
    std::size_t start = 0;
    while (start < dsn.message.size()) {
        auto e = dsn.message.find("\r\n", start);
        ASSERT_NE(e, std::string::npos);
        EXPECT_LE(e - start, 998u);
        start = e + 2;
    }
    auto pm = parse_message(dsn.message);
    EXPECT_EQ(pm.root().children.size(), 3u);
    EXPECT_LT(dsn.message.size(), 8000u);
}
