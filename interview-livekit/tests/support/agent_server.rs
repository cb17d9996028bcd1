//! An in-test LiveKit agent server: accepts worker WebSockets on 127.0.0.1 and
//! speaks the agent protocol in binary protobuf, so tests can play the server.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use livekit_protocol as proto;
use prost::Message as _;
use proto::server_message::Message as ServerMessage;
use proto::worker_message::Message as WorkerMessage;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};

/// How long any single expected event may take before the test fails.
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);

/// The server: hands over each worker connection it accepts.
pub(crate) struct AgentServer {
    port: u16,
    connections: mpsc::UnboundedReceiver<Connection>,
}

/// One worker's WebSocket, with what its upgrade request carried.
pub(crate) struct Connection {
    /// The request path (`/agent`).
    pub(crate) path: String,
    /// The `Authorization` header.
    pub(crate) authorization: Option<String>,
    ws: WebSocketStream<TcpStream>,
}

impl AgentServer {
    /// A server on a free port.
    // The handshake callback's error type is tungstenite's, not ours.
    #[allow(clippy::result_large_err)]
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (sender, connections) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let sender = sender.clone();
                tokio::spawn(async move {
                    let mut path = String::new();
                    let mut authorization = None;
                    let accepted = tokio_tungstenite::accept_hdr_async(
                        stream,
                        |request: &Request, response: Response| {
                            path = request.uri().path().to_owned();
                            authorization = request
                                .headers()
                                .get("authorization")
                                .map(|v| v.to_str().unwrap().to_owned());
                            Ok(response)
                        },
                    )
                    .await;
                    if let Ok(ws) = accepted {
                        let _ = sender.send(Connection {
                            path,
                            authorization,
                            ws,
                        });
                    }
                });
            }
        });
        Self { port, connections }
    }

    /// The URL a worker is given (`http`, which the worker maps to `ws`).
    pub(crate) fn url(&self) -> url::Url {
        url::Url::parse(&format!("http://127.0.0.1:{}", self.port)).unwrap()
    }

    /// The next worker connection.
    pub(crate) async fn next_connection(&mut self) -> Connection {
        tokio::time::timeout(DEADLINE, self.connections.recv())
            .await
            .expect("no worker connected in time")
            .unwrap()
    }
}

impl Connection {
    /// The next message from the worker (pings skipped). Panics if the
    /// connection closes.
    pub(crate) async fn recv(&mut self) -> WorkerMessage {
        match self.recv_or_close().await {
            Some(message) => message,
            None => panic!("the worker closed the connection"),
        }
    }

    /// The next message, or `None` when the worker closes the connection.
    pub(crate) async fn recv_or_close(&mut self) -> Option<WorkerMessage> {
        loop {
            let frame = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .expect("the worker sent nothing in time");
            match frame {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                Some(Ok(Message::Binary(bytes))) => {
                    let message = proto::WorkerMessage::decode(bytes.as_ref()).unwrap();
                    return Some(message.message.expect("an empty worker message"));
                }
                Some(Ok(Message::Text(text))) => panic!("the worker sent text: {text}"),
                Some(Ok(_)) => {}
            }
        }
    }

    /// Skips messages until `pick` takes one.
    pub(crate) async fn recv_where<T>(
        &mut self,
        mut pick: impl FnMut(WorkerMessage) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the expected message never came"
            );
            if let Some(found) = pick(self.recv().await) {
                return found;
            }
        }
    }

    /// The next job status update.
    pub(crate) async fn next_job_update(&mut self) -> proto::UpdateJobStatus {
        self.recv_where(|m| match m {
            WorkerMessage::UpdateJob(update) => Some(update),
            _ => None,
        })
        .await
    }

    /// The next worker status report that satisfies `accept`.
    pub(crate) async fn next_status(
        &mut self,
        mut accept: impl FnMut(&proto::UpdateWorkerStatus) -> bool,
    ) -> proto::UpdateWorkerStatus {
        self.recv_where(|m| match m {
            WorkerMessage::UpdateWorker(status) if accept(&status) => Some(status),
            _ => None,
        })
        .await
    }

    /// Sends a server message.
    pub(crate) async fn send(&mut self, message: ServerMessage) {
        let frame = proto::ServerMessage {
            message: Some(message),
        }
        .encode_to_vec();
        self.ws.send(Message::Binary(frame.into())).await.unwrap();
    }

    /// Expects the registration as the first message and accepts it as `worker_id`.
    pub(crate) async fn register(&mut self, worker_id: &str) -> proto::RegisterWorkerRequest {
        let WorkerMessage::Register(request) = self.recv().await else {
            panic!("the first message was not a registration");
        };
        self.send(ServerMessage::Register(proto::RegisterWorkerResponse {
            worker_id: worker_id.to_owned(),
            server_info: Some(proto::ServerInfo {
                region: "test".to_owned(),
                ..Default::default()
            }),
            ..Default::default()
        }))
        .await;
        request
    }

    /// Offers `job` and returns the worker's answer.
    pub(crate) async fn offer(&mut self, job: &proto::Job) -> proto::AvailabilityResponse {
        self.send(ServerMessage::Availability(proto::AvailabilityRequest {
            job: Some(job.clone()),
            resuming: false,
        }))
        .await;
        let job_id = job.id.clone();
        self.recv_where(|m| match m {
            WorkerMessage::Availability(answer) if answer.job_id == job_id => Some(answer),
            _ => None,
        })
        .await
    }

    /// Assigns `job` with a join `url` (or none) and `token`.
    pub(crate) async fn assign(&mut self, job: &proto::Job, url: Option<&str>, token: &str) {
        self.send(ServerMessage::Assignment(proto::JobAssignment {
            job: Some(job.clone()),
            url: url.map(str::to_owned),
            token: token.to_owned(),
        }))
        .await;
    }

    /// Reads until the worker closes the connection; returns what came before.
    pub(crate) async fn until_closed(&mut self) -> Vec<WorkerMessage> {
        let mut seen = Vec::new();
        while let Some(message) = self.recv_or_close().await {
            seen.push(message);
        }
        seen
    }
}

/// A room job `id` in room `room` with room `metadata` (empty for none).
pub(crate) fn room_job(id: &str, room: &str, metadata: &str) -> proto::Job {
    proto::Job {
        id: id.to_owned(),
        r#type: proto::JobType::JtRoom as i32,
        room: Some(proto::Room {
            sid: format!("RM_{id}"),
            name: room.to_owned(),
            metadata: metadata.to_owned(),
            ..Default::default()
        }),
        agent_name: "my-interviewer".to_owned(),
        ..Default::default()
    }
}
