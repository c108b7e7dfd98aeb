#pragma once
// A simulated bank branch: the account service, the virtual card reader with its library of
// cards, the virtual PIN pad, and the kiosk itself running as a child process whose libusb
// sees the virtual devices through umockdev. Scenarios and the control panel act on it.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simulator/bank/account_service.h"
#include "simulator/cards/card_profile.h"
#include "simulator/devices/virtual_ccid_reader.h"
#include "simulator/devices/virtual_epp.h"
#include "simulator/script/runner.h"
#include "simulator/usb/virtual_usb_bus.h"

namespace simulator::app {

struct BranchOptions {
    std::filesystem::path out_directory;
    std::filesystem::path kiosk_binary;
    std::filesystem::path demo_cards;
    bool headless = true;
    bool record_audio = false;
    bool fresh_database = true;
    std::vector<std::string> extra_kiosk_arguments;
};

class Branch : public script::Hardware {
  public:
    // Starts the services and devices; the kiosk starts with start_kiosk().
    static std::expected<std::unique_ptr<Branch>, std::string> open(BranchOptions options);
    ~Branch() override;

    std::expected<void, std::string> start_kiosk();
    // Asks the kiosk to stop (SIGTERM) and waits for it; returns its exit status.
    int stop_kiosk();

    std::filesystem::path transcript_path() const;
    std::filesystem::path kiosk_log_path() const;
    std::vector<std::string> card_names() const;

    std::expected<void, std::string> insert_card(const std::string& name) override;
    std::expected<void, std::string> remove_card() override;
    std::expected<void, std::string> press_key(base::Key key) override;
    std::expected<void, std::string> type_pin(const std::string& digits) override;
    std::expected<void, std::string> set_headphones(bool plugged) override;
    std::expected<void, std::string> set_fault(const std::string& service,
                                               const std::string& mode) override;
    bool kiosk_running() override;

  private:
    explicit Branch(BranchOptions options, cards::CardLibrary cards);
    // Waits until the pad is in `mode` (for idle: until it has left idle, that is until the
    // kiosk has set it up).
    std::expected<void, std::string> wait_for_pin_pad(drivers::epp::PadMode mode,
                                                      std::string_view waiting_for);

    BranchOptions m_options;
    cards::CardLibrary m_cards;
    std::filesystem::path m_tls_certificate;
    std::unique_ptr<bank::AccountService> m_account_service;
    std::unique_ptr<usb::VirtualUsbBus> m_bus;
    std::shared_ptr<devices::VirtualCcidReader> m_reader;
    std::shared_ptr<devices::VirtualEpp> m_pin_pad;
    pid_t m_kiosk = -1;
    std::optional<int> m_kiosk_status;
};

}  // namespace simulator::app
