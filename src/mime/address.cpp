#include "mime/address.h"

#include "mime/encoded_word.h"

namespace postamt::mime {
namespace {

constexpr std::size_t kMaxAddresses = 5000;

enum class T : uint8_t { word, comment, special };

struct Token {
    T type;
    char special = 0;  // for T::special
    std::string text;  // word / comment text (unquoted)
};

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_special(char c) {
    return c == '<' || c == '>' || c == ':' || c == ';' || c == ',' || c == '@' || c == '"' ||
           c == '(' || c == '[' || c == ')';
}

std::vector<Token> lex(std::string_view s) {
    std::vector<Token> out;
    std::size_t p = 0;
    while (p < s.size()) {
        char c = s[p];
        if (is_ws(c)) {
            ++p;
        } else if (c == '(') {
            std::string text;
            int depth = 0;
            while (p < s.size()) {
                char d = s[p];
                if (d == '\\' && p + 1 < s.size()) {
                    text += s[p + 1];
                    p += 2;
                    continue;
                }
                if (d == '(') {
                    if (depth++ > 0) text += d;
                } else if (d == ')') {
                    if (--depth == 0) {
                        ++p;
                        break;
                    }
                    text += d;
                } else if (d != '\r' && d != '\n') {
                    text += d;
                }
                ++p;
            }
            out.push_back(Token{T::comment, 0, std::move(text)});
        } else if (c == '"') {
            std::string text;
            ++p;
            while (p < s.size() && s[p] != '"') {
                if (s[p] == '\\' && p + 1 < s.size()) ++p;
                if (s[p] != '\r' && s[p] != '\n') text += s[p];
                ++p;
            }
            if (p < s.size()) ++p;
            Token t{T::word, '"', std::move(text)};
            out.push_back(std::move(t));
        } else if (c == '[') {
            std::size_t b = p;
            while (p < s.size() && s[p] != ']') ++p;
            if (p < s.size()) ++p;
            std::string text;
            for (char d : s.substr(b, p - b))
                if (!is_ws(d)) text += d;
            out.push_back(Token{T::word, '[', std::move(text)});
        } else if (c == ')') {
            ++p;  // stray
        } else if (is_special(c)) {
            out.push_back(Token{T::special, c, {}});
            ++p;
        } else {
            std::size_t b = p;
            while (p < s.size() && !is_ws(s[p]) && !is_special(s[p])) ++p;
            out.push_back(Token{T::word, 0, std::string(s.substr(b, p - b))});
        }
    }
    return out;
}

class Parser {
public:
    explicit Parser(std::vector<Token> t) : t_(std::move(t)) {}

    std::vector<Address> run() {
        while (i_ < t_.size() && out_.size() < kMaxAddresses) {
            const Token& tok = t_[i_];
            if (tok.type == T::comment) {
                ++i_;
                continue;
            }
            if (tok.type == T::special && tok.special != '<' && tok.special != '@' &&
                tok.special != ':') {
                if (tok.special == ';' && in_group_) end_group();
                ++i_;
                continue;
            }
            one_address();
        }
        if (in_group_) end_group();
        return std::move(out_);
    }

private:
    bool at_special(char c) const {
        return i_ < t_.size() && t_[i_].type == T::special && t_[i_].special == c;
    }
    void skip_comments() {
        while (i_ < t_.size() && t_[i_].type == T::comment) ++i_;
    }
    void end_group() {
        Address a;
        a.kind = Address::Kind::group_end;
        out_.push_back(std::move(a));
        in_group_ = false;
    }

    // Words (and comments, skipped) up to the next special. Returns words.
    std::vector<const Token*> phrase() {
        std::vector<const Token*> words;
        while (i_ < t_.size() && t_[i_].type != T::special) {
            if (t_[i_].type == T::word) words.push_back(&t_[i_]);
            ++i_;
        }
        return words;
    }

    static std::string join(const std::vector<const Token*>& w, const char* sep) {
        std::string s;
        for (std::size_t k = 0; k < w.size(); ++k) {
            if (k) s += sep;
            s += w[k]->text;
        }
        return s;
    }

    // Domain words up to a special other than '.', joined without spaces.
    std::string domain() {
        std::string d;
        while (i_ < t_.size() && t_[i_].type != T::special) {
            if (t_[i_].type == T::word) d += t_[i_].text;
            ++i_;
        }
        return d;
    }

    void one_address() {
        std::size_t phrase_begin = i_;
        auto words = phrase();
        if (at_special(':')) {
            ++i_;
            if (!in_group_) {
                Address a;
                a.kind = Address::Kind::group_start;
                a.name = join(words, " ");
                out_.push_back(std::move(a));
                in_group_ = true;
            }
            return;
        }
        if (at_special('<')) {
            ++i_;
            angle_addr(join(words, " "));
            return;
        }
        Address a;
        a.mailbox = join(words, "");
        if (at_special('@')) {
            ++i_;
            a.host = domain();
        }
        // "a@b (Name)": a comment in the address becomes the name.
        for (std::size_t k = phrase_begin; k < i_; ++k)
            if (t_[k].type == T::comment && !t_[k].text.empty()) a.name = t_[k].text;
        // Stray '<' after an addr-spec etc. is handled by the main loop.
        if (a.mailbox.empty() && a.host.empty()) {
            if (i_ < t_.size() && t_[i_].type == T::special && t_[i_].special != '<' &&
                t_[i_].special != ':')
                ++i_;
            else if (i_ == phrase_begin)
                ++i_;  // guarantee progress
            return;
        }
        out_.push_back(std::move(a));
    }

    void angle_addr(std::string name) {
        Address a;
        a.name = std::move(name);
        skip_comments();
        // obs-route: "@a,@b:" before the addr-spec.
        if (at_special('@')) {
            std::size_t save = i_;
            std::string adl;
            while (at_special('@') || at_special(',')) {
                char c = t_[i_].special;
                ++i_;
                if (c == '@') {
                    if (!adl.empty()) adl += ',';
                    adl += '@';
                    adl += domain();
                }
                skip_comments();
            }
            if (at_special(':')) {
                ++i_;
                a.adl = std::move(adl);
            } else {
                i_ = save;  // "<@host>": no route after all
            }
        }
        a.mailbox = join(phrase(), "");
        if (at_special('@')) {
            ++i_;
            a.host = domain();
        }
        // Skip to the closing '>' (garbage inside the brackets is ignored),
        // but don't run past an address separator.
        while (i_ < t_.size() && !at_special('>') && !at_special(',') && !at_special(';')) ++i_;
        if (at_special('>')) ++i_;
        out_.push_back(std::move(a));
    }

    std::vector<Token> t_;
    std::size_t i_ = 0;
    bool in_group_ = false;
    std::vector<Address> out_;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view raw_value) {
    return Parser(lex(raw_value)).run();
}

std::string addr_spec(const Address& a) {
    if (a.host.empty()) return a.mailbox;
    return a.mailbox + "@" + a.host;
}

std::string display_form(const Address& a) {
    if (!a.name.empty()) return decode_header_text(a.name);
    return addr_spec(a);
}

}  // namespace postamt::mime
