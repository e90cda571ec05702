//! Official bank holidays imported into the store from GOV.UK's `bank-holidays.json`:
//! each import is kept whole and audited, and the store's calendar (every deadline it
//! counts) uses them. For each nation and year an import lists, its list replaces the
//! shipped one and the rules; a later import of the same year replaces an earlier one.

use std::collections::BTreeMap;

use chrono::Datelike;

use escalate_core::{Holiday, HolidayData};
use serde::Serialize;

use super::*;
use crate::audit::AuditAction;

/// One nation's years in an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportedNation {
    pub calendar: CalendarId,
    pub first_year: i32,
    pub last_year: i32,
    /// Bank holidays it lists.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub holidays: u64,
}

/// One bank-holiday file imported into the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HolidayImport {
    pub file_name: String,
    /// SHA-256 of the file as imported, lower-case hex.
    pub sha256: String,
    pub imported_at: NaiveDateTime,
    pub nations: Vec<ImportedNation>,
}

fn nations(data: &HolidayData) -> Vec<ImportedNation> {
    data.nations()
        .filter_map(|id| {
            let years = data.years(id);
            let (first, last) = (*years.first()?, *years.last()?);
            let holidays = years
                .iter()
                .map(|y| data.holidays(id, *y).map_or(0, <[Holiday]>::len) as u64)
                .sum();
            Some(ImportedNation {
                calendar: id,
                first_year: first,
                last_year: last,
                holidays,
            })
        })
        .collect()
}

/// Later lists replace earlier ones, year by year and nation by nation, but only from
/// the day each was imported: the days before it stay as they were counted (the shipped
/// list or the rules, or an earlier import). A deadline that has passed, and a closed
/// case's timings, were what the lead acted on; a file imported later must not rewrite
/// them (a proclaimed day added, or a listed day dropped, changes what is still ahead).
fn merge<'a>(imports: impl IntoIterator<Item = (NaiveDate, &'a HolidayData)>) -> HolidayData {
    let mut lists: BTreeMap<(CalendarId, i32), Vec<Holiday>> = BTreeMap::new();
    for (from, data) in imports {
        for id in data.nations() {
            for year in data.years(id) {
                let Some(days) = data.holidays(id, year) else {
                    continue;
                };
                if year < from.year() {
                    continue;
                }
                let before = match lists.get(&(id, year)) {
                    Some(held) => held.clone(),
                    None => escalate_core::calendar::bank_holidays(id, year).unwrap_or_default(),
                };
                let mut list: Vec<Holiday> = before
                    .into_iter()
                    .filter(|h| h.date < from)
                    .chain(days.iter().filter(|h| h.date >= from).cloned())
                    .collect();
                list.sort_by_key(|h| h.date);
                lists.insert((id, year), list);
            }
        }
    }
    HolidayData::from_lists(lists.into_iter().map(|((id, y), days)| (id, y, days)))
}

#[derive(Debug, sqlx::FromRow)]
struct ImportRow {
    sha256: String,
    file_name: String,
    text: String,
    imported_at: String,
}

async fn rows(conn: &mut SqliteConnection) -> Result<Vec<ImportRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT sha256, file_name, text, imported_at FROM holiday_imports ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?)
}

fn parse(row: &ImportRow) -> Result<HolidayData, StoreError> {
    // As accepted when imported: later rules for new imports never stop a store opening.
    HolidayData::as_kept(&row.text, &row.file_name).map_err(|e| {
        StoreError::Database(format!(
            "an imported bank-holiday file no longer reads ({e}): the store was changed outside Escalate"
        ))
    })
}

/// Every import, merged: `None` when there is none.
pub(crate) async fn load(pool: &SqlitePool) -> Result<Option<HolidayData>, StoreError> {
    let rows = rows(&mut *pool.acquire().await?).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let parsed = rows
        .iter()
        .map(|r| Ok((parse_ts(&r.imported_at)?.date(), parse(r)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(merge(parsed.iter().map(|(from, data)| (*from, data)))))
}

impl Store {
    /// Import an official bank-holiday file (GOV.UK's `bank-holidays.json`), named
    /// `file_name` in errors: checked whole first (a problem is `file:line: field:
    /// message`, and nothing changes), then kept whole and audited in one transaction;
    /// from then on every deadline this store counts uses it. A file imported already
    /// (the same SHA-256) is not kept again: the import it was is given.
    pub async fn import_holidays(
        &mut self,
        file_name: &str,
        text: &str,
        now: NaiveDateTime,
    ) -> Result<HolidayImport, StoreError> {
        in_calendar("now", now)?;
        // The same file again changes nothing: no second row, no entry. It is given as
        // first imported, so the caller can say so.
        let sha256 = super::protocols::sha256_hex(text);
        if let Some(held) = self
            .holiday_imports()
            .await?
            .into_iter()
            .find(|i| i.sha256 == sha256)
        {
            return Ok(held);
        }
        let (merged, calendar, imported) = self.prepare_holidays(file_name, text, now)?;
        let mut tx = self.begin().await?;
        self.write_holidays(&mut tx, file_name, text, &imported, now)
            .await?;
        tx.commit().await?;
        self.holidays = Some(merged);
        self.calendar = calendar;
        Ok(imported)
    }

    /// A bank-holiday file checked whole, and what the store's holidays and calendar
    /// become once it is kept: nothing is written, so a caller can keep it inside its
    /// own transaction and take the new state only after that commits.
    pub(super) fn prepare_holidays(
        &self,
        file_name: &str,
        text: &str,
        now: NaiveDateTime,
    ) -> Result<(HolidayData, Calendar, HolidayImport), StoreError> {
        let data =
            HolidayData::from_govuk_json(text, file_name).map_err(StoreError::HolidayFile)?;
        // What is held was merged already: it stands whole, and the new file applies
        // from today.
        let merged = match &self.holidays {
            Some(held) => merge([(NaiveDate::MIN, held), (now.date(), &data)]),
            None => merge([(now.date(), &data)]),
        };
        let calendar = Calendar::with_data(
            self.profile.calendar,
            self.calendar.closures().iter().copied(),
            Some(&merged),
        )
        .map_err(|e| StoreError::Database(e.to_string()))?;
        let imported = HolidayImport {
            file_name: file_name.to_owned(),
            sha256: super::protocols::sha256_hex(text),
            imported_at: now,
            nations: nations(&data),
        };
        Ok((merged, calendar, imported))
    }

    /// Keep a checked bank-holiday file and log it, inside the caller's transaction.
    pub(super) async fn write_holidays(
        &self,
        conn: &mut SqliteConnection,
        file_name: &str,
        text: &str,
        imported: &HolidayImport,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO holiday_imports (sha256, file_name, text, imported_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&imported.sha256)
        .bind(file_name)
        .bind(text)
        .bind(ts(now))
        .execute(&mut *conn)
        .await?;
        self.log(
            conn,
            now,
            AuditAction::CalendarImport,
            ("calendar", "bank-holidays"),
            None,
            // The file itself too: the log alone rebuilds every deadline it moves.
            Some(json(&serde_json::json!({
                "file": file_name, "sha256": imported.sha256, "nations": imported.nations, "text": text,
            }))?),
        )
        .await
    }

    /// The bank-holiday files imported, oldest first.
    pub async fn holiday_imports(&self) -> Result<Vec<HolidayImport>, StoreError> {
        rows(&mut *self.pool().acquire().await?)
            .await?
            .iter()
            .map(|r| {
                Ok(HolidayImport {
                    file_name: r.file_name.clone(),
                    sha256: r.sha256.clone(),
                    imported_at: parse_ts(&r.imported_at)?,
                    nations: nations(&parse(r)?),
                })
            })
            .collect()
    }

    /// The official bank holidays imported into the store, merged (newest import of a
    /// year first); `None` when there are none.
    pub fn holiday_data(&self) -> Option<&HolidayData> {
        self.holidays.as_ref()
    }

    /// The store's calendar for `id` with `closures`, with its imported bank holidays.
    pub(crate) fn calendar_for(
        &self,
        id: CalendarId,
        closures: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Calendar, escalate_core::CalendarError> {
        Calendar::with_data(id, closures, self.holidays.as_ref())
    }
}
