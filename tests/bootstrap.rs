//! Building the application from configuration picks the providers it names.
#![allow(clippy::unwrap_used)] // test helpers: a failed unwrap is a failed test

use std::collections::HashMap;

use interview::bootstrap::{Application, BootstrapError};
use interview::config::Config;

fn config(vars: &[(&str, String)]) -> Config {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    Config::from_map(&map).unwrap()
}

#[tokio::test]
async fn the_defaults_create_the_sqlite_file_under_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let app = Application::build(config(&[("DATA_DIR", data.display().to_string())]))
        .await
        .unwrap();
    assert!(data.join("interviews.db").exists());
    assert!(!app.state.livekit_enabled());
    app.state.scheduling().bookings().ping().await.unwrap();
}

#[tokio::test]
async fn livekit_is_served_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build(config(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("LIVEKIT_URL", "wss://example.livekit.cloud".to_owned()),
        ("LIVEKIT_API_KEY", "key".to_owned()),
        ("LIVEKIT_API_SECRET", "secret".to_owned()),
    ]))
    .await
    .unwrap();
    assert!(app.state.livekit_enabled());
    // The same process can serve as an agent worker; it starts (and keeps retrying
    // the unreachable server in the background) and stops when dropped.
    let worker = app.start_agent_worker().expect("LiveKit is configured");
    assert!(worker.is_ok());
}

#[tokio::test]
async fn without_livekit_there_is_no_agent_worker_and_interviews_run_locally() {
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build(config(&[("DATA_DIR", dir.path().display().to_string())]))
        .await
        .unwrap();
    assert!(app.start_agent_worker().is_none());
    assert!(app.state.local_interviews_enabled());
}

#[tokio::test]
async fn supabase_is_used_for_bookings_without_touching_the_data_folder_database() {
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build(config(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("SUPABASE_URL", "https://abc.supabase.co".to_owned()),
        (
            "SUPABASE_SERVICE_ROLE_KEY",
            "service-role-secret".to_owned(),
        ),
    ]))
    .await
    .unwrap();
    assert!(!dir.path().join("interviews.db").exists());
    assert!(!format!("{app:?}").contains("service-role-secret"));
}

#[tokio::test]
async fn a_data_folder_that_cannot_be_created_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let err = Application::build(config(&[(
        "DATA_DIR",
        file.join("data").display().to_string(),
    )]))
    .await
    .unwrap_err();
    assert!(matches!(err, BootstrapError::DataDir { .. }), "{err:?}");
    assert!(err.to_string().contains("data folder"));
}
