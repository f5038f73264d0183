#pragma once
// Lexical primitives of the IMAP command grammar (RFC 9051 9) over a
// complete command: `text` is the command's lines joined by CRLF, where each
// literal is only its announcement ("{5}", "{5+}", "~{5}") followed by CRLF,
// and the literal bytes are in `literals` in order (command_reader.h builds
// both). Internal to the parser files; throws SyntaxError, which
// parse_command() turns into a BAD.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/command.h"

namespace postamt::imap::detail {

struct SyntaxError {
    std::string message;
};

// Thrown in probe mode when the parser reaches the literal that has not
// arrived yet (command_reader.h asks before sending "+").
struct LiteralPending {
    bool is_message = false;  // the message literal of APPEND
    std::string mailbox;      // APPEND's mailbox (raw)
    std::size_t message_index = 0;
};

class Cursor {
  public:
    Cursor(std::string_view text, std::vector<std::string>* literals, int max_depth, bool probe)
        : s_(text), lits_(literals), max_depth_(max_depth), probe_(probe) {}

    [[noreturn]] void fail(std::string msg) const { throw SyntaxError{std::move(msg)}; }

    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }
    char peek_at(std::size_t k) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }
    std::size_t pos() const { return pos_; }
    void set_pos(std::size_t p) { pos_ = p; }
    bool probe() const { return probe_; }
    std::string_view rest() const { return s_.substr(pos_); }

    bool accept(char c) {
        if (peek() != c || at_end()) return false;
        ++pos_;
        return true;
    }
    void expect(char c, const char* what);
    void sp() { expect(' ', "expected a space"); }
    bool accept_sp() { return accept(' '); }
    // Case-insensitive keyword followed by a non-atom character.
    bool accept_word(std::string_view w);
    void expect_word(std::string_view w);
    void expect_end();

    // Nesting guard for parenthesised lists.
    struct Depth {
        explicit Depth(Cursor& c);
        ~Depth() { --c_.depth_; }
        Cursor& c_;
    };

    // ---- tokens ------------------------------------------------------------
    std::string atom();                    // 1*ATOM-CHAR
    std::string upper_atom();              // atom, upper-cased
    std::string astring();                 // 1*ASTRING-CHAR / string
    std::string string();                  // quoted / literal
    std::optional<std::string> nstring();  // string / NIL
    std::string quoted();
    bool at_literal() const;  // "{" or "~{"
    // `message`: APPEND's message data, moved out of the reader's storage.
    std::string literal(bool* binary = nullptr, bool allow_binary = false, bool message = false);
    bool literal_available() const { return lits_ && lit_index_ < lits_->size(); }
    std::string mailbox() { return astring(); }
    std::string list_mailbox();  // 1*list-char / string
    std::string tag();

    uint32_t number();  // 32-bit
    uint32_t nz_number();
    uint64_t number64();  // 63-bit (RFC 9051 number64)
    uint64_t nz_number64();

    SequenceSet sequence_set();
    std::string flag();
    std::vector<std::string> flag_list();    // "(" [flag *(SP flag)] ")"
    Date date();                             // search date (quoted or not)
    DateTime date_time();                    // quoted date-time of APPEND
    std::vector<StatusItem> status_items();  // "(" att *(SP att) ")"

  private:
    std::string_view s_;
    std::size_t pos_ = 0;
    std::vector<std::string>* lits_;
    std::size_t lit_index_ = 0;
    int depth_ = 0;
    int max_depth_;
    bool probe_;
    friend struct Depth;

  public:
    std::size_t literal_index() const { return lit_index_; }
    std::string take_literal(std::size_t size, bool message);
};

bool is_atom_char_c(char c);
bool is_list_char(char c);
int month_from_name(std::string_view m);  // "Jan" -> 1; 0 if unknown

// Sub-grammars in their own files.
std::vector<FetchItem> parse_fetch_atts(Cursor& c, bool allow_macro);
FetchItem parse_fetch_att(Cursor& c);
// 1*(SP search-key): the keys as the children of an and_ node.
SearchKey parse_search_keys(Cursor& c);
std::optional<SearchReturn> parse_search_return(Cursor& c, bool sort);

}  // namespace postamt::imap::detail
