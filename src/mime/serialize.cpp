// serialize()/deserialize() of ParsedMessage: "PMS" magic, a version byte,
// then LEB128 varints and length-prefixed strings. Children lists are not
// stored; they are rebuilt from the parent indices (pre-order).
#include <cstring>

#include "mime/message_parser.h"

namespace postamt::mime {
namespace {

constexpr char kMagic[3] = {'P', 'M', 'S'};
constexpr uint8_t kVersion = 1;

class Writer {
public:
    explicit Writer(std::string& out) : out_(out) {}
    void u(uint64_t v) {
        while (v >= 0x80) {
            out_ += static_cast<char>((v & 0x7F) | 0x80);
            v >>= 7;
        }
        out_ += static_cast<char>(v);
    }
    void i(int64_t v) { u((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
    void s(std::string_view v) {
        u(v.size());
        out_.append(v);
    }
    void os(const std::optional<std::string>& v) {
        if (!v) {
            u(0);
        } else {
            u(v->size() + 1);
            out_.append(*v);
        }
    }
    void byte(uint8_t b) { out_ += static_cast<char>(b); }

private:
    std::string& out_;
};

class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool ok() const { return ok_; }
    bool at_end() const { return pos_ == in_.size(); }
    std::size_t remaining() const { return in_.size() - pos_; }

    uint64_t u() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) return fail();
            uint8_t b = static_cast<uint8_t>(in_[pos_++]);
            if (shift == 63 && b > 1) return fail();
            v |= static_cast<uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80)) return v;
        }
        return fail();
    }
    int64_t i() {
        uint64_t z = u();
        return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
    }
    uint8_t byte() {
        if (pos_ >= in_.size()) return static_cast<uint8_t>(fail());
        return static_cast<uint8_t>(in_[pos_++]);
    }
    std::string s() {
        uint64_t n = u();
        if (!ok_ || n > remaining()) {
            fail();
            return {};
        }
        std::string v(in_.substr(pos_, n));
        pos_ += n;
        return v;
    }
    std::optional<std::string> os() {
        uint64_t n = u();
        if (!ok_ || n == 0) return std::nullopt;
        if (n - 1 > remaining()) {
            fail();
            return std::nullopt;
        }
        std::string v(in_.substr(pos_, n - 1));
        pos_ += n - 1;
        return v;
    }
    // A count of elements each taking at least `min_bytes`.
    uint64_t count(uint64_t min_bytes) {
        uint64_t n = u();
        if (!ok_ || n > remaining() / min_bytes) {
            fail();
            return 0;
        }
        return n;
    }
    uint64_t fail() {
        ok_ = false;
        pos_ = in_.size();
        return 0;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

void write_params(Writer& w, const std::vector<Param>& ps) {
    w.u(ps.size());
    for (const auto& p : ps) {
        w.s(p.name);
        w.s(p.value);
        w.s(p.charset);
        w.s(p.language);
    }
}

bool read_params(Reader& r, std::vector<Param>& ps) {
    uint64_t n = r.count(4);
    ps.reserve(n);
    for (uint64_t k = 0; k < n && r.ok(); ++k) {
        Param p;
        p.name = r.s();
        p.value = r.s();
        p.charset = r.s();
        p.language = r.s();
        ps.push_back(std::move(p));
    }
    return r.ok();
}

void write_addresses(Writer& w, const std::vector<Address>& as) {
    w.u(as.size());
    for (const auto& a : as) {
        w.byte(static_cast<uint8_t>(a.kind));
        w.s(a.name);
        w.s(a.adl);
        w.s(a.mailbox);
        w.s(a.host);
    }
}

bool read_addresses(Reader& r, std::vector<Address>& as) {
    uint64_t n = r.count(5);
    as.reserve(n);
    for (uint64_t k = 0; k < n && r.ok(); ++k) {
        Address a;
        uint8_t kind = r.byte();
        if (kind > 2) return r.fail(), false;
        a.kind = static_cast<Address::Kind>(kind);
        a.name = r.s();
        a.adl = r.s();
        a.mailbox = r.s();
        a.host = r.s();
        as.push_back(std::move(a));
    }
    return r.ok();
}

}  // namespace

std::string serialize(const ParsedMessage& msg) {
    std::string out;
    out.reserve(256 + msg.parts.size() * 48);
    out.append(kMagic, sizeof kMagic);
    Writer w(out);
    w.byte(kVersion);
    w.u(msg.size);
    w.u(msg.envelopes.size());
    for (const auto& e : msg.envelopes) {
        w.os(e.date);
        w.os(e.subject);
        write_addresses(w, e.from);
        write_addresses(w, e.sender);
        write_addresses(w, e.reply_to);
        write_addresses(w, e.to);
        write_addresses(w, e.cc);
        write_addresses(w, e.bcc);
        w.os(e.in_reply_to);
        w.os(e.message_id);
        if (e.parsed_date) {
            w.byte(1);
            w.i(e.parsed_date->unix_seconds);
            w.i(e.parsed_date->offset_minutes);
        } else {
            w.byte(0);
        }
    }
    w.u(msg.parts.size());
    for (const auto& p : msg.parts) {
        w.u(p.header_start);
        w.u(p.body_start - p.header_start);
        w.u(p.end - p.body_start);
        w.u(p.lines);
        w.s(p.type);
        w.s(p.subtype);
        write_params(w, p.params);
        w.os(p.id);
        w.os(p.description);
        w.s(p.encoding);
        w.os(p.md5);
        if (p.disposition) {
            w.byte(1);
            w.s(p.disposition->type);
            write_params(w, p.disposition->params);
        } else {
            w.byte(0);
        }
        w.u(p.language.size());
        for (const auto& l : p.language) w.s(l);
        w.os(p.location);
        w.u(p.parent == kNoIndex ? 0 : uint64_t{p.parent} + 1);
        w.u(p.envelope == kNoIndex ? 0 : uint64_t{p.envelope} + 1);
        w.byte(static_cast<uint8_t>((p.has_blank_line ? 1 : 0) | (p.truncated ? 2 : 0)));
    }
    return out;
}

std::optional<ParsedMessage> deserialize(std::string_view bytes) {
    if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 3) != 0 ||
        static_cast<uint8_t>(bytes[3]) != kVersion)
        return std::nullopt;
    Reader r(bytes.substr(4));
    ParsedMessage msg;
    msg.size = r.u();
    uint64_t ne = r.count(11);  // smallest envelope: 11 bytes
    msg.envelopes.resize(ne);
    for (auto& e : msg.envelopes) {
        if (!r.ok()) break;
        e.date = r.os();
        e.subject = r.os();
        read_addresses(r, e.from);
        read_addresses(r, e.sender);
        read_addresses(r, e.reply_to);
        read_addresses(r, e.to);
        read_addresses(r, e.cc);
        read_addresses(r, e.bcc);
        e.in_reply_to = r.os();
        e.message_id = r.os();
        uint8_t has_date = r.byte();
        if (has_date > 1) return std::nullopt;
        if (has_date) {
            DateTime dt;
            dt.unix_seconds = r.i();
            int64_t off = r.i();
            if (off < -24 * 60 || off > 24 * 60) return std::nullopt;
            dt.offset_minutes = static_cast<int>(off);
            e.parsed_date = dt;
        }
    }
    uint64_t np = r.count(17);  // smallest part: 17 bytes
    if (!r.ok() || np == 0 || np > 1000000) return std::nullopt;
    msg.parts.resize(np);
    for (uint64_t k = 0; k < np && r.ok(); ++k) {
        Part& p = msg.parts[k];
        p.header_start = r.u();
        uint64_t hlen = r.u();
        uint64_t blen = r.u();
        if (p.header_start > msg.size || hlen > msg.size - p.header_start) return std::nullopt;
        p.body_start = p.header_start + hlen;
        if (blen > msg.size - p.body_start) return std::nullopt;
        p.end = p.body_start + blen;
        p.lines = r.u();
        if (p.lines > blen + 1) return std::nullopt;
        p.type = r.s();
        p.subtype = r.s();
        p.params.clear();
        if (!read_params(r, p.params)) return std::nullopt;
        p.id = r.os();
        p.description = r.os();
        p.encoding = r.s();
        p.md5 = r.os();
        uint8_t has_disp = r.byte();
        if (has_disp > 1) return std::nullopt;
        if (has_disp) {
            Disposition d;
            d.type = r.s();
            if (!read_params(r, d.params)) return std::nullopt;
            p.disposition = std::move(d);
        }
        uint64_t nl = r.count(1);
        p.language.reserve(nl);
        for (uint64_t l = 0; l < nl && r.ok(); ++l) p.language.push_back(r.s());
        p.location = r.os();
        uint64_t parent = r.u();
        uint64_t env = r.u();
        uint8_t flags = r.byte();
        if (!r.ok() || flags > 3) return std::nullopt;
        if (k == 0 ? parent != 0 : (parent == 0 || parent > k)) return std::nullopt;
        if (env > ne) return std::nullopt;
        p.parent = parent == 0 ? kNoIndex : static_cast<uint32_t>(parent - 1);
        p.envelope = env == 0 ? kNoIndex : static_cast<uint32_t>(env - 1);
        p.has_blank_line = flags & 1;
        p.truncated = flags & 2;
        if (p.parent != kNoIndex) msg.parts[p.parent].children.push_back(static_cast<uint32_t>(k));
    }
    if (!r.ok() || !r.at_end() || msg.envelopes.empty()) return std::nullopt;
    return msg;
}

}  // namespace postamt::mime
