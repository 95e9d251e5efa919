//! `provision diff`: what `up` would change.

use std::path::{Path, PathBuf};

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::live::Purpose;
use crate::plan::saved::SavedPlan;
use crate::plan::{self, Plan, PlanOptions};
use crate::render::{Printer, Rendered};

/// `diff`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// Stack file (default: the only *.toml in ./stacks).
    pub stack: Option<PathBuf>,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub exit_code: bool,
    /// Also save the plan to this file, with fingerprints of the stack file and of AWS, for
    /// `up --plan FILE` to apply exactly it after review.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Show what `up --adopt` would do: take over the same-named role and API that lack the
    /// stack's tag.
    #[arg(long)]
    pub adopt: bool,
}

/// Prints the plan. With `exit_code`: 0 no changes, 2 changes, 1 error. With `out`, also
/// writes the plan with the fingerprints `up --plan` checks; a diff that fails leaves no plan
/// file there (a saved plan left from an earlier run is removed), so a pipeline cannot pick up
/// an old one. With `adopt`, the plan of `up --adopt`.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    load: &crate::stack::LoadOptions,
    args: DiffArgs,
) -> Outcome {
    let DiffArgs {
        stack,
        exit_code,
        out,
        adopt,
    } = args;
    let outcome = diff(printer, settings, load, stack, exit_code, out.as_deref(), adopt).await;
    if outcome.is_err()
        && let Some(out) = &out
        && is_saved_plan(out)
        && std::fs::remove_file(out).is_ok()
    {
        printer.note(&format!(
            "removed {}, a plan saved by an earlier diff: this one failed",
            out.display()
        ));
    }
    outcome
}

async fn diff(
    printer: &Printer,
    settings: &AwsSettings,
    load: &crate::stack::LoadOptions,
    given: Option<PathBuf>,
    exit_code: bool,
    out: Option<&Path>,
    adopt: bool,
) -> Outcome {
    let (loaded, desired, _, live) =
        super::prepare_loaded(printer, settings, given, load, Purpose::Deploy { adopt }).await?;
    super::note_untagged_api(printer, &desired, &live, adopt);
    let plan = plan::plan(&desired, &live, PlanOptions { adopt }).map_err(|e| Error::msg(e.to_string()))?;
    // The file first, then the result: a diff whose plan cannot be saved prints no plan to
    // apply, only why it failed.
    if let Some(out) = out {
        let stack_file = loaded.path.display().to_string();
        let saved = SavedPlan::new(&stack_file, &loaded.source, &live, &plan);
        write_atomically(out, &saved)?;
    }
    printer.result(&Planned {
        plan: &plan,
        saved: out,
    })?;
    Ok(if exit_code && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}

/// `diff`'s result: the plan, and where it was saved (`--out`).
struct Planned<'a> {
    plan: &'a Plan,
    saved: Option<&'a Path>,
}

impl Rendered for Planned<'_> {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.plan(self.plan);
        if let Some(out) = self.saved {
            printer.progress(&format!(
                "Saved the plan to {0}; after review, apply exactly it with: provision up --plan {0}",
                out.display()
            ));
        }
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self.plan).unwrap_or_default();
        if let Some(out) = self.saved {
            json["saved"] = serde_json::json!(out.display().to_string());
        }
        json
    }
}

/// Whether `path` holds a plan saved by `diff --out`.
fn is_saved_plan(path: &Path) -> bool {
    std::fs::read(path)
        .ok()
        .is_some_and(|bytes| serde_json::from_slice::<SavedPlan>(&bytes).is_ok())
}

/// Writes the plan to a temporary file beside `out` and renames it into place: a failed or cut
/// off write never leaves a partial plan at `out`.
fn write_atomically(out: &Path, saved: &SavedPlan) -> Result<(), Error> {
    let io = |source| Error::Io {
        action: "write",
        path: out.to_path_buf(),
        source,
    };
    let text = serde_json::to_string_pretty(saved).map_err(|e| io(std::io::Error::other(e)))? + "\n";
    let name = out
        .file_name()
        .map_or_else(|| "plan".into(), |n| n.to_string_lossy().into_owned());
    let temporary = out.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, out))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            io(e)
        })
}
