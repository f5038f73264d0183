// Store::search against a real store: every SearchNode kind, nesting, the
// decoding of bodies and headers, case-insensitivity beyond ASCII, and the
// same answers whether a message is answered from the FTS index or scanned.
#include <filesystem>
#include <fstream>

#include "mime/date.h"
#include "store/search_query.h"
#include "store_test_util.h"

namespace postamt::store::testing {
namespace {

using Kind = SearchNode::Kind;

int64_t day(int y, unsigned m, unsigned d) { return mime::days_from_civil(y, m, d) * 86400; }

SearchNode leaf(Kind k) {
    SearchNode n;
    n.kind = k;
    return n;
}
SearchNode text_leaf(Kind k, std::string value, std::string field = {}) {
    SearchNode n;
    n.kind = k;
    n.value = std::move(value);
    n.field = std::move(field);
    return n;
}
SearchNode body(std::string v) { return text_leaf(Kind::body, std::move(v)); }
SearchNode text(std::string v) { return text_leaf(Kind::text, std::move(v)); }
SearchNode header(std::string f, std::string v) { return text_leaf(Kind::header, std::move(v), std::move(f)); }
SearchNode number(Kind k, int64_t n) {
    SearchNode s;
    s.kind = k;
    s.number = n;
    return s;
}
SearchNode dates(Kind k, int64_t from, int64_t to) {
    SearchNode s;
    s.kind = k;
    s.date_from = from;
    s.date_to = to;
    return s;
}
SearchNode op(Kind k, std::vector<SearchNode> children) {
    SearchNode s;
    s.kind = k;
    s.children = std::move(children);
    return s;
}
SearchNode uids(std::vector<UidRange> r) {
    SearchNode s;
    s.kind = Kind::uids;
    s.uids = std::move(r);
    return s;
}

// 1: plain ASCII, Seen+Flagged, keyword Work
const std::string kPlain =
    "From: Alice Example <alice@example.net>\r\nTo: bob@example.org\r\nSubject: Meeting tomorrow\r\n"
    "Date: Sun, 22 Nov 2026 00:30:00 +0100\r\nMessage-ID: <plain@example.net>\r\n\r\n"
    "Let's meet at the Rathaus at noon.\r\nBring the quarterly numbers.\r\n";
// 2: base64 UTF-8 body
const std::string kBase64 =
    "From: carol@example.net\r\nTo: bob@example.org\r\nSubject: Obst\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "R3LDvMOfZSBhdXMgTcO8bmNoZW4sIMOEUEZFTCB1bmQgQmlybmVuLgo=\r\n";  // "Grüße aus München, ÄPFEL und Birnen.\n"
// 3: quoted-printable ISO-8859-1 with a soft line break
const std::string kQp =
    "From: dave@example.net\r\nTo: bob@example.org\r\nSubject: Dessert\r\n"
    "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Caf=E9 cr=E8me br=FBl=E9e and soft=\r\nbreak words.\r\n";
// 4: 8-bit windows-1252 (euro sign, curly quotes)
const std::string kCp1252 = std::string(
                                "From: erin@example.net\r\nTo: bob@example.org\r\nSubject: Price\r\n"
                                "Date: Wed, 25 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                                "Content-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                                "Price: 100") +
                            "\x80 \x93quoted\x94 text.\r\n";
// 5: encoded words in Subject and From
const std::string kEncoded =
    "From: =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.net>\r\nTo: bob@example.org\r\n"
    "Subject: =?ISO-8859-1?Q?Gr=FC=DFe_vom_See?=\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\n"
    "Plain body.\r\n";
// 6: multipart/alternative (plain + html) and a base64 image
const std::string kMultipart =
    "From: frank@example.net\r\nTo: bob@example.org\r\nSubject: Offer\r\n"
    "Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
    "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
    "--alt\r\nContent-Type: text/plain\r\n\r\nSee the html part.\r\n"
    "--alt\r\nContent-Type: text/html\r\n\r\n<html><body><p><b>Spe</b>cial offer &amp; more</p>"
    "<script>hiddenscript()</script></body></html>\r\n"
    "--alt--\r\n"
    "--outer\r\nContent-Type: image/png; name=\"budget-plan.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "c2VjcmV0d29yZA==\r\n"  // "secretword": not text, never searched
    "--outer--\r\n";
// 7: an attached message
const std::string kAttached =
    "From: grace@example.net\r\nTo: bob@example.org\r\nSubject: Fwd: something\r\n"
    "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nForwarding this.\r\n"
    "--b\r\nContent-Type: message/rfc822\r\n\r\n"
    "From: heidi@example.net\r\nSubject: Inner subject xyzzy\r\n\r\nInner body plugh.\r\n"
    "--b--\r\n";
// 8: no Date, an extra header field
const std::string kNoDate =
    "From: ivan@example.net\r\nTo: bob@example.org\r\nSubject: Undated\r\nX-Spam-Flag: YES\r\n\r\n"
    "Short ab cd.\r\n";

class SearchTest : public StoreFixture {
protected:
    void SetUp() override {
        StoreFixture::SetUp();
        // Indexing waits until check_all() has run once on scanned messages.
        store->set_search_indexing(false);
        const std::string* msgs[] = {&kPlain, &kBase64, &kQp, &kCp1252, &kEncoded, &kMultipart, &kAttached, &kNoDate};
        int i = 0;
        for (const auto* m : msgs) {
            NewMessage nm;
            nm.data = *m;
            nm.internal_date = day(2026, 12, 1) + 3600 * i;  // 1 Dec 2026, one hour apart
            nm.targets = {DeliveryTarget{bob.id, 0, {}}};
            auto c = must(SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(nm), cb)));
            ASSERT_EQ(c.at(0).error, Errc::ok);
            copies.push_back(c.at(0));
            ++i;
        }
        Flags seen_flagged{kSeen | kFlagged, {"Work", "$Forwarded"}};
        must(SYNC(FlagChangeResult,
                  store->change_flags(FlagChange{inbox.id, {UidRange{1, 1}}, FlagOp::add, seen_flagged, {}}, cb)));
        after_first_change = must(SYNC(FlagChangeResult,
                                       store->change_flags(FlagChange{inbox.id, {UidRange{3, 3}}, FlagOp::add,
                                                                      Flags{kSeen | kDeleted, {"work"}}, {}},
                                                           cb)))
                                 .highest_modseq;
    }

    std::vector<Uid> search(const SearchNode& q) { return must(SYNC(std::vector<Uid>, store->search(inbox.id, q, cb))); }
    void index_all() {
        store->set_search_indexing(true);
        must(SYNC(Unit, store->search_index_flush(cb)));
        auto st = store->search_index_status();
        ASSERT_TRUE(st.usable);
        ASSERT_EQ(st.pending, 0);
    }

    // Every expectation; run on scanned and on indexed messages.
    void check_all() {
        using V = std::vector<Uid>;
        EXPECT_EQ(search(leaf(Kind::all)), (V{1, 2, 3, 4, 5, 6, 7, 8}));
        EXPECT_EQ(search(leaf(Kind::none)), V{});
        EXPECT_EQ(search(op(Kind::and_, {})), (V{1, 2, 3, 4, 5, 6, 7, 8}));
        EXPECT_EQ(search(op(Kind::or_, {})), V{});
        EXPECT_EQ(search(uids({{2, 3}, {7, 100}})), (V{2, 3, 7, 8}));
        EXPECT_EQ(search(uids({})), V{});
        // flags
        EXPECT_EQ(search(number(Kind::flags_set, kSeen)), (V{1, 3}));
        EXPECT_EQ(search(number(Kind::flags_set, kSeen | kFlagged)), (V{1}));
        EXPECT_EQ(search(number(Kind::flags_clear, kSeen)), (V{2, 4, 5, 6, 7, 8}));
        EXPECT_EQ(search(number(Kind::flags_set, kDeleted)), (V{3}));
        // keywords are case-insensitive
        EXPECT_EQ(search(text_leaf(Kind::keyword, "WORK")), (V{1, 3}));
        EXPECT_EQ(search(text_leaf(Kind::keyword, "$forwarded")), (V{1}));
        EXPECT_EQ(search(text_leaf(Kind::no_keyword, "Work")), (V{2, 4, 5, 6, 7, 8}));
        EXPECT_EQ(search(text_leaf(Kind::keyword, "Wor")), V{});
        // dates
        EXPECT_EQ(search(dates(Kind::internal_date, day(2026, 12, 1) + 3600, day(2026, 12, 1) + 3 * 3600)), (V{2, 3}));
        EXPECT_EQ(search(dates(Kind::internal_date, day(2026, 12, 2), INT64_MAX)), V{});
        // Date: 22 Nov 2026 00:30 +0100 is 21 Nov in UTC, but SENTON compares
        // the header's own date (RFC 9051 6.4.4 "disregarding time and timezone").
        EXPECT_EQ(search(dates(Kind::sent_date, day(2026, 11, 22), day(2026, 11, 23))), (V{1}));
        EXPECT_EQ(search(dates(Kind::sent_date, day(2026, 11, 21), day(2026, 11, 22))), V{});
        // SENTBEFORE 25-Nov: a message without Date never matches
        EXPECT_EQ(search(dates(Kind::sent_date, INT64_MIN, day(2026, 11, 25))), (V{1, 2, 3}));
        EXPECT_EQ(search(op(Kind::not_, {dates(Kind::sent_date, INT64_MIN, day(2026, 11, 25))})), (V{4, 5, 6, 7, 8}));
        EXPECT_EQ(search(dates(Kind::save_date, 0, INT64_MAX)).size(), 8u);
        EXPECT_EQ(search(dates(Kind::save_date, 0, 1)), V{});
        // sizes
        auto rows = this->rows(inbox.id);
        ASSERT_EQ(rows.size(), 8u);
        int64_t size2 = rows[1].blob.size;
        V larger, smaller;
        for (auto& r : rows) {
            if (r.blob.size > size2) larger.push_back(r.uid);
            if (r.blob.size < size2) smaller.push_back(r.uid);
        }
        EXPECT_EQ(search(number(Kind::larger, size2)), larger);
        EXPECT_EQ(search(number(Kind::smaller, size2)), smaller);
        // modseq, emailid, threadid
        EXPECT_EQ(search(number(Kind::modseq, static_cast<int64_t>(after_first_change))), (V{3}));
        EXPECT_EQ(search(text_leaf(Kind::email_id, std::to_string(copies[4].message_id))), (V{5}));
        EXPECT_EQ(search(text_leaf(Kind::email_id, "M" + std::to_string(copies[5].message_id))), (V{6}));
        EXPECT_EQ(search(text_leaf(Kind::email_id, "bogus")), V{});
        EXPECT_EQ(search(text_leaf(Kind::email_id, "m" + std::to_string(copies[5].message_id))), V{});
        EXPECT_EQ(search(text_leaf(Kind::thread_id, "T1")), V{});

        // headers: encoded words decoded, case-insensitive beyond ASCII
        EXPECT_EQ(search(header("Subject", "GRÜSSE")), (V{5}));  // NFKC_Casefold: ß == ss
        EXPECT_EQ(search(header("subject", "grüße vom")), (V{5}));
        EXPECT_EQ(search(header("From", "jörg müller")), (V{5}));
        EXPECT_EQ(search(header("FROM", "JÖRG")), (V{5}));
        EXPECT_EQ(search(header("To", "bob@")), (V{1, 2, 3, 4, 5, 6, 7, 8}));
        EXPECT_EQ(search(header("Subject", "bob")), V{});
        EXPECT_EQ(search(header("x-spam-flag", "")), (V{8}));  // presence
        EXPECT_EQ(search(header("X-Spam-Flag", "yes")), (V{8}));
        EXPECT_EQ(search(header("Cc", "")), V{});
        EXPECT_EQ(search(header("Subject", "xyzzy")), V{});  // only in the attached message's header
        // bodies: transfer encodings and charsets decoded
        EXPECT_EQ(search(body("ÄPFEL")), (V{2}));
        EXPECT_EQ(search(body("äpfel")), (V{2}));
        EXPECT_EQ(search(body("München")), (V{2}));
        EXPECT_EQ(search(body("CRÈME BRÛLÉE")), (V{3}));
        EXPECT_EQ(search(body("softbreak")), (V{3}));  // QP soft line break joined
        EXPECT_EQ(search(body("100€")), (V{4}));
        EXPECT_EQ(search(body("“quoted”")), (V{4}));
        EXPECT_EQ(search(body("special offer & more")), (V{6}));  // HTML tags and entities
        EXPECT_EQ(search(body("hiddenscript")), V{});
        EXPECT_EQ(search(body("secretword")), V{});  // image part is not text
        EXPECT_EQ(search(body("c2VjcmV0")), V{});    // nor are its encoded bytes
        // MIME part headers are body text (RFC 9051 6.4.4: TEXT includes "MIME header fields")
        EXPECT_EQ(search(body("BUDGET-PLAN.png")), (V{6}));
        EXPECT_EQ(search(text("budget-plan")), (V{6}));
        EXPECT_EQ(search(header("Content-Type", "budget-plan")), V{});  // not a top-level field
        EXPECT_EQ(search(body("plugh")), (V{7}));
        EXPECT_EQ(search(body("inner subject xyzzy")), (V{7}));  // attached message's header is body text
        EXPECT_EQ(search(body("Meeting")), V{});                 // a header, not the body
        EXPECT_EQ(search(text("meeting")), (V{1}));
        EXPECT_EQ(search(text("RATHAUS")), (V{1}));
        EXPECT_EQ(search(text("alice example")), (V{1}));
        EXPECT_EQ(search(text("x-spam-flag: yes")), (V{8}));
        EXPECT_EQ(search(text("nowhere-to-be-found")), V{});
        // short terms (no trigram index possible)
        EXPECT_EQ(search(body("ab")), (V{8}));
        EXPECT_EQ(search(body("€")), (V{4}));
        EXPECT_EQ(search(body("ä")), (V{2}));
        EXPECT_EQ(search(header("subject", "ob")), (V{2}));
        EXPECT_EQ(search(text("")), (V{1, 2, 3, 4, 5, 6, 7, 8}));
        EXPECT_EQ(search(body("Q")), (V{1, 4}));  // "quarterly", "quoted"
        // nesting
        EXPECT_EQ(search(op(Kind::or_, {number(Kind::flags_set, kFlagged), body("birnen")})), (V{1, 2}));
        EXPECT_EQ(search(op(Kind::and_, {number(Kind::flags_clear, kSeen), op(Kind::not_, {body("the")})})),
                  (V{2, 4, 5, 7, 8}));
        EXPECT_EQ(search(op(Kind::not_, {op(Kind::not_, {text("rathaus")})})), (V{1}));
        EXPECT_EQ(search(op(Kind::or_, {op(Kind::and_, {text("offer"), uids({{1, 5}})}), text("undated")})), (V{8}));
        EXPECT_EQ(search(op(Kind::and_, {uids({{2, 8}}), op(Kind::or_, {body("ÄPFEL"), header("subject", "dess")}),
                                         op(Kind::not_, {number(Kind::flags_set, kDeleted)})})),
                  (V{2}));
    }

    std::vector<DeliveredCopy> copies;
    ModSeq after_first_change = 0;
};

TEST_F(SearchTest, EveryKindOnScannedAndOnIndexedMessages) {
    ASSERT_EQ(store->search_index_status().watermark, 0);
    {
        SCOPED_TRACE("not indexed: scanned");
        check_all();
    }
    EXPECT_GT(store->search_index_status().scanned_blobs, 0);
    index_all();
    EXPECT_GE(store->search_index_status().watermark, 8);
    auto scanned = store->search_index_status().scanned_blobs;
    {
        SCOPED_TRACE("indexed");
        check_all();
    }
    EXPECT_EQ(store->search_index_status().scanned_blobs, scanned) << "indexed messages must not be scanned";
}

TEST_F(SearchTest, MixedIndexedAndNewMessagesAgree) {
    index_all();
    store->set_search_indexing(false);
    // A copy of an indexed message arrives while the indexer is paused.
    deliver_one(kBase64, bob.id);
    auto r = search(body("äpfel"));
    EXPECT_EQ(r, (std::vector<Uid>{2, 9}));
    EXPECT_EQ(search(body("ä")), (std::vector<Uid>{2, 9}));
    index_all();
    EXPECT_EQ(search(body("äpfel")), (std::vector<Uid>{2, 9}));
}

TEST_F(SearchTest, GlobAndLikeCharactersAreLiteral) {
    auto c = deliver_one(sample_message("glob", "Sale: 50% off *today* [only]? a_b\r\n"), bob.id);
    auto both = [&](const char* what) {
        SCOPED_TRACE(what);
        EXPECT_EQ(search(body("*today*")), (std::vector<Uid>{c.uid}));
        EXPECT_EQ(search(body("[only]?")), (std::vector<Uid>{c.uid}));
        EXPECT_EQ(search(body("50% off")), (std::vector<Uid>{c.uid}));
        EXPECT_EQ(search(body("a_b")), (std::vector<Uid>{c.uid}));
        EXPECT_EQ(search(body("*to*day")), std::vector<Uid>{});
        EXPECT_EQ(search(body("[o]nly")), std::vector<Uid>{});
        EXPECT_EQ(search(body("5_%")), std::vector<Uid>{});
        EXPECT_EQ(search(body("50%%")), std::vector<Uid>{});
    };
    both("scanned");
    index_all();
    both("indexed");
}

TEST_F(SearchTest, UnknownMailboxIsNotFound) {
    auto r = SYNC(std::vector<Uid>, store->search(987654, leaf(Kind::all), cb));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
}

TEST_F(SearchTest, DeletedIndexIsRebuilt) {
    index_all();
    store->close();
    store.reset();
    std::filesystem::remove(dir + "/search.db");
    std::filesystem::remove(dir + "/search.db-wal");
    std::filesystem::remove(dir + "/search.db-shm");
    reopen();
    // Answers are right before the rebuild finished (scan) and after.
    EXPECT_EQ(search(body("crème")), (std::vector<Uid>{3}));
    index_all();
    EXPECT_TRUE(std::filesystem::exists(dir + "/search.db"));
    EXPECT_EQ(store->search_index_status().indexed_blobs, 8);
    check_all();
}

TEST_F(SearchTest, IndexRemovedWhileRunningIsRebuilt) {
    index_all();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(dir + "/search.db" + suffix);
    EXPECT_EQ(search(body("äpfel")), (std::vector<Uid>{2}));
    index_all();
    EXPECT_GE(store->search_index_status().rebuilds, 1u);
    EXPECT_TRUE(std::filesystem::exists(dir + "/search.db"));
    auto scanned = store->search_index_status().scanned_blobs;
    check_all();
    EXPECT_EQ(store->search_index_status().scanned_blobs, scanned);
}

TEST_F(SearchTest, CorruptIndexIsRebuiltAndNeverFailsASearch) {
    index_all();
    store->close();
    store.reset();
    std::filesystem::remove(dir + "/search.db-wal");
    std::filesystem::remove(dir + "/search.db-shm");
    {
        std::ofstream f(dir + "/search.db", std::ios::binary | std::ios::trunc);
        f << std::string(8192, 'x');  // not a database
    }
    reopen();
    EXPECT_EQ(search(text("rathaus")), (std::vector<Uid>{1}));
    index_all();
    EXPECT_GE(store->search_index_status().rebuilds, 1u);
    check_all();
    // Deliveries are never refused because of the index.
    auto c = deliver_one(kPlain, bob.id);
    EXPECT_EQ(c.error, Errc::ok);
}

TEST_F(SearchTest, ReusedBlobIdIsNotAnsweredFromTheOldRow) {
    index_all();
    // The newest blob is expunged and compacted away; SQLite then hands its
    // id to the next blob.
    auto unique1 = deliver_one(sample_message("first", "zebracorn alpha\r\n"), bob.id);
    must(SYNC(Unit, store->search_index_flush(cb)));
    EXPECT_EQ(search(body("zebracorn")), (std::vector<Uid>{unique1.uid}));
    must(SYNC(FlagChangeResult,
              store->change_flags(FlagChange{inbox.id, {UidRange{unique1.uid, unique1.uid}}, FlagOp::add,
                                             Flags{kDeleted, {}}, {}},
                                  cb)));
    must(SYNC(ExpungeResult, store->expunge(ExpungeRequest{inbox.id, {UidRange{unique1.uid, unique1.uid}}, true}, cb)));
    auto st = must(SYNC(CompactionStats, store->compact(-1, cb)));
    ASSERT_EQ(st.blobs_deleted, 1);
    // The indexer is paused: the new blob (same id) must not be taken for the old one.
    store->set_search_indexing(false);
    auto unique2 = deliver_one(sample_message("second", "unicornfish beta\r\n"), bob.id);
    auto after = this->rows(inbox.id);
    ASSERT_EQ(after.back().uid, unique2.uid);
    bool reused = false;
    for (auto& r : this->rows(inbox.id))
        if (r.uid == unique2.uid) reused = r.blob.id <= store->search_index_status().watermark;
    EXPECT_TRUE(reused) << "SQLite did not reuse the blob id; the test does not exercise reuse";
    EXPECT_EQ(search(body("zebracorn")), std::vector<Uid>{});
    EXPECT_EQ(search(body("unicornfish")), (std::vector<Uid>{unique2.uid}));
    index_all();
    EXPECT_EQ(search(body("zebracorn")), std::vector<Uid>{});
    EXPECT_EQ(search(body("unicornfish")), (std::vector<Uid>{unique2.uid}));
}

TEST_F(SearchTest, ExpungedMessagesAreGoneAndOtherMailboxesSeparate) {
    index_all();
    auto archive = mailbox(bob.id, "Archive");
    deliver_one(kQp, bob.id, archive.id);
    must(SYNC(Unit, store->search_index_flush(cb)));
    EXPECT_EQ(must(SYNC(std::vector<Uid>, store->search(archive.id, body("brûlée"), cb))), (std::vector<Uid>{1}));
    EXPECT_EQ(search(body("brûlée")), (std::vector<Uid>{3}));
    must(SYNC(ExpungeResult, store->expunge(ExpungeRequest{inbox.id, {}, true}, cb)));  // 3 has \Deleted
    EXPECT_EQ(search(body("brûlée")), std::vector<Uid>{});
    EXPECT_EQ(must(SYNC(std::vector<Uid>, store->search(archive.id, body("brûlée"), cb))), (std::vector<Uid>{1}));
}

TEST_F(SearchTest, SortDataFromIndexAndFromBlobAgree) {
    const std::string reply =
        "From: \"Zed Q\" <zed@example.net>\r\nTo: Bob <bob@example.org>\r\nCc: carol@example.net\r\n"
        "Subject: Re: Meeting tomorrow\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <reply@example.net>\r\nIn-Reply-To: <plain@example.net>\r\n"
        "References: <root@example.net>\r\n <plain@example.net>\r\n\r\nok\r\n";
    deliver_one(reply, bob.id);
    auto check = [&] {
        auto rows = must(SYNC(std::vector<SortRow>, store->sort_data(inbox.id, {UidRange{9, 9}, UidRange{1, 1}}, kSortAll, cb)));
        ASSERT_EQ(rows.size(), 2u);
        EXPECT_EQ(rows[0].uid, 1u);
        EXPECT_EQ(rows[0].fields.from, "Alice Example");
        EXPECT_EQ(rows[0].fields.from_mailbox, "alice");
        EXPECT_EQ(rows[0].fields.message_id, "<plain@example.net>");
        const auto& r = rows[1];
        EXPECT_EQ(r.uid, 9u);
        EXPECT_EQ(r.fields.subject, "Re: Meeting tomorrow");
        EXPECT_EQ(r.fields.base_subject, "Meeting tomorrow");
        EXPECT_EQ(r.fields.from_mailbox, "zed");
        EXPECT_EQ(r.fields.to_mailbox, "bob");
        EXPECT_EQ(r.fields.cc_mailbox, "carol");
        EXPECT_EQ(r.fields.to, "Bob");
        EXPECT_EQ(r.in_reply_to, "<plain@example.net>");
        EXPECT_EQ(r.references, "<root@example.net> <plain@example.net>");
        EXPECT_EQ(r.fields.sent_date, day(2026, 11, 30) + 36000);
        EXPECT_GT(r.size, 0);
        auto basic = must(SYNC(std::vector<SortRow>, store->sort_data(inbox.id, {}, kSortBasic, cb)));
        ASSERT_EQ(basic.size(), 9u);
        EXPECT_EQ(basic[8].fields.from_mailbox, "");  // not asked for
        EXPECT_EQ(basic[8].fields.from, "Zed Q");
    };
    {
        SCOPED_TRACE("not indexed");
        check();
    }
    index_all();
    {
        SCOPED_TRACE("indexed");
        check();
    }
}

}  // namespace
}  // namespace postamt::store::testing
