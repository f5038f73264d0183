// CommandId -> executor. Commands parsed but without an executor here are
// answered "BAD Command not supported" by the runner.
#include <array>

#include "imap/executors.h"

namespace postamt::imap {
namespace {

constexpr std::size_t kCount = static_cast<std::size_t>(CommandId::count_);

std::array<Executor, kCount> make_table() {
    std::array<Executor, kCount> t{};
    auto set = [&t](CommandId id, Executor e) { t[static_cast<std::size_t>(id)] = e; };
    using C = CommandId;
    set(C::capability, exec_capability);
    set(C::noop, exec_noop);
    set(C::logout, exec_logout);
    set(C::id, exec_id);
    set(C::enable, exec_enable);
    set(C::namespace_, exec_namespace);
    set(C::starttls, exec_starttls);
    set(C::login, exec_login);
    set(C::authenticate, exec_authenticate);
    set(C::create, exec_create);
    set(C::delete_, exec_delete);
    set(C::rename, exec_rename);
    set(C::subscribe, exec_subscribe);
    set(C::unsubscribe, exec_subscribe);
    set(C::list, exec_list);
    set(C::lsub, exec_list);
    set(C::status, exec_status);
    set(C::select, exec_select);
    set(C::examine, exec_select);
    set(C::close, exec_close);
    set(C::unselect, exec_unselect);
    set(C::check, exec_check);
    set(C::append, exec_append);
    set(C::expunge, exec_expunge);
    set(C::uid_expunge, exec_expunge);
    set(C::fetch, exec_fetch);
    set(C::store, exec_store);
    set(C::copy, exec_copy);
    set(C::move, exec_copy);
    set(C::search, exec_search);
    set(C::idle, exec_idle);
    set(C::sort, exec_sort);
    set(C::thread, exec_thread);
    set(C::getquota, exec_getquota);
    set(C::getquotaroot, exec_getquotaroot);
    set(C::setquota, exec_setquota);
    set(C::setacl, exec_setacl);
    set(C::deleteacl, exec_deleteacl);
    set(C::getacl, exec_getacl);
    set(C::listrights, exec_listrights);
    set(C::myrights, exec_myrights);
    set(C::getmetadata, exec_getmetadata);
    set(C::setmetadata, exec_setmetadata);
    set(C::compress, exec_compress);
    set(C::notify, exec_notify);
    return t;
}

const std::array<Executor, kCount> kExecutors = make_table();

}  // namespace

Executor executor_for(CommandId id) { return kExecutors[static_cast<std::size_t>(id)]; }

}  // namespace postamt::imap
