//! Step Functions integrations: CreateIntegration, UpdateIntegration, DeleteIntegration.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::IntegrationType;

use crate::apply::answer::{created_id, deleted, once_gw, to_hash};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::{api_id, lock, role_arn};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::op::{ApiRef, RoleRef};
use crate::resource::integration::op::IntegrationOp;
use crate::resource::integration::spec::DesiredIntegration;
use crate::stack::response::ResponseParameters;

/// Performs one operation on an integration: the executor (`apply::call`) hands every
/// operation of this kind here, one exhaustive match.
pub(crate) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &IntegrationOp,
) -> Result<(), AwsError> {
    match op {
        IntegrationOp::Create {
            api,
            route_key,
            spec,
            role,
        } => create(clients, ctx, label, api, route_key, spec, role).await,
        IntegrationOp::Update {
            api_id,
            id,
            route_key,
            spec,
            role,
            clear_response,
        } => {
            let target = Target {
                api_id,
                id,
                route_key,
            };
            update(clients, ctx, &target, spec, role, clear_response).await
        }
        IntegrationOp::Delete { api_id, id } => delete(clients, api_id, id).await,
    }
}

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
                .integration_subtype(spec.subtype())
                .payload_format_version("1.0")
                .credentials_arn(&credentials)
                .set_request_parameters(Some(to_hash(&spec.parameters)))
                .set_response_parameters(response_parameters(&spec.response, &[]))
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
        crate::resource::route::read::read_routes(clients, api),
        super::read::read_integrations(clients, api)
    )?;
    let taken: Vec<String> = lock(ctx).integrations.values().cloned().collect();
    Ok(integrations
        .into_iter()
        .filter(|i| !routes.iter().any(|r| r.integration_id() == Some(i.id.as_str())))
        .filter(|i| !taken.contains(&i.id))
        .find(|i| {
            i.subtype.as_deref() == Some(spec.subtype())
                && i.parameters == spec.parameters
                && i.response == spec.response
                && i.credentials_arn.as_deref() == Some(credentials)
        })
        .map(|i| i.id))
}

/// Which integration an update is for: its API, its id and the route it serves.
pub(crate) struct Target<'a> {
    /// The API's id.
    pub api_id: &'a str,
    /// The integration's id.
    pub id: &'a str,
    /// The route key, for messages.
    pub route_key: &'a str,
}

/// UpdateIntegration, with the whole parameter map every time: AWS rejects or half-applies
/// partial parameter updates. Response codes that lose a key are first sent empty, which the
/// guide documents as removing a code's mappings ("Transforming API requests and responses");
/// whether AWS merges a code's new map into its old one is not documented, so nothing relies
/// on it.
pub(crate) async fn update(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    target: &Target<'_>,
    spec: &DesiredIntegration,
    role: &RoleRef,
    clear: &[String],
) -> Result<(), AwsError> {
    let credentials = role_arn(ctx, role)?;
    let kept: Vec<String> = clear
        .iter()
        .filter(|c| spec.response.contains_key(*c))
        .cloned()
        .collect();
    if !kept.is_empty() {
        let emptied = kept.iter().map(|c| (c.clone(), BTreeMap::new())).collect();
        send_update(
            clients,
            target,
            spec,
            &credentials,
            Some(to_hash_nested(&emptied)),
        )
        .await?;
    }
    let response = response_parameters(&spec.response, clear);
    send_update(clients, target, spec, &credentials, response).await
}

async fn send_update(
    clients: &Clients,
    target: &Target<'_>,
    spec: &DesiredIntegration,
    credentials: &str,
    response: Option<HashMap<String, HashMap<String, String>>>,
) -> Result<(), AwsError> {
    clients
        .apigw
        .update_integration()
        .api_id(target.api_id)
        .integration_id(target.id)
        .integration_type(IntegrationType::AwsProxy)
        .integration_subtype(spec.subtype())
        .payload_format_version("1.0")
        .credentials_arn(credentials)
        .set_request_parameters(Some(to_hash(&spec.parameters)))
        .set_response_parameters(response)
        .send()
        .await
        .map_err(|e| {
            AwsError::new(
                "UpdateIntegration",
                format!("integration {} of route {}", target.id, target.route_key),
                e,
            )
        })?;
    Ok(())
}

/// The `ResponseParameters` to send: the desired maps, and an empty map for each code in `gone`
/// that is no longer desired; `None` when there is nothing to say.
fn response_parameters(
    desired: &ResponseParameters,
    gone: &[String],
) -> Option<HashMap<String, HashMap<String, String>>> {
    let mut all = desired.clone();
    for code in gone {
        all.entry(code.clone()).or_default();
    }
    (!all.is_empty()).then(|| to_hash_nested(&all))
}

fn to_hash_nested(map: &ResponseParameters) -> HashMap<String, HashMap<String, String>> {
    map.iter().map(|(code, m)| (code.clone(), to_hash(m))).collect()
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
