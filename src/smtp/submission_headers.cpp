#include "smtp/submission_headers.h"

#include "common/text.h"
#include "smtp/received_header.h"

namespace postamt::smtp {

bool has_header_field(std::string_view msg, std::string_view name) {
    std::size_t pos = 0;
    while (pos < msg.size()) {
        std::size_t eol = msg.find('\n', pos);
        if (eol == std::string_view::npos) eol = msg.size();
        std::string_view line = msg.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) return false;  // end of the header section
        // Continuation lines start with WSP and belong to the field before.
        if (line.front() != ' ' && line.front() != '\t') {
            std::size_t colon = line.find(':');
            if (colon != std::string_view::npos &&
                text::iequals(text::trim(line.substr(0, colon)), name))
                return true;
        }
        pos = eol + 1;
    }
    return false;
}

std::string missing_submission_fields(std::string_view message, std::string_view queue_id,
                                      std::string_view hostname,
                                      std::chrono::system_clock::time_point now) {
    std::string out;
    if (!has_header_field(message, "Date")) out += "Date: " + rfc5322_date(now) + "\r\n";
    if (!has_header_field(message, "Message-ID")) {
        out += "Message-ID: <postamt.";
        out += queue_id;
        out += '@';
        out += hostname;
        out += ">\r\n";
    }
    return out;
}

}  // namespace postamt::smtp
