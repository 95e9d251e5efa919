//! Would IAM let API Gateway do this? The one evaluator of integration roles, used by `serve`
//! (before the gateway calls Step Functions) and by `diff` (for an existing role, `[role] arn`), so
//! the two cannot disagree on a role: its trust policy must let `apigateway.amazonaws.com` assume
//! it, and its permission policies must allow the action on the target. Pure: no SDK.
//!
//! Evaluation as the IAM User Guide describes it ("Policy evaluation logic"; "IAM JSON policy
//! elements: Action / NotAction / Resource / NotResource"): an explicit `Deny` in any statement that
//! applies wins; otherwise an `Allow` that applies allows; otherwise the request is implicitly
//! denied. Action names match case-insensitively, resources case-sensitively; both take the `*` and
//! `?` wildcards. `Condition` blocks are not evaluated here: a statement with one is taken to apply,
//! and the answer says so (see [`Decision::unevaluated_conditions`]).

use serde_json::Value;

use crate::domain::Action;

pub use crate::policy::API_GATEWAY_PRINCIPAL;

/// A role's policies as the evaluator reads them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolePolicies {
    /// Role ARN.
    pub arn: String,
    /// Trust policy, decoded.
    pub trust: Value,
    /// Permission policies, decoded, each with where it comes from (`inline NAME` or a managed
    /// policy ARN).
    pub permissions: Vec<(String, Value)>,
}

/// Why API Gateway may not make a call with a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The trust policy does not let API Gateway assume the role.
    Untrusted(Decision),
    /// The permission policies do not allow the action on the resource.
    NotAllowed(Decision),
}

impl RolePolicies {
    /// Whether API Gateway, assuming this role, may make `iam_action` on `resource`: both the
    /// trust and the permission policies are evaluated ("Policy evaluation logic", IAM User Guide).
    pub fn api_gateway_may(&self, iam_action: &str, resource: &str) -> Result<Decision, Refusal> {
        let trust = trusts(&self.trust, API_GATEWAY_PRINCIPAL);
        if !trust.allowed {
            return Err(Refusal::Untrusted(trust));
        }
        let decision = evaluate(&self.permissions, iam_action, resource);
        if decision.allowed {
            Ok(decision)
        } else {
            Err(Refusal::NotAllowed(decision))
        }
    }
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed (an applicable Allow and no applicable Deny).
    pub allowed: bool,
    /// Refused by an explicit `Deny` (not merely for want of an `Allow`).
    pub explicit_deny: bool,
    /// Why, for the log line: which statement allowed or denied, or that nothing allowed.
    pub reason: String,
    /// Statements that applied only because their `Condition` was not evaluated.
    pub unevaluated_conditions: usize,
}

/// Matches `value` against an IAM pattern with `*` (any run) and `?` (one character).
pub fn wildcard_match(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    let fold = |s: &str| {
        if case_insensitive {
            s.to_ascii_lowercase()
        } else {
            s.to_string()
        }
    };
    let (p, v): (Vec<char>, Vec<char>) = (fold(pattern).chars().collect(), fold(value).chars().collect());
    // Iterative glob match with backtracking to the last `*`.
    let (mut pi, mut vi, mut star, mut mark) = (0, 0, None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    }
}

/// Whether `element`/`Not{element}` of a statement covers `value`.
fn covers(statement: &Value, element: &str, value: &str, case_insensitive: bool) -> bool {
    let any = |patterns: Vec<&str>| {
        patterns
            .iter()
            .any(|p| wildcard_match(p, value, case_insensitive))
    };
    if let Some(list) = statement.get(element) {
        any(strings(Some(list)))
    } else if let Some(list) = statement.get(format!("Not{element}")) {
        !any(strings(Some(list)))
    } else {
        false
    }
}

fn principal_covers(statement: &Value, service: &str) -> bool {
    let named = |p: &Value| match p {
        Value::String(s) => s == "*",
        Value::Object(map) => {
            strings(map.get("Service"))
                .iter()
                .any(|s| s.eq_ignore_ascii_case(service))
                || strings(map.get("AWS")).contains(&"*")
        }
        _ => false,
    };
    match (statement.get("Principal"), statement.get("NotPrincipal")) {
        (Some(p), _) => named(p),
        (None, Some(p)) => !named(p),
        _ => false,
    }
}

/// Evaluates `action` on `resource` against permission policies (each with where it comes from).
pub fn evaluate(policies: &[(String, Value)], action: &str, resource: &str) -> Decision {
    let mut allow: Option<String> = None;
    let mut unevaluated = 0;
    for (source, doc) in policies {
        for (i, statement) in statements(doc).into_iter().enumerate() {
            if !covers(statement, "Action", action, true) || !covers(statement, "Resource", resource, false) {
                continue;
            }
            if statement.get("Condition").is_some() {
                unevaluated += 1;
            }
            let at = format!("statement {} of {source}", i + 1);
            match statement.get("Effect").and_then(Value::as_str) {
                Some("Deny") => {
                    return Decision {
                        allowed: false,
                        explicit_deny: true,
                        reason: format!("{action} on {resource} is explicitly denied by {at}"),
                        unevaluated_conditions: unevaluated,
                    };
                }
                Some("Allow") => {
                    allow.get_or_insert(at);
                }
                _ => {}
            }
        }
    }
    match allow {
        Some(at) => Decision {
            allowed: true,
            explicit_deny: false,
            reason: format!("{action} on {resource} is allowed by {at}"),
            unevaluated_conditions: unevaluated,
        },
        None => Decision {
            allowed: false,
            explicit_deny: false,
            reason: format!("no policy of the role allows {action} on {resource}"),
            unevaluated_conditions: unevaluated,
        },
    }
}

/// Whether the trust policy lets `service` assume the role (`sts:AssumeRole`).
pub fn trusts(trust: &Value, service: &str) -> Decision {
    let mut allowed = false;
    let mut unevaluated = 0;
    for statement in statements(trust) {
        if !covers(statement, "Action", "sts:AssumeRole", true) || !principal_covers(statement, service) {
            continue;
        }
        if statement.get("Condition").is_some() {
            unevaluated += 1;
        }
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Deny") => {
                return Decision {
                    allowed: false,
                    explicit_deny: true,
                    reason: format!("the trust policy denies {service} sts:AssumeRole"),
                    unevaluated_conditions: unevaluated,
                };
            }
            Some("Allow") => allowed = true,
            _ => {}
        }
    }
    Decision {
        allowed,
        explicit_deny: false,
        reason: if allowed {
            format!("the trust policy lets {service} assume the role")
        } else {
            format!("the trust policy does not let {service} assume the role (sts:AssumeRole)")
        },
        unevaluated_conditions: unevaluated,
    }
}

/// The IAM action and resource API Gateway's call needs for an integration subtype's action, from
/// the evaluated request parameters. Versions and aliases are authorized by the unqualified state
/// machine ARN (Step Functions developer guide, "Authorization for versions and aliases"); stopping
/// is authorized on the execution ARN (Service Authorization Reference, AWS Step Functions).
pub fn action_and_resource(
    action: Action,
    params: &std::collections::BTreeMap<String, String>,
) -> (String, String) {
    let resource = if action.starts() {
        let arn = params.get("StateMachineArn").cloned().unwrap_or_default();
        unqualified_machine(&arn)
    } else {
        params.get("ExecutionArn").cloned().unwrap_or_default()
    };
    (action.iam_action().to_string(), resource)
}

/// `arn:aws:states:R:A:stateMachine:NAME:QUALIFIER` -> `arn:aws:states:R:A:stateMachine:NAME`.
fn unqualified_machine(arn: &str) -> String {
    arn.parse::<crate::arn::StateMachineArn>()
        .map_or_else(|_| arn.to_string(), |m| m.machine())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const MACHINE: &str = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:onboarding";

    fn one(doc: Value) -> Vec<(String, Value)> {
        vec![("inline p".to_string(), doc)]
    }

    #[test]
    fn wildcards_match_like_iam() {
        assert!(wildcard_match("states:Start*", "states:StartExecution", false));
        assert!(wildcard_match("STATES:start*", "states:StartExecution", true));
        assert!(!wildcard_match("STATES:start*", "states:StartExecution", false));
        assert!(wildcard_match(
            "arn:aws:states:*:*:stateMachine:on?oarding",
            MACHINE,
            false
        ));
        assert!(wildcard_match("*", "", false));
        assert!(!wildcard_match("arn:*:x", MACHINE, false));
        assert!(wildcard_match("a*b*c", "aXXbYYbc", false));
    }

    #[test]
    fn allow_deny_and_implicit_deny() {
        let allow =
            json!({"Statement": {"Effect": "Allow", "Action": "states:StartExecution", "Resource": MACHINE}});
        assert!(evaluate(&one(allow.clone()), "states:StartExecution", MACHINE).allowed);
        let d = evaluate(&one(allow), "states:StartSyncExecution", MACHINE);
        assert!(!d.allowed);
        assert!(
            d.reason
                .contains("no policy of the role allows states:StartSyncExecution"),
            "{}",
            d.reason
        );

        let wide_and_deny = vec![
            (
                "inline a".to_string(),
                json!({"Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}]}),
            ),
            (
                "arn:aws:iam::1:policy/guard".to_string(),
                json!({"Statement": [{"Effect": "Deny", "Action": ["states:Start*"], "Resource": "arn:aws:states:*:*:stateMachine:on*"}]}),
            ),
        ];
        let d = evaluate(&wide_and_deny, "states:StartExecution", MACHINE);
        assert!(!d.allowed);
        assert!(
            d.reason
                .contains("explicitly denied by statement 1 of arn:aws:iam::1:policy/guard"),
            "{}",
            d.reason
        );
        assert!(evaluate(&wide_and_deny, "states:StopExecution", MACHINE).allowed);
        assert!(!evaluate(&[], "states:StartExecution", MACHINE).allowed);
    }

    #[test]
    fn not_action_and_not_resource() {
        let doc = json!({"Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "states:*", "NotResource": [MACHINE]}
        ]});
        let p = one(doc);
        assert!(evaluate(&p, "states:StartExecution", MACHINE).allowed);
        assert!(
            !evaluate(
                &p,
                "states:StartExecution",
                "arn:aws:states:ap-southeast-2:123456789012:stateMachine:other"
            )
            .allowed
        );
        assert!(!evaluate(&p, "iam:PassRole", "*").allowed);
    }

    #[test]
    fn conditions_are_counted_not_evaluated() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Action": "states:StartExecution", "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]});
        let d = evaluate(&one(doc), "states:StartExecution", MACHINE);
        assert!(d.allowed);
        assert_eq!(d.unevaluated_conditions, 1);
    }

    #[test]
    fn trust_policies() {
        let good = crate::policy::api_gateway_trust(None);
        assert!(trusts(&good, API_GATEWAY_PRINCIPAL).allowed);
        let lambda = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": "sts:AssumeRole"}]});
        let d = trusts(&lambda, API_GATEWAY_PRINCIPAL);
        assert!(!d.allowed);
        assert!(
            d.reason.contains("does not let apigateway.amazonaws.com assume"),
            "{}",
            d.reason
        );
        let star = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:*"}]});
        assert!(trusts(&star, API_GATEWAY_PRINCIPAL).allowed);
        let denied = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]});
        assert!(!trusts(&denied, API_GATEWAY_PRINCIPAL).allowed);
        assert!(!trusts(&Value::Null, API_GATEWAY_PRINCIPAL).allowed);
    }

    #[test]
    fn actions_name_their_iam_resource() {
        let params = |k: &str, v: &str| [(k.to_string(), v.to_string())].into_iter().collect();
        assert_eq!(
            action_and_resource(
                Action::StartExecution,
                &params("StateMachineArn", &format!("{MACHINE}:PROD"))
            ),
            ("states:StartExecution".to_string(), MACHINE.to_string())
        );
        assert_eq!(
            action_and_resource(Action::StartSyncExecution, &params("StateMachineArn", MACHINE)),
            ("states:StartSyncExecution".to_string(), MACHINE.to_string())
        );
        let exec = "arn:aws:states:ap-southeast-2:123456789012:execution:onboarding:run-1";
        assert_eq!(
            action_and_resource(Action::StopExecution, &params("ExecutionArn", exec)),
            ("states:StopExecution".to_string(), exec.to_string())
        );
    }
}
