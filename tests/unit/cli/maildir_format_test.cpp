#include "cli/maildir_format.h"

#include <gtest/gtest.h>

namespace postamt::cli::maildir {
namespace {

TEST(ModifiedUtf7, DecodesRfc3501Examples) {
    EXPECT_EQ(decode_modified_utf7("Entw&APw-rfe"), "Entwürfe");
    EXPECT_EQ(decode_modified_utf7("INBOX"), "INBOX");
    EXPECT_EQ(decode_modified_utf7("R&-D"), "R&D");
    // RFC 3501 5.1.3: "~peter/mail/&U,BTFw-/&ZeVnLIqe-" (Japanese).
    EXPECT_EQ(decode_modified_utf7("~peter/mail/&U,BTFw-/&ZeVnLIqe-"), "~peter/mail/台北/日本語");
    // A character outside the BMP (surrogate pair): U+1F600.
    EXPECT_EQ(decode_modified_utf7("&2D3eAA-"), "\xF0\x9F\x98\x80");
}

TEST(ModifiedUtf7, RejectsMalformed) {
    EXPECT_FALSE(decode_modified_utf7("R&D"));         // unterminated shift
    EXPECT_FALSE(decode_modified_utf7("&APw"));        // unterminated
    EXPECT_FALSE(decode_modified_utf7("&AP/-"));       // '/' is not modified base64
    EXPECT_FALSE(decode_modified_utf7("&AGE-"));       // encodes printable ASCII 'a'
    EXPECT_FALSE(decode_modified_utf7("&2D0-"));       // lone high surrogate
    EXPECT_FALSE(decode_modified_utf7("Entw\xC3\xBC"));  // raw 8-bit
    EXPECT_FALSE(decode_modified_utf7("&APx-"));       // non-zero padding bits
}

TEST(FolderNames, MaildirPlusPlusToMailbox) {
    EXPECT_EQ(folder_dir_to_mailbox(".Sent"), "Sent");
    EXPECT_EQ(folder_dir_to_mailbox(".Archive.2024"), "Archive/2024");
    EXPECT_EQ(folder_dir_to_mailbox(".Entw&APw-rfe"), "Entwürfe");
    EXPECT_EQ(folder_dir_to_mailbox(".Kunden.M&APw-ller"), "Kunden/Müller");
    EXPECT_EQ(folder_dir_to_mailbox(".Entw\xC3\xBC" "rfe"), "Entwürfe");  // UTF-8 on disk kept
    EXPECT_FALSE(folder_dir_to_mailbox("."));
    EXPECT_FALSE(folder_dir_to_mailbox(".."));
    EXPECT_FALSE(folder_dir_to_mailbox("cur"));
    EXPECT_FALSE(folder_dir_to_mailbox(".a..b"));
}

TEST(UidList, Version3WithFields) {
    auto r = parse_uidlist(
        "3 V1234567 N9 G3085f01b7f11094c501100008c4a11c1\n"
        "1 W1200 P000a :1000.M1P1.host,S=1180\n"
        "5 :1001.M2P1.host\n"
        "3 W88 Pabc:def S80 :1002.M3P1.host:2,S\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->version, 3);
    EXPECT_EQ(r->uid_validity, 1234567u);
    EXPECT_EQ(r->next_uid, 9u);
    EXPECT_EQ(r->guid, "3085f01b7f11094c501100008c4a11c1");
    ASSERT_EQ(r->entries.size(), 3u);  // sorted by UID
    EXPECT_EQ(r->entries[0].uid, 1u);
    EXPECT_EQ(r->entries[0].base, "1000.M1P1.host,S=1180");
    EXPECT_EQ(r->entries[0].pop3_uidl, "000a");
    EXPECT_EQ(r->entries[0].vsize, 1200);
    EXPECT_EQ(r->entries[1].uid, 3u);
    EXPECT_EQ(r->entries[1].base, "1002.M3P1.host");
    EXPECT_EQ(r->entries[2].uid, 5u);
    EXPECT_EQ(r->entries[2].pop3_uidl, "");
    EXPECT_EQ(r->entries[2].vsize, -1);
}

TEST(UidList, Version1) {
    auto r = parse_uidlist("1 1087565 4\n1 1087565.M1.host:2,S\n2 1087566.M2.host\n");
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->version, 1);
    EXPECT_EQ(r->uid_validity, 1087565u);
    EXPECT_EQ(r->next_uid, 4u);
    ASSERT_EQ(r->entries.size(), 2u);
    EXPECT_EQ(r->entries[0].base, "1087565.M1.host");
    EXPECT_EQ(r->entries[1].base, "1087566.M2.host");
}

TEST(UidList, RejectsGarbage) {
    EXPECT_FALSE(parse_uidlist("").ok());
    EXPECT_FALSE(parse_uidlist("7 V1 N2\n").ok());
    EXPECT_FALSE(parse_uidlist("3 N2\n").ok());  // no UIDVALIDITY
    EXPECT_FALSE(parse_uidlist("3 V1 N2\nx :file\n").ok());
    EXPECT_FALSE(parse_uidlist("3 V1 N2\n1 W10 file-without-colon\n").ok());
    EXPECT_FALSE(parse_uidlist("1 abc 2\n").ok());
}

TEST(Keywords, FileAndFlags) {
    auto kw = parse_keywords("0 $Forwarded\n1 Work\n3 $Junk\nbogus line\n30 TooHigh\n");
    ASSERT_EQ(kw.size(), 3u);
    EXPECT_EQ(kw['a'], "$Forwarded");
    EXPECT_EQ(kw['b'], "Work");
    EXPECT_EQ(kw['d'], "$Junk");

    auto f = parse_info_flags("1000.M1.host,S=10:2,FRSTDPadc", kw);
    EXPECT_EQ(f.flags.system, store::kFlagged | store::kAnswered | store::kSeen | store::kDeleted | store::kDraft);
    EXPECT_EQ(f.flags.keywords, (std::vector<std::string>{"$Forwarded", "$Junk"}));
    EXPECT_EQ(f.unknown, "c");

    EXPECT_EQ(parse_info_flags("1000.M1.host", kw).flags, store::Flags{});
    EXPECT_EQ(parse_info_flags("1000.M1.host:1,experimental", kw).flags, store::Flags{});
    EXPECT_EQ(base_name("1000.M1.host,S=10:2,S"), "1000.M1.host,S=10");
    EXPECT_EQ(base_name("1000.M1.host"), "1000.M1.host");
}

TEST(Subscriptions, Version1) {
    auto s = parse_subscriptions("INBOX\nSent\nArchive.2024\nEntw&APw-rfe\n\nKunden/M&APw-ller\n");
    EXPECT_EQ(s, (std::vector<std::string>{"INBOX", "Sent", "Archive/2024", "Entwürfe", "Kunden/Müller"}));
}

TEST(Subscriptions, Version2) {
    // Dovecot 2.3: "V\t2\n\n" header, hierarchy levels separated by tabs,
    // tab-escaped with \001.
    auto s = parse_subscriptions(std::string("V\t2\n\nINBOX\nArchive\t2024\nEntw&APw-rfe\nA\001tB\tC\nSent\n"));
    EXPECT_EQ(s, (std::vector<std::string>{"INBOX", "Archive/2024", "Entwürfe", "A\tB/C", "Sent"}));
    // UTF-8 names are kept as they are.
    auto u = parse_subscriptions("V\t2\n\nEntw\xC3\xBC" "rfe\n");
    EXPECT_EQ(u, (std::vector<std::string>{"Entwürfe"}));
}

}  // namespace
}  // namespace postamt::cli::maildir
