//! Answers shaped for IPC where a use case's own type would not cross it as it is.

use serde::Serialize;

/// A stage record's row id. A JSON number: ts-rs would call an `i64` a `bigint`.
#[derive(Debug, Clone, Copy, Serialize, ts_rs::TS)]
#[serde(transparent)]
pub struct RecordId(#[ts(type = "number")] pub i64);

/// A held package's row id, as the UI sends it back to accept it (a JSON number).
#[derive(Debug, Clone, Copy, serde::Deserialize, ts_rs::TS)]
#[serde(transparent)]
pub struct HeldId(#[ts(type = "number")] pub i64);
