//! OpenAI structured output: the `json_schema` response format, and what happens
//! with servers that refuse it or ignore it.

use interview_core::engine::{
    ChatMessage, ChatRequest, JsonSchemaFormat, LlmEngine, LlmError, VendorErrorKind,
};
use interview_voice::providers::openai::{OpenAi, OpenAiLlm};
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

use crate::support::{KEY, Logs, fast_retry};

fn llm(uri: &str) -> OpenAiLlm {
    OpenAi::new(KEY)
        .with_base_url(Url::parse(&format!("{uri}/v1")).unwrap())
        .with_retry(fast_retry())
        .llm()
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {"verdict": {"type": ["string", "null"]}},
        "required": ["verdict"],
        "additionalProperties": false
    })
}

fn structured() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::user("Judge.")],
        response_format: Some(JsonSchemaFormat {
            name: "verdict".to_owned(),
            schema: schema(),
        }),
        ..ChatRequest::default()
    }
}

/// A chat stream whose answer is `text`, in one piece, as OpenAI sends it.
fn stream_of(text: &str) -> String {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1_700_000_000,
               "model": "gpt-4o-mini",
               "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]})
    };
    format!(
        "data: {}\n\ndata: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
        chunk(json!({"role": "assistant", "content": ""}), Value::Null),
        chunk(json!({"content": text}), Value::Null),
        chunk(json!({}), json!("stop")),
    )
}

fn answer(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(stream_of(text), "text/event-stream")
}

/// Answers `times` requests with `response`: those with a `response_format`
/// (`Some(true)`), those without (`Some(false)`), or any (`None`).
async fn serve(server: &MockServer, format: Option<bool>, response: ResponseTemplate, times: u64) {
    let mock = Mock::given(method("POST"));
    let mock = match format {
        Some(has) => mock.and(HasResponseFormat(has)),
        None => mock,
    };
    mock.respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

/// OpenAI's answer to a request whose `response_format` it does not support.
fn refused(message: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({"error": {
        "message": message, "type": "invalid_request_error",
        "param": "response_format", "code": null
    }}))
}

/// Requests whose JSON body has (or has not) a `response_format`.
struct HasResponseFormat(bool);

impl Match for HasResponseFormat {
    fn matches(&self, request: &Request) -> bool {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        body.get("response_format").is_some() == self.0
    }
}

async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

fn bad_request(error: &LlmError) -> Option<u16> {
    match error {
        LlmError::Vendor(e) => match e.kind {
            VendorErrorKind::BadRequest { status } => Some(status),
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test]
async fn the_schema_goes_out_as_a_strict_json_schema_response_format() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_partial_json(json!({
            "stream": true,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "verdict", "schema": schema(), "strict": true}
            }
        })))
        .respond_with(answer(r#"{"verdict":"fine"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let llm = llm(&server.uri());
    assert_eq!(
        llm.complete(structured()).await.unwrap(),
        r#"{"verdict":"fine"}"#
    );
    assert!(llm.sends_structured_output());

    // A request without a schema carries no response format at all.
    let plain = MockServer::start().await;
    serve(&plain, Some(false), answer("Hello."), 1).await;
    let request = ChatRequest {
        response_format: None,
        ..structured()
    };
    assert_eq!(
        self::llm(&plain.uri()).complete(request).await.unwrap(),
        "Hello."
    );
}

#[tokio::test]
async fn a_server_that_refuses_the_format_gets_one_retry_without_it_and_none_later() {
    let logs = Logs::capture();
    let server = MockServer::start().await;
    let refusal = "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.";
    serve(&server, Some(true), refused(refusal), 1).await;
    serve(&server, Some(false), answer(r#"{"verdict":"fine"}"#), 2).await;
    let llm = llm(&server.uri());
    assert_eq!(
        llm.complete(structured()).await.unwrap(),
        r#"{"verdict":"fine"}"#
    );
    assert!(!llm.sends_structured_output());
    // Later calls, also through a clone, go without it at once.
    assert_eq!(
        llm.clone().complete(structured()).await.unwrap(),
        r#"{"verdict":"fine"}"#
    );
    let sent = bodies(&server).await;
    assert_eq!(sent.len(), 3);
    // The retry is the same request, less the format.
    let mut first = sent[0].clone();
    first.as_object_mut().unwrap().remove("response_format");
    assert_eq!(first, sent[1]);
    assert!(sent[2].get("response_format").is_none());
    let logged = logs.text();
    assert!(logged.contains("refused the response format"), "{logged}");
    assert!(!logged.contains(KEY));
}

#[tokio::test]
async fn a_validator_that_names_the_field_in_a_422_counts_as_a_refusal() {
    // Request validators of some compatible servers answer with their own shape.
    let server = MockServer::start().await;
    serve(
        &server,
        Some(true),
        ResponseTemplate::new(422).set_body_json(json!({"detail": [{
            "type": "literal_error", "loc": ["body", "response_format", "type"],
            "msg": "Input should be 'text' or 'json_object'", "input": "json_schema"
        }]})),
        1,
    )
    .await;
    serve(&server, Some(false), answer("{}"), 1).await;
    assert_eq!(
        llm(&server.uri()).complete(structured()).await.unwrap(),
        "{}"
    );
}

#[tokio::test]
async fn other_bad_requests_are_not_retried_and_keep_the_format() {
    let server = MockServer::start().await;
    serve(
        &server,
        None,
        ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "This model's maximum context length is 128000 tokens.",
            "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"
        }})),
        1,
    )
    .await;
    let llm = llm(&server.uri());
    let error = llm.complete(structured()).await.unwrap_err();
    assert_eq!(bad_request(&error), Some(400));
    assert!(llm.sends_structured_output());

    // A refusal of a request that carried no format is not about the format.
    let plain = MockServer::start().await;
    serve(&plain, None, refused("response_format is not supported"), 1).await;
    let error = self::llm(&plain.uri())
        .complete(ChatRequest {
            response_format: None,
            ..structured()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&error), Some(400));
}

#[tokio::test]
async fn a_server_that_ignores_the_format_still_answers() {
    // Some compatible servers accept the field and answer free text anyway; the
    // engine passes that on (the caller validates), and keeps sending the format.
    let server = MockServer::start().await;
    serve(
        &server,
        Some(true),
        answer("Sure! ```json\n{\"verdict\": \"fine\"}\n```"),
        2,
    )
    .await;
    let llm = llm(&server.uri());
    for _ in 0..2 {
        assert_eq!(
            llm.complete(structured()).await.unwrap(),
            "Sure! ```json\n{\"verdict\": \"fine\"}\n```"
        );
    }
    assert!(llm.sends_structured_output());
}

#[tokio::test]
async fn structured_output_can_be_turned_off_and_is_per_model() {
    let server = MockServer::start().await;
    serve(&server, Some(false), answer("{}"), 1).await;
    let off = llm(&server.uri()).without_structured_output();
    assert_eq!(off.complete(structured()).await.unwrap(), "{}");
    // Another model may support it: choosing one starts afresh.
    assert!(off.with_model("gpt-4o").sends_structured_output());
}

mod evaluation {
    //! The evaluation through the OpenAI engine: the schema goes out as the
    //! response format, and the answer is validated whatever the server did.

    use chrono::{TimeZone, Utc};
    use interview_core::interview::{
        EvaluationRules, Persona, Speaker, TranscriptEntry, evaluate, evaluation_request,
        evaluation_response_format,
    };

    use super::*;

    fn transcript() -> Vec<TranscriptEntry> {
        let at = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
        let line = |speaker, text: &str| TranscriptEntry {
            speaker,
            text: text.to_owned(),
            at,
        };
        vec![
            line(Speaker::Interviewer, "What did you build last?"),
            line(
                Speaker::Candidate,
                "I built a payment ledger in Rust that handles two thousand transactions a second.",
            ),
            line(
                Speaker::Candidate,
                "I paired with the support team every week to learn what broke.",
            ),
        ]
    }

    fn rules() -> EvaluationRules {
        EvaluationRules::new(["technical depth", "collaboration"])
    }

    fn answer(collaboration_quote: &str) -> String {
        json!({
            "competencies": [
                {"competency": "technical depth", "score": 4,
                 "evidence": ["a payment ledger in Rust that handles"], "not_assessed_reason": null},
                {"competency": "collaboration", "score": 3,
                 "evidence": [collaboration_quote], "not_assessed_reason": null}
            ],
            "strengths": ["concrete"], "concerns": [],
            "recommendation": "hire", "summary": "Built real systems."
        })
        .to_string()
    }

    async fn run(llm: &OpenAiLlm) -> interview_core::interview::Evaluation {
        let request = evaluation_request(&Persona::default(), &transcript(), None, &rules());
        let now = Utc.with_ymd_and_hms(2030, 1, 15, 10, 0, 0).unwrap();
        evaluate(llm, request, &rules(), &transcript(), now)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_evaluation_schema_is_sent_and_the_answer_accepted() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(body_partial_json(json!({
                "temperature": 0.0,
                "response_format": {"type": "json_schema", "json_schema": {
                    "name": "interview_evaluation",
                    "schema": evaluation_response_format().schema,
                    "strict": true
                }}
            })))
            .respond_with(super::answer(&answer(
                "I paired with the support team every week",
            )))
            .expect(1)
            .mount(&server)
            .await;
        let evaluation = run(&llm(&server.uri())).await;
        assert_eq!(evaluation.competencies.len(), 2);
        assert_eq!(evaluation.competencies[1].score.get(), 3);
    }

    #[tokio::test]
    async fn a_server_without_structured_output_still_evaluates() {
        let server = MockServer::start().await;
        let refusal = "response_format of type json_schema is not supported by this server";
        serve(&server, Some(true), refused(refusal), 1).await;
        serve(
            &server,
            Some(false),
            super::answer(&format!(
                "Here is my assessment:\n{}",
                answer("I paired with the support team every week")
            )),
            1,
        )
        .await;
        let evaluation = run(&llm(&server.uri())).await;
        assert_eq!(evaluation.competencies.len(), 2);
    }

    #[tokio::test]
    async fn a_schema_conforming_answer_is_still_validated() {
        // The schema cannot say "quote the transcript": an answer that matches it
        // but reuses a quote goes through the repair round like any other.
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(super::answer(&answer(
                "a payment ledger in Rust that handles",
            )))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        serve(
            &server,
            None,
            super::answer(&answer("I paired with the support team every week")),
            1,
        )
        .await;
        let evaluation = run(&llm(&server.uri())).await;
        assert_eq!(evaluation.competencies.len(), 2);
        let sent = bodies(&server).await;
        assert_eq!(sent.len(), 2);
        // The repair round keeps the response format and names the fault.
        assert!(sent[1].get("response_format").is_some());
        let messages = sent[1]["messages"].as_array().unwrap();
        let last = messages.last().unwrap()["content"].as_str().unwrap();
        assert!(
            last.contains("repeats evidence given for \"technical depth\""),
            "{last}"
        );
    }
}
