//! `interview_positions` in the fake PostgREST: the upsert, filters and order the
//! store sends, checked as PostgREST and the table (`slug` unique, `title` and `id`
//! in byte order, `COLLATE "C"`) would answer them.

use std::collections::HashMap;

use serde_json::{Value, json};
use wiremock::Request;

use super::{Answer, as_postgrest_timestamp, bad_request, body, error, prefer, select};

const POSITION_COLUMNS: [&str; 6] = [
    "archived",
    "definition",
    "id",
    "slug",
    "title",
    "updated_at",
];

pub(super) fn respond(
    rows: &mut Vec<Value>,
    request: &Request,
    query: &HashMap<String, String>,
) -> Answer {
    match request.method.as_str() {
        "GET" => read(rows, query),
        "POST" => upsert(rows, request, query),
        _ => Err(bad_request("unknown method for interview_positions")),
    }
}

fn read(rows: &[Value], query: &HashMap<String, String>) -> Answer {
    let mut found: Vec<&Value> = rows.iter().collect();
    for (column, filter) in query {
        match column.as_str() {
            "select" => {}
            "id" | "slug" => {
                let wanted = filter
                    .strip_prefix("eq.")
                    .ok_or_else(|| bad_request("only eq. filters"))?;
                found.retain(|row| row[column.as_str()] == json!(wanted));
            }
            "order" if filter == "title.asc,id.asc" => {
                // COLLATE "C": byte order.
                found.sort_by(|a, b| {
                    let key = |r: &Value| {
                        (
                            r["title"].as_str().unwrap_or_default().to_owned(),
                            r["id"].as_str().unwrap_or_default().to_owned(),
                        )
                    };
                    key(a).cmp(&key(b))
                });
            }
            _ => {
                return Err(bad_request(
                    "unknown filter or order on interview_positions",
                ));
            }
        }
    }
    let body: Vec<Value> = found.into_iter().map(|r| select(r, query)).collect();
    Ok(wiremock::ResponseTemplate::new(200).set_body_json(body))
}

fn upsert(rows: &mut Vec<Value>, request: &Request, query: &HashMap<String, String>) -> Answer {
    let prefer = prefer(request);
    if !prefer.contains(&"resolution=merge-duplicates".to_owned())
        || !prefer.contains(&"return=representation".to_owned())
        || query.get("on_conflict").map(String::as_str) != Some("id")
    {
        return Err(bad_request(
            "an upsert needs merge-duplicates, return=representation and on_conflict=id",
        ));
    }
    let Value::Object(mut row) = body(request)? else {
        return Err(bad_request("expected one object"));
    };
    let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != POSITION_COLUMNS {
        return Err(bad_request("unexpected columns"));
    }
    if !row["definition"].is_object() || !row["archived"].is_boolean() {
        return Err(bad_request(
            "definition must be an object, archived a boolean",
        ));
    }
    row["updated_at"] = as_postgrest_timestamp(&row["updated_at"]).map_err(|e| bad_request(&e))?;
    let row = Value::Object(row);
    if rows
        .iter()
        .any(|r| r["slug"] == row["slug"] && r["id"] != row["id"])
    {
        return Err(error(
            409,
            "23505",
            "duplicate key value violates unique constraint \"interview_positions_slug_key\"",
        ));
    }
    rows.retain(|r| r["id"] != row["id"]);
    rows.push(row.clone());
    Ok(wiremock::ResponseTemplate::new(201).set_body_json(json!([select(&row, query)])))
}
