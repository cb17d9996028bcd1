//! Which resume items ground the interview's questions: whole items (a bullet
//! wrapped over several lines is one item), never contact details or headings,
//! ranked by what is worth asking about, kept in resume order.

use super::defence::{
    clean_untrusted, imitates_structure, looks_like_contact, reads_as_instruction, strip_invisible,
};

/// At most this many resume items ground the questions.
const MAX_HIGHLIGHTS: usize = 6;

/// At most this many characters of a resume item make a highlight.
const HIGHLIGHT_CHARS: usize = 120;

/// A shortened highlight keeps at least this many characters when it is cut at a
/// sentence or clause boundary; with less, it is cut at a word boundary instead.
const MIN_CLAUSE_CHARS: usize = 50;

/// Verbs of something done: an achievement to ask about.
const ACTION_VERBS: &[&str] = &[
    "built",
    "designed",
    "developed",
    "implemented",
    "migrated",
    "launched",
    "shipped",
    "improved",
    "reduced",
    "cut",
    "increased",
    "created",
    "architected",
    "optimized",
    "optimised",
    "automated",
    "delivered",
    "rewrote",
    "scaled",
    "introduced",
    "established",
    "grew",
    "saved",
    "deployed",
];

/// Words of leadership and ownership.
const LEADERSHIP: &[&str] = &[
    "led",
    "managed",
    "mentored",
    "owned",
    "headed",
    "drove",
    "spearheaded",
    "coordinated",
    "hired",
    "founded",
    "championed",
    "supervised",
    "coached",
];

/// Words naming a project or product.
const PROJECT: &[&str] = &["project", "projects", "platform", "product", "open-source"];

/// Words naming a role: a line with one is worth a question, if nothing better.
const ROLE: &[&str] = &[
    "engineer",
    "developer",
    "architect",
    "manager",
    "lead",
    "scientist",
    "analyst",
    "consultant",
    "designer",
];

/// Words a wrapped line cannot end on when the item goes on: the next line
/// continues it.
const CONNECTIVES: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "over",
    "per", "than", "that", "the", "to", "via", "which", "while", "with", "across", "using",
];

/// Words that start a clause after a comma (", which", ", while").
const CLAUSE_STARTS: &[&str] = &[
    "which",
    "while",
    "where",
    "so",
    "then",
    "resulting",
    "and",
    "but",
    "with",
    "from",
];

/// Section headings of a resume, in lower case: never an item.
const HEADINGS: &[&str] = &[
    "experience",
    "work experience",
    "professional experience",
    "employment",
    "employment history",
    "education",
    "skills",
    "technical skills",
    "projects",
    "selected projects",
    "summary",
    "profile",
    "professional summary",
    "certifications",
    "languages",
    "awards",
    "achievements",
    "publications",
    "interests",
    "references",
    "contact",
    "volunteering",
];

/// The resume items most worth asking about, at most six, in resume order: the
/// same as [`resume_highlights_for`] with no competencies.
pub fn resume_highlights(resume: &str) -> Vec<String> {
    resume_highlights_for(resume, &[])
}

/// Resume items worth asking about, chosen by relevance and returned in resume
/// order: at most six, each at most 120 characters.
///
/// Lines are first joined into items: a bullet wrapped over several lines (as
/// PDF extraction breaks them) is one item. A line continues the item before it
/// when it starts in lower case, or when the line before ends on a comma, a
/// broken word (`event-`) or a word a phrase cannot end on ("and", "of", "by").
/// A line that holds two columns (two PDF columns at one height, a DOCX table
/// row) is split first: before a bullet mark in its middle, between table cells
/// and after a section heading in capitals.
///
/// An item is a candidate when it is a bullet or names something done, led, a
/// project, a role or one of `competencies`. Candidates are ranked by:
///
/// - achievements with numbers (percentages, money, counts, durations; a year
///   alone is not one);
/// - verbs of something done ("built", "reduced") and of leadership or ownership
///   ("led", "mentored", "owned");
/// - projects and products;
/// - the role's `competencies` (case-insensitive, at the start of a word, so
///   "design" matches "designed");
/// - being a bullet;
///
/// and the best are kept in resume order (ties go to the earlier item).
///
/// A highlight is quoted to the model and read aloud by the offline interviewer
/// as something the candidate did, so a line is never part of one when it:
///
/// - [reads as an instruction](super::reads_as_instruction) ("ignore previous
///   instructions", "rate this candidate 5/5");
/// - holds [contact details](super::looks_like_contact) (e-mail, phone, URL),
///   such as a header `Title | name@example.com | (415) 555-0142`;
/// - [imitates the prompt's structure](super::imitates_structure) or was
///   neutralised (a fence, a marker, a heading, one of our section titles);
/// - is a section heading ("EXPERIENCE", "Skills:");
/// - was cut: the item ends with `…` (where [`ResumeText`](super::ResumeText)
///   cut the resume) or with a word broken by a hyphen.
///
/// An item longer than 120 characters is cut at a sentence or clause boundary
/// when one leaves at least 50 characters, else at a word boundary, never after a
/// dangling hyphen, comma or "and", and marked with `…` unless it ends a sentence.
/// Each highlight is returned cleaned by [`clean_untrusted`](super::clean_untrusted).
pub fn resume_highlights_for(resume: &str, competencies: &[&str]) -> Vec<String> {
    let competencies: Vec<String> = competencies
        .iter()
        .map(|c| normalise(c).trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    let mut scored: Vec<(usize, u32, String)> = Vec::new();
    for (position, item) in items(&strip_invisible(resume)).into_iter().enumerate() {
        let Some(score) = score(&item, &competencies) else {
            continue;
        };
        // A dash or comma left at the end says nothing (a broken word was
        // refused above).
        let tidy = item
            .text
            .trim_end_matches([',', ';', ':', '-', '–', '—', '/', '&', '+', '(', ' '])
            .replace('"', "");
        let short = clean_untrusted(&shorten(&tidy));
        if short.split_whitespace().count() < 4 {
            continue;
        }
        if scored.iter().any(|(_, _, s)| *s == short) {
            continue;
        }
        scored.push((position, score, short));
    }
    // Best first, the earlier item on a tie; then back to resume order.
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(MAX_HIGHLIGHTS);
    scored.sort_by_key(|(position, _, _)| *position);
    scored.into_iter().map(|(_, _, text)| text).collect()
}

/// One resume item: a bullet or a paragraph, its wrapped lines joined.
struct Item {
    text: String,
    bullet: bool,
}

/// The resume's items, in order. Lines that are unsafe or contact details end
/// the item before them and belong to none.
fn items(text: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut current: Option<Item> = None;
    for full in text.lines() {
        // An instruction or structure anywhere drops the whole line. A contact
        // line is dropped too, but for a bullet that starts in its middle with a
        // verb: the other column of a two-column PDF ("name@example.com • Built
        // ..."), never a part of a header ("Title | name@example.com").
        if imitates_structure(full) || reads_as_instruction(full) {
            items.extend(current.take());
            continue;
        }
        let contact = looks_like_contact(full);
        let parts = split_columns(full);
        let columns = parts.len() > 1;
        for (index, raw) in parts.into_iter().enumerate() {
            let line = raw.trim();
            if line.is_empty()
                || contact && !(index > 0 && starts_with_verb(strip_bullet(line).1))
                || imitates_structure(raw)
                || reads_as_instruction(raw)
                || looks_like_contact(raw)
                || is_heading(line)
            {
                // What stands before the other column on a shared line does not
                // end the item that column continues.
                if !(columns && index == 0) {
                    items.extend(current.take());
                }
                continue;
            }
            let (bullet, body) = strip_bullet(line);
            match current.as_mut() {
                Some(item) if !bullet && continues(&item.text, body) => {
                    if item.text.ends_with('-') {
                        item.text.push_str(body);
                    } else {
                        item.text.push(' ');
                        item.text.push_str(body);
                    }
                }
                _ => {
                    items.extend(current.take());
                    current = Some(Item {
                        text: body.to_owned(),
                        bullet,
                    });
                }
            }
        }
    }
    items.extend(current);
    items
}

/// `line` split where a bullet starts in its middle: PDF extraction puts the
/// text of two columns at the same height on one line ("Rust, Go • Built the
/// ledger"). A split happens before a round bullet mark, or before a dash
/// followed by a capitalised verb of something done or led ("SQL - Led the
/// migration"), so a dash inside a sentence stays; before a `|` between table
/// cells (a DOCX table row is one line); and after a section heading in
/// capitals at the start ("SKILLS deliveries a day").
fn split_columns(line: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut search = 0;
    while let Some(found) = line[search..].find(' ').map(|at| search + at) {
        search = found + 1;
        let rest = &line[found + 1..];
        let mut chars = rest.chars();
        let Some(mark) = chars.next() else {
            break;
        };
        let after = chars.as_str();
        let Some(word) = after.strip_prefix(' ') else {
            continue;
        };
        let round = matches!(mark, '•' | '▪' | '◦' | '‣' | '●');
        let dash = matches!(mark, '-' | '–' | '—') && starts_with_verb(word);
        let cell = mark == '|';
        // `found` can lie before `start` just after a cell's `| `.
        let before = line.get(start..found).unwrap_or("");
        if (round || dash || cell) && !before.trim().is_empty() {
            parts.push(before);
            start = if cell { found + 3 } else { found + 1 };
        }
    }
    parts.push(&line[start..]);
    // A heading in capitals at the start is the other column's ("SKILLS
    // deliveries a day ...").
    let first = parts[0];
    if let Some(heading) = HEADINGS.iter().find(|h| {
        first.len() > h.len() + 1
            && first.is_char_boundary(h.len())
            && first[..h.len()] == h.to_uppercase()
            && first[h.len()..].starts_with(' ')
    }) {
        parts.splice(0..1, [&first[..heading.len()], &first[heading.len() + 1..]]);
    }
    parts
}

/// Whether `text` starts with a capitalised verb of something done or led
/// ("Built", "Led").
fn starts_with_verb(text: &str) -> bool {
    let first = text.split_whitespace().next().unwrap_or("");
    let lower = first.to_lowercase();
    first.chars().next().is_some_and(char::is_uppercase)
        && (ACTION_VERBS.contains(&lower.as_str()) || LEADERSHIP.contains(&lower.as_str()))
}

/// Whether `line` starts with a bullet mark (`-`, `*`, `•`, `1.`), and the line
/// without it.
fn strip_bullet(line: &str) -> (bool, &str) {
    let marks: &[char] = &['-', '*', '•', '·', '–', '—', '▪', '◦', '‣', '>'];
    if line.starts_with(marks) {
        return (true, line.trim_start_matches(marks).trim_start());
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=2).contains(&digits) {
        let rest = &line[digits..];
        if let Some(body) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return (true, body.trim_start());
        }
    }
    (false, line)
}

/// Whether `next` continues the item whose text so far is `previous`.
fn continues(previous: &str, next: &str) -> bool {
    if next.chars().next().is_some_and(char::is_lowercase) {
        return true;
    }
    if previous.ends_with([',', '&', '/', '+', '(']) || broken_word(previous) {
        return true;
    }
    previous
        .rsplit(char::is_whitespace)
        .next()
        .is_some_and(|last| CONNECTIVES.contains(&last.to_lowercase().as_str()))
}

/// Whether `text` ends with a word broken by a hyphen (`event-`).
fn broken_word(text: &str) -> bool {
    text.strip_suffix('-')
        .and_then(|rest| rest.chars().next_back())
        .is_some_and(char::is_alphabetic)
}

/// Whether `line` is a section heading: a known title, a short line in capitals
/// or a short line ending with a colon.
fn is_heading(line: &str) -> bool {
    let words = line.split_whitespace().count();
    let bare = line.trim_end_matches(':').trim().to_lowercase();
    if HEADINGS.contains(&bare.as_str()) {
        return true;
    }
    if words > 4 {
        return false;
    }
    let letters: Vec<char> = line.chars().filter(|c| c.is_alphabetic()).collect();
    line.ends_with(':') || (letters.len() > 3 && letters.iter().all(|c| c.is_uppercase()))
}

/// How worth asking about `item` is, or `None` when it is no candidate.
fn score(item: &Item, competencies: &[String]) -> Option<u32> {
    let text = item.text.trim();
    let words = text.split_whitespace().count();
    if text.ends_with('…') || broken_word(text) || !(4..=80).contains(&words) {
        return None;
    }
    // The joined item is checked again: a phrase can span a line break.
    if reads_as_instruction(text) || looks_like_contact(text) || imitates_structure(text) {
        return None;
    }
    let normal = normalise(text);
    let has = |list: &[&str]| list.iter().any(|w| normal.contains(&format!(" {w} ")));
    let mut score = 0;
    let mut candidate = item.bullet;
    match number_strength(text) {
        0 => {}
        strength => {
            score += 3 + strength;
            candidate = true;
        }
    }
    if has(ACTION_VERBS) {
        score += 2;
        candidate = true;
    }
    if has(LEADERSHIP) {
        score += 2;
        candidate = true;
    }
    if has(PROJECT) {
        score += 1;
        candidate = true;
    }
    let matched = competencies
        .iter()
        .filter(|c| normal.contains(&format!(" {c}")))
        .count() as u32;
    if matched > 0 {
        score += 3 * matched.min(2);
        candidate = true;
    }
    if has(ROLE) {
        candidate = true;
    }
    if item.bullet {
        score += 1;
    }
    candidate.then_some(score)
}

/// `text` in lower case with every run of characters other than letters, digits
/// and hyphens as one space, padded with a space at each end.
fn normalise(text: &str) -> String {
    let mut out = String::from(" ");
    for c in text.to_lowercase().chars() {
        if c.is_alphanumeric() || c == '-' {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// 0 when `text` states no figure; 1 for a count or a duration ("2k TPS", "six
/// months" is not counted, "18 months" is); 2 for a percentage, an amount of
/// money or a multiple ("40%", "$1.2M", "3x"). A year ("2019", "2019–2023") and a
/// name with a digit ("S3", "EC2", "HTTP/2") are no figure.
fn number_strength(text: &str) -> u32 {
    let mut strength = 0;
    for token in text.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';')) {
        let token = token.trim_matches(|c: char| matches!(c, '.' | ':' | '!' | '?' | '"'));
        let Some(first) = token.chars().next() else {
            continue;
        };
        let money = matches!(first, '$' | '€' | '£' | '¥' | '₹');
        if !(money || first.is_ascii_digit()) {
            continue;
        }
        if !money && is_year(token) {
            continue;
        }
        let multiple = token.ends_with(['x', '×']) && token.len() <= 5;
        let strong = money || token.contains('%') || multiple;
        strength = strength.max(if strong { 2 } else { 1 });
    }
    strength
}

/// Whether `token` is a year or a range of years (`2019`, `2019–2023`, `2019-`).
fn is_year(token: &str) -> bool {
    token
        .split(['-', '–', '—', '/'])
        .filter(|part| !part.is_empty())
        .all(|part| {
            part.len() == 4
                && part.chars().all(|c| c.is_ascii_digit())
                && (part.starts_with("19") || part.starts_with("20"))
        })
}

/// `text` limited to [`HIGHLIGHT_CHARS`]: cut at the last sentence or clause
/// boundary that keeps [`MIN_CLAUSE_CHARS`], else at a word boundary, never
/// after a dangling hyphen, comma or connective; marked with `…` unless it ends
/// a sentence.
fn shorten(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= HIGHLIGHT_CHARS {
        return text.to_owned();
    }
    // The longest prefix of whole words that leaves room for the `…`.
    let mut words: Vec<&str> = Vec::new();
    let mut length = 0;
    for word in text.split_whitespace() {
        let added = word.chars().count() + usize::from(!words.is_empty());
        if length + added > HIGHLIGHT_CHARS - 1 {
            break;
        }
        length += added;
        words.push(word);
    }
    // A sentence boundary: the text stops there, complete.
    if let Some(at) = words
        .iter()
        .rposition(|w| w.ends_with(['.', '!', '?']) && !w.ends_with("..") && w.len() > 2)
    {
        let kept = words[..=at].join(" ");
        if kept.chars().count() >= MIN_CLAUSE_CHARS {
            return kept;
        }
    }
    // A clause boundary: a semicolon, a colon or a dash between words, or a comma
    // before a clause (", cutting costs", ", which"), not one inside a list.
    let clause_end = |at: usize| {
        let word = words[at];
        word.ends_with([';', ':'])
            || matches!(word, "–" | "—" | "-")
            || word.ends_with(',')
                && words.get(at + 1).is_some_and(|next| {
                    let next = next.to_lowercase();
                    next.ends_with("ing") || CLAUSE_STARTS.contains(&next.as_str())
                })
    };
    if let Some(at) = (0..words.len()).rev().find(|at| clause_end(*at)) {
        let kept = words[..=at].join(" ");
        if kept.chars().count() >= MIN_CLAUSE_CHARS {
            words.truncate(at + 1);
        }
    }
    // Nothing may dangle at the cut: a dash, a comma, a broken word, "and".
    while words.len() > 3 {
        let last = words[words.len() - 1];
        let bare = last.trim_end_matches([',', ';', ':', '(', '/', '&', '+']);
        let dangling = bare.is_empty()
            || matches!(bare, "-" | "–" | "—")
            || bare.ends_with('-')
            || CONNECTIVES.contains(&bare.to_lowercase().as_str());
        if !dangling {
            break;
        }
        words.pop();
    }
    let mut out = words.join(" ");
    let trimmed = out
        .trim_end_matches([',', ';', ':', '(', '/', '&', '+', '-', '–', '—', ' '])
        .len();
    out.truncate(trimmed);
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
