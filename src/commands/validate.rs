//! `provision validate`: offline checks only.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::render::{Printer, Rendered};
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
    let validated = Validated {
        path: &path,
        loaded: &loaded,
        errors: loaded.diagnostics.iter().filter(|d| d.is_error()).count(),
        warnings: loaded.warnings(),
    };
    printer.result(&validated)?;
    let Validated { errors, warnings, .. } = validated;
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `validate`'s result: the counts, and the diagnostics for JSON (text shows them as they are
/// found, on stderr).
struct Validated<'a> {
    path: &'a std::path::Path,
    loaded: &'a stack::Loaded,
    errors: usize,
    warnings: usize,
}

impl Rendered for Validated<'_> {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.progress(&format!(
            "{}: {} error(s), {} warning(s)",
            self.path.display(),
            self.errors,
            self.warnings
        ));
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "stack": self.path.display().to_string(),
            "errors": self.errors,
            "warnings": self.warnings,
            "diagnostics": super::diagnostics_json(self.loaded),
        })
    }
}
