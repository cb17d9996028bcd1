//! The wire of the agent worker protocol: where workers connect, the token they
//! show, and the binary protobuf frames they exchange with the server.
//!
//! A worker opens a WebSocket to `{LIVEKIT_URL}/agent` (an `http(s)` URL is
//! mapped to `ws(s)`) with `Authorization: Bearer <JWT>`, where the JWT is signed
//! with the API secret, issued by the API key and carries a video grant with
//! `agent: true`. Every frame is one binary protobuf message: `WorkerMessage` from
//! the worker, `ServerMessage` from the server.

use std::time::Duration;

use interview_core::Secret;
use livekit_api::access_token::{AccessToken, VideoGrants};
use livekit_protocol as proto;
use prost::Message as _;
use url::Url;

use super::WorkerError;

/// The WebSocket URL of the agent endpoint of the server at `server`:
/// `https://host/base` becomes `wss://host/base/agent`.
pub fn agent_url(server: &Url) -> Result<Url, WorkerError> {
    let scheme = match server.scheme() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => {
            return Err(WorkerError::InvalidUrl(format!(
                "{server} has the scheme {other}; expected wss, ws, https or http"
            )));
        }
    };
    let mut url = server.clone();
    url.set_scheme(scheme)
        .map_err(|()| WorkerError::InvalidUrl(format!("{server} cannot be made a {scheme} URL")))?;
    let path = format!("{}/agent", url.path().trim_end_matches('/'));
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// A token that lets its bearer register as an agent worker.
pub(crate) fn worker_token(
    api_key: &str,
    api_secret: &Secret,
    ttl: Duration,
) -> Result<String, WorkerError> {
    AccessToken::with_api_key(api_key, api_secret.expose())
        .with_grants(VideoGrants {
            agent: true,
            ..Default::default()
        })
        .with_ttl(ttl)
        .to_jwt()
        .map_err(|e| WorkerError::Token(e.to_string()))
}

/// A worker message as one binary frame.
pub(crate) fn encode(message: proto::worker_message::Message) -> Vec<u8> {
    proto::WorkerMessage {
        message: Some(message),
    }
    .encode_to_vec()
}

/// A server message from one binary frame.
pub(crate) fn decode(frame: &[u8]) -> Result<proto::server_message::Message, WorkerError> {
    proto::ServerMessage::decode(frame)
        .map_err(|e| WorkerError::Protocol(format!("undecodable server message: {e}")))?
        .message
        .ok_or_else(|| WorkerError::Protocol("an empty server message".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(url: &str) -> String {
        agent_url(&Url::parse(url).unwrap()).unwrap().to_string()
    }

    #[test]
    fn agent_urls_map_http_to_websocket_and_append_agent() {
        assert_eq!(
            mapped("wss://p.livekit.cloud"),
            "wss://p.livekit.cloud/agent"
        );
        assert_eq!(
            mapped("https://p.livekit.cloud/"),
            "wss://p.livekit.cloud/agent"
        );
        assert_eq!(mapped("http://127.0.0.1:7880"), "ws://127.0.0.1:7880/agent");
        assert_eq!(
            mapped("ws://lk.example.com/base/"),
            "ws://lk.example.com/base/agent"
        );
        assert_eq!(mapped("https://h/x?y=1#z"), "wss://h/x/agent");
        assert!(agent_url(&Url::parse("ftp://h").unwrap()).is_err());
    }
}
