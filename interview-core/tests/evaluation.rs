//! The evaluation through a model stand-in: every kind of faulty answer, what the
//! repair round tells the model, and what `evaluate` returns.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, TimeZone, Utc};
use interview_core::engine::ChatRequest;
use interview_core::interview::{
    EvaluateError, Evaluation, EvaluationFault, EvaluationRules, NotAssessed, Persona,
    Recommendation, Speaker, TranscriptEntry, evaluate, evaluation_request,
};
use interview_core::testing::ScriptedLlm;
use serde_json::{Value, json};

const COMMUNICATION_QUOTE: &str = "I explained the plan to every team";
const DEPTH_QUOTE: &str = "orchestrated the migration of our payment services to Kubernetes";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 15, 10, 0, 0).unwrap()
}

fn competencies() -> [String; 2] {
    ["communication".to_owned(), "technical depth".to_owned()]
}

fn rules() -> EvaluationRules {
    EvaluationRules::new(competencies())
}

fn line(speaker: Speaker, text: &str) -> TranscriptEntry {
    TranscriptEntry {
        speaker,
        text: text.to_owned(),
        at: now(),
    }
}

fn transcript() -> Vec<TranscriptEntry> {
    vec![
        line(
            Speaker::Interviewer,
            "Tell me about a project you are proud of.",
        ),
        line(
            Speaker::Candidate,
            "I orchestrated the migration of our payment services to Kubernetes last spring.",
        ),
        line(
            Speaker::Interviewer,
            "How did you keep the other teams informed along the way?",
        ),
        line(
            Speaker::Candidate,
            "I explained the plan to every team before we started, and wrote weekly notes.",
        ),
    ]
}

/// A valid answer, as a JSON value to edit.
fn valid() -> Value {
    json!({
        "competencies": [
            {"competency": "communication", "score": 4,
             "evidence": [COMMUNICATION_QUOTE], "not_assessed_reason": null},
            {"competency": "technical depth", "score": 3,
             "evidence": [DEPTH_QUOTE], "not_assessed_reason": null}
        ],
        "strengths": ["clear"],
        "concerns": ["little testing"],
        "recommendation": "hire",
        "summary": "A solid candidate."
    })
}

/// The valid answer after `edit`, as the model would write it.
fn edited(edit: impl FnOnce(&mut Value)) -> String {
    let mut answer = valid();
    edit(&mut answer);
    answer.to_string()
}

/// What `evaluate` made of the model's `replies`, and the requests it sent.
async fn run<S: Into<String>>(
    replies: impl IntoIterator<Item = S>,
) -> (Result<Evaluation, EvaluateError>, Vec<ChatRequest>) {
    run_with(&rules(), &transcript(), replies).await
}

async fn run_with<S: Into<String>>(
    rules: &EvaluationRules,
    transcript: &[TranscriptEntry],
    replies: impl IntoIterator<Item = S>,
) -> (Result<Evaluation, EvaluateError>, Vec<ChatRequest>) {
    let llm = ScriptedLlm::new(replies);
    let request = evaluation_request(&Persona::default(), transcript, None, rules);
    let result = evaluate(&llm, request, rules, transcript, now()).await;
    (result, llm.requests())
}

/// The fault list shown to the model in the repair round.
fn repair_text(requests: &[ChatRequest]) -> String {
    assert_eq!(requests.len(), 2, "one answer and one repair");
    requests[1].messages.last().unwrap().content.clone()
}

/// A faulty first answer is shown every fault, and a corrected second answer is
/// accepted. Returns the repair round's text.
async fn refused_then_repaired(faulty: String) -> String {
    let (result, requests) = run([faulty, valid().to_string()]).await;
    let evaluation = result.unwrap();
    assert_eq!(evaluation.competencies.len(), 2);
    repair_text(&requests)
}

/// Both answers faulty: the faults of the second.
async fn refused_twice(faulty: String) -> Vec<EvaluationFault> {
    let (result, _) = run([faulty.clone(), faulty.clone()]).await;
    match result {
        Err(EvaluateError::Invalid {
            faults,
            attempts,
            answer_chars,
        }) => {
            assert_eq!(attempts, 2);
            assert_eq!(answer_chars, faulty.chars().count());
            faults
        }
        other => panic!("expected an invalid evaluation, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_answer_in_prose_and_a_code_fence_is_accepted_at_once() {
    let answer = format!(
        "Here is the evaluation:\n```json\n{:#}\n```\nThanks!",
        valid()
    );
    let (result, requests) = run([answer]).await;
    let evaluation = result.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(evaluation.competencies[0].competency, "communication");
    assert_eq!(evaluation.competencies[0].score.get(), 4);
    assert_eq!(evaluation.competencies[0].evidence, [COMMUNICATION_QUOTE]);
    assert_eq!(evaluation.competencies[1].score.get(), 3);
    assert_eq!(evaluation.recommendation, Recommendation::Hire);
    assert_eq!(evaluation.summary, "A solid candidate.");
    assert_eq!(evaluation.created_at, now());
}

/// A faulty score is reported with its JSON value as written, in the repair round
/// and in the error when the repair fails too.
async fn assert_score_reported(competency: usize, score: Value, written: &str) {
    let faulty = edited(|a| a["competencies"][competency]["score"] = score);
    let name = competencies()[competency].clone();
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(
        text.contains(&format!("the score of \"{name}\" is {written};")),
        "{text}"
    );
    assert_eq!(
        refused_twice(faulty).await,
        [EvaluationFault::InvalidScore {
            competency: name,
            value: written.into()
        }]
    );
}

#[tokio::test]
async fn a_fractional_score_is_reported_with_its_real_value() {
    assert_score_reported(0, json!(3.5), "3.5").await;
}

#[tokio::test]
async fn a_score_in_words_is_reported_as_written() {
    assert_score_reported(0, json!("five"), "\"five\"").await;
}

#[tokio::test]
async fn a_score_out_of_range_is_reported() {
    assert_score_reported(1, json!(7), "7").await;
    assert_score_reported(1, json!(0), "0").await;
    assert_score_reported(1, json!(1e9), "1000000000.0").await;
}

#[tokio::test]
async fn a_missing_competency_is_reported() {
    let faulty = edited(|a| {
        a["competencies"].as_array_mut().unwrap().remove(1);
    });
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(
        text.contains("the competency \"technical depth\" is missing"),
        "{text}"
    );
    assert_eq!(
        refused_twice(faulty).await,
        [EvaluationFault::MissingCompetency("technical depth".into())]
    );
}

#[tokio::test]
async fn an_unknown_recommendation_is_reported() {
    let faulty = edited(|a| a["recommendation"] = json!("maybe"));
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(text.contains("\"maybe\" is not a recommendation"), "{text}");
    assert_eq!(
        refused_twice(faulty).await,
        [EvaluationFault::UnknownRecommendation("maybe".into())]
    );
}

#[tokio::test]
async fn an_empty_summary_is_reported() {
    let faulty = edited(|a| a["summary"] = json!("  "));
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(text.contains("the summary is empty"), "{text}");
    assert_eq!(refused_twice(faulty).await, [EvaluationFault::EmptySummary]);
}

#[tokio::test]
async fn two_faults_are_both_reported_in_the_one_repair_round() {
    let faulty = edited(|a| {
        a["competencies"][0]["score"] = json!(9);
        a["competencies"][1]["evidence"] = json!(["I invented this sentence for the candidate"]);
    });
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(
        text.contains("the score of \"communication\" is 9;"),
        "{text}"
    );
    assert!(
        text.contains("\"I invented this sentence for the candidate\" for \"technical depth\""),
        "{text}"
    );
    let faults = refused_twice(faulty).await;
    let codes: Vec<&str> = faults.iter().map(EvaluationFault::code).collect();
    assert_eq!(codes, ["invalid_score", "quote_not_said"]);
}

#[tokio::test]
async fn every_fault_of_an_answer_is_reported() {
    let faulty = json!({
        "competencies": [
            {"competency": "communication", "score": 2.5, "evidence": "all of it"},
            {"competency": "humour", "score": 5, "evidence": []},
            {"competency": "Communication", "score": 3, "evidence": [COMMUNICATION_QUOTE]},
            42
        ],
        "strengths": "many",
        "recommendation": "hire!",
        "summary": ""
    })
    .to_string();
    let faults = refused_twice(faulty).await;
    assert_eq!(
        faults,
        [
            EvaluationFault::InvalidScore {
                competency: "communication".into(),
                value: "2.5".into()
            },
            EvaluationFault::WrongType {
                field: "competencies[0].evidence".into(),
                expected: "an array of strings",
                found: "\"all of it\"".into()
            },
            EvaluationFault::UnknownCompetency("humour".into()),
            EvaluationFault::DuplicateCompetency("communication".into()),
            EvaluationFault::WrongType {
                field: "competencies[3]".into(),
                expected: "an object",
                found: "42".into()
            },
            EvaluationFault::MissingCompetency("technical depth".into()),
            EvaluationFault::WrongType {
                field: "strengths".into(),
                expected: "an array of strings",
                found: "\"many\"".into()
            },
            EvaluationFault::UnknownRecommendation("hire!".into()),
            EvaluationFault::EmptySummary,
        ]
    );
}

#[tokio::test]
async fn garbage_huge_and_deeply_nested_answers_are_faults_not_panics() {
    assert_eq!(
        refused_twice("I'd rather not say.".to_owned()).await,
        [EvaluationFault::NoJson]
    );
    assert_eq!(
        refused_twice("} nothing {".to_owned()).await,
        [EvaluationFault::NoJson]
    );
    assert!(matches!(
        refused_twice("{\"competencies\": [".to_owned() + "}").await[..],
        [EvaluationFault::MalformedJson(_)]
    ));
    let deep = format!(
        "{{\"competencies\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(
        refused_twice(deep).await[..],
        [EvaluationFault::MalformedJson(_)]
    ));
    let huge = format!("{{\"summary\": \"{}\"}}", "é".repeat(200_000));
    assert!(matches!(
        refused_twice(huge).await[..],
        [EvaluationFault::TooLong {
            chars: 200_015,
            max: 100_000
        }]
    ));
    assert!(matches!(
        refused_twice("[1, 2]{}".to_owned()).await[..],
        [
            EvaluationFault::MissingField(_),
            EvaluationFault::MissingCompetency(_),
            EvaluationFault::MissingCompetency(_),
            EvaluationFault::MissingField(_),
            EvaluationFault::MissingField(_),
        ]
    ));
}

#[tokio::test]
async fn a_model_failure_is_not_an_invalid_answer() {
    let (result, _) = run(Vec::<String>::new()).await;
    let error = result.unwrap_err();
    assert!(matches!(error, EvaluateError::Llm(_)), "{error:?}");
    assert!(error.faults().is_empty());
}

#[tokio::test]
async fn a_competency_can_be_explicitly_not_assessed() {
    // Listed in another order than asked: the evaluation keeps the asked order.
    let answer = edited(|a| {
        a["competencies"] = json!([
            {"competency": "Technical Depth", "score": null, "evidence": [],
             "not_assessed_reason": " The interview never reached technical questions. "},
            {"competency": "communication", "score": 4,
             "evidence": [COMMUNICATION_QUOTE], "not_assessed_reason": null},
        ]);
    });
    let (result, requests) = run([answer]).await;
    let evaluation = result.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(evaluation.competencies.len(), 1);
    assert_eq!(evaluation.competencies[0].competency, "communication");
    assert_eq!(
        evaluation.not_assessed,
        [NotAssessed {
            competency: "technical depth".into(),
            reason: "The interview never reached technical questions.".into()
        }]
    );
    assert_eq!(evaluation.recommendation, Recommendation::Hire);
}

#[tokio::test]
async fn not_assessed_needs_a_reason_and_no_evidence() {
    let faulty = edited(|a| {
        a["competencies"][1]["score"] = Value::Null;
        a["competencies"][0]["score"] = Value::Null;
        a["competencies"][0]["evidence"] = json!([]);
    });
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(
        text.contains("\"technical depth\" is not assessed (score null) but quotes evidence"),
        "{text}"
    );
    assert!(
        text.contains("\"communication\" is not assessed (score null) but gives no reason"),
        "{text}"
    );
    let codes: Vec<&str> = refused_twice(faulty)
        .await
        .iter()
        .map(EvaluationFault::code)
        .collect();
    assert_eq!(
        codes,
        ["missing_reason", "evidence_without_score", "missing_reason"]
    );

    // A score without evidence is pointed at not-assessed.
    let text =
        refused_then_repaired(edited(|a| a["competencies"][0]["evidence"] = json!([" "]))).await;
    assert!(
        text.contains(
            "\"communication\" has a score but no quoted evidence; quote the candidate, or mark \
             it not assessed"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn an_interview_where_nothing_could_be_assessed_has_no_evaluation() {
    let answer = edited(|a| {
        for item in a["competencies"].as_array_mut().unwrap() {
            item["score"] = Value::Null;
            item["evidence"] = json!([]);
            item["not_assessed_reason"] = json!("The candidate only talked about the weather.");
        }
        // The schema forces a recommendation; here it means nothing.
        a["recommendation"] = json!("strong_hire");
    });
    let (result, requests) = run([answer]).await;
    // Not repaired: asking again would push the model to invent evidence.
    assert_eq!(requests.len(), 1);
    let error = result.unwrap_err();
    assert_eq!(
        error.to_string(),
        "no competency could be assessed from the interview"
    );
    let EvaluateError::NothingAssessed { not_assessed } = error else {
        panic!("expected nothing assessed, got {error:?}");
    };
    let names: Vec<&str> = not_assessed.iter().map(|n| n.competency.as_str()).collect();
    assert_eq!(names, ["communication", "technical depth"]);
    assert!(
        not_assessed
            .iter()
            .all(|n| n.reason == "The candidate only talked about the weather.")
    );
}

/// The one fault of an answer whose `competency` quotes `quote` instead of its
/// valid quote, after checking the repair round names it.
async fn quote_fault(competency: usize, quote: &str) -> EvaluationFault {
    let faulty = edited(|a| a["competencies"][competency]["evidence"] = json!([quote]));
    let text = refused_then_repaired(faulty.clone()).await;
    assert!(text.contains(&format!("\"{quote}\"")), "{text}");
    let mut faults = refused_twice(faulty).await;
    assert_eq!(faults.len(), 1, "{faults:?}");
    faults.remove(0)
}

#[tokio::test]
async fn a_one_letter_quote_is_refused() {
    let faulty = edited(|a| a["competencies"][1]["evidence"] = json!(["a"]));
    let text = refused_then_repaired(faulty).await;
    assert!(
        text.contains(
            "- the quote \"a\" for \"technical depth\" is too short: a quote is at least 6 \
             consecutive whole words from one answer of the candidate (this one has 1)\n"
        ),
        "{text}"
    );
    assert_eq!(
        quote_fault(0, "a").await,
        EvaluationFault::QuoteTooShort {
            competency: "communication".into(),
            quote: "a".into(),
            words: 1,
            min: 6
        }
    );
}

#[tokio::test]
async fn a_fragment_of_a_word_is_refused() {
    assert_eq!(quote_fault(1, "rchestr").await.code(), "quote_too_short");
    // Long enough, but cut inside a word: not the candidate's words.
    assert_eq!(
        quote_fault(1, "rchestrated the migration of our payment services").await,
        EvaluationFault::QuoteNotSaid {
            competency: "technical depth".into(),
            quote: "rchestrated the migration of our payment services".into()
        }
    );
    // Whole words are required whatever the minimum length.
    let one_word = rules().with_min_quote_words(1);
    let faulty = edited(|a| a["competencies"][1]["evidence"] = json!(["rchestr"]));
    let (result, _) = run_with(&one_word, &transcript(), [faulty.clone(), faulty]).await;
    assert_eq!(result.unwrap_err().faults()[0].code(), "quote_not_said");
}

#[tokio::test]
async fn a_quote_under_the_minimum_length_is_refused_and_the_minimum_is_configurable() {
    assert_eq!(
        quote_fault(0, "I explained the plan,").await,
        EvaluationFault::QuoteTooShort {
            competency: "communication".into(),
            quote: "I explained the plan,".into(),
            words: 4,
            min: 6
        }
    );
    let answer = edited(|a| a["competencies"][0]["evidence"] = json!(["I explained the plan,"]));
    let lenient = rules().with_min_quote_words(4);
    let (result, requests) = run_with(&lenient, &transcript(), [answer]).await;
    assert_eq!(
        result.unwrap().competencies[0].evidence,
        ["I explained the plan,"]
    );
    // The model is told the rule it is held to.
    assert!(
        requests[0].messages[0]
            .content
            .contains("at least 4 consecutive whole words")
    );
}

#[tokio::test]
async fn a_quote_spanning_two_answers_is_refused() {
    assert_eq!(
        quote_fault(1, "to Kubernetes last spring. I explained the plan").await,
        EvaluationFault::QuoteSpansAnswers {
            competency: "technical depth".into(),
            quote: "to Kubernetes last spring. I explained the plan".into()
        }
    );
}

#[tokio::test]
async fn the_interviewers_words_are_refused() {
    assert_eq!(
        quote_fault(0, "How did you keep the other teams informed").await,
        EvaluationFault::QuoteFromInterviewer {
            competency: "communication".into(),
            quote: "How did you keep the other teams informed".into()
        }
    );
}

#[tokio::test]
async fn case_punctuation_and_spacing_do_not_matter() {
    let answer = edited(|a| {
        a["competencies"][0]["evidence"] = json!(["i EXPLAINED the plan -- to every   team!"]);
    });
    let (result, _) = run([answer]).await;
    assert_eq!(
        result.unwrap().competencies[0].evidence,
        ["i EXPLAINED the plan -- to every   team!"]
    );
}

#[tokio::test]
async fn one_quote_supports_one_competency_only() {
    assert_eq!(
        quote_fault(1, COMMUNICATION_QUOTE).await,
        EvaluationFault::SharedQuote {
            competency: "technical depth".into(),
            quote: COMMUNICATION_QUOTE.into(),
            other: "communication".into()
        }
    );
    // A longer quote around it is the same evidence, and so is a part of it.
    let longer = "I explained the plan to every team before we started";
    assert_eq!(quote_fault(1, longer).await.code(), "shared_quote");
    let answer = edited(|a| {
        a["competencies"][0]["evidence"] = json!([longer]);
        a["competencies"][1]["evidence"] = json!([COMMUNICATION_QUOTE]);
    });
    let faults = refused_twice(answer).await;
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].code(), "shared_quote");
    // Overlapping quotes, neither inside the other, are allowed (a stated limit).
    let answer = edited(|a| {
        a["competencies"][1]["evidence"] =
            json!(["to every team before we started, and wrote weekly notes"]);
    });
    let (result, _) = run([answer]).await;
    assert!(result.is_ok(), "{result:?}");
    // The same quote twice for one competency is harmless and kept once.
    let answer = edited(|a| {
        a["competencies"][0]["evidence"] =
            json!([COMMUNICATION_QUOTE, "i explained the plan to every team"]);
    });
    let (result, _) = run([answer]).await;
    assert_eq!(
        result.unwrap().competencies[0].evidence,
        [COMMUNICATION_QUOTE]
    );
}

#[tokio::test]
async fn too_many_quotes_are_refused() {
    let faulty = edited(|a| {
        a["competencies"][0]["evidence"] = json!([
            COMMUNICATION_QUOTE,
            "explained the plan to every team before",
            "the plan to every team before we",
            "plan to every team before we started",
            "to every team before we started and",
            "every team before we started and wrote",
        ]);
    });
    let faults = refused_twice(faulty).await;
    assert_eq!(
        faults,
        [EvaluationFault::TooManyQuotes {
            competency: "communication".into(),
            count: 6,
            max: 5
        }]
    );
}

#[tokio::test]
async fn short_answers_leave_nothing_to_quote_and_the_model_is_not_asked() {
    let terse = [
        line(
            Speaker::Interviewer,
            "Tell me about a project you are proud of.",
        ),
        line(Speaker::Candidate, "The payments one."),
        line(Speaker::Candidate, "It went well, I think."),
        line(
            Speaker::Interviewer,
            "I explained the plan to every team before we started.",
        ),
    ];
    let (result, requests) = run_with(&rules(), &terse, [valid().to_string()]).await;
    assert!(requests.is_empty());
    let EvaluateError::NothingAssessed { not_assessed } = result.unwrap_err() else {
        panic!("expected nothing assessed");
    };
    assert_eq!(not_assessed.len(), 2);
    assert_eq!(
        not_assessed[0].reason,
        "The candidate never said 6 words in a row in one answer, so nothing could be quoted \
         as evidence."
    );
}
