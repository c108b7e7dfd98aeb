#include "kiosk/core/resources.h"

namespace kiosk::core {

const Catalog& Resources::catalog(std::string_view locale) const {
    static const Catalog empty_catalog;
    const auto found = catalogs.find(locale);
    return found == catalogs.end() ? empty_catalog : found->second;
}

const Lexicon& Resources::lexicon(std::string_view locale) const {
    static const Lexicon empty_lexicon;
    const auto found = lexicons.find(locale);
    return found == lexicons.end() ? empty_lexicon : found->second;
}

}  // namespace kiosk::core
