//! A state machine's Amazon States Language definition: read from its file (or inline), its
//! `${Name}` substitutions, the offline checks (each pointing at the definition file's line), and
//! the comparison and diff by meaning. Pure: no AWS.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::PathBuf;

use serde_json::Value;

pub use super::located::{Located, locate};

/// The largest definition Step Functions takes: 1 MB ("Step Functions service quotas",
/// "Maximum size of state machine definition").
pub const MAX_DEFINITION_BYTES: usize = 1024 * 1024;

/// State names are at most 80 Unicode characters (Amazon States Language, "States").
pub const MAX_STATE_NAME: usize = 80;

/// The state types of the Amazon States Language.
const TYPES: &[&str] = &[
    "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// The intrinsic functions of the Amazon States Language ("Intrinsic functions").
const INTRINSICS: &[&str] = &[
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// A definition as the stack gives it: the file's text (or the inline table) and what it parses
/// to. Reading happens once, while loading; everything after works on this.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The file, as written in the stack (relative to it); `None` for an inline definition.
    pub path: Option<PathBuf>,
    /// The path as shown in messages (as written in the stack).
    pub shown: String,
    /// The file's text; for an inline definition its JSON.
    pub text: String,
    /// The parsed definition, before substitution, or why it does not parse (or read).
    pub parsed: Result<Value, Located>,
}

impl Source {
    /// Reads a definition file; `shown` is the path as the stack writes it.
    pub fn read(path: PathBuf, shown: &str) -> Source {
        let (text, parsed) = match std::fs::read(&path) {
            Err(e) => (
                String::new(),
                Err(
                    Located::error(format!("cannot read definition file {shown}: {e}"))
                        .help("the path is relative to the stack file"),
                ),
            ),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => (
                    String::new(),
                    Err(Located::error(format!(
                        "definition file {shown} is not UTF-8 text"
                    ))),
                ),
                Ok(text) => {
                    let parsed = parse(&text, is_yaml(shown));
                    (text, parsed)
                }
            },
        };
        Source {
            path: Some(path),
            shown: shown.to_string(),
            text,
            parsed,
        }
    }

    /// An inline definition (a TOML table), as JSON.
    pub fn inline(value: &Value) -> Source {
        Source {
            path: None,
            shown: "the inline definition".into(),
            text: serde_json::to_string_pretty(value).unwrap_or_default(),
            parsed: Ok(value.clone()),
        }
    }

    /// Where `pointer` (keys from the root) is written, for messages.
    pub fn locate(&self, pointer: &[String]) -> Option<(usize, usize)> {
        self.path.as_ref()?;
        locate(&self.text, pointer, is_yaml(&self.shown))
    }
}

/// True for a `.yaml` / `.yml` file.
pub fn is_yaml(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// Parses a definition's text: JSON, or YAML for a `.yaml`/`.yml` file.
pub fn parse(text: &str, yaml: bool) -> Result<Value, Located> {
    if text.len() > MAX_DEFINITION_BYTES {
        // The whole file is too large: shown at its first line, as the other problems are.
        let mut too_large = Located::error(format!(
            "the definition is {} bytes; Step Functions takes at most 1 MB ({MAX_DEFINITION_BYTES} bytes)",
            text.len()
        ))
        .help("split the workflow: a state can start another state machine");
        too_large.at = Some((1, 1));
        return Err(too_large);
    }
    if yaml {
        return super::yaml::parse(text);
    }
    serde_json::from_str::<Value>(text).map_err(|e| Located {
        message: format!("the definition is not valid JSON: {e}"),
        at: Some((e.line(), e.column())),
        help: None,
        error: true,
    })
}

/// The `${Name}` placeholders in the definition's strings (as CloudFormation's
/// `DefinitionSubstitutions` reads them), each with the pointer of its first use.
pub fn placeholders(definition: &Value) -> BTreeMap<String, Vec<String>> {
    let mut found = BTreeMap::new();
    walk_strings(definition, &mut Vec::new(), &mut |pointer, s| {
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let name = &after[..end];
            if !name.is_empty() && !name.contains(['$', '{']) {
                found.entry(name.to_string()).or_insert_with(|| pointer.to_vec());
            }
            rest = &after[end + 1..];
        }
    });
    found
}

fn walk_strings(value: &Value, pointer: &mut Vec<String>, f: &mut impl FnMut(&[String], &str)) {
    match value {
        Value::String(s) => f(pointer, s),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointer.push(i.to_string());
                walk_strings(v, pointer, f);
                pointer.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                pointer.push(k.clone());
                walk_strings(v, pointer, f);
                pointer.pop();
            }
        }
        _ => {}
    }
}

/// The definition with every declared `${Name}` replaced by its value, in string values (so
/// the JSON stays valid whatever the value holds).
pub fn substitute(definition: &Value, substitutions: &BTreeMap<String, String>) -> Value {
    match definition {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, value) in substitutions {
                out = out.replace(&format!("${{{name}}}"), value);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, substitutions)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, substitutions)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What the checks know about the machine besides its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckContext {
    /// An EXPRESS machine: no `.sync`, no `.waitForTaskToken`.
    pub express: bool,
}

/// A problem and the pointer of the place it is about.
pub type Problem = (Vec<String>, Located);

/// Every offline problem of a parsed definition (Amazon States Language specification; Step
/// Functions developer guide, "State machine structure" and "Integrating optimized services").
pub fn check(definition: &Value, context: CheckContext) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_machine(definition, &[], context, &mut problems);
    problems
}

/// Checks one `{StartAt, States}` scope: the top level, a Parallel branch or a Map processor.
fn check_machine(machine: &Value, at: &[String], context: CheckContext, out: &mut Vec<Problem>) {
    let here = |key: &str| [at, &[key.to_string()]].concat();
    let Some(map) = machine.as_object() else {
        out.push((
            at.to_vec(),
            Located::error("a state machine definition must be a JSON object"),
        ));
        return;
    };
    let Some(states) = map.get("States").and_then(Value::as_object) else {
        out.push((
            at.to_vec(),
            Located::error("the definition has no `States` object")
                .help("a definition is { \"StartAt\": \"First\", \"States\": { \"First\": { ... } } }"),
        ));
        return;
    };
    match map.get("StartAt").and_then(Value::as_str) {
        None => out.push((
            at.to_vec(),
            Located::error("the definition has no `StartAt`")
                .help("name the first state: \"StartAt\": \"...\""),
        )),
        Some(start) if !states.contains_key(start) => out.push((
            here("StartAt"),
            Located::error(format!("`StartAt` names \"{start}\", which is not a state"))
                .help(nearest(start, states.keys())),
        )),
        Some(_) => {}
    }
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, state) in states {
        let pointer = [at, &["States".to_string(), name.clone()]].concat();
        let targets = check_state(name, state, &pointer, context, out);
        for (field, target) in &targets {
            if !states.contains_key(*target) {
                // `Catch[0].Next` is the pointer Catch / 0 / Next.
                let steps = field
                    .split(['[', ']', '.'])
                    .filter(|k| !k.is_empty())
                    .map(String::from);
                out.push((
                    pointer.iter().cloned().chain(steps).collect(),
                    Located::error(format!(
                        "state \"{name}\": `{field}` names \"{target}\", which is not a state"
                    ))
                    .help(nearest(target, states.keys())),
                ));
            }
        }
        edges.insert(name, targets.iter().map(|(_, t)| *t).collect());
    }
    reachability(map, states, &edges, at, out);
}

/// "Did you mean" for a state name, or the list of states.
fn nearest<'a>(name: &str, states: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = states.map(String::as_str).collect();
    match crate::stack::diagnostic::did_you_mean(name, &names) {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => format!("the states are: {}", names.join(", ")),
    }
}

/// Every state reachable from `StartAt`, and a terminal state among them.
fn reachability(
    map: &serde_json::Map<String, Value>,
    states: &serde_json::Map<String, Value>,
    edges: &BTreeMap<&str, Vec<&str>>,
    at: &[String],
    out: &mut Vec<Problem>,
) {
    let Some(start) = map
        .get("StartAt")
        .and_then(Value::as_str)
        .filter(|s| states.contains_key(*s))
    else {
        return;
    };
    let mut seen: BTreeSet<&str> = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(name) = queue.pop_front() {
        for next in edges.get(name).into_iter().flatten() {
            if states.contains_key(*next) && seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    for name in states.keys() {
        if !seen.contains(name.as_str()) {
            out.push((
                [at, &["States".to_string(), name.clone()]].concat(),
                Located::error(format!("state \"{name}\" is not reachable from `StartAt`"))
                    .help("point a `Next`, `Default` or `Catch` at it, or remove it"),
            ));
        }
    }
    let terminal = seen.iter().any(|name| is_terminal(&states[*name]));
    if !terminal {
        out.push((
            [at, &["StartAt".to_string()]].concat(),
            Located::error("no terminal state is reachable: every execution would run forever")
                .help("end a path with \"End\": true, or a Succeed or Fail state"),
        ));
    }
}

fn is_terminal(state: &Value) -> bool {
    matches!(
        state.get("Type").and_then(Value::as_str),
        Some("Succeed" | "Fail")
    ) || state.get("End").and_then(Value::as_bool) == Some(true)
}

/// Checks one state and returns its transitions, (field, target).
fn check_state<'a>(
    name: &str,
    state: &'a Value,
    pointer: &[String],
    context: CheckContext,
    out: &mut Vec<Problem>,
) -> Vec<(String, &'a str)> {
    let field = |key: &str| [pointer, &[key.to_string()]].concat();
    if name.chars().count() > MAX_STATE_NAME {
        out.push((
            pointer.to_vec(),
            Located::error(format!(
                "state name \"{name}\" is {} characters; at most {MAX_STATE_NAME}",
                name.chars().count()
            )),
        ));
    }
    let Some(kind) = state.get("Type").and_then(Value::as_str) else {
        out.push((
            pointer.to_vec(),
            Located::error(format!("state \"{name}\" has no `Type`"))
                .help(format!("one of {}", TYPES.join(", "))),
        ));
        return Vec::new();
    };
    if !TYPES.contains(&kind) {
        let help = match crate::stack::diagnostic::did_you_mean(kind, TYPES) {
            Some(s) => format!("did you mean \"{s}\"?"),
            None => format!("one of {}", TYPES.join(", ")),
        };
        out.push((
            field("Type"),
            Located::error(format!("state \"{name}\": unknown `Type` \"{kind}\"")).help(help),
        ));
        return Vec::new();
    }
    let mut targets: Vec<(String, &str)> = Vec::new();
    let next = state.get("Next").and_then(Value::as_str);
    let end = state.get("End").and_then(Value::as_bool) == Some(true);
    match kind {
        "Choice" => check_choice(name, state, pointer, &mut targets, out),
        "Succeed" | "Fail" => {
            if next.is_some() || state.get("End").is_some() {
                out.push((
                    field(if next.is_some() { "Next" } else { "End" }),
                    Located::error(format!(
                        "state \"{name}\": a {kind} state ends the execution; it takes no `Next` or `End`"
                    )),
                ));
            }
        }
        _ => match (next, end) {
            (Some(_), true) => out.push((
                field("End"),
                Located::error(format!("state \"{name}\" has both `Next` and `End`")).help("keep one"),
            )),
            (None, false) => out.push((
                pointer.to_vec(),
                Located::error(format!("state \"{name}\" has neither `Next` nor \"End\": true"))
                    .help("add \"Next\": \"<state>\" or \"End\": true"),
            )),
            _ => {}
        },
    }
    if let Some(next) = next {
        targets.push(("Next".into(), next));
    }
    for (i, catcher) in state
        .get("Catch")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        match catcher.get("Next").and_then(Value::as_str) {
            Some(t) => targets.push((format!("Catch[{i}].Next"), t)),
            None => out.push((
                field("Catch"),
                Located::error(format!("state \"{name}\": a `Catch` entry has no `Next`")),
            )),
        }
    }
    required_fields(name, kind, state, pointer, context, out);
    paths(name, state, pointer, out);
    targets
}

/// The fields each type requires, and the nested machines of Parallel and Map.
fn required_fields(
    name: &str,
    kind: &str,
    state: &Value,
    pointer: &[String],
    context: CheckContext,
    out: &mut Vec<Problem>,
) {
    let field = |key: &str| [pointer, &[key.to_string()]].concat();
    let missing = |what: &str, help: &str| {
        (
            pointer.to_vec(),
            Located::error(format!("{kind} state \"{name}\" has no `{what}`")).help(help.to_string()),
        )
    };
    match kind {
        "Task" => match state.get("Resource").and_then(Value::as_str) {
            None => out.push(missing(
                "Resource",
                "e.g. \"Resource\": \"arn:aws:states:::dynamodb:putItem\"",
            )),
            Some(resource) => {
                // "Express Workflows only support Request Response integrations"
                // (Step Functions guide, "Integrating optimized services with Step Functions").
                if context.express && (resource.contains(".sync") || resource.ends_with(".waitForTaskToken"))
                {
                    out.push((
                        field("Resource"),
                        Located::error(format!(
                            "state \"{name}\": an EXPRESS machine cannot wait for a job ({resource})"
                        ))
                        .help("Express workflows support only Request Response integrations: drop .sync / .waitForTaskToken, or make the machine STANDARD"),
                    ));
                }
            }
        },
        "Wait" => {
            let ways = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
            let given = ways.iter().filter(|w| state.get(**w).is_some()).count();
            if given != 1 {
                out.push((
                    pointer.to_vec(),
                    Located::error(format!(
                        "Wait state \"{name}\" needs exactly one of {}",
                        ways.join(", ")
                    )),
                ));
            }
        }
        "Parallel" => match state.get("Branches").and_then(Value::as_array) {
            Some(branches) if !branches.is_empty() => {
                for (i, branch) in branches.iter().enumerate() {
                    let at = [pointer, &["Branches".to_string(), i.to_string()]].concat();
                    check_machine(branch, &at, context, out);
                }
            }
            _ => out.push(missing("Branches", "a non-empty array of { StartAt, States }")),
        },
        "Map" => {
            let key = ["ItemProcessor", "Iterator"]
                .into_iter()
                .find(|k| state.get(*k).is_some());
            match key {
                Some(key) => check_machine(&state[key], &field(key), context, out),
                None => out.push(missing(
                    "ItemProcessor",
                    "the states run for each item: { StartAt, States }",
                )),
            }
        }
        _ => {}
    }
}

/// A Choice state's rules: each with a `Next`, at least one.
fn check_choice<'a>(
    name: &str,
    state: &'a Value,
    pointer: &[String],
    targets: &mut Vec<(String, &'a str)>,
    out: &mut Vec<Problem>,
) {
    match state.get("Choices").and_then(Value::as_array) {
        Some(choices) if !choices.is_empty() => {
            for (i, choice) in choices.iter().enumerate() {
                match choice.get("Next").and_then(Value::as_str) {
                    Some(t) => targets.push((format!("Choices[{i}].Next"), t)),
                    None => out.push((
                        [pointer, &["Choices".to_string()]].concat(),
                        Located::error(format!("Choice state \"{name}\": rule {i} has no `Next`")),
                    )),
                }
            }
        }
        _ => out.push((
            pointer.to_vec(),
            Located::error(format!("Choice state \"{name}\" has no `Choices`"))
                .help("a non-empty array of rules, each with a `Next`"),
        )),
    }
    if let Some(default) = state.get("Default").and_then(Value::as_str) {
        targets.push(("Default".into(), default));
    }
}

/// Paths and intrinsic functions: `InputPath`, `OutputPath`, `ResultPath` and every `KEY.$`
/// value in `Parameters`, `ResultSelector` and `ItemSelector` must be a path (`$...`, `$$...`)
/// or an intrinsic function call (Amazon States Language, "Paths" and "Intrinsic functions").
fn paths(name: &str, state: &Value, pointer: &[String], out: &mut Vec<Problem>) {
    for key in ["InputPath", "OutputPath", "ResultPath"] {
        if let Some(Value::String(path)) = state.get(key)
            && let Err(why) = check_path(path)
        {
            out.push((
                [pointer, &[key.to_string()]].concat(),
                Located::error(format!("state \"{name}\": `{key}` \"{path}\" {why}")),
            ));
        }
    }
    for key in ["Parameters", "ResultSelector", "ItemSelector", "Arguments"] {
        if let Some(template) = state.get(key) {
            let mut at = [pointer, &[key.to_string()]].concat();
            dollar_fields(name, template, &mut at, out);
        }
    }
}

fn dollar_fields(name: &str, value: &Value, pointer: &mut Vec<String>, out: &mut Vec<Problem>) {
    let Some(map) = value.as_object() else { return };
    for (k, v) in map {
        pointer.push(k.clone());
        if k.ends_with(".$") {
            let checked = match v.as_str() {
                Some(s) if s.starts_with("States.") => check_intrinsic(s),
                Some(s) => check_path(s),
                None => Err("must be a string: a path or an intrinsic function".to_string()),
            };
            if let Err(why) = checked {
                out.push((
                    pointer.clone(),
                    Located::error(format!("state \"{name}\": `{k}` {why}"))
                        .help("a `.$` field takes a path such as \"$.user.id\" or a call such as \"States.Format('{}', $.id)\""),
                ));
            }
        } else if v.is_object() {
            dollar_fields(name, v, pointer, out);
        }
        pointer.pop();
    }
}

/// A reference path or JSONPath: `$` or `$$` (the context object) followed by `.field`,
/// `['field']` or `[n]` steps.
fn check_path(path: &str) -> Result<(), String> {
    let rest = path
        .strip_prefix("$$")
        .or_else(|| path.strip_prefix('$'))
        .ok_or_else(|| format!("is not a path: \"{path}\" must start with `$`"))?;
    let mut depth = 0i32;
    for c in rest.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return Err(format!("has an unmatched `]`: \"{path}\""));
        }
    }
    if depth != 0 {
        return Err(format!("has an unclosed `[`: \"{path}\""));
    }
    if rest.contains("..") && !rest.starts_with("..") {
        return Ok(());
    }
    if !rest.is_empty() && !rest.starts_with(['.', '[']) {
        return Err(format!(
            "is not a path: \"{path}\" continues with neither `.` nor `[`"
        ));
    }
    if rest.ends_with('.') {
        return Err(format!("ends with `.`: \"{path}\""));
    }
    Ok(())
}

/// An intrinsic function call: a known name and balanced parentheses outside quotes.
fn check_intrinsic(call: &str) -> Result<(), String> {
    let Some(open) = call.find('(') else {
        return Err(format!("\"{call}\" is not a call: no `(`"));
    };
    let function = &call[..open];
    if !INTRINSICS.contains(&function) {
        let help = crate::stack::diagnostic::did_you_mean(function, INTRINSICS)
            .map_or_else(String::new, |s| format!(" (did you mean {s}?)"));
        return Err(format!("calls unknown intrinsic function {function}{help}"));
    }
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    for c in call[open..].chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ => {}
        }
    }
    if depth != 0 || quoted || !call.trim_end().ends_with(')') {
        return Err(format!("\"{call}\" has unbalanced parentheses or quotes"));
    }
    Ok(())
}

/// One difference between two definitions: the path of keys, before and after (`null` where
/// absent).
pub type Difference = (String, Value, Value);

/// The differences between two definitions by meaning (parsed JSON, so reformatting is no
/// change), down to the fields inside each state; a state added or removed is one difference.
pub fn diff(before: &Value, after: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_into(before, after, "definition", 0, &mut out);
    out
}

fn diff_into(before: &Value, after: &Value, path: &str, depth: usize, out: &mut Vec<Difference>) {
    if before == after {
        return;
    }
    // Below States.NAME.FIELD the whole value is one change: readable, not a leaf per key.
    match (before, after) {
        (Value::Object(b), Value::Object(a)) if depth < 3 => {
            let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
            for key in keys {
                let null = Value::Null;
                let (bv, av) = (b.get(key).unwrap_or(&null), a.get(key).unwrap_or(&null));
                diff_into(bv, av, &format!("{path}.{key}"), depth + 1, out);
            }
        }
        _ => out.push((path.to_string(), before.clone(), after.clone())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(definition: Value) -> Vec<String> {
        check(&definition, CheckContext { express: false })
            .into_iter()
            .map(|(_, p)| p.message)
            .collect()
    }

    #[test]
    fn the_onboarding_definition_passes() {
        let text = include_str!("../../../examples/onboarding.asl.json");
        let parsed = parse(text, false).unwrap();
        assert_eq!(problems(parsed.clone()), Vec::<String>::new());
        assert_eq!(
            placeholders(&parsed).keys().collect::<Vec<_>>(),
            vec!["UsersTable", "WelcomeQueueUrl"]
        );
    }

    #[test]
    fn every_transition_must_name_a_state_and_every_state_be_reachable() {
        let found = problems(json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "Bee"},
            "B": {"Type": "Pass", "End": true},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Nope"}], "Default": "B"}
        }}));
        assert!(
            found.contains(&"state \"A\": `Next` names \"Bee\", which is not a state".to_string()),
            "{found:?}"
        );
        assert!(
            found.contains(&"state \"B\" is not reachable from `StartAt`".to_string()),
            "{found:?}"
        );
        assert!(
            found
                .contains(&"state \"C\": `Choices[0].Next` names \"Nope\", which is not a state".to_string())
        );
        assert!(
            found.contains(&"no terminal state is reachable: every execution would run forever".to_string())
        );
    }

    #[test]
    fn express_machines_cannot_wait_for_jobs() {
        let definition = json!({"StartAt": "A", "States": {
            "A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true}}});
        assert!(problems(definition.clone()).is_empty());
        let found = check(&definition, CheckContext { express: true });
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, vec!["States", "A", "Resource"]);
    }

    #[test]
    fn paths_and_intrinsics_are_checked() {
        let found = problems(
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true,
            "ResultPath": "user",
            "Parameters": {"a.$": "$.ok", "b.$": "$.x[0", "c.$": "States.Formatt('{}', $.x)",
                           "d.$": "States.Format('{}', $.x", "e.$": "$$.Execution.Id", "f": {"g.$": "nope"}}}}}),
        );
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found[0].contains("`ResultPath` \"user\""));
    }

    #[test]
    fn locates_keys_in_the_file() {
        let text =
            "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\n      \"Next\": \"B\"\n    }\n  }\n}\n";
        let at = locate(text, &["States".into(), "A".into(), "Next".into()], false);
        assert_eq!(at, Some((5, 7)));
    }

    #[test]
    fn differences_are_by_meaning_and_per_field() {
        let before =
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": {"x": 1}}}});
        let reformatted: Value =
            serde_json::from_str(&serde_json::to_string_pretty(&before).unwrap()).unwrap();
        assert!(diff(&before, &reformatted).is_empty());
        let after = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": {"x": 2}},
            "B": {"Type": "Succeed"}}});
        let d = diff(&before, &after);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].0, "definition.States.A.Result");
        assert_eq!(
            d[1],
            (
                "definition.States.B".into(),
                Value::Null,
                json!({"Type": "Succeed"})
            )
        );
    }
}
