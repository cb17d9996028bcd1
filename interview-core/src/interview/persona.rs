//! Who the interviewer is: the original agent's "Arjun", with every part configurable.

use serde::{Deserialize, Serialize};

use crate::position::{self, Position};

/// The interviewer's identity and manner.
///
/// The defaults reproduce the original agent ("ProfessionalArjun"): Arjun, a
/// professional and friendly interviewer. [`Persona::for_position`] takes the
/// company and the title from the booking's [`Position`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persona {
    /// The interviewer's name, as it introduces itself ("Arjun").
    pub name: String,
    /// The company it interviews for; `None`: it speaks of "our team".
    pub company: Option<String>,
    /// The title of the position the candidate applied for.
    pub position: String,
    /// How it speaks, in a few words for the model ("professional, warm and concise").
    pub tone: String,
    /// The first thing it says, overriding the built-in greeting. `{name}`,
    /// `{company}`, `{position}` and `{candidate}` are replaced.
    pub greeting: Option<String>,
}

impl Default for Persona {
    fn default() -> Self {
        Self {
            name: "Arjun".to_owned(),
            company: None,
            position: "Software Engineer".to_owned(),
            tone: "professional, warm and encouraging, concise".to_owned(),
            greeting: None,
        }
    }
}

impl Persona {
    /// Arjun interviewing for `position` at `company`.
    pub fn new(company: impl Into<String>, position: impl Into<String>) -> Self {
        Self {
            company: Some(company.into()),
            position: position.into(),
            ..Self::default()
        }
    }

    /// This persona interviewing for `position`: its title and company.
    pub fn for_position(mut self, position: &Position) -> Self {
        self.company = position.company.clone();
        self.position = position.title.clone();
        self
    }

    /// "the Backend Engineer position at Acme", or "the Backend Engineer
    /// position" without a company ([`position::the_position`]).
    pub fn the_position(&self) -> String {
        position::the_position(&self.position, self.company.as_deref())
    }

    /// Who follows up, as the subject of a sentence ([`position::team`]).
    pub fn team(&self) -> String {
        position::team(self.company.as_deref())
    }

    /// Who the interviewer works for, after "at" or "for": "Acme", or "our team".
    pub fn employer(&self) -> &str {
        self.company.as_deref().unwrap_or("our team")
    }

    /// Sets the interviewer's name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the tone.
    pub fn with_tone(mut self, tone: impl Into<String>) -> Self {
        self.tone = tone.into();
        self
    }

    /// Sets a greeting template (see [`Persona::greeting`]).
    pub fn with_greeting(mut self, template: impl Into<String>) -> Self {
        self.greeting = Some(template.into());
        self
    }

    /// The opening line: introduces the interviewer as an AI, names the position,
    /// explains the format and its length (`minutes`), cites one item of the
    /// candidate's resume when there is one (`resume_item`, a highlight the plan
    /// chose: never a contact line) and asks the first question.
    ///
    /// It is fixed text rather than a model's answer, so the candidate hears it
    /// without waiting for a language model.
    pub fn greeting_text(
        &self,
        candidate_first_name: Option<&str>,
        minutes: u64,
        resume_item: Option<&str>,
    ) -> String {
        let candidate = candidate_first_name
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if let Some(template) = &self.greeting {
            return template
                .replace("{name}", &self.name)
                .replace("{company}", self.employer())
                .replace("{position}", &self.position)
                .replace("{minutes}", &minutes.to_string())
                .replace("{candidate}", candidate.unwrap_or("there"));
        }
        let hello = match candidate {
            Some(first) => format!("Hello {first}!"),
            None => "Hello!".to_owned(),
        };
        let question = match resume_item.map(str::trim).filter(|i| !i.is_empty()) {
            Some(item) => format!(
                "One line of your resume caught my eye: \u{201c}{}\u{201d}. Could you tell me \
                 about that, and about what you have been working on recently?",
                item.trim_end_matches(['.', ';', ','])
            ),
            None => "To start, could you tell me a little about your background and what you \
                     have been working on recently?"
                .to_owned(),
        };
        format!(
            "{hello} I'm {}, an AI interviewer, and I'll be talking with you today about {}. \
             This is a spoken interview of about {minutes} minutes: I'll ask about your \
             experience, one question at a time, and at the end you can ask me about the role. \
             {question}",
            self.name,
            self.the_position(),
        )
    }

    /// The first line when an interrupted interview resumes, instead of a second
    /// greeting: it says the interview carries on from where it stopped.
    pub fn continuation_text(&self, candidate_first_name: Option<&str>) -> String {
        let welcome = match candidate_first_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(first) => format!("Welcome back, {first}."),
            None => "Welcome back.".to_owned(),
        };
        format!("{welcome} We got disconnected, so let's continue the interview where we left off.")
    }

    /// What happens after the interview, as the closing says it: "The team at
    /// Acme will review our conversation and contact you by e-mail about the next
    /// steps."
    pub fn next_steps_text(&self) -> String {
        format!(
            "{} will review our conversation and contact you by e-mail about the next steps.",
            self.team()
        )
    }

    /// What the interviewer says when the time is up.
    pub fn time_up_text(&self) -> String {
        format!(
            "We've reached the end of our time together. Thank you very much for speaking \
             with me today. {} Goodbye!",
            self.next_steps_text()
        )
    }

    /// The spoken apology before retrying after an engine failure.
    pub fn apology_text(&self) -> String {
        "I'm sorry, I had a brief technical problem on my side. Let me try that again.".to_owned()
    }

    /// The closing line when the interview cannot go on for technical reasons.
    pub fn technical_close_text(&self) -> String {
        format!(
            "I'm sorry, we're having technical difficulties and I have to end the interview \
             here. {} will contact you by e-mail about what happens next. Thank you for your \
             patience.",
            self.team()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_greeting_says_it_is_an_ai_and_explains_the_format() {
        let persona = Persona::new("Acme", "Backend Engineer");
        let text = persona.greeting_text(Some("Priya"), 30, None);
        assert!(
            text.starts_with("Hello Priya! I'm Arjun, an AI interviewer"),
            "{text}"
        );
        assert!(text.contains("the Backend Engineer position at Acme"));
        assert!(text.contains("about 30 minutes"));
        assert!(text.trim_end().ends_with('?'));
        assert!(
            persona
                .greeting_text(None, 30, None)
                .starts_with("Hello! I'm Arjun")
        );
    }

    #[test]
    fn the_greeting_cites_a_resume_item() {
        let persona = Persona::new("Acme", "Backend Engineer");
        let text = persona.greeting_text(None, 20, Some("Cut p99 latency from 850 ms to 120 ms."));
        assert!(
            text.contains("\u{201c}Cut p99 latency from 850 ms to 120 ms\u{201d}. Could you"),
            "{text}"
        );
    }

    #[test]
    fn without_a_company_it_speaks_of_our_team() {
        let persona = Persona::default();
        let greeting = persona.greeting_text(None, 30, None);
        assert!(
            greeting.contains("about the Software Engineer position."),
            "{greeting}"
        );
        assert!(
            persona
                .time_up_text()
                .contains("Our team will review our conversation")
        );
        for text in [
            greeting,
            persona.time_up_text(),
            persona.technical_close_text(),
        ] {
            assert!(!text.contains("hiring team"), "{text}");
            assert!(!text.contains("at our"), "{text}");
        }
    }

    #[test]
    fn greeting_template_is_filled_in() {
        let persona = Persona::new("Acme", "SRE").with_name("Maya").with_greeting(
            "Hi {candidate}, {name} from {company} here about the {position} role ({minutes} min).",
        );
        assert_eq!(
            persona.greeting_text(None, 25, None),
            "Hi there, Maya from Acme here about the SRE role (25 min)."
        );
    }
}
