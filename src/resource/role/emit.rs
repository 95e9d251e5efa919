//! The role as CloudFormation declares it (`AWS::IAM::Role`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::spec::DesiredRole;

/// The role's `AWS::IAM::Role` resource, tagged with `tags`.
pub fn cfn(role: &DesiredRole, tags: &BTreeMap<String, String>) -> Value {
    let mut trust = role.trust.clone();
    if role.restrict_source_account {
        // The account is the deploying one, whatever account the template is deployed into.
        trust = crate::policy::api_gateway_trust(None);
        trust["Statement"][0]["Condition"] =
            json!({"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}});
    }
    let mut properties = json!({
        "RoleName": role.name,
        "Description": crate::stack::rules::role_description(
            tags.get(crate::stack::rules::OWNER_TAG).map_or("", String::as_str)
        ),
        "AssumeRolePolicyDocument": trust,
        "Policies": [{"PolicyName": role.policy_name, "PolicyDocument": role.policy}],
        "Tags": tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
    });
    if !role.managed_policies.is_empty() {
        properties["ManagedPolicyArns"] = json!(role.managed_policies);
    }
    // AWS::IAM::Role's Path and PermissionsBoundary (CloudFormation user guide, "AWS::IAM::Role").
    if role.path != "/" {
        properties["Path"] = json!(role.path);
    }
    if let Some(boundary) = &role.permissions_boundary {
        properties["PermissionsBoundary"] = json!(boundary);
    }
    json!({"Type": "AWS::IAM::Role", "Properties": properties})
}
