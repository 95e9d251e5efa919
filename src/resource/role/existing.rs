//! An existing role (`[role] arn`): never changed, only checked. Does it trust API Gateway, and do
//! its policies allow each action on each resource the routes need? Evaluated by the one evaluator
//! that `serve` uses ([`crate::iam`]: Deny, NotAction, NotResource, wildcards), so a role `diff`
//! finds no gap in is one `serve` lets through, and the reverse. Conditions and permissions
//! boundaries are not evaluated (IAM guide, "Policy evaluation logic", has more to it): a gap found
//! here is real, a clean answer is a good sign, not a proof.

use serde_json::Value;

use crate::iam::{self, API_GATEWAY_PRINCIPAL};
use crate::resource::role::spec::LiveRole;
use crate::stack::Desired;

/// What the existing role lacks, one sentence each; empty when nothing is missing.
pub fn existing_role_gaps(desired: &Desired, role: &LiveRole) -> Vec<String> {
    let mut gaps = Vec::new();
    let policies = role.policies();
    let trust = iam::trusts(&policies.trust, API_GATEWAY_PRINCIPAL);
    if !trust.allowed {
        gaps.push(format!(
            "role {} does not trust apigateway.amazonaws.com (its trust policy needs an Allow of sts:AssumeRole for that service{})",
            role.name,
            if trust.explicit_deny { ", and no Deny of it" } else { "" }
        ));
    }
    for (action, resource) in needed(&desired.role.policy) {
        let decision = iam::evaluate(&policies.permissions, &action, &resource);
        if !decision.allowed {
            let why = if decision.explicit_deny {
                format!(": {}", decision.reason)
            } else {
                String::new()
            };
            gaps.push(format!(
                "role {} does not allow {action} on {resource}{why}",
                role.name
            ));
        }
    }
    gaps
}

/// The (action, resource) pairs the least-privilege policy grants.
fn needed(policy: &Value) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for statement in statements(policy) {
        for action in strings(&statement["Action"]) {
            for resource in strings(&statement["Resource"]) {
                pairs.push((action.to_string(), resource.to_string()));
            }
        }
    }
    pairs
}

fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![&doc["Statement"]],
        _ => Vec::new(),
    }
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::gateway::served::{RoleRead, Served};

    const SECURE: &str = include_str!("../../../stacks/onboarding-secure.toml");
    const ROLE_ARN: &str = "arn:aws:iam::189107071895:role/platform/apigw";
    const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";

    /// The secure stack (StartExecution, StartSyncExecution and StopExecution routes) on an
    /// existing role.
    fn desired() -> Desired {
        let text = SECURE.replacen(
            "name = \"user-onboarding-secure-api-gateway-role\"\npolicy_name = \"InvokeUserOnboardingWorkflows\"",
            &format!("arn = \"{ROLE_ARN}\""),
            1,
        );
        assert_ne!(text, SECURE, "fixture changed");
        let loaded = crate::stack::from_source(&text);
        loaded
            .desired
            .unwrap_or_else(|| panic!("{:?}", loaded.diagnostics))
    }

    fn role(trust: Value, inline: Value, managed: Option<Value>) -> LiveRole {
        LiveRole {
            name: "apigw".into(),
            arn: ROLE_ARN.into(),
            trust,
            inline: [("p".to_string(), inline)].into_iter().collect(),
            attached_documents: managed
                .into_iter()
                .map(|d| ("arn:aws:iam::189107071895:policy/guard".to_string(), d))
                .collect(),
            ..LiveRole::default()
        }
    }

    /// `serve`'s answer for every route of the stack with this role: Ok when each call passes.
    fn serve_lets_every_route_through(desired: &Desired, role: &LiveRole) -> Result<(), String> {
        let served = Served {
            roles: [(ROLE_ARN.to_string(), RoleRead::Present(role.policies()))]
                .into_iter()
                .collect(),
            ..Served::default()
        };
        for route in &desired.routes {
            let action = route.integration.action;
            let mut params: BTreeMap<String, String> = BTreeMap::new();
            let run = format!(
                "{}:run-1",
                route.state_machine.replace(":stateMachine:", ":execution:")
            );
            params.insert("StateMachineArn".into(), route.state_machine.clone());
            params.insert("ExecutionArn".into(), run);
            served.role_allows(Some(ROLE_ARN), action, &params)?;
        }
        Ok(())
    }

    /// One evaluator: for every role here, `diff` finds a gap exactly when `serve` refuses a
    /// route (IAM User Guide, "Policy evaluation logic": explicit Deny, then Allow, else deny;
    /// "IAM JSON policy elements: NotAction / NotResource").
    #[test]
    fn serve_and_diff_agree_on_every_role() {
        let desired = desired();
        let trust = crate::policy::api_gateway_trust(None);
        let lambda = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        let trust_denied = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
        let all = json!({"Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}]});
        let cases: Vec<(&str, LiveRole, bool)> = vec![
            (
                "the least-privilege policy",
                role(trust.clone(), desired.role.policy.clone(), None),
                true,
            ),
            ("states:* on *", role(trust.clone(), all.clone(), None), true),
            (
                "NotAction iam:*",
                role(
                    trust.clone(),
                    json!({"Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}),
                    None,
                ),
                true,
            ),
            (
                "wildcards",
                role(
                    trust.clone(),
                    json!({"Statement": [{"Effect": "Allow", "Action": "STATES:Start*", "Resource": "arn:aws:states:*:*:stateMachine:user-*"},
                {"Effect": "Allow", "Action": "states:StopExecution", "Resource": "arn:aws:states:*:*:execution:user-?nboarding:*"}]}),
                    None,
                ),
                true,
            ),
            (
                "a Deny of Stop*",
                role(
                    trust.clone(),
                    json!({"Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "states:Stop*", "Resource": "*"}]}),
                    None,
                ),
                false,
            ),
            (
                "a NotResource Deny",
                role(
                    trust.clone(),
                    json!({"Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "states:*", "NotResource": "arn:aws:states:*:*:stateMachine:other"}]}),
                    None,
                ),
                false,
            ),
            (
                "a managed NotAction Deny",
                role(
                    trust.clone(),
                    all.clone(),
                    Some(
                        json!({"Statement": [{"Effect": "Deny", "NotAction": "states:Describe*", "Resource": "*"}]}),
                    ),
                ),
                false,
            ),
            (
                "Allow only StartExecution",
                role(
                    trust.clone(),
                    json!({"Statement": {"Effect": "Allow", "Action": "states:StartExecution", "Resource": MACHINE}}),
                    None,
                ),
                false,
            ),
            ("a Lambda trust", role(lambda, all.clone(), None), false),
            ("a trust with a Deny", role(trust_denied, all, None), false),
        ];
        for (what, role, allowed) in cases {
            let gaps = existing_role_gaps(&desired, &role);
            let serve = serve_lets_every_route_through(&desired, &role);
            assert_eq!(gaps.is_empty(), allowed, "{what}: diff says {gaps:?}");
            assert_eq!(serve.is_ok(), allowed, "{what}: serve says {serve:?}");
        }
    }

    #[test]
    fn an_explicit_deny_is_named_in_the_gap() {
        let desired = desired();
        let deny = json!({"Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "states:StopExecution", "Resource": "*"}]});
        let gaps = existing_role_gaps(
            &desired,
            &role(crate::policy::api_gateway_trust(None), deny, None),
        );
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert!(
            gaps[0].starts_with("role apigw does not allow states:StopExecution on arn:aws:states:")
                && gaps[0].contains("explicitly denied by statement 2 of inline p"),
            "{gaps:?}"
        );
    }
}
