//! What `provision serve` reads besides the API: the integration roles' trust and permission
//! policies (read with the routes, evaluated before a Step Functions call, as API Gateway would be
//! refused by IAM), and the caller's own credentials (to verify SigV4 signatures made with them).

use aws_credential_types::provider::ProvideCredentials;

use super::{LiveRole, RoleState};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::iam::RolePolicies;
use crate::resource::role::read::{read_role, read_role_documents};

/// The role name of a role ARN (`arn:aws:iam::123456789012:role/path/NAME` -> `NAME`), by the
/// one role ARN parser ([`crate::arn::RoleArn`]); `None` for anything that is not a role ARN.
pub fn role_name(arn: &str) -> Option<String> {
    arn.parse::<crate::arn::RoleArn>().ok().map(|role| role.name)
}

/// Reads the role `arn` with every inline and attached policy document (the default version of
/// each managed policy), through the same paged reader `diff` uses. `known` is the role as
/// already read (the stack's own, by `live::read`): its GetRole and listings are not repeated.
/// `Ok(None)` when the role does not exist.
pub async fn read_role_policies(
    clients: &Clients,
    arn: &str,
    known: Option<&LiveRole>,
) -> Result<Option<RolePolicies>, AwsError> {
    let name = role_name(arn)
        .ok_or_else(|| AwsError::invalid("GetRole", format!("role {arn}"), "not a role ARN"))?;
    let mut role = match known.filter(|r| r.name == name) {
        Some(role) => role.clone(),
        None => match read_role(clients, &name, None).await? {
            RoleState::Present(role) => role,
            RoleState::Absent => return Ok(None),
        },
    };
    read_role_documents(clients, &mut role).await?;
    Ok(Some(role.policies()))
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
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/r").as_deref(),
            Some("r")
        );
        assert_eq!(
            role_name("arn:aws:iam::123456789012:role/service-role/x/r").as_deref(),
            Some("r")
        );
        assert_eq!(
            role_name("arn:aws-cn:iam::123456789012:role/r").as_deref(),
            Some("r")
        );
        assert_eq!(role_name("arn:aws:iam::123456789012:user/r"), None);
        assert_eq!(role_name("arn:aws:iam::123456789012:role/"), None);
        assert_eq!(role_name("nonsense"), None);
    }
}
