//! The operations listener: liveness, readiness and metrics, over real HTTP.

use std::time::Duration;

use interview_web::ops::{OpsRouter, StartupCheck, metrics_recorder};
use interview_web::server::ServeOptions;

use crate::helpers::spawn_app;
use crate::server::{Served, http_get};

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn readiness_names_the_part_that_failed_and_nothing_more() {
    let app = spawn_app();
    let ops = OpsRouter::new(&app.state)
        .with_check("voice", StartupCheck::passed())
        .into_router();
    let served = Served::start(ops, ServeOptions::ops()).await;

    let (status, body) = http_get(served.addr, "/readyz", WAIT).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"status": "ready", "checks": {"database": "ok", "voice": "ok"}})
    );

    app.bookings.set_unavailable(true);
    let (status, body) = http_get(served.addr, "/readyz", WAIT).await.unwrap();
    assert_eq!(status, 503);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"status": "unavailable", "checks": {"database": "unavailable", "voice": "ok"}})
    );
    // Liveness is not readiness: the process is alive.
    let (status, _) = http_get(served.addr, "/livez", WAIT).await.unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_failed_start_up_check_is_unready_without_saying_why() {
    let app = spawn_app();
    let ops = OpsRouter::new(&app.state)
        .with_check(
            "voice",
            StartupCheck::failed("espeak-ng is not in /usr/bin"),
        )
        .into_router();
    let served = Served::start(ops, ServeOptions::ops()).await;
    let (status, body) = http_get(served.addr, "/readyz", WAIT).await.unwrap();
    assert_eq!(status, 503);
    assert!(body.contains(r#""voice":"unavailable""#), "{body}");
    assert!(body.contains(r#""database":"ok""#), "{body}");
    assert!(!body.contains("espeak"), "{body}");
}

#[tokio::test]
async fn the_ops_listener_answers_unknown_paths_and_absent_metrics_in_json() {
    let app = spawn_app();
    let served = Served::start(
        OpsRouter::new(&app.state).into_router(),
        ServeOptions::ops(),
    )
    .await;
    for path in ["/metrics", "/nope"] {
        let (status, body) = http_get(served.addr, path, WAIT).await.unwrap();
        assert_eq!(status, 404, "{path}");
        assert!(body.contains(r#""code":"not_found""#), "{path}: {body}");
    }
}

// Current-thread runtime (the default): the local recorder sees every task.
#[tokio::test]
async fn metrics_count_requests_by_route_template_never_by_path() {
    let recorder = metrics_recorder();
    let handle = recorder.handle();
    let _recording = metrics::set_default_local_recorder(&recorder);

    let app = spawn_app();
    let public = Served::start(app.router.clone(), ServeOptions::default()).await;
    let token = app.book("2030-03-02T14:30").await;
    for path in [
        "/healthz".to_owned(),
        format!("/interview/{token}"),
        "/secret-path-123".to_owned(),
    ] {
        http_get(public.addr, &path, WAIT).await.unwrap();
    }
    let ops = OpsRouter::new(&app.state)
        .with_metrics(handle)
        .into_router();
    let served = Served::start(ops, ServeOptions::ops()).await;
    let (status, text) = http_get(served.addr, "/metrics", WAIT).await.unwrap();
    assert_eq!(status, 200);

    let line = |name: &str, labels: &[&str]| {
        text.lines()
            .find(|line| line.starts_with(name) && labels.iter().all(|label| line.contains(label)))
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
            .to_owned()
    };
    let healthz = line(
        "interview_http_requests_total{",
        &[r#"route="/healthz""#, r#"method="GET""#, r#"status="200""#],
    );
    assert!(healthz.ends_with(" 1"), "{healthz}");
    line(
        "interview_http_requests_total{",
        &[
            r#"route="/api/schedule-interview""#,
            r#"method="POST""#,
            r#"status="200""#,
        ],
    );
    line(
        "interview_http_requests_total{",
        &[r#"route="/interview/{token}""#, r#"status="200""#],
    );
    line(
        "interview_http_requests_total{",
        &[r#"route="unmatched""#, r#"status="404""#],
    );
    line(
        "interview_http_request_duration_seconds_bucket{",
        &[r#"route="/healthz""#, r#"le="0.005""#],
    );
    line(
        "interview_http_request_duration_seconds_count{",
        &[r#"route="/healthz""#],
    );
    assert!(!text.contains(&token), "a token in a label");
    assert!(!text.contains("secret-path"), "a raw path in a label");
}
