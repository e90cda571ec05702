//! What a lead may do next, as the engine answers it (`escalate_core::next`): for a
//! case, in its detail (`CaseDetail::next`); for intake, here. The front ends offer
//! these answers and decide none of them.

use escalate_core::{Intake, Protocol};
use escalate_store::Store;

use crate::ApiResult;

/// What intake offers under `protocol`: its routes, the question that takes each, and
/// the stages a case on each may open at, with what leaving stages out needs.
pub fn intake(protocol: &Protocol) -> Intake {
    escalate_core::intake(protocol)
}

/// [`intake`] for each protocol a case can be opened under (the version of each
/// installed protocol new cases use), in the order `cases::protocols` lists them.
pub async fn intake_options(store: &Store) -> ApiResult<Vec<Intake>> {
    Ok(store.protocols().await?.iter().map(|p| intake(p)).collect())
}
