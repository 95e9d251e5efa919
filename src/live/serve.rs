//! What `provision serve` reads besides the API: the integration roles' trust and permission
//! policies (read with the routes, evaluated before a Step Functions call, as API Gateway would be
//! refused by IAM), and the caller's own credentials (to verify SigV4 signatures made with them).

use aws_credential_types::provider::ProvideCredentials;

use super::{LiveRole, RoleState};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::iam::RolePolicies;
use crate::resource::role::read::{read_role, read_role_documents};

/// Reads the role `arn` with every inline and attached policy document (the default version of
/// each managed policy), through the same paged reader `diff` uses. `known` is the role as
/// already read (the stack's own, by `live::read`): its GetRole and listings are not repeated.
/// `Ok(None)` when the role does not exist.
pub async fn read_role_policies(
    clients: &Clients,
    arn: &str,
    known: Option<&LiveRole>,
) -> Result<Option<RolePolicies>, AwsError> {
    // The one role ARN parser: a role's name is the last segment of its path.
    let name = arn
        .parse::<crate::arn::RoleArn>()
        .map(|role| role.name)
        .map_err(|_| AwsError::invalid("GetRole", format!("role {arn}"), "not a role ARN"))?;
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
