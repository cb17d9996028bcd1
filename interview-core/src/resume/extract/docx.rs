//! DOCX: the archive is inspected and inflated within limits first, then docx-rs
//! parses it and the text is read in reading order.

use std::io::{self, BufRead, BufReader, Cursor, Read};

use quick_xml::events::Event;

use docx_rs::{
    DocumentChild, FooterChild, HeaderChild, InsertChild, MoveToChild, Paragraph, ParagraphChild,
    ReadDocxOptions, ReaderError, Run, RunChild, StructuredDataTag, StructuredDataTagChild, Table,
    TableCellContent, TableChild, TableRowChild,
};

use super::ExtractError;
use super::limits::Budget;

/// More parts than any word processor writes; each costs parsing even when empty.
const MAX_ENTRIES: usize = 5_000;

/// The deepest XML element nesting accepted. docx-rs reads nested tables
/// recursively, and a stack overflow aborts the process (no `catch_unwind` can
/// catch it): measured on a 2 MiB thread (tokio's blocking pool), a debug build
/// overflows between 30 and 40 nested tables (XML depth 93 to 123). Real documents
/// stay far below 64: a table adds three levels, a text box about a dozen.
const MAX_XML_DEPTH: usize = 64;

/// The raw text of a DOCX: headers, then the body, then footers.
pub(super) fn extract(bytes: &[u8], budget: &Budget<'_>) -> Result<String, ExtractError> {
    inspect_archive(bytes, budget)?;
    budget.checkpoint()?;
    let options = ReadDocxOptions::default().with_image_previews(false);
    let docx = docx_rs::read_docx_with_options(bytes, options).map_err(reader_error)?;
    budget.checkpoint()?;

    let mut text = Text::default();
    let section = &docx.document.section_property;
    // A document has at most one of each: first-page, default and even-page variants,
    // which usually repeat one another; each distinct one is kept once.
    let headers = [&section.first_header, &section.header, &section.even_header];
    for (_, header) in headers.into_iter().flatten() {
        text.begin_part();
        for child in &header.children {
            match child {
                HeaderChild::Paragraph(paragraph) => text.paragraph(paragraph),
                HeaderChild::Table(table) => text.table(table),
                HeaderChild::StructuredDataTag(tag) => text.structured_tag(tag),
            }
        }
        text.end_part();
    }
    text.begin_part();
    for child in &docx.document.children {
        match child {
            DocumentChild::Paragraph(paragraph) => text.paragraph(paragraph),
            DocumentChild::Table(table) => text.table(table),
            DocumentChild::StructuredDataTag(tag) => text.structured_tag(tag),
            _ => {}
        }
    }
    text.end_part();
    let footers = [&section.first_footer, &section.footer, &section.even_footer];
    for (_, footer) in footers.into_iter().flatten() {
        text.begin_part();
        for child in &footer.children {
            match child {
                FooterChild::Paragraph(paragraph) => text.paragraph(paragraph),
                FooterChild::Table(table) => text.table(table),
                FooterChild::StructuredDataTag(tag) => text.structured_tag(tag),
            }
        }
        text.end_part();
    }
    Ok(text.finish())
}

fn reader_error(error: ReaderError) -> ExtractError {
    ExtractError::Corrupt(match error {
        ReaderError::ZipError(zip) => format!("the DOCX archive is unreadable: {zip}"),
        other => format!("the DOCX is malformed: {other}"),
    })
}

/// Walks the archive before docx-rs sees it: entry count, the sizes the central
/// directory declares, then every entry inflated for real with a running cap (a
/// declared size can lie) and its XML checked ([`check_xml`]).
fn inspect_archive(bytes: &[u8], budget: &Budget<'_>) -> Result<(), ExtractError> {
    let cap = budget.limits.max_decompressed_bytes;
    let too_big = |what: &str| {
        ExtractError::LimitExceeded(format!(
            "the DOCX {what} more than the {cap} bytes allowed when decompressed"
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| {
        ExtractError::Corrupt(format!("the DOCX archive is unreadable: {error}"))
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(ExtractError::LimitExceeded(format!(
            "the DOCX has {} parts; the limit is {MAX_ENTRIES}",
            archive.len()
        )));
    }
    // `decompressed_size` is what the central directory declares, read without
    // inflating anything.
    let declared = archive.decompressed_size().unwrap_or(u128::MAX);
    if declared > u128::from(cap) {
        return Err(too_big("declares"));
    }

    let mut inflated: u64 = 0;
    for index in 0..archive.len() {
        budget.checkpoint()?;
        let mut entry = archive.by_index(index).map_err(|error| {
            ExtractError::Corrupt(format!("a part of the DOCX is unreadable: {error}"))
        })?;
        let is_xml = {
            let name = entry.name();
            name.ends_with(".xml") || name.ends_with(".rels")
        };
        let allowance = cap - inflated;
        let mut counted = Counted {
            inner: (&mut entry).take(allowance + 1),
            count: 0,
        };
        let checked = if is_xml {
            check_xml(&mut quick_xml::Reader::from_reader(BufReader::new(
                &mut counted,
            )))
        } else {
            Ok(())
        };
        // What an XML error left unread still counts, and the size is judged before
        // the XML: a part cut off at the cap also looks unclosed.
        io::copy(&mut counted, &mut io::sink()).map_err(|error| {
            ExtractError::Corrupt(format!("a part of the DOCX is damaged: {error}"))
        })?;
        if counted.count > allowance {
            return Err(too_big("inflates to"));
        }
        inflated += counted.count;
        checked?;
    }
    Ok(())
}

/// Reads one XML part as docx-rs's tokenizer will (quick-xml, end tags checked
/// against start tags), before docx-rs does. docx-rs reads each element until its
/// end tag and takes the end of the document for one more event to skip, so an
/// element left open makes it spin forever (found by fuzzing); and it reads nested
/// tables recursively, so the nesting is capped. Nothing else is validated here.
fn check_xml<R: BufRead>(xml: &mut quick_xml::Reader<R>) -> Result<(), ExtractError> {
    xml.config_mut().check_end_names = true;
    let mut buffer = Vec::new();
    let mut depth = 0usize;
    loop {
        buffer.clear();
        match xml.read_event_into(&mut buffer) {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(ExtractError::LimitExceeded(format!(
                        "the DOCX nests XML elements more than {MAX_XML_DEPTH} deep"
                    )));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) if depth == 0 => return Ok(()),
            Ok(Event::Eof) => {
                return Err(ExtractError::Corrupt(
                    "an XML part of the DOCX ends inside an element".to_owned(),
                ));
            }
            Ok(_) => {}
            Err(error) => {
                return Err(ExtractError::Corrupt(format!(
                    "an XML part of the DOCX is malformed: {error}"
                )));
            }
        }
    }
}

/// Counts the bytes read through it: how much an entry inflated to.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count += read as u64;
        Ok(read)
    }
}

/// The text being assembled: paragraphs on their own lines, table cells separated
/// by `" | "` and rows by line breaks, parts (header, body, footer) by blank lines.
#[derive(Default)]
struct Text {
    out: String,
}

impl Text {
    fn begin_part(&mut self) {
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
    }

    fn end_part(&mut self) {}

    fn finish(self) -> String {
        self.out
    }

    fn paragraph(&mut self, paragraph: &Paragraph) {
        let mut line = String::new();
        paragraph_text(&paragraph.children, &mut line);
        self.out.push_str(&line);
        self.out.push('\n');
    }

    fn table(&mut self, table: &Table) {
        for TableChild::TableRow(row) in &table.rows {
            let mut cells = Vec::with_capacity(row.cells.len());
            for TableRowChild::TableCell(cell) in &row.cells {
                let mut inner = Text::default();
                for content in &cell.children {
                    match content {
                        TableCellContent::Paragraph(paragraph) => inner.paragraph(paragraph),
                        TableCellContent::Table(table) => inner.table(table),
                        TableCellContent::StructuredDataTag(tag) => inner.structured_tag(tag),
                        TableCellContent::TableOfContents(_) => {}
                    }
                }
                // A cell's paragraphs share its slot in the row.
                let cell_text = inner.out.split_whitespace().collect::<Vec<_>>().join(" ");
                if !cell_text.is_empty() {
                    cells.push(cell_text);
                }
            }
            if !cells.is_empty() {
                self.out.push_str(&cells.join(" | "));
                self.out.push('\n');
            }
        }
    }

    fn structured_tag(&mut self, tag: &StructuredDataTag) {
        let mut runs = Vec::new();
        for child in &tag.children {
            match child {
                StructuredDataTagChild::Paragraph(paragraph) => self.paragraph(paragraph),
                StructuredDataTagChild::Table(table) => self.table(table),
                StructuredDataTagChild::StructuredDataTag(tag) => self.structured_tag(tag),
                StructuredDataTagChild::Run(run) => runs.push(run),
                _ => {}
            }
        }
        if !runs.is_empty() {
            let mut line = String::new();
            for run in runs {
                run_text(run, &mut line);
            }
            self.out.push_str(&line);
            self.out.push('\n');
        }
    }
}

fn paragraph_text(children: &[ParagraphChild], line: &mut String) {
    for child in children {
        match child {
            ParagraphChild::Run(run) => run_text(run, line),
            ParagraphChild::Insert(insert) => {
                for child in &insert.children {
                    if let InsertChild::Run(run) = child {
                        run_text(run, line);
                    }
                }
            }
            ParagraphChild::MoveTo(moved) => {
                for child in &moved.children {
                    if let MoveToChild::Run(run) = child {
                        run_text(run, line);
                    }
                }
            }
            ParagraphChild::Hyperlink(link) => paragraph_text(&link.children, line),
            ParagraphChild::StructuredDataTag(tag) => {
                for child in &tag.children {
                    match child {
                        StructuredDataTagChild::Run(run) => run_text(run, line),
                        StructuredDataTagChild::Paragraph(paragraph) => {
                            paragraph_text(&paragraph.children, line);
                        }
                        _ => {}
                    }
                }
            }
            // Deleted and moved-away text is not part of the document any more.
            _ => {}
        }
    }
}

fn run_text(run: &Run, line: &mut String) {
    for child in &run.children {
        match child {
            RunChild::Text(text) => line.push_str(&text.text),
            RunChild::Tab(_) | RunChild::PTab(_) => line.push('\t'),
            RunChild::Break(_) | RunChild::CarriageReturn(_) => line.push('\n'),
            // Field instructions (`PAGE`, `HYPERLINK "..."`) are code, not text;
            // the field's result follows in ordinary runs.
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ExtractError, MAX_XML_DEPTH, check_xml};

    fn check(xml: &str) -> Result<(), ExtractError> {
        check_xml(&mut quick_xml::Reader::from_reader(xml.as_bytes()))
    }

    #[test]
    fn well_formed_parts_pass_whatever_their_comments_and_cdata_hold() {
        check("<?xml version=\"1.0\"?><a><b><c/></b><b>x</b></a>").unwrap();
        check("<a x=\"1>2\" y='/'><!-- a <note> --><d><![CDATA[<e>]]></d></a>").unwrap();
        check(&format!(
            "{}{}",
            "<t>".repeat(MAX_XML_DEPTH),
            "</t>".repeat(MAX_XML_DEPTH)
        ))
        .unwrap();
    }

    #[test]
    fn open_mismatched_and_stray_elements_are_corrupt() {
        for xml in ["<a><b></b>", "<a><b></a></b>", "<a></a></b>", "<a><b>text"] {
            assert!(matches!(check(xml), Err(ExtractError::Corrupt(_))), "{xml}");
        }
    }

    #[test]
    fn nesting_past_the_limit_is_refused() {
        let xml = "<t>".repeat(MAX_XML_DEPTH + 1);
        assert!(matches!(check(&xml), Err(ExtractError::LimitExceeded(_))));
    }
}
