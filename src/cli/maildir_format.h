#pragma once
// Pure parsers for the files of a Dovecot Maildir++ mailbox, for the
// importer (import_maildir.h). No filesystem access here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "store/types.h"

namespace postamt::cli::maildir {

// RFC 3501 5.1.3 modified UTF-7 ("Entw&APw-rfe") to UTF-8 ("Entwürfe").
// nullopt on malformed input (bad base64, unterminated shift, an encoded
// run that is printable ASCII, unpaired surrogates, raw 8-bit bytes).
std::optional<std::string> decode_modified_utf7(std::string_view s);

// A Maildir++ folder directory name (".Archive.2024", ".Entw&APw-rfe") to
// the stored mailbox name ("Archive/2024", "Entwürfe"). Each level is
// decoded from modified UTF-7. nullopt when it is not a folder name.
std::optional<std::string> folder_dir_to_mailbox(std::string_view dir_name);

// dovecot-uidlist. Version 3: "3 V<uidvalidity> N<nextuid> G<guid>" then
// "<uid> [<K><value> ...] :<file base name>"; version 1: "1 <uidvalidity>
// <nextuid>" then "<uid> <file name>".
struct UidListEntry {
    store::Uid uid = 0;
    std::string base;       // file name without the ":2,..." info
    std::string pop3_uidl;  // P field
    int64_t vsize = -1;     // W field (CRLF size), -1 when absent
};
struct UidList {
    int version = 0;
    uint32_t uid_validity = 0;
    store::Uid next_uid = 0;
    std::string guid;
    std::vector<UidListEntry> entries;
};
Result<UidList> parse_uidlist(std::string_view text);

// dovecot-keywords: "<index> <keyword>" lines; index 0 is letter 'a'.
std::map<char, std::string> parse_keywords(std::string_view text);

// The part of a maildir file name before the info ("1234.M5P6.host,S=10").
std::string_view base_name(std::string_view file_name);

// Flags from the info part ":2,FRSTD" plus keyword letters a-z mapped
// through `keywords`; letters without a mapping are listed in `unknown`.
struct InfoFlags {
    store::Flags flags;
    std::string unknown;
};
InfoFlags parse_info_flags(std::string_view file_name, const std::map<char, std::string>& keywords);

// The `subscriptions` file: version 1 is one name per line with the
// namespace separator ('.' for Maildir++, '/' accepted too); version 2
// starts with "V\t2" and separates hierarchy levels with tabs (each level
// tab-escaped). Names come back '/'-separated, levels decoded from modified
// UTF-7 when they are valid modified UTF-7, as written otherwise.
std::vector<std::string> parse_subscriptions(std::string_view text);

}  // namespace postamt::cli::maildir
