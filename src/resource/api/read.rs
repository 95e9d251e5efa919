//! The stack's APIs as AWS lists them: one paginated GetApis.

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::types::Api;

use super::spec::{Cors, LiveApi};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::paginate::{paginate, required};
use crate::resource::unexpressed::{flag, text};
use crate::stack::rules::OWNER_TAG;

/// The APIs tagged for `stack`, without their children.
pub async fn list_owned_apis(clients: &Clients, stack: &str) -> Result<Vec<LiveApi>, AwsError> {
    Ok(list_apis(clients, stack).await?.0)
}

/// One paginated GetApis: the APIs tagged for `stack` (without their children), and the id and
/// name of every other API, which `down` and a role rename check for use of the stack's roles.
pub(crate) async fn list_apis(
    clients: &Clients,
    stack: &str,
) -> Result<(Vec<LiveApi>, Vec<(String, String)>), AwsError> {
    let resource = format!("APIs tagged {OWNER_TAG}={stack}");
    let all = get_apis(clients, &resource, |api| {
        Ok(match (owned_api(api, stack, &resource)?, api.api_id()) {
            (Some(owned), _) => Some(Listed::Owned(Box::new(owned))),
            (None, Some(id)) => Some(Listed::Other(
                id.to_string(),
                api.name().unwrap_or_default().to_string(),
            )),
            (None, None) => None,
        })
    })
    .await?;
    let (mut owned, mut others) = (Vec::new(), Vec::new());
    for item in all {
        match item {
            Listed::Owned(api) => owned.push(*api),
            Listed::Other(id, name) => others.push((id, name)),
        }
    }
    Ok((owned, others))
}

/// The one GetApis loop (paginated; `diff` and `import` both list through it): each API as
/// `keep` makes it, the ones it answers `None` for left out. `resource` names what is listed.
pub(crate) async fn get_apis<T>(
    clients: &Clients,
    resource: &str,
    keep: impl Fn(&Api) -> Result<Option<T>, AwsError>,
) -> Result<Vec<T>, AwsError> {
    let keep = &keep;
    paginate("GetApis", resource, |token| async move {
        let page = clients
            .apigw
            .get_apis()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::new("GetApis", resource, e))?;
        let mut items = Vec::new();
        for api in page.items() {
            items.extend(keep(api)?);
        }
        Ok((items, page.next_token))
    })
    .await
}

/// One API of a GetApis page: the stack's, or another's id and name.
enum Listed {
    Owned(Box<LiveApi>),
    Other(String, String),
}

/// The API if it carries the stack's tag. Another's API without an id is none of ours.
pub(crate) fn owned_api(api: &Api, stack: &str, resource: &str) -> Result<Option<LiveApi>, AwsError> {
    let tags: BTreeMap<String, String> = api
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    if tags.get(OWNER_TAG).map(String::as_str) != Some(stack) {
        return Ok(None);
    }
    live_api(api, "GetApis", resource).map(Some)
}

/// One API by id (GetApi), read as the list calls read it: for `--adopt`, which takes over an
/// untagged API found by name.
pub(crate) async fn get_api(clients: &Clients, id: &str, resource: &str) -> Result<LiveApi, AwsError> {
    let out = clients
        .apigw
        .get_api()
        .api_id(id)
        .send()
        .await
        .map_err(|e| AwsError::new("GetApi", resource, e))?;
    // GetApi answers the fields of an `Api` one by one: made into one, it is read as GetApis'
    // items are.
    let api = Api::builder()
        .set_api_id(out.api_id)
        .set_name(out.name)
        .set_api_endpoint(out.api_endpoint)
        .set_created_date(out.created_date)
        .set_cors_configuration(out.cors_configuration)
        .set_tags(out.tags)
        .set_protocol_type(out.protocol_type)
        .build();
    live_api(&api, "GetApi", resource)
}
/// An API as GetApis or GetApi returns it, without its children.
pub(crate) fn live_api(api: &Api, call: &'static str, resource: &str) -> Result<LiveApi, AwsError> {
    let cors_as_returned = api.cors_configuration().map(|c| Cors {
        allow_origins: c.allow_origins().to_vec(),
        allow_methods: c.allow_methods().to_vec(),
        allow_headers: c.allow_headers().to_vec(),
        expose_headers: c.expose_headers().to_vec(),
        max_age: c.max_age(),
        allow_credentials: c.allow_credentials(),
    });
    Ok(LiveApi {
        id: required(api.api_id(), call, resource, "ApiId")?,
        name: api.name().unwrap_or_default().to_string(),
        endpoint: api.api_endpoint().map(str::to_string),
        created: api.created_date().and_then(|d| d.to_millis().ok()),
        cors: cors_as_returned.clone().map(Cors::canonical),
        cors_as_returned,
        tags: api
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        protocol: api.protocol_type().map(|p| p.as_str().to_string()),
        unexpressed: unexpressed(api),
        ..LiveApi::default()
    })
}

/// The default route selection expression of an HTTP API ("RouteSelectionExpression ... For
/// HTTP APIs, this value must be `${request.method} ${request.path}`", botocore `CreateApi`);
/// AWS returns it as `$request.method $request.path`.
const HTTP_ROUTE_SELECTION: [&str; 2] = [
    "$request.method $request.path",
    "${request.method} ${request.path}",
];
/// The default API key selection expression (botocore `CreateApi`, ApiKeySelectionExpression).
const DEFAULT_API_KEY_SELECTION: &str = "$request.header.x-api-key";

/// The settings the stack format has no key for, which `import` lists (botocore apigatewayv2
/// shape `Api`): description, version, a disabled default endpoint, dual-stack addressing,
/// non-default selection expressions.
fn unexpressed(a: &Api) -> Vec<String> {
    let mut out = Vec::new();
    text(&mut out, "Description", a.description());
    // What `up`'s own ImportApi sets is not the user's: the `info.version` of its document.
    text(
        &mut out,
        "Version",
        a.version().filter(|v| *v != super::emit::DOCUMENT_VERSION),
    );
    flag(
        &mut out,
        "DisableExecuteApiEndpoint",
        a.disable_execute_api_endpoint(),
    );
    flag(&mut out, "ApiGatewayManaged", a.api_gateway_managed());
    if let Some(t) = a.ip_address_type().filter(|t| t.as_str() != "ipv4") {
        out.push(format!("IpAddressType = {:?}", t.as_str()));
    }
    if let Some(expression) = a
        .route_selection_expression()
        .filter(|e| !HTTP_ROUTE_SELECTION.contains(e))
    {
        out.push(format!("RouteSelectionExpression = {expression:?}"));
    }
    text(
        &mut out,
        "ApiKeySelectionExpression",
        a.api_key_selection_expression()
            .filter(|e| *e != DEFAULT_API_KEY_SELECTION),
    );
    out
}
