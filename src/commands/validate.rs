//! `provision validate`: offline checks only.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::render::Printer;
use crate::stack;

/// `validate`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// Stack file (default: the only *.toml in ./stacks).
    pub stack: Option<PathBuf>,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

/// Validates the stack: exit 1 on errors, or on warnings with `deny_warnings`. The diagnostics
/// are the command's output (on stderr, or as one JSON document), so a stack with errors is a
/// [`ExitStatus::Failure`], not an error to print again.
pub fn run(printer: &Printer, load: &stack::LoadOptions, args: ValidateArgs) -> Outcome {
    let ValidateArgs { stack, deny_warnings } = args;
    let path = super::stack_path(stack)?;
    let loaded = stack::load_with(&path, load);
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
