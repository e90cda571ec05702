//! Seed a store of N open cases for the app's start-up benchmark (bench/app-start),
//! with its key put in the OS keyring so the app unlocks it silently, as a lead's
//! laptop does. Usage: seed DIR N

use escalate_store::{bench_support, DataKey, KeyStore, OsKeyring};

#[allow(clippy::disallowed_methods, reason = "a benchmark dated today")]
fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(n)) = (args.next(), args.next()) else {
        return Err("usage: seed DIR N".into());
    };
    let n: usize = n.parse()?;
    let dir = std::path::PathBuf::from(dir);
    let key = DataKey::generate()?;
    let profile = escalate_api::demo::profile();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(bench_support::seed(&dir, Some(&key), &profile, n, now()))?;
    OsKeyring::default().set("benchmark", &key)?;
    Ok(())
}
