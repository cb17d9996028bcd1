//! Neutralising, line by line, what in untrusted text reads as the prompt's own
//! structure: fences, control markers, headings, delimiter lines, section titles
//! and highlight ids. Every check is made on the folded views (`fold.rs`), so
//! look-alikes, invisible characters and character references are caught alike;
//! what is written back stays readable.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use super::fold::{BracketKind, Unit, brackets, strip_invisible, units};
use super::{CANDIDATE_NOTE, MARKER_REMOVED};

/// A name the prompt uses in a fence or a control marker (`END_CANDIDATE_RESUME`,
/// `END_INTERVIEW`), as it folds without separators.
#[derive(Debug, Clone)]
pub(super) struct Name {
    pub(super) squashed: String,
    /// Written with `_`: in any spelling it is a marker. A one-word name
    /// (`TRANSCRIPT`) is an ordinary word unless a bracket is next to it.
    pub(super) compound: bool,
}

/// What structure looks like: the names and the section titles (as folded words).
#[derive(Debug, Clone)]
pub(super) struct Structure {
    pub(super) names: Vec<Name>,
    pub(super) labels: Vec<Vec<String>>,
}

/// One word of a line: a run of letters and digits (invisible units inside it do
/// not break it).
#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) fold: String,
    pub(super) lite: String,
    has_lower: bool,
}

pub(super) fn tokens(units: &[Unit], line: &str) -> Vec<Token> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut open = false;
    for (index, unit) in units.iter().enumerate() {
        if unit.is_transparent() {
            continue;
        }
        if !unit.is_alphanumeric() {
            open = false;
            continue;
        }
        let lower = line[unit.span.clone()].chars().any(char::is_lowercase);
        match tokens.last_mut() {
            Some(token) if open => {
                token.last = index;
                token.fold.push_str(&unit.fold);
                token.lite.push_str(&unit.lite);
                token.has_lower |= lower;
            }
            _ => tokens.push(Token {
                first: index,
                last: index,
                fold: unit.fold.clone(),
                lite: unit.lite.clone(),
                has_lower: lower,
            }),
        }
        open = true;
    }
    tokens
}

/// A separator that joins the words of an identifier (`END_INTERVIEW`,
/// `END-INTERVIEW`, `END.INTERVIEW`).
fn is_connector(unit: &Unit) -> bool {
    matches!(
        unit.fold.as_str(),
        "_" | "-" | "." | "*" | "~" | "+" | "=" | "/" | "·"
    )
}

/// Punctuation that is never a delimiter run: sentences use it, and `(` and `)`
/// are what angle-bracket runs become.
const NOT_DELIMITERS: &str = ".,;:!?'\"()%&@/\\$";

/// At most this many passes; each one only removes structure, so the text
/// settles after one or two.
const MAX_PASSES: usize = 8;

/// `line` (without `\n`, invisible characters already removed) with its structure
/// neutralised, until nothing changes.
pub(super) fn clean_line(line: &str, structure: &Structure) -> String {
    let mut current = line.to_owned();
    for _ in 0..MAX_PASSES {
        let next = pass(&current, structure);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

fn pass(line: &str, structure: &Structure) -> String {
    let units = units(line);
    let mut replacement: Vec<Option<String>> = vec![None; units.len()];
    remove_names(line, &units, &structure.names, &mut replacement);
    break_bracket_runs(line, &units, &mut replacement);
    drop_delimiter_runs(line, &units, &mut replacement);
    drop_heading_marks(&units, &mut replacement);
    let mut out = String::with_capacity(line.len());
    for (unit, replaced) in units.iter().zip(&replacement) {
        match replaced {
            Some(text) => out.push_str(text),
            None => out.push_str(&line[unit.span.clone()]),
        }
    }
    // A joiner kept between two non-ASCII characters may now sit next to an ASCII
    // replacement, where it does nothing.
    let mut out = strip_invisible(&out);
    if is_label_line(&out, &structure.labels) {
        out.insert_str(0, CANDIDATE_NOTE);
    }
    out
}

/// The next unit from `from` in `direction` that is not invisible, not a space and
/// not a connector.
fn neighbour(units: &[Unit], from: usize, forward: bool) -> Option<usize> {
    let mut index = from;
    loop {
        index = if forward {
            index.checked_add(1).filter(|i| *i < units.len())?
        } else {
            index.checked_sub(1)?
        };
        let unit = &units[index];
        if !(unit.is_transparent() || unit.is_space() || is_connector(unit)) {
            return Some(index);
        }
    }
}

/// Fence and marker names, in any spelling, become [`MARKER_REMOVED`], with the
/// brackets and connectors stuck to them. A name may start or end inside a word
/// (`RulesEND_INTERVIEW`): a reader still sees it.
fn remove_names(line: &str, units: &[Unit], names: &[Name], replacement: &mut [Option<String>]) {
    let tokens = tokens(units, line);
    let longest = names.iter().map(|n| n.squashed.len()).max().unwrap_or(0);
    let is_bracket = |index: usize| brackets(&units[index], line).is_some();
    let mut i = 0;
    while i < tokens.len() {
        // The folded text of tokens i..=j, and which unit each byte comes from.
        let mut joined = String::new();
        let mut owner: Vec<usize> = Vec::new();
        let mut connected = false;
        let mut found: Option<(usize, usize, usize)> = None; // (j, first unit, last unit)
        for j in i..tokens.len() {
            if j > i {
                let gap = &units[tokens[j - 1].last + 1..tokens[j].first];
                let visible: Vec<&Unit> = gap.iter().filter(|u| !u.is_transparent()).collect();
                if visible.len() > 3 || !visible.iter().all(|u| u.is_space() || is_connector(u)) {
                    break;
                }
                connected |= visible.iter().any(|u| is_connector(u));
            }
            let token_start = joined.len();
            for (index, unit) in units
                .iter()
                .enumerate()
                .take(tokens[j].last + 1)
                .skip(tokens[j].first)
            {
                joined.push_str(&unit.fold);
                owner.extend(std::iter::repeat_n(index, unit.fold.len()));
            }
            let first_len = tokens[i].fold.len();
            for name in names {
                for (at, _) in joined.match_indices(name.squashed.as_str()) {
                    let end = at + name.squashed.len();
                    // Each occurrence is looked at once: from its first token to
                    // its last.
                    if at >= first_len || end <= token_start {
                        continue;
                    }
                    let (first, last) = (owner[at], owner[end - 1]);
                    let matched = &units[first..=last];
                    let whole = at == 0 && end == joined.len();
                    let bracketed = neighbour(units, first, false).is_some_and(is_bracket)
                        || neighbour(units, last, true).is_some_and(is_bracket);
                    let shouted = matched
                        .iter()
                        .all(|u| !line[u.span.clone()].chars().any(char::is_lowercase));
                    let span = &tokens[i..=j];
                    let spelled_out =
                        span.len() > 2 && span.iter().all(|t| t.fold.chars().count() == 1);
                    let valid = (bracketed && whole)
                        || (name.compound
                            && ((i == j && whole) || connected || shouted || spelled_out));
                    if valid && found.is_none_or(|(best, _, _)| j >= best) {
                        found = Some((j, first, last));
                    }
                }
            }
            if joined.len() > first_len + longest {
                break;
            }
        }
        let Some((j, first, last)) = found else {
            i += 1;
            continue;
        };
        // Take the brackets and connectors stuck to the name with it.
        let stuck = |index: usize| {
            let unit = &units[index];
            is_bracket(index) || (!unit.is_space() && (unit.is_transparent() || is_connector(unit)))
        };
        let mut first = first;
        while first > 0 && stuck(first - 1) {
            first -= 1;
        }
        let mut last = last;
        while last + 1 < units.len() && stuck(last + 1) {
            last += 1;
        }
        for (offset, slot) in replacement[first..=last].iter_mut().enumerate() {
            *slot = Some(if offset == 0 {
                MARKER_REMOVED.to_owned()
            } else {
                String::new()
            });
        }
        i = j + 1;
    }
}

/// Two or more angle brackets in a row (`<<<`, `⟨⟨`, `≪`, `&lt;&lt;`), or two or
/// more square ones (`[[`, `⟦`), spaces between them allowed, become parentheses:
/// nothing shaped like a fence or a `[[...]]` marker is left, and a reader still
/// sees where they were.
fn break_bracket_runs(line: &str, units: &[Unit], replacement: &mut [Option<String>]) {
    let mut i = 0;
    while i < units.len() {
        let Some((kind, plain)) = brackets(&units[i], line).filter(|_| replacement[i].is_none())
        else {
            i += 1;
            continue;
        };
        let mut run = vec![(i, plain)];
        let mut next = i + 1;
        loop {
            let mut k = next;
            while k < units.len()
                && replacement[k].is_none()
                && (units[k].is_transparent() || units[k].is_space())
            {
                k += 1;
            }
            match brackets_of_kind(line, units, replacement, k, kind) {
                Some(plain) => {
                    run.push((k, plain));
                    next = k + 1;
                }
                None => break,
            }
        }
        let count: usize = run.iter().map(|(_, plain)| plain.len()).sum();
        if count >= 2 {
            for (index, plain) in run {
                replacement[index] = Some(plain);
            }
        }
        i = next;
    }
}

fn brackets_of_kind(
    line: &str,
    units: &[Unit],
    replacement: &[Option<String>],
    index: usize,
    kind: BracketKind,
) -> Option<String> {
    let unit = units.get(index)?;
    if replacement[index].is_some() {
        return None;
    }
    brackets(unit, line)
        .filter(|(k, _)| *k == kind)
        .map(|(_, plain)| plain)
}

/// A delimiter drawn with three or more of the same symbol (`=====`, `-----`,
/// `* * *`, `#####`, `═══`, `~~~`, fenced-code backticks) becomes one space.
fn drop_delimiter_runs(line: &str, units: &[Unit], replacement: &mut [Option<String>]) {
    let mut i = 0;
    while i < units.len() {
        let Some(c) = delimiter_symbol(line, units, replacement, i) else {
            i += 1;
            continue;
        };
        let mut members = vec![i];
        let mut k = i + 1;
        loop {
            let mut probe = k;
            let mut spaces = 0;
            while probe < units.len() && (units[probe].is_transparent() || units[probe].is_space())
            {
                spaces += usize::from(units[probe].is_space());
                probe += 1;
            }
            if spaces <= 1
                && probe < units.len()
                && delimiter_symbol(line, units, replacement, probe) == Some(c)
            {
                members.push(probe);
                k = probe + 1;
            } else {
                break;
            }
        }
        if members.len() >= 3 {
            let (first, last) = (members[0], members[members.len() - 1]);
            for (offset, slot) in replacement[first..=last].iter_mut().enumerate() {
                *slot = Some(if offset == 0 {
                    " ".to_owned()
                } else {
                    String::new()
                });
            }
        }
        i = k;
    }
}

/// The symbol a unit draws a delimiter with, if it can.
fn delimiter_symbol(
    line: &str,
    units: &[Unit],
    replacement: &[Option<String>],
    index: usize,
) -> Option<char> {
    let unit = &units[index];
    if replacement[index].is_some() || brackets(unit, line).is_some() {
        return None;
    }
    let mut chars = unit.fold.chars();
    let c = chars.next()?;
    let single = chars.next().is_none();
    // Box drawing folds to CJK look-alikes (`─` to `一`): either view may say it.
    let mut original = line[unit.span.clone()].chars();
    let drawn = draws_lines(c)
        || (original.clone().count() == 1 && original.next().is_some_and(draws_lines));
    (single && drawn).then_some(c)
}

/// Whether `c` is something delimiter lines are drawn with: ASCII punctuation
/// (other than sentence punctuation), dashes and connectors of any script, box
/// drawing and block elements. Emoji and other symbols are content (`⭐⭐⭐⭐⭐`).
fn draws_lines(c: char) -> bool {
    if NOT_DELIMITERS.contains(c) {
        return false;
    }
    c.is_ascii_punctuation()
        || matches!(
            c.general_category(),
            GeneralCategory::DashPunctuation | GeneralCategory::ConnectorPunctuation
        )
        || ('\u{2500}'..='\u{259F}').contains(&c)
}

/// A markdown heading's `#` marks go (the words stay): only the prompt has
/// headings.
fn drop_heading_marks(units: &[Unit], replacement: &mut [Option<String>]) {
    let mut index = 0;
    while index < units.len()
        && replacement[index].is_none()
        && (units[index].is_transparent() || units[index].is_space())
    {
        index += 1;
    }
    let mut removed = false;
    while index < units.len()
        && replacement[index].is_none()
        && (units[index].fold == "#" || units[index].is_transparent())
    {
        replacement[index] = Some(String::new());
        removed = true;
        index += 1;
    }
    while removed
        && index < units.len()
        && replacement[index].is_none()
        && (units[index].is_space() || units[index].is_transparent())
    {
        replacement[index] = Some(String::new());
        index += 1;
    }
}

/// Whether `line` starts like one of the prompt's own lines: a section title
/// (`Rules`, `Resume highlights:`, `Interview status:`), a speaker's label
/// (`System:`, `Assistant:`) or a highlight id (`H1:`), whatever marks surround it.
pub(super) fn is_label_line(line: &str, labels: &[Vec<String>]) -> bool {
    let units = units(line);
    let tokens = tokens(&units, line);
    let Some(first) = tokens.first() else {
        return false;
    };
    let next_visible = |after: usize| {
        units[after + 1..]
            .iter()
            .find(|u| !u.is_transparent() && !u.is_space())
    };
    let number =
        |token: &Token| token.lite.len() <= 3 && token.lite.chars().all(|c| c.is_ascii_digit());
    // `H1`, `h12`: our highlight ids, followed by anything but more letters.
    let lite = first.lite.as_str();
    if lite.len() >= 2
        && lite.len() <= 4
        && lite.starts_with('h')
        && lite[1..].chars().all(|c| c.is_ascii_digit())
    {
        return true;
    }
    // A leading "1." or "2)" numbers a list; the label may follow it.
    let start = usize::from(
        number(first) && next_visible(first.last).is_some_and(|u| u.fold == "." || u.fold == ")"),
    );
    labels.iter().any(|label| {
        let Some(words) = tokens.get(start..start + label.len()) else {
            return false;
        };
        if !words
            .iter()
            .zip(label)
            .all(|(token, word)| token.fold == *word)
        {
            return false;
        }
        let mut end = start + label.len();
        if tokens.get(end).is_some_and(number) {
            end += 1;
        }
        let last_unit = tokens[end - 1].last;
        let rest_has_words = tokens.len() > end;
        !rest_has_words || next_visible(last_unit).is_some_and(|u| u.fold.starts_with(':'))
    })
}
