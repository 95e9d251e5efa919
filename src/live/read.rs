//! Reads live state with list calls: one paginated call per collection, never per-item gets.
//!
//! An item without the id (or key, or name) the tool needs to act on it is an error naming the
//! call ([`super::paginate::required`]): a careful reconciler does not plan on an answer it
//! cannot act on, since skipping the item could create a duplicate of it and keeping it with an
//! empty id would target or delete nothing.

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::types::{Api, Authorizer, Integration, Route, Stage};
use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyError;

use super::paginate::{paginate, required};
use super::{Live, LiveApi, LiveAuthorizer, LiveIntegration, LiveRole, LiveRoute, LiveStage, RoleState};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::policy;
use crate::stack::Desired;
use crate::stack::desired::{AccessLog, Cors};
use crate::stack::rules::{OWNER_TAG, role_description};

/// What one read of live state covers.
#[derive(Debug, Clone, Copy)]
pub struct ReadScope<'a> {
    /// The stack: APIs carrying `provision:stack = stack` are its.
    pub stack: &'a str,
    /// The role, by name.
    pub role_name: &'a str,
    /// The stack's own inline policy, whose document is read.
    pub policy_name: &'a str,
    /// The stack declares authorizers, so the API's are read whatever its routes use.
    pub declares_authorizers: bool,
}

impl<'a> ReadScope<'a> {
    /// What `desired` needs read.
    pub fn of(desired: &'a Desired) -> Self {
        ReadScope {
            stack: &desired.stack,
            role_name: &desired.role.name,
            policy_name: &desired.role.policy_name,
            declares_authorizers: !desired.authorizers.is_empty(),
        }
    }
}

/// Reads the APIs tagged for the stack (with their children) and its role (with the stack's
/// policy document), concurrently: the API's children wait only for its id.
pub async fn read(clients: &Clients, scope: ReadScope<'_>) -> Result<Live, AwsError> {
    let (apis, role) = tokio::join!(
        read_apis(clients, scope),
        read_role(
            clients,
            scope.role_name,
            Some(scope.policy_name).filter(|p| !p.is_empty())
        )
    );
    let (apis, other_apis) = apis?;
    let mut live = Live {
        apis,
        other_apis,
        role: role?,
        ..Live::default()
    };
    live.former_roles = read_former_roles(clients, &live, scope.role_name).await?;
    Ok(live)
}

/// The roles other than the stack's that its integrations use (the old role after a rename),
/// read by name with every inline policy listed. None in the usual case, so no call is made;
/// a role that no longer exists is skipped.
async fn read_former_roles(clients: &Clients, live: &Live, current: &str) -> Result<Vec<LiveRole>, AwsError> {
    let mut roles = Vec::new();
    for name in live.credential_role_names(current) {
        tracing::debug!("role {name}: used by the stack's integrations, read");
        if let RoleState::Present(role) = read_role(clients, &name, None).await? {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// The names of the roles the tool made for `stack` (their description is
/// [`role_description`] of it) that carry `provision:stack = stack`: ListRoles (which returns
/// descriptions but not tags, IAM API reference "ListRoles"), then ListRoleTags for the roles
/// described as the stack's only, so no other stack's role is read. For `down`, so that a role
/// no integration names any more (an `up` cut off between repointing and deleting it) is still
/// found.
pub async fn roles_made_for(clients: &Clients, stack: &str) -> Result<Vec<String>, AwsError> {
    let description = role_description(stack);
    let candidates: Vec<String> = clients
        .iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListRoles", "the account's roles", e))?
        .into_iter()
        .filter(|r| r.description() == Some(description.as_str()))
        .map(|r| r.role_name().to_string())
        .collect();
    let mut owned = Vec::new();
    for name in candidates {
        let tags: Vec<_> = clients
            .iam
            .list_role_tags()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::new("ListRoleTags", format!("role {name}"), e))?;
        if tags.iter().any(|t| t.key() == OWNER_TAG && t.value() == stack) {
            owned.push(name);
        }
    }
    Ok(owned)
}

/// The roles other APIs of the account use as integration credentials: each credentials ARN
/// with the APIs (`API NAME (ID)`) whose integrations name it. One GetIntegrations per other API
/// (there is no account-wide listing); read once, and only where a delete of a tagged role is in
/// question.
pub async fn outside_credentials(
    clients: &Clients,
    others: &[(String, String)],
) -> Result<BTreeMap<String, Vec<String>>, AwsError> {
    let mut used: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, name) in others {
        for integration in read_integrations(clients, id).await? {
            if let Some(credentials) = integration.credentials_arn {
                let api = format!("API {name} ({id})");
                let users = used.entry(credentials).or_default();
                if !users.contains(&api) {
                    users.push(api);
                }
            }
        }
    }
    Ok(used)
}

/// The stack's APIs with their children, and the (id, name) of every other API of the account.
async fn read_apis(
    clients: &Clients,
    scope: ReadScope<'_>,
) -> Result<(Vec<LiveApi>, Vec<(String, String)>), AwsError> {
    let (mut owned, others) = list_apis(clients, scope.stack).await?;
    // Usually one API; duplicates are rare and read one after the other to spare the shared
    // control-plane rate limit.
    for api in &mut owned {
        let children = read_api_children(clients, &api.id, scope.declares_authorizers).await?;
        api.routes = children.routes;
        api.integrations = children.integrations;
        api.stages = children.stages;
        api.authorizers = children.authorizers;
    }
    Ok((owned, others))
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
    Ok(list_apis(clients, stack).await?.0)
}

/// One paginated GetApis: the APIs tagged for `stack` (without their children), and the id and
/// name of every other API, which `down` and a role rename check for use of the stack's roles.
async fn list_apis(
    clients: &Clients,
    stack: &str,
) -> Result<(Vec<LiveApi>, Vec<(String, String)>), AwsError> {
    let resource = format!("APIs tagged {OWNER_TAG}={stack}");
    let all: Vec<Listed> = paginate("GetApis", &resource, |token| {
        let resource = &resource;
        async move {
            let page = clients
                .apigw
                .get_apis()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::new("GetApis", resource, e))?;
            let mut items = Vec::new();
            for api in page.items() {
                match (owned_api(api, stack, resource)?, api.api_id()) {
                    (Some(owned), _) => items.push(Listed::Owned(Box::new(owned))),
                    (None, Some(id)) => items.push(Listed::Other(
                        id.to_string(),
                        api.name().unwrap_or_default().to_string(),
                    )),
                    (None, None) => {}
                }
            }
            Ok((items, page.next_token))
        }
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

/// One API of a GetApis page: the stack's, or another's id and name.
enum Listed {
    Owned(Box<LiveApi>),
    Other(String, String),
}

/// The API if it carries the stack's tag. Another's API without an id is none of ours.
fn owned_api(api: &Api, stack: &str, resource: &str) -> Result<Option<LiveApi>, AwsError> {
    let tags: BTreeMap<String, String> = api
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    if tags.get(OWNER_TAG).map(String::as_str) != Some(stack) {
        return Ok(None);
    }
    Ok(Some(LiveApi {
        id: required(api.api_id(), "GetApis", resource, "ApiId")?,
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
    }))
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
    /// Authorizers: read only when the stack declares some or a route uses one, else empty.
    pub authorizers: Vec<LiveAuthorizer>,
}

/// Routes, integrations and stages of one API, read concurrently, and its authorizers when
/// they matter: when the stack declares authorizers (read alongside), or when a route uses one
/// (read once the routes are known). A stack without authorizers then makes one call fewer,
/// and works against endpoints that lack GetAuthorizers (moto_server has no handler for it).
/// An unused authorizer on an API is then not seen, and not deleted until `down` deletes the API.
pub async fn read_api_children(
    clients: &Clients,
    api_id: &str,
    declares_authorizers: bool,
) -> Result<ApiChildren, AwsError> {
    let routes_and_authorizers = async {
        if declares_authorizers {
            let (routes, authorizers) =
                tokio::join!(read_routes(clients, api_id), read_authorizers(clients, api_id));
            return Ok::<_, AwsError>((routes?, authorizers?));
        }
        let routes = read_routes(clients, api_id).await?;
        let authorizers = match routes.iter().any(|r| r.authorizer_id.is_some()) {
            true => read_authorizers(clients, api_id).await?,
            false => Vec::new(),
        };
        Ok((routes, authorizers))
    };
    let (routes_and_authorizers, integrations, stages) = tokio::join!(
        routes_and_authorizers,
        read_integrations(clients, api_id),
        read_stages(clients, api_id)
    );
    let (routes, authorizers) = routes_and_authorizers?;
    Ok(ApiChildren {
        routes,
        integrations: integrations?,
        stages: stages?,
        authorizers,
    })
}

/// Every item of one of the API's collections: the paginated `$call`, whose request for a page
/// is `$request` (with `$token` the page's token), each item converted by
/// `$convert(item, resource)`. One macro rather than a generic function: each operation's
/// builder and output are distinct SDK types.
macro_rules! list_children {
    ($call:literal, $api_id:expr, |$token:ident| $request:expr, $convert:expr) => {{
        let resource = format!("API {}", $api_id);
        paginate($call, &resource, |$token| {
            let resource = &resource;
            async move {
                let page = $request
                    .send()
                    .await
                    .map_err(|e| AwsError::new($call, resource, e))?;
                let items = page
                    .items()
                    .iter()
                    .map(|item| $convert(item, resource))
                    .collect::<Result<_, _>>()?;
                Ok((items, page.next_token))
            }
        })
        .await
    }};
}

/// Every authorizer of the API (GetAuthorizers, paginated).
pub async fn read_authorizers(clients: &Clients, api_id: &str) -> Result<Vec<LiveAuthorizer>, AwsError> {
    list_children!(
        "GetAuthorizers",
        api_id,
        |token| clients
            .apigw
            .get_authorizers()
            .api_id(api_id)
            .set_next_token(token),
        live_authorizer
    )
}

fn live_authorizer(a: &Authorizer, resource: &str) -> Result<LiveAuthorizer, AwsError> {
    let jwt = a.jwt_configuration();
    let mut audience: Vec<String> = jwt.map(|j| j.audience().to_vec()).unwrap_or_default();
    audience.sort();
    audience.dedup();
    Ok(LiveAuthorizer {
        id: required(a.authorizer_id(), "GetAuthorizers", resource, "AuthorizerId")?,
        name: required(a.name(), "GetAuthorizers", resource, "Name")?,
        authorizer_type: a
            .authorizer_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        issuer: jwt.and_then(|j| j.issuer()).map(str::to_string),
        audience,
        identity_source: a.identity_source().to_vec(),
    })
}

/// Every route of the API (GetRoutes, paginated).
pub async fn read_routes(clients: &Clients, api_id: &str) -> Result<Vec<LiveRoute>, AwsError> {
    list_children!(
        "GetRoutes",
        api_id,
        |token| clients.apigw.get_routes().api_id(api_id).set_next_token(token),
        live_route
    )
}

fn live_route(r: &Route, resource: &str) -> Result<LiveRoute, AwsError> {
    let mut scopes = r.authorization_scopes().to_vec();
    scopes.sort();
    scopes.dedup();
    Ok(LiveRoute {
        id: required(r.route_id(), "GetRoutes", resource, "RouteId")?,
        key: required(r.route_key(), "GetRoutes", resource, "RouteKey")?,
        // A route detached from any integration has no target (or an empty one): `None`.
        target: r.target().filter(|t| !t.is_empty()).map(str::to_string),
        authorization: r
            .authorization_type()
            .map_or_else(|| "NONE".to_string(), |a| a.as_str().to_string()),
        authorizer_id: r.authorizer_id().filter(|a| !a.is_empty()).map(str::to_string),
        scopes,
    })
}

/// Every integration of the API (GetIntegrations, paginated).
pub async fn read_integrations(clients: &Clients, api_id: &str) -> Result<Vec<LiveIntegration>, AwsError> {
    list_children!(
        "GetIntegrations",
        api_id,
        |token| clients
            .apigw
            .get_integrations()
            .api_id(api_id)
            .set_next_token(token),
        live_integration
    )
}

fn live_integration(i: &Integration, resource: &str) -> Result<LiveIntegration, AwsError> {
    Ok(LiveIntegration {
        id: required(i.integration_id(), "GetIntegrations", resource, "IntegrationId")?,
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
        response: i
            .response_parameters()
            .into_iter()
            .flatten()
            .filter(|(_, m)| !m.is_empty())
            .map(|(code, m)| {
                (
                    code.clone(),
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                )
            })
            .collect(),
    })
}

/// Every stage of the API (GetStages, paginated).
pub async fn read_stages(clients: &Clients, api_id: &str) -> Result<Vec<LiveStage>, AwsError> {
    list_children!(
        "GetStages",
        api_id,
        |token| clients.apigw.get_stages().api_id(api_id).set_next_token(token),
        live_stage
    )
}

fn live_stage(s: &Stage, resource: &str) -> Result<LiveStage, AwsError> {
    let settings = s.default_route_settings();
    Ok(LiveStage {
        name: required(s.stage_name(), "GetStages", resource, "StageName")?,
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
    })
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
        arn: required(Some(role.arn()), "GetRole", &resource, "Arn")?,
        tags,
        trust,
        inline,
        attached: attached?.into_iter().collect(),
        path: role.path().to_string(),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        attached_documents: BTreeMap::new(),
    }))
}

/// Every policy document of an existing role (`[role] arn`), to check what it allows: each
/// inline policy (GetRolePolicy), and each attached one's default version (GetPolicy, then
/// GetPolicyVersion). Read with the caller's permissions; only for such a role.
pub async fn read_role_documents(clients: &Clients, role: &mut LiveRole) -> Result<(), AwsError> {
    let names: Vec<String> = role.inline.keys().cloned().collect();
    for name in names {
        if let Some(doc) = read_inline_policy(clients, &role.name, Some(&name)).await? {
            role.inline.insert(name, policy::normalize(&doc));
        }
    }
    for arn in role.attached.clone() {
        let resource = format!("managed policy {arn}");
        let out = clients
            .iam
            .get_policy()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::new("GetPolicy", &resource, e))?;
        let Some(version) = out.policy().and_then(|p| p.default_version_id()) else {
            continue;
        };
        let out = clients
            .iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| AwsError::new("GetPolicyVersion", &resource, e))?;
        if let Some(doc) = out.policy_version().and_then(|v| v.document()) {
            let doc = policy::parse_returned(doc)
                .map_err(|e| AwsError::invalid("GetPolicyVersion", &resource, format!("not JSON: {e}")))?;
            role.attached_documents
                .insert(arn.clone(), policy::normalize(&doc));
        }
    }
    Ok(())
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

/// The names of the role's inline policies (ListRolePolicies, through the SDK's paginator).
async fn list_inline_policies(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    clients
        .iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListRolePolicies", format!("role {role}"), e))
}

/// The ARNs of the managed policies attached to the role (ListAttachedRolePolicies, through the
/// SDK's paginator).
async fn list_attached_policies(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    let attached: Vec<_> = clients
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListAttachedRolePolicies", format!("role {role}"), e))?;
    Ok(attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect())
}
