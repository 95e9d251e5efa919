//! The desired state: a validated stack file with every default filled in. Plain data, no spans.

use std::collections::BTreeMap;

use super::model::StackFile;
use super::rules::{self, OWNER_TAG};
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
    /// True when the account id is needed: for the trust policy's `aws:SourceAccount` or
    /// for a machine named without an ARN (both bound by [`Desired::bind`]).
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::policy;
    use crate::stack::load::parse;
    use serde_json::json;

    /// The desired state of a stack file's text, which must load without diagnostics.
    pub(crate) fn desired_of(source: &str) -> Desired {
        let (file, diags) = parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        desired(&file).unwrap()
    }

    /// The smallest stack the tests add tables to.
    pub(crate) const BASE: &str = r#"
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
