//! The TypeScript the UI compiles against, generated from the Rust types that cross
//! IPC. `ui/src/lib/bindings.ts` is this module's output; a test fails when it is
//! stale (run `make bindings` to refresh it).

use ts_rs::TS;

macro_rules! declarations {
    ($($t:ty),* $(,)?) => {
        vec![$(<$t as TS>::decl()),*]
    };
}

/// The whole file.
pub fn typescript() -> String {
    use escalate_core::{case, engine, protocol};
    use escalate_store as store;
    let decls: Vec<String> = declarations![
        crate::error::AppError,
        escalate_core::ErrorCode,
        escalate_core::model::StateKind,
        escalate_core::model::ChronologyKind,
        escalate_core::model::AlertLevel,
        crate::commands::session::AppStatus,
        crate::commands::reports::ReportRequest,
        crate::commands::reports::ExportRequest,
        crate::commands::reports::SavedFile,
        crate::commands::reports::FormChoice,
        crate::commands::settings::AuditView,
        crate::commands::cases::FieldLabel,
        crate::state::StoreKind,
        crate::commands::board::BoardView,
        crate::commands::board::ImportSummary,
        crate::commands::board::ImportProgress,
        escalate_report::board::Selection,
        escalate_report::board::Dimension,
        escalate_report::board::CaseLine,
        escalate_report::board::BoardFigures,
        escalate_report::board::Spread,
        escalate_report::board::LateCase,
        escalate_report::board::Quarter,
        escalate_report::board::Overdue,
        escalate_report::board::Comment,
        escalate_api::board::FileResult,
        store::ImportOutcome,
        store::audit::AuditReport,
        store::audit::Broken,
        store::AuditLine,
        store::ClosureDay,
        escalate_core::model::Alert,
        store::Profile,
        store::NewCase,
        store::Participant,
        store::StageRecordInput,
        store::StageRecord,
        store::CaseListItem,
        store::CaseDetail,
        store::SentNotification,
        store::ChronologyEntry,
        escalate_core::Sector,
        escalate_core::CalendarId,
        case::Case,
        case::CaseState,
        case::RecordSummary,
        case::StageEntry,
        case::ShorterDeadline,
        case::Sent,
        case::SkipDecision,
        case::Skipped,
        case::Extension,
        case::RouteSwitch,
        engine::Due,
        engine::Urgency,
        engine::DeadlineKind,
        engine::DeadlineStatus<'static>,
        engine::Extended,
        engine::Side,
        engine::Contact<'static>,
        engine::FormDue<'static>,
        engine::CaseStatus<'static>,
        engine::PlannedStage<'static>,
        engine::PlanDue,
        engine::PlannedLimit<'static>,
        protocol::Limit,
        protocol::Anchor,
        protocol::Timescale,
        protocol::ExtensionRule,
        protocol::RunLimit,
        protocol::Route,
        protocol::RouteTimescale,
        protocol::StandardRoute,
        protocol::Skipping,
        protocol::Deadline,
        protocol::Notification,
        protocol::FormId,
        protocol::FormRequirement,
        protocol::RecordField,
        protocol::Requirement,
        protocol::RecordRule,
        protocol::Stage,
        protocol::ImmediateRisk,
        protocol::Exclusion,
        protocol::SectorRoles,
        protocol::Protocol,
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.\n// Refresh with `make bindings`; `make test` fails when this file is stale.\n",
    );
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out
}
