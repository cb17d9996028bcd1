//! Supabase over wiremock: a small stateful PostgREST and Storage that check what the
//! real services require (paths, key headers, `Prefer`, filters, bodies) and answer
//! with their documented shapes, including their error bodies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use interview_core::Secret;
use interview_core::clock::ManualClock;
use interview_core::resume::{DocumentKind, ResumeStore, ResumeStoreError};
use interview_core::store::{BookingStore, PositionStore, StoreError};
use interview_storage::supabase::{
    SupabaseBookingStore, SupabaseClient, SupabaseError, SupabaseResumeStore,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::conformance::{Fixture, booking, conformance_suite};

mod api_keys;
mod positions;
mod recruiting;
mod uploads;

const KEY: &str = "service-role-key-do-not-print-0123456789";

fn client(server: &MockServer) -> SupabaseClient {
    let url = url::Url::parse(&server.uri()).unwrap();
    SupabaseClient::new(&url, &Secret::new(KEY)).unwrap()
}

// ---------------------------------------------------------------------------
// The fake PostgREST
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Tables {
    bookings: Vec<Value>,
    transcripts: Vec<Value>,
    evaluations: Vec<Value>,
    webhook_events: Vec<Value>,
    uploads: Vec<Value>,
    positions: Vec<Value>,
    api_keys: Vec<Value>,
    recordings: Vec<Value>,
}

struct PostgRest(Arc<Mutex<Tables>>);

const BOOKING_COLUMNS: [&str; 14] = [
    "token",
    "position_id",
    "name",
    "email",
    "phone",
    "scheduled_at",
    "time_zone",
    "resume_text",
    "resume_url",
    "status",
    "evaluation_status",
    "evaluation_reason",
    "created_at",
    "reschedules",
];

/// The columns a PATCH of a booking's state machine sets, all together.
const STATE_COLUMNS: [&str; 5] = [
    "elapsed_ms",
    "live_holder",
    "live_until",
    "state_version",
    "status",
];

/// The columns a PATCH of a booking's evaluation status sets.
const EVALUATION_STATUS_COLUMNS: [&str; 2] = ["evaluation_reason", "evaluation_status"];

/// The columns a PATCH that reschedules a booking sets.
const RESCHEDULE_COLUMNS: [&str; 3] = ["reschedules", "scheduled_at", "time_zone"];

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({"code": code, "details": "Key (token)=(…) is involved.", "hint": null, "message": message}),
    )
}

fn bad_request(why: &str) -> ResponseTemplate {
    error(
        400,
        "PGRST100",
        &format!("mock PostgREST refused the request: {why}"),
    )
}

fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

/// PostgreSQL prints `timestamptz` as `2030-03-14 15:09:26.535897+00`; PostgREST as
/// `2030-03-14T15:09:26.535897+00:00`, trailing zeros of the fraction dropped.
fn as_postgrest_timestamp(value: &Value) -> Result<Value, String> {
    let text = value.as_str().ok_or("a timestamp must be a string")?;
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("{text} is not a timestamp"))?
        .with_timezone(&Utc);
    let fraction = at.format("%.6f").to_string();
    let fraction = fraction.trim_end_matches('0').trim_end_matches('.');
    Ok(json!(format!(
        "{}{fraction}+00:00",
        at.format("%Y-%m-%dT%H:%M:%S")
    )))
}

fn query(request: &Request) -> HashMap<String, String> {
    request.url.query_pairs().into_owned().collect()
}

fn eq_filter(query: &HashMap<String, String>) -> Option<String> {
    query.get("token")?.strip_prefix("eq.").map(str::to_owned)
}

fn select(row: &Value, query: &HashMap<String, String>) -> Value {
    match query.get("select").map(String::as_str) {
        Some("*") | None => row.clone(),
        Some(columns) => Value::Object(
            columns
                .split(',')
                .filter_map(|c| Some((c.to_owned(), row.get(c)?.clone())))
                .collect(),
        ),
    }
}

impl Respond for PostgRest {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if header(request, "apikey") != Some(KEY)
            || header(request, "authorization") != Some(&format!("Bearer {KEY}"))
        {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"message": "Invalid API key", "hint": "Double check your Supabase `anon` or `service_role` API key."}));
        }
        // A table's name, or `rpc/{function}`.
        let table = request
            .url
            .path()
            .trim_start_matches("/rest/v1/")
            .to_owned();
        let query = query(request);
        let is_read = request.method == wiremock::http::Method::GET
            || request.method == wiremock::http::Method::HEAD;
        if is_read {
            if header(request, "accept-profile") != Some("public") || !query.contains_key("select")
            {
                return bad_request("reads need Accept-Profile and select");
            }
        } else if header(request, "content-profile") != Some("public")
            || (request.method != wiremock::http::Method::DELETE
                && !header(request, "content-type")
                    .is_some_and(|t| t.starts_with("application/json")))
        {
            return bad_request("writes need Content-Profile and a JSON body");
        }
        let mut tables = self.0.lock().unwrap();
        let result = match (request.method.as_str(), table.as_str()) {
            ("GET", "interview_bookings") => read(&tables.bookings, &query),
            ("HEAD", "interview_bookings") => count_bookings(&tables.bookings, request, &query),
            ("GET", "interview_transcript_entries") => read(&tables.transcripts, &query),
            ("GET", "interview_evaluations") => read(&tables.evaluations, &query),
            ("POST", "interview_bookings") => insert_booking(&mut tables, request, &query),
            ("PATCH", "interview_bookings") => update_booking(&mut tables, request, &query),
            ("POST", "interview_transcript_entries") => insert_lines(&mut tables, request),
            ("POST", "interview_evaluations") => upsert_evaluation(&mut tables, request, &query),
            ("GET", "interview_recordings") => read(&tables.recordings, &query),
            ("POST", "interview_recordings") => insert_recordings(&mut tables, request, &query),
            ("POST", "interview_webhook_events") => insert_event(&mut tables, request, &query),
            ("DELETE", "interview_webhook_events") => prune_events(&mut tables, &query),
            (_, "interview_uploads") => uploads::respond(&mut tables.uploads, request, &query),
            (_, "interview_positions") => {
                positions::respond(&mut tables.positions, request, &query)
            }
            (_, "interview_api_keys") => api_keys::respond(&mut tables.api_keys, request, &query),
            ("POST", "rpc/interview_list_interviews") => recruiting::list(&tables, request),
            ("POST", "rpc/interview_erase") => recruiting::erase(&mut tables, request),
            _ => Err(bad_request("unknown table or method")),
        };
        result.unwrap_or_else(|response| response)
    }
}

type Answer = Result<ResponseTemplate, ResponseTemplate>;

/// Whether `row` passes every filter of the query (all but select, order and
/// limit), as PostgREST reads them; a filter on a column the row does not have
/// is refused.
fn passes(row: &Value, query: &HashMap<String, String>) -> Result<bool, ResponseTemplate> {
    let mut keep = true;
    for (column, filter) in query {
        if matches!(column.as_str(), "select" | "order" | "limit") {
            continue;
        }
        if row.get(column).is_none() {
            return Err(bad_request("filter on an unknown column"));
        }
        keep &= uploads::matches(row, column, filter).map_err(|e| bad_request(&e))?;
    }
    Ok(keep)
}

fn read(rows: &[Value], query: &HashMap<String, String>) -> Answer {
    if query.contains_key("token") && eq_filter(query).is_none() {
        return Err(bad_request("bad token filter"));
    }
    let mut found = Vec::new();
    for row in rows {
        if passes(row, query)? {
            found.push(row);
        }
    }
    match query.get("order").map(String::as_str) {
        Some("seq.asc") => found.sort_by_key(|r| r["seq"].as_i64()),
        Some("seq.desc") => found.sort_by_key(|r| std::cmp::Reverse(r["seq"].as_i64())),
        // Timestamps as PostgREST prints them sort as text within one width; the
        // conformance cases use whole microseconds.
        Some("started_at.asc,id.asc") => found.sort_by(|a, b| {
            let key = |r: &Value| {
                let at =
                    DateTime::parse_from_rfc3339(r["started_at"].as_str().unwrap_or_default()).ok();
                (at, r["id"].as_str().unwrap_or_default().to_owned())
            };
            key(a).cmp(&key(b))
        }),
        Some(_) => return Err(bad_request("unknown order")),
        None => {}
    }
    if let Some(limit) = query.get("limit") {
        found.truncate(limit.parse().map_err(|_| bad_request("bad limit"))?);
    }
    let body: Vec<Value> = found.into_iter().map(|r| select(r, query)).collect();
    Ok(ResponseTemplate::new(200).set_body_json(body))
}

/// `HEAD` with `Prefer: count=exact`: no body, the count in `Content-Range`
/// (`0-2/3`, or `*/0` when nothing matches), as PostgREST answers. Supports the
/// filters the store sends: `email=ilike.` and `created_at=gte.`.
fn count_bookings(rows: &[Value], request: &Request, query: &HashMap<String, String>) -> Answer {
    if !prefer(request).contains(&"count=exact".to_owned()) {
        return Err(bad_request("a count needs Prefer: count=exact"));
    }
    let pattern = query
        .get("email")
        .and_then(|f| f.strip_prefix("ilike."))
        .ok_or_else(|| bad_request("expected an email=ilike. filter"))?;
    let since = query
        .get("created_at")
        .and_then(|f| f.strip_prefix("gte."))
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .ok_or_else(|| bad_request("expected a created_at=gte. filter"))?;
    if query.get("erased_at").map(String::as_str) != Some("is.null") {
        return Err(bad_request(
            "a count of bookings must leave erased ones out",
        ));
    }
    let count = rows
        .iter()
        .filter(|row| {
            row["erased_at"].is_null()
                && row["email"].as_str().is_some_and(|e| ilike(e, pattern))
                && row["created_at"]
                    .as_str()
                    .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
                    .is_some_and(|at| at >= since)
        })
        .count();
    let range = if count == 0 {
        "*/0".to_owned()
    } else {
        format!("0-{}/{count}", count - 1)
    };
    Ok(ResponseTemplate::new(200).insert_header("Content-Range", range.as_str()))
}

/// PostgreSQL's ILIKE after PostgREST's rewrite of `*` to `%`: `%` any run, `_` any
/// one character, `\` escapes, ASCII case ignored.
fn ilike(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy)]
    enum Token {
        Any,
        One,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' | '*' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    fn matches(text: &[char], tokens: &[Token]) -> bool {
        match tokens.split_first() {
            None => text.is_empty(),
            Some((Token::Any, rest)) => (0..=text.len()).any(|skip| matches(&text[skip..], rest)),
            Some((Token::One, rest)) => !text.is_empty() && matches(&text[1..], rest),
            Some((Token::Char(c), rest)) => {
                text.first().is_some_and(|t| t.eq_ignore_ascii_case(c)) && matches(&text[1..], rest)
            }
        }
    }
    let text: Vec<char> = text.chars().collect();
    matches(&text, &tokens)
}

fn prefer(request: &Request) -> Vec<String> {
    header(request, "prefer")
        .unwrap_or("")
        .split(',')
        .map(|p| p.trim().to_owned())
        .collect()
}

fn body(request: &Request) -> Result<Value, ResponseTemplate> {
    serde_json::from_slice(&request.body).map_err(|_| bad_request("the body is not JSON"))
}

fn insert_booking(
    tables: &mut Tables,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    if !prefer(request).contains(&"return=representation".to_owned()) {
        return Err(bad_request("expected Prefer: return=representation"));
    }
    let Value::Object(mut row) = body(request)? else {
        return Err(bad_request("expected one object"));
    };
    let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = BOOKING_COLUMNS;
    expected.sort_unstable();
    if keys != expected {
        return Err(bad_request("unexpected columns"));
    }
    for column in ["scheduled_at", "created_at"] {
        row[column] = as_postgrest_timestamp(&row[column]).map_err(|e| bad_request(&e))?;
    }
    // The columns' defaults, as the table declares them.
    row.insert("live_holder".into(), Value::Null);
    row.insert("live_until".into(), Value::Null);
    row.insert("elapsed_ms".into(), json!(0));
    row.insert("state_version".into(), json!(0));
    row.insert("erased_at".into(), Value::Null);
    let row = Value::Object(row);
    if tables.bookings.iter().any(|r| r["token"] == row["token"]) {
        return Err(error(
            409,
            "23505",
            "duplicate key value violates unique constraint \"interview_bookings_pkey\"",
        ));
    }
    tables.bookings.push(row.clone());
    Ok(ResponseTemplate::new(201).set_body_json(json!([select(&row, query)])))
}

/// A PATCH sets the state machine's columns (filtered by token and
/// `state_version`, a compare-and-swap), the evaluation status (by token), or
/// the scheduled time (by token and status); every filter is applied.
fn update_booking(
    tables: &mut Tables,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    let token = eq_filter(query).ok_or_else(|| bad_request("PATCH needs a token filter"))?;
    let Value::Object(mut patch) = body(request)? else {
        return Err(bad_request("expected one object"));
    };
    let mut keys: Vec<&str> = patch.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let version = match query.get("state_version") {
        Some(filter) => Some(
            filter
                .strip_prefix("eq.")
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| bad_request("bad state_version filter"))?,
        ),
        None => None,
    };
    match (version, keys.as_slice()) {
        (Some(_), keys) if keys == STATE_COLUMNS => {
            if !patch["live_until"].is_null() {
                patch["live_until"] =
                    as_postgrest_timestamp(&patch["live_until"]).map_err(|e| bad_request(&e))?;
            }
        }
        (None, keys) if keys == EVALUATION_STATUS_COLUMNS => {}
        (None, keys) if keys == RESCHEDULE_COLUMNS => {
            patch["scheduled_at"] =
                as_postgrest_timestamp(&patch["scheduled_at"]).map_err(|e| bad_request(&e))?;
        }
        _ => return Err(bad_request("unexpected columns for this PATCH")),
    }
    let mut updated = Vec::new();
    for row in tables.bookings.iter_mut() {
        if row["token"] != json!(token) || !passes(row, query)? {
            continue;
        }
        for (column, value) in &patch {
            row[column] = value.clone();
        }
        updated.push(select(row, query));
    }
    Ok(ResponseTemplate::new(200).set_body_json(updated))
}

fn insert_event(tables: &mut Tables, request: &Request, query: &HashMap<String, String>) -> Answer {
    let prefer = prefer(request);
    if !prefer.contains(&"resolution=ignore-duplicates".to_owned())
        || !prefer.contains(&"return=representation".to_owned())
        || query.get("on_conflict").map(String::as_str) != Some("id")
    {
        return Err(bad_request(
            "an insert-if-new needs ignore-duplicates, return=representation and on_conflict=id",
        ));
    }
    let Value::Array(rows) = body(request)? else {
        return Err(bad_request("expected an array of events"));
    };
    let mut inserted = Vec::new();
    for mut row in rows {
        if tables.webhook_events.iter().any(|r| r["id"] == row["id"]) {
            continue;
        }
        row["received_at"] =
            as_postgrest_timestamp(&row["received_at"]).map_err(|e| bad_request(&e))?;
        tables.webhook_events.push(row.clone());
        inserted.push(select(&row, query));
    }
    Ok(ResponseTemplate::new(201).set_body_json(inserted))
}

fn prune_events(tables: &mut Tables, query: &HashMap<String, String>) -> Answer {
    let before = query
        .get("received_at")
        .and_then(|f| f.strip_prefix("lt."))
        .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
        .ok_or_else(|| bad_request("DELETE needs a received_at=lt. filter"))?;
    tables.webhook_events.retain(|row| {
        row["received_at"]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .is_some_and(|at| at >= before)
    });
    Ok(ResponseTemplate::new(204))
}

/// Whether a booking with `token` exists and is not erased: the foreign key,
/// and the trigger docs/supabase.sql puts on transcripts and evaluations, which
/// refuses an erased booking with the foreign key's code.
fn live_booking(tables: &Tables, token: &Value) -> bool {
    tables
        .bookings
        .iter()
        .any(|b| &b["token"] == token && b["erased_at"].is_null())
}

fn insert_lines(tables: &mut Tables, request: &Request) -> Answer {
    if !prefer(request).contains(&"return=minimal".to_owned()) {
        return Err(bad_request("expected Prefer: return=minimal"));
    }
    let Value::Array(rows) = body(request)? else {
        return Err(bad_request("expected an array of lines"));
    };
    let mut accepted = Vec::new();
    for mut row in rows {
        if !live_booking(tables, &row["token"]) {
            return Err(error(
                409,
                "23503",
                "insert or update on table \"interview_transcript_entries\" violates foreign key constraint",
            ));
        }
        let taken = |r: &Value| r["token"] == row["token"] && r["seq"] == row["seq"];
        if tables.transcripts.iter().chain(&accepted).any(taken) {
            return Err(error(
                409,
                "23505",
                "duplicate key value violates unique constraint \"interview_transcript_entries_pkey\"",
            ));
        }
        row["spoken_at"] =
            as_postgrest_timestamp(&row["spoken_at"]).map_err(|e| bad_request(&e))?;
        accepted.push(row);
    }
    tables.transcripts.extend(accepted);
    Ok(ResponseTemplate::new(201))
}

/// `interview_recordings`: refused for no live booking (the foreign key and the
/// trigger), a known `(token, id)` ignored as `resolution=ignore-duplicates` asks.
fn insert_recordings(
    tables: &mut Tables,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    let prefer = prefer(request);
    if !prefer.contains(&"resolution=ignore-duplicates".to_owned())
        || !prefer.contains(&"return=minimal".to_owned())
        || query.get("on_conflict").map(String::as_str) != Some("token,id")
    {
        return Err(bad_request(
            "an insert-if-new needs ignore-duplicates, return=minimal and on_conflict=token,id",
        ));
    }
    let Value::Array(rows) = body(request)? else {
        return Err(bad_request("expected an array of recordings"));
    };
    for mut row in rows {
        if !live_booking(tables, &row["token"]) {
            return Err(error(409, "23503", "no live booking has this token"));
        }
        let known = |r: &Value| r["token"] == row["token"] && r["id"] == row["id"];
        if tables.recordings.iter().any(known) {
            continue;
        }
        row["started_at"] =
            as_postgrest_timestamp(&row["started_at"]).map_err(|e| bad_request(&e))?;
        tables.recordings.push(row);
    }
    Ok(ResponseTemplate::new(201))
}

fn upsert_evaluation(
    tables: &mut Tables,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    let prefer = prefer(request);
    if !prefer.contains(&"resolution=merge-duplicates".to_owned())
        || query.get("on_conflict").map(String::as_str) != Some("token")
    {
        return Err(bad_request(
            "an upsert needs merge-duplicates and on_conflict=token",
        ));
    }
    let row = body(request)?;
    if !row["evaluation"].is_object() {
        return Err(bad_request("evaluation must be a JSON object"));
    }
    if !live_booking(tables, &row["token"]) {
        return Err(error(
            409,
            "23503",
            "insert or update on table \"interview_evaluations\" violates foreign key constraint",
        ));
    }
    tables.evaluations.retain(|r| r["token"] != row["token"]);
    tables.evaluations.push(row.clone());
    Ok(ResponseTemplate::new(201).set_body_json(json!([select(&row, query)])))
}

async fn fake_postgrest() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/rest/v1/(rpc/)?[a-z_]+$"))
        .respond_with(PostgRest(Arc::default()))
        .mount(&server)
        .await;
    server
}

struct Supabase {
    store: Arc<SupabaseBookingStore>,
    _server: MockServer,
}

impl Fixture for Supabase {
    async fn start() -> Self {
        let server = fake_postgrest().await;
        Self {
            store: Arc::new(SupabaseBookingStore::new(client(&server))),
            _server: server,
        }
    }

    fn store(&self) -> Arc<dyn BookingStore> {
        self.store.clone()
    }
}

conformance_suite!(Supabase);

// ---------------------------------------------------------------------------
// Error mapping
// ---------------------------------------------------------------------------

async fn answering(status: u16, body: Value) -> (MockServer, SupabaseBookingStore) {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/rest/v1/"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let store = SupabaseBookingStore::new(client(&server));
    (server, store)
}

fn assert_key_not_in(text: &str) {
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(!text.contains("do-not-print"), "the key leaked: {text}");
}

#[tokio::test]
async fn a_bad_key_is_a_backend_error_that_does_not_show_the_key() {
    let server = fake_postgrest().await;
    let url = url::Url::parse(&server.uri()).unwrap();
    let wrong = SupabaseClient::new(&url, &Secret::new("wrong-key")).unwrap();
    let store = SupabaseBookingStore::new(wrong);
    let error = store.get(&booking("Anyone").token).await.unwrap_err();
    let StoreError::Backend(source) = &error else {
        panic!("{error:?}")
    };
    match source.downcast_ref::<SupabaseError>() {
        Some(SupabaseError::PostgRest {
            status: 401,
            code: None,
            message,
            ..
        }) => {
            assert_eq!(message.as_deref(), Some("Invalid API key"));
        }
        other => panic!("{other:?}"),
    }
    let right = SupabaseBookingStore::new(client(&server));
    assert_key_not_in(&format!("{right:?} {error:?} {error} {source}"));
    assert_key_not_in(&format!("{:?}", client(&server)));
}

#[tokio::test]
async fn a_409_is_a_conflict_and_a_500_a_backend_error() {
    let duplicate = json!({"code": "23505", "details": "Key (token)=(x) already exists.", "hint": null, "message": "duplicate key value violates unique constraint \"interview_bookings_pkey\""});
    let (_server, store) = answering(409, duplicate).await;
    assert!(matches!(
        store.create(&booking("Dup")).await,
        Err(StoreError::Conflict)
    ));

    let (_server, store) = answering(
        500,
        json!({"code": "XX000", "details": null, "hint": null, "message": "internal error"}),
    )
    .await;
    let error = store.create(&booking("Boom")).await.unwrap_err();
    let StoreError::Backend(source) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(
        source.downcast_ref::<SupabaseError>(),
        Some(SupabaseError::PostgRest { status: 500, code: Some(code), .. }) if code == "XX000"
    ));
    // The row values PostgREST repeats in `details` are not kept.
    assert!(!format!("{error:?}").contains("already exists"));
}

#[tokio::test]
async fn gateway_errors_and_a_closed_port_are_unavailable() {
    for status in [502, 503, 504] {
        let (_server, store) = answering(status, json!({"message": "upstream unavailable"})).await;
        let error = store.ping().await.unwrap_err();
        assert!(
            matches!(error, StoreError::Unavailable(_)),
            "{status}: {error:?}"
        );
    }
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let store = SupabaseBookingStore::new(SupabaseClient::new(&url, &Secret::new(KEY)).unwrap());
    let error = store.get(&booking("Nobody").token).await.unwrap_err();
    assert!(matches!(error, StoreError::Unavailable(_)), "{error:?}");
    assert_key_not_in(&format!("{error:?} {error}"));
}

#[tokio::test]
async fn a_position_whose_definition_does_not_parse_is_corrupt_naming_it() {
    let mut position = crate::conformance::full_position();
    position.id = interview_core::position::Slug::parse("backend").unwrap();
    position.slug = position.id.clone();
    let good = serde_json::to_value(position.to_draft()).unwrap();
    let mut blank_title = good.clone();
    blank_title["title"] = json!("");
    for definition in [json!({"nope": 1}), json!("text"), blank_title] {
        let row = json!({"id": "backend", "slug": "backend", "archived": false, "definition": definition});
        let (_server, store) = answering(200, json!([row])).await;
        match store.position(&position.id).await {
            Err(StoreError::Corrupt(message)) => {
                assert!(message.contains("\"backend\""), "{message}")
            }
            other => panic!("{definition}: {other:?}"),
        }
    }
    let row = json!({"id": "backend", "slug": "backend", "archived": true, "definition": good});
    let (_server, store) = answering(200, json!([row])).await;
    let read = store.position(&position.id).await.unwrap().unwrap();
    assert!(read.archived);
}

#[tokio::test]
async fn rows_that_do_not_parse_are_corrupt() {
    let mut row = serde_json::to_value(booking("Corrupt Row")).unwrap();
    row["status"] = json!("archived");
    row["scheduled_at"] = json!("2030-03-15T15:09:26.535897+00:00");
    row["created_at"] = json!("2030-03-14T15:09:26.535897+00:00");
    row["time_zone"] = json!("Asia/Kolkata");
    let (_server, store) = answering(200, json!([row])).await;
    assert!(matches!(
        store.get(&booking("x").token).await,
        Err(StoreError::Corrupt(_))
    ));
    let row = json!({
        "token": booking("x").token.as_str(),
        "position_id": "Not A Position",
        "name": "Corrupt Row",
        "email": "corrupt@example.com",
        "phone": "+15551234567",
        "scheduled_at": "2030-03-15T15:09:26.535897+00:00",
        "time_zone": null,
        "resume_text": null,
        "resume_url": null,
        "status": "scheduled",
        "evaluation_status": "pending",
        "evaluation_reason": null,
        "created_at": "2030-03-14T15:09:26.535897+00:00",
    });
    let (_server, store) = answering(200, json!([row])).await;
    match store.get(&booking("x").token).await {
        Err(StoreError::Corrupt(message)) => assert!(message.contains("position_id"), "{message}"),
        other => panic!("{other:?}"),
    }

    let (_server, store) = answering(200, json!({"not": "an array"})).await;
    assert!(matches!(
        store.get(&booking("x").token).await,
        Err(StoreError::Corrupt(_))
    ));
}

#[tokio::test]
async fn a_project_url_must_be_http() {
    let url = url::Url::parse("ftp://example.com").unwrap();
    assert!(matches!(
        SupabaseClient::new(&url, &Secret::new(KEY)),
        Err(SupabaseError::InvalidBaseUrl)
    ));
}

// ---------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------

struct FakeStorage(Arc<Mutex<HashMap<String, Bytes>>>);

fn storage_error(status_code: &str, error: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400)
        .set_body_json(json!({"statusCode": status_code, "error": error, "message": message}))
}

impl Respond for FakeStorage {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if header(request, "apikey") != Some(KEY)
            || header(request, "authorization") != Some(&format!("Bearer {KEY}"))
        {
            return storage_error("403", "Unauthorized", "invalid signature");
        }
        let Some(name) = request
            .url
            .path()
            .strip_prefix("/storage/v1/object/resumes/")
        else {
            return storage_error("404", "not_found", "Bucket not found");
        };
        let mut files = self.0.lock().unwrap();
        match request.method.as_str() {
            "POST" => {
                let known_type = [
                    "application/pdf",
                    "application/msword",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ];
                if header(request, "x-upsert") != Some("false")
                    || !header(request, "content-type").is_some_and(|t| known_type.contains(&t))
                {
                    return storage_error("400", "invalid_request", "bad upload headers");
                }
                if files.contains_key(name) {
                    return storage_error("409", "Duplicate", "The resource already exists");
                }
                files.insert(name.to_owned(), Bytes::from(request.body.clone()));
                ResponseTemplate::new(200).set_body_json(
                    json!({"Id": "6f1c1f4e-0d6b-4f0e-9f5a-3b0c8a1e2d3f", "Key": format!("resumes/{name}")}),
                )
            }
            "GET" => match files.get(name) {
                Some(bytes) => ResponseTemplate::new(200).set_body_bytes(bytes.to_vec()),
                None => storage_error("404", "not_found", "Object not found"),
            },
            "DELETE" => match files.remove(name) {
                Some(_) => ResponseTemplate::new(200)
                    .set_body_json(json!({"message": "Successfully deleted"})),
                None => storage_error("404", "not_found", "Object not found"),
            },
            _ => storage_error("400", "invalid_request", "unexpected method"),
        }
    }
}

async fn fake_storage() -> (MockServer, SupabaseResumeStore) {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/storage/v1/object/resumes/"))
        .respond_with(FakeStorage(Arc::default()))
        .mount(&server)
        .await;
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap());
    let store = SupabaseResumeStore::new(client(&server)).with_clock(Arc::new(clock));
    (server, store)
}

#[tokio::test]
async fn storage_upload_then_download_with_a_public_url() {
    let (server, store) = fake_storage().await;
    let pdf = Bytes::from_static(b"%PDF-1.7 resume");
    let stored = store.put(pdf.clone(), DocumentKind::Pdf).await.unwrap();
    assert!(stored.key.starts_with("1894698000_") && stored.key.ends_with(".pdf"));
    assert_eq!(
        stored.url,
        format!(
            "{}/storage/v1/object/public/resumes/{}",
            server.uri(),
            stored.key
        )
    );
    assert_eq!(store.get(&stored.key).await.unwrap(), Some(pdf));
    let missing = "1894698000_0123456789abcdef0123456789abcdef.pdf";
    assert_eq!(store.get(missing).await.unwrap(), None);
    for bad in ["../secret.pdf", "a/b.pdf", ""] {
        assert!(matches!(
            store.get(bad).await,
            Err(ResumeStoreError::InvalidKey)
        ));
    }
}

#[tokio::test]
async fn a_taken_name_is_never_overwritten() {
    let (server, store) = fake_storage().await;
    // The first upload is refused as a duplicate (Storage's 400 with statusCode "409").
    Mock::given(method("POST"))
        .and(path_regex("^/storage/v1/object/resumes/"))
        .respond_with(storage_error(
            "409",
            "Duplicate",
            "The resource already exists",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let stored = store
        .put(Bytes::from_static(b"%PDF-1 x"), DocumentKind::Pdf)
        .await
        .unwrap();
    let uploads: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| r.url.path().to_owned())
        .collect();
    assert_eq!(uploads.len(), 2);
    assert_ne!(uploads[0], uploads[1], "the retry must use a fresh name");
    assert!(uploads[1].ends_with(&stored.key));
}

#[tokio::test]
async fn storage_errors_are_typed() {
    let server = MockServer::start().await;
    Mock::given(path(
        "/storage/v1/object/resumes/1894698000_0123456789abcdef0123456789abcdef.pdf",
    ))
    .respond_with(storage_error(
        "403",
        "Unauthorized",
        "new row violates row-level security policy",
    ))
    .mount(&server)
    .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream connect error"))
        .mount(&server)
        .await;
    let store = SupabaseResumeStore::new(client(&server));
    let error = store
        .get("1894698000_0123456789abcdef0123456789abcdef.pdf")
        .await
        .unwrap_err();
    let ResumeStoreError::Backend(source) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(
        source.downcast_ref::<SupabaseError>(),
        Some(SupabaseError::Storage { status: 400, status_code, .. }) if status_code == "403"
    ));
    let error = store
        .put(Bytes::from_static(b"%PDF-1"), DocumentKind::Pdf)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ResumeStoreError::Unavailable(_)),
        "{error:?}"
    );
    assert_key_not_in(&format!("{error:?} {store:?}"));
}

#[tokio::test]
async fn storage_deletes_a_file_and_deleting_again_is_no_error() {
    let (_server, store) = fake_storage().await;
    let stored = store
        .put(Bytes::from_static(b"%PDF-1.7 unclaimed"), DocumentKind::Pdf)
        .await
        .unwrap();
    store.delete(&stored.key).await.unwrap();
    assert_eq!(store.get(&stored.key).await.unwrap(), None);
    store.delete(&stored.key).await.unwrap();
    assert!(matches!(
        store.delete("../secret.pdf").await,
        Err(ResumeStoreError::InvalidKey)
    ));
}
