// The hand-over between the customer flow and the service menu (kiosk/core/README.md, "The
// service menu").

#include "kiosk/core/flow_steps.h"

namespace kiosk::core::flow_steps {

void Flow::handle(const ServiceSwitchChanged&) {
    // fits() refuses the switch until the service menu is built, so this is never reached.
}

}  // namespace kiosk::core::flow_steps
