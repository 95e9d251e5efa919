//! JWT authorizers: CreateAuthorizer, UpdateAuthorizer, DeleteAuthorizer.

use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};

use crate::apply::answer::{created_id, deleted, once_gw};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::{api_id, lock};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::op::ApiRef;
use crate::resource::authorizer::op::AuthorizerOp;
use crate::resource::authorizer::spec::DesiredAuthorizer;

/// Performs one operation on a JWT authorizer: the executor (`apply::call`) hands every
/// operation of this kind here, one exhaustive match.
pub(crate) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &AuthorizerOp,
) -> Result<(), AwsError> {
    match op {
        AuthorizerOp::Create { api, spec } => create(clients, ctx, label, api, spec).await,
        AuthorizerOp::Update { api_id, id, spec } => update(clients, api_id, id, spec).await,
        AuthorizerOp::Delete { api_id, id, name } => delete(clients, api_id, id, name).await,
    }
}

fn jwt_configuration(spec: &DesiredAuthorizer) -> JwtConfiguration {
    JwtConfiguration::builder()
        .issuer(&spec.issuer)
        .set_audience(Some(spec.audience.clone()))
        .build()
}

/// CreateAuthorizer, or after a lost answer the lowest-id JWT authorizer of that name; records
/// its id under the name.
pub(crate) async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    api: &ApiRef,
    spec: &DesiredAuthorizer,
) -> Result<(), AwsError> {
    let api = api_id(ctx, api)?;
    let resource = format!("authorizer {}", spec.name);
    let id = create_safely(
        label,
        || async {
            let out = clients
                .apigw
                .create_authorizer()
                .api_id(&api)
                .name(&spec.name)
                .authorizer_type(AuthorizerType::Jwt)
                .identity_source(&spec.identity_source)
                .jwt_configuration(jwt_configuration(spec))
                .customize()
                .config_override(once_gw())
                .send()
                .await
                .map_err(|e| AwsError::new("CreateAuthorizer", &resource, e))?;
            created_id(out.authorizer_id(), "CreateAuthorizer", &resource, "AuthorizerId")
        },
        || async {
            let found = super::read::read_authorizers(clients, &api).await?;
            Ok(found
                .into_iter()
                .filter(|a| a.name == spec.name && a.is_jwt())
                .min_by(|a, b| a.id.cmp(&b.id))
                .map(|a| a.id))
        },
    )
    .await?;
    lock(ctx).authorizers.insert(spec.name.clone(), id);
    Ok(())
}

/// UpdateAuthorizer, with every field.
pub(crate) async fn update(
    clients: &Clients,
    api_id: &str,
    id: &str,
    spec: &DesiredAuthorizer,
) -> Result<(), AwsError> {
    clients
        .apigw
        .update_authorizer()
        .api_id(api_id)
        .authorizer_id(id)
        .name(&spec.name)
        .authorizer_type(AuthorizerType::Jwt)
        .identity_source(&spec.identity_source)
        .jwt_configuration(jwt_configuration(spec))
        .send()
        .await
        .map_err(|e| AwsError::new("UpdateAuthorizer", format!("authorizer {} ({id})", spec.name), e))?;
    Ok(())
}

/// DeleteAuthorizer.
pub(crate) async fn delete(clients: &Clients, api_id: &str, id: &str, name: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .apigw
            .delete_authorizer()
            .api_id(api_id)
            .authorizer_id(id)
            .send()
            .await,
        "DeleteAuthorizer",
        format!("authorizer {name} ({id})"),
    )
}
