#include "imap/command_parser.h"

#include "imap/parser_cursor.h"

namespace postamt::imap {

const char* command_name(CommandId id) {
    switch (id) {
        case CommandId::capability:
            return "CAPABILITY";
        case CommandId::noop:
            return "NOOP";
        case CommandId::logout:
            return "LOGOUT";
        case CommandId::starttls:
            return "STARTTLS";
        case CommandId::authenticate:
            return "AUTHENTICATE";
        case CommandId::login:
            return "LOGIN";
        case CommandId::enable:
            return "ENABLE";
        case CommandId::id:
            return "ID";
        case CommandId::select:
            return "SELECT";
        case CommandId::examine:
            return "EXAMINE";
        case CommandId::create:
            return "CREATE";
        case CommandId::delete_:
            return "DELETE";
        case CommandId::rename:
            return "RENAME";
        case CommandId::subscribe:
            return "SUBSCRIBE";
        case CommandId::unsubscribe:
            return "UNSUBSCRIBE";
        case CommandId::list:
            return "LIST";
        case CommandId::lsub:
            return "LSUB";
        case CommandId::namespace_:
            return "NAMESPACE";
        case CommandId::status:
            return "STATUS";
        case CommandId::append:
            return "APPEND";
        case CommandId::check:
            return "CHECK";
        case CommandId::close:
            return "CLOSE";
        case CommandId::unselect:
            return "UNSELECT";
        case CommandId::expunge:
            return "EXPUNGE";
        case CommandId::uid_expunge:
            return "UID EXPUNGE";
        case CommandId::search:
            return "SEARCH";
        case CommandId::fetch:
            return "FETCH";
        case CommandId::store:
            return "STORE";
        case CommandId::copy:
            return "COPY";
        case CommandId::move:
            return "MOVE";
        case CommandId::idle:
            return "IDLE";
        case CommandId::sort:
            return "SORT";
        case CommandId::thread:
            return "THREAD";
        case CommandId::setacl:
            return "SETACL";
        case CommandId::deleteacl:
            return "DELETEACL";
        case CommandId::getacl:
            return "GETACL";
        case CommandId::listrights:
            return "LISTRIGHTS";
        case CommandId::myrights:
            return "MYRIGHTS";
        case CommandId::getquota:
            return "GETQUOTA";
        case CommandId::getquotaroot:
            return "GETQUOTAROOT";
        case CommandId::setquota:
            return "SETQUOTA";
        case CommandId::getmetadata:
            return "GETMETADATA";
        case CommandId::setmetadata:
            return "SETMETADATA";
        case CommandId::notify:
            return "NOTIFY";
        case CommandId::compress:
            return "COMPRESS";
        case CommandId::count_:
            break;
    }
    return "?";
}

namespace {

using detail::Cursor;
using detail::LiteralPending;

// Commands without arguments.
void no_args(Cursor& c) { c.expect_end(); }

AuthenticateCmd parse_authenticate(Cursor& c) {
    AuthenticateCmd a;
    c.sp();
    a.mechanism = c.upper_atom();
    if (c.accept_sp()) {
        // SASL-IR (RFC 4959): base64 or "=" for an empty response.
        std::string_view rest = c.rest();
        std::string ir(rest.substr(0, rest.find(' ')));
        c.set_pos(c.pos() + ir.size());
        if (ir.empty()) c.fail("empty initial response");
        for (char ch : ir)
            if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '/' ||
                  ch == '='))
                c.fail("initial response is not base64");
        a.initial_response = std::move(ir);
    }
    c.expect_end();
    return a;
}

LoginCmd parse_login(Cursor& c) {
    LoginCmd l;
    c.sp();
    l.user = c.astring();
    c.sp();
    l.password = c.astring();
    c.expect_end();
    return l;
}

EnableCmd parse_enable(Cursor& c) {
    EnableCmd e;
    do {
        c.sp();
        if (e.capabilities.size() >= 64) c.fail("too many capabilities");
        e.capabilities.push_back(c.upper_atom());
    } while (!c.at_end());
    return e;
}

IdCmd parse_id(Cursor& c) {
    IdCmd id;
    c.sp();
    if (c.accept_word("NIL")) {
        c.expect_end();
        return id;
    }
    c.expect('(', "expected ( or NIL");
    id.fields.emplace();
    if (c.accept(')')) {  // tolerated: some clients send "ID ()"
        c.expect_end();
        return id;
    }
    for (;;) {
        // RFC 2971 3.3: at most 30 pairs; we allow some slack.
        if (id.fields->size() >= 64) c.fail("too many ID fields");
        std::string k = c.string();
        c.sp();
        auto v = c.nstring();
        id.fields->emplace_back(std::move(k), std::move(v));
        if (c.accept(')')) break;
        c.sp();
    }
    c.expect_end();
    return id;
}

SelectCmd parse_select(Cursor& c, bool examine) {
    SelectCmd s;
    s.examine = examine;
    c.sp();
    s.mailbox = c.mailbox();
    if (c.accept_sp()) {
        c.expect('(', "expected select parameters");
        for (;;) {
            std::string p = c.upper_atom();
            if (p == "CONDSTORE") {
                s.condstore = true;
            } else if (p == "QRESYNC") {
                // RFC 7162 3.2.5: QRESYNC (uidvalidity modseq [known-uids] [seq-match-data])
                if (s.qresync) c.fail("QRESYNC given twice");
                QresyncParams q;
                c.sp();
                c.expect('(', "expected ( after QRESYNC");
                q.uid_validity = c.nz_number();
                c.sp();
                q.modseq = c.nz_number64();
                bool seq_match = false;
                if (c.accept_sp()) {
                    if (c.peek() != '(') {
                        q.known_uids = c.sequence_set();
                        if (q.known_uids->saved) c.fail("$ is not allowed in QRESYNC");
                        seq_match = c.accept_sp();
                    } else {
                        seq_match = true;
                    }
                    if (seq_match) {
                        c.expect('(', "expected sequence match data");
                        SequenceSet seqs = c.sequence_set();
                        c.sp();
                        SequenceSet uids = c.sequence_set();
                        if (seqs.saved || uids.saved) c.fail("$ is not allowed in QRESYNC");
                        c.expect(')', "expected ) after sequence match data");
                        q.seq_match.emplace(std::move(seqs), std::move(uids));
                    }
                }
                c.expect(')', "expected ) after QRESYNC parameters");
                s.qresync = std::move(q);
            } else {
                c.fail("unknown SELECT parameter " + p);
            }
            if (c.accept(')')) break;
            c.sp();
        }
    }
    c.expect_end();
    return s;
}

CreateCmd parse_create(Cursor& c) {
    CreateCmd cr;
    c.sp();
    cr.mailbox = c.mailbox();
    if (c.accept_sp()) {
        // RFC 6154 3: CREATE name (USE (\Sent)); RFC 4466 create-param.
        c.expect('(', "expected create parameters");
        for (;;) {
            std::string p = c.upper_atom();
            if (p != "USE") c.fail("unknown CREATE parameter " + p);
            c.sp();
            c.expect('(', "expected ( after USE");
            if (!c.accept(')')) {
                for (;;) {
                    std::string f = c.flag();
                    if (f[0] != '\\') c.fail("special-use attributes start with a backslash");
                    cr.special_use.push_back(std::move(f));
                    if (c.accept(')')) break;
                    c.sp();
                }
            }
            if (c.accept(')')) break;
            c.sp();
        }
    }
    c.expect_end();
    return cr;
}

std::string one_mailbox(Cursor& c) {
    c.sp();
    std::string m = c.mailbox();
    c.expect_end();
    return m;
}

RenameCmd parse_rename(Cursor& c) {
    RenameCmd r;
    c.sp();
    r.from = c.mailbox();
    c.sp();
    r.to = c.mailbox();
    c.expect_end();
    return r;
}

ListCmd parse_list(Cursor& c, bool lsub) {
    ListCmd l;
    l.lsub = lsub;
    c.sp();
    if (!lsub && c.peek() == '(') {
        // RFC 5258 3.1 selection options.
        l.extended = true;
        c.accept('(');
        if (!c.accept(')')) {
            for (;;) {
                std::string o = c.upper_atom();
                if (o == "SUBSCRIBED")
                    l.sel_subscribed = true;
                else if (o == "REMOTE")
                    l.sel_remote = true;
                else if (o == "RECURSIVEMATCH")
                    l.sel_recursivematch = true;
                else if (o == "SPECIAL-USE")
                    l.sel_special_use = true;
                else
                    c.fail("unknown LIST selection option " + o);
                if (c.accept(')')) break;
                c.sp();
            }
        }
        // RFC 5258 3.1: RECURSIVEMATCH alone is an error.
        if (l.sel_recursivematch && !l.sel_subscribed && !l.sel_special_use)
            c.fail("RECURSIVEMATCH needs another selection option");
        c.sp();
    }
    l.reference = c.mailbox();
    c.sp();
    if (!lsub && c.peek() == '(') {
        l.extended = true;
        c.accept('(');
        for (;;) {
            if (l.patterns.size() >= 100) c.fail("too many patterns");
            l.patterns.push_back(c.list_mailbox());
            if (c.accept(')')) break;
            c.sp();
        }
    } else {
        l.patterns.push_back(c.list_mailbox());
    }
    if (!lsub && c.accept_sp()) {
        c.expect_word("RETURN");
        l.extended = true;
        c.sp();
        c.expect('(', "expected ( after RETURN");
        if (!c.accept(')')) {
            for (;;) {
                std::string o = c.upper_atom();
                if (o == "SUBSCRIBED")
                    l.ret_subscribed = true;
                else if (o == "CHILDREN")
                    l.ret_children = true;
                else if (o == "SPECIAL-USE")
                    l.ret_special_use = true;
                else if (o == "MYRIGHTS")
                    l.ret_myrights = true;
                else if (o == "STATUS") {
                    c.sp();
                    l.ret_status = c.status_items();
                } else
                    c.fail("unknown LIST return option " + o);
                if (c.accept(')')) break;
                c.sp();
            }
        }
    }
    c.expect_end();
    return l;
}

StatusCmd parse_status(Cursor& c) {
    StatusCmd s;
    c.sp();
    s.mailbox = c.mailbox();
    c.sp();
    s.items = c.status_items();
    c.expect_end();
    return s;
}

AppendCmd parse_append(Cursor& c) {
    AppendCmd a;
    c.sp();
    a.mailbox = c.mailbox();
    // append-message *(SP append-message) for MULTIAPPEND (RFC 3502).
    while (c.accept_sp()) {
        if (a.messages.size() >= 1000) c.fail("too many messages in one APPEND");
        AppendMessage m;
        if (c.peek() == '(') {
            m.flags = c.flag_list();
            c.sp();
        }
        if (c.peek() == '"') {
            m.date = c.date_time();
            c.sp();
        }
        bool utf8 = false;
        if (c.accept_word("UTF8")) {
            // RFC 6855 4: UTF8 SP "(" literal8 ")".
            utf8 = true;
            c.sp();
            c.expect('(', "expected ( after UTF8");
            if (c.peek() != '~') c.fail("UTF8 data must be a literal8");
        }
        if (!c.at_literal()) c.fail("expected the message as a literal");
        if (!c.literal_available() && c.probe())
            throw LiteralPending{true, a.mailbox, a.messages.size()};
        m.data = c.literal(&m.binary, true, true);
        m.utf8 = utf8;
        if (utf8) c.expect(')', "expected ) after UTF8 data");
        a.messages.push_back(std::move(m));
    }
    if (a.messages.empty()) c.fail("APPEND needs a message");
    c.expect_end();
    return a;
}

SearchCmd parse_search(Cursor& c, bool uid) {
    SearchCmd s;
    s.uid = uid;
    std::size_t save = c.pos();
    if (c.accept_sp()) {
        s.ret = detail::parse_search_return(c, false);
        if (!s.ret) c.set_pos(save);
    }
    save = c.pos();
    if (c.accept_sp() && c.accept_word("CHARSET")) {
        c.sp();
        s.charset = c.astring();
    } else {
        c.set_pos(save);
    }
    s.key = detail::parse_search_keys(c);
    return s;
}

FetchCmd parse_fetch(Cursor& c, bool uid) {
    FetchCmd f;
    f.uid = uid;
    c.sp();
    f.set = c.sequence_set();
    c.sp();
    f.items = detail::parse_fetch_atts(c, true);
    if (c.accept_sp()) {
        // RFC 7162 3.1.4 / 3.2.6: fetch modifiers.
        c.expect('(', "expected fetch modifiers");
        for (;;) {
            std::string m = c.upper_atom();
            if (m == "CHANGEDSINCE") {
                c.sp();
                f.changed_since = c.number64();
            } else if (m == "VANISHED") {
                f.vanished = true;
            } else {
                c.fail("unknown FETCH modifier " + m);
            }
            if (c.accept(')')) break;
            c.sp();
        }
        // RFC 7162 3.2.6: VANISHED only with UID FETCH and CHANGEDSINCE.
        if (f.vanished && (!uid || !f.changed_since))
            c.fail("VANISHED needs UID FETCH and CHANGEDSINCE");
    }
    c.expect_end();
    return f;
}

StoreCmd parse_store(Cursor& c, bool uid) {
    StoreCmd s;
    s.uid = uid;
    c.sp();
    s.set = c.sequence_set();
    c.sp();
    if (c.accept('(')) {
        // RFC 7162 3.1.3: (UNCHANGEDSINCE n)
        c.expect_word("UNCHANGEDSINCE");
        c.sp();
        s.unchanged_since = c.number64();
        c.expect(')', "expected ) after UNCHANGEDSINCE");
        c.sp();
    }
    if (c.accept('+'))
        s.mode = StoreMode::add;
    else if (c.accept('-'))
        s.mode = StoreMode::remove;
    if (c.accept_word("FLAGS.SILENT"))
        s.silent = true;
    else
        c.expect_word("FLAGS");
    c.sp();
    if (c.peek() == '(') {
        s.flags = c.flag_list();
    } else {
        for (;;) {
            if (s.flags.size() >= 1000) c.fail("too many flags");
            s.flags.push_back(c.flag());
            if (!c.accept_sp()) break;
        }
    }
    c.expect_end();
    return s;
}

CopyCmd parse_copy(Cursor& c, bool uid, bool move) {
    CopyCmd cp;
    cp.uid = uid;
    cp.move = move;
    c.sp();
    cp.set = c.sequence_set();
    c.sp();
    cp.mailbox = c.mailbox();
    c.expect_end();
    return cp;
}

SortCmd parse_sort(Cursor& c, bool uid) {
    SortCmd s;
    s.uid = uid;
    c.sp();
    s.ret = detail::parse_search_return(c, true);
    if (s.ret) c.sp();
    c.expect('(', "expected sort criteria");
    for (;;) {
        SortCriterion cr;
        if (c.accept_word("REVERSE")) {
            cr.reverse = true;
            c.sp();
        }
        std::string k = c.upper_atom();
        if (k == "ARRIVAL")
            cr.key = SortKey::arrival;
        else if (k == "CC")
            cr.key = SortKey::cc;
        else if (k == "DATE")
            cr.key = SortKey::date;
        else if (k == "FROM")
            cr.key = SortKey::from;
        else if (k == "SIZE")
            cr.key = SortKey::size;
        else if (k == "SUBJECT")
            cr.key = SortKey::subject;
        else if (k == "TO")
            cr.key = SortKey::to;
        else if (k == "DISPLAYFROM")
            cr.key = SortKey::display_from;
        else if (k == "DISPLAYTO")
            cr.key = SortKey::display_to;
        else
            c.fail("unknown sort key " + k);
        if (s.criteria.size() >= 32) c.fail("too many sort criteria");
        s.criteria.push_back(cr);
        if (c.accept(')')) break;
        c.sp();
    }
    c.sp();
    s.charset = c.astring();
    s.key = detail::parse_search_keys(c);
    return s;
}

ThreadCmd parse_thread(Cursor& c, bool uid) {
    ThreadCmd t;
    t.uid = uid;
    c.sp();
    t.algorithm = c.upper_atom();
    c.sp();
    t.charset = c.astring();
    t.key = detail::parse_search_keys(c);
    return t;
}

std::vector<std::string> entries(Cursor& c) {
    std::vector<std::string> out;
    if (c.accept('(')) {
        for (;;) {
            if (out.size() >= 1000) c.fail("too many entries");
            out.push_back(c.astring());
            if (c.accept(')')) return out;
            c.sp();
        }
    }
    out.push_back(c.astring());
    return out;
}

GetMetadataCmd parse_getmetadata(Cursor& c) {
    GetMetadataCmd g;
    c.sp();
    if (c.accept('(')) {
        // RFC 5464 4.2: (MAXSIZE n) (DEPTH 0/1/infinity)
        for (;;) {
            std::string o = c.upper_atom();
            c.sp();
            if (o == "MAXSIZE") {
                g.max_size = c.number();
            } else if (o == "DEPTH") {
                if (c.accept_word("INFINITY"))
                    g.depth = -1;
                else {
                    uint32_t d = c.number();
                    if (d > 1) c.fail("DEPTH is 0, 1 or infinity");
                    g.depth = static_cast<int>(d);
                }
            } else {
                c.fail("unknown GETMETADATA option " + o);
            }
            if (c.accept(')')) break;
            c.sp();
        }
        c.sp();
    }
    g.mailbox = c.mailbox();
    c.sp();
    g.entries = entries(c);
    c.expect_end();
    return g;
}

SetMetadataCmd parse_setmetadata(Cursor& c) {
    SetMetadataCmd s;
    c.sp();
    s.mailbox = c.mailbox();
    c.sp();
    c.expect('(', "expected ( and entry values");
    for (;;) {
        if (s.entries.size() >= 1000) c.fail("too many entries");
        std::string e = c.astring();
        c.sp();
        std::optional<std::string> v;
        if (c.peek() == '~')
            v = c.literal(nullptr, true);
        else
            v = c.nstring();
        s.entries.emplace_back(std::move(e), std::move(v));
        if (c.accept(')')) break;
        c.sp();
    }
    c.expect_end();
    return s;
}

std::vector<std::string> one_or_more_mailbox(Cursor& c) {
    std::vector<std::string> out;
    if (c.accept('(')) {
        for (;;) {
            if (out.size() >= 1000) c.fail("too many mailboxes");
            out.push_back(c.mailbox());
            if (c.accept(')')) return out;
            c.sp();
        }
    }
    out.push_back(c.mailbox());
    return out;
}

NotifyCmd parse_notify(Cursor& c) {
    NotifyCmd n;
    c.sp();
    if (c.accept_word("NONE")) {
        n.none = true;
        c.expect_end();
        return n;
    }
    c.expect_word("SET");
    if (c.peek() == ' ' && c.peek_at(1) != '(') {
        c.sp();
        c.expect_word("STATUS");
        n.status = true;
    }
    do {
        c.sp();
        if (n.groups.size() >= 100) c.fail("too many event groups");
        c.expect('(', "expected an event group");
        NotifyGroup g;
        std::string f = c.upper_atom();
        using F = NotifyGroup::Filter;
        if (f == "SELECTED")
            g.filter = F::selected;
        else if (f == "SELECTED-DELAYED")
            g.filter = F::selected_delayed;
        else if (f == "INBOXES")
            g.filter = F::inboxes;
        else if (f == "PERSONAL")
            g.filter = F::personal;
        else if (f == "SUBSCRIBED")
            g.filter = F::subscribed;
        else if (f == "SUBTREE" || f == "MAILBOXES") {
            g.filter = f == "SUBTREE" ? F::subtree : F::mailboxes;
            c.sp();
            g.mailboxes = one_or_more_mailbox(c);
        } else
            c.fail("unknown NOTIFY filter " + f);
        c.sp();
        if (c.accept_word("NONE")) {
            g.none = true;
        } else {
            c.expect('(', "expected events");
            for (;;) {
                if (g.events.size() >= 32) c.fail("too many events");
                NotifyEvent e;
                e.name = c.atom();
                if (c.peek() == ' ' && c.peek_at(1) == '(') {
                    c.sp();
                    e.fetch_items = detail::parse_fetch_atts(c, false);
                }
                g.events.push_back(std::move(e));
                if (c.accept(')')) break;
                c.sp();
            }
        }
        c.expect(')', "expected ) after the event group");
        n.groups.push_back(std::move(g));
    } while (!c.at_end());
    return n;
}

CommandBody parse_body(Cursor& c, Command& cmd) {
    std::string name = c.upper_atom();
    if (name == "UID") {
        cmd.uid = true;
        c.sp();
        std::string sub = c.upper_atom();
        if (sub == "FETCH") return cmd.id = CommandId::fetch, parse_fetch(c, true);
        if (sub == "SEARCH") return cmd.id = CommandId::search, parse_search(c, true);
        if (sub == "STORE") return cmd.id = CommandId::store, parse_store(c, true);
        if (sub == "COPY") return cmd.id = CommandId::copy, parse_copy(c, true, false);
        if (sub == "MOVE") return cmd.id = CommandId::move, parse_copy(c, true, true);
        if (sub == "EXPUNGE") {
            cmd.id = CommandId::uid_expunge;
            ExpungeCmd e;
            c.sp();
            e.uids = c.sequence_set();
            c.expect_end();
            return e;
        }
        if (sub == "SORT") return cmd.id = CommandId::sort, parse_sort(c, true);
        if (sub == "THREAD") return cmd.id = CommandId::thread, parse_thread(c, true);
        c.fail("unknown UID command " + sub);
    }
    struct NoArg {
        const char* name;
        CommandId id;
    };
    static constexpr NoArg kNoArgs[] = {
        {"CAPABILITY", CommandId::capability}, {"NOOP", CommandId::noop},
        {"LOGOUT", CommandId::logout},         {"STARTTLS", CommandId::starttls},
        {"CHECK", CommandId::check},           {"CLOSE", CommandId::close},
        {"UNSELECT", CommandId::unselect},     {"IDLE", CommandId::idle},
        {"NAMESPACE", CommandId::namespace_},  {"EXPUNGE", CommandId::expunge},
    };
    for (const auto& n : kNoArgs) {
        if (name != n.name) continue;
        cmd.id = n.id;
        no_args(c);
        switch (n.id) {
            case CommandId::capability:
                return CapabilityCmd{};
            case CommandId::noop:
                return NoopCmd{};
            case CommandId::logout:
                return LogoutCmd{};
            case CommandId::starttls:
                return StartTlsCmd{};
            case CommandId::check:
                return CheckCmd{};
            case CommandId::close:
                return CloseCmd{};
            case CommandId::unselect:
                return UnselectCmd{};
            case CommandId::idle:
                return IdleCmd{};
            case CommandId::namespace_:
                return NamespaceCmd{};
            default:
                return ExpungeCmd{};
        }
    }
    if (name == "AUTHENTICATE") return cmd.id = CommandId::authenticate, parse_authenticate(c);
    if (name == "LOGIN") return cmd.id = CommandId::login, parse_login(c);
    if (name == "ENABLE") return cmd.id = CommandId::enable, parse_enable(c);
    if (name == "ID") return cmd.id = CommandId::id, parse_id(c);
    if (name == "SELECT") return cmd.id = CommandId::select, parse_select(c, false);
    if (name == "EXAMINE") return cmd.id = CommandId::examine, parse_select(c, true);
    if (name == "CREATE") return cmd.id = CommandId::create, parse_create(c);
    if (name == "DELETE") return cmd.id = CommandId::delete_, DeleteCmd{one_mailbox(c)};
    if (name == "RENAME") return cmd.id = CommandId::rename, parse_rename(c);
    if (name == "SUBSCRIBE")
        return cmd.id = CommandId::subscribe, SubscribeCmd{one_mailbox(c), true};
    if (name == "UNSUBSCRIBE")
        return cmd.id = CommandId::unsubscribe, SubscribeCmd{one_mailbox(c), false};
    if (name == "LIST") return cmd.id = CommandId::list, parse_list(c, false);
    if (name == "LSUB") return cmd.id = CommandId::lsub, parse_list(c, true);
    if (name == "STATUS") return cmd.id = CommandId::status, parse_status(c);
    if (name == "APPEND") return cmd.id = CommandId::append, parse_append(c);
    if (name == "SEARCH") return cmd.id = CommandId::search, parse_search(c, false);
    if (name == "FETCH") return cmd.id = CommandId::fetch, parse_fetch(c, false);
    if (name == "STORE") return cmd.id = CommandId::store, parse_store(c, false);
    if (name == "COPY") return cmd.id = CommandId::copy, parse_copy(c, false, false);
    if (name == "MOVE") return cmd.id = CommandId::move, parse_copy(c, false, true);
    if (name == "SORT") return cmd.id = CommandId::sort, parse_sort(c, false);
    if (name == "THREAD") return cmd.id = CommandId::thread, parse_thread(c, false);
    if (name == "SETACL") {
        cmd.id = CommandId::setacl;
        SetAclCmd s;
        c.sp();
        s.mailbox = c.mailbox();
        c.sp();
        s.identifier = c.astring();
        c.sp();
        s.rights = c.astring();
        c.expect_end();
        return s;
    }
    if (name == "DELETEACL" || name == "LISTRIGHTS") {
        c.sp();
        std::string mb = c.mailbox();
        c.sp();
        std::string ident = c.astring();
        c.expect_end();
        if (name == "DELETEACL") return cmd.id = CommandId::deleteacl, DeleteAclCmd{mb, ident};
        return cmd.id = CommandId::listrights, ListRightsCmd{mb, ident};
    }
    if (name == "GETACL") return cmd.id = CommandId::getacl, GetAclCmd{one_mailbox(c)};
    if (name == "MYRIGHTS") return cmd.id = CommandId::myrights, MyRightsCmd{one_mailbox(c)};
    if (name == "GETQUOTA") return cmd.id = CommandId::getquota, GetQuotaCmd{one_mailbox(c)};
    if (name == "GETQUOTAROOT")
        return cmd.id = CommandId::getquotaroot, GetQuotaRootCmd{one_mailbox(c)};
    if (name == "SETQUOTA") {
        cmd.id = CommandId::setquota;
        SetQuotaCmd s;
        c.sp();
        s.root = c.astring();
        c.sp();
        c.expect('(', "expected ( and quota limits");
        if (!c.accept(')')) {
            for (;;) {
                if (s.limits.size() >= 32) c.fail("too many quota resources");
                std::string r = c.upper_atom();
                c.sp();
                uint64_t v = c.number64();
                s.limits.emplace_back(std::move(r), v);
                if (c.accept(')')) break;
                c.sp();
            }
        }
        c.expect_end();
        return s;
    }
    if (name == "GETMETADATA") return cmd.id = CommandId::getmetadata, parse_getmetadata(c);
    if (name == "SETMETADATA") return cmd.id = CommandId::setmetadata, parse_setmetadata(c);
    if (name == "NOTIFY") return cmd.id = CommandId::notify, parse_notify(c);
    if (name == "COMPRESS") {
        cmd.id = CommandId::compress;
        c.sp();
        CompressCmd z{c.upper_atom()};
        c.expect_end();
        return z;
    }
    c.fail("unknown command " + name);
}

}  // namespace

ParseResult parse_command(std::string_view text, std::vector<std::string>& literals,
                          int max_depth) {
    ParseResult r;
    Cursor c(text, &literals, max_depth, false);
    try {
        std::string tag = c.tag();
        if (!c.at_end() && c.peek() != ' ') c.fail("invalid tag");
        r.tag = std::move(tag);
        c.sp();
        Command cmd;
        cmd.tag = r.tag;
        cmd.body = parse_body(c, cmd);
        if (c.literal_index() != literals.size()) c.fail("unexpected literal");
        r.command = std::move(cmd);
    } catch (const detail::SyntaxError& e) {
        r.error = e.message;
    } catch (const LiteralPending&) {
        r.error = "literal data missing";
    }
    return r;
}

LiteralProbe probe_literal(std::string_view text, const std::vector<std::string>& literals,
                           int max_depth) {
    LiteralProbe p;
    // The probe never moves out of `literals` (Cursor::take_literal).
    auto& lits = const_cast<std::vector<std::string>&>(literals);
    Cursor c(text, &lits, max_depth, true);
    Command cmd;
    try {
        std::string tag = c.tag();
        if (!c.at_end() && c.peek() != ' ') c.fail("invalid tag");
        p.tag = std::move(tag);
        c.sp();
        cmd.tag = p.tag;
        parse_body(c, cmd);
        // The whole text parsed without reaching the literal: the
        // announcement sits where no literal may be.
        p.kind = LiteralProbe::Kind::error;
        p.error = "unexpected literal";
    } catch (const detail::SyntaxError& e) {
        p.kind = LiteralProbe::Kind::error;
        p.error = e.message;
    } catch (const LiteralPending& lp) {
        p.kind = LiteralProbe::Kind::pending;
        p.is_message = lp.is_message;
        p.mailbox = lp.mailbox;
        p.message_index = lp.message_index;
    }
    p.command = cmd.id;
    return p;
}

}  // namespace postamt::imap
