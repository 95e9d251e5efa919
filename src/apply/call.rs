//! One operation, one AWS call (or a short sequence for tags). Deletes treat NotFound as done.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_config::retry::RetryConfig;
use aws_sdk_apigatewayv2::types::{
    AccessLogSettings, AuthorizationType, AuthorizerType, IntegrationType, JwtConfiguration, ProtocolType,
    RouteSettings,
};
use aws_sdk_iam::types::Tag;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::Resolved;
use super::create::{backoff, create_safely};
use crate::aws::Clients;
use crate::error::{AwsError, Retry};
use crate::live::RoleState;
use crate::plan::{ApiRef, AuthorizerRef, IntegrationRef, Op, RoleRef};
use crate::stack::desired::{Cors, DesiredAuthorizer, DesiredStage};
use crate::stack::rules::OWNER_TAG;

impl Op {
    /// A short human description, e.g. `create integration POST /new-user`.
    pub fn label(&self) -> String {
        match self {
            Op::CreateApi { name, .. } => format!("create api {name}"),
            Op::UpdateApi { id, .. } => format!("update api {id}"),
            Op::DeleteCors { api_id } => format!("delete cors configuration of api {api_id}"),
            Op::CreateAuthorizer { spec, .. } => format!("create authorizer {}", spec.name),
            Op::UpdateAuthorizer { spec, .. } => format!("update authorizer {}", spec.name),
            Op::DeleteAuthorizer { name, id, .. } => format!("delete authorizer {name} ({id})"),
            Op::TagApiResource { stage: None, .. } => "tag api".into(),
            Op::TagApiResource { stage: Some(s), .. } => format!("tag stage {s}"),
            Op::DeleteApi { id } => format!("delete api {id}"),
            Op::CreateRole { name, .. } => format!("create role {name}"),
            Op::TagRole { name, .. } => format!("tag role {name}"),
            Op::UpdateTrust { name, .. } => format!("update trust policy of role {name}"),
            Op::PutRolePolicy { policy_name, .. } => format!("put role policy {policy_name}"),
            Op::DeleteRolePolicy { policy_name, .. } => format!("delete role policy {policy_name}"),
            Op::AttachRolePolicy { arn, .. } => format!("attach managed policy {arn}"),
            Op::DetachRolePolicy { arn, .. } => format!("detach managed policy {arn}"),
            Op::DeleteRole { name } => format!("delete role {name}"),
            Op::CreateIntegration { route_key, .. } => format!("create integration {route_key}"),
            Op::UpdateIntegration { route_key, .. } => format!("update integration {route_key}"),
            Op::DeleteIntegration { id, .. } => format!("delete integration {id}"),
            Op::CreateRoute { key, .. } => format!("create route {key}"),
            Op::UpdateRoute { key, .. } => format!("update route {key}"),
            Op::DeleteRoute { key, .. } => format!("delete route {key}"),
            Op::CreateStage { spec, .. } => format!("create stage {}", spec.name),
            Op::UpdateStage { spec, .. } => format!("update stage {}", spec.name),
            Op::DeleteStage { name, .. } => format!("delete stage {name}"),
            Op::DeleteAccessLog { stage, .. } => format!("turn off access logs of stage {stage}"),
        }
    }
}

fn lock(ctx: &Mutex<Resolved>) -> std::sync::MutexGuard<'_, Resolved> {
    // A poisoned lock only means another task panicked mid-update of plain ids; the data is usable.
    ctx.lock().unwrap_or_else(|p| p.into_inner())
}

fn api_id(ctx: &Mutex<Resolved>, api: &ApiRef) -> Result<String, AwsError> {
    match api {
        ApiRef::Existing(id) => Ok(id.clone()),
        ApiRef::New => lock(ctx)
            .api_id
            .clone()
            .ok_or_else(|| AwsError::invalid("CreateApi", "api", "the API was not created")),
    }
}

fn role_arn(ctx: &Mutex<Resolved>, role: &RoleRef) -> Result<String, AwsError> {
    match role {
        RoleRef::Existing(arn) => Ok(arn.clone()),
        RoleRef::New(name) => lock(ctx).role_arn.clone().ok_or_else(|| {
            AwsError::invalid("CreateRole", format!("role {name}"), "the role was not created")
        }),
    }
}

fn integration_id(ctx: &Mutex<Resolved>, integration: &IntegrationRef) -> Result<String, AwsError> {
    match integration {
        IntegrationRef::Existing(id) => Ok(id.clone()),
        IntegrationRef::New(key) => lock(ctx).integrations.get(key).cloned().ok_or_else(|| {
            AwsError::invalid(
                "CreateIntegration",
                format!("integration {key}"),
                "the integration was not created",
            )
        }),
    }
}

fn authorizer_id(ctx: &Mutex<Resolved>, authorizer: &AuthorizerRef) -> Result<String, AwsError> {
    match authorizer {
        AuthorizerRef::Existing(id) => Ok(id.clone()),
        AuthorizerRef::New(name) => lock(ctx).authorizers.get(name).cloned().ok_or_else(|| {
            AwsError::invalid(
                "CreateAuthorizer",
                format!("authorizer {name}"),
                "the authorizer was not created",
            )
        }),
    }
}

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

fn jwt_configuration(spec: &DesiredAuthorizer) -> JwtConfiguration {
    JwtConfiguration::builder()
        .issuer(&spec.issuer)
        .set_audience(Some(spec.audience.clone()))
        .build()
}

/// The stage's access log settings, when it has any (DeleteAccessLogSettings turns them off).
fn access_log_settings(spec: &DesiredStage) -> Option<AccessLogSettings> {
    spec.access_log.as_ref().map(|log| {
        AccessLogSettings::builder()
            .destination_arn(&log.destination_arn)
            .format(&log.format)
            .build()
    })
}

fn to_hash(tags: &std::collections::BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Default route settings only when the file sets limits: any settings object sent without them
/// may read as limits of 0, which reject every request.
fn route_settings(spec: &DesiredStage) -> Option<RouteSettings> {
    match (spec.throttling_burst_limit, spec.throttling_rate_limit) {
        (Some(burst), Some(rate)) => Some(
            RouteSettings::builder()
                .throttling_burst_limit(burst)
                .throttling_rate_limit(rate)
                .build(),
        ),
        _ => None,
    }
}

/// A delete's answer: NotFound (the thing is already gone) counts as done.
fn deleted<T, E>(
    answer: Result<T, SdkError<E, HttpResponse>>,
    call: &'static str,
    resource: impl Into<String>,
) -> Result<(), AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match answer {
        Ok(_) => Ok(()),
        Err(e) if e.as_service_error().is_some_and(gone) => Ok(()),
        Err(e) => Err(AwsError::new(call, resource, e)),
    }
}

/// True when an error says the thing is already gone.
fn gone<E: ProvideErrorMetadata>(e: &E) -> bool {
    matches!(e.code(), Some("NotFoundException" | "NoSuchEntity"))
}

/// Performs one operation.
pub(super) async fn run(clients: &Clients, ctx: &Mutex<Resolved>, op: &Op) -> Result<(), AwsError> {
    let gw = &clients.apigw;
    let iam = &clients.iam;
    match op {
        Op::CreateApi { name, tags, cors } => {
            let stack = tags.get(OWNER_TAG).cloned().unwrap_or_default();
            let (id, endpoint) = create_safely(
                &op.label(),
                || async {
                    let out = gw
                        .create_api()
                        .name(name)
                        .protocol_type(ProtocolType::Http)
                        .set_cors_configuration(cors.as_ref().map(cors_configuration))
                        .set_tags(Some(to_hash(tags)))
                        .customize()
                        .config_override(once_gw())
                        .send()
                        .await
                        .map_err(|e| AwsError::new("CreateApi", format!("api {name}"), e))?;
                    Ok((
                        out.api_id().map(str::to_string),
                        out.api_endpoint().map(str::to_string),
                    ))
                },
                || async {
                    let apis = crate::live::list_owned_apis(clients, &stack).await?;
                    let kept = crate::plan::oldest_first(&apis)
                        .first()
                        .map(|a| (Some(a.id.clone()), a.endpoint.clone()));
                    Ok(kept)
                },
            )
            .await?;
            let mut r = lock(ctx);
            r.api_id = id;
            r.api_endpoint = endpoint;
        }
        Op::UpdateApi { id, name, cors } => {
            gw.update_api()
                .api_id(id)
                .name(name)
                .set_cors_configuration(cors.as_ref().map(cors_configuration))
                .send()
                .await
                .map_err(|e| AwsError::new("UpdateApi", format!("api {id}"), e))?;
        }
        Op::DeleteCors { api_id } => deleted(
            gw.delete_cors_configuration().api_id(api_id).send().await,
            "DeleteCorsConfiguration",
            format!("api {api_id}"),
        )?,
        Op::CreateAuthorizer { api, spec } => {
            let api = api_id(ctx, api)?;
            let id = create_safely(
                &op.label(),
                || async {
                    let out = gw
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
                        .map_err(|e| {
                            AwsError::new("CreateAuthorizer", format!("authorizer {}", spec.name), e)
                        })?;
                    Ok(out.authorizer_id().unwrap_or_default().to_string())
                },
                || async {
                    let found = crate::live::read_authorizers(clients, &api).await?;
                    Ok(found
                        .into_iter()
                        .filter(|a| a.name == spec.name && a.authorizer_type == "JWT")
                        .min_by(|a, b| a.id.cmp(&b.id))
                        .map(|a| a.id))
                },
            )
            .await?;
            lock(ctx).authorizers.insert(spec.name.clone(), id);
        }
        Op::UpdateAuthorizer { api_id, id, spec } => {
            gw.update_authorizer()
                .api_id(api_id)
                .authorizer_id(id)
                .name(&spec.name)
                .authorizer_type(AuthorizerType::Jwt)
                .identity_source(&spec.identity_source)
                .jwt_configuration(jwt_configuration(spec))
                .send()
                .await
                .map_err(|e| {
                    AwsError::new("UpdateAuthorizer", format!("authorizer {} ({id})", spec.name), e)
                })?;
        }
        Op::DeleteAuthorizer { api_id, id, name } => deleted(
            gw.delete_authorizer()
                .api_id(api_id)
                .authorizer_id(id)
                .send()
                .await,
            "DeleteAuthorizer",
            format!("authorizer {name} ({id})"),
        )?,
        Op::TagApiResource {
            api,
            stage,
            set,
            remove,
        } => {
            let id = api_id(ctx, api)?;
            let partition = crate::aws::partition(&clients.region);
            let arn = match stage {
                None => format!("arn:{partition}:apigateway:{}::/apis/{id}", clients.region),
                Some(s) => format!(
                    "arn:{partition}:apigateway:{}::/apis/{id}/stages/{s}",
                    clients.region
                ),
            };
            if !set.is_empty() {
                gw.tag_resource()
                    .resource_arn(&arn)
                    .set_tags(Some(to_hash(set)))
                    .send()
                    .await
                    .map_err(|e| AwsError::new("TagResource", &arn, e))?;
            }
            if !remove.is_empty() {
                gw.untag_resource()
                    .resource_arn(&arn)
                    .set_tag_keys(Some(remove.clone()))
                    .send()
                    .await
                    .map_err(|e| AwsError::new("UntagResource", &arn, e))?;
            }
        }
        Op::DeleteApi { id } => deleted(
            gw.delete_api().api_id(id).send().await,
            "DeleteApi",
            format!("api {id}"),
        )?,
        Op::CreateRole { name, trust, tags } => {
            let iam_tags: Vec<Tag> = tags
                .iter()
                .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                .collect();
            let owner = tags.get(OWNER_TAG);
            let arn = create_safely(
                &op.label(),
                || async {
                    let out = iam
                        .create_role()
                        .role_name(name)
                        .assume_role_policy_document(trust.to_string())
                        .description(
                            "API Gateway assumes this role to call Step Functions (managed by provision)",
                        )
                        .set_tags(Some(iam_tags.clone()))
                        .customize()
                        .config_override(once_iam())
                        .send()
                        .await;
                    match out {
                        Ok(out) => Ok(out.role().map(|r| r.arn().to_string())),
                        // Another run of this stack made it, or an earlier attempt whose answer
                        // was lost: take it if it carries our tag.
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(|s| s.is_entity_already_exists_exception()) =>
                        {
                            match crate::live::read_role(clients, name, None).await? {
                                RoleState::Present(role) if owner.is_some_and(|o| role.owned_by(o)) => {
                                    Ok(Some(role.arn))
                                }
                                RoleState::Present(_) => Err(AwsError::invalid(
                                    "CreateRole",
                                    format!("role {name}"),
                                    "a role with this name appeared that this stack does not own",
                                )),
                                // IAM is eventually consistent: the role exists but cannot be
                                // read yet. Ask again after a backoff.
                                RoleState::Absent => Err(AwsError {
                                    retry: Retry::NotDone,
                                    ..AwsError::invalid(
                                        "CreateRole",
                                        format!("role {name}"),
                                        "IAM says the role exists but cannot return it yet",
                                    )
                                }),
                            }
                        }
                        Err(e) => Err(AwsError::new("CreateRole", format!("role {name}"), e)),
                    }
                },
                || async { Ok(owned_role_arn(clients, name, owner).await?.map(Some)) },
            )
            .await?;
            lock(ctx).role_arn = arn;
        }
        Op::TagRole { name, set, remove } => {
            if !set.is_empty() {
                let iam_tags: Vec<Tag> = set
                    .iter()
                    .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
                    .collect();
                iam.tag_role()
                    .role_name(name)
                    .set_tags(Some(iam_tags))
                    .send()
                    .await
                    .map_err(|e| AwsError::new("TagRole", format!("role {name}"), e))?;
            }
            if !remove.is_empty() {
                iam.untag_role()
                    .role_name(name)
                    .set_tag_keys(Some(remove.clone()))
                    .send()
                    .await
                    .map_err(|e| AwsError::new("UntagRole", format!("role {name}"), e))?;
            }
        }
        Op::UpdateTrust { name, trust } => {
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(trust.to_string())
                .send()
                .await
                .map_err(|e| AwsError::new("UpdateAssumeRolePolicy", format!("role {name}"), e))?;
        }
        Op::PutRolePolicy {
            role,
            policy_name,
            document,
        } => {
            iam.put_role_policy()
                .role_name(role)
                .policy_name(policy_name)
                .policy_document(document.to_string())
                .send()
                .await
                .map_err(|e| {
                    AwsError::new("PutRolePolicy", format!("policy {policy_name} of role {role}"), e)
                })?;
        }
        Op::DeleteRolePolicy { role, policy_name } => deleted(
            iam.delete_role_policy()
                .role_name(role)
                .policy_name(policy_name)
                .send()
                .await,
            "DeleteRolePolicy",
            format!("policy {policy_name} of role {role}"),
        )?,
        Op::AttachRolePolicy { role, arn } => {
            iam.attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map_err(|e| AwsError::new("AttachRolePolicy", format!("{arn} on role {role}"), e))?;
        }
        Op::DetachRolePolicy { role, arn } => deleted(
            iam.detach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await,
            "DetachRolePolicy",
            format!("{arn} on role {role}"),
        )?,
        Op::DeleteRole { name } => {
            // Right after its policies go, IAM may still see them for a moment (DeleteConflict).
            let mut attempt = 0;
            loop {
                match iam.delete_role().role_name(name).send().await {
                    Ok(_) => break,
                    Err(e) if e.as_service_error().is_some_and(gone) => break,
                    Err(e)
                        if attempt < 5
                            && e.as_service_error()
                                .is_some_and(|s| s.is_delete_conflict_exception()) =>
                    {
                        attempt += 1;
                        backoff(attempt).await;
                    }
                    Err(e) => return Err(AwsError::new("DeleteRole", format!("role {name}"), e)),
                }
            }
        }
        Op::CreateIntegration {
            api,
            route_key,
            spec,
            role,
        } => {
            let (api, credentials) = (api_id(ctx, api)?, role_arn(ctx, role)?);
            let id = create_safely(
                &op.label(),
                || async {
                    let out = gw
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
                        .map_err(|e| {
                            AwsError::new(
                                "CreateIntegration",
                                format!("integration for route {route_key}"),
                                e,
                            )
                        })?;
                    Ok(out.integration_id().unwrap_or_default().to_string())
                },
                || async {
                    let (routes, integrations) = tokio::try_join!(
                        crate::live::read_routes(clients, &api),
                        crate::live::read_integrations(clients, &api)
                    )?;
                    let taken: Vec<String> = lock(ctx).integrations.values().cloned().collect();
                    Ok(integrations
                        .into_iter()
                        .filter(|i| !routes.iter().any(|r| r.integration_id() == Some(i.id.as_str())))
                        .filter(|i| !taken.contains(&i.id))
                        .find(|i| {
                            i.subtype.as_deref() == Some(spec.subtype.as_str())
                                && i.parameters == spec.parameters
                                && i.credentials_arn.as_deref() == Some(credentials.as_str())
                        })
                        .map(|i| i.id))
                },
            )
            .await?;
            lock(ctx).integrations.insert(route_key.clone(), id);
        }
        Op::UpdateIntegration {
            api_id,
            id,
            route_key,
            spec,
            role,
        } => {
            let credentials = role_arn(ctx, role)?;
            // The whole map every time: AWS rejects or half-applies partial parameter updates.
            gw.update_integration()
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
        }
        Op::DeleteIntegration { api_id, id } => deleted(
            gw.delete_integration()
                .api_id(api_id)
                .integration_id(id)
                .send()
                .await,
            "DeleteIntegration",
            format!("integration {id}"),
        )?,
        Op::CreateRoute {
            api,
            key,
            authorization,
            authorizer,
            scopes,
            integration,
        } => {
            let (api, target) = (api_id(ctx, api)?, integration_id(ctx, integration)?);
            let authorizer = authorizer.as_ref().map(|a| authorizer_id(ctx, a)).transpose()?;
            create_safely(
                &op.label(),
                || async {
                    gw.create_route()
                        .api_id(&api)
                        .route_key(key)
                        .target(format!("integrations/{target}"))
                        .authorization_type(AuthorizationType::from(authorization.as_str()))
                        .set_authorizer_id(authorizer.clone())
                        .set_authorization_scopes((!scopes.is_empty()).then(|| scopes.clone()))
                        .customize()
                        .config_override(once_gw())
                        .send()
                        .await
                        .map_err(|e| {
                            exists_is_unknown(AwsError::new("CreateRoute", format!("route {key}"), e))
                        })?;
                    Ok(())
                },
                || async {
                    let routes = crate::live::read_routes(clients, &api).await?;
                    Ok(routes.iter().any(|r| &r.key == key).then_some(()))
                },
            )
            .await?;
        }
        Op::UpdateRoute {
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
            let target = integration_id(ctx, integration)?;
            // An empty id detaches the old authorizer, so that it can be deleted.
            let authorizer = match authorizer {
                Some(a) => Some(authorizer_id(ctx, a)?),
                None => previous_authorizer.as_ref().map(|_| String::new()),
            };
            gw.update_route()
                .api_id(api_id)
                .route_id(id)
                .target(format!("integrations/{target}"))
                .authorization_type(AuthorizationType::from(authorization.as_str()))
                .set_authorizer_id(authorizer)
                // Scopes belong to JWT routes: sent for one, or emptied when a route stops being one.
                .set_authorization_scopes(
                    (authorization == "JWT" || previous_authorizer.is_some()).then(|| scopes.clone()),
                )
                .send()
                .await
                .map_err(|e| AwsError::new("UpdateRoute", format!("route {key}"), e))?;
        }
        Op::DeleteRoute { api_id, id, key, .. } => deleted(
            gw.delete_route().api_id(api_id).route_id(id).send().await,
            "DeleteRoute",
            format!("route {key}"),
        )?,
        Op::CreateStage {
            api,
            spec,
            tags,
            variables,
        } => {
            let api = api_id(ctx, api)?;
            create_safely(
                &op.label(),
                || async {
                    // Never a DeploymentId: auto-deploy stages reject it.
                    gw.create_stage()
                        .api_id(&api)
                        .stage_name(&spec.name)
                        .auto_deploy(spec.auto_deploy)
                        .set_default_route_settings(route_settings(spec))
                        .set_access_log_settings(access_log_settings(spec))
                        .set_stage_variables((!variables.is_empty()).then(|| to_hash(variables)))
                        .set_tags(Some(to_hash(tags)))
                        .customize()
                        .config_override(once_gw())
                        .send()
                        .await
                        .map_err(|e| {
                            exists_is_unknown(AwsError::new("CreateStage", format!("stage {}", spec.name), e))
                        })?;
                    Ok(())
                },
                || async {
                    let stages = crate::live::read_stages(clients, &api).await?;
                    Ok(stages.iter().any(|s| s.name == spec.name).then_some(()))
                },
            )
            .await?;
        }
        Op::UpdateStage { api_id, spec } => {
            gw.update_stage()
                .api_id(api_id)
                .stage_name(&spec.name)
                .auto_deploy(spec.auto_deploy)
                .set_default_route_settings(route_settings(spec))
                .set_access_log_settings(access_log_settings(spec))
                .send()
                .await
                .map_err(|e| AwsError::new("UpdateStage", format!("stage {}", spec.name), e))?;
        }
        Op::DeleteAccessLog { api_id, stage } => deleted(
            gw.delete_access_log_settings()
                .api_id(api_id)
                .stage_name(stage)
                .send()
                .await,
            "DeleteAccessLogSettings",
            format!("stage {stage}"),
        )?,
        Op::DeleteStage { api_id, name } => deleted(
            gw.delete_stage().api_id(api_id).stage_name(name).send().await,
            "DeleteStage",
            format!("stage {name}"),
        )?,
    }
    Ok(())
}

/// A create refused because the thing already exists (another run of this stack, or this run's
/// own earlier attempt) is settled by looking it up, like a lost response.
fn exists_is_unknown(mut e: AwsError) -> AwsError {
    if e.code.as_deref() == Some("ConflictException") && e.retry == Retry::Never {
        e.retry = Retry::Unknown;
    }
    e
}

/// The role's ARN if it exists and carries the stack's tag.
async fn owned_role_arn(
    clients: &Clients,
    name: &str,
    owner: Option<&String>,
) -> Result<Option<String>, AwsError> {
    match crate::live::read_role(clients, name, None).await? {
        crate::live::RoleState::Present(role) if owner.is_some_and(|o| role.owned_by(o)) => {
            Ok(Some(role.arn))
        }
        _ => Ok(None),
    }
}

/// Creates are sent once per attempt: [`create_safely`] decides whether to send again.
fn once_gw() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::config::Builder::default().retry_config(RetryConfig::disabled())
}

fn once_iam() -> aws_sdk_iam::config::Builder {
    aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled())
}
