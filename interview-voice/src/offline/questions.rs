//! The candidate's questions to the offline interviewer: answered from what the
//! position lets it tell candidates, or honestly deferred to the team.

/// Words that say nothing about what a question is about.
const STOPWORDS: &[&str] = &[
    "about",
    "after",
    "also",
    "andor",
    "been",
    "being",
    "could",
    "does",
    "doing",
    "from",
    "have",
    "here",
    "into",
    "just",
    "know",
    "like",
    "look",
    "looks",
    "more",
    "much",
    "need",
    "often",
    "other",
    "role",
    "should",
    "some",
    "tell",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "what",
    "when",
    "where",
    "which",
    "while",
    "will",
    "with",
    "would",
    "your",
    "yours",
    "thank",
    "thanks",
    "please",
    "question",
    "questions",
    "wondering",
    "curious",
    "want",
    "wanted",
];

/// Words that start a question.
const QUESTION_WORDS: &[&str] = &[
    "what", "how", "when", "where", "who", "why", "which", "is", "are", "do", "does", "can",
    "could", "will", "would", "should", "may",
];

/// Whether `answer` asks something: a question mark, or a sentence that opens
/// like a question ("how big is the team").
pub(super) fn asks_something(answer: &str) -> bool {
    if answer.contains('?') {
        return true;
    }
    answer
        .split(['.', '!', '\n'])
        .filter_map(|sentence| sentence.split_whitespace().next())
        .any(|first| QUESTION_WORDS.contains(&first.to_lowercase().as_str()))
}

/// Words candidates and recruiters use for the same thing (cut to five letters,
/// as [`topics`] cuts them): a question about "hours" finds a sentence about
/// "shifts".
const SAME_TOPIC: &[&[&str]] = &[
    &["hours", "shift", "sched", "worki", "time", "start", "finis"],
    &[
        "salar", "pay", "compe", "money", "range", "bonus", "equit", "benef",
    ],
    &[
        "remot", "hybri", "offic", "home", "locat", "based", "commu", "reloc",
    ],
    &["train", "onboa", "mento", "learn", "growt", "caree"],
    &[
        "team", "colle", "engin", "peopl", "size", "repor", "manag", "lead",
    ],
    &[
        "next", "step", "proce", "after", "hear", "timel", "decis", "round",
    ],
    &["holid", "leave", "vacat", "days"],
];

/// The words a question or a sentence is about: lowercase, four letters or more
/// (or a known topic word), not a stopword, cut to their first five letters so
/// "offices" meets "office", and words for the same thing made one.
fn topics(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| w.chars().take(5).collect::<String>())
        .filter(|w| w.chars().count() >= 4 || SAME_TOPIC.iter().any(|g| g.contains(&w.as_str())))
        .map(|w| {
            SAME_TOPIC
                .iter()
                .find(|group| group.contains(&w.as_str()))
                .map_or(w, |group| group[0].to_owned())
        })
        .collect()
}

/// The reply to a question: the sentences of `knowledge` that share the most
/// topics with it (at most two), or, when none does, an honest deferral to the
/// team.
pub(super) fn answer_question(question: &str, knowledge: Option<&str>) -> String {
    let wanted = topics(question);
    let sentences: Vec<&str> = knowledge
        .unwrap_or_default()
        .split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| s.len() > 3)
        .collect();
    let mut scored: Vec<(usize, usize, &str)> = sentences
        .iter()
        .enumerate()
        .map(|(i, sentence)| {
            let have = topics(sentence);
            let score = wanted.iter().filter(|w| have.contains(w)).count();
            (score, i, *sentence)
        })
        .filter(|(score, _, _)| *score > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(2);
    // In the order they were written.
    scored.sort_by_key(|(_, i, _)| *i);
    if scored.is_empty() {
        return "That is a good question, and I do not have the answer here. I will pass it \
                on, and the team will answer it when they follow up."
            .to_owned();
    }
    let said: Vec<&str> = scored.iter().map(|(_, _, s)| *s).collect();
    format!("Good question. {}", said.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWLEDGE: &str = "The team is eight engineers in London.\n\
        We work hybrid, with two office days a week.\n\
        The salary range is GBP 80-95k.\n\
        The next step is a 45-minute call with the team lead.";

    #[test]
    fn questions_are_answered_from_the_knowledge() {
        let reply = answer_question(
            "How many days a week are we in the office?",
            Some(KNOWLEDGE),
        );
        assert_eq!(
            reply,
            "Good question. We work hybrid, with two office days a week."
        );
        let reply = answer_question("What's the salary range?", Some(KNOWLEDGE));
        assert!(reply.contains("GBP 80-95k"), "{reply}");
        let reply = answer_question(
            "What happens after this? Who is the next call with?",
            Some(KNOWLEDGE),
        );
        assert!(reply.contains("45-minute call"), "{reply}");
    }

    #[test]
    fn words_for_the_same_thing_find_each_other() {
        let shifts = "Shifts are from 8:00 to 16:30 or from 12:00 to 20:30, Monday to Friday.";
        let reply = answer_question("What are the working hours?", Some(shifts));
        assert!(reply.contains("8:00 to 16:30"), "{reply}");
        let reply = answer_question("Is it remote?", Some(KNOWLEDGE));
        assert!(reply.contains("hybrid"), "{reply}");
    }

    #[test]
    fn what_the_knowledge_does_not_say_is_deferred_to_the_team() {
        for knowledge in [Some(KNOWLEDGE), None] {
            let reply = answer_question("Do you sponsor visas?", knowledge);
            assert!(reply.contains("do not have the answer"), "{reply}");
            assert!(reply.contains("the team will answer it"), "{reply}");
        }
    }

    #[test]
    fn questions_are_told_from_statements() {
        assert!(asks_something("What is the team like?"));
        assert!(asks_something("How big is the team"));
        assert!(asks_something("Thanks. Is it remote"));
        assert!(!asks_something("No, I think you covered everything."));
        assert!(!asks_something("I have none, thank you"));
    }
}
