//! The layers as Cargo sees them: the front ends (the `escalate` command line and the
//! desktop app's shell) call the use cases here and never the store beneath them, so
//! no check or event can be made in a front end's own way.

use std::process::Command;

use serde_json::Value;

/// Each workspace package's normal (not dev, not build) dependencies, by name.
fn normal_dependencies() -> Vec<(String, Vec<String>)> {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                // `kind` is null for a normal dependency, "dev" or "build" otherwise.
                .filter(|d| d["kind"].is_null())
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

#[test]
fn the_front_ends_depend_on_the_api_and_not_on_the_store() {
    let packages = normal_dependencies();
    let deps = |name: &str| {
        packages
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| panic!("package {name} is not in the workspace"))
    };
    // The api is the store's one caller among the layers above it.
    assert!(deps("escalate-api").contains(&"escalate-store".to_owned()));
    for front_end in ["escalate", "escalate-app"] {
        let d = deps(front_end);
        assert!(
            d.contains(&"escalate-api".to_owned()),
            "{front_end} should call escalate-api: {d:?}"
        );
        assert!(
            !d.contains(&"escalate-store".to_owned()),
            "{front_end} depends on escalate-store: call escalate-api instead (re-export a handle in escalate_api::store if a front end must name it)"
        );
    }
}
