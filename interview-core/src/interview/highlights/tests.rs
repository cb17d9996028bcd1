use super::*;

#[test]
fn a_contact_header_line_and_headings_are_never_highlights() {
    let resume = "Priya Raman\n\
        Senior Backend Engineer | priya.raman@example.com | (415) 555-0142\n\
        EXPERIENCE\n\
        Skills:\n\
        - Built a payment ledger in Rust handling 2k TPS\n";
    assert_eq!(
        resume_highlights(resume),
        ["Built a payment ledger in Rust handling 2k TPS"]
    );
}

#[test]
fn wrapped_bullets_are_joined_before_choosing() {
    let resume = "- Designed the settlement platform that reconciles card, bank and\n\
        wallet payments across eleven markets\n\
        - Reduced infrastructure spend by\n\
        $1.2M a year by moving batch jobs to spot instances\n\
        - Rewrote the event-\n\
        driven billing pipeline in Go\n";
    assert_eq!(
        resume_highlights(resume),
        [
            "Designed the settlement platform that reconciles card, bank and wallet payments \
             across eleven markets",
            "Reduced infrastructure spend by $1.2M a year by moving batch jobs to spot instances",
            "Rewrote the event-driven billing pipeline in Go",
        ]
    );
}

#[test]
fn items_with_numbers_win_and_keep_resume_order() {
    let mut resume = String::new();
    for i in 0..8 {
        resume.push_str(&format!(
            "- Worked on the internal tooling area number {}\n",
            [
                "one", "two", "three", "four", "five", "six", "seven", "eight"
            ][i]
        ));
        if i == 2 {
            resume.push_str("- Cut p99 latency from 850 ms to 120 ms for checkout\n");
        }
        if i == 6 {
            resume.push_str("- Grew weekly active users by 40% in two quarters\n");
        }
    }
    let picked = resume_highlights(&resume);
    assert_eq!(picked.len(), MAX_HIGHLIGHTS);
    let latency = picked.iter().position(|h| h.contains("850 ms"));
    let growth = picked.iter().position(|h| h.contains("40%"));
    assert!(latency.is_some() && growth.is_some(), "{picked:?}");
    assert!(latency < growth, "resume order: {picked:?}");
    // The rest are the earliest of the equals, in order.
    assert!(picked[0].ends_with("number one"), "{picked:?}");
    assert_eq!(picked, resume_highlights(&resume), "stable");
}

#[test]
fn competencies_raise_an_item() {
    let resume = "- Wrote the team's onboarding guide\n\
        - Ran the weekly incident review\n\
        - Designed the public API for partners\n";
    let plain = resume_highlights(resume);
    assert_eq!(plain.len(), 3);
    let mut long = String::new();
    for name in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"] {
        long.push_str(&format!(
            "- Built the internal {name} service for billing\n"
        ));
    }
    long.push_str("- Ran the weekly incident review with on-call engineers\n");
    assert!(
        !resume_highlights(&long)
            .iter()
            .any(|h| h.contains("incident review"))
    );
    assert!(
        resume_highlights_for(&long, &["Incident response", "incident"])
            .iter()
            .any(|h| h.contains("incident review"))
    );
}

#[test]
fn years_and_names_with_digits_are_no_figures() {
    assert_eq!(number_strength("2019 - 2023 Senior Engineer"), 0);
    assert_eq!(number_strength("Moved assets to S3 and EC2 over HTTP/2"), 0);
    assert_eq!(number_strength("Served 2k TPS for 18 months"), 1);
    assert_eq!(number_strength("Saved $1.2M, a 3x gain (40%)"), 2);
}

#[test]
fn a_long_item_is_cut_at_a_clause_or_word_boundary_without_a_dangling_word() {
    let clause = "Designed and built the event-driven settlement platform for eleven markets, \
        with exactly-once processing and full audit trails for every payment and refund";
    let short = shorten(clause);
    assert_eq!(
        short,
        "Designed and built the event-driven settlement platform for eleven markets…"
    );
    let sentence = "Led the migration of the billing monolith to Kubernetes. It took six months and \
        touched forty services owned by nine different teams across three offices";
    assert_eq!(
        shorten(sentence),
        "Led the migration of the billing monolith to Kubernetes."
    );
    let words = "Built a streaming ingestion service that moves telemetry from edge devices \
        through regional gateways into the analytics warehouse and the alerting system";
    let short = shorten(words);
    assert!(short.chars().count() <= HIGHLIGHT_CHARS, "{short}");
    assert!(short.ends_with("the analytics…"), "{short}");
    let hyphen = "Built a streaming ingestion service that moves telemetry from edge devices \
        via regional gateways to the warehouse - event- driven and exactly once";
    let short = shorten(hyphen);
    assert!(!short.contains("- …") && !short.ends_with("-…"), "{short}");
}

#[test]
fn a_cut_or_broken_item_is_dropped() {
    assert!(resume_highlights("- Built the ledger service for the payments team…\n").is_empty());
    assert!(resume_highlights("- Built the ledger service for the pay-\n").is_empty());
}

#[test]
fn a_bullet_in_the_middle_of_a_line_starts_an_item() {
    assert_eq!(
        split_columns("Rust, Go, PostgreSQL - Built a payment ledger"),
        ["Rust, Go, PostgreSQL", "- Built a payment ledger"]
    );
    assert_eq!(
        split_columns("Languages • Reduced build times by 40%"),
        ["Languages", "• Reduced build times by 40%"]
    );
    assert_eq!(
        split_columns("2020 – 2024 | Lead Engineer, Globex • Owned the payments API"),
        [
            "2020 – 2024",
            "Lead Engineer, Globex",
            "• Owned the payments API"
        ]
    );
    assert_eq!(
        split_columns("SKILLS deliveries a day across 14 countries"),
        ["SKILLS", "deliveries a day across 14 countries"]
    );
    for line in [
        "Skills deliveries a day",
        "Cut latency by 40% - from 850 ms to 120 ms",
        "Acme Payments - Senior Engineer",
        "- Built the ledger",
    ] {
        assert_eq!(split_columns(line), [line]);
    }
}

#[test]
fn no_part_of_a_contact_line_is_a_highlight_but_the_other_column_is() {
    let resume = "Senior Backend Engineer at Acme • priya.raman@example.com • (415) 555-0142\n\
        Staff Engineer at Globex | linkedin.com/in/priya\n\
        marcus.chen@example.com • Designed the routing engine for 14 countries\n";
    assert_eq!(
        resume_highlights(resume),
        ["Designed the routing engine for 14 countries"]
    );
}

#[test]
fn hostile_layouts_never_panic_and_stay_bounded() {
    // Pieces that exercise every split and join: bullets, cells, headings,
    // multi-byte letters, broken words, connectives, figures.
    let pieces = [
        "• ",
        " • ",
        " | ",
        "| ",
        " - Built ",
        "SKILLS ",
        "EXPERIENCE",
        "é",
        "日本",
        "-",
        "–",
        "and",
        "of ",
        "40% ",
        "$1.2M ",
        "2019–2023 ",
        "x",
        ",",
        "\n",
        "\n\n",
        "1. ",
        "…",
        "Led ",
        "a@b.co ",
        "word",
    ];
    let mut seed = 7_u64;
    for _ in 0..100 {
        let mut resume = String::new();
        for _ in 0..200 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            resume.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        let highlights = resume_highlights_for(&resume, &["word", "日本", ""]);
        assert!(highlights.len() <= MAX_HIGHLIGHTS);
        for highlight in &highlights {
            assert!(
                highlight.chars().count() <= HIGHLIGHT_CHARS,
                "{highlight:?}"
            );
            assert!(
                !highlight.trim_end_matches('…').ends_with('-'),
                "{highlight:?}"
            );
        }
    }
    let huge = "• Built the ledger for 2k TPS ".repeat(300);
    assert!(resume_highlights(&huge).len() <= 1);
}
