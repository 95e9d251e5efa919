//! `provision up`: plan, then apply in dependency order.

mod import;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{ExitStatus, Outcome};
use crate::apply::{self, Resolved};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::live::{self, Live, Purpose, RoleState};
use crate::outputs;
use crate::plan::saved::SavedPlan;
use crate::plan::{self, Action, Kind, Plan, PlanOptions};
use crate::render::{Printer, Rendered};
use crate::stack::{BoundDesired, Desired, LoadOptions};

/// `up`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct UpArgs {
    /// Stack file, or a folder: every *.toml in it, concurrently (default: the only *.toml
    /// in ./stacks).
    pub stack: Option<PathBuf>,
    /// Take over a same-named role, and the one same-named API, that lack the stack's tag:
    /// tag them and manage them (what `provision import` prepares).
    #[arg(long)]
    pub adopt: bool,
    /// After an IAM change, poll until IAM reads it back consistently (or the timeout passes).
    #[arg(long)]
    pub wait: bool,
    /// How long `--wait` may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120, requires = "wait")]
    pub wait_timeout: u64,
    /// Apply deletes and replaces without asking (off a terminal, `up` never asks).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Apply exactly this plan, saved by `diff --out`; refused if the stack file or AWS
    /// changed since (the stack file defaults to the one the plan was made from).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
}

impl UpArgs {
    /// How `up` runs, from its flags.
    pub fn options(&self) -> UpOptions {
        UpOptions {
            adopt: self.adopt,
            wait: self.wait.then(|| Duration::from_secs(self.wait_timeout)),
            confirm: if self.yes { Confirm::Skip } else { Confirm::Ask },
            saved: self.plan.clone(),
        }
    }
}

/// `up` of a stack file, or of every stack file of a folder.
pub async fn run_args(
    printer: &Printer,
    settings: &AwsSettings,
    load: &LoadOptions,
    args: UpArgs,
) -> Outcome {
    let options = args.options();
    match args.stack {
        Some(dir) if dir.is_dir() => run_folder(printer, settings, load, &dir, &options).await,
        stack => run(printer, settings, load, stack, &options).await,
    }
}

/// How `up` runs, besides the stack.
#[derive(Debug, Clone, Default)]
pub struct UpOptions {
    /// Take over a same-named role that lacks the stack's tag.
    pub adopt: bool,
    /// After an IAM change, wait this long for IAM to settle.
    pub wait: Option<Duration>,
    /// What to do when the plan deletes or replaces something.
    pub confirm: Confirm,
    /// `--plan FILE`: apply exactly this saved plan, or nothing.
    pub saved: Option<PathBuf>,
}

/// What `up` does before a plan that deletes or replaces something.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Confirm {
    /// Show the plan and ask on a terminal; go on off a terminal (CI reviewed the plan).
    #[default]
    Ask,
    /// `--yes`: go on.
    Skip,
    /// Refuse with a line saying so: a stack of a folder on a terminal, where several prompts
    /// at once would interleave.
    Refuse,
}

/// Creates or updates the stack. A second run with nothing changed makes no mutating call.
/// On a terminal, asks before anything is deleted or replaced (unless `--yes` or a saved plan).
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    load: &LoadOptions,
    given: Option<PathBuf>,
    options: &UpOptions,
) -> Outcome {
    let saved = options.saved.as_deref().map(read_saved).transpose()?;
    let given = given.or_else(|| saved.as_ref().map(|s| PathBuf::from(&s.stack_file)));
    let (loaded, desired, clients, live) = super::prepare_loaded(
        printer,
        settings,
        given,
        load,
        Purpose::Deploy { adopt: options.adopt },
    )
    .await?;
    super::note_untagged_api(printer, &desired, &live, options.adopt);
    let plan = plan::plan(&desired, &live, PlanOptions { adopt: options.adopt })
        .map_err(|e| Error::msg(e.to_string()))?;
    match (&saved, &options.saved) {
        (Some(saved), Some(file)) => saved.check(&loaded.source, &live, &plan).map_err(|stale| {
            Error::with_help(
                format!(
                    "the saved plan {} cannot be applied: {stale}; nothing was changed",
                    file.display()
                ),
                format!(
                    "make and review a new one: provision diff {} --out {}",
                    loaded.path.display(),
                    file.display()
                ),
            )
        })?,
        _ if destructive(&plan) => match options.confirm {
            Confirm::Ask => confirm(printer, &plan)?,
            Confirm::Skip => {}
            Confirm::Refuse => {
                printer.plan(&plan);
                return Err(Error::with_help(
                    format!(
                        "stack {} would delete or replace resources; nothing was changed",
                        desired.stack
                    ),
                    format!(
                        "confirm it alone: provision up {}, or pass --yes",
                        loaded.path.display()
                    ),
                ));
            }
        },
        _ => {}
    }
    if plan.is_empty() {
        printer.progress(&format!("No changes: stack {} is up to date.", desired.stack));
    } else {
        printer.progress(&format!(
            "Applying {} change(s) to stack {}:",
            plan.changes.len(),
            desired.stack
        ));
    }
    let applied = api_path(printer, &plan, &desired, &clients.region);
    let outcome = apply::apply(
        &clients,
        applied.as_ref().unwrap_or(&plan),
        seed(&live),
        |event| super::show(printer, event),
    )
    .await;
    let mut report = json!({
        "stack": desired.stack,
        "changes": serde_json::to_value(&plan.changes).unwrap_or_default(),
        "completed": outcome.completed.iter().map(|c| &c.label).collect::<Vec<_>>(),
    });
    if let Some(stopped) = outcome.stopped {
        report["not_started"] = json!(outcome.not_started);
        let help = format!(
            "completed: {} step(s){}\nnot started: {}\nre-running `provision up` is safe: it reads what exists and finishes the job",
            outcome.completed.len(),
            outcome
                .completed
                .iter()
                .map(|c| format!("\n  ✓ {}", c.label))
                .collect::<String>(),
            if outcome.not_started.is_empty() {
                "nothing".to_string()
            } else {
                outcome.not_started.join(", ")
            },
        );
        return Err(super::stopped("up", stopped, report, help));
    }
    if touches_iam(&plan) {
        settle_iam(printer, &clients, &desired, options.wait).await?;
    }
    let resolved = &outcome.resolved;
    let api_id = resolved
        .api_id
        .as_deref()
        .ok_or_else(|| Error::msg("the stack has no API after `up`; re-run `provision up`"))?;
    let outputs = outputs::outputs(
        &desired,
        api_id,
        resolved.api_endpoint.as_deref(),
        resolved.role_arn.as_deref(),
        &clients.region,
        crate::aws::has_session_token(&clients).await,
    );
    report["outputs"] = json!(outputs);
    printer.result(&Applied { report, outputs })?;
    Ok(ExitStatus::Success)
}

/// Which way the API is made, said before it is: a new API in one ImportApi call (or, where the
/// document cannot express the stack, one call per resource, and why); an existing one one call
/// per change. Returns the plan rewritten for the import.
fn api_path(printer: &Printer, plan: &Plan, desired: &BoundDesired, region: &str) -> Option<Plan> {
    let name = &desired.api.name;
    match import::path(plan, desired, region) {
        import::Path::Import(rewritten) => {
            printer.progress(&format!(
                "  api {name} is new: creating it with one ImportApi call (routes, integrations, authorizers, CORS and tags), then what the document does not carry"
            ));
            Some(rewritten)
        }
        import::Path::OneByOne(why) => {
            printer.note(&format!("api {name} is created one call per resource: {why}"));
            None
        }
        import::Path::Existing => {
            let api_changes = plan
                .changes
                .iter()
                .filter(|c| {
                    matches!(
                        c.kind,
                        Kind::Route | Kind::Integration | Kind::Authorizer | Kind::Api
                    )
                })
                .count();
            if api_changes > 0 {
                printer.progress(&format!(
                    "  api {name} exists: its {api_changes} change(s) are made one call each (an import would replace its route and integration ids)"
                ));
            }
            None
        }
    }
}

/// `up`'s result: the stack's outputs, and for JSON the changes and steps with them.
struct Applied {
    report: serde_json::Value,
    outputs: outputs::Outputs,
}

impl Rendered for Applied {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.outputs(&self.outputs);
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        self.report.clone()
    }
}

/// After an IAM change: a note that it takes a while to reach API Gateway, or with `--wait`,
/// waiting until IAM reads back consistently.
async fn settle_iam(
    printer: &Printer,
    clients: &crate::aws::Clients,
    desired: &Desired,
    wait: Option<Duration>,
) -> Result<(), Error> {
    let Some(limit) = wait else {
        printer.note(
            "IAM changes can take up to a minute to reach API Gateway; until then the route may answer \
             500 (`up --wait` waits for them)",
        );
        return Ok(());
    };
    printer.progress("Waiting for IAM to settle...");
    match live::wait_for_role(clients, desired, limit).await {
        Some(took) => {
            printer.progress(&format!("  ✓ IAM settled  {:.1}s", took.as_secs_f64()));
            Ok(())
        }
        None => Err(Error::with_help(
            format!(
                "IAM did not settle within {}s; the stack is applied, but routes may answer 500 for a while",
                limit.as_secs()
            ),
            "re-run `provision up --wait` later, or try the route in a minute",
        )),
    }
}

/// `up` of every stack file in `dir`, concurrently, each stack's lines prefixed with its file
/// name, then one summary. Exit 0 only when every stack is up.
pub async fn run_folder(
    printer: &Printer,
    settings: &AwsSettings,
    load: &LoadOptions,
    dir: &std::path::Path,
    options: &UpOptions,
) -> Outcome {
    if options.saved.is_some() {
        return Err(Error::with_help(
            "--plan applies one stack's saved plan, not a folder",
            "name the stack file, or leave --plan out",
        ));
    }
    let files = crate::stack::list(dir).map_err(Error::msg)?;
    if let Some(clash) = name_clash(&files, load) {
        return Err(Error::with_help(
            clash,
            "rename one of them, then run `provision up` again",
        ));
    }
    printer.progress(&format!(
        "Applying {} stack(s) from {}:",
        files.len(),
        dir.display()
    ));
    let start = Instant::now();
    // A few stacks at a time: they share the account's pace, and a call queued for a token too
    // long would run out its attempt timeout.
    let slots = Arc::new(tokio::sync::Semaphore::new(STACKS_AT_ONCE));
    let mut running = tokio::task::JoinSet::new();
    for (i, file) in files.iter().enumerate() {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let (scoped, settings, file) = (printer.scoped(&name), settings.clone(), file.clone());
        let load = load.clone();
        // Several prompts at once would interleave: on a terminal, a folder needs --yes to
        // delete or replace anything, and a stack that would is stopped with a line saying so.
        let confirm = match options.confirm {
            Confirm::Skip => Confirm::Skip,
            _ if !printer.can_ask() => Confirm::Skip,
            _ => Confirm::Refuse,
        };
        let options = UpOptions {
            confirm,
            ..options.clone()
        };
        let slots = slots.clone();
        running.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let outcome = run(&scoped, &settings, &load, Some(file), &options).await;
            // Each stack's error is printed once, on its own prefixed lines.
            let error = outcome.err().map(|e| {
                scoped.failure(&e);
                e.to_json()["error"].clone()
            });
            (i, error)
        });
    }
    let mut errors: Vec<Option<serde_json::Value>> =
        vec![Some(json!({"message": "did not finish"})); files.len()];
    while let Some(joined) = running.join_next().await {
        if let Ok((i, error)) = joined {
            errors[i] = error;
        }
    }
    let applied = Folder {
        files: &files,
        errors: &errors,
        elapsed: start.elapsed(),
    };
    printer.result(&applied)?;
    Ok(if applied.failed() == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

/// `up` of a folder's result: each stack file, and the error of each that failed.
struct Folder<'a> {
    files: &'a [PathBuf],
    errors: &'a [Option<serde_json::Value>],
    elapsed: Duration,
}

impl Folder<'_> {
    fn failed(&self) -> usize {
        self.errors.iter().filter(|e| e.is_some()).count()
    }
}

impl Rendered for Folder<'_> {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.line("");
        for (file, error) in self.files.iter().zip(self.errors) {
            let mark = if error.is_none() { "✓" } else { "✗" };
            printer.line(&format!("{mark} {}", file.display()));
        }
        printer.line(&format!(
            "{} stack(s) up, {} failed, in {:.1}s",
            self.files.len() - self.failed(),
            self.failed(),
            self.elapsed.as_secs_f64()
        ));
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "stacks": self.files.iter().zip(self.errors).map(|(f, e)| json!({
                "file": f.display().to_string(),
                "ok": e.is_none(),
                "error": e,
            })).collect::<Vec<_>>(),
        })
    }
}

/// How many stacks of a folder are applied at once.
const STACKS_AT_ONCE: usize = 3;

/// Two files of a folder that name the same stack or role would fight over the same resources:
/// say which, before anything is sent.
fn name_clash(files: &[PathBuf], load: &LoadOptions) -> Option<String> {
    let mut seen: std::collections::BTreeMap<(&str, String), (&PathBuf, String)> = Default::default();
    for file in files {
        // A file with errors is reported by its own run; only valid ones can clash.
        let Some(d) = crate::stack::load_with(file, load).desired else {
            continue;
        };
        // IAM role names are unique regardless of case ("IAM identifiers": names are not
        // distinguished by case), so `Role` and `role` are one role; stack names are tag values,
        // compared exactly.
        let role_key = d.role.name.to_lowercase();
        for (what, key, name) in [
            ("stack", d.stack.clone(), d.stack),
            ("role", role_key, d.role.name),
        ] {
            if let Some((other, first)) = seen.insert((what, key), (file, name.clone())) {
                let names = if first == name {
                    format!("`{name}`")
                } else {
                    format!("`{first}` and `{name}` (IAM role names ignore case)")
                };
                return Some(format!(
                    "{} and {} both name the {what} {names}; applied together they would fight over it, so nothing was sent. Rename one.",
                    other.display(),
                    file.display(),
                ));
            }
        }
    }
    None
}

/// What already exists, so operations on existing resources need no lookup.
fn seed(live: &Live) -> Resolved {
    let apis = plan::oldest_first(&live.apis);
    // The API `--adopt` takes over (set only with `--adopt`) when none is tagged yet.
    let kept = apis.first().copied().or(live.adoptable.as_ref());
    Resolved {
        api_id: kept.map(|a| a.id.clone()),
        api_endpoint: kept.and_then(|a| a.endpoint.clone()),
        role_arn: match &live.role {
            RoleState::Present(r) => Some(r.arn.clone()),
            RoleState::Absent => None,
        },
        ..Resolved::default()
    }
}

/// A saved plan file, read and parsed.
fn read_saved(path: &std::path::Path) -> Result<SavedPlan, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::with_help(
            format!(
                "{} is not a plan saved by `provision diff --out`: {e}",
                path.display()
            ),
            "save one with: provision diff STACK --out plan.json",
        )
    })
}

/// Whether the plan deletes or replaces anything: what `up` asks about on a terminal.
fn destructive(plan: &Plan) -> bool {
    plan.changes
        .iter()
        .any(|c| matches!(c.action, Action::Delete | Action::Replace))
}

/// On a terminal, shows the plan and asks; off a terminal (CI, which reviewed the plan) goes on.
fn confirm(printer: &Printer, plan: &Plan) -> Result<(), Error> {
    if !printer.can_ask() {
        return Ok(());
    }
    printer.plan(plan);
    let (_, _, deletes) = plan.counts();
    let answer = printer.ask(&format!(
        "This deletes or replaces {deletes} resource(s) of stack {}. Apply? Type yes to continue:",
        plan.stack
    ));
    if !matches!(answer.as_deref(), Some("yes" | "y")) {
        return Err(Error::with_help(
            "not confirmed; nothing was changed",
            "review with `provision diff`, then run `provision up --yes` (or answer yes)",
        ));
    }
    Ok(())
}

fn touches_iam(plan: &Plan) -> bool {
    plan.changes
        .iter()
        .any(|c| matches!(c.kind, Kind::Role | Kind::RolePolicy | Kind::ManagedPolicy))
}
