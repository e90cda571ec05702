//! Forms and export packages for a case in an open store: what the CLI and the app
//! both call, so the two front ends fill the same form from the same sources.

use chrono::NaiveDateTime;
use escalate_core::{FormId, Protocol};
use escalate_store::{CaseDetail, ChronologyEntry, Store};

use crate::export::{self, Seal};
use crate::{render, ReportError, ReportInput, ReportOptions};

/// What every form is filled from: the case, its chronology and its protocol.
#[derive(Debug, Clone)]
pub struct Sources {
    pub case: CaseDetail,
    pub chronology: Vec<ChronologyEntry>,
    pub protocol: &'static Protocol,
}

impl Sources {
    pub async fn load(
        store: &Store,
        reference: &str,
        now: NaiveDateTime,
    ) -> Result<Sources, ReportError> {
        let file = store.case_file(reference).await?;
        let (case, chronology) = (
            file.detail(store.calendar(), now),
            file.chronology(store.calendar(), now),
        );
        let (case, chronology) = (
            case.map_err(escalate_store::StoreError::from)?,
            chronology.map_err(escalate_store::StoreError::from)?,
        );
        let protocol = escalate_core::builtin_protocol(&case.protocol_id)
            .map_err(|e| ReportError::Protocol(e.to_string()))?
            .ok_or_else(|| {
                ReportError::Protocol(format!(
                    "the case's protocol '{}' is not one this version of Escalate ships: update Escalate",
                    case.protocol_id
                ))
            })?;
        Ok(Sources {
            case,
            chronology,
            protocol,
        })
    }

    /// Fill a form from the store's profile and calendar.
    pub fn render(&self, store: &Store, opts: &ReportOptions) -> Result<Vec<u8>, ReportError> {
        render(&self.input(store), opts)
    }

    fn input<'a>(&'a self, store: &'a Store) -> ReportInput<'a> {
        ReportInput {
            profile: store.profile(),
            case: &self.case,
            chronology: &self.chronology,
            protocol: self.protocol,
            calendar: store.calendar(),
        }
    }

    /// Each page's text, for the app's preview.
    pub fn preview(
        &self,
        store: &Store,
        opts: &ReportOptions,
    ) -> Result<Vec<Vec<String>>, ReportError> {
        crate::preview(&self.input(store), opts)
    }

    /// The forms this case's protocol uses, in the order a lead reaches for them.
    pub fn forms(&self) -> Vec<FormId> {
        FormId::ALL
            .into_iter()
            .filter(|f| {
                *f == FormId::Chronology
                    || *f == FormId::StageRecord
                    || self
                        .protocol
                        .stages
                        .iter()
                        .any(|s| s.forms.iter().any(|x| x.form == *f))
            })
            .collect()
    }

    /// The form a Board package carries unless told otherwise.
    pub fn board_form(&self) -> FormId {
        [FormId::RpdReport, FormId::MonitoringForm]
            .into_iter()
            .find(|f| self.forms().contains(f))
            .unwrap_or(FormId::Chronology)
    }
}

/// What goes into a Board package.
#[derive(Debug)]
pub struct PackageRequest<'a> {
    /// Defaults to the protocol's report form.
    pub form: Option<FormId>,
    pub effectiveness: &'a str,
    /// Initials and age band instead of the child's name and date of birth.
    pub minimise: bool,
    pub seal: Seal<'a>,
    pub now: NaiveDateTime,
}

/// An encrypted export package for the Board administrator.
pub async fn package(
    store: &Store,
    reference: &str,
    req: PackageRequest<'_>,
) -> Result<Vec<u8>, ReportError> {
    let mut src = Sources::load(store, reference, req.now).await?;
    let form = req.form.unwrap_or_else(|| src.board_form());
    let monitoring = export::monitoring(
        store.profile(),
        &src.case,
        src.protocol,
        store.calendar(),
        req.effectiveness,
        req.minimise,
        req.now,
    );
    if req.minimise {
        // The PDF carries the same minimised identity as monitoring.json.
        let full = std::mem::replace(&mut src.case.child_name, monitoring.child.name.clone());
        src.case.child_dob = None;
        src.case.child_identifiers.clear();
        for e in &mut src.chronology {
            e.text = e.text.replace(&full, &monitoring.child.name);
        }
    }
    let opts = ReportOptions {
        form,
        stage: None,
        effectiveness: req.effectiveness.to_owned(),
        notes: String::new(),
        generated_at: req.now,
    };
    let pdf = src.render(store, &opts)?;
    export::seal(&pdf, &monitoring, req.seal)
}
