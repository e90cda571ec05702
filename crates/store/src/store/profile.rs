//! The lead's profile and the agency's closure days (days that are not working days).

use super::*;
use crate::audit::AuditAction;
use crate::store::sql::{ProfileRow, PROFILE_COLUMNS};

/// The store's one profile row, as a new store (or a benchmark's) begins.
pub(crate) async fn insert_profile(
    conn: &mut SqliteConnection,
    profile: &Profile,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO profile (id, name, designation, agency, sector, protocol_id, calendar, auto_lock_minutes, created_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&profile.name)
    .bind(&profile.designation)
    .bind(&profile.agency)
    .bind(profile.sector.as_str())
    .bind(&profile.protocol_id)
    .bind(profile.calendar.as_str())
    .bind(profile.auto_lock_minutes)
    .bind(ts(now))
    .bind(ts(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Store {
    pub async fn update_profile(
        &mut self,
        profile: Profile,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let p = check_profile(&profile)?;
        in_calendar("now", now)?;
        let mut tx = self.begin().await?;
        // New cases are opened under the profile's protocol: it must be installed.
        super::protocols::current(&mut tx, &p.protocol_id)
            .await
            .map_err(|e| match e {
                StoreError::Refused { code, message, .. } => StoreError::Refused {
                    code,
                    field: Some("protocol_id"),
                    message,
                },
                e => e,
            })?;
        write_profile(&mut tx, &p).await?;
        sqlx::query("UPDATE profile SET updated_at = ? WHERE id = 1")
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            AuditAction::ProfileUpdate,
            ("profile", "1"),
            Some(json(&self.profile)?),
            Some(json(&p)?),
        )
        .await?;
        tx.commit().await?;
        let closures = self.calendar.closures().clone();
        self.calendar = self
            .calendar_for(p.calendar, closures)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        self.profile = p;
        Ok(())
    }

    /// The lead's closure days (training days, office closures) with their notes,
    /// oldest first.
    pub async fn closure_days(&self) -> Result<Vec<ClosureDay>, StoreError> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT day, note FROM closure_days ORDER BY day")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(day, note)| {
                Ok(ClosureDay {
                    day: parse_date(&day)?,
                    note,
                })
            })
            .collect()
    }

    pub async fn add_closure_day(
        &mut self,
        day: NaiveDate,
        note: &str,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        let note = optional_text("note", note, SHORT)?;
        in_calendar("now", now)?;
        date_in_calendar("day", day)?;
        let mut days: BTreeSet<NaiveDate> = self.calendar.closures().clone();
        days.insert(day);
        let calendar = self
            .calendar_for(self.profile.calendar, days)
            .map_err(|e| StoreError::invalid("day", e.to_string()))?;
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO closure_days (day, note) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET note = excluded.note")
            .bind(day.to_string())
            .bind(&note)
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            AuditAction::ClosureDayAdd,
            ("closure_day", &day.to_string()),
            None,
            Some(note),
        )
        .await?;
        tx.commit().await?;
        self.calendar = calendar;
        Ok(())
    }

    pub async fn remove_closure_day(
        &mut self,
        day: NaiveDate,
        now: NaiveDateTime,
    ) -> Result<(), StoreError> {
        in_calendar("now", now)?;
        let mut days: BTreeSet<NaiveDate> = self.calendar.closures().clone();
        if !days.remove(&day) {
            return Err(StoreError::invalid(
                "day",
                format!("{day} is not a closure day"),
            ));
        }
        let calendar = self
            .calendar_for(self.profile.calendar, days)
            .map_err(|e| StoreError::invalid("day", e.to_string()))?;
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM closure_days WHERE day = ?")
            .bind(day.to_string())
            .execute(&mut *tx)
            .await?;
        self.log(
            &mut tx,
            now,
            AuditAction::ClosureDayRemove,
            ("closure_day", &day.to_string()),
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        self.calendar = calendar;
        Ok(())
    }
}

/// The profile's row, as `p` gives it (a change, or a rebuild from the log).
pub(crate) async fn write_profile(
    conn: &mut SqliteConnection,
    p: &Profile,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE profile SET name = ?, designation = ?, agency = ?, sector = ?, protocol_id = ?, calendar = ?, auto_lock_minutes = ? WHERE id = 1",
    )
    .bind(&p.name)
    .bind(&p.designation)
    .bind(&p.agency)
    .bind(p.sector.as_str())
    .bind(&p.protocol_id)
    .bind(p.calendar.as_str())
    .bind(p.auto_lock_minutes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn load_profile(pool: &SqlitePool) -> Result<Profile, StoreError> {
    let r: ProfileRow = sqlx::query_as(&format!(
        "SELECT {PROFILE_COLUMNS} FROM profile WHERE id = 1"
    ))
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| StoreError::Database("the store has no profile".to_owned()))?;
    profile_of(r)
}

/// The profile as its row keeps it.
pub(crate) fn profile_of(r: ProfileRow) -> Result<Profile, StoreError> {
    Ok(Profile {
        name: r.name,
        designation: r.designation,
        agency: r.agency,
        sector: r
            .sector
            .parse()
            .map_err(|e: escalate_core::sector::UnknownSector| {
                StoreError::Database(e.to_string())
            })?,
        protocol_id: r.protocol_id,
        calendar: r
            .calendar
            .parse::<CalendarId>()
            .map_err(|e| StoreError::Database(e.to_string()))?,
        auto_lock_minutes: u32::try_from(r.auto_lock_minutes).map_err(|_| {
            StoreError::Database("the profile's auto-lock minutes are malformed".to_owned())
        })?,
    })
}

/// The closure days alone, for building the calendar.
pub(crate) async fn closure_dates(pool: &SqlitePool) -> Result<Vec<NaiveDate>, StoreError> {
    let days: Vec<String> = sqlx::query_scalar("SELECT day FROM closure_days")
        .fetch_all(pool)
        .await?;
    days.iter().map(|d| parse_date(d)).collect()
}

/// The profile's own fields; whether its protocol is installed is asked of the store.
pub(crate) fn check_profile(p: &Profile) -> Result<Profile, StoreError> {
    if p.auto_lock_minutes == 0 || p.auto_lock_minutes > 240 {
        return Err(StoreError::invalid(
            "auto_lock_minutes",
            "must be from 1 to 240 minutes",
        ));
    }
    Ok(Profile {
        name: required("name", &p.name, NAME)?,
        designation: required("designation", &p.designation, NAME)?,
        agency: required("agency", &p.agency, NAME)?,
        ..p.clone()
    })
}
