//! The desired state: a validated stack file with every default filled in. Plain data, no spans.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::StackFile;
use super::rules::{self, OWNER_TAG};
use crate::policy;
use crate::resource::api::spec::desired_cors;
pub use crate::resource::api::spec::{Cors, DesiredApi};
pub use crate::resource::authorizer::spec::DesiredAuthorizer;
use crate::resource::authorizer::spec::desired_authorizer;
pub use crate::resource::integration::spec::DesiredIntegration;
use crate::resource::role::spec::desired_role;
pub use crate::resource::role::spec::{DesiredRole, least_privilege};
pub use crate::resource::route::spec::DesiredRoute;
use crate::resource::route::spec::desired_route;
pub use crate::resource::stage::spec::DesiredStage;
use crate::resource::stage::spec::{default_stage, desired_stage};
use crate::resource::state_machine::spec::DesiredMachine;

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
    /// The state machines the stack owns (`[[state_machine]]`), in file order.
    pub state_machines: Vec<DesiredMachine>,
}

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

    /// The API's tags: the stack's, plus [`rules::MACHINES_TAG`] while it declares machines (a
    /// status helper counts), so that `up` after the last one is removed still scans for them.
    /// Only the API carries it: the stage, role and machines keep the stack's tags.
    pub fn api_tags(&self) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        if !self.state_machines.is_empty() {
            tags.insert(rules::MACHINES_TAG.into(), "true".into());
        }
        tags
    }

    /// The declared state machine of this name, if any.
    pub fn machine(&self, name: &str) -> Option<&DesiredMachine> {
        self.state_machines.iter().find(|m| m.name == name)
    }

    /// True when some route names its machine without an ARN, so that the machine's ARN holds
    /// placeholders for the partition, the region and the account until they are known.
    pub fn names_machines(&self) -> bool {
        // A declared machine's ARNs (and its role's) hold the same placeholders.
        !self.state_machines.is_empty()
            || self
                .routes
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
            // ARNs, and a status route's input, which holds the described machine's
            // execution ARN when it takes the execution by name.
            for value in route.integration.parameters.values_mut() {
                *value = bind(value);
            }
        }
        self.role.policy = policy::normalize(&map_strings(&self.role.policy, &bind));
        for machine in &mut self.state_machines {
            machine.bind(&bind);
        }
    }

    /// Once the account is known: the `aws:SourceAccount` condition of the trust policy.
    pub fn bind_account(&mut self, account: &str) {
        if self.role.restrict_source_account {
            self.role.trust = policy::normalize(&policy::api_gateway_trust(Some(account)));
        }
    }
}

/// Fills in defaults. Call only on a file that validated without errors; returns `None` when a
/// required field is missing (which validation reports).
pub fn desired(file: &StackFile) -> Option<Desired> {
    let stack = file.stack.name.as_ref()?.value.clone();
    let mut routes = Vec::new();
    let mut machines: Vec<(crate::domain::Action, crate::arn::StateMachineArn)> = Vec::new();
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
            unmanaged_routes: crate::resource::api::spec::string_set(&file.api.unmanaged_routes),
            unmanaged_stages: crate::resource::api::spec::string_set(&file.api.unmanaged_stages),
            unmanaged_authorizers: crate::resource::api::spec::string_set(&file.api.unmanaged_authorizers),
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
        state_machines: crate::resource::state_machine::spec::desired(file, &desired_tags(file, &stack))?,
        tags: desired_tags(file, &stack),
        stack,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::load::parse;
    use serde_json::json;

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
    fn only_the_api_of_a_stack_with_machines_carries_the_machines_tag() {
        let without = desired_of(include_str!(
            "../../tests/fixtures/onboarding-existing-machine.toml"
        ));
        assert!(without.state_machines.is_empty());
        assert_eq!(
            without.api_tags(),
            without.tags,
            "no machines: the stack's tags only"
        );
        let mut with = without.clone();
        with.state_machines = crate::resource::state_machine::spec::desired(
            &parse(include_str!(
                "../../tests/fixtures/onboarding-existing-machine.toml"
            ))
            .0,
            &with.tags,
        )
        .unwrap();
        with.state_machines
            .push(crate::resource::state_machine::spec::status_helper_machine(
                "m", &with.tags,
            ));
        assert_eq!(with.api_tags()[rules::MACHINES_TAG], "true");
        assert!(
            !with.tags.contains_key(rules::MACHINES_TAG),
            "the stage, roles and machines keep the stack's tags"
        );
        assert!(!with.state_machines[0].tags.contains_key(rules::MACHINES_TAG));
    }

    #[test]
    fn a_machine_in_another_region_gets_a_region_parameter() {
        let mut d = desired_of(include_str!(
            "../../tests/fixtures/onboarding-existing-machine.toml"
        ));
        d.bind_region("ap-southeast-2");
        assert!(!d.routes[0].integration.parameters.contains_key("Region"));
        d.bind_region("us-east-1");
        assert_eq!(d.routes[0].integration.parameters["Region"], "ap-southeast-2");
    }

    #[test]
    fn without_a_region_every_route_names_its_machines() {
        let mut d = desired_of(include_str!(
            "../../tests/fixtures/onboarding-existing-machine.toml"
        ));
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
    fn a_status_route_starts_the_helper_the_stack_owns_for_its_machine() {
        let source = format!(
            "{BASE}{}",
            "[[state_machine]]\nname = \"orders\"\n\
             definition = { StartAt = \"A\", States = { A = { Type = \"Pass\", End = true } } }\n\
             [[route]]\nkey = \"GET /status/{arn}\"\naction = \"DescribeExecution\"\nstate_machine = \"orders\"\n\
             parameters = { ExecutionArn = \"$request.path.arn\" }\n\
             [[route]]\nkey = \"GET /orders/{id}\"\naction = \"DescribeExecution\"\nstate_machine = \"orders\"\n\
             parameters = { Name = \"$request.path.id\" }\n"
        );
        let (mut file, diags) = parse(&source);
        assert!(diags.is_empty(), "{diags:?}");
        crate::resource::state_machine::spec::load_definitions(&mut file, std::path::Path::new("."));
        let mut d = desired(&file).unwrap();
        d.bind_machines("eu-west-1", "111122223333");
        // One helper for the two routes on one machine: EXPRESS, owned, describing `orders`.
        let names: Vec<&str> = d.state_machines.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["orders", "orders-status"]);
        let helper = &d.state_machines[1];
        assert_eq!(helper.kind, crate::resource::state_machine::MachineType::Express);
        assert_eq!(helper.describes.as_deref(), Some("orders"));
        assert_eq!(helper.tags[OWNER_TAG], "s");
        assert_eq!(
            helper.definition,
            super::super::status_helper::definition_in("aws")
        );
        let crate::resource::state_machine::spec::MachineRole::Generated(role) = &helper.role else {
            panic!("the helper's role is generated: {:?}", helper.role);
        };
        assert_eq!(role.name, "StepFunctions-orders-status-eu-west-1");
        assert_eq!(
            role.policy,
            policy::normalize(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "states:DescribeExecution",
                "Resource": "arn:aws:states:eu-west-1:111122223333:execution:orders:*"}]}))
        );
        // The routes start the helper synchronously, with the execution's ARN as its input.
        let helper_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:orders-status";
        let by_arn = &d.routes[0].integration;
        assert_eq!(by_arn.subtype(), "StepFunctions-StartSyncExecution");
        assert_eq!(by_arn.parameters["StateMachineArn"], helper_arn);
        assert_eq!(
            by_arn.parameters["Input"],
            r#"{"executionArn": "${request.path.arn}"}"#
        );
        assert_eq!(
            d.routes[1].integration.parameters["Input"],
            r#"{"executionArn": "arn:aws:states:eu-west-1:111122223333:execution:orders:${request.path.id}"}"#
        );
        // API Gateway's role may start the helper synchronously, and nothing else for it.
        let expected = json!({"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"states:StartSyncExecution","Resource":helper_arn}]});
        assert_eq!(d.role.policy, policy::normalize(&expected));
    }

    #[test]
    fn onboarding_defaults() {
        let d = desired_of(include_str!(
            "../../tests/fixtures/onboarding-existing-machine.toml"
        ));
        assert_eq!(d.stage.name, "$default");
        assert!(d.stage.auto_deploy);
        let route = &d.routes[0];
        assert_eq!(route.integration.subtype(), "StepFunctions-StartExecution");
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
