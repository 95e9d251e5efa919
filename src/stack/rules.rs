//! AWS's rules for the things a stack names, as pure functions over strings.

/// The Step Functions actions an HTTP API integration can call.
pub const ACTIONS: &[&str] = &["StartExecution", "StartSyncExecution", "StopExecution"];

/// Route key methods API Gateway accepts.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

/// Route authorization types this tool manages.
pub const AUTHORIZATIONS: &[&str] = &["NONE", "AWS_IAM"];

/// Methods a CORS configuration may allow (`*` for all).
pub const CORS_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"];

/// The longest preflight cache API Gateway accepts, in seconds.
pub const CORS_MAX_AGE: i64 = 86400;

/// The ownership tag key written on everything the tool creates.
pub const OWNER_TAG: &str = "provision:stack";

/// Request parameters AWS accepts for an action: (required, optional).
pub fn parameters_for(action: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match action {
        "StartExecution" => (&["StateMachineArn"], &["Name", "Input", "Region"]),
        "StartSyncExecution" => (&["StateMachineArn"], &["Name", "Input", "Region", "TraceHeader"]),
        "StopExecution" => (&["ExecutionArn"], &["Cause", "Error", "Region"]),
        _ => (&[], &[]),
    }
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

/// Parses `METHOD /path` or `$default` as API Gateway does.
pub fn parse_route_key(key: &str) -> Result<RouteKey, KeyError> {
    if key == "$default" {
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

/// A Step Functions state machine ARN, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachineArn {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// Region of the machine.
    pub region: String,
    /// Owning account.
    pub account: String,
    /// Machine name.
    pub name: String,
}

impl StateMachineArn {
    /// The ARN pattern covering every execution of this machine (what StopExecution acts on).
    pub fn executions(&self) -> String {
        format!(
            "arn:{}:states:{}:{}:execution:{}:*",
            self.partition, self.region, self.account, self.name
        )
    }
}

/// Parses `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME`.
pub fn parse_state_machine_arn(arn: &str) -> Result<StateMachineArn, String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() != 7 || parts[0] != "arn" {
        return Err("expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME".into());
    }
    if parts[2] != "states" {
        return Err(format!("this is a `{}` ARN, not a Step Functions one", parts[2]));
    }
    if parts[5] != "stateMachine" {
        return Err(format!(
            "this is a Step Functions `{}`, not a stateMachine",
            parts[5]
        ));
    }
    if !is_region(parts[3]) {
        return Err(format!("`{}` is not a region", parts[3]));
    }
    if parts[4].len() != 12 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not a 12-digit account id", parts[4]));
    }
    let name = parts[6];
    if name.is_empty()
        || name.len() > 80
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "`{name}` is not a state machine name (1-80 of A-Z a-z 0-9 - _)"
        ));
    }
    Ok(StateMachineArn {
        partition: parts[1].to_string(),
        region: parts[3].to_string(),
        account: parts[4].to_string(),
        name: name.to_string(),
    })
}

/// `ap-southeast-2`, `us-gov-west-1`, `cn-north-1`, ...
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts
            .iter()
            .take(parts.len() - 1)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
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

/// A JWT identity source: one `$request.header.NAME` or `$request.querystring.NAME`.
pub fn is_jwt_identity_source(s: &str) -> bool {
    ["$request.header.", "$request.querystring."]
        .iter()
        .any(|prefix| {
            s.strip_prefix(prefix).is_some_and(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            })
        })
}

/// Parses `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME`, the access log destination.
pub fn check_log_group_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    if parts.len() != 7 || parts[0] != "arn" {
        return Err("expected arn:aws:logs:REGION:ACCOUNT:log-group:NAME".into());
    }
    if parts[2] != "logs" {
        return Err(format!("this is a `{}` ARN, not a CloudWatch Logs one", parts[2]));
    }
    if parts[5] != "log-group" {
        return Err(format!("this is a logs `{}`, not a log-group", parts[5]));
    }
    if !is_region(parts[3]) {
        return Err(format!("`{}` is not a region", parts[3]));
    }
    if parts[4].len() != 12 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not a 12-digit account id", parts[4]));
    }
    let name = parts[6];
    if name.ends_with(":*") {
        return Err("ends with `:*`, which API Gateway does not take".into());
    }
    if name.is_empty()
        || name.len() > 512
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c))
    {
        return Err(format!(
            "`{name}` is not a log group name (1-512 of A-Z a-z 0-9 _ - / . #)"
        ));
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
    s == "$default"
        || (!s.is_empty()
            && s.len() <= 128
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}

/// What a request parameter value is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// A fixed string.
    Static(String),
    /// `$request.header.NAME`.
    Header(String),
    /// `$request.querystring.NAME`.
    QueryString(String),
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
}

/// One step of a simple JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonStep {
    /// `.name` or `['name']`.
    Field(String),
    /// `[3]`.
    Index(usize),
}

const SOURCES: &[&str] = &[
    "$request.header.",
    "$request.querystring.",
    "$request.path.",
    "$request.body",
    "$context.",
    "$stageVariables.",
];

/// Parses a request parameter value with HTTP API semantics.
pub fn parse_mapping(value: &str) -> Result<Mapping, KeyError> {
    if !value.starts_with('$') {
        return Ok(Mapping::Static(value.to_string()));
    }
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
    let prefix = value.split('.').take(2).collect::<Vec<_>>().join(".");
    let sources: Vec<&str> = SOURCES.iter().map(|s| s.trim_end_matches('.')).collect();
    let guess = super::diagnostic::did_you_mean(&prefix, &sources);
    Err(KeyError {
        reason: format!("`{prefix}` is not a mapping source"),
        help: Some(match guess {
            Some(g) => format!("did you mean `{g}`?"),
            None => "sources are $request.header.X, $request.querystring.X, $request.path.X, $request.body[.PATH], $context.X, $stageVariables.X; anything not starting with `$` is a static value".into(),
        }),
    })
}

/// Parses the part after `$request.body`: `.a.b[0]['c d']`. No `..`, no filters, no wildcards.
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
    if rest.contains("[?") || rest.contains('*') || rest.contains('@') {
        return Err(bad(
            "filters and wildcards are not supported in $request.body paths",
        ));
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
                if name.is_empty() {
                    return Err(bad("a `.` must be followed by a field name"));
                }
                steps.push(JsonStep::Field(name));
            }
            '[' => {
                let mut inner = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == ']' {
                        closed = true;
                        break;
                    }
                    inner.push(n);
                }
                if !closed {
                    return Err(bad("`[` without a closing `]`"));
                }
                if let Ok(i) = inner.parse::<usize>() {
                    steps.push(JsonStep::Index(i));
                } else if let Some(name) = inner
                    .strip_prefix('\'')
                    .and_then(|s| s.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                {
                    steps.push(JsonStep::Field(name.to_string()));
                } else {
                    return Err(bad(&format!("`[{inner}]` is neither an index nor a quoted name")));
                }
            }
            _ => return Err(bad("after $request.body comes `.field` or `[index]`")),
        }
    }
    Ok(steps)
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

    #[test]
    fn state_machine_arns() {
        let arn = parse_state_machine_arn(
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding",
        )
        .unwrap();
        assert_eq!(
            arn.executions(),
            "arn:aws:states:ap-southeast-2:189107071895:execution:user-onboarding:*"
        );
        assert!(parse_state_machine_arn("arn:aws:lambda:ap-southeast-2:189107071895:function:x").is_err());
        assert!(parse_state_machine_arn("arn:aws:states:ap-southeast-2:1891:stateMachine:x").is_err());
        assert!(parse_state_machine_arn("user-onboarding").is_err());
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
    fn cors_origins_identity_sources_and_log_groups() {
        assert!(check_origin("*").is_ok());
        assert!(check_origin("https://app.example.com").is_ok());
        assert!(check_origin("http://localhost:3000").is_ok());
        assert!(check_origin("https://app.example.com/").is_err());
        assert!(check_origin("app.example.com").is_err());
        assert!(check_origin("https://").is_err());
        assert!(is_jwt_identity_source("$request.header.Authorization"));
        assert!(is_jwt_identity_source("$request.querystring.token"));
        assert!(!is_jwt_identity_source("$request.body.token"));
        assert!(!is_jwt_identity_source("$request.header."));
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
