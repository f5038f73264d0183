#include "imap/capabilities.h"

#include "auth/sasl.h"

namespace postamt::imap {

std::string capability_list(const CapabilityState& st) {
    std::string out = "IMAP4rev1 IMAP4rev2";
    auto add = [&out](std::string_view c) {
        out += ' ';
        out.append(c);
    };
    // Usable in every state.
    for (auto c : {"LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE"}) add(c);
    if (!st.authenticated) {
        if (st.starttls_available) add("STARTTLS");
        if (!st.plaintext_allowed) add("LOGINDISABLED");
        for (auto m : auth::advertised_mechanisms(st.plaintext_allowed))
            add("AUTH=" + std::string(m));
        return out;
    }
    for (auto c : {"NAMESPACE",
                   "UNSELECT",
                   "CHILDREN",
                   "UIDPLUS",
                   "MOVE",
                   "SPECIAL-USE",
                   "CREATE-SPECIAL-USE",
                   "LIST-EXTENDED",
                   "LIST-STATUS",
                   "CONDSTORE",
                   "QRESYNC",
                   "ESEARCH",
                   "SEARCHRES",
                   "BINARY",
                   "UTF8=ACCEPT",
                   "STATUS=SIZE",
                   "SAVEDATE",
                   "OBJECTID",
                   "PREVIEW",
                   "WITHIN",
                   "MULTIAPPEND",
                   "SORT",
                   "SORT=DISPLAY",
                   "ESORT",
                   "THREAD=ORDEREDSUBJECT",
                   "THREAD=REFERENCES"})
        add(c);
    for (auto c : {"QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "ACL", "RIGHTS=kxte",
                   "LIST-MYRIGHTS", "METADATA", "METADATA-SERVER", "COMPRESS=DEFLATE", "NOTIFY"})
        add(c);  // docs/imap-extensions.md
    if (st.append_limit) add("APPENDLIMIT=" + std::to_string(st.append_limit));
    for (const auto& e : st.extra) add(e);
    return out;
}

bool enableable(std::string_view c) {
    return c == "IMAP4REV2" || c == "CONDSTORE" || c == "QRESYNC" || c == "UTF8=ACCEPT";
}

}  // namespace postamt::imap
