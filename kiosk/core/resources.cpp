#include "kiosk/core/resources.h"

namespace kiosk::core {

const Catalog& Resources::catalog(std::string_view locale) const {
    static const Catalog k_empty_catalog;
    const auto found = catalogs.find(locale);
    return found == catalogs.end() ? k_empty_catalog : found->second;
}

const Lexicon& Resources::lexicon(std::string_view locale) const {
    static const Lexicon k_empty_lexicon;
    const auto found = lexicons.find(locale);
    return found == lexicons.end() ? k_empty_lexicon : found->second;
}

}  // namespace kiosk::core
