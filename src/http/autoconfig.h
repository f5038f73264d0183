#pragma once
// The autoconfiguration routes (Service::autoconfig), for any Host (also
// autoconfig.<domain> and autodiscover.<domain>), docs/autoconfig.md:
//   GET  /.well-known/autoconfig/mail/config-v1.1.xml[?emailaddress=]  Thunderbird
//   GET  /mail/config-v1.1.xml?emailaddress=                           Thunderbird (ISP lookup)
//   POST /autodiscover/autodiscover.xml                                Outlook (POX)
//   GET  /autodiscover/autodiscover.json[/v1.0/<address>]?Protocol=    Outlook (v2, points to POX)
//   GET  /setup[?emailaddress=]                                        the settings page
//   GET  /setup/mobileconfig?emailaddress=                             Apple profile
// Addresses of domains the store does not serve get 404; any address of a
// served domain gets the same settings (existence of users is not revealed).
#include <memory>
#include <vector>

#include "http/mail_settings.h"
#include "http/router.h"

namespace postamt::store {
class Store;
}

namespace postamt::http {

std::vector<Route> autoconfig_routes(MailSettings settings, std::shared_ptr<store::Store> store);

}  // namespace postamt::http
