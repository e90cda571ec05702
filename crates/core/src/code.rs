//! The closed list of error codes. Every error Escalate reports carries one of these;
//! front ends branch on the code (never on message text), and the desktop UI receives
//! the same list as a TypeScript union, so a code that does not exist cannot be tested.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $text:literal,)*) => {
        /// A stable, dotted error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $text)] $name,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$name => $text,)*
                }
            }
        }
    };
}

codes! {
    // Input
    /// A field's value is malformed or out of range; `field` names it.
    FieldInvalid = "field.invalid",
    /// A required field is empty.
    FieldEmpty = "field.empty",
    TimeTooEarly = "time.too_early",
    // Calendars and protocols
    CalendarUnknown = "calendar.unknown",
    CalendarOutOfRange = "calendar.out_of_range",
    /// A bank-holiday file (GOV.UK's format) is malformed; `field` names the place.
    CalendarFileInvalid = "calendar.file_invalid",
    ProtocolInvalid = "protocol.invalid",
    ProtocolUnknown = "protocol.unknown",
    /// A protocol cannot be removed while a case uses it.
    ProtocolInUse = "protocol.in_use",
    /// A shipped protocol cannot be removed.
    ProtocolShipped = "protocol.shipped",
    /// That version of the protocol is already installed (with another text, or the
    /// same text again).
    ProtocolVersionExists = "protocol.version_exists",
    // Cases and stages
    CaseNotFound = "case.not_found",
    CaseClosed = "case.closed",
    CaseWrongProtocol = "case.wrong_protocol",
    CaseEmpty = "case.empty",
    /// The case's event log does not replay: the store was changed outside Escalate.
    CaseLogInvalid = "case.log_invalid",
    /// The hash chain is broken inside the case's history: nothing of it is printed or
    /// sent as true until a backup is restored.
    CaseHistoryBroken = "case.history_broken",
    StageUnknown = "stage.unknown",
    StageLast = "stage.last",
    StageNotHigher = "stage.not_higher",
    StageHigherNotAllowed = "stage.higher_not_allowed",
    StageReasonRequired = "stage.reason_required",
    StageRequirementsMissing = "stage.requirements_missing",
    StageAlreadyReceived = "stage.already_received",
    RecordFieldNotUsed = "record.field_not_used",
    ExclusionUnknown = "exclusion.unknown",
    NotificationUnknown = "notification.unknown",
    NotificationNotOwed = "notification.not_owed",
    NotificationAlreadySent = "notification.already_sent",
    // Routes, skips and extensions (protocol format 2)
    RouteUnknown = "route.unknown",
    /// The case is already on the route it was asked to switch to.
    RouteUnchanged = "route.unchanged",
    /// The stage does not exist on the route: give a stage to go to.
    RouteStageMissing = "route.stage_missing",
    /// A stage in between may not be skipped under this protocol.
    StageSkipNotAllowed = "stage.skip_not_allowed",
    /// Skipping needs a recorded reason and who decided.
    StageSkipDecisionRequired = "stage.skip_decision_required",
    /// A skip decision was given for a move that skips no stage.
    StageNothingSkipped = "stage.nothing_skipped",
    /// No deadline of the case has that id.
    DeadlineUnknown = "deadline.unknown",
    /// The protocol does not allow extending this deadline.
    ExtensionNotAllowed = "extension.not_allowed",
    /// The new due is not later than the deadline as it stands.
    ExtensionNotLater = "extension.not_later",
    AttachmentTooLarge = "attachment.too_large",
    // The store and its keys
    StoreMissing = "store.missing",
    StoreExists = "store.exists",
    StoreNotEmpty = "store.not_empty",
    StoreNotEncrypted = "store.not_encrypted",
    StoreNotADatabase = "store.not_a_database",
    StoreSchemaTooNew = "store.schema_too_new",
    StoreOpen = "store.open",
    StoreBusy = "store.busy",
    /// A write dated before the store's last entry: the clock went back, or `--now` is
    /// in the past. History is never written out of order.
    StoreClockBehind = "store.clock_behind",
    /// The app has no store open.
    StoreLocked = "store.locked",
    /// The lead's store is open where the Board's is needed, or the other way round.
    StoreWrongKind = "store.wrong_kind",
    /// The store's agency identity no longer matches its log (a secret was changed
    /// outside Escalate): nothing is signed or opened with it until a backup is restored.
    IdentityAltered = "identity.altered",
    KeyWrongPassphrase = "key.wrong_passphrase",
    KeyPassphraseNeeded = "key.passphrase_needed",
    KeyKeyringUnavailable = "key.keyring_unavailable",
    KeyFile = "key.file",
    KeyNotRotated = "key.not_rotated",
    BackupInvalid = "backup.invalid",
    // Forms, packages and the Board
    ReportFormNotInProtocol = "report.form_not_in_protocol",
    ReportStage = "report.stage",
    ReportFont = "report.font",
    ReportPdf = "report.pdf",
    ExportInvalid = "export.invalid",
    BoardImportRunning = "board.import_running",
    // Trust between parties
    /// An agency's card is malformed, or its signatures do not verify.
    CardInvalid = "card.invalid",
    /// A partnership bundle is malformed, changed, or not signed by the Board trusted.
    BundleInvalid = "bundle.invalid",
    // The desktop shell
    /// A native file dialog could not be shown.
    Dialog = "dialog",
    /// A file the UI asked for by number was not saved in this session.
    FileUnknown = "file.unknown",
    /// The system could not open a saved file.
    Open = "open",
    /// The IPC call itself failed (the UI makes this one; the shell never does).
    Ipc = "ipc",
    // The machine
    Io = "io",
    Database = "database",
    Random = "random",
}

/// Codes compare with their text, so a check reads as the code is written.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_serialise_as_their_text() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(
                serde_json::to_string(c).unwrap_or_default(),
                format!("\"{}\"", c.as_str())
            );
        }
    }
}
