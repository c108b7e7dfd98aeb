#include "kiosk/app/journal_entry.h"

namespace kiosk::app {

kiosk::store::JournalEntry entry_of(const core::Journal& journal) {
    kiosk::store::JournalEntry entry;
    entry.event = journal.event;
    entry.detail = journal.detail;
    if (journal.transaction) {
        const core::TransactionRecord& record = *journal.transaction;
        entry.transaction = record.transaction;
        entry.step = record.step;
        entry.amount_minor_units = record.amount.minor_units;
        entry.fee_minor_units = record.fee.minor_units;
        entry.currency = record.amount.currency;
        entry.notes = record.notes;
    }
    return entry;
}

}  // namespace kiosk::app
