//! The independent implementations tests check our output with: Python packages
//! (icalendar, the Standard Webhooks reference library) in the tools' virtual
//! environment that `scripts/setup.sh --test` makes.

use std::path::PathBuf;
use std::process::Command;

/// The Python of the tools' virtual environment (`$INTERVIEW_TOOLS_DIR/venv`, by
/// default `~/.cache/interview-tools/venv`, where `scripts/test.sh` looks too),
/// checked to import `module`. Panics, naming the command that installs it, when
/// it cannot: a test that needs it fails, it never skips.
pub fn tools_python(module: &str) -> PathBuf {
    let tools = std::env::var_os("INTERVIEW_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            PathBuf::from(home).join(".cache/interview-tools")
        });
    let python = tools.join("venv/bin/python");
    let importable = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        importable,
        "{} cannot import {module}: run `scripts/setup.sh --test` to install it",
        python.display()
    );
    python
}
