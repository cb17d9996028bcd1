//! Tavus video avatar: a conversation whose replica joins the LiveKit room
//! (`POST /v2/conversations` with `properties.livekit_ws_url` and
//! `properties.livekit_room_token`), ended with `POST /v2/conversations/{id}/end`.
//!
//! Tavus renamed its id fields between API versions (`persona_id`/`replica_id`,
//! later `pal_id`/`face_id`), so the field names are settings
//! ([`TavusFieldNames`]).

use crate::config::TavusConfig;
use async_trait::async_trait;
use interview_core::Secret;
use interview_core::engine::{AvatarError, AvatarProvider, AvatarRoom, AvatarSession};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use crate::http::{HttpClient, join_url, json_error, read_json, secret_header};

const VENDOR: &str = "tavus";
/// The API's base URL.
pub const DEFAULT_BASE_URL: &str = "https://tavusapi.com";
/// The identity Tavus' avatar joins the room under, when its token is made the
/// way LiveKit's Tavus plugin makes it.
pub const DEFAULT_AVATAR_IDENTITY: &str = "tavus-avatar-agent";

/// The names of the two id fields of a create-conversation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TavusFieldNames {
    /// The field carrying [`TavusConfig::persona_id`] (`persona_id` or `pal_id`).
    pub persona: String,
    /// The field carrying [`TavusConfig::replica_id`] (`replica_id` or `face_id`).
    pub replica: String,
}

impl TavusFieldNames {
    /// `persona_id` and `replica_id`, as documented for `/v2/conversations`.
    pub fn persona_replica() -> Self {
        Self {
            persona: "persona_id".to_owned(),
            replica: "replica_id".to_owned(),
        }
    }

    /// `pal_id` and `face_id`, the newer names.
    pub fn pal_face() -> Self {
        Self {
            persona: "pal_id".to_owned(),
            replica: "face_id".to_owned(),
        }
    }
}

impl Default for TavusFieldNames {
    fn default() -> Self {
        Self::persona_replica()
    }
}

/// A Tavus avatar that joins the interview room and speaks the agent's audio.
#[derive(Debug, Clone)]
pub struct TavusAvatar {
    http: HttpClient,
    base_url: Url,
    persona_id: String,
    replica_id: Option<String>,
    fields: TavusFieldNames,
    conversation_name_prefix: String,
    participant_identity: Option<String>,
    properties: Map<String, Value>,
}

#[derive(Deserialize)]
struct Conversation {
    conversation_id: String,
}

impl TavusAvatar {
    /// An avatar for `persona_id` with `api_key`.
    pub fn new(api_key: impl Into<Secret>, persona_id: impl Into<String>) -> Self {
        Self {
            http: HttpClient::new(VENDOR, api_key.into(), parse_error_message),
            base_url: Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid"),
            persona_id: persona_id.into(),
            replica_id: None,
            fields: TavusFieldNames::default(),
            conversation_name_prefix: "interview_".to_owned(),
            participant_identity: Some(DEFAULT_AVATAR_IDENTITY.to_owned()),
            properties: Map::new(),
        }
    }

    /// An avatar from the `TAVUS_*` configuration.
    pub fn from_config(config: &TavusConfig) -> Self {
        let avatar = Self::new(config.api_key.clone(), config.persona_id.clone());
        match &config.replica_id {
            Some(replica) => avatar.with_replica_id(replica.clone()),
            None => avatar,
        }
    }

    /// Sends requests to `base_url` (the part before `/v2/...`).
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// Uses `replica_id` instead of the persona's default replica.
    pub fn with_replica_id(mut self, replica_id: impl Into<String>) -> Self {
        self.replica_id = Some(replica_id.into());
        self
    }

    /// Names the id fields as `fields` says.
    pub fn with_field_names(mut self, fields: TavusFieldNames) -> Self {
        self.fields = fields;
        self
    }

    /// The identity the avatar's room token was issued for, reported in
    /// [`AvatarSession::participant_identity`] (default `tavus-avatar-agent`).
    pub fn with_participant_identity(mut self, identity: Option<String>) -> Self {
        self.participant_identity = identity;
        self
    }

    /// Adds `key: value` to the request's `properties` (`max_call_duration`,
    /// `participant_left_timeout`, `language`, ...).
    pub fn with_property(mut self, key: impl Into<String>, value: Value) -> Self {
        self.properties.insert(key.into(), value);
        self
    }

    crate::http::http_options!();

    fn request_body(&self, room: &AvatarRoom) -> Value {
        let mut properties = self.properties.clone();
        properties.insert("livekit_ws_url".to_owned(), json!(room.livekit_url));
        properties.insert("livekit_room_token".to_owned(), json!(room.token.expose()));
        let mut body = Map::new();
        body.insert(self.fields.persona.clone(), json!(self.persona_id));
        if let Some(replica) = &self.replica_id {
            body.insert(self.fields.replica.clone(), json!(replica));
        }
        body.insert(
            "conversation_name".to_owned(),
            json!(format!(
                "{}{}",
                self.conversation_name_prefix, room.room_name
            )),
        );
        body.insert("properties".to_owned(), Value::Object(properties));
        Value::Object(body)
    }
}

#[async_trait]
impl AvatarProvider for TavusAvatar {
    fn name(&self) -> &str {
        VENDOR
    }

    async fn start(&self, room: &AvatarRoom) -> Result<AvatarSession, AvatarError> {
        if self.persona_id.trim().is_empty() {
            return Err(AvatarError::NotConfigured("no Tavus persona id".to_owned()));
        }
        let url = join_url(&self.base_url, "v2/conversations");
        let key = secret_header(VENDOR, "", self.http.api_key())?;
        let body = self.request_body(room);
        let response = self
            .http
            .send("create conversation", |http| {
                http.post(url.clone())
                    .header("x-api-key", key.clone())
                    .json(&body)
            })
            .await?;
        let conversation: Conversation = read_json(response, 1 << 20).await?;
        tracing::info!(
            vendor = VENDOR,
            conversation_id = %conversation.conversation_id,
            room = %room.room_name,
            "avatar conversation started"
        );
        Ok(AvatarSession {
            id: conversation.conversation_id,
            participant_identity: self.participant_identity.clone(),
        })
    }

    async fn stop(&self, session: &AvatarSession) -> Result<(), AvatarError> {
        let url = join_url(
            &self.base_url,
            &format!("v2/conversations/{}/end", session.id),
        );
        let key = secret_header(VENDOR, "", self.http.api_key())?;
        self.http
            .send("end conversation", |http| {
                http.post(url.clone()).header("x-api-key", key.clone())
            })
            .await?;
        Ok(())
    }
}

/// `{"error": "..."}` (or `{"message": "..."}`).
fn parse_error_message(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    json_error(&value).or_else(|| {
        value
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}
