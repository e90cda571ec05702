//! The partnership's monitoring figures, from the `monitoring.json` records Board
//! administrators import: counts by agency, sector, category, protocol and stage
//! resolved, time to resolution in working days, timeliness of stages, open cases past
//! their protocol's whole timescale, effectiveness comments and a quarterly trend; as
//! CSV and as a PDF report with charts; and the check each imported package passes.
//!
//! A case belongs to a period when it was opened in it (`from` and `to` inclusive).
//! Everything here is pure: escalate-api reads the files and the store.

mod csv;
mod figures;
mod import;
mod pdf;

pub use self::csv::csv;
pub use self::figures::{
    behind, bucket, choices, figures, BoardFigures, BoardProtocols, CaseLine, Comment, Dimension,
    LateCase, Overdue, Quarter, Selection, Spread,
};
pub use self::import::{check_package, CheckedPackage};
pub use self::pdf::pdf;
