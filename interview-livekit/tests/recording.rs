//! Starting an interview's recording against a mock of LiveKit's Egress service
//! that checks each request as the server does: the Twirp path, a protobuf body,
//! a token signed with the project's key that grants `roomRecord`, and the room
//! composite request's shape; it answers with an `EgressInfo` in protobuf, or a
//! Twirp error.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use interview_core::Secret;
use interview_livekit::LiveKitConfig;
use interview_livekit::recording::{Recorder, RecordingConfig, RecordingStorage};
use livekit_api::access_token::TokenVerifier;
use livekit_protocol as proto;
use prost::Message;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const API_KEY: &str = "APIrecordingkey";
const API_SECRET: &str = "a-long-enough-recording-secret-for-hs256";
const S3_SECRET: &str = "s3-secret-never-logged";

/// The Egress service's StartRoomCompositeEgress, as LiveKit's server checks it.
struct Egress {
    seen: Arc<Mutex<Vec<proto::RoomCompositeEgressRequest>>>,
}

impl Respond for Egress {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let twirp_error = |status: u16, code: &str, msg: &str| {
            ResponseTemplate::new(status)
                .set_body_json(serde_json::json!({"code": code, "msg": msg}))
        };
        if request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            != Some("application/protobuf")
        {
            return twirp_error(400, "malformed", "expected a protobuf body");
        }
        let Some(token) = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return twirp_error(401, "unauthenticated", "no token");
        };
        let Ok(claims) = TokenVerifier::with_api_key(API_KEY, API_SECRET).verify(token) else {
            return twirp_error(401, "unauthenticated", "invalid token");
        };
        if !claims.video.room_record {
            return twirp_error(
                403,
                "permission_denied",
                "does not have permission to record",
            );
        }
        let Ok(body) = proto::RoomCompositeEgressRequest::decode(request.body.as_slice()) else {
            return twirp_error(400, "malformed", "not a RoomCompositeEgressRequest");
        };
        if body.room_name.is_empty() || body.file_outputs.len() != 1 {
            return twirp_error(400, "invalid_argument", "a room and one file output");
        }
        if body.room_name == "refused-room" {
            return twirp_error(404, "not_found", "requested room does not exist");
        }
        let info = proto::EgressInfo {
            egress_id: "EG_a1b2c3".to_owned(),
            room_name: body.room_name.clone(),
            status: proto::EgressStatus::EgressStarting as i32,
            ..Default::default()
        };
        self.seen.lock().unwrap().push(body);
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/protobuf")
            .set_body_bytes(info.encode_to_vec())
    }
}

async fn egress() -> (
    MockServer,
    Arc<Mutex<Vec<proto::RoomCompositeEgressRequest>>>,
) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/twirp/livekit.Egress/StartRoomCompositeEgress"))
        .respond_with(Egress { seen: seen.clone() })
        .mount(&server)
        .await;
    (server, seen)
}

fn livekit(server: &MockServer) -> LiveKitConfig {
    LiveKitConfig {
        // The worker's URL is the WebSocket one; the API is HTTP on the same host.
        url: url::Url::parse(&server.uri().replace("http://", "ws://")).unwrap(),
        api_key: API_KEY.to_owned(),
        api_secret: Secret::new(API_SECRET),
        agent_name: "my-interviewer".to_owned(),
    }
}

fn s3() -> RecordingConfig {
    RecordingConfig {
        storage: RecordingStorage::S3 {
            bucket: "interviews".to_owned(),
            region: "eu-west-1".to_owned(),
            endpoint: Some("https://minio.internal:9000".to_owned()),
            access_key: "AKIAEXAMPLE".to_owned(),
            secret: Secret::new(S3_SECRET),
        },
        path_prefix: "recordings/".to_owned(),
    }
}

#[tokio::test]
async fn an_audio_recording_to_s3_is_asked_as_egress_expects_and_its_location_known() {
    let (server, seen) = egress().await;
    let recorder = Recorder::new(&livekit(&server), s3());
    let now = Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 5).unwrap();
    let recording = recorder.start("interview-7f3a", false, now).await.unwrap();
    assert_eq!(recording.id, "EG_a1b2c3");
    assert_eq!(
        recording.location,
        "s3://interviews/recordings/interview-7f3a-20300302T090005Z.ogg"
    );
    assert_eq!(recording.started_at, now);

    let request = seen.lock().unwrap().pop().unwrap();
    assert_eq!(request.room_name, "interview-7f3a");
    assert!(request.audio_only);
    let file = &request.file_outputs[0];
    assert_eq!(file.file_type, proto::EncodedFileType::Ogg as i32);
    assert_eq!(
        file.filepath,
        "recordings/interview-7f3a-20300302T090005Z.ogg"
    );
    let Some(proto::encoded_file_output::Output::S3(upload)) = &file.output else {
        panic!("not an S3 upload: {file:?}");
    };
    assert_eq!(upload.bucket, "interviews");
    assert_eq!(upload.region, "eu-west-1");
    assert_eq!(upload.endpoint, "https://minio.internal:9000");
    assert!(upload.force_path_style);
    assert_eq!(upload.secret, S3_SECRET);
}

#[tokio::test]
async fn with_an_avatar_the_recording_has_video_and_a_refusal_is_an_error_without_secrets() {
    let (server, seen) = egress().await;
    let recorder = Recorder::new(
        &livekit(&server),
        RecordingConfig {
            storage: RecordingStorage::EgressLocal,
            path_prefix: "interviews/".to_owned(),
        },
    );
    let now = Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 5).unwrap();
    let recording = recorder.start("room-with-avatar", true, now).await.unwrap();
    assert_eq!(
        recording.location,
        "interviews/room-with-avatar-20300302T090005Z.mp4"
    );
    let request = seen.lock().unwrap().pop().unwrap();
    assert!(!request.audio_only);
    assert_eq!(request.layout, "speaker");
    assert_eq!(
        request.file_outputs[0].file_type,
        proto::EncodedFileType::Mp4 as i32
    );
    assert!(
        request.file_outputs[0].output.is_none(),
        "Egress's own storage"
    );

    // A project key without the right secret is refused; so is a missing room.
    let mut wrong = livekit(&server);
    wrong.api_secret = Secret::new("another-secret-that-is-long-enough-too");
    let error = Recorder::new(&wrong, s3())
        .start("interview-7f3a", false, now)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        !error.contains(S3_SECRET) && !error.contains("another-secret"),
        "{error}"
    );
    let error = Recorder::new(&livekit(&server), s3())
        .start("refused-room", false, now)
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("Egress"), "{error}");
}
