//! `interview_api_keys` in the fake PostgREST: inserts, reads in order, and the
//! guarded PATCHes that revoke a key and record its use, with their filters
//! (`or=(...)` included) read as PostgREST reads them.

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

use super::uploads::{matches, timestamp};
use super::{Answer, as_postgrest_timestamp, bad_request, body, error, prefer, select};

const API_KEY_COLUMNS: [&str; 7] = [
    "created_at",
    "id",
    "last_used_at",
    "name",
    "revoked_at",
    "scopes",
    "secret_hash",
];

pub(super) fn respond(
    keys: &mut Vec<Value>,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    match request.method.as_str() {
        "GET" => read(keys, query),
        "POST" => insert(keys, request, query),
        "PATCH" => update(keys, request, query),
        _ => Err(bad_request("unknown method")),
    }
}

/// Splits `(a.is.null,b.lt."x,y")` into its conditions, each `column.filter`
/// with the filter's quoted value unquoted, as PostgREST parses a logical tree.
fn or_conditions(tree: &str) -> Result<Vec<(String, String)>, String> {
    let inner = tree
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or("or= needs parentheses")?;
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => current.push(chars.next().ok_or("a dangling escape")?),
            ',' if !quoted => parts.push(std::mem::take(&mut current)),
            c if !quoted && matches!(c, ':' | '(' | ')') => {
                return Err(format!("{c} must be quoted inside or="));
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err("an unclosed quote".into());
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|part| {
            let (column, filter) = part.split_once('.').ok_or("a condition needs a column")?;
            Ok((column.to_owned(), filter.to_owned()))
        })
        .collect()
}

/// Whether `row` passes every filter in the query.
fn passes(row: &Value, query: &HashMap<String, String>) -> Result<bool, ResponseTemplate> {
    let mut keep = true;
    for (column, filter) in query {
        match column.as_str() {
            "select" | "order" | "limit" => {}
            "or" => {
                let conditions = or_conditions(filter).map_err(|e| bad_request(&e))?;
                let mut any = false;
                for (column, filter) in conditions {
                    if !API_KEY_COLUMNS.contains(&column.as_str()) {
                        return Err(bad_request("filter on an unknown column"));
                    }
                    any |= matches(row, &column, &filter).map_err(|e| bad_request(&e))?;
                }
                keep &= any;
            }
            column if API_KEY_COLUMNS.contains(&column) => {
                keep &= matches(row, column, filter).map_err(|e| bad_request(&e))?;
            }
            _ => return Err(bad_request("filter on an unknown column")),
        }
    }
    Ok(keep)
}

fn read(keys: &[Value], query: &HashMap<String, String>) -> Answer {
    let mut found = Vec::new();
    for row in keys {
        if passes(row, query)? {
            found.push(row.clone());
        }
    }
    match query.get("order").map(String::as_str) {
        Some("created_at.asc,id.asc") => found.sort_by(|a, b| {
            let at = |r: &Value| timestamp(r["created_at"].as_str().unwrap_or("")).ok();
            (at(a), a["id"].as_str()).cmp(&(at(b), b["id"].as_str()))
        }),
        Some(_) => return Err(bad_request("unknown order")),
        None => {}
    }
    let body: Vec<Value> = found.iter().map(|r| select(r, query)).collect();
    Ok(ResponseTemplate::new(200).set_body_json(body))
}

fn timestamps(row: &mut Value, columns: &[&str]) -> Result<(), ResponseTemplate> {
    for column in columns {
        if !row[*column].is_null() {
            row[*column] = as_postgrest_timestamp(&row[*column]).map_err(|e| bad_request(&e))?;
        }
    }
    Ok(())
}

fn insert(keys: &mut Vec<Value>, request: &Request, query: &HashMap<String, String>) -> Answer {
    if !prefer(request).contains(&"return=representation".to_owned()) {
        return Err(bad_request("expected Prefer: return=representation"));
    }
    let mut row = body(request)?;
    let Value::Object(columns) = &row else {
        return Err(bad_request("expected one object"));
    };
    let mut names: Vec<&str> = columns.keys().map(String::as_str).collect();
    names.sort_unstable();
    if names != API_KEY_COLUMNS {
        return Err(bad_request("unexpected columns"));
    }
    if row["created_at"].is_null() {
        return Err(error(
            400,
            "23502",
            "null value in column \"created_at\" violates not-null constraint",
        ));
    }
    timestamps(&mut row, &["created_at", "last_used_at", "revoked_at"])?;
    if keys.iter().any(|r| r["id"] == row["id"]) {
        return Err(error(
            409,
            "23505",
            "duplicate key value violates unique constraint \"interview_api_keys_pkey\"",
        ));
    }
    keys.push(row.clone());
    Ok(ResponseTemplate::new(201).set_body_json(json!([select(&row, query)])))
}

fn update(keys: &mut [Value], request: &Request, query: &HashMap<String, String>) -> Answer {
    if !prefer(request).contains(&"return=representation".to_owned()) {
        return Err(bad_request("expected Prefer: return=representation"));
    }
    if !query.get("id").is_some_and(|f| f.starts_with("eq.")) {
        return Err(bad_request("PATCH needs an id filter"));
    }
    let mut patch = body(request)?;
    let Value::Object(columns) = &patch else {
        return Err(bad_request("expected one object"));
    };
    let names: Vec<&str> = columns.keys().map(String::as_str).collect();
    let column = match names.as_slice() {
        ["revoked_at"] => "revoked_at",
        ["last_used_at"] => "last_used_at",
        _ => return Err(bad_request("unexpected columns for this PATCH")),
    };
    timestamps(&mut patch, &[column])?;
    let mut updated = Vec::new();
    for row in keys.iter_mut() {
        if passes(row, query)? {
            row[column] = patch[column].clone();
            updated.push(select(row, query));
        }
    }
    Ok(ResponseTemplate::new(200).set_body_json(updated))
}
