//! `provision policy`: the least-privilege IAM policy the deployer needs for `up`, `diff` and
//! `down` of a stack, offline.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::deployer::{self, Target};
use crate::error::Error;
use crate::render::Printer;

/// Prints the policy document for the stack on stdout (ready for `aws iam put-role-policy
/// --policy-document file://...`). The region is the one `up` would use: `region` (the command
/// line's), else the stack's, else AWS_REGION / AWS_DEFAULT_REGION; the account is `account`,
/// else the one the routes' state machines name. What cannot be known is a placeholder, said on
/// stderr.
pub fn run(
    printer: &Printer,
    given: Option<PathBuf>,
    region: Option<&str>,
    account: Option<&str>,
) -> Outcome {
    let (loaded, desired) = super::load(printer, given)?;
    let from_env = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    let region = region
        .map(str::to_string)
        .or_else(|| desired.region.clone())
        .or(from_env);
    let (target, notes) = Target::of(&desired, region.as_deref(), account);
    for note in &notes {
        printer.note(note);
    }
    let document = deployer::policy(&desired, &target);
    let text = serde_json::to_string_pretty(&document)
        .map_err(|e| Error::msg(format!("cannot write the policy: {e}")))?
        + "\n";
    printer
        .document(text.as_bytes())
        .map_err(|e| Error::msg(format!("cannot write the policy to stdout: {e}")))?;
    printer.progress(&format!(
        "The deployer of {} needs this policy for up, diff and down (role {}, APIs in {} of account {}).",
        loaded.path.display(),
        target.role_arn(&desired),
        target.region,
        target.account
    ));
    Ok(ExitStatus::Success)
}
