//! Stack variables: a `[vars]` table of defaults, `--var NAME=VALUE` overrides, and
//! `${var.NAME}` references inside any string value of the file.
//!
//! Substitution happens on the parsed TOML tree, before the file is read into the model, so every
//! check sees the final text while every span still points at the value as written in the file.
//! `${request...}`, `${context...}` and `${stageVariables...}` are API Gateway's own mapping
//! variables: only the `var.` prefix is ours, and everything else is left as written.
//!
//! A value that is exactly one reference (`"${var.rate}"`) in a number position is read as the
//! variable's value parsed as a number ([`Vars::number`]).

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, Severity, Span, did_you_mean};

/// Splits `NAME=VALUE` (for the command line).
pub fn parse_override(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=VALUE, got `{text}`"))?;
    check_name(name).map_err(|reason| format!("`{name}`: {reason}"))?;
    Ok((name.to_string(), value.to_string()))
}

/// Why a variable name is refused: 1-64 of `A-Z a-z 0-9 _`, starting with a letter (so that it
/// also makes a CloudFormation parameter name, alphanumeric, once the `_` are dropped).
pub fn check_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        None => Err("a variable name is not empty".into()),
        Some(c) if !c.is_ascii_alphabetic() => Err("a variable name starts with a letter".into()),
        _ if name.len() > 64 => Err("a variable name is at most 64 characters".into()),
        _ if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            Err("a variable name is letters, digits and `_`".into())
        }
        _ => Ok(()),
    }
}

/// How substitution treats references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Replace every reference by the variable's value.
    Resolve,
    /// Keep references as written (for `synth`, which turns them into template parameters);
    /// numbers still take the variable's value.
    Keep,
}

/// One variable: its value for this run and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    /// The value used: `--var`, else the default.
    pub value: Option<String>,
    /// The `[vars]` default, if any.
    pub default: Option<String>,
    /// What it is for (`description` of a table declaration).
    pub description: Option<String>,
    /// Set with `--var`.
    pub overridden: bool,
}

/// The variables of one stack file and how the file uses them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    /// Every declared or overridden variable.
    pub vars: BTreeMap<String, Var>,
    /// Variables referenced somewhere, in name order.
    pub used: BTreeSet<String>,
    /// Values that are exactly one reference, by the start of their span.
    pub whole: BTreeMap<usize, String>,
    /// Number fields filled from a variable: field name (`throttling_rate_limit`) to variable.
    pub numbers: BTreeMap<String, String>,
    /// Where values with a reference that could not be resolved start: any other problem found
    /// there follows from it and is not reported ([`Vars::follows_from_unresolved`]).
    pub unresolved: BTreeSet<usize>,
}

/// `${var.` opens a reference.
const OPEN: &str = "${var.";

impl Vars {
    /// True for a diagnostic at a value whose variable could not be resolved (already reported):
    /// its text still holds `${var.NAME}`, which no other check should see.
    pub fn follows_from_unresolved(&self, d: &Diagnostic) -> bool {
        d.span
            .as_ref()
            .is_some_and(|s| self.unresolved.contains(&s.start))
    }

    /// The value of a number field that is exactly one reference, if it is one: the variable's
    /// value and the variable's name.
    pub fn number_source(&self, span: &Span) -> Option<(&str, Option<&str>)> {
        let name = self.whole.get(&span.start)?;
        Some((name, self.vars.get(name).and_then(|v| v.value.as_deref())))
    }
}

/// Reads `[vars]`, applies `overrides`, and substitutes every `${var.NAME}` in the tree's string
/// values. Reports unknown variables (with a did-you-mean), variables without a value, a bad
/// `[vars]` entry and `--var` names the file does not declare.
pub fn substitute(
    root: &mut Spanned<DeTable<'_>>,
    overrides: &[(String, String)],
    mode: Mode,
) -> (Vars, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut vars = Vars::default();
    let table = root.get_mut();
    let vars_key = table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "vars")
        .map(|(k, _)| k.clone());
    if let Some(key) = vars_key
        && let Some(value) = table.get(&key)
    {
        match value.get_ref() {
            DeValue::Table(t) => {
                for (k, v) in t.iter() {
                    let name = k.get_ref().to_string();
                    if let Err(reason) = check_name(&name) {
                        diags.push(
                            Diagnostic::error(k.span(), format!("bad variable name `{name}`"), reason)
                                .with_help("name variables like `env` or `log_group`"),
                        );
                        continue;
                    }
                    let (default, description) = declaration(v, &name, &mut diags);
                    if default.as_deref().is_some_and(|d| d.contains(OPEN)) {
                        diags.push(Diagnostic::error(
                            v.span(),
                            format!("variable `{name}` refers to another variable"),
                            "defaults are plain text",
                        ));
                    }
                    vars.vars.insert(
                        name,
                        Var {
                            value: default.clone(),
                            default,
                            description,
                            overridden: false,
                        },
                    );
                }
            }
            _ => diags.push(
                Diagnostic::error(value.span(), "`vars` must be a table", "this is not a table")
                    .with_help("write `[vars]` followed by `NAME = \"default\"` lines"),
            ),
        }
    }
    for (name, value) in overrides {
        match vars.vars.get_mut(name) {
            Some(var) => {
                var.value = Some(value.clone());
                var.overridden = true;
            }
            None => {
                let known: Vec<&str> = vars.vars.keys().map(String::as_str).collect();
                let help = match did_you_mean(name, &known) {
                    Some(s) => format!("did you mean `--var {s}=...`?"),
                    None => format!("declare it in the file: `[vars]` then `{name} = \"default\"`"),
                };
                diags.push(Diagnostic {
                    severity: Severity::Error,
                    message: format!("`--var {name}` sets a variable the stack does not declare"),
                    span: None,
                    label: String::new(),
                    help: Some(help),
                    code: None,
                });
            }
        }
    }
    let mut walker = Walker {
        vars: &mut vars,
        diags: &mut diags,
        mode,
        unset: BTreeMap::new(),
    };
    for (key, value) in table.iter_mut() {
        if key.get_ref().as_ref() != "vars" {
            walker.value(value);
        }
    }
    for (name, span) in std::mem::take(&mut walker.unset) {
        diags.push(
            Diagnostic::error(
                span,
                format!("variable `{name}` has no value"),
                format!("`{name}` has no default and no `--var {name}=...` was given"),
            )
            .with_help(format!(
                "pass `--var {name}=VALUE`, or give it a default in [vars]: `{name} = {{ default = \"...\" }}`"
            )),
        );
    }
    (vars, diags)
}

struct Walker<'a> {
    vars: &'a mut Vars,
    diags: &'a mut Vec<Diagnostic>,
    mode: Mode,
    /// Variables used without a value: the first use of each.
    unset: BTreeMap<String, Span>,
}

impl Walker<'_> {
    fn value(&mut self, value: &mut Spanned<DeValue<'_>>) {
        let span = value.span();
        match value.get_mut() {
            DeValue::String(s) if s.contains(OPEN) => match self.string(s, &span) {
                Some(text) => *s = text.into(),
                None => {
                    self.vars.unresolved.insert(span.start);
                }
            },
            DeValue::Array(items) => items.iter_mut().for_each(|v| self.value(v)),
            DeValue::Table(t) => t.iter_mut().for_each(|(_, v)| self.value(v)),
            _ => {}
        }
    }

    /// The string with its references replaced (or kept, in [`Mode::Keep`]); `None` when one
    /// could not be resolved (already reported).
    fn string(&mut self, text: &str, span: &Span) -> Option<String> {
        let mut out = String::new();
        let mut rest = text;
        let mut ok = true;
        let mut references = Vec::new();
        while let Some(at) = rest.find(OPEN) {
            out.push_str(&rest[..at]);
            let after = &rest[at + OPEN.len()..];
            let Some(end) = after.find('}') else {
                self.diags.push(
                    Diagnostic::error(
                        span.clone(),
                        "unclosed `${var.`",
                        "a variable reference ends with `}`",
                    )
                    .with_help("write `${var.NAME}`"),
                );
                return None;
            };
            let name = &after[..end];
            references.push(name.to_string());
            match self.lookup(name, span) {
                Some(value) if self.mode == Mode::Resolve => out.push_str(&value),
                Some(_) => out.push_str(&rest[at..at + OPEN.len() + end + 1]),
                None => ok = false,
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if references.len() == 1
            && text.starts_with(OPEN)
            && text.ends_with('}')
            && text.len() == OPEN.len() + references[0].len() + 1
        {
            self.vars.whole.insert(span.start, references[0].clone());
        }
        ok.then_some(out)
    }

    fn lookup(&mut self, name: &str, span: &Span) -> Option<String> {
        self.vars.used.insert(name.to_string());
        match self.vars.vars.get(name) {
            Some(Var { value: Some(v), .. }) => Some(v.clone()),
            Some(_) => {
                // Reported once, at the first use in the file (see [`substitute`]).
                let first = self.unset.entry(name.to_string()).or_insert(span.clone());
                if span.start < first.start {
                    *first = span.clone();
                }
                None
            }
            None => {
                let known: Vec<&str> = self.vars.vars.keys().map(String::as_str).collect();
                let mut d = Diagnostic::error(
                    span.clone(),
                    format!("unknown variable `{name}`"),
                    format!("`${{var.{name}}}` is not declared in [vars]"),
                );
                d = match did_you_mean(name, &known) {
                    Some(s) => d.with_help(format!("did you mean `${{var.{s}}}`?")),
                    None => d.with_help(format!(
                        "declare it: `[vars]` then `{name} = \"default\"`, or pass `--var {name}=VALUE`"
                    )),
                };
                self.diags.push(d);
                None
            }
        }
    }
}

/// A `[vars]` entry: `NAME = "default"` (or a number or boolean, kept as text), or a table
/// `NAME = { default = "...", description = "..." }` whose `default` may be left out, making
/// `--var NAME=...` required.
fn declaration(
    v: &Spanned<DeValue<'_>>,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> (Option<String>, Option<String>) {
    match v.get_ref() {
        DeValue::String(s) => (Some(s.to_string()), None),
        DeValue::Integer(i) => (Some(i.as_str().replace('_', "")), None),
        DeValue::Float(f) => (Some(f.as_str().replace('_', "")), None),
        DeValue::Boolean(b) => (Some(b.to_string()), None),
        DeValue::Table(t) => {
            let mut out = (None, None);
            for (k, value) in t.iter() {
                let text = match value.get_ref() {
                    DeValue::String(s) => Some(s.to_string()),
                    DeValue::Integer(i) => Some(i.as_str().replace('_', "")),
                    DeValue::Float(f) => Some(f.as_str().replace('_', "")),
                    _ => None,
                };
                match (k.get_ref().as_ref(), text) {
                    ("default", Some(text)) => out.0 = Some(text),
                    ("description", Some(text)) => out.1 = Some(text),
                    ("default" | "description", None) => diags.push(
                        Diagnostic::error(
                            value.span(),
                            format!("`{}` must be a string", k.get_ref().as_ref()),
                            "not text",
                        )
                        .with_help("put the value in double quotes: \"...\""),
                    ),
                    (other, _) => {
                        let mut d = Diagnostic::error(
                            k.span(),
                            format!("unknown key `{other}` in variable `{name}`"),
                            "a variable has `default` and `description`",
                        );
                        if let Some(s) = did_you_mean(other, &["default", "description"]) {
                            d = d.with_help(format!("did you mean `{s}`?"));
                        }
                        diags.push(d);
                    }
                }
            }
            out
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    v.span(),
                    format!("`{name}` must be a string or a number"),
                    "a variable holds text",
                )
                .with_help(format!("write `{name} = \"...\"`")),
            );
            (None, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::load::{Parsed, parse_with};

    const FILE: &str = r#"
[vars]
env = "dev"
rate = 5
site = { description = "no default" }
[stack]
name = "s-${var.env}"
[api]
name = "${var.env}"
[role]
name = "r"
policy_name = "p"
[[route]]
key = "POST /x"
action = "StartExecution"
state_machine = "m-${var.env}"
parameters = { Name = "${var.env}-${request.path.id}-${context.requestId}-${stageVariables.x}" }
[stage]
throttling_burst_limit = 1
throttling_rate_limit = "${var.rate}"
"#;

    #[test]
    fn references_are_replaced_and_api_gateway_variables_left_alone() {
        let Parsed {
            file,
            diagnostics: diags,
            vars,
            ..
        } = parse_with(FILE, &[("env".into(), "prod".into())], Mode::Resolve);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(file.stack.name.as_ref().unwrap().value, "s-prod");
        assert_eq!(file.routes[0].state_machine.as_ref().unwrap().value, "m-prod");
        let params = file.routes[0].parameters.as_ref().unwrap();
        assert_eq!(
            params[0].1.value,
            "prod-${request.path.id}-${context.requestId}-${stageVariables.x}"
        );
        // Spans still point at the value as written.
        let span = file.api.name.as_ref().unwrap().span.clone();
        assert_eq!(&FILE[span], "\"${var.env}\"");
        assert_eq!(file.stage.unwrap().throttling_rate_limit.unwrap().value, 5.0);
        assert_eq!(
            vars.numbers.get("throttling_rate_limit").map(String::as_str),
            Some("rate")
        );
        assert_eq!(vars.used.iter().collect::<Vec<_>>(), ["env", "rate"]);
        // An unused variable without a value is no problem.
        assert_eq!(vars.vars["site"].value, None);
    }

    #[test]
    fn keep_mode_leaves_references_but_numbers_take_their_value() {
        let Parsed {
            file,
            diagnostics: diags,
            ..
        } = parse_with(FILE, &[], Mode::Keep);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(file.stack.name.as_ref().unwrap().value, "s-${var.env}");
        assert_eq!(file.stage.unwrap().throttling_rate_limit.unwrap().value, 5.0);
    }

    #[test]
    fn unknown_unset_and_undeclared_variables_are_errors() {
        let text = FILE.replace("name = \"r\"", "name = \"r-${var.evn}-${var.site}\"");
        let diags = parse_with(&text, &[("nope".into(), "1".into())], Mode::Resolve).diagnostics;
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.contains(&"unknown variable `evn`"), "{messages:?}");
        assert!(messages.contains(&"variable `site` has no value"), "{messages:?}");
        assert!(
            messages.contains(&"`--var nope` sets a variable the stack does not declare"),
            "{messages:?}"
        );
        let unknown = diags
            .iter()
            .find(|d| d.message == "unknown variable `evn`")
            .unwrap();
        assert_eq!(unknown.help.as_deref(), Some("did you mean `${var.env}`?"));
        // The role name is not also reported as an invalid IAM name.
        let loaded = crate::stack::from_source_with(&text, &[]);
        assert!(
            loaded
                .diagnostics
                .iter()
                .all(|d| !d.message.contains("IAM role name")),
            "{:?}",
            loaded.diagnostics
        );
    }

    #[test]
    fn overrides_parse_and_names_are_checked() {
        assert_eq!(parse_override("env=a=b"), Ok(("env".into(), "a=b".into())));
        assert!(parse_override("env").is_err());
        assert!(parse_override("1x=2").is_err());
        assert!(check_name("log_group").is_ok());
        assert!(check_name("log-group").is_err());
    }
}
