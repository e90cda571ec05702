// Typed calls to the shell. Every command rejects with an AppError {code, message};
// the argument and result types come from the generated bindings.
import { invoke } from "@tauri-apps/api/core";
import type {
  AppError,
  AppStatus,
  AuditView,
  BoardView,
  CaseLine,
  Dimension,
  ImportSummary,
  Selection,
  StoreKind,
  CaseDetail,
  CaseListItem,
  ChronologyEntry,
  ClosureDay,
  ExportRequest,
  FieldLabel,
  FormChoice,
  NewCase,
  Profile,
  Protocol,
  ReportRequest,
  SavedFile,
  StageRecordInput,
} from "./bindings";

export function isAppError(e: unknown): e is AppError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Any failure as an AppError, so screens branch on `code` only. */
export function asAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return { code: "ipc", message: e instanceof Error ? e.message : String(e) };
}

async function call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const api = {
  appStatus: () => call<AppStatus>("app_status"),
  newPassphrase: () => call<string>("new_passphrase"),
  createStore: (kind: StoreKind, profile: Profile, passphrase: string, confirm: string) =>
    call<AppStatus>("create_store", { kind, profile, passphrase, confirm }),
  unlock: (kind: StoreKind, passphrase: string | null) =>
    call<AppStatus>("unlock", { kind, passphrase }),
  lock: () => call<AppStatus>("lock"),
  openDemo: () => call<AppStatus>("open_demo"),
  listCases: (includeClosed: boolean, search: string | null) =>
    call<CaseListItem[]>("list_cases", { includeClosed, search }),
  caseDetail: (reference: string) => call<CaseDetail>("case_detail", { reference }),
  chronology: (reference: string) => call<ChronologyEntry[]>("chronology", { reference }),
  protocols: () => call<Protocol[]>("protocols"),
  recordFields: () => call<FieldLabel[]>("record_fields"),
  createCase: (c: NewCase) => call<string>("create_case", { case: c }),
  escalateCase: (reference: string, reason: string | null) =>
    call<number>("escalate_case", { reference, reason }),
  resolveCase: (reference: string, outcome: string) =>
    call<null>("resolve_case", { reference, outcome }),
  withdrawCase: (reference: string, reason: string) =>
    call<null>("withdraw_case", { reference, reason }),
  markSent: (
    reference: string,
    stage: number | null,
    notification: string,
    sentAt: string,
    note: string,
  ) => call<null>("mark_sent", { reference, stage, notification, sentAt, note }),
  recordStage: (reference: string, record: StageRecordInput) =>
    call<number>("record_stage", { reference, record }),
  saveDraft: (reference: string, body: string) => call<null>("save_draft", { reference, body }),
  loadDraft: (reference: string) => call<string | null>("load_draft", { reference }),
  reportForms: (reference: string) => call<FormChoice[]>("report_forms", { reference }),
  previewReport: (request: ReportRequest) => call<string[][]>("preview_report", { request }),
  saveReport: (request: ReportRequest) => call<SavedFile | null>("save_report", { request }),
  openSaved: (id: number) => call<null>("open_saved", { id }),
  exportPackage: (request: ExportRequest) =>
    call<SavedFile | null>("export_package", { request }),
  updateProfile: (profile: Profile) => call<Profile>("update_profile", { profile }),
  closureDays: () => call<ClosureDay[]>("closure_days"),
  addClosureDay: (day: string, note: string) => call<ClosureDay[]>("add_closure_day", { day, note }),
  removeClosureDay: (day: string) => call<ClosureDay[]>("remove_closure_day", { day }),
  auditTrail: () => call<AuditView>("audit_trail"),
  uiReady: (screen: string) => call<null>("ui_ready", { screen }),
  boardOverview: (selection: Selection) => call<BoardView>("board_overview", { selection }),
  boardCases: (selection: Selection, dimension: Dimension, key: string) =>
    call<CaseLine[]>("board_cases", { selection, dimension, key }),
  boardImport: (passphrase: string | null) =>
    call<ImportSummary | null>("board_import", { passphrase }),
  boardSaveReport: (selection: Selection) =>
    call<SavedFile | null>("board_save_report", { selection }),
};
