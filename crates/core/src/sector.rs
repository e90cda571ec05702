//! The sectors agencies belong to. Protocols with an indicative structure (South
//! Gloucestershire) name who is involved at each stage per sector.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum Sector {
    /// The local authority, including children's social care.
    LocalAuthority,
    Schools,
    /// Hospitals and other secondary care.
    HealthSecondary,
    /// GP practices and other primary care.
    HealthPrimary,
    Voluntary,
    Police,
    Other,
}

impl Sector {
    pub const ALL: [Sector; 7] = [
        Sector::LocalAuthority,
        Sector::Schools,
        Sector::HealthSecondary,
        Sector::HealthPrimary,
        Sector::Voluntary,
        Sector::Police,
        Sector::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::LocalAuthority => "local-authority",
            Sector::Schools => "schools",
            Sector::HealthSecondary => "health-secondary",
            Sector::HealthPrimary => "health-primary",
            Sector::Voluntary => "voluntary",
            Sector::Police => "police",
            Sector::Other => "other",
        }
    }

    /// The name protocols use.
    pub fn name(self) -> &'static str {
        match self {
            Sector::LocalAuthority => "Local Authority",
            Sector::Schools => "Schools",
            Sector::HealthSecondary => "Health Care – Secondary Care",
            Sector::HealthPrimary => "Health Care – Primary Care",
            Sector::Voluntary => "Voluntary Sector",
            Sector::Police => "Police",
            Sector::Other => "Other",
        }
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown sector id; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sector '{0}': use one of local-authority, schools, health-secondary, health-primary, voluntary, police, other")]
pub struct UnknownSector(pub String);

impl FromStr for Sector {
    type Err = UnknownSector;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sector::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownSector(s.to_owned()))
    }
}
