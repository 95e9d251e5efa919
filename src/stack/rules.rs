//! AWS's rules for the things a stack names, as pure functions over strings.

// The state machine ARN, its parser and the name rules live in `crate::arn`; they are named here
// too for code written against this module before they moved there.
pub use crate::arn::{
    Qualifier, StateMachineArn, check_step_functions_name, is_region, parse_state_machine_arn,
};

/// The Step Functions actions an HTTP API integration can call.
pub const ACTIONS: &[&str] = crate::domain::Action::NAMES;

/// Route key methods API Gateway accepts.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

/// Route authorization types this tool manages.
pub const AUTHORIZATIONS: &[&str] = crate::domain::Authorization::WRITTEN;

/// Methods a CORS configuration may allow (`*` for all).
pub const CORS_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"];

/// The ownership tag key written on everything the tool creates.
pub const OWNER_TAG: &str = "provision:stack";

/// The tag the stack's API carries (value `true`) while the stack declares state machines: a
/// stack whose last `[[state_machine]]` was removed still finds the machines tagged for it
/// (ListStateMachines costs a call a stack without machines never makes otherwise), deletes
/// them, and the tag goes with the same `up`.
pub const MACHINES_TAG: &str = "provision:state-machines";

/// The description every role the tool makes carries, naming its stack: ListRoles returns
/// descriptions but not tags ("ListRoles", IAM API reference), so `down` recognises the roles
/// made for its stack by it and asks for the tags of those only, never of another stack's role
/// (whose tags a deployer scoped to its own stack may not read). A stack name is within the
/// description's alphabet (botocore iam `roleDescriptionType`, at most 1000 characters).
pub fn role_description(stack: &str) -> String {
    format!("API Gateway assumes this role to call Step Functions (managed by provision, stack {stack})")
}

/// Request parameters AWS accepts for an action: (required, optional).
pub fn parameters_for(action: &str) -> (&'static [&'static str], &'static [&'static str]) {
    action
        .parse::<crate::domain::Action>()
        .map_or((&[], &[]), crate::domain::Action::parameters)
}

/// A parsed route key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteKey {
    /// `$default`: the catch-all route.
    Default,
    /// `METHOD /path`.
    Path {
        /// Upper-case method.
        method: String,
        /// The path, starting with `/`.
        path: String,
    },
}

impl RouteKey {
    /// The `{name}` and `{name+}` parameters of the path, without braces or `+`.
    pub fn path_parameters(&self) -> Vec<String> {
        match self {
            RouteKey::Default => Vec::new(),
            RouteKey::Path { path, .. } => path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(|s| s.trim_end_matches('+').to_string())
                .collect(),
        }
    }

    /// The path, `None` for `$default`.
    pub fn path(&self) -> Option<&str> {
        match self {
            RouteKey::Default => None,
            RouteKey::Path { path, .. } => Some(path),
        }
    }
}

/// Why a route key is not valid, with a fix when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// What is wrong.
    pub reason: String,
    /// A fix.
    pub help: Option<String>,
}

impl RouteKey {
    /// The catch-all route's key (API Gateway developer guide, "Working with routes for HTTP
    /// APIs": `$default`).
    pub const DEFAULT: &'static str = "$default";
}

/// Parses `METHOD /path` or `$default` as API Gateway does.
pub fn parse_route_key(key: &str) -> Result<RouteKey, KeyError> {
    if key == RouteKey::DEFAULT {
        return Ok(RouteKey::Default);
    }
    let err = |reason: &str, help: Option<String>| KeyError {
        reason: reason.to_string(),
        help,
    };
    let Some((method, path)) = key.split_once(' ') else {
        return Err(err(
            "a route key is `METHOD /path` or `$default`",
            Some("for example \"POST /new-user\"".into()),
        ));
    };
    if !METHODS.contains(&method) {
        let help = super::diagnostic::did_you_mean(method, METHODS)
            .map(|m| format!("did you mean {m}?"))
            .or_else(|| Some(format!("methods are {}", METHODS.join(" "))));
        return Err(err(&format!("unknown method `{method}`"), help));
    }
    if !path.starts_with('/') {
        return Err(err(
            "the path must start with `/`",
            Some(format!("write \"{method} /{path}\"")),
        ));
    }
    if path.len() > 1 {
        let segments: Vec<&str> = path[1..].split('/').collect();
        let last = segments.len() - 1;
        let mut seen = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            if segment.is_empty() {
                return Err(err(
                    "the path has an empty segment (`//` or a trailing `/`)",
                    None,
                ));
            }
            if let Some(inner) = segment.strip_prefix('{') {
                let Some(inner) = inner.strip_suffix('}') else {
                    return Err(err(
                        &format!("segment `{segment}` opens `{{` without closing it"),
                        None,
                    ));
                };
                let (name, greedy) = match inner.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (inner, false),
                };
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(err(
                        &format!("`{segment}` is not a valid path parameter"),
                        Some("write `{name}` with letters, digits, `_` or `-`".into()),
                    ));
                }
                if greedy && i != last {
                    return Err(err(
                        &format!("greedy parameter `{segment}` must be the last segment"),
                        Some("move it to the end of the path or drop the `+`".into()),
                    ));
                }
                if seen.contains(&name) {
                    return Err(err(&format!("path parameter `{name}` appears twice"), None));
                }
                seen.push(name);
            } else if segment.contains(['{', '}', ' ', '?', '#']) {
                return Err(err(
                    &format!("segment `{segment}` has a character a path cannot hold"),
                    None,
                ));
            }
        }
    }
    Ok(RouteKey::Path {
        method: method.to_string(),
        path: path.to_string(),
    })
}

/// What a machine named without an ARN has for a partition until the stack's is known: the
/// CloudFormation pseudo parameter, which is also what `synth` writes.
pub const PARTITION_PLACEHOLDER: &str = "${AWS::Partition}";
/// The region of a machine named without an ARN, until it is known.
pub const REGION_PLACEHOLDER: &str = "${AWS::Region}";
/// The account of a machine named without an ARN, until it is known.
pub const ACCOUNT_PLACEHOLDER: &str = "${AWS::AccountId}";

/// A route's `state_machine`: a full ARN ([`crate::arn::parse_state_machine_arn`]), or a bare name (any
/// value not starting with `arn:`), meaning the machine of that name in the caller's account and
/// the stack's region and partition. A name gets placeholders for those three
/// ([`ACCOUNT_PLACEHOLDER`] and the others) until they are known.
pub fn state_machine_reference(value: &str) -> Result<StateMachineArn, String> {
    if value.starts_with("arn:") {
        return parse_state_machine_arn(value);
    }
    check_step_functions_name(value)?;
    Ok(named_machine(value))
}

/// The machine `name` in the account, region and partition still to be known (placeholders),
/// the name unchecked.
pub fn named_machine(name: &str) -> StateMachineArn {
    StateMachineArn {
        partition: PARTITION_PLACEHOLDER.into(),
        region: REGION_PLACEHOLDER.into(),
        account: ACCOUNT_PLACEHOLDER.into(),
        name: name.to_string(),
        qualifier: None,
    }
}

/// A CORS origin: `*`, or `scheme://host[:port]` with nothing after it (browsers send no path
/// and no trailing slash, so anything more would never match).
pub fn check_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err("an origin is scheme://host, e.g. https://app.example.com".into());
    };
    if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(format!("`{scheme}` is not a URL scheme"));
    }
    if rest.is_empty() {
        return Err("the origin has no host".into());
    }
    if rest.contains('/') {
        return Err("an origin has no path, not even a trailing `/`".into());
    }
    Ok(())
}

/// Checks an access log destination: a log group ARN ([`crate::arn::LogGroupArn`]) without the
/// trailing `:*`, which API Gateway refuses ("Configure logging for HTTP APIs": the destination
/// is the log group's ARN).
pub fn check_log_group_arn(arn: &str) -> Result<(), String> {
    let parsed: crate::arn::LogGroupArn = arn.parse()?;
    if parsed.all_streams {
        return Err("ends with `:*`, which API Gateway does not take".into());
    }
    Ok(())
}

/// IAM's name alphabet: `[A-Za-z0-9+=,.@_-]`.
pub fn is_iam_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Stack names: 1-128 of `A-Z a-z 0-9 - _ .`. The name is written as the value of the
/// ownership tag, so it stays within the tag value alphabet of every service the stack tags.
pub fn is_stack_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// Stage names: `$default` or 1-128 of `[A-Za-z0-9_-]`.
pub fn is_stage_name(s: &str) -> bool {
    crate::domain::StageName::is_default_name(s)
        || (!s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}

/// What a request parameter value is: a static string, one variable in either documented form
/// (`$request.body.input` or `${request.body.input}`), or static text mixed with any number of
/// `${...}` variables (API Gateway developer guide, "Transform API requests and responses for
/// HTTP APIs": request parameter mapping values; "To use multiple variables in a selection
/// expression, enclose the variable in brackets").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// A fixed string.
    Static(String),
    /// `$request.header.NAME`.
    Header(String),
    /// `$request.querystring.NAME`.
    QueryString(String),
    /// `$request.path`: the request path, without the stage name.
    RequestPath,
    /// `$request.path.NAME`.
    Path(String),
    /// `$request.body`.
    Body,
    /// `$request.body.PATH`, the path split into steps.
    BodyPath(Vec<JsonStep>),
    /// `$context.VAR`.
    Context(String),
    /// `$stageVariables.VAR`.
    StageVariable(String),
    /// `$response.header.NAME`: a header of the integration's answer (response parameters only).
    ResponseHeader(String),
    /// `$response.body`: the integration's whole answer (response parameters only).
    ResponseBody,
    /// `$response.body.PATH`: a JSONPath into the integration's answer (response parameters
    /// only).
    ResponseBodyPath(Vec<JsonStep>),
    /// Static text and `${...}` variables, in order, e.g. `order-${request.path.id}`.
    Composed(Vec<Part>),
}

/// A piece of a composed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Static text, copied as is.
    Text(String),
    /// A variable (never [`Mapping::Static`] nor [`Mapping::Composed`]).
    Variable(Mapping),
}

impl Mapping {
    /// True for a variable of the integration's answer (`$response.*`).
    pub fn is_response(&self) -> bool {
        matches!(
            self,
            Mapping::ResponseHeader(_) | Mapping::ResponseBody | Mapping::ResponseBodyPath(_)
        )
    }

    /// True for a variable of the client's request (`$request.*`).
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Mapping::Header(_)
                | Mapping::QueryString(_)
                | Mapping::RequestPath
                | Mapping::Path(_)
                | Mapping::Body
                | Mapping::BodyPath(_)
        )
    }

    /// The variables the value reads: itself for a bare variable, each `${...}` of a composed
    /// value, none for a static one.
    pub fn variables(&self) -> Vec<&Mapping> {
        match self {
            Mapping::Static(_) => Vec::new(),
            Mapping::Composed(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Variable(v) => Some(v),
                    Part::Text(_) => None,
                })
                .collect(),
            other => vec![other],
        }
    }

    /// The static text of the value: all of a static value, the text around the variables of a
    /// composed one, nothing for a bare variable.
    pub fn static_text(&self) -> String {
        match self {
            Mapping::Static(s) => s.clone(),
            Mapping::Composed(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    Part::Text(t) => Some(t.as_str()),
                    Part::Variable(_) => None,
                })
                .collect(),
            _ => String::new(),
        }
    }
}

/// One step of a JSONPath over the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonStep {
    /// `.name` or `['name']`.
    Field(String),
    /// `[3]`, or `[-1]` counted from the end.
    Index(i64),
    /// `.*` or `[*]`: every member or element.
    Wildcard,
    /// `[start:end:step]`, each part optional.
    Slice {
        /// First index (from the end when negative); 0 when absent.
        start: Option<i64>,
        /// Index after the last (from the end when negative); the length when absent.
        end: Option<i64>,
        /// Stride; 1 when absent.
        step: Option<i64>,
    },
    /// `[0,2]` or `['a','b']`: several indexes or names.
    Union(Vec<JsonStep>),
}

const SOURCES: &[&str] = &[
    "$request.header.",
    "$request.querystring.",
    "$request.path",
    "$request.body",
    "$context.",
    "$stageVariables.",
    "$response.header.",
    "$response.body",
];

/// Parses a request parameter value with HTTP API semantics: a value with `${` is composed (or,
/// when it is nothing but one `${...}`, that variable), one starting with `$` is a variable, any
/// other is static.
pub fn parse_mapping(value: &str) -> Result<Mapping, KeyError> {
    if value.contains("${") {
        return parse_composed(value);
    }
    if !value.starts_with('$') {
        return Ok(Mapping::Static(value.to_string()));
    }
    parse_variable(value)
}

/// Splits `text-${request.path.id}-${context.requestId}` into text and variables.
fn parse_composed(value: &str) -> Result<Mapping, KeyError> {
    let mut parts = Vec::new();
    let mut rest = value;
    while let Some(open) = rest.find("${") {
        if open > 0 {
            parts.push(Part::Text(rest[..open].to_string()));
        }
        let after = &rest[open + 2..];
        let Some(close) = closing_brace(after) else {
            return Err(KeyError {
                reason: "`${` without a closing `}`".into(),
                help: Some("write each variable as ${request.path.NAME}, ${context.requestId}, ...".into()),
            });
        };
        let inner = &after[..close];
        if inner.is_empty() {
            return Err(KeyError {
                reason: "`${}` names no variable".into(),
                help: Some("write ${request.path.NAME}, ${context.requestId}, ...".into()),
            });
        }
        let variable = parse_variable(&format!("${inner}")).map_err(|e| KeyError {
            reason: format!("in `${{{inner}}}`: {}", e.reason),
            help: e.help,
        })?;
        parts.push(Part::Variable(variable));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    match parts.as_slice() {
        [Part::Variable(only)] => Ok(only.clone()),
        _ => Ok(Mapping::Composed(parts)),
    }
}

/// The byte offset of the `}` closing a `${`, skipping quoted names such as `['a}b']`.
fn closing_brace(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '}') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Parses one variable written `$source...`.
fn parse_variable(value: &str) -> Result<Mapping, KeyError> {
    let named = |rest: &str, make: fn(String) -> Mapping, what: &str| {
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            Err(KeyError {
                reason: format!("{what} needs a name after the dot"),
                help: None,
            })
        } else {
            Ok(make(rest.to_string()))
        }
    };
    if let Some(rest) = value.strip_prefix("$request.header.") {
        return named(rest, Mapping::Header, "$request.header");
    }
    if let Some(rest) = value.strip_prefix("$request.querystring.") {
        return named(rest, Mapping::QueryString, "$request.querystring");
    }
    if value == "$request.path" {
        return Ok(Mapping::RequestPath);
    }
    if let Some(rest) = value.strip_prefix("$request.path.") {
        return named(rest, Mapping::Path, "$request.path");
    }
    if value == "$request.body" {
        return Ok(Mapping::Body);
    }
    if let Some(rest) = value.strip_prefix("$request.body") {
        return parse_json_path(rest).map(Mapping::BodyPath);
    }
    if let Some(rest) = value.strip_prefix("$context.") {
        return named(rest, Mapping::Context, "$context");
    }
    if let Some(rest) = value.strip_prefix("$stageVariables.") {
        return named(rest, Mapping::StageVariable, "$stageVariables");
    }
    // Response parameter sources ("Transforming API requests and responses", response
    // parameter mapping values); validation refuses them in request parameters.
    if let Some(rest) = value.strip_prefix("$response.header.") {
        return named(rest, Mapping::ResponseHeader, "$response.header");
    }
    if value == "$response.body" {
        return Ok(Mapping::ResponseBody);
    }
    if let Some(rest) = value.strip_prefix("$response.body") {
        return parse_json_path(rest).map(Mapping::ResponseBodyPath);
    }
    let prefix = value.split('.').take(2).collect::<Vec<_>>().join(".");
    let sources: Vec<&str> = SOURCES.iter().map(|s| s.trim_end_matches('.')).collect();
    let guess = super::diagnostic::did_you_mean(&prefix, &sources);
    Err(KeyError {
        reason: format!("`{prefix}` is not a mapping source"),
        help: Some(match guess {
            Some(g) => format!("did you mean `{g}`?"),
            None => "sources are $request.header.X, $request.querystring.X, $request.path[.X], $request.body[.PATH], $context.X, $stageVariables.X, each also as ${...}; anything else is a static value".into(),
        }),
    })
}

/// Parses the part after `$request.body`: `.a.b[0]['c d'][*][1:3][0,2]`. The guide excludes
/// recursive descent (`..`) and filter expressions (`?(...)`); every other JSONPath step is taken.
fn parse_json_path(rest: &str) -> Result<Vec<JsonStep>, KeyError> {
    let bad = |reason: &str| KeyError {
        reason: reason.to_string(),
        help: Some("use a simple path such as $request.body.input or $request.body.items[0].id".into()),
    };
    if rest.contains("..") {
        return Err(bad(
            "recursive descent `..` is not supported in $request.body paths",
        ));
    }
    if rest.contains("[?") {
        return Err(bad("filter expressions are not supported in $request.body paths"));
    }
    let mut steps = Vec::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                match name.as_str() {
                    "" => return Err(bad("a `.` must be followed by a field name")),
                    "*" => steps.push(JsonStep::Wildcard),
                    _ => steps.push(JsonStep::Field(name)),
                }
            }
            '[' => {
                let mut inner = String::new();
                let mut closed = false;
                let mut quote: Option<char> = None;
                for n in chars.by_ref() {
                    match (quote, n) {
                        (None, ']') => {
                            closed = true;
                            break;
                        }
                        (None, '\'' | '"') => quote = Some(n),
                        (Some(q), n) if n == q => quote = None,
                        _ => {}
                    }
                    inner.push(n);
                }
                if !closed {
                    return Err(bad("`[` without a closing `]`"));
                }
                steps.push(bracket_step(&inner).ok_or_else(|| {
                    bad(&format!(
                        "`[{inner}]` is not an index, a slice, `*` or a quoted name"
                    ))
                })?);
            }
            _ => return Err(bad("after $request.body comes `.field` or `[index]`")),
        }
    }
    Ok(steps)
}

/// What is between `[` and `]`: `*`, an index, a slice, a quoted name or a union of these.
fn bracket_step(inner: &str) -> Option<JsonStep> {
    let inner = inner.trim();
    if inner == "*" {
        return Some(JsonStep::Wildcard);
    }
    let single = |s: &str| -> Option<JsonStep> {
        let s = s.trim();
        if let Ok(i) = s.parse::<i64>() {
            return Some(JsonStep::Index(i));
        }
        ['\'', '"'].iter().find_map(|q| {
            s.strip_prefix(*q)
                .and_then(|s| s.strip_suffix(*q))
                .filter(|name| !name.contains(*q))
                .map(|name| JsonStep::Field(name.to_string()))
        })
    };
    if let Some(step) = single(inner) {
        return Some(step);
    }
    if inner.contains(':') && !inner.contains(['\'', '"']) {
        let bounds: Vec<&str> = inner.split(':').map(str::trim).collect();
        if bounds.len() > 3 {
            return None;
        }
        let number = |s: Option<&&str>| -> Option<Option<i64>> {
            match s.copied() {
                None | Some("") => Some(None),
                Some(s) => s.parse().ok().map(Some),
            }
        };
        let step = number(bounds.get(2))?;
        if step == Some(0) {
            return None;
        }
        return Some(JsonStep::Slice {
            start: number(bounds.first())?,
            end: number(bounds.get(1))?,
            step,
        });
    }
    if inner.contains(',') {
        let items: Option<Vec<JsonStep>> = split_union(inner).iter().map(|s| single(s)).collect();
        return items.filter(|i| i.len() > 1).map(JsonStep::Union);
    }
    None
}

/// Splits `'a,b', 'c'` on the commas outside quotes.
fn split_union(inner: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match (quote, c) {
            (None, ',') => {
                items.push(std::mem::take(&mut current));
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        current.push(c);
    }
    items.push(current);
    items
}

/// What a request parameter value reads: the whole value (`$request.header.X`), or each
/// bracketed variable of a template (`order-${request.path.id}`), as the developer guide's
/// "Transform API requests and responses for HTTP APIs" allows. The one reading of what a value
/// references: the OpenAPI export's parameters and `up`'s example bodies both go through it.
pub fn references(value: &str) -> Vec<Mapping> {
    if !value.contains("${") {
        return parse_mapping(value)
            .ok()
            .filter(|m| !matches!(m, Mapping::Static(_)))
            .into_iter()
            .collect();
    }
    let mut found = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if let Ok(m) = parse_mapping(&format!("${}", &after[..end]))
            && !matches!(m, Mapping::Static(_))
        {
            found.push(m);
        }
        rest = &after[end + 1..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys() {
        assert_eq!(parse_route_key("$default"), Ok(RouteKey::Default));
        let k = parse_route_key("GET /users/{id}/files/{path+}").unwrap();
        assert_eq!(k.path_parameters(), vec!["id", "path"]);
        assert!(parse_route_key("FETCH /x").unwrap_err().reason.contains("FETCH"));
        assert_eq!(
            parse_route_key("PSOT /x").unwrap_err().help.as_deref(),
            Some("did you mean POST?")
        );
        assert!(parse_route_key("GET x").is_err());
        assert!(
            parse_route_key("GET /{a+}/b")
                .unwrap_err()
                .reason
                .contains("last segment")
        );
        assert!(parse_route_key("GET /a//b").is_err());
        assert!(parse_route_key("GET /").is_ok());
        assert!(parse_route_key("POST").is_err());
    }

    /// "Transform API requests and responses for HTTP APIs": `$request.body.name` or
    /// `${request.body.name}`, and text with several bracketed variables.
    #[test]
    fn bracketed_and_composed_mappings() {
        assert_eq!(
            parse_mapping("${request.body.input}"),
            parse_mapping("$request.body.input")
        );
        assert_eq!(
            parse_mapping("${context.requestId}"),
            Ok(Mapping::Context("requestId".into()))
        );
        assert_eq!(parse_mapping("$request.path"), Ok(Mapping::RequestPath));
        let composed = parse_mapping("order-${request.path.id}-${context.requestId}").unwrap();
        assert_eq!(
            composed,
            Mapping::Composed(vec![
                Part::Text("order-".into()),
                Part::Variable(Mapping::Path("id".into())),
                Part::Text("-".into()),
                Part::Variable(Mapping::Context("requestId".into())),
            ])
        );
        assert_eq!(composed.static_text(), "order--");
        assert_eq!(composed.variables().len(), 2);
        assert_eq!(
            parse_mapping("${request.body['a}b']}x").unwrap().variables(),
            vec![&Mapping::BodyPath(vec![JsonStep::Field("a}b".into())])]
        );
        assert_eq!(Mapping::Static("x".into()).static_text(), "x");
        assert!(Mapping::Static("x".into()).variables().is_empty());
        assert!(
            parse_mapping("a-${request.path.id")
                .unwrap_err()
                .reason
                .contains("closing")
        );
        assert!(parse_mapping("a-${}").unwrap_err().reason.contains("no variable"));
        let e = parse_mapping("a-${request.bdy.x}").unwrap_err();
        assert!(e.reason.contains("in `${request.bdy.x}`"), "{e:?}");
        assert_eq!(e.help.as_deref(), Some("did you mean `$request.body`?"));
        assert!(parse_mapping("x-${request.body..a}").is_err());
    }

    /// The guide excludes only recursive descent and filters from body JSONPaths.
    #[test]
    fn json_paths_take_wildcards_slices_unions_and_negative_indexes() {
        let path = |s: &str| match parse_mapping(s) {
            Ok(Mapping::BodyPath(steps)) => steps,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(
            path("$request.body.items[*].id"),
            vec![
                JsonStep::Field("items".into()),
                JsonStep::Wildcard,
                JsonStep::Field("id".into())
            ]
        );
        assert_eq!(path("$request.body.*"), vec![JsonStep::Wildcard]);
        assert_eq!(
            path("$request.body.items[-1]"),
            vec![JsonStep::Field("items".into()), JsonStep::Index(-1)]
        );
        assert_eq!(
            path("$request.body.items[1:3]")[1],
            JsonStep::Slice {
                start: Some(1),
                end: Some(3),
                step: None
            }
        );
        assert_eq!(
            path("$request.body.items[::2]")[1],
            JsonStep::Slice {
                start: None,
                end: None,
                step: Some(2)
            }
        );
        assert_eq!(
            path("$request.body.items[0,2]")[1],
            JsonStep::Union(vec![JsonStep::Index(0), JsonStep::Index(2)])
        );
        assert_eq!(
            path("$request.body['a,b','c']"),
            vec![JsonStep::Union(vec![
                JsonStep::Field("a,b".into()),
                JsonStep::Field("c".into())
            ])]
        );
        assert_eq!(path("$request.body['a@b']"), vec![JsonStep::Field("a@b".into())]);
        for bad in [
            "$request.body..a",
            "$request.body.a[?(@.b)]",
            "$request.body.a[1:2:0]",
            "$request.body.a[x]",
            "$request.body.a[",
        ] {
            assert!(parse_mapping(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mappings() {
        assert_eq!(parse_mapping("$request.body"), Ok(Mapping::Body));
        assert_eq!(
            parse_mapping("$request.body.input"),
            Ok(Mapping::BodyPath(vec![JsonStep::Field("input".into())]))
        );
        assert_eq!(
            parse_mapping("$request.body.a[2]['b c']"),
            Ok(Mapping::BodyPath(vec![
                JsonStep::Field("a".into()),
                JsonStep::Index(2),
                JsonStep::Field("b c".into())
            ]))
        );
        assert_eq!(parse_mapping("static"), Ok(Mapping::Static("static".into())));
        assert_eq!(
            parse_mapping("$context.requestId"),
            Ok(Mapping::Context("requestId".into()))
        );
        let e = parse_mapping("$request.bdy.input").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("did you mean `$request.body`?"));
        assert!(parse_mapping("$request.body..x").is_err());
        assert!(parse_mapping("$request.body.items[?(@.a)]").is_err());
        assert!(parse_mapping("$request.header.").is_err());
    }

    #[test]
    fn cors_origins_and_log_groups() {
        assert!(check_origin("*").is_ok());
        assert!(check_origin("https://app.example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        assert!(check_origin("https://app.example.com/").is_err());
        assert!(check_origin("app.example.com").is_err());
        assert!(check_origin("https://").is_err());
        assert!(check_log_group_arn("arn:aws:logs:ap-southeast-2:189107071895:log-group:/aws/api").is_ok());
        assert!(check_log_group_arn("arn:aws:logs:ap-southeast-2:189107071895:log-group:x:*").is_err());
        assert!(check_log_group_arn("arn:aws:s3:ap-southeast-2:189107071895:log-group:x").is_err());
    }

    #[test]
    fn names() {
        assert!(is_region("ap-southeast-2"));
        assert!(is_region("us-gov-west-1"));
        assert!(!is_region("ap-southeast"));
        assert!(!is_region("Sydney"));
        assert!(is_iam_name("user-onboarding-api-gateway-stepfunctions-role", 64));
        assert!(!is_iam_name("has space", 64));
        assert!(!is_iam_name(&"a".repeat(65), 64));
        assert!(is_stage_name("$default") && is_stage_name("prod") && !is_stage_name("pr od"));
    }
}
