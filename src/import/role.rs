//! The role the routes' integrations assume, and its policy as `actions`, as nothing (what the
//! routes derive), or written out.
//!
//! The console's way (Step Functions developer guide, "Creating a Step Functions API using API
//! Gateway", step 1): IAM console, AWS service, use case "API Gateway", which makes the trust
//! policy for `apigateway.amazonaws.com` (with an empty `Sid`, which carries no meaning) and
//! attaches `AmazonAPIGatewayPushToCloudWatchLogs`; the policy granting Step Functions is added
//! after. The trust policy is the tool's; the managed policy is carried as `managed_policies`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::routes::ImportedRoutes;
use super::{Skipped, SkippedKind, blocking};
use crate::live::{ImportRead, LiveRole, RoleState};
use crate::policy;
use crate::resource::role::emit::DocRole;
use crate::stack::desired::least_privilege;

/// The role most Step Functions integrations assume (the first ARN on a tie); the routes that
/// assume another are skipped by the route pass. A role that does not exist blocks.
pub(super) fn pick_role(read: &ImportRead, skipped: &mut Vec<Skipped>) -> Option<LiveRole> {
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &read.api.integrations {
        let step_functions = i
            .subtype
            .as_deref()
            .is_some_and(|s| s.starts_with(crate::domain::SUBTYPE_PREFIX));
        if let (true, Some(arn)) = (step_functions, i.credentials_arn.as_deref()) {
            *uses.entry(arn).or_default() += 1;
        }
    }
    let most = uses.values().copied().max()?;
    let arn = uses.iter().find(|(_, n)| **n == most).map(|(arn, _)| *arn)?;
    match read.roles.get(arn) {
        Some(RoleState::Present(role)) => Some(role.clone()),
        _ => {
            skipped.push(blocking(
                SkippedKind::Role,
                arn,
                "the integrations' role does not exist (GetRole: NoSuchEntity): `up` would create it".into(),
            ));
            None
        }
    }
}

/// `[role]`: the trust policy must be the tool's (optionally with the account condition), the
/// role must hold exactly one inline policy, written as the routes derive it, as `actions`, or
/// out in full.
pub(super) fn doc_role(
    read: &ImportRead,
    role: &LiveRole,
    routes: &ImportedRoutes,
    skipped: &mut Vec<Skipped>,
) -> DocRole {
    let restrict_source_account = trust(read, role, skipped);
    let (policy_name, doc) = match role.inline.iter().collect::<Vec<_>>().as_slice() {
        [(name, doc)] => ((*name).clone(), Some(*doc)),
        none_or_many => {
            skipped.push(blocking(
                SkippedKind::Role,
                &role.name,
                format!(
                    "{} inline policies ({}): the format holds exactly one, and `up` would {}",
                    none_or_many.len(),
                    none_or_many
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if none_or_many.is_empty() {
                        "add one"
                    } else {
                        "delete the others"
                    }
                ),
            ));
            (
                none_or_many
                    .first()
                    .map(|(n, _)| (*n).clone())
                    .unwrap_or_default(),
                None,
            )
        }
    };
    let (actions, policy) = match doc {
        Some(doc) => policy_form(read, role, &policy_name, doc, routes),
        None => (None, None),
    };
    DocRole {
        policy_name,
        actions,
        policy,
        restrict_source_account,
        ..DocRole::of(role)
    }
}

/// True for the trust policy with the `aws:SourceAccount` condition; the plain one is the
/// default; any other blocks (`up` would replace it with the tool's).
fn trust(read: &ImportRead, role: &LiveRole, skipped: &mut Vec<Skipped>) -> bool {
    let plain = policy::normalize(&policy::api_gateway_trust(None));
    let guarded = policy::normalize(&policy::api_gateway_trust(Some(&read.account)));
    if role.trust == plain {
        return false;
    }
    if role.trust == guarded {
        return true;
    }
    skipped.push(blocking(
        SkippedKind::Role,
        &role.name,
        format!(
            "its trust policy is not the one the tool writes (apigateway.amazonaws.com may assume it, optionally only for account {}): {}",
            read.account, role.trust
        ),
    ));
    false
}

/// Nothing when the policy is what the routes derive, `actions` when it is what a list of
/// actions derives, else the document as IAM returned it.
fn policy_form(
    read: &ImportRead,
    role: &LiveRole,
    policy_name: &str,
    doc: &Value,
    routes: &ImportedRoutes,
) -> (Option<Vec<String>>, Option<String>) {
    let machines: Vec<(crate::domain::Action, crate::arn::StateMachineArn)> = routes
        .routes
        .iter()
        .filter_map(|r| {
            crate::arn::parse_state_machine_arn(&r.state_machine)
                .ok()
                .map(|m| (r.action, m))
        })
        .collect();
    if policy::normalize(&least_privilege(&machines, None)) == *doc {
        return (None, None);
    }
    let actions = granted_actions(doc);
    let covers = routes
        .routes
        .iter()
        .all(|r| actions.iter().any(|a| a == r.action.iam_action()));
    let known = actions
        .iter()
        .all(|a| crate::stack::validate::ROLE_ACTIONS.contains(&a.as_str()));
    if !actions.is_empty()
        && covers
        && known
        && policy::normalize(&least_privilege(&machines, Some(&actions))) == *doc
    {
        return (Some(actions), None);
    }
    let text = read
        .policy_texts
        .get(&role.name)
        .and_then(|t| t.get(policy_name))
        .cloned()
        .unwrap_or_else(|| doc.to_string());
    (None, Some(text))
}

/// The Step Functions actions an all-Allow policy grants, in the order they first appear.
fn granted_actions(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in doc["Statement"].as_array().into_iter().flatten() {
        if s["Effect"] != "Allow" {
            return Vec::new();
        }
        for a in s["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !a.starts_with("states:") || a.contains('*') {
                return Vec::new();
            }
            if !out.iter().any(|o| o == a) {
                out.push(a.to_string());
            }
        }
    }
    out
}
