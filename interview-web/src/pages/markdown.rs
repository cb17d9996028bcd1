//! Job descriptions: markdown written by whoever defines positions, shown to
//! candidates as HTML that can carry nothing but text and formatting.
//!
//! pulldown-cmark passes raw HTML through by design; here every raw HTML block or
//! inline tag becomes escaped text, links keep only `http`, `https` and `mailto`
//! addresses (a `javascript:` link shows as its text), images show as their
//! description (the page loads nothing from elsewhere), and headings start below
//! the page's own.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The description as safe HTML (empty for an empty description).
pub(crate) fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut dropped_link = false;
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            if is_safe_address(&dest_url) {
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                dropped_link = true;
                None
            }
        }
        // Links do not nest in CommonMark: the next end is the dropped one's.
        Event::End(TagEnd::Link) if dropped_link => {
            dropped_link = false;
            None
        }
        // An image's description arrives as text between its start and end.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Start(Tag::Heading {
            level,
            id: _,
            classes: _,
            attrs: _,
        }) => Some(Event::Start(Tag::Heading {
            level: below_page_headings(level),
            id: None,
            classes: Vec::new(),
            attrs: Vec::new(),
        })),
        Event::End(TagEnd::Heading(level)) => {
            Some(Event::End(TagEnd::Heading(below_page_headings(level))))
        }
        other => Some(other),
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The page has its `h1` (the title) and `h2` (the description's own heading):
/// the description's headings start at `h3`.
fn below_page_headings(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 | HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

/// Whether a link may keep its address: absolute `http`, `https` or `mailto`.
fn is_safe_address(address: &str) -> bool {
    let address = address.trim_start().to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| address.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_is_kept() {
        let html = render("# About us\n\nWe build **fast** _things_.\n\n- Rust\n- SQL\n");
        assert!(html.contains("<h3>About us</h3>"), "{html}");
        assert!(html.contains("<strong>fast</strong>"), "{html}");
        assert!(html.contains("<em>things</em>"), "{html}");
        assert!(html.contains("<li>Rust</li>"), "{html}");
        assert_eq!(render(""), "");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render(
            "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(2)> there\n\n<div onclick=\"x()\">block</div>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<div"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(2)&gt;"),
            "{html}"
        );
    }

    #[test]
    fn only_web_and_mail_links_keep_their_address() {
        let html = render(
            "[site](https://acme.example/jobs) [mail](mailto:jobs@acme.example) \
             [bad](javascript:alert(1)) [data](data:text/html,x) [rel](/admin) \
             [quote](https://x.example/\"onmouseover=alert(1))",
        );
        assert!(
            html.contains("<a href=\"https://acme.example/jobs\">site</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"mailto:jobs@acme.example\">mail</a>"),
            "{html}"
        );
        assert!(!html.contains("javascript"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(!html.contains("/admin"), "{html}");
        assert!(
            html.contains(" bad "),
            "the text of a dropped link stays: {html}"
        );
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn images_show_their_description() {
        let html = render("![Our office](https://tracker.example/pixel.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("tracker"), "{html}");
        assert!(html.contains("Our office"), "{html}");
    }
}
