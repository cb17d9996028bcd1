//! The wire of the agent worker protocol: where workers connect, the token they
//! show, and the binary protobuf frames they exchange with the server.
//!
//! A worker opens a WebSocket to `{LIVEKIT_URL}/agent` (an `http(s)` URL is
//! mapped to `ws(s)`) with `Authorization: Bearer <JWT>`, where the JWT is signed
//! with the API secret, issued by the API key and carries a video grant with
//! `agent: true`. Every frame is one binary protobuf message: `WorkerMessage` from
//! the worker, `ServerMessage` from the server.

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

/// A server message's name, for logs and errors.
pub(crate) fn message_name(message: &proto::server_message::Message) -> &'static str {
    match message {
        proto::server_message::Message::Register(_) => "register",
        proto::server_message::Message::Availability(_) => "availability",
        proto::server_message::Message::Assignment(_) => "assignment",
        proto::server_message::Message::Termination(_) => "termination",
        proto::server_message::Message::Pong(_) => "pong",
        proto::server_message::Message::GoAway(_) => "go_away",
    }
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
