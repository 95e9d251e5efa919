//! A route as CloudFormation declares it (`AWS::ApiGatewayV2::Route`) and as OpenAPI does (an
//! operation of a path item, with the request its integration reads and the answers it gives);
//! and the `[[route]]` table `import` writes from a live route and its integration.
//!
//! Sources (API Gateway developer guide): "Working with OpenAPI definitions for HTTP APIs",
//! "x-amazon-apigateway-any-method object" (the `$default` route is `/$default` with
//! `isDefaultRoute`), "x-amazon-apigateway-authtype property" (`awsSigv4`).

use std::collections::{BTreeMap, BTreeSet};

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::spec::{DesiredRoute, LiveRoute};
use crate::arn::StateMachineArn;
use crate::domain::{Action, Authorization};
use crate::grant::{SdkCall, When, call};
use crate::resource::authorizer::emit::DocAuthorizer;
use crate::resource::integration::emit::{self as integration, Importing, openapi_output_name};
use crate::resource::integration::spec::LiveIntegration;
use crate::stack::rules::{self, JsonStep, Mapping, RouteKey, references};
use crate::stack::write::{key as toml_key, list, quote, table};

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs: its fragment of the policy `provision policy` prints, assembled by
/// [`crate::deployer`]. API Gateway v2 authorises by HTTP verb on the resource path: GetX is
/// `apigateway:GET`, CreateX `POST`, UpdateX `PATCH`, DeleteX `DELETE` (service authorization
/// reference, "Amazon API Gateway Management V2").
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_routes", &["apigateway:GET"], When::Always),
    call("create_route", &["apigateway:POST"], When::Always),
    call("update_route", &["apigateway:PATCH"], When::Always),
    call("delete_route", &["apigateway:DELETE"], When::Always),
];

/// Whether a route of the stack targets a state machine alias, whose existence the reader checks
/// (DescribeStateMachineAlias): the deployer's row for that call.
pub fn targets_alias(desired: &crate::stack::Desired) -> bool {
    desired.routes.iter().any(|r| {
        crate::arn::parse_state_machine_arn(&r.state_machine)
            .is_ok_and(|m| matches!(m.qualifier, Some(crate::arn::Qualifier::Alias(_))))
    })
}

/// The deployer's statement for the routes' state machines, with `actions` (the `states:`
/// actions of the rows the stack needs beyond its own machines'): each route's ARN as written (a
/// version or alias is described by it) and the machine behind it (its type is read from the
/// unqualified ARN). A machine named without an ARN is in the target's partition, region and
/// account.
pub fn deployer_statement(
    routes: &[DesiredRoute],
    at: &crate::grant::DeployerTarget<'_>,
    actions: &[&str],
) -> Value {
    let machines: BTreeSet<String> = routes
        .iter()
        .flat_map(|r| {
            let written = r
                .state_machine
                .replace(rules::PARTITION_PLACEHOLDER, at.partition)
                .replace(rules::REGION_PLACEHOLDER, at.region)
                .replace(rules::ACCOUNT_PLACEHOLDER, at.account);
            let machine = StateMachineArn::lenient(&written).map(|m| m.machine());
            [Some(written), machine]
        })
        .flatten()
        .collect();
    json!({"Sid": "StateMachines", "Effect": "Allow", "Action": actions, "Resource": machines})
}

/// The route's resource in the API of logical id `api`, targeting the integration of logical id
/// `integration`, with the authorizer of logical id `authorizer` for a JWT route.
pub fn cfn(route: &DesiredRoute, api: &str, integration: &str, authorizer: Option<&String>) -> Value {
    let mut properties = json!({
        "ApiId": {"Ref": api},
        "RouteKey": route.key,
        "AuthorizationType": route.authorization,
        "Target": {"Fn::Join": ["/", ["integrations", {"Ref": integration}]]},
    });
    if let Some(id) = authorizer {
        properties["AuthorizerId"] = json!({"Ref": id});
        if !route.scopes.is_empty() {
            properties["AuthorizationScopes"] = json!(route.scopes);
        }
    }
    json!({"Type": "AWS::ApiGatewayV2::Route", "Properties": properties})
}

/// The path of the route's invoke URL: none for `$default`, which has no path of its own.
fn url_path(route: &DesiredRoute) -> Option<&str> {
    route.key.split_once(' ').map(|(_, path)| path)
}

/// True when the route has an invoke URL of its own (it is not `$default`).
pub fn has_url(route: &DesiredRoute) -> bool {
    url_path(route).is_some()
}

/// The template output of the route's invoke URL, `url` making the URL of its path; none for
/// `$default`.
pub fn cfn_url_output(route: &DesiredRoute, url: &dyn Fn(&str) -> Value) -> Option<Value> {
    let path = url_path(route)?;
    Some(json!({"Description": format!("Invoke URL of {}", route.key), "Value": url(path)}))
}

/// The operation key of an `ANY` route ("x-amazon-apigateway-any-method object").
pub const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
/// The path that holds the `$default` route ("x-amazon-apigateway-any-method object").
pub const DEFAULT_ROUTE_PATH: &str = "/$default";

/// Where the route sits in an OpenAPI document: its path, and its operation's key there.
pub fn openapi_path(key: &RouteKey) -> (String, String) {
    match key {
        RouteKey::Default => (DEFAULT_ROUTE_PATH.to_string(), ANY_METHOD.to_string()),
        RouteKey::Path { method, path } if method == "ANY" => (path.clone(), ANY_METHOD.into()),
        RouteKey::Path { method, path } => (path.clone(), method.to_ascii_lowercase()),
    }
}

/// The route as an OpenAPI operation: what it does, the parameters and body its integration
/// reads, its answers, its `security` requirement (the document's scheme names: see
/// [`openapi_security`]) and its `integration` (the integration unit's object, or a `$ref` to
/// one that several routes share).
pub fn openapi(
    route: &DesiredRoute,
    key: &RouteKey,
    integration: Value,
    security: Option<Value>,
) -> Map<String, Value> {
    let action = route.integration.action;
    let machine = machine_name(&route.state_machine);
    let summary = match action {
        Action::StartExecution => format!("Start an execution of {machine}"),
        Action::StartSyncExecution => format!("Run {machine} and wait for its result"),
        Action::StopExecution => format!("Stop an execution of {machine}"),
    };
    let mut op = Map::new();
    op.insert("summary".into(), json!(summary));
    op.insert(
        "description".into(),
        json!(format!(
            "API Gateway calls Step Functions {action} (integration subtype {}) on {}.",
            route.integration.subtype(),
            route.state_machine
        )),
    );
    let parameters = parameters(route, key);
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = request_body(route) {
        op.insert("requestBody".into(), body);
    }
    op.insert("responses".into(), responses(route));
    if let Some(security) = security {
        op.insert("security".into(), security);
    }
    op.insert("x-amazon-apigateway-integration".into(), integration);
    if *key == RouteKey::Default {
        op.insert("isDefaultRoute".into(), json!(true));
    }
    op
}

/// The route's operation ([`openapi`]) as API Gateway's own export of an HTTP API has it, for
/// ImportApi ("Export an HTTP API from API Gateway"): its integration, security requirement and
/// `isDefaultRoute`, and a default response; the documentation parts, which an HTTP API does not
/// keep, left out.
pub fn openapi_for_import(op: &mut Map<String, Value>) {
    op.retain(|k, _| {
        matches!(
            k.as_str(),
            "x-amazon-apigateway-integration" | "security" | "isDefaultRoute"
        )
    });
    op.insert(
        "responses".into(),
        json!({"default": {"description": "Default response"}}),
    );
}

/// The route's security requirement, one scheme as API Gateway allows one per operation: its
/// JWT authorizer's scheme (`authorizer`, its name in the document) with the route's scopes, or
/// `sigv4` (the document's name for [`openapi_sigv4_scheme`]) for IAM authorization.
pub fn openapi_security(route: &DesiredRoute, authorizer: Option<&String>, sigv4: &str) -> Option<Value> {
    match route.authorization {
        Authorization::Jwt => {
            let name = authorizer?;
            Some(json!([{ name.as_str(): route.scopes }]))
        }
        Authorization::AwsIam => Some(json!([{ sigv4: [] }])),
        Authorization::None | Authorization::Custom => None,
    }
}

/// The security scheme of `AWS_IAM` routes: SigV4 in the `Authorization` header
/// ("x-amazon-apigateway-authtype property", `awsSigv4`).
pub fn openapi_sigv4_scheme() -> Value {
    json!({
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
    })
}

/// The machine's name, for the summary. A machine named without an ARN still holds the import
/// variables the document keeps (`${AWS::Region}` and the others, whose `::` is no field
/// separator), so those are set aside before the ARN is read; its version or alias stays with
/// its name then, as the ARN spells it after `stateMachine:`.
fn machine_name(arn: &str) -> String {
    if let Ok(m) = arn.parse::<StateMachineArn>() {
        return m.name;
    }
    let plain = [
        rules::PARTITION_PLACEHOLDER,
        rules::REGION_PLACEHOLDER,
        rules::ACCOUNT_PLACEHOLDER,
    ]
    .iter()
    .fold(arn.to_string(), |text, variable| text.replace(variable, "-"));
    match StateMachineArn::lenient(&plain) {
        Some(StateMachineArn {
            name,
            qualifier: Some(q),
            ..
        }) => format!("{name}:{q}"),
        Some(m) => m.name,
        None => arn.to_string(),
    }
}

/// The route's path parameters (always required), then the headers and query string
/// parameters its integration reads.
fn parameters(route: &DesiredRoute, key: &RouteKey) -> Vec<Value> {
    let mut out = Vec::new();
    for segment in key.path().unwrap_or_default().split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            // A greedy `{proxy+}` keeps its `+`: the name must match the path template, and
            // API Gateway's own export names it so.
            out.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
        }
    }
    // (in, name) -> the integration parameters it feeds; header names are case-insensitive.
    let mut read: BTreeMap<(&str, String), (String, BTreeSet<&str>)> = BTreeMap::new();
    for (param, value) in &route.integration.parameters {
        for m in references(value) {
            let (place, name) = match m {
                Mapping::Header(n) => ("header", n),
                Mapping::QueryString(n) => ("query", n),
                _ => continue,
            };
            let id = if place == "header" {
                name.to_ascii_lowercase()
            } else {
                name.clone()
            };
            read.entry((place, id))
                .or_insert_with(|| (name, BTreeSet::new()))
                .1
                .insert(param);
        }
    }
    for ((place, _), (name, params)) in read {
        out.push(json!({
            "name": name,
            "in": place,
            "description": format!("Mapped to the integration's {}", fed(&params)),
            "schema": {"type": "string"},
        }));
    }
    out
}

fn fed(params: &BTreeSet<&str>) -> String {
    let list: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
    match list.len() {
        1 => format!("{} parameter", list[0]),
        _ => format!("{} parameters", list.join(", ")),
    }
}

/// A JSON body with the fields the integration reads (`$request.body.input` reads `input`), or
/// any JSON when it reads the whole body. Required when a parameter AWS requires reads it.
fn request_body(route: &DesiredRoute) -> Option<Value> {
    let (required_params, _) = route.integration.action.parameters();
    let mut fields: BTreeMap<String, (Option<&str>, BTreeSet<&str>)> = BTreeMap::new();
    let mut whole = BTreeSet::new();
    let mut array = BTreeSet::new();
    let mut required = BTreeSet::new();
    let mut body_required = false;
    for (param, value) in &route.integration.parameters {
        for m in references(value) {
            let steps = match m {
                Mapping::Body => {
                    whole.insert(param.as_str());
                    body_required |= required_params.contains(&param.as_str());
                    continue;
                }
                Mapping::BodyPath(steps) => steps,
                _ => continue,
            };
            body_required |= required_params.contains(&param.as_str());
            match steps.first() {
                Some(JsonStep::Field(f)) => {
                    let nested = match steps.get(1) {
                        Some(JsonStep::Field(_)) => Some("object"),
                        Some(JsonStep::Index(_) | JsonStep::Slice { .. }) => Some("array"),
                        // `.*` and unions read objects and arrays alike.
                        Some(JsonStep::Wildcard | JsonStep::Union(_)) | None => None,
                    };
                    let entry = fields.entry(f.clone()).or_insert((nested, BTreeSet::new()));
                    entry.1.insert(param.as_str());
                    if required_params.contains(&param.as_str()) {
                        required.insert(f.clone());
                    }
                }
                Some(JsonStep::Index(_) | JsonStep::Slice { .. }) => {
                    array.insert(param.as_str());
                }
                // A wildcard or union at the top names no field: any JSON body will do.
                Some(JsonStep::Wildcard | JsonStep::Union(_)) => {
                    whole.insert(param.as_str());
                }
                None => {}
            }
        }
    }
    let schema = if !fields.is_empty() {
        let properties: Map<String, Value> = fields
            .into_iter()
            .map(|(field, (ty, params))| {
                let mut schema =
                    json!({"description": format!("Mapped to the integration's {}", fed(&params))});
                if let Some(ty) = ty {
                    schema["type"] = json!(ty);
                }
                (field, schema)
            })
            .collect();
        let mut schema = json!({"type": "object", "properties": properties});
        if !required.is_empty() {
            schema["required"] = json!(required);
        }
        schema
    } else if !array.is_empty() {
        json!({"type": "array", "description": format!("Read by the integration's {}", fed(&array))})
    } else if !whole.is_empty() {
        json!({"description": format!("The whole body is the integration's {}", fed(&whole))})
    } else {
        return None;
    };
    let mut body = json!({"content": {"application/json": {"schema": schema}}});
    if body_required {
        body["required"] = json!(true);
    }
    Some(body)
}

/// 200 with the Step Functions response, which an AWS_PROXY integration passes through; 401
/// and 403 as the authorizers answer them (developer guide, "Troubleshooting issues with HTTP API
/// JWT authorizers"; "Control access to HTTP APIs with IAM authorization").
fn responses(route: &DesiredRoute) -> Value {
    let action = route.integration.action;
    let ok = match action {
        Action::StartSyncExecution => {
            "The execution ended: read `status`, since a failed execution answers 200 too"
        }
        Action::StopExecution => "The execution was stopped",
        Action::StartExecution => "The execution started",
    };
    let mut answer = json!({
        "description": ok,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", openapi_output_name(action))}}}
    });
    // The response parameters of the service's 200 answer: the status and headers the client sees.
    let shaped = route.integration.response.get("200");
    let status = shaped
        .and_then(|m| m.get("overwrite:statuscode"))
        .filter(|s| s.parse::<u16>().is_ok())
        .map_or("200", String::as_str);
    let headers: Map<String, Value> = shaped
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let name = k
                .strip_prefix("overwrite:header.")
                .or_else(|| k.strip_prefix("append:header."))?;
            Some((
                name.to_string(),
                json!({"description": format!("From `{v}`"), "schema": {"type": "string"}}),
            ))
        })
        .collect();
    if !headers.is_empty() {
        answer["headers"] = Value::Object(headers);
    }
    let mut responses = json!({ status: answer });
    match route.authorization {
        Authorization::Jwt => {
            responses["401"] = json!({"description": "No token, or a token the JWT authorizer refuses"});
            if !route.scopes.is_empty() {
                responses["403"] = json!({"description": "The token lacks a scope this route requires"});
            }
        }
        Authorization::AwsIam => {
            responses["403"] = json!({"description": "The request is not signed by a caller allowed execute-api:Invoke on this route"});
        }
        Authorization::None | Authorization::Custom => {}
    }
    responses
}

/// `[[route]]`.
#[derive(Debug, Clone, Serialize)]
pub struct DocRoute {
    /// Route key.
    pub key: String,
    /// Step Functions action.
    pub action: Action,
    /// Machine ARN (or name, with `--portable`).
    pub state_machine: String,
    /// Parameters, when not the default `{ Input = "$request.body.input" }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<BTreeMap<String, String>>,
    /// `AWS_IAM`; `NONE` is the default and a JWT route names its authorizer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// The authorizer's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<String>,
    /// Scopes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// The integration's response parameters, per status code, as AWS spells them (the long form
    /// of `response`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response: BTreeMap<String, BTreeMap<String, String>>,
}

/// The API's authorizers as `import` read them, by id: each one's table, or why the format
/// cannot hold it.
pub type Authorizers<'a> = BTreeMap<&'a str, Result<DocAuthorizer, String>>;

/// One route as the format holds it (with its integration, [`integration::doc`]), or why it
/// cannot: a route with settings the format lacks, no integration, an integration the format
/// cannot hold, or an authorization it cannot express.
pub fn doc(
    live: &LiveRoute,
    integration: Option<&LiveIntegration>,
    authorizers: &Authorizers<'_>,
    at: &Importing<'_>,
) -> Result<DocRoute, String> {
    if !live.unexpressed.is_empty() {
        return Err(format!(
            "route settings the format lacks: {}",
            live.unexpressed.join("; ")
        ));
    }
    let Some(i) = integration else {
        return Err(match &live.target {
            Some(t) => format!("target {t} is not an integration of the API"),
            None => "no integration".into(),
        });
    };
    let target = integration::doc(i, at)?;
    let (authorization, authorizer, scopes) = doc_authorization(live, authorizers)?;
    Ok(DocRoute {
        key: live.key.clone(),
        parameters: integration::doc_parameters(i, &target, at.region)?,
        action: target.action,
        state_machine: target.state_machine,
        authorization,
        authorizer,
        scopes,
        response: i.response.clone(),
    })
}

/// `authorization`, `authorizer` and `scopes`: NONE is the default, JWT names its authorizer,
/// a Lambda (CUSTOM) authorizer cannot be expressed.
type RouteAuth = (Option<String>, Option<String>, Vec<String>);

fn doc_authorization(live: &LiveRoute, authorizers: &Authorizers<'_>) -> Result<RouteAuth, String> {
    match live.authorization {
        Authorization::None => Ok((None, None, Vec::new())),
        Authorization::AwsIam => Ok((Some(Authorization::AwsIam.to_string()), None, Vec::new())),
        Authorization::Jwt => {
            let id = live.authorizer_id.as_deref().unwrap_or_default();
            match authorizers.get(id) {
                Some(Ok(a)) => Ok((None, Some(a.name.clone()), live.scopes.clone())),
                Some(Err(_)) => Err(format!("its authorizer {id} cannot be expressed")),
                None => Err(format!("its authorizer {id} is not one of the API's")),
            }
        }
        other @ Authorization::Custom => Err(format!(
            "authorization {other}: the format has NONE, AWS_IAM and JWT"
        )),
    }
}

impl DocRoute {
    /// `--portable`: a machine in `account` and `region` by its name (a name means the caller's
    /// account and the stack's region, docs/stack-format.md), any other machine's ARN through
    /// `arn` (account and region as variables).
    pub fn make_portable(&mut self, account: &str, region: &str, arn: &dyn Fn(&mut String)) {
        if let Ok(m) = crate::arn::parse_state_machine_arn(&self.state_machine)
            && m.qualifier.is_none()
            && m.region == region
            && m.account == account
        {
            self.state_machine = m.name.clone();
        }
        arn(&mut self.state_machine);
    }
}

/// Writes one `[[route]]` for `import`.
pub fn write(out: &mut String, r: &DocRoute) {
    let _ = writeln!(
        out,
        "\n[[route]]\nkey = {}\naction = {}\nstate_machine = {}",
        quote(&r.key),
        quote(r.action.as_str()),
        quote(&r.state_machine)
    );
    if let Some(p) = &r.parameters {
        let _ = writeln!(out, "parameters = {}", table(p));
    }
    if let Some(a) = &r.authorization {
        let _ = writeln!(out, "authorization = {}", quote(a));
    }
    if let Some(a) = &r.authorizer {
        let _ = writeln!(out, "authorizer = {}", quote(a));
    }
    if !r.scopes.is_empty() {
        let _ = writeln!(out, "scopes = {}", list(&r.scopes));
    }
    if !r.response.is_empty() {
        let codes: Vec<String> = r
            .response
            .iter()
            .map(|(code, parameters)| format!("{} = {}", toml_key(code), table(parameters)))
            .collect();
        let _ = writeln!(out, "response = {{ {} }}", codes.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::machine_name;

    /// The summary names the machine, whether its ARN is known or still holds the import
    /// variables of a machine named without one (whose `::` is no ARN separator).
    #[test]
    fn the_machine_is_named_by_its_arn_known_or_with_import_variables() {
        let known = "arn:aws:states:us-east-1:111122223333:stateMachine:orders";
        assert_eq!(machine_name(known), "orders");
        assert_eq!(machine_name(&format!("{known}:live")), "orders");
        let variables = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:orders";
        assert_eq!(machine_name(variables), "orders");
        assert_eq!(machine_name(&format!("{variables}:live")), "orders:live");
        let partly = "arn:aws-cn:states:cn-north-1:${AWS::AccountId}:stateMachine:orders";
        assert_eq!(machine_name(partly), "orders");
        assert_eq!(machine_name("not an arn"), "not an arn");
    }
}
