//! Thin orchestration: load and validate, connect, read, plan, apply, print.

pub mod completions;
pub mod diff;
pub mod down;
pub mod import;
pub mod init;
pub mod invoke;
pub mod policy;
pub mod schema;
pub mod serve;
pub mod synth;
pub mod up;
pub mod validate;

use std::path::PathBuf;

use crate::aws::{AwsSettings, Clients};
use crate::error::{DiagnosticJson, Error};
use crate::live::{self, Live};
use crate::render::Printer;
use crate::stack::{self, BoundDesired, Desired, LoadOptions, Loaded};

pub use crate::error::ExitStatus;

/// What every command returns: how it ended, or why it failed (printed once by the binary).
pub type Outcome = Result<ExitStatus, Error>;

/// Resolves the stack path: as given, or the only `*.toml` in `./stacks`.
pub fn stack_path(given: Option<PathBuf>) -> Result<PathBuf, Error> {
    match given {
        Some(p) => Ok(p),
        None => stack::discover(std::path::Path::new("stacks")).map_err(|e| {
            Error::with_help(e, "name the stack file: `provision <command> path/to/stack.toml`")
        }),
    }
}

/// Loads and validates a stack, printing its diagnostics. Fails before any AWS call when the
/// stack has errors.
pub fn load(
    printer: &Printer,
    given: Option<PathBuf>,
    options: &LoadOptions,
) -> Result<(Loaded, Desired), Error> {
    let path = stack_path(given)?;
    let mut loaded = stack::load_with(&path, options);
    printer.diagnostics(&loaded);
    match loaded.desired.take() {
        Some(desired) if !loaded.has_errors() => Ok((loaded, desired)),
        _ => Err(invalid(&loaded)),
    }
}

/// The error for a stack file with errors.
pub fn invalid(loaded: &Loaded) -> Error {
    Error::Invalid {
        path: loaded.path.clone(),
        errors: loaded.diagnostics.iter().filter(|d| d.is_error()).count().max(1),
        diagnostics: diagnostics_json(loaded),
    }
}

/// A stack's diagnostics as `--output json` prints them.
pub fn diagnostics_json(loaded: &Loaded) -> Vec<DiagnosticJson> {
    loaded
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.span.as_ref().map(|s| line_and_column(&loaded.source, s.start));
            DiagnosticJson {
                severity: if d.is_error() { "error" } else { "warning" },
                file: loaded.path.display().to_string(),
                line: at.map(|(line, _)| line),
                column: at.map(|(_, column)| column),
                code: d.code.map(str::to_string),
                message: d.message.clone(),
                label: d.label.clone(),
                help: d.help.clone(),
            }
        })
        .collect()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    (line, column)
}

/// Everything a command that talks to AWS starts with: the validated stack, the clients and the
/// live state.
pub async fn prepare(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    options: &LoadOptions,
) -> Result<(BoundDesired, Clients, Live), Error> {
    let (_, desired, clients, live) = prepare_loaded(
        printer,
        settings,
        given,
        options,
        live::Purpose::Deploy { adopt: false },
    )
    .await?;
    Ok((desired, clients, live))
}

/// An executor event on the printer: a step line, or a note.
pub(crate) fn show(printer: &Printer, event: crate::apply::Event<'_>) {
    match event {
        crate::apply::Event::Done(done) => printer.step(&done.label, done.elapsed),
        crate::apply::Event::Note(note) => printer.note(note),
        crate::apply::Event::Progress(line) => printer.progress(line),
    }
}

/// [`prepare`] for `purpose` (what the live state is read for, [`live::read`]), keeping the
/// loaded file (its path and text) too. A missing machine, or one of the wrong type, stops a
/// command that needs them ([`live::Purpose::needs_machines`]) before any change, pointing at
/// the route in the file; for `down` (deleting the workflow first is a normal teardown order)
/// it is one note.
pub async fn prepare_loaded(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    options: &LoadOptions,
    purpose: live::Purpose,
) -> Result<(Loaded, BoundDesired, Clients, Live), Error> {
    let (loaded, desired) = load(printer, given, options)?;
    let (clients, desired, live, problems) = connect_and_read(settings, desired, purpose).await?;
    if !problems.is_empty() {
        if !purpose.needs_machines() {
            let what: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
            printer.note(&format!(
                "{}; `down` deletes what the stack owns all the same (it never needs or changes the machines)",
                what.join("; ")
            ));
        } else {
            printer.diagnostics(&machine_diagnostics(&loaded, &problems));
            let what: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
            return Err(Error::with_help(
                what.join("\n"),
                format!(
                    "fix `state_machine` in {} (see above), or create the machine; nothing was changed",
                    loaded.path.display()
                ),
            ));
        }
    }
    note_roles_left_alone(printer, &desired, &live);
    if !desired.state_machines.is_empty() {
        let checked = crate::resource::state_machine::read::validate_definitions(&clients, &desired).await?;
        for note in &checked.notes {
            printer.note(note);
        }
        if !checked.errors.is_empty() {
            return Err(Error::with_help(
                format!(
                    "Step Functions refuses the definition:\n{}",
                    checked.errors.join("\n")
                ),
                "nothing was changed; fix the definition and run again",
            ));
        }
    }
    Ok((loaded, desired, clients, live))
}

/// The machine problems as diagnostics on each route's `state_machine` in the file.
fn machine_diagnostics(loaded: &Loaded, problems: &[live::MachineProblem]) -> Loaded {
    let (file, _) = stack::load::parse(&loaded.source);
    let diagnostics = problems
        .iter()
        .map(|p| {
            let route = file.routes.get(p.route);
            let span = route
                .and_then(|r| r.state_machine.as_ref().map(|m| m.span.clone()))
                .or_else(|| route.map(|r| r.span.clone()));
            stack::Diagnostic {
                severity: stack::Severity::Error,
                message: p.message.clone(),
                span,
                label: p.label.clone(),
                help: Some(p.help.clone()),
                code: None,
            }
        })
        .collect();
    Loaded {
        path: loaded.path.clone(),
        source: loaded.source.clone(),
        diagnostics,
        desired: None,
        vars: Default::default(),
    }
}

/// Connects, binds the stack to the region and (when it needs it) the account, then checks the
/// routes' state machines while it reads the live state complete for `purpose`. The machine
/// problems are returned for the caller to report; when the purpose needs no machines (`down`)
/// a failed check is no problem.
pub async fn connect_and_read(
    settings: &AwsSettings,
    desired: Desired,
    purpose: live::Purpose,
) -> Result<(Clients, BoundDesired, Live, Vec<live::MachineProblem>), Error> {
    let needed = purpose.needs_machines();
    let clients = crate::aws::connect(settings, desired.region.as_deref())
        .await
        .map_err(|e| Error::with_help(e.to_string(), NO_REGION_HELP))?;
    let account = match desired.needs_account() {
        true => match (live::account_id(&clients).await, needed) {
            (Ok(account), _) => Some(account),
            (Err(e), true) => return Err(e.into()),
            // `down` needs neither the machines nor the account: what it deletes is found by tag.
            (Err(_), false) => None,
        },
        false => None,
    };
    let binding = stack::Binding {
        region: clients.region.clone(),
        account,
    };
    let desired = desired.bind(&binding);
    let (problems, live) = tokio::join!(
        live::check_state_machines(&clients, &desired),
        live::read(&clients, &desired, purpose)
    );
    let problems = match (problems, needed) {
        (Ok(problems), _) => problems,
        (Err(e), true) => return Err(e.into()),
        (Err(_), false) => Vec::new(),
    };
    if !problems.is_empty() && needed {
        return Ok((clients, desired, live.unwrap_or_default(), problems));
    }
    Ok((clients, desired, live?, problems))
}

/// Says which roles the stack uses or tagged are left alone, and why, and what an existing role
/// (`[role] arn`) lacks.
pub fn note_roles_left_alone(printer: &Printer, desired: &Desired, live: &Live) {
    let stack = desired.stack.as_str();
    if let Some(arn) = &desired.role.existing {
        match &live.role {
            live::RoleState::Present(role) => {
                for gap in crate::plan::existing_role_gaps(desired, role) {
                    printer.note(&format!(
                        "{gap}; the routes will fail until it does (the tool never changes {arn})"
                    ));
                }
            }
            live::RoleState::Absent => printer.note(&format!(
                "role {arn} does not exist (GetRole); the routes will fail until it does"
            )),
        }
    }
    for role in &live.former_roles {
        if !role.owned_by(stack) {
            printer.note(&format!(
                "role {} is used by stack {stack}'s integrations but is not tagged {}={stack}; it is never deleted",
                role.name,
                crate::stack::rules::OWNER_TAG
            ));
        }
    }
    for (role, apis) in &live.used_outside {
        printer.note(&format!(
            "role {role} is tagged for stack {stack} but {} use(s) it too; it is left alone (remove the tag or the use)",
            apis.join(", ")
        ));
    }
}

/// Without `--adopt`, says that an untagged API of the stack's API name exists and that `up`
/// makes another of the same name rather than take it over (with it, [`live::read`] read that
/// API into [`Live::adoptable`]).
pub fn note_untagged_api(printer: &Printer, desired: &Desired, live: &Live, adopt: bool) {
    if adopt || !live.apis.is_empty() {
        return;
    }
    for (id, _) in live.other_apis.iter().filter(|(_, n)| *n == desired.api.name) {
        printer.note(&format!(
            "API {} ({id}) exists but is not tagged {}={}: `up` creates another API of that name; `up --adopt` takes it over instead",
            desired.api.name,
            crate::stack::rules::OWNER_TAG,
            desired.stack
        ));
    }
}

const NO_REGION_HELP: &str = "e.g. `--region ap-southeast-2`, or `region = \"ap-southeast-2\"` under [stack]";

/// The error for an apply that stopped part-way: the failed call (or Ctrl-C), the command's
/// report for `--output json`, and what to do next.
pub fn stopped(
    verb: &'static str,
    stopped: crate::apply::Stopped,
    report: serde_json::Value,
    help: String,
) -> Error {
    let aws = match stopped {
        crate::apply::Stopped::Failed(e) => Some(e),
        crate::apply::Stopped::Interrupted => None,
    };
    let reason = aws
        .as_ref()
        .map_or_else(|| "interrupted by Ctrl-C".to_string(), ToString::to_string);
    Error::Stopped(Box::new(crate::error::Stopped {
        verb,
        reason,
        aws,
        help,
        report,
    }))
}
