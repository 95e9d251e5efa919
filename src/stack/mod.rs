//! The stack file: TOML model, loading and validation. Pure: no AWS.

pub mod allow;
pub mod bound;
pub mod desired;
pub mod diagnostic;
pub mod load;
pub mod model;
pub mod response;
pub mod rules;
pub mod schema;
pub mod starter;
pub mod status_helper;
pub mod validate;
pub mod vars;
pub mod write;

use std::path::{Path, PathBuf};

pub use bound::{Binding, BoundDesired, Offline, Placeholders};
pub use desired::Desired;
pub use diagnostic::{Diagnostic, Severity};

/// A stack file read from disk with everything found in it.
#[derive(Debug)]
pub struct Loaded {
    /// The path as given.
    pub path: PathBuf,
    /// The file's text (empty when it could not be read).
    pub source: String,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The desired state, when the file has no errors.
    pub desired: Option<Desired>,
    /// The file's `[vars]`, their values for this run and where they are used.
    pub vars: vars::Vars,
}

impl Loaded {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| !d.is_error()).count()
    }
}

/// What a stack is read with, from the command line: given to the loader, never read from a
/// global.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// `--var NAME=VALUE` values, over the file's `[vars]` defaults.
    pub vars: Vec<(String, String)>,
}

/// Reads, parses and validates a stack file with no `--var` value ([`load_with`] takes them).
/// Never fails: a missing, unreadable or binary file is a diagnostic like any other.
pub fn load(path: &Path) -> Loaded {
    load_with(path, &LoadOptions::default())
}

/// Reads, parses and validates a stack file with these options. Never fails: a missing,
/// unreadable or binary file is a diagnostic like any other.
pub fn load_with(path: &Path, options: &LoadOptions) -> Loaded {
    let unreadable = |message: String, help: &str| Loaded {
        path: path.to_path_buf(),
        source: String::new(),
        diagnostics: vec![Diagnostic {
            severity: Severity::Error,
            message,
            span: None,
            label: String::new(),
            help: Some(help.to_string()),
            code: None,
        }],
        desired: None,
        vars: vars::Vars::default(),
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return unreadable(
                format!("stack file {} does not exist", path.display()),
                "pass the path of a stack file, or run from a directory with stacks/*.toml",
            );
        }
        Err(e) => {
            return unreadable(
                format!("cannot read stack file {}: {e}", path.display()),
                "check the path and its permissions",
            );
        }
    };
    let source = match String::from_utf8(bytes) {
        Ok(s) if !s.contains('\0') => s,
        _ => {
            return unreadable(
                format!("{} is not a text file", path.display()),
                "a stack file is UTF-8 TOML text",
            );
        }
    };
    // A state machine's definition file is relative to the stack file.
    let base = path.parent().unwrap_or(Path::new("."));
    let loaded = from_source_at(&source, &options.vars, base);
    Loaded {
        path: path.to_path_buf(),
        source,
        ..loaded
    }
}

/// Parses and validates stack text with no `--var` value.
pub fn from_source(source: &str) -> Loaded {
    from_source_with(source, &[])
}

/// Parses and validates stack text with these `--var` values (definition files relative to the
/// working directory).
pub fn from_source_with(source: &str, overrides: &[(String, String)]) -> Loaded {
    from_source_at(source, overrides, Path::new("."))
}

/// Parses and validates stack text with these `--var` values, reading state machine definition
/// files relative to `base`.
pub fn from_source_at(source: &str, overrides: &[(String, String)], base: &Path) -> Loaded {
    let load::Parsed {
        mut file,
        mut diagnostics,
        vars,
        syntax_ok,
    } = load::parse_with(source, overrides, vars::Mode::Resolve);
    crate::resource::state_machine::spec::load_definitions(&mut file, base);
    if syntax_ok {
        let checked = validate::validate(&file);
        diagnostics.extend(checked.into_iter().filter(|d| !vars.follows_from_unresolved(d)));
        allow::apply(&file, &mut diagnostics);
    }
    diagnostics.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    let desired = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        desired::desired(&file)
    };
    Loaded {
        path: PathBuf::new(),
        source: source.to_string(),
        diagnostics,
        desired,
        vars,
    }
}

/// The desired state of a file that validated, with every `${var.NAME}` kept as written (for
/// `synth`, which makes them template parameters). Number fields read from a variable hold its
/// value; [`vars::Vars::numbers`] says which.
pub fn template_desired(source: &str) -> Option<Desired> {
    template_desired_at(source, &LoadOptions::default(), Path::new("."))
}

/// [`template_desired`] with these options and definition files relative to `base`.
pub fn template_desired_at(source: &str, options: &LoadOptions, base: &Path) -> Option<Desired> {
    let mut parsed = load::parse_with(source, &options.vars, vars::Mode::Keep);
    crate::resource::state_machine::spec::load_definitions(&mut parsed.file, base);
    desired::desired(&parsed.file)
}

/// Picks the stack file when none is named: the only `*.toml` in `dir`.
/// Every `*.toml` directly in `dir`, sorted.
pub fn list(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("no *.toml stack file in {}", dir.display()));
    }
    Ok(found)
}

pub fn discover(dir: &Path) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir).map_err(|_| {
        format!(
            "no stack file given and no {} directory here; pass the path of a stack file",
            dir.display()
        )
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    found.sort();
    match found.len() {
        0 => Err(format!("no stack file given and no *.toml in {}", dir.display())),
        1 => Ok(found.remove(0)),
        _ => Err(format!(
            "no stack file given and {} has several; name one:\n{}",
            dir.display(),
            found
                .iter()
                .map(|p| format!("  {}", p.display()))
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}
