//! IAM policy documents compared by meaning, not by bytes.
//!
//! IAM returns documents URL-encoded, reorders nothing but keeps whatever shape was sent, and a
//! string `Action` means the same as a one-element list. Comparing raw text diffs forever.

use serde_json::{Map, Value, json};

/// The service principal API Gateway assumes roles as: the trust policy's `Principal.Service`,
/// the evaluator's principal and the deployer policy's `iam:PassedToService` (IAM User Guide,
/// "AWS JSON policy elements: Principal", AWS service principals).
pub const API_GATEWAY_PRINCIPAL: &str = "apigateway.amazonaws.com";

/// The trust policy that lets API Gateway assume the role; with `source_account`, only when it
/// acts on behalf of that account (the confused-deputy guard).
pub fn api_gateway_trust(source_account: Option<&str>) -> Value {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": API_GATEWAY_PRINCIPAL },
        "Action": "sts:AssumeRole"
    });
    if let Some(account) = source_account {
        statement["Condition"] = json!({"StringEquals": {"aws:SourceAccount": account}});
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// A canonical form of a policy document: `Statement` always a list, every string-or-list field a
/// sorted de-duplicated list, statements sorted. Two documents that IAM treats alike normalise
/// to equal values.
pub fn normalize(doc: &Value) -> Value {
    let Value::Object(map) = doc else {
        return doc.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        if k == "Statement" {
            let mut statements: Vec<Value> = match v {
                Value::Array(items) => items.iter().map(normalize_statement).collect(),
                other => vec![normalize_statement(other)],
            };
            statements.sort_by_key(|s| s.to_string());
            statements.dedup();
            out.insert(k.clone(), Value::Array(statements));
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

fn normalize_statement(statement: &Value) -> Value {
    let Value::Object(map) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (k, v) in map {
        let v = match k.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => string_set(v),
            "Principal" | "NotPrincipal" => match v {
                Value::Object(p) => {
                    Value::Object(p.iter().map(|(pk, pv)| (pk.clone(), string_set(pv))).collect())
                }
                other => other.clone(),
            },
            "Condition" => match v {
                Value::Object(operators) => Value::Object(
                    operators
                        .iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Value::Object(k) => Value::Object(
                                    k.iter().map(|(ck, cv)| (ck.clone(), string_set(cv))).collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), keys)
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            // Sids carry no meaning for access; the console and other tools add them freely.
            "Sid" => continue,
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out)
}

fn string_set(v: &Value) -> Value {
    let mut items: Vec<Value> = match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    items.sort_by_key(|i| i.to_string());
    items.dedup();
    Value::Array(items)
}

/// Decodes a document as IAM returns it (URL-encoded JSON) and normalises it.
pub fn parse_returned(encoded: &str) -> Result<Value, serde_json::Error> {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    let doc: Value = serde_json::from_str(&decoded)?;
    Ok(normalize(&doc))
}

/// IAM's quotas on a policy's size, in characters without white space ("IAM and AWS STS
/// quotas", "IAM and STS character limits": "IAM doesn't count white space when calculating the
/// size of a policy against these quotas"; GetAccountSummary's `UserPolicySizeQuota` and the
/// others, "in non-whitespace characters"). The inline quotas are for all of an identity's inline
/// policies together.
pub mod quota {
    /// A user's inline policies, together.
    pub const USER_INLINE: usize = 2_048;
    /// A group's inline policies, together.
    pub const GROUP_INLINE: usize = 5_120;
    /// One managed policy.
    pub const MANAGED: usize = 6_144;
    /// A role's inline policies, together.
    pub const ROLE_INLINE: usize = 10_240;
}

/// The size IAM counts for `doc`: its characters without white space (see [`quota`]).
pub fn counted_size(doc: &Value) -> usize {
    doc.to_string().chars().filter(|c| !c.is_whitespace()).count()
}

/// Where a policy of `size` counted characters cannot go, and where it can, when it is over a
/// user's inline quota; `None` when it fits everywhere.
pub fn size_note(size: usize) -> Option<String> {
    use quota::*;
    let fits: Vec<String> = [
        (GROUP_INLINE, "a group's inline policies"),
        (MANAGED, "a customer managed policy"),
        (ROLE_INLINE, "a role's inline policies"),
    ]
    .iter()
    .filter(|(max, _)| size <= *max)
    .map(|(max, place)| format!("{place} ({} at most)", thousands(*max)))
    .collect();
    let over = format!(
        "the policy is {} characters as IAM counts them (without white space), over the {} a user's inline policies may hold together",
        thousands(size),
        thousands(USER_INLINE)
    );
    match fits.as_slice() {
        _ if size <= USER_INLINE => None,
        [] => Some(format!(
            "{over} and every other IAM quota ({} for a role's inline policies): split it into several customer managed policies",
            thousands(ROLE_INLINE)
        )),
        places => Some(format!(
            "{over}; it fits {}{}",
            places.join(", "),
            match size <= MANAGED {
                true => ": for a user, create it as a managed policy (aws iam create-policy) and attach that",
                false => "",
            }
        )),
    }
}

/// `12345` → `12,345`, as the quotas page writes numbers.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "IAM and AWS STS quotas": white space is not counted; 2,048 for a user's inline
    /// policies, 5,120 a group's, 6,144 a managed policy, 10,240 a role's.
    #[test]
    fn sizes_are_counted_without_white_space_and_placed_by_the_quotas() {
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "A B", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
        let compact = doc.to_string();
        assert_eq!(
            counted_size(&doc),
            compact.len() - 1,
            "the space inside the Sid is not counted"
        );
        assert_eq!(size_note(2_048), None);
        let note = size_note(3_115).expect("over a user's quota");
        assert!(
            note.contains("3,115 characters") && note.contains("2,048"),
            "{note}"
        );
        assert!(
            note.contains("a group's inline policies (5,120 at most)"),
            "{note}"
        );
        assert!(
            note.contains("a customer managed policy (6,144 at most)"),
            "{note}"
        );
        assert!(
            note.contains("a role's inline policies (10,240 at most)"),
            "{note}"
        );
        let note = size_note(6_145).expect("over a managed policy");
        assert!(
            !note.contains("managed policy (") && note.contains("role's inline"),
            "{note}"
        );
        assert!(size_note(10_241).expect("over everything").contains("split it"));
    }

    #[test]
    fn equal_meaning_normalises_equal() {
        let sent = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["states:StartSyncExecution","states:StartExecution"],"Resource":"arn:x"}]});
        let returned = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Sid%22%3A%22a%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22states%3AStartExecution%22%2C%22states%3AStartSyncExecution%22%5D%2C%22Resource%22%3A%5B%22arn%3Ax%22%5D%7D%7D";
        assert_eq!(normalize(&sent), parse_returned(returned).unwrap());
    }

    #[test]
    fn a_widened_policy_differs() {
        let a = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:x"}]});
        let b = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]});
        assert_ne!(normalize(&a), normalize(&b));
    }

    #[test]
    fn trust_policy_round_trips() {
        for account in [None, Some("189107071895")] {
            let text = serde_json::to_string(&api_gateway_trust(account)).unwrap();
            let encoded =
                percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
            assert_eq!(
                parse_returned(&encoded).unwrap(),
                normalize(&api_gateway_trust(account))
            );
        }
        let listed = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},
            "Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":["189107071895"]}}}]});
        assert_eq!(
            normalize(&listed),
            normalize(&api_gateway_trust(Some("189107071895")))
        );
        assert_ne!(normalize(&listed), normalize(&api_gateway_trust(None)));
    }
}
