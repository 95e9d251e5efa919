//! `provision init`: writes a commented starter stack that passes `provision validate`.
//!
//! Every input is checked before anything is written, the generated text is loaded and
//! validated with the crate's own loader before it is written, and an existing file is never
//! overwritten (the file is created with `create_new`, so even a race cannot clobber one).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::{ExitStatus, Outcome};
use crate::error::Error;
use crate::render::{Printer, Rendered};
use crate::stack::starter::{
    self, DEFAULT_NAME, DEFAULT_REGION, DEFAULT_ROUTE, Starter, is_stack_name, schema_reference,
};
use crate::stack::{self, rules};

/// What `provision init` was asked for, as typed.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Where to write the stack (default: `stacks/<name>.toml`); a directory gets
    /// `<name>.toml` inside it.
    pub path: Option<PathBuf>,
    /// The stack name (default: the file's stem when it is a valid stack name, else
    /// [`DEFAULT_NAME`]).
    pub name: Option<String>,
    /// The state machine ARN (default: a placeholder in [`PLACEHOLDER_ACCOUNT`]).
    pub state_machine: Option<String>,
    /// The route key (default: [`DEFAULT_ROUTE`]).
    pub route: Option<String>,
    /// The stack's region (default: the state machine's, else [`DEFAULT_REGION`]).
    pub region: Option<String>,
}

/// `init`'s options (the region is the run's `--region`).
#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// Where to write the stack (default: stacks/<NAME>.toml; a directory gets <NAME>.toml).
    pub path: Option<PathBuf>,
    /// The stack's name, 1-128 of A-Z a-z 0-9 - _ . (default: the file's name, else
    /// my-workflow).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The route's state machine: arn:aws:states:REGION:ACCOUNT:stateMachine:NAME.
    #[arg(long, value_name = "ARN")]
    pub state_machine: Option<String>,
    /// The route key (default: "POST /start").
    #[arg(long, value_name = "\"METHOD /path\"")]
    pub route: Option<String>,
}

/// `init` from its options and the run's region.
pub fn run_args(printer: &Printer, settings: &crate::aws::AwsSettings, args: InitArgs) -> Outcome {
    let InitArgs {
        path,
        name,
        state_machine,
        route,
    } = args;
    let options = Options {
        path,
        name,
        state_machine,
        route,
        region: settings.region.clone(),
    };
    run(printer, options)
}

/// Checks the options and works out the file and its values. The error is a message and a help.
pub fn plan(options: &Options) -> Result<(PathBuf, Starter), (String, String)> {
    let stem_name = options
        .path
        .as_deref()
        .filter(|p| !p.is_dir())
        .and_then(Path::file_stem)
        .and_then(|s| s.to_str())
        .filter(|s| is_stack_name(s))
        .map(str::to_string);
    let name = match (&options.name, stem_name) {
        (Some(n), _) => n.clone(),
        (None, Some(stem)) => stem,
        (None, None) => DEFAULT_NAME.to_string(),
    };
    if !is_stack_name(&name) {
        return Err((
            format!("invalid stack name {name:?}: a stack name is 1-128 of A-Z a-z 0-9 - _ ."),
            "for example --name user-onboarding".into(),
        ));
    }
    let route = options.route.clone().unwrap_or_else(|| DEFAULT_ROUTE.to_string());
    if let Err(e) = rules::parse_route_key(&route) {
        return Err((
            format!("invalid route {route:?}: {}", e.reason),
            e.help
                .unwrap_or_else(|| "for example --route \"POST /new-user\"".into()),
        ));
    }
    let machine = match &options.state_machine {
        Some(arn) => Some(crate::arn::parse_state_machine_arn(arn).map_err(|reason| {
            (
                format!("invalid state machine ARN {arn:?}: {reason}"),
                "copy it from the Step Functions console: arn:aws:states:REGION:ACCOUNT:stateMachine:NAME"
                    .to_string(),
            )
        })?),
        None => None,
    };
    let region = match (&options.region, &machine) {
        (Some(r), _) => r.clone(),
        (None, Some(m)) => m.region.clone(),
        (None, None) => DEFAULT_REGION.to_string(),
    };
    if !crate::arn::is_region(&region) {
        return Err((
            format!("invalid region {region:?}"),
            "for example --region ap-southeast-2".into(),
        ));
    }
    let path = match &options.path {
        Some(p) if p.is_dir() => p.join(format!("{name}.toml")),
        Some(p) => p.clone(),
        None => Path::new("stacks").join(format!("{name}.toml")),
    };
    let starter = Starter {
        schema: schema_reference(&path),
        name,
        route,
        state_machine: options.state_machine.clone(),
        region,
    };
    Ok((path, starter))
}

/// A path next to `path` that does not exist yet: `NAME-2.toml`, `NAME-3.toml`, ...
fn free_alternative(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("toml");
    (2..100)
        .map(|i| path.with_file_name(format!("{stem}-{i}.{ext}")))
        .find(|p| !p.exists())
}

/// Writes the starter stack; fails without writing anything on a bad option or an existing
/// file.
pub fn run(printer: &Printer, options: Options) -> Outcome {
    let (path, starter) = plan(&options)
        .map_err(|(message, help)| Error::with_help(format!("{message}; nothing was written"), help))?;
    let text = starter::starter(&starter);
    // The text must load without errors: check with the real loader before writing it.
    let mut loaded = stack::from_source(&text);
    loaded.path = path.clone();
    if loaded.has_errors() {
        printer.diagnostics(&loaded);
        return Err(Error::with_help(
            format!(
                "the starter stack for {} would not validate; nothing was written",
                path.display()
            ),
            "this is a bug in `provision init`: please report it with the options used",
        ));
    }
    write_new(&path, &text)?;
    let written = Written {
        notes: notes(&path, &starter),
        next: next_step(&path, &starter),
        path,
        starter,
    };
    printer.result(&written)?;
    Ok(ExitStatus::Success)
}

/// `init`'s result: the file written, what to know about it, and what to do next.
struct Written {
    path: PathBuf,
    starter: Starter,
    notes: Vec<String>,
    next: String,
}

impl Rendered for Written {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        printer.progress(&format!("wrote {}", self.path.display()));
        for note in &self.notes {
            printer.note(note);
        }
        printer.progress(&self.next);
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "path": self.path.display().to_string(),
            "stack": self.starter.name,
            "route": self.starter.route,
            "state_machine_placeholder": self.starter.state_machine.is_none(),
            "notes": self.notes,
            "next": self.next,
        })
    }
}

/// Creates `path` with `text`; an existing file is never overwritten (`create_new`, so even a
/// race cannot clobber one).
fn write_new(path: &Path, text: &str) -> Result<(), Error> {
    if path.exists() {
        return Err(refuse(path));
    }
    let help = "check the path and its permissions, or pass another path";
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            Error::with_help(
                format!("cannot create the directory {}: {e}", parent.display()),
                help,
            )
        })?;
    }
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(refuse(path)),
        Err(e) => Err(Error::with_help(
            format!("cannot write {}: {e}", path.display()),
            help,
        )),
    }
}

/// What to know about the file written: an extension commands do not look for, a schema its
/// first line points to that is not there.
fn notes(path: &Path, starter: &Starter) -> Vec<String> {
    let mut notes = Vec::new();
    if path.extension().is_none_or(|e| e != "toml") {
        notes.push("without the .toml extension, commands will not find this stack on their own".to_string());
    }
    if let Some(schema) = &starter.schema {
        let target = lexical(&path.parent().unwrap_or(Path::new("")).join(schema));
        if !target.exists() {
            notes.push(format!(
                "for completion in editors, save the schema its first line points to: provision schema > {}",
                target.display()
            ));
        }
    }
    notes
}

/// The next step, in words.
fn next_step(path: &Path, starter: &Starter) -> String {
    if starter.state_machine.is_none() {
        format!(
            "next: put your state machine's ARN in `state_machine`, then run provision validate {0} and provision up {0}",
            path.display()
        )
    } else {
        format!(
            "next: provision validate {0}, then provision up {0}",
            path.display()
        )
    }
}

/// `path` with `a/..` pairs removed, without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn refuse(path: &Path) -> Error {
    let help = match free_alternative(path) {
        Some(other) => format!(
            "pass another path, e.g. provision init {}, or --name NAME for stacks/NAME.toml",
            other.display()
        ),
        None => "pass another path, or --name NAME for stacks/NAME.toml".to_string(),
    };
    Error::with_help(
        format!(
            "{} already exists; refusing to overwrite it (nothing was written)",
            path.display()
        ),
        help,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(path: &Path) -> Options {
        Options {
            path: Some(path.to_path_buf()),
            ..Options::default()
        }
    }

    #[test]
    fn the_default_starter_loads_without_errors_or_warnings() {
        let loaded = stack::from_source(&starter::starter(&Starter::default()));
        assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
        assert!(loaded.desired.is_some());
    }

    #[test]
    fn strange_but_valid_inputs_still_load() {
        let long = "a.".repeat(64);
        for (name, route, arn) in [
            (long.as_str(), "$default", None),
            (
                "x",
                "GET /orders/{id}/{rest+}",
                Some("arn:aws:states:us-east-1:111122223333:stateMachine:orders"),
            ),
            ("with.dots_and-dashes", "ANY /a\"b", None),
        ] {
            let options = Options {
                name: Some(name.into()),
                route: Some(route.into()),
                state_machine: arn.map(String::from),
                ..Options::default()
            };
            let Ok((_, s)) = plan(&options) else {
                // A route the parser refuses is refused before writing; that is fine too.
                assert!(rules::parse_route_key(route).is_err(), "{route}");
                continue;
            };
            let loaded = stack::from_source(&starter::starter(&s));
            assert!(!loaded.has_errors(), "{name} {route}: {:#?}", loaded.diagnostics);
        }
    }

    #[test]
    fn the_name_rule_is_the_validators() {
        for name in [
            "a",
            "user-onboarding",
            "a.b_c",
            "",
            "has space",
            "é",
            &"x".repeat(128),
            &"x".repeat(129),
        ] {
            let s = Starter {
                name: name.to_string(),
                ..Starter::default()
            };
            let loaded = stack::from_source(&starter::starter(&s));
            let invalid = loaded
                .diagnostics
                .iter()
                .any(|d| d.message == "invalid stack name");
            assert_eq!(is_stack_name(name), !invalid, "{name:?}");
        }
    }

    #[test]
    fn the_region_comes_from_the_state_machine_when_not_given() {
        let options = Options {
            state_machine: Some("arn:aws:states:eu-west-1:111122223333:stateMachine:m".into()),
            ..Options::default()
        };
        let (path, s) = plan(&options).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(path, Path::new("stacks/my-workflow.toml"));
        assert_eq!(s.schema.as_deref(), Some("../schema/stack.schema.json"));
    }

    #[test]
    fn bad_options_are_refused_before_anything_is_written() {
        let dir = Path::new("/nonexistent-provision-test/stacks/x.toml");
        let bad = [
            Options {
                name: Some("no spaces".into()),
                ..options(dir)
            },
            Options {
                route: Some("POST start".into()),
                ..options(dir)
            },
            Options {
                state_machine: Some("arn:aws:lambda:us-east-1:111122223333:function:f".into()),
                ..options(dir)
            },
            Options {
                region: Some("mars".into()),
                ..options(dir)
            },
        ];
        for o in bad {
            assert!(plan(&o).is_err(), "{o:?}");
        }
    }

    #[test]
    fn schema_references_are_relative_to_the_file() {
        let cases = [
            ("stacks/a.toml", Some("../schema/stack.schema.json")),
            ("./stacks/a.toml", Some("../schema/stack.schema.json")),
            ("/srv/app/stacks/a.toml", Some("../schema/stack.schema.json")),
            ("stacks/team/a.toml", Some("../../schema/stack.schema.json")),
            ("a.toml", None),
            ("other/a.toml", None),
            ("stacks/../a.toml", None),
        ];
        for (path, want) in cases {
            assert_eq!(schema_reference(Path::new(path)).as_deref(), want, "{path}");
        }
        let target = lexical(Path::new("./stacks/team/../../schema/stack.schema.json"));
        assert_eq!(target, Path::new("schema/stack.schema.json"));
        assert_eq!(lexical(Path::new("../x/../y")), Path::new("../y"));
    }

    #[test]
    fn the_file_stem_names_the_stack() {
        let (_, s) = plan(&options(Path::new("stacks/orders.toml"))).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.name, "orders");
        let (_, s) = plan(&options(Path::new("stacks/has space.toml"))).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(s.name, DEFAULT_NAME);
    }
}
