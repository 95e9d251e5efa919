//! `provision init`: writes a commented starter stack that passes `provision validate`.
//!
//! Every input is checked before anything is written, the generated text is loaded and
//! validated with the crate's own loader before it is written, and an existing file is never
//! overwritten (the file is created with `create_new`, so even a race cannot clobber one).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::{FAILED, OK};
use crate::render::Printer;
use crate::stack::{self, rules};

/// The stack name used when neither `--name` nor the file name gives one.
pub const DEFAULT_NAME: &str = "my-workflow";
/// The route key used without `--route`.
pub const DEFAULT_ROUTE: &str = "POST /start";
/// The region used without `--region` or a `--state-machine` to take it from.
pub const DEFAULT_REGION: &str = "ap-southeast-2";
/// The account id of the placeholder state machine ARN: AWS's documentation example account.
pub const PLACEHOLDER_ACCOUNT: &str = "123456789012";

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

/// The values of a starter stack, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    /// The stack name.
    pub name: String,
    /// The route key.
    pub route: String,
    /// The state machine ARN; `None` writes the placeholder ARN.
    pub state_machine: Option<String>,
    /// The stack's region.
    pub region: String,
    /// The `#:schema` path for editors, relative to the stack file; `None` writes no such line.
    pub schema: Option<String>,
}

impl Default for Starter {
    fn default() -> Self {
        Self {
            name: DEFAULT_NAME.to_string(),
            route: DEFAULT_ROUTE.to_string(),
            state_machine: None,
            region: DEFAULT_REGION.to_string(),
            schema: Some(format!("../{}", super::schema::SCHEMA_PATH)),
        }
    }
}

/// A stack name as the validator wants it: 1-128 of `A-Z a-z 0-9 - _ .`.
pub fn is_stack_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// A TOML string literal holding `value`, escaped as needed.
fn quote(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

/// `base` cut so that `base` + `suffix` fits in `max` bytes (names here are ASCII).
fn fit(base: &str, suffix: &str, max: usize) -> String {
    let keep = max.saturating_sub(suffix.len()).min(base.len());
    format!("{}{suffix}", base.get(..keep).unwrap_or(base))
}

/// A state machine name derived from a stack name: 1-80 of `A-Z a-z 0-9 - _`.
fn machine_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    if cleaned.is_empty() {
        DEFAULT_NAME.to_string()
    } else {
        cleaned
    }
}

/// The placeholder ARN written when no state machine is given.
pub fn placeholder_arn(region: &str, name: &str) -> String {
    format!(
        "arn:aws:states:{region}:{PLACEHOLDER_ACCOUNT}:stateMachine:{}",
        machine_name(name)
    )
}

/// The starter stack's text.
pub fn starter(s: &Starter) -> String {
    let name = &s.name;
    let mut t = String::new();
    if let Some(schema) = &s.schema {
        t.push_str(&format!("#:schema {schema}\n"));
    }
    t.push_str(
        "# A provision stack: an HTTP API whose route starts a Step Functions workflow, the IAM role\n\
         # API Gateway assumes to call it, and the auto-deployed stage.\n\
         #\n\
         #   provision validate FILE   offline checks, no AWS call\n\
         #   provision diff FILE       what `up` would change\n\
         #   provision up FILE         create or update, safe to re-run\n\
         #   provision down FILE       delete what this stack created, nothing else\n\
         #\n\
         # Unknown keys are errors. `provision schema` prints the format as a JSON Schema.\n\n",
    );
    t.push_str(
        "[stack]\n\
         # Written as the tag provision:stack = <name> on everything the stack creates: only what\n\
         # carries the tag is ever changed or deleted. 1-128 of A-Z a-z 0-9 - _ .\n",
    );
    t.push_str(&format!("name = {}\n", quote(name)));
    t.push_str("# `--region` overrides it.\n");
    t.push_str(&format!("region = {}\n\n", quote(&s.region)));
    t.push_str("[api]\n# The HTTP API, 1-128 characters. Renaming it updates the API in place.\n");
    t.push_str(&format!("name = {}\n\n", quote(&fit(name, "-api", 128))));
    t.push_str(
        "[role]\n\
         # The IAM role API Gateway assumes to call Step Functions (1-64 of A-Z a-z 0-9 + = , . @ _ -)\n\
         # and its inline policy. Without `actions` the policy is derived from the routes, least\n\
         # privilege: each route's action on its own state machine only.\n",
    );
    t.push_str(&format!("name = {}\n", quote(&fit(name, "-api-role", 64))));
    t.push_str(&format!(
        "policy_name = {}\n\n",
        quote(&fit(name, "-invoke-workflow", 128))
    ));
    t.push_str(
        "[[route]]\n# `METHOD /path` (path segments may be `{name}`, the last `{name+}`), or `$default`.\n",
    );
    t.push_str(&format!("key = {}\n", quote(&s.route)));
    t.push_str(
        "# StartExecution; StartSyncExecution (EXPRESS machines, answers with the result); or\n\
         # StopExecution (with parameters = { ExecutionArn = \"...\" }).\n\
         action = \"StartExecution\"\n",
    );
    let arn = match &s.state_machine {
        Some(arn) => arn.clone(),
        None => {
            t.push_str(&format!(
                "# PLACEHOLDER: {PLACEHOLDER_ACCOUNT} is not your account. Put your state machine's ARN here (Step\n\
                 # Functions console, or `aws stepfunctions list-state-machines`).\n"
            ));
            placeholder_arn(&s.region, name)
        }
    };
    t.push_str(&format!("state_machine = {}\n", quote(&arn)));
    t.push_str(
        "# The request body is the execution's input. The walkthrough's convention instead maps\n\
         # Input = \"$request.body.input\" (clients post {\"input\": {...}}).\n\
         parameters = { Input = \"$request.body\" }\n\
         # Who may call this route:\n\
         #   \"AWS_IAM\"  requests signed with AWS credentials (SigV4); `provision invoke` does not sign.\n\
         #   \"NONE\"     anyone on the internet can start executions (`validate` warns); keep the\n\
         #              stage throttling below if you open it.\n\
         #   JWT        declare an [[authorizer]] with name, issuer and audience, then set\n\
         #              authorizer = \"<its name>\" here instead of `authorization`.\n\
         authorization = \"AWS_IAM\"\n\n",
    );
    t.push_str(
        "[stage]\n\
         name = \"$default\"\n\
         auto_deploy = true\n\
         # Default route throttling, the only cost cap on who can start executions: requests at\n\
         # once, and steady requests per second. Set both or neither.\n\
         throttling_burst_limit = 10\n\
         throttling_rate_limit = 5.0\n\n",
    );
    t.push_str(
        "# User tags for the role, the API and the stage:\n\
         # [tags]\n\
         # team = \"platform\"\n",
    );
    t
}

/// The `#:schema` path for a stack written at `path`: relative to the file, up to the directory
/// that holds its `stacks/` directory, then `schema/stack.schema.json`. `None` when the file is
/// not under a `stacks/` directory.
pub fn schema_reference(path: &Path) -> Option<String> {
    let parent: Vec<Component<'_>> = path.parent()?.components().collect();
    let stacks = parent
        .iter()
        .rposition(|c| matches!(c, Component::Normal(n) if *n == "stacks"))?;
    let below = &parent[stacks + 1..];
    if below
        .iter()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let depth = 1 + below.iter().filter(|c| matches!(c, Component::Normal(_))).count();
    Some(format!("{}{}", "../".repeat(depth), super::schema::SCHEMA_PATH))
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
        Some(arn) => Some(rules::parse_state_machine_arn(arn).map_err(|reason| {
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
    if !rules::is_region(&region) {
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

/// Writes the starter stack; exit 1 without writing anything on a bad option or an existing
/// file.
pub fn run(printer: &Printer, options: Options) -> u8 {
    let fail = |message: &str, help: &str| {
        printer.error(message);
        printer.note(help);
        FAILED
    };
    let (path, starter) = match plan(&options) {
        Ok(p) => p,
        Err((message, help)) => return fail(&format!("{message}; nothing was written"), &help),
    };
    let text = self::starter(&starter);
    // The text must load without errors: check with the real loader before writing it.
    let mut loaded = stack::from_source(&text);
    loaded.path = path.clone();
    if loaded.has_errors() {
        printer.diagnostics(&loaded);
        return fail(
            &format!(
                "the starter stack for {} would not validate; nothing was written",
                path.display()
            ),
            "this is a bug in `provision init`: please report it with the options used",
        );
    }
    if path.exists() {
        return refuse(printer, &path);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(parent)
    {
        return fail(
            &format!("cannot create the directory {}: {e}", parent.display()),
            "check the path and its permissions, or pass another path",
        );
    }
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return refuse(printer, &path),
        Err(e) => {
            return fail(
                &format!("cannot write {}: {e}", path.display()),
                "check the path and its permissions, or pass another path",
            );
        }
    }
    printer.json(&serde_json::json!({
        "path": path.display().to_string(),
        "stack": starter.name,
        "route": starter.route,
        "state_machine_placeholder": starter.state_machine.is_none(),
    }));
    printer.progress(&format!("wrote {}", path.display()));
    if path.extension().is_none_or(|e| e != "toml") {
        printer.note("without the .toml extension, commands will not find this stack on their own");
    }
    if let Some(schema) = &starter.schema {
        let target = lexical(&path.parent().unwrap_or(Path::new("")).join(schema));
        if !target.exists() {
            printer.note(&format!(
                "for completion in editors, save the schema its first line points to: provision schema > {}",
                target.display()
            ));
        }
    }
    let next = if starter.state_machine.is_none() {
        format!(
            "next: put your state machine's ARN in `state_machine`, then run provision validate {0} and provision up {0}",
            path.display()
        )
    } else {
        format!(
            "next: provision validate {0}, then provision up {0}",
            path.display()
        )
    };
    printer.progress(&next);
    OK
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

fn refuse(printer: &Printer, path: &Path) -> u8 {
    printer.error(&format!(
        "{} already exists; refusing to overwrite it (nothing was written)",
        path.display()
    ));
    let help = match free_alternative(path) {
        Some(other) => format!(
            "pass another path, e.g. provision init {}, or --name NAME for stacks/NAME.toml",
            other.display()
        ),
        None => "pass another path, or --name NAME for stacks/NAME.toml".to_string(),
    };
    printer.note(&help);
    FAILED
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
        let loaded = stack::from_source(&starter(&Starter::default()));
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
            let loaded = stack::from_source(&starter(&s));
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
            let loaded = stack::from_source(&starter(&s));
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
