//! The desired state once the names in it are bound: the region the stack lives in and the
//! account it deploys into. A stack file names state machines without an ARN, and the trust
//! policy's `aws:SourceAccount` needs the account; neither is known until the clients are made
//! and STS answers. This module is the one binder: [`Desired::bind`] (for `up`, `diff`, `down`,
//! `serve`, `invoke`) and [`Desired::bind_offline`] (for `synth`, the OpenAPI export and
//! `policy --workflow`, which run without AWS) are the only ways to a [`BoundDesired`], and the
//! steps they take are private here. The planner ([`crate::plan::plan`]) and the OpenAPI export
//! ([`crate::openapi::document`]) take nothing else, so an unbound stack cannot be planned or
//! exported, and no command changes a [`Desired`] in place.

use std::ops::Deref;

use serde_json::Value;

use super::Desired;
use super::rules;
use crate::policy;

/// What the names of a stack are bound to when it is deployed by this tool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    /// The region the stack's API lives in.
    pub region: String,
    /// The account, when it was needed and learned ([`Desired::needs_account`]); without it,
    /// machines named without an ARN keep their placeholders (`down`, which finds what it
    /// deletes by tag, goes on without it).
    pub account: Option<String>,
}

/// What an offline document knows of where the stack will live: a CloudFormation template, an
/// OpenAPI document or an execution role's policy, written without AWS and deployed (or
/// imported) by someone else, in a region and account that may not be known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offline {
    /// The region (`--region`, else the stack's), when known. Without it every route names its
    /// machine's region, which is right wherever the API ends up.
    pub region: Option<String>,
    /// The account (`--account`), when known.
    pub account: Option<String>,
    /// What becomes of the placeholders of machines named without an ARN.
    pub placeholders: Placeholders,
}

/// What an offline document does with the placeholders (`${AWS::Partition}`, `${AWS::Region}`,
/// `${AWS::AccountId}`) of machines named without an ARN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Placeholders {
    /// Kept as they are: a CloudFormation template's `Fn::Sub` fills them in as pseudo
    /// parameters where it is deployed (CloudFormation user guide, "Pseudo parameters
    /// reference").
    #[default]
    Kept,
    /// Written out with what is known (the partition and region from the region, the account);
    /// the rest stays, as the OpenAPI import variables API Gateway fills in ("AWS variables for
    /// OpenAPI import") or as the caller chose to spell them.
    Written,
}

/// A [`Desired`] whose region and account are bound ([`Desired::bind`],
/// [`Desired::bind_offline`]). Read it as a [`Desired`] (it derefs to one); it cannot be changed.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundDesired {
    desired: Desired,
    region: Option<String>,
    account: Option<String>,
}

impl Desired {
    /// Binds the stack to a region and an account: a route whose machine lives in another
    /// region gets its `Region`, machines named without an ARN get theirs (once the account is
    /// known), and the trust policy its `aws:SourceAccount`.
    pub fn bind(mut self, binding: &Binding) -> BoundDesired {
        self.bind_region(&binding.region);
        if let Some(account) = &binding.account {
            if self.names_machines() {
                self.fill_placeholders(Some(&binding.region), Some(account));
            }
            self.bind_account(account);
        }
        BoundDesired {
            desired: self,
            region: Some(binding.region.clone()),
            account: binding.account.clone(),
        }
    }

    /// Binds the stack for an offline document: the routes' `Region` as [`Desired::bind`] sets
    /// it when the region is known, else every route names its machine's region; with
    /// [`Placeholders::Written`], the machines' placeholders hold what is known and the trust
    /// policy the account.
    pub fn bind_offline(mut self, offline: &Offline) -> BoundDesired {
        match &offline.region {
            Some(region) => self.bind_region(region),
            None => self.pin_machine_regions(),
        }
        if offline.placeholders == Placeholders::Written {
            self.fill_placeholders(offline.region.as_deref(), offline.account.as_deref());
            if let Some(account) = &offline.account {
                self.bind_account(account);
            }
        }
        BoundDesired {
            desired: self,
            region: offline.region.clone(),
            account: offline.account.clone(),
        }
    }

    /// Once the region is known: a route whose machine lives in another region gets
    /// `Region = <machine's region>`, or API Gateway would call Step Functions in its own region
    /// and every request would fail. A `Region` written in the file is kept.
    fn bind_region(&mut self, region: &str) {
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

    /// When the region the stack will live in is not known (a template deployed anywhere): every
    /// route names its machine's region, which is right wherever the API ends up.
    fn pin_machine_regions(&mut self) {
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

    /// Machines named without an ARN, `arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME`,
    /// get what is known: the partition (the region's) and the region when `region` is given,
    /// the account when `account` is; in the routes, their parameters (`StateMachineArn`, and a
    /// status route's input, which holds the described machine's execution ARN when it takes the
    /// execution by name), the derived policy and the declared machines.
    fn fill_placeholders(&mut self, region: Option<&str>, account: Option<&str>) {
        let bind = |text: &str| {
            let mut text = text.to_string();
            if let Some(region) = region {
                let partition = crate::arn::Partition::of_or_aws(region).id;
                text = text
                    .replace(rules::PARTITION_PLACEHOLDER, partition)
                    .replace(rules::REGION_PLACEHOLDER, region);
            }
            if let Some(account) = account {
                text = text.replace(rules::ACCOUNT_PLACEHOLDER, account);
            }
            text
        };
        for route in &mut self.routes {
            route.state_machine = bind(&route.state_machine);
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
    fn bind_account(&mut self, account: &str) {
        if self.role.restrict_source_account {
            self.role.trust = policy::normalize(&policy::api_gateway_trust(Some(account)));
        }
    }
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

impl Deref for BoundDesired {
    type Target = Desired;

    fn deref(&self) -> &Desired {
        &self.desired
    }
}

impl BoundDesired {
    /// The bound state as a plain [`Desired`], for what keeps one (`serve`'s reloader).
    pub fn into_inner(self) -> Desired {
        self.desired
    }

    /// The region it was bound to, when known.
    pub fn bound_region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The account it was bound to, when known.
    pub fn bound_account(&self) -> Option<&str> {
        self.account.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::desired::desired;
    use crate::stack::load::parse;
    use crate::stack::rules::OWNER_TAG;
    use serde_json::json;

    use crate::stack::desired::tests::{BASE, desired_of};

    #[test]
    fn binding_fills_the_machines_the_region_and_the_trust() {
        let source = "[stack]\nname = \"s\"\n[api]\nname = \"a\"\n[role]\nname = \"r\"\npolicy_name = \"p\"\n\
                      restrict_source_account = true\n\
                      [[route]]\nkey = \"POST /a\"\naction = \"StartExecution\"\nstate_machine = \"orders\"\n";
        let loaded = crate::stack::from_source(source);
        let desired = loaded
            .desired
            .unwrap_or_else(|| panic!("{:#?}", loaded.diagnostics));
        assert!(desired.names_machines());
        let unbound = desired.clone().bind(&Binding {
            region: "eu-west-1".into(),
            account: None,
        });
        assert!(
            unbound.names_machines(),
            "without an account the placeholders stay"
        );
        let bound = desired.bind(&Binding {
            region: "eu-west-1".into(),
            account: Some("111122223333".into()),
        });
        assert!(!bound.names_machines());
        assert_eq!(
            bound.routes[0].state_machine,
            "arn:aws:states:eu-west-1:111122223333:stateMachine:orders"
        );
        assert!(
            bound.role.trust.to_string().contains("111122223333"),
            "{}",
            bound.role.trust
        );
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
        d.fill_placeholders(Some("cn-north-1"), Some("111122223333"));
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
        d.fill_placeholders(Some("eu-west-1"), Some("111122223333"));
        // One helper for the two routes on one machine: EXPRESS, owned, describing `orders`.
        let names: Vec<&str> = d.state_machines.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["orders", "orders-status"]);
        let helper = &d.state_machines[1];
        assert_eq!(helper.kind, crate::resource::state_machine::MachineType::Express);
        assert_eq!(helper.describes.as_deref(), Some("orders"));
        assert_eq!(helper.tags[OWNER_TAG], "s");
        assert_eq!(
            helper.definition,
            crate::stack::status_helper::definition_in("aws")
        );
        let crate::resource::state_machine::spec::MachineRole::Generated(role) = &helper.role else {
            panic!("the helper's role is generated: {:?}", helper.role);
        };
        assert_eq!(role.name, "StepFunctions-orders-status-eu-west-1");
        assert_eq!(
            role.policy,
            Some(policy::normalize(
                &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "states:DescribeExecution",
                "Resource": "arn:aws:states:eu-west-1:111122223333:execution:orders:*"}]})
            ))
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

    /// An offline document: a CloudFormation template keeps every placeholder (its pseudo
    /// parameters), an OpenAPI document writes what is known and leaves the rest to the import.
    #[test]
    fn an_offline_binding_keeps_or_writes_what_is_known() {
        let source = format!(
            "{BASE}restrict_source_account = true\n{}",
            "[[route]]\nkey = \"POST /a\"\naction = \"StartExecution\"\nstate_machine = \"orders\"\n"
        );
        let d = desired_of(&source);
        let placeholder = "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:orders";
        let offline = |region: Option<&str>, account: Option<&str>, placeholders| {
            d.clone().bind_offline(&Offline {
                region: region.map(str::to_string),
                account: account.map(str::to_string),
                placeholders,
            })
        };
        let template = offline(Some("cn-north-1"), None, Placeholders::Kept);
        assert_eq!(template.routes[0].state_machine, placeholder);
        assert_eq!(template.role.trust, d.role.trust, "the account is not known");
        assert_eq!(template.bound_region(), Some("cn-north-1"));
        let region_only = offline(Some("cn-north-1"), None, Placeholders::Written);
        assert_eq!(
            region_only.routes[0].state_machine,
            "arn:aws-cn:states:cn-north-1:${AWS::AccountId}:stateMachine:orders"
        );
        let account_only = offline(None, Some("111122223333"), Placeholders::Written);
        assert_eq!(
            account_only.routes[0].integration.parameters["StateMachineArn"],
            "arn:${AWS::Partition}:states:${AWS::Region}:111122223333:stateMachine:orders"
        );
        assert!(account_only.role.trust.to_string().contains("111122223333"));
        assert_eq!(account_only.bound_account(), Some("111122223333"));
        let both = offline(Some("eu-west-1"), Some("111122223333"), Placeholders::Written);
        assert!(!both.names_machines());
        assert_eq!(
            both.role.policy,
            policy::normalize(&json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": "arn:aws:states:eu-west-1:111122223333:stateMachine:orders"}]}))
        );
    }
}
