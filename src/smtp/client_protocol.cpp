#include "smtp/client_protocol.h"

#include "common/text.h"

namespace postamt::smtp {
namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

}  // namespace

const char* outcome_kind_name(RecipientOutcome::Kind k) {
    switch (k) {
        case RecipientOutcome::Kind::delivered:
            return "delivered";
        case RecipientOutcome::Kind::transient:
            return "transient";
        case RecipientOutcome::Kind::permanent:
            return "permanent";
    }
    return "?";
}

bool is_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

EhloCapabilities parse_ehlo(const ServerReply& r) {
    EhloCapabilities c;
    c.esmtp = r.code == 250;
    for (std::size_t i = 1; i < r.lines.size(); ++i) {
        std::string_view line = r.lines[i];
        std::size_t sp = line.find_first_of(" =");
        std::string kw = upper(line.substr(0, sp));
        std::string_view args =
            sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
        if (kw == "PIPELINING")
            c.pipelining = true;
        else if (kw == "STARTTLS")
            c.starttls = true;
        else if (kw == "8BITMIME")
            c.eightbitmime = true;
        else if (kw == "SMTPUTF8")
            c.smtputf8 = true;
        else if (kw == "DSN")
            c.dsn = true;
        else if (kw == "ENHANCEDSTATUSCODES")
            c.enhanced_status_codes = true;
        else if (kw == "CHUNKING")
            c.chunking = true;
        else if (kw == "SIZE") {
            c.has_size = true;
            std::uint64_t v = 0;
            bool digits = !args.empty();
            for (char ch : args) {
                if (ch < '0' || ch > '9') {
                    digits = false;
                    break;
                }
                if (v > (UINT64_MAX - 9) / 10) break;  // absurdly large: as good as unlimited
                v = v * 10 + std::uint64_t(ch - '0');
            }
            c.size = digits ? v : 0;
        } else if (kw == "AUTH") {
            // "AUTH PLAIN LOGIN" and the old "AUTH=PLAIN LOGIN" form.
            std::size_t pos = 0;
            while (pos < args.size()) {
                std::size_t end = args.find(' ', pos);
                if (end == std::string_view::npos) end = args.size();
                if (end > pos) {
                    std::string m = upper(args.substr(pos, end - pos));
                    bool seen = false;
                    for (const auto& a : c.auth) seen = seen || a == m;
                    if (!seen) c.auth.push_back(m);
                }
                pos = end + 1;
            }
        }
    }
    return c;
}

std::string xtext_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        auto u = static_cast<unsigned char>(ch);
        if (u < 33 || u > 126 || u == '+' || u == '=') {
            out += '+';
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

std::string notify_param(std::uint8_t n) {
    if (n & notify_never) return "NEVER";
    std::string out;
    auto add = [&](const char* w) {
        if (!out.empty()) out += ',';
        out += w;
    };
    if (n & notify_success) add("SUCCESS");
    if (n & notify_failure) add("FAILURE");
    if (n & notify_delay) add("DELAY");
    return out;
}

bool recipient_needs_utf8(const OutboundRecipient& r) { return !is_ascii(r.address); }

std::string mail_command(const OutboundMessage& m, const EhloCapabilities& caps) {
    std::string cmd = "MAIL FROM:<" + m.sender + ">";
    if (caps.has_size && m.data) cmd += " SIZE=" + std::to_string(m.data->size());
    // RFC 6152 3: BODY=8BITMIME only when offered; when it is not, the
    // message goes as it is (see smtp_client.h on why we do not convert).
    if (m.body_8bit && caps.eightbitmime) cmd += " BODY=8BITMIME";
    if ((m.smtputf8 || !is_ascii(m.sender)) && caps.smtputf8) cmd += " SMTPUTF8";
    if (caps.dsn) {
        if (m.ret == DsnRet::full)
            cmd += " RET=FULL";
        else if (m.ret == DsnRet::hdrs)
            cmd += " RET=HDRS";
        if (!m.envid.empty()) cmd += " ENVID=" + xtext_encode(m.envid);
    }
    return cmd + "\r\n";
}

std::string rcpt_command(const OutboundRecipient& r, const EhloCapabilities& caps) {
    std::string cmd = "RCPT TO:<" + r.address + ">";
    if (caps.dsn) {
        std::string n = notify_param(r.notify);
        if (!n.empty()) cmd += " NOTIFY=" + n;
        if (!r.orcpt.empty()) cmd += " ORCPT=" + r.orcpt;
    }
    return cmd + "\r\n";
}

std::string data_payload(std::string_view msg) {
    std::string out;
    out.reserve(msg.size() + msg.size() / 64 + 8);
    bool line_start = true;
    for (std::size_t i = 0; i < msg.size(); ++i) {
        char c = msg[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < msg.size() && msg[i + 1] == '\n') ++i;
            line_start = true;
            continue;
        }
        if (c == '\n') {  // bare LF
            out += "\r\n";
            line_start = true;
            continue;
        }
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = false;
    }
    if (!line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

std::optional<Refusal> refuse_before_mail(const OutboundMessage& m, const EhloCapabilities& caps) {
    if (caps.has_size && caps.size > 0 && m.data && m.data->size() > caps.size)
        return Refusal{552, "5.3.4",
                       "message size " + std::to_string(m.data->size()) +
                           " exceeds the remote server's limit of " + std::to_string(caps.size) +
                           " bytes"};
    if ((m.smtputf8 || !is_ascii(m.sender)) && !caps.smtputf8)
        return Refusal{
            553, "5.6.7",
            "the message needs SMTPUTF8 (RFC 6531) and the remote server does not offer it"};
    return std::nullopt;
}

RecipientOutcome make_outcome(RecipientOutcome::Kind k, int code, std::string status,
                              std::string text) {
    RecipientOutcome o;
    o.kind = k;
    o.code = code;
    o.status = std::move(status);
    o.text = std::move(text);
    return o;
}

RecipientOutcome outcome_from_reply(const ServerReply& r) {
    RecipientOutcome o;
    o.code = r.code;
    o.kind = r.positive()    ? RecipientOutcome::Kind::delivered
             : r.transient() ? RecipientOutcome::Kind::transient
                             : RecipientOutcome::Kind::permanent;
    o.status = !r.enhanced.empty() ? r.enhanced : std::string(1, char('0' + r.code / 100)) + ".0.0";
    o.text = r.summary();
    return o;
}

}  // namespace postamt::smtp
