// SASL LOGIN (draft-murchison-sasl-login, never an RFC): the server asks
// "Username:" then "Password:"; each answer is one base64 line. An initial
// response, when a client sends one, is taken as the username.
#include "auth/sasl.h"

namespace postamt::auth {
namespace {

class LoginMechanism final : public SaslMechanism {
public:
    std::string_view name() const override { return "LOGIN"; }

    Step start(std::optional<std::string_view> initial) override {
        if (state_ != State::initial) return out_of_order();
        state_ = State::want_user;
        if (!initial) return Step::make_challenge("Username:");
        return step(*initial);
    }

    Step step(std::string_view data) override {
        if (data.size() > kMaxSaslMessage)
            return fail(SaslFailure::too_long, "message_too_long");
        switch (state_) {
            case State::want_user:
                if (data.empty()) return fail(SaslFailure::malformed, "empty_username");
                if (data.find('\0') != std::string_view::npos || !is_valid_utf8(data))
                    return fail(SaslFailure::malformed, "invalid_username");
                login_ = std::string(data);
                state_ = State::want_password;
                return Step::make_challenge("Password:");
            case State::want_password:
                if (data.empty()) return fail(SaslFailure::malformed, "empty_password");
                if (data.find('\0') != std::string_view::npos)
                    return fail(SaslFailure::malformed, "invalid_password");
                state_ = State::want_verdict;
                return Step::make_need(CredentialKind::password, login_, std::string(data));
            default:
                return out_of_order();
        }
    }

    Step resume_password(bool verified) override {
        if (state_ != State::want_verdict) return out_of_order();
        state_ = State::done;
        if (!verified) return finish(Step::make_failure(SaslFailure::bad_credentials, "bad_password"));
        return finish(Step::make_success(login_));
    }

private:
    enum class State { initial, want_user, want_password, want_verdict, done };
    Step fail(SaslFailure f, const char* reason) {
        state_ = State::done;
        return finish(Step::make_failure(f, reason));
    }
    State state_ = State::initial;
    std::string login_;
};

}  // namespace

std::unique_ptr<SaslMechanism> make_login_mechanism() { return std::make_unique<LoginMechanism>(); }

}  // namespace postamt::auth
