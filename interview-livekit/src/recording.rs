//! Recording interviews with LiveKit Egress (feature `worker`).
//!
//! When `RECORDING_STORAGE` is set, the agent asks LiveKit's Egress service for a
//! room composite recording of the interview room when the interview starts:
//! audio only (Ogg), or audio and video (MP4) when a video avatar is in the room.
//! The file goes to the configured storage under a name the agent chooses, so its
//! location is known at once and noted on the booking
//! ([`RecordingStore`](interview_core::store::RecordingStore)); the recruiter's
//! view lists it. Egress stops by itself when the room ends.
//!
//! | variable | meaning |
//! |---|---|
//! | `RECORDING_STORAGE` | `s3` (any S3-compatible store) or `egress` (the Egress server's own disk, for self-hosted Egress with a volume); unset: no recording |
//! | `RECORDING_PATH_PREFIX` | the start of each file's name (default `interviews/`) |
//! | `RECORDING_S3_BUCKET`, `RECORDING_S3_REGION` | the bucket and its region (required with `s3`) |
//! | `RECORDING_S3_ENDPOINT` | a non-AWS endpoint (MinIO, R2, ...); then paths are path-style |
//! | `RECORDING_S3_ACCESS_KEY`, `RECORDING_S3_SECRET` | credentials Egress writes with (required with `s3`) |

use chrono::{DateTime, Utc};
use interview_core::Secret;
use interview_core::config::Env;
use interview_core::store::Recording;
use livekit_api::services::egress::{EgressClient, EgressOutput, RoomCompositeOptions};
use livekit_protocol as proto;

use crate::config::LiveKitConfig;

/// Where recordings are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingStorage {
    /// An S3-compatible bucket.
    S3 {
        /// The bucket.
        bucket: String,
        /// Its region.
        region: String,
        /// A non-AWS endpoint; `None` for AWS.
        endpoint: Option<String>,
        /// The access key Egress writes with.
        access_key: String,
        /// Its secret.
        secret: Secret,
    },
    /// The Egress server's own storage (a self-hosted Egress with a volume).
    EgressLocal,
}

/// `RECORDING_*`: whether and where interviews are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingConfig {
    /// Where the files go.
    pub storage: RecordingStorage,
    /// The start of each file's name.
    pub path_prefix: String,
}

/// The default `RECORDING_PATH_PREFIX`.
pub const DEFAULT_PATH_PREFIX: &str = "interviews/";

impl RecordingConfig {
    /// Reads the variables; `None` without `RECORDING_STORAGE`. Mistakes are
    /// recorded in `env`, each naming its variable.
    pub fn from_env(env: &mut Env<'_>) -> Option<Self> {
        let storage = env.get("RECORDING_STORAGE");
        let path_prefix = env
            .get("RECORDING_PATH_PREFIX")
            .unwrap_or_else(|| DEFAULT_PATH_PREFIX.to_owned());
        let Some(storage) = storage else {
            for name in ["RECORDING_S3_BUCKET", "RECORDING_PATH_PREFIX"] {
                if env.get(name).is_some() {
                    env.error(
                        "RECORDING_STORAGE",
                        format!("is required when {name} is set"),
                    );
                }
            }
            return None;
        };
        if path_prefix.starts_with('/') || path_prefix.contains("..") || path_prefix.len() > 200 {
            env.error(
                "RECORDING_PATH_PREFIX",
                "must be a relative path of at most 200 bytes without `..`",
            );
        }
        let storage = match storage.trim() {
            "s3" => {
                let mut required = |name: &'static str| {
                    let value = env.get(name);
                    if value.is_none() {
                        env.error(name, "is required with RECORDING_STORAGE=s3");
                    }
                    value
                };
                let bucket = required("RECORDING_S3_BUCKET");
                let region = required("RECORDING_S3_REGION");
                let access_key = required("RECORDING_S3_ACCESS_KEY");
                let secret = required("RECORDING_S3_SECRET");
                let endpoint = env.get("RECORDING_S3_ENDPOINT");
                RecordingStorage::S3 {
                    bucket: bucket?,
                    region: region?,
                    endpoint,
                    access_key: access_key?,
                    secret: Secret::new(secret?),
                }
            }
            "egress" => RecordingStorage::EgressLocal,
            _ => {
                env.error("RECORDING_STORAGE", "must be s3 or egress");
                return None;
            }
        };
        Some(Self {
            storage,
            path_prefix,
        })
    }
}

/// Why a recording could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordingError {
    /// The Egress service refused or could not be reached.
    #[error("LiveKit Egress did not start the recording: {0}")]
    Egress(String),
}

/// Starts recordings of interview rooms.
#[derive(Debug)]
pub struct Recorder {
    client: EgressClient,
    config: RecordingConfig,
}

impl Recorder {
    /// A recorder that asks the Egress service of `livekit`'s project.
    pub fn new(livekit: &LiveKitConfig, config: RecordingConfig) -> Self {
        let mut host = livekit.url.clone();
        // The server API is HTTP on the same host as the signalling WebSocket.
        let scheme = match host.scheme() {
            "wss" => "https",
            "ws" => "http",
            other => other,
        }
        .to_owned();
        let _ = host.set_scheme(&scheme);
        let client = EgressClient::with_api_key(
            host.as_str().trim_end_matches('/'),
            &livekit.api_key,
            livekit.api_secret.expose(),
        );
        Self { client, config }
    }

    /// Where a recording of `room` started at `now` is written: the file's name
    /// (under the prefix) and its location as the recruiter reads it.
    pub fn file_for(&self, room: &str, with_video: bool, now: DateTime<Utc>) -> (String, String) {
        let extension = if with_video { "mp4" } else { "ogg" };
        let filepath = format!(
            "{}{room}-{}.{extension}",
            self.config.path_prefix,
            now.format("%Y%m%dT%H%M%SZ")
        );
        let location = match &self.config.storage {
            RecordingStorage::S3 { bucket, .. } => format!("s3://{bucket}/{filepath}"),
            RecordingStorage::EgressLocal => filepath.clone(),
        };
        (filepath, location)
    }

    /// Asks Egress to record `room` (audio; and video when `with_video`), and
    /// returns the recording to note on the booking.
    pub async fn start(
        &self,
        room: &str,
        with_video: bool,
        now: DateTime<Utc>,
    ) -> Result<Recording, RecordingError> {
        let (filepath, location) = self.file_for(room, with_video, now);
        let output = match &self.config.storage {
            RecordingStorage::S3 {
                bucket,
                region,
                endpoint,
                access_key,
                secret,
            } => Some(proto::encoded_file_output::Output::S3(proto::S3Upload {
                access_key: access_key.clone(),
                secret: secret.expose().to_owned(),
                region: region.clone(),
                endpoint: endpoint.clone().unwrap_or_default(),
                bucket: bucket.clone(),
                force_path_style: endpoint.is_some(),
                ..Default::default()
            })),
            RecordingStorage::EgressLocal => None,
        };
        let file = proto::EncodedFileOutput {
            file_type: if with_video {
                proto::EncodedFileType::Mp4 as i32
            } else {
                proto::EncodedFileType::Ogg as i32
            },
            filepath,
            output,
            ..Default::default()
        };
        let options = RoomCompositeOptions {
            audio_only: !with_video,
            layout: if with_video {
                "speaker".to_owned()
            } else {
                String::new()
            },
            ..Default::default()
        };
        let info = self
            .client
            .start_room_composite_egress(room, vec![EgressOutput::File(file)], options)
            .await
            .map_err(|error| RecordingError::Egress(error.to_string()))?;
        tracing::info!(egress = %info.egress_id, room, "recording started");
        Ok(Recording {
            id: info.egress_id,
            location,
            started_at: now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Option<RecordingConfig>, String> {
        Env::read_pairs(vars, |env| Some(RecordingConfig::from_env(env))).map_err(|e| e.to_string())
    }

    #[test]
    fn s3_needs_its_bucket_and_credentials_and_never_shows_the_secret() {
        assert_eq!(read(&[]).unwrap(), None);
        let config = read(&[
            ("RECORDING_STORAGE", "s3"),
            ("RECORDING_S3_BUCKET", "interviews"),
            ("RECORDING_S3_REGION", "eu-west-1"),
            ("RECORDING_S3_ACCESS_KEY", "AKIA123"),
            ("RECORDING_S3_SECRET", "very-secret-key"),
        ])
        .unwrap()
        .unwrap();
        assert!(!format!("{config:?}").contains("very-secret-key"));
        let error = read(&[
            ("RECORDING_STORAGE", "s3"),
            ("RECORDING_S3_SECRET", "very-secret-key"),
        ])
        .unwrap_err();
        for name in [
            "RECORDING_S3_BUCKET",
            "RECORDING_S3_REGION",
            "RECORDING_S3_ACCESS_KEY",
        ] {
            assert!(error.contains(name), "{error}");
        }
        assert!(!error.contains("very-secret-key"), "{error}");
        for (vars, variable) in [
            (vec![("RECORDING_STORAGE", "ftp")], "RECORDING_STORAGE"),
            (vec![("RECORDING_S3_BUCKET", "b")], "RECORDING_STORAGE"),
            (
                vec![
                    ("RECORDING_STORAGE", "egress"),
                    ("RECORDING_PATH_PREFIX", "../etc/"),
                ],
                "RECORDING_PATH_PREFIX",
            ),
        ] {
            let error = read(&vars).unwrap_err();
            assert!(error.contains(variable), "{vars:?}: {error}");
        }
    }
}
