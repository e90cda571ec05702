use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::driver::{scenario, App};
use crate::notifications::Notifications;
use crate::processes::output_within;

/// First run: profile, then the recovery passphrase shown once and typed back.
async fn first_run(app: &App, name: &str, agency: &str, protocol: &str) {
    app.see("Welcome to Escalate").await;
    let board = name.contains("Board");
    if board {
        app.click("#kind-board").await;
    }
    let suffix = if board { "-board" } else { "" };
    app.type_into("#name", name).await;
    app.type_into("#designation", "Designated Safeguarding Lead")
        .await;
    app.type_into("#agency", agency).await;
    app.set("#protocol", protocol).await;
    app.shot(&format!("app-first-run{suffix}")).await;
    app.button("Continue").await;
    let passphrase = app.el(".passphrase").await.text().await;
    assert_eq!(passphrase.len(), 47, "eight groups of five: {passphrase}");
    app.shot(&format!("app-recovery-passphrase{suffix}")).await;
    app.type_into("#confirm", &passphrase).await;
    app.button("Create my encrypted store").await;
    app.see(if board {
        "Import agencies' packages"
    } else {
        "Professional differences"
    })
    .await;
}

/// Answer every scope question "No" and go on to the intake fields.
async fn in_scope(app: &App, questions: usize) {
    app.see("Is this for the protocol?").await;
    let radios = app.all("input[type=radio][value=no]").await;
    assert_eq!(radios.len(), questions, "the protocol's scope questions");
    for r in radios {
        r.click().await;
    }
    app.button("Continue").await;
    app.el("#child_name").await;
}

/// Type into a date-and-time field the day `days` days before today (in the page's
/// own time zone) as dd/mm/yyyy, and 09:00, as a lead would.
async fn days_ago(app: &App, id: &str, days: i64) {
    let day = uk_day_from_today(app, -days).await;
    app.type_into(&format!("#{id}"), &day).await;
    app.type_into(&format!("#{id}-time"), "09:00").await;
}

fn pdftotext(path: &std::path::Path) -> String {
    let out = output_within(
        Command::new("pdftotext")
            .args(["-layout"])
            .arg(path)
            .arg("-"),
        Duration::from_secs(30),
    )
    .expect("pdftotext (poppler-utils, installed by make) read the PDF");
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn western_bay_stages_one_to_five_end_in_a_signed_rpd_report() {
    scenario(async {
        let app = App::start().await;
        first_run(&app, "Nia Roberts", "Ysgol Gynradd Demo", "western-bay").await;
        app.shot("app-dashboard-empty").await;

        app.button("New difference").await;
        in_scope(&app, 5).await;
        app.type_into("#child_name", "Gwen Ap Rhys").await;
        app.type_into("#category", "Threshold for a care and support assessment")
            .await;
        app.type_into(
            "#summary",
            "Repeated bruising reported by school; referral closed as below threshold.",
        )
        .await;
        days_ago(&app, "opened_at", 2).await;
        app.type_into("#receiving_agency", "Swansea Children's Services")
            .await;
        app.type_into("#receiving_professional", "Huw Jenkins")
            .await;
        app.shot("app-new-difference").await;
        app.button("Open the difference").await;
        app.see("Record Stage 1").await;
        let reference = app.el("#case-h .muted").await.text().await;
        assert!(reference.starts_with("RPD-"), "{reference}");
        app.shot("app-case").await;

        for stage in 1..=5u8 {
            app.button(&format!("Record Stage {stage}")).await;
            app.see(&format!("Stage {stage} record")).await;
            app.type_into(
                "#summary",
                &format!("Stage {stage} discussion: views exchanged in full."),
            )
            .await;
            app.type_into("#raising_view", &format!("School view at stage {stage}."))
                .await;
            app.type_into(
                "#receiving_view",
                &format!("Children's services view at stage {stage}."),
            )
            .await;
            for e in app.all("textarea[id^=extra-]").await {
                e.send_keys(&format!("Risk analysed at stage {stage}."))
                    .await;
            }
            app.type_into("#p-role-1", "Team Manager").await;
            app.type_into("#approved_by", "Head Teacher").await;
            if stage == 5 {
                app.type_into(
                    "#agreed",
                    "Agreed at the Stage 5 meeting: a care and support assessment starts.",
                )
                .await;
                app.click("#resolved").await;
            } else {
                app.type_into("#agreed", &format!("Not agreed at stage {stage}."))
                    .await;
            }
            if stage == 3 {
                // The window runs in American English (LANG=en_US, as on many Linux
                // laptops), yet the record's date and time read the UK way.
                let language = app.js("return navigator.language", vec![]).await;
                assert_eq!(language, "en-US");
                let today = app
                    .js(
                        "const d = new Date(), p = n => String(n).padStart(2, '0');
                         return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;",
                        vec![],
                    )
                    .await;
                let shown = app
                    .js(
                        "return document.getElementById('discussed_at').value",
                        vec![],
                    )
                    .await;
                assert_eq!(shown, today, "dd/mm/yyyy");
                let time = app
                    .js(
                        "return document.getElementById('discussed_at-time').value",
                        vec![],
                    )
                    .await;
                let time = time.as_str().unwrap();
                assert!(
                    time.len() == 5 && time.as_bytes()[2] == b':' && time[..2] <= *"23",
                    "HH:MM on the 24-hour clock: {time}"
                );
                app.shot("app-stage-record").await;
            }
            app.button("Save the stage record").await;
            app.see("Stage records").await;
            if stage < 5 {
                app.button("Escalate").await;
                app.type_into("#act-text", "Not resolved within the timescale.")
                    .await;
                app.click("form.panel button.primary").await;
                app.see(&format!("Record Stage {}", stage + 1)).await;
            }
        }
        app.button("Resolve").await;
        app.type_into("#act-text", "Resolved at Stage 5: assessment agreed.")
            .await;
        app.click("form.panel button.primary").await;
        app.see("Outcome").await;
        app.shot("app-case-resolved").await;

        app.button("Reports and export").await;
        app.see(&format!("Reports for {reference}")).await;
        app.set("#form", "rpd-report").await;
        app.type_into("#effectiveness", "The protocol kept both agencies to time.")
            .await;
        app.type_into("#notes", "Signed copies kept on the child's file.")
            .await;
        app.button("Preview").await;
        app.see("Page 1 of").await;
        app.shot("app-reports").await;
        app.button("Save as PDF…").await;
        app.see("Saved:").await;

        let pdf = app.saved.join(format!("{reference}-rpd-report.pdf"));
        let text = pdftotext(&pdf);
        // The Western Bay form carries the agencies, views and outcomes, not the child's
        // name: it goes to the Board administrator.
        for typed in [
            reference.as_str(),
            "Repeated bruising reported by school",
            "School view at stage 1.",
            "services view at stage 5.",
            "Stage 4: Not agreed at stage 4.",
            "Resolved: Resolved at Stage 5: assessment agreed.",
            "The protocol kept both agencies to time.",
            "Signed copies kept on the child's file.",
            "Nia Roberts",
            "Huw Jenkins",
            "Swansea Children's Services",
            "☒ Stage 5",
        ] {
            assert!(
                text.contains(typed),
                "the RPD report lacks '{typed}':\n{text}"
            );
        }

        // Export to the Board, sealed with a passphrase agreed with the administrator.
        app.type_into("#export-passphrase", "agreed with the Board 2026")
            .await;
        app.button("Export package…").await;
        app.see("Export saved:").await;
        let package = app.saved.join(format!("{reference}-board.escalate-export"));
        assert!(package.exists(), "the package is where the dialog put it");
        assert!(
            !String::from_utf8_lossy(&std::fs::read(&package).unwrap())
                .contains("Repeated bruising"),
            "the package is encrypted"
        );

        app.button("Audit trail").await;
        app.see("Verified:").await;
        app.shot("app-audit").await;
        app.button("Settings").await;
        app.see("Closure days").await;
        // An impossible date is refused in the field itself, and never sent.
        app.type_into("#closure-day", "30/02/2027").await;
        app.button("Add closure day").await;
        app.see("February 2027 has 28 days: check the day").await;
        assert_eq!(
            app.el("#closure-day").await.attr("aria-invalid").await,
            Some("true".to_owned())
        );
        assert!(app.absent("#cl-h ~ ul").await, "no closure day was added");
        // A day outside the calendar is refused, naming the field; nothing is added.
        app.type_into("#closure-day", "31/12/1985").await;
        app.button("Add closure day").await;
        let refused = app.el("[role=alert]").await.text().await;
        assert!(
            refused.contains("day: 1985-12-31 is outside the calendar's range"),
            "{refused}"
        );
        assert!(app.absent("#cl-h ~ ul").await, "no closure day was added");
        app.type_into("#closure-day", "04/01/2027").await;
        app.type_into("#closure-note", "INSET day").await;
        app.button("Add closure day").await;
        app.see("04/01/2027: INSET day").await;
        assert_eq!(
            app.el("#closure-day").await.attr("aria-invalid").await,
            None,
            "the corrected field is no longer marked invalid"
        );
        app.js(
            "document.getElementById('cl-h').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await;
        app.shot_here("app-settings").await;
        // The agency's card, for the Board's directory: its packages are signed.
        app.button("Export card…").await;
        app.see("Card saved:").await;
        let card = std::fs::read_dir(&app.saved)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-card.json"))
            .expect("the card was saved");
        app.button("Dashboard").await;
        app.click("#f-closed").await;
        app.see("Gwen Ap Rhys").await;
        let exports = app.saved.clone();
        let keep = tempfile::tempdir().unwrap();
        std::fs::copy(&package, keep.path().join("wb.escalate-export")).unwrap();
        let cards = tempfile::tempdir().unwrap();
        std::fs::copy(&card, cards.path().join("ysgol.json")).unwrap();
        app.stop().await;
        drop(exports);

        // The Board administrator, on their own laptop (a separate store), adds the
        // agency's card to its directory, then imports the package: verified, counted.
        let admin = App::start_with(&[
            ("ESCALATE_E2E_IMPORT_DIR", keep.path().as_os_str()),
            ("ESCALATE_E2E_OPEN_DIR", cards.path().as_os_str()),
        ])
        .await;
        first_run(
            &admin,
            "Board Administrator",
            "Western Bay Safeguarding Children Board",
            "western-bay",
        )
        .await;
        admin.see("Monitoring report").await;
        admin.button("Add card…").await;
        admin.see("Card of Ysgol Gynradd Demo").await;
        admin.click("#card-compared").await;
        admin.button("Add to the directory").await;
        admin
            .see("Ysgol Gynradd Demo added to the directory.")
            .await;
        admin
            .type_into("#import-passphrase", "agreed with the Board 2026")
            .await;
        admin.button("Import packages…").await;
        admin.see("1 file: 1 new").await;
        admin.see("By raising agency").await;
        let table = admin
            .el("section[aria-labelledby=t-raising-agency] table")
            .await
            .text()
            .await;
        assert!(table.contains("Ysgol Gynradd Demo"), "{table}");
        let late = admin
            .el("section[aria-labelledby=late-h]")
            .await
            .text()
            .await;
        assert!(
            late.contains(&reference),
            "resolved at Stage 5, listed case by case: {late}"
        );
        admin.shot("app-board").await;
        admin
            .js(
                "document.getElementById('t-raising-agency').scrollIntoView()",
                vec![],
            )
            .await;
        admin.shot_here("app-board-charts").await;
        admin.button("Save report as PDF…").await;
        admin.see("Saved:").await;
        let report = std::fs::read_dir(&admin.saved)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().contains("monitoring-report"))
            .expect("the monitoring report was saved");
        let text = pdftotext(&report);
        assert!(text.contains("Ysgol Gynradd Demo"), "{text}");
        assert!(text.contains(&reference), "{text}");
        admin.stop().await;
    })
    .await;
}

/// First run for a school's lead under South Gloucestershire.
async fn south_gloucestershire_lead(app: &App) {
    first_run(
        app,
        "Tom Hale",
        "Kingswood Academy",
        "south-gloucestershire",
    )
    .await;
}

/// A South Gloucestershire difference opened `days` ago, left on its case page;
/// returns its reference.
async fn overdue_case(app: &App, child: &str, days: i64) -> String {
    app.button("New difference").await;
    in_scope(app, 0).await;
    app.type_into("#child_name", child).await;
    app.type_into("#category", "Threshold for early help").await;
    app.type_into(
        "#summary",
        "Disagreement about stepping down to early help.",
    )
    .await;
    days_ago(app, "opened_at", days).await;
    app.type_into("#receiving_agency", "Access and Response Team")
        .await;
    app.button("Open the difference").await;
    app.see("Record Stage 1").await;
    app.el("#case-h .muted").await.text().await
}

#[tokio::test(flavor = "multi_thread")]
async fn south_gloucestershire_case_past_its_timescale_shows_overdue_and_notifies_once() {
    scenario(async {
        let desktop = Notifications::start();
        let app = App::start().await;
        south_gloucestershire_lead(&app).await;
        let first = overdue_case(&app, "Ellie Marsh", 21).await;
        app.button("Dashboard").await;
        app.see("Ellie Marsh").await;
        let row = app.el("tr.overdue").await.text().await;
        assert!(row.contains("Ellie Marsh"), "{row}");
        assert!(
            row.contains("Overdue by"),
            "the row says overdue in words: {row}"
        );
        app.shot("app-dashboard").await;

        // The desktop hears once that the deadline passed, by reference only: a
        // notification can show on a locked screen.
        let shown = desktop.wait_for(&first).await;
        let about_first: Vec<_> = shown.iter().filter(|n| n.body.contains(&first)).collect();
        assert_eq!(about_first.len(), 1, "one notification: {shown:?}");
        assert_eq!(about_first[0].summary, "Escalate: deadline");
        assert!(
            about_first[0].body.contains("a deadline has passed"),
            "{shown:?}"
        );
        for n in &shown {
            assert!(
                !n.body.contains("Ellie") && !n.summary.contains("Ellie"),
                "no child's name in a notification: {n:?}"
            );
        }

        // The next start unlocks from the keyring without asking, and does not say it again.
        let app = app.restart().await;
        app.see("Ellie Marsh").await;
        let second = overdue_case(&app, "Sam Idris", 30).await;
        // The second case's notification comes after the restarted app's first look at
        // the deadlines, so by now a repeat about the first would have been shown too.
        let shown = desktop.wait_for(&second).await;
        let about_first = shown.iter().filter(|n| n.body.contains(&first)).count();
        assert_eq!(about_first, 1, "no repeat after a restart: {shown:?}");
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_store_opens_in_one_click_with_overdue_and_resolved_cases() {
    scenario(async {
        let app = App::start().await;
        app.button("Try it with sample data").await;
        app.see("Demo store: sample data, not real cases.").await;
        app.see("Overdue by").await;
        app.shot("app-demo").await;
        app.click("#f-closed").await;
        app.see("resolved").await;
        // Leaving the demo returns to first run: the lead's own store was never made.
        app.button("Leave the demo").await;
        app.see("Welcome to Escalate").await;
        assert!(!app.data.path().join("store").join("escalate.db").exists());
        app.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_is_saved_through_the_native_save_dialog_and_opened_for_printing() {
    scenario(async {
        let app = App::start_with_native_dialogs().await;
        south_gloucestershire_lead(&app).await;
        let reference = overdue_case(&app, "Ellie Marsh", 3).await;
        app.button("Reports and export").await;
        app.see(&format!("Reports for {reference}")).await;

        // Cancelled: nothing saved, no error, and the lead can try again.
        app.button("Save as PDF…").await;
        crate::dialog::cancel("Save File").await;
        app.button("Save as PDF…").await;

        // Chosen: the file is where the lead typed, and it is the case's form.
        let chosen = app.data.path().join("chosen by the lead.pdf");
        crate::dialog::save_as(&chosen).await;
        app.see("Saved:").await;
        let notice = app.el("p.notice .path").await.text().await;
        assert_eq!(
            notice,
            chosen.display().to_string(),
            "the saved file is the one chosen, not the cancelled dialog's"
        );
        assert!(
            app.absent("[role=alert]").await,
            "no error after a cancelled and a completed dialog: {}",
            app.body_text().await
        );
        let text = pdftotext(&chosen);
        assert!(text.contains(&reference), "{text}");

        // Open for printing: the desktop's PDF viewer gets the saved file.
        app.button("Open for printing").await;
        assert_eq!(
            app.opened_in_viewer().await.trim_end(),
            chosen.display().to_string()
        );
        app.stop().await;
    })
    .await;
}

/// The first page of a saved form as a PNG beside the app's screenshots (A4 at 70 dpi,
/// as the other forms' pictures), when ESCALATE_SCREENSHOT_DIR is set.
fn form_page_as_png(pdf: &std::path::Path, name: &str) {
    let Some(dir) = std::env::var_os("ESCALATE_SCREENSHOT_DIR") else {
        return;
    };
    let out = output_within(
        Command::new("pdftoppm")
            .args(["-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile"])
            .arg(pdf)
            .arg(std::path::Path::new(&dir).join(name)),
        Duration::from_secs(30),
    )
    .expect("pdftoppm (poppler-utils) drew the form");
    assert!(out.status.success(), "pdftoppm failed on {}", pdf.display());
}

/// Today plus `days` (in the page's own time zone) as a lead types it: dd/mm/yyyy.
async fn uk_day_from_today(app: &App, days: i64) -> String {
    app.js(
        "const d = new Date(Date.now() + arguments[0] * 86400000);
         const p = n => String(n).padStart(2, '0');
         return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;",
        vec![Value::from(days)],
    )
    .await
    .as_str()
    .unwrap()
    .to_owned()
}

/// Issue 12's proof in the real app, from first run: a partnership's protocol that
/// Escalate does not ship is installed through Settings (the native OPEN dialog
/// answered with xdotool; a broken copy first, refused line by line with nothing
/// installed); a case opens on its urgent route; an optional stage is left out on a
/// recorded decision; a deadline is extended by agreement; and the protocol's own
/// form is saved through the native save dialog and read back with its own labels.
#[tokio::test(flavor = "multi_thread")]
async fn a_partnerships_own_protocol_installed_in_settings_runs_a_case_on_its_urgent_route() {
    scenario(async {
        let app = App::start_with_native_dialogs().await;
        first_run(&app, "Kai Foster", "Hummersknott Academy", "four-stage").await;

        // The protocol file: a copy of the Darlington fixture with an urgent route and
        // an extension (tests/e2e/protocols/darlington-urgent.toml says what was added).
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("protocols")
            .join("darlington-urgent.toml");
        let text = std::fs::read_to_string(&fixture).unwrap();
        // Folders a person could see in the dialog (not hidden, as /tmp/.tmpXXXX is).
        let folder = || {
            tempfile::Builder::new()
                .prefix("escalate-e2e-")
                .tempdir()
                .unwrap()
        };
        let good_dir = folder();
        let good = good_dir.path().join("darlington-urgent.toml");
        std::fs::write(&good, &text).unwrap();
        let bad_dir = folder();
        let bad = bad_dir.path().join("darlington-broken.toml");
        std::fs::write(
            &bad,
            text.replace("within = \"3 working days\"", "within = \"3 fortnights\""),
        )
        .unwrap();

        app.button("Settings").await;
        app.see("Protocols").await;
        // The list arrives after the heading: wait for its first row before counting.
        app.el("table.protocols tbody tr").await;
        let shipped = app.all("table.protocols tbody tr").await.len();
        assert!(shipped > 0, "the shipped protocols are listed");

        // Refused: each problem as file:line: field: message, and nothing installed.
        app.button("Install a protocol file…").await;
        crate::dialog::open("Choose the protocol file to install", &bad).await;
        app.see("Not installed: the file has problems.").await;
        let problems = app.el(".problems").await.text().await;
        assert!(
            problems.contains(&format!("{}:", bad.display())) && problems.contains("within"),
            "file:line: field: message: {problems}"
        );
        assert_eq!(
            app.all("table.protocols tbody tr").await.len(),
            shipped,
            "nothing was installed"
        );

        // Installed, listed with its version, unused.
        app.button("Install a protocol file…").await;
        crate::dialog::open("Choose the protocol file to install", &good).await;
        app.see("Installed Darlington Safeguarding Partnership")
            .await;
        let row = app.el("tr[data-protocol=darlington]").await.text().await;
        assert!(row.contains("end-to-end test copy"), "{row}");
        assert!(row.contains("No cases"), "{row}");
        assert!(
            app.absent("[role=alert]").await,
            "{}",
            app.body_text().await
        );
        app.js(
            "document.getElementById('proto-h').scrollIntoView()",
            vec![],
        )
        .await;
        app.shot_here("app-settings-protocols").await;

        // A case on its urgent route, chosen by the route's intake question.
        app.button("New difference").await;
        app.set("#protocol", "darlington").await;
        app.click("#route-urgent-yes").await;
        app.button("Continue").await;
        app.see("on the route “Urgent route (test)”").await;
        app.type_into("#child_name", "Maya Lund").await;
        app.type_into("#category", "Threshold for a strategy discussion")
            .await;
        app.type_into(
            "#summary",
            "Disclosure at school; no strategy discussion held.",
        )
        .await;
        app.type_into("#receiving_agency", "Darlington Children's Services")
            .await;
        app.type_into("#receiving_professional", "Lee Grant").await;
        app.button("Open the difference").await;
        app.see("Record Stage 2").await;
        let reference = app.el("#case-h .muted").await.text().await;
        assert_eq!(
            app.el("#case-route").await.text().await,
            "Urgent route (test)"
        );

        // Stage 3 is optional: go from Stage 2 to Stage 4 on a recorded decision.
        app.button("Escalate").await;
        app.set("#to-stage", "4").await;
        app.type_into(
            "#skip-reason",
            "No interagency meeting needed: managers agreed by phone.",
        )
        .await;
        app.type_into("#skip-decided-by", "Sam Patel").await;
        app.click("form.panel button.primary").await;
        app.see("Record Stage 4").await;
        app.see("left out").await;
        app.see("No interagency meeting needed: managers agreed by phone. (decided by Sam Patel)")
            .await;

        // Extend Stage 4's timescale by agreement of the role the protocol names: a week,
        // within the urgent route's cap (an extension never goes past it).
        let new_due = uk_day_from_today(&app, 7).await;
        app.button("Extend…").await;
        app.type_into("#ext-agreed-by", "Jo Reed, DSP Business Unit manager")
            .await;
        app.type_into("#ext-to", &new_due).await;
        app.type_into("#ext-reason", "The police report is not yet available.")
            .await;
        app.button("Record the extension").await;
        app.see(&format!("extended to {new_due}")).await;
        app.see("(agreed by Jo Reed, DSP Business Unit manager on")
            .await;
        assert!(
            app.absent("[role=alert]").await,
            "{}",
            app.body_text().await
        );
        app.js(
            "document.querySelector('tr[data-deadline]').closest('table').scrollIntoView()",
            vec![],
        )
        .await;
        app.shot_here("app-case-urgent-route").await;

        // The protocol's own form, through the native save dialog, with its own labels.
        app.button("Reports and export").await;
        app.see(&format!("Reports for {reference}")).await;
        app.set("#form", "professional-challenge-recording-tool")
            .await;
        app.button("Preview").await;
        app.see("Page 1 of").await;
        app.shot("app-protocol-form").await;
        app.button("Save as PDF…").await;
        let chosen = app.data.path().join("recording tool.pdf");
        crate::dialog::save_as(&chosen).await;
        app.see("Saved:").await;
        let text = pdftotext(&chosen);
        form_page_as_png(&chosen, "darlington-recording-tool");
        for label in [
            "Darlington Safeguarding Partnership",
            "Professional Challenge Recording Tool",
            "Stage 3: interagency meeting",
            "Record of discussion",
            "Agreed outcomes/actions",
            "Copy to the DSP Business Unit",
            reference.as_str(),
            "Maya Lund",
        ] {
            assert!(text.contains(label), "the form lacks '{label}':\n{text}");
        }
        app.stop().await;
    })
    .await;
}

/// The escalate command line beside the app (`make e2e` builds both), with its own
/// data folder, no keyring and the recovery passphrase from the environment; fails the
/// scenario on a refusal, and answers its standard output.
fn escalate(data: &std::path::Path, args: &[&str]) -> String {
    let app = std::path::PathBuf::from(std::env::var_os("ESCALATE_APP_BIN").unwrap());
    let bin = std::env::var_os("ESCALATE_CLI_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| app.with_file_name("escalate"));
    assert!(
        bin.exists(),
        "{} does not exist: `make e2e` builds the command line too",
        bin.display()
    );
    let out = output_within(
        Command::new(&bin)
            .arg("--data-dir")
            .arg(data)
            .arg("--no-keyring")
            .args(args)
            .env("ESCALATE_PASSPHRASE", BOARD_PASSPHRASE),
        Duration::from_secs(60),
    )
    .unwrap_or_else(|| panic!("escalate {args:?} did not finish within 60 s"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "escalate {args:?} refused: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The Board store's recovery passphrase (made with the command line, no keyring).
const BOARD_PASSPHRASE: &str = "the Board's own passphrase, kept in the safe";

#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_installed_in_settings_sends_a_case_to_its_board_which_imports_it_verified() {
    scenario(async {
        // Folders a person could see in the dialog (not hidden, as /tmp/.tmpXXXX is).
        let folder = || {
            tempfile::Builder::new()
                .prefix("escalate-e2e-")
                .tempdir()
                .unwrap()
        };
        let lead = App::start_with_native_dialogs().await;
        south_gloucestershire_lead(&lead).await;

        // The lead's card, through the native save dialog, for the Board's directory.
        lead.button("Settings").await;
        lead.el("section#partnership [data-no-board]").await;
        let lead_fingerprint = lead
            .el("section#partnership [data-own-card] code.fingerprint")
            .await
            .text()
            .await;
        lead.button("Export card…").await;
        let cards = folder();
        let lead_card = cards.path().join("kingswood.json");
        crate::dialog::save_as(&lead_card).await;
        lead.see("Card saved:").await;

        // The Board, with the command line: its store (the one its app opens: the
        // folder beside `store`), the lead's card trusted once the fingerprint was
        // compared by phone, its own card, and the bundle it signs.
        let board = folder();
        let board_store = board.path().join("store-board");
        let board_store = board_store.as_path();
        escalate(
            board_store,
            &[
                "init",
                "--name",
                "Board Administrator",
                "--designation",
                "Partnership business manager",
                "--agency",
                "South Gloucestershire Safeguarding Children Partnership",
                "--sector",
                "local-authority",
                "--protocol",
                "south-gloucestershire",
                "--calendar",
                "england-and-wales",
            ],
        );
        let added = escalate(
            board_store,
            &["directory", "add", &lead_card.display().to_string(), "--yes"],
        );
        assert!(
            added.contains(&lead_fingerprint),
            "the card the lead exported: {added}"
        );
        let sent = folder();
        let bundle = sent.path().join("partnership.escalate-bundle");
        let board_card = sent.path().join("board-card.json");
        let exported = escalate(
            board_store,
            &["identity", "export", "--out", &board_card.display().to_string()],
        );
        let board_fingerprint = exported
            .lines()
            .find_map(|l| l.strip_prefix("fingerprint\t"))
            .expect("identity export prints the fingerprint")
            .to_owned();
        escalate(
            board_store,
            &[
                "board",
                "bundle",
                "--out",
                &bundle.display().to_string(),
                "--protocol",
                "south-gloucestershire",
            ],
        );

        // Settings → Partnership: the bundle, then (the first time) the Board's card,
        // through the open dialog; what it holds and the Board's fingerprint shown;
        // installed once the lead says the fingerprints match.
        lead.button("Install a partnership bundle…").await;
        crate::dialog::open("Choose the partnership bundle to install", &bundle).await;
        crate::dialog::open("Choose the Board's card", &board_card).await;
        lead.see("Bundle from South Gloucestershire Safeguarding Children Partnership")
            .await;
        assert_eq!(
            lead.el("form.bundle-preview [data-fingerprint]")
                .await
                .text()
                .await,
            board_fingerprint
        );
        let install = lead.el("form.bundle-preview button.primary").await;
        assert!(
            install.attr("disabled").await.is_some(),
            "not before the fingerprint is compared"
        );
        lead.click("#bundle-compared").await;
        lead.button("Install").await;
        lead.see("Installed the bundle from South Gloucestershire Safeguarding Children Partnership")
            .await;
        let shown = lead.el("section#partnership [data-board]").await.text().await;
        assert!(shown.contains(&board_fingerprint), "{shown}");
        assert!(
            lead.absent("[role=alert]").await,
            "{}",
            lead.body_text().await
        );
        lead.js(
            "document.getElementById('partner-h').scrollIntoView()",
            vec![],
        )
        .await;
        lead.shot_here("app-settings-partnership").await;

        // A case, exported with neither a key nor a passphrase: to the bundle's Board.
        let reference = overdue_case(&lead, "Ellis Ward", 1).await;
        lead.button("Reports and export").await;
        lead.see(&format!("Reports for {reference}")).await;
        lead.see("it goes to your partnership's Board").await;
        lead.button("Export package…").await;
        let packages = folder();
        let package = packages.path().join("ellis.escalate-export");
        crate::dialog::save_as(&package).await;
        lead.see("Export saved:").await;
        assert!(package.exists(), "{} was saved", package.display());
        lead.stop().await;

        // The Board's app on the store the command line made: its Board screen imports
        // the package, opened with the store's own key, verified and counted.
        let data = board.path().join("store");
        let admin = App::start_with(&[
            ("ESCALATE_DATA_DIR", data.as_os_str()),
            ("ESCALATE_E2E_IMPORT_DIR", packages.path().as_os_str()),
        ])
        .await;
        admin.type_into("#passphrase", BOARD_PASSPHRASE).await;
        admin.button("Unlock with passphrase").await;
        admin.see("Import agencies' packages").await;
        let directory = admin.el("table.directory").await.text().await;
        assert!(
            directory.contains("Kingswood Academy") && directory.contains(&lead_fingerprint),
            "{directory}"
        );
        admin.button("Import packages…").await;
        admin
            .see("1 file: 1 new, 0 replaced by a newer version, 0 duplicate, 0 older, 0 held and not counted, 0 refused")
            .await;
        admin.see("By raising agency").await;
        let table = admin
            .el("section[aria-labelledby=t-raising-agency] table")
            .await
            .text()
            .await;
        assert!(table.contains("Kingswood Academy"), "{table}");
        assert_eq!(admin.el("[data-held-count]").await.text().await, "0");
        assert!(admin.absent("table.held").await, "nothing is held");
        admin.stop().await;
        // The command line agrees: nothing held, the case counted.
        let held = escalate(board_store, &["board", "held"]);
        assert!(!held.contains(&reference), "{held}");
    })
    .await;
}
