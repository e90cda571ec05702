//! The exchange package: what one agency's store sends another (or the Board) about a
//! case they share (issue 17). A *share* carries the case and its log events so far,
//! with the protocol text the case runs under; a *response* acknowledges, agrees with or
//! disputes a share; a *notification* tells the Business Unit or Board what the protocol
//! owes it.
//!
//! An age-encrypted tar (X25519 recipients only: a passphrase would have to travel
//! between agencies another way, and would say nothing of who sealed it) holding
//! `exchange.json`, `protocol.toml` for a share, and the signed manifest
//! (`escalate-exchange/1`), as bundle.rs's tar is read: exact names, bounded sizes.
//!
//! Whether the signer is trusted, and whether this store is among the recipients, is the
//! caller's question: it needs the store's directory and identity.

use std::io::{Read, Write};

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use escalate_trust::{
    read_archive, write_archive, Limits, Manifest, PublicKey, SignedManifest, SigningKey,
    EXCHANGE_FORMAT, MANIFEST_NAME, MAX_MANIFEST, MAX_SIGNATURE, SIGNATURE_NAME,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::export::MAX_PROTOCOL;
use crate::schema::{FIRST_YEAR, IDENTIFIERS_MAX, LAST_YEAR, NAME_MAX, STAGE_MAX, TEXT_MAX};
use crate::ReportError;

/// The record of the exchange inside the package.
pub const EXCHANGE_NAME: &str = "exchange.json";
/// The protocol text a share carries.
pub const PROTOCOL_NAME: &str = "protocol.toml";
/// The largest exchange package read: a share's 50 events with their records.
pub const MAX_EXCHANGE_PACKAGE: u64 = 8 * 1024 * 1024;
/// The largest `exchange.json` read.
pub const MAX_EXCHANGE_JSON: u64 = 2 * 1024 * 1024;
/// The most events a share carries.
pub const MAX_EVENTS: usize = 50;
/// The largest stage record an event or response carries, as compact JSON.
pub const MAX_RECORD: usize = 256 * 1024;
/// The longest case reference (`RPD-YYYY-NNNN`).
const REFERENCE_MAX: usize = 40;

fn bad(message: impl Into<String>) -> ReportError {
    ReportError::Export {
        field: "exchange",
        message: message.into(),
    }
}

/// What an exchange package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Share,
    Response,
    Notification,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Share => "share",
            Kind::Response => "response",
            Kind::Notification => "notification",
        }
    }
}

/// The sending agency and its own reference for the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    pub agency: String,
    /// `RPD-YYYY-NNNN`: the sender's reference, which the receiver keeps beside its own.
    pub reference: String,
}

/// The agency it is sent to, by its directory name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub agency: String,
}

/// The protocol version the shared case runs under; `protocol.toml` hashes to `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeProtocol {
    pub id: String,
    pub version: String,
    /// Lower-case hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeParty {
    pub agency: String,
    pub sector: Option<String>,
}

/// The case as shared: only what the protocol's stages need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedCase {
    pub child_name: String,
    pub child_date_of_birth: Option<NaiveDate>,
    pub child_identifiers: Option<String>,
    pub raising: ExchangeParty,
    pub receiving: ExchangeParty,
    pub category: String,
    pub opened_at: NaiveDateTime,
    pub immediate_risk: bool,
    /// The route's id; `None` for a protocol without routes.
    pub route: Option<String>,
}

/// Which log event a shared event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "stage.record")]
    StageRecord,
    #[serde(rename = "case.escalate")]
    Escalate,
    #[serde(rename = "case.resolve")]
    Resolve,
    #[serde(rename = "case.withdraw")]
    Withdraw,
}

/// One of the case's log events, as shared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedEvent {
    pub at: NaiveDateTime,
    pub event: EventKind,
    pub stage: Option<u8>,
    /// The stage record as JSON (an object).
    pub record: Option<Value>,
    pub words: Option<String>,
}

/// A response's answer to a share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Acknowledge,
    Agree,
    Dispute,
}

/// The protocol notification sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationRef {
    pub id: String,
    pub title: String,
}

/// What only one kind carries.
// A store holds one exchange at a time, not arrays of them: the share's size costs
// nothing, and boxing its case would make every constructor and match say so.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeBody {
    Share {
        protocol: ExchangeProtocol,
        case: SharedCase,
        events: Vec<SharedEvent>,
    },
    Response {
        /// The `sequence` of the share answered.
        in_reply_to: u32,
        answer: Answer,
        /// Required for a dispute.
        reason: Option<String>,
        /// The responder's own stage record (an object).
        record: Option<Value>,
    },
    Notification {
        notification: NotificationRef,
        stage: u8,
        /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`.
        next_deadline: Option<String>,
        /// Only when the protocol's notification form asks for it: a notification
        /// carries no other child data.
        child_name: Option<String>,
    },
}

/// `exchange.json`. Deserializing checks its shape and that it carries its kind's fields
/// and no other kind's; [`Exchange::from_json`] also checks [`Exchange::check`]'s rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Wire", into = "Wire")]
pub struct Exchange {
    /// [`EXCHANGE_FORMAT`].
    pub format: String,
    /// The exchange's id, 32 lower-case hex digits, which both sides keep.
    pub exchange: String,
    /// Per sender per exchange, from 1: so that packages arriving out of order are
    /// applied in order, and a replay is seen as one.
    pub sequence: u32,
    pub from: Origin,
    pub to: Destination,
    pub sent_at: NaiveDateTime,
    pub body: ExchangeBody,
}

/// `exchange.json` as it is written: one flat object, the kind's fields beside the
/// common ones, so that `deny_unknown_fields` holds (serde cannot flatten with it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    exchange: String,
    sequence: u32,
    kind: Kind,
    from: Origin,
    to: Destination,
    sent_at: NaiveDateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    protocol: Option<ExchangeProtocol>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    case: Option<SharedCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    events: Option<Vec<SharedEvent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    in_reply_to: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notification: Option<NotificationRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stage: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    child_name: Option<String>,
}

impl From<Exchange> for Wire {
    fn from(x: Exchange) -> Wire {
        let mut w = Wire {
            format: x.format,
            exchange: x.exchange,
            sequence: x.sequence,
            kind: Kind::Share,
            from: x.from,
            to: x.to,
            sent_at: x.sent_at,
            protocol: None,
            case: None,
            events: None,
            in_reply_to: None,
            answer: None,
            reason: None,
            record: None,
            notification: None,
            stage: None,
            next_deadline: None,
            child_name: None,
        };
        match x.body {
            ExchangeBody::Share {
                protocol,
                case,
                events,
            } => {
                w.protocol = Some(protocol);
                w.case = Some(case);
                w.events = Some(events);
            }
            ExchangeBody::Response {
                in_reply_to,
                answer,
                reason,
                record,
            } => {
                w.kind = Kind::Response;
                w.in_reply_to = Some(in_reply_to);
                w.answer = Some(answer);
                w.reason = reason;
                w.record = record;
            }
            ExchangeBody::Notification {
                notification,
                stage,
                next_deadline,
                child_name,
            } => {
                w.kind = Kind::Notification;
                w.notification = Some(notification);
                w.stage = Some(stage);
                w.next_deadline = next_deadline;
                w.child_name = child_name;
            }
        }
        w
    }
}

impl TryFrom<Wire> for Exchange {
    type Error = String;

    /// The kind's fields, each required where the kind needs it, and none of another
    /// kind's: a notification holding a `case` would carry child data the Board never
    /// asked for.
    fn try_from(w: Wire) -> Result<Exchange, String> {
        let kind = w.kind.word();
        let foreign = |present: bool, field: &str, owner: &str| {
            if present {
                Err(format!(
                    "{field}: a {kind} does not carry it (a {owner} does)"
                ))
            } else {
                Ok(())
            }
        };
        let missing = |field: &str| format!("{field}: a {kind} must carry it");
        let body = match w.kind {
            Kind::Share => {
                foreign(w.in_reply_to.is_some(), "in_reply_to", "response")?;
                foreign(w.answer.is_some(), "answer", "response")?;
                foreign(w.reason.is_some(), "reason", "response")?;
                foreign(w.record.is_some(), "record", "response")?;
                foreign(w.notification.is_some(), "notification", "notification")?;
                foreign(w.stage.is_some(), "stage", "notification")?;
                foreign(w.next_deadline.is_some(), "next_deadline", "notification")?;
                foreign(w.child_name.is_some(), "child_name", "notification")?;
                ExchangeBody::Share {
                    protocol: w.protocol.ok_or_else(|| missing("protocol"))?,
                    case: w.case.ok_or_else(|| missing("case"))?,
                    events: w.events.ok_or_else(|| missing("events"))?,
                }
            }
            Kind::Response => {
                foreign(w.protocol.is_some(), "protocol", "share")?;
                foreign(w.case.is_some(), "case", "share")?;
                foreign(w.events.is_some(), "events", "share")?;
                foreign(w.notification.is_some(), "notification", "notification")?;
                foreign(w.stage.is_some(), "stage", "notification")?;
                foreign(w.next_deadline.is_some(), "next_deadline", "notification")?;
                foreign(w.child_name.is_some(), "child_name", "notification")?;
                ExchangeBody::Response {
                    in_reply_to: w.in_reply_to.ok_or_else(|| missing("in_reply_to"))?,
                    answer: w.answer.ok_or_else(|| missing("answer"))?,
                    reason: w.reason,
                    record: w.record,
                }
            }
            Kind::Notification => {
                foreign(w.protocol.is_some(), "protocol", "share")?;
                foreign(w.case.is_some(), "case", "share")?;
                foreign(w.events.is_some(), "events", "share")?;
                foreign(w.in_reply_to.is_some(), "in_reply_to", "response")?;
                foreign(w.answer.is_some(), "answer", "response")?;
                foreign(w.reason.is_some(), "reason", "response")?;
                foreign(w.record.is_some(), "record", "response")?;
                ExchangeBody::Notification {
                    notification: w.notification.ok_or_else(|| missing("notification"))?,
                    stage: w.stage.ok_or_else(|| missing("stage"))?,
                    next_deadline: w.next_deadline,
                    child_name: w.child_name,
                }
            }
        };
        Ok(Exchange {
            format: w.format,
            exchange: w.exchange,
            sequence: w.sequence,
            from: w.from,
            to: w.to,
            sent_at: w.sent_at,
            body,
        })
    }
}

/// Characters that change how text shows without showing themselves (as a card's
/// names are checked): refused rather than cleaned, since each side keeps the other's
/// words byte for byte.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A one-line name: 1 to `max` characters, nothing hidden, no space at either end.
fn line(field: &str, s: &str, max: usize) -> Result<(), String> {
    let n = s.chars().count();
    if n == 0 || n > max {
        return Err(format!("{field}: must be 1 to {max} characters"));
    }
    if s.trim() != s {
        return Err(format!("{field}: begins or ends with a space"));
    }
    if s.chars().any(hidden) {
        return Err(format!(
            "{field}: holds a control, bidi or zero-width character"
        ));
    }
    Ok(())
}

/// Free text: 1 to `max` characters; line breaks (`\n`) and tabs allowed, nothing else
/// hidden.
fn words(field: &str, s: &str, max: usize) -> Result<(), String> {
    let n = s.chars().count();
    if n == 0 || n > max {
        return Err(format!("{field}: must be 1 to {max} characters"));
    }
    if s.trim().is_empty() {
        return Err(format!("{field}: says nothing (only spaces)"));
    }
    if s.chars().any(|c| c != '\n' && c != '\t' && hidden(c)) {
        return Err(format!(
            "{field}: holds a control, bidi or zero-width character (only line breaks and tabs are kept)"
        ));
    }
    Ok(())
}

fn hex_id(field: &str, s: &str, len: usize) -> Result<(), String> {
    if s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(format!("{field}: must be {len} lower-case hex digits"))
    }
}

fn year_ok(y: i32) -> bool {
    (FIRST_YEAR as i32..=LAST_YEAR as i32).contains(&y)
}

/// A time as the exchange carries it: whole seconds (the manifest's `created_at` is
/// compared with `sent_at` to the second), in 1990–2100.
fn moment(field: &str, t: NaiveDateTime) -> Result<(), String> {
    if !year_ok(t.year()) {
        return Err(format!("{field}: must be in {FIRST_YEAR}–{LAST_YEAR}"));
    }
    if t.nanosecond() != 0 {
        return Err(format!(
            "{field}: must be whole seconds (YYYY-MM-DDTHH:MM:SS)"
        ));
    }
    Ok(())
}

fn stage(field: &str, n: u8) -> Result<(), String> {
    if i64::from(n) > STAGE_MAX {
        return Err(format!("{field}: a stage is 0 to {STAGE_MAX}"));
    }
    Ok(())
}

/// A stage record: a JSON object of at most [`MAX_RECORD`] bytes written compactly.
fn record(field: &str, v: &Value) -> Result<(), String> {
    if !v.is_object() {
        return Err(format!("{field}: must be a JSON object (the stage record)"));
    }
    let size = serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX);
    if size > MAX_RECORD {
        return Err(format!("{field}: is larger than {MAX_RECORD} bytes"));
    }
    Ok(())
}

/// `RPD-YYYY-NNNN`: a year in the calendar's span and at least four digits, at most
/// [`REFERENCE_MAX`] characters.
fn reference(field: &str, s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = b.len() >= 13
        && b.len() <= REFERENCE_MAX
        && b.starts_with(b"RPD-")
        && b[4..8].iter().all(u8::is_ascii_digit)
        && std::str::from_utf8(&b[4..8])
            .ok()
            .and_then(|y| y.parse::<i32>().ok())
            .is_some_and(year_ok)
        && b[8] == b'-'
        && b[9..].iter().all(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{field}: must be a case reference RPD-YYYY-NNNN (at most {REFERENCE_MAX} characters)"
        ))
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`, a date that exists, in 1990–2100.
fn deadline(field: &str, s: &str) -> Result<(), String> {
    let ok = match s.len() {
        10 => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|d| d.format("%Y-%m-%d").to_string() == s)
            .is_some_and(|d| year_ok(d.year())),
        16 => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .ok()
            .filter(|d| d.format("%Y-%m-%dT%H:%M").to_string() == s)
            .is_some_and(|d| year_ok(d.year())),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{field}: must be a date YYYY-MM-DD or YYYY-MM-DDTHH:MM in {FIRST_YEAR}–{LAST_YEAR}"
        ))
    }
}

fn party(field: &str, p: &ExchangeParty) -> Result<(), String> {
    line(&format!("{field}.agency"), &p.agency, NAME_MAX)?;
    if let Some(s) = &p.sector {
        line(&format!("{field}.sector"), s, NAME_MAX)?;
    }
    Ok(())
}

impl Exchange {
    pub fn kind(&self) -> Kind {
        match self.body {
            ExchangeBody::Share { .. } => Kind::Share,
            ExchangeBody::Response { .. } => Kind::Response,
            ExchangeBody::Notification { .. } => Kind::Notification,
        }
    }

    /// `exchange.json` as it is signed: pretty JSON with a final newline.
    pub fn to_json(&self) -> Result<Vec<u8>, ReportError> {
        let mut json = serde_json::to_vec_pretty(self).map_err(|e| bad(e.to_string()))?;
        json.push(b'\n');
        Ok(json)
    }

    /// Read `exchange.json` (at most [`MAX_EXCHANGE_JSON`] bytes) and [`Exchange::check`]
    /// it. The error names the field, never its value.
    pub fn from_json(json: &[u8]) -> Result<Exchange, ReportError> {
        if json.len() as u64 > MAX_EXCHANGE_JSON {
            return Err(bad(format!(
                "exchange.json is larger than {MAX_EXCHANGE_JSON} bytes"
            )));
        }
        // serde_json stops at 128 levels of nesting: a deep record cannot exhaust the
        // stack.
        let wire: Wire = serde_json::from_slice(json).map_err(|e| {
            let text = e.to_string();
            let quoted = |prefix: &str| {
                text.strip_prefix(prefix)
                    .and_then(|r| r.split('`').next())
                    .map(str::to_owned)
            };
            let why = if let Some(f) = quoted("duplicate field `") {
                format!("{f} is given more than once")
            } else if let Some(f) = quoted("unknown field `") {
                // A key is the sender's text: named only when it is a plain field name.
                if !f.is_empty()
                    && f.len() <= 40
                    && f.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                {
                    format!("{f} is not a field of {EXCHANGE_FORMAT}")
                } else {
                    format!("it holds a key that is not a field of {EXCHANGE_FORMAT}")
                }
            } else if let Some(f) = quoted("missing field `") {
                format!("{f} is missing")
            } else {
                format!(
                    "a value cannot be read at line {}, column {}",
                    e.line(),
                    e.column()
                )
            };
            bad(format!(
                "exchange.json does not follow {EXCHANGE_FORMAT}: {why}"
            ))
        })?;
        let x = Exchange::try_from(wire).map_err(|why| {
            bad(format!(
                "exchange.json does not follow {EXCHANGE_FORMAT}: {why}"
            ))
        })?;
        x.check()?;
        Ok(x)
    }

    /// The rules beyond the JSON's shape: the format, every text within its bound and
    /// free of hidden characters, ids and references in their shapes, times in
    /// 1990–2100, a share's events in time order between the case's opening and the
    /// sending, a dispute's reason.
    pub fn check(&self) -> Result<(), ReportError> {
        self.rules().map_err(|why| {
            bad(format!(
                "exchange.json does not follow {EXCHANGE_FORMAT}: {why}"
            ))
        })
    }

    fn rules(&self) -> Result<(), String> {
        if self.format != EXCHANGE_FORMAT {
            return Err(format!("format: must be {EXCHANGE_FORMAT}"));
        }
        hex_id("exchange", &self.exchange, 32)?;
        if self.sequence == 0 {
            return Err("sequence: counts from 1".to_owned());
        }
        line("from.agency", &self.from.agency, NAME_MAX)?;
        reference("from.reference", &self.from.reference)?;
        line("to.agency", &self.to.agency, NAME_MAX)?;
        if self.to.agency == self.from.agency {
            return Err("to.agency: is the sending agency; an exchange is between two".to_owned());
        }
        moment("sent_at", self.sent_at)?;
        match &self.body {
            ExchangeBody::Share {
                protocol,
                case,
                events,
            } => {
                if !escalate_core::form::is_id(&protocol.id) {
                    return Err(format!(
                        "protocol.id: must be a protocol id ({})",
                        escalate_core::form::ID_HELP
                    ));
                }
                line("protocol.version", &protocol.version, NAME_MAX)?;
                hex_id("protocol.sha256", &protocol.sha256, 64)?;
                line("case.child_name", &case.child_name, NAME_MAX)?;
                if let Some(d) = case.child_date_of_birth {
                    if !year_ok(d.year()) {
                        return Err(format!(
                            "case.child_date_of_birth: must be in {FIRST_YEAR}–{LAST_YEAR}"
                        ));
                    }
                }
                if let Some(s) = &case.child_identifiers {
                    line("case.child_identifiers", s, IDENTIFIERS_MAX)?;
                }
                party("case.raising", &case.raising)?;
                party("case.receiving", &case.receiving)?;
                line("case.category", &case.category, NAME_MAX)?;
                moment("case.opened_at", case.opened_at)?;
                if case.opened_at > self.sent_at {
                    return Err("case.opened_at: is after sent_at".to_owned());
                }
                if let Some(r) = &case.route {
                    if !escalate_core::form::is_id(r) {
                        return Err(format!(
                            "case.route: must be a route id ({})",
                            escalate_core::form::ID_HELP
                        ));
                    }
                }
                if events.len() > MAX_EVENTS {
                    return Err(format!("events: a share carries at most {MAX_EVENTS}"));
                }
                let mut previous = case.opened_at;
                for (i, e) in events.iter().enumerate() {
                    let at = format!("events[{i}]");
                    moment(&format!("{at}.at"), e.at)?;
                    if e.at < previous {
                        return Err(format!(
                            "{at}.at: is before the event or opening it follows: events are in time order from case.opened_at"
                        ));
                    }
                    if e.at > self.sent_at {
                        return Err(format!("{at}.at: is after sent_at"));
                    }
                    previous = e.at;
                    if let Some(s) = e.stage {
                        stage(&format!("{at}.stage"), s)?;
                    }
                    if let Some(r) = &e.record {
                        record(&format!("{at}.record"), r)?;
                    }
                    if let Some(w) = &e.words {
                        words(&format!("{at}.words"), w, TEXT_MAX)?;
                    }
                    if e.event == EventKind::StageRecord
                        && (e.stage.is_none() || e.record.is_none())
                    {
                        return Err(format!(
                            "{at}: a stage.record event names its stage and carries its record"
                        ));
                    }
                }
            }
            ExchangeBody::Response {
                in_reply_to,
                answer,
                reason,
                record: r,
            } => {
                if *in_reply_to == 0 {
                    return Err("in_reply_to: is the sequence of a share, from 1".to_owned());
                }
                match reason {
                    Some(s) => words("reason", s, TEXT_MAX)?,
                    None if *answer == Answer::Dispute => {
                        return Err("reason: a dispute must give its reason".to_owned())
                    }
                    None => {}
                }
                if let Some(r) = r {
                    record("record", r)?;
                }
            }
            ExchangeBody::Notification {
                notification,
                stage: s,
                next_deadline,
                child_name,
            } => {
                if !escalate_core::form::is_id(&notification.id) {
                    return Err(format!(
                        "notification.id: must be a notification id ({})",
                        escalate_core::form::ID_HELP
                    ));
                }
                line("notification.title", &notification.title, NAME_MAX)?;
                stage("stage", *s)?;
                if let Some(d) = next_deadline {
                    deadline("next_deadline", d)?;
                }
                if let Some(n) = child_name {
                    line("child_name", n, NAME_MAX)?;
                }
            }
        }
        Ok(())
    }
}

/// Who signs an exchange: this agency's key and its directory name, which must be the
/// exchange's `from.agency`.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeSigner<'a> {
    pub key: &'a SigningKey,
    pub agency: &'a str,
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Whether the protocol text fits the exchange's kind: a share carries the text its
/// `protocol.sha256` names, nothing else carries one.
fn check_protocol(x: &Exchange, text: Option<&[u8]>) -> Result<(), String> {
    match (&x.body, text) {
        (ExchangeBody::Share { .. }, None) => Err(format!(
            "a share carries the protocol text its case runs under ({PROTOCOL_NAME})"
        )),
        (ExchangeBody::Share { protocol, .. }, Some(t)) => {
            if sha256_hex(t) != protocol.sha256 {
                return Err(format!(
                    "{PROTOCOL_NAME} is not the protocol text exchange.json names: its SHA-256 differs from protocol.sha256"
                ));
            }
            Ok(())
        }
        (_, Some(_)) => Err(format!(
            "a {} carries no protocol text ({PROTOCOL_NAME}): only a share does",
            x.kind().word()
        )),
        (_, None) => Ok(()),
    }
}

/// Seal an exchange: `exchange.json`, the protocol text for a share, and the manifest
/// signed by `signer` (created at `sent_at`, naming `recipients`), in a tar encrypted
/// with age to `recipients`. What `open_exchange` would refuse is refused here first.
pub fn seal_exchange(
    x: &Exchange,
    protocol: Option<&str>,
    recipients: &[String],
    signer: ExchangeSigner<'_>,
) -> Result<Vec<u8>, ReportError> {
    x.check()?;
    if signer.agency != x.from.agency {
        return Err(bad(
            "from.agency: the exchange is signed in this agency's name, which must be its from.agency",
        ));
    }
    check_protocol(x, protocol.map(str::as_bytes)).map_err(bad)?;
    if recipients.is_empty() {
        return Err(bad(
            "recipients: give the age recipient (age1…) of the agency it is sent to",
        ));
    }
    let parsed = recipients
        .iter()
        .enumerate()
        .map(|(i, r)| {
            r.trim().parse::<age::x25519::Recipient>().map_err(|_| {
                bad(format!(
                    "recipients: recipient {} is not an age public key (age1…)",
                    i + 1
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let json = x.to_json()?;
    if json.len() as u64 > MAX_EXCHANGE_JSON {
        return Err(bad(format!(
            "exchange.json would be larger than {MAX_EXCHANGE_JSON} bytes: share fewer or smaller records"
        )));
    }
    let mut files: Vec<(&str, &[u8])> = vec![(EXCHANGE_NAME, json.as_slice())];
    if let Some(t) = protocol {
        if t.len() as u64 > MAX_PROTOCOL {
            return Err(bad(format!(
                "{PROTOCOL_NAME} is larger than a protocol file may be ({MAX_PROTOCOL} bytes)"
            )));
        }
        files.push((PROTOCOL_NAME, t.as_bytes()));
    }
    let manifest = Manifest::new(
        EXCHANGE_FORMAT,
        signer.agency,
        signer.key.public(),
        recipients,
        false,
        x.sent_at,
        &files,
    )
    .map_err(|e| bad(format!("manifest: {e}")))?;
    let (manifest_json, sig) = manifest
        .sign(signer.key)
        .map_err(|e| bad(format!("manifest: {e}")))?;
    let mut all = vec![
        (MANIFEST_NAME, manifest_json.as_slice()),
        (SIGNATURE_NAME, sig.as_bytes()),
    ];
    all.extend(files);
    let plain = write_archive(&all, x.sent_at.and_utc().timestamp())
        .map_err(|e| bad(format!("package: {e}")))?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| bad(format!("recipients: {e}")))?;
    let mut out = Vec::new();
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| bad(format!("package: {e}")))?;
    w.write_all(&plain)
        .map_err(|e| bad(format!("package: {e}")))?;
    w.finish().map_err(|e| bad(format!("package: {e}")))?;
    if out.len() as u64 > MAX_EXCHANGE_PACKAGE {
        return Err(bad(format!(
            "package: it would be larger than {MAX_EXCHANGE_PACKAGE} bytes"
        )));
    }
    Ok(out)
}

/// An exchange package as read and checked.
#[derive(Debug, Clone)]
pub struct OpenedExchange {
    pub exchange: Exchange,
    /// `exchange.json` as signed: what the receiver keeps as the sender's words.
    pub exchange_json: Vec<u8>,
    /// The protocol text a share carries, checked to hash to its `protocol.sha256`.
    pub protocol: Option<String>,
    pub manifest: Manifest,
    /// `manifest.json` and `manifest.json.minisig` as received, to keep and check again.
    pub manifest_json: String,
    pub signature: String,
    /// The key that signed the manifest (the one it names).
    pub signer: PublicKey,
    /// The signer's fingerprint, as its card shows it.
    pub fingerprint: String,
}

fn limit(name: &str) -> Option<u64> {
    match name {
        EXCHANGE_NAME => Some(MAX_EXCHANGE_JSON),
        PROTOCOL_NAME => Some(MAX_PROTOCOL),
        MANIFEST_NAME => Some(MAX_MANIFEST as u64),
        SIGNATURE_NAME => Some(MAX_SIGNATURE as u64),
        _ => None,
    }
}

const LIMITS: Limits = Limits {
    max_entries: 4,
    max_total: MAX_EXCHANGE_JSON + MAX_PROTOCOL + MAX_MANIFEST as u64 + MAX_SIGNATURE as u64,
    limit,
};

fn decrypt<'a>(
    bytes: &'a [u8],
    identity: &str,
) -> Result<age::stream::StreamReader<&'a [u8]>, ReportError> {
    let ids = identity
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.parse::<age::x25519::Identity>().map_err(|_| {
                bad("identity: a line of the identity is not an age identity (AGE-SECRET-KEY-1…)")
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(bad("identity: it holds no AGE-SECRET-KEY-1… line"));
    }
    let decryptor = age::Decryptor::new_buffered(bytes).map_err(|e| {
        bad(format!(
            "package: it is not an age-encrypted exchange package, or it was changed or cut short ({e})"
        ))
    })?;
    // Only X25519 identities are offered: a passphrase (scrypt) package finds no
    // matching key and costs no key derivation.
    decryptor
        .decrypt(ids.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| {
            bad(format!(
                "identity: this store's key cannot open the package ({e}): it was sealed for someone else"
            ))
        })
}

/// Decrypt and check an exchange package with this store's age identity (its text,
/// `AGE-SECRET-KEY-1…`, comments allowed): the size, the tar's shape, the manifest's
/// signature by the key it names and its format, every file's SHA-256, the sender and
/// time the manifest names against `exchange.json`'s, `exchange.json`'s rules and the
/// protocol text's hash. Nothing of a changed package is read as an exchange.
///
/// Whether the signer is in this store's directory, and whether this store is among
/// `manifest.recipients`, is the caller's to check.
pub fn open_exchange(bytes: &[u8], identity: &str) -> Result<OpenedExchange, ReportError> {
    if bytes.len() as u64 > MAX_EXCHANGE_PACKAGE {
        return Err(bad(format!(
            "package: it is larger than any exchange package ({MAX_EXCHANGE_PACKAGE} bytes)"
        )));
    }
    let reader = decrypt(bytes, identity)?;
    // The plaintext is no longer than the ciphertext; the bound holds whatever age does.
    let mut bounded = reader.take(MAX_EXCHANGE_PACKAGE + 1);
    let entries = read_archive(&mut bounded, &LIMITS);
    if bounded.limit() == 0 {
        return Err(bad(format!(
            "package: it is larger than any exchange package ({MAX_EXCHANGE_PACKAGE} bytes)"
        )));
    }
    let entries = entries.map_err(|e| {
        bad(format!(
            "package: {e} (an exchange package holds exchange.json, protocol.toml for a share, manifest.json and manifest.json.minisig)"
        ))
    })?;
    let find = |n: &str| {
        entries
            .iter()
            .find(|e| e.name == n)
            .map(|e| e.data.as_slice())
    };
    let (Some(json), Some(sig)) = (find(MANIFEST_NAME), find(SIGNATURE_NAME)) else {
        return Err(bad(
            "manifest: it holds no signed manifest (manifest.json and manifest.json.minisig): an exchange package is always signed",
        ));
    };
    let refused = |e: escalate_trust::TrustError| bad(format!("manifest: {e}"));
    let signed = SignedManifest::parse(json, sig).map_err(refused)?;
    if signed.manifest.format != EXCHANGE_FORMAT {
        return Err(bad(format!(
            "manifest: format: an exchange package's manifest says {EXCHANGE_FORMAT}"
        )));
    }
    let signer = signed.verify_self().map_err(refused)?;
    if signed.manifest.passphrase || signed.manifest.recipients.is_empty() {
        return Err(bad(
            "manifest: recipients: an exchange package is sealed to its recipients' age keys, never a passphrase",
        ));
    }
    let files: Vec<(&str, &[u8])> = entries
        .iter()
        .filter(|e| e.name != MANIFEST_NAME && e.name != SIGNATURE_NAME)
        .map(|e| (e.name.as_str(), e.data.as_slice()))
        .collect();
    signed.manifest.check_files(&files).map_err(refused)?;
    let Some(exchange_json) = find(EXCHANGE_NAME) else {
        return Err(bad("package: it holds no exchange.json"));
    };
    let exchange = Exchange::from_json(exchange_json)?;
    if signed.manifest.sender.agency != exchange.from.agency {
        return Err(bad(
            "manifest: sender.agency: the signed manifest names another agency than exchange.json's from.agency",
        ));
    }
    // The time a revoked key is judged by is the manifest's: it must be the exchange's
    // own, or a package could claim to be signed before a revocation while saying
    // it was sent after.
    if signed.manifest.created_at != exchange.sent_at {
        return Err(bad(
            "manifest: created_at: the signed manifest's time is not exchange.json's sent_at",
        ));
    }
    let protocol_bytes = find(PROTOCOL_NAME);
    check_protocol(&exchange, protocol_bytes).map_err(bad)?;
    let protocol = match protocol_bytes {
        None => None,
        Some(b) => Some(
            String::from_utf8(b.to_vec())
                .map_err(|_| bad(format!("{PROTOCOL_NAME} is not UTF-8 text")))?,
        ),
    };
    let manifest_json = String::from_utf8(json.to_vec())
        .map_err(|_| bad("manifest: manifest.json is not UTF-8 text"))?;
    Ok(OpenedExchange {
        exchange_json: exchange_json.to_vec(),
        exchange,
        protocol,
        manifest: signed.manifest.clone(),
        manifest_json,
        signature: signed.signature_text().to_owned(),
        fingerprint: escalate_trust::fingerprint(&signer),
        signer,
    })
}
