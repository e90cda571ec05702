//! `export REF`, `export open` and `export keygen`: packages for the Board. Here
//! `--passphrase-file` is the package's passphrase (escalate-api's `Secrets` decides).

use std::io::Write;
use std::path::Path;

use escalate_api::export::{self, Opener, PackageRequest};
use escalate_api::reports;
use escalate_api::session::Secrets;

use crate::args::{ExportArgs, ExportCommand};
use crate::cmd::{block_on, Ctx};
use crate::error::{option_named, options, CliError};
use crate::parse;
use crate::term::{self, clean};

pub fn run(a: ExportArgs, ctx: &Ctx, out: &mut impl Write) -> Result<(), CliError> {
    block_on(async {
        let now = ctx.now()?;
        let secrets = ctx.secrets(true);
        match a.open {
            Some(ExportCommand::Keygen { out: path }) => {
                let public = export::keygen(&path, now).map_err(options(&["out"]))?;
                writeln!(out, "{public}")?;
                Ok(())
            }
            Some(ExportCommand::Open {
                file,
                identity,
                extract,
                json,
            }) => {
                let opener = opener(identity.as_deref(), &secrets)?;
                let package = export::open_package(&file, opener.key(), now)?;
                if let Some(dir) = extract {
                    export::extract(&package, &dir).map_err(option_named("out", "--extract"))?;
                }
                if json {
                    term::json(out, &package.monitoring)?;
                } else {
                    let m = &package.monitoring;
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}",
                        clean(&m.reference),
                        clean(&m.protocol.id),
                        clean(m.status.as_str()),
                        clean(&m.child.name)
                    )?;
                    for (name, size) in &package.files {
                        writeln!(out, "{}\t{size} bytes", clean(name))?;
                    }
                    // Whose key signed it; whether that key is the agency's is the
                    // directory's question (`board import` asks it).
                    match &package.signed {
                        Some(s) => writeln!(
                            out,
                            "signed\t{}\tkey {}\tfingerprint {}",
                            clean(&s.manifest.sender.agency),
                            s.manifest.sender.key_id,
                            s.fingerprint
                        )?,
                        None => writeln!(out, "unsigned\tfrom a release before signing")?,
                    }
                }
                Ok(())
            }
            None => {
                let (Some(reference), Some(file)) = (a.reference, a.out) else {
                    return Err(CliError::option(
                        "export",
                        "give the case reference and --out FILE",
                    ));
                };
                let form = a.form.as_deref().map(parse::form).transpose()?;
                let passphrase = secrets.package().map_err(options(&["passphrase_file"]))?;
                let seal =
                    export::seal_with(&a.recipients, passphrase.as_ref().map(|p| p.expose()))
                        .map_err(options(&["recipient"]))?;
                let request = PackageRequest {
                    form,
                    effectiveness: &a.effectiveness,
                    minimise: a.minimise,
                    seal,
                    now,
                };
                let package = ctx
                    .with_store(&secrets, async |s| {
                        export::package(s, &reference, request).await
                    })
                    .await?;
                reports::save(&file, &package).map_err(options(&["out"]))?;
                writeln!(out, "{}\t{} bytes", file.display(), package.len())?;
                Ok(())
            }
        }
    })
}

/// What opens packages: the Board's identity file (`--identity`), or the packages'
/// passphrase (`--passphrase-file` or ESCALATE_EXPORT_PASSPHRASE).
pub fn opener(identity: Option<&Path>, secrets: &Secrets) -> Result<Opener, CliError> {
    let identity = identity.map(export::read_identity).transpose()?;
    let passphrase = secrets.package().map_err(options(&["passphrase_file"]))?;
    export::opener(identity, passphrase).map_err(options(&["identity"]))
}
