#include "imap/command_table.h"

#include <array>

namespace postamt::imap {
namespace {

constexpr std::size_t kCount = static_cast<std::size_t>(CommandId::count_);

constexpr CommandSpec spec(CommandId id, uint8_t states, bool block_expunge = false,
                           bool updates = true) {
    return CommandSpec{id, states, block_expunge, updates};
}

constexpr std::array<CommandSpec, kCount> make_table() {
    using C = CommandId;
    std::array<CommandSpec, kCount> t{};
    auto set = [&t](CommandSpec s) { t[static_cast<std::size_t>(s.id)] = s; };
    set(spec(C::capability, kAnyState));
    set(spec(C::noop, kAnyState));
    set(spec(C::logout, kAnyState, false, false));
    set(spec(C::starttls, kNotAuthenticated, false, false));
    set(spec(C::authenticate, kNotAuthenticated, false, false));
    set(spec(C::login, kNotAuthenticated, false, false));
    set(spec(C::enable, kLoggedIn));
    set(spec(C::id, kAnyState));
    set(spec(C::select, kLoggedIn, false, false));
    set(spec(C::examine, kLoggedIn, false, false));
    set(spec(C::create, kLoggedIn));
    set(spec(C::delete_, kLoggedIn));
    set(spec(C::rename, kLoggedIn));
    set(spec(C::subscribe, kLoggedIn));
    set(spec(C::unsubscribe, kLoggedIn));
    set(spec(C::list, kLoggedIn));
    set(spec(C::lsub, kLoggedIn));
    set(spec(C::namespace_, kLoggedIn));
    set(spec(C::status, kLoggedIn));
    set(spec(C::append, kLoggedIn));
    set(spec(C::check, kSelected));
    set(spec(C::close, kSelected, false, false));
    set(spec(C::unselect, kSelected, false, false));
    set(spec(C::expunge, kSelected));
    set(spec(C::uid_expunge, kSelected));
    set(spec(C::search, kSelected, true));
    set(spec(C::fetch, kSelected, true));
    set(spec(C::store, kSelected, true));
    set(spec(C::copy, kSelected));
    set(spec(C::move, kSelected));
    set(spec(C::idle, kLoggedIn));
    set(spec(C::sort, kSelected, true));
    set(spec(C::thread, kSelected, true));
    set(spec(C::setacl, kLoggedIn));
    set(spec(C::deleteacl, kLoggedIn));
    set(spec(C::getacl, kLoggedIn));
    set(spec(C::listrights, kLoggedIn));
    set(spec(C::myrights, kLoggedIn));
    set(spec(C::getquota, kLoggedIn));
    set(spec(C::getquotaroot, kLoggedIn));
    set(spec(C::setquota, kLoggedIn));
    set(spec(C::getmetadata, kLoggedIn));
    set(spec(C::setmetadata, kLoggedIn));
    set(spec(C::notify, kLoggedIn));
    set(spec(C::compress, kLoggedIn, false, false));
    return t;
}

constexpr auto kTable = make_table();

}  // namespace

const CommandSpec& command_spec(CommandId id) { return kTable[static_cast<std::size_t>(id)]; }

}  // namespace postamt::imap
