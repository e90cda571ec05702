//! Writes the answers the UI tests' mocked IPC gives, taken from a real demo store
//! through the same crate calls the commands make, so the mocks cannot drift from the
//! shapes and values the shell really returns. Usage: ui-fixtures OUT.json

use std::collections::BTreeMap;

use escalate_api::reports::sources;
use escalate_report::board::{self, Dimension, Selection};
use escalate_report::{export, ReportOptions};
use escalate_store::{demo, CaseFilter, NoKeyring, Passphrase, Store};
use serde_json::{json, Value};

#[allow(
    clippy::disallowed_methods,
    reason = "fixtures are dated now, like the demo"
)]
fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: ui-fixtures OUT.json")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let dir = tempfile::tempdir()?;
        let at = now();
        let store = Store::create(
            &dir.path().join("demo"),
            demo::profile(),
            &Passphrase::new(demo::PASSPHRASE),
            &NoKeyring,
            at,
        )
        .await?;
        let refs = demo::populate(&store, at).await?;
        let mut cases = BTreeMap::new();
        let mut previews = BTreeMap::new();
        let mut forms = BTreeMap::new();
        for r in &refs {
            cases.insert(
                r.clone(),
                serde_json::to_value(escalate_api::cases::detail(&store, r, at).await?)?,
            );
            let src = sources(&store, r, at).await?;
            let f = escalate_report::forms_for(src.protocol);
            let opts = ReportOptions {
                form: f[0],
                stage: None,
                effectiveness: String::new(),
                notes: String::new(),
                generated_at: at,
            };
            previews.insert(
                r.clone(),
                serde_json::to_value(escalate_report::preview(&src.input(&store), &opts)?)?,
            );
            forms.insert(
                r.clone(),
                serde_json::to_value(escalate_app::commands::reports::FormChoice::of(f))?,
            );
        }
        // The Board's view of the same cases, as if each agency had exported them.
        let mut monitoring = Vec::new();
        for r in &refs {
            let src = sources(&store, r, at).await?;
            monitoring.push(export::monitoring(
                store.profile(),
                &src.case,
                src.protocol,
                store.calendar(),
                "Timescales helped both agencies keep the child in view.",
                true,
                at,
            ));
        }
        let selection = Selection {
            from: at.date() - chrono::Duration::days(365),
            to: at.date(),
            agency: None,
            protocol: None,
        };
        let figures = board::figures(
            &selection.apply(&monitoring),
            selection.from,
            selection.to,
            at,
        );
        let (agencies, protocols) = board::choices(&monitoring);
        let mut behind = BTreeMap::new();
        for dim in Dimension::ALL {
            let name = serde_json::to_value(dim)?;
            let name = name.as_str().unwrap_or_default().to_owned();
            let keys: std::collections::BTreeSet<String> =
                monitoring.iter().map(|m| board::bucket(m, dim)).collect();
            for key in keys {
                let lines = board::behind(&monitoring, &selection, dim, &key);
                behind.insert(format!("{name}|{key}"), serde_json::to_value(lines)?);
            }
        }
        let fields: Vec<Value> = escalate_core::protocol::RecordField::ALL
            .into_iter()
            .map(|f| json!({"field": f, "label": f.label()}))
            .collect();
        let fixtures = json!({
            "profile": store.profile(),
            "protocols": escalate_core::builtin_protocols()?,
            "record_fields": fields,
            "open_cases": store.list_cases(CaseFilter::Open, None, at).await?,
            "all_cases": store.list_cases(CaseFilter::All, None, at).await?,
            "cases": cases,
            "report_forms": forms,
            "previews": previews,
            "board": {
                "view": {
                    "figures": figures,
                    "agencies": agencies,
                    "protocols": protocols,
                    "records": monitoring.len(),
                },
                "behind": behind,
            },
            "audit": {
                "verification": store.verify_audit().await?,
                "lines": store.audit_lines(200).await?,
            },
        });
        store.close().await;
        std::fs::write(&out, serde_json::to_vec_pretty(&fixtures)?)?;
        Ok(())
    })
}
