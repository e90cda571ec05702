//! A lead's moves on a case, called on the store for brevity: `store.create_case(…)`
//! is escalate-api's `cases::create(&store, …)`, its checks, its event, then the
//! store's unit of work, as both front ends call it. Shared by escalate-store's tests
//! (what the store keeps of each move) and escalate-api's.

use chrono::NaiveDateTime;
use escalate_api::{cases, ApiResult};
use escalate_core::model::{Alert, CaseFilter, CaseListItem, NewCase, StageRecordInput};
use escalate_store::Store;

/// The moves, each escalate-api's use case of the same name.
#[allow(async_fn_in_trait)]
pub trait Lead {
    async fn create_case(&self, case: NewCase, now: NaiveDateTime) -> ApiResult<String>;
    async fn record_stage(
        &self,
        reference: &str,
        record: StageRecordInput,
        now: NaiveDateTime,
    ) -> ApiResult<i64>;
    async fn escalate(
        &self,
        reference: &str,
        to_stage: Option<u8>,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> ApiResult<u8>;
    async fn move_protocol(
        &self,
        reference: &str,
        to: &str,
        now: NaiveDateTime,
    ) -> ApiResult<cases::ProtocolMove>;
    async fn resolve(&self, reference: &str, outcome: &str, now: NaiveDateTime) -> ApiResult<()>;
    async fn withdraw(&self, reference: &str, reason: &str, now: NaiveDateTime) -> ApiResult<()>;
    async fn redirect(
        &self,
        reference: &str,
        exclusion: &str,
        now: NaiveDateTime,
    ) -> ApiResult<String>;
    async fn mark_sent(
        &self,
        reference: &str,
        stage: Option<u8>,
        notification: &str,
        sent_at: NaiveDateTime,
        note: &str,
        now: NaiveDateTime,
    ) -> ApiResult<()>;
    async fn shorten_deadline(
        &self,
        reference: &str,
        due: NaiveDateTime,
        reason: &str,
        now: NaiveDateTime,
    ) -> ApiResult<()>;
    async fn list_cases(
        &self,
        filter: CaseFilter,
        search: Option<&str>,
        now: NaiveDateTime,
    ) -> ApiResult<Vec<CaseListItem>>;
    async fn new_alerts(&self, now: NaiveDateTime) -> ApiResult<Vec<Alert>>;
}

impl Lead for Store {
    async fn create_case(&self, case: NewCase, now: NaiveDateTime) -> ApiResult<String> {
        cases::create(self, case, now).await
    }
    async fn record_stage(
        &self,
        reference: &str,
        record: StageRecordInput,
        now: NaiveDateTime,
    ) -> ApiResult<i64> {
        cases::record_stage(self, reference, record, now).await
    }
    async fn escalate(
        &self,
        reference: &str,
        to_stage: Option<u8>,
        reason: Option<&str>,
        now: NaiveDateTime,
    ) -> ApiResult<u8> {
        cases::escalate(self, reference, to_stage, reason, now).await
    }
    async fn move_protocol(
        &self,
        reference: &str,
        to: &str,
        now: NaiveDateTime,
    ) -> ApiResult<cases::ProtocolMove> {
        cases::move_protocol(self, reference, to, now).await
    }
    async fn resolve(&self, reference: &str, outcome: &str, now: NaiveDateTime) -> ApiResult<()> {
        cases::resolve(self, reference, outcome, now).await
    }
    async fn withdraw(&self, reference: &str, reason: &str, now: NaiveDateTime) -> ApiResult<()> {
        cases::withdraw(self, reference, reason, now).await
    }
    async fn redirect(
        &self,
        reference: &str,
        exclusion: &str,
        now: NaiveDateTime,
    ) -> ApiResult<String> {
        cases::redirect(self, reference, exclusion, now).await
    }
    async fn mark_sent(
        &self,
        reference: &str,
        stage: Option<u8>,
        notification: &str,
        sent_at: NaiveDateTime,
        note: &str,
        now: NaiveDateTime,
    ) -> ApiResult<()> {
        cases::mark_sent(
            self,
            reference,
            stage,
            notification,
            Some(sent_at),
            note,
            now,
        )
        .await
    }
    async fn shorten_deadline(
        &self,
        reference: &str,
        due: NaiveDateTime,
        reason: &str,
        now: NaiveDateTime,
    ) -> ApiResult<()> {
        cases::shorten_deadline(self, reference, due, reason, now).await
    }
    async fn list_cases(
        &self,
        filter: CaseFilter,
        search: Option<&str>,
        now: NaiveDateTime,
    ) -> ApiResult<Vec<CaseListItem>> {
        cases::list(self, filter == CaseFilter::All, search, now).await
    }
    async fn new_alerts(&self, now: NaiveDateTime) -> ApiResult<Vec<Alert>> {
        cases::new_alerts(self, now).await
    }
}
