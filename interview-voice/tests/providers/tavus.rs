//! Tavus: create and end a conversation that joins the LiveKit room.

use interview_core::Secret;
use interview_core::engine::{
    AvatarError, AvatarProvider, AvatarRoom, AvatarSession, VendorErrorKind,
};
use interview_voice::config::TavusConfig;
use interview_voice::providers::tavus::{TavusAvatar, TavusFieldNames};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::{KEY, Logs, fast_retry};

fn room() -> AvatarRoom {
    AvatarRoom {
        livekit_url: "wss://example.livekit.cloud".to_owned(),
        room_name: "room-42".to_owned(),
        token: Secret::new("avatar-jwt"),
    }
}

fn avatar(uri: &str, replica: Option<&str>) -> TavusAvatar {
    TavusAvatar::from_config(&TavusConfig {
        api_key: Secret::new(KEY),
        persona_id: "p123".to_owned(),
        replica_id: replica.map(str::to_owned),
    })
    .with_base_url(Url::parse(uri).unwrap())
    .with_retry(fast_retry())
}

/// Accepts either vocabulary, as Tavus does across versions, and requires the room.
fn conversation_request(request: &Request) -> bool {
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return false;
    };
    let ids = (body.get("persona_id").is_some() || body.get("pal_id").is_some())
        && !(body.get("persona_id").is_some() && body.get("pal_id").is_some());
    let properties = &body["properties"];
    ids && properties["livekit_ws_url"].is_string() && properties["livekit_room_token"].is_string()
}

#[tokio::test]
async fn starts_a_conversation_in_the_room_and_ends_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/conversations"))
        .and(header("x-api-key", KEY))
        .and(conversation_request)
        .and(body_partial_json(json!({
            "persona_id": "p123",
            "replica_id": "r9",
            "conversation_name": "interview_room-42",
            "properties": {"livekit_ws_url": "wss://example.livekit.cloud", "livekit_room_token": "avatar-jwt", "max_call_duration": 3600}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "conversation_id": "c123456", "conversation_name": "interview_room-42", "status": "active",
            "conversation_url": "https://tavus.daily.co/c123456", "replica_id": "r9", "persona_id": "p123", "created_at": "2026-11-24T10:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/conversations/c123456/end"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let tavus = avatar(&server.uri(), Some("r9")).with_property("max_call_duration", json!(3600));
    let session = tavus.start(&room()).await.unwrap();
    assert_eq!(
        session,
        AvatarSession {
            id: "c123456".to_owned(),
            participant_identity: Some("tavus-avatar-agent".to_owned())
        }
    );
    tavus.stop(&session).await.unwrap();
}

#[tokio::test]
async fn the_newer_field_names_are_a_setting() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/conversations"))
        .and(conversation_request)
        .and(body_partial_json(
            json!({"pal_id": "p123", "face_id": "f1"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"conversation_id": "c2"})))
        .expect(1)
        .mount(&server)
        .await;
    let tavus = avatar(&server.uri(), Some("f1")).with_field_names(TavusFieldNames::pal_face());
    assert_eq!(tavus.start(&room()).await.unwrap().id, "c2");
    let body: Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert!(body.get("persona_id").is_none() && body.get("replica_id").is_none());
}

#[tokio::test]
async fn failures_are_typed_with_the_vendor_message() {
    let logs = Logs::capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/conversations"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"message": "Invalid access token"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/conversations/nope/end"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"error": "Invalid conversation_id"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let tavus = avatar(&server.uri(), None);
    let Err(AvatarError::Vendor(error)) = tavus.start(&room()).await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Unauthorized);
    assert_eq!(error.message, "Invalid access token");
    let session = AvatarSession {
        id: "nope".to_owned(),
        participant_identity: None,
    };
    let Err(AvatarError::Vendor(error)) = tavus.stop(&session).await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::BadRequest { status: 400 });
    assert_eq!(error.message, "Invalid conversation_id");
    assert!(!format!("{tavus:?}").contains(KEY));
    assert!(!logs.text().contains(KEY));
    assert!(!logs.text().contains("avatar-jwt"));

    let unconfigured = TavusAvatar::new(KEY, " ");
    assert!(matches!(
        unconfigured.start(&room()).await,
        Err(AvatarError::NotConfigured(_))
    ));

    let broken = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("down"))
        .expect(3)
        .mount(&broken)
        .await;
    let Err(AvatarError::Vendor(error)) = avatar(&broken.uri(), None).start(&room()).await else {
        panic!("expected a vendor error");
    };
    assert_eq!(error.kind, VendorErrorKind::Server { status: 503 });
}
