// Generated from the Rust types by src-tauri/src/bindings.rs: do not edit.
// Refresh with `make bindings`; `make test` fails when this file is stale.

export type AppError = { code: ErrorCode, 
/**
 * The input field at fault, as the forms name it (`child_name`, `due`, …).
 */
field?: string, message: string, };

export type ErrorCode = "field.invalid" | "field.empty" | "time.too_early" | "calendar.unknown" | "calendar.out_of_range" | "calendar.file_invalid" | "protocol.invalid" | "protocol.unknown" | "protocol.in_use" | "protocol.shipped" | "protocol.version_exists" | "case.not_found" | "case.closed" | "case.wrong_protocol" | "case.empty" | "case.log_invalid" | "case.history_broken" | "stage.unknown" | "stage.last" | "stage.not_higher" | "stage.higher_not_allowed" | "stage.reason_required" | "stage.requirements_missing" | "stage.already_received" | "record.field_not_used" | "exclusion.unknown" | "notification.unknown" | "notification.not_owed" | "notification.already_sent" | "route.unknown" | "route.unchanged" | "route.stage_missing" | "stage.skip_not_allowed" | "stage.skip_decision_required" | "stage.nothing_skipped" | "deadline.unknown" | "extension.not_allowed" | "extension.not_later" | "attachment.too_large" | "store.missing" | "store.exists" | "store.not_empty" | "store.not_encrypted" | "store.not_a_database" | "store.schema_too_new" | "store.open" | "store.busy" | "store.clock_behind" | "store.locked" | "store.wrong_kind" | "identity.altered" | "key.wrong_passphrase" | "key.passphrase_needed" | "key.keyring_unavailable" | "key.file" | "key.not_rotated" | "backup.invalid" | "report.form_not_in_protocol" | "report.stage" | "report.font" | "report.pdf" | "export.invalid" | "board.import_running" | "card.invalid" | "bundle.invalid" | "dialog" | "file.unknown" | "open" | "ipc" | "io" | "database" | "random";

export type StateKind = "open" | "resolved" | "withdrawn" | "redirected";

export type ChronologyKind = "opened" | "escalated" | "resolved" | "withdrawn" | "redirected" | "record" | "notification-sent" | "deadline-shortened" | "deadline-extended" | "route-switched" | "protocol-moved" | "notification-due" | "deadline";

export type AlertLevel = "due-soon" | "overdue";

export type AppStatus = { 
/**
 * A lead's store exists in the data folder (so: unlock, not first run).
 */
store_exists: boolean, 
/**
 * A Board administrator's store exists beside it.
 */
board_exists: boolean, unlocked: boolean, 
/**
 * Which store is open.
 */
kind: StoreKind | null, 
/**
 * The open store is the demo store.
 */
demo: boolean, profile: Profile | null, 
/**
 * Things the lead should know (e.g. the keyring could not be used).
 */
notices: Array<string>, data_dir: string, };

export type ReportRequest = { reference: string, form: FormId, 
/**
 * For a stage record: which stage (default: the current one).
 */
stage: number | null, 
/**
 * How effective the protocol was, and suggestions (where the form asks:
 * `FormChoice.asks_effectiveness`).
 */
effectiveness: string, 
/**
 * Further notes (where the form asks: `FormChoice.asks_notes`).
 */
notes: string, };

export type ExportRequest = { reference: string, 
/**
 * The Board's age public key (`age1…`); or leave empty and give a passphrase; or
 * leave both empty, and the package goes to the Board the partnership bundle named.
 */
recipient: string, passphrase: string, 
/**
 * Initials and age band instead of the child's name and date of birth.
 */
minimise: boolean, effectiveness: string, };

export type SavedFile = { 
/**
 * Ask for it again by this number (open for printing).
 */
id: number, path: string, bytes: number, };

export type FormChoice = { form: FormId, title: string, 
/**
 * The form prints how effective the protocol was (`form.effectiveness`).
 */
asks_effectiveness: boolean, 
/**
 * The form prints further notes (`form.notes`).
 */
asks_notes: boolean, 
/**
 * The form is one stage's record: the lead may pick the stage.
 */
asks_stage: boolean, };

export type AuditView = { 
/**
 * The whole chain checked from the first entry.
 */
verification: AuditReport, 
/**
 * Every case's cache checked against its log.
 */
caches: CacheReport, 
/**
 * The newest entries, newest first.
 */
lines: Array<AuditLine>, };

export type CalendarCoverage = { calendar: CalendarId, 
/**
 * The last day official data (shipped or imported) covers.
 */
confirmed_until: string | null, 
/**
 * Official data covers the twelve months from today. When it does not, a front
 * end warns, gently, and offers to import GOV.UK's latest `bank-holidays.json`.
 */
next_twelve_months_confirmed: boolean, 
/**
 * The bank-holiday files imported, oldest first.
 */
imports: Array<HolidayImport>, 
/**
 * The file just given was imported before (the same SHA-256), so nothing changed.
 */
already_imported: boolean, };

export type CasePlan = { route: string, route_name: string, stages: Array<PlannedStage>, limits: Array<PlannedLimit>, };

export type ExtensionRequest = { 
/**
 * The current stage's own timescale (`timescale`) or a limit's id.
 */
deadline: DeadlineId, 
/**
 * The new due: the end of a day, or a moment.
 */
to: Due, 
/**
 * Who agreed, with their role.
 */
agreed_by: string, agreed_on: string, reason: string, };

export type ProtocolMove = { reference: string, protocol: string, from: ProtocolPin, to: ProtocolPin, 
/**
 * Every deadline the case has under either version, as of `now`.
 */
deadlines: Array<DeadlineChange>, 
/**
 * The move was made (`move_protocol`), or only previewed.
 */
moved: boolean, };

export type DeadlineChange = { kind: DeadlineKind, 
/**
 * The deadline's id (a notification's, a step's, a limit's, or `timescale`).
 */
id: string, stage: number | null, 
/**
 * What it is, in the version's words (the new version's where it has it).
 */
what: string, 
/**
 * `None`: the version has no such deadline.
 */
before: Due | null, after: Due | null, 
/**
 * `before` and `after` in words for people (`escalate_core::format::due`).
 */
before_text: string | null, after_text: string | null, };

export type RecordId = number;

export type StoreKind = "lead" | "board";

export type BoardView = { figures: BoardFigures, 
/**
 * Every agency and protocol in the imported records, for the filters.
 */
agencies: Array<string>, protocols: Array<string>, 
/**
 * Current records held (all periods).
 */
records: number, };

export type ImportSummary = { files: Array<FileResult>, new: number, replaced: number, duplicate: number, older: number, 
/**
 * Held apart, not counted: from a signer the directory does not hold, or unsigned.
 */
held: number, refused: number, };

export type ImportProgress = { done: number, total: number, };

export type Selection = { from: string, to: string, agency: string | null, protocol: string | null, };

export type Dimension = "raising-agency" | "raising-sector" | "receiving-agency" | "category" | "protocol" | "stage-resolved" | "quarter" | "all";

export type CaseLine = { reference: string, raising_agency: string, receiving_agency: string, protocol: string, category: string, opened_at: string, status: StateKind, stage_reached: number, stage_resolved: number | null, working_days: number | null, };

export type BoardFigures = { from: string, to: string, total: number, 
/**
 * Packages held apart and not counted (from a signer the Board's directory does
 * not hold, or unsigned), whatever their period: the Board's store sets it.
 */
held: number, resolved: number, by_raising_agency: { [key in string]?: number }, by_raising_sector: { [key in string]?: number }, by_receiving_agency: { [key in string]?: number }, by_category: { [key in string]?: number }, by_protocol: { [key in string]?: number }, 
/**
 * Stage number (as text) to the number of cases resolved there; "unresolved" for the rest.
 */
by_stage_resolved: { [key in string]?: number }, 
/**
 * The resolved cases listed one by one: those resolved at a stage their protocol's
 * `[board_report] list_resolved_at` names. (The name is the one figures have
 * always been exported under.)
 */
resolved_at_stage_5_or_6: Array<LateCase>, 
/**
 * The stages those lists name, across the protocols of the cases counted.
 */
listed_stages: Array<number>, median_working_days: number | null, time_to_resolution: Spread, 
/**
 * Stage resolved at (as text) to the spread of working days.
 */
time_to_resolution_by_stage: { [key in string]?: Spread }, 
/**
 * Ended stages with a timescale that was not extended.
 */
stages_with_timescale: number, stages_within_timescale: number, 
/**
 * `stages_within_timescale / stages_with_timescale`, when there are any.
 */
share_within_timescale: number | null, 
/**
 * Ended stages whose timescale was extended by agreement, counted apart from the
 * others, and how many of them kept to the agreed due.
 */
stages_extended: number, stages_extended_within: number, 
/**
 * Stages gone past by a recorded decision.
 */
stages_skipped: number, open_past_whole_timescale: Array<Overdue>, effectiveness: Array<Comment>, by_quarter: Array<Quarter>, };

export type Spread = { cases: number, median: number | null, p90: number | null, longest: number | null, };

export type LateCase = { reference: string, raising_agency: string, receiving_agency: string, protocol: string, stage_resolved: number, working_days: number | null, };

export type Quarter = { 
/**
 * e.g. "2026-Q4".
 */
quarter: string, opened: number, resolved: number, median_working_days: number | null, };

export type Overdue = { reference: string, raising_agency: string, protocol: string, opened_at: string, 
/**
 * When the last stage was due had every stage run to its limit.
 */
all_stages_due: string, };

export type Comment = { reference: string, agency: string, text: string, };

export type FileResult = { file: string, 
/**
 * `None` when the file was refused or held.
 */
outcome: ImportOutcome | null, 
/**
 * Why it was held apart rather than counted.
 */
held: HeldReason | null, 
/**
 * Why it was refused.
 */
refused: string | null, };

export type HeldReason = "unknown-signer" | "unsigned";

export type HeldSummary = { 
/**
 * What `board_accept` takes.
 */
id: number, source_agency: string, reference: string, exported_at: string, imported_at: string, file_name: string, key_id: string | null, fingerprint: string | null, reason: HeldReason, };

export type HeldId = number;

export type PartnershipView = { board: DirectoryEntry | null, directory: Array<DirectoryEntry>, card: AgencyCard, };

export type AgencyCard = { agency: string, sector: string, 
/**
 * The base64 line of the minisign public key.
 */
signing_key: string, key_id: string, recipient: string, fingerprint: string, created_at: string, 
/**
 * The card file (JSON), as `identity export` writes it.
 */
json: string, 
/**
 * The two-line public-key file `minisign -V -p` reads.
 */
public_key_file: string, 
/**
 * Keys this agency signed with before, oldest first: packages they signed still
 * verify.
 */
retired: Array<RetiredKeyView>, };

export type RetiredKeyView = { key_id: string, fingerprint: string, created_at: string, retired_at: string, };

export type DirectoryEntry = { id: number, agency: string, sector: string, role: DirectoryRole, 
/**
 * The base64 line of the agency's minisign public key.
 */
signing_key: string, key_id: string, recipient: string, fingerprint: string, added_at: string, 
/**
 * From this day on, nothing signed by this key is believed.
 */
revoked_from: string | null, 
/**
 * The card as added (JSON): what a Board's bundle hands on to its agencies.
 */
card: string, };

export type DirectoryRole = "agency" | "board";

export type CardPreview = { agency: string, sector: string, key_id: string, fingerprint: string, recipient: string, created_at: string, 
/**
 * After a rotation: the key id of the key that endorses this one.
 */
endorsed_by: string | null, };

export type BundlePreview = { board: CardPreview, 
/**
 * This store trusts no Board yet: the lead compares the fingerprint first.
 */
first_time: boolean, 
/**
 * Each protocol version's file name in the bundle.
 */
protocols: Array<string>, calendar: boolean, cards: Array<CardPreview>, created_at: string, };

export type BundleInstalled = { board: DirectoryEntry, 
/**
 * Protocol versions installed (id and version); those already held are not listed.
 */
protocols: Array<string>, calendar_imported: boolean, cards_added: number, };

export type DirectoryChange = { entry: DirectoryEntry, outcome: DirectoryOutcome, 
/**
 * Held packages signed by this key, now verified and counted (a Board's store).
 */
counted: number, };

export type DirectoryOutcome = "added" | "already-present" | "rotated";

export type ImportOutcome = "new" | "replaced" | "duplicate" | "older" | "protocol-conflict";

export type AuditReport = { entries: number, 
/**
 * The last entry's hash: note it, and a later shortened trail shows.
 */
head: string, first_broken: Broken | null, };

export type Broken = { 
/**
 * The position in the chain (1 = first entry) where it breaks.
 */
position: number, seq: number, reason: string, };

export type CacheReport = { 
/**
 * How many cases were replayed.
 */
cases: number, first_mismatch: CacheMismatch | null, 
/**
 * Every difference found, the first one first.
 */
mismatches: Array<CacheMismatch>, };

export type CacheMismatch = { 
/**
 * The case's reference, or `settings`.
 */
reference: string, 
/**
 * The table and column (`stage_records.agreed`, `profile.calendar`), where one
 * value differs.
 */
field: string | null, 
/**
 * The log entry holding the true value.
 */
entry: number | null, reason: string, };

export type AuditAction = "store.create" | "profile.update" | "closure_day.add" | "closure_day.remove" | "case.create" | "stage.record" | "stage.receive" | "case.escalate" | "case.resolve" | "case.withdraw" | "case.redirect" | "notification.sent" | "deadline.shorten" | "deadline.extend" | "case.switch_route" | "case.migrate" | "case.move_protocol" | "attachment.add" | "protocol.install" | "protocol.remove" | "protocol.current" | "protocol.pin" | "calendar.import" | "key.passphrase_change" | "key.rotate" | "board.import" | "board.replace" | "board.import_older" | "board.remove" | "case.content" | "settings.adopt" | "integrity.altered" | "identity.create" | "identity.rotate" | "directory.add" | "directory.revoke" | "board.hold" | "board.accept" | "partnership.install";

export type AuditEntity = "store" | "profile" | "closure_day" | "case" | "protocol" | "calendar" | "board_package" | "settings" | "identity" | "directory" | "partnership";

export type AuditLine = { seq: number, at: string, actor: string, action: AuditAction, entity: AuditEntity, entity_id: string, };

export type ClosureDay = { day: string, 
/**
 * Empty when none was given.
 */
note: string, };

export type InstalledProtocol = { id: string, name: string, version: string, 
/**
 * SHA-256 of the text, lower-case hex: what cases are pinned to.
 */
sha256: string, 
/**
 * It came with Escalate (rather than from a file a lead or administrator gave).
 */
shipped: boolean, 
/**
 * New cases of its id are opened under this version.
 */
current: boolean, 
/**
 * The file it was installed from.
 */
file_name: string, installed_at: string, 
/**
 * Cases pinned to this version.
 */
cases: number, };

export type HolidayImport = { file_name: string, 
/**
 * SHA-256 of the file as imported, lower-case hex.
 */
sha256: string, imported_at: string, nations: Array<ImportedNation>, };

export type ImportedNation = { calendar: CalendarId, first_year: number, last_year: number, 
/**
 * Bank holidays it lists.
 */
holidays: number, };

export type Alert = { reference: string, level: AlertLevel, 
/**
 * When it is or was due, as the engine gives it.
 */
due: Due, };

export type Profile = { name: string, designation: string, agency: string, sector: Sector, 
/**
 * The protocol new cases use unless told otherwise.
 */
protocol_id: string, calendar: CalendarId, auto_lock_minutes: number, };

export type NewCase = { child_name: string, child_dob: string | null, 
/**
 * Local identifiers (e.g. a social care or NHS number), as the agency writes them.
 */
child_identifiers: string, 
/**
 * Category of disagreement (e.g. "Threshold for assessment").
 */
category: string, summary: string, raising_agency: string, raising_sector: Sector | null, raising_professional: string | null, receiving_agency: string, receiving_sector: Sector | null, receiving_professional: string | null, 
/**
 * Defaults to the profile's protocol.
 */
protocol: string | null, 
/**
 * Defaults to now.
 */
opened_at: string | null, immediate_risk: string | null, 
/**
 * Defaults to the route's first stage; higher only with immediate risk, or with a
 * skip decision where the protocol lets the stages in between be skipped.
 */
stage: number | null, 
/**
 * The route chosen at intake by its question; defaults to the standard route.
 */
route: string | null, 
/**
 * Who decided to open above the route's first stage, and why, where the protocol
 * lets the stages in between be skipped.
 */
skip: SkipDecision | null, };

export type Participant = { name: string, role: string, agency: string, };

export type StageRecordInput = { 
/**
 * When it took place; defaults to now.
 */
discussed_at: string | null, participants: Array<Participant>, raising_view: string, receiving_view: string, summary: string, 
/**
 * Agreed outcome and actions.
 */
agreed: string, resolved: boolean, 
/**
 * Protocol-specific fields (e.g. "risk-analysis") and their text.
 */
extra: { [key in RecordField]?: string }, next_step: string, approved_by: string | null, approved_on: string | null, };

export type StageRecord = { id: number, stage: number, discussed_at: string, participants: Array<Participant>, raising_view: string, receiving_view: string, summary: string, agreed: string, resolved: boolean, extra: { [key in RecordField]?: string }, next_step: string, approved_by: string | null, approved_on: string | null, recorded_at: string, recorded_by: string, };

export type CaseListItem = { reference: string, child_name: string, raising_agency: string, receiving_agency: string, protocol_id: string, 
/**
 * The name of the route the case is on, where that is not the protocol's standard
 * route (an urgent route, say): the dashboard shows it beside the stage.
 */
route: string | null, stage: number, state: StateKind, urgency: Urgency, next_due: Due | null, 
/**
 * `next_due` in words for people (`escalate_core::format::due`), written by
 * escalate-api for the front ends; `None` as the store lists it.
 */
next_due_text: string | null, 
/**
 * The case's record was found altered outside Escalate, or its history broken, by
 * a read of the case or by `audit verify`: the case's own screen says what and where.
 */
integrity: IntegrityFlag | null, };

export type CaseDetail = { reference: string, protocol_id: string, 
/**
 * The installed version of the protocol the case runs under.
 */
protocol_version: string, 
/**
 * The SHA-256 of that version's text, which the case is pinned to.
 */
protocol_sha256: string, child_name: string, child_dob: string | null, child_identifiers: string, category: string, summary: string, raising_agency: string, raising_professional: string | null, receiving_agency: string, receiving_professional: string | null, opened_at: string, immediate_risk: string | null, state: StateKind, outcome: string | null, closed_at: string | null, records: Array<StageRecord>, 
/**
 * Notifications marked as sent, oldest first.
 */
notifications_sent: Array<SentNotification>, 
/**
 * The engine's view of the case: stages entered and left, with times.
 */
engine: Case, 
/**
 * Each of `engine.extensions`' `to` in words for people
 * (`escalate_core::format::due`), in the same order.
 */
extensions_to_text: Array<string>, 
/**
 * The engine's answer now: deadlines, urgency, next step, contacts, forms.
 */
status: CaseStatus, 
/**
 * Each formal stage's due date on the case's route, had every stage run to its
 * limit from the outset.
 */
plan: Array<PlannedStage>, 
/**
 * What the lead may do next: where the case may escalate to, which deadlines may
 * be extended, the routes it may switch to.
 */
next: NextSteps, 
/**
 * Whether what is shown is what the log holds: the store altered outside Escalate,
 * or the hash chain broken inside the case's history.
 */
integrity: CaseIntegrity, };

export type CaseIntegrity = { 
/**
 * Values kept beside the log (the case's row, its stage records, the dashboard's
 * cache) that differed from it: shown as the log holds them, and rebuilt.
 */
altered: Array<Alteration>, 
/**
 * Log entries in which an earlier read already found the store altered.
 */
detected: Array<number>, 
/**
 * The hash chain breaks at this entry of the case's history: nothing from it on is
 * shown, printed or sent as true.
 */
broken: HistoryBreak | null, };

export type Alteration = { 
/**
 * The table and column, e.g. `cases.child_name`, `stage_records.agreed`,
 * `closure_days`, `profile.calendar`.
 */
field: string, 
/**
 * The stage record, closure day or protocol version the value belongs to.
 */
item: string | null, 
/**
 * The log entry that holds the true value (none where the table holds something
 * the log never did).
 */
entry: number | null, };

export type HistoryBreak = { 
/**
 * The audit entry (its number in the chain) where it breaks.
 */
entry: number, reason: string, };

export type IntegrityFlag = "altered" | "broken";

export type SentNotification = { stage: number | null, notification: string, sent_to: string, 
/**
 * When it was due, as the engine saw it when it was marked.
 */
due: string | null, sent_at: string, note: string, };

export type ChronologyEntry = { at: string, stage: number | null, kind: ChronologyKind, text: string, 
/**
 * A deadline or owed notification that has passed.
 */
overdue: boolean, };

export type Sector = "local-authority" | "schools" | "health-secondary" | "health-primary" | "voluntary" | "police" | "other";

export type CalendarId = "england-and-wales" | "scotland" | "northern-ireland";

export type Case = { protocol: string, 
/**
 * The outset of the concern; cumulative timescales count from here.
 */
opened_at: string, raising_sector?: Sector | null, receiving_sector?: Sector | null, immediate_risk?: string | null, state: CaseState, 
/**
 * Every stage the case has been at, oldest first; the last is the current one.
 */
stages: Array<StageEntry>, shorter_deadlines?: Array<ShorterDeadline>, sent?: Array<Sent>, 
/**
 * The route the case is on; `None`: the protocol's standard route.
 */
route?: string | null, route_switches?: Array<RouteSwitch>, 
/**
 * Stages gone past by a recorded decision.
 */
skips?: Array<Skipped>, 
/**
 * Deadlines extended by agreement, oldest first.
 */
extensions?: Array<Extension>, };

export type CaseState = { "state": "open" } | { "state": "resolved", at: string, stage: number, } | { "state": "withdrawn", at: string, reason: string, } | { "state": "redirected", at: string, exclusion: string, };

export type RecordSummary = { 
/**
 * The stage record's number in the store, where it has been kept.
 */
record?: number | null, 
/**
 * When the discussion or meeting took place.
 */
discussed_at: string, resolved: boolean, 
/**
 * The protocol-specific fields the record fills in.
 */
fields?: Array<RecordField>, };

export type StageEntry = { stage: number, 
/**
 * The route the stage belongs to; `None`: the protocol's standard route.
 */
route?: string | null, started_at: string, 
/**
 * When the receiving agency received the matter, where recorded.
 */
received_at?: string | null, records?: Array<RecordSummary>, 
/**
 * When the case was escalated out of this stage.
 */
left_at?: string | null, };

export type ShorterDeadline = { stage: number, due: string, reason: string, };

export type Sent = { stage: number | null, notification: string, at: string, };

export type SkipDecision = { reason: string, 
/**
 * The name of who decided.
 */
decided_by: string, 
/**
 * Their role, required where the protocol's `[skipping]` names one and is relied on.
 */
role?: string | null, };

export type Skipped = { at: string, 
/**
 * The stage left; `None` when the case opened above its first stage.
 */
from?: number | null, to: number, 
/**
 * The stages gone past, in order.
 */
stages: Array<number>, route?: string | null, reason: string, 
/**
 * The name of who decided.
 */
decided_by: string, 
/**
 * Their role, required where the protocol's `[skipping]` names one and is relied on.
 */
role?: string | null, };

export type Extension = { 
/**
 * When it was recorded.
 */
at: string, 
/**
 * The stage's own timescale (written `timescale`) or a limit's id.
 */
deadline: DeadlineId, 
/**
 * For a stage's timescale: which stage.
 */
stage?: number | null, route?: string | null, 
/**
 * The new due.
 */
to: Due, 
/**
 * Who agreed (name, and role).
 */
agreed_by: string, agreed_on: string, reason: string, };

export type RouteSwitch = { at: string, 
/**
 * The route left and the route taken; `None`: the standard route.
 */
from?: string | null, to?: string | null, 
/**
 * The stage the case is at on the new route.
 */
stage: number, reason: string, };

export type ProtocolPin = { version: string, 
/**
 * Lower-case hex.
 */
sha256: string, };

export type Due = { "kind": "end-of-day", "at": string } | { "kind": "at", "at": string } | { "kind": "without-delay" } | { "kind": "no-limit" };

export type DeadlineId = string;

export type Urgency = { "status": "on-track" } | { "status": "due-soon" } | { "status": "overdue", working_days: number, };

export type DeadlineKind = "stage" | "cumulative" | "step" | "notification" | "limit" | "cap";

export type DeadlineStatus = { kind: DeadlineKind, 
/**
 * `None` for the protocol's on-resolution notifications.
 */
stage: number | null, id: string, what: string, 
/**
 * For notifications: who is owed.
 */
to: string | null, due: Due, 
/**
 * `due` in words for people (`escalate_core::format::due`), filled by
 * [`Engine::status`]; empty in the dashboard's summary, which never shows it.
 */
due_text: string, urgency: Urgency, 
/**
 * The reason given, where a shorter child-protective deadline replaced the protocol's.
 */
shortened: string | null, 
/**
 * Where the deadline was extended by agreement, as the protocol allows.
 */
extended: Extended | null, 
/**
 * For a run's limit: the cap's id, where the cap falls due first and so sets the due.
 */
capped_by: string | null, };

export type Extended = { agreed_by: string, agreed_on: string, reason: string, 
/**
 * The due the protocol set (or the one an earlier extension set).
 */
was: Due, 
/**
 * `was` in words for people (`escalate_core::format::due`), filled by
 * [`Engine::status`] as `due_text` is.
 */
was_text: string, };

export type Side = "both" | "raising" | "receiving";

export type Contact = { side: Side, sector: Sector | null, who: string, };

export type FormDue = { 
/**
 * The event that makes it due has happened.
 */
owed: boolean, form: FormId, 
/**
 * stage-start, discussion, resolution or escalation.
 */
on: Anchor, send_to: Array<string>, words: string, };

export type CaseStatus = { state: StateKind, 
/**
 * The route the case is on, and its name.
 */
route: string, route_name: string, stage: number, stage_title: string, urgency: Urgency, next_deadline: DeadlineStatus | null, 
/**
 * Soonest first.
 */
deadlines: Array<DeadlineStatus>, 
/**
 * What to do if the difference is not resolved at this stage, in the protocol's words.
 */
next_step: string, 
/**
 * The stage's checklist, in the protocol's words.
 */
actions: Array<string>, 
/**
 * What the stage's record holds (its words and fields), on the case's route.
 */
record: RecordRule, contacts: Array<Contact>, forms: Array<FormDue>, 
/**
 * What the stage record still needs before the case may be escalated.
 */
escalation_blockers: Array<Requirement>, 
/**
 * Where a redirected case was sent.
 */
redirected_to: string | null, };

export type PlannedStage = { stage: number, title: string, 
/**
 * When the stage starts if every earlier stage runs to its limit.
 */
starts: string | null, due: PlanDue, 
/**
 * `due` in words for people (`escalate_core::format::plan_due`).
 */
due_text: string, 
/**
 * The protocol lets the stage be left out on a recorded decision.
 */
optional: boolean, 
/**
 * The protocol's words for the stage's timescale on this route, where it has one.
 */
timescale_words: string | null, };

export type PlanDue = { "kind": "date", "at": string } | { "kind": "at", "at": string } | { "kind": "without-delay" } | { "kind": "no-limit" } | { "kind": "after-stage", "at": number };

export type PlannedLimit = { 
/**
 * The limit's id (`limit` in the plan's JSON rows).
 */
limit: string, words: string, 
/**
 * The cap on the whole process.
 */
cap: boolean, 
/**
 * The run's first and last stage; `None` for the cap.
 */
stages: [number, number] | null, due: PlanDue, 
/**
 * `due` in words for people (`escalate_core::format::plan_due`).
 */
due_text: string, 
/**
 * The cap's id, where the cap falls due first and so sets this limit's due.
 */
capped_by: string | null, };

export type StageRef = { number: number, title: string, 
/**
 * The protocol lets this stage be left out on a recorded decision.
 */
optional: boolean, };

export type DecisionNeeds = { 
/**
 * Their role is needed too: a stage left out is not optional, so the move relies
 * on the protocol's rule on skipping, which names who decides.
 */
role_needed: boolean, 
/**
 * The role the protocol names as deciding, where it has a rule on skipping (to
 * ask for, even where it is not needed).
 */
role: string | null, 
/**
 * The protocol's words on skipping, where the move relies on them; `None` where
 * every stage left out is optional.
 */
words: string | null, };

export type RiskNeeds = { 
/**
 * The immediate risk to the child must be given as the reason: the case has none
 * recorded yet.
 */
reason_needed: boolean, 
/**
 * The protocol's words on immediate risk.
 */
words: string, };

export type StageTarget = { stage: number, title: string, 
/**
 * The formal stages the move goes past, in order. Empty: the next stage (or, for an
 * opening, the route's first), which needs nothing more.
 */
leaves_out: Array<StageRef>, 
/**
 * Where stages are left out and a recorded decision may do it: what it needs.
 */
decision: DecisionNeeds | null, 
/**
 * Where stages are left out and immediate risk may do it: what it needs.
 */
risk: RiskNeeds | null, };

export type ExtendableDeadline = { 
/**
 * What an extension names: `timescale` (the current stage's) or a limit's id; the
 * `id` of the deadline in the case's status.
 */
deadline: string, 
/**
 * The stage, for a timescale (the `stage` of the deadline in the status).
 */
stage: number | null, 
/**
 * The protocol's words for the deadline.
 */
what: string, 
/**
 * Who may agree, in the protocol's words.
 */
rule: ExtensionRule, };

export type SwitchTargets = { 
/**
 * The route has the stage the case is at: the case may stay at it (its clock runs
 * on), giving no stage.
 */
stay: boolean, 
/**
 * The stages of the route the case may be put at, in order.
 */
stages: Array<StageRef>, };

export type RouteChoice = { id: string, name: string, 
/**
 * The protocol's standard route (a case on it keeps no route id).
 */
standard: boolean, 
/**
 * The route the case is on.
 */
current: boolean, 
/**
 * Where the open case may switch to this route; `None` for the route it is on,
 * and when the case is closed.
 */
switch: SwitchTargets | null, };

export type NextSteps = { 
/**
 * The stages an escalation may go to now, the next one first. Empty when the case
 * is closed, at its route's last stage, or its stage record still lacks something
 * (the status's `escalation_blockers` say what).
 */
escalation: Array<StageTarget>, 
/**
 * The deadlines that may be extended now, the stage's timescale first.
 */
extendable: Array<ExtendableDeadline>, 
/**
 * Every route of the protocol, the standard one first.
 */
routes: Array<RouteChoice>, };

export type IntakeRoute = { id: string, name: string, 
/**
 * The standard route: a new case on it names no route.
 */
standard: boolean, 
/**
 * The yes/no question intake asks: yes takes this route (the first yes, in this
 * order). `None`: not asked (the standard route, or one only switched to).
 */
question: string | null, 
/**
 * The stages a case on this route may open at, the route's first first.
 */
openings: Array<StageTarget>, };

export type Intake = { protocol: string, 
/**
 * Every route, the standard one first.
 */
routes: Array<IntakeRoute>, };

export type Limit = string;

export type Anchor = "case-start" | "stage-start" | "receipt" | "discussion" | "unresolved-discussion" | "resolution" | "escalation";

export type Timescale = { within: Limit, from: Anchor, 
/**
 * The protocol's words for the timescale.
 */
words: string, 
/**
 * The protocol asks for a shorter timescale where the child's safety needs it
 * ("or a timescale that protects the child from harm, whichever is less").
 */
shorter_if_child_needs: boolean, 
/**
 * Who may agree to extend it, where the protocol allows that (format 2).
 */
extension?: ExtensionRule | null, };

export type ExtensionRule = { 
/**
 * The role that must agree.
 */
by: string, words: string, };

export type RunLimit = { id: string, 
/**
 * The first and last stage of the run; empty for the cap.
 */
stages?: Array<number>, 
/**
 * The cap on the whole process: no run's limit falls later than it.
 */
cap: boolean, within: Limit, 
/**
 * `case-start` (the outset, the default) or `stage-start`.
 */
from: Anchor, 
/**
 * With `from = "stage-start"`: the stage whose start it counts from (default: the
 * first of the run). A case that skipped it counts from the first later stage it reached.
 */
from_stage?: number | null, 
/**
 * The protocol's words.
 */
words: string, extension?: ExtensionRule | null, };

export type Route = { id: string, name: string, 
/**
 * The yes/no question asked at intake: yes takes this route. A route without one is
 * only reached by switching to it.
 */
question?: string | null, 
/**
 * The protocol's words for the route.
 */
words: string, 
/**
 * The protocol's stages this route takes, in order.
 */
use_stages?: Array<number> | null, 
/**
 * The route's own stages.
 */
stages?: Array<Stage>, 
/**
 * Timescales that replace those of stages the route takes.
 */
timescales?: Array<RouteTimescale>, limits?: Array<RunLimit>, };

export type RouteTimescale = { stage: number, within: Limit, from: Anchor, 
/**
 * The protocol's words for the timescale.
 */
words: string, 
/**
 * The protocol asks for a shorter timescale where the child's safety needs it
 * ("or a timescale that protects the child from harm, whichever is less").
 */
shorter_if_child_needs: boolean, 
/**
 * Who may agree to extend it, where the protocol allows that (format 2).
 */
extension?: ExtensionRule | null, };

export type StandardRoute = { id: string, name: string, words?: string | null, };

export type Skipping = { 
/**
 * The role that decides.
 */
by: string, words: string, 
/**
 * The stages that may be skipped; empty: any stage.
 */
stages?: Array<number>, };

export type Deadline = { id: string, what: string, within: Limit, from: Anchor, };

export type Notification = { id: string, 
/**
 * Who must be told.
 */
to: string, 
/**
 * What they must be sent or told, in the protocol's words.
 */
what: string, 
/**
 * The event that makes it owed; its due time counts from that event.
 */
on: Anchor, within: Limit, 
/**
 * Who sends it, where the protocol says.
 */
by: string | null, };

export type FormId = string;

export type FormRequirement = { form: FormId, 
/**
 * stage-start, discussion, resolution or escalation.
 */
on: Anchor, send_to: Array<string>, words: string, };

export type FormDef = { id: FormId, title: string, 
/**
 * The organisation named at the top of every page (default: the partnership).
 */
organisation?: string | null, 
/**
 * Words printed under the title, before the first section.
 */
intro?: string | null, 
/**
 * The form a Board package carries unless the lead picks another.
 */
board: boolean, 
/**
 * The stages whose records and notifications fill the form (default: every stage).
 */
stages?: Array<number>, sections: Array<FormSection>, };

export type FormSection = { heading?: string | null, 
/**
 * Start the section on a new page unless it fits whole on this one (a signature
 * block).
 */
keep_together: boolean, 
/**
 * Room after the section (default "2 mm").
 */
space_after: Space, items: Array<FormItem>, };

export type FormItem = { label?: string | null, from?: string | null, text?: string | null, 
/**
 * The least room the box takes, to write in by hand (default "1 line").
 */
space?: Space | null, tick?: string | null, 
/**
 * A stage tick-box group's stages (default: every formal stage).
 */
options?: Array<number>, 
/**
 * The boxes' own words, one per box (default "Stage N", or "Yes" and "No").
 */
labels?: Array<string>, paragraph?: string | null, 
/**
 * The stages whose records fill this item (default: the form's).
 */
stages?: Array<number>, };

export type Space = string;

export type BoardReport = { 
/**
 * Cases resolved at these stages are listed one by one.
 */
list_resolved_at: Array<number>, 
/**
 * The protocol's words.
 */
words: string, };

export type RecordField = string;

export type RecordFieldDef = { id: RecordField, 
/**
 * The label on the record form and the printed forms, in the protocol's words.
 */
label: string, 
/**
 * What to write, shown under the label.
 */
help?: string | null, 
/**
 * Must be filled in before the case may leave a stage whose record asks for it.
 */
required_to_escalate: boolean, 
/**
 * A box for paragraphs (the default) rather than one line.
 */
multiline: boolean, };

export type Requirement = string;

export type RecordRule = { required: boolean, words: string, fields: Array<RecordField>, 
/**
 * Where copies of the record are kept.
 */
keep_on: Array<string>, };

export type Stage = { number: number, title: string, 
/**
 * A step before the formal stages (an informal stage, such as a professional discussion): never planned.
 */
informal: boolean, 
/**
 * The protocol lets this stage be left out (e.g. a meeting held "if manager deems
 * appropriate"); skipping it still needs a recorded reason and who decided (format 2).
 */
optional: boolean, 
/**
 * Who deals with the difference at this stage.
 */
led_by: string, 
/**
 * Who to contact at this stage, in the protocol's words.
 */
contact: string, 
/**
 * Others who join, and when.
 */
also_involve: Array<string>, 
/**
 * The checklist for the stage, in the protocol's words.
 */
actions: Array<string>, 
/**
 * How soon the matter must reach this stage once the one before fails.
 */
entry: Limit, timescale: Timescale | null, deadlines: Array<Deadline>, notifications: Array<Notification>, record: RecordRule, forms: Array<FormRequirement>, 
/**
 * What happens if the difference is not resolved at this stage.
 */
next_step: string, escalate_requires: Array<Requirement>, 
/**
 * What an outcome at this stage means (e.g. "final and binding").
 */
outcome: string | null, };

export type ImmediateRisk = { 
/**
 * An immediate risk to the child, with a recorded reason, lets the case start
 * at (or escalate to) a higher stage.
 */
higher_stage: boolean, words: string, };

export type Exclusion = { id: string, 
/**
 * The question a lead answers at intake.
 */
question: string, 
/**
 * The protocol's words for the exclusion.
 */
words: string, 
/**
 * The procedure to follow instead.
 */
redirect: string, };

export type SectorRoles = { sector: Sector, 
/**
 * Stage number (as text, a TOML key) to who is involved.
 */
who: { [key in string]?: string }, };

export type Protocol = { 
/**
 * 1 (no `format` key) or 2.
 */
format: number, id: string, name: string, partnership: string, version: string, 
/**
 * Where the text comes from.
 */
source: string, 
/**
 * The bank-holiday calendar of the partnership's nation.
 */
calendar: CalendarId, 
/**
 * Who the Board-level contact is for reports and copies.
 */
board_contact: string | null, principles: Array<string>, 
/**
 * What the protocol says about keeping records, for every stage.
 */
record_keeping: string, immediate_risk: ImmediateRisk, 
/**
 * How smaller organisations map stages to their own seniority levels.
 */
smaller_organisations: string | null, exclusions: Array<Exclusion>, stages: Array<Stage>, 
/**
 * Owed when the difference is resolved, at whatever stage.
 */
on_resolution: Array<Notification>, sectors: Array<SectorRoles>, 
/**
 * The name of the route the protocol's own stages make.
 */
standard_route?: StandardRoute | null, 
/**
 * Limits over runs of the protocol's own stages, and the cap.
 */
limits?: Array<RunLimit>, routes?: Array<Route>, skipping?: Skipping | null, 
/**
 * The fields stage records may carry beyond the common ones. A format 1 file that
 * declares none has the seven of `assets/protocols/defaults/record-fields.toml`, filled in
 * when the file is read.
 */
record_fields: Array<RecordFieldDef>, 
/**
 * The partnership's printable forms.
 */
forms?: Array<FormDef>, 
/**
 * Which cases the Board's monitoring report lists one by one.
 */
board_report?: BoardReport | null, };
