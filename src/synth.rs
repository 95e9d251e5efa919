//! The desired state as a CloudFormation template: the same resources and properties `up`
//! creates, from the same [`Desired`] the planner reads, so the two cannot drift apart.
//!
//! Logical ids come from names (`Route` + the route key's letters and digits, and so on), never
//! from counters or randomness, so a changed stack updates in place rather than replacing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::resource::state_machine::emit as machine_emit;
use crate::resource::{api, authorizer, integration, role, route, stage};
use crate::stack::Desired;
use crate::stack::desired::DesiredIntegration;
use crate::stack::vars::Vars;

/// Logical id of the role.
pub const ROLE: &str = "Role";
/// Logical id of the API.
pub const API: &str = "Api";
/// Logical id of the stage.
pub const STAGE: &str = "Stage";

/// CloudFormation's template quotas ("AWS CloudFormation quotas": resources, outputs and
/// parameters declared in a template; template body size in a CreateStack request and in an
/// Amazon S3 object). The S3 size is "1 MB"; cfn-lint checks 1,000,000 bytes, which is used here.
pub const MAX_RESOURCES: usize = 500;
/// Outputs declared in a template.
pub const MAX_OUTPUTS: usize = 200;
/// Parameters declared in a template.
pub const MAX_PARAMETERS: usize = 200;
/// Template body size in a request (`--template-body`).
pub const MAX_INLINE_BODY: usize = 51_200;
/// Template body size in an Amazon S3 object (`--template-url`, `aws cloudformation deploy
/// --s3-bucket`).
pub const MAX_S3_BODY: usize = 1_000_000;

/// Whether every route's invoke URL fits as an output beside `ApiEndpoint` (at most
/// [`MAX_OUTPUTS`] in all); when not, the template has `ApiEndpoint` alone.
pub fn route_urls_fit(desired: &Desired) -> bool {
    let urls = desired.routes.iter().filter(|r| route::emit::has_url(r)).count();
    // ApiEndpoint is one output: the URLs fit in the rest.
    urls < MAX_OUTPUTS
}

/// What CloudFormation would refuse of a written template (`body` bytes long): more than
/// [`MAX_RESOURCES`] resources, [`MAX_PARAMETERS`] parameters or [`MAX_OUTPUTS`] outputs, or a
/// body over [`MAX_S3_BODY`]. `Ok` carries a note when the body fits only through S3.
pub fn check_quotas(template: &Value, body: usize) -> Result<Option<String>, String> {
    let count = |key: &str| template[key].as_object().map_or(0, Map::len);
    let over = [
        ("resources", count("Resources"), MAX_RESOURCES),
        ("parameters", count("Parameters"), MAX_PARAMETERS),
        ("outputs", count("Outputs"), MAX_OUTPUTS),
        ("bytes", body, MAX_S3_BODY),
    ];
    if let Some((what, n, max)) = over.iter().find(|(_, n, max)| n > max) {
        return Err(format!(
            "the template would have {n} {what}; CloudFormation allows {max} (\"AWS CloudFormation quotas\")"
        ));
    }
    Ok((body > MAX_INLINE_BODY).then(|| {
        format!(
            "the template is {body} bytes, over the {MAX_INLINE_BODY} bytes CloudFormation takes inline: \
             deploy it from S3 (`aws cloudformation deploy --s3-bucket BUCKET`, or --template-url)"
        )
    }))
}

/// The template of a stack.
pub fn template(desired: &Desired) -> Value {
    let mut ids = Ids::default();
    let mut resources = Map::new();
    if let Some(role) = role::emit::cfn_owned(&desired.role, &desired.tags) {
        resources.insert(ROLE.into(), role);
    }
    resources.insert(API.into(), api::emit::cfn(&desired.api, &desired.tags));
    let mut machine_ids = BTreeMap::new();
    let mut conditions = Map::new();
    for machine in &desired.state_machines {
        let machine_id = machine_emit::ids(machine, &pascal(&machine.name));
        resources.extend(machine_emit::resources(machine, &machine_id));
        conditions.extend(machine_emit::conditions(machine, &machine_id));
        machine_ids.insert(machine.name.clone(), machine_id);
    }

    let mut authorizer_ids = BTreeMap::new();
    for a in &desired.authorizers {
        let id = ids.unique(&format!("Authorizer{}", pascal(&a.name)));
        resources.insert(id.clone(), authorizer::emit::cfn(a, API));
        authorizer_ids.insert(a.name.clone(), id);
    }

    let mut outputs = Map::new();
    outputs.insert("ApiEndpoint".into(), api::emit::cfn_endpoint_output(API));
    let credentials = role::emit::cfn_arn(&desired.role, ROLE);
    // A route's `StateMachineArn` naming a machine (or the alias of one) of the stack becomes a
    // reference to it (the last machine that claims it, as ever).
    let machine = |arn: &str| {
        desired.state_machines.iter().rev().find_map(|m| {
            machine_ids
                .get(&m.name)
                .and_then(|ids| machine_emit::reference(m, ids, arn))
        })
    };
    let url = |path: &str| stage::emit::cfn_invoke_url(&desired.stage, api::emit::cfn_endpoint(API), path);
    let urls_fit = route_urls_fit(desired);
    let mut route_ids = Vec::new();
    // Routes that declare the same integration share one resource, as `up` makes them share one
    // integration (an API holds at most 300 integrations, not raisable).
    let mut integrations: Vec<(&DesiredIntegration, String)> = Vec::new();
    for route in &desired.routes {
        let base = pascal(&route.key);
        let shared = integrations
            .iter()
            .find(|(spec, _)| **spec == route.integration)
            .map(|(_, id)| id.clone());
        let integration_id = match shared {
            Some(id) => id,
            None => {
                let id = ids.unique(&format!("Integration{base}"));
                let resource = integration::emit::cfn(&route.integration, API, credentials.clone(), &machine);
                resources.insert(id.clone(), resource);
                integrations.push((&route.integration, id.clone()));
                id
            }
        };
        let route_id = ids.unique(&format!("Route{base}"));
        let authorizer = route.authorizer.as_ref().and_then(|n| authorizer_ids.get(n));
        resources.insert(
            route_id.clone(),
            route::emit::cfn(route, API, &integration_id, authorizer),
        );
        if urls_fit && let Some(output) = route::emit::cfn_url_output(route, &url) {
            outputs.insert(ids.unique(&format!("Url{base}")), output);
        }
        route_ids.push(route_id);
    }
    resources.insert(
        STAGE.into(),
        stage::emit::cfn(&desired.stage, &desired.tags, API, &route_ids),
    );

    let mut template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("provision stack {}: an HTTP API that runs Step Functions workflows", desired.stack),
    });
    // Conditions come before Resources, as templates are usually read.
    if !conditions.is_empty() {
        template["Conditions"] = Value::Object(conditions);
    }
    template["Resources"] = Value::Object(resources);
    template["Outputs"] = Value::Object(outputs);
    template
}

/// The template of a stack read with its `${var.NAME}` references kept
/// ([`crate::stack::template_desired`]): every variable the file uses becomes a template
/// parameter, its value for this run the `Default` (`Type: Number` for a number field written
/// as `"${var.NAME}"`), and every string that refers to a variable or holds a placeholder of a
/// machine named without an ARN (`${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`)
/// becomes `Fn::Sub` (or `Ref`, for exactly one reference), so the template deploys to any account
/// and region, StackSets included.
pub fn template_with_vars(desired: &Desired, vars: &Vars) -> Value {
    let mut template = template(desired);
    let mut taken = Ids::default();
    let ids: BTreeMap<String, String> = vars
        .used
        .iter()
        .map(|name| (name.clone(), taken.unique(&parameter_id(name))))
        .collect();
    let mut parameters = Map::new();
    for (name, id) in &ids {
        let var = vars.vars.get(name);
        let number = vars.numbers.values().any(|n| n == name);
        let mut parameter = json!({"Type": if number { "Number" } else { "String" }});
        if let Some(value) = var.and_then(|v| v.value.as_ref()) {
            parameter["Default"] = json!(value);
        }
        let description = var
            .and_then(|v| v.description.clone())
            .unwrap_or_else(|| format!("The stack variable `{name}` (`${{var.{name}}}`)"));
        parameter["Description"] = json!(description);
        parameters.insert(id.clone(), parameter);
    }
    // Literal-only places: the template's description and the outputs' descriptions.
    let literal = |text: &str| {
        let mut out = text.to_string();
        for name in &vars.used {
            let value = vars
                .vars
                .get(name)
                .and_then(|v| v.value.clone())
                .unwrap_or_default();
            out = out.replace(&format!("${{var.{name}}}"), &value);
        }
        out
    };
    if let Some(Value::String(d)) = template.get_mut("Description") {
        *d = literal(d);
    }
    if let Some(Value::Object(outputs)) = template.get_mut("Outputs") {
        for output in outputs.values_mut() {
            if let Some(Value::String(d)) = output.get_mut("Description") {
                *d = literal(d);
            }
            if let Some(value) = output.get_mut("Value") {
                *value = substituted(value, &ids);
            }
        }
    }
    for section in ["Conditions", "Resources"] {
        if let Some(body) = template.get_mut(section) {
            *body = substituted(body, &ids);
        }
    }
    for (field, name) in &vars.numbers {
        let reference = json!({"Ref": ids.get(name).cloned().unwrap_or_else(|| parameter_id(name))});
        // Each unit knows where its number fields sit in its resource.
        let slot = crate::resource::stage::emit::number_slot(field)
            .map(|p| format!("/Resources/Stage{p}"))
            .or_else(|| crate::resource::api::emit::number_slot(field).map(|p| format!("/Resources/Api{p}")));
        let Some(at) = slot else {
            continue;
        };
        if let Some(slot) = template.pointer_mut(&at) {
            *slot = reference;
        }
    }
    if !parameters.is_empty()
        && let Value::Object(root) = &mut template
    {
        // Parameters come before Conditions and Resources, as templates are usually read.
        let mut ordered = Map::new();
        for (k, v) in std::mem::take(root) {
            if (k == "Conditions" || k == "Resources") && !ordered.contains_key("Parameters") {
                ordered.insert("Parameters".into(), Value::Object(parameters.clone()));
            }
            ordered.insert(k, v);
        }
        *root = ordered;
    }
    template
}

/// The parameter of a variable: `Var` and the name's letters and digits in PascalCase
/// (`log_group` → `VarLogGroup`); the `Var` prefix keeps it apart from the resources' ids. Two
/// names with the same id (`a_b`, `aB`) get `2`, `3`, ... in name order.
pub fn parameter_id(name: &str) -> String {
    let words: String = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    format!("Var{words}")
}

/// A value with each string that refers to a variable or an `${AWS::...}` pseudo parameter
/// turned into `Fn::Sub` (API Gateway's own `${request...}` escaped as `${!request...}`), or
/// into `Ref` when it is exactly one reference.
fn substituted(value: &Value, ids: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) => sub(s, ids),
        Value::Array(items) => Value::Array(items.iter().map(|v| substituted(v, ids)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substituted(v, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn sub(text: &str, ids: &BTreeMap<String, String>) -> Value {
    if !text.contains("${var.") && !text.contains("${AWS::") {
        return Value::String(text.to_string());
    }
    let mut out = String::new();
    let mut rest = text;
    let mut refs = 0;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find('}');
        match end.map(|e| &after[..e]) {
            Some(inner) if inner.starts_with("var.") && ids.contains_key(&inner[4..]) => {
                out.push_str(&format!("${{{}}}", ids[&inner[4..]]));
                refs += 1;
            }
            Some(inner) if inner.starts_with("AWS::") => {
                out.push_str(&format!("${{{inner}}}"));
                refs += 1;
            }
            Some(inner) => out.push_str(&format!("${{!{inner}}}")),
            None => {
                out.push_str("${!");
                rest = after;
                continue;
            }
        }
        rest = &after[end.unwrap_or_default() + 1..];
    }
    out.push_str(rest);
    if refs == 1 && out.starts_with("${") && out.ends_with('}') && out.matches("${").count() == 1 {
        return json!({"Ref": &out[2..out.len() - 1]});
    }
    json!({"Fn::Sub": out})
}

/// `POST /users/{id}` → `PostUsersId`; `$default` → `Default`.
pub fn pascal(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Logical ids handed out so far: two keys with the same letters (`GET /a-b`, `GET /a_b`) get
/// `2`, `3`, ... in file order, which is stable as long as the file's order is.
#[derive(Default)]
struct Ids(BTreeSet<String>);

impl Ids {
    fn unique(&mut self, base: &str) -> String {
        let base: String = base.chars().take(200).collect();
        let mut id = base.clone();
        let mut n = 2;
        while !self.0.insert(id.clone()) {
            id = format!("{base}{n}");
            n += 1;
        }
        id
    }
}

/// A JSON value as YAML: block style, every string double-quoted (JSON's escapes are YAML's), so
/// no value can be mistaken for a number, a boolean or a tag.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    yaml_into(value, 0, &mut out);
    out
}

fn yaml_into(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                out.push_str(&format!("{pad}{}:", scalar(&Value::String(k.clone()))));
                nested(v, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for v in items {
                out.push_str(&format!("{pad}-"));
                nested(v, indent, out);
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

fn nested(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml_into(v, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_into(v, indent + 2, out);
        }
        other => out.push_str(&format!(" {}\n", scalar(other))),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

/// `ResponseParameters` as CloudFormation spells them: per status code a `ResponseParameters`
/// list of `Destination` (the key) and `Source` (the value) (resource schema of
/// AWS::ApiGatewayV2::Integration, `ResponseParameterMap` and `ResponseParameter`).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_with_variables_become_sub_or_ref_and_api_gateway_variables_are_escaped() {
        let ids = BTreeMap::from([("env".to_string(), "VarEnv".to_string())]);
        assert_eq!(
            sub("plain ${request.path.id}", &ids),
            json!("plain ${request.path.id}")
        );
        assert_eq!(sub("${var.env}", &ids), json!({"Ref": "VarEnv"}));
        assert_eq!(sub("${AWS::Region}", &ids), json!({"Ref": "AWS::Region"}));
        assert_eq!(
            sub("${var.env}-${request.path.id}-${context.requestId}", &ids),
            json!({"Fn::Sub": "${VarEnv}-${!request.path.id}-${!context.requestId}"})
        );
        assert_eq!(
            sub(
                "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:x",
                &ids
            ),
            json!({"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:x"})
        );
        assert_eq!(parameter_id("log_group"), "VarLogGroup");
    }

    fn secure() -> Desired {
        let loaded = crate::stack::from_source(&include_str!("../stacks/onboarding-secure.toml").replace(
            "# restrict_source_account = true",
            "restrict_source_account = true",
        ));
        loaded.desired.expect("valid")
    }

    fn with_role_lines(lines: &str) -> Desired {
        let text = include_str!("../tests/fixtures/onboarding-existing-machine.toml").replace(
            "policy_name = \"InvokeUserOnboardingWorkflow\"",
            &format!("policy_name = \"InvokeUserOnboardingWorkflow\"\n{lines}"),
        );
        let loaded = crate::stack::from_source(&text);
        loaded.desired.expect("valid")
    }

    #[test]
    fn the_role_is_its_unit_s_resource_and_an_existing_role_is_only_named() {
        // The role unit's emit test checks what its fragment holds (path, boundary).
        let boundary = "arn:aws:iam::189107071895:policy/OrgBoundary";
        let d = with_role_lines(&format!(
            "path = \"/service/\"\n{}",
            role::spec::samples::boundary_line(boundary)
        ));
        let t = template(&d);
        assert_eq!(t["Resources"]["Role"], role::emit::cfn(&d.role, &d.tags));
        assert_eq!(t["Resources"]["Role"]["Properties"]["Path"], json!("/service/"));
        let plain = template(&with_role_lines(""));
        assert!(plain["Resources"]["Role"]["Properties"].get("Path").is_none());

        let arn = "arn:aws:iam::189107071895:role/platform/apigw-sfn";
        let t = template(&with_role_lines(&format!("arn = \"{arn}\"")));
        assert!(
            t["Resources"].get("Role").is_none(),
            "the template does not own it"
        );
        assert_eq!(
            t["Resources"]["IntegrationPostNewUser"]["Properties"]["CredentialsArn"],
            json!(arn)
        );
    }

    #[test]
    fn logical_ids_come_from_names_and_stay_put() {
        let t = template(&secure());
        let ids: Vec<&String> = t["Resources"].as_object().expect("resources").keys().collect();
        assert_eq!(
            ids,
            [
                "Role",
                "Api",
                "AuthorizerCognito",
                "IntegrationPostNewUser",
                "RoutePostNewUser",
                "IntegrationPostNewUserSync",
                "RoutePostNewUserSync",
                "IntegrationPostCancel",
                "RoutePostCancel",
                "Stage"
            ]
        );
        assert_eq!(template(&secure()), t, "the same stack gives the same template");
        let mut ids = Ids::default();
        assert_eq!(ids.unique("RouteGetAB"), "RouteGetAB");
        assert_eq!(ids.unique("RouteGetAB"), "RouteGetAB2");
        assert_eq!(pascal("$default"), "Default");
        assert_eq!(pascal("GET /users/{id+}"), "GetUsersId");
    }

    #[test]
    fn properties_are_what_up_sends() {
        let d = secure();
        let t = template(&d);
        let r = &t["Resources"];
        assert_eq!(r["RoutePostNewUser"]["Properties"]["AuthorizationType"], "JWT");
        assert_eq!(
            r["RoutePostNewUser"]["Properties"]["AuthorizerId"],
            json!({"Ref": "AuthorizerCognito"})
        );
        assert_eq!(
            r["RoutePostNewUser"]["Properties"]["AuthorizationScopes"],
            json!(["onboarding/write"])
        );
        assert!(
            r["RoutePostNewUserSync"]["Properties"]
                .get("AuthorizerId")
                .is_none()
        );
        let cancel = &r["IntegrationPostCancel"]["Properties"];
        assert_eq!(cancel["IntegrationSubtype"], "StepFunctions-StopExecution");
        assert_eq!(
            cancel["RequestParameters"]["ExecutionArn"],
            "$request.body.executionArn"
        );
        assert_eq!(cancel["CredentialsArn"], json!({"Fn::GetAtt": ["Role", "Arn"]}));
        // The stage and the API are their units' fragments, which their emit tests check
        // (route settings and log format; CORS), with the routes' ids for DependsOn.
        let routes = ["RoutePostNewUser", "RoutePostNewUserSync", "RoutePostCancel"].map(String::from);
        assert_eq!(r["Stage"], stage::emit::cfn(&d.stage, &d.tags, API, &routes));
        assert_eq!(r["Api"], api::emit::cfn(&d.api, &d.tags));
        let trust = &r["Role"]["Properties"]["AssumeRolePolicyDocument"];
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            json!({"Ref": "AWS::AccountId"})
        );
        assert_eq!(
            r["Role"]["Properties"]["Policies"][0]["PolicyDocument"],
            d.role.policy
        );
        assert!(t["Outputs"]["UrlPostNewUser"].is_object());
    }

    #[test]
    fn yaml_quotes_every_string() {
        let yaml = to_yaml(&json!({"A": ["x", {"B": "1", "C": 2}], "D": {}, "E": "yes"}));
        assert_eq!(
            yaml,
            "\"A\":\n  - \"x\"\n  -\n    \"B\": \"1\"\n    \"C\": 2\n\"D\": {}\n\"E\": \"yes\"\n"
        );
    }
    /// Routes that declare the same integration share one resource, as `up` shares one
    /// integration ("x-amazon-apigateway-integrations object": reused by routes).
    #[test]
    fn routes_declaring_the_same_integration_share_one_resource() {
        let extra = "\n[[route]]\nkey = \"POST /signup\"\naction = \"StartExecution\"\nstate_machine = \"arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding\"\nparameters = { Input = \"$request.body.input\" }\nallow = [\"no-authorization\"]\n";
        let text = format!(
            "{}{extra}",
            include_str!("../tests/fixtures/onboarding-existing-machine.toml")
        );
        let desired = crate::stack::from_source(&text).desired.expect("valid");
        let t = template(&desired);
        let resources = t["Resources"].as_object().expect("resources");
        let integrations: Vec<&String> = resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::ApiGatewayV2::Integration")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(integrations, vec!["IntegrationPostNewUser"]);
        let target = json!({"Fn::Join": ["/", ["integrations", {"Ref": "IntegrationPostNewUser"}]]});
        assert_eq!(resources["RoutePostNewUser"]["Properties"]["Target"], target);
        assert_eq!(resources["RoutePostSignup"]["Properties"]["Target"], target);
    }

    /// The onboarding route and `n` more, each with its own integration (a distinct static input).
    fn routes(n: usize) -> Desired {
        let mut text = include_str!("../tests/fixtures/onboarding-existing-machine.toml").to_string();
        for i in 0..n {
            text.push_str(&format!(
                "\n[[route]]\nkey = \"POST /r{i}\"\naction = \"StartExecution\"\n\
                 state_machine = \"arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding\"\n\
                 parameters = {{ Input = '{{\"r\":{i}}}' }}\nallow = [\"no-authorization\"]\n"
            ));
        }
        crate::stack::from_source(&text).desired.expect("valid")
    }

    /// Issue 20 item 5 ("AWS CloudFormation quotas"): 200 routes would make 201 outputs, so the
    /// URLs are left out; 250 routes with their integrations make 503 resources, refused.
    #[test]
    fn templates_over_cloudformations_quotas_are_refused_or_lose_their_url_outputs() {
        let d = routes(198);
        assert!(route_urls_fit(&d));
        let t = template(&d);
        assert_eq!(t["Outputs"].as_object().unwrap().len(), 200);
        assert!(check_quotas(&t, 1000).is_ok());

        let d = routes(199);
        assert!(!route_urls_fit(&d));
        let t = template(&d);
        assert_eq!(t["Outputs"].as_object().unwrap().len(), 1);
        assert!(check_quotas(&t, 1000).is_ok());
        let note = check_quotas(&t, MAX_INLINE_BODY + 1).unwrap().expect("note");
        assert!(note.contains("S3"), "{note}");
        let refused = check_quotas(&t, MAX_S3_BODY + 1).unwrap_err();
        assert!(refused.contains("bytes"), "{refused}");

        let t = template(&routes(249));
        let refused = check_quotas(&t, 1000).unwrap_err();
        assert!(
            refused.contains("503 resources") && refused.contains("500"),
            "{refused}"
        );
    }
}
