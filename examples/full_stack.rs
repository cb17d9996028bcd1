//! The whole product on one machine with embedded defaults:
//! `cargo run --example full_stack`.
//!
//! It reads the configuration from the environment (see docs/configuration.md),
//! prints which provider fills each role and why, and serves the application.

use std::process::ExitCode;

use interview::config::Config;

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("See docs/configuration.md for every variable.");
            return ExitCode::from(2);
        }
    };
    println!("What the configuration selects for each role (see docs/configuration.md):");
    for selection in config.selections() {
        println!("  {selection}");
    }
    println!();
    println!(
        "The web application is not built yet, so nothing is served at {}.",
        config.public_base_url
    );
    println!(
        "What exists today is the library core: domain types, traits and the scheduling service."
    );
    ExitCode::SUCCESS
}
