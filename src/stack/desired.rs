//! The desired state: a validated stack file with every default filled in. Plain data, no spans.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::model::{AuthorizerSection, CorsSection, RoleSection, RouteSection, Sp, StackFile, StageSection};
use super::rules::{self, OWNER_TAG};
use crate::policy;

/// Everything one stack declares, ready to compare with live state.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// `stack.name`, the value of the ownership tag.
    pub stack: String,
    /// `stack.region`, if written.
    pub region: Option<String>,
    /// The HTTP API.
    pub api: DesiredApi,
    /// The role API Gateway assumes.
    pub role: DesiredRole,
    /// JWT authorizers, in file order.
    pub authorizers: Vec<DesiredAuthorizer>,
    /// Routes in file order, each with its own integration.
    pub routes: Vec<DesiredRoute>,
    /// The one stage.
    pub stage: DesiredStage,
    /// User tags plus the ownership tag, for everything taggable.
    pub tags: BTreeMap<String, String>,
}

/// The HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredApi {
    /// API name.
    pub name: String,
    /// CORS configuration; `None` means none at all.
    pub cors: Option<Cors>,
}

/// A CORS configuration in canonical form: lists sorted and de-duplicated, header names in lower
/// case and methods in upper case (HTTP treats them so, and AWS may return them so).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Cors {
    /// Allowed origins.
    pub allow_origins: Vec<String>,
    /// Allowed methods.
    pub allow_methods: Vec<String>,
    /// Allowed request headers.
    pub allow_headers: Vec<String>,
    /// Response headers exposed to scripts.
    pub expose_headers: Vec<String>,
    /// Preflight cache, seconds.
    pub max_age: Option<i32>,
    /// Whether credentials may be sent; `None` is AWS's default, false.
    pub allow_credentials: Option<bool>,
}

impl Cors {
    /// The canonical form of a configuration, as written or as read from AWS.
    pub fn canonical(mut self) -> Cors {
        let tidy = |v: &mut Vec<String>, f: fn(&str) -> String| {
            *v = v
                .iter()
                .map(|s| f(s))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
        };
        tidy(&mut self.allow_origins, str::to_string);
        tidy(&mut self.allow_methods, str::to_ascii_uppercase);
        tidy(&mut self.allow_headers, str::to_ascii_lowercase);
        tidy(&mut self.expose_headers, str::to_ascii_lowercase);
        if self.allow_credentials == Some(false) {
            self.allow_credentials = None;
        }
        self
    }
}

/// A JWT authorizer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DesiredAuthorizer {
    /// Name, unique in the API; routes refer to it.
    pub name: String,
    /// Token issuer URL.
    pub issuer: String,
    /// Accepted audiences, sorted.
    pub audience: Vec<String>,
    /// Where the token is, e.g. `$request.header.Authorization`.
    pub identity_source: String,
}

/// The IAM role and its policies.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRole {
    /// Role name.
    pub name: String,
    /// Inline policy name.
    pub policy_name: String,
    /// Inline policy document, normalised.
    pub policy: Value,
    /// Trust policy, normalised.
    pub trust: Value,
    /// ARNs of managed policies to attach.
    pub managed_policies: BTreeSet<String>,
    /// Trust API Gateway only on behalf of the stack's own account: the trust policy gets an
    /// `aws:SourceAccount` condition once the account is known ([`Desired::bind_account`]).
    pub restrict_source_account: bool,
    /// The IAM path, `/` unless the file says otherwise.
    pub path: String,
    /// The permissions boundary's ARN, if any.
    pub permissions_boundary: Option<String>,
    /// An existing role the stack uses and never changes (`[role] arn`); then `name` is the
    /// ARN's role name and the other fields describe what the routes need of it.
    pub existing: Option<String>,
}

/// A route and the integration behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRoute {
    /// `METHOD /path` or `$default`.
    pub key: String,
    /// `NONE`, `AWS_IAM` or `JWT`.
    pub authorization: String,
    /// The JWT authorizer's name, for `JWT` routes.
    pub authorizer: Option<String>,
    /// OAuth scopes a JWT route requires, sorted.
    pub scopes: Vec<String>,
    /// The state machine the route acts on.
    pub state_machine: String,
    /// The Step Functions integration.
    pub integration: DesiredIntegration,
    /// An example request body (the route's `example`), for the "Try" lines and `invoke`.
    pub example: Option<Value>,
}

/// An `AWS_PROXY` Step Functions integration.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesiredIntegration {
    /// `StepFunctions-StartExecution` and so on.
    pub subtype: String,
    /// Request parameters, `StateMachineArn` included.
    pub parameters: BTreeMap<String, String>,
}

/// The stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesiredStage {
    /// Stage name.
    pub name: String,
    /// Auto-deploy.
    pub auto_deploy: bool,
    /// Default route throttling burst.
    pub throttling_burst_limit: Option<i32>,
    /// Default route throttling rate.
    pub throttling_rate_limit: Option<f64>,
    /// Access logging; `None` means off.
    pub access_log: Option<AccessLog>,
}

/// Where and how a stage writes access logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLog {
    /// CloudWatch Logs log group ARN.
    pub destination_arn: String,
    /// One line per request, `$context` variables substituted.
    pub format: String,
}

/// The access log line when the file sets none: one JSON object per request with the fields
/// needed to see who called what and why it failed.
pub const DEFAULT_ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","#,
    r#""requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","#,
    r#""routeKey":"$context.routeKey","status":"$context.status","#,
    r#""integrationStatus":"$context.integrationStatus","#,
    r#""integrationErrorMessage":"$context.integrationErrorMessage","#,
    r#""responseLength":"$context.responseLength"}"#
);

impl Desired {
    /// Once the region is known: a route whose machine lives in another region gets
    /// `Region = <machine's region>`, or API Gateway would call Step Functions in its own region
    /// and every request would fail. A `Region` written in the file is kept.
    pub fn bind_region(&mut self, region: &str) {
        for route in &mut self.routes {
            let Ok(machine) = crate::arn::parse_state_machine_arn(&route.state_machine) else {
                continue;
            };
            if machine.region != region {
                route
                    .integration
                    .parameters
                    .entry("Region".into())
                    .or_insert(machine.region);
            }
        }
    }
}

impl Desired {
    /// When the region the stack will live in is not known (a template deployed anywhere): every
    /// route names its machine's region, which is right wherever the API ends up.
    pub fn pin_machine_regions(&mut self) {
        for route in &mut self.routes {
            if let Ok(machine) = crate::arn::parse_state_machine_arn(&route.state_machine) {
                route
                    .integration
                    .parameters
                    .entry("Region".into())
                    .or_insert(machine.region);
            }
        }
    }

    /// True when the account id is needed: for the trust policy ([`Desired::bind_account`]) or
    /// for a machine named without an ARN ([`Desired::bind_machines`]).
    pub fn needs_account(&self) -> bool {
        self.role.restrict_source_account || self.names_machines()
    }

    /// True when some route names its machine without an ARN, so that the machine's ARN holds
    /// placeholders for the partition, the region and the account until they are known.
    pub fn names_machines(&self) -> bool {
        self.routes
            .iter()
            .any(|r| r.state_machine.contains(rules::ACCOUNT_PLACEHOLDER))
    }

    /// Once the region and the account are known: every machine named without an ARN becomes
    /// `arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME`, the partition the region's, in the
    /// routes, their `StateMachineArn` and the derived policy.
    pub fn bind_machines(&mut self, region: &str, account: &str) {
        let partition = crate::arn::Partition::of_or_aws(region).id;
        let bind = |text: &str| {
            text.replace(rules::PARTITION_PLACEHOLDER, partition)
                .replace(rules::REGION_PLACEHOLDER, region)
                .replace(rules::ACCOUNT_PLACEHOLDER, account)
        };
        for route in &mut self.routes {
            route.state_machine = bind(&route.state_machine);
            for value in route.integration.parameters.values_mut() {
                if value.starts_with("arn:") {
                    *value = bind(value);
                }
            }
        }
        self.role.policy = policy::normalize(&map_strings(&self.role.policy, &bind));
    }

    /// Once the account is known: the `aws:SourceAccount` condition of the trust policy.
    pub fn bind_account(&mut self, account: &str) {
        if self.role.restrict_source_account {
            self.role.trust = policy::normalize(&policy::api_gateway_trust(Some(account)));
        }
    }
}

impl DesiredIntegration {
    /// The Step Functions action, e.g. `StartExecution`.
    pub fn action(&self) -> &str {
        self.subtype.trim_start_matches("StepFunctions-")
    }
}

/// Fills in defaults. Call only on a file that validated without errors; returns `None` when a
/// required field is missing (which validation reports).
pub fn desired(file: &StackFile) -> Option<Desired> {
    let stack = file.stack.name.as_ref()?.value.clone();
    let mut routes = Vec::new();
    let mut machines: Vec<(String, crate::arn::StateMachineArn)> = Vec::new();
    for r in &file.routes {
        let (route, action, machine) = desired_route(r)?;
        routes.push(route);
        machines.push((action, machine));
    }
    Some(Desired {
        region: file.stack.region.as_ref().map(|r| r.value.clone()),
        api: DesiredApi {
            name: file.api.name.as_ref()?.value.clone(),
            cors: file.api.cors.as_ref().map(desired_cors),
        },
        authorizers: file
            .authorizers
            .iter()
            .map(desired_authorizer)
            .collect::<Option<_>>()?,
        role: desired_role(&file.role, &machines)?,
        routes,
        stage: file
            .stage
            .as_ref()
            .map_or_else(|| Some(default_stage()), desired_stage)?,
        tags: desired_tags(file, &stack),
        stack,
    })
}

/// A route, its action and its machine (which the role's policy grants on).
fn desired_route(r: &RouteSection) -> Option<(DesiredRoute, String, crate::arn::StateMachineArn)> {
    let action = r.action.as_ref()?.value.clone();
    let written = &r.state_machine.as_ref()?.value;
    let machine = match written.starts_with("arn:") {
        true => crate::arn::parse_state_machine_arn(written)
            .ok()
            .or_else(|| crate::arn::StateMachineArn::lenient(written))?,
        false => rules::named_machine(written),
    };
    // A name becomes an ARN with placeholders until [`Desired::bind_machines`].
    let machine_arn = match written.starts_with("arn:") {
        true => written.clone(),
        false => machine.machine(),
    };
    let authorizer = r.authorizer.as_ref().map(|a| a.value.clone());
    let route = DesiredRoute {
        key: r.key.as_ref()?.value.clone(),
        authorization: route_authorization(r),
        // Scopes count only on a route with an authorizer.
        scopes: match &authorizer {
            Some(_) => sorted(r.scopes.iter().flatten().map(|s| s.value.clone())),
            None => Vec::new(),
        },
        authorizer,
        integration: DesiredIntegration {
            subtype: format!("StepFunctions-{action}"),
            parameters: integration_parameters(r, &action, &machine_arn),
        },
        state_machine: machine_arn,
        example: r.example.as_ref().map(|e| e.value.clone()),
    };
    Some((route, action, machine))
}

/// `JWT` for a route with an authorizer, else what the file says, else `NONE`.
fn route_authorization(r: &RouteSection) -> String {
    match (&r.authorizer, &r.authorization) {
        (Some(_), _) => "JWT".to_string(),
        (None, Some(a)) => a.value.clone(),
        (None, None) => "NONE".to_string(),
    }
}

/// The integration's request parameters: as written, or for a start action without any,
/// `Input = $request.body.input`; a start action always gets its `StateMachineArn` (a stop acts
/// on the `ExecutionArn` the file maps).
fn integration_parameters(r: &RouteSection, action: &str, machine_arn: &str) -> BTreeMap<String, String> {
    let mut parameters: BTreeMap<String, String> = match &r.parameters {
        Some(p) => p
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect(),
        None if action == "StopExecution" => BTreeMap::new(),
        None => BTreeMap::from([("Input".to_string(), "$request.body.input".to_string())]),
    };
    if action != "StopExecution" {
        parameters.insert("StateMachineArn".into(), machine_arn.to_string());
    }
    parameters
}

/// The role: its derived least-privilege policy over the routes' machines, the API Gateway
/// trust policy, and the managed policies listed.
fn desired_role(
    role: &RoleSection,
    machines: &[(String, crate::arn::StateMachineArn)],
) -> Option<DesiredRole> {
    let actions: Option<Vec<String>> = role
        .actions
        .as_ref()
        .map(|a| a.iter().map(|s| s.value.clone()).collect());
    let existing = role.arn.as_ref().map(|a| a.value.clone());
    let name = match &existing {
        Some(arn) => crate::arn::role_name_of(arn).to_string(),
        None => role.name.as_ref()?.value.clone(),
    };
    let policy_name = match (&existing, &role.policy_name) {
        (_, Some(p)) => p.value.clone(),
        (Some(_), None) => String::new(),
        (None, None) => return None,
    };
    Some(DesiredRole {
        name,
        policy_name,
        path: role
            .path
            .as_ref()
            .map_or_else(|| "/".to_string(), |p| p.value.clone()),
        permissions_boundary: role.permissions_boundary.as_ref().map(|b| b.value.clone()),
        existing,
        policy: policy::normalize(&least_privilege(machines, actions.as_deref())),
        trust: policy::normalize(&policy::api_gateway_trust(None)),
        restrict_source_account: role.restrict_source_account.as_ref().is_some_and(|r| r.value),
        managed_policies: role.managed_policies.iter().map(|m| m.value.clone()).collect(),
    })
}

/// The stage when the file has no `[stage]`: `$default`, auto-deployed, no limits, no logs.
fn default_stage() -> DesiredStage {
    DesiredStage {
        name: "$default".into(),
        auto_deploy: true,
        throttling_burst_limit: None,
        throttling_rate_limit: None,
        access_log: None,
    }
}

/// The stage as written, `$default` and auto-deploy unless the file says otherwise.
fn desired_stage(s: &StageSection) -> Option<DesiredStage> {
    Some(DesiredStage {
        name: s
            .name
            .as_ref()
            .map_or_else(|| "$default".into(), |n| n.value.clone()),
        auto_deploy: s.auto_deploy.as_ref().is_none_or(|a| a.value),
        throttling_burst_limit: s
            .throttling_burst_limit
            .as_ref()
            .and_then(|b| i32::try_from(b.value).ok()),
        throttling_rate_limit: s.throttling_rate_limit.as_ref().map(|r| r.value),
        access_log: match &s.access_log {
            Some(log) => Some(AccessLog {
                destination_arn: log.destination_arn.as_ref()?.value.clone(),
                format: log
                    .format
                    .as_ref()
                    .map_or_else(|| DEFAULT_ACCESS_LOG_FORMAT.to_string(), |f| f.value.clone()),
            }),
            None => None,
        },
    })
}

/// The file's tags plus the ownership tag.
fn desired_tags(file: &StackFile, stack: &str) -> BTreeMap<String, String> {
    let mut tags: BTreeMap<String, String> = file
        .tags
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect();
    tags.insert(OWNER_TAG.into(), stack.to_string());
    tags
}

/// The CORS configuration as written, in canonical form.
fn desired_cors(c: &CorsSection) -> Cors {
    let strings = |v: &Option<Vec<Sp<String>>>| v.iter().flatten().map(|s| s.value.clone()).collect();
    Cors {
        allow_origins: strings(&c.allow_origins),
        allow_methods: strings(&c.allow_methods),
        allow_headers: strings(&c.allow_headers),
        expose_headers: strings(&c.expose_headers),
        max_age: c.max_age.as_ref().and_then(|m| i32::try_from(m.value).ok()),
        allow_credentials: c.allow_credentials.as_ref().map(|a| a.value),
    }
    .canonical()
}

/// A JWT authorizer, its token in `Authorization` unless the file says otherwise.
fn desired_authorizer(a: &AuthorizerSection) -> Option<DesiredAuthorizer> {
    Some(DesiredAuthorizer {
        name: a.name.as_ref()?.value.clone(),
        issuer: a.issuer.as_ref()?.value.clone(),
        audience: sorted(a.audience.iter().flatten().map(|s| s.value.clone())),
        identity_source: a.identity_source.as_ref().map_or_else(
            || "$request.header.Authorization".to_string(),
            |s| s.value.clone(),
        ),
    })
}

/// Every string of a JSON value mapped through `f`.
fn map_strings(value: &Value, f: &impl Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), map_strings(v, f))).collect())
        }
        other => other.clone(),
    }
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    items.collect::<BTreeSet<_>>().into_iter().collect()
}

/// Step Functions actions whose IAM resource type is the execution (Service Authorization
/// Reference for Step Functions): granted on `execution:MACHINE:*`, never on the machine.
const EXECUTION_ACTIONS: &[&str] = &["StopExecution", "DescribeExecution", "GetExecutionHistory"];

/// The actions a version or alias ARN starts, scoped with `states:StateMachineQualifier`.
const START_ACTIONS: &[&str] = &["StartExecution", "StartSyncExecution"];

/// Which qualifiers a grant on a machine allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// The unqualified ARN is used: no condition.
    Any,
    /// Only versions and aliases are used: these qualifiers.
    Only(BTreeSet<String>),
}

/// The inline policy: each action on exactly the resources it acts on, never `*`.
///
/// Without `actions`, each route grants its own action on its own machine. With `actions`, every
/// listed action applies to all the routes' machines. Execution actions (Stop, Describe,
/// GetExecutionHistory) are granted on the machines' executions. A version or alias ARN is
/// authorized by the unqualified machine ARN ("Authorization for versions and aliases" in the Step
/// Functions guide), so the start actions grant on the machine, scoped with the
/// `states:StateMachineQualifier` condition when every route on that machine is qualified.
pub(crate) fn least_privilege(
    machines: &[(String, crate::arn::StateMachineArn)],
    actions: Option<&[String]>,
) -> Value {
    let mut pairs: Vec<(String, &crate::arn::StateMachineArn)> = Vec::new();
    match actions {
        None => pairs.extend(machines.iter().map(|(a, m)| (format!("states:{a}"), m))),
        Some(actions) => {
            for full in actions {
                pairs.extend(machines.iter().map(|(_, m)| (full.clone(), m)));
            }
        }
    }
    // (action, resource) -> scope, the unqualified use winning over any qualifier.
    let mut scopes: BTreeMap<(String, String), Scope> = BTreeMap::new();
    for (full, m) in pairs {
        let action = full.trim_start_matches("states:");
        let resource = if EXECUTION_ACTIONS.contains(&action) {
            m.executions()
        } else {
            m.machine()
        };
        let scope = match (&m.qualifier, START_ACTIONS.contains(&action)) {
            (Some(q), true) => Scope::Only(BTreeSet::from([q.to_string()])),
            _ => Scope::Any,
        };
        let entry = scopes.entry((full.clone(), resource)).or_insert(scope.clone());
        *entry = match (&*entry, scope) {
            (Scope::Only(a), Scope::Only(b)) => Scope::Only(a.union(&b).cloned().collect()),
            _ => Scope::Any,
        };
    }
    // (scope, action) -> resources, then one statement per (scope, resource set).
    let mut grants: BTreeMap<(Scope, String), BTreeSet<String>> = BTreeMap::new();
    for ((action, resource), scope) in scopes {
        grants.entry((scope, action)).or_default().insert(resource);
    }
    let mut statements: BTreeMap<(Scope, Vec<String>), Vec<String>> = BTreeMap::new();
    for ((scope, action), resources) in grants {
        statements
            .entry((scope, resources.into_iter().collect()))
            .or_default()
            .push(action);
    }
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|((scope, resources), actions)| {
            let mut statement = json!({"Effect": "Allow", "Action": actions, "Resource": resources});
            if let Scope::Only(qualifiers) = scope {
                statement["Condition"] =
                    json!({"StringEquals": {"states:StateMachineQualifier": qualifiers}});
            }
            statement
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::load::parse;

    fn desired_of(source: &str) -> Desired {
        let (file, diags) = parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        desired(&file).unwrap()
    }

    const BASE: &str = r#"
[stack]
name = "s"
[api]
name = "a"
[role]
name = "r"
policy_name = "p"
"#;

    #[test]
    fn a_machine_in_another_region_gets_a_region_parameter() {
        let mut d = desired_of(include_str!("../../stacks/onboarding.toml"));
        d.bind_region("ap-southeast-2");
        assert!(!d.routes[0].integration.parameters.contains_key("Region"));
        d.bind_region("us-east-1");
        assert_eq!(d.routes[0].integration.parameters["Region"], "ap-southeast-2");
    }

    #[test]
    fn without_a_region_every_route_names_its_machines() {
        let mut d = desired_of(include_str!("../../stacks/onboarding.toml"));
        d.pin_machine_regions();
        assert_eq!(d.routes[0].integration.parameters["Region"], "ap-southeast-2");
    }

    #[test]
    fn a_machine_by_name_is_bound_to_the_account_and_region() {
        let source = format!(
            "{BASE}{}",
            "[[route]]\nkey = \"POST /a\"\naction = \"StartExecution\"\nstate_machine = \"orders\"\n\
             [[route]]\nkey = \"DELETE /a\"\naction = \"StopExecution\"\nstate_machine = \"orders\"\n\
             parameters = { ExecutionArn = \"$request.querystring.arn\" }\n"
        );
        let mut d = desired_of(&source);
        assert!(d.needs_account() && d.names_machines());
        let placeholder = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:orders";
        assert_eq!(d.routes[0].integration.parameters["StateMachineArn"], placeholder);
        d.bind_region("cn-north-1");
        assert!(!d.routes[0].integration.parameters.contains_key("Region"));
        d.bind_machines("cn-north-1", "111122223333");
        assert!(!d.names_machines());
        let arn = "arn:aws-cn:states:cn-north-1:111122223333:stateMachine:orders";
        assert_eq!(d.routes[0].state_machine, arn);
        assert_eq!(d.routes[0].integration.parameters["StateMachineArn"], arn);
        let expected = json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"states:StartExecution","Resource":arn},
            {"Effect":"Allow","Action":"states:StopExecution",
             "Resource":"arn:aws-cn:states:cn-north-1:111122223333:execution:orders:*"}]});
        assert_eq!(d.role.policy, policy::normalize(&expected));
    }

    #[test]
    fn onboarding_defaults() {
        let d = desired_of(include_str!("../../stacks/onboarding.toml"));
        assert_eq!(d.stage.name, "$default");
        assert!(d.stage.auto_deploy);
        let route = &d.routes[0];
        assert_eq!(route.integration.subtype, "StepFunctions-StartExecution");
        assert_eq!(route.integration.parameters["Input"], "$request.body.input");
        assert_eq!(
            route.integration.parameters["StateMachineArn"],
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
        );
        assert_eq!(d.tags[OWNER_TAG], "user-onboarding");
        let expected = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Action":["states:StartExecution","states:StartSyncExecution"],
            "Resource":["arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"]}]});
        assert_eq!(d.role.policy, policy::normalize(&expected));
    }

    /// Step Functions guide, "Authorization for versions and aliases": grants on the unqualified
    /// machine ARN, narrowed with `states:StateMachineQualifier`; execution actions on
    /// `execution:MACHINE:*` (their IAM resource type).
    #[test]
    fn qualified_arns_grant_on_the_machine_with_a_qualifier_condition() {
        let source = format!(
            "{BASE}{}",
            r#"
[[route]]
key = "POST /orders/{id}"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders:PROD"
parameters = { Input = "$request.body.input", Name = "order-${request.path.id}-${context.requestId}" }
[[route]]
key = "POST /orders-v7"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders:7"
[[route]]
key = "POST /other"
action = "StartExecution"
state_machine = "arn:aws-cn:states:cn-north-1:189107071895:stateMachine:other.v2"
"#
        );
        let d = desired_of(&source);
        let expected = json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"states:StartExecution",
             "Resource":"arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders",
             "Condition":{"StringEquals":{"states:StateMachineQualifier":["7","PROD"]}}},
            {"Effect":"Allow","Action":"states:StartExecution",
             "Resource":"arn:aws-cn:states:cn-north-1:189107071895:stateMachine:other.v2"}]});
        assert_eq!(d.role.policy, policy::normalize(&expected));
        assert_eq!(
            d.routes[0].integration.parameters["StateMachineArn"],
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders:PROD"
        );

        // An unqualified route on the same machine needs the unconditioned grant.
        let mixed = source.replace("stateMachine:orders:7\"", "stateMachine:orders\"");
        let d = desired_of(&mixed);
        let statements = d.role.policy["Statement"].as_array().unwrap();
        assert!(
            statements.iter().all(|s| s.get("Condition").is_none()),
            "{statements:?}"
        );

        // Listed actions: execution actions on the executions, the rest on the machine.
        let listed = source.replace(
            "policy_name = \"p\"",
            "policy_name = \"p\"\nactions = [\"states:StartExecution\", \"states:DescribeExecution\", \"states:GetExecutionHistory\", \"states:StopExecution\", \"states:DescribeStateMachine\"]",
        );
        let d = desired_of(&listed);
        let expected = json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["states:DescribeExecution","states:GetExecutionHistory","states:StopExecution"],
             "Resource":["arn:aws-cn:states:cn-north-1:189107071895:execution:other.v2:*",
                         "arn:aws:states:ap-southeast-2:189107071895:execution:orders:*"]},
            {"Effect":"Allow","Action":"states:DescribeStateMachine",
             "Resource":["arn:aws-cn:states:cn-north-1:189107071895:stateMachine:other.v2",
                         "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders"]},
            {"Effect":"Allow","Action":"states:StartExecution",
             "Resource":"arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders",
             "Condition":{"StringEquals":{"states:StateMachineQualifier":["7","PROD"]}}},
            {"Effect":"Allow","Action":"states:StartExecution",
             "Resource":"arn:aws-cn:states:cn-north-1:189107071895:stateMachine:other.v2"}]});
        assert_eq!(d.role.policy, policy::normalize(&expected));
    }

    #[test]
    fn derived_policy_is_least_privilege_per_route() {
        let source = format!(
            "{BASE}{}",
            r#"
[[route]]
key = "POST /start"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:one"
[[route]]
key = "DELETE /run"
action = "StopExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:two"
parameters = { ExecutionArn = "$request.querystring.arn" }
"#
        );
        let d = desired_of(&source);
        let expected = json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:ap-southeast-2:189107071895:stateMachine:one"},
            {"Effect":"Allow","Action":"states:StopExecution","Resource":"arn:aws:states:ap-southeast-2:189107071895:execution:two:*"}]});
        assert_eq!(d.role.policy, policy::normalize(&expected));
        assert!(!d.role.policy.to_string().contains("\"*\""));
        assert!(!d.routes[1].integration.parameters.contains_key("StateMachineArn"));
        assert!(!d.routes[1].integration.parameters.contains_key("Input"));
    }
}
