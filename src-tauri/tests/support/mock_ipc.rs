// The app on Tauri's mock runtime, and commands sent to it as the webview sends them.
// Shared by the shell's tests (tests/app) and the UI fixtures (examples/ui-fixtures.rs),
// so the fixtures are the answers the real commands give.

use escalate_app::state::DataPaths;
use tauri::test::INVOKE_KEY;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

pub type Failure = Box<dyn std::error::Error>;

/// The app with its data folders in `dir`.
pub fn mock_app(dir: &std::path::Path) -> Result<tauri::App<MockRuntime>, Failure> {
    Ok(
        escalate_app::build_app(mock_builder(), DataPaths::beside(&dir.join("data")))
            .build(mock_context(noop_assets()))?,
    )
}

/// The window the capability names: commands are granted to "main" only.
pub fn main_window(
    app: &tauri::App<MockRuntime>,
) -> Result<tauri::WebviewWindow<MockRuntime>, Failure> {
    Ok(WebviewWindowBuilder::new(app, "main", Default::default()).build()?)
}

/// One command with its JSON arguments: the answer, or the rejection as sent.
pub fn send(
    window: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost"
            .parse()
            .map_err(|e| serde_json::json!(format!("{e}")))?,
        body: tauri::ipc::InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).and_then(|r| {
        r.deserialize::<serde_json::Value>()
            .map_err(|e| serde_json::json!(format!("the answer is not JSON: {e}")))
    })
}
