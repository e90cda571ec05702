// The command table: one entry per command, `name[injected](ipc args) -> answer { body }`
// (grammar in src/ipc.rs). Included by src/commands.rs and by build.rs; it must hold
// this one invocation and nothing else. rustfmt does not reach inside it.
commands! {
    use {
        chrono::{NaiveDate, NaiveDateTime},
        escalate_api::board::{self, BoardView, CaseLine, Dimension, ImportSummary, Selection},
        escalate_api::cases::{self, CasePlan, ExtensionRequest, ProtocolMove},
        escalate_api::settings::{self, AuditView, CalendarCoverage},
        escalate_api::{drafts, reports},
        escalate_core::{Intake, Protocol, SkipDecision},
        escalate_api::store::{DirectoryEntry, HeldSummary, ImportOutcome, InstalledProtocol},
        escalate_api::trust::{self, BundleInstalled, BundlePreview, CardPreview, DirectoryChange, PartnershipView},
        escalate_core::model::{
            CaseDetail, CaseListItem, ChronologyEntry, ClosureDay, NewCase, Profile, StageRecordInput,
        },
        crate::board_import,
        crate::partnership,
        crate::clock::now,
        crate::files::{self, SavedFile},
        crate::reports::{ExportRequest, FormChoice, ReportRequest},
        crate::session::{self, AppStatus},
        crate::state::StoreKind,
        crate::views::{HeldId, RecordId},
    }

    /// What the UI needs to choose its first screen.
    app_status[state]() -> AppStatus {
        Ok(session::status(&state).await)
    }

    /// A fresh recovery passphrase to show once at first run.
    new_passphrase() -> String {
        Ok(escalate_api::session::new_passphrase()?.expose().to_owned())
    }

    /// A new store of `kind`; `confirm` must repeat the passphrase shown.
    create_store[state](kind: StoreKind, profile: Profile, passphrase: String, confirm: String) -> AppStatus {
        session::create(&state, kind, profile, passphrase, confirm).await
    }

    /// Unlock with the key in the OS keyring (no passphrase) or the recovery passphrase.
    unlock[state](kind: StoreKind, passphrase: Option<String>) -> AppStatus {
        session::unlock(&state, kind, passphrase).await
    }

    /// Close the store and drop its key from memory.
    lock[state]() -> AppStatus {
        Ok(session::lock(&state).await)
    }

    /// A fresh demo store with sample cases, opened in place of the lead's own.
    open_demo[state]() -> AppStatus {
        session::open_demo(&state).await
    }

    /// The dashboard: open cases (or all), most urgent first.
    list_cases[state](include_closed: bool, search: Option<String>) -> Vec<CaseListItem> {
        cases::list(&*state.lead().await?, include_closed, search.as_deref(), now()).await
    }

    case_detail[state](reference: String) -> CaseDetail {
        cases::detail(&*state.lead().await?, &reference, now()).await
    }

    chronology[state](reference: String) -> Vec<ChronologyEntry> {
        cases::chronology(&*state.lead().await?, &reference, now()).await
    }

    /// The protocols installed in the lead's store (the version new cases use of each),
    /// for intake (scope questions, routes, stages) and the case screen; before a store
    /// is open (first run), the shipped ones a new store installs.
    protocols[state]() -> Vec<Protocol> {
        match state.lead().await {
            Ok(store) => cases::protocols(&store).await,
            Err(_) => escalate_api::engine::shipped_protocols(),
        }
    }

    /// What intake offers under each protocol a case can be opened under: its routes,
    /// the question that takes each, and the stages a case may open at.
    intake_options[state]() -> Vec<Intake> {
        escalate_api::next::intake_options(&*state.lead().await?).await
    }

    /// Open a case; answers its reference.
    create_case[state](case: NewCase) -> String {
        let reference = cases::create(&*state.lead().await?, case, now()).await?;
        state.deadlines_changed();
        Ok(reference)
    }

    /// Escalate to the next stage; answers the stage reached.
    escalate_case[state](reference: String, reason: Option<String>) -> u8 {
        let stage = cases::escalate(&*state.lead().await?, &reference, None, reason.as_deref(), now()).await?;
        state.deadlines_changed();
        Ok(stage)
    }

    /// Escalate to `to_stage`, going past stages the protocol lets be skipped on a
    /// recorded decision (why, who decided, their role); answers the stage reached.
    escalate_skipping[state](reference: String, to_stage: u8, reason: Option<String>, skip: SkipDecision) -> u8 {
        let store = state.lead().await?;
        let stage = cases::escalate_skipping(&store, &reference, Some(to_stage), reason.as_deref(), Some(skip), now()).await?;
        state.deadlines_changed();
        Ok(stage)
    }

    /// Move the case to another route of its protocol; answers the stage it is at.
    switch_route[state](reference: String, route: String, reason: String, to_stage: Option<u8>) -> u8 {
        let stage = cases::switch_route(&*state.lead().await?, &reference, &route, &reason, to_stage, now()).await?;
        state.deadlines_changed();
        Ok(stage)
    }

    /// Extend a deadline by agreement, where the protocol allows it.
    extend_deadline[state](reference: String, request: ExtensionRequest) -> () {
        cases::extend_deadline(&*state.lead().await?, &reference, request, now()).await?;
        state.deadlines_changed();
        Ok(())
    }

    /// The case's plan on its route: each stage's and limit's due.
    case_plan[state](reference: String) -> CasePlan {
        cases::plan(&*state.lead().await?, &reference).await
    }

    /// Each deadline before and after moving the case to another installed version of
    /// its protocol; nothing is changed.
    preview_protocol_move[state](reference: String, version: String) -> ProtocolMove {
        cases::move_protocol_preview(&*state.lead().await?, &reference, &version, now()).await
    }

    /// Move the case to another installed version of its protocol, after the preview.
    move_protocol[state](reference: String, version: String) -> ProtocolMove {
        let moved = cases::move_protocol(&*state.lead().await?, &reference, &version, now()).await?;
        state.deadlines_changed();
        Ok(moved)
    }

    resolve_case[state](reference: String, outcome: String) -> () {
        cases::resolve(&*state.lead().await?, &reference, &outcome, now()).await
    }

    withdraw_case[state](reference: String, reason: String) -> () {
        cases::withdraw(&*state.lead().await?, &reference, &reason, now()).await
    }

    /// Mark a notification the protocol requires as sent, with when.
    mark_sent[state](reference: String, stage: Option<u8>, notification: String, sent_at: NaiveDateTime, note: String) -> () {
        let store = state.lead().await?;
        cases::mark_sent(&store, &reference, stage, &notification, Some(sent_at), &note, now()).await
    }

    /// Record the current stage; the store removes the form's draft with it.
    record_stage[state](reference: String, record: StageRecordInput) -> RecordId {
        let id = cases::record_stage(&*state.lead().await?, &reference, record, now()).await?;
        state.deadlines_changed();
        Ok(RecordId(id))
    }

    /// Keep the stage record form as typed so far, in the encrypted store.
    save_draft[state](reference: String, body: String) -> () {
        drafts::save(&*state.lead().await?, &reference, &body, now()).await
    }

    load_draft[state](reference: String) -> Option<String> {
        drafts::load(&*state.lead().await?, &reference).await
    }

    /// The forms this case's protocol can print, with their titles from its data.
    report_forms[state](reference: String) -> Vec<FormChoice> {
        reports::forms(&*state.lead().await?, &reference, now()).await
    }

    /// Each page's text, from the same layout as the PDF.
    preview_report[state](request: ReportRequest) -> Vec<Vec<String>> {
        let store = state.lead().await?;
        reports::preview(&store, &request.reference, &request.options(now())).await
    }

    /// Render the form and save it where the lead chooses. `null`: the dialog was cancelled.
    save_report[app, state](request: ReportRequest) -> Option<SavedFile> {
        let store = state.lead().await?;
        let pdf = reports::render(&store, &request.reference, &request.options(now())).await?;
        drop(store);
        files::save(&app, &state, request.file_name(), pdf).await
    }

    /// Open a file saved this session in the system's viewer, for printing and signing.
    open_saved[app, state](id: u32) -> () {
        files::open(&app, &state, id).await
    }

    /// An encrypted package for the Board administrator, saved where the lead chooses:
    /// sealed to the key or passphrase given, or (neither given) to the Board the
    /// installed partnership bundle named.
    export_package[app, state](request: ExportRequest) -> Option<SavedFile> {
        let package = request.package(&state, now()).await?;
        files::save(&app, &state, request.file_name(), package).await
    }

    update_profile[state](profile: Profile) -> Profile {
        settings::update_profile(&mut *state.lead().await?, profile, now()).await
    }

    closure_days[state]() -> Vec<ClosureDay> {
        settings::closure_days(&*state.lead().await?).await
    }

    add_closure_day[state](day: NaiveDate, note: String) -> Vec<ClosureDay> {
        let days = settings::add_closure_day(&mut *state.lead().await?, day, &note, now()).await?;
        state.deadlines_changed();
        Ok(days)
    }

    remove_closure_day[state](day: NaiveDate) -> Vec<ClosureDay> {
        let days = settings::remove_closure_day(&mut *state.lead().await?, day, now()).await?;
        state.deadlines_changed();
        Ok(days)
    }

    /// Every installed version of every protocol, with how many cases use each.
    installed_protocols[state]() -> Vec<InstalledProtocol> {
        settings::protocols(&*state.lead().await?).await
    }

    /// Install a protocol file chosen in the native open dialog; `null`: cancelled.
    install_protocol[app, state]() -> Option<InstalledProtocol> {
        let Some(path) = files::choose(&app, files::Choice::Protocol).await? else {
            return Ok(None);
        };
        let installed = settings::install_protocol(&*state.lead().await?, &path, now()).await?;
        Ok(Some(installed))
    }

    /// Remove a protocol no case uses; answers the versions removed.
    remove_protocol[state](id: String) -> Vec<InstalledProtocol> {
        settings::remove_protocol(&*state.lead().await?, &id, now()).await
    }

    /// How far ahead the store's bank-holiday data is confirmed, and the files imported.
    calendar_coverage[state]() -> CalendarCoverage {
        settings::calendar_coverage(&*state.lead().await?, now().date()).await
    }

    /// Import GOV.UK's bank-holidays.json chosen in the native open dialog; `null`: cancelled.
    import_holidays[app, state]() -> Option<CalendarCoverage> {
        let Some(path) = files::choose(&app, files::Choice::BankHolidays).await? else {
            return Ok(None);
        };
        let coverage = settings::import_holidays(&mut *state.lead().await?, &path, now()).await?;
        state.deadlines_changed();
        Ok(Some(coverage))
    }

    /// Settings → Partnership (and the Board's own directory): the Board packages go to,
    /// the agencies trusted, and this store's card with its fingerprint.
    partnership[state]() -> PartnershipView {
        trust::partnership(&*state.either().await?).await
    }

    /// This store's card (the JSON file others add to their directory), saved where the
    /// person chooses. `null`: cancelled.
    export_card[app, state]() -> Option<SavedFile> {
        partnership::export_card(&app, &state).await
    }

    /// Choose a partnership bundle in the native open dialog (and, the first time, the
    /// Board's card) and say what it holds; nothing is installed. `null`: cancelled.
    preview_bundle[app, state]() -> Option<BundlePreview> {
        partnership::choose_bundle(&app, &state).await
    }

    /// Install the bundle last previewed, once the lead has compared the Board's
    /// `fingerprint` with the one the Board reads out.
    install_bundle[state](fingerprint: String) -> BundleInstalled {
        partnership::install_bundle(&state, &fingerprint).await
    }

    /// Choose an agency's card in the native open dialog and show it; nothing is
    /// trusted yet. `null`: cancelled.
    preview_card[app, state]() -> Option<CardPreview> {
        partnership::choose_card(&app, &state).await
    }

    /// Trust the card last previewed, once its `fingerprint` has been compared with the
    /// agency's own. Held packages its key signed are then counted.
    add_card[state](fingerprint: String) -> DirectoryChange {
        partnership::add_card(&state, &fingerprint).await
    }

    /// Believe nothing an agency's keys sign from `from` on; answers the directory.
    revoke_card[state](agency: String, from: NaiveDate) -> Vec<DirectoryEntry> {
        partnership::revoke(&state, &agency, from).await
    }

    /// The audit trail verified from its first entry, every case's cache checked
    /// against its log, and the newest 200 lines.
    audit_trail[state]() -> AuditView {
        settings::audit_view(&*state.lead().await?, 200).await
    }

    /// The Board's figures for a period, agency and protocol.
    board_overview[state](selection: Selection) -> BoardView {
        board::overview(&*state.board().await?, &selection, now()).await
    }

    /// The cases behind the number shown for `key` in the `dimension` table.
    board_cases[state](selection: Selection, dimension: Dimension, key: String) -> Vec<CaseLine> {
        board::cases_behind(&*state.board().await?, &selection, dimension, &key).await
    }

    /// Import packages chosen in the native dialog, opened with the Board store's own
    /// key (and the passphrase, or with `identity_file` an identity file chosen next);
    /// `null`: cancelled.
    board_import[app, state](passphrase: Option<String>, identity_file: bool) -> Option<ImportSummary> {
        board_import::from_dialog(&app, &state, passphrase, identity_file).await
    }

    /// Packages held apart, not counted: from a signer the directory does not hold, or
    /// unsigned.
    board_held[state]() -> Vec<HeldSummary> {
        board::held(&*state.board().await?).await
    }

    /// Count a held package, once the administrator has checked it with its agency.
    board_accept[state](id: HeldId) -> ImportOutcome {
        board::accept(&*state.board().await?, id.0, now()).await
    }

    /// Discard a held package that will not be counted (counted packages are untouched).
    board_discard[state](id: HeldId) -> () {
        board::discard(&*state.board().await?, id.0, now()).await.map(|_| ())
    }

    /// The monitoring report for the selection, as PDF, where the administrator chooses.
    board_save_report[app, state](selection: Selection) -> Option<SavedFile> {
        let store = state.board().await?;
        let pdf = board::report_pdf(&store, &board::figures(&store, &selection, now()).await?, now())?;
        drop(store);
        files::save(&app, &state, format!("monitoring-report-{}-to-{}.pdf", selection.from, selection.to), pdf).await
    }

    /// The UI's first screen is interactive (for the cold-start measurement).
    ui_ready(screen: String) -> () {
        crate::startup_probe(&screen);
        Ok(())
    }
}
