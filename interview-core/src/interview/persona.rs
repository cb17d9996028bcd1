//! Who the interviewer is: the original agent's "Arjun", with every part configurable.

use serde::{Deserialize, Serialize};

/// The interviewer's identity and manner.
///
/// The defaults reproduce the original agent ("ProfessionalArjun"): Arjun, a
/// professional and friendly interviewer. Set `company` from
/// [`InterviewConfig::company`](crate::config::InterviewConfig::company) and `position`
/// from the role being filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persona {
    /// The interviewer's name, as it introduces itself ("Arjun").
    pub name: String,
    /// The company it interviews for.
    pub company: String,
    /// The position the candidate applied for.
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
            company: "our company".to_owned(),
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
            company: company.into(),
            position: position.into(),
            ..Self::default()
        }
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

    /// The opening line: introduces the interviewer, names the position and the
    /// company, and asks the first question about the candidate's background.
    ///
    /// It is fixed text rather than a model's answer, so the candidate hears it
    /// without waiting for a language model.
    pub fn greeting_text(&self, candidate_first_name: Option<&str>) -> String {
        let candidate = candidate_first_name
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match &self.greeting {
            Some(template) => template
                .replace("{name}", &self.name)
                .replace("{company}", &self.company)
                .replace("{position}", &self.position)
                .replace("{candidate}", candidate.unwrap_or("there")),
            None => {
                let hello = match candidate {
                    Some(first) => format!("Hello {first}!"),
                    None => "Hello!".to_owned(),
                };
                format!(
                    "{hello} I'm {}, and I'll be interviewing you today for the {} position at {}. \
                     Thank you for taking the time to speak with me. To start, could you tell me \
                     a little about your background and what you have been working on recently?",
                    self.name, self.position, self.company
                )
            }
        }
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

    /// What the interviewer says when the time is up.
    pub fn time_up_text(&self) -> String {
        format!(
            "We've reached the end of our time together. Thank you very much for speaking \
             with me today. The team at {} will review the conversation and be in touch \
             about next steps. Goodbye!",
            self.company
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
             here. The team at {} will contact you about what happens next. Thank you for \
             your patience.",
            self.company
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_greeting_names_interviewer_position_and_company() {
        let persona = Persona::new("Acme", "Backend Engineer");
        let text = persona.greeting_text(Some("Priya"));
        assert!(text.starts_with("Hello Priya! I'm Arjun"));
        assert!(text.contains("Backend Engineer position at Acme"));
        assert!(text.trim_end().ends_with('?'));
        assert!(persona.greeting_text(None).starts_with("Hello! I'm Arjun"));
    }

    #[test]
    fn greeting_template_is_filled_in() {
        let persona = Persona::new("Acme", "SRE")
            .with_name("Maya")
            .with_greeting("Hi {candidate}, {name} from {company} here about the {position} role.");
        assert_eq!(
            persona.greeting_text(None),
            "Hi there, Maya from Acme here about the SRE role."
        );
    }
}
