#pragma once

// The slips the kiosk prints, as core::PrintDocument: the words come from the catalogs, so a
// slip is checked in a flow test like a screen.

#include <string_view>

#include "kiosk/core/branch.h"
#include "kiosk/core/print_document.h"
#include "kiosk/core/resources.h"

namespace kiosk::core {

// A queue ticket in Chinese and English (docs/service-standards.md): the number large, the
// business, people ahead and the wait, what to bring, and a QR code of the ticket ("TICKET
// A023 <id>": nothing personal). The Chinese is the customer's own variety when they chose one
// (traditional for zh-HK), else the kiosk's.
PrintDocument ticket_slip(const Resources& resources, const Ticket& ticket,
                          const Business& business, std::string_view locale);

// The service menu's test slip, in the engineer's language: the bank's name, every print size,
// both alignments, bold, rules, a line of simplified and traditional Chinese and of English,
// and a QR code ("TEST SLIP"), with the engineer's staff number; nothing of any customer.
PrintDocument test_slip(const Resources& resources, std::string_view engineer_id,
                        std::string_view locale);

}  // namespace kiosk::core
