//! What `provision serve` reads besides the API: the integration role's trust and permission
//! policies (evaluated before every Step Functions call, as API Gateway would be refused by IAM),
//! and the caller's own credentials (to verify SigV4 signatures made with them).

use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_iam::operation::get_role::GetRoleError;
use serde_json::Value;

use crate::aws::Clients;
use crate::error::AwsError;
use crate::policy;

/// A role's policies, as IAM holds them now.
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

/// The role name of a role ARN (`arn:aws:iam::123456789012:role/path/NAME` -> `NAME`).
pub fn role_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("role/")?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

/// Reads the role `arn` with its inline and attached policies (the default version of each
/// managed policy). `Ok(None)` when the role does not exist.
pub async fn read_role_policies(clients: &Clients, arn: &str) -> Result<Option<RolePolicies>, AwsError> {
    let name = role_name(arn)
        .ok_or_else(|| AwsError::invalid("GetRole", format!("role {arn}"), "not a role ARN"))?;
    let role = match clients.iam.get_role().role_name(name).send().await {
        Ok(out) => out.role,
        Err(e)
            if e.as_service_error()
                .is_some_and(GetRoleError::is_no_such_entity_exception) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(AwsError::new("GetRole", format!("role {name}"), e)),
    };
    let Some(role) = role else { return Ok(None) };
    let decode = |call: &'static str, what: String, doc: &str| {
        policy::parse_returned(doc).map_err(|e| AwsError::invalid(call, what, format!("not JSON: {e}")))
    };
    let trust = match role.assume_role_policy_document() {
        Some(doc) => decode("GetRole", format!("trust policy of role {name}"), doc)?,
        None => Value::Null,
    };
    let mut permissions = Vec::new();
    let inline = clients
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::new("ListRolePolicies", format!("role {name}"), e))?;
    for policy_name in inline.policy_names() {
        let out = clients
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(|e| AwsError::new("GetRolePolicy", format!("policy {policy_name} of role {name}"), e))?;
        let what = format!("inline {policy_name}");
        permissions.push((
            what.clone(),
            decode("GetRolePolicy", what, out.policy_document())?,
        ));
    }
    let attached = clients
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::new("ListAttachedRolePolicies", format!("role {name}"), e))?;
    for policy_arn in attached.attached_policies().iter().filter_map(|p| p.policy_arn()) {
        permissions.push((
            policy_arn.to_string(),
            managed_document(clients, policy_arn).await?,
        ));
    }
    Ok(Some(RolePolicies {
        arn: role.arn().to_string(),
        trust,
        permissions,
    }))
}

/// The default version's document of a managed policy.
async fn managed_document(clients: &Clients, arn: &str) -> Result<Value, AwsError> {
    let policy = clients
        .iam
        .get_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("GetPolicy", arn, e))?;
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .ok_or_else(|| AwsError::invalid("GetPolicy", arn, "no default version"))?;
    let out = clients
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id(version)
        .send()
        .await
        .map_err(|e| AwsError::new("GetPolicyVersion", arn, e))?;
    let document = out
        .policy_version()
        .and_then(|v| v.document())
        .ok_or_else(|| AwsError::invalid("GetPolicyVersion", arn, "no document"))?;
    policy::parse_returned(document)
        .map_err(|e| AwsError::invalid("GetPolicyVersion", arn, format!("not JSON: {e}")))
}

/// The access key id and secret of the credentials the default chain (with `profile`, as the
/// clients were built) resolves, when it does.
pub async fn local_credentials(profile: Option<&str>) -> Option<(String, String)> {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    let config = loader.load().await;
    let credentials = config.credentials_provider()?.provide_credentials().await.ok()?;
    Some((
        credentials.access_key_id().to_string(),
        credentials.secret_access_key().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::role_name;

    #[test]
    fn role_names_come_from_role_arns() {
        assert_eq!(role_name("arn:aws:iam::123456789012:role/r"), Some("r"));
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/service-role/x/r"),
            Some("r")
        );
        assert_eq!(role_name("arn:aws-cn:iam::123456789012:role/r"), Some("r"));
        assert_eq!(role_name("arn:aws:iam::123456789012:user/r"), None);
        assert_eq!(role_name("arn:aws:iam::123456789012:role/"), None);
        assert_eq!(role_name("nonsense"), None);
    }
}
