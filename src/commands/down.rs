//! `provision down`: delete what the stack owns, children first.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use serde_json::json;

use super::{FAILED, OK};
use crate::apply::{self, Resolved};
use crate::aws::AwsSettings;
use crate::live::RoleState;
use crate::plan;
use crate::render::Printer;

/// Deletes the stack. Asks on a terminal; requires `--yes` otherwise.
pub async fn run(printer: &Printer, settings: &AwsSettings, given: Option<PathBuf>, yes: bool) -> u8 {
    let (desired, clients, live) = match super::prepare(printer, settings, given).await {
        Ok(x) => x,
        Err(code) => return code,
    };
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
        printer.line(&format!(
            "Nothing to delete: stack {} owns nothing in AWS.",
            desired.stack
        ));
        printer.json(&json!({"stack": desired.stack, "changes": [], "completed": []}));
        return OK;
    }
    printer.plan(&plan);
    if !yes && !confirm(printer, &desired.stack) {
        return FAILED;
    }
    let outcome = apply::apply(&clients, &plan, Resolved::default(), |done| {
        printer.step(&done.label, done.elapsed)
    })
    .await;
    let completed: Vec<&String> = outcome.completed.iter().map(|c| &c.label).collect();
    if let Some(stopped) = &outcome.stopped {
        let reason = stopped.to_string();
        printer.error(&format!(
            "down stopped: {reason}\n  completed: {} step(s)\n  re-running `provision down` is safe: it deletes what is left",
            completed.len()
        ));
        printer.json(&json!({"stack": desired.stack, "changes": plan.changes, "completed": completed, "error": reason}));
        return FAILED;
    }
    printer.line(&format!("Stack {} deleted.", desired.stack));
    printer.json(&json!({"stack": desired.stack, "changes": plan.changes, "completed": completed}));
    OK
}

fn confirm(printer: &Printer, stack: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        printer.error("refusing to delete without --yes when not on a terminal; nothing was deleted");
        return false;
    }
    eprint!("Delete everything stack {stack} owns? Type the stack name to confirm: ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() || answer.trim() != stack {
        printer.error("not confirmed; nothing was deleted");
        return false;
    }
    true
}
