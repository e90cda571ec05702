//! Which forms a protocol's cases use: pure functions over the protocol, so the two
//! front ends offer the same list and a Board package carries the same form.

use escalate_core::{FormId, Protocol};

/// The forms a case under `protocol` uses, in the order a lead reaches for them: the
/// ones its stages name, and the stage record and chronology every protocol keeps.
pub fn forms_for(protocol: &Protocol) -> Vec<FormId> {
    FormId::ALL
        .into_iter()
        .filter(|f| {
            *f == FormId::Chronology
                || *f == FormId::StageRecord
                || protocol
                    .stages
                    .iter()
                    .any(|s| s.forms.iter().any(|x| x.form == *f))
        })
        .collect()
}

/// The form a Board package carries unless told otherwise: the protocol's report form,
/// else its monitoring form, else the chronology.
pub fn board_form(protocol: &Protocol) -> FormId {
    let forms = forms_for(protocol);
    [FormId::RpdReport, FormId::MonitoringForm]
        .into_iter()
        .find(|f| forms.contains(f))
        .unwrap_or(FormId::Chronology)
}
