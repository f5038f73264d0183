// SASL PLAIN, RFC 4616 section 2:
//   message = [authzid] UTF8NUL authcid UTF8NUL passwd
// No proxy authentication: authzid must be empty or equal to authcid.
#include "auth/sasl.h"

namespace postamt::auth {
namespace {

class PlainMechanism final : public SaslMechanism {
public:
    std::string_view name() const override { return "PLAIN"; }

    Step start(std::optional<std::string_view> initial) override {
        if (state_ != State::initial) return out_of_order();
        state_ = State::want_message;
        if (!initial) return Step::make_challenge("");  // RFC 4616 2: empty challenge
        return step(*initial);
    }

    Step step(std::string_view msg) override {
        if (state_ != State::want_message) return out_of_order();
        state_ = State::want_verdict;
        if (msg.size() > kMaxSaslMessage)
            return finish(Step::make_failure(SaslFailure::too_long, "message_too_long"));
        auto nul1 = msg.find('\0');
        if (nul1 == std::string_view::npos)
            return finish(Step::make_failure(SaslFailure::malformed, "missing_nul"));
        auto nul2 = msg.find('\0', nul1 + 1);
        if (nul2 == std::string_view::npos)
            return finish(Step::make_failure(SaslFailure::malformed, "missing_nul"));
        if (msg.find('\0', nul2 + 1) != std::string_view::npos)
            return finish(Step::make_failure(SaslFailure::malformed, "extra_field"));
        std::string_view authzid = msg.substr(0, nul1);
        std::string_view authcid = msg.substr(nul1 + 1, nul2 - nul1 - 1);
        std::string_view passwd = msg.substr(nul2 + 1);
        if (authcid.empty()) return finish(Step::make_failure(SaslFailure::malformed, "empty_authcid"));
        if (passwd.empty()) return finish(Step::make_failure(SaslFailure::malformed, "empty_password"));
        if (!is_valid_utf8(authcid) || !is_valid_utf8(authzid))
            return finish(Step::make_failure(SaslFailure::malformed, "invalid_utf8"));
        if (!authzid.empty() && authzid != authcid)
            return finish(Step::make_failure(SaslFailure::authz_denied, "authzid_differs"));
        login_ = std::string(authcid);
        return Step::make_need(CredentialKind::password, login_, std::string(passwd));
    }

    Step resume_password(bool verified) override {
        if (state_ != State::want_verdict || finished()) return out_of_order();
        state_ = State::done;
        if (!verified) return finish(Step::make_failure(SaslFailure::bad_credentials, "bad_password"));
        return finish(Step::make_success(login_));
    }

private:
    enum class State { initial, want_message, want_verdict, done };
    State state_ = State::initial;
    std::string login_;
};

}  // namespace

std::unique_ptr<SaslMechanism> make_plain_mechanism() { return std::make_unique<PlainMechanism>(); }

}  // namespace postamt::auth
