//! A small WebDriver harness around tauri-driver.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// A port nobody is listening on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
const WAIT: Duration = Duration::from_secs(20);

pub struct App {
    pub client: Client,
    driver: Child,
    pub data: tempfile::TempDir,
    pub saved: PathBuf,
    bypass_dialogs: bool,
}

fn app_binary() -> PathBuf {
    let bin = std::env::var_os("ESCALATE_APP_BIN")
        .map(PathBuf::from)
        .expect(
            "ESCALATE_APP_BIN is not set: run these through `make e2e`, which builds the app first",
        );
    assert!(
        bin.exists(),
        "{} does not exist: build it with `make e2e`",
        bin.display()
    );
    bin
}

impl App {
    /// Start the app on a fresh, empty data folder.
    pub async fn start() -> App {
        App::start_with(&[]).await
    }

    /// The same, with more environment for the app (e.g. a folder to import from).
    pub async fn start_with(env: &[(&str, &Path)]) -> App {
        App::start_in(tempfile::tempdir().unwrap(), env, true).await
    }

    /// The app with its native file dialogs, as a lead has it (`dialog.rs` answers them).
    pub async fn start_with_native_dialogs() -> App {
        App::start_in(tempfile::tempdir().unwrap(), &[], false).await
    }

    /// Quit the app and start it again on the same data folder, as a lead would
    /// the next morning.
    pub async fn restart(mut self) -> App {
        let _ = self.client.clone().close().await;
        let data = std::mem::replace(&mut self.data, tempfile::tempdir().unwrap());
        let bypass_dialogs = self.bypass_dialogs;
        drop(self);
        App::start_in(data, &[], bypass_dialogs).await
    }

    /// `bypass_dialogs`: save into `saved` instead of asking through the native dialog.
    async fn start_in(data: tempfile::TempDir, env: &[(&str, &Path)], bypass_dialogs: bool) -> App {
        let saved = data.path().join("saved");
        std::fs::create_dir_all(&saved).unwrap();
        let (port, native) = (free_port(), free_port());
        let mut driver = Command::new("tauri-driver");
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("ESCALATE_DATA_DIR", data.path().join("store"))
            .envs(env.iter().map(|(k, v)| (*k, *v)));
        if bypass_dialogs {
            driver.env("ESCALATE_E2E_SAVE_DIR", &saved);
        } else {
            let (config, share) = pdf_viewer(data.path());
            driver
                .env("XDG_CONFIG_HOME", config)
                .env("XDG_DATA_HOME", share);
        }
        let driver = driver
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tauri-driver is not installed: `make e2e` installs it");
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": app_binary().display().to_string() }),
        );
        let started = Instant::now();
        let client = loop {
            let attempt = ClientBuilder::rustls()
                .unwrap()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await;
            match attempt {
                Ok(c) => break c,
                Err(e) if started.elapsed() < WAIT => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("could not start a WebDriver session: {e}"),
            }
        };
        App {
            client,
            driver,
            data,
            saved,
            bypass_dialogs,
        }
    }

    pub async fn stop(self) {
        let _ = self.client.clone().close().await;
        // Drop stops the driver.
    }
}

/// The desktop's default PDF viewer, for this app only: a script that writes down what
/// it was asked to open (in `opened` in the data folder), reached through xdg-open's
/// own lookup (`mimeapps.list`, a `.desktop` file) as a real viewer would be.
fn pdf_viewer(data: &Path) -> (PathBuf, PathBuf) {
    let config = data.join("xdg-config");
    let share = data.join("xdg-data");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(share.join("applications")).unwrap();
    let viewer = data.join("pdf-viewer");
    std::fs::write(
        &viewer,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n",
            data.join("opened").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&viewer, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        share.join("applications/escalate-test-viewer.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Test PDF viewer\nExec='{}' %f\nMimeType=application/pdf;\n",
            viewer.display()
        ),
    )
    .unwrap();
    std::fs::write(
        config.join("mimeapps.list"),
        "[Default Applications]\napplication/pdf=escalate-test-viewer.desktop\n",
    )
    .unwrap();
    (config, share)
}

impl App {
    /// What the desktop's PDF viewer was asked to open, one path per line, waiting
    /// until it has been asked something.
    pub async fn opened_in_viewer(&self) -> String {
        let record = self.data.path().join("opened");
        let started = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&record) {
                return text;
            }
            assert!(
                started.elapsed() < WAIT,
                "the PDF viewer was never asked to open anything"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for App {
    /// Also on a failed test: SIGTERM, not SIGKILL, so tauri-driver stops
    /// WebKitWebDriver and the app with it; a survivor would answer the next test.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let _ = self.driver.wait();
    }
}

impl App {
    pub async fn el(&self, css: &str) -> fantoccini::elements::Element {
        let started = Instant::now();
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await {
                return e;
            }
            if started.elapsed() > WAIT {
                let body = self.body_text().await;
                panic!("no element '{css}' after {WAIT:?}; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Wait until the page shows `needle`.
    pub async fn see(&self, needle: &str) {
        let started = Instant::now();
        loop {
            let body = self.body_text().await;
            if body.contains(needle) {
                return;
            }
            if started.elapsed() > WAIT {
                panic!("the page never showed '{needle}'; it says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Set a date, time or select value the way the browser does after a choice.
    pub async fn set(&self, css: &str, value: &str) {
        self.el(css).await;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1];
                 e.dispatchEvent(new Event('input', {bubbles: true}));
                 e.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![Value::from(css), Value::from(value)],
            )
            .await
            .unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.el(css).await.click().await.unwrap();
    }

    /// Click the button whose words are exactly `label`.
    pub async fn button(&self, label: &str) {
        let xpath = format!("//button[normalize-space()='{label}']");
        let started = Instant::now();
        loop {
            if let Ok(b) = self.client.find(Locator::XPath(&xpath)).await {
                if b.is_enabled().await.unwrap_or(false) {
                    b.click().await.unwrap();
                    return;
                }
            }
            if started.elapsed() > WAIT {
                let body = self.body_text().await;
                panic!("no enabled button '{label}'; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Keep a screenshot of the top of the screen when ESCALATE_SCREENSHOT_DIR is set
    /// (`make screenshots`).
    pub async fn shot(&self, name: &str) {
        if std::env::var_os("ESCALATE_SCREENSHOT_DIR").is_some() {
            self.client
                .execute("window.scrollTo(0, 0)", vec![])
                .await
                .unwrap();
        }
        self.shot_here(name).await;
    }

    /// The same, wherever the screen is scrolled to.
    pub async fn shot_here(&self, name: &str) {
        let Some(dir) = std::env::var_os("ESCALATE_SCREENSHOT_DIR") else {
            return;
        };
        // Let fonts and layout settle after the last change.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}
