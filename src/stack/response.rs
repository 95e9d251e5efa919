//! A route's `response`: the integration's `ResponseParameters` as HTTP APIs define them (API
//! Gateway developer guide, "Transforming API requests and responses", section "Transforming API
//! responses"). Pure: the rules, the offline checks and the desired map.
//!
//! The integration's answer is reshaped per integration status code (200-599): its status
//! replaced (`overwrite:statuscode`), headers appended, overwritten or removed
//! (`append|overwrite|remove:header.NAME`), with values that are static text or read the
//! integration's answer (`$response.header.NAME`, `$response.body.PATH`), `$context.*` or
//! `$stageVariables.*`. The body cannot be transformed on HTTP APIs.

use std::collections::BTreeMap;

use super::diagnostic::{Diagnostic, did_you_mean};
use super::model::{ResponseSection, RouteSection, Sp};
use super::rules::{self, Mapping};

/// Integration status code to response parameter key to value, as `ResponseParameters` holds it.
pub type ResponseParameters = BTreeMap<String, BTreeMap<String, String>>;

/// The headers no mapping may touch ("Transforming API requests and responses", "Reserved
/// headers"), in lower case; a trailing `*` is a prefix.
pub const RESERVED_HEADERS: &[&str] = &[
    "access-control-*",
    "apigw-*",
    "authorization",
    "connection",
    "content-encoding",
    "content-length",
    "content-location",
    "forwarded",
    "keep-alive",
    "origin",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "x-amz-*",
    "x-amzn-*",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "via",
];

/// The pattern of `header` a reserved name matches, if any (header names are case-insensitive).
pub fn reserved(header: &str) -> Option<&'static str> {
    let lower = header.to_ascii_lowercase();
    RESERVED_HEADERS
        .iter()
        .copied()
        .find(|r| match r.strip_suffix('*') {
            Some(prefix) => lower.starts_with(prefix),
            None => lower == *r,
        })
}

/// What a response parameter key does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseKey {
    /// `overwrite:statuscode`.
    StatusCode,
    /// `append:header.NAME`: adds a value (comma-joined to one already there).
    Append(String),
    /// `overwrite:header.NAME`: sets the header, replacing any value.
    Overwrite(String),
    /// `remove:header.NAME`: drops the header.
    Remove(String),
}

/// Parses a key: `overwrite:statuscode` or `append|overwrite|remove:header.NAME` (botocore
/// apigatewayv2 `CreateIntegrationRequest.ResponseParameters`), NAME a header name (an HTTP
/// token, RFC 9110 section 5.1) that is not reserved.
pub fn parse_key(key: &str) -> Result<ResponseKey, rules::KeyError> {
    let err = |reason: String, help: &str| rules::KeyError {
        reason,
        help: Some(help.to_string()),
    };
    const FORMS: &str =
        "keys are overwrite:statuscode, append:header.NAME, overwrite:header.NAME or remove:header.NAME";
    if key == "overwrite:statuscode" {
        return Ok(ResponseKey::StatusCode);
    }
    let Some((action, target)) = key.split_once(':') else {
        let help = match did_you_mean(key, &["overwrite:statuscode", "overwrite.statuscode"]) {
            Some(_) => "write overwrite:statuscode",
            None => FORMS,
        };
        return Err(err(format!("`{key}` has no `ACTION:` in front"), help));
    };
    if !["append", "overwrite", "remove"].contains(&action) {
        let help = match did_you_mean(action, &["append", "overwrite", "remove"]) {
            Some(s) => format!("did you mean `{s}:{target}`?"),
            None => FORMS.to_string(),
        };
        return Err(err(
            format!("`{action}` is not append, overwrite or remove"),
            &help,
        ));
    }
    if target == "statuscode" {
        return Err(err(
            format!("the status code can only be overwritten, not {action}ed"),
            "write overwrite:statuscode",
        ));
    }
    let Some(name) = target.strip_prefix("header.") else {
        let help = match target {
            "body" => {
                "HTTP APIs cannot transform the response body; only headers and the status code".to_string()
            }
            _ if target.starts_with("querystring") || target == "path" => {
                "query strings and the path are request parameters; a response has headers and a status code"
                    .to_string()
            }
            _ => FORMS.to_string(),
        };
        return Err(err(
            format!("`{target}` is not `header.NAME` or `statuscode`"),
            &help,
        ));
    };
    if name.is_empty() || !name.chars().all(is_token_char) {
        return Err(err(
            format!("`{name}` is not a header name"),
            "a header name is letters, digits and ! # $ % & ' * + - . ^ _ ` | ~, e.g. Location",
        ));
    }
    if let Some(pattern) = reserved(name) {
        return Err(err(
            format!(
                "`{name}` is a reserved header ({pattern}), which API Gateway does not let a mapping set"
            ),
            "map another header, e.g. Location or X-Execution-Arn; the reserved ones are listed under \"Reserved headers\" in the guide",
        ));
    }
    Ok(match action {
        "append" => ResponseKey::Append(name.to_string()),
        "overwrite" => ResponseKey::Overwrite(name.to_string()),
        _ => ResponseKey::Remove(name.to_string()),
    })
}

/// An HTTP token character (RFC 9110, section 5.6.2).
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The integration's response parameters a `response` table stands for: the short form's
/// `status` and `headers` under `200` (as `overwrite:statuscode` and `overwrite:header.NAME`),
/// the long form's tables as written. Call on a validated table.
pub fn desired(section: &ResponseSection) -> ResponseParameters {
    let mut out = ResponseParameters::new();
    let short = out.entry("200".to_string()).or_default();
    if let Some(status) = &section.status {
        short.insert("overwrite:statuscode".into(), status.value.to_string());
    }
    for (name, value) in section.headers.iter().flatten() {
        short.insert(format!("overwrite:header.{}", name.value), value.value.clone());
    }
    for (code, params) in &section.codes {
        let map = out.entry(code.value.clone()).or_default();
        for (k, v) in params {
            map.insert(k.value.clone(), v.value.clone());
        }
    }
    // An empty map for a code means "remove it" to UpdateIntegration: never desired.
    out.retain(|_, m| !m.is_empty());
    out
}

/// Every problem of a route's `response`, in the order written.
pub fn validate(route: &RouteSection, out: &mut Vec<Diagnostic>) {
    let Some(section) = &route.response else {
        return;
    };
    if let Some(status) = &section.status
        && !(200..=599).contains(&status.value)
    {
        out.push(
            Diagnostic::error(
                status.span.clone(),
                "response status out of range",
                format!(
                    "{} is not an HTTP status API Gateway answers with (200-599)",
                    status.value
                ),
            )
            .with_help("write the status the client should see, e.g. status = 202"),
        );
    }
    for (name, value) in section.headers.iter().flatten() {
        // The short form's header is `overwrite:header.NAME`: the same rules, spans on the name.
        if let Err(e) = parse_key(&format!("overwrite:header.{}", name.value)) {
            out.push(key_error(name, e));
        }
        check_value(value, &ResponseKey::Overwrite(name.value.clone()), out);
    }
    let short = section.status.is_some() || section.headers.is_some();
    for (code, params) in &section.codes {
        check_code(code, short, out);
        if params.is_empty() {
            out.push(
                Diagnostic::error(
                    code.span.clone(),
                    format!("status code {} maps nothing", code.value),
                    "an empty table",
                )
                .with_help("add keys such as \"overwrite:header.NAME\" = \"value\", or remove this code"),
            );
        }
        for (key, value) in params {
            match parse_key(&key.value) {
                Ok(parsed) => check_value(value, &parsed, out),
                Err(e) => out.push(key_error(key, e)),
            }
        }
    }
}

fn key_error(key: &Sp<String>, e: rules::KeyError) -> Diagnostic {
    let d = Diagnostic::error(
        key.span.clone(),
        format!("invalid response parameter `{}`", key.value),
        e.reason,
    );
    match e.help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// A long-form key is an integration status code: 200-599 ("The selection key must be a valid
/// HTTP status code within the range of 200-599", botocore apigatewayv2
/// `CreateIntegrationRequest.ResponseParameters`); `200` cannot also be set by the short form.
fn check_code(code: &Sp<String>, short: bool, out: &mut Vec<Diagnostic>) {
    let number = code
        .value
        .parse::<u16>()
        .ok()
        .filter(|_| code.value.len() == 3 && code.value.bytes().all(|b| b.is_ascii_digit()));
    match number {
        Some(n) if (200..=599).contains(&n) => {
            if short && n == 200 {
                out.push(
                    Diagnostic::error(
                        code.span.clone(),
                        "status code 200 is set twice",
                        "`status` and `headers` already shape the 200 answers",
                    )
                    .with_help("move these keys into `headers`/`status`, or write every 200 key here and drop the short form"),
                );
            }
        }
        _ => {
            let known = ["status", "headers"];
            let d = Diagnostic::error(
                code.span.clone(),
                format!("`{}` is not an integration status code", code.value),
                "response parameters are keyed by the integration's status code, 200-599",
            );
            out.push(match did_you_mean(&code.value, &known) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(
                    "write `status = 202` and `headers = { ... }` for 200 answers, or \"500\" = { \"overwrite:statuscode\" = \"503\" }",
                ),
            });
        }
    }
}

/// A value: 1-512 characters (botocore apigatewayv2 `IntegrationParameters` values, the shape of
/// each status code's map), static or a response mapping source; a static status is 200-599.
fn check_value(value: &Sp<String>, key: &ResponseKey, out: &mut Vec<Diagnostic>) {
    let length = value.value.chars().count();
    if length == 0 || length > 512 {
        out.push(
            Diagnostic::error(
                value.span.clone(),
                "response parameter value out of range",
                format!("a value is 1-512 characters; this one has {length}"),
            )
            .with_help(match (length, key) {
                (0, ResponseKey::Remove(_)) => {
                    "a remove still needs a value: write \"''\" as the guide's examples do"
                }
                (0, _) => "give it a value, or remove the key",
                _ => "map the value from the answer instead, e.g. $response.body.executionArn",
            }),
        );
        return;
    }
    let parsed = match rules::parse_mapping(&value.value) {
        Ok(m) => m,
        Err(e) => {
            let d = Diagnostic::error(
                value.span.clone(),
                format!("invalid mapping expression `{}`", value.value),
                e.reason,
            );
            out.push(match e.help {
                Some(h) => d.with_help(h),
                None => d,
            });
            return;
        }
    };
    if parsed.variables().iter().any(|v| v.is_request()) {
        // The guide's response mapping values are the answer's headers and body, context
        // variables, stage variables and static values: no `$request`.
        out.push(
            Diagnostic::error(
                value.span.clone(),
                format!("`{}` reads the request", value.value),
                "response parameters read the integration's answer, $context and $stageVariables",
            )
            .with_help("use $response.body.PATH, $response.header.NAME or $context.requestId, ..."),
        );
        return;
    }
    if *key == ResponseKey::StatusCode
        && let Mapping::Static(text) = &parsed
        && !text.parse::<u16>().is_ok_and(|n| (200..=599).contains(&n))
    {
        out.push(
            Diagnostic::error(
                value.span.clone(),
                "status code out of range",
                format!("`{text}` is not an HTTP status 200-599"),
            )
            .with_help("write the status as digits, e.g. \"202\""),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(toml_text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let (file, diags) = crate::stack::load::parse(toml_text);
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        for route in &file.routes {
            validate(route, &mut out);
        }
        out.iter()
            .map(|d| format!("{}: {}", d.message, d.label))
            .collect()
    }

    fn route(response: &str) -> String {
        format!(
            "[stack]\nname = \"s\"\n[api]\nname = \"a\"\n[role]\nname = \"r\"\npolicy_name = \"p\"\n\
             [[route]]\nkey = \"POST /x\"\naction = \"StartExecution\"\nstate_machine = \"m\"\nresponse = {response}\n"
        )
    }

    #[test]
    fn the_walkthrough_short_form_is_a_202_with_location_under_200() {
        let (file, _) = crate::stack::load::parse(&route(
            "{ status = 202, headers = { Location = \"$response.body.executionArn\" } }",
        ));
        let section = file.routes[0].response.as_ref().expect("response");
        let want: ResponseParameters = BTreeMap::from([(
            "200".to_string(),
            BTreeMap::from([
                (
                    "overwrite:header.Location".to_string(),
                    "$response.body.executionArn".to_string(),
                ),
                ("overwrite:statuscode".to_string(), "202".to_string()),
            ]),
        )]);
        assert_eq!(desired(section), want);
        assert!(
            problems(&route(
                "{ status = 202, headers = { Location = \"$response.body.executionArn\" } }"
            ))
            .is_empty()
        );
    }

    #[test]
    fn the_guides_example_is_accepted_as_written() {
        // "Change the response from an integration" in "Transforming API requests and responses".
        let text = route(
            r#"{ "500" = { "append:header.header1" = "$context.requestId", "overwrite:statuscode" = "403" }, "404" = { "append:header.error" = "$stageVariables.environmentId" }, "200" = { "remove:header.header1" = "''" } }"#,
        );
        assert_eq!(problems(&text), Vec::<String>::new());
    }

    #[test]
    fn reserved_headers_are_refused_whatever_their_case() {
        for name in [
            "Access-Control-Allow-Origin",
            "X-Amz-Date",
            "x-amzn-RequestId",
            "Content-Length",
            "apigw-x",
            "VIA",
        ] {
            let p = problems(&route(&format!("{{ headers = {{ \"{name}\" = \"x\" }} }}")));
            assert!(p.iter().any(|m| m.contains("reserved header")), "{name}: {p:?}");
        }
        assert!(problems(&route("{ headers = { \"X-Amz-Trace\" = \"x\", Via2 = \"y\" } }")).len() == 1);
    }

    #[test]
    fn malformed_keys_codes_and_values_are_refused() {
        let cases = [
            (
                r#"{ "200" = { "overwrite.statuscode" = "202" } }"#,
                "has no `ACTION:`",
            ),
            (
                r#"{ "200" = { "append:statuscode" = "202" } }"#,
                "only be overwritten",
            ),
            (
                r#"{ "200" = { "ovewrite:header.A" = "x" } }"#,
                "not append, overwrite or remove",
            ),
            (
                r#"{ "200" = { "overwrite:body" = "x" } }"#,
                "is not `header.NAME`",
            ),
            (
                r#"{ "200" = { "overwrite:header.a b" = "x" } }"#,
                "is not a header name",
            ),
            (
                r#"{ "199" = { "overwrite:header.A" = "x" } }"#,
                "not an integration status code",
            ),
            (
                r#"{ "600" = { "overwrite:header.A" = "x" } }"#,
                "not an integration status code",
            ),
            (
                r#"{ "2xx" = { "overwrite:header.A" = "x" } }"#,
                "not an integration status code",
            ),
            (r#"{ status = 700 }"#, "response status out of range"),
            (
                r#"{ status = 202, "200" = { "overwrite:header.A" = "x" } }"#,
                "set twice",
            ),
            (r#"{ "500" = {} }"#, "maps nothing"),
            (r#"{ "200" = { "remove:header.A" = "" } }"#, "value out of range"),
            (
                r#"{ "200" = { "overwrite:statuscode" = "abc" } }"#,
                "status code out of range",
            ),
            (
                r#"{ "200" = { "overwrite:statuscode" = "99" } }"#,
                "status code out of range",
            ),
            (
                r#"{ headers = { A = "$request.body.input" } }"#,
                "reads the request",
            ),
            (
                r#"{ headers = { A = "$respnse.body.x" } }"#,
                "invalid mapping expression",
            ),
            (
                r#"{ headers = { A = "$response.body..x" } }"#,
                "invalid mapping expression",
            ),
        ];
        for (response, expected) in cases {
            let p = problems(&route(response));
            assert!(
                p.iter().any(|m| m.contains(expected)),
                "{response}: expected {expected:?} in {p:?}"
            );
        }
    }

    #[test]
    fn dynamic_status_codes_and_every_source_are_accepted() {
        let text = route(
            r#"{ "400" = { "overwrite:statuscode" = "$response.body.code", "overwrite:header.X-Id" = "${context.requestId}-${response.header.Date}", "append:header.X-Stage" = "$stageVariables.env", "overwrite:header.X-All" = "$response.body" } }"#,
        );
        assert_eq!(problems(&text), Vec::<String>::new());
    }
}
