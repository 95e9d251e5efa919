//! `provision import`: an existing API (made in the console, say) as a stack file.

use std::path::PathBuf;

use serde_json::json;

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::import::{self, ImportOptions, Imported};
use crate::live;
use crate::render::Printer;

/// `import`'s options: what to import and how.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ImportArgs {
    /// The API's name, or its id where names repeat.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub api: String,
    /// The stage the stack manages (default: $default, or the only stage); the others are
    /// listed as unmanaged.
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// Write the stack file here (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Name state machines in the caller's account and region by name, and the account and
    /// region in other ARNs as [vars].
    #[arg(long)]
    pub portable: bool,
    /// Write what can be expressed even when something cannot: a comment per skipped item,
    /// and the skipped routes, stages and authorizers listed as unmanaged (`up` leaves them).
    #[arg(long)]
    pub partial: bool,
}

/// Reads the API and writes its stack. Exit 1, with every item named, when something cannot be
/// expressed (unless `--partial` and nothing blocks); the file is then not written.
pub async fn run(printer: &Printer, settings: &AwsSettings, args: ImportArgs) -> Outcome {
    let clients = crate::aws::connect(settings, None)
        .await
        .map_err(|e| Error::with_help(e.to_string(), "e.g. `--region ap-southeast-2`"))?;
    let read = live::read_for_import(&clients, &args.api).await?;
    let options = ImportOptions {
        stage: args.stage.clone(),
        portable: args.portable,
    };
    let imported = import::import(&read, &options);
    let text = imported.toml();
    let written = !imported.blocked() && (args.partial || imported.skipped.is_empty());
    if written {
        self_check(&text)?;
    }
    for s in &imported.skipped {
        let line = format!("{} {}: {} ({})", s.kind, s.name, s.reason, s.kept);
        match written {
            true => printer.note(&format!("skipped {line}")),
            false => printer.error(&format!("cannot import {line}")),
        }
    }
    printer.json(&json!({
        "api": {"id": read.api.id, "name": read.api.name},
        "stack": imported.stack,
        "skipped": imported.skipped,
        "written": written,
        "file": args.out.as_ref().filter(|_| written).map(|p| p.display().to_string()),
    }));
    if !written {
        // The report above is the one JSON document; the refusal goes to stderr.
        let (message, help) = refusal(&imported, &args);
        printer.error(&format!("{message}\n  help: {help}"));
        return Ok(ExitStatus::Failure);
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|source| Error::Io {
                action: "write",
                path: path.clone(),
                source,
            })?;
            printer.progress(&format!(
                "Wrote {} (stack {}, {} route(s)). Next: provision diff {0} --adopt",
                path.display(),
                imported.stack.stack,
                imported.stack.routes.len()
            ));
        }
        None if printer.format() == crate::render::Format::Text => {
            printer
                .document(text.as_bytes())
                .map_err(|e| Error::msg(format!("cannot write the stack to stdout: {e}")))?;
        }
        None => {}
    }
    Ok(ExitStatus::Success)
}

/// The written file must load and validate: a file `import` writes and `validate` refuses is a
/// bug of `import`, said as one.
fn self_check(text: &str) -> Result<(), Error> {
    let loaded = crate::stack::from_source_with(text, &[]);
    if !loaded.has_errors() {
        return Ok(());
    }
    let problems: Vec<String> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.message, d.label))
        .collect();
    Err(Error::with_help(
        format!(
            "the imported stack does not validate ({}); nothing was written",
            problems.join("; ")
        ),
        "this is a bug of `provision import`: please report it with the API's settings",
    ))
}

/// Why nothing was written, and what to do.
fn refusal(imported: &Imported, args: &ImportArgs) -> (String, &'static str) {
    let count = imported.skipped.len();
    match imported.blocked() {
        true => (
            format!(
                "API {} cannot be imported as a stack without change: {count} item(s) above; nothing was written",
                args.api
            ),
            "a stack file would make `up` change what is marked not importable; change it in AWS first, or keep managing this API by hand",
        ),
        false => (
            format!(
                "API {} has {count} item(s) the stack format cannot express (above); nothing was written",
                args.api
            ),
            "`--partial` writes the rest, with the skipped routes, stages and authorizers listed as unmanaged so that `up` leaves them as they are",
        ),
    }
}
