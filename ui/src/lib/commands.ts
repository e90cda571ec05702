// Generated from the command table (src-tauri/src/commands/table.rs) by
// src-tauri/src/bindings.rs: do not edit. Refresh with `make bindings`; `make test`
// fails when this file is stale. The UI reaches the shell only through this file.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AppError,
  AppStatus,
  AuditView,
  BoardView,
  BundleInstalled,
  BundlePreview,
  CalendarCoverage,
  CardPreview,
  CaseDetail,
  CaseLine,
  CaseListItem,
  CasePlan,
  ChronologyEntry,
  ClosureDay,
  Dimension,
  DirectoryChange,
  DirectoryEntry,
  ExportRequest,
  ExtensionRequest,
  FormChoice,
  HeldId,
  HeldSummary,
  ImportOutcome,
  ImportProgress,
  ImportSummary,
  InstalledProtocol,
  Intake,
  NewCase,
  PartnershipView,
  Profile,
  Protocol,
  ProtocolMove,
  RecordId,
  ReportRequest,
  SavedFile,
  Selection,
  SkipDecision,
  StageRecordInput,
  StoreKind,
} from "./bindings";

/** Every command the shell registers, in the table's order. */
export const COMMAND_NAMES = ["app_status", "new_passphrase", "create_store", "unlock", "lock", "open_demo", "list_cases", "case_detail", "chronology", "protocols", "intake_options", "create_case", "escalate_case", "escalate_skipping", "switch_route", "extend_deadline", "case_plan", "preview_protocol_move", "move_protocol", "resolve_case", "withdraw_case", "mark_sent", "record_stage", "save_draft", "load_draft", "report_forms", "preview_report", "save_report", "open_saved", "export_package", "update_profile", "closure_days", "add_closure_day", "remove_closure_day", "installed_protocols", "install_protocol", "remove_protocol", "calendar_coverage", "import_holidays", "partnership", "export_card", "preview_bundle", "install_bundle", "preview_card", "add_card", "revoke_card", "audit_trail", "board_overview", "board_cases", "board_import", "board_held", "board_accept", "board_discard", "board_save_report", "ui_ready"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Commands of Tauri's own plugins the capability grants: listening for events. */
export const PLUGIN_COMMANDS = ["plugin:event|listen", "plugin:event|unlisten"] as const;

export function isAppError(e: unknown): e is AppError {
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

export const commands = {
  /** What the UI needs to choose its first screen. */
  appStatus: (): Promise<AppStatus> =>
    call("app_status"),
  /** A fresh recovery passphrase to show once at first run. */
  newPassphrase: (): Promise<string> =>
    call("new_passphrase"),
  /** A new store of `kind`; `confirm` must repeat the passphrase shown. */
  createStore: (kind: StoreKind, profile: Profile, passphrase: string, confirm: string): Promise<AppStatus> =>
    call("create_store", { kind, profile, passphrase, confirm }),
  /** Unlock with the key in the OS keyring (no passphrase) or the recovery passphrase. */
  unlock: (kind: StoreKind, passphrase: string | null): Promise<AppStatus> =>
    call("unlock", { kind, passphrase }),
  /** Close the store and drop its key from memory. */
  lock: (): Promise<AppStatus> =>
    call("lock"),
  /** A fresh demo store with sample cases, opened in place of the lead's own. */
  openDemo: (): Promise<AppStatus> =>
    call("open_demo"),
  /** The dashboard: open cases (or all), most urgent first. */
  listCases: (includeClosed: boolean, search: string | null): Promise<Array<CaseListItem>> =>
    call("list_cases", { includeClosed, search }),
  caseDetail: (reference: string): Promise<CaseDetail> =>
    call("case_detail", { reference }),
  chronology: (reference: string): Promise<Array<ChronologyEntry>> =>
    call("chronology", { reference }),
  /**
   * The protocols installed in the lead's store (the version new cases use of each),
   * for intake (scope questions, routes, stages) and the case screen; before a store
   * is open (first run), the shipped ones a new store installs.
   */
  protocols: (): Promise<Array<Protocol>> =>
    call("protocols"),
  /**
   * What intake offers under each protocol a case can be opened under: its routes,
   * the question that takes each, and the stages a case may open at.
   */
  intakeOptions: (): Promise<Array<Intake>> =>
    call("intake_options"),
  /** Open a case; answers its reference. */
  createCase: (case_: NewCase): Promise<string> =>
    call("create_case", { case: case_ }),
  /** Escalate to the next stage; answers the stage reached. */
  escalateCase: (reference: string, reason: string | null): Promise<number> =>
    call("escalate_case", { reference, reason }),
  /**
   * Escalate to `to_stage`, going past stages the protocol lets be skipped on a
   * recorded decision (why, who decided, their role); answers the stage reached.
   */
  escalateSkipping: (reference: string, toStage: number, reason: string | null, skip: SkipDecision): Promise<number> =>
    call("escalate_skipping", { reference, toStage, reason, skip }),
  /** Move the case to another route of its protocol; answers the stage it is at. */
  switchRoute: (reference: string, route: string, reason: string, toStage: number | null): Promise<number> =>
    call("switch_route", { reference, route, reason, toStage }),
  /** Extend a deadline by agreement, where the protocol allows it. */
  extendDeadline: (reference: string, request: ExtensionRequest): Promise<null> =>
    call("extend_deadline", { reference, request }),
  /** The case's plan on its route: each stage's and limit's due. */
  casePlan: (reference: string): Promise<CasePlan> =>
    call("case_plan", { reference }),
  /**
   * Each deadline before and after moving the case to another installed version of
   * its protocol; nothing is changed.
   */
  previewProtocolMove: (reference: string, version: string): Promise<ProtocolMove> =>
    call("preview_protocol_move", { reference, version }),
  /** Move the case to another installed version of its protocol, after the preview. */
  moveProtocol: (reference: string, version: string): Promise<ProtocolMove> =>
    call("move_protocol", { reference, version }),
  resolveCase: (reference: string, outcome: string): Promise<null> =>
    call("resolve_case", { reference, outcome }),
  withdrawCase: (reference: string, reason: string): Promise<null> =>
    call("withdraw_case", { reference, reason }),
  /** Mark a notification the protocol requires as sent, with when. */
  markSent: (reference: string, stage: number | null, notification: string, sentAt: string, note: string): Promise<null> =>
    call("mark_sent", { reference, stage, notification, sentAt, note }),
  /** Record the current stage; the store removes the form's draft with it. */
  recordStage: (reference: string, record: StageRecordInput): Promise<RecordId> =>
    call("record_stage", { reference, record }),
  /** Keep the stage record form as typed so far, in the encrypted store. */
  saveDraft: (reference: string, body: string): Promise<null> =>
    call("save_draft", { reference, body }),
  loadDraft: (reference: string): Promise<string | null> =>
    call("load_draft", { reference }),
  /** The forms this case's protocol can print, with their titles from its data. */
  reportForms: (reference: string): Promise<Array<FormChoice>> =>
    call("report_forms", { reference }),
  /** Each page's text, from the same layout as the PDF. */
  previewReport: (request: ReportRequest): Promise<Array<Array<string>>> =>
    call("preview_report", { request }),
  /** Render the form and save it where the lead chooses. `null`: the dialog was cancelled. */
  saveReport: (request: ReportRequest): Promise<SavedFile | null> =>
    call("save_report", { request }),
  /** Open a file saved this session in the system's viewer, for printing and signing. */
  openSaved: (id: number): Promise<null> =>
    call("open_saved", { id }),
  /**
   * An encrypted package for the Board administrator, saved where the lead chooses:
   * sealed to the key or passphrase given, or (neither given) to the Board the
   * installed partnership bundle named.
   */
  exportPackage: (request: ExportRequest): Promise<SavedFile | null> =>
    call("export_package", { request }),
  updateProfile: (profile: Profile): Promise<Profile> =>
    call("update_profile", { profile }),
  closureDays: (): Promise<Array<ClosureDay>> =>
    call("closure_days"),
  addClosureDay: (day: string, note: string): Promise<Array<ClosureDay>> =>
    call("add_closure_day", { day, note }),
  removeClosureDay: (day: string): Promise<Array<ClosureDay>> =>
    call("remove_closure_day", { day }),
  /** Every installed version of every protocol, with how many cases use each. */
  installedProtocols: (): Promise<Array<InstalledProtocol>> =>
    call("installed_protocols"),
  /** Install a protocol file chosen in the native open dialog; `null`: cancelled. */
  installProtocol: (): Promise<InstalledProtocol | null> =>
    call("install_protocol"),
  /** Remove a protocol no case uses; answers the versions removed. */
  removeProtocol: (id: string): Promise<Array<InstalledProtocol>> =>
    call("remove_protocol", { id }),
  /** How far ahead the store's bank-holiday data is confirmed, and the files imported. */
  calendarCoverage: (): Promise<CalendarCoverage> =>
    call("calendar_coverage"),
  /** Import GOV.UK's bank-holidays.json chosen in the native open dialog; `null`: cancelled. */
  importHolidays: (): Promise<CalendarCoverage | null> =>
    call("import_holidays"),
  /**
   * Settings → Partnership (and the Board's own directory): the Board packages go to,
   * the agencies trusted, and this store's card with its fingerprint.
   */
  partnership: (): Promise<PartnershipView> =>
    call("partnership"),
  /**
   * This store's card (the JSON file others add to their directory), saved where the
   * person chooses. `null`: cancelled.
   */
  exportCard: (): Promise<SavedFile | null> =>
    call("export_card"),
  /**
   * Choose a partnership bundle in the native open dialog (and, the first time, the
   * Board's card) and say what it holds; nothing is installed. `null`: cancelled.
   */
  previewBundle: (): Promise<BundlePreview | null> =>
    call("preview_bundle"),
  /**
   * Install the bundle last previewed, once the lead has compared the Board's
   * `fingerprint` with the one the Board reads out.
   */
  installBundle: (fingerprint: string): Promise<BundleInstalled> =>
    call("install_bundle", { fingerprint }),
  /**
   * Choose an agency's card in the native open dialog and show it; nothing is
   * trusted yet. `null`: cancelled.
   */
  previewCard: (): Promise<CardPreview | null> =>
    call("preview_card"),
  /**
   * Trust the card last previewed, once its `fingerprint` has been compared with the
   * agency's own. Held packages its key signed are then counted.
   */
  addCard: (fingerprint: string): Promise<DirectoryChange> =>
    call("add_card", { fingerprint }),
  /** Believe nothing an agency's keys sign from `from` on; answers the directory. */
  revokeCard: (agency: string, from: string): Promise<Array<DirectoryEntry>> =>
    call("revoke_card", { agency, from }),
  /**
   * The audit trail verified from its first entry, every case's cache checked
   * against its log, and the newest 200 lines.
   */
  auditTrail: (): Promise<AuditView> =>
    call("audit_trail"),
  /** The Board's figures for a period, agency and protocol. */
  boardOverview: (selection: Selection): Promise<BoardView> =>
    call("board_overview", { selection }),
  /** The cases behind the number shown for `key` in the `dimension` table. */
  boardCases: (selection: Selection, dimension: Dimension, key: string): Promise<Array<CaseLine>> =>
    call("board_cases", { selection, dimension, key }),
  /**
   * Import packages chosen in the native dialog, opened with the Board store's own
   * key (and the passphrase, or with `identity_file` an identity file chosen next);
   * `null`: cancelled.
   */
  boardImport: (passphrase: string | null, identityFile: boolean): Promise<ImportSummary | null> =>
    call("board_import", { passphrase, identityFile }),
  /**
   * Packages held apart, not counted: from a signer the directory does not hold, or
   * unsigned.
   */
  boardHeld: (): Promise<Array<HeldSummary>> =>
    call("board_held"),
  /** Count a held package, once the administrator has checked it with its agency. */
  boardAccept: (id: HeldId): Promise<ImportOutcome> =>
    call("board_accept", { id }),
  /** Discard a held package that will not be counted (counted packages are untouched). */
  boardDiscard: (id: HeldId): Promise<null> =>
    call("board_discard", { id }),
  /** The monitoring report for the selection, as PDF, where the administrator chooses. */
  boardSaveReport: (selection: Selection): Promise<SavedFile | null> =>
    call("board_save_report", { selection }),
  /** The UI's first screen is interactive (for the cold-start measurement). */
  uiReady: (screen: string): Promise<null> =>
    call("ui_ready", { screen }),
};

/** The shell's events, each with its payload. */
export const events = {
  /** After each batch of a Board import is written (and once before the first). */
  boardImportProgress: (handler: (payload: ImportProgress) => void): Promise<UnlistenFn> =>
    listen<ImportProgress>("board-import-progress", (e) => handler(e.payload)),
};
