//! The session's event loop: it sets up the [`State`] for the booking it is given,
//! greets the candidate, then hands each event to its stage until the interview
//! ends. One task owns the state; speech-to-text calls and responses run in tasks
//! of their own and report back over channels.
//!
//! The handlers are the stages': room audio and transcripts to `hearing`, room
//! events and the clock's ticks to `room`, the progress of responses to `answer`,
//! and the end to `finish`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use interview_core::clock::Clock;
use interview_core::engine::ChatMessage;
use interview_core::interview::{
    InterviewPlan, LiveMessage, NoticeMessage, Pace, ResumeText, Speaker, TranscriptEntry,
    prompt_highlights, system_prompt,
};
use interview_core::store::{BookingStore, Claim, Lease};
use interview_core::transport::{RoomIo, RoomOutput};
use interview_core::{BookingStatus, BookingToken};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::booking::SessionBooking;
use super::config::{Engines, SessionConfig};
use super::metrics::MetricsSummary;
use super::report::{SessionEnd, SessionReport};
use super::speech::{Source, Voice};
use super::state::{
    Allowance, Hearing, LOG, Live, Outcome, Record, ResponseKind, Setup, Silence, Speaking, State,
    Utterance, candidate_message,
};
use super::turn::TurnDetector;
use super::vad::Vad;

/// Holds the interview for `booking` in `room` until it ends, then evaluates it.
pub(super) async fn run(
    config: SessionConfig,
    engines: Engines,
    store: Arc<dyn BookingStore>,
    clock: Arc<dyn Clock>,
    publisher: Option<Arc<dyn interview_core::events::EventPublisher>>,
    room: RoomIo,
    booking: SessionBooking,
) -> SessionReport {
    let RoomIo {
        info,
        mut audio_in,
        mut events,
        output,
    } = room;
    let first_name = booking.first_name().map(str::to_owned);
    let deadline = booking
        .scheduled_at
        .map(|at| at + config.window.closes_after());
    let SessionBooking {
        token: booking,
        resume_text,
        position,
        ..
    } = booking;
    // The interview is for the booking's position, or the configured one.
    let position = position.unwrap_or_else(|| config.position.clone());
    let config = config.for_position(position);
    let mut outcome = Outcome::default();
    let now = clock.now();

    // Hold the interview in the store: start it, or resume it where it stopped.
    let mut holder = None;
    let mut active_before = Duration::ZERO;
    let mut earlier = Vec::new();
    if let Some(token) = &booking {
        let lease = Lease {
            holder: holder_id(),
            until: now + config.lease,
        };
        match store.claim(token, &lease, now).await {
            Ok(Claim::Claimed { from, elapsed }) => {
                holder = Some(lease.holder);
                active_before = elapsed;
                if from == BookingStatus::Scheduled
                    && let Some(publisher) = &publisher
                {
                    publisher
                        .publish(interview_core::events::EventType::InterviewStarted, token)
                        .await;
                }
                if from != BookingStatus::Scheduled {
                    match store.transcript(token).await {
                        Ok(lines) => earlier = lines,
                        Err(error) => {
                            outcome.store_failures += 1;
                            tracing::warn!(target: LOG, %error, "could not read the transcript so far");
                        }
                    }
                }
            }
            Ok(Claim::Busy { .. }) => {
                return not_joinable(
                    &output,
                    "already_connected",
                    "This interview is already open in another window.",
                )
                .await;
            }
            Ok(Claim::Refused { current }) => {
                let (code, message) = match current {
                    BookingStatus::Cancelled => ("cancelled", "This interview was cancelled."),
                    _ => ("completed", "This interview has already taken place."),
                };
                return not_joinable(&output, code, message).await;
            }
            Err(error) => {
                // The interview goes on; what cannot be stored is counted.
                outcome.store_failures += 1;
                tracing::warn!(target: LOG, %error, "could not hold the interview in the store");
            }
        }
    }
    let resuming = !earlier.is_empty();

    // The one place the resume is cut to length, whoever resolved it.
    let resume = resume_text
        .map(|raw| ResumeText::new(&raw, config.max_resume_length))
        .filter(|r| !r.is_empty());
    let plan = config.plan.clone().unwrap_or_else(|| {
        InterviewPlan::for_position(&config.position, resume.as_ref().map(ResumeText::as_str))
    });
    let minutes = plan.total().as_secs().div_ceil(60);
    let mut pace = Pace::new(plan, &config.competencies(), config.pace_rules());
    if resuming {
        let answers = earlier
            .iter()
            .filter(|e| e.speaker == Speaker::Candidate)
            .count();
        pace.resume(answers, active_before);
    }
    let prompt = system_prompt(
        &config.persona,
        &config.position,
        pace.plan(),
        resume.as_ref(),
    );
    let (writer, writer_task) = match &booking {
        Some(token) => {
            let (writer, task) = store_transcript(store.clone(), token.clone());
            (Some(writer), Some(task))
        }
        None => (None, None),
    };
    let opening = if resuming {
        config.persona.continuation_text(first_name.as_deref())
    } else {
        // The greeting cites the first highlight the prompt lists (never a
        // contact line, never one withheld as unsafe to quote).
        let item = prompt_highlights(&prompt).into_iter().next();
        config
            .persona
            .greeting_text(first_name.as_deref(), minutes, item.as_deref())
    };

    let (progress_tx, mut progress_rx) = mpsc::unbounded_channel();
    let (stt_tx, mut stt_rx) = mpsc::unbounded_channel();
    let mut state = State {
        hearing: Hearing {
            candidate: None,
            input: None,
            vad: Vad::new(config.vad),
            detector: TurnDetector::new(config.turn),
            utterance: Utterance::default(),
            awaiting: Vec::new(),
            stt_tx,
            pending: Vec::new(),
            typing: Allowance::new(
                config.input.typed_burst,
                config.input.typed_every,
                Instant::now(),
            ),
            told: false,
        },
        speaking: Speaking {
            voice: Voice {
                llm: engines.llm.clone(),
                tts: engines.tts.clone(),
                output: output.clone(),
                clock: clock.clone(),
            },
            response: None,
            next_id: 0,
            progress_tx,
            agent_state: None,
            told_progress: None,
        },
        record: Record {
            pace,
            resume,
            system_prompt: prompt,
            history: history_of(&earlier),
            chars: earlier.iter().map(|e| e.text.chars().count()).sum(),
            transcript: earlier,
            writer,
            writer_task,
        },
        live: Live {
            holder,
            renewed_at: now,
            active_before,
            active_since: Some(now),
            deadline,
        },
        outcome,
        silence: Silence::default(),
        setup: Setup {
            config,
            engines,
            store,
            clock,
            events: publisher,
            booking,
            output,
            local_identity: info.local_identity.clone(),
            first_name,
        },
    };
    tracing::info!(
        target: LOG,
        room = %info.name,
        booking = state.setup.booking.is_some(),
        resume = state.record.resume.is_some(),
        resuming,
        "interview starts"
    );

    state
        .start_response(
            Source::Fixed(opening),
            ResponseKind::Greeting,
            None,
            Vec::new(),
        )
        .await;

    let mut tick = tokio::time::interval(state.setup.config.check_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut audio_open = true;
    let mut events_open = true;
    let end = loop {
        if let Some(end) = state.outcome.ending {
            break end;
        }
        state.watch_silence().await;
        if let Some(end) = state.outcome.ending {
            break end;
        }
        tokio::select! {
            frame = audio_in.next(), if audio_open => match frame {
                Some(frame) => state.on_audio(&frame).await,
                None => {
                    audio_open = false;
                    state.leave(SessionEnd::AudioEnded).await;
                }
            },
            event = events.next(), if events_open => match event {
                Some(event) => state.on_event(event).await,
                None => events_open = false,
            },
            Some((id, progress)) = progress_rx.recv() => state.on_progress(id, progress).await,
            Some(result) = stt_rx.recv() => state.on_transcript(result).await,
            _ = tick.tick() => {
                state.check_time().await;
                state.publish_progress().await;
            }
        }
    };
    state.finish(end).await
}

/// The conversation so far as the model sees it, from the stored transcript of an
/// interview that resumes.
fn history_of(transcript: &[TranscriptEntry]) -> Vec<ChatMessage> {
    transcript
        .iter()
        .map(|entry| match entry.speaker {
            Speaker::Interviewer => ChatMessage::assistant(entry.text.clone()),
            Speaker::Candidate => candidate_message(&entry.text),
        })
        .collect()
}

/// A fresh id for this session's hold on its interview.
fn holder_id() -> String {
    interview_core::random::hex_string(8).unwrap_or_else(|_| {
        // Only distinctness between live sessions matters; the time will do.
        format!("{:x}", std::process::id())
    })
}

/// Tells the room why the interview will not be held here, and leaves it.
async fn not_joinable(output: &Arc<dyn RoomOutput>, code: &str, message: &str) -> SessionReport {
    tracing::info!(target: LOG, code, "the interview cannot be held in this room");
    let notice = NoticeMessage::ending(code, message);
    if let Err(error) = output.publish(&LiveMessage::Notice(notice)).await {
        tracing::debug!(target: LOG, %error, "could not send the notice");
    }
    output.close().await;
    SessionReport {
        end: SessionEnd::NotJoinable,
        transcript: Vec::new(),
        evaluation: None,
        evaluation_error: None,
        turns: Vec::new(),
        metrics: MetricsSummary::of(&[]),
        engine_failures: Vec::new(),
        interruptions: 0,
        store_failures: 0,
        duration: Duration::ZERO,
        stage: None,
        covered: Vec::new(),
    }
}

/// Stores transcript lines in order, off the event loop, batching those that
/// queue up. The task ends when the sender is dropped and returns how many
/// writes failed.
fn store_transcript(
    store: Arc<dyn BookingStore>,
    token: BookingToken,
) -> (mpsc::UnboundedSender<TranscriptEntry>, JoinHandle<usize>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<TranscriptEntry>();
    let task = tokio::spawn(tracing::Instrument::in_current_span(async move {
        let mut failures = 0usize;
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            if let Err(error) = store.append_transcript(&token, &batch).await {
                failures += 1;
                tracing::warn!(target: LOG, %error, lines = batch.len(), "could not store transcript lines");
            }
        }
        failures
    }));
    (tx, task)
}
