#pragma once
// SEARCH keys (command.h) -> the store's search tree (store/search_query.h):
// sequence numbers, "$" (SEARCHRES), \Recent and relative dates become UID
// sets and absolute times against the session's view; strings are
// converted from the command's CHARSET to UTF-8. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "imap/command.h"
#include "imap/mailbox_view.h"
#include "store/search_query.h"

namespace postamt::imap {

struct SearchInputs {
    const MailboxView* view = nullptr;
    const std::vector<store::Uid>* saved = nullptr;  // SEARCHRES result ("$"); nullptr: none yet
    int64_t now = 0;                                 // unix seconds (WITHIN)
};

struct TranslatedSearch {
    store::SearchNode node;
    bool uses_modseq = false;  // a MODSEQ key: the response carries (MODSEQ n) (RFC 7162 3.1.5)
};

// Errc::invalid with message "BADCHARSET" when the charset is not one we can
// convert; the caller answers NO [BADCHARSET (UTF-8 US-ASCII)].
Result<TranslatedSearch> translate_search(const SearchKey& key,
                                          std::optional<std::string_view> charset,
                                          const SearchInputs& in);

// Charsets accepted for SEARCH/SORT/THREAD (RFC 9051 6.4.4: UTF-8 and
// US-ASCII must be; others if the converter knows them).
bool search_charset_supported(std::string_view charset);

// Midnight UTC of a search date, in unix seconds.
int64_t date_start(const Date& d);

}  // namespace postamt::imap
