//! The HTTP API as an OpenAPI 3.0 document: the routes, integrations, authorizers and CORS
//! configuration `up` creates, from the same [`Desired`] the planner and the CloudFormation
//! template read, in the shape API Gateway itself exports and imports.
//!
//! This module assembles the document; each kind's part is its unit's fragment (`openapi*` in
//! `resource/<kind>/emit.rs`: the API's info and CORS, a route's operation and security
//! requirement, an integration's object and the Step Functions answers it passes through, an
//! authorizer's security scheme, the stage's path in the server URL). What is the document's own
//! stays here: the import variables left in it, the server, which integrations are shared
//! components and the names of the security schemes.
//!
//! Sources (API Gateway developer guide): "Working with OpenAPI definitions for HTTP APIs",
//! "x-amazon-apigateway-integrations object", "x-amazon-apigateway-importexport-version" and "AWS
//! variables for OpenAPI import" (`${AWS::AccountId}` and `${AWS::Partition}`, resolved when the
//! document is imported). What the document cannot hold: the role itself, the stage (throttling,
//! access logs) and tags.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::domain::{Action, Authorization};
use crate::resource::{api, authorizer, integration, role, route};
use crate::stack::desired::{DesiredIntegration, DesiredRoute};
use crate::stack::rules;
use crate::stack::{BoundDesired, Desired};

/// The account API Gateway fills in on import ("AWS variables for OpenAPI import").
pub const ACCOUNT_VARIABLE: &str = "${AWS::AccountId}";
/// The partition API Gateway fills in on import ("AWS variables for OpenAPI import").
pub const PARTITION_VARIABLE: &str = "${AWS::Partition}";
pub use crate::resource::route::emit::{ANY_METHOD, DEFAULT_ROUTE_PATH};

/// What is known of where the document will be imported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Target<'a> {
    /// The region (`--region`, else the stack's): gives the partition and the server URL.
    pub region: Option<&'a str>,
    /// The account (`--account`): gives the role ARN's account.
    pub account: Option<&'a str>,
}

/// An OpenAPI document and what in it stands for something not known offline.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document.
    pub value: Value,
    /// The role ARN its integrations name.
    pub role_arn: String,
    /// The import variables left in it, e.g. `${AWS::AccountId}`.
    pub placeholders: Vec<&'static str>,
    /// Authorizers whose names OpenAPI does not allow as security scheme names: (name in the
    /// stack, name in the document, which an import gives the authorizer).
    pub renamed: Vec<(String, String)>,
}

/// The region API Gateway fills in on import ("AWS variables for OpenAPI import").
pub const REGION_VARIABLE: &str = "${AWS::Region}";

/// The document of a stack's HTTP API, bound offline ([`Desired::bind_offline`] with
/// [`Placeholders::Written`](crate::stack::Placeholders::Written)): the region and account it was
/// bound to are where it will be imported. A machine named without an ARN is in the importing
/// account and region: its ARN keeps the import variables for what the binding did not know.
pub fn document(desired: &BoundDesired) -> Document {
    let target = Target {
        region: desired.bound_region(),
        account: desired.bound_account(),
    };
    build(desired, &target)
}

/// The document of a stack whose names are bound, for `target`.
fn build(desired: &Desired, target: &Target) -> Document {
    let partition = target.region.map(|r| crate::arn::Partition::of_or_aws(r).id);
    // An existing role (`[role] arn`) is exported as given, its account included; the stack's
    // own role keeps its path ("IAM identifiers": the path is part of the role's ARN).
    let role_arn = role::emit::arn_in(
        &desired.role,
        partition.unwrap_or(PARTITION_VARIABLE),
        target.account.unwrap_or(ACCOUNT_VARIABLE),
    );
    // The import variables the document still holds, in the role ARN or a machine's.
    let placeholders: Vec<&'static str> = [PARTITION_VARIABLE, REGION_VARIABLE, ACCOUNT_VARIABLE]
        .into_iter()
        .filter(|v| role_arn.contains(v) || desired.routes.iter().any(|r| r.state_machine.contains(v)))
        .collect();
    let schemes = Schemes::new(desired);
    let mut root = Map::new();
    root.insert("openapi".into(), json!("3.0.1"));
    root.insert("info".into(), info(desired, &placeholders));
    root.insert("servers".into(), servers(desired, target.region));
    let mut used = Used::new();
    let shared = SharedIntegrations::new(desired);
    root.insert(
        "paths".into(),
        paths(desired, &role_arn, &schemes, &shared, &mut used),
    );
    let mut components = components(desired, &schemes, &used);
    let integrations = shared.definitions(&role_arn);
    if !integrations.is_empty() {
        components.insert(INTEGRATIONS.into(), Value::Object(integrations));
    }
    if !components.is_empty() {
        root.insert("components".into(), Value::Object(components));
    }
    if let Some(cors) = api::emit::openapi_cors(&desired.api) {
        root.insert("x-amazon-apigateway-cors".into(), cors);
    }
    root.insert("x-amazon-apigateway-importexport-version".into(), json!("1.0"));
    if !placeholders.is_empty() {
        let notes: Map<String, Value> = placeholders
            .iter()
            .map(|p| (p.to_string(), json!(placeholder_meaning(p))))
            .collect();
        root.insert("x-provision-placeholders".into(), Value::Object(notes));
    }
    Document {
        value: Value::Object(root),
        role_arn,
        placeholders,
        renamed: schemes.renamed,
    }
}

/// The document `up` sends to ImportApi for a new API: [`document`] in the shape API Gateway's
/// own export of an HTTP API has ("Export an HTTP API from API Gateway": per operation the
/// integration, the security requirement and a default response), with the stack's tags on the
/// root `tags` ("x-amazon-apigateway-tag-value property": a tag is its `name` with its value in
/// that extension) so that an API whose ImportApi answer was lost is found by its ownership tag.
///
/// Left out, so that an imported API equals one made call by call: the documentation parts
/// (summaries, descriptions, parameters, bodies, schemas), which an HTTP API does not keep, and
/// `info.description` and `servers`, which CreateApi does not set (an import would make the
/// first the API's description). `info.version` stays, as OpenAPI requires it: ImportApi makes
/// it the API's `Version`, a field `diff` does not compare.
pub fn import_document(desired: &BoundDesired, region: &str, tags: &BTreeMap<String, String>) -> Document {
    // Bound by `up` ([`Desired::bind`]) to `region` and the account: built as it is.
    let mut doc = build(
        desired,
        &Target {
            region: Some(region),
            account: None,
        },
    );
    if let Value::Object(root) = &mut doc.value {
        root.remove("servers");
        root.remove("x-provision-placeholders");
        if let Some(Value::Object(info)) = root.get_mut("info") {
            info.remove("description");
        }
        if let Some(Value::Object(paths)) = root.get_mut("paths") {
            for item in paths.values_mut() {
                let Value::Object(item) = item else { continue };
                for op in item.values_mut() {
                    if let Value::Object(op) = op {
                        route::emit::openapi_for_import(op);
                    }
                }
            }
        }
        if let Some(Value::Object(components)) = root.get_mut("components") {
            components.remove("schemas");
        }
        let tags: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({"name": k, "x-amazon-apigateway-tag-value": v}))
            .collect();
        if !tags.is_empty() {
            root.insert("tags".into(), Value::Array(tags));
        }
    }
    doc
}

fn placeholder_meaning(placeholder: &str) -> &'static str {
    match placeholder {
        REGION_VARIABLE => {
            "the region the document is imported in, of state machines named without an ARN; API Gateway fills it in on import (`provision synth --region REGION` writes it out)"
        }
        ACCOUNT_VARIABLE => {
            "the account that imports the document; API Gateway fills it in on import (`provision synth --account ID` writes it out)"
        }
        _ => {
            "the partition the document is imported in; API Gateway fills it in on import (`provision synth --region REGION` writes it out)"
        }
    }
}

fn info(desired: &Desired, placeholders: &[&str]) -> Value {
    let mut description = format!(
        "The HTTP API of the provision stack `{}`: each route starts, runs or stops a Step Functions \
         execution through an AWS_PROXY integration that assumes the role `{}`. The role, the stage \
         (throttling, access logs) and tags are not part of this document; `provision up` creates them.",
        desired.stack, desired.role.name
    );
    match placeholders {
        [] => {}
        [one] => description.push_str(&format!(
            " {one} is an AWS variable that API Gateway resolves when it imports the document."
        )),
        many => description.push_str(&format!(
            " {} are AWS variables that API Gateway resolves when it imports the document.",
            many.join(" and ")
        )),
    }
    api::emit::openapi_info(&desired.api, description)
}

/// The invoke URL, with the API id as a variable: API Gateway gives it at import.
fn servers(desired: &Desired, region: Option<&str>) -> Value {
    // The partition's DNS suffix (botocore `partitions.json`); without a region, the `aws`
    // partition's, as the `region` variable's default is a placeholder anyway.
    let suffix = crate::arn::Partition::of_or_aws(region.unwrap_or_default()).dns_suffix;
    let stage = desired.stage.name.base_path();
    json!([{
        "url": format!("https://{{apiId}}.execute-api.{{region}}.{suffix}{stage}"),
        "variables": {
            "apiId": {
                "default": "API_ID",
                "description": "The API's id, which `provision up` prints (or `aws apigatewayv2 get-apis`)"
            },
            "region": {
                "default": region.unwrap_or("REGION"),
                "description": "The API's region"
            }
        }
    }])
}

/// Path items in file order, each route an operation of its path.
/// Where shared integrations are defined: "x-amazon-apigateway-integrations object" (developer
/// guide: "define integrations in the components section ... and reuse the integrations for
/// multiple routes. Supported only for HTTP APIs").
const INTEGRATIONS: &str = "x-amazon-apigateway-integrations";

/// The integrations more than one route declares, each under a name in `components`, as `up`
/// makes them one integration; an integration of one route stays inline in its operation.
struct SharedIntegrations<'a> {
    named: Vec<(&'a DesiredIntegration, String)>,
}

impl<'a> SharedIntegrations<'a> {
    fn new(desired: &'a Desired) -> Self {
        let mut named: Vec<(&'a DesiredIntegration, String)> = Vec::new();
        let mut taken = BTreeSet::new();
        for (i, route) in desired.routes.iter().enumerate() {
            let shared = desired.routes[i + 1..]
                .iter()
                .any(|r| r.integration == route.integration);
            if shared && !named.iter().any(|(spec, _)| **spec == route.integration) {
                let base: String = route
                    .key
                    .to_ascii_lowercase()
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join("-");
                let name = unique(&base, &taken);
                taken.insert(name.clone());
                named.push((&route.integration, name));
            }
        }
        SharedIntegrations { named }
    }

    /// The `x-amazon-apigateway-integration` of a route: a `$ref` to its shared definition, or
    /// the integration itself.
    fn for_route(&self, spec: &DesiredIntegration, role_arn: &str) -> Value {
        match self.named.iter().find(|(s, _)| *s == spec) {
            Some((_, name)) => json!({"$ref": format!("#/components/{INTEGRATIONS}/{name}")}),
            None => integration::emit::openapi(spec, role_arn),
        }
    }

    fn definitions(&self, role_arn: &str) -> Map<String, Value> {
        self.named
            .iter()
            .map(|(spec, name)| (name.clone(), integration::emit::openapi(spec, role_arn)))
            .collect()
    }
}

fn paths(
    desired: &Desired,
    role_arn: &str,
    schemes: &Schemes,
    shared: &SharedIntegrations<'_>,
    used: &mut Used,
) -> Value {
    let mut paths = Map::new();
    for r in &desired.routes {
        let Ok(key) = rules::parse_route_key(&r.key) else {
            continue;
        };
        let (path, method) = route::emit::openapi_path(&key);
        let integration = shared.for_route(&r.integration, role_arn);
        let op = route::emit::openapi(r, &key, integration, schemes.requirement(r));
        let action = r.integration.action;
        used.insert(integration::emit::openapi_output_name(action), action);
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = Value::Object(op);
    }
    Value::Object(paths)
}

/// The Step Functions answers the routes pass through, by schema name: the schemas the document
/// defines.
type Used = BTreeMap<&'static str, Action>;

fn components(desired: &Desired, schemes: &Schemes, used: &Used) -> Map<String, Value> {
    let mut components = Map::new();
    let security = schemes.definitions(desired);
    if !security.is_empty() {
        components.insert("securitySchemes".into(), Value::Object(security));
    }
    let schemas: Map<String, Value> = used
        .iter()
        .map(|(name, action)| {
            (
                name.to_string(),
                integration::emit::openapi_output_schema(*action),
            )
        })
        .collect();
    if !schemas.is_empty() {
        components.insert("schemas".into(), Value::Object(schemas));
    }
    components
}

/// Security scheme names: an authorizer's own name (which an import gives the authorizer),
/// unless OpenAPI forbids it as a component name (`^[a-zA-Z0-9.\-_]+$`); `sigv4` for IAM.
struct Schemes {
    authorizers: BTreeMap<String, String>,
    sigv4: String,
    renamed: Vec<(String, String)>,
}

impl Schemes {
    fn new(desired: &Desired) -> Schemes {
        let mut taken = BTreeSet::new();
        let mut authorizers = BTreeMap::new();
        let mut renamed = Vec::new();
        for a in &desired.authorizers {
            let clean: String = a
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "._-".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let name = unique(&clean, &taken);
            if name != a.name {
                renamed.push((a.name.clone(), name.clone()));
            }
            taken.insert(name.clone());
            authorizers.insert(a.name.clone(), name);
        }
        let sigv4 = unique("sigv4", &taken);
        Schemes {
            authorizers,
            sigv4,
            renamed,
        }
    }

    /// The route's security requirement, in these scheme names.
    fn requirement(&self, r: &DesiredRoute) -> Option<Value> {
        let authorizer = r.authorizer.as_ref().and_then(|a| self.authorizers.get(a));
        route::emit::openapi_security(r, authorizer, &self.sigv4)
    }

    /// JWT authorizers as API Gateway exports them (`oauth2` with no flows), and `sigv4` when
    /// a route uses IAM authorization.
    fn definitions(&self, desired: &Desired) -> Map<String, Value> {
        let mut out = Map::new();
        for a in &desired.authorizers {
            let Some(name) = self.authorizers.get(&a.name) else {
                continue;
            };
            out.insert(name.clone(), authorizer::emit::openapi(a));
        }
        if desired
            .routes
            .iter()
            .any(|r| r.authorization == Authorization::AwsIam)
        {
            out.insert(self.sigv4.clone(), route::emit::openapi_sigv4_scheme());
        }
        out
    }
}

fn unique(base: &str, taken: &BTreeSet<String>) -> String {
    let base = if base.is_empty() { "authorizer" } else { base };
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::rules::{Mapping, references};

    fn desired(text: &str) -> Desired {
        let loaded = crate::stack::from_source(text);
        let errors: Vec<_> = loaded.diagnostics.iter().filter(|d| d.is_error()).collect();
        loaded
            .desired
            .unwrap_or_else(|| panic!("valid stack: {errors:?}"))
    }

    fn secure() -> Desired {
        desired(include_str!("../stacks/onboarding-secure.toml"))
    }

    const MACHINE: &str = "arn:aws:states:us-east-1:111122223333:stateMachine:orders";

    fn routes(extra: &str) -> Desired {
        desired(&format!(
            "[stack]\nname = \"orders\"\nregion = \"us-east-1\"\n[api]\nname = \"orders-api\"\n\
             [role]\nname = \"orders-role\"\npolicy_name = \"p\"\n{extra}\n{}name = \"live\"\n\
             auto_deploy = true\n",
            crate::resource::stage::spec::samples::throttled_table(10, 5.0)
        ))
    }

    /// The document as `synth --format openapi` writes it: the stack bound offline to what
    /// `target` knows.
    fn exported(d: &Desired, target: Target) -> Document {
        document(&d.clone().bind_offline(&crate::stack::Offline {
            region: target.region.map(str::to_string),
            account: target.account.map(str::to_string),
            placeholders: crate::stack::Placeholders::Written,
        }))
    }

    #[test]
    fn the_role_arn_is_written_out_when_known_and_an_import_variable_when_not() {
        let d = secure();
        let offline = exported(&d, Target::default());
        assert_eq!(
            offline.role_arn,
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/user-onboarding-secure-api-gateway-role"
        );
        assert_eq!(offline.placeholders, [PARTITION_VARIABLE, ACCOUNT_VARIABLE]);
        assert_eq!(
            offline.value["x-provision-placeholders"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>()),
            Some(vec![
                "${AWS::Partition}".to_string(),
                "${AWS::AccountId}".to_string()
            ])
        );
        let known = exported(
            &d,
            Target {
                region: Some("cn-north-1"),
                account: Some("111122223333"),
            },
        );
        assert_eq!(
            known.role_arn,
            "arn:aws-cn:iam::111122223333:role/user-onboarding-secure-api-gateway-role"
        );
        assert!(known.placeholders.is_empty());
        assert!(known.value.get("x-provision-placeholders").is_none());
        assert_eq!(
            known.value["servers"][0]["url"],
            "https://{apiId}.execute-api.{region}.amazonaws.com.cn"
        );
        let integration = &known.value["paths"]["/cancel"]["post"]["x-amazon-apigateway-integration"];
        assert_eq!(integration["credentials"], json!(known.role_arn));
    }

    /// Issue 20 items 3 and 4: the credentials are the role's real ARN (its path kept; an
    /// existing role as given, account included) and the partition and the servers' DNS suffix
    /// follow botocore's partitions.json.
    #[test]
    fn credentials_are_the_roles_real_arn_in_the_regions_partition() {
        let route = format!(
            "[[route]]\nkey = \"POST /o\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
             authorization = \"AWS_IAM\"\nparameters = {{ Input = \"$request.body\" }}\n"
        );
        let with_path = routes(&format!("path = \"/team/\"\n{route}"));
        let doc = exported(
            &with_path,
            Target {
                region: Some("eusc-de-east-1"),
                account: Some("111122223333"),
            },
        );
        assert_eq!(
            doc.role_arn,
            "arn:aws-eusc:iam::111122223333:role/team/orders-role"
        );
        assert_eq!(
            doc.value["servers"][0]["url"],
            "https://{apiId}.execute-api.{region}.amazonaws.eu/live"
        );
        let integration = &doc.value["paths"]["/o"]["post"]["x-amazon-apigateway-integration"];
        assert_eq!(integration["credentials"], json!(doc.role_arn));

        let existing = "arn:aws:iam::444455556666:role/platform/apigw";
        let given = routes(&format!("arn = \"{existing}\"\n{route}"));
        for account in [None, Some("111122223333")] {
            let doc = exported(
                &given,
                Target {
                    region: Some("us-east-1"),
                    account,
                },
            );
            assert_eq!(doc.role_arn, existing);
            assert!(doc.placeholders.is_empty(), "{:?}", doc.placeholders);
        }
    }

    #[test]
    fn any_default_and_greedy_routes_take_api_gateways_export_shape() {
        let d = routes(&format!(
            "[[route]]\nkey = \"$default\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
             authorization = \"AWS_IAM\"\n\
             [[route]]\nkey = \"ANY /orders/{{proxy+}}\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
             authorization = \"AWS_IAM\"\n\
             [[route]]\nkey = \"ANY /orders/{{id}}\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
             authorization = \"AWS_IAM\"\n\
             [[route]]\nkey = \"GET /orders/{{id}}\"\naction = \"StartExecution\"\nstate_machine = \"{MACHINE}\"\n\
             authorization = \"AWS_IAM\"\n\
             parameters = {{ Input = \"$request.body\", Name = \"order-${{request.path.id}}-${{context.requestId}}\" }}\n"
        ));
        let doc = exported(&d, Target::default()).value;
        let default = &doc["paths"]["/$default"][ANY_METHOD];
        assert_eq!(default["isDefaultRoute"], true);
        assert!(default.get("parameters").is_none());
        let greedy = &doc["paths"]["/orders/{proxy+}"][ANY_METHOD];
        assert_eq!(
            greedy["parameters"],
            json!([{"name": "proxy+", "in": "path", "required": true, "schema": {"type": "string"}}])
        );
        // Two routes on one path are two operations of one path item, in file order.
        let item = doc["paths"]["/orders/{id}"].as_object().expect("path item");
        assert_eq!(item.keys().collect::<Vec<_>>(), [ANY_METHOD, "get"]);
        assert_eq!(item[ANY_METHOD]["parameters"][0]["name"], "id");
        let get = &doc["paths"]["/orders/{id}"]["get"];
        assert_eq!(get["parameters"][0]["name"], "id");
        assert_eq!(
            get["requestBody"]["content"]["application/json"]["schema"]["description"],
            "The whole body is the integration's `Input` parameter"
        );
        assert!(get["requestBody"].get("required").is_none(), "Input is optional");
        assert_eq!(get["security"], json!([{"sigv4": []}]));
        assert_eq!(
            doc["components"]["securitySchemes"]["sigv4"],
            json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"})
        );
        // A named stage is served under its name.
        assert_eq!(
            doc["servers"][0]["url"],
            "https://{apiId}.execute-api.{region}.amazonaws.com/live"
        );
        assert!(doc.get("x-amazon-apigateway-cors").is_none());
    }

    #[test]
    fn headers_and_query_strings_the_integration_reads_are_declared_once() {
        let d = routes(&format!(
            "[[route]]\nkey = \"POST /orders\"\naction = \"StartSyncExecution\"\nstate_machine = \"{MACHINE}\"\n\
             authorization = \"AWS_IAM\"\n\
             parameters = {{ Input = \"$request.body.order.items\", Name = \"$request.header.X-Order\", \
             TraceHeader = \"$request.header.x-order\", Region = \"$request.querystring.region\" }}\n"
        ));
        let op = &exported(&d, Target::default()).value["paths"]["/orders"]["post"];
        assert_eq!(
            op["parameters"],
            json!([
                {"name": "X-Order", "in": "header", "description": "Mapped to the integration's `Name`, `TraceHeader` parameters", "schema": {"type": "string"}},
                {"name": "region", "in": "query", "description": "Mapped to the integration's `Region` parameter", "schema": {"type": "string"}},
            ])
        );
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"],
            json!({"type": "object", "properties": {"order": {"description": "Mapped to the integration's `Input` parameter", "type": "object"}}})
        );
    }

    #[test]
    fn references_read_whole_values_and_bracketed_templates() {
        assert_eq!(
            references("$request.header.Auth"),
            [Mapping::Header("Auth".into())]
        );
        assert_eq!(references("static text"), []);
        assert_eq!(
            references("order-${request.path.id}-${context.requestId}"),
            [Mapping::Path("id".into()), Mapping::Context("requestId".into())]
        );
        assert_eq!(references("${request.body}"), [Mapping::Body]);
        assert_eq!(references("half ${request.path.id"), []);
    }

    #[test]
    fn authorizer_names_openapi_forbids_become_scheme_names_it_allows() {
        let text = include_str!("../stacks/onboarding-secure.toml").replace("\"cognito\"", "\"my cognito\"");
        let doc = exported(&desired(&text), Target::default());
        assert_eq!(
            doc.renamed,
            [("my cognito".to_string(), "my-cognito".to_string())]
        );
        assert!(doc.value["components"]["securitySchemes"]["my-cognito"].is_object());
        assert_eq!(
            doc.value["paths"]["/new-user"]["post"]["security"],
            json!([{"my-cognito": ["onboarding/write"]}])
        );
        let text = include_str!("../stacks/onboarding-secure.toml").replace("\"cognito\"", "\"sigv4\"");
        let doc = exported(&desired(&text), Target::default()).value;
        assert_eq!(
            doc["paths"]["/new-user-sync"]["post"]["security"],
            json!([{"sigv4-2": []}])
        );
        assert_eq!(doc["components"]["securitySchemes"]["sigv4"]["type"], "oauth2");
    }

    /// An integration several routes declare is defined once under
    /// `components.x-amazon-apigateway-integrations` and referenced with `$ref` (developer
    /// guide, "x-amazon-apigateway-integrations object"); one route's stays inline.
    #[test]
    fn shared_integrations_are_components_referenced_by_their_routes() {
        let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";
        let route = |key: &str, input: &str| {
            format!(
                "[[route]]\nkey = \"{key}\"\naction = \"StartExecution\"\nstate_machine = \"{machine}\"\nauthorization = \"AWS_IAM\"\nparameters = {{ Input = \"{input}\" }}\n"
            )
        };
        let d = routes(&format!(
            "{}{}{}",
            route("POST /orders", "$request.body.input"),
            route("PUT /orders/{id}", "$request.body.input"),
            route("POST /raw", "$request.body")
        ));
        let doc = exported(
            &d,
            Target {
                region: Some("us-east-1"),
                account: Some("123456789012"),
            },
        );
        let reference = json!({"$ref": "#/components/x-amazon-apigateway-integrations/post-orders"});
        let paths = &doc.value["paths"];
        assert_eq!(
            paths["/orders"]["post"]["x-amazon-apigateway-integration"],
            reference
        );
        assert_eq!(
            paths["/orders/{id}"]["put"]["x-amazon-apigateway-integration"],
            reference
        );
        assert_eq!(
            paths["/raw"]["post"]["x-amazon-apigateway-integration"]["requestParameters"]["Input"],
            "$request.body"
        );
        let shared = &doc.value["components"]["x-amazon-apigateway-integrations"];
        assert_eq!(shared.as_object().map(|o| o.len()), Some(1));
        assert_eq!(
            shared["post-orders"]["integrationSubtype"],
            "StepFunctions-StartExecution"
        );
        assert_eq!(shared["post-orders"]["credentials"], json!(doc.role_arn));
    }
}
