//! A candidate moves, then cancels, their interview from their own link in a real
//! browser; the outbox's three calendar messages (invitation, update,
//! cancellation) are read back with Python's e-mail parser and checked with the
//! `icalendar` package, independent implementations both.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::cdp::{Browser, Page};
use crate::{outbox_files, resume_pdf, screenshot_path, start_server_configured};

/// Takes the `text/calendar` part out of every message in `outbox` with Python's
/// `email` package, writes them to `into` in SEQUENCE order, and returns their
/// paths and the organizer they name.
fn calendars(python: &Path, outbox: &[PathBuf], into: &Path) -> (Vec<PathBuf>, String) {
    const EXTRACT: &str = r#"
import email, email.policy, re, sys
into, *messages = sys.argv[1:]
found = {}
for path in messages:
    with open(path, "rb") as file:
        message = email.message_from_binary_file(file, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            text = part.get_content()
            sequence = int(re.search(r"^SEQUENCE:(\d+)", text, re.M).group(1))
            found[sequence] = text
for n, sequence in enumerate(sorted(found)):
    with open(f"{into}/{n}.ics", "w", newline="") as file:
        file.write(found[sequence])
organizer = re.search(r"^ORGANIZER[^:\r\n]*:mailto:([^\r\n]+)", found[min(found)], re.M).group(1)
print(len(found), organizer)
"#;
    let output = Command::new(python)
        .arg("-c")
        .arg(EXTRACT)
        .arg(into)
        .args(outbox)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (count, organizer) = stdout.trim().split_once(' ').unwrap();
    let paths = (0..count.parse::<usize>().unwrap())
        .map(|n| into.join(format!("{n}.ics")))
        .collect();
    (paths, organizer.to_owned())
}

async fn click_to(page: &Page<'_>, selector: &str, heading: &str) {
    page.eval(&format!(
        "document.querySelector({}).click()",
        json!(selector)
    ))
    .await;
    page.wait_for(&format!(
        "document.readyState === 'complete' && document.querySelector('h1') !== null && \
         document.querySelector('h1').textContent === {}",
        json!(heading)
    ))
    .await;
}

#[tokio::test]
async fn a_candidate_moves_then_cancels_and_every_calendar_message_parses() {
    let server = start_server_configured("", None, &[]).await;
    let scheduling = server.state.scheduling();
    let uploaded = scheduling
        .upload_resume(bytes::Bytes::from(resume_pdf(&[
            "Jane Doe",
            "Rust engineer",
        ])))
        .await
        .unwrap();
    let request = interview::ScheduleRequest {
        name: Some("Jane Doe".into()),
        email: Some("jane@example.com".into()),
        phone: Some("+44 20 7946 0958".into()),
        datetime: Some((chrono::Utc::now() + chrono::TimeDelta::days(3)).to_rfc3339()),
        time_zone: Some("UTC".into()),
        resume_url: Some(uploaded.resume_url),
        resume_text: None,
        position: None,
    };
    let booked = scheduling.schedule(&request).await.unwrap();
    let link = booked.interview_url.to_string();

    let browser = Browser::launch().await;
    let page = browser.new_page().await;
    // The waiting page links the move.
    page.goto(&link).await;
    click_to(&page, "a[href$='/reschedule']", "Move your interview").await;
    // The form reads the time in the booking's zone, UTC here.
    let new_time = (chrono::Utc::now() + chrono::TimeDelta::days(5))
        .format("%Y-%m-%dT10:30")
        .to_string();
    page.eval(&format!(
        "document.getElementById('datetime').value = {}",
        json!(new_time)
    ))
    .await;
    page.viewport(390, 844).await;
    page.screenshot(&screenshot_path("candidate-reschedule-mobile.png"))
        .await;
    page.viewport(1280, 900).await;
    click_to(
        &page,
        "main form button[type=submit]",
        "Your interview has moved",
    )
    .await;
    let message = page
        .eval("document.querySelector('.banner.ok').textContent")
        .await;
    assert!(message.as_str().unwrap().contains("10:30"), "{message}");
    page.screenshot(&screenshot_path("candidate-rescheduled.png"))
        .await;

    // Then cancels, from the same link.
    page.goto(&format!("{link}/cancel")).await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "Cancel your interview?"
    );
    page.screenshot(&screenshot_path("candidate-cancel.png"))
        .await;
    click_to(
        &page,
        "main form button[type=submit]",
        "Your interview is cancelled",
    )
    .await;
    // The link now says so.
    page.goto(&link).await;
    assert_eq!(
        page.eval("document.querySelector('h1').textContent").await,
        "This interview was cancelled"
    );

    // Three messages, one calendar event: REQUEST 0, REQUEST 1, CANCEL 2.
    let outbox = outbox_files(server.data_dir.path());
    assert_eq!(outbox.len(), 3, "{outbox:?}");
    let python = interview::testing::tools_python("icalendar");
    let dir = tempfile::tempdir().unwrap();
    let (files, organizer) = calendars(&python, &outbox, dir.path());
    assert_eq!(files.len(), 3);
    let check =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interview-web/tests/notify/check_ics.py");
    let output = Command::new(&python)
        .arg(&check)
        .arg(&organizer)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("sequences=[0, 1, 2]"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}
