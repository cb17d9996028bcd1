//! Which competencies the conversation has given evidence for, and the hidden
//! markers the interviewer writes at the end of a message: the evidence marker
//! (`[[EVIDENCE: communication; problem solving]]`) naming what the candidate's last
//! answer showed, and [`END_MARKER`]. Neither is ever spoken.
//!
//! The model names competencies; the session decides what counts: only names from
//! the configured list, and only for an answer long enough to be evidence (see
//! [`Pace::answer_evidence`](super::Pace::answer_evidence)).

use super::plan::END_MARKER;

/// How an evidence marker starts; it ends with `]]`.
pub const EVIDENCE_OPEN: &str = "[[EVIDENCE:";

/// The most names read from one message's evidence markers.
const MAX_NAMES: usize = 16;
/// The longest name read, in characters; a longer one is no competency.
const MAX_NAME_CHARS: usize = 80;

/// The evidence marker naming `competencies`, as the interviewer writes it.
pub fn evidence_marker<S: AsRef<str>>(competencies: &[S]) -> String {
    let names: Vec<&str> = competencies.iter().map(AsRef::as_ref).collect();
    format!("{EVIDENCE_OPEN} {}]]", names.join("; "))
}

/// A message of the interviewer's with its hidden markers taken out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HiddenMarkers {
    /// The text to say: no marker of either kind left in it.
    pub text: String,
    /// Whether the message ends with [`END_MARKER`] (evidence markers after it do
    /// not count); a marker in mid-message is not a request to end.
    pub end_requested: bool,
    /// The names the evidence markers give, as written (at most 16, each at most
    /// 80 characters), for [`Coverage::matching`] to check against the list.
    pub evidence: Vec<String>,
}

/// Takes the hidden markers out of `text`. An evidence marker that is never closed
/// runs to the end of the text (a message cut off mid-marker says none of it).
pub fn read_hidden_markers(text: &str) -> HiddenMarkers {
    let mut rest = text;
    let mut kept = String::with_capacity(text.len());
    let mut evidence = Vec::new();
    while let Some(start) = find_evidence(rest) {
        kept.push_str(&rest[..start]);
        let body_start = start + EVIDENCE_OPEN.len();
        let (body, after) = match rest[body_start..].find("]]") {
            Some(end) => (
                &rest[body_start..body_start + end],
                &rest[body_start + end + 2..],
            ),
            None => (&rest[body_start..], ""),
        };
        for name in body.split([';', ',', '\n']) {
            let name = name.trim();
            if !name.is_empty()
                && name.chars().count() <= MAX_NAME_CHARS
                && evidence.len() < MAX_NAMES
            {
                evidence.push(name.to_owned());
            }
        }
        rest = after;
    }
    kept.push_str(rest);
    let end_requested = kept.trim_end().ends_with(END_MARKER);
    HiddenMarkers {
        text: kept.replace(END_MARKER, ""),
        end_requested,
        evidence,
    }
}

/// Where the next evidence marker starts, in any letter case.
fn find_evidence(text: &str) -> Option<usize> {
    let open = EVIDENCE_OPEN.as_bytes();
    text.as_bytes()
        .windows(open.len())
        .position(|w| w.eq_ignore_ascii_case(open))
}

/// A competency's name as compared: lower case, words separated by single spaces,
/// no punctuation around or between them (`"Problem-solving."` is
/// `"problem solving"`).
fn normalise(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The competencies to assess, and which have evidence so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// The competencies, in order, without duplicates.
    names: Vec<String>,
    /// Their [`normalise`]d names, for matching.
    keys: Vec<String>,
    /// How many answers gave evidence for each.
    evidence: Vec<u32>,
}

impl Coverage {
    /// The competencies in `names`, none with evidence yet. Blank names and
    /// repeats (compared without case and punctuation) are left out.
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut coverage = Self {
            names: Vec::new(),
            keys: Vec::new(),
            evidence: Vec::new(),
        };
        for name in names {
            let name = name.as_ref().trim();
            let key = normalise(name);
            if key.is_empty() || coverage.keys.contains(&key) {
                continue;
            }
            coverage.names.push(name.to_owned());
            coverage.keys.push(key);
            coverage.evidence.push(0);
        }
        coverage
    }

    /// The competencies, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The index of the competency `name` stands for, if it is one of the list.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        let key = normalise(name);
        self.keys.iter().position(|k| *k == key)
    }

    /// The indices of the competencies `names` stand for, each once, in list
    /// order; names not on the list are ignored.
    pub fn matching<S: AsRef<str>>(&self, names: &[S]) -> Vec<usize> {
        let mut found: Vec<usize> = names
            .iter()
            .filter_map(|n| self.index_of(n.as_ref()))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The indices of the competencies whose names `text` mentions (as whole
    /// words, without case and punctuation).
    pub fn mentioned_in(&self, text: &str) -> Vec<usize> {
        let text = format!(" {} ", normalise(text));
        (0..self.keys.len())
            .filter(|&i| text.contains(&format!(" {} ", self.keys[i])))
            .collect()
    }

    /// Records one answer's evidence for the competencies at `indices`.
    pub fn add(&mut self, indices: &[usize]) {
        for &i in indices {
            if let Some(count) = self.evidence.get_mut(i) {
                *count = count.saturating_add(1);
            }
        }
    }

    /// Whether the competency at `index` has evidence.
    pub fn is_covered(&self, index: usize) -> bool {
        self.evidence.get(index).is_some_and(|&n| n > 0)
    }

    /// The competencies with evidence, in order.
    pub fn covered(&self) -> Vec<&str> {
        self.select(true)
    }

    /// The competencies without evidence yet, in order.
    pub fn missing(&self) -> Vec<&str> {
        self.select(false)
    }

    fn select(&self, covered: bool) -> Vec<&str> {
        (0..self.names.len())
            .filter(|&i| self.is_covered(i) == covered)
            .map(|i| self.names[i].as_str())
            .collect()
    }

    /// The share of the competencies with evidence, in percent (100 with none to
    /// assess).
    pub fn percent(&self) -> u32 {
        let total = self.names.len();
        if total == 0 {
            return 100;
        }
        let covered = (0..total).filter(|&i| self.is_covered(i)).count();
        u32::try_from(covered * 100 / total).unwrap_or(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_taken_out_and_their_names_read() {
        let read = read_hidden_markers(
            "Thanks, that helps. What next? [[EVIDENCE: Communication; problem-solving]]",
        );
        assert_eq!(read.text, "Thanks, that helps. What next? ");
        assert!(!read.end_requested);
        assert_eq!(read.evidence, ["Communication", "problem-solving"]);

        // Evidence after the end marker still ends; both are gone from the text.
        let read = read_hidden_markers("Goodbye! [[END_INTERVIEW]] [[evidence: collaboration]]");
        assert_eq!(read.text.trim(), "Goodbye!");
        assert!(read.end_requested);
        assert_eq!(read.evidence, ["collaboration"]);

        // An unclosed marker runs to the end; a mid-message end marker is no request.
        let read = read_hidden_markers("Tell me [[END_INTERVIEW]] more. [[EVIDENCE: a, b");
        assert_eq!(read.text, "Tell me  more. ");
        assert!(!read.end_requested);
        assert_eq!(read.evidence, ["a", "b"]);

        // Bounded: a flood of names is cut.
        let flood = format!("Hi. [[EVIDENCE: {}]]", "x; ".repeat(1000));
        assert_eq!(read_hidden_markers(&flood).evidence.len(), MAX_NAMES);
        assert_eq!(
            read_hidden_markers(&evidence_marker(&["a b", "c"])).evidence,
            ["a b", "c"]
        );
    }

    #[test]
    fn only_listed_competencies_count() {
        let mut coverage = Coverage::new([
            "communication",
            "Problem solving",
            "problem-solving",
            " ",
            "collaboration",
        ]);
        assert_eq!(
            coverage.names(),
            ["communication", "Problem solving", "collaboration"]
        );
        let found = coverage.matching(&[
            "PROBLEM SOLVING.",
            "charisma",
            "Communication",
            "communication",
        ]);
        assert_eq!(found, [0, 1]);
        coverage.add(&found);
        assert_eq!(coverage.covered(), ["communication", "Problem solving"]);
        assert_eq!(coverage.missing(), ["collaboration"]);
        assert_eq!(coverage.percent(), 66);
        assert_eq!(
            coverage.mentioned_in("Tell me about collaboration, and communications?"),
            [2]
        );
        assert_eq!(Coverage::new(Vec::<String>::new()).percent(), 100);
    }
}
