//! What the UI compiles against, generated from the Rust side of IPC: `make bindings`
//! writes `ui/src/lib/bindings.ts` (the types), `ui/src/lib/commands.ts` (one typed
//! function per command in the table, the list of their names, the events) and
//! `capabilities/main.json` (one grant per command). A test fails when any is stale.

use std::collections::BTreeSet;

use ts_rs::TS;

use crate::commands::{COMMANDS, EVENTS};
use crate::ipc::{camel_case, PLUGIN_COMMANDS};

macro_rules! declarations {
    ($($t:ty),* $(,)?) => {
        vec![$((<$t as TS>::ident(), <$t as TS>::decl())),*]
    };
}

/// Every type bindings.ts declares: its name and its declaration.
fn declared() -> Vec<(String, String)> {
    use escalate_api::store;
    use escalate_core::model;
    use escalate_core::{case, engine, protocol};
    declarations![
        crate::error::AppError,
        escalate_core::ErrorCode,
        escalate_core::model::StateKind,
        escalate_core::model::ChronologyKind,
        escalate_core::model::AlertLevel,
        crate::session::AppStatus,
        crate::reports::ReportRequest,
        crate::reports::ExportRequest,
        crate::files::SavedFile,
        crate::reports::FormChoice,
        escalate_api::settings::AuditView,
        escalate_api::settings::CalendarCoverage,
        escalate_api::cases::CasePlan,
        escalate_api::cases::ExtensionRequest,
        escalate_api::cases::ProtocolMove,
        escalate_api::cases::DeadlineChange,
        crate::views::RecordId,
        crate::state::StoreKind,
        escalate_api::board::BoardView,
        escalate_api::board::ImportSummary,
        crate::board_import::ImportProgress,
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
        store::HeldReason,
        store::HeldSummary,
        crate::views::HeldId,
        escalate_api::trust::PartnershipView,
        escalate_api::trust::AgencyCard,
        escalate_api::trust::RetiredKeyView,
        store::DirectoryEntry,
        store::DirectoryRole,
        escalate_api::trust::CardPreview,
        escalate_api::trust::BundlePreview,
        escalate_api::trust::BundleInstalled,
        escalate_api::trust::DirectoryChange,
        escalate_api::trust::DirectoryOutcome,
        store::ImportOutcome,
        store::AuditReport,
        store::Broken,
        store::CacheReport,
        store::CacheMismatch,
        store::AuditAction,
        store::AuditEntity,
        store::AuditLine,
        model::ClosureDay,
        store::InstalledProtocol,
        store::HolidayImport,
        store::ImportedNation,
        escalate_core::model::Alert,
        model::Profile,
        model::NewCase,
        model::Participant,
        model::StageRecordInput,
        model::StageRecord,
        model::CaseListItem,
        model::CaseDetail,
        model::CaseIntegrity,
        model::Alteration,
        model::HistoryBreak,
        model::IntegrityFlag,
        model::SentNotification,
        model::ChronologyEntry,
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
        case::ProtocolPin,
        engine::Due,
        escalate_core::DeadlineId,
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
        escalate_core::next::StageRef,
        escalate_core::next::DecisionNeeds,
        escalate_core::next::RiskNeeds,
        escalate_core::next::StageTarget,
        escalate_core::next::ExtendableDeadline,
        escalate_core::next::SwitchTargets,
        escalate_core::next::RouteChoice,
        escalate_core::next::NextSteps,
        escalate_core::next::IntakeRoute,
        escalate_core::next::Intake,
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
        protocol::FormDef,
        protocol::FormSection,
        protocol::FormItem,
        protocol::Space,
        protocol::BoardReport,
        protocol::RecordField,
        protocol::RecordFieldDef,
        protocol::Requirement,
        protocol::RecordRule,
        protocol::Stage,
        protocol::ImmediateRisk,
        protocol::Exclusion,
        protocol::SectorRoles,
        protocol::Protocol,
    ]
}

/// ui/src/lib/bindings.ts: every type that crosses IPC.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.\n// Refresh with `make bindings`; `make test` fails when this file is stale.\n",
    );
    for (_, d) in declared() {
        out.push_str("\nexport ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out
}

/// Words TypeScript will not take as a parameter's name though Rust does (`case`).
const RESERVED: &str = "case catch class debugger default delete export extends finally \
    function import instanceof new null switch this throw try typeof var void with";

/// TypeScript's own type names that a signature may use besides bindings.ts's.
const BUILTIN_TYPES: &[&str] = &[
    "string", "number", "boolean", "null", "Array", "Record", "Partial",
];

fn identifiers(ts: &str) -> impl Iterator<Item = &str> {
    ts.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// Every type the commands' and events' signatures name.
fn signature_types() -> BTreeSet<String> {
    let mut all: Vec<String> = Vec::new();
    for c in COMMANDS {
        all.extend(c.ipc_args().map(|(_, ts)| ts));
        all.push((c.returns)());
    }
    all.extend(EVENTS.iter().map(|e| (e.payload)()));
    all.iter()
        .flat_map(|ts| identifiers(ts).map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Types a command or event names that bindings.ts does not declare: none, or the UI
/// would not compile against commands.ts.
pub fn undeclared_types() -> Vec<String> {
    let declared: BTreeSet<String> = declared().into_iter().map(|(name, _)| name).collect();
    signature_types()
        .into_iter()
        .filter(|t| !declared.contains(t) && !BUILTIN_TYPES.contains(&t.as_str()))
        .collect()
}

fn jsdoc(out: &mut String, lines: &[&str]) {
    match lines {
        [] => {}
        [one] => out.push_str(&format!("  /**{} */\n", one.trim_end())),
        many => {
            out.push_str("  /**\n");
            for line in many {
                out.push_str(&format!("   *{}\n", line.trim_end()));
            }
            out.push_str("   */\n");
        }
    }
}

fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("\"{n}\"")).collect();
    format!("[{}]", names.join(", "))
}

/// ui/src/lib/commands.ts: the one way the UI reaches the shell.
pub fn commands_typescript() -> String {
    let declared: BTreeSet<String> = declared().into_iter().map(|(name, _)| name).collect();
    let mut imports: BTreeSet<String> = signature_types()
        .into_iter()
        .filter(|t| declared.contains(t))
        .collect();
    imports.insert("AppError".to_owned());
    let mut out = String::from(
        "// Generated from the command table (src-tauri/src/commands/table.rs) by\n// src-tauri/src/bindings.rs: do not edit. Refresh with `make bindings`; `make test`\n// fails when this file is stale. The UI reaches the shell only through this file.\n\n",
    );
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    out.push_str("import { listen, type UnlistenFn } from \"@tauri-apps/api/event\";\n");
    out.push_str("import type {\n");
    for t in &imports {
        out.push_str(&format!("  {t},\n"));
    }
    out.push_str("} from \"./bindings\";\n\n");
    out.push_str("/** Every command the shell registers, in the table's order. */\n");
    out.push_str(&format!(
        "export const COMMAND_NAMES = {} as const;\n",
        quoted(COMMANDS.iter().map(|c| c.name))
    ));
    out.push_str("export type CommandName = (typeof COMMAND_NAMES)[number];\n\n");
    out.push_str(
        "/** Commands of Tauri's own plugins the capability grants: listening for events. */\n",
    );
    out.push_str(&format!(
        "export const PLUGIN_COMMANDS = {} as const;\n\n",
        quoted(PLUGIN_COMMANDS.iter().map(|(_, c)| *c))
    ));
    out.push_str(CALL);
    out.push_str("\nexport const commands = {\n");
    for c in COMMANDS {
        jsdoc(&mut out, c.doc);
        let args: Vec<(String, String)> = c.ipc_args().collect();
        let param = |name: &str| {
            if RESERVED.split_whitespace().any(|w| w == name) {
                format!("{name}_")
            } else {
                name.to_owned()
            }
        };
        let params: Vec<String> = args
            .iter()
            .map(|(name, ts)| format!("{}: {ts}", param(name)))
            .collect();
        let fields: Vec<String> = args
            .iter()
            .map(|(name, _)| match param(name) {
                p if p == *name => p,
                p => format!("{name}: {p}"),
            })
            .collect();
        let body = if fields.is_empty() {
            format!("call(\"{}\")", c.name)
        } else {
            format!("call(\"{}\", {{ {} }})", c.name, fields.join(", "))
        };
        out.push_str(&format!(
            "  {}: ({}): Promise<{}> =>\n    {body},\n",
            camel_case(c.name),
            params.join(", "),
            (c.returns)()
        ));
    }
    out.push_str(
        "};\n\n/** The shell's events, each with its payload. */\nexport const events = {\n",
    );
    for e in EVENTS {
        jsdoc(&mut out, &[e.doc]);
        let payload = (e.payload)();
        out.push_str(&format!(
            "  {}: (handler: (payload: {payload}) => void): Promise<UnlistenFn> =>\n    listen<{payload}>(\"{}\", (e) => handler(e.payload)),\n",
            camel_case(&e.name.replace('-', "_")),
            e.name
        ));
    }
    out.push_str("};\n");
    out
}

/// The wrapper every command goes through: any rejection becomes an AppError.
const CALL: &str = r#"export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Any failure as an AppError, so the UI branches on `code` and `field`, never on words. */
export function asAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return { code: "ipc", message: e instanceof Error ? e.message : String(e) };
}

async function call<T>(command: CommandName, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw asAppError(e);
  }
}
"#;

/// capabilities/main.json: the main window may call each command in the table, and
/// listen for events; nothing else.
pub fn capability() -> String {
    let grants: Vec<String> = PLUGIN_COMMANDS
        .iter()
        .map(|(permission, _)| (*permission).to_owned())
        .chain(
            COMMANDS
                .iter()
                .map(|c| format!("allow-{}", c.name.replace('_', "-"))),
        )
        .map(|p| format!("    \"{p}\""))
        .collect();
    format!(
        r#"{{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "main",
  "description": "Generated from the command table by src-tauri/src/bindings.rs (make bindings): Escalate's own commands, one grant each, and listening for events. Native dialogs, opening PDFs and notifications are called from Rust, so the webview gets no plugin permissions.",
  "windows": [
    "main"
  ],
  "permissions": [
{}
  ]
}}
"#,
        grants.join(",\n")
    )
}
