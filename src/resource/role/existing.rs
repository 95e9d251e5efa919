//! An existing role (`[role] arn`): never changed, only checked. Does it trust API Gateway, and
//! does some Allow statement of its policies grant each action on each resource the routes need?
//! Deny statements, conditions and permissions boundaries are not evaluated (IAM's policy
//! evaluation logic, IAM guide "Policy evaluation logic", has more to it): a gap found here is
//! real, a clean answer is a good sign, not a proof.

use serde_json::Value;

use crate::live::LiveRole;
use crate::stack::Desired;

/// What the existing role lacks, one sentence each; empty when nothing is missing.
pub fn existing_role_gaps(desired: &Desired, role: &LiveRole) -> Vec<String> {
    let mut gaps = Vec::new();
    if !trusts_api_gateway(&role.trust) {
        gaps.push(format!(
            "role {} does not trust apigateway.amazonaws.com (its trust policy needs an Allow of sts:AssumeRole for that service)",
            role.name
        ));
    }
    let documents: Vec<&Value> = role
        .inline
        .values()
        .chain(role.attached_documents.values())
        .collect();
    for (action, resource) in needed(&desired.role.policy) {
        if !documents.iter().any(|doc| allows(doc, &action, &resource)) {
            gaps.push(format!(
                "role {} does not allow {action} on {resource}",
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

fn trusts_api_gateway(trust: &Value) -> bool {
    statements(trust).into_iter().any(|s| {
        s["Effect"] == "Allow"
            && strings(&s["Action"])
                .iter()
                .any(|a| glob(a, "sts:AssumeRole", true))
            && (s["Principal"] == "*"
                || strings(&s["Principal"]["Service"]).contains(&"apigateway.amazonaws.com"))
    })
}

/// True when an Allow statement without `NotAction`/`NotResource` matches both; actions match
/// case-insensitively, resources case-sensitively, `*` and `?` as wildcards (IAM guide, "IAM JSON
/// policy elements: Action" and "...: Resource").
fn allows(doc: &Value, action: &str, resource: &str) -> bool {
    statements(doc).into_iter().any(|s| {
        s["Effect"] == "Allow"
            && strings(&s["Action"]).iter().any(|a| glob(a, action, true))
            && strings(&s["Resource"]).iter().any(|r| glob(r, resource, false))
    })
}

/// Wildcard match: `*` any run, `?` any one character.
fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| -> Vec<char> {
        match ignore_case {
            true => s.to_lowercase().chars().collect(),
            false => s.chars().collect(),
        }
    };
    let (p, t) = (fold(pattern), fold(text));
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(glob("states:*", "states:StartExecution", true));
        assert!(glob("STATES:startexecution", "states:StartExecution", true));
        assert!(glob(
            "arn:aws:states:*:*:stateMachine:user-*",
            "arn:aws:states:eu-west-1:1:stateMachine:user-onboarding",
            false
        ));
        assert!(!glob(
            "arn:aws:states:*:*:stateMachine:other",
            "arn:aws:states:eu-west-1:1:stateMachine:user",
            false
        ));
        assert!(glob("*", "anything", false));
        assert!(glob("a?c", "abc", false) && !glob("a?c", "abbc", false));
    }

    #[test]
    fn trust_needs_an_allow_of_assume_role_for_api_gateway() {
        assert!(trusts_api_gateway(&crate::policy::api_gateway_trust(None)));
        let lambda = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!trusts_api_gateway(&lambda));
        let deny = json!({"Statement": [{"Effect": "Deny", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        assert!(!trusts_api_gateway(&deny));
    }

    #[test]
    fn each_needed_action_and_resource_is_checked_against_allow_statements() {
        let machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:m";
        let doc = json!({"Statement": {"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": machine}});
        assert!(allows(&doc, "states:StartExecution", machine));
        assert!(!allows(&doc, "states:StopExecution", machine));
        assert!(!allows(
            &doc,
            "states:StartExecution",
            "arn:aws:states:eu-west-1:123456789012:stateMachine:other"
        ));
    }
}
