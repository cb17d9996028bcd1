//! A test application over in-memory stores, a recording notifier and a manual clock.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use interview_core::clock::ManualClock;
use interview_core::service::{SchedulingService, SchedulingSettings};
use interview_core::testing::{
    InMemoryBookingStore, InMemoryJobStore, InMemoryResumeStore, RecordingNotifier,
    ScriptedExtractor,
};
use interview_web::AppState;
use serde_json::Value;
use tower::ServiceExt;
use url::Url;

pub(crate) const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
pub(crate) const LIVEKIT_SECRET: &str = "livekit-test-secret-0123456789abcdef";

pub(crate) struct TestApp {
    pub(crate) router: Router,
    pub(crate) state: AppState,
    pub(crate) bookings: Arc<InMemoryBookingStore>,
    pub(crate) resumes: Arc<InMemoryResumeStore>,
    pub(crate) notifier: Arc<RecordingNotifier>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) scheduling: Arc<SchedulingService>,
    /// The job queue's store, with [`Options::jobs`]: what was enqueued, and the
    /// webhook endpoints.
    pub(crate) jobs: Option<Arc<InMemoryJobStore>>,
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap()
}

pub(crate) struct Options {
    pub(crate) extractor: ScriptedExtractor,
    pub(crate) livekit: bool,
    pub(crate) max_resume_bytes: usize,
    pub(crate) runner: Option<Arc<dyn interview_core::transport::InterviewRunner>>,
    pub(crate) admin_token: Option<&'static str>,
    pub(crate) rate_limits: interview_web::RateLimits,
    /// A job queue (in memory; nothing runs its jobs) beside the bookings.
    pub(crate) jobs: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            extractor: ScriptedExtractor::text("Jane Doe\nRust engineer, 7 years"),
            livekit: false,
            max_resume_bytes: 5 * 1024 * 1024,
            runner: None,
            admin_token: None,
            rate_limits: interview_web::RateLimits::default(),
            jobs: false,
        }
    }
}

pub(crate) fn spawn_app() -> TestApp {
    spawn_app_with(Options::default())
}

pub(crate) fn spawn_app_with(options: Options) -> TestApp {
    let bookings = Arc::new(InMemoryBookingStore::new());
    let resumes = Arc::new(InMemoryResumeStore::new());
    let notifier = Arc::new(RecordingNotifier::new());
    let clock = Arc::new(ManualClock::new(now()));
    let mut settings = SchedulingSettings::new(&Url::parse("https://jobs.example.com").unwrap());
    settings.max_resume_bytes = options.max_resume_bytes;
    // Nothing runs the queue's jobs here: a booking does not wait for its invitation.
    settings.invitation_wait = std::time::Duration::ZERO;
    let mut scheduling = SchedulingService::new(
        bookings.clone(),
        resumes.clone(),
        Arc::new(options.extractor),
        notifier.clone(),
        clock.clone(),
        settings,
    );
    let jobs = options
        .jobs
        .then(|| Arc::new(InMemoryJobStore::new(bookings.clone())));
    if let Some(jobs) = &jobs {
        scheduling = scheduling.with_jobs(jobs.clone());
    }
    let scheduling = Arc::new(scheduling);
    let mut state = AppState::new(scheduling.clone()).with_rate_limits(options.rate_limits);
    if let Some(token) = options.admin_token {
        state = state.with_admin_token(token.into());
    }
    if let Some(runner) = options.runner {
        state = state.with_interview_runner(runner, interview_core::audio::AudioFormat::PCM_24K);
    }
    if options.livekit {
        let config = interview_livekit::LiveKitConfig {
            url: Url::parse("wss://test.livekit.cloud").unwrap(),
            api_key: "APItest".to_owned(),
            api_secret: LIVEKIT_SECRET.into(),
            agent_name: "my-interviewer".to_owned(),
        };
        state = state.with_livekit(interview_livekit::LiveKitRooms::new(&config));
    }
    TestApp {
        router: interview_web::router(state.clone()),
        state,
        bookings,
        resumes,
        notifier,
        clock,
        scheduling,
        jobs,
    }
}

pub(crate) struct TestResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl TestResponse {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

impl TestApp {
    /// Serves the router on a real port, with each connection's peer address
    /// given to the router as `ConnectInfo` (what the rate limits key on).
    pub(crate) async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = self
            .router
            .clone()
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        address
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> TestResponse {
        let response: Response<Body> = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub(crate) async fn post_json(&self, path: &str, json: &Value) -> TestResponse {
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(json.to_string()))
                .unwrap(),
        )
        .await
    }

    pub(crate) async fn upload(&self, field: &str, file_name: &str, bytes: &[u8]) -> TestResponse {
        let (content_type, body) = multipart(field, file_name, bytes);
        self.send(
            Request::post("/api/upload-resume")
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// `method path` with `Authorization: Bearer {key}` (none when `key` is
    /// `None`) and `json` as the body, when given.
    pub(crate) async fn api(
        &self,
        method: axum::http::Method,
        path: &str,
        key: Option<&str>,
        json: Option<&Value>,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        let body = match json {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Uploads a resume as the apply page does and returns the answer's JSON.
    pub(crate) async fn upload_resume(&self) -> Value {
        let response = self.upload("resume", "cv.pdf", PDF).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()
    }

    /// Books an interview through the API, as the apply page does (upload, then
    /// book with what the upload returned), and returns its token.
    pub(crate) async fn book(&self, datetime: &str) -> String {
        let response = self.book_with_phone(datetime, "(555) 123-4567").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let url = response.json()["interviewUrl"].as_str().unwrap().to_owned();
        url.rsplit('/').next().unwrap().to_owned()
    }

    /// Uploads a resume and books with `phone`, returning the booking's answer.
    pub(crate) async fn book_with_phone(&self, datetime: &str, phone: &str) -> TestResponse {
        let uploaded = self.upload_resume().await;
        let mut body = schedule_body(datetime);
        body["phone"] = phone.into();
        body["resumeUrl"] = uploaded["resumeUrl"].clone();
        body["resumeText"] = uploaded["resumeText"].clone();
        self.post_json("/api/schedule-interview", &body).await
    }
}

pub(crate) fn multipart(field: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----interview-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) fn schedule_body(datetime: &str) -> Value {
    serde_json::json!({
        "name": "José Núñez",
        "email": "jose@example.com",
        "phone": "(555) 123-4567",
        "datetime": datetime,
        "timeZone": "Asia/Kolkata",
        // No resume: `book` adds the one it uploads. A client's own text is
        // ignored; the booking's resume text is the server's extraction.
        "resumeText": "Rust engineer, 7 years",
    })
}
