//! `provision diff`: what `up` would change.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::plan::{self, PlanOptions};
use crate::render::Printer;

/// Prints the plan. With `exit_code`: 0 no changes, 2 changes, 1 error.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    exit_code: bool,
) -> Outcome {
    let (desired, _, live) = super::prepare(printer, settings, given).await?;
    let plan = plan::plan(&desired, &live, PlanOptions::default()).map_err(|e| Error::msg(e.to_string()))?;
    printer.plan(&plan);
    printer.json(&serde_json::to_value(&plan).unwrap_or_default());
    Ok(if exit_code && !plan.is_empty() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
