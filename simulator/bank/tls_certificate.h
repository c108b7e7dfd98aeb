#pragma once

// A throwaway TLS identity for the simulated service, so that the kiosk's HTTPS path (the one
// a branch uses) runs in the simulator and in tests too.

#include <expected>
#include <filesystem>
#include <string>

#include "simulator/bank/bank_error.h"

namespace simulator::bank {

struct TlsFiles {
    std::filesystem::path certificate;  // PEM; also the CA file the kiosk trusts
    std::filesystem::path private_key;  // PEM, unencrypted, mode 0600
};

// How long the generated certificate is valid: a simulator run or a test, never longer.
inline constexpr long k_loopback_certificate_days = 2;

// Creates a self-signed P-256 certificate for 127.0.0.1 and localhost in `directory`
// (service.crt, service.key), named `common_name` (tests make a second, rival authority).
std::expected<TlsFiles, base::Error<BankError>> create_loopback_certificate(
    const std::filesystem::path& directory,
    const std::string& common_name = "kiosk-sim account service");

}  // namespace simulator::bank
