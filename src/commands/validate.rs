//! `provision validate`: offline checks only.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::render::Printer;
use crate::stack;

/// Validates the stack: exit 1 on errors, or on warnings with `deny_warnings`. The diagnostics
/// are the command's output (on stderr, or as one JSON document), so a stack with errors is a
/// [`ExitStatus::Failure`], not an error to print again.
pub fn run(printer: &Printer, given: Option<PathBuf>, deny_warnings: bool) -> Outcome {
    let path = super::stack_path(given)?;
    let loaded = stack::load(&path);
    printer.diagnostics(&loaded);
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded.warnings();
    printer.json(&serde_json::json!({
        "stack": path.display().to_string(),
        "errors": errors,
        "warnings": warnings,
        "diagnostics": super::diagnostics_json(&loaded),
    }));
    printer.progress(&format!(
        "{}: {errors} error(s), {warnings} warning(s)",
        path.display()
    ));
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
