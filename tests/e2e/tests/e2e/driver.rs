//! A small WebDriver harness around tauri-driver that cannot hang.
//!
//! - Every WebDriver call (the session start included) has a time limit, and every
//!   wait has a deadline.
//! - Each start of the app runs tauri-driver, WebKitWebDriver and the app in a process
//!   group of their own; stopping kills the whole group and checks in /proc that no
//!   member, and no process carrying this start's marker, is left.
//! - tauri-driver's output (with WebKitWebDriver's) and the app's stdout and stderr go
//!   to files, printed when the scenario fails.
//! - `scenario` bounds a whole test, so a failing one fails within two minutes.

use std::ffi::OsStr;
use std::fmt::Debug;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::processes::{self, Group};

/// For something to appear on the page.
const WAIT: Duration = Duration::from_secs(20);
/// For one WebDriver command to be answered.
const CALL: Duration = Duration::from_secs(20);
/// For the app to start and the WebDriver session to open.
const SESSION: Duration = Duration::from_secs(60);
/// For a whole scenario. With the clean-up after it (3 s of grace, and at most 26 s if
/// SIGKILL itself were slow) a failing scenario ends in under two and a half minutes;
/// the longest passes in 20 to 30 s here, and in up to 70 s on a 2-core machine busy
/// with three compilers (the PDF viewer's wait, below, is most of that).
pub const SCENARIO: Duration = Duration::from_secs(120);
/// The environment variable that marks every process of one start of the app.
pub const MARKER: &str = "ESCALATE_E2E_INSTANCE";
/// The most of each log printed after a failure.
const LOG_TAIL: usize = 12 * 1024;

/// Run a scenario with the overall time limit. On timeout it panics while the
/// scenario's future is still alive, so its apps are dropped during the panic: they
/// print their logs and are stopped.
pub async fn scenario(body: impl Future<Output = ()>) {
    scenario_within(SCENARIO, body).await;
}

pub async fn scenario_within(limit: Duration, body: impl Future<Output = ()>) {
    let mut body = std::pin::pin!(body);
    if tokio::time::timeout(limit, &mut body).await.is_err() {
        panic!("the scenario did not finish within {limit:?}: it is stopped as failed");
    }
}

/// One WebDriver command, answered within `CALL`, or a panic that says which.
pub async fn within<T, E: Debug>(what: &str, call: impl Future<Output = Result<T, E>>) -> T {
    match tokio::time::timeout(CALL, call).await {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => panic!("WebDriver: {what} failed: {e:?}"),
        Err(_) => panic!("WebDriver: {what} was not answered within {CALL:?}"),
    }
}

/// One try of something the caller retries until its deadline: `None` on an error or
/// no answer within `CALL`.
async fn attempt<T, E>(call: impl Future<Output = Result<T, E>>) -> Option<T> {
    tokio::time::timeout(CALL, call).await.ok()?.ok()
}

/// A port nobody is listening on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

/// Open a WebDriver session on `port`, retrying until `deadline`; each try is bounded,
/// so a server that accepts and never answers cannot hold the test. `alive` is asked
/// between tries, so a driver that died is reported at once.
pub async fn open_session(
    port: u16,
    caps: serde_json::Map<String, Value>,
    deadline: Duration,
    mut alive: impl FnMut() -> Result<(), String>,
) -> Result<Client, String> {
    let started = Instant::now();
    let mut last = String::from("no attempt");
    loop {
        alive()?;
        let left = deadline.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(format!(
                "no WebDriver session within {deadline:?}; the last try: {last}"
            ));
        }
        let mut builder = ClientBuilder::rustls()
            .map_err(|e| format!("the WebDriver client could not be made: {e}"))?;
        builder.capabilities(caps.clone());
        let url = format!("http://127.0.0.1:{port}");
        let connect = builder.connect(&url);
        match tokio::time::timeout(left.min(CALL), connect).await {
            Ok(Ok(client)) => return Ok(client),
            Ok(Err(e)) => last = e.to_string(),
            Err(_) => last = format!("the session start was not answered within {CALL:?}"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One start of the app: its processes and where their output goes. Dropping it
/// stops every process and checks that none is left; during a panic it also prints
/// the logs.
struct Instance {
    group: Group,
    marker: String,
    logs: PathBuf,
    number: usize,
}

impl Instance {
    fn log_files(&self) -> Vec<PathBuf> {
        ["tauri-driver", "app.stdout", "app.stderr"]
            .iter()
            .map(|name| self.logs.join(format!("{name}.{}.log", self.number)))
            .collect()
    }

    /// The tail of every log, for a failure report.
    fn report(&self) -> String {
        let mut out = String::new();
        for file in self.log_files() {
            let text = std::fs::read(&file).unwrap_or_default();
            let tail = &text[text.len().saturating_sub(LOG_TAIL)..];
            out.push_str(&format!(
                "----- {} ({} bytes{}) -----\n{}\n",
                file.display(),
                text.len(),
                if tail.len() < text.len() {
                    ", the end only"
                } else {
                    ""
                },
                String::from_utf8_lossy(tail)
            ));
        }
        out
    }

    /// Stop the group, then anything else with this start's marker; `Err` names
    /// survivors.
    fn shut_down(&mut self) -> Result<(), String> {
        let group = self.group.stop();
        let strays = processes::carrying(MARKER, &self.marker);
        let strays = if strays.is_empty() {
            Ok(())
        } else {
            processes::stop_each(&strays)
                .map_err(|e| format!("processes that left the group: {strays:?}; {e}"))
        };
        match (group, strays) {
            (Ok(()), Ok(())) => Ok(()),
            (a, b) => Err(format!("{:?} {:?}", a.err(), b.err())),
        }
    }
}

impl Drop for Instance {
    #[allow(clippy::print_stderr, reason = "a failed test's report goes to stderr")]
    fn drop(&mut self) {
        let failing = std::thread::panicking();
        let stopped = self.shut_down();
        if failing {
            eprintln!(
                "\nThe app's output (process group {}):\n{}",
                self.group.pgid(),
                self.report()
            );
        }
        if let Err(e) = stopped {
            // A second panic during a panic would abort the whole test run.
            if failing {
                eprintln!("the app's processes could not all be stopped: {e}");
            } else {
                panic!("the app's processes could not all be stopped: {e}");
            }
        }
    }
}

/// Numbers each start, for its marker and log names.
static STARTS: AtomicUsize = AtomicUsize::new(0);

pub struct App {
    client: Client,
    // Before `data`: fields drop in order, and the logs are in the data folder.
    instance: Instance,
    pub data: tempfile::TempDir,
    pub saved: PathBuf,
    bypass_dialogs: bool,
}

/// Where and how to start the app.
struct Launch<'a> {
    data: tempfile::TempDir,
    env: &'a [(&'a str, &'a OsStr)],
    bypass_dialogs: bool,
    /// Default: `logs` in the data folder.
    logs: Option<PathBuf>,
}

impl App {
    /// Start the app on a fresh, empty data folder.
    pub async fn start() -> App {
        App::start_with(&[]).await
    }

    /// The same, with more environment for the app (e.g. a folder to import from).
    pub async fn start_with(env: &[(&str, &OsStr)]) -> App {
        App::launch(Launch {
            data: tempfile::tempdir().unwrap(),
            env,
            bypass_dialogs: true,
            logs: None,
        })
        .await
    }

    /// The app with its native file dialogs, as a lead has it (`dialog.rs` answers them).
    pub async fn start_with_native_dialogs() -> App {
        App::launch(Launch {
            data: tempfile::tempdir().unwrap(),
            env: &[],
            bypass_dialogs: false,
            logs: None,
        })
        .await
    }

    /// The app with its logs in `logs`, which outlives it (the harness's own tests).
    pub async fn start_logging_to(logs: &Path, env: &[(&str, &OsStr)]) -> App {
        App::launch(Launch {
            data: tempfile::tempdir().unwrap(),
            env,
            bypass_dialogs: true,
            logs: Some(logs.to_owned()),
        })
        .await
    }

    /// Quit the app and start it again on the same data folder, as a lead would
    /// the next morning.
    pub async fn restart(mut self) -> App {
        self.close_session().await;
        let data = std::mem::replace(&mut self.data, tempfile::tempdir().unwrap());
        let bypass_dialogs = self.bypass_dialogs;
        // Stops every process of this start, verified, before the next one begins.
        drop(self);
        App::launch(Launch {
            data,
            env: &[],
            bypass_dialogs,
            logs: None,
        })
        .await
    }

    async fn launch(launch: Launch<'_>) -> App {
        let Launch {
            data,
            env,
            bypass_dialogs,
            logs,
        } = launch;
        let bin = app_binary();
        refuse_a_survivor(&bin);
        let logs = logs.unwrap_or_else(|| data.path().join("logs"));
        std::fs::create_dir_all(&logs).unwrap();
        let number = STARTS.fetch_add(1, Ordering::Relaxed) + 1;
        let marker = format!("{}-{number}", std::process::id());
        let saved = data.path().join("saved");
        std::fs::create_dir_all(&saved).unwrap();

        // WebKitWebDriver starts the app with its own stdout closed: a launcher in the
        // data folder sends the app's output to files, then becomes the app.
        let launcher = data.path().join(format!("launch-app-{number}"));
        std::fs::write(
            &launcher,
            format!(
                "#!/bin/sh\nexec '{}' \"$@\" >>'{}' 2>>'{}'\n",
                bin.display(),
                logs.join(format!("app.stdout.{number}.log")).display(),
                logs.join(format!("app.stderr.{number}.log")).display(),
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o700)).unwrap();

        let (port, native) = (free_port(), free_port());
        let driver_log =
            std::fs::File::create(logs.join(format!("tauri-driver.{number}.log"))).unwrap();
        let mut driver = Command::new("tauri-driver");
        driver
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env(MARKER, &marker)
            .env("ESCALATE_DATA_DIR", data.path().join("store"))
            // The locale many Linux laptops are set to: the UI must still write
            // dates dd/mm/yyyy and times on the 24-hour clock.
            .env("LANG", "en_US.UTF-8")
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .stdin(Stdio::null())
            .stdout(driver_log.try_clone().unwrap())
            .stderr(driver_log);
        if bypass_dialogs {
            driver.env("ESCALATE_E2E_SAVE_DIR", &saved);
        } else {
            let (config, share) = pdf_viewer(data.path());
            driver
                .env("XDG_CONFIG_HOME", config)
                .env("XDG_DATA_HOME", share);
        }
        let group = Group::spawn(&mut driver)
            .expect("tauri-driver is not installed: `make e2e` installs it");
        let mut instance = Instance {
            group,
            marker,
            logs,
            number,
        };

        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert(
            "tauri:options".into(),
            json!({ "application": launcher.display().to_string() }),
        );
        let group = &mut instance.group;
        let opened = open_session(port, caps, SESSION, || match group.exited() {
            Some(status) => Err(format!("tauri-driver ended ({status})")),
            None => Ok(()),
        })
        .await;
        let client = match opened {
            Ok(client) => client,
            // `instance` is dropped during this panic: it prints the logs and stops all.
            Err(e) => panic!("could not start the app under WebDriver: {e}"),
        };
        App {
            client,
            instance,
            data,
            saved,
            bypass_dialogs,
        }
    }

    async fn close_session(&self) {
        // The processes are stopped either way: no answer here is not a failure.
        let _ = tokio::time::timeout(CALL, self.client.clone().close()).await;
    }

    pub async fn stop(self) {
        self.close_session().await;
        // Drop stops every process, verified.
    }

    /// The process group of this start (the harness's own tests).
    pub fn process_group(&self) -> i32 {
        self.instance.group.pgid()
    }

    /// The marker in the environment of every process of this start.
    pub fn marker(&self) -> &str {
        &self.instance.marker
    }

    /// Where this start's output goes: tauri-driver's, the app's stdout, its stderr.
    pub fn log_files(&self) -> Vec<PathBuf> {
        self.instance.log_files()
    }
}

/// The app is single-instance on the D-Bus session: one left running by an earlier
/// scenario would take the new one's place and make it quit at once. A survivor is a
/// harness failure: stop it, and say so.
fn refuse_a_survivor(bin: &Path) {
    let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") else {
        return;
    };
    let bus = bus.to_string_lossy();
    let survivors = processes::running_binary(bin, "DBUS_SESSION_BUS_ADDRESS", &bus);
    if survivors.is_empty() {
        return;
    }
    // Its tauri-driver and WebKitWebDriver too: everything of that start.
    let mut all = survivors.clone();
    for p in &survivors {
        if let Some(marker) = processes::env_value(p.pid, MARKER) {
            all.extend(processes::carrying(MARKER, &marker));
        }
    }
    all.sort_by_key(|p| p.pid);
    all.dedup();
    let stopped = processes::stop_each(&all);
    panic!(
        "an earlier start of the app was still running on this D-Bus session ({survivors:?}): it would take this start's place; stopped it and its drivers ({all:?}): {stopped:?}"
    );
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
        // Longer than WAIT: the opener runs xdg-open, a shell script that scans the
        // desktop files, and on a busy 2-core machine (CI building beside it) that once
        // took more than 20 s, and twice more than 45 s with three compilers beside it.
        // Still bounded (within SCENARIO), and a failure shows what the page said.
        const VIEWER_WAIT: Duration = Duration::from_secs(75);
        let record = self.data.path().join("opened");
        self.poll(
            VIEWER_WAIT,
            async || std::fs::read_to_string(&record).ok(),
            |body| {
                format!("the PDF viewer was never asked to open anything; the page says:\n{body}")
            },
        )
        .await
    }

    /// Ask `probe` every 100 ms until it answers; after `limit`, fail with `failure`'s
    /// words for what the page says then.
    async fn poll<T>(
        &self,
        limit: Duration,
        mut probe: impl AsyncFnMut() -> Option<T>,
        failure: impl FnOnce(String) -> String,
    ) -> T {
        let started = Instant::now();
        loop {
            if let Some(answer) = probe().await {
                return answer;
            }
            if started.elapsed() > limit {
                let body = self.body_text().await;
                panic!("{}", failure(body));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An element on the page; each command on it is bounded like the client's.
pub struct El {
    element: Element,
    css: String,
}

impl El {
    pub async fn click(&self) {
        within(&format!("click '{}'", self.css), self.element.click()).await;
    }

    pub async fn text(&self) -> String {
        within(&format!("the text of '{}'", self.css), self.element.text()).await
    }

    pub async fn send_keys(&self, text: &str) {
        within(
            &format!("typing into '{}'", self.css),
            self.element.send_keys(text),
        )
        .await;
    }

    pub async fn clear(&self) {
        within(&format!("clearing '{}'", self.css), self.element.clear()).await;
    }

    pub async fn attr(&self, name: &str) -> Option<String> {
        within(
            &format!("attribute {name} of '{}'", self.css),
            self.element.attr(name),
        )
        .await
    }
}

impl App {
    /// Wait for the element `css` to be on the page.
    pub async fn el(&self, css: &str) -> El {
        let element = self
            .poll(
                WAIT,
                async || attempt(self.client.find(Locator::Css(css))).await,
                |body| format!("no element '{css}' after {WAIT:?}; the page says:\n{body}"),
            )
            .await;
        El {
            element,
            css: css.to_owned(),
        }
    }

    /// Every element matching `css` now (none is not an error).
    pub async fn all(&self, css: &str) -> Vec<El> {
        within(
            &format!("find every '{css}'"),
            self.client.find_all(Locator::Css(css)),
        )
        .await
        .into_iter()
        .map(|element| El {
            element,
            css: css.to_owned(),
        })
        .collect()
    }

    /// Nothing on the page matches `css` now.
    pub async fn absent(&self, css: &str) -> bool {
        self.all(css).await.is_empty()
    }

    /// Run a script in the page.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        within("a script in the page", self.client.execute(script, args)).await
    }

    pub async fn body_text(&self) -> String {
        match attempt(self.client.find(Locator::Css("body"))).await {
            Some(b) => attempt(b.text()).await.unwrap_or_default(),
            None => String::new(),
        }
    }

    /// Wait until the page shows `needle`.
    pub async fn see(&self, needle: &str) {
        self.poll(
            WAIT,
            async || self.body_text().await.contains(needle).then_some(()),
            |body| format!("the page never showed '{needle}'; it says:\n{body}"),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        e.clear().await;
        e.send_keys(text).await;
    }

    /// Choose an option of a select, as the browser does after a choice.
    pub async fn set(&self, css: &str, value: &str) {
        self.el(css).await;
        self.js(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('input', {bubbles: true}));
             e.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![Value::from(css), Value::from(value)],
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        self.el(css).await.click().await;
    }

    /// Click the button whose words are exactly `label`.
    pub async fn button(&self, label: &str) {
        let xpath = format!("//button[normalize-space()='{label}']");
        let enabled = self
            .poll(
                WAIT,
                async || {
                    let b = attempt(self.client.find(Locator::XPath(&xpath))).await?;
                    attempt(b.is_enabled()).await.unwrap_or(false).then_some(b)
                },
                |body| format!("no enabled button '{label}'; the page says:\n{body}"),
            )
            .await;
        within(&format!("click the button '{label}'"), enabled.click()).await;
    }

    /// Keep a screenshot of the top of the screen when ESCALATE_SCREENSHOT_DIR is set
    /// (`make screenshots`).
    pub async fn shot(&self, name: &str) {
        if std::env::var_os("ESCALATE_SCREENSHOT_DIR").is_some() {
            self.js("window.scrollTo(0, 0)", vec![]).await;
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
        let png = within("a screenshot", self.client.screenshot()).await;
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}
