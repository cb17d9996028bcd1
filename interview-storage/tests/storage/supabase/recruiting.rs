//! The SQL functions docs/supabase.sql defines for the recruiter, as the fake
//! PostgREST runs them: `interview_list_interviews` and `interview_erase`,
//! called with named arguments (PostgREST finds a function by its argument
//! names, so any other set of names is a 404), each under the tables' lock as
//! the function runs in one transaction.

use std::cmp::Reverse;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use wiremock::{Request, ResponseTemplate};

use super::uploads::timestamp;
use super::{Answer, Tables, as_postgrest_timestamp, bad_request, body};

const LIST_ARGUMENTS: [&str; 9] = [
    "p_after_at",
    "p_after_token",
    "p_before",
    "p_erased",
    "p_from",
    "p_limit",
    "p_position",
    "p_status",
    "p_text",
];

/// The columns `interview_list_interviews` returns.
const LISTING_COLUMNS: [&str; 14] = [
    "token",
    "position_id",
    "name",
    "email",
    "phone",
    "scheduled_at",
    "time_zone",
    "resume_url",
    "status",
    "evaluation_status",
    "evaluation_reason",
    "created_at",
    "reschedules",
    "erased_at",
];

/// The named arguments of a call, refused as PostgREST refuses a call that
/// names no function it knows.
fn arguments(request: &Request, names: &[&str]) -> Result<Map<String, Value>, ResponseTemplate> {
    let Value::Object(arguments) = body(request)? else {
        return Err(bad_request("an RPC takes a JSON object of arguments"));
    };
    let mut given: Vec<&str> = arguments.keys().map(String::as_str).collect();
    given.sort_unstable();
    let mut wanted = names.to_vec();
    wanted.sort_unstable();
    if given != wanted {
        return Err(ResponseTemplate::new(404).set_body_json(json!({
            "code": "PGRST202",
            "details": "Searched for the function with the given parameter names",
            "hint": null,
            "message": "Could not find the function in the schema cache",
        })));
    }
    Ok(arguments)
}

fn time(value: &Value) -> Result<Option<DateTime<Utc>>, ResponseTemplate> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => timestamp(text).map(Some).map_err(|e| bad_request(&e)),
        _ => Err(bad_request("a timestamptz argument must be a string")),
    }
}

fn stored_time(row: &Value, column: &str) -> Option<DateTime<Utc>> {
    row[column].as_str().and_then(|text| timestamp(text).ok())
}

fn text(value: &Value) -> Result<Option<&str>, ResponseTemplate> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text)),
        _ => Err(bad_request("a text argument must be a string")),
    }
}

/// `strpos(lower(column), lower(needle)) > 0`.
fn contains(row: &Value, column: &str, needle: &str) -> bool {
    row[column]
        .as_str()
        .is_some_and(|value| value.to_lowercase().contains(&needle.to_lowercase()))
}

pub(super) fn list(tables: &Tables, request: &Request) -> Answer {
    let args = arguments(request, &LIST_ARGUMENTS)?;
    let status = text(&args["p_status"])?;
    let erased = match &args["p_erased"] {
        Value::Null => None,
        Value::Bool(flag) => Some(*flag),
        _ => return Err(bad_request("p_erased must be a boolean")),
    };
    let position = text(&args["p_position"])?;
    let from = time(&args["p_from"])?;
    let before = time(&args["p_before"])?;
    let needle = text(&args["p_text"])?;
    let after_at = time(&args["p_after_at"])?;
    let after_token = text(&args["p_after_token"])?;
    let limit = args["p_limit"]
        .as_u64()
        .ok_or_else(|| bad_request("p_limit must be a count"))?;
    let mut found: Vec<&Value> = tables
        .bookings
        .iter()
        .filter(|row| {
            let at = stored_time(row, "scheduled_at");
            let is_erased = !row["erased_at"].is_null();
            erased.is_none_or(|wanted| is_erased == wanted)
                && status.is_none_or(|s| row["status"] == json!(s))
                && position.is_none_or(|p| row["position_id"] == json!(p))
                && from.is_none_or(|from| at.is_some_and(|at| at >= from))
                && before.is_none_or(|before| at.is_some_and(|at| at < before))
                && needle.is_none_or(|needle| {
                    !is_erased && (contains(row, "name", needle) || contains(row, "email", needle))
                })
                && after_at.is_none_or(|after_at| {
                    (at, row["token"].as_str()) < (Some(after_at), after_token)
                })
        })
        .collect();
    found.sort_by_key(|row| {
        Reverse((
            stored_time(row, "scheduled_at"),
            row["token"].as_str().map(str::to_owned),
        ))
    });
    found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let rows: Vec<Value> = found
        .into_iter()
        .map(|row| {
            Value::Object(
                LISTING_COLUMNS
                    .iter()
                    .map(|c| ((*c).to_owned(), row[*c].clone()))
                    .collect(),
            )
        })
        .collect();
    Ok(ResponseTemplate::new(200).set_body_json(rows))
}

fn tombstone(row: &Value) -> Value {
    json!({
        "token": row["token"],
        "position_id": row["position_id"],
        "scheduled_at": row["scheduled_at"],
        "created_at": row["created_at"],
        "erased_at": row["erased_at"],
    })
}

pub(super) fn erase(tables: &mut Tables, request: &Request) -> Answer {
    let args = arguments(request, &["p_at", "p_token"])?;
    let token = text(&args["p_token"])?.ok_or_else(|| bad_request("p_token is required"))?;
    let at = as_postgrest_timestamp(&args["p_at"]).map_err(|e| bad_request(&e))?;
    let Some(row) = tables
        .bookings
        .iter_mut()
        .find(|r| r["token"] == json!(token))
    else {
        return Ok(ResponseTemplate::new(200).set_body_json(json!({"outcome": "not_found"})));
    };
    if !row["erased_at"].is_null() {
        return Ok(ResponseTemplate::new(200)
            .set_body_json(json!({"outcome": "already_erased", "tombstone": tombstone(row)})));
    }
    if row["status"] == json!("in_progress") {
        return Ok(ResponseTemplate::new(200).set_body_json(json!({"outcome": "in_progress"})));
    }
    for column in ["name", "email", "phone"] {
        row[column] = json!("");
    }
    for column in [
        "time_zone",
        "resume_text",
        "resume_url",
        "evaluation_reason",
        "live_holder",
        "live_until",
    ] {
        row[column] = Value::Null;
    }
    row["evaluation_status"] = json!("pending");
    row["erased_at"] = at;
    let tombstone = tombstone(row);
    tables.transcripts.retain(|r| r["token"] != json!(token));
    tables.evaluations.retain(|r| r["token"] != json!(token));
    tables.recordings.retain(|r| r["token"] != json!(token));
    let mut upload_keys = Vec::new();
    for upload in tables
        .uploads
        .iter_mut()
        .filter(|u| u["claimed_by"] == json!(token))
    {
        upload["claimed_by"] = Value::Null;
        upload["resume_text"] = Value::Null;
        upload["retired"] = json!(true);
        upload_keys.push(upload["key"].clone());
    }
    Ok(ResponseTemplate::new(200).set_body_json(json!({
        "outcome": "erased",
        "tombstone": tombstone,
        "upload_keys": upload_keys,
    })))
}

// ---------------------------------------------------------------------------
// What the store sends for the recruiter
// ---------------------------------------------------------------------------

mod calls {
    use interview_core::store::{BookingStore, Erasure, InterviewQuery, StoreError};
    use interview_core::{Booking, EmailAddress};
    use interview_storage::supabase::SupabaseBookingStore;
    use serde_json::{Value, json};

    use crate::conformance::{at, booking};
    use crate::supabase::{answering, client, fake_postgrest};

    #[tokio::test]
    async fn an_erasure_is_one_call_of_interview_erase() {
        let server = fake_postgrest().await;
        let store = SupabaseBookingStore::new(client(&server));
        let doomed = booking("Ann Lee");
        store.create(&doomed).await.unwrap();
        let before = server.received_requests().await.unwrap().len();

        let erasure = store.erase(&doomed.token, at(60)).await.unwrap();
        assert!(matches!(erasure, Erasure::Erased { .. }), "{erasure:?}");

        let requests = server.received_requests().await.unwrap();
        let calls: Vec<(String, String)> = requests[before..]
            .iter()
            .map(|r| (r.method.to_string(), r.url.path().to_owned()))
            .collect();
        assert_eq!(
            calls,
            vec![("POST".to_owned(), "/rest/v1/rpc/interview_erase".to_owned())],
            "one transaction in the database, not a request per table"
        );
        let arguments: Value = serde_json::from_slice(&requests[before].body).unwrap();
        assert_eq!(
            arguments,
            json!({
                "p_token": doomed.token.as_str(),
                "p_at": at(60).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            })
        );
    }

    #[tokio::test]
    async fn an_erasure_answer_of_another_shape_is_corrupt() {
        for body in [
            json!({"outcome": "vanished"}),
            json!({"outcome": "erased"}),
            json!({"outcome": "already_erased", "tombstone": {"token": "not a token"}}),
            json!([]),
        ] {
            let (_server, store) = answering(200, body.clone()).await;
            let result = store.erase(&booking("Ann Lee").token, at(0)).await;
            assert!(
                matches!(result, Err(StoreError::Corrupt(_))),
                "{body}: {result:?}"
            );
        }
    }

    #[tokio::test]
    async fn free_text_reaches_the_listing_as_it_was_typed() {
        // PostgREST's `ilike` reads every `*` as a wildcard; the listing's
        // argument is plain text, searched with strpos.
        let server = fake_postgrest().await;
        let store = SupabaseBookingStore::new(client(&server));
        let starred = Booking {
            email: EmailAddress::parse("kim*x@example.net").unwrap(),
            ..booking("Kim Lee")
        };
        let plain = Booking {
            email: EmailAddress::parse("kimax@example.net").unwrap(),
            ..booking("Kim Lee")
        };
        store.create(&starred).await.unwrap();
        store.create(&plain).await.unwrap();
        let page = store
            .list_interviews(&InterviewQuery {
                text: Some("KIM*X".into()),
                ..InterviewQuery::default()
            })
            .await
            .unwrap();
        let tokens: Vec<_> = page.interviews.iter().map(|i| i.token().clone()).collect();
        assert_eq!(tokens, vec![starred.token.clone()]);

        let requests = server.received_requests().await.unwrap();
        let call = requests
            .iter()
            .find(|r| r.url.path() == "/rest/v1/rpc/interview_list_interviews")
            .unwrap();
        let arguments: Value = serde_json::from_slice(&call.body).unwrap();
        assert_eq!(arguments["p_text"], "KIM*X");
        assert_eq!(arguments["p_limit"], 51, "one more than the page");
    }
}
