//! Routes: CreateRoute, UpdateRoute, DeleteRoute.

use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::AuthorizationType;

use crate::apply::answer::{deleted, exists_is_unknown, once_gw};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::{api_id, authorizer_id, integration_id};
use crate::aws::Clients;
use crate::domain::Authorization;
use crate::error::AwsError;
use crate::plan::op::{ApiRef, AuthorizerRef, IntegrationRef};
use crate::resource::route::op::RouteOp;

/// Performs one operation on a route: the executor (`apply::call`) hands every
/// operation of this kind here, one exhaustive match.
pub(crate) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &RouteOp,
) -> Result<(), AwsError> {
    match op {
        RouteOp::Create {
            api,
            key,
            authorization,
            authorizer,
            scopes,
            integration,
        } => {
            let spec = RouteSpec {
                key,
                authorization: *authorization,
                authorizer: authorizer.as_ref(),
                scopes,
                integration,
            };
            create(clients, ctx, label, api, spec).await
        }
        RouteOp::Update {
            api_id,
            id,
            key,
            authorization,
            authorizer,
            scopes,
            integration,
            previous_authorizer,
            ..
        } => {
            let spec = RouteSpec {
                key,
                authorization: *authorization,
                authorizer: authorizer.as_ref(),
                scopes,
                integration,
            };
            update(clients, ctx, api_id, id, spec, previous_authorizer.as_ref()).await
        }
        RouteOp::Delete { api_id, id, key, .. } => delete(clients, api_id, id, key).await,
    }
}

/// What a route is: its key, who may call it and what it targets.
pub(crate) struct RouteSpec<'a> {
    /// Route key.
    pub key: &'a str,
    /// `NONE`, `AWS_IAM` or `JWT`.
    pub authorization: Authorization,
    /// The JWT authorizer.
    pub authorizer: Option<&'a AuthorizerRef>,
    /// Required scopes.
    pub scopes: &'a [String],
    /// The integration it targets.
    pub integration: &'a IntegrationRef,
}

/// CreateRoute; after a lost answer (or "already exists"), a route with the key counts as made.
pub(crate) async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    api: &ApiRef,
    route: RouteSpec<'_>,
) -> Result<(), AwsError> {
    let (api, target) = (api_id(ctx, api)?, integration_id(ctx, route.integration)?);
    let authorizer = route.authorizer.map(|a| authorizer_id(ctx, a)).transpose()?;
    let key = route.key;
    let scopes = route.scopes;
    create_safely(
        label,
        || async {
            clients
                .apigw
                .create_route()
                .api_id(&api)
                .route_key(key)
                .target(format!("integrations/{target}"))
                .authorization_type(AuthorizationType::from(route.authorization.as_str()))
                .set_authorizer_id(authorizer.clone())
                .set_authorization_scopes((!scopes.is_empty()).then(|| scopes.to_vec()))
                .customize()
                .config_override(once_gw())
                .send()
                .await
                .map_err(|e| exists_is_unknown(AwsError::new("CreateRoute", format!("route {key}"), e)))?;
            Ok(())
        },
        || async {
            let routes = super::read::read_routes(clients, &api).await?;
            Ok(routes.iter().any(|r| r.key == key).then_some(()))
        },
    )
    .await
}

/// UpdateRoute: target, authorization, authorizer and scopes. `previous_authorizer` is the
/// authorizer the route used before, which this update detaches when the route no longer
/// names one.
pub(crate) async fn update(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    api_id: &str,
    id: &str,
    route: RouteSpec<'_>,
    previous_authorizer: Option<&String>,
) -> Result<(), AwsError> {
    let target = integration_id(ctx, route.integration)?;
    // An empty id detaches the old authorizer, so that it can be deleted.
    let authorizer = match route.authorizer {
        Some(a) => Some(authorizer_id(ctx, a)?),
        None => previous_authorizer.map(|_| String::new()),
    };
    let jwt = route.authorization == Authorization::Jwt;
    clients
        .apigw
        .update_route()
        .api_id(api_id)
        .route_id(id)
        .target(format!("integrations/{target}"))
        .authorization_type(AuthorizationType::from(route.authorization.as_str()))
        .set_authorizer_id(authorizer)
        // Scopes belong to JWT routes: sent for one, or emptied when a route stops being one.
        .set_authorization_scopes((jwt || previous_authorizer.is_some()).then(|| route.scopes.to_vec()))
        .send()
        .await
        .map_err(|e| AwsError::new("UpdateRoute", format!("route {}", route.key), e))?;
    Ok(())
}

/// DeleteRoute.
pub(crate) async fn delete(clients: &Clients, api_id: &str, id: &str, key: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .apigw
            .delete_route()
            .api_id(api_id)
            .route_id(id)
            .send()
            .await,
        "DeleteRoute",
        format!("route {key}"),
    )
}
