//! Interviews for any transport: an [`InterviewRunner`] that holds each interview
//! with an [`InterviewSession`], and the handler of LiveKit interview jobs.

#[cfg(feature = "livekit")]
use std::sync::Arc;

use async_trait::async_trait;
use interview_core::Booking;
#[cfg(feature = "livekit")]
use interview_core::store::BookingStore;
use interview_core::transport::{InterviewRunner, RoomIo};

use crate::session::{Engines, InterviewSession, SessionBooking};

/// Holds each interview it is handed with a copy of one [`InterviewSession`].
#[derive(Debug)]
pub struct SessionRunner {
    session: InterviewSession,
}

impl SessionRunner {
    /// Holds each interview with a clone of `session`.
    pub fn new(session: InterviewSession) -> Self {
        Self { session }
    }

    /// The engines in use.
    pub fn engines(&self) -> &Engines {
        self.session.engines()
    }
}

#[async_trait]
impl InterviewRunner for SessionRunner {
    async fn run(&self, room: RoomIo, booking: Booking) {
        let resolved =
            SessionBooking::with_position_from(&booking, self.session.store().as_ref()).await;
        let report = self.session.clone().run(room, resolved).await;
        tracing::info!(
            token = ?booking.token,
            end = ?report.end,
            lines = report.transcript.len(),
            evaluated = report.evaluation.is_some(),
            engine_failures = report.engine_failures.len(),
            "interview finished"
        );
    }

    fn description(&self) -> Option<String> {
        let engines = self.engines();
        let mut notes = Vec::new();
        if engines.interviewer_is_offline() {
            notes.push(
                "The interviewer asks a prepared set of questions and follows up on your \
                 answers; no AI model takes part.",
            );
        }
        if engines.tts.name() == "espeak-ng" {
            notes.push("Its voice is computer-made and may sound robotic.");
        }
        (!notes.is_empty()).then(|| notes.join(" "))
    }

    fn hears_speech(&self) -> bool {
        self.engines().stt.is_some()
    }
}

/// Runs an interview for each LiveKit job: joins the job's room with the
/// `livekit-rtc` transport and holds the interview there until it ends or the job
/// is terminated. Built without `livekit-rtc`, it cannot join room media and reports
/// each job as failed, saying why.
///
/// With an avatar ([`InterviewJobHandler::with_avatar`]), each job starts it after
/// joining and the interviewer's speech goes to it; if it does not start (or never
/// shows its video), the interview goes on with the agent's own audio track. The
/// avatar is stopped when the job ends.
#[cfg(feature = "livekit")]
pub struct InterviewJobHandler {
    session: InterviewSession,
    avatar: Option<interview_livekit::avatar::AvatarSetup>,
    recorder: Option<Arc<interview_livekit::recording::Recorder>>,
}

#[cfg(feature = "livekit")]
impl InterviewJobHandler {
    /// Holds each job's interview with a clone of `session`.
    pub fn new(session: InterviewSession) -> Self {
        Self {
            session,
            avatar: None,
            recorder: None,
        }
    }

    /// Records each job's interview with LiveKit Egress (`RECORDING_*`), noting
    /// where on the booking.
    pub fn with_recording(mut self, recorder: interview_livekit::recording::Recorder) -> Self {
        self.recorder = Some(Arc::new(recorder));
        self
    }

    /// Puts a video avatar in each job's room (Tavus), its token signed with
    /// `livekit`'s key and secret.
    pub fn with_avatar(
        mut self,
        provider: Arc<dyn interview_core::engine::AvatarProvider>,
        livekit: &interview_livekit::LiveKitConfig,
    ) -> Self {
        self.avatar = Some(interview_livekit::avatar::AvatarSetup::new(
            provider, livekit,
        ));
        self
    }

    /// Sets how the avatar joins and how long the agent waits for its video
    /// (no effect without [`InterviewJobHandler::with_avatar`]).
    pub fn with_avatar_options(
        mut self,
        options: interview_livekit::avatar::AvatarOptions,
    ) -> Self {
        if let Some(avatar) = &mut self.avatar {
            avatar.options = options;
        }
        self
    }

    /// The avatar's provider name, when an avatar is set.
    pub fn avatar(&self) -> Option<&str> {
        self.avatar.as_ref().map(|avatar| avatar.provider.name())
    }

    /// Whether this build can join room media (the `livekit-rtc` feature).
    pub fn can_join_rooms() -> bool {
        cfg!(feature = "livekit-rtc")
    }
}

#[cfg(feature = "livekit-rtc")]
impl InterviewJobHandler {
    /// Holds the interview in `room` until it ends or the job is cancelled;
    /// records it (with video when an avatar is in the room) when configured.
    async fn interview(&self, ctx: &interview_livekit::JobContext, room: RoomIo, with_video: bool) {
        let session = self.session.clone();
        let interview = async {
            let booking = booking_for_job(
                session.store().as_ref(),
                ctx.booking_token(),
                ctx.resume_text(),
            )
            .await;
            if let (Some(recorder), Some(token)) = (&self.recorder, &booking.token) {
                // The greeting does not wait for Egress.
                tokio::spawn(record(
                    recorder.clone(),
                    session.store().clone(),
                    token.clone(),
                    ctx.room_name().to_owned(),
                    with_video,
                    session.clock().now(),
                ));
            }
            session.run(room, booking).await
        };
        tokio::select! {
            report = interview => {
                tracing::info!(job_id = ctx.job_id(), end = ?report.end, lines = report.transcript.len(), "interview job finished");
            }
            () = ctx.cancelled() => {
                tracing::info!(job_id = ctx.job_id(), "interview job terminated");
            }
        }
    }
}

/// Starts the recording of `room` and notes it on the booking; a failure is
/// logged (the interview goes on unrecorded).
#[cfg(feature = "livekit")]
#[cfg_attr(not(feature = "livekit-rtc"), allow(dead_code))]
async fn record(
    recorder: Arc<interview_livekit::recording::Recorder>,
    store: Arc<dyn BookingStore>,
    token: interview_core::BookingToken,
    room: String,
    with_video: bool,
    now: chrono::DateTime<chrono::Utc>,
) {
    let recording = match recorder.start(&room, with_video, now).await {
        Ok(recording) => recording,
        Err(error) => {
            tracing::warn!(%error, "the interview is not recorded");
            return;
        }
    };
    if let Err(error) = store.add_recording(&token, &recording).await {
        tracing::warn!(%error, egress = %recording.id, "the recording's location was not noted on the booking");
    }
}

/// Who a LiveKit job's interview is for. The room metadata carries the booking's
/// token and a copy of its resume (cut to fit the metadata); the booking itself is
/// read from the store, so the interview gets the candidate's name and the whole
/// resume. When the store does not know the token or cannot be read, the interview
/// runs on what the metadata says: its token (the store writes still go there) and
/// its resume.
#[cfg(feature = "livekit")]
// Only the livekit-rtc transport starts interviews from jobs.
#[cfg_attr(not(feature = "livekit-rtc"), allow(dead_code))]
async fn booking_for_job(
    store: &dyn BookingStore,
    token: Option<&interview_core::BookingToken>,
    metadata_resume: Option<&str>,
) -> SessionBooking {
    let from_metadata = || SessionBooking {
        token: token.cloned(),
        candidate_name: None,
        resume_text: metadata_resume.map(str::to_owned),
        scheduled_at: None,
        position: None,
    };
    let Some(token) = token else {
        return from_metadata();
    };
    match store.get(token).await {
        Ok(Some(booking)) => {
            let mut resolved = SessionBooking::with_position_from(&booking, store).await;
            if resolved.resume_text.is_none() {
                resolved.resume_text = metadata_resume.map(str::to_owned);
            }
            resolved
        }
        Ok(None) => {
            tracing::warn!(
                "no booking has the room's token: the interview runs on the room metadata"
            );
            from_metadata()
        }
        Err(error) => {
            tracing::warn!(%error, "could not read the room's booking: the interview runs on the room metadata");
            from_metadata()
        }
    }
}

#[cfg(feature = "livekit")]
#[async_trait]
impl interview_livekit::JobHandler for InterviewJobHandler {
    async fn run(
        &self,
        ctx: interview_livekit::JobContext,
    ) -> Result<(), interview_livekit::JobError> {
        #[cfg(feature = "livekit-rtc")]
        {
            use interview_livekit::avatar::{AvatarStart, run_with_avatar};
            use interview_livekit::rtc::avatar::AvatarOutput;

            let (mut room, rtc_room) = interview_livekit::rtc::join_room_with_handle(
                &ctx,
                interview_livekit::rtc::RtcOptions::default(),
            )
            .await?;
            let Some(avatar) = &self.avatar else {
                self.interview(&ctx, room, false).await;
                return Ok(());
            };
            let avatar_room = avatar
                .room(ctx.url(), ctx.room_name(), &room.info.local_identity)
                .map_err(|error| {
                    tracing::warn!(%error, "no token for the avatar");
                    error
                });
            run_with_avatar(avatar.provider.as_ref(), avatar_room, |start| async move {
                let with_video = matches!(start, AvatarStart::Started(_));
                if let AvatarStart::Started(_) = start {
                    match AvatarOutput::new(
                        rtc_room,
                        room.output.clone(),
                        avatar.options.identity.clone(),
                        avatar.options.video_timeout,
                    ) {
                        Ok(output) => room.output = Arc::new(output),
                        Err(error) => tracing::warn!(
                            %error,
                            "the avatar cannot take this audio: the interviewer speaks on its own track"
                        ),
                    }
                }
                self.interview(&ctx, room, with_video).await;
            })
            .await;
            Ok(())
        }
        #[cfg(not(feature = "livekit-rtc"))]
        {
            let _ = (&self.session, &self.avatar, &self.recorder);
            tracing::warn!(
                job_id = ctx.job_id(),
                room = ctx.room_name(),
                "job received, but this worker was built without the livekit-rtc feature and \
                 cannot join the room's media; reporting it as failed"
            );
            Err(interview_livekit::JobError::Unsupported(
                "this worker was built without the livekit-rtc feature, so it cannot join the \
                 room's audio"
                    .to_owned(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(feature = "livekit")]
    mod recording {
        use chrono::{TimeZone, Utc};
        use interview_core::Secret;
        use interview_core::store::RecordingStore;
        use interview_core::testing::InMemoryBookingStore;
        use interview_livekit::LiveKitConfig;
        use interview_livekit::recording::{Recorder, RecordingConfig, RecordingStorage};
        use prost::Message;
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, MockServer, ResponseTemplate};

        use super::super::*;

        fn recorder(server: &MockServer) -> Arc<Recorder> {
            let livekit = LiveKitConfig {
                url: url::Url::parse(&server.uri()).unwrap(),
                api_key: "APIkey".to_owned(),
                api_secret: Secret::new("a-secret-long-enough-for-the-token-signature"),
                agent_name: "my-interviewer".to_owned(),
            };
            Arc::new(Recorder::new(
                &livekit,
                RecordingConfig {
                    storage: RecordingStorage::EgressLocal,
                    path_prefix: "interviews/".to_owned(),
                },
            ))
        }

        #[tokio::test]
        async fn a_started_recording_is_noted_on_the_booking_and_a_refused_one_is_not() {
            let store = Arc::new(InMemoryBookingStore::new());
            let now = Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap();
            let booking = Booking {
                token: interview_core::BookingToken::generate().unwrap(),
                position_id: interview_core::position::default_position_id(),
                name: interview_core::PersonName::parse("Priya Sharma").unwrap(),
                email: interview_core::EmailAddress::parse("priya@example.com").unwrap(),
                phone: interview_core::PhoneNumber::parse("5551234567").unwrap(),
                scheduled_at: now,
                time_zone: None,
                resume_text: None,
                resume_url: None,
                status: interview_core::BookingStatus::Scheduled,
                evaluation_status: interview_core::EvaluationStatus::Pending,
                reschedules: 0,
                created_at: now,
            };
            store.create(&booking).await.unwrap();

            let server = MockServer::start().await;
            let info = livekit_protocol::EgressInfo {
                egress_id: "EG_started".to_owned(),
                ..Default::default()
            };
            Mock::given(method("POST"))
                .and(path("/twirp/livekit.Egress/StartRoomCompositeEgress"))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/protobuf")
                        .set_body_bytes(info.encode_to_vec()),
                )
                .mount(&server)
                .await;
            let record_with = |server: &MockServer| {
                record(
                    recorder(server),
                    store.clone(),
                    booking.token.clone(),
                    "room-1".to_owned(),
                    false,
                    now,
                )
            };
            record_with(&server).await;
            let noted = store.recordings(&booking.token).await.unwrap();
            assert_eq!(noted.len(), 1);
            assert_eq!(noted[0].id, "EG_started");
            assert_eq!(noted[0].location, "interviews/room-1-20300302T090000Z.ogg");

            // Egress refuses: the interview goes on, nothing is noted.
            let refusing = MockServer::start().await;
            Mock::given(method("POST"))
                .respond_with(
                    ResponseTemplate::new(403).set_body_json(
                        serde_json::json!({"code": "permission_denied", "msg": "no"}),
                    ),
                )
                .mount(&refusing)
                .await;
            record_with(&refusing).await;
            assert_eq!(store.recordings(&booking.token).await.unwrap().len(), 1);
        }
    }

    #[cfg(feature = "livekit")]
    mod booking_for_job {
        use chrono::{TimeZone, Utc};
        use interview_core::testing::InMemoryBookingStore;
        use interview_core::{BookingStatus, BookingToken, EmailAddress, PersonName, PhoneNumber};

        use super::super::*;

        const METADATA_RESUME: &str = "Rust engineer (cut to fit the metadata)";

        async fn stored(resume_text: Option<&str>) -> (InMemoryBookingStore, Booking) {
            let at = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
            let booking = Booking {
                token: BookingToken::generate().unwrap(),
                position_id: interview_core::position::default_position_id(),
                name: PersonName::parse("Priya Sharma").unwrap(),
                email: EmailAddress::parse("priya@example.com").unwrap(),
                phone: PhoneNumber::parse("5551234567").unwrap(),
                scheduled_at: at,
                time_zone: None,
                resume_text: resume_text.map(str::to_owned),
                resume_url: None,
                status: BookingStatus::Scheduled,
                evaluation_status: interview_core::EvaluationStatus::Pending,
                reschedules: 0,
                created_at: at,
            };
            let store = InMemoryBookingStore::new();
            store.create(&booking).await.unwrap();
            (store, booking)
        }

        fn from_metadata(token: Option<&BookingToken>) -> SessionBooking {
            SessionBooking {
                token: token.cloned(),
                candidate_name: None,
                resume_text: Some(METADATA_RESUME.to_owned()),
                scheduled_at: None,
                position: None,
            }
        }

        #[tokio::test]
        async fn the_stored_booking_gives_the_name_and_the_whole_resume() {
            let (store, booking) = stored(Some("Rust engineer, the whole resume")).await;
            let resolved =
                booking_for_job(&store, Some(&booking.token), Some(METADATA_RESUME)).await;
            assert_eq!(resolved, SessionBooking::from(&booking));
            assert_eq!(resolved.first_name(), Some("Priya"));
        }

        #[tokio::test]
        async fn a_stored_booking_without_a_resume_takes_the_metadata_s() {
            let (store, booking) = stored(None).await;
            let resolved =
                booking_for_job(&store, Some(&booking.token), Some(METADATA_RESUME)).await;
            assert_eq!(resolved.first_name(), Some("Priya"));
            assert_eq!(resolved.resume_text.as_deref(), Some(METADATA_RESUME));
        }

        #[tokio::test]
        async fn a_token_the_store_does_not_know_falls_back_to_the_metadata() {
            let store = InMemoryBookingStore::new();
            let token = BookingToken::generate().unwrap();
            let resolved = booking_for_job(&store, Some(&token), Some(METADATA_RESUME)).await;
            assert_eq!(resolved, from_metadata(Some(&token)));
        }

        #[tokio::test]
        async fn a_failing_store_falls_back_to_the_metadata() {
            let (store, booking) = stored(Some("Rust engineer, the whole resume")).await;
            store.set_unavailable(true);
            let resolved =
                booking_for_job(&store, Some(&booking.token), Some(METADATA_RESUME)).await;
            assert_eq!(resolved, from_metadata(Some(&booking.token)));
        }

        #[tokio::test]
        async fn without_a_token_there_is_only_the_metadata() {
            let (store, _) = stored(Some("Rust engineer, the whole resume")).await;
            let resolved = booking_for_job(&store, None, Some(METADATA_RESUME)).await;
            assert_eq!(resolved, from_metadata(None));
            let nothing = booking_for_job(&store, None, None).await;
            assert_eq!(nothing, SessionBooking::none());
        }
    }
}
