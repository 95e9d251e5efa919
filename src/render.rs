//! All output goes through one [`Printer`]: progress and diagnostics to stderr, results to
//! stdout, as text for people or JSON for programs.

use std::io::{IsTerminal, Write};

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde_json::Value;

use crate::plan::{Action, Change, Plan};
use crate::stack::{Diagnostic, Loaded, Severity};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// A command's result, one value: the printer shows it as text for people or as one JSON
/// document ([`Printer::result`]).
pub trait Rendered {
    /// The text form, written through the printer's text methods (results on stdout, progress on
    /// stderr). Fails only where a document could not be written ([`Printer::document`]).
    fn text(&self, printer: &Printer) -> std::io::Result<()>;
    /// The JSON document.
    fn json(&self) -> Value;
}

/// A result that is one document (a template, a schema, a policy, a completion script): in text
/// mode the document as it is on stdout, then a line on stderr saying what it is; in JSON mode
/// `json`, which is the document itself when it is JSON, else a report holding it.
#[derive(Debug, Clone)]
pub struct Document {
    /// The document, byte for byte.
    pub bytes: Vec<u8>,
    /// The JSON form.
    pub json: Value,
    /// A line on stderr after the document, in text mode.
    pub about: Option<String>,
}

impl Document {
    /// A JSON document: printed as it is in both modes (pretty, with a final newline).
    pub fn json(document: Value, about: Option<String>) -> Self {
        let mut bytes = serde_json::to_vec_pretty(&document).unwrap_or_default();
        bytes.push(b'\n');
        Self {
            bytes,
            json: document,
            about,
        }
    }
}

impl Rendered for Document {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.document(&self.bytes)?;
        if let Some(about) = &self.about {
            printer.progress(about);
        }
        Ok(())
    }

    fn json(&self) -> Value {
        self.json.clone()
    }
}

/// Where every command writes.
#[derive(Debug, Clone)]
pub struct Printer {
    format: Format,
    color: bool,
    /// Set for one stack among several: every text line starts with it, and the stack's own
    /// JSON document is left to the caller's summary.
    scope: Option<String>,
    /// `--quiet`: no warnings, notes or progress.
    quiet: bool,
    /// Warnings in full, each a box pointing into the file (`validate`, `--verbose`); otherwise
    /// one line each, since `validate` shows the rest.
    full_warnings: bool,
}

const RESET: &str = "\x1b[0m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";

impl Printer {
    /// A printer; colour only on a terminal and when `NO_COLOR` is unset.
    pub fn new(format: Format) -> Self {
        let color =
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self {
            format,
            color,
            scope: None,
            quiet: false,
            full_warnings: false,
        }
    }

    /// The same printer, showing warnings in full when `full` (`validate`, `--verbose`).
    pub fn full_warnings(self, full: bool) -> Self {
        Self {
            full_warnings: full,
            ..self
        }
    }

    /// The same printer, hiding warnings, notes and progress when `quiet` (`-q/--quiet`).
    pub fn quiet(self, quiet: bool) -> Self {
        Self { quiet, ..self }
    }

    /// A printer for one stack of several (`up stacks/`): lines start with `[name] `.
    pub fn scoped(&self, name: &str) -> Printer {
        Printer {
            scope: Some(format!("[{name}] ")),
            ..self.clone()
        }
    }

    /// Prefixes each line of `text` with the scope, if any.
    fn scope(&self, text: &str) -> String {
        match &self.scope {
            None => text.to_string(),
            Some(prefix) => text.lines().map(|l| format!("{prefix}{l}\n")).collect(),
        }
    }

    /// The output format.
    pub fn format(&self) -> Format {
        self.format
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    /// A progress line on stderr (text mode only).
    pub fn progress(&self, line: &str) {
        if self.format == Format::Text && !self.quiet {
            err(&self.scope(&format!("{line}\n")));
        }
    }

    /// A result line on stdout (text mode only).
    pub fn line(&self, line: &str) {
        if self.format == Format::Text {
            out(&self.scope(&format!("{line}\n")));
        }
    }

    /// A command's result: its text in text mode, its JSON document in JSON mode. Fails when a
    /// document cannot be written to stdout (a reader that stops early is not a failure).
    pub fn result(&self, result: &dyn Rendered) -> Result<(), crate::error::Error> {
        let written = match self.format {
            Format::Text => result.text(self),
            Format::Json => {
                self.json(&result.json());
                Ok(())
            }
        };
        written.map_err(|e| crate::error::Error::msg(format!("cannot write the result to stdout: {e}")))
    }

    /// What a command found before it failed (`invoke --follow`: the response, before the
    /// execution could not be followed), in text mode only: in JSON mode the failure is the one
    /// document.
    pub fn partial(&self, result: &dyn Rendered) {
        if self.format == Format::Text {
            let _ = result.text(self);
        }
    }

    /// A JSON document on stdout (JSON mode only): a result's ([`Printer::result`]) or a
    /// failure's ([`Printer::failure`]), never anything else, so stdout holds one document.
    fn json(&self, value: &Value) {
        if self.format == Format::Json && self.scope.is_none() {
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, value);
            let _ = writeln!(out);
        }
    }

    /// A document that is the command's whole output (a template, a schema, a completion
    /// script) on stdout as it is, in both modes. A reader that stops early (`| head`) is not an
    /// error; any other write failure is returned.
    pub fn document(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        match out.write_all(bytes).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }

    /// An error on stderr, in both modes (JSON consumers read stdout).
    pub fn error(&self, message: &str) {
        err(&self.scope(&format!("{} {message}\n", self.paint(RED, "error:"))));
    }

    /// A command's failure, printed once: `error:` and `help:` lines on stderr in both modes, and
    /// in JSON mode one JSON document on stdout (the error's fields, or the command's report with
    /// an `error` member).
    pub fn failure(&self, error: &crate::error::Error) {
        self.json(&error.to_json());
        self.error(&error.to_string());
        if let Some(help) = error.help() {
            let label = self.paint(DIM, "help:");
            let text: String = help.lines().map(|l| format!("  {label} {l}\n")).collect();
            err(&self.scope(&text));
        }
    }

    /// Whether a question can be asked: stdin is a terminal (off one, commands never ask).
    pub fn can_ask(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    /// Asks `question` on stderr, in both modes (JSON consumers read stdout), and reads one line
    /// of stdin: the answer trimmed, or `None` when it cannot be read.
    pub fn ask(&self, question: &str) -> Option<String> {
        err(&format!("{question} "));
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut answer).ok()?;
        Some(answer.trim().to_string())
    }

    /// A spinner on stderr saying `message` while something runs, drawn only on a terminal;
    /// `finish_and_clear` removes it.
    pub fn spinner(&self, message: String) -> indicatif::ProgressBar {
        let spinner = indicatif::ProgressBar::new_spinner();
        if !std::io::stderr().is_terminal() {
            spinner.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        spinner.set_message(message);
        spinner.enable_steady_tick(std::time::Duration::from_millis(100));
        spinner
    }

    /// A warning or note on stderr.
    pub fn note(&self, message: &str) {
        if self.quiet {
            return;
        }
        err(&self.scope(&format!("{} {message}\n", self.paint(YELLOW, "note:"))));
    }

    /// A stack file's diagnostics on stderr, each pointing into the file; warnings one line each
    /// unless shown in full.
    pub fn diagnostics(&self, loaded: &Loaded) {
        let text = render_diagnostics(loaded, self.color, !self.quiet && self.full_warnings);
        if !text.is_empty() {
            err(&text);
        }
        if self.quiet || self.full_warnings {
            return;
        }
        let stack = loaded
            .desired
            .as_ref()
            .map_or_else(|| loaded.path.display().to_string(), |d| d.stack.clone());
        for d in loaded.diagnostics.iter().filter(|d| !d.is_error()) {
            let what = d.code.map_or_else(|| d.message.clone(), str::to_string);
            let at = d.span.as_ref().map_or_else(String::new, |span| {
                let line = loaded
                    .source
                    .get(..span.start)
                    .unwrap_or_default()
                    .matches('\n')
                    .count()
                    + 1;
                format!(", {}:{line}", loaded.path.display())
            });
            err(&self.scope(&format!(
                "{} {what} (stack {stack}{at}) — allow it or fix it; provision validate shows why\n",
                self.paint(YELLOW, "warning:")
            )));
        }
    }

    /// One completed step, e.g. `  ✓ create route POST /new-user  0.21s`.
    pub fn step(&self, label: &str, elapsed: std::time::Duration) {
        let time = self.paint(DIM, &format!("{:.2}s", elapsed.as_secs_f64()));
        self.progress(&format!("  {} {label}  {time}", self.paint(GREEN, "✓")));
    }

    /// An applied stack's outputs: ids, invoke URLs, and a command to try each route.
    pub fn outputs(&self, outputs: &crate::outputs::Outputs) {
        self.line("Outputs:");
        self.line(&format!("  api_id      {}", outputs.api_id));
        self.line(&format!(
            "  role_arn    {}",
            outputs.role_arn.as_deref().unwrap_or("")
        ));
        self.line(&format!("  stage       {}", outputs.stage));
        for r in &outputs.routes {
            self.line(&format!("  invoke_url  {}  {}", r.route, r.invoke_url));
        }
        for r in &outputs.routes {
            self.line("");
            self.line(&format!("Try {}:", r.route));
            if let Some(hint) = &r.hint {
                self.line(&format!("  # {hint}"));
            }
            self.line(&format!("  {}", r.curl));
        }
    }

    /// A plan, Terraform-style.
    pub fn plan(&self, plan: &Plan) {
        for change in &plan.changes {
            self.line(&self.change(change));
        }
        if !plan.changes.is_empty() {
            self.line("");
        }
        let (c, u, d) = plan.counts();
        if plan.is_empty() {
            self.line(&format!("No changes: stack {} matches its file.", plan.stack));
        } else {
            self.line(&format!(
                "{} {c} to create, {u} to update, {d} to delete.",
                self.paint(BOLD, "Plan:")
            ));
        }
    }

    fn change(&self, change: &Change) -> String {
        let (sign, color) = match change.action {
            Action::Create => ("  +", GREEN),
            Action::Update => ("  ~", YELLOW),
            Action::Delete => ("  -", RED),
            Action::Replace => ("-/+", YELLOW),
        };
        let kind = serde_json::to_value(change.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut out = format!(
            "{} {kind} {}",
            self.paint(color, sign),
            self.paint(BOLD, &change.name)
        );
        for f in &change.fields {
            let line = match change.action {
                Action::Create => format!("      {}: {}", f.field, short(&f.after)),
                Action::Delete => format!("      {}: {}", f.field, short(&f.before)),
                _ => format!("      {}: {} → {}", f.field, short(&f.before), short(&f.after)),
            };
            out.push('\n');
            out.push_str(&self.paint(DIM, &line));
        }
        out
    }
}

/// Writes to stdout; a closed pipe (`provision diff | head`) is not an error worth a panic.
fn out(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes to stderr, ignoring a closed pipe.
fn err(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn short(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// Renders diagnostics as miette reports: `file:line:col`, the source line, the span underlined
/// with its label, and the help line.
pub fn render_diagnostics(loaded: &Loaded, color: bool, warnings: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let name = loaded.path.display().to_string();
    let mut out = String::new();
    for d in loaded.diagnostics.iter().filter(|d| warnings || d.is_error()) {
        let report = Report {
            diagnostic: d,
            source: NamedSource::new(&name, loaded.source.clone()),
        };
        let _ = handler.render_report(&mut out, &report);
        out.push('\n');
    }
    out
}

#[derive(Debug)]
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
}

impl std::fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic.code.map(|c| {
            Box::new(format!("warning {c} (allow = [\"{c}\"] acknowledges it)")) as Box<dyn std::fmt::Display>
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.diagnostic
            .span
            .as_ref()
            .map(|_| &self.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.diagnostic.span.clone()?;
        let label = LabeledSpan::new_with_span(Some(self.diagnostic.label.clone()), span);
        Some(Box::new(std::iter::once(label)))
    }
}
