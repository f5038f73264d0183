#pragma once
// The typed form of every IMAP command the server understands (RFC 9051,
// RFC 3501 and the extensions listed in docs/imap.md). The parser
// (command_parser.h) fills it; executors read it. No wire text here except
// what is kept "as sent" on purpose:
//  - mailbox names stay raw bytes (modified UTF-7 or UTF-8 depending on
//    UTF8=ACCEPT, which is session state): mailbox_name.h decodes them;
//  - search strings stay raw bytes until CHARSET is applied (search_translate.h);
//  - flags and keywords are kept as sent ("\Seen", "$Forwarded").
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "imap/section.h"

namespace postamt::imap {

// ---- sequence sets (RFC 9051 9 "sequence-set", RFC 5182 "$") -------------

// One element of a sequence set; 0 stands for "*" (nz-number is never 0).
// first may be greater than last ("5:2" means 2:5, RFC 9051 9).
struct SeqRange {
    uint32_t first = 0;
    uint32_t last = 0;
    bool operator==(const SeqRange&) const = default;
};

struct SequenceSet {
    std::vector<SeqRange> ranges;
    bool saved = false;  // "$": the result saved by SEARCHRES (RFC 5182)
    bool operator==(const SequenceSet&) const = default;
};

// ---- shared pieces ------------------------------------------------------------

// "1-Feb-1994" (search dates; RFC 9051 9 "date").
struct Date {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;
    bool operator==(const Date&) const = default;
};

// APPEND's date-time: "17-Jul-1996 02:44:25 -0700".
struct DateTime {
    int64_t unix_seconds = 0;  // UTC
    int zone_minutes = 0;      // as sent, for display only
    bool operator==(const DateTime&) const = default;
};

enum class StatusItem {
    messages,
    recent,
    uidnext,
    uidvalidity,
    unseen,
    deleted,        // RFC 9051
    size,           // STATUS=SIZE (RFC 8438)
    highestmodseq,  // CONDSTORE (RFC 7162)
    appendlimit,    // APPENDLIMIT (RFC 7889)
    mailboxid,      // OBJECTID (RFC 8474)
};

// ---- search (RFC 9051 6.4.4 and extensions) -----------------------------------

struct SearchKey {
    enum class Kind {
        all,
        answered,
        deleted,
        draft,
        flagged,
        seen,
        unanswered,
        undeleted,
        undraft,
        unflagged,
        unseen,
        new_,
        old,
        recent,  // IMAP4rev1 only
        keyword,
        unkeyword,  // str
        bcc,
        body,
        cc,
        from,
        subject,
        text,
        to,      // str
        header,  // field + str
        before,
        on,
        since,  // date (internal date)
        sentbefore,
        senton,
        sentsince,  // date (Date: header)
        larger,
        smaller,  // number
        uid,      // set
        seqset,   // set (sequence numbers)
        not_,     // children[0]
        or_,      // children[0], children[1]
        and_,     // "(" search-key *(SP search-key) ")" and the top level
        modseq,   // number; entry name/type are parsed and ignored (RFC 7162 3.1.5)
        older,
        younger,  // number of seconds (WITHIN, RFC 5032)
        savedbefore,
        savedon,
        savedsince,  // date (SAVEDATE, RFC 8514)
        savedatesupported,
        emailid,
        threadid,  // str (OBJECTID, RFC 8474)
    };
    Kind kind = Kind::all;
    std::vector<SearchKey> children;
    std::string field;  // header field name
    std::string str;    // raw bytes as sent (charset applies)
    uint64_t number = 0;
    Date date;
    SequenceSet set;
    bool operator==(const SearchKey&) const = default;
};

// ESEARCH RETURN options (RFC 4731, RFC 5182 SAVE).
struct SearchReturn {
    bool min = false, max = false, all = false, count = false, save = false;
    bool operator==(const SearchReturn&) const = default;
};

// ---- commands -----------------------------------------------------------------

struct CapabilityCmd {};
struct NoopCmd {};
struct LogoutCmd {};
struct StartTlsCmd {};
struct CheckCmd {};
struct CloseCmd {};
struct UnselectCmd {};
struct IdleCmd {};
struct NamespaceCmd {};

struct AuthenticateCmd {
    std::string mechanism;                        // upper-cased
    std::optional<std::string> initial_response;  // SASL-IR, as sent (base64 or "=")
};

struct LoginCmd {
    std::string user;
    std::string password;
};

struct EnableCmd {
    std::vector<std::string> capabilities;  // upper-cased
};

struct IdCmd {
    // nullopt: "ID NIL". Field names and values as sent (values may be NIL).
    std::optional<std::vector<std::pair<std::string, std::optional<std::string>>>> fields;
};

struct QresyncParams {
    uint32_t uid_validity = 0;
    uint64_t modseq = 0;
    std::optional<SequenceSet> known_uids;
    // seq-match-data: known sequence numbers and the UIDs they had.
    std::optional<std::pair<SequenceSet, SequenceSet>> seq_match;
};

struct SelectCmd {
    std::string mailbox;
    bool examine = false;
    bool condstore = false;
    std::optional<QresyncParams> qresync;
};

struct CreateCmd {
    std::string mailbox;
    std::vector<std::string> special_use;  // CREATE-SPECIAL-USE "USE (\Sent)"
};

struct DeleteCmd {
    std::string mailbox;
};

struct RenameCmd {
    std::string from;
    std::string to;
};

struct SubscribeCmd {
    std::string mailbox;
    bool subscribe = true;  // false: UNSUBSCRIBE
};

struct ListCmd {
    bool lsub = false;
    bool extended = false;  // selection or return options or several patterns were used
    std::string reference;
    std::vector<std::string> patterns;
    // Selection options (RFC 5258 3.1, RFC 6154 SPECIAL-USE).
    bool sel_subscribed = false, sel_remote = false, sel_recursivematch = false,
         sel_special_use = false;
    // Return options (RFC 5258 3.2, RFC 5819 STATUS, RFC 6154, RFC 8440 MYRIGHTS).
    bool ret_subscribed = false, ret_children = false, ret_special_use = false,
         ret_myrights = false;
    std::optional<std::vector<StatusItem>> ret_status;
};

struct StatusCmd {
    std::string mailbox;
    std::vector<StatusItem> items;
};

struct AppendMessage {
    std::vector<std::string> flags;
    std::optional<DateTime> date;
    std::string data;     // the message literal (moved out of the reader, not copied)
    bool binary = false;  // literal8 (RFC 3516 "~{n}") or RFC 6855 "UTF8 (~{n})"
    bool utf8 = false;    // RFC 6855 UTF8 data extension
};

struct AppendCmd {
    std::string mailbox;
    std::vector<AppendMessage> messages;  // several: MULTIAPPEND (RFC 3502)
};

struct ExpungeCmd {
    std::optional<SequenceSet> uids;  // UID EXPUNGE (UIDPLUS)
};

struct SearchCmd {
    bool uid = false;
    std::optional<std::string> charset;  // as sent
    std::optional<SearchReturn> ret;     // RETURN (...) given (ESEARCH)
    SearchKey key;                       // kind and_: the top-level keys
};

struct FetchCmd {
    bool uid = false;
    SequenceSet set;
    std::vector<FetchItem> items;
    std::optional<uint64_t> changed_since;  // CONDSTORE
    bool vanished = false;                  // QRESYNC (UID FETCH only)
};

enum class StoreMode { add, remove, replace };

struct StoreCmd {
    bool uid = false;
    SequenceSet set;
    std::optional<uint64_t> unchanged_since;  // CONDSTORE
    StoreMode mode = StoreMode::replace;
    bool silent = false;
    std::vector<std::string> flags;
};

struct CopyCmd {
    bool uid = false;
    bool move = false;  // MOVE (RFC 6851)
    SequenceSet set;
    std::string mailbox;
};

enum class SortKey { arrival, cc, date, from, size, subject, to, display_from, display_to };

struct SortCriterion {
    SortKey key = SortKey::arrival;
    bool reverse = false;
    bool operator==(const SortCriterion&) const = default;
};

struct SortCmd {
    bool uid = false;
    std::vector<SortCriterion> criteria;
    std::string charset;
    std::optional<SearchReturn> ret;  // ESORT (RFC 5267)
    SearchKey key;
};

struct ThreadCmd {
    bool uid = false;
    std::string algorithm;  // upper-cased: "ORDEREDSUBJECT", "REFERENCES"
    std::string charset;
    SearchKey key;
};

// ---- ACL (RFC 4314) -------------------------------------------------------
struct SetAclCmd {
    std::string mailbox, identifier, rights;  // rights may start with + or -
};
struct DeleteAclCmd {
    std::string mailbox, identifier;
};
struct GetAclCmd {
    std::string mailbox;
};
struct ListRightsCmd {
    std::string mailbox, identifier;
};
struct MyRightsCmd {
    std::string mailbox;
};

// ---- QUOTA (RFC 9208) -------------------------------------------------------
struct GetQuotaCmd {
    std::string root;
};
struct GetQuotaRootCmd {
    std::string mailbox;
};
struct SetQuotaCmd {
    std::string root;
    std::vector<std::pair<std::string, uint64_t>> limits;  // resource (upper-cased), limit
};

// ---- METADATA (RFC 5464) -------------------------------------------------------
struct GetMetadataCmd {
    std::optional<uint64_t> max_size;
    int depth = 0;        // 0, 1, or -1 for "infinity"
    std::string mailbox;  // "" for server annotations
    std::vector<std::string> entries;
};
struct SetMetadataCmd {
    std::string mailbox;
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;  // NIL removes
};

// ---- NOTIFY (RFC 5465) -------------------------------------------------------
struct NotifyEvent {
    std::string name;                    // as sent ("MessageNew", "FlagChange", ...)
    std::vector<FetchItem> fetch_items;  // MessageNew (fetch-att ...)
    bool operator==(const NotifyEvent&) const = default;
};
struct NotifyGroup {
    enum class Filter {
        selected,
        selected_delayed,
        inboxes,
        personal,
        subscribed,
        subtree,
        mailboxes
    };
    Filter filter = Filter::selected;
    std::vector<std::string> mailboxes;  // subtree / mailboxes
    bool none = false;                   // events "NONE"
    std::vector<NotifyEvent> events;
    bool operator==(const NotifyGroup&) const = default;
};
struct NotifyCmd {
    bool none = false;    // NOTIFY NONE
    bool status = false;  // NOTIFY SET STATUS
    std::vector<NotifyGroup> groups;
};

// ---- COMPRESS (RFC 4978) ------------------------------------------------------
struct CompressCmd {
    std::string mechanism;  // upper-cased ("DEFLATE")
};

using CommandBody =
    std::variant<CapabilityCmd, NoopCmd, LogoutCmd, StartTlsCmd, AuthenticateCmd, LoginCmd,
                 EnableCmd, IdCmd, SelectCmd, CreateCmd, DeleteCmd, RenameCmd, SubscribeCmd,
                 ListCmd, NamespaceCmd, StatusCmd, AppendCmd, CheckCmd, CloseCmd, UnselectCmd,
                 ExpungeCmd, SearchCmd, FetchCmd, StoreCmd, CopyCmd, IdleCmd, SortCmd, ThreadCmd,
                 SetAclCmd, DeleteAclCmd, GetAclCmd, ListRightsCmd, MyRightsCmd, GetQuotaCmd,
                 GetQuotaRootCmd, SetQuotaCmd, GetMetadataCmd, SetMetadataCmd, NotifyCmd,
                 CompressCmd>;

// Which command this is (the command table in command_table.h is indexed by
// it). UID variants share the entry of the plain command; the executor
// reads the `uid` member.
enum class CommandId {
    capability,
    noop,
    logout,
    starttls,
    authenticate,
    login,
    enable,
    id,
    select,
    examine,
    create,
    delete_,
    rename,
    subscribe,
    unsubscribe,
    list,
    lsub,
    namespace_,
    status,
    append,
    check,
    close,
    unselect,
    expunge,
    uid_expunge,
    search,
    fetch,
    store,
    copy,
    move,
    idle,
    sort,
    thread,
    setacl,
    deleteacl,
    getacl,
    listrights,
    myrights,
    getquota,
    getquotaroot,
    setquota,
    getmetadata,
    setmetadata,
    notify,
    compress,
    count_  // number of ids
};

struct Command {
    std::string tag;
    CommandId id = CommandId::noop;
    bool uid = false;  // sent as "UID <cmd>"
    CommandBody body;
};

// The canonical upper-case name ("UID FETCH" is reported as "FETCH" with uid).
const char* command_name(CommandId id);

}  // namespace postamt::imap
