//! `provision down`: delete what the stack owns, children first.

use std::path::PathBuf;

use serde_json::json;

use super::{ExitStatus, Outcome};
use crate::apply::{self, Resolved};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::live::{Purpose, RoleState};
use crate::plan;
use crate::render::{Printer, Rendered};

/// `down`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct DownArgs {
    /// Stack file (default: the only *.toml in ./stacks).
    pub stack: Option<PathBuf>,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Deletes the stack. Asks on a terminal; requires `--yes` otherwise.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    load: &crate::stack::LoadOptions,
    args: DownArgs,
) -> Outcome {
    let DownArgs { stack: given, yes } = args;
    // The live state read for a teardown holds the roles left behind and whether an API
    // outside the stack uses the stack's own role (said with the other roles left alone).
    let (loaded, desired, clients, live) =
        super::prepare_loaded(printer, settings, given, load, Purpose::Teardown).await?;
    if let RoleState::Present(role) = &live.role
        && !role.owned_by(&desired.stack)
    {
        printer.note(&format!(
            "role {} is not owned by stack {} and is left alone",
            role.name, desired.stack
        ));
    }
    let plan = plan::plan_down(&desired, &live);
    if plan.is_empty() {
        printer.result(&Deleted {
            plan: &plan,
            completed: Vec::new(),
        })?;
        return Ok(ExitStatus::Success);
    }
    printer.plan(&plan);
    if !yes {
        confirm(printer, &desired.stack, &loaded.path)?;
    }
    let outcome = apply::apply(&clients, &plan, Resolved::default(), |event| {
        super::show(printer, event)
    })
    .await;
    let completed: Vec<&String> = outcome.completed.iter().map(|c| &c.label).collect();
    if let Some(stopped) = outcome.stopped {
        let report = Deleted {
            plan: &plan,
            completed: completed.clone(),
        }
        .json();
        return Err(super::stopped(
            "down",
            stopped,
            report,
            format!(
                "completed: {} step(s)\nre-running `provision down {} --yes` is safe: it deletes what is left",
                completed.len(),
                loaded.path.display()
            ),
        ));
    }
    printer.result(&Deleted {
        plan: &plan,
        completed,
    })?;
    Ok(ExitStatus::Success)
}

/// `down`'s result: what the plan deleted (nothing, when the stack owned nothing).
struct Deleted<'a> {
    plan: &'a plan::Plan,
    completed: Vec<&'a String>,
}

impl Rendered for Deleted<'_> {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.line(&match self.plan.is_empty() {
            true => format!(
                "Nothing to delete: stack {} owns nothing in AWS.",
                self.plan.stack
            ),
            false => format!("Stack {} deleted.", self.plan.stack),
        });
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        json!({"stack": self.plan.stack, "changes": self.plan.changes, "completed": self.completed})
    }
}

/// On a terminal, asks for the stack's name; off one, refuses without `--yes`.
fn confirm(printer: &Printer, stack: &str, path: &std::path::Path) -> Result<(), Error> {
    if !printer.can_ask() {
        return Err(Error::with_help(
            "refusing to delete without --yes when not on a terminal; nothing was deleted",
            format!(
                "review the plan above, then run `provision down {} --yes` to delete stack {stack}",
                path.display()
            ),
        ));
    }
    let answer = printer.ask(&format!(
        "Delete everything stack {stack} owns? Type the stack name to confirm:"
    ));
    if answer.as_deref() != Some(stack) {
        return Err(Error::msg("not confirmed; nothing was deleted"));
    }
    Ok(())
}
