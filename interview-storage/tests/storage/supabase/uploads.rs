//! `interview_uploads` in the fake PostgREST: the filters, bodies and `Prefer`
//! headers the store sends for uploads, checked as PostgREST would, with each
//! PATCH and DELETE applied atomically under the table lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use wiremock::Request;

use super::{Answer, as_postgrest_timestamp, bad_request, body, error, prefer, select};

const UPLOAD_COLUMNS: [&str; 7] = [
    "claimed_by",
    "extraction_error",
    "key",
    "kind",
    "resume_text",
    "uploaded_at",
    "url",
];

pub(super) fn timestamp(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| format!("{value} is not a timestamp"))
}

/// One PostgREST filter on one column, as PostgREST parses it.
pub(super) fn matches(row: &Value, column: &str, filter: &str) -> Result<bool, String> {
    let value = &row[column];
    if let Some(wanted) = filter.strip_prefix("eq.") {
        // PostgREST compares the filter's text as the column's type.
        return Ok(match value {
            Value::String(text) => text == wanted,
            Value::Number(number) => number.to_string() == wanted,
            Value::Bool(flag) => flag.to_string() == wanted,
            _ => false,
        });
    }
    if let Some(list) = filter
        .strip_prefix("in.(")
        .and_then(|l| l.strip_suffix(')'))
    {
        let values = list
            .split(',')
            .map(|v| {
                v.strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .ok_or("in. values must be quoted")
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(values.iter().any(|v| value == &json!(v)));
    }
    if let Some(at) = filter.strip_prefix("lt.") {
        let at = timestamp(at)?;
        // NULL < anything is not true.
        let Some(stored) = value.as_str() else {
            return Ok(false);
        };
        return Ok(timestamp(stored)? < at);
    }
    if let Some(at) = filter.strip_prefix("gte.") {
        let at = timestamp(at)?;
        let Some(stored) = value.as_str() else {
            return Ok(false);
        };
        return Ok(timestamp(stored)? >= at);
    }
    match filter {
        "is.null" => Ok(value.is_null()),
        "not.is.null" => Ok(!value.is_null()),
        "is.true" => Ok(value == &json!(true)),
        "is.false" => Ok(value == &json!(false)),
        other => Err(format!("unknown filter {other}")),
    }
}

/// The rows every filter in the query (other than select, order, limit) lets
/// through; a filter on an unknown column is refused.
fn filtered<'r>(
    rows: &'r mut [Value],
    query: &HashMap<String, String>,
) -> Result<Vec<&'r mut Value>, ResponseError> {
    let filters: Vec<(&String, &String)> = query
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "select" | "order" | "limit"))
        .collect();
    for (column, _) in &filters {
        if !UPLOAD_COLUMNS.contains(&column.as_str()) && column.as_str() != "retired" {
            return Err(bad_request("filter on an unknown column"));
        }
    }
    let mut found = Vec::new();
    for row in rows.iter_mut() {
        let mut keep = true;
        for (column, filter) in &filters {
            keep &= matches(row, column, filter).map_err(|e| bad_request(&e))?;
        }
        if keep {
            found.push(row);
        }
    }
    Ok(found)
}

type ResponseError = wiremock::ResponseTemplate;

pub(super) fn respond(
    uploads: &mut Vec<Value>,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    match request.method.as_str() {
        "GET" => read(uploads, query),
        "POST" => insert(uploads, request),
        "PATCH" => update(uploads, request, query),
        "DELETE" => delete(uploads, request, query),
        _ => Err(bad_request("unknown method")),
    }
}

fn read(uploads: &mut [Value], query: &HashMap<String, String>) -> Answer {
    let mut found: Vec<Value> = filtered(uploads, query)?
        .into_iter()
        .map(|r| r.clone())
        .collect();
    match query.get("order").map(String::as_str) {
        Some("uploaded_at.asc,key.asc") => found.sort_by(|a, b| {
            let at = |r: &Value| timestamp(r["uploaded_at"].as_str().unwrap_or("")).ok();
            (at(a), a["key"].as_str()).cmp(&(at(b), b["key"].as_str()))
        }),
        Some(_) => return Err(bad_request("unknown order")),
        None => {}
    }
    if let Some(limit) = query.get("limit") {
        found.truncate(limit.parse().map_err(|_| bad_request("bad limit"))?);
    }
    let body: Vec<Value> = found.iter().map(|r| select(r, query)).collect();
    Ok(wiremock::ResponseTemplate::new(200).set_body_json(body))
}

fn insert(uploads: &mut Vec<Value>, request: &Request) -> Answer {
    if !prefer(request).contains(&"return=minimal".to_owned()) {
        return Err(bad_request("expected Prefer: return=minimal"));
    }
    let Value::Object(mut row) = body(request)? else {
        return Err(bad_request("expected one object"));
    };
    let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != UPLOAD_COLUMNS {
        return Err(bad_request("unexpected columns"));
    }
    row["uploaded_at"] =
        as_postgrest_timestamp(&row["uploaded_at"]).map_err(|e| bad_request(&e))?;
    row.insert("retired".into(), json!(false));
    let row = Value::Object(row);
    let taken = |r: &Value| {
        r["key"] == row["key"]
            || (!row["claimed_by"].is_null() && r["claimed_by"] == row["claimed_by"])
    };
    if uploads.iter().any(taken) {
        return Err(error(
            409,
            "23505",
            "duplicate key value violates unique constraint \"interview_uploads_pkey\"",
        ));
    }
    uploads.push(row);
    Ok(wiremock::ResponseTemplate::new(201))
}

fn update(uploads: &mut [Value], request: &Request, query: &HashMap<String, String>) -> Answer {
    if !prefer(request).contains(&"return=representation".to_owned()) {
        return Err(bad_request("expected Prefer: return=representation"));
    }
    if !query.contains_key("key") {
        return Err(bad_request("PATCH needs a key filter"));
    }
    let Value::Object(patch) = body(request)? else {
        return Err(bad_request("expected one object"));
    };
    let keys: Vec<&str> = patch.keys().map(String::as_str).collect();
    match keys.as_slice() {
        ["claimed_by"] if patch["claimed_by"].is_string() || patch["claimed_by"].is_null() => {}
        ["retired"] if patch["retired"].is_boolean() => {}
        _ => return Err(bad_request("unexpected columns for this PATCH")),
    }
    let claimed_by = patch.get("claimed_by").filter(|v| !v.is_null()).cloned();
    if let Some(token) = &claimed_by {
        let holders = uploads.iter().filter(|r| &r["claimed_by"] == token).count();
        if holders > 0 {
            return Err(error(
                409,
                "23505",
                "duplicate key value violates unique constraint \"interview_uploads_claimed_by_key\"",
            ));
        }
    }
    let mut updated = Vec::new();
    for row in filtered(uploads, query)? {
        for (column, value) in &patch {
            row[column] = value.clone();
        }
        updated.push(select(row, query));
    }
    Ok(wiremock::ResponseTemplate::new(200).set_body_json(updated))
}

fn delete(uploads: &mut Vec<Value>, request: &Request, query: &HashMap<String, String>) -> Answer {
    if !prefer(request).contains(&"return=representation".to_owned()) {
        return Err(bad_request("expected Prefer: return=representation"));
    }
    if !query.contains_key("key") {
        return Err(bad_request("DELETE needs a key filter"));
    }
    let doomed: Vec<Value> = filtered(uploads, query)?
        .into_iter()
        .map(|r| r.clone())
        .collect();
    uploads.retain(|r| !doomed.contains(r));
    let body: Vec<Value> = doomed.iter().map(|r| select(r, query)).collect();
    Ok(wiremock::ResponseTemplate::new(200).set_body_json(body))
}
