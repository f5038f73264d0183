#pragma once
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.h"

namespace postamt::store::testing {

// Runs an asynchronous store call and waits: SYNC(Domain, s.add_domain("x", cb)).
#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

template <class T>
T must(Result<T> r) {
    if (!r.ok()) {
        ADD_FAILURE() << "store call failed: " << errc_name(r.error().code) << ": " << r.error().message;
        throw std::runtime_error(r.error().message);
    }
    return std::move(r).value();
}

inline std::string temp_dir(const std::string& tag) {
    static std::atomic<int> n{0};
    std::random_device rd;
    auto p = std::filesystem::temp_directory_path() /
             ("postamt-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" +
              std::to_string(rd()));
    std::filesystem::create_directories(p);
    return p.string();
}

inline std::string sample_message(const std::string& subject, const std::string& body = "Hello.\r\n") {
    return "From: Alice <alice@example.net>\r\nTo: bob@example.org\r\nSubject: " + subject +
           "\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject +
           "@example.net>\r\n\r\n" + body;
}

class StoreFixture : public ::testing::Test {
protected:
    void SetUp() override {
        dir = temp_dir("store");
        reopen();
        must(SYNC(Domain, store->add_domain("example.org", cb)));
        bob = must(SYNC(Account, store->add_account(NewAccount{"bob@example.org", {}, 0, 0}, cb)));
        inbox = *must(SYNC(std::optional<Mailbox>, store->get_mailbox(bob.id, "INBOX", cb)));
    }
    void TearDown() override {
        if (store) store->close();
        store.reset();
        std::filesystem::remove_all(dir);
    }
    void reopen() {
        if (store) store->close();
        store.reset();
        StoreOptions o;
        o.data_dir = dir;
        o.min_free_bytes = 0;
        store = must(Store::open(o));
    }
    std::vector<DeliveredCopy> deliver(const std::string& data, std::vector<DeliveryTarget> targets) {
        NewMessage m;
        m.data = data;
        m.targets = std::move(targets);
        return must(SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb)));
    }
    DeliveredCopy deliver_one(const std::string& data, AccountId acct, MailboxId mb = 0, Flags f = {}) {
        auto r = deliver(data, {DeliveryTarget{acct, mb, f}});
        EXPECT_EQ(r.size(), 1u);
        return r.at(0);
    }
    Mailbox mailbox(AccountId a, const std::string& name) {
        return *must(SYNC(std::optional<Mailbox>, store->get_mailbox(a, name, cb)));
    }
    Account account(AccountId a) { return *must(SYNC(std::optional<Account>, store->get_account(a, cb))); }
    std::vector<MessageRow> rows(MailboxId mb) {
        return must(SYNC(std::vector<MessageRow>, store->fetch_rows(mb, {}, cb)));
    }
    std::string blob(const MessageRow& r) { return must(SYNC(std::string, store->read_blob(r.blob, 0, -1, cb))); }

    std::string dir;
    std::shared_ptr<Store> store;
    Account bob;
    Mailbox inbox;
};

}  // namespace postamt::store::testing
