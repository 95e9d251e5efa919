//! Integration request parameter mapping with HTTP API semantics: each parameter's value is a static
//! string or an expression over the request (`$request.header.X`, `$request.body.input`, ...).

use std::collections::BTreeMap;
use std::fmt;

use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::stack::rules::{JsonStep, Mapping, Part, parse_mapping};

/// How much of the body `$request.body.PATH` looks at: API Gateway cuts the body to its first 100 KB
/// before evaluating a JSONPath, so a larger body usually fails to parse.
pub const BODY_PATH_LIMIT: usize = 102_400;

/// Parameters an integration cannot do without: when their expression gives nothing, the request is
/// rejected instead of the parameter being omitted.
pub const REQUIRED: &[&str] = &["StateMachineArn", "ExecutionArn"];

/// A request as the gateway sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The method as sent, e.g. `POST`.
    pub method: String,
    /// The raw path as sent (percent-encoded), starting with `/`: a named stage's requests
    /// start with `/{stage}` (`$context.path`).
    pub path: String,
    /// The path without the stage, as the routes match it (`$request.path`); the same as `path`
    /// on the `$default` stage.
    pub route_path: String,
    /// The raw query string, without `?`.
    pub raw_query: Option<String>,
    /// Headers as received; names in any case, a name may repeat.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// Path parameters of the matched route, decoded.
    pub path_params: BTreeMap<String, String>,
    /// `$context` variables, e.g. `requestId`, `httpMethod`, `identity.sourceIp`.
    pub context: BTreeMap<String, String>,
    /// `$stageVariables` of the stage.
    pub stage_variables: BTreeMap<String, String>,
}

/// Why a mapping could not be evaluated: which HTTP status API Gateway answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingError {
    /// 400: the request does not provide what the mapping needs.
    BadRequest(String),
    /// 500: the integration is misconfigured.
    Internal(String),
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MappingError::BadRequest(m) | MappingError::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for MappingError {}

/// The query string's pairs, decoded (`%XX` and `+` as space), in order; a key without `=` has an
/// empty value, empty pieces (`a=1&&b=2`) are skipped.
pub fn query_params(raw: Option<&str>) -> Vec<(String, String)> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    raw.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (decode_query(key), decode_query(value))
        })
        .collect()
}

fn decode_query(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Evaluates an integration's request parameters (name -> value or expression) against a request,
/// with HTTP API semantics.
///
/// A parameter whose expression gives nothing (missing header, query key, path or context variable,
/// a body path that selects nothing, an empty body for `$request.body`) is omitted, except those in
/// [`REQUIRED`], which give [`MappingError::BadRequest`]. A body that `$request.body.PATH` cannot
/// parse as JSON (after the cut to [`BODY_PATH_LIMIT`] bytes) and a body `$request.body` cannot read
/// as UTF-8 are bad requests too. An expression that does not parse is [`MappingError::Internal`],
/// checked before anything is evaluated.
pub fn evaluate(
    parameters: &BTreeMap<String, String>,
    request: &Request,
) -> Result<BTreeMap<String, String>, MappingError> {
    let parsed = parameters
        .iter()
        .map(|(name, expression)| {
            parse_mapping(expression)
                .map(|m| (name, expression, m))
                .map_err(|e| {
                    MappingError::Internal(format!(
                        "request parameter `{name}` has an invalid mapping `{expression}`: {}",
                        e.reason
                    ))
                })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut body = Body::new(request, None);
    let mut out = BTreeMap::new();
    for (name, expression, mapping) in parsed {
        let value = body.value(mapping)?;
        match value {
            Some(v) => {
                out.insert(name.clone(), v);
            }
            None if REQUIRED.contains(&name.as_str()) => {
                return Err(MappingError::BadRequest(format!(
                    "required request parameter `{name}` has no value: `{expression}` gives nothing for this request"
                )));
            }
            None => {}
        }
    }
    Ok(out)
}

/// The integration's answer, as response parameters read it (`$response.header.NAME`,
/// `$response.body[.PATH]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The integration's status.
    pub status: u16,
    /// Its headers; names in any case.
    pub headers: Vec<(String, String)>,
    /// Its body bytes.
    pub body: Vec<u8>,
}

/// Evaluates one value of a response parameter against the request and the integration's
/// answer; `None` when a bare variable gives nothing.
pub fn evaluate_response_value(
    mapping: Mapping,
    request: &Request,
    answer: &Answer,
) -> Result<Option<String>, MappingError> {
    Body::new(request, Some(answer)).value(mapping)
}

/// A request (and, for response parameters, the integration's answer) with bodies parsed as JSON
/// once, when a body path first needs them.
struct Body<'r> {
    request: &'r Request,
    json: Option<Value>,
    answer: Option<&'r Answer>,
    answer_json: Option<Value>,
}

impl<'r> Body<'r> {
    fn new(request: &'r Request, answer: Option<&'r Answer>) -> Self {
        Body {
            request,
            json: None,
            answer,
            answer_json: None,
        }
    }

    /// A whole value: a composed one's text with each variable's value (a variable that gives
    /// nothing adds nothing; the text stays), or one variable's value.
    fn value(&mut self, mapping: Mapping) -> Result<Option<String>, MappingError> {
        match mapping {
            Mapping::Composed(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        Part::Text(t) => text.push_str(&t),
                        Part::Variable(v) => text.push_str(&self.variable(v)?.unwrap_or_default()),
                    }
                }
                Ok(Some(text))
            }
            other => self.variable(other),
        }
    }

    /// A `$response` variable: the integration's answer's header or body.
    fn answer_variable(&mut self, mapping: Mapping) -> Result<Option<String>, MappingError> {
        let Some(answer) = self.answer else {
            return Err(MappingError::Internal(
                "a request parameter reads $response, which exists only once the integration has answered"
                    .into(),
            ));
        };
        Ok(match mapping {
            Mapping::ResponseHeader(name) => {
                let values: Vec<&str> = answer
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(&name))
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Mapping::ResponseBodyPath(steps) => {
                if self.answer_json.is_none() {
                    self.answer_json = serde_json::from_slice::<Value>(&answer.body).ok();
                }
                self.answer_json
                    .as_ref()
                    .and_then(|root| select(root, &steps))
                    .map(|v| match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
            }
            _ => (!answer.body.is_empty()).then(|| String::from_utf8_lossy(&answer.body).into_owned()),
        })
    }
    /// The value of one variable (or static text) for this request; `None` when it gives nothing.
    fn variable(&mut self, mapping: Mapping) -> Result<Option<String>, MappingError> {
        let request = self.request;
        Ok(match mapping {
            Mapping::Static(s) => Some(s),
            Mapping::Header(header) => {
                let values: Vec<&str> = request
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(&header))
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            Mapping::QueryString(key) => {
                let values: Vec<String> = query_params(request.raw_query.as_deref())
                    .into_iter()
                    .filter(|(k, _)| *k == key)
                    .map(|(_, v)| v)
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            // "$request.path": the request path without the stage (developer guide, "Transform
            // API requests and responses for HTTP APIs"); `$context.path` keeps it.
            Mapping::RequestPath => Some(request.route_path.clone()),
            Mapping::Path(param) => request.path_params.get(&param).cloned(),
            Mapping::Body => {
                if request.body.is_empty() {
                    None
                } else {
                    let text = std::str::from_utf8(&request.body).map_err(|_| {
                        MappingError::BadRequest("request body is not valid UTF-8 text".into())
                    })?;
                    Some(text.to_string())
                }
            }
            Mapping::BodyPath(steps) => {
                if self.json.is_none() {
                    let cut = &request.body[..request.body.len().min(BODY_PATH_LIMIT)];
                    let parsed = serde_json::from_slice::<Value>(cut)
                        .map_err(|_| MappingError::BadRequest("request body is not JSON".into()))?;
                    self.json = Some(parsed);
                }
                self.json
                    .as_ref()
                    .and_then(|root| select(root, &steps))
                    .map(|v| match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    })
            }
            Mapping::Context(var) => request.context.get(&var).cloned(),
            Mapping::StageVariable(var) => request.stage_variables.get(&var).cloned(),
            m @ (Mapping::ResponseHeader(_) | Mapping::ResponseBody | Mapping::ResponseBodyPath(_)) => {
                return self.answer_variable(m);
            }
            Mapping::Composed(_) => {
                return Err(MappingError::Internal(
                    "a composed value inside a composed value".into(),
                ));
            }
        })
    }
}

/// Follows a JSONPath; `None` when it selects nothing. A path with a wildcard, slice or union
/// selects a list, given as a JSON array of the matches (an empty one selects nothing).
fn select(root: &Value, steps: &[JsonStep]) -> Option<Value> {
    let definite = steps
        .iter()
        .all(|s| matches!(s, JsonStep::Field(_) | JsonStep::Index(_)));
    let mut current: Vec<&Value> = vec![root];
    for step in steps {
        current = current.into_iter().flat_map(|v| apply(v, step)).collect();
    }
    if definite {
        current.first().map(|v| (*v).clone())
    } else if current.is_empty() {
        None
    } else {
        Some(Value::Array(current.into_iter().cloned().collect()))
    }
}

/// The values one step selects from `value`.
fn apply<'a>(value: &'a Value, step: &JsonStep) -> Vec<&'a Value> {
    let index = |len: usize, i: i64| -> Option<usize> {
        let len = i64::try_from(len).ok()?;
        let i = if i < 0 { len + i } else { i };
        (0..len).contains(&i).then(|| usize::try_from(i).ok()).flatten()
    };
    match (step, value) {
        (JsonStep::Field(name), Value::Object(map)) => map.get(name).into_iter().collect(),
        (JsonStep::Index(i), Value::Array(items)) => {
            index(items.len(), *i).map(|i| &items[i]).into_iter().collect()
        }
        (JsonStep::Wildcard, Value::Array(items)) => items.iter().collect(),
        (JsonStep::Wildcard, Value::Object(map)) => map.values().collect(),
        (JsonStep::Slice { start, end, step }, Value::Array(items)) => {
            let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
            let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
            let (from, to) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(len)));
            let stride = usize::try_from(step.unwrap_or(1)).unwrap_or(1).max(1);
            (from..to)
                .step_by(stride)
                .filter_map(|i| usize::try_from(i).ok().and_then(|i| items.get(i)))
                .collect()
        }
        (JsonStep::Union(items), v) => items.iter().flat_map(|s| apply(v, s)).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:m";
    const BODY: &str = r#"{"input":{"name":"Ann","tags":["x","y"]},"name":"exec-1","items":[{"id":1},{"id":"two"}],"flag":true,"nothing":null,"n":1.5,"msg":"he said \"hi\"","a b":"spaced"}"#;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn request() -> Request {
        Request {
            method: "POST".into(),
            path: "/prod/users/42".into(),
            route_path: "/users/42".into(),
            raw_query: Some("a=1&b=x+y&a=2&enc=%26%3D%2B%20&empty=".into()),
            headers: vec![
                ("X-Trace".into(), "t1".into()),
                ("Content-Type".into(), "application/json".into()),
                ("x-trace".into(), "t2".into()),
                ("X-List".into(), "a,b".into()),
            ],
            body: BODY.as_bytes().to_vec(),
            path_params: map(&[("id", "42")]),
            context: map(&[("requestId", "req-1"), ("identity.sourceIp", "127.0.0.1")]),
            stage_variables: map(&[("machine", ARN)]),
        }
    }

    enum Want {
        Ok(&'static [(&'static str, &'static str)]),
        Bad(&'static str),
        Internal(&'static str),
    }

    fn no_change(_: &mut Request) {}

    type Edit = Box<dyn Fn(&mut Request)>;
    type Pairs = &'static [(&'static str, &'static str)];
    type Case = (&'static str, Pairs, Edit, Want);

    fn set_body(b: String) -> Edit {
        Box::new(move |r: &mut Request| r.body = b.clone().into_bytes())
    }

    /// Evaluates each case's parameters on the sample request (after the case's edit).
    fn check(table: Vec<Case>) {
        for (what, parameters, edit, want) in table {
            let mut req = request();
            edit(&mut req);
            let got = evaluate(&map(parameters), &req);
            match (want, got) {
                (Want::Ok(pairs), Ok(got)) => assert_eq!(got, map(pairs), "{what}"),
                (Want::Bad(needle), Err(MappingError::BadRequest(m)))
                | (Want::Internal(needle), Err(MappingError::Internal(m))) => {
                    assert!(m.contains(needle), "{what}: `{m}` should mention `{needle}`")
                }
                (_, got) => panic!("{what}: unexpected {got:?}"),
            }
        }
    }

    /// Static values, headers, the query string, path parameters, the context and stage variables.
    #[test]
    fn request_parameters_are_evaluated_like_http_apis() {
        let table: Vec<Case> = vec![
            (
                "static values pass through",
                &[("StateMachineArn", ARN), ("Name", "fixed name")],
                Box::new(no_change),
                Want::Ok(&[("Name", "fixed name"), ("StateMachineArn", ARN)]),
            ),
            (
                "headers: any case, duplicates comma-joined, comma lists kept",
                &[
                    ("TraceHeader", "$request.header.X-TRACE"),
                    ("List", "$request.header.x-list"),
                    ("Type", "$request.header.content-type"),
                    ("Missing", "$request.header.X-Missing"),
                ],
                Box::new(no_change),
                Want::Ok(&[
                    ("List", "a,b"),
                    ("TraceHeader", "t1,t2"),
                    ("Type", "application/json"),
                ]),
            ),
            (
                "querystring: decoded, repeated keys comma-joined",
                &[
                    ("A", "$request.querystring.a"),
                    ("B", "$request.querystring.b"),
                    ("Enc", "$request.querystring.enc"),
                    ("Empty", "$request.querystring.empty"),
                    ("Missing", "$request.querystring.A"),
                ],
                Box::new(no_change),
                Want::Ok(&[("A", "1,2"), ("B", "x y"), ("Empty", ""), ("Enc", "&=+ ")]),
            ),
            (
                "no query string at all",
                &[("A", "$request.querystring.a")],
                Box::new(|r: &mut Request| r.raw_query = None),
                Want::Ok(&[]),
            ),
            (
                "path parameters",
                &[("Id", "$request.path.id"), ("Missing", "$request.path.other")],
                Box::new(no_change),
                Want::Ok(&[("Id", "42")]),
            ),
            (
                "context and stage variables",
                &[
                    ("Id", "$context.requestId"),
                    ("Ip", "$context.identity.sourceIp"),
                    ("StateMachineArn", "$stageVariables.machine"),
                    ("Gone", "$context.authorizer.claims.sub"),
                    ("AlsoGone", "$stageVariables.other"),
                ],
                Box::new(no_change),
                Want::Ok(&[("Id", "req-1"), ("Ip", "127.0.0.1"), ("StateMachineArn", ARN)]),
            ),
        ];
        check(table);
    }

    /// `$request.body` and its JSONPath selections.
    #[test]
    fn body_parameters_are_evaluated_like_http_apis() {
        let table: Vec<Case> = vec![
            (
                "body object -> compact JSON text, body string -> raw",
                &[
                    ("Input", "$request.body.input"),
                    ("Name", "$request.body.name"),
                    ("Msg", "$request.body.msg"),
                ],
                Box::new(no_change),
                Want::Ok(&[
                    ("Input", r#"{"name":"Ann","tags":["x","y"]}"#),
                    ("Msg", r#"he said "hi""#),
                    ("Name", "exec-1"),
                ]),
            ),
            (
                "nested paths, array index, bracket names, scalars as JSON",
                &[
                    ("Tag", "$request.body.input.tags[1]"),
                    ("Tags", "$request.body.input.tags"),
                    ("Id0", "$request.body.items[0].id"),
                    ("Id1", "$request.body.items[1].id"),
                    ("Quoted", "$request.body['input']['name']"),
                    ("Spaced", "$request.body['a b']"),
                    ("Flag", "$request.body.flag"),
                    ("Null", "$request.body.nothing"),
                    ("N", "$request.body.n"),
                ],
                Box::new(no_change),
                Want::Ok(&[
                    ("Flag", "true"),
                    ("Id0", "1"),
                    ("Id1", "two"),
                    ("N", "1.5"),
                    ("Null", "null"),
                    ("Quoted", "Ann"),
                    ("Spaced", "spaced"),
                    ("Tag", "y"),
                    ("Tags", r#"["x","y"]"#),
                ]),
            ),
            (
                "paths that select nothing are omitted",
                &[
                    ("A", "$request.body.input.missing"),
                    ("B", "$request.body.items[5]"),
                    ("C", "$request.body.name.x"),
                    ("D", "$request.body.input[0]"),
                    ("Name", "$request.body.name"),
                ],
                Box::new(no_change),
                Want::Ok(&[("Name", "exec-1")]),
            ),
            (
                "a JSON string body: whole body is its JSON text, a field of it is nothing",
                &[("Input", "$request.body"), ("Name", "$request.body.name")],
                Box::new(|r: &mut Request| r.body = br#""just text""#.to_vec()),
                Want::Ok(&[("Input", r#""just text""#)]),
            ),
            (
                "whole body as text",
                &[("Input", "$request.body")],
                Box::new(no_change),
                Want::Ok(&[("Input", BODY)]),
            ),
            (
                "whole body need not be JSON",
                &[("Input", "$request.body")],
                Box::new(|r: &mut Request| r.body = b"plain, not JSON".to_vec()),
                Want::Ok(&[("Input", "plain, not JSON")]),
            ),
            (
                "empty body: $request.body gives nothing",
                &[("Input", "$request.body")],
                Box::new(|r: &mut Request| r.body.clear()),
                Want::Ok(&[]),
            ),
            (
                "whole body must be UTF-8",
                &[("Input", "$request.body")],
                Box::new(|r: &mut Request| r.body = vec![b'{', 0xff, b'}']),
                Want::Bad("UTF-8"),
            ),
            (
                "body path needs a JSON body",
                &[("Input", "$request.body.input")],
                Box::new(|r: &mut Request| r.body = b"plain, not JSON".to_vec()),
                Want::Bad("request body is not JSON"),
            ),
            (
                "body path on an empty body",
                &[("Input", "$request.body.input")],
                Box::new(|r: &mut Request| r.body.clear()),
                Want::Bad("request body is not JSON"),
            ),
            (
                "no body path, no JSON needed",
                &[("Id", "$request.path.id")],
                Box::new(|r: &mut Request| r.body = b"plain".to_vec()),
                Want::Ok(&[("Id", "42")]),
            ),
        ];
        check(table);
    }

    /// Body paths see the first 100 KB of the body only.
    #[test]
    fn the_body_is_read_up_to_100_kb_like_http_apis() {
        let big_string = format!(r#"{{"input":"{}"}}"#, "x".repeat(BODY_PATH_LIMIT));
        let big_padding = format!(r#"{{"input":{{"k":1}}}}{}"#, " ".repeat(2 * BODY_PATH_LIMIT));
        let padded = |n: usize| format!(r#"{{"input":"ok","pad":"{}"}}"#, "x".repeat(n));
        let exact = padded(BODY_PATH_LIMIT - 23);
        assert_eq!(exact.len(), BODY_PATH_LIMIT);
        let over = padded(BODY_PATH_LIMIT - 22);
        let table: Vec<Case> = vec![
            (
                "100 KB cut: a larger JSON body no longer parses",
                &[("Input", "$request.body.input")],
                set_body(big_string),
                Want::Bad("request body is not JSON"),
            ),
            (
                "100 KB cut: one byte over the limit",
                &[("Input", "$request.body.input")],
                set_body(over),
                Want::Bad("request body is not JSON"),
            ),
            (
                "100 KB cut: exactly the limit still parses",
                &[("Input", "$request.body.input")],
                set_body(exact),
                Want::Ok(&[("Input", "ok")]),
            ),
            (
                "100 KB cut: cut, not rejected (JSON then padding)",
                &[
                    ("Input", "$request.body.input"),
                    ("Whole", "$request.body.missing"),
                ],
                set_body(big_padding),
                Want::Ok(&[("Input", r#"{"k":1}"#)]),
            ),
        ];
        check(table);
    }

    /// A required parameter that gives nothing is a bad request; an invalid expression a misconfiguration.
    #[test]
    fn missing_required_and_invalid_parameters_are_refused_like_http_apis() {
        let table: Vec<Case> = vec![
            (
                "required StateMachineArn missing",
                &[
                    ("StateMachineArn", "$request.header.X-Machine"),
                    ("Input", "$request.body"),
                ],
                Box::new(no_change),
                Want::Bad("StateMachineArn"),
            ),
            (
                "required ExecutionArn missing",
                &[
                    ("ExecutionArn", "$request.body.executionArn"),
                    ("Cause", "$request.body.name"),
                ],
                Box::new(no_change),
                Want::Bad("ExecutionArn"),
            ),
            (
                "required from a present header",
                &[("ExecutionArn", "$request.header.x-trace")],
                Box::new(no_change),
                Want::Ok(&[("ExecutionArn", "t1,t2")]),
            ),
            (
                "invalid expression is a misconfiguration",
                &[("Input", "$request.bdy.input")],
                Box::new(no_change),
                Want::Internal("Input"),
            ),
            (
                "invalid expression wins over a bad request",
                &[
                    ("StateMachineArn", "$request.header.none"),
                    ("Zed", "$request.body..x"),
                ],
                Box::new(|r: &mut Request| r.body = b"not json".to_vec()),
                Want::Internal("Zed"),
            ),
        ];
        check(table);
    }

    /// Composed values ("enclose the variable in brackets"): text kept, each variable evaluated as
    /// a bare one is, a variable that gives nothing adds nothing.
    #[test]
    fn composed_values_are_evaluated() {
        type Pairs = &'static [(&'static str, &'static str)];
        let table: &[(&str, Pairs, Pairs)] = &[
            (
                "the issue's Name",
                &[("Name", "order-${request.path.id}-${context.requestId}")],
                &[("Name", "order-42-req-1")],
            ),
            (
                "bracketed bare variable equals the unbracketed one",
                &[("A", "${request.body.input}"), ("B", "$request.body.input")],
                &[
                    ("A", r#"{"name":"Ann","tags":["x","y"]}"#),
                    ("B", r#"{"name":"Ann","tags":["x","y"]}"#),
                ],
            ),
            (
                "headers, query strings, stage variables and JSON inside text",
                &[(
                    "Input",
                    r#"{"id":"${request.path.id}","q":"${request.querystring.a}","t":${request.body.input.tags}}"#,
                )],
                &[("Input", r#"{"id":"42","q":"1,2","t":["x","y"]}"#)],
            ),
            (
                "a missing variable adds nothing",
                &[("Name", "x-${request.header.X-Missing}-y")],
                &[("Name", "x--y")],
            ),
            (
                "a required parameter from text is never empty-handed",
                &[("StateMachineArn", "${stageVariables.machine}")],
                &[("StateMachineArn", ARN)],
            ),
            (
                "the whole path without the stage, and wildcards give a JSON array",
                &[
                    ("P", "$request.path"),
                    ("Ids", "$request.body.items[*].id"),
                    ("Last", "$request.body.items[-1].id"),
                    ("None", "$request.body.items[5:9]"),
                ],
                &[("Ids", r#"[1,"two"]"#), ("Last", "two"), ("P", "/users/42")],
            ),
        ];
        for (what, parameters, want) in table {
            let got = evaluate(&map(parameters), &request()).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(got, map(want), "{what}");
        }
        // A body variable inside text still needs a JSON body.
        let mut req = request();
        req.body = b"not json".to_vec();
        assert_eq!(
            evaluate(&map(&[("Name", "n-${request.body.name}")]), &req),
            Err(MappingError::BadRequest("request body is not JSON".into()))
        );
        // A malformed composed value is the integration's fault.
        assert!(matches!(
            evaluate(&map(&[("Name", "n-${request.path.id")]), &request()),
            Err(MappingError::Internal(_))
        ));
    }

    #[test]
    fn query_strings_are_decoded_in_order() {
        type Pairs = &'static [(&'static str, &'static str)];
        let table: &[(Option<&str>, Pairs)] = &[
            (None, &[]),
            (Some(""), &[]),
            (Some("a=1&b"), &[("a", "1"), ("b", "")]),
            (Some("a=1&&a=2&"), &[("a", "1"), ("a", "2")]),
            (Some("x+y=%20%2B+"), &[("x y", " + ")]),
            (Some("k=v=w"), &[("k", "v=w")]),
            (Some("%E2%9C%93=%FF"), &[("✓", "\u{FFFD}")]),
            (Some("=v"), &[("", "v")]),
        ];
        for (raw, want) in table {
            let want: Vec<(String, String)> =
                want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            assert_eq!(query_params(*raw), want, "{raw:?}");
        }
    }

    #[test]
    fn errors_display_their_message() {
        assert_eq!(MappingError::BadRequest("no".into()).to_string(), "no");
        assert_eq!(MappingError::Internal("bad".into()).to_string(), "bad");
    }
}
