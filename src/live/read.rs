//! Reads live state with list calls: one paginated call per collection, never per-item gets.

use std::collections::BTreeMap;

use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyError;

use super::{Live, LiveApi, LiveAuthorizer, LiveIntegration, LiveRole, LiveRoute, LiveStage, RoleState};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::policy;
use crate::stack::desired::{AccessLog, Cors};
use crate::stack::rules::OWNER_TAG;

/// Reads the APIs tagged for `stack` (with their children) and the role named `role_name`
/// (with `policy_name`'s document), concurrently: the API's children wait only for its id.
pub async fn read(
    clients: &Clients,
    stack: &str,
    role_name: &str,
    policy_name: &str,
) -> Result<Live, AwsError> {
    let (apis, role) = tokio::join!(
        read_apis(clients, stack),
        read_role(clients, role_name, Some(policy_name))
    );
    Ok(Live {
        apis: apis?,
        role: role?,
    })
}

async fn read_apis(clients: &Clients, stack: &str) -> Result<Vec<LiveApi>, AwsError> {
    let mut owned = list_owned_apis(clients, stack).await?;
    // Usually one API; duplicates are rare and read one after the other to spare the shared
    // control-plane rate limit.
    for api in &mut owned {
        let children = read_api_children(clients, &api.id).await?;
        api.routes = children.routes;
        api.integrations = children.integrations;
        api.stages = children.stages;
        api.authorizers = children.authorizers;
    }
    Ok(owned)
}

/// The account the credentials belong to (STS GetCallerIdentity).
pub async fn account_id(clients: &Clients) -> Result<String, AwsError> {
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::new("GetCallerIdentity", "the caller's account", e))?;
    out.account().map(str::to_string).ok_or_else(|| {
        AwsError::invalid(
            "GetCallerIdentity",
            "the caller's account",
            "no account in the answer",
        )
    })
}

/// The APIs tagged for `stack`, without their children.
pub async fn list_owned_apis(clients: &Clients, stack: &str) -> Result<Vec<LiveApi>, AwsError> {
    let mut owned = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .apigw
            .get_apis()
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("GetApis", format!("APIs tagged {OWNER_TAG}={stack}"), e))?;
        for api in page.items() {
            let tags: BTreeMap<String, String> = api
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            if tags.get(OWNER_TAG).map(String::as_str) != Some(stack) {
                continue;
            }
            owned.push(LiveApi {
                id: api.api_id().unwrap_or_default().to_string(),
                name: api.name().unwrap_or_default().to_string(),
                endpoint: api.api_endpoint().map(str::to_string),
                created: api.created_date().and_then(|d| d.to_millis().ok()),
                cors: api.cors_configuration().map(|c| {
                    Cors {
                        allow_origins: c.allow_origins().to_vec(),
                        allow_methods: c.allow_methods().to_vec(),
                        allow_headers: c.allow_headers().to_vec(),
                        expose_headers: c.expose_headers().to_vec(),
                        max_age: c.max_age(),
                        allow_credentials: c.allow_credentials(),
                    }
                    .canonical()
                }),
                tags,
                ..LiveApi::default()
            });
        }
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(owned)
}

/// What lives inside one API.
#[derive(Debug, Default)]
pub struct ApiChildren {
    /// Routes.
    pub routes: Vec<LiveRoute>,
    /// Integrations.
    pub integrations: Vec<LiveIntegration>,
    /// Stages.
    pub stages: Vec<LiveStage>,
    /// Authorizers.
    pub authorizers: Vec<LiveAuthorizer>,
}

/// Routes, integrations, stages and authorizers of one API, read concurrently.
pub async fn read_api_children(clients: &Clients, api_id: &str) -> Result<ApiChildren, AwsError> {
    let (routes, integrations, stages, authorizers) = tokio::join!(
        read_routes(clients, api_id),
        read_integrations(clients, api_id),
        read_stages(clients, api_id),
        read_authorizers(clients, api_id)
    );
    Ok(ApiChildren {
        routes: routes?,
        integrations: integrations?,
        stages: stages?,
        authorizers: authorizers?,
    })
}

/// One paginated listing of the API's collection.
pub async fn read_authorizers(clients: &Clients, api_id: &str) -> Result<Vec<LiveAuthorizer>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .apigw
            .get_authorizers()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("GetAuthorizers", format!("API {api_id}"), e))?;
        out.extend(page.items().iter().map(|a| {
            let jwt = a.jwt_configuration();
            let mut audience: Vec<String> = jwt.map(|j| j.audience().to_vec()).unwrap_or_default();
            audience.sort();
            audience.dedup();
            LiveAuthorizer {
                id: a.authorizer_id().unwrap_or_default().to_string(),
                name: a.name().unwrap_or_default().to_string(),
                authorizer_type: a
                    .authorizer_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                issuer: jwt.and_then(|j| j.issuer()).map(str::to_string),
                audience,
                identity_source: a.identity_source().to_vec(),
            }
        }));
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// One paginated listing of the API's collection.
pub async fn read_routes(clients: &Clients, api_id: &str) -> Result<Vec<LiveRoute>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .apigw
            .get_routes()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("GetRoutes", format!("API {api_id}"), e))?;
        out.extend(page.items().iter().map(|r| {
            LiveRoute {
                id: r.route_id().unwrap_or_default().to_string(),
                key: r.route_key().unwrap_or_default().to_string(),
                target: r.target().map(str::to_string),
                authorization: r
                    .authorization_type()
                    .map_or_else(|| "NONE".to_string(), |a| a.as_str().to_string()),
                authorizer_id: r.authorizer_id().filter(|a| !a.is_empty()).map(str::to_string),
                scopes: {
                    let mut scopes = r.authorization_scopes().to_vec();
                    scopes.sort();
                    scopes.dedup();
                    scopes
                },
            }
        }));
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// One paginated listing of the API's collection.
pub async fn read_integrations(clients: &Clients, api_id: &str) -> Result<Vec<LiveIntegration>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .apigw
            .get_integrations()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("GetIntegrations", format!("API {api_id}"), e))?;
        out.extend(page.items().iter().map(|i| {
            LiveIntegration {
                id: i.integration_id().unwrap_or_default().to_string(),
                integration_type: i
                    .integration_type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default(),
                subtype: i.integration_subtype().map(str::to_string),
                payload_format_version: i.payload_format_version().map(str::to_string),
                credentials_arn: i.credentials_arn().map(str::to_string),
                parameters: i
                    .request_parameters()
                    .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            }
        }));
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// One paginated listing of the API's collection.
pub async fn read_stages(clients: &Clients, api_id: &str) -> Result<Vec<LiveStage>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .apigw
            .get_stages()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("GetStages", format!("API {api_id}"), e))?;
        out.extend(page.items().iter().map(|s| {
            let settings = s.default_route_settings();
            LiveStage {
                name: s.stage_name().unwrap_or_default().to_string(),
                auto_deploy: s.auto_deploy().unwrap_or(false),
                throttling_burst_limit: settings.and_then(|r| r.throttling_burst_limit()),
                throttling_rate_limit: settings.and_then(|r| r.throttling_rate_limit()),
                access_log: s.access_log_settings().and_then(|a| {
                    Some(AccessLog {
                        destination_arn: a.destination_arn().filter(|d| !d.is_empty())?.to_string(),
                        format: a.format().unwrap_or_default().to_string(),
                    })
                }),
                tags: s
                    .tags()
                    .filter(|t| !t.is_empty())
                    .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                variables: s
                    .stage_variables()
                    .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            }
        }));
        token = page.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The role by name with its trust policy, tags, attached policies, inline policy names, and the
/// document of `policy_name` (the stack's own). All four IAM reads go out at once.
pub async fn read_role(
    clients: &Clients,
    name: &str,
    policy_name: Option<&str>,
) -> Result<RoleState, AwsError> {
    let resource = format!("role {name}");
    let (role, names, attached, document) = tokio::join!(
        clients.iam.get_role().role_name(name).send(),
        list_inline_policies(clients, name),
        list_attached_policies(clients, name),
        read_inline_policy(clients, name, policy_name)
    );
    let role = match role {
        Ok(out) => out.role,
        Err(e)
            if e.as_service_error()
                .is_some_and(GetRoleError::is_no_such_entity_exception) =>
        {
            return Ok(RoleState::Absent);
        }
        Err(e) => return Err(AwsError::new("GetRole", resource, e)),
    };
    let Some(role) = role else {
        return Ok(RoleState::Absent);
    };
    let trust = match role.assume_role_policy_document() {
        Some(doc) => policy::parse_returned(doc)
            .map_err(|e| AwsError::invalid("GetRole", &resource, format!("trust policy is not JSON: {e}")))?,
        None => serde_json::Value::Null,
    };
    let tags = role
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let document = document?;
    let mut inline: BTreeMap<String, serde_json::Value> =
        names?.into_iter().map(|n| (n, serde_json::Value::Null)).collect();
    if let (Some(policy_name), Some(doc)) = (policy_name, document) {
        inline.insert(policy_name.to_string(), doc);
    }
    Ok(RoleState::Present(LiveRole {
        name: role.role_name().to_string(),
        arn: role.arn().to_string(),
        tags,
        trust,
        inline,
        attached: attached?.into_iter().collect(),
    }))
}

/// One inline policy's document, normalised; `None` when the role or the policy is missing.
async fn read_inline_policy(
    clients: &Clients,
    role: &str,
    policy_name: Option<&str>,
) -> Result<Option<serde_json::Value>, AwsError> {
    let Some(policy_name) = policy_name else {
        return Ok(None);
    };
    let out = match clients
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(GetRolePolicyError::is_no_such_entity_exception) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(AwsError::new(
                "GetRolePolicy",
                format!("policy {policy_name} of role {role}"),
                e,
            ));
        }
    };
    let doc = policy::parse_returned(out.policy_document()).map_err(|e| {
        AwsError::invalid(
            "GetRolePolicy",
            format!("policy {policy_name} of role {role}"),
            format!("not JSON: {e}"),
        )
    })?;
    Ok(Some(doc))
}

async fn list_inline_policies(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = clients
            .iam
            .list_role_policies()
            .role_name(role)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("ListRolePolicies", format!("role {role}"), e))?;
        out.extend(page.policy_names().iter().cloned());
        marker = page.marker().filter(|_| page.is_truncated()).map(str::to_string);
        if marker.is_none() {
            return Ok(out);
        }
    }
}

async fn list_attached_policies(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = clients
            .iam
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| AwsError::new("ListAttachedRolePolicies", format!("role {role}"), e))?;
        out.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        marker = page.marker().filter(|_| page.is_truncated()).map(str::to_string);
        if marker.is_none() {
            return Ok(out);
        }
    }
}
