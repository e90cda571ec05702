//! Which forms a protocol's cases use: pure functions over the protocol, so the two
//! front ends offer the same list and a Board package carries the same form.

use escalate_core::{FormId, Protocol};

/// The forms a case under `protocol` can print, in the order a lead reaches for them:
/// the protocol's own, then the stage record and chronology every protocol keeps.
pub fn forms_for(protocol: &Protocol) -> Vec<FormId> {
    protocol.form_ids()
}

/// The form a Board package carries unless told otherwise: the one the protocol marks
/// for the Board, else the chronology.
pub fn board_form(protocol: &Protocol) -> FormId {
    protocol.board_form()
}
