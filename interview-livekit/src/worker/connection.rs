//! The connection layer: connecting and registering, serving one registered
//! connection (job messages in, status reports and pings out), and reconnecting
//! with backoff when it drops.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use livekit_protocol as proto;
use proto::server_message::Message as ServerMessage;
use proto::worker_message::Message as WorkerMessage;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::WorkerError;
use super::dispatch::{on_server_message, status_report};
use super::protocol::{decode, encode, message_name};
use super::state::Shared;
use crate::tokens::worker_token;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How one registered connection ended.
enum ConnectionEnd {
    /// The worker closed it on purpose.
    Closed,
    /// The server asked the worker to register again elsewhere.
    GoAway,
    /// It failed or the server dropped it.
    Lost(String),
}

/// Connects, registers and serves until told to close, reconnecting with backoff.
pub(super) async fn run(
    shared: Arc<Shared>,
    mut outbox: mpsc::UnboundedReceiver<WorkerMessage>,
) -> Result<(), WorkerError> {
    let mut failures: u32 = 0;
    loop {
        if shared.close.is_cancelled() {
            return Ok(());
        }
        match connect(&shared).await {
            Ok((socket, registered)) => {
                failures = 0;
                tracing::info!(
                    worker_id = registered.worker_id,
                    agent_name = shared.options.agent_name,
                    region = registered.server_info.as_ref().map(|i| i.region.as_str()),
                    "registered with LiveKit"
                );
                shared.state.send_modify(|state| {
                    state.connected = true;
                    state.worker_id = Some(registered.worker_id);
                });
                let end = serve(&shared, socket, &mut outbox).await;
                // Assignments only come on the connection that accepted the job.
                shared.state.send_modify(|state| {
                    state.connected = false;
                    state.pending.clear();
                });
                match end {
                    ConnectionEnd::Closed => return Ok(()),
                    ConnectionEnd::GoAway => {
                        tracing::info!("the server is moving this worker: registering again");
                        continue;
                    }
                    ConnectionEnd::Lost(reason) => {
                        tracing::warn!(reason, "lost the LiveKit connection: reconnecting");
                    }
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                if let Some(max) = shared.options.max_reconnect_attempts
                    && failures >= max
                {
                    return Err(WorkerError::GaveUp {
                        attempts: failures,
                        last_error: error.to_string(),
                    });
                }
                tracing::warn!(%error, attempt = failures, "could not connect to LiveKit");
            }
        }
        let delay = shared
            .options
            .backoff
            .next_delay(failures.saturating_sub(1));
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shared.close.cancelled() => return Ok(()),
        }
    }
}

/// Opens the WebSocket and registers; the server's first message must be the
/// register response.
async fn connect(shared: &Shared) -> Result<(Socket, proto::RegisterWorkerResponse), WorkerError> {
    let options = &shared.options;
    let token = worker_token(&options.api_key, options.token_ttl)
        .map_err(|e| WorkerError::Token(e.to_string()))?;
    let mut request = shared
        .agent_url
        .as_str()
        .into_client_request()
        .map_err(|e| WorkerError::InvalidUrl(e.to_string()))?;
    let bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|e| WorkerError::Token(e.to_string()))?;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    let connector = shared.tls.clone().map(Connector::Rustls);
    let attempt = async {
        let (mut socket, _) =
            tokio_tungstenite::connect_async_tls_with_config(request, None, false, connector)
                .await
                .map_err(|e| WorkerError::Connect(describe(&e)))?;
        let register = WorkerMessage::Register(register_request(shared));
        socket
            .send(Message::Binary(encode(register).into()))
            .await
            .map_err(|e| WorkerError::Connect(describe(&e)))?;
        loop {
            let frame = socket
                .next()
                .await
                .ok_or_else(|| WorkerError::Connect("closed before registering".to_owned()))?
                .map_err(|e| WorkerError::Connect(describe(&e)))?;
            match frame {
                Message::Binary(bytes) => {
                    return match decode(&bytes)? {
                        ServerMessage::Register(response) => Ok((socket, response)),
                        other => Err(WorkerError::Protocol(format!(
                            "expected the register response first, got {}",
                            message_name(&other)
                        ))),
                    };
                }
                Message::Close(frame) => {
                    return Err(WorkerError::Connect(format!(
                        "the server closed the connection while registering: {frame:?}"
                    )));
                }
                Message::Text(_) => {
                    return Err(WorkerError::Protocol(
                        "a text frame where a binary register response was expected".to_owned(),
                    ));
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    };
    tokio::time::timeout(options.connect_timeout, attempt)
        .await
        .map_err(|_| {
            WorkerError::Connect(format!(
                "no register response within {:?}",
                options.connect_timeout
            ))
        })?
}

// `agent` is deprecated in the protocol, but the official agents still set it.
#[allow(deprecated)]
fn register_request(shared: &Shared) -> proto::RegisterWorkerRequest {
    proto::RegisterWorkerRequest {
        r#type: proto::JobType::JtRoom as i32,
        agent_name: shared.options.agent_name.clone(),
        version: shared.options.version.clone(),
        allowed_permissions: Some(proto::ParticipantPermission {
            can_subscribe: true,
            can_publish: true,
            can_publish_data: true,
            agent: true,
            ..Default::default()
        }),
        instance_id: shared.instance_id.clone(),
        ..Default::default()
    }
}

/// Serves one registered connection until it ends.
async fn serve(
    shared: &Arc<Shared>,
    mut socket: Socket,
    outbox: &mut mpsc::UnboundedReceiver<WorkerMessage>,
) -> ConnectionEnd {
    // After a reconnection, tell the server which jobs are still running here.
    let running: Vec<String> = shared.state.borrow().running.keys().cloned().collect();
    if !running.is_empty() {
        let report = WorkerMessage::MigrateJob(proto::MigrateJobRequest { job_ids: running });
        if let Err(e) = socket.send(Message::Binary(encode(report).into())).await {
            return ConnectionEnd::Lost(describe(&e));
        }
    }
    let options = &shared.options;
    let mut status_tick = tokio::time::interval(options.status_interval);
    status_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let heartbeat = options.heartbeat_interval;
    let mut ping_tick = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
    ping_tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    let mut state_changes = shared.state.subscribe();
    let mut reported = None;
    let mut seq: u64 = 0;
    loop {
        let outgoing = tokio::select! {
            () = shared.close.cancelled() => {
                while let Ok(message) = outbox.try_recv() {
                    if socket.send(Message::Binary(encode(message).into())).await.is_err() {
                        break;
                    }
                }
                let _ = socket.close(None).await;
                return ConnectionEnd::Closed;
            }
            frame = socket.next() => {
                last_heard = Instant::now();
                match frame {
                    None => return ConnectionEnd::Lost("the server closed the connection".to_owned()),
                    Some(Err(e)) => return ConnectionEnd::Lost(describe(&e)),
                    Some(Ok(Message::Close(frame))) => {
                        return ConnectionEnd::Lost(format!("the server closed the connection: {frame:?}"));
                    }
                    Some(Ok(Message::Binary(bytes))) => match decode(&bytes) {
                        Ok(ServerMessage::GoAway(_)) => return ConnectionEnd::GoAway,
                        Ok(message) => on_server_message(shared, message),
                        Err(error) => {
                            tracing::warn!(%error, "ignored a server message");
                            None
                        }
                    },
                    Some(Ok(Message::Text(_))) => {
                        tracing::warn!("ignored a text frame from the server");
                        None
                    }
                    Some(Ok(_)) => None,
                }
            }
            Some(message) = outbox.recv() => Some(message),
            _ = status_tick.tick() => {
                shared.state.send_if_modified(|state| state.expire_pending(Instant::now()));
                Some(status_report(shared, &mut seq, &mut reported))
            }
            _ = ping_tick.tick() => {
                if last_heard.elapsed() > heartbeat * 2 {
                    return ConnectionEnd::Lost(format!("nothing heard from the server for {:?}", heartbeat * 2));
                }
                if let Err(e) = socket.send(Message::Ping(Vec::new().into())).await {
                    return ConnectionEnd::Lost(describe(&e));
                }
                None
            }
            Ok(()) = state_changes.changed() => {
                let summary = state_changes.borrow_and_update().summary();
                (reported != Some(summary)).then(|| status_report(shared, &mut seq, &mut reported))
            }
        };
        if let Some(message) = outgoing {
            let frame = Message::Binary(encode(message.clone()).into());
            if let Err(e) = socket.send(frame).await {
                // Job status must reach the server: keep it for the next connection.
                if matches!(message, WorkerMessage::UpdateJob(_)) {
                    let _ = shared.outbox.send(message);
                }
                return ConnectionEnd::Lost(describe(&e));
            }
        }
    }
}

/// A WebSocket error for logs, with the HTTP status when the upgrade was refused
/// (401: wrong API key or secret).
fn describe(error: &tokio_tungstenite::tungstenite::Error) -> String {
    match error {
        tokio_tungstenite::tungstenite::Error::Http(response) => {
            format!("the server answered HTTP {}", response.status())
        }
        other => other.to_string(),
    }
}

/// TLS for `wss://` with the aws-lc-rs provider chosen explicitly, so it works
/// whichever rustls providers the binary links, without a process-wide default.
pub(super) fn tls_config() -> Result<Arc<rustls::ClientConfig>, WorkerError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| WorkerError::Connect(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
