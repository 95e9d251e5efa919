//! TOML text to [`StackFile`], reporting every syntax and shape problem at once.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, Span, did_you_mean};
use super::model::*;
use super::vars::{self, Vars};

mod state_machine;

pub(crate) const TOP_KEYS: &[&str] = &[
    "stack",
    "api",
    "role",
    "authorizer",
    "route",
    "stage",
    "state_machine",
    "tags",
    "vars",
];
pub(crate) const STACK_KEYS: &[&str] = &["name", "region", "allow"];
pub(crate) const API_KEYS: &[&str] = &[
    "name",
    "cors",
    "unmanaged_routes",
    "unmanaged_stages",
    "unmanaged_authorizers",
];
pub(crate) const CORS_KEYS: &[&str] = &[
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "expose_headers",
    "max_age",
    "allow_credentials",
];
pub(crate) const AUTHORIZER_KEYS: &[&str] = &["name", "issuer", "audience", "identity_source"];
pub(crate) const ROLE_KEYS: &[&str] = &[
    "name",
    "policy_name",
    "actions",
    "policy",
    "managed_policies",
    "restrict_source_account",
    "permissions_boundary",
    "path",
    "arn",
];
pub(crate) const ROUTE_KEYS: &[&str] = &[
    "key",
    "action",
    "state_machine",
    "parameters",
    "authorization",
    "authorizer",
    "scopes",
    "allow",
    "example",
    "alias",
    "response",
];
pub(crate) const STAGE_KEYS: &[&str] = &[
    "name",
    "auto_deploy",
    "throttling_burst_limit",
    "throttling_rate_limit",
    "access_log",
];
pub(crate) const ACCESS_LOG_KEYS: &[&str] = &["destination_arn", "format"];

/// Parses stack source text. The model holds whatever could be read; the diagnostics say what
/// could not. Never panics, whatever the input.
pub fn parse(source: &str) -> (StackFile, Vec<Diagnostic>) {
    let parsed = parse_with(source, &[], vars::Mode::Resolve);
    (parsed.file, parsed.diagnostics)
}

/// What [`parse_with`] read.
#[derive(Debug)]
pub struct Parsed {
    /// Whatever could be read.
    pub file: StackFile,
    /// What could not.
    pub diagnostics: Vec<Diagnostic>,
    /// The file's variables and where they are used.
    pub vars: Vars,
    /// False when the text is not TOML at all: then nothing was read and validating the empty
    /// model would only add misleading errors.
    pub syntax_ok: bool,
}

/// [`parse`] with `--var` values, substituting `${var.NAME}` as `mode` says; also returns the
/// file's variables and where they are used.
pub fn parse_with(source: &str, overrides: &[(String, String)], mode: vars::Mode) -> Parsed {
    let parsed = |file, diagnostics, vars, syntax_ok| Parsed {
        file,
        diagnostics,
        vars,
        syntax_ok,
    };
    let (mut root, errors) = DeTable::parse_recoverable(source);
    let mut diags: Vec<Diagnostic> = errors
        .iter()
        .map(|e| {
            let span = e.span().unwrap_or(0..0);
            Diagnostic::error(span, "invalid TOML", first_line(e.message()))
        })
        .collect();
    // The parser can report one problem many times (e.g. "recursion limit"): say it once.
    diags.dedup();
    if !diags.is_empty() {
        // A recovered tree after a syntax error produces misleading follow-on errors.
        return parsed(StackFile::default(), diags, Vars::default(), false);
    }
    if root.get_ref().is_empty() {
        // Nothing but whitespace and comments: one problem, not one per missing table.
        diags.push(
            Diagnostic::error(0..0, "the stack file is empty", "no tables in this file")
                .with_help("a stack needs [stack], [api], [role] and at least one [[route]]; stacks/onboarding.toml is a complete example"),
        );
        return parsed(StackFile::default(), diags, Vars::default(), true);
    }
    let (mut vars, var_diags) = vars::substitute(&mut root, overrides, mode);
    diags.extend(var_diags);
    let before_reader = diags.len();
    let mut reader = Reader {
        diags: &mut diags,
        vars: &vars,
        numbers: Default::default(),
    };
    let file = reader.file(&root);
    vars.numbers = std::mem::take(&mut reader.numbers);
    let read = diags.split_off(before_reader);
    diags.extend(read.into_iter().filter(|d| !vars.follows_from_unresolved(d)));
    parsed(file, diags, vars, true)
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

struct Reader<'d> {
    diags: &'d mut Vec<Diagnostic>,
    /// The file's variables, for number fields written as `"${var.NAME}"`.
    vars: &'d Vars,
    /// Number fields read from a variable: field to variable.
    numbers: std::collections::BTreeMap<String, String>,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl Reader<'_> {
    fn file(&mut self, root: &Spanned<DeTable<'_>>) -> StackFile {
        let table = root.get_ref();
        self.check_keys(table, TOP_KEYS, "the stack file");
        let mut file = StackFile::default();
        let whole = root.span();

        match self.table(table, "stack") {
            Some((t, span)) => {
                self.check_keys(t, STACK_KEYS, "[stack]");
                file.stack = StackSection {
                    name: self.required_string(t, "name", &span, "[stack]"),
                    region: self.string(t, "region"),
                    allow: self.string_array(t, "allow"),
                    span,
                };
            }
            None => self.missing_table(table, "stack", &whole),
        }
        match self.table(table, "api") {
            Some((t, span)) => {
                self.check_keys(t, API_KEYS, "[api]");
                let cors = self.table(t, "cors").map(|(c, span)| {
                    self.check_keys(c, CORS_KEYS, "[api.cors]");
                    CorsSection {
                        allow_origins: self.string_array(c, "allow_origins"),
                        allow_methods: self.string_array(c, "allow_methods"),
                        allow_headers: self.string_array(c, "allow_headers"),
                        expose_headers: self.string_array(c, "expose_headers"),
                        max_age: self.integer(c, "max_age"),
                        allow_credentials: self.bool(c, "allow_credentials"),
                        span,
                    }
                });
                file.api = ApiSection {
                    name: self.required_string(t, "name", &span, "[api]"),
                    cors,
                    unmanaged_routes: self.string_array(t, "unmanaged_routes"),
                    unmanaged_stages: self.string_array(t, "unmanaged_stages"),
                    unmanaged_authorizers: self.string_array(t, "unmanaged_authorizers"),
                    span,
                };
            }
            None => self.missing_table(table, "api", &whole),
        }
        match self.table(table, "role") {
            Some((t, span)) => {
                self.check_keys(t, ROLE_KEYS, "[role]");
                // An existing role (`arn`) needs neither a name nor a policy of the tool's.
                let existing = t.contains_key("arn");
                file.role = RoleSection {
                    name: match existing {
                        true => self.string(t, "name"),
                        false => self.required_string(t, "name", &span, "[role]"),
                    },
                    policy_name: match existing {
                        true => self.string(t, "policy_name"),
                        false => self.required_string(t, "policy_name", &span, "[role]"),
                    },
                    permissions_boundary: self.string(t, "permissions_boundary"),
                    path: self.string(t, "path"),
                    arn: self.string(t, "arn"),
                    actions: self.string_array(t, "actions"),
                    policy: self.string(t, "policy"),
                    managed_policies: self.string_array(t, "managed_policies").unwrap_or_default(),
                    restrict_source_account: self.bool(t, "restrict_source_account"),
                    span,
                };
            }
            None => self.missing_table(table, "role", &whole),
        }
        file.authorizers = self.authorizers(table);
        file.routes = self.routes(table, &whole);
        file.state_machines = self.state_machines(table);
        if let Some((t, span)) = self.table(table, "stage") {
            self.check_keys(t, STAGE_KEYS, "[stage]");
            let access_log = self.table(t, "access_log").map(|(a, span)| {
                self.check_keys(a, ACCESS_LOG_KEYS, "[stage.access_log]");
                AccessLogSection {
                    destination_arn: self.required_string(a, "destination_arn", &span, "[stage.access_log]"),
                    format: self.string(a, "format"),
                    span,
                }
            });
            file.stage = Some(StageSection {
                access_log,
                name: self.string(t, "name"),
                auto_deploy: self.bool(t, "auto_deploy"),
                throttling_burst_limit: self.integer(t, "throttling_burst_limit"),
                throttling_rate_limit: self.float(t, "throttling_rate_limit"),
                written: t.keys().map(|k| k.get_ref().to_string()).collect(),
                span,
            });
        }
        if let Some((t, span)) = self.table(table, "tags") {
            file.tags = self.string_map(t);
            file.tags_span = Some(span);
        }
        file
    }

    fn routes(&mut self, table: &DeTable<'_>, whole: &Span) -> Vec<RouteSection> {
        let Some(value) = get(table, "route") else {
            self.diags.push(
                Diagnostic::error(
                    whole.start..whole.start,
                    "the stack declares no route",
                    "no [[route]] table in this file",
                )
                .with_help("add a [[route]] with key, action and state_machine"),
            );
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.type_error(value, "route", "an array of tables ([[route]])");
            return Vec::new();
        };
        let mut routes = Vec::new();
        for item in items {
            let DeValue::Table(t) = item.get_ref() else {
                self.type_error(item, "route", "a table");
                continue;
            };
            let span = item.span();
            self.check_keys(t, ROUTE_KEYS, "[[route]]");
            let parameters = match get(t, "parameters") {
                None => None,
                Some(v) => match v.get_ref() {
                    DeValue::Table(p) => Some(self.string_map(p)),
                    _ => {
                        self.type_error(v, "parameters", "a table of strings");
                        None
                    }
                },
            };
            routes.push(RouteSection {
                key: self.required_string(t, "key", &span, "[[route]]"),
                action: self.required_string(t, "action", &span, "[[route]]"),
                state_machine: self.required_string(t, "state_machine", &span, "[[route]]"),
                authorization: self.string(t, "authorization"),
                authorizer: self.string(t, "authorizer"),
                scopes: self.string_array(t, "scopes"),
                allow: self.string_array(t, "allow"),
                example: get(t, "example").map(|v| Sp::new(json_of(v.get_ref()), v.span())),
                alias: self.string(t, "alias"),
                response: get(t, "response").and_then(|v| self.response(v)),
                parameters,
                span,
            });
        }
        routes
    }

    fn authorizers(&mut self, table: &DeTable<'_>) -> Vec<AuthorizerSection> {
        let Some(value) = get(table, "authorizer") else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.type_error(value, "authorizer", "an array of tables ([[authorizer]])");
            return Vec::new();
        };
        let mut authorizers = Vec::new();
        for item in items {
            let DeValue::Table(t) = item.get_ref() else {
                self.type_error(item, "authorizer", "a table");
                continue;
            };
            let span = item.span();
            self.check_keys(t, AUTHORIZER_KEYS, "[[authorizer]]");
            let audience = if get(t, "audience").is_none() {
                self.diags.push(
                    Diagnostic::error(
                        header(&span),
                        "missing required field `audience` in [[authorizer]]",
                        "this table has no `audience`",
                    )
                    .with_help("add `audience = [\"...\"]`: the client ids a token may be issued to"),
                );
                None
            } else {
                self.string_array(t, "audience")
            };
            authorizers.push(AuthorizerSection {
                name: self.required_string(t, "name", &span, "[[authorizer]]"),
                issuer: self.required_string(t, "issuer", &span, "[[authorizer]]"),
                audience,
                identity_source: self.string(t, "identity_source"),
                span,
            });
        }
        authorizers
    }

    fn table<'a, 'i>(&mut self, table: &'a DeTable<'i>, key: &str) -> Option<(&'a DeTable<'i>, Span)> {
        let value = get(table, key)?;
        match value.get_ref() {
            DeValue::Table(t) => Some((t, value.span())),
            _ => {
                self.type_error(value, key, "a table");
                None
            }
        }
    }

    fn missing_table(&mut self, table: &DeTable<'_>, key: &str, whole: &Span) {
        if get(table, key).is_some() {
            // Present with the wrong type: `table` has already said so.
            return;
        }
        self.diags.push(
            Diagnostic::error(
                whole.start..whole.start,
                format!("missing [{key}] table"),
                format!("this file has no [{key}]"),
            )
            .with_help(format!(
                "add a [{key}] table; docs/stack-format.md lists its fields"
            )),
        );
    }

    fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], context: &str) {
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) {
                continue;
            }
            let is_table = matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_));
            let mut d = if allowed == TOP_KEYS && is_table {
                Diagnostic::error(
                    key.span(),
                    format!("unknown table `{name}`"),
                    "a stack file has no such table",
                )
            } else {
                Diagnostic::error(
                    key.span(),
                    format!("unknown key `{name}` in {context}"),
                    "not a field of this table",
                )
            };
            d = match did_you_mean(name, allowed) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("expected one of: {}", allowed.join(", "))),
            };
            self.diags.push(d);
        }
    }

    fn required_string(
        &mut self,
        t: &DeTable<'_>,
        key: &str,
        span: &Span,
        context: &str,
    ) -> Option<Sp<String>> {
        if get(t, key).is_none() {
            self.diags.push(
                Diagnostic::error(
                    header(span),
                    format!("missing required field `{key}` in {context}"),
                    format!("this table has no `{key}`"),
                )
                .with_help(format!("add `{key} = \"...\"`")),
            );
            return None;
        }
        self.string(t, key)
    }

    fn string(&mut self, t: &DeTable<'_>, key: &str) -> Option<Sp<String>> {
        let value = get(t, key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Sp::new(s.to_string(), value.span())),
            _ => {
                self.type_error(value, key, "a string");
                None
            }
        }
    }

    fn bool(&mut self, t: &DeTable<'_>, key: &str) -> Option<Sp<bool>> {
        let value = get(t, key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(*b, value.span())),
            _ => {
                self.type_error(value, key, "true or false");
                None
            }
        }
    }

    fn integer(&mut self, t: &DeTable<'_>, key: &str) -> Option<Sp<i64>> {
        let value = get(t, key)?;
        if let Some(text) = self.number_variable(value, key) {
            return self.variable_number(value, key, text.parse::<i64>().ok(), "a whole number");
        }
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                let n = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok();
                if n.is_none() {
                    self.out_of_range(value, key);
                    return None;
                }
                n
            }
            _ => None,
        };
        if parsed.is_none() {
            self.type_error(value, key, "a whole number");
        }
        parsed.map(|n| Sp::new(n, value.span()))
    }

    fn float(&mut self, t: &DeTable<'_>, key: &str) -> Option<Sp<f64>> {
        let value = get(t, key)?;
        if let Some(text) = self.number_variable(value, key) {
            let n = text.parse::<f64>().ok().filter(|n| n.is_finite());
            return self.variable_number(value, key, n, "a number");
        }
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => {
                let n = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok();
                if n.is_none() {
                    self.out_of_range(value, key);
                    return None;
                }
                n.map(|n| n as f64)
            }
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.type_error(value, key, "a number");
        }
        parsed.map(|n| Sp::new(n, value.span()))
    }

    /// For a number field written as exactly `"${var.NAME}"`: the variable's value (empty when
    /// it has none, which substitution has reported). Records the field's variable.
    fn number_variable(&mut self, value: &Value<'_>, key: &str) -> Option<String> {
        if !matches!(value.get_ref(), DeValue::String(_)) {
            return None;
        }
        let (name, text) = self.vars.number_source(&value.span())?;
        self.numbers.insert(key.to_string(), name.to_string());
        Some(text.unwrap_or_default().to_string())
    }

    /// The number a variable gave, or an error at the reference saying the value is not one.
    fn variable_number<N>(
        &mut self,
        value: &Value<'_>,
        key: &str,
        parsed: Option<N>,
        expected: &str,
    ) -> Option<Sp<N>> {
        let name = self.numbers.get(key).cloned().unwrap_or_default();
        let text = self.vars.vars.get(&name).and_then(|v| v.value.clone());
        match (parsed, text) {
            (Some(n), _) => Some(Sp::new(n, value.span())),
            // No value: already reported where the reference is.
            (None, None) => None,
            (None, Some(text)) => {
                self.diags.push(
                    Diagnostic::error(
                        value.span(),
                        format!("`{key}` must be {expected}"),
                        format!("variable `{name}` is \"{text}\""),
                    )
                    .with_help(format!("pass a number: `--var {name}=10`")),
                );
                None
            }
        }
    }

    fn string_array(&mut self, t: &DeTable<'_>, key: &str) -> Option<Vec<Sp<String>>> {
        let value = get(t, key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.type_error(value, key, "an array of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::String(s) => out.push(Sp::new(s.to_string(), item.span())),
                _ => self.type_error(item, key, "a string"),
            }
        }
        Some(out)
    }

    /// A route's `response`: `status` and `headers` (the short form) or tables of strings keyed
    /// by status code (the long form); which keys may go together is validation's business.
    fn response(&mut self, value: &Value<'_>) -> Option<ResponseSection> {
        let DeValue::Table(t) = value.get_ref() else {
            self.type_error(value, "response", "a table");
            return None;
        };
        let mut section = ResponseSection {
            span: value.span(),
            status: self.integer(t, "status"),
            ..ResponseSection::default()
        };
        for (k, v) in t.iter() {
            let name = k.get_ref().to_string();
            if name == "status" {
                continue;
            }
            let DeValue::Table(map) = v.get_ref() else {
                self.type_error(v, &name, "a table of strings");
                continue;
            };
            let map = self.string_map(map);
            match name.as_str() {
                "headers" => section.headers = Some(map),
                _ => section.codes.push((Sp::new(name, k.span()), map)),
            }
        }
        Some(section)
    }

    fn string_map(&mut self, t: &DeTable<'_>) -> Vec<(Sp<String>, Sp<String>)> {
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            let name = k.get_ref().to_string();
            match v.get_ref() {
                DeValue::String(s) => out.push((Sp::new(name, k.span()), Sp::new(s.to_string(), v.span()))),
                _ => self.type_error(v, &name, "a string"),
            }
        }
        out
    }

    fn type_error(&mut self, value: &Value<'_>, key: &str, expected: &str) {
        let d = Diagnostic::error(
            value.span(),
            format!("`{key}` must be {expected}"),
            format!("this is {}", type_name(value.get_ref())),
        );
        let help = match expected {
            _ if (key == "route" || key == "authorizer") && expected != "a string" => {
                Some(format!("write each {key} as a `[[{key}]]` table"))
            }
            "a string" => Some("put the value in double quotes: \"...\"".to_string()),
            "true or false" => Some(format!("write `{key} = true` or `{key} = false`, without quotes")),
            "a whole number" => Some(format!(
                "write a number without quotes or decimals, e.g. `{key} = 10`"
            )),
            "a number" => Some(format!("write a number without quotes, e.g. `{key} = 5.0`")),
            "an array of strings" => Some(format!("write `{key} = [\"...\", \"...\"]`")),
            "a table of strings" if key == "parameters" => {
                Some(format!("write `{key} = {{ Input = \"$request.body\" }}`"))
            }
            "a table of strings" if key == "headers" => {
                Some("write `headers = { Location = \"$response.body.executionArn\" }`".to_string())
            }
            "a table of strings" => Some(format!(
                "write `\"{key}\" = {{ \"overwrite:header.NAME\" = \"value\" }}`, or use the short form `status = 202`"
            )),
            "a table" => Some(format!("write it as a `[{key}]` table")),
            _ => None,
        };
        self.diags.push(match help {
            Some(h) => d.with_help(h),
            None => d,
        });
    }

    fn out_of_range(&mut self, value: &Value<'_>, key: &str) {
        self.diags.push(
            Diagnostic::error(
                value.span(),
                format!("`{key}` is out of range"),
                "this number does not fit in 64 bits",
            )
            .with_help("write a smaller number"),
        );
    }
}

fn get<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

/// The first line of a table's span: its `[header]`, the place to point at for a missing field.
fn header(span: &Span) -> Span {
    span.start..span.start
}

/// A TOML value as JSON (a date-time becomes its text).
fn json_of(value: &DeValue<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => {
            i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).map_or(J::Null, J::from)
        }
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(J::Null, J::Number),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(items) => J::Array(items.iter().map(|v| json_of(v.get_ref())).collect()),
        DeValue::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| (k.get_ref().to_string(), json_of(v.get_ref())))
                .collect(),
        ),
    }
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_onboarding_stack_without_problems() {
        let source = include_str!("../../tests/fixtures/onboarding-existing-machine.toml");
        let (file, diags) = parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(file.stack.name.unwrap().value, "user-onboarding");
        assert_eq!(file.routes.len(), 1);
        let params = file.routes[0].parameters.clone().unwrap();
        assert_eq!(params[0].0.value, "Input");
        assert_eq!(&source[params[0].1.span.clone()], "\"$request.body.input\"");
    }

    #[test]
    fn reports_every_shape_problem_in_one_pass() {
        let source = "[stack]\nnme = \"x\"\n[api]\nname = 3\n[role]\nname = \"r\"\n";
        let (_, diags) = parse(source);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.contains(&"unknown key `nme` in [stack]"), "{messages:?}");
        assert!(messages.contains(&"missing required field `name` in [stack]"));
        assert!(messages.contains(&"`name` must be a string"));
        assert!(messages.contains(&"missing required field `policy_name` in [role]"));
        assert!(messages.contains(&"the stack declares no route"));
    }

    #[test]
    fn one_problem_per_mistake() {
        let (_, diags) = parse("# nothing yet\n\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "the stack file is empty");

        let (_, diags) = parse("stack = \"x\"\n[lambda]\n");
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.contains(&"`stack` must be a table"), "{messages:?}");
        assert!(!messages.contains(&"missing [stack] table"), "{messages:?}");
        assert!(messages.contains(&"unknown table `lambda`"), "{messages:?}");

        let (_, diags) = parse("[stage]\nthrottling_burst_limit = 0x7fffffffffffffffff\n");
        assert!(
            diags
                .iter()
                .any(|d| d.message == "`throttling_burst_limit` is out of range")
        );
    }

    #[test]
    fn syntax_errors_point_into_the_text() {
        let (_, diags) = parse("[stack]\nname = \n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].message, "invalid TOML");
        assert!(diags[0].span.clone().unwrap().start >= 8);
    }
}
