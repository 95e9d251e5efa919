//! Thin orchestration: load and validate, connect, read, plan, apply, print.

pub mod completions;
pub mod diff;
pub mod down;
pub mod init;
pub mod invoke;
pub mod schema;
pub mod serve;
pub mod synth;
pub mod up;
pub mod validate;

use std::path::PathBuf;

use crate::aws::{AwsSettings, Clients};
use crate::live::{self, Live};
use crate::render::Printer;
use crate::stack::{self, Desired, Loaded};

/// Exit code for success.
pub const OK: u8 = 0;
/// Exit code for any error: a bad stack, a refused plan, a failed AWS call.
pub const FAILED: u8 = 1;
/// Exit code of `diff --exit-code` when there are changes.
pub const CHANGES: u8 = 2;

/// Resolves the stack path: as given, or the only `*.toml` in `./stacks`.
pub fn stack_path(printer: &Printer, given: Option<PathBuf>) -> Result<PathBuf, u8> {
    match given {
        Some(p) => Ok(p),
        None => stack::discover(std::path::Path::new("stacks")).map_err(|e| {
            printer.error(&e);
            FAILED
        }),
    }
}

/// Loads and validates a stack, printing its diagnostics. Fails before any AWS call when the
/// stack has errors.
pub fn load(printer: &Printer, given: Option<PathBuf>) -> Result<(Loaded, Desired), u8> {
    let path = stack_path(printer, given)?;
    let mut loaded = stack::load(&path);
    printer.diagnostics(&loaded);
    match loaded.desired.take() {
        Some(desired) if !loaded.has_errors() => Ok((loaded, desired)),
        _ => {
            let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
            printer.error(&format!(
                "{} has {errors} error{}; nothing was sent to AWS",
                path.display(),
                if errors == 1 { "" } else { "s" }
            ));
            Err(FAILED)
        }
    }
}

/// Everything a command that talks to AWS starts with: the validated stack, the clients and the
/// live state.
pub async fn prepare(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
) -> Result<(Desired, Clients, Live), u8> {
    let (_, mut desired) = load(printer, given)?;
    let (clients, live) = connect_and_read(printer, settings, &mut desired).await?;
    Ok((desired, clients, live))
}

/// Connects, checks the routes' state machines, and reads live state.
pub async fn connect_and_read(
    printer: &Printer,
    settings: &AwsSettings,
    desired: &mut Desired,
) -> Result<(Clients, Live), u8> {
    let clients = crate::aws::connect(settings, desired.region.as_deref())
        .await
        .map_err(|e| {
            printer.error(&e.to_string());
            FAILED
        })?;
    desired.bind_region(&clients.region);
    // Every read that does not need the API's id goes out at once: the machines, the APIs (whose
    // children follow as soon as the id is known), the role and, when needed, the account.
    let needs_account = desired.needs_account();
    let (problems, live, account) = tokio::join!(
        live::check_state_machines(&clients, desired),
        live::read(&clients, live::ReadScope::of(desired)),
        async {
            match needs_account {
                true => live::account_id(&clients).await.map(Some),
                false => Ok(None),
            }
        }
    );
    let fail = |e: crate::error::AwsError| {
        printer.error(&e.to_string());
        FAILED
    };
    let problems = problems.map_err(fail)?;
    if !problems.is_empty() {
        for p in &problems {
            printer.error(p);
        }
        printer.error("nothing was changed");
        return Err(FAILED);
    }
    let live = live.map_err(fail)?;
    if let Some(account) = account.map_err(fail)? {
        desired.bind_account(&account);
    }
    Ok((clients, live))
}
