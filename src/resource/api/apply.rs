//! The HTTP API itself: CreateApi, UpdateApi, DeleteCorsConfiguration, TagResource /
//! UntagResource (API and stage ARNs), DeleteApi.

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::ProtocolType;

use crate::apply::answer::{created_id, deleted, once_gw, to_hash};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::{api_id, lock, role_arn};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::op::{ApiRef, RoleRef};
use crate::resource::api::op::ApiOp;
use crate::resource::api::spec::Cors;
use crate::stack::rules::OWNER_TAG;

/// Performs one operation on the API itself (its CORS configuration and tags): the executor (`apply::call`) hands every
/// operation of this kind here, one exhaustive match.
pub(crate) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &ApiOp,
) -> Result<(), AwsError> {
    match op {
        ApiOp::Create { name, tags, cors } => create(clients, ctx, label, name, tags, cors.as_ref()).await,
        ApiOp::Update { id, name, cors } => update(clients, id, name, cors.as_ref()).await,
        ApiOp::DeleteCors { api_id } => delete_cors(clients, api_id).await,
        ApiOp::Tag {
            api,
            stage,
            set,
            remove,
        } => tag(clients, ctx, api, stage.as_deref(), set, remove).await,
        ApiOp::Delete { id } => delete(clients, id).await,
    }
}

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
            let apis = super::read::list_owned_apis(clients, &stack).await?;
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

/// A new API as one OpenAPI document, and what `import` needs besides.
pub(crate) struct Import<'a> {
    /// The API's name.
    pub name: &'a str,
    /// The document.
    pub document: &'a serde_json::Value,
    /// The credentials the document names, replaced by the role's real ARN.
    pub role_in_document: &'a str,
    /// The integrations' role.
    pub role: Option<&'a RoleRef>,
    /// The stack's tags; the ownership tag finds the API after a lost answer.
    pub tags: &'a BTreeMap<String, String>,
}

/// What one ImportApi attempt came to.
enum Imported {
    /// The API, by id and endpoint.
    Api(String, Option<String>),
    /// ImportApi is not available here, for this reason.
    NotAvailable(String),
}

/// ImportApi of a new API; after a lost answer, the API found by its ownership tag (nothing is
/// created twice: the document carries the tag, so the API has it from its first moment).
/// Returns `Some(reason)` when ImportApi is not available (an endpoint without it, a policy
/// without `apigateway:PUT` on `/apis`, a document it refuses): the caller makes the API one
/// call at a time instead. The answer names the API: nothing is read back.
pub(crate) async fn import(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    import: &Import<'_>,
) -> Result<Option<String>, AwsError> {
    let stack = import.tags.get(OWNER_TAG).cloned().unwrap_or_default();
    let resource = format!("api {}", import.name);
    let mut document = import.document.clone();
    if let Some(role) = import.role {
        // The role's real ARN, path included: for a role made in this run, CreateRole's answer.
        let real = role_arn(ctx, role)?;
        replace_text(&mut document, import.role_in_document, &real);
    }
    let body = document.to_string();
    let lookup = || async {
        let apis = super::read::list_owned_apis(clients, &stack).await?;
        Ok(crate::plan::oldest_first(&apis)
            .first()
            .map(|a| Imported::Api(a.id.clone(), a.endpoint.clone())))
    };
    let imported = create_safely(
        label,
        || async {
            let sent = clients
                .apigw
                .import_api()
                .body(&body)
                // All or nothing: a definition AWS reads only in part is rolled back, and the
                // API is then made one call at a time (API reference, ImportApi `failOnWarnings`).
                .fail_on_warnings(true)
                .customize()
                .config_override(once_gw())
                .send()
                .await;
            let err = match sent {
                Ok(out) => {
                    let id = created_id(out.api_id(), "ImportApi", &resource, "ApiId")?;
                    return Ok(Imported::Api(id, out.api_endpoint().map(str::to_string)));
                }
                Err(e) => AwsError::new("ImportApi", &resource, e),
            };
            match not_available(&err) {
                // An endpoint without the call cannot have made anything, but a 5xx without a
                // code could also be a lost answer of a real one: look once before going on.
                Some(why) if err.code.is_none() => Ok(lookup().await?.unwrap_or(Imported::NotAvailable(why))),
                Some(why) => Ok(Imported::NotAvailable(why)),
                None => Err(err),
            }
        },
        lookup,
    )
    .await?;
    match imported {
        Imported::Api(id, endpoint) => {
            let mut r = lock(ctx);
            r.api_id = Some(id);
            r.api_endpoint = endpoint;
            Ok(None)
        }
        Imported::NotAvailable(why) => Ok(Some(why)),
    }
}

/// Why ImportApi is not available, when that is what `err` says: the caller lacks the
/// permission, AWS refuses the document (BadRequestException, with warnings failing it), or the
/// endpoint has no such call (stock moto answers 500 with an HTML page and no error code).
fn not_available(err: &AwsError) -> Option<String> {
    let code = err.code.as_deref();
    let said = |what: &str| format!("{what} ({}: {})", code.unwrap_or("no error code"), err.message);
    if err.is_access_denied() {
        Some(said("the caller may not call ImportApi"))
    } else if code == Some("BadRequestException") {
        Some(said("ImportApi refused the OpenAPI document"))
    } else if code.is_none() && matches!(err.status(), Some(404 | 500 | 501))
        || matches!(code, Some("UnknownOperationException" | "NotImplemented"))
    {
        Some(said("the endpoint does not implement ImportApi"))
    } else {
        None
    }
}

/// Replaces every string value equal to `from` by `to`.
fn replace_text(value: &mut serde_json::Value, from: &str, to: &str) {
    match value {
        serde_json::Value::String(s) if s == from => *s = to.to_string(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| replace_text(v, from, to)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| replace_text(v, from, to)),
        _ => {}
    }
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
