//! Trust between parties: this agency's identity and its card, the directory of
//! agencies this store trusts, and the partnership bundle the Board signs. What comes
//! from another party (a card, a bundle) is checked against its signatures before it
//! changes anything; every change is a settings event in the log (the store's).

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use escalate_core::holiday_data::HolidayData;
use escalate_core::ErrorCode;
use escalate_report::bundle::{self, BundleContent, MAX_BUNDLE};
use escalate_store::ProtocolInstallOutcome;
use escalate_store::{
    AgencyIdentity, DirectoryAdded, DirectoryEntry, DirectoryRevoked, DirectoryRole,
    PartnershipInstall, ProtocolFile, Store,
};
use escalate_trust::{fingerprint, Card, PublicKey, TrustError, MAX_CARD};
use serde::Serialize;

use crate::files::{self, Bound, HOLIDAY_FILE};
use crate::reports::save;
use crate::{ApiError, ApiResult};

pub const CARD_FILE: Bound = Bound {
    limit: MAX_CARD as u64,
    what: "an agency's card (the JSON file `escalate identity export` writes)",
    limit_words: "16 KiB",
};

pub const BUNDLE_FILE: Bound = Bound {
    limit: MAX_BUNDLE,
    what: "a partnership bundle (the file `escalate board bundle` writes)",
    limit_words: "32 MiB",
};

fn card_error(e: TrustError) -> ApiError {
    ApiError {
        field: Some("card".to_owned()),
        ..ApiError::new(ErrorCode::CardInvalid, format!("card: {e}"))
    }
}

fn bundle_error(e: impl std::fmt::Display) -> ApiError {
    ApiError {
        field: Some("bundle".to_owned()),
        ..ApiError::new(ErrorCode::BundleInvalid, e.to_string())
    }
}

/// This agency's card as the lead sees it: what it says, the fingerprint to read out
/// over the phone, the file to send, and the keys it had before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgencyCard {
    pub agency: String,
    pub sector: String,
    /// The base64 line of the minisign public key.
    pub signing_key: String,
    pub key_id: String,
    pub recipient: String,
    pub fingerprint: String,
    pub created_at: NaiveDateTime,
    /// The card file (JSON), as `identity export` writes it.
    pub json: String,
    /// The two-line public-key file `minisign -V -p` reads.
    pub public_key_file: String,
    /// Keys this agency signed with before, oldest first: packages they signed still
    /// verify.
    pub retired: Vec<RetiredKeyView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RetiredKeyView {
    pub key_id: String,
    pub fingerprint: String,
    pub created_at: NaiveDateTime,
    pub retired_at: NaiveDateTime,
}

/// The card of `identity`, under the profile's name and sector, signed by the current
/// key and endorsed by the one before it.
fn card_of(store: &Store, identity: &AgencyIdentity) -> ApiResult<Card> {
    let profile = store.profile();
    Card::make(
        &profile.agency,
        profile.sector.as_str(),
        &identity.signing,
        &identity.recipient,
        identity.created_at,
        identity.previous.as_ref(),
    )
    .map_err(|e| {
        ApiError::new(
            ErrorCode::FieldInvalid,
            format!("this agency's card cannot be made: {e} (change it in the profile)"),
        )
        .with_field(Some("agency"))
    })
}

/// This store's own card (signed now, from its keys and profile).
pub async fn own_card(store: &Store) -> ApiResult<Card> {
    let identity = store.identity().await?;
    card_of(store, &identity)
}

fn view(card: &Card, identity: &AgencyIdentity) -> ApiResult<AgencyCard> {
    let key = card.public_key().map_err(card_error)?;
    Ok(AgencyCard {
        agency: card.agency.clone(),
        sector: card.sector.clone(),
        signing_key: card.signing_key.clone(),
        key_id: key.key_id(),
        recipient: card.recipient.clone(),
        fingerprint: fingerprint(&key),
        created_at: card.created_at,
        json: card.to_json(),
        public_key_file: key.public_key_file(),
        retired: identity
            .retired
            .iter()
            .map(|r| RetiredKeyView {
                key_id: r.public.key_id(),
                fingerprint: fingerprint(&r.public),
                created_at: r.created_at,
                retired_at: r.retired_at,
            })
            .collect(),
    })
}

/// `escalate identity`: this agency's card.
pub async fn card(store: &Store) -> ApiResult<AgencyCard> {
    let identity = store.identity().await?;
    let card = card_of(store, &identity)?;
    view(&card, &identity)
}

/// Write this agency's card to `out`, a new file.
pub async fn export_card(store: &Store, out: &Path) -> ApiResult<AgencyCard> {
    let card = card(store).await?;
    save(out, card.json.as_bytes())?;
    Ok(card)
}

/// A new signing key: the new card is endorsed by the old key, which is kept so that
/// packages it signed still verify.
pub async fn rotate(store: &Store, now: NaiveDateTime) -> ApiResult<AgencyCard> {
    let identity = store.rotate_signing_key(now).await?;
    let card = card_of(store, &identity)?;
    view(&card, &identity)
}

/// A card file, read through its bound and verified (shape, keys, signatures).
pub fn read_card(path: &Path) -> ApiResult<Card> {
    let text = files::read_text(path, &CARD_FILE).map_err(|e| e.with_field(Some("card")))?;
    Card::parse(text.as_bytes()).map_err(card_error)
}

/// A card's text (from the app's open dialog), verified.
pub fn parse_card(text: &str) -> ApiResult<Card> {
    Card::parse(text.as_bytes()).map_err(card_error)
}

/// What a card says, shown before it is trusted: the fingerprint is compared with the
/// agency's own, over the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CardPreview {
    pub agency: String,
    pub sector: String,
    pub key_id: String,
    pub fingerprint: String,
    pub recipient: String,
    pub created_at: NaiveDateTime,
    /// After a rotation: the key id of the key that endorses this one.
    pub endorsed_by: Option<String>,
}

pub fn preview(card: &Card) -> ApiResult<CardPreview> {
    let key = card.public_key().map_err(card_error)?;
    Ok(CardPreview {
        agency: card.agency.clone(),
        sector: card.sector.clone(),
        key_id: key.key_id(),
        fingerprint: fingerprint(&key),
        recipient: card.recipient.clone(),
        created_at: card.created_at,
        endorsed_by: card
            .endorsing_key()
            .map_err(card_error)?
            .map(|k| k.key_id()),
    })
}

/// What adding a card did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum DirectoryOutcome {
    Added,
    /// The same key was already in the directory: nothing changed.
    AlreadyPresent,
    /// A new key for an agency in the directory, endorsed by its key there.
    Rotated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryChange {
    pub entry: DirectoryEntry,
    pub outcome: DirectoryOutcome,
    /// Held packages signed by this key, now verified and counted (a Board's store).
    pub counted: usize,
}

/// The agencies this store trusts, and its Board.
pub async fn directory(store: &Store) -> ApiResult<Vec<DirectoryEntry>> {
    Ok(store.directory().await?)
}

/// Trust an agency's card (already verified by `read_card`/`parse_card`; the lead has
/// compared its fingerprint). Packages the Board held from that key are then checked
/// again, and counted where they now verify.
pub async fn add(store: &Store, card: &Card, now: NaiveDateTime) -> ApiResult<DirectoryChange> {
    let (entry, outcome) = match store
        .directory_add(card, DirectoryRole::Agency, now)
        .await?
    {
        DirectoryAdded::Added(e) => (e, DirectoryOutcome::Added),
        DirectoryAdded::AlreadyPresent(e) => (e, DirectoryOutcome::AlreadyPresent),
        DirectoryAdded::Rotated(e) => (e, DirectoryOutcome::Rotated),
    };
    let counted = crate::board::count_held_from(store, &entry.signing_key, now).await?;
    Ok(DirectoryChange {
        entry,
        outcome,
        counted,
    })
}

/// Stop trusting an agency's keys (only `key_id`, where given: field `key` when the
/// agency has no such key) for anything signed from `from` on. Gives how many keys were
/// revoked, and the counted packages those keys signed from `from`: the revocation does
/// not uncount them, so the administrator looks at each (`board remove`).
pub async fn revoke(
    store: &Store,
    agency: &str,
    from: NaiveDate,
    key_id: Option<&str>,
    now: NaiveDateTime,
) -> ApiResult<DirectoryRevoked> {
    Ok(store.directory_revoke(agency, from, key_id, now).await?)
}

/// The Board this store exports to by default, where a bundle named one.
pub async fn board(store: &Store) -> ApiResult<Option<DirectoryEntry>> {
    Ok(store
        .directory()
        .await?
        .into_iter()
        .filter(|e| e.role == DirectoryRole::Board && e.revoked_from.is_none())
        .max_by_key(|e| e.added_at))
}

/// Settings → Partnership: the Board, the directory and this agency's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PartnershipView {
    pub board: Option<DirectoryEntry>,
    pub directory: Vec<DirectoryEntry>,
    pub card: AgencyCard,
}

pub async fn partnership(store: &Store) -> ApiResult<PartnershipView> {
    Ok(PartnershipView {
        board: board(store).await?,
        directory: directory(store).await?,
        card: card(store).await?,
    })
}

/// A bundle file, through its bound.
pub fn read_bundle(path: &Path) -> ApiResult<Vec<u8>> {
    crate::files::read_within(path, MAX_BUNDLE, Vec::new()).map_err(|e| {
        bundle_error(match e {
            crate::files::Unread::Io(e) => {
                format!("bundle: {} could not be read: {e}", path.display())
            }
            crate::files::Unread::NotRegular => {
                format!(
                    "bundle: {} is not a regular file: give a partnership bundle",
                    path.display()
                )
            }
            crate::files::Unread::TooLarge(n) => format!(
                "bundle: {} is {n} bytes, larger than any partnership bundle ({} bytes)",
                path.display(),
                BUNDLE_FILE.limit
            ),
        })
    })
}

/// A bundle checked against the Board key this store trusts: the one a bundle
/// installed before named; the first time, the Board's card given (`--board`); or a
/// new Board key whose card in the bundle is endorsed by the one trusted. Nothing is
/// believed before this passes.
fn opened(
    bytes: &[u8],
    trusted: Option<&DirectoryEntry>,
    given: Option<&Card>,
) -> ApiResult<bundle::OpenedBundle> {
    let key = |b64: &str| PublicKey::from_base64(b64).map_err(bundle_error);
    let claimed = bundle::claimed_signer(bytes).map_err(bundle_error)?;
    let anchor = match (trusted, given) {
        (Some(t), Some(g)) if t.signing_key != g.signing_key
            && g.endorsing_key().ok().flatten().map(|k| k.base64().to_owned()).as_deref()
                != Some(t.signing_key.as_str()) =>
        {
            return Err(bundle_error(format!(
                "board: the Board card given (key {}) is not the Board this store trusts (key {}), nor endorsed by it: ask the Board which key is theirs",
                g.key_id().unwrap_or_default(),
                t.key_id
            )))
        }
        (Some(t), _) => key(&t.signing_key)?,
        (None, Some(g)) => g.public_key().map_err(card_error)?,
        (None, None) => {
            return Err(ApiError::new(
                ErrorCode::BundleInvalid,
                "board: this store trusts no Board yet: give the Board's card with --board CARD the first time, and compare its fingerprint with the Board's",
            )
            .with_field(Some("board")))
        }
    };
    if claimed == anchor.base64() {
        return bundle::open_bundle(bytes, &anchor).map_err(bundle_error);
    }
    // A new Board key: its card in the bundle must be endorsed by the key trusted.
    let opened = bundle::open_bundle(bytes, &key(&claimed)?).map_err(bundle_error)?;
    let endorsed = opened.board.endorsing_key().map_err(card_error)?;
    if endorsed.as_ref() != Some(&anchor) {
        return Err(bundle_error(format!(
            "bundle: it is signed by key {}, not by the Board's key {}: it did not come from your Board",
            opened.manifest.sender.key_id,
            anchor.key_id()
        )));
    }
    Ok(opened)
}

/// What a bundle holds, shown before it is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BundlePreview {
    pub board: CardPreview,
    /// This store trusts no Board yet: the lead compares the fingerprint first.
    pub first_time: bool,
    /// Each protocol version's file name in the bundle.
    pub protocols: Vec<String>,
    pub calendar: bool,
    pub cards: Vec<CardPreview>,
    pub created_at: NaiveDateTime,
}

/// Check a bundle and say what it holds, changing nothing.
pub async fn bundle_preview(
    store: &Store,
    bytes: &[u8],
    given: Option<&Card>,
) -> ApiResult<BundlePreview> {
    let trusted = board(store).await?;
    let b = opened(bytes, trusted.as_ref(), given)?;
    Ok(BundlePreview {
        board: preview(&b.board)?,
        first_time: trusted.is_none(),
        protocols: b.protocols.iter().map(|(n, _)| n.clone()).collect(),
        calendar: b.calendar.is_some(),
        cards: b.cards.iter().map(preview).collect::<ApiResult<_>>()?,
        created_at: b.manifest.created_at,
    })
}

/// What installing a bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BundleInstalled {
    pub board: DirectoryEntry,
    /// Protocol versions installed (id and version); those already held are not listed.
    pub protocols: Vec<String>,
    pub calendar_imported: bool,
    pub cards_added: usize,
}

/// Install a partnership bundle, whole or not at all: its protocols (each a new
/// version; open cases stay on theirs), its bank holidays, its cards into the
/// directory, and its Board as the store's default export recipient.
pub async fn install_bundle(
    store: &mut Store,
    bytes: &[u8],
    given: Option<&Card>,
    now: NaiveDateTime,
) -> ApiResult<BundleInstalled> {
    let trusted = board(store).await?;
    let b = opened(bytes, trusted.as_ref(), given)?;
    if let Some(c) = &b.calendar {
        // Checked before the store is touched, with the file named as the bundle names it.
        HolidayData::from_govuk_json(c, bundle::CALENDAR)
            .map_err(|e| bundle_error(format!("bundle: {e}")))?;
    }
    let installed = store
        .install_partnership(
            PartnershipInstall {
                bundle_id: b.manifest.id.clone(),
                created_at: b.manifest.created_at,
                board: b.board.clone(),
                cards: b.cards.clone(),
                protocols: b
                    .protocols
                    .iter()
                    .map(|(name, text)| ProtocolFile {
                        file_name: format!("bundle/{name}"),
                        text: text.clone(),
                    })
                    .collect(),
                calendar: b.calendar.clone().map(|c| (bundle::CALENDAR.to_owned(), c)),
            },
            now,
        )
        .await?;
    Ok(BundleInstalled {
        board: installed.board,
        protocols: installed
            .protocols
            .into_iter()
            .filter(|(_, _, o)| *o == ProtocolInstallOutcome::Installed)
            .map(|(id, version, _)| format!("{id} {version}"))
            .collect(),
        calendar_imported: installed.calendar_imported,
        cards_added: installed.cards_added,
    })
}

/// The Board's bundle for its agencies: the protocol versions named (`ID` for the
/// version new cases open under, or `ID@VERSION`), the bank-holidays file given, every
/// agency card in the directory not revoked, and the Board's own card; signed by the
/// Board's key.
pub async fn make_bundle(
    store: &Store,
    protocols: &[String],
    calendar: Option<&Path>,
    now: NaiveDateTime,
) -> ApiResult<Vec<u8>> {
    let installed = store.installed_protocols().await?;
    let mut content = BundleContent::default();
    for wanted in protocols {
        let (id, version) = match wanted.split_once('@') {
            Some((i, v)) => (i.trim(), Some(v.trim())),
            None => (wanted.trim(), None),
        };
        let Some(p) = installed
            .iter()
            .find(|p| p.id == id && version.map_or(p.current, |v| p.version == v))
        else {
            return Err(ApiError::field(
                "protocol",
                format!(
                    "no installed protocol version is {}: `escalate protocols` lists them; give ID or ID@VERSION",
                    wanted.chars().filter(|c| !c.is_control()).take(80).collect::<String>()
                ),
            ));
        };
        let text = store.protocol_text(&p.sha256).await?;
        content
            .protocols
            .push((bundle::protocol_file_name(&p.id, &p.version), text));
    }
    if let Some(path) = calendar {
        let text =
            files::read_text(path, &HOLIDAY_FILE).map_err(|e| e.with_field(Some("calendar")))?;
        HolidayData::from_govuk_json(&text, &path.display().to_string()).map_err(|e| {
            ApiError::new(ErrorCode::CalendarFileInvalid, e.to_string())
                .with_field(Some("calendar"))
        })?;
        content.calendar = Some(text);
    }
    for e in store.directory().await? {
        if e.role == DirectoryRole::Agency && e.revoked_from.is_none() {
            content.cards.push(e.card.clone());
        }
    }
    let identity = store.identity().await?;
    let own = card_of(store, &identity)?;
    Ok(bundle::write_bundle(
        &content,
        &own,
        &identity.signing,
        now,
    )?)
}
