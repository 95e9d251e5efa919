//! What `up` reports once a stack is applied: the API, the role, the stage, and how to call
//! each route. Pure: built from the stack and the ids AWS returned, printed by
//! [`crate::render::Printer::outputs`].

use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::{Action, Authorization, StageName};
use crate::resource::authorizer::spec::TokenSource;
use crate::stack::Desired;
use crate::stack::desired::DesiredRoute;
use crate::stack::rules::{JsonStep, Mapping, references};

/// The outputs of an applied stack.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outputs {
    /// The HTTP API's id.
    pub api_id: String,
    /// The role API Gateway assumes.
    pub role_arn: Option<String>,
    /// The stage name.
    pub stage: String,
    /// Each route, with its URL and a command that calls it.
    pub routes: Vec<RouteOutput>,
}

/// How to call one route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteOutput {
    /// The route key, `METHOD /path`.
    pub route: String,
    /// The URL the route answers on.
    pub invoke_url: String,
    /// A `curl` command that calls it.
    pub curl: String,
    /// What a shell variable in the URL stands for (a status route's execution), printed as a
    /// comment above the `curl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The base URL of a stage: the API's endpoint (or the default `execute-api` host when AWS did
/// not say), with `/STAGE` for a named stage; `$default` is served at the root (API Gateway
/// developer guide, "Working with stages for HTTP APIs").
pub fn invoke_base(endpoint: Option<&str>, api_id: &str, region: &str, stage: &str) -> String {
    let endpoint = endpoint
        .map(|e| e.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("https://{api_id}.execute-api.{region}.amazonaws.com"));
    if StageName::is_default_name(stage) {
        endpoint
    } else {
        format!("{endpoint}/{stage}")
    }
}

/// The outputs of `desired` once applied as `api_id` (at `endpoint`) with the role `role_arn`.
/// `session_token`: the caller's credentials carry one (SSO, an assumed role), so a signed
/// request must send it too.
pub fn outputs(
    desired: &Desired,
    api_id: &str,
    endpoint: Option<&str>,
    role_arn: Option<&str>,
    region: &str,
    session_token: bool,
) -> Outputs {
    let base = invoke_base(endpoint, api_id, region, &desired.stage.name);
    let routes = desired
        .routes
        .iter()
        .map(|route| {
            let (method, path) = route.key.split_once(' ').unwrap_or(("ANY", "/"));
            let status = status_parameter(desired, route);
            let invoke_url = format!("{base}{}", example_path(path, status.as_ref()));
            let call = Call {
                method,
                url: &invoke_url,
                region,
                session_token,
            };
            RouteOutput {
                route: route.key.clone(),
                curl: curl(desired, route, &call),
                invoke_url,
                hint: status.map(|s| s.hint),
            }
        })
        .collect();
    Outputs {
        api_id: api_id.to_string(),
        role_arn: role_arn.map(str::to_string),
        stage: desired.stage.name.to_string(),
        routes,
    }
}

/// A path with each `{param}` filled in: a status route's execution parameter with its shell
/// variable, any other with a placeholder a shell leaves alone.
fn example_path(path: &str, status: Option<&StatusParameter>) -> String {
    path.split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => match status.filter(|s| s.name == name) {
                    Some(status) => format!("${}", status.variable),
                    None => format!("example-{}", name.trim_end_matches('+')),
                },
                None => segment.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

/// The path parameter a status route reads the execution from (docs/stack-format.md, "A status
/// route"): its name, the shell variable the Try line puts in its place, and what it holds.
struct StatusParameter {
    name: String,
    variable: &'static str,
    hint: String,
}

/// A status route's execution parameter, when `route` is one and reads the execution's ARN or
/// name from the path. The helper's `Input` says which: `{"executionArn":
/// "${request.path.P}"}` takes the whole ARN, `...:execution:MACHINE:${request.path.P}` its name
/// ([`crate::stack::status_helper::input`]).
fn status_parameter(desired: &Desired, route: &DesiredRoute) -> Option<StatusParameter> {
    let described = desired
        .state_machines
        .iter()
        .find(|m| m.arn() == route.state_machine)?
        .describes
        .as_deref()?;
    let input = route.integration.parameters.get("Input")?;
    let name = references(input).into_iter().find_map(|m| match m {
        Mapping::Path(name) => Some(name),
        _ => None,
    })?;
    let executions = desired
        .machine(described)
        .and_then(|m| crate::arn::parse_state_machine_arn(&m.arn()).ok())
        .map(|arn| arn.executions().trim_end_matches('*').to_string())?;
    let started_by: Vec<&str> = desired
        .routes
        .iter()
        .filter(|r| r.integration.action == Action::StartExecution)
        .filter(|r| crate::arn::parse_state_machine_arn(&r.state_machine).is_ok_and(|a| a.name == described))
        .map(|r| r.key.as_str())
        .collect();
    let started = match started_by.as_slice() {
        [] => String::new(),
        keys => format!("; {} answers with one", keys.join(" or ")),
    };
    let by_arn = input.contains(&format!("\"${{request.path.{name}}}\""));
    let (variable, hint) = match by_arn {
        true => (
            "EXECUTION_ARN",
            format!("$EXECUTION_ARN: the ARN of an execution of {described}, {executions}NAME{started}"),
        ),
        false => (
            "EXECUTION_NAME",
            format!(
                "$EXECUTION_NAME: the name of an execution of {described}, the end of its ARN {executions}NAME{started}"
            ),
        ),
    };
    Some(StatusParameter { name, variable, hint })
}

/// What a call to the route sends when the user gives no body: the route's `example`, else
/// [`example_body`]; `None` for methods that carry no body here (GET, HEAD, DELETE). `up`'s Try
/// lines and `invoke` both send it.
pub fn default_body(route: &DesiredRoute, method: &str) -> Option<Value> {
    if matches!(method, "GET" | "HEAD" | "DELETE") {
        return None;
    }
    route
        .example
        .clone()
        .or_else(|| example_body(&route.integration.parameters))
}

/// A body that gives the route's mappings something to read: each `$request.body.PATH` (bare or
/// inside `${...}`) gets a value, an empty object for `Input` and a placeholder string for the
/// rest; a route that maps the whole body sends `{}`.
pub fn example_body(parameters: &std::collections::BTreeMap<String, String>) -> Option<Value> {
    let mut body = Value::Object(Default::default());
    let mut reads_body = false;
    for (key, value) in parameters {
        for path in body_paths(value) {
            reads_body = true;
            let leaf = if key == "Input" {
                json!({})
            } else {
                json!(format!("<{key}>"))
            };
            insert_path(&mut body, &path, leaf);
        }
    }
    reads_body.then_some(body)
}

/// The body paths a mapping value reads, read by the one mapping parser: `$request.body.a.b` and
/// `${request.body.a.b}` give `["a", "b"]`; `$request.body` gives `[]`. A path goes as far as its
/// named steps (an index or a wildcard ends it: the example body gets the named part).
fn body_paths(value: &str) -> Vec<Vec<String>> {
    references(value)
        .into_iter()
        .filter_map(|m| match m {
            Mapping::Body => Some(Vec::new()),
            Mapping::BodyPath(steps) => Some(
                steps
                    .iter()
                    .map_while(|s| match s {
                        JsonStep::Field(name) => Some(name.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

fn insert_path(body: &mut Value, path: &[String], leaf: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = body;
    for name in parents {
        if !at.get(name).is_some_and(Value::is_object) {
            at[name.as_str()] = json!({});
        }
        at = &mut at[name.as_str()];
    }
    if at.is_object() {
        at[last.as_str()] = leaf;
    }
}

/// What a `curl` needs besides the route.
struct Call<'a> {
    method: &'a str,
    url: &'a str,
    region: &'a str,
    session_token: bool,
}

fn curl(desired: &Desired, route: &DesiredRoute, call: &Call<'_>) -> String {
    let method = match call.method {
        "ANY" => "POST",
        m => m,
    };
    let body = default_body(route, method);
    let mut url = call.url.to_string();
    let mut curl = match &body {
        Some(b) => format!(
            "curl -X {method} '{{URL}}' -H 'content-type: application/json' -d '{}'",
            // A `'` inside single quotes is written as `'\''` in a POSIX shell.
            b.to_string().replace('\'', "'\\''")
        ),
        None => format!("curl -X {method} '{{URL}}'"),
    };
    match route.authorization {
        Authorization::Jwt => {
            let source = route
                .authorizer
                .as_ref()
                .and_then(|name| desired.authorizers.iter().find(|a| &a.name == name))
                .map(|a| a.token_source())
                .unwrap_or_default();
            match source {
                TokenSource::QueryString(name) => url.push_str(&format!("?{name}=$TOKEN")),
                TokenSource::Header(header) => curl.push_str(&format!(" -H \"{header}: Bearer $TOKEN\"")),
            }
        }
        Authorization::AwsIam => {
            curl.push_str(&format!(
                " --aws-sigv4 'aws:amz:{}:execute-api' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"",
                call.region
            ));
            if call.session_token {
                curl.push_str(" -H \"x-amz-security-token: $AWS_SESSION_TOKEN\"");
            }
        }
        Authorization::None | Authorization::Custom => {}
    }
    // A URL with `$TOKEN` in it must be double-quoted for the shell to fill it in.
    if url.contains('$') {
        curl.replace("'{URL}'", &format!("\"{url}\""))
    } else {
        curl.replace("{URL}", &url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_example_body_satisfies_each_body_mapping() {
        assert_eq!(
            example_body(&params(&[("Input", "$request.body.input")])),
            Some(json!({"input": {}}))
        );
        assert_eq!(
            example_body(&params(&[("Input", "$request.body")])),
            Some(json!({}))
        );
        assert_eq!(
            example_body(&params(&[
                ("ExecutionArn", "$request.body.executionArn"),
                ("Name", "order-${request.body.order.id}-${context.requestId}"),
            ])),
            Some(json!({"executionArn": "<ExecutionArn>", "order": {"id": "<Name>"}}))
        );
        assert_eq!(
            example_body(&params(&[("Input", "$request.querystring.q")])),
            None
        );
    }

    #[test]
    fn path_parameters_get_placeholders() {
        assert_eq!(
            example_path("/orders/{id}/{rest+}", None),
            "/orders/example-id/example-rest"
        );
    }

    #[test]
    fn a_named_stage_is_a_path_prefix_and_default_is_the_root() {
        assert_eq!(
            invoke_base(None, "abc", "eu-west-1", "$default"),
            "https://abc.execute-api.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            invoke_base(Some("http://127.0.0.1:5000/"), "abc", "eu-west-1", "v1"),
            "http://127.0.0.1:5000/v1"
        );
    }

    /// The walkthrough's status route (`stacks/onboarding-walkthrough.toml`), and one by name.
    fn status_stack(parameters: &str) -> crate::stack::BoundDesired {
        let text = format!(
            r#"[stack]
name = "s"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling"]
[api]
name = "s-api"
[role]
name = "s-role"
policy_name = "Invoke"
[[state_machine]]
name = "onboarding"
definition = {{ StartAt = "P", States = {{ P = {{ Type = "Pass", End = true }} }} }}
[[route]]
key = "POST /start"
action = "StartExecution"
state_machine = "onboarding"
[[route]]
key = "GET /onboarding-status/{{execution}}"
action = "DescribeExecution"
state_machine = "onboarding"
parameters = {{ {parameters} }}
"#
        );
        let loaded = crate::stack::from_source(&text);
        let desired = loaded
            .desired
            .unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
        desired.bind(&crate::stack::Binding {
            region: "ap-southeast-2".into(),
            account: Some("111122223333".into()),
        })
    }

    #[test]
    fn a_status_routes_try_line_names_the_execution_it_takes() {
        let desired = status_stack(r#"ExecutionArn = "$request.path.execution""#);
        let out = outputs(&desired, "abc", None, None, "ap-southeast-2", false);
        let status = &out.routes[1];
        let url = "https://abc.execute-api.ap-southeast-2.amazonaws.com/onboarding-status/$EXECUTION_ARN";
        assert_eq!(status.invoke_url, url);
        assert_eq!(status.curl, format!("curl -X GET \"{url}\""));
        assert_eq!(
            status.hint.as_deref(),
            Some(
                "$EXECUTION_ARN: the ARN of an execution of onboarding, \
                 arn:aws:states:ap-southeast-2:111122223333:execution:onboarding:NAME; POST /start answers with one"
            )
        );
        assert_eq!(out.routes[0].hint, None);

        let desired = status_stack(r#"Name = "$request.path.execution""#);
        let out = outputs(&desired, "abc", None, None, "ap-southeast-2", false);
        assert!(
            out.routes[1]
                .curl
                .ends_with("/onboarding-status/$EXECUTION_NAME\""),
            "{:?}",
            out.routes[1]
        );
        assert!(
            out.routes[1]
                .hint
                .as_deref()
                .is_some_and(|h| h.starts_with("$EXECUTION_NAME: the name of an execution of onboarding")),
            "{:?}",
            out.routes[1]
        );
    }
}
