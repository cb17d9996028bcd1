//! A small Chrome DevTools Protocol client: enough to drive Debian's headless
//! Chromium through a page (navigate, evaluate, set a file input, screenshot).

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// How long any single wait in a browser test may take before it fails.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// A headless Chromium with a fresh profile, killed when dropped.
pub(crate) struct Browser {
    _child: tokio::process::Child,
    outgoing: mpsc::UnboundedSender<Message>,
    pending: Pending,
    next_id: AtomicU64,
    _profile: tempfile::TempDir,
}

/// The Chromium binary: `CHROMIUM` if set, else Debian's.
fn chromium_path() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

impl Browser {
    /// Starts Chromium with the flags that work on these machines (no network
    /// chatter, no sandbox as root) and connects to its DevTools endpoint.
    pub(crate) async fn launch() -> Self {
        Self::launch_with(&[]).await
    }

    /// [`Browser::launch`] with extra command-line flags (a fake microphone, ...).
    pub(crate) async fn launch_with(extra: &[String]) -> Self {
        let profile = tempfile::tempdir().unwrap();
        let child = tokio::process::Command::new(chromium_path())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e} (run scripts/setup.sh --test)",
                    chromium_path()
                )
            });

        // Chromium writes its port and browser path to DevToolsActivePort when ready.
        let port_file = profile.path().join("DevToolsActivePort");
        let started = std::time::Instant::now();
        let contents = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && text.lines().count() >= 2
            {
                break text;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "Chromium did not start in time"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let mut lines = contents.lines();
        let port = lines.next().unwrap().trim();
        let path = lines.next().unwrap().trim();
        let url = format!("ws://127.0.0.1:{port}{path}");
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .unwrap();
        let (mut sink, mut stream) = socket.split();

        let (outgoing, mut queue) = mpsc::unbounded_channel::<Message>();
        tokio::spawn(async move {
            while let Some(message) = queue.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let pending: Pending = Arc::default();
        let responses = pending.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64)
                    && let Some(reply) = responses.lock().await.remove(&id)
                {
                    let _ = reply.send(value);
                }
            }
        });
        Self {
            _child: child,
            outgoing,
            pending,
            next_id: AtomicU64::new(1),
            _profile: profile,
        }
    }

    async fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.try_call(session, method, params)
            .await
            .unwrap_or_else(|error| panic!("{method} failed: {error}"))
    }

    /// [`Browser::call`], with Chromium's error as an `Err`.
    async fn try_call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, Value> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        let (reply, answer) = oneshot::channel();
        self.pending.lock().await.insert(id, reply);
        self.outgoing
            .send(Message::Text(command.to_string().into()))
            .unwrap();
        let response = tokio::time::timeout(DEADLINE, answer)
            .await
            .unwrap_or_else(|_| panic!("{method}: no answer from Chromium"))
            .unwrap();
        if let Some(error) = response.get("error") {
            return Err(error.clone());
        }
        Ok(response["result"].clone())
    }

    /// Lets pages from `origin` use the microphone without asking.
    pub(crate) async fn grant_microphone(&self, origin: &str) {
        self.call(
            None,
            "Browser.grantPermissions",
            json!({ "origin": origin, "permissions": ["audioCapture"] }),
        )
        .await;
    }

    /// Opens a new tab.
    pub(crate) async fn new_page(&self) -> Page<'_> {
        let target = self
            .call(None, "Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        let page = Page {
            browser: self,
            session: attached["sessionId"].as_str().unwrap().to_owned(),
        };
        page.call("Page.enable", json!({})).await;
        page.call("Runtime.enable", json!({})).await;
        page
    }
}

/// One tab.
pub(crate) struct Page<'a> {
    browser: &'a Browser,
    session: String,
}

impl Page<'_> {
    pub(crate) async fn call(&self, method: &str, params: Value) -> Value {
        self.browser.call(Some(&self.session), method, params).await
    }

    /// Loads `url` and waits until the document has loaded.
    pub(crate) async fn goto(&self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
        self.wait_for(&format!(
            "document.readyState === 'complete' && location.href === {}",
            json!(url)
        ))
        .await;
    }

    /// Evaluates `expression` (awaiting a promise) and returns its JSON value.
    pub(crate) async fn eval(&self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
            )
            .await;
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Polls `expression` until it is truthy, failing after [`DEADLINE`].
    pub(crate) async fn wait_for(&self, expression: &str) -> Value {
        let started = std::time::Instant::now();
        loop {
            // While the page navigates, Chromium may refuse to evaluate ("Inspected
            // target navigated or closed"): not yet, as for a falsy value.
            let value = self
                .browser
                .try_call(
                    Some(&self.session),
                    "Runtime.evaluate",
                    json!({
                        "expression": format!(
                            "(() => {{ try {{ return {expression}; }} catch (_) {{ return null; }} }})()"
                        ),
                        "awaitPromise": true,
                        "returnByValue": true,
                    }),
                )
                .await
                .map(|result| result["result"]["value"].clone())
                .unwrap_or(Value::Null);
            let truthy = match &value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "timed out waiting for: {expression}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Puts `file` into the file input matched by `selector`.
    pub(crate) async fn set_file(&self, selector: &str, file: &Path) {
        let document = self.call("DOM.getDocument", json!({})).await;
        let node = self
            .call(
                "DOM.querySelector",
                json!({ "nodeId": document["root"]["nodeId"], "selector": selector }),
            )
            .await;
        self.call(
            "DOM.setFileInputFiles",
            json!({ "nodeId": node["nodeId"], "files": [file.display().to_string()] }),
        )
        .await;
        self.eval(&format!(
            "document.querySelector({}).dispatchEvent(new Event('change', {{ bubbles: true }}))",
            json!(selector)
        ))
        .await;
    }

    /// Sets the viewport (a phone is 390 x 844).
    pub(crate) async fn viewport(&self, width: u32, height: u32) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
        )
        .await;
    }

    /// Saves a PNG of the whole page.
    pub(crate) async fn screenshot(&self, path: &Path) {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        let data = shot["data"].as_str().unwrap();
        std::fs::write(path, base64_decode(data)).unwrap();
    }
}

fn base64_decode(input: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut lookup = [255_u8; 256];
    for (i, &c) in ALPHABET.iter().enumerate() {
        lookup[usize::from(c)] = u8::try_from(i).unwrap();
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut buffer, mut bits) = (0_u32, 0);
    for &c in input.as_bytes() {
        let value = lookup[usize::from(c)];
        if value == 255 {
            continue;
        }
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).unwrap());
        }
    }
    out
}
