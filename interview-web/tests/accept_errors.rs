//! The server survives running out of file descriptors: accepting fails with
//! `EMFILE`, is retried, and serves again once descriptors are free. A test binary
//! of its own, since it exhausts the whole process's descriptors.
#![cfg(unix)]
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::fs::File;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use interview_web::server::{ServeOptions, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

#[tokio::test]
async fn running_out_of_file_descriptors_neither_stops_nor_spins_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/", get(|| async { "ok" }));
    let server = tokio::spawn(serve(
        listener,
        router,
        ServeOptions::default(),
        std::future::pending(),
    ));

    // Take every free descriptor, then give one back for the client's socket: the
    // server's accept has none left.
    let mut hoard = Vec::new();
    while let Ok(file) = File::open("/dev/null") {
        hoard.push(file);
        assert!(hoard.len() < 1_000_000, "no descriptor limit to reach");
    }
    hoard.pop();
    let mut client = TcpStream::connect(addr).await.unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // The accept fails (EMFILE) and is retried; the server stays up.
    let mut answer = Vec::new();
    let starved = timeout(Duration::from_millis(700), client.read_to_end(&mut answer)).await;
    assert!(
        starved.is_err(),
        "the connection ended while the server had no descriptor (did it stop?): {answer:?}"
    );
    assert!(!server.is_finished(), "the server stopped on EMFILE");

    // Descriptors come back: the waiting connection is served.
    hoard.truncate(hoard.len().saturating_sub(16));
    timeout(Duration::from_secs(10), client.read_to_end(&mut answer))
        .await
        .expect("no answer once descriptors were free")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    assert!(!server.is_finished());
}
