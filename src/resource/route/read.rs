//! The API's routes as AWS lists them.

use aws_sdk_apigatewayv2::types::Route;

use super::spec::LiveRoute;
use crate::aws::Clients;
use crate::domain::Authorization;
use crate::error::AwsError;
use crate::resource::paginate::{list_children, required};
use crate::resource::unexpressed::{flag, map, text};

/// Every route of the API (GetRoutes, paginated).
pub async fn read_routes(clients: &Clients, api_id: &str) -> Result<Vec<LiveRoute>, AwsError> {
    list_children!(
        "GetRoutes",
        api_id,
        |token| clients.apigw.get_routes().api_id(api_id).set_next_token(token),
        live_route
    )
}

pub(crate) fn live_route(r: &Route, resource: &str) -> Result<LiveRoute, AwsError> {
    let mut scopes = r.authorization_scopes().to_vec();
    scopes.sort();
    scopes.dedup();
    Ok(LiveRoute {
        id: required(r.route_id(), "GetRoutes", resource, "RouteId")?,
        key: required(r.route_key(), "GetRoutes", resource, "RouteKey")?,
        // A route detached from any integration has no target (or an empty one): `None`.
        target: r.target().filter(|t| !t.is_empty()).map(str::to_string),
        // No type is CreateRoute's default, NONE; a type this build does not know is an error
        // that names it rather than a route silently read as open.
        authorization: match r.authorization_type() {
            None => Authorization::None,
            Some(a) => a.as_str().parse().map_err(|e: crate::domain::Unknown| {
                AwsError::invalid("GetRoutes", resource, e.to_string())
            })?,
        },
        authorizer_id: r.authorizer_id().filter(|a| !a.is_empty()).map(str::to_string),
        scopes,
        unexpressed: unexpressed(r),
    })
}

/// The settings the stack format has no key for, which `import` lists (botocore apigatewayv2
/// shape `Route`): API keys, an operation name, request models and parameters (WebSocket
/// features), a quick-create managed route.
fn unexpressed(r: &Route) -> Vec<String> {
    let mut out = Vec::new();
    flag(&mut out, "ApiKeyRequired", r.api_key_required());
    flag(&mut out, "ApiGatewayManaged", r.api_gateway_managed());
    text(&mut out, "OperationName", r.operation_name());
    text(
        &mut out,
        "ModelSelectionExpression",
        r.model_selection_expression(),
    );
    text(
        &mut out,
        "RouteResponseSelectionExpression",
        r.route_response_selection_expression(),
    );
    map(&mut out, "RequestModels", r.request_models());
    map(&mut out, "RequestParameters", r.request_parameters());
    out
}
