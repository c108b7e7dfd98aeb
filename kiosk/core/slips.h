#pragma once

// The slips the kiosk prints, as core::PrintDocument: the words come from the catalogs, so a
// slip is checked in a flow test like a screen.

#include <string_view>

#include "kiosk/core/branch.h"
#include "kiosk/core/engineer.h"
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

// A new engineer's set-up slip (the service menu's enrolment), in the administrator's language:
// the staff number and role, a QR code of the otpauth:// URI for their authenticator app and
// the key in Base32 for typing instead (both PrintEnrolmentSecret, put in place by the shell:
// the flow never holds the secret), and to keep the slip to themselves and shred it once the
// app shows codes.
PrintDocument enrolment_slip(const Resources& resources, std::string_view engineer_id,
                             EngineerRole role, std::string_view locale);

}  // namespace kiosk::core
