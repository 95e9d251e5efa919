//! `provision validate`: offline checks only.

use std::path::PathBuf;

use super::{FAILED, OK};
use crate::render::Printer;
use crate::stack;

/// Validates the stack; exit 1 on errors, or on warnings with `deny_warnings`.
pub fn run(printer: &Printer, given: Option<PathBuf>, deny_warnings: bool) -> u8 {
    let path = match super::stack_path(printer, given) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let loaded = stack::load(&path);
    printer.diagnostics(&loaded);
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded.warnings();
    printer.json(&serde_json::json!({
        "stack": path.display().to_string(),
        "errors": errors,
        "warnings": warnings,
        "diagnostics": loaded.diagnostics.iter().map(|d| serde_json::json!({
            "severity": if d.is_error() { "error" } else { "warning" },
            "message": d.message,
            "label": d.label,
            "help": d.help,
            "line": d.span.as_ref().map(|s| line_of(&loaded.source, s.start)),
        })).collect::<Vec<_>>(),
    }));
    printer.progress(&format!(
        "{}: {errors} error(s), {warnings} warning(s)",
        path.display()
    ));
    if errors > 0 || (deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    }
}

fn line_of(source: &str, offset: usize) -> usize {
    source.get(..offset).map_or(1, |s| s.matches('\n').count() + 1)
}
