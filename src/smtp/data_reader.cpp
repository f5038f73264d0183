#include "smtp/data_reader.h"

namespace postamt::smtp {

DataReader::Status DataReader::feed(std::string_view bytes, LineEnd end) {
    if (status_ != Status::more) return status_;
    if (pending_cr_) {
        // The previous fragment ended in '\r': only a CRLF completes it.
        pending_cr_ = false;
        if (!(bytes.empty() && end == LineEnd::lf)) return status_ = Status::bare_cr;
        end = LineEnd::crlf;
    }
    if (end == LineEnd::none && !bytes.empty() && bytes.back() == '\r') {
        pending_cr_ = true;
        bytes.remove_suffix(1);
    }
    if (bytes.find('\r') != std::string_view::npos) return status_ = Status::bare_cr;
    if (end == LineEnd::lf) return status_ = Status::bare_lf;

    if (at_line_start_) {
        at_line_start_ = false;
        line_had_dot_ = false;
        line_len_ = 0;
        // RFC 5321 4.5.2: a leading '.' is removed (dot-unstuffing).
        if (!bytes.empty() && bytes.front() == '.') {
            line_had_dot_ = true;
            bytes.remove_prefix(1);
        }
    }
    if (!bytes.empty()) {
        append(bytes);
        line_len_ += bytes.size();
    }
    if (end == LineEnd::none) return status_;
    // end == crlf
    at_line_start_ = true;
    if (line_had_dot_ && line_len_ == 0 && !pending_cr_) return status_ = Status::done;
    append("\r\n");
    return status_;
}

void ChunkAccumulator::append(std::string_view bytes) {
    size_ += bytes.size();
    if (too_big_) return;
    if (size_ > max_size_) {
        too_big_ = true;
        out_.clear();
        out_.shrink_to_fit();
        return;
    }
    out_.append(bytes);
}

}  // namespace postamt::smtp
