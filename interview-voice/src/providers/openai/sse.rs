//! A server-sent events parser (the WHATWG event-stream format) that takes the
//! body in whatever pieces the network delivers.
//!
//! Lines may end in `\n`, `\r\n` or `\r`, and a piece may end anywhere: inside a
//! field, between `\r` and `\n`, inside a UTF-8 character. Comments (`:` lines,
//! used as keep-alives) are skipped; `data:` lines of one event are joined with
//! `\n`; an event is dispatched at a blank line when it has data.

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, when the server named the event type.
    pub event: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `id:` field, when present.
    pub id: Option<String>,
}

/// Incremental parser: [`push`](SseParser::push) bytes as they arrive, then take
/// events with [`next_event`](SseParser::next_event) until it returns `None`.
#[derive(Debug, Default)]
pub struct SseParser {
    /// Received bytes not yet parsed into lines, from `pos` on.
    buf: Vec<u8>,
    pos: usize,
    /// Bytes before this index hold no line ending past `pos`: a line arriving a
    /// byte at a time is scanned once, not once per byte.
    scanned: usize,
    /// The last line ended in `\r` at the very end of the input so far, so a `\n`
    /// starting the next piece belongs to that line ending.
    skip_lf: bool,
    data: String,
    data_lines: usize,
    event: Option<String>,
    id: Option<String>,
}

/// Past this many parsed bytes the buffer is compacted even if it is not empty.
const COMPACT_AFTER: usize = 8 * 1024;

impl SseParser {
    /// An empty parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next piece of the stream.
    pub fn push(&mut self, mut chunk: &[u8]) {
        if self.skip_lf && !chunk.is_empty() {
            self.skip_lf = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.scanned = 0;
        } else if self.pos >= COMPACT_AFTER {
            self.buf.drain(..self.pos);
            self.scanned = self.scanned.saturating_sub(self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event, or `None` until more bytes are pushed.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            let search_from = self.scanned.max(self.pos);
            let Some(offset) = self.buf[search_from..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
            else {
                self.scanned = self.buf.len();
                return None;
            };
            let end = search_from - self.pos + offset;
            let rest = &self.buf[self.pos..];
            let mut consumed = end + 1;
            if rest[end] == b'\r' {
                match rest.get(end + 1) {
                    Some(b'\n') => consumed += 1,
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
            let (start, stop) = (self.pos, self.pos + end);
            self.pos += consumed;
            let line = &self.buf[start..stop];
            if line.is_empty() {
                if let Some(event) = self.dispatch() {
                    return Some(event);
                }
                continue;
            }
            if line[0] == b':' {
                continue;
            }
            let (field, value) = match line.iter().position(|&b| b == b':') {
                Some(colon) => {
                    let value = &line[colon + 1..];
                    (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
                }
                None => (line, &[][..]),
            };
            match field {
                b"data" => {
                    if self.data_lines > 0 {
                        self.data.push('\n');
                    }
                    self.data.push_str(&String::from_utf8_lossy(value));
                    self.data_lines += 1;
                }
                b"event" => self.event = Some(String::from_utf8_lossy(value).into_owned()),
                b"id" if !value.contains(&0) => {
                    self.id = Some(String::from_utf8_lossy(value).into_owned());
                }
                // `retry` and unknown fields are ignored, as the format says.
                _ => {}
            }
        }
    }

    /// Ends the current event at a blank line.
    fn dispatch(&mut self) -> Option<SseEvent> {
        let has_data = !self.data.is_empty();
        self.data_lines = 0;
        let event = self.event.take();
        if !has_data {
            return None;
        }
        Some(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
            // The last event id persists across events, as in a browser.
            id: self.id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_in_pieces(stream: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
        let mut parser = SseParser::new();
        let mut events = Vec::new();
        let mut last = 0;
        for &cut in cuts.iter().chain(std::iter::once(&stream.len())) {
            parser.push(&stream[last..cut]);
            last = cut;
            while let Some(event) = parser.next_event() {
                events.push(event);
            }
        }
        events
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    const STREAM: &str = concat!(
        ": keep-alive\n\n",
        "data: {\"a\":\"é\"}\n\n",
        "data: two\r\n\r\n",
        "event: error\r\ndata: {\"error\":{\"message\":\"boom\"}}\r\n\r\n",
        "data:line one\ndata: line two\n\n",
        ":comment\r\n",
        "id: 7\rdata: cr only\r\r",
        "data: 漢字🙂\n\n",
        "data: [DONE]\n\n",
    );

    fn expected() -> Vec<SseEvent> {
        let plain = |data: &str| SseEvent {
            event: None,
            data: data.to_owned(),
            id: None,
        };
        vec![
            plain("{\"a\":\"é\"}"),
            plain("two"),
            SseEvent {
                event: Some("error".to_owned()),
                data: "{\"error\":{\"message\":\"boom\"}}".to_owned(),
                id: None,
            },
            plain("line one\nline two"),
            SseEvent {
                event: None,
                data: "cr only".to_owned(),
                id: Some("7".to_owned()),
            },
            SseEvent {
                event: None,
                data: "漢字🙂".to_owned(),
                id: Some("7".to_owned()),
            },
            SseEvent {
                event: None,
                data: "[DONE]".to_owned(),
                id: Some("7".to_owned()),
            },
        ]
    }

    #[test]
    fn whole_stream() {
        assert_eq!(parse_in_pieces(STREAM.as_bytes(), &[]), expected());
    }

    #[test]
    fn split_at_every_byte_boundary() {
        let bytes = STREAM.as_bytes();
        for cut in 0..=bytes.len() {
            assert_eq!(
                parse_in_pieces(bytes, &[cut]),
                expected(),
                "split at byte {cut}"
            );
        }
    }

    #[test]
    fn split_at_every_pair_of_boundaries() {
        let bytes = STREAM.as_bytes();
        for first in 0..=bytes.len() {
            for second in first..=bytes.len() {
                assert_eq!(
                    parse_in_pieces(bytes, &[first, second]),
                    expected(),
                    "split at bytes {first} and {second}"
                );
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let bytes = STREAM.as_bytes();
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(parse_in_pieces(bytes, &cuts), expected());
    }

    #[test]
    fn empty_data_and_unterminated_events_are_not_dispatched() {
        let events = parse_in_pieces(b"data:\n\nevent: x\n\ndata: half", &[]);
        assert!(events.is_empty());
        let events = parse_in_pieces(b"data\ndata\n\n", &[]);
        assert_eq!(data(&events), ["\n"]);
    }

    #[test]
    fn crlf_split_between_cr_and_lf_is_one_line_end() {
        let events = parse_in_pieces(b"data: a\r\n\r\ndata: b\r\n\r\n", &[8, 9, 10]);
        assert_eq!(data(&events), ["a", "b"]);
    }

    #[test]
    fn long_streams_compact_the_buffer() {
        let mut parser = SseParser::new();
        let event = b"data: 0123456789012345678901234567890123456789\n\n";
        let mut count = 0;
        for _ in 0..1000 {
            parser.push(&event[..20]);
            parser.push(&event[20..]);
            while parser.next_event().is_some() {
                count += 1;
            }
        }
        assert_eq!(count, 1000);
        assert!(parser.buf.len() < 2 * COMPACT_AFTER);
    }
}
