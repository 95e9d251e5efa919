//! Step Functions integrations: CreateIntegration, UpdateIntegration, DeleteIntegration.

use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::IntegrationType;

use crate::apply::answer::{created_id, deleted, once_gw, to_hash};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::{api_id, lock, role_arn};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::{ApiRef, RoleRef};
use crate::stack::desired::DesiredIntegration;

/// CreateIntegration (`AWS_PROXY`, payload format 1.0, the role as credentials), or after a lost
/// answer an identical integration no route targets and this run has not taken; records its id
/// under the route key.
pub(crate) async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    api: &ApiRef,
    route_key: &str,
    spec: &DesiredIntegration,
    role: &RoleRef,
) -> Result<(), AwsError> {
    let (api, credentials) = (api_id(ctx, api)?, role_arn(ctx, role)?);
    let resource = format!("integration for route {route_key}");
    let id = create_safely(
        label,
        || async {
            let out = clients
                .apigw
                .create_integration()
                .api_id(&api)
                .integration_type(IntegrationType::AwsProxy)
                .integration_subtype(&spec.subtype)
                .payload_format_version("1.0")
                .credentials_arn(&credentials)
                .set_request_parameters(Some(to_hash(&spec.parameters)))
                .customize()
                .config_override(once_gw())
                .send()
                .await
                .map_err(|e| AwsError::new("CreateIntegration", &resource, e))?;
            created_id(
                out.integration_id(),
                "CreateIntegration",
                &resource,
                "IntegrationId",
            )
        },
        || find_untargeted_twin(clients, ctx, &api, spec, &credentials),
    )
    .await?;
    lock(ctx).integrations.insert(route_key.to_string(), id);
    Ok(())
}

/// An integration equal to `spec` that no route targets and this run has not recorded: what a
/// create whose answer was lost left behind.
async fn find_untargeted_twin(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    api: &str,
    spec: &DesiredIntegration,
    credentials: &str,
) -> Result<Option<String>, AwsError> {
    let (routes, integrations) = tokio::try_join!(
        crate::live::read_routes(clients, api),
        crate::live::read_integrations(clients, api)
    )?;
    let taken: Vec<String> = lock(ctx).integrations.values().cloned().collect();
    Ok(integrations
        .into_iter()
        .filter(|i| !routes.iter().any(|r| r.integration_id() == Some(i.id.as_str())))
        .filter(|i| !taken.contains(&i.id))
        .find(|i| {
            i.subtype.as_deref() == Some(spec.subtype.as_str())
                && i.parameters == spec.parameters
                && i.credentials_arn.as_deref() == Some(credentials)
        })
        .map(|i| i.id))
}

/// UpdateIntegration, with the whole parameter map every time: AWS rejects or half-applies
/// partial parameter updates.
pub(crate) async fn update(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    api_id: &str,
    id: &str,
    route_key: &str,
    spec: &DesiredIntegration,
    role: &RoleRef,
) -> Result<(), AwsError> {
    let credentials = role_arn(ctx, role)?;
    clients
        .apigw
        .update_integration()
        .api_id(api_id)
        .integration_id(id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_subtype(&spec.subtype)
        .payload_format_version("1.0")
        .credentials_arn(credentials)
        .set_request_parameters(Some(to_hash(&spec.parameters)))
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                "UpdateIntegration",
                format!("integration {id} of route {route_key}"),
                e,
            )
        })?;
    Ok(())
}

/// DeleteIntegration.
pub(crate) async fn delete(clients: &Clients, api_id: &str, id: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .apigw
            .delete_integration()
            .api_id(api_id)
            .integration_id(id)
            .send()
            .await,
        "DeleteIntegration",
        format!("integration {id}"),
    )
}
