//! `provision diff`: what `up` would change.

use std::path::PathBuf;

use super::{CHANGES, FAILED, OK};
use crate::aws::AwsSettings;
use crate::plan::{self, PlanOptions};
use crate::render::Printer;

/// Prints the plan. With `exit_code`: 0 no changes, 2 changes, 1 error.
pub async fn run(printer: &Printer, settings: &AwsSettings, given: Option<PathBuf>, exit_code: bool) -> u8 {
    let (desired, _, live) = match super::prepare(printer, settings, given).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let plan = match plan::plan(&desired, &live, PlanOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            printer.error(&e.to_string());
            return FAILED;
        }
    };
    printer.plan(&plan);
    printer.json(&serde_json::to_value(&plan).unwrap_or_default());
    if exit_code && !plan.is_empty() {
        CHANGES
    } else {
        OK
    }
}
