#pragma once
// The message content after DATA (RFC 5321 4.1.1.4, 4.5.2) and after BDAT
// (RFC 3030), as pure incremental readers. The runner splits the byte
// stream into lines at LF and says how each line ended; the readers never
// see a socket.
//
// SMTP smuggling defence (the 2023 "<LF>.<CR><LF>" family): the ONLY end
// of DATA is a line consisting of "." that ends in CRLF and was preceded by
// CRLF (or by the DATA command's own CRLF). A bare LF line ending or a bare
// CR anywhere in the content is not interpreted at all: the reader reports
// it and the session answers "521 5.5.2 ... bare <LF> received" and closes
// the connection (the behaviour of Postfix's smtpd_forbid_bare_newline in
// its rejecting form). So the session can never end DATA where a
// downstream or upstream server would not, a second message can never be
// smuggled inside the first, and nothing after the offending line is read
// as a command.
#include <cstdint>
#include <string>
#include <string_view>

namespace postamt::smtp {

enum class LineEnd {
    crlf,  // "\r\n"
    lf,    // bare "\n"
    none,  // no end yet: a fragment of a longer line (runner's buffer full);
           // the next call continues the same line
};

// Message bytes up to a limit, then only counted. Holds BDAT chunks
// directly (RFC 3030 2: raw bytes, no dot-stuffing, no line rules; the byte
// count keeps client and server in step) and DATA's unstuffed lines.
class ChunkAccumulator {
  public:
    explicit ChunkAccumulator(uint64_t max_size) : max_size_(max_size) {}
    void append(std::string_view bytes);
    bool too_big() const { return too_big_; }
    uint64_t size() const { return size_; }
    std::string take() { return std::move(out_); }

  private:
    uint64_t max_size_;
    uint64_t size_ = 0;
    bool too_big_ = false;
    std::string out_;
};

class DataReader {
  public:
    enum class Status {
        more,     // feed the next line
        done,     // the end-of-data line was seen; take() the message
        bare_lf,  // a line ended in a bare LF: reject and close
        bare_cr,  // a CR not followed by LF: reject and close
    };

    // `max_size`: bytes of content (after dot-unstuffing, CRLF line ends)
    // beyond which the reader keeps consuming but stores nothing more and
    // reports too_big() at the end (552 5.3.4).
    explicit DataReader(uint64_t max_size) : body_(max_size) {}

    // One line or line fragment, without its line ending. After a status
    // other than `more`, further calls return the same status.
    Status feed(std::string_view bytes, LineEnd end);

    bool too_big() const { return body_.too_big(); }
    // Content bytes seen so far (counted even past the limit).
    uint64_t size() const { return body_.size(); }
    // The message in canonical CRLF form (valid after `done`, unless too_big()).
    std::string take() { return body_.take(); }

  private:
    void append(std::string_view b) { body_.append(b); }

    ChunkAccumulator body_;
    Status status_ = Status::more;
    bool at_line_start_ = true;  // previous line ended in CRLF (or DATA's)
    bool line_had_dot_ = false;  // this line began with '.', which was removed
    uint64_t line_len_ = 0;      // bytes of this line after unstuffing
    bool pending_cr_ = false;    // the last fragment ended in '\r'
};


}  // namespace postamt::smtp
