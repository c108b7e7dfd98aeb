#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "kiosk/core/catalog.h"
#include "kiosk/core/lexicon.h"
#include "kiosk/core/policy.h"

namespace kiosk::core {

// Everything the flows need that comes from outside the core: the message catalogs and speech
// lexicons per locale (loaded by kiosk::resources::load_resources) and the policy numbers.
struct Resources {
    std::string default_locale = std::string(policy::k_default_locale);
    std::map<std::string, Catalog, std::less<>> catalogs;
    std::map<std::string, Lexicon, std::less<>> lexicons;
    Policy policy;

    bool has_locale(std::string_view locale) const { return catalogs.contains(locale); }
    // An empty catalog for an unknown locale, so that every message shows its missing marker.
    const Catalog& catalog(std::string_view locale) const;
    // An empty lexicon for a locale without one.
    const Lexicon& lexicon(std::string_view locale) const;
};

}  // namespace kiosk::core
