//! Power-cut safety: a writer killed with SIGKILL at random moments, over and over,
//! never loses a record it reported saved, and leaves a sound file and audit chain.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use escalate_store::{CaseFilter, DataKey, Store};

use crate::support::*;

const KILLS: usize = 100;

/// The child: save cases in a loop, printing each reference after its commit.
/// Ignored so it only runs when the crash test starts it.
#[tokio::test]
#[ignore = "run by crash::records_survive_sigkill"]
async fn writer_child() {
    const PARENT: &str = "crash::records_survive_sigkill";
    let dir = from_parent("ESCALATE_CRASH_DIR", PARENT);
    let key = from_parent("ESCALATE_CRASH_KEY", PARENT);
    let key = DataKey::from_hex(&key).unwrap();
    let store = Store::open_with_key(std::path::Path::new(&dir), &key)
        .await
        .unwrap();
    let first: u64 = from_parent("ESCALATE_CRASH_FROM", PARENT).parse().unwrap();
    for n in first.. {
        let r = store
            .create_case(new_case(&format!("Crash Child {n}")), now())
            .await
            .unwrap();
        // Reported only once the transaction has committed.
        println!("saved {n} {r}");
    }
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn records_survive_sigkill() {
    let f = fixture().await;
    let dir = f.path();
    let key = key_of(&dir);
    f.store.close().await;
    let mut rng = Rng(Instant::now().elapsed().as_nanos() as u64 ^ 0x2545_F491_4F6C_DD1D);
    let mut saved: Vec<u64> = Vec::new();
    let mut next = 0u64;
    for round in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash::writer_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("ESCALATE_CRASH_DIR", &dir)
            .env("ESCALATE_CRASH_KEY", key.expose_hex().as_str())
            .env("ESCALATE_CRASH_FROM", next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| {
                    l.strip_prefix("saved ")
                        .and_then(|r| r.split(' ').next()?.parse::<u64>().ok())
                })
                .collect::<Vec<_>>()
        });
        // Kill somewhere between start-up and a burst of writes.
        std::thread::sleep(Duration::from_millis(30 + rng.next() % 250));
        child.kill().unwrap(); // SIGKILL on Unix: no destructors, no flush, no checkpoint.
        child.wait().unwrap();
        let reported = reader.join().unwrap();
        if let Some(last) = reported.last() {
            next = last + 1;
        }
        saved.extend(reported);

        let s = Store::open_with_key(&dir, &key).await.unwrap();
        let names: std::collections::BTreeSet<String> = s
            .list_cases(CaseFilter::All, None, now())
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.child_name)
            .collect();
        for n in &saved {
            assert!(
                names.contains(&format!("Crash Child {n}")),
                "round {round}: record {n} was reported saved but is gone"
            );
        }
        assert_eq!(s.integrity_check().await.unwrap(), "ok", "round {round}");
        let audit = s.verify_audit().await.unwrap();
        assert!(audit.ok(), "round {round}: {:?}", audit.first_broken);
        s.close().await;
    }
    assert!(
        saved.len() > KILLS,
        "the writer saved only {} records in {KILLS} runs: the test did not exercise it",
        saved.len()
    );
}
