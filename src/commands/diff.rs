//! `provision diff`: what `up` would change.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::plan::saved::SavedPlan;
use crate::plan::{self, PlanOptions};
use crate::render::Printer;

/// Prints the plan. With `exit_code`: 0 no changes, 2 changes, 1 error. With `out`, also
/// writes the plan with the fingerprints `up --plan` checks. With `adopt`, the plan of
/// `up --adopt`.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    exit_code: bool,
    out: Option<PathBuf>,
    adopt: bool,
) -> Outcome {
    let (loaded, desired, clients, mut live) = super::prepare_loaded(printer, settings, given).await?;
    super::adoption(printer, &clients, &desired, &mut live, adopt).await?;
    let plan = plan::plan(&desired, &live, PlanOptions { adopt }).map_err(|e| Error::msg(e.to_string()))?;
    printer.plan(&plan);
    if let Some(out) = out {
        let stack_file = loaded.path.display().to_string();
        let saved = SavedPlan::new(&stack_file, &loaded.source, &live, &plan);
        let text = serde_json::to_string_pretty(&saved).unwrap_or_default() + "\n";
        std::fs::write(&out, text).map_err(|source| Error::Io {
            action: "write",
            path: out.clone(),
            source,
        })?;
        printer.progress(&format!(
            "Saved the plan to {0}; after review, apply exactly it with: provision up --plan {0}",
            out.display()
        ));
    }
    printer.json(&serde_json::to_value(&plan).unwrap_or_default());
    Ok(if exit_code && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
