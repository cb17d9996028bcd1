//! The interview invitation: plain text, HTML and an iCalendar event.

use askama::Template;
use chrono::{DateTime, TimeDelta, Utc};
use url::Url;

use super::{Attachment, EmailThread, OutgoingEmail, format_instant_in};
use crate::position::{self, Language};
use crate::{BookingToken, EmailAddress, PersonName, ScheduledTime};

/// Everything an invitation says.
#[derive(Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The booking it belongs to (the calendar event's stable UID comes from it).
    pub token: BookingToken,
    /// The candidate's address.
    pub to: EmailAddress,
    /// The candidate's name.
    pub candidate_name: PersonName,
    /// When, and in which zone to show it.
    pub scheduled: ScheduledTime,
    /// How long the calendar event lasts.
    pub duration: TimeDelta,
    /// How long before the start the link opens.
    pub opens_before: TimeDelta,
    /// The interview link.
    pub interview_url: Url,
    /// The position's title ("Backend Engineer").
    pub position_title: String,
    /// Who is hiring ("Acme Corp"); `None`: the text names the position alone.
    pub company: Option<String>,
    /// The position's language: the HTML's `lang` and how the date reads.
    pub language: Language,
    /// When the invitation was made (the event's DTSTAMP).
    pub sent_at: DateTime<Utc>,
    /// The calendar event's revision (RFC 5545 `SEQUENCE`): 0 for the first
    /// invitation; higher for an interview that moved, which the e-mail says.
    pub sequence: u32,
}

impl std::fmt::Debug for Invitation {
    // The candidate's address and name are personal data, and the link holds
    // the whole token: the booking's short token and the event's facts only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("token", &self.token)
            .field("scheduled_at", &self.scheduled.at())
            .field("position_title", &self.position_title)
            .field("company", &self.company)
            .field("sequence", &self.sequence)
            .finish_non_exhaustive()
    }
}

impl Invitation {
    /// The interview time as the candidate reads it, in their zone (UTC when unknown):
    /// "Saturday, 2 March 2030 at 2:30 PM IST (Asia/Kolkata)".
    pub fn formatted_time(&self) -> String {
        let shown = format_instant_in(self.scheduled.at(), self.scheduled.zone(), &self.language);
        match self.scheduled.zone() {
            // The abbreviation alone can be ambiguous (IST is also Irish and Israeli time).
            Some(zone) => format!("{shown} ({})", zone.name()),
            None => shown,
        }
    }

    /// "the Backend Engineer position at Acme", or "the Backend Engineer
    /// position" without a company ([`position::the_position`]).
    pub fn the_position(&self) -> String {
        position::the_position(&self.position_title, self.company.as_deref())
    }

    /// The subject line: "Your interview for Backend Engineer at Acme is
    /// scheduled" (or "has moved", for an update).
    pub fn subject(&self) -> String {
        let what = if self.is_update() {
            "has moved"
        } else {
            "is scheduled"
        };
        match &self.company {
            Some(company) => format!(
                "Your interview for {} at {company} {what}",
                self.position_title
            ),
            None => format!("Your interview for {} {what}", self.position_title),
        }
    }

    /// Whether this updates an earlier invitation (the interview moved).
    pub fn is_update(&self) -> bool {
        self.sequence > 0
    }

    /// The interview's length in whole minutes.
    fn duration_minutes(&self) -> i64 {
        self.duration.num_minutes()
    }

    /// Renders the e-mail: text and HTML alternatives and an `.ics` request
    /// (`METHOD:REQUEST`) whose organizer is `organizer` (the sender's address;
    /// `None`: [`Invitation::organizer`] falls back to the link's host).
    pub fn to_email(&self, organizer: Option<&EmailAddress>) -> OutgoingEmail {
        OutgoingEmail {
            to: self.to.clone(),
            to_name: Some(self.candidate_name.to_string()),
            subject: self.subject(),
            text_body: self.text_body(),
            html_body: self.html_body(),
            attachments: vec![calendar_attachment(
                CalendarMethod::Request,
                self.ics(organizer),
            )],
            thread: Some(EmailThread::new(self.token.clone(), !self.is_update())),
        }
    }

    /// Renders the cancellation of the interview this invitation announced: text
    /// and HTML bodies and an `.ics` cancel (`METHOD:CANCEL`, `STATUS:CANCELLED`,
    /// the same UID, SEQUENCE one more than this invitation's).
    ///
    /// Build the invitation as the last one sent was built (its time, its
    /// sequence); the cancellation supersedes it.
    pub fn to_cancellation_email(&self, organizer: Option<&EmailAddress>) -> OutgoingEmail {
        OutgoingEmail {
            to: self.to.clone(),
            to_name: Some(self.candidate_name.to_string()),
            subject: self.cancellation_subject(),
            text_body: render(&CancellationText { invitation: self }),
            html_body: render(&CancellationHtml { invitation: self }),
            attachments: vec![calendar_attachment(
                CalendarMethod::Cancel,
                self.cancellation_ics(organizer),
            )],
            thread: Some(EmailThread::new(self.token.clone(), false)),
        }
    }

    /// Renders a reminder, `before` the start: text and HTML bodies with the link
    /// and the move and cancel links, threaded with the invitation; no calendar
    /// part (the invitation's event stands).
    pub fn to_reminder_email(&self, before: std::time::Duration) -> OutgoingEmail {
        let when = in_words(before);
        let subject = format!("Reminder: your interview is {when}");
        OutgoingEmail {
            to: self.to.clone(),
            to_name: Some(self.candidate_name.to_string()),
            text_body: render(&ReminderText {
                invitation: self,
                when: &when,
            }),
            html_body: render(&ReminderHtml {
                invitation: self,
                when: &when,
                subject: &subject,
            }),
            subject,
            attachments: Vec::new(),
            thread: Some(EmailThread::new(self.token.clone(), false)),
        }
    }

    /// The cancellation's subject line: "Your interview for Backend Engineer at
    /// Acme is cancelled".
    pub fn cancellation_subject(&self) -> String {
        match &self.company {
            Some(company) => format!(
                "Your interview for {} at {company} is cancelled",
                self.position_title
            ),
            None => format!("Your interview for {} is cancelled", self.position_title),
        }
    }

    /// The calendar organizer's address: `sender`, or `no-reply@` the interview
    /// link's host when the notifier has no full sender address (RFC 5546 requires
    /// an organizer on every request and cancel).
    pub fn organizer(&self, sender: Option<&EmailAddress>) -> String {
        match sender {
            Some(sender) => sender.as_str().to_owned(),
            None => format!(
                "no-reply@{}",
                self.interview_url.host_str().unwrap_or("localhost")
            ),
        }
    }

    /// "Backend Engineer, Acme", or the title alone.
    fn subject_title(&self) -> String {
        match &self.company {
            Some(company) => format!("{}, {company}", self.position_title),
            None => self.position_title.clone(),
        }
    }

    fn opens_minutes(&self) -> i64 {
        self.opens_before.num_minutes()
    }

    fn text_body(&self) -> String {
        render(&TextBody { invitation: self })
    }

    fn html_body(&self) -> String {
        render(&HtmlBody { invitation: self })
    }

    /// The iCalendar (RFC 5545, RFC 5546 iTIP) request: `METHOD:REQUEST`, a UID
    /// stable across every message about the booking, this invitation's SEQUENCE,
    /// `organizer` as ORGANIZER (see [`Invitation::organizer`]), the link as URL,
    /// LOCATION and in the description.
    pub fn ics(&self, organizer: Option<&EmailAddress>) -> String {
        self.calendar(CalendarMethod::Request, organizer)
    }

    /// The iCalendar cancel of this invitation's event: `METHOD:CANCEL`,
    /// `STATUS:CANCELLED`, the same UID and a SEQUENCE one higher.
    pub fn cancellation_ics(&self, organizer: Option<&EmailAddress>) -> String {
        self.calendar(CalendarMethod::Cancel, organizer)
    }

    fn calendar(&self, method: CalendarMethod, organizer: Option<&EmailAddress>) -> String {
        let host = self.interview_url.host_str().unwrap_or("localhost");
        let start = self.scheduled.at();
        let end = start + self.duration;
        let (sequence, status) = match method {
            CalendarMethod::Request => (self.sequence, "CONFIRMED"),
            CalendarMethod::Cancel => (self.sequence.saturating_add(1), "CANCELLED"),
        };
        let lines = [
            "BEGIN:VCALENDAR".to_owned(),
            "PRODID:-//interview-rs//interview//EN".to_owned(),
            "VERSION:2.0".to_owned(),
            "CALSCALE:GREGORIAN".to_owned(),
            format!("METHOD:{}", method.name()),
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}@{}", self.token, host),
            format!("DTSTAMP:{}", ics_time(self.sent_at)),
            format!("DTSTART:{}", ics_time(start)),
            format!("DTEND:{}", ics_time(end)),
            format!(
                "SUMMARY:{}",
                ics_text(&format!("Interview: {}", self.subject_title()))
            ),
            format!(
                "DESCRIPTION:{}",
                ics_text(&format!(
                    "Join your AI interview: {}\nThe link opens {} minutes before the start.",
                    self.interview_url,
                    self.opens_minutes()
                ))
            ),
            format!("LOCATION:{}", ics_text(self.interview_url.as_str())),
            format!("URL:{}", self.interview_url),
            format!("ORGANIZER:mailto:{}", self.organizer(organizer)),
            format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{}",
                ics_param(self.candidate_name.as_str()),
                self.to
            ),
            format!("SEQUENCE:{sequence}"),
            format!("STATUS:{status}"),
            "TRANSP:OPAQUE".to_owned(),
            "END:VEVENT".to_owned(),
            "END:VCALENDAR".to_owned(),
        ];
        let mut out = String::new();
        for line in &lines {
            fold_line(&mut out, line);
        }
        out
    }
}

/// The iTIP method (RFC 5546) of a calendar attachment.
#[derive(Debug, Clone, Copy)]
enum CalendarMethod {
    /// A new or moved interview.
    Request,
    /// A cancelled interview.
    Cancel,
}

impl CalendarMethod {
    fn name(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// The `.ics` attachment, its content type naming the method as RFC 6047 asks.
fn calendar_attachment(method: CalendarMethod, ics: String) -> Attachment {
    Attachment {
        file_name: "interview.ics".to_owned(),
        content_type: format!("text/calendar; charset=UTF-8; method={}", method.name()),
        content: ics.into_bytes(),
    }
}

/// The plain-text body (`templates/invitation.txt`, nothing escaped).
#[derive(Template)]
#[template(path = "invitation.txt")]
struct TextBody<'a> {
    invitation: &'a Invitation,
}

/// The HTML body (`templates/invitation.html`, every value escaped).
#[derive(Template)]
#[template(path = "invitation.html")]
struct HtmlBody<'a> {
    invitation: &'a Invitation,
}

/// A reminder's plain-text body (`templates/reminder.txt`, nothing escaped).
#[derive(Template)]
#[template(path = "reminder.txt")]
struct ReminderText<'a> {
    invitation: &'a Invitation,
    when: &'a str,
}

/// A reminder's HTML body (`templates/reminder.html`, every value escaped).
#[derive(Template)]
#[template(path = "reminder.html")]
struct ReminderHtml<'a> {
    invitation: &'a Invitation,
    when: &'a str,
    subject: &'a str,
}

/// The cancellation's plain-text body (`templates/cancellation.txt`).
#[derive(Template)]
#[template(path = "cancellation.txt")]
struct CancellationText<'a> {
    invitation: &'a Invitation,
}

/// The cancellation's HTML body (`templates/cancellation.html`, every value escaped).
#[derive(Template)]
#[template(path = "cancellation.html")]
struct CancellationHtml<'a> {
    invitation: &'a Invitation,
}

/// Renders a body. Writing into a `String` cannot fail and every value shown formats
/// without error, so a failure is a bug; it is logged rather than turned into a panic
/// or a lost booking.
/// How far ahead `before` is, in words: "in 1 hour", "in 24 hours", "in 90
/// minutes", "in 2 days".
fn in_words(before: std::time::Duration) -> String {
    let minutes = before.as_secs().div_ceil(60);
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("in 1 {unit}")
        } else {
            format!("in {n} {unit}s")
        }
    };
    if minutes >= 2 * 24 * 60 && minutes.is_multiple_of(24 * 60) {
        plural(minutes / (24 * 60), "day")
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes.max(1), "minute")
    }
}

fn render(body: &impl Template) -> String {
    let mut out = String::new();
    if let Err(error) = body.render_into(&mut out) {
        tracing::error!(%error, "the invitation could not be rendered");
    }
    out
}

fn ics_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes an iCalendar TEXT value (RFC 5545 §3.3.11).
fn ics_text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted, with the characters a quoted value cannot hold removed.
fn ics_param(input: &str) -> String {
    let cleaned: String = input
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{cleaned}\"")
}

/// Writes `line` folded at 75 octets (never inside a UTF-8 sequence), CRLF-terminated.
fn fold_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn invitation(name: &str, org: &str) -> Invitation {
        let at = Utc.with_ymd_and_hms(2030, 3, 2, 9, 0, 0).unwrap();
        Invitation {
            token: BookingToken::parse("0123456789abcdef0123456789abcdef").unwrap(),
            to: EmailAddress::parse("ann@example.com").unwrap(),
            candidate_name: PersonName::parse(name).unwrap(),
            scheduled: ScheduledTime::from_parts(at, Some(chrono_tz::Asia::Kolkata)),
            duration: TimeDelta::minutes(30),
            opens_before: TimeDelta::minutes(5),
            interview_url: Url::parse(
                "https://jobs.example.com/interview/0123456789abcdef0123456789abcdef",
            )
            .unwrap(),
            position_title: "Backend Engineer".to_owned(),
            company: Some(org.to_owned()),
            language: Language::default(),
            sent_at: Utc.with_ymd_and_hms(2030, 3, 1, 12, 0, 0).unwrap(),
            sequence: 0,
        }
    }

    #[test]
    fn a_position_in_another_language_dates_the_invitation_in_it() {
        let inv = Invitation {
            language: Language::parse("de").unwrap(),
            scheduled: ScheduledTime::from_parts(
                Utc.with_ymd_and_hms(2030, 3, 2, 13, 30, 0).unwrap(),
                Some(chrono_tz::Europe::Berlin),
            ),
            ..invitation("Ann Lee", "Acme")
        };
        let email = inv.to_email(None);
        assert!(
            email
                .text_body
                .contains("Samstag, 2 März 2030, 14:30 CET (Europe/Berlin)"),
            "{}",
            email.text_body
        );
        assert!(email.html_body.contains("<html lang=\"de\">"));
    }

    #[test]
    fn time_is_shown_in_the_candidates_zone() {
        let inv = invitation("Ann Lee", "Acme");
        assert_eq!(
            inv.formatted_time(),
            "Saturday, 2 March 2030 at 2:30 PM IST (Asia/Kolkata)"
        );
        let utc = Invitation {
            scheduled: ScheduledTime::from_parts(inv.scheduled.at(), None),
            ..inv
        };
        assert_eq!(
            utc.formatted_time(),
            "Saturday, 2 March 2030 at 9:00 AM UTC"
        );
    }

    #[test]
    fn email_has_both_bodies_the_link_and_the_ics() {
        let email = invitation("Ann Lee", "Acme").to_email(None);
        assert_eq!(email.to.as_str(), "ann@example.com");
        assert_eq!(
            email.subject,
            "Your interview for Backend Engineer at Acme is scheduled"
        );
        assert!(email.text_body.contains(
            "Your AI interview for the Backend Engineer position at Acme is scheduled for"
        ));
        assert!(email.text_body.contains("takes about 30 minutes"));
        let no_company = Invitation {
            company: None,
            ..invitation("Ann Lee", "Acme")
        };
        assert_eq!(
            no_company.subject(),
            "Your interview for Backend Engineer is scheduled"
        );
        assert!(
            no_company
                .to_email(None)
                .text_body
                .contains("for the Backend Engineer position is scheduled")
        );
        let link = "https://jobs.example.com/interview/0123456789abcdef0123456789abcdef";
        assert!(email.text_body.contains(link));
        assert!(email.text_body.contains("2:30 PM IST"));
        assert!(email.html_body.contains(&format!("href=\"{link}\"")));
        assert_eq!(email.attachments.len(), 1);
        assert_eq!(
            email.attachments[0].content_type,
            "text/calendar; charset=UTF-8; method=REQUEST"
        );
    }

    #[test]
    fn user_values_are_escaped_in_html_and_left_alone_in_text() {
        let email = invitation("O'Brien", "<script>alert(\"Acme & Co\")</script>").to_email(None);
        assert!(email.html_body.contains("Hello O&#39;Brien,"));
        assert!(
            email
                .html_body
                .contains("&#60;script&#62;alert(&#34;Acme &#38; Co&#34;)&#60;/script&#62;"),
            "{}",
            email.html_body
        );
        assert!(!email.html_body.contains("<script"));
        assert!(email.text_body.starts_with("Hello O'Brien,\n"));
        assert!(
            email
                .text_body
                .contains("at <script>alert(\"Acme & Co\")</script> is scheduled")
        );
    }

    #[test]
    fn both_bodies_say_the_configured_opening_time() {
        let inv = Invitation {
            opens_before: TimeDelta::minutes(15),
            ..invitation("Ann Lee", "Acme")
        };
        let email = inv.to_email(None);
        assert!(
            email
                .text_body
                .contains("\n\nThe link opens 15 minutes before the start; the interview takes about 30 minutes. Please join"),
            "{}",
            email.text_body
        );
        assert!(email.text_body.ends_with("\n\nGood luck!\n"));
        assert!(
            email
                .html_body
                .contains("The link opens 15 minutes before the start;"),
            "{}",
            email.html_body
        );
        assert!(email.html_body.ends_with("</body></html>\n"));
    }

    #[test]
    fn ics_is_a_folded_request_with_a_stable_uid() {
        let inv = invitation("Ann Lee", "Acme, Inc; Ltd");
        let ics = inv.ics(None);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("\r\nMETHOD:REQUEST\r\n"));
        assert!(ics.contains("\r\nUID:0123456789abcdef0123456789abcdef@jobs.example.com\r\n"));
        assert!(ics.contains("\r\nDTSTART:20300302T090000Z\r\n"));
        assert!(ics.contains("\r\nDTEND:20300302T093000Z\r\n"));
        assert!(ics.contains("\r\nDTSTAMP:20300301T120000Z\r\n"));
        assert!(ics.contains("SUMMARY:Interview: Backend Engineer\\, Acme\\, Inc\\; Ltd"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
            assert!(!line.contains('\n'));
        }
        // Unfolding gives back the full URL.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(
            "URL:https://jobs.example.com/interview/0123456789abcdef0123456789abcdef\r\n"
        ));
        assert_eq!(inv.ics(None), ics, "rendering is deterministic");
    }

    #[test]
    fn the_organizer_is_the_sender_or_no_reply_at_the_link_host() {
        let inv = invitation("Ann Lee", "Acme");
        let sender = EmailAddress::parse("hr@acme.example").unwrap();
        assert!(
            inv.ics(Some(&sender))
                .contains("\r\nORGANIZER:mailto:hr@acme.example\r\n")
        );
        assert!(
            inv.ics(None)
                .contains("\r\nORGANIZER:mailto:no-reply@jobs.example.com\r\n")
        );
        assert!(
            inv.cancellation_ics(Some(&sender))
                .contains("\r\nORGANIZER:mailto:hr@acme.example\r\n")
        );
    }

    #[test]
    fn the_first_invitation_opens_the_thread_and_later_messages_continue_it() {
        let first = invitation("Ann Lee", "Acme").to_email(None);
        let moved = Invitation {
            sequence: 1,
            ..invitation("Ann Lee", "Acme")
        };
        let update = moved.to_email(None);
        let cancel = moved.to_cancellation_email(None);
        let threads: Vec<EmailThread> = [&first, &update, &cancel]
            .iter()
            .map(|email| email.thread.clone().unwrap())
            .collect();
        assert!(threads[0].opens());
        assert!(!threads[1].opens() && !threads[2].opens());
        assert!(threads.iter().all(|t| t.id() == threads[0].id()));
        assert_eq!(
            update.subject,
            "Your interview for Backend Engineer at Acme has moved"
        );
    }

    #[test]
    fn a_cancellation_cancels_the_same_event_with_the_next_sequence() {
        let inv = Invitation {
            sequence: 2,
            ..invitation("Ann Lee", "Acme")
        };
        let email = inv.to_cancellation_email(None);
        assert_eq!(
            email.subject,
            "Your interview for Backend Engineer at Acme is cancelled"
        );
        assert_eq!(
            email.attachments[0].content_type,
            "text/calendar; charset=UTF-8; method=CANCEL"
        );
        let ics = String::from_utf8(email.attachments[0].content.clone()).unwrap();
        assert!(ics.contains("\r\nMETHOD:CANCEL\r\n"), "{ics}");
        assert!(ics.contains("\r\nSTATUS:CANCELLED\r\n"));
        assert!(ics.contains("\r\nSEQUENCE:3\r\n"));
        assert!(ics.contains("\r\nUID:0123456789abcdef0123456789abcdef@jobs.example.com\r\n"));
        assert!(!ics.contains("METHOD:REQUEST") && !ics.contains("CONFIRMED"));
        assert!(
            email.text_body.starts_with(
                "Hello Ann Lee,\n\nYour AI interview for the Backend Engineer position at Acme, \
                 planned for Saturday, 2 March 2030 at 2:30 PM IST (Asia/Kolkata), is cancelled."
            ),
            "{}",
            email.text_body
        );
        assert!(email.html_body.contains("is cancelled"));
        assert!(
            email.html_body.contains(
                "<title>Your interview for Backend Engineer at Acme is cancelled</title>"
            )
        );
        let escaped = invitation("O'Brien", "<b>Acme</b>").to_cancellation_email(None);
        assert!(escaped.html_body.contains("Hello O&#39;Brien,"));
        assert!(!escaped.html_body.contains("<b>"));
        let no_company = Invitation {
            company: None,
            ..invitation("Ann Lee", "Acme")
        };
        assert_eq!(
            no_company.cancellation_subject(),
            "Your interview for Backend Engineer is cancelled"
        );
    }

    #[test]
    fn debug_shows_no_address_name_or_whole_token() {
        let inv = invitation("Ann Lee", "Acme");
        let email = inv.to_email(None);
        for shown in [format!("{inv:?}"), format!("{email:?}")] {
            assert!(!shown.contains("ann@example.com"), "{shown}");
            assert!(!shown.contains("Ann Lee"), "{shown}");
            assert!(!shown.contains("0123456789abcdef0123"), "{shown}");
        }
        assert!(format!("{email:?}").contains("interview.ics (text/calendar"));
    }

    #[test]
    fn a_reminder_says_when_links_everything_and_has_no_calendar_part() {
        let inv = invitation("Zoë O'Brien", "Acme & <Sons>");
        for (before, words) in [
            (std::time::Duration::from_secs(3600), "in 1 hour"),
            (std::time::Duration::from_secs(24 * 3600), "in 24 hours"),
            (std::time::Duration::from_secs(90), "in 2 minutes"),
            (std::time::Duration::from_secs(90 * 60), "in 90 minutes"),
            (std::time::Duration::from_secs(3 * 24 * 3600), "in 3 days"),
        ] {
            let email = inv.to_reminder_email(before);
            assert_eq!(
                email.subject,
                format!("Reminder: your interview is {words}")
            );
            assert!(email.text_body.contains(words), "{}", email.text_body);
        }
        let email = inv.to_reminder_email(std::time::Duration::from_secs(3600));
        assert!(email.attachments.is_empty());
        for body in [&email.text_body, &email.html_body] {
            assert!(body.contains(inv.interview_url.as_str()));
            assert!(body.contains("/reschedule") && body.contains("/cancel"));
        }
        assert!(
            email.html_body.contains("Acme &#38; &#60;Sons&#62;"),
            "{}",
            email.html_body
        );
        assert!(email.text_body.contains("Acme & <Sons>"));
        assert!(email.thread.is_some());
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(80));
        fold_line(&mut out, &line);
        for part in out.split("\r\n") {
            assert!(part.len() <= 75);
        }
        assert_eq!(out.replace("\r\n ", "").trim_end(), line);
    }
}
