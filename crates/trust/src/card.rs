//! An agency's card: its name and sector, its signing key and age recipient, signed by
//! that key; after a rotation, endorsed by the key it replaces.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::keys::{check_recipient, fingerprint, PublicKey, Signature, SigningKey};
use crate::{check_name, TrustError};

pub const CARD_FORMAT: &str = "escalate-card/1";
/// The most a card file may be: a few hundred bytes of keys and two signatures.
pub const MAX_CARD: usize = 16 * 1024;

/// What a card's signatures are over: these fields, as compact JSON in this order.
#[derive(Serialize)]
struct Body<'a> {
    format: &'a str,
    agency: &'a str,
    sector: &'a str,
    signing_key: &'a str,
    recipient: &'a str,
    created_at: NaiveDateTime,
}

/// A card as exported (`escalate identity export`) and as read. One made by
/// [`Card::make`] or read by [`Card::parse`] has had its signatures verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub format: String,
    pub agency: String,
    pub sector: String,
    /// The base64 line of the agency's minisign public key.
    pub signing_key: String,
    /// The agency's age recipient (`age1…`).
    pub recipient: String,
    pub created_at: NaiveDateTime,
    /// After a rotation: the key this one replaces, and its signature over this card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endorsed_by: Option<Endorsement>,
    /// The card's own key's minisign signature over its fields (the text of a
    /// `.minisig` file).
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    pub signing_key: String,
    pub signature: String,
}

impl Card {
    fn body(&self) -> Result<Vec<u8>, TrustError> {
        serde_json::to_vec(&Body {
            format: &self.format,
            agency: &self.agency,
            sector: &self.sector,
            signing_key: &self.signing_key,
            recipient: &self.recipient,
            created_at: self.created_at,
        })
        .map_err(|e| TrustError::new("card", e.to_string()))
    }

    fn self_comment(key: &PublicKey) -> String {
        format!("{CARD_FORMAT} {}", key.key_id())
    }

    fn endorse_comment(key: &PublicKey) -> String {
        format!("{CARD_FORMAT} endorses {}", key.key_id())
    }

    /// A card for `key`, signed by it; after a rotation, `endorse` is the key it
    /// replaces, which signs it too.
    pub fn make(
        agency: &str,
        sector: &str,
        key: &SigningKey,
        recipient: &str,
        created_at: NaiveDateTime,
        endorse: Option<&SigningKey>,
    ) -> Result<Card, TrustError> {
        check_name("agency", agency, "the agency's name")?;
        check_name("sector", sector, "the sector")?;
        check_recipient(recipient)?;
        let mut card = Card {
            format: CARD_FORMAT.to_owned(),
            agency: agency.to_owned(),
            sector: sector.to_owned(),
            signing_key: key.public().base64().to_owned(),
            recipient: recipient.to_owned(),
            created_at,
            endorsed_by: None,
            signature: String::new(),
        };
        let body = card.body()?;
        card.signature = key.sign(&body, &Card::self_comment(key.public()))?;
        if let Some(old) = endorse {
            card.endorsed_by = Some(Endorsement {
                signing_key: old.public().base64().to_owned(),
                signature: old.sign(&body, &Card::endorse_comment(key.public()))?,
            });
        }
        Ok(card)
    }

    /// Read and verify a card file: at most [`MAX_CARD`] bytes of JSON with exactly the
    /// card's keys, each once; a name and sector that show as they are; a minisign key
    /// and an age recipient; its own signature over its fields; and an endorsement, if
    /// it has one, by another key over the same fields.
    pub fn parse(bytes: &[u8]) -> Result<Card, TrustError> {
        if bytes.len() > MAX_CARD {
            return Err(TrustError::new(
                "card",
                format!(
                    "it is {} bytes; an agency's card is under {MAX_CARD}: give the file `escalate identity export` wrote",
                    bytes.len()
                ),
            ));
        }
        let card: Card = serde_json::from_slice(bytes).map_err(|e| {
            let text = e.to_string();
            let why = match text
                .strip_prefix("duplicate field `")
                .and_then(|r| r.split('`').next())
            {
                Some(f) => format!("{f} is given more than once"),
                None => match text
                    .strip_prefix("unknown field `")
                    .and_then(|r| r.split('`').next())
                {
                    Some(f) => format!("{f} is not a key of a card"),
                    None => format!(
                        "it cannot be read at line {}, column {}",
                        e.line(),
                        e.column()
                    ),
                },
            };
            TrustError::new(
                "card",
                format!(
                    "not an agency's card ({why}): give the file `escalate identity export` wrote"
                ),
            )
        })?;
        card.verify()?;
        Ok(card)
    }

    /// Check every rule [`Card::parse`] checks, on a card already in memory (one kept in
    /// a store, say).
    pub fn verify(&self) -> Result<(), TrustError> {
        if self.format != CARD_FORMAT {
            return Err(TrustError::new(
                "format",
                format!("a card this Escalate reads says {CARD_FORMAT}"),
            ));
        }
        check_name("agency", &self.agency, "the agency's name")?;
        check_name("sector", &self.sector, "the sector")?;
        let key = PublicKey::from_base64(&self.signing_key)?;
        check_recipient(&self.recipient)?;
        let earliest = NaiveDate::from_ymd_opt(1990, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        let latest = NaiveDate::from_ymd_opt(2101, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        if earliest.is_some_and(|e| self.created_at < e)
            || latest.is_some_and(|l| self.created_at >= l)
        {
            return Err(TrustError::new(
                "created_at",
                "a card's date is in 1990–2100",
            ));
        }
        let body = self.body()?;
        let sig = Signature::parse(self.signature.as_bytes())?;
        key.verify(&body, &sig).map_err(|e| {
            TrustError::new(
                "signature",
                format!(
                    "the card's own signature {}",
                    e.message.trim_start_matches("it ")
                ),
            )
        })?;
        if sig.trusted_comment() != Card::self_comment(&key) {
            return Err(TrustError::new(
                "signature",
                "the card's signature was made for something else (its trusted comment differs)",
            ));
        }
        if let Some(e) = &self.endorsed_by {
            let old = PublicKey::from_base64(&e.signing_key)
                .map_err(|x| TrustError::new("endorsed_by", x.message))?;
            if old == key {
                return Err(TrustError::new(
                    "endorsed_by",
                    "a card is endorsed by the key it replaces, not by its own",
                ));
            }
            let sig = Signature::parse(e.signature.as_bytes())
                .map_err(|x| TrustError::new("endorsed_by", x.message))?;
            old.verify(&body, &sig)
                .map_err(|x| TrustError::new("endorsed_by", x.message))?;
            if sig.trusted_comment() != Card::endorse_comment(&key) {
                return Err(TrustError::new(
                    "endorsed_by",
                    "the endorsement was made for another key (its trusted comment differs)",
                ));
            }
        }
        Ok(())
    }

    /// The card's signing key (the card has been verified, so it parses).
    pub fn public_key(&self) -> Result<PublicKey, TrustError> {
        PublicKey::from_base64(&self.signing_key)
    }

    /// The key this card's key replaced, if it was endorsed by one.
    pub fn endorsing_key(&self) -> Result<Option<PublicKey>, TrustError> {
        self.endorsed_by
            .as_ref()
            .map(|e| PublicKey::from_base64(&e.signing_key))
            .transpose()
    }

    pub fn key_id(&self) -> Result<String, TrustError> {
        Ok(self.public_key()?.key_id())
    }

    /// The fingerprint to compare over the phone.
    pub fn fingerprint(&self) -> Result<String, TrustError> {
        Ok(fingerprint(&self.public_key()?))
    }

    /// The card as its file: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
