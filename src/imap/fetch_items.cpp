#include "imap/fetch_items.h"

#include "imap/imap_date.h"
#include "imap/object_id.h"
#include "imap/response.h"
#include "imap/wire_string.h"

namespace postamt::imap {

bool is_row_item(FetchAttr a) {
    switch (a) {
        case FetchAttr::flags:
        case FetchAttr::uid:
        case FetchAttr::internaldate:
        case FetchAttr::rfc822_size:
        case FetchAttr::modseq:
        case FetchAttr::emailid:
        case FetchAttr::threadid:
        case FetchAttr::savedate:
            return true;
        default:
            return false;
    }
}

bool needs_summary(FetchAttr a) { return !is_row_item(a); }

bool sets_seen(const FetchItem& it) {
    switch (it.attr) {
        case FetchAttr::body_section:
        case FetchAttr::binary_section:
            return !it.peek;
        case FetchAttr::rfc822:
        case FetchAttr::rfc822_text:
            return true;
        default:
            return false;
    }
}

void append_row_item(std::string& out, const FetchItem& it, const store::MessageRow& row,
                     bool recent) {
    switch (it.attr) {
        case FetchAttr::flags:
            out += "FLAGS ";
            append_flag_list(out, row.flags.system, row.flags.keywords, recent);
            break;
        case FetchAttr::uid:
            out += "UID " + std::to_string(row.uid);
            break;
        case FetchAttr::internaldate:
            out += "INTERNALDATE \"" + format_date_time(row.internal_date) + "\"";
            break;
        case FetchAttr::rfc822_size:
            out += "RFC822.SIZE " + std::to_string(row.blob.size);
            break;
        case FetchAttr::modseq:
            out += "MODSEQ (" + std::to_string(row.modseq) + ")";
            break;
        case FetchAttr::emailid:
            // The content's identity (the blob): COPY and MOVE keep it, as
            // RFC 8474 5.1 requires.
            out += "EMAILID (" + email_object_id(row.blob.id) + ")";
            break;
        // RFC 8474 5.2: NIL while the server does not compute threads.
        case FetchAttr::threadid:
            out += "THREADID NIL";
            break;
        case FetchAttr::savedate:
            // RFC 8514 4.3: NIL when the mailbox has no save dates.
            if (row.save_date)
                out += "SAVEDATE \"" + format_date_time(row.save_date) + "\"";
            else
                out += "SAVEDATE NIL";
            break;
        default:
            break;
    }
}

std::string section_spec(const Section& s) {
    std::string out;
    for (std::size_t i = 0; i < s.part.size(); ++i) {
        if (i) out += '.';
        out += std::to_string(s.part[i]);
    }
    const char* text = nullptr;
    switch (s.text) {
        case SectionText::none:
            break;
        case SectionText::header:
            text = "HEADER";
            break;
        case SectionText::header_fields:
            text = "HEADER.FIELDS";
            break;
        case SectionText::header_fields_not:
            text = "HEADER.FIELDS.NOT";
            break;
        case SectionText::text:
            text = "TEXT";
            break;
        case SectionText::mime:
            text = "MIME";
            break;
    }
    if (text) {
        if (!out.empty()) out += '.';
        out += text;
    }
    if (s.text == SectionText::header_fields || s.text == SectionText::header_fields_not) {
        out += " (";
        for (std::size_t i = 0; i < s.fields.size(); ++i) {
            if (i) out += ' ';
            append_astring(out, s.fields[i]);
        }
        out += ')';
    }
    return out;
}

std::string body_item_name(const FetchItem& it) {
    std::string out;
    switch (it.attr) {
        case FetchAttr::rfc822:
            return "RFC822";
        case FetchAttr::rfc822_header:
            return "RFC822.HEADER";
        case FetchAttr::rfc822_text:
            return "RFC822.TEXT";
        case FetchAttr::body_section:
            out = "BODY[" + section_spec(it.section) + "]";
            break;
        case FetchAttr::binary_section:
            out = "BINARY[" + section_spec(it.section) + "]";
            break;
        case FetchAttr::binary_size:
            return "BINARY.SIZE[" + section_spec(it.section) + "]";
        default:
            return out;
    }
    // RFC 9051 7.5.2: the origin octet only, as "<n>".
    if (it.partial) out += "<" + std::to_string(it.partial->offset) + ">";
    return out;
}

}  // namespace postamt::imap
