//! The HTTP API itself: CreateApi, UpdateApi, DeleteCorsConfiguration, TagResource /
//! UntagResource (API and stage ARNs), DeleteApi.

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::ProtocolType;

use crate::apply::answer::{created_id, deleted, once_gw, to_hash};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::{api_id, lock};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::op::ApiRef;
use crate::resource::api::spec::Cors;
use crate::stack::rules::OWNER_TAG;

/// The SDK's CORS configuration; empty lists are left out.
fn cors_configuration(cors: &Cors) -> aws_sdk_apigatewayv2::types::Cors {
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    aws_sdk_apigatewayv2::types::Cors::builder()
        .set_allow_origins(list(&cors.allow_origins))
        .set_allow_methods(list(&cors.allow_methods))
        .set_allow_headers(list(&cors.allow_headers))
        .set_expose_headers(list(&cors.expose_headers))
        .set_max_age(cors.max_age)
        .set_allow_credentials(cors.allow_credentials)
        .build()
}

/// CreateApi, or after a lost answer the oldest API tagged for the stack; records its id and
/// endpoint.
pub(crate) async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    name: &str,
    tags: &BTreeMap<String, String>,
    cors: Option<&Cors>,
) -> Result<(), AwsError> {
    let stack = tags.get(OWNER_TAG).cloned().unwrap_or_default();
    let resource = format!("api {name}");
    let (id, endpoint) = create_safely(
        label,
        || async {
            let out = clients
                .apigw
                .create_api()
                .name(name)
                .protocol_type(ProtocolType::Http)
                .set_cors_configuration(cors.map(cors_configuration))
                .set_tags(Some(to_hash(tags)))
                .customize()
                .config_override(once_gw())
                .send()
                .await
                .map_err(|e| AwsError::new("CreateApi", &resource, e))?;
            let id = created_id(out.api_id(), "CreateApi", &resource, "ApiId")?;
            Ok((id, out.api_endpoint().map(str::to_string)))
        },
        || async {
            let apis = crate::live::list_owned_apis(clients, &stack).await?;
            let kept = crate::plan::oldest_first(&apis)
                .first()
                .map(|a| (a.id.clone(), a.endpoint.clone()));
            Ok(kept)
        },
    )
    .await?;
    let mut r = lock(ctx);
    r.api_id = Some(id);
    r.api_endpoint = endpoint;
    Ok(())
}

/// UpdateApi: the name, and the CORS configuration when given.
pub(crate) async fn update(
    clients: &Clients,
    id: &str,
    name: &str,
    cors: Option<&Cors>,
) -> Result<(), AwsError> {
    clients
        .apigw
        .update_api()
        .api_id(id)
        .name(name)
        .set_cors_configuration(cors.map(cors_configuration))
        .send()
        .await
        .map_err(|e| AwsError::new("UpdateApi", format!("api {id}"), e))?;
    Ok(())
}

/// DeleteCorsConfiguration.
pub(crate) async fn delete_cors(clients: &Clients, api_id: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .apigw
            .delete_cors_configuration()
            .api_id(api_id)
            .send()
            .await,
        "DeleteCorsConfiguration",
        format!("api {api_id}"),
    )
}

/// TagResource and UntagResource on the API's ARN, or on one of its stages'.
pub(crate) async fn tag(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    api: &ApiRef,
    stage: Option<&str>,
    set: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), AwsError> {
    let id = api_id(ctx, api)?;
    let arn = match stage {
        None => crate::arn::apigateway_arn(&clients.region, &format!("/apis/{id}")),
        Some(s) => crate::arn::apigateway_arn(&clients.region, &format!("/apis/{id}/stages/{s}")),
    };
    if !set.is_empty() {
        clients
            .apigw
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(to_hash(set)))
            .send()
            .await
            .map_err(|e| AwsError::new("TagResource", &arn, e))?;
    }
    if !remove.is_empty() {
        clients
            .apigw
            .untag_resource()
            .resource_arn(&arn)
            .set_tag_keys(Some(remove.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::new("UntagResource", &arn, e))?;
    }
    Ok(())
}

/// DeleteApi.
pub(crate) async fn delete(clients: &Clients, id: &str) -> Result<(), AwsError> {
    deleted(
        clients.apigw.delete_api().api_id(id).send().await,
        "DeleteApi",
        format!("api {id}"),
    )
}
