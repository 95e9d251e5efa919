//! `provision import`: an existing API (made in the console, say) as a stack file.

use std::path::PathBuf;

use serde_json::json;

use super::{ExitStatus, Outcome};
use crate::aws::AwsSettings;
use crate::error::Error;
use crate::import::{self, ImportOptions, Imported};
use crate::live;
use crate::render::{Printer, Rendered};

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
    if !written {
        // Said on stderr in both modes, as the skipped items are: the result is the report.
        let (message, help) = refusal(&imported, &args);
        printer.error(&format!("{message}\n  help: {help}"));
    }
    let file = args.out.as_deref().filter(|_| written);
    if let Some(path) = file {
        std::fs::write(path, &text).map_err(|source| Error::Io {
            action: "write",
            path: path.to_path_buf(),
            source,
        })?;
    }
    printer.result(&Report {
        read: &read,
        imported: &imported,
        text: &text,
        written,
        file,
    })?;
    Ok(match written {
        true => ExitStatus::Success,
        false => ExitStatus::Failure,
    })
}

/// `import`'s result: the stack file (on stdout, or where it was written), or why it was not
/// written; for JSON the stack as JSON and every skipped item.
struct Report<'a> {
    read: &'a live::ImportRead,
    imported: &'a Imported,
    text: &'a str,
    written: bool,
    file: Option<&'a std::path::Path>,
}

impl Rendered for Report<'_> {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        match (self.written, self.file) {
            (false, _) => Ok(()),
            (true, Some(path)) => {
                printer.progress(&format!(
                    "Wrote {} (stack {}, {} route(s)). Next: provision diff {0} --adopt",
                    path.display(),
                    self.imported.stack.stack,
                    self.imported.stack.routes.len()
                ));
                Ok(())
            }
            (true, None) => printer.document(self.text.as_bytes()),
        }
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "api": {"id": self.read.api.id, "name": self.read.api.name},
            "stack": self.imported.stack,
            "skipped": self.imported.skipped,
            "written": self.written,
            "file": self.file.map(|p| p.display().to_string()),
        })
    }
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
