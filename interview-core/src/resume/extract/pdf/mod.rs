//! PDF: lopdf parses the file and tells encryption apart; pdf-extract lays out the text.
//!
//! Neither bounds what it inflates, so every stream either decodes is measured
//! first against [`ExtractLimits::max_decompressed_bytes`](super::ExtractLimits):
//! what lopdf inflates while loading ([`load`]), then what pdf-extract will inflate,
//! counted as often as it will inflate it ([`plan`]).

mod decode;
mod load;
mod plan;
mod syntax;

use std::cell::RefCell;
use std::io;
use std::rc::Rc;

use pdf_extract::{MediaBox, OutputDev, OutputError, PlainTextOutput, Transform};

use super::ExtractError;
use super::limits::Budget;

/// The raw text of a PDF, pages separated by blank lines.
pub(super) fn extract(bytes: &[u8], budget: &Budget<'_>) -> Result<String, ExtractError> {
    let mut allowance = decode::Allowance::new(budget.limits.max_decompressed_bytes);
    let mut document = load::load(bytes, &mut allowance, budget)?;
    // lopdf opens files encrypted with an empty user password by itself (the common
    // "restrict printing" case) and removes /Encrypt; what is left needs a password.
    if document.is_encrypted() {
        return Err(ExtractError::Encrypted);
    }
    let pages = document.get_pages().len();
    if pages == 0 {
        return Err(ExtractError::Corrupt("the PDF has no pages".into()));
    }
    if pages > budget.limits.max_pages {
        return Err(ExtractError::LimitExceeded(format!(
            "the PDF has {pages} pages; the limit is {}",
            budget.limits.max_pages
        )));
    }
    budget.checkpoint()?;
    plan::check(&mut document, &mut allowance, budget)?;
    budget.checkpoint()?;

    let text = Rc::new(RefCell::new(TextSink::new(
        budget.limits.max_raw_text_bytes(),
    )));
    let mut writer = SharedSink(Rc::clone(&text));
    let writer: &mut dyn io::Write = &mut writer;
    let mut output = PageOutput {
        layout: PlainTextOutput::new(writer),
        text: Rc::clone(&text),
        budget,
        stopped: None,
    };
    let result = pdf_extract::output_doc(&document, &mut output);
    if let Some(stop) = output.stopped.take() {
        return Err(stop);
    }
    result.map_err(|error| match error {
        OutputError::PdfError(error) => load_error(error),
        other => ExtractError::Corrupt(other.to_string()),
    })?;
    let extracted = std::mem::take(&mut text.borrow_mut().text);
    Ok(extracted)
}

fn load_error(error: lopdf::Error) -> ExtractError {
    match error {
        lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => ExtractError::Encrypted,
        other => ExtractError::Corrupt(other.to_string()),
    }
}

/// Where pdf-extract's text goes: a buffer that refuses to grow past a cap.
#[derive(Debug)]
struct TextSink {
    text: String,
    cap: usize,
    full: bool,
}

impl TextSink {
    fn new(cap: usize) -> Self {
        Self {
            text: String::new(),
            cap,
            full: false,
        }
    }

    fn push(&mut self, piece: &str) -> io::Result<()> {
        if self.text.len() + piece.len() > self.cap {
            self.full = true;
            return Err(io::Error::other("text limit reached"));
        }
        self.text.push_str(piece);
        Ok(())
    }
}

/// The writer handed to pdf-extract's layout; it shares the sink with [`PageOutput`],
/// which adds page breaks between the layout's characters.
struct SharedSink(Rc<RefCell<TextSink>>);

impl io::Write for SharedSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // pdf-extract writes whole `str`s through `fmt::Write`, so a buffer is valid
        // UTF-8; anything else is replaced rather than trusted.
        let piece = String::from_utf8_lossy(buf);
        self.0.borrow_mut().push(&piece)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// pdf-extract's plain-text layout, plus page breaks, the text cap and the deadline.
struct PageOutput<'a, 'b> {
    layout: PlainTextOutput<&'a mut dyn io::Write>,
    text: Rc<RefCell<TextSink>>,
    budget: &'a Budget<'b>,
    /// Why this output stopped pdf-extract, if it did.
    stopped: Option<ExtractError>,
}

impl PageOutput<'_, '_> {
    fn stop(&mut self, why: ExtractError) -> OutputError {
        self.stopped = Some(why);
        OutputError::IoError(io::Error::other("extraction stopped"))
    }

    fn check_full(&mut self, result: Result<(), OutputError>) -> Result<(), OutputError> {
        if result.is_err() && self.text.borrow().full {
            let cap = self.budget.limits.max_text_chars;
            return Err(self.stop(ExtractError::LimitExceeded(format!(
                "the PDF holds more than {cap} characters of text"
            ))));
        }
        result
    }
}

impl OutputDev for PageOutput<'_, '_> {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        if let Err(timed_out) = self.budget.checkpoint() {
            return Err(self.stop(timed_out));
        }
        if page_num > 1 {
            let pushed = self
                .text
                .borrow_mut()
                .push("\n\n")
                .map_err(OutputError::IoError);
            self.check_full(pushed)?;
        }
        self.layout.begin_page(page_num, media_box, art_box)
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        self.layout.end_page()
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        let written = self
            .layout
            .output_character(trm, width, spacing, font_size, char);
        self.check_full(written)
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        self.layout.begin_word()
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        self.layout.end_word()
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        self.layout.end_line()
    }
}
