//! Prints the text the interviewer would read from a resume:
//! `cargo run --example extract_resume -- FILE`.
//!
//! The type comes from the file's bytes, not its name. On failure it prints the
//! error the candidate would see and exits with status 1 (2 for a usage error).

use std::process::ExitCode;

use interview::resume::{DocumentExtractor, ExtractLimits};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: cargo run --example extract_resume -- FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("cannot read {}: {error}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let extractor = DocumentExtractor::new(ExtractLimits::default());
    match extractor.extract_file(bytes.into()).await {
        Ok((kind, text)) => {
            eprintln!("{kind}, {} characters:", text.chars().count());
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
