//! Bulk seeding for benchmarks. Writes the same rows `Store::create_case` would, in
//! one transaction, without an audit entry per case (the dashboard reads only its
//! cache).

use std::path::Path;

use chrono::{Duration, NaiveDateTime};
use escalate_core::{Case, Opening};

use crate::db::{self, DB_FILE};
use crate::error::StoreError;
use crate::key::{DataKey, KdfParams, KeyFile, Passphrase};
use crate::store::Store;

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Database(e.to_string()))
}
use escalate_core::model::Profile;

/// Make a store with `n` open cases under the five protocols. `key: None` makes a
/// plain (unencrypted) SQLite file of the same schema.
pub async fn seed(
    dir: &Path,
    key: Option<&DataKey>,
    profile: &Profile,
    n: usize,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    seed_with(dir, key, profile, n, now, false).await
}

/// [`seed`], each case with its opening entry in the log (its event and its text), as
/// `Store::create_case` writes it: what `audit verify` replays and compares.
pub async fn seed_logged(
    dir: &Path,
    key: Option<&DataKey>,
    profile: &Profile,
    n: usize,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    seed_with(dir, key, profile, n, now, true).await
}

async fn seed_with(
    dir: &Path,
    key: Option<&DataKey>,
    profile: &Profile,
    n: usize,
    now: NaiveDateTime,
    logged: bool,
) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let pool = db::connect(&dir.join(DB_FILE), key, true).await?;
    db::migrate(&pool).await?;
    crate::store::convert_legacy(&pool).await?;
    let mut tx = pool.begin().await?;
    crate::store::insert_profile(&mut tx, profile, now).await?;
    sqlx::query("INSERT INTO agencies (id, name, sector) VALUES (1, 'Raising Agency', 'schools'), (2, 'Receiving Agency', 'local-authority')")
        .execute(&mut *tx)
        .await?;
    let installed =
        crate::store::protocols::install_shipped(&mut tx, "2026-01-01T00:00:00").await?;
    // As a new store begins: its settings in its first entry, and nothing to convert.
    crate::audit::append(
        &mut tx,
        crate::audit::Change {
            at: "2026-01-01T00:00:00",
            actor: &profile.name,
            action: crate::audit::AuditAction::StoreCreate,
            entity: "profile",
            entity_id: "1",
            before: None,
            after: Some(json(&serde_json::json!({
                "profile": profile, "protocols": installed, "settings_log": 1,
            }))?),
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO conversions (name, done_at) VALUES ('content-log', '2026-01-01T00:00:00')",
    )
    .execute(&mut *tx)
    .await?;
    let protocols = crate::store::protocols::shipped()?;
    for i in 0..n {
        let (_, _, sha, p) = &protocols[i % protocols.len()];
        let opened = now - Duration::hours((i % (24 * 60)) as i64);
        let case = Case::open(p, opened, Opening::default())?;
        let summary = format!("Summary of the professional difference number {i}, with the views of both agencies at some length to make the row realistic.");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, protocol_id, protocol_version, protocol_sha256, child_name, child_dob, category, summary, raising_agency_id, receiving_agency_id, opened_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, '2015-01-01', 'Threshold', ?, 1, 2, ?, ?, ?) RETURNING id",
        )
        .bind(format!("RPD-2026-{i:06}"))
        .bind(&p.id)
        .bind(&p.version)
        .bind(sha)
        .bind(format!("Child Number {i}"))
        .bind(summary)
        .bind(opened.format("%Y-%m-%dT%H:%M:%S").to_string())
        .bind("2026-01-01T00:00:00")
        .bind("2026-01-01T00:00:00")
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO case_state (case_id, reference, child_name, raising_agency, receiving_agency, status, protocol_id, protocol_sha256, engine) VALUES (?, ?, ?, 'Raising Agency', 'Receiving Agency', 'open', ?, ?, ?)")
            .bind(id)
            .bind(format!("RPD-2026-{i:06}"))
            .bind(format!("Child Number {i}"))
            .bind(&p.id)
            .bind(sha)
            .bind(serde_json::to_string(&case).map_err(|e| StoreError::Database(e.to_string()))?)
            .execute(&mut *tx)
            .await?;
        if logged {
            let reference = format!("RPD-2026-{i:06}");
            let at = opened.format("%Y-%m-%dT%H:%M:%S").to_string();
            let event = escalate_core::Event::Open {
                at: opened,
                opening: Opening {
                    stage: Some(case.current_stage()),
                    ..Opening::default()
                },
            };
            crate::audit::append(
                &mut tx,
                crate::audit::Change {
                    at: "2026-01-01T00:00:00",
                    actor: &profile.name,
                    action: crate::audit::AuditAction::CaseCreate,
                    entity: "case",
                    entity_id: &reference,
                    before: None,
                    after: Some(json(&serde_json::json!({
                        "event": event,
                        "case": {
                            "reference": reference, "child_name": format!("Child Number {i}"),
                            "child_dob": "2015-01-01", "child_identifiers": "",
                            "category": "Threshold", "summary": format!("Summary of the professional difference number {i}, with the views of both agencies at some length to make the row realistic."),
                            "raising_agency": "Raising Agency", "raising_professional": null,
                            "receiving_agency": "Receiving Agency", "receiving_professional": null,
                            "protocol": p.id, "protocol_version": p.version, "protocol_sha256": sha,
                            "opened_at": at, "immediate_risk": null,
                        },
                    }))?),
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    pool.close().await;
    if let Some(key) = key {
        let pass = Passphrase::new("benchmark passphrase only");
        let fast = KdfParams {
            m_cost_kib: 8 * 1024,
            t_cost: 1,
            p_cost: 1,
        };
        KeyFile::wrap("benchmark", key, &pass, fast)?.write(dir)?;
    }
    Ok(())
}

/// Open a seeded store: encrypted with `key`, or plain.
pub async fn open(dir: &Path, key: Option<&DataKey>) -> Result<Store, StoreError> {
    match key {
        Some(k) => Store::open_with_key(dir, k).await,
        None => Store::open_plain(dir).await,
    }
}
