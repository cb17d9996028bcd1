//! The Content-Security-Policy, which names the origins the pages may connect to.

use axum::http::HeaderValue;
use url::Url;

use crate::AppState;

/// Everything but `connect-src`. Every script comes from this server, the LiveKit
/// browser SDK included (vendored in `assets/vendor/livekit-client/`).
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy for `state`: pages connect to this server (its API, and its WebSocket
/// under `PUBLIC_BASE_URL`'s host for browsers whose `'self'` does not cover
/// `wss:`) and to the configured LiveKit server, in its WebSocket and HTTPS forms.
pub(crate) fn content_security_policy(state: &AppState) -> HeaderValue {
    let mut sources = vec!["'self'".to_owned()];
    if let Ok(base) = Url::parse(&state.scheduling.settings().absolute_url("/")) {
        sources.extend(both_forms(&base));
    }
    if let Some(livekit) = livekit_url(state) {
        sources.extend(both_forms(&livekit));
    }
    // Host names from parsed URLs are ASCII; anything else would void the header.
    sources.retain(|source| source.bytes().all(|byte| byte.is_ascii_graphic()));
    sources.dedup();
    let policy = format!("{POLICY}; connect-src {}", sources.join(" "));
    // Unreachable after the filter above; should it be reached, the strictest policy.
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"))
}

#[cfg(feature = "livekit")]
fn livekit_url(state: &AppState) -> Option<Url> {
    let rooms = state.livekit.as_ref()?;
    Url::parse(rooms.server_url()).ok()
}

#[cfg(not(feature = "livekit"))]
fn livekit_url(_state: &AppState) -> Option<Url> {
    None
}

/// `url`'s origin as a WebSocket and as an HTTP source: `wss://host` and
/// `https://host` (`ws:`/`http:` for a server without TLS, in development).
fn both_forms(url: &Url) -> Vec<String> {
    let Some(host) = url.host_str() else {
        return Vec::new();
    };
    let secure = matches!(url.scheme(), "https" | "wss");
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    let (socket, http) = if secure {
        ("wss", "https")
    } else {
        ("ws", "http")
    };
    vec![
        format!("{socket}://{host}{port}"),
        format!("{http}://{host}{port}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_their_port_and_lose_their_path() {
        let url = Url::parse("wss://proj.livekit.cloud/rtc?x=1").unwrap();
        assert_eq!(
            both_forms(&url),
            ["wss://proj.livekit.cloud", "https://proj.livekit.cloud"]
        );
        let local = Url::parse("http://127.0.0.1:3000/careers/").unwrap();
        assert_eq!(
            both_forms(&local),
            ["ws://127.0.0.1:3000", "http://127.0.0.1:3000"]
        );
    }
}
