//! What `up` reports once a stack is applied: the API, the role, the stage, and how to call
//! each route. Pure: built from the stack and the ids AWS returned, printed by
//! [`crate::render::Printer::outputs`].

use serde::Serialize;
use serde_json::{Value, json};

use crate::stack::Desired;

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
}

/// The base URL of a stage: the API's endpoint (or the default `execute-api` host when AWS did
/// not say), with `/STAGE` for a named stage; `$default` is served at the root (API Gateway
/// developer guide, "Working with stages for HTTP APIs").
pub fn invoke_base(endpoint: Option<&str>, api_id: &str, region: &str, stage: &str) -> String {
    let endpoint = endpoint
        .map(|e| e.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("https://{api_id}.execute-api.{region}.amazonaws.com"));
    if stage == "$default" {
        endpoint
    } else {
        format!("{endpoint}/{stage}")
    }
}

/// The outputs of `desired` once applied as `api_id` (at `endpoint`) with the role `role_arn`.
pub fn outputs(
    desired: &Desired,
    api_id: &str,
    endpoint: Option<&str>,
    role_arn: Option<&str>,
    region: &str,
) -> Outputs {
    let base = invoke_base(endpoint, api_id, region, &desired.stage.name);
    let routes = desired
        .routes
        .iter()
        .map(|r| {
            let (method, path) = r.key.split_once(' ').unwrap_or(("ANY", "/"));
            let invoke_url = format!("{base}{path}");
            let curl = curl(
                &r.integration.parameters,
                &r.authorization,
                method,
                &invoke_url,
                region,
            );
            RouteOutput {
                route: r.key.clone(),
                invoke_url,
                curl,
            }
        })
        .collect();
    Outputs {
        api_id: api_id.to_string(),
        role_arn: role_arn.map(str::to_string),
        stage: desired.stage.name.clone(),
        routes,
    }
}

/// A body that gives the route's mappings something to read: the walkthrough's sample user,
/// wrapped when the route maps `$request.body.input`; for a route that maps body fields
/// (StopExecution), those fields.
fn example_body(parameters: &std::collections::BTreeMap<String, String>) -> Option<Value> {
    if let Some(input) = parameters.get("Input") {
        let user = sample_user();
        return Some(if input == "$request.body.input" {
            json!({ "input": user })
        } else {
            user
        });
    }
    let fields: serde_json::Map<String, Value> = parameters
        .values()
        .filter_map(|v| v.strip_prefix("$request.body."))
        .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|f| (f.to_string(), json!(format!("<{f}>"))))
        .collect();
    (!fields.is_empty()).then_some(Value::Object(fields))
}

fn curl(
    parameters: &std::collections::BTreeMap<String, String>,
    authorization: &str,
    method: &str,
    url: &str,
    region: &str,
) -> String {
    let body = example_body(parameters);
    let mut curl = match (&body, method) {
        (Some(b), "POST" | "PUT" | "PATCH" | "ANY") => format!(
            "curl -X {} '{url}' -H 'content-type: application/json' -d '{b}'",
            if method == "ANY" { "POST" } else { method }
        ),
        _ => format!("curl -X {} '{url}'", if method == "ANY" { "GET" } else { method }),
    };
    match authorization {
        "JWT" => curl.push_str(" -H \"authorization: Bearer $TOKEN\""),
        "AWS_IAM" => curl.push_str(&format!(
            " --aws-sigv4 'aws:amz:{region}:execute-api' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
        )),
        _ => {}
    }
    curl
}

/// The walkthrough's sample user.
fn sample_user() -> Value {
    json!({"user": {
        "userId": "user-88888",
        "email": "api-gateway@example.com",
        "name": "API Gateway User",
        "signupDate": "2025-11-10T10:30:00Z",
        "source": "web",
        "metadata": {"referralCode": "FRIEND2025", "country": "US"}
    }})
}

#[cfg(test)]
mod tests {
    use super::invoke_base;

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
}
