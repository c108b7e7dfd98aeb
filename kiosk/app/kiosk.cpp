#include "kiosk/app/kiosk.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <string_view>

#include "base/overloaded.h"
#include "kiosk/app/config_update.h"
#include "kiosk/app/out_of_service_file.h"
#include "kiosk/core/screens.h"
#include "kiosk/devices/cabinet_service.h"
#include "kiosk/devices/card_reader_service.h"
#include "kiosk/devices/dispenser_service.h"
#include "kiosk/devices/pin_pad_service.h"
#include "kiosk/devices/printer_service.h"
#include "kiosk/net/account_client.h"
#include "kiosk/net/queue_client.h"
#include "kiosk/net/random_uuid.h"
#include "kiosk/speech/speaker.h"
#include "kiosk/ui/display.h"
#include "kiosk/ui/keyboard.h"

namespace kiosk::app {

namespace {

// The loop never sleeps longer than this, so a stop request is noticed promptly even when
// no timer runs.
constexpr int k_longest_wait_ms = 250;

long milliseconds_since(Kiosk::Clock::time_point start) {
    return static_cast<long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Kiosk::Clock::now() - start).count());
}

// The name the PIN pad's events carry in the queue.
constexpr std::string_view k_pin_pad_source = "pin pad";

void log(const std::string& line) {
    std::fprintf(stderr, "kiosk: %s\n", line.c_str());
}

// The screen whose PIN field gains a dot per digit: it is recorded once, as it appears.
constexpr std::string_view k_pin_screen_id = "pin_entry";

// The PIN pad's notices that tell the PIN's length: Enter with fewer digits than the least a
// PIN has, and a digit beyond the most it may have. They go unrecorded.
constexpr std::array<std::string_view, 2> k_pin_length_notices{"pin too short", "pin full"};

// The shell follows at most this many of its own calls for staff at once, until staff take
// them: the queue client reads each every 3 s (docs/api/queue.yaml), and the service allows a
// kiosk 120 requests a minute, which the customers' own requests need too. When a further call
// is placed, the oldest placed one is no longer followed; it stays open for staff.
constexpr std::size_t k_most_followed_shell_calls = 2;

// The simulator's fault signals (Config::allow_fault_signals): the last one received, read and
// cleared by the event loop. 0: none.
volatile std::sig_atomic_t g_fault_signal = 0;

extern "C" void note_fault_signal(int signal_number) {
    g_fault_signal = signal_number;
}

}  // namespace

std::string_view to_string(KioskError error) {
    switch (error) {
        case KioskError::display_unavailable:
            return "cannot start the display";
    }
    return "unknown kiosk error";
}

std::expected<std::unique_ptr<Kiosk>, base::Error<KioskError>> Kiosk::create(
    Config config, core::Resources resources, Transcript transcript,
    Clock::time_point process_start) {
    auto kiosk = std::unique_ptr<Kiosk>(
        new Kiosk(std::move(config), std::move(resources), std::move(transcript), process_start));
    auto display = ui::Display::create(ui::DisplayOptions{
        .fullscreen = kiosk->m_config.fullscreen,
        .width = kiosk->m_config.width,
        .height = kiosk->m_config.height,
        .fonts = {.regular = kiosk->m_config.font_regular, .bold = kiosk->m_config.font_bold},
        .title = "Kiosk",
        .panel = {.width_mm = kiosk->m_config.panel_width_mm,
                  .height_mm = kiosk->m_config.panel_height_mm,
                  .viewing_distance_mm = kiosk->m_config.viewing_distance_mm},
        .warm_up = &kiosk->m_resources,
        .log = [](const std::string& line) { log(line); }});
    if (!display) {
        return std::unexpected(
            base::error(KioskError::display_unavailable, base::to_string(display.error())));
    }
    kiosk->m_display = std::move(*display);

    Kiosk* self = kiosk.get();
    speech::Options speech_options;
    speech_options.speaker_device = self->m_config.speaker_device;
    speech_options.headphones_device = self->m_config.headphones_device;
    speech_options.record_directory = self->m_config.record_audio_directory;
    speech_options.on_speech = [self](const speech::SpeechNotice& notice) {
        self->m_transcript.speech(SpeechRecord{.channel = notice.channel,
                                               .voice = notice.voice,
                                               .text = notice.text,
                                               .phonetic = notice.phonetic,
                                               .interrupted = notice.interrupted,
                                               .is_private = notice.is_private,
                                               .played_ms = notice.audio_duration.count(),
                                               .started = notice.started});
    };
    speech_options.on_error = [self](const base::Error<speech::SpeechError>& error) {
        self->m_transcript.journal("speech problem", base::to_string(error));
        log("speech: " + base::to_string(error));
    };
    // Silence starts the intervals of repeated speech (docs/accessibility.md, "Speech that is not
    // cut short").
    speech_options.on_idle = [self] { self->m_queue.push(core::SpeechEnded{}, "speech"); };
    speech_options.on_voice = [self](bool working) {
        if (working) {
            self->m_queue.push(core::DeviceReturned{core::Device::voice}, "speech");
        } else {
            self->m_queue.push(core::DeviceMissing{core::Device::voice}, "speech");
        }
    };
    if (auto speaker = speech::Speaker::create(std::move(speech_options))) {
        self->m_speaker = std::move(*speaker);
    } else {
        // A kiosk without a voice still serves sighted customers: the screens say so, and
        // staff must hear of it.
        self->m_transcript.journal("speech unavailable", base::to_string(speaker.error()));
        log("speech unavailable: " + base::to_string(speaker.error()));
        self->m_queue.push(core::DeviceMissing{core::Device::voice}, "speech");
    }
    if (self->m_config.allow_fault_signals) {
        std::signal(SIGUSR1, note_fault_signal);
        std::signal(SIGUSR2, note_fault_signal);
    }

    const auto device_notice = [self](std::string_view device, std::string_view event) {
        if (std::ranges::find(k_pin_length_notices, event) != k_pin_length_notices.end()) {
            return;
        }
        self->m_transcript.device(device, event);
    };
    devices::CardReaderOptions reader_options;
    reader_options.allowed_readers = self->m_config.allowed_readers;
    reader_options.card_slot = static_cast<std::uint8_t>(self->m_config.card_slot);
    self->m_card_reader = std::make_unique<devices::CardReaderService>(std::move(reader_options));
    self->m_card_reader->start(
        [self](core::Event event) { self->m_queue.push(std::move(event), "card reader"); },
        device_notice);
    devices::PinPadOptions pin_pad_options;
    pin_pad_options.key_slot = static_cast<std::uint8_t>(self->m_config.pin_key_slot);
    // docs/protocols/epp.md §8.6: with the pad's keys configured, the pad is authenticated,
    // its frames secured and its PIN key's check value compared.
    if (const auto& keys = self->m_config.pin_pad_keys) {
        pin_pad_options.security =
            devices::pin_pad_security(keys->format == core::PinBlockFormat::iso9564_format4,
                                      keys->authentication_key, keys->pin_key_check_value);
    }
    self->m_pin_pad = std::make_unique<devices::PinPadService>(std::move(pin_pad_options));
    self->m_pin_pad->start(
        [self](core::Event event) {
            self->m_queue.push(std::move(event), std::string(k_pin_pad_source));
        },
        device_notice);
    // Like the card reader, the printer is looked for whether or not it is there: the core
    // hears DeviceMissing{printer} and does without it.
    self->m_printer = std::make_unique<devices::PrinterService>();
    self->m_printer->start(
        [self](core::Event event) { self->m_queue.push(std::move(event), "printer"); },
        device_notice);
    // So is the cash dispenser: when it is missing, the core hears DeviceMissing{dispenser},
    // and the model itself answers each cash command with no_answer.
    self->m_dispenser = std::make_unique<devices::DispenserService>();
    self->m_dispenser->start(
        [self](core::Event event) { self->m_queue.push(std::move(event), "dispenser"); },
        device_notice);
    // The cabinet's sensors board: its service switch asks for the service menu. A kiosk
    // without one (or with it unplugged) is entered by the key sequence alone.
    self->m_cabinet = std::make_unique<devices::CabinetService>();
    self->m_cabinet->start(
        [self](core::Event event) { self->m_queue.push(std::move(event), "cabinet"); },
        device_notice);

    const auto service_notice = [self](const net::ServiceNotice& notice) {
        self->m_transcript.service(notice.service, notice.call, notice.status, notice.milliseconds,
                                   notice.detail);
    };
    net::AccountClientOptions account_options;
    account_options.base_url = self->m_config.account_url;
    account_options.terminal_id = self->m_config.terminal_id;
    account_options.ca_file = self->m_config.account_ca_file;
    account_options.client_certificate = self->m_config.client_certificate;
    account_options.client_key = self->m_config.client_key;
    self->m_account = std::make_unique<net::AccountClient>(std::move(account_options));
    self->m_account->start(
        [self](core::Event event) { self->m_queue.push(std::move(event), "account"); },
        service_notice);

    // The branch queue service is optional (a kiosk in a branch without one still serves
    // cards): without its URL the effects meant for it are answered at once as unavailable.
    net::HttpsEndpoint queue_endpoint;
    queue_endpoint.base_url = self->m_config.queue_url;
    queue_endpoint.ca_file = self->m_config.queue_ca_file;
    queue_endpoint.client_certificate = self->m_config.client_certificate;
    queue_endpoint.client_key = self->m_config.client_key;
    if (!self->m_config.queue_url.empty()) {
        net::QueueClientOptions queue_options;
        queue_options.endpoint = queue_endpoint;
        queue_options.kiosk_id = self->m_config.terminal_id;
        queue_options.location = self->m_config.location;
        queue_options.outbox_file = self->m_config.outbox_file;
        self->m_queue_client = std::make_unique<net::QueueClient>(std::move(queue_options));
        self->m_queue_client->start(
            [self](core::Event event) { self->m_queue.push(std::move(event), "queue"); },
            service_notice);
    }

    // The service menu's network checks run on a worker too: each may wait for a time-out.
    net::HttpsEndpoint account_endpoint;
    account_endpoint.base_url = self->m_config.account_url;
    account_endpoint.ca_file = self->m_config.account_ca_file;
    account_endpoint.client_certificate = self->m_config.client_certificate;
    account_endpoint.client_key = self->m_config.client_key;
    self->m_network_check = std::make_unique<NetworkCheckWorker>(
        std::move(account_endpoint), std::move(queue_endpoint),
        [self](core::Event event) { self->m_queue.push(std::move(event), "network"); });

    // The records' export, which reads the whole journal, runs on a worker too.
    self->m_export = std::make_unique<ExportWorker>(
        ExportPlaces{.journal_file = self->m_config.journal_file,
                     .log_file = self->m_config.log_file,
                     .terminal_id = self->m_config.terminal_id,
                     .destination = self->m_config.usb_stick_directory},
        [self](core::Event event) { self->m_queue.push(std::move(event), "export"); });

    // The configuration's view and change read a USB stick, which can take seconds.
    self->m_configuration = std::make_unique<ConfigWorker>(
        ConfigPlaces{.config_file = self->m_config.config_file,
                     .usb_stick = self->m_config.usb_stick_directory,
                     .arguments = self->m_config.arguments},
        [self](core::Event event) { self->m_queue.push(std::move(event), "configuration"); });

    // The service menu's sign-in checks and accounts run on a worker: a check takes a PBKDF2 run.
    self->m_access = std::make_unique<AccessWorker>(
        self->m_config.engineers_file, self->m_config.sign_in_state_file,
        [self](core::Event event) { self->m_queue.push(std::move(event), "access"); },
        [] {
            return std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        });
    return kiosk;
}

Kiosk::Kiosk(Config config, core::Resources resources, Transcript transcript,
             Clock::time_point process_start)
    : m_config(std::move(config)),
      m_resources(std::move(resources)),
      m_transcript(std::move(transcript)),
      m_process_start(process_start),
      m_cash_journal(CashJournal::open(m_config.journal_file)),
      m_failpoint(TestFailpoint::from_environment()),
      m_session(core::new_session(m_resources)) {}

Kiosk::~Kiosk() {
    // The clients and devices first: their threads post into the queue and the transcript,
    // which are members and go after this body.
    m_access.reset();
    m_network_check.reset();
    m_queue_client.reset();
    m_account.reset();
    m_cabinet.reset();
    m_dispenser.reset();
    m_printer.reset();
    m_pin_pad.reset();
    m_card_reader.reset();
    m_speaker.reset();
    m_display.reset();
}

int Kiosk::run() {
    const auto seed = net::random_transaction_seed();
    if (!seed) {
        log("cannot start: no secure random bytes to name this run's transactions");
        return 1;
    }
    // A configuration installed from the service menu has started a kiosk: it is kept.
    if (m_config.config_file && confirm_config(*m_config.config_file)) {
        m_transcript.journal("configuration confirmed", m_config.config_file->string());
    }
    UnfinishedReading unfinished = read_unfinished_cash();
    step(core::Started{*seed, std::move(unfinished.unfinished), read_out_of_service_state(),
                       std::move(unfinished.unfinished_dispense_tests)});
    // A journal that could not be opened or read: the core hears it right after Started and
    // offers no cash; balances and tickets go on.
    report_journal_failure();
    // SDL_WaitEventTimeout sleeps only where the video driver can wait (X11, Wayland); with
    // the dummy and offscreen drivers it polls every millisecond, about 2.5% of a core at
    // rest. Those drivers bring no input, so there the loop sleeps on the event queue instead.
    const char* video_driver = SDL_GetCurrentVideoDriver();
    const std::string_view driver = video_driver != nullptr ? video_driver : "";
    const bool sleep_on_queue = driver == "dummy" || driver == "offscreen";
    while (!m_quit) {
        SDL_Event event;
        if (sleep_on_queue) {
            m_queue.wait_for(std::chrono::milliseconds(milliseconds_to_next_timer()));
            while (SDL_PollEvent(&event) != 0) {
                handle_sdl_event(event);
            }
        } else if (SDL_WaitEventTimeout(&event, milliseconds_to_next_timer()) != 0) {
            handle_sdl_event(event);
            while (SDL_PollEvent(&event) != 0) {
                handle_sdl_event(event);
            }
        }
        take_fault_signal();
        for (QueuedEvent& queued : m_queue.drain()) {
            // Silence reported just before new speech was asked for is no longer true.
            if (std::holds_alternative<core::SpeechEnded>(queued.event) && m_speaker &&
                !m_speaker->silent()) {
                continue;
            }
            if (const auto* key = std::get_if<core::KeyPressed>(&queued.event)) {
                accept_input(key->key, queued.source, queued.received);
                continue;
            }
            if (std::holds_alternative<core::PinDigitEntered>(queued.event) ||
                std::holds_alternative<core::PinCleared>(queued.event)) {
                // A key on the PIN pad is a key press: it stops the speech (ADA 707.5.1). Its
                // latency is not measured: an input_to_frame record per key would tell the
                // PIN's length and the rhythm of its digits.
                if (m_speaker) {
                    m_speaker->stop();
                }
                // The PIN screen's picture shows the field as it appeared, before any dot.
                save_screenshot_if_due();
                step_pin_pad_key(queued.event);
                continue;
            }
            // The shell's own calls for staff are its business, not the flow's.
            if (const auto* changed = std::get_if<core::StaffCallChanged>(&queued.event);
                changed != nullptr && follow_shell_call(*changed)) {
                continue;
            }
            if (m_speaker && std::holds_alternative<core::HeadphonesPlugged>(queued.event)) {
                m_speaker->set_headphones_plugged(true);
            }
            if (m_speaker && std::holds_alternative<core::HeadphonesUnplugged>(queued.event)) {
                m_speaker->set_headphones_plugged(false);
            }
            step(queued.event);
        }
        fire_due_timers();
        if (m_display->render()) {
            after_frame();
        }
    }
    m_transcript.journal("kiosk stopped", m_exit_status == 0 ? "" : "restart");
    return m_exit_status;
}

void Kiosk::handle_sdl_event(const SDL_Event& event) {
    const auto at = Clock::now();
    switch (event.type) {
        case SDL_QUIT:
            m_quit = true;
            break;
        case SDL_KEYDOWN:
            // Key repeat is off for customers (EN 301 549 5.8): only the first press counts.
            if (event.key.repeat == 0) {
                if (const auto key = ui::keypad_key(event.key.keysym.sym)) {
                    accept_input(*key, "keyboard", at);
                }
            }
            break;
        case SDL_MOUSEBUTTONDOWN:
            if (event.button.button == SDL_BUTTON_LEFT) {
                if (const auto key = m_display->key_at(event.button.x, event.button.y)) {
                    accept_input(*key, "touch", at);
                }
            }
            break;
        default:
            break;
    }
}

void Kiosk::accept_input(base::Key key, std::string_view source, Clock::time_point at) {
    // PIN digits are only ever typed on the encrypting PIN pad, which never reports them.
    // Digits from anywhere else during PIN entry are dropped unseen and unrecorded, so a
    // customer who types the PIN on the wrong keys does not leak it to the kiosk: not even that
    // a digit was typed, since a record per digit would tell the PIN's length and rhythm.
    if (m_session.state == core::State::pin_entry && base::is_digit(key)) {
        return;
    }
    // EN 301 549 5.7: an identical second press soon after the first is a tremor or a bounce,
    // not a second wish (Config::ignore_second_press_ms; 0 turns this off).
    const bool repeated =
        m_last_input && m_last_input->key == key &&
        at - m_last_input->at < std::chrono::milliseconds(m_config.ignore_second_press_ms);
    m_last_input = LastInput{key, at};
    // The pad closes its one-digit window on every digit it reports (epp.md §4.3), even one
    // that is then ignored: a digit needs a fresh window whatever became of it.
    if (base::is_digit(key) && source == k_pin_pad_source) {
        m_digit_window_open = false;
    }
    if (repeated) {
        offer_keypad(m_session.screen.takes_digits);
        return;
    }
    // A digit may be a PIN typed at the wrong moment (on a screen that does not collect it):
    // no file ever holds a digit's value, only that a digit was pressed.
    m_transcript.input(source, base::is_digit(key) ? "digit" : base::to_string(key));
    // Any key press stops the current speech at once (ADA 707.5.1, EN 301 549 5.1.3.4), but
    // the pause key, which holds it (docs/accessibility.md, "Keypad controls").
    if (m_speaker && key != core::k_pause_key) {
        m_speaker->stop();
    }
    m_input_waiting_for_frame = at;
    step(core::KeyPressed{key});
    // A digit that left the screen as it was (a repeat, a wrong key) needs a fresh window.
    offer_keypad(m_session.screen.takes_digits);
}

void Kiosk::offer_keypad(bool digits) {
    if (!m_pin_pad) {
        return;
    }
    if (digits == m_digits_offered && (!digits || m_digit_window_open)) {
        return;  // already so: no command for every dot of the PIN field
    }
    m_pin_pad->set_keypad(digits ? devices::KeypadUse::menu_choice
                                 : devices::KeypadUse::function_keys);
    m_digits_offered = digits;
    m_digit_window_open = digits;
}

void Kiosk::step(const core::Event& event) {
    core::Step result = core::step(m_resources, std::move(m_session), event);
    m_session = std::move(result.session);
    for (const core::Effect& effect : result.effects) {
        const bool admitted = m_cash_journal.admit(effect);
        report_journal_failure();
        if (admitted) {
            carry_out(effect);
            m_failpoint.after(effect);
        } else {
            m_transcript.journal("effect refused", std::string(core::to_string(effect)));
            log(fmt::format("{} not carried out: the electronic journal cannot be written",
                            core::to_string(effect)));
        }
    }
}

std::optional<core::OutOfServiceReason> Kiosk::read_out_of_service_state() {
    const auto state = read_out_of_service(m_config.out_of_service_file);
    if (!state) {
        log("kept out of service: " + to_string(state.error()));
        return core::OutOfServiceReason::maintenance;
    }
    return *state;
}

UnfinishedReading Kiosk::read_unfinished_cash() {
    UnfinishedReading reading = m_cash_journal.read_unfinished();
    for (const UnreadableWithdrawal& unreadable : reading.unreadable) {
        // Settling it by guess could undo the debit of cash that was taken, or keep one for cash
        // that was not: staff count the notes and settle it with the account service. It is
        // reported at every start until its transaction has a final record.
        journal_and_notify_staff(core::NotifyStaff{
            .reason = fmt::format("electronic journal record {} cannot be read ({}): its "
                                  "cash is left for staff to settle",
                                  unreadable.sequence, unreadable.problem),
            .kind = core::AssistanceReason::device_fault});
    }
    if (!reading.unfinished.empty() || !reading.unfinished_dispense_tests.empty()) {
        log(
            fmt::format("{} unfinished withdrawal(s) and {} unfinished dispense test(s) in the "
                        "electronic journal: settled before the first customer",
                        reading.unfinished.size(), reading.unfinished_dispense_tests.size()));
    }
    return reading;
}

void Kiosk::report_journal_failure() {
    const std::optional<core::JournalFailed> failed = m_cash_journal.take_failure();
    if (!failed) {
        return;
    }
    m_transcript.journal("electronic journal failed", failed->reason);
    log(fmt::format("electronic journal cannot be written ({}): no cash until restarted",
                    failed->reason));
    m_queue.push(*failed, "journal");
}

void Kiosk::step_pin_pad_key(const core::Event& event) {
    m_stepping_pin_pad_key = true;
    step(event);
    m_stepping_pin_pad_key = false;
}

void Kiosk::carry_out(const core::Effect& effect) {
    // What a PIN pad key causes (the dot, its tone, the time-out started again, an event the
    // core ignored) would, one record per key, tell the PIN's length and the moment of each
    // digit; the display and the speaker still carry it out.
    const bool record = !m_stepping_pin_pad_key;
    std::visit(
        base::Overloaded{
            [&](const core::Show& show) {
                // Digits in the clear only while a screen that takes them is shown, and
                // never around PIN entry (docs/protocols/epp.md §4.3).
                offer_keypad(show.screen.takes_digits);
                m_display->show(show.screen);
                const std::string look =
                    show.screen.id + '/' + show.screen.locale + '/' + show.screen.theme;
                // The PIN screen is recorded once, as it appears; its refreshes, one per dot,
                // are not.
                if (show.screen.id != k_pin_screen_id || look != m_last_screen_look) {
                    m_transcript.screen(show.screen);
                }
                // A new screen, or the same one in another language or theme, is worth a
                // picture; one more PIN dot is not.
                if (look != m_last_screen_look) {
                    m_screenshot_due = true;
                    m_last_screen_look = look;
                    m_last_screen_id = show.screen.id;
                }
            },
            [&](const core::Speak& speak) {
                if (!m_speaker) {
                    // Nothing to wait for: what waits for the end of speech goes on.
                    m_queue.push(core::SpeechEnded{}, "speech");
                } else if (speak.interrupts) {
                    m_speaker->speak(speak.utterances);
                } else {
                    m_speaker->queue(speak.utterances);
                }
            },
            [&](const core::StopSpeech&) {
                if (m_speaker) {
                    m_speaker->stop();
                }
            },
            [&](const core::RepeatSpeech&) {
                if (m_speaker) {
                    m_speaker->repeat_last();
                }
            },
            [&](const core::PauseSpeech&) {
                if (m_speaker) {
                    m_speaker->pause();
                }
            },
            [&](const core::ResumeSpeech&) {
                if (m_speaker) {
                    m_speaker->resume();
                }
            },
            [&](const core::SetVolume& volume) {
                if (m_speaker) {
                    if (auto set = m_speaker->set_volume(volume.step); !set) {
                        log("speech: " + base::to_string(set.error()));
                    }
                }
            },
            [&](const core::BlankScreen& blank) { m_display->set_blanked(blank.blanked); },
            [&](const core::Tone& tone) {
                // A digit tone is only ever the PIN field gaining a dot.
                if (record && tone.kind != core::ToneKind::digit) {
                    m_transcript.tone(core::to_string(tone.kind));
                }
                if (m_speaker) {
                    m_speaker->tone(tone.kind);
                }
            },
            [&](const core::StartPinEntry& start) {
                m_pin_pad->start_pin_entry(start.pan, start.purpose);
            },
            [&](const core::CancelPinEntry&) { m_pin_pad->cancel_pin_entry(); },
            [&](const core::EjectCard&) { m_card_reader->eject(); },
            [&](const core::RenewCardAuthentication&) {
                m_card_reader->renew_card_authentication();
            },
            [&](const core::Call& call) { m_account->sign_on(call.call_id, call.request); },
            // Call ids are unique across both clients: each drops the ones it does not know.
            [&](const core::CancelCall& cancel) {
                m_account->cancel(cancel.call_id);
                if (m_queue_client) {
                    m_queue_client->cancel(cancel.call_id);
                }
            },
            [&](const core::AccountCall& call) {
                m_account->request(call.call_id, call.request, call.session);
            },
            [&](const core::SavePreferences& save) {
                m_account->save_preferences(save.call_id, save.grant, save.elder_mode);
            },
            // Without a queue service every request to it is answered at once as unavailable,
            // so that the flow tells the customer so and what to do instead; the answer is
            // queued, as a reply would be, and stepped after this step's effects.
            [&](const core::ListBusinesses& list) {
                if (m_queue_client) {
                    m_queue_client->list_businesses(list.call_id);
                } else {
                    m_queue.push(core::BusinessesListed{.call_id = list.call_id,
                                                        .status = core::QueueStatus::unavailable,
                                                        .businesses = {}},
                                 "queue");
                }
            },
            [&](const core::TakeTicket& take) {
                if (m_queue_client) {
                    m_queue_client->take_ticket(take.call_id, take.request);
                } else {
                    m_queue.push(core::TicketIssued{.call_id = take.call_id,
                                                    .status = core::QueueStatus::unavailable,
                                                    .ticket = std::nullopt},
                                 "queue");
                }
            },
            [&](const core::CallStaff& call) {
                if (m_queue_client) {
                    m_queue_client->call_staff(call.call_id, call.request);
                } else {
                    m_queue.push(core::StaffCallChanged{.call_id = call.call_id,
                                                        .status = core::QueueStatus::unavailable,
                                                        .call = std::nullopt},
                                 "queue");
                }
            },
            [&](const core::AnswerSurvey& survey) {
                if (m_queue_client) {
                    m_queue_client->answer_survey(survey.visit, survey.answer);
                } else {
                    // Nothing answers a survey answer, so nobody else would know it was lost:
                    // the journal keeps it (a service and a rating, nothing of the customer).
                    m_transcript.journal("survey not sent",
                                         fmt::format("no queue service: {} {}",
                                                     core::to_string(survey.answer.service),
                                                     core::to_string(survey.answer.rating)));
                }
            },
            [&](const core::FileComplaint& complaint) {
                if (m_queue_client) {
                    m_queue_client->file_complaint(complaint.call_id, complaint.visit,
                                                   complaint.complaint);
                } else {
                    m_queue.push(core::ComplaintFiled{.call_id = complaint.call_id,
                                                      .status = core::QueueStatus::unavailable,
                                                      .reference = {}},
                                 "queue");
                }
            },
            // A new engineer's set-up slip gets its secret from the access worker here, on its
            // way to the printer; the core never holds it.
            [&](const core::Print& print) {
                m_printer->print(print.print_id, m_access->with_enrolment_secret(print.document));
            },
            [&](const core::StartTimer& timer) {
                m_timers[timer.id] = Clock::now() + std::chrono::milliseconds(timer.milliseconds);
                if (record) {
                    m_transcript.timer(core::to_string(timer.id), "start", timer.milliseconds);
                }
            },
            [&](const core::CancelTimer& timer) {
                if (m_timers.erase(timer.id) > 0 && record) {
                    m_transcript.timer(core::to_string(timer.id), "cancel", 0);
                }
            },
            [&](const core::NotifyStaff& notify) { notify_staff(notify); },
            // The dispenser's model answers each cash command with one event, from its own
            // thread, or at once when the command cannot be sent.
            [&](const core::Dispense& dispense) { m_dispenser->dispense(dispense); },
            [&](const core::PresentCash& present) { m_dispenser->present(present); },
            [&](const core::RetractCash& retract) { m_dispenser->retract(retract); },
            [&](const core::RejectCash& reject) { m_dispenser->reject(reject); },
            [&](const core::CheckDispenser&) { m_dispenser->check(); },
            [&](const core::CheckSignIn& check) { m_access->push(check); },
            [&](const core::ListAccounts& list) { m_access->push(list); },
            [&](const core::RemoveAccount& remove) { m_access->push(remove); },
            [&](const core::EnrolAccount& enrol) { m_access->push(enrol); },
            [&](const core::ConfirmEnrolment& confirm) { m_access->push(confirm); },
            [&](const core::DiscardEnrolment& discard) { m_access->push(discard); },
            [&](const core::CheckNetwork& check) { m_network_check->check(check); },
            [&](const core::ReportFaults& report) {
                m_queue.push(m_cash_journal.recent_faults(report.call_id), "journal");
            },
            [&](const core::ReportCounters& report) {
                const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch());
                m_queue.push(m_cash_journal.counters(report.call_id, now.count()), "journal");
            },
            // Each model's last published snapshot: copied, never read from the device here.
            [&](const core::ReportDevices& report) {
                m_queue.push(
                    core::DevicesReported{
                        .call_id = report.call_id,
                        .devices = {m_card_reader->snapshot(), m_pin_pad->snapshot(),
                                    m_printer->snapshot(), m_dispenser->snapshot(),
                                    m_cabinet->snapshot()}},
                    "devices");
            },
            [&](const core::ExportRecords& request) { m_export->export_records(request); },
            [&](const core::ReadConfiguration& request) { m_configuration->push(request); },
            [&](const core::ReviewConfiguration& request) { m_configuration->push(request); },
            [&](const core::InstallConfiguration& request) { m_configuration->push(request); },
            // The supervisor starts the kiosk again on this exit status (config_update.h).
            [&](const core::RestartKiosk&) {
                log("restarting for the configuration installed from the service menu");
                m_exit_status = k_restart_exit_status;
                m_quit = true;
            },
            // The key ceremony: the pad does the keys, the account service wraps the working
            // keys for the slots this kiosk's configuration uses.
            [&](const core::BeginKeyCeremony&) { m_pin_pad->begin_key_ceremony(); },
            [&](const core::FetchWorkingKeys& fetch) {
                m_account->fetch_working_keys(fetch.call_id, fetch.master_check_value,
                                              m_pin_pad->working_key_slots());
            },
            [&](const core::EndKeyCeremony& end) {
                m_pin_pad->end_key_ceremony(end.commit, end.keys);
            },
            [&](const core::SetOutOfService& set) {
                if (const auto written =
                        write_out_of_service(m_config.out_of_service_file, set.reason);
                    !written) {
                    log("out of service not kept for a restart: " + to_string(written.error()));
                }
            },
            [&](const core::Journal& journal) {
                if (record) {
                    m_transcript.journal(journal.event, journal.detail);
                }
            },
        },
        effect);
}

void Kiosk::journal_and_notify_staff(const core::NotifyStaff& notify) {
    // The core never saw this notice, so nothing has journaled it yet.
    m_transcript.journal("staff notified", notify.reason);
    notify_staff(notify);
}

void Kiosk::notify_staff(const core::NotifyStaff& notify) {
    // The journal has it from the core, which journals every notice (`staff_notified`) right
    // before the NotifyStaff (Flow::notify_staff); a second record of the shell's would count
    // each notice twice. The engineer's console hears of it whether or not a call can be
    // placed.
    log("staff notified: " + notify.reason);
    if (!m_queue_client) {
        return;
    }
    // Staff are told the kind of fault, where the kiosk is (the client sends the location)
    // and how to speak to whoever stands at it: `reason` stays in the journal, since the
    // contract has no free text.
    const std::uint64_t call_id = m_next_shell_call_id++;
    m_shell_calls[call_id] = ShellCall{.reason = notify.kind, .placed = false};
    m_queue_client->call_staff(call_id,
                               core::AssistanceRequest{.reason = notify.kind,
                                                       .locale = m_session.locale,
                                                       .audio_mode = core::in_audio_mode(m_session),
                                                       .elder_mode = m_session.elder_mode});
}

bool Kiosk::follow_shell_call(const core::StaffCallChanged& changed) {
    if (changed.call_id < k_first_shell_call_id) {
        return false;
    }
    const auto found = m_shell_calls.find(changed.call_id);
    if (found == m_shell_calls.end()) {
        return true;  // no longer followed: a poll that was already on its way
    }
    const std::string reason(core::to_string(found->second.reason));
    if (changed.status == core::QueueStatus::kept) {
        m_transcript.journal("staff call kept", reason + ": not delivered yet, in the outbox");
        return true;
    }
    if (changed.status != core::QueueStatus::ok || !changed.call) {
        m_transcript.journal("staff call failed",
                             reason + ": " + std::string(core::to_string(changed.status)));
        log("staff call failed: " + reason + ": " + std::string(core::to_string(changed.status)));
        m_shell_calls.erase(found);
        return true;
    }
    const core::AssistanceCall& call = *changed.call;
    switch (call.state) {
        case core::CallState::open: {
            m_transcript.journal("staff call placed", reason);
            found->second.placed = true;
            // The oldest placed calls are no longer read, so that polls stay few. Staff still
            // see them; only the journal will not hear who took them.
            std::size_t placed = 0;
            for (const auto& [id, shell_call] : m_shell_calls) {
                placed += shell_call.placed ? 1 : 0;
            }
            for (auto oldest = m_shell_calls.begin();
                 placed > k_most_followed_shell_calls && oldest != m_shell_calls.end();) {
                if (!oldest->second.placed) {
                    ++oldest;
                    continue;
                }
                // Delivered, so cancelling drops nothing from the outbox: it only ends the reads.
                m_queue_client->cancel(oldest->first);
                m_transcript.journal("staff call not followed",
                                     std::string(core::to_string(oldest->second.reason)));
                oldest = m_shell_calls.erase(oldest);
                --placed;
            }
            break;
        }
        case core::CallState::acknowledged: {
            // Who is coming, by role: the name a member of staff gives is for the customer at
            // the kiosk, not for the kiosk's files.
            std::string detail = reason;
            if (call.acknowledged_by) {
                detail += " by " + std::string(core::to_string(call.acknowledged_by->role));
            }
            if (call.eta_seconds) {
                detail += fmt::format(", in about {} s", *call.eta_seconds);
            }
            m_transcript.journal("staff call acknowledged", detail);
            // Staff are on their way: how the call ends is theirs to record.
            m_queue_client->cancel(changed.call_id);
            m_shell_calls.erase(found);
            break;
        }
        case core::CallState::closed:
            m_transcript.journal("staff call closed", reason);
            m_shell_calls.erase(found);
            break;
    }
    return true;
}

void Kiosk::take_fault_signal() {
    const int signal_number = g_fault_signal;
    if (signal_number == 0) {
        return;
    }
    g_fault_signal = 0;
    const bool failing = signal_number == SIGUSR1;
    m_transcript.journal("simulated fault", failing ? "speech fails" : "speech works");
    if (m_speaker) {
        m_speaker->simulate_synthesis_fault(failing);
    }
}

int Kiosk::milliseconds_to_next_timer() const {
    int wait = k_longest_wait_ms;
    const auto now = Clock::now();
    for (const auto& [id, deadline] : m_timers) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        wait = std::min(wait, static_cast<int>(std::max<long>(0, left.count())));
    }
    return wait;
}

void Kiosk::fire_due_timers() {
    const auto now = Clock::now();
    std::vector<core::TimerId> due;
    for (const auto& [id, deadline] : m_timers) {
        if (deadline <= now) {
            due.push_back(id);
        }
    }
    for (const core::TimerId id : due) {
        m_timers.erase(id);
        m_transcript.timer(core::to_string(id), "fired", 0);
        step(core::TimerFired{id});
    }
}

void Kiosk::after_frame() {
    if (!m_first_frame_shown) {
        m_first_frame_shown = true;
        const long startup = milliseconds_since(m_process_start);
        m_transcript.metric("startup_to_first_frame", static_cast<double>(startup), "ms");
        log(fmt::format("first frame ({}) {} ms after start", m_last_screen_id, startup));
    }
    if (m_input_waiting_for_frame) {
        const auto latency =
            std::chrono::duration<double, std::milli>(Clock::now() - *m_input_waiting_for_frame);
        m_transcript.metric("input_to_frame", latency.count(), "ms");
        m_input_waiting_for_frame.reset();
    }
    if (m_screenshot_due && m_config.screenshots_directory) {
        save_screenshot_if_due();
        // The screenshot drew a redacted picture into the back buffer; show the real one.
        m_display->render();
    }
}

void Kiosk::save_screenshot_if_due() {
    if (!m_screenshot_due || !m_config.screenshots_directory) {
        return;
    }
    m_screenshot_due = false;
    const auto path = *m_config.screenshots_directory /
                      fmt::format("{:03}-{}.png", ++m_screenshot_count, m_last_screen_id);
    if (auto saved = m_display->save_screenshot(path, ui::Privacy::redact); !saved) {
        log(base::to_string(saved.error()));
    }
}

}  // namespace kiosk::app
