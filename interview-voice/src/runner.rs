//! Interviews for any transport: an [`InterviewRunner`] that holds each interview
//! with an [`InterviewSession`], and the handler of LiveKit interview jobs.

use std::sync::Arc;

use async_trait::async_trait;
use interview_core::Booking;
use interview_core::clock::Clock;
use interview_core::store::BookingStore;
use interview_core::transport::{InterviewRunner, RoomIo};

use crate::session::{Engines, InterviewSession, SessionConfig};

/// Holds each interview it is handed with a copy of one [`InterviewSession`].
#[derive(Debug)]
pub struct SessionRunner {
    session: InterviewSession,
}

impl SessionRunner {
    /// Interviews with `engines`, recorded in `store`, timed by `clock`.
    pub fn new(
        config: SessionConfig,
        engines: Engines,
        store: Arc<dyn BookingStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            session: InterviewSession::new(config, engines, store, clock),
        }
    }

    /// The engines in use.
    pub fn engines(&self) -> &Engines {
        self.session.engines()
    }
}

#[async_trait]
impl InterviewRunner for SessionRunner {
    async fn run(&self, room: RoomIo, booking: Booking) {
        let token = booking.token.clone();
        let report = self
            .session
            .clone()
            .run(room, Some(booking.token), booking.resume_text)
            .await;
        tracing::info!(
            token = ?token,
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
        if engines.llm.name() == "offline-interviewer" {
            notes.push("The interviewer is a scripted offline one (no AI model is configured).");
        }
        if engines.tts.name() == "espeak-ng" {
            notes.push("The voice is the offline espeak-ng synthesizer.");
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
}

#[cfg(feature = "livekit")]
impl InterviewJobHandler {
    /// Interviews with `engines`, recorded in `store`, timed by `clock`.
    pub fn new(
        config: SessionConfig,
        engines: Engines,
        store: Arc<dyn BookingStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            session: InterviewSession::new(config, engines, store, clock),
            avatar: None,
        }
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
    /// Holds the interview in `room` until it ends or the job is cancelled.
    async fn interview(&self, ctx: &interview_livekit::JobContext, room: RoomIo) {
        let session = self.session.clone();
        let booking = ctx.booking_token().cloned();
        let resume = ctx.resume_text().map(str::to_owned);
        tokio::select! {
            report = session.run(room, booking, resume) => {
                tracing::info!(job_id = ctx.job_id(), end = ?report.end, lines = report.transcript.len(), "interview job finished");
            }
            () = ctx.cancelled() => {
                tracing::info!(job_id = ctx.job_id(), "interview job terminated");
            }
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
                self.interview(&ctx, room).await;
                return Ok(());
            };
            let avatar_room = avatar
                .room(ctx.url(), ctx.room_name(), &room.info.local_identity)
                .map_err(|error| {
                    tracing::warn!(%error, "no token for the avatar");
                    error
                });
            run_with_avatar(avatar.provider.as_ref(), avatar_room, |start| async move {
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
                self.interview(&ctx, room).await;
            })
            .await;
            Ok(())
        }
        #[cfg(not(feature = "livekit-rtc"))]
        {
            let _ = (&self.session, &self.avatar);
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
