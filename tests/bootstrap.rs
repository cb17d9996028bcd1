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

#[tokio::test]
async fn a_database_that_refuses_connections_is_named_with_the_reason_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let err = Application::build(config(&[
        ("DATA_DIR", dir.path().display().to_string()),
        (
            "DATABASE_URL",
            "postgres://app:hunter2@127.0.0.1:1/hr".to_owned(),
        ),
    ]))
    .await
    .unwrap_err();
    assert!(matches!(err, BootstrapError::Store(_)), "{err:?}");
    // What full_stack prints: which server and why, each cause once, no password.
    let said = interview::error::ErrorChain(&err).to_string();
    assert_eq!(said.matches("unavailable").count(), 1, "{said}");
    assert!(said.contains("PostgreSQL at 127.0.0.1:1/hr"), "{said}");
    assert!(said.contains("refused"), "{said}");
    assert!(!said.contains("hunter2") && !format!("{err:?}").contains("hunter2"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

/// The role table `full_stack` prints with no variables set.
const DEFAULT_TABLE: [&str; 8] = [
    "bookings        SQLite at data/interviews.db (neither DATABASE_URL nor SUPABASE_URL is set)",
    "resumes         local folder data/resumes (SUPABASE_URL is not set)",
    "e-mail          outbox folder data/outbox (SMTP_HOST is not set)",
    "media           WebSocket to this server (LIVEKIT_URL is not set)",
    "speech-to-text  none: the candidate answers by typing (neither DEEPGRAM_API_KEY nor OPENAI_API_KEY is set)",
    "interviewer     offline scripted interviewer (OPENAI_API_KEY is not set)",
    "text-to-speech  offline espeak-ng (neither ELEVENLABS_API_KEY nor OPENAI_API_KEY is set)",
    "avatar          none (TAVUS_API_KEY is not set)",
];

/// Variables, and the lines of the role table that differ from the default's.
type RoleTable = (
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

/// The role table `full_stack` prints, for the configurations people start with:
/// each line names the provider and the variable that decided it.
#[test]
fn the_role_table_names_each_provider_and_the_deciding_variable() {
    let cases: &[RoleTable] = &[
        (&[], &[]),
        (
            &[("OPENAI_API_KEY", "k")],
            &[
                "speech-to-text  OpenAI-compatible at https://api.openai.com/v1 (OPENAI_API_KEY is set)",
                "interviewer     OpenAI-compatible LLM at https://api.openai.com/v1 (OPENAI_API_KEY is set)",
                "text-to-speech  OpenAI (OPENAI_API_KEY is set)",
            ],
        ),
        (
            &[("DEEPGRAM_API_KEY", "k"), ("ELEVENLABS_API_KEY", "e")],
            &[
                "speech-to-text  Deepgram (DEEPGRAM_API_KEY is set)",
                "text-to-speech  ElevenLabs (ELEVENLABS_API_KEY is set)",
            ],
        ),
        (
            &[
                ("DEEPGRAM_API_KEY", "k"),
                ("OPENAI_API_KEY", "k"),
                ("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            ],
            &[
                "speech-to-text  Deepgram (DEEPGRAM_API_KEY is set)",
                "interviewer     OpenAI-compatible LLM at http://127.0.0.1:11434/v1 (OPENAI_API_KEY is set)",
                "text-to-speech  OpenAI (OPENAI_API_KEY is set)",
            ],
        ),
        (
            &[("TAVUS_API_KEY", "k"), ("TAVUS_PERSONA_ID", "p")],
            &["avatar          none (Tavus needs LiveKit, and LIVEKIT_URL is not set)"],
        ),
        (
            &[
                ("TAVUS_API_KEY", "k"),
                ("TAVUS_PERSONA_ID", "p"),
                ("LIVEKIT_URL", "wss://x.livekit.cloud"),
                ("LIVEKIT_API_KEY", "k"),
                ("LIVEKIT_API_SECRET", "s"),
            ],
            &[
                "media           LiveKit at wss://x.livekit.cloud/ (LIVEKIT_URL is set)",
                "avatar          Tavus (TAVUS_API_KEY is set)",
            ],
        ),
        (
            &[
                ("SUPABASE_URL", "https://abc.supabase.co"),
                ("SUPABASE_SERVICE_ROLE_KEY", "k"),
                ("SMTP_HOST", "smtp.example.com"),
                ("SMTP_FROM", "a@b.co"),
            ],
            &[
                "bookings        Supabase at https://abc.supabase.co/ (SUPABASE_URL is set)",
                "resumes         Supabase Storage (SUPABASE_URL is set)",
                "e-mail          SMTP smtp.example.com:587 (SMTP_HOST is set)",
            ],
        ),
        (
            &[
                ("DATABASE_URL", "postgres://u:pw@h/db"),
                ("DATA_DIR", "/srv/interviews"),
            ],
            &[
                "bookings        PostgreSQL (DATABASE_URL is set)",
                "resumes         local folder /srv/interviews/resumes (SUPABASE_URL is not set)",
                "e-mail          outbox folder /srv/interviews/outbox (SMTP_HOST is not set)",
            ],
        ),
        (
            &[("DATABASE_URL", "sqlite:foo.db")],
            &["bookings        SQLite (DATABASE_URL is a sqlite: URL)"],
        ),
    ];
    for (vars, changed) in cases {
        let expected: Vec<&str> = DEFAULT_TABLE
            .iter()
            .map(|line| {
                let role = &line[..16];
                changed
                    .iter()
                    .find(|c| c.starts_with(role))
                    .copied()
                    .unwrap_or(line)
            })
            .collect();
        assert!(changed.iter().all(|c| expected.contains(c)), "{changed:?}");
        let vars: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let shown: Vec<String> = config(&vars)
            .selections()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, expected, "{vars:?}");
    }
}

const POSITIONS: &str = r#"
[[positions]]
id = "backend"
title = "Backend Engineer"
company = "Acme"
phone_region = "GB"

[[positions]]
id = "support"
slug = "customer-support"
title = "Support Specialist"
duration_minutes = 20
"#;

#[tokio::test]
async fn the_positions_file_defines_the_positions_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("positions.toml");
    std::fs::write(&file, POSITIONS).unwrap();
    let vars = [
        ("DATA_DIR", dir.path().display().to_string()),
        ("POSITIONS_FILE", file.display().to_string()),
        ("INTERVIEW_COMPANY", "Globex".to_owned()),
    ];
    let app = Application::build(config(&vars)).await.unwrap();
    let open = app.state.scheduling().open_positions().await.unwrap();
    let titles: Vec<(&str, Option<&str>)> = open
        .iter()
        .map(|p| (p.title.as_str(), p.company.as_deref()))
        .collect();
    // INTERVIEW_COMPANY is the company of positions that name none.
    assert_eq!(
        titles,
        [
            ("Backend Engineer", Some("Acme")),
            ("Support Specialist", Some("Globex"))
        ]
    );
    drop(app);

    // A restart with an edited file replaces the positions it defines and keeps
    // the others (bookings may refer to them).
    std::fs::write(
        &file,
        POSITIONS.replace("Backend Engineer", "Platform Engineer"),
    )
    .unwrap();
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace(
                "[[positions]]\nid = \"support\"",
                "[[positions]]\nid = \"sales\"",
            )
            .replace("customer-support", "sales"),
    )
    .unwrap();
    let app = Application::build(config(&vars)).await.unwrap();
    let ids: Vec<String> = app
        .state
        .scheduling()
        .open_positions()
        .await
        .unwrap()
        .iter()
        .map(|p| format!("{}:{}", p.id, p.title))
        .collect();
    assert_eq!(
        ids,
        [
            "backend:Platform Engineer",
            "sales:Support Specialist",
            "support:Support Specialist"
        ]
    );
}

#[tokio::test]
async fn a_slug_taken_by_another_stored_position_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("positions.toml");
    std::fs::write(&file, POSITIONS).unwrap();
    let vars = |file: &std::path::Path| {
        [
            ("DATA_DIR", dir.path().display().to_string()),
            ("POSITIONS_FILE", file.display().to_string()),
        ]
    };
    Application::build(config(&vars(&file))).await.unwrap();
    // Another id now claims the slug "customer-support".
    std::fs::write(
        &file,
        POSITIONS.replace("id = \"support\"", "id = \"help\""),
    )
    .unwrap();
    let error = Application::build(config(&vars(&file))).await.unwrap_err();
    assert!(
        matches!(error, BootstrapError::Position { ref id, .. } if id == "help"),
        "{error}"
    );
    assert_eq!(error.to_string(), "the position \"help\" cannot be saved");
}

#[test]
fn a_wrong_positions_file_is_named_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let wrong = dir.path().join("wrong.toml");
    std::fs::write(&wrong, "[[positions]]\nid = \"Backend\"\n").unwrap();
    for (file, expected) in [
        (&missing, "cannot read the positions file"),
        (
            &wrong,
            "positions[0] (Backend): id: must be 1 to 64 lowercase",
        ),
    ] {
        let map: HashMap<String, String> =
            [("POSITIONS_FILE".to_owned(), file.display().to_string())].into();
        let errors = Config::from_map(&map).unwrap_err();
        let message = errors.to_string();
        assert!(message.contains("POSITIONS_FILE"), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn erasing_an_interview_deletes_its_resume_file_from_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build(config(&[("DATA_DIR", dir.path().display().to_string())]))
        .await
        .unwrap();
    let scheduling = app.state.scheduling();
    // Any bytes sniffed as a PDF are stored, readable or not.
    let uploaded = scheduling
        .upload_resume(bytes::Bytes::from_static(
            b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
        ))
        .await
        .unwrap();
    let files = || {
        walk(dir.path())
            .into_iter()
            .filter(|path| path.to_string_lossy().contains(&uploaded.resume_key))
            .count()
    };
    assert_eq!(files(), 1, "the upload is a file in the data folder");
    let request = interview::ScheduleRequest {
        name: Some("Zoë O'Brien".into()),
        email: Some("zoe@example.com".into()),
        phone: Some("+44 20 7946 0958".into()),
        datetime: Some((chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339()),
        time_zone: Some("Europe/London".into()),
        resume_url: Some(uploaded.resume_url.clone()),
        resume_text: None,
        position: None,
    };
    let booked = scheduling.schedule(&request).await.unwrap();
    let erased = scheduling.erase(&booked.booking.token).await.unwrap();
    assert_eq!(erased.files_left, 0);
    assert_eq!(files(), 0, "the file is gone");
    let store = scheduling.bookings();
    assert!(store.get(&booked.booking.token).await.unwrap().is_none());
    assert!(store.upload(&uploaded.resume_key).await.unwrap().is_none());
    // Nothing of the candidate is left in the database file either.
    let db = std::fs::read(dir.path().join("interviews.db")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains("zoe@example.com"));
    assert!(!db.contains("O'Brien"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[tokio::test]
async fn an_engine_server_that_cannot_be_reached_makes_the_instance_unready_and_says_where() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = Application::build(config(&[
        ("DATA_DIR", dir.path().display().to_string()),
        ("LLM_BASE_URL", format!("http://127.0.0.1:{closed}/v1")),
    ]))
    .await
    .unwrap();
    let probes = app.engine_probes().await;
    assert_eq!(probes.len(), 1);
    assert_eq!(probes[0].role, "interviewer");
    assert!(
        probes[0]
            .to_string()
            .contains(&format!("127.0.0.1:{closed}"))
    );
    assert!(probes[0].problem.is_some());
    let response = app
        .ops_router(None)
        .await
        .oneshot(
            interview_web::axum::http::Request::get("/readyz")
                .body(interview_web::axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains(r#""engines":"unavailable""#), "{body}");
}
