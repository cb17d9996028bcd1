//! PDF text extraction throughput, ours against poppler's `pdftotext`, on the same
//! files in the same run: `cargo bench --bench extraction`.
//!
//! The PDFs are written by the test fixtures (lopdf): resumes of 1, 2 and 5 pages
//! and a 50-page document, about 60 lines of 80 characters a page, Latin text in
//! Helvetica and mixed scripts in a Type0 font. Real-world PDFs are added when
//! present: two pdfTeX manuals Debian installs with libtasn1-doc and
//! shared-mime-info, and any files named in `EXTRACTION_BENCH_PDFS`
//! (colon-separated paths). Each side reads every file until
//! a time budget is spent; pages per second and megabytes per second are reported
//! for both, with the ratio. `pdftotext` runs as a process per file, as a server
//! shelling out to it would; the cost of merely starting a process is measured
//! too, so the reader can see how much of its time that is.
//!
//! Needs `pdftotext` (Debian: poppler-utils; `scripts/setup.sh --bench`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use interview::resume::{DocumentExtractor, ExtractLimits};

#[allow(missing_docs)]
#[path = "../interview-core/tests/fixtures/pdf.rs"]
mod pdf;

use pdf::{Font, Placed};

/// How long each side spends on each file.
const BUDGET: Duration = Duration::from_secs(3);

struct Sample {
    name: String,
    pages: usize,
    bytes: Vec<u8>,
    path: PathBuf,
}

struct Rate {
    runs: usize,
    elapsed: Duration,
}

impl Rate {
    fn per_second(&self, amount: f64) -> f64 {
        amount * self.runs as f64 / self.elapsed.as_secs_f64()
    }
}

fn main() {
    let dir =
        std::env::temp_dir().join(format!("interview-extraction-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let samples = corpus(&dir);
    let pdftotext = Command::new("pdftotext")
        .arg("-v")
        .stderr(Stdio::piped())
        .output();
    let Ok(version) = pdftotext else {
        eprintln!("pdftotext not found: install poppler-utils (scripts/setup.sh --bench)");
        std::process::exit(1);
    };
    let version = String::from_utf8_lossy(&version.stderr);
    let version = version.lines().next().unwrap_or("pdftotext").to_owned();
    // Throughput, not limits, is measured: let the 50-page report and the manuals through.
    let extractor = DocumentExtractor::new(ExtractLimits {
        max_pages: 1_000,
        max_text_chars: 10_000_000,
        timeout: Duration::from_secs(120),
        ..ExtractLimits::default()
    });

    println!(
        "{version}; {} s per file and side; release build",
        BUDGET.as_secs()
    );
    println!(
        "{:<26} {:>5} {:>8} | {:>10} {:>8} | {:>11} {:>8} | {:>6}",
        "file", "pages", "KiB", "ours p/s", "MB/s", "poppler p/s", "MB/s", "ratio"
    );
    println!("(ratio = our speed / pdftotext's speed on that file: above 1 we are faster)");
    let (mut ours_total, mut theirs_total) = (Duration::ZERO, Duration::ZERO);
    let (mut pages_total, mut bytes_total) = (0usize, 0usize);
    for sample in &samples {
        let text = extractor
            .extract_blocking(&sample.bytes)
            .expect("our extraction")
            .1;
        let poppler = run_pdftotext(&sample.path);
        assert!(
            !poppler.trim().is_empty() && !text.is_empty(),
            "both sides should read {}",
            sample.name
        );

        let ours = measure(|| {
            let extracted = extractor
                .extract_blocking(&sample.bytes)
                .expect("our extraction");
            std::hint::black_box(extracted);
        });
        let theirs = measure(|| {
            std::hint::black_box(run_pdftotext(&sample.path));
        });
        let megabytes = sample.bytes.len() as f64 / 1e6;
        let pages = sample.pages as f64;
        println!(
            "{:<26} {:>5} {:>8.1} | {:>10.1} {:>8.2} | {:>11.1} {:>8.2} | {:>6.2}",
            sample.name,
            sample.pages,
            sample.bytes.len() as f64 / 1024.0,
            ours.per_second(pages),
            ours.per_second(megabytes),
            theirs.per_second(pages),
            theirs.per_second(megabytes),
            ours.per_second(1.0) / theirs.per_second(1.0),
        );
        ours_total += ours.elapsed.div_f64(ours.runs as f64);
        theirs_total += theirs.elapsed.div_f64(theirs.runs as f64);
        pages_total += sample.pages;
        bytes_total += sample.bytes.len();
    }
    let spawn = measure(|| {
        let status = Command::new("pdftotext")
            .arg("-v")
            .stderr(Stdio::null())
            .status();
        std::hint::black_box(status.ok());
    });
    println!(
        "all files once: ours {:.1} pages/s, {:.2} MB/s; pdftotext {:.1} pages/s, {:.2} MB/s; ours/pdftotext = {:.2}",
        pages_total as f64 / ours_total.as_secs_f64(),
        bytes_total as f64 / 1e6 / ours_total.as_secs_f64(),
        pages_total as f64 / theirs_total.as_secs_f64(),
        bytes_total as f64 / 1e6 / theirs_total.as_secs_f64(),
        theirs_total.as_secs_f64() / ours_total.as_secs_f64(),
    );
    println!(
        "starting a pdftotext process that reads nothing (`pdftotext -v`) takes {:.2} ms",
        spawn.elapsed.as_secs_f64() * 1e3 / spawn.runs as f64
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn measure(mut run: impl FnMut()) -> Rate {
    run();
    let started = Instant::now();
    let mut runs = 0;
    while started.elapsed() < BUDGET {
        run();
        runs += 1;
    }
    Rate {
        runs,
        elapsed: started.elapsed(),
    }
}

fn run_pdftotext(path: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .expect("run pdftotext");
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        path.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn corpus(dir: &Path) -> Vec<Sample> {
    let mut samples = Vec::new();
    for (name, pages, font) in [
        ("resume-1-page", 1, Font::Helvetica),
        ("resume-2-pages", 2, Font::Helvetica),
        ("resume-5-pages", 5, Font::Helvetica),
        ("resume-2-pages-unicode", 2, Font::Unicode),
        ("report-50-pages", 50, Font::Helvetica),
    ] {
        let bytes = pdf::text_pdf(&pages_of_text(pages, font), font);
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, &bytes).expect("write sample");
        samples.push(Sample {
            name: name.to_owned(),
            pages,
            bytes,
            path,
        });
    }
    let extra = std::env::var("EXTRACTION_BENCH_PDFS").unwrap_or_default();
    let real = [
        "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
        "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
    ];
    for path in real
        .into_iter()
        .chain(extra.split(':'))
        .filter(|path| !path.is_empty())
    {
        let path = PathBuf::from(path);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(document) = lopdf::Document::load_mem(&bytes) else {
            continue;
        };
        let name = path
            .file_stem()
            .map_or_else(String::new, |stem| stem.to_string_lossy().into_owned());
        samples.push(Sample {
            name,
            pages: document.get_pages().len(),
            bytes,
            path,
        });
    }
    samples
}

/// Pages of resume-like text: headings and 80-character lines, 60 to a page.
fn pages_of_text(pages: usize, font: Font) -> Vec<Vec<Placed>> {
    let words = match font {
        Font::Helvetica => [
            "engineered",
            "distributed",
            "systems",
            "for",
            "payments",
            "at",
            "Zürich",
            "scale;",
            "led",
            "a",
            "team",
            "of",
            "five,",
            "cut",
            "latency",
            "by",
            "40%",
            "and",
            "café",
        ]
        .as_slice(),
        Font::Unicode => [
            "разработал",
            "распределённые",
            "системы",
            "для",
            "платежей",
            "सॉफ़्टवेयर",
            "इंजीनियर",
            "Zürich",
            "Ελληνικά",
            "and",
            "Rust",
            "services",
            "at",
            "scale",
        ]
        .as_slice(),
    };
    (0..pages)
        .map(|page| {
            let mut lines = vec![format!("Experience, page {}", page + 1)];
            let mut word = page * 7;
            while lines.len() < 60 {
                let mut line = String::new();
                while line.chars().count() < 80 {
                    line.push_str(words[word % words.len()]);
                    line.push(' ');
                    word += 1;
                }
                lines.push(line.trim_end().to_owned());
            }
            lines
                .into_iter()
                .enumerate()
                .map(|(i, text)| Placed {
                    x: 56.0,
                    y: 770.0 - 12.0 * i as f32,
                    text,
                })
                .collect()
        })
        .collect()
}
