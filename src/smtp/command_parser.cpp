#include "smtp/command_parser.h"

#include <array>
#include <utility>

#include "common/text.h"

namespace postamt::smtp {
namespace {

struct VerbEntry {
    std::string_view name;
    Verb verb;
};

constexpr std::array<VerbEntry, 14> kVerbs{{
    {"EHLO", Verb::ehlo},
    {"HELO", Verb::helo},
    {"MAIL", Verb::mail},
    {"RCPT", Verb::rcpt},
    {"DATA", Verb::data},
    {"BDAT", Verb::bdat},
    {"RSET", Verb::rset},
    {"NOOP", Verb::noop},
    {"QUIT", Verb::quit},
    {"HELP", Verb::help},
    {"VRFY", Verb::vrfy},
    {"EXPN", Verb::expn},
    {"STARTTLS", Verb::starttls},
    {"AUTH", Verb::auth},
}};

Reply err(int code, std::string_view enh, std::string text) {
    return Reply{code, std::string(enh), std::move(text)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
bool is_keyword(std::string_view k) {
    if (k.empty() || !is_alnum(k.front())) return false;
    for (char c : k)
        if (!is_alnum(c) && c != '-') return false;
    return true;
}

// esmtp-value = 1*(%d33-60 / %d62-126) (RFC 6531 adds UTF8-non-ascii).
bool is_esmtp_value(std::string_view v) {
    if (v.empty()) return false;
    for (unsigned char c : v)
        if (c < 33 || c == '=' || c == 127) return false;
    return is_valid_utf8(v);
}

bool is_hex(char c) { return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

// RFC 3461 4: xtext = *( xchar / hexchar ), xchar = 33-126 except "+" "=".
bool is_xtext(std::string_view v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(v[i]);
        if (c == '+') {
            if (i + 2 >= v.size()) return false;
            if (!is_hex(v[i + 1]) || !is_hex(v[i + 2])) return false;
            i += 2;
            continue;
        }
        if (c < 33 || c > 126 || c == '=') return false;
    }
    return true;
}

std::optional<uint64_t> parse_number(std::string_view s, bool saturate) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) {
            if (!saturate) return std::nullopt;
            v = UINT64_MAX;
            continue;
        }
        v = v * 10 + d;
    }
    return v;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

struct Param {
    std::string keyword;  // upper-cased
    std::string_view value;
    bool has_value = false;
};

// Splits "KEY=value KEY2 ..." at spaces (several spaces tolerated).
std::optional<Reply> split_params(std::string_view s, std::vector<Param>& out) {
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        if (i == s.size()) break;
        std::size_t end = s.find(' ', i);
        if (end == std::string_view::npos) end = s.size();
        std::string_view tok = s.substr(i, end - i);
        i = end;
        Param p;
        std::size_t eq = tok.find('=');
        std::string_view key = tok.substr(0, eq);
        if (!is_keyword(key)) return err(501, "5.5.4", "Bad parameter syntax");
        p.keyword = upper(key);
        if (eq != std::string_view::npos) {
            p.value = tok.substr(eq + 1);
            p.has_value = true;
            if (!is_esmtp_value(p.value))
                return err(501, "5.5.4", "Bad parameter syntax: " + p.keyword);
        }
        for (const auto& q : out)
            if (q.keyword == p.keyword)
                return err(501, "5.5.4", "Duplicate parameter: " + p.keyword);
        out.push_back(std::move(p));
    }
    return std::nullopt;
}

Reply bad_value(const Param& p) { return err(501, "5.5.4", "Bad parameter value: " + p.keyword); }
Reply unsupported(const Param& p) {
    return err(555, "5.5.4", "Unsupported parameter: " + p.keyword);
}

std::optional<Reply> apply_mail_param(const Param& p, MailParams& m) {
    if (p.keyword == "SIZE") {
        if (!p.has_value) return bad_value(p);
        auto n = parse_number(p.value, true);
        if (!n) return bad_value(p);
        m.size = *n;
    } else if (p.keyword == "BODY") {
        if (!p.has_value) return bad_value(p);
        if (text::iequals(p.value, "7BIT"))
            m.body = BodyType::seven_bit;
        else if (text::iequals(p.value, "8BITMIME"))
            m.body = BodyType::eight_bit_mime;
        else if (text::iequals(p.value, "BINARYMIME"))
            m.body = BodyType::binary_mime;
        else
            return bad_value(p);
    } else if (p.keyword == "SMTPUTF8") {
        if (p.has_value) return bad_value(p);
        m.smtputf8 = true;
    } else if (p.keyword == "RET") {
        if (!p.has_value) return bad_value(p);
        std::string v = upper(p.value);
        if (v != "FULL" && v != "HDRS") return bad_value(p);
        m.ret = v;
    } else if (p.keyword == "ENVID") {
        if (!p.has_value || p.value.size() > 100 || !is_xtext(p.value)) return bad_value(p);
        m.envid.assign(p.value);
    } else if (p.keyword == "AUTH") {
        if (!p.has_value || (p.value != "<>" && !is_xtext(p.value))) return bad_value(p);
        m.auth = std::string(p.value);
    } else {
        return unsupported(p);
    }
    return std::nullopt;
}

std::optional<Reply> apply_rcpt_param(const Param& p, RcptParams& r) {
    if (p.keyword == "NOTIFY") {
        if (!p.has_value) return bad_value(p);
        std::string v = upper(p.value);
        if (v != "NEVER") {
            bool seen[3] = {false, false, false};
            for (auto item : text::split(v, ',')) {
                int idx = item == "SUCCESS" ? 0 : item == "FAILURE" ? 1 : item == "DELAY" ? 2 : -1;
                if (idx < 0 || seen[idx]) return bad_value(p);
                seen[idx] = true;
            }
        }
        r.notify = v;
    } else if (p.keyword == "ORCPT") {
        // RFC 3461 4.2: addr-type ";" xtext
        if (!p.has_value || p.value.size() > 500) return bad_value(p);
        std::size_t semi = p.value.find(';');
        if (semi == std::string_view::npos || semi == 0 || semi + 1 == p.value.size())
            return bad_value(p);
        if (!is_keyword(p.value.substr(0, semi)) || !is_xtext(p.value.substr(semi + 1)))
            return bad_value(p);
        r.orcpt.assign(p.value);
    } else {
        return unsupported(p);
    }
    return std::nullopt;
}

// "FROM:" / "TO:" with at most one space before the path.
std::optional<std::string_view> after_keyword(std::string_view rest, std::string_view kw) {
    if (rest.size() < kw.size() + 1 || rest[0] != ' ') return std::nullopt;
    if (!text::iequals(rest.substr(1, kw.size()), kw)) return std::nullopt;
    std::string_view r = rest.substr(1 + kw.size());
    if (!r.empty() && r[0] == ' ') r.remove_prefix(1);
    return r;
}

void parse_path_command(Command& c, std::string_view rest) {
    const bool mail = c.verb == Verb::mail;
    auto r = after_keyword(rest, mail ? "FROM:" : "TO:");
    if (!r) {
        c.error =
            err(501, "5.5.4", mail ? "Syntax: MAIL FROM:<address>" : "Syntax: RCPT TO:<address>");
        return;
    }
    std::string_view enh = mail ? "5.1.7" : "5.1.3";
    PathOptions opt;
    opt.allow_null = mail;
    opt.allow_bare_postmaster = !mail;
    PathError perr = PathError::none;
    auto parsed = parse_path(*r, opt, &perr);
    if (!parsed) {
        std::string what = mail ? "sender" : "recipient";
        if (perr == PathError::too_long)
            c.error = err(501, enh, "Error: " + what + " address too long");
        else
            c.error = err(501, enh, "Error: bad " + what + " address syntax");
        return;
    }
    c.path = std::move(parsed->path);
    std::string_view params = r->substr(parsed->consumed);
    if (!params.empty() && params.front() != ' ') {
        c.error =
            err(501, enh,
                mail ? "Error: bad sender address syntax" : "Error: bad recipient address syntax");
        return;
    }
    std::vector<Param> list;
    if (auto e = split_params(params, list)) {
        c.error = std::move(e);
        return;
    }
    for (const auto& p : list) {
        auto e = mail ? apply_mail_param(p, c.mail) : apply_rcpt_param(p, c.rcpt);
        if (e) {
            c.error = std::move(e);
            return;
        }
    }
}

bool is_helo_name(std::string_view s) {
    if (s.empty() || s.size() > 255) return false;
    if (s.front() == '[') return parse_address_literal(s).has_value();
    // Lenient on purpose (as Postfix): letters, digits, '-', '.', '_'.
    for (char c : s)
        if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return false;
    return true;
}

}  // namespace

std::string_view verb_name(Verb v) {
    for (const auto& e : kVerbs)
        if (e.verb == v) return e.name;
    return "UNKNOWN";
}

bool ends_pipeline_group(Verb v) {
    switch (v) {
        case Verb::ehlo:
        case Verb::helo:
        case Verb::data:
        case Verb::vrfy:
        case Verb::expn:
        case Verb::quit:
        case Verb::noop:
        case Verb::starttls:
        case Verb::auth:
        case Verb::help:
            return true;
        default:
            return false;
    }
}

Command parse_command(std::string_view line) {
    Command c;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) {
        c.error = err(500, "5.5.2", "Error: bad syntax");
        return c;
    }
    for (unsigned char ch : line) {
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
            c.error = err(500, "5.5.2", "Error: invalid character in command");
            return c;
        }
    }
    if (!is_valid_utf8(line)) {
        c.error = err(500, "5.5.2", "Error: invalid UTF-8 in command");
        return c;
    }
    std::size_t sp = line.find(' ');
    std::string_view word = line.substr(0, sp);
    std::string_view rest = sp == std::string_view::npos ? std::string_view{} : line.substr(sp);
    for (const auto& e : kVerbs)
        if (text::iequals(word, e.name)) c.verb = e.verb;
    if (c.verb == Verb::unknown) {
        c.error = err(500, "5.5.1", "Error: command not recognized");
        return c;
    }
    // The argument after exactly one space (used by most verbs).
    std::string_view arg = rest.empty() ? rest : rest.substr(1);
    auto no_args = [&](std::string_view syntax) {
        if (!rest.empty())
            c.error = err(501, "5.5.4", std::string("Syntax: ") + std::string(syntax));
    };
    switch (c.verb) {
        case Verb::ehlo:
        case Verb::helo:
            if (arg.empty()) {
                c.error =
                    err(501, "5.5.4",
                        c.verb == Verb::ehlo ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
            } else if (!is_helo_name(arg)) {
                c.error = err(501, "5.5.2", "Error: invalid hostname");
            } else {
                c.argument.assign(arg);
            }
            break;
        case Verb::mail:
        case Verb::rcpt:
            parse_path_command(c, rest);
            break;
        case Verb::data:
            no_args("DATA");
            break;
        case Verb::rset:
            no_args("RSET");
            break;
        case Verb::quit:
            no_args("QUIT");
            break;
        case Verb::starttls:
            no_args("STARTTLS");
            break;
        case Verb::noop:
        case Verb::help:
            c.argument.assign(arg);
            break;
        case Verb::vrfy:
        case Verb::expn:
            if (arg.empty())
                c.error = err(
                    501, "5.5.4",
                    c.verb == Verb::vrfy ? "Syntax: VRFY address" : "Syntax: EXPN mailing-list");
            else
                c.argument.assign(arg);
            break;
        case Verb::bdat: {
            // RFC 3030 2: "BDAT" SP chunk-size [ SP end-marker ]
            std::size_t sp2 = arg.find(' ');
            auto size = parse_number(arg.substr(0, sp2), false);
            if (!size) {
                c.lost_sync = true;
                c.error = err(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
                break;
            }
            c.bdat_size = *size;
            if (sp2 != std::string_view::npos) {
                if (!text::iequals(arg.substr(sp2 + 1), "LAST")) {
                    c.error = err(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
                    break;
                }
                c.bdat_last = true;
            }
            break;
        }
        case Verb::auth: {
            std::size_t sp2 = arg.find(' ');
            std::string_view mech = arg.substr(0, sp2);
            bool ok = !mech.empty() && mech.size() <= 20;
            for (char ch : mech)
                if (!is_alnum(ch) && ch != '-' && ch != '_') ok = false;
            if (sp2 != std::string_view::npos) {
                c.initial_response.assign(arg.substr(sp2 + 1));
                if (c.initial_response.empty() || c.initial_response.find(' ') != std::string::npos)
                    ok = false;
            }
            if (!ok) {
                c.error = err(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
                break;
            }
            c.argument = upper(mech);
            break;
        }
        case Verb::unknown:
            break;
    }
    return c;
}

}  // namespace postamt::smtp
