//! The operations a plan is made of: plain data the executor turns into AWS calls.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::{Authorization, StageName};
use crate::resource::state_machine::{MachineKey, MachineOp};
use crate::stack::desired::{Cors, DesiredAuthorizer, DesiredIntegration, DesiredStage};

/// Which API an operation acts on.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum ApiRef {
    /// An API that exists, by id.
    Existing(String),
    /// The API this plan creates.
    New,
}

/// Which integration a route should target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum IntegrationRef {
    /// An integration that exists, by id.
    Existing(String),
    /// The integration this plan creates for the route key.
    New(String),
}

/// Which authorizer a route should use.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum AuthorizerRef {
    /// An authorizer that exists, by id.
    Existing(String),
    /// The authorizer this plan creates, by name.
    New(String),
}

/// The role integrations use as credentials.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum RoleRef {
    /// A role that exists, by ARN.
    Existing(String),
    /// The role this plan creates, by name.
    New(String),
}

/// One AWS mutation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Op {
    /// CreateApi with the ownership tag and the CORS configuration.
    CreateApi {
        name: String,
        tags: BTreeMap<String, String>,
        cors: Option<Cors>,
    },
    /// ImportApi: a new API with its routes, integrations, authorizers, CORS configuration and
    /// tags from one OpenAPI document, in one call. Where the endpoint lacks ImportApi or refuses
    /// it, the executor runs `instead`, the per-resource operations it stands for.
    ImportApi {
        /// The API's name.
        name: String,
        /// The document (`openapi::import_document`).
        document: Value,
        /// The role ARN the document's integrations name as credentials, replaced by the
        /// role's real ARN (CreateRole's answer, for a role made in the same run) when sent.
        role_in_document: String,
        /// The role the integrations use; `None` when there are none.
        role: Option<RoleRef>,
        /// The ownership tag (and the stack's other tags), which the document carries too.
        tags: BTreeMap<String, String>,
        /// CreateApi, CreateAuthorizer, CreateIntegration and CreateRoute, in plan order.
        instead: Vec<Op>,
    },
    /// UpdateApi: the name, and the CORS configuration when given.
    UpdateApi {
        id: String,
        name: String,
        cors: Option<Cors>,
    },
    /// DeleteCorsConfiguration: the only way to remove a CORS field or the whole configuration.
    DeleteCors { api_id: String },
    /// CreateAuthorizer (JWT).
    CreateAuthorizer { api: ApiRef, spec: DesiredAuthorizer },
    /// UpdateAuthorizer, with every field.
    UpdateAuthorizer {
        api_id: String,
        id: String,
        spec: DesiredAuthorizer,
    },
    /// DeleteAuthorizer.
    DeleteAuthorizer {
        api_id: String,
        id: String,
        name: String,
    },
    /// TagResource / UntagResource on an API or stage ARN path.
    TagApiResource {
        /// The API.
        api: ApiRef,
        /// `None` for the API itself, else the stage name.
        stage: Option<StageName>,
        /// Tags to set.
        set: BTreeMap<String, String>,
        /// Tag keys to remove.
        remove: Vec<String>,
    },
    /// DeleteApi.
    DeleteApi { id: String },
    /// CreateRole with trust policy, tags, path and permissions boundary.
    CreateRole {
        name: String,
        trust: Value,
        tags: BTreeMap<String, String>,
        /// IAM path, `/` by default.
        path: String,
        /// Permissions boundary ARN.
        boundary: Option<String>,
    },
    /// DeleteRolePolicy and DetachRolePolicy for each, then DeleteRole: one step, for a role
    /// that is made again under another path.
    ClearAndDeleteRole {
        name: String,
        inline: Vec<String>,
        attached: Vec<String>,
    },
    /// PutRolePermissionsBoundary.
    PutRoleBoundary { name: String, arn: String },
    /// DeleteRolePermissionsBoundary.
    DeleteRoleBoundary { name: String },
    /// TagRole / UntagRole.
    TagRole {
        name: String,
        set: BTreeMap<String, String>,
        remove: Vec<String>,
    },
    /// UpdateAssumeRolePolicy.
    UpdateTrust { name: String, trust: Value },
    /// PutRolePolicy.
    PutRolePolicy {
        role: String,
        policy_name: String,
        document: Value,
    },
    /// DeleteRolePolicy.
    DeleteRolePolicy { role: String, policy_name: String },
    /// AttachRolePolicy.
    AttachRolePolicy { role: String, arn: String },
    /// DetachRolePolicy.
    DetachRolePolicy { role: String, arn: String },
    /// DeleteRole.
    DeleteRole { name: String },
    /// CreateIntegration for a route key.
    CreateIntegration {
        api: ApiRef,
        route_key: String,
        spec: DesiredIntegration,
        role: RoleRef,
    },
    /// UpdateIntegration, always with the whole parameter map.
    UpdateIntegration {
        api_id: String,
        id: String,
        route_key: String,
        spec: DesiredIntegration,
        role: RoleRef,
        /// Response status codes whose live parameters lose a key or go: each is sent as an
        /// empty map (the guide's way to remove a code's mappings) before the new maps.
        clear_response: Vec<String>,
    },
    /// DeleteIntegration.
    DeleteIntegration { api_id: String, id: String },
    /// CreateRoute.
    CreateRoute {
        api: ApiRef,
        key: String,
        authorization: Authorization,
        /// The JWT authorizer, for `JWT` routes.
        authorizer: Option<AuthorizerRef>,
        /// Required scopes, for `JWT` routes.
        scopes: Vec<String>,
        integration: IntegrationRef,
    },
    /// UpdateRoute (target, authorization, authorizer, scopes).
    UpdateRoute {
        api_id: String,
        id: String,
        key: String,
        authorization: Authorization,
        authorizer: Option<AuthorizerRef>,
        scopes: Vec<String>,
        integration: IntegrationRef,
        /// The integration it targeted before, freed by this change.
        previous: Option<String>,
        /// The authorizer it used before, freed by this change.
        previous_authorizer: Option<String>,
    },
    /// DeleteRoute.
    DeleteRoute {
        api_id: String,
        id: String,
        key: String,
        target: Option<String>,
        /// The authorizer it used, freed by this change.
        authorizer_id: Option<String>,
    },
    /// CreateStage with tags, never with a deployment id.
    CreateStage {
        api: ApiRef,
        spec: DesiredStage,
        tags: BTreeMap<String, String>,
        /// Stage variables to carry over when a stage is made anew (the file does not declare
        /// them, but `$stageVariables.X` mappings may read them).
        variables: BTreeMap<String, String>,
    },
    /// UpdateStage, never with a deployment id.
    UpdateStage { api_id: String, spec: DesiredStage },
    /// DeleteStage.
    DeleteStage { api_id: String, name: StageName },
    /// DeleteAccessLogSettings: turns a stage's access logging off.
    DeleteAccessLog { api_id: String, stage: StageName },
    /// An operation of the state machine unit (machines, versions, aliases, their roles).
    StateMachine(MachineOp),
}

impl std::fmt::Display for Op {
    /// The operation's label, as progress lines and errors show it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

impl Op {
    /// A short human description, e.g. `create integration POST /new-user`.
    pub fn label(&self) -> String {
        match self {
            Op::CreateApi { name, .. } => format!("create api {name}"),
            Op::ImportApi { name, instead, .. } => {
                let count = |f: fn(&Op) -> bool| instead.iter().filter(|o| f(o)).count();
                let routes = count(|o| matches!(o, Op::CreateRoute { .. }));
                let integrations = count(|o| matches!(o, Op::CreateIntegration { .. }));
                let authorizers = count(|o| matches!(o, Op::CreateAuthorizer { .. }));
                let mut what = format!("{routes} route(s), {integrations} integration(s)");
                if authorizers > 0 {
                    what.push_str(&format!(", {authorizers} authorizer(s)"));
                }
                format!("import api {name} ({what}) in one ImportApi call")
            }
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
            Op::ClearAndDeleteRole { name, .. } => format!("delete role {name} (to make it anew)"),
            Op::PutRoleBoundary { name, .. } => format!("set permissions boundary of role {name}"),
            Op::DeleteRoleBoundary { name } => format!("remove permissions boundary of role {name}"),
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
            Op::StateMachine(op) => op.label(),
        }
    }
}

/// What an operation makes available or waits for; the executor orders operations by these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// The stack's API exists.
    Api,
    /// The stack's role exists.
    Role,
    /// The integration for a route key exists.
    Integration(String),
    /// No route targets this integration any more.
    Detached(String),
    /// A child of this API is gone.
    ApiChild(String),
    /// A policy of this role is gone.
    RolePolicyGone(String),
    /// The declared policies of this role are in place (put or attached).
    RolePolicySet(String),
    /// The authorizer of this name exists.
    Authorizer(String),
    /// No route uses this authorizer id any more.
    AuthorizerFreed(String),
    /// The API's CORS configuration is gone.
    CorsCleared,
    /// The stage of this name is gone (a replace creates it again).
    StageGone(StageName),
    /// The integrations have their new credentials, or are gone: an old role may go.
    CredentialsMoved,
    /// The role of this name is gone (a path change makes it anew).
    RoleGone(String),
    /// A state machine unit's key (its machine exists, its role is ready, ...).
    StateMachine(MachineKey),
}

impl Op {
    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            Op::CreateApi { .. } => vec![Key::Api],
            Op::ImportApi { instead, .. } => {
                let mut keys: Vec<Key> = instead.iter().flat_map(Op::provides).collect();
                keys.dedup();
                keys
            }
            // Tagging an existing role (adoption) comes before any change to it, so that a run
            // cut short never leaves an untagged role modified.
            Op::CreateRole { .. } | Op::TagRole { .. } => vec![Key::Role],
            Op::PutRolePolicy { role, .. } | Op::AttachRolePolicy { role, .. } => {
                vec![Key::RolePolicySet(role.clone())]
            }
            Op::CreateIntegration { route_key, .. } => vec![Key::Integration(route_key.clone())],
            Op::UpdateRoute {
                previous,
                previous_authorizer,
                ..
            } => {
                let mut keys: Vec<Key> = previous.iter().map(|p| Key::Detached(p.clone())).collect();
                keys.extend(
                    previous_authorizer
                        .iter()
                        .map(|a| Key::AuthorizerFreed(a.clone())),
                );
                keys
            }
            Op::DeleteRoute {
                api_id,
                target,
                authorizer_id,
                ..
            } => {
                let mut keys = vec![Key::ApiChild(api_id.clone())];
                if let Some(t) = target.as_deref().and_then(|t| t.strip_prefix("integrations/")) {
                    keys.push(Key::Detached(t.to_string()));
                }
                keys.extend(authorizer_id.iter().map(|a| Key::AuthorizerFreed(a.clone())));
                keys
            }
            Op::DeleteIntegration { api_id, .. } => {
                vec![Key::ApiChild(api_id.clone()), Key::CredentialsMoved]
            }
            Op::UpdateIntegration { .. } => vec![Key::CredentialsMoved],
            Op::DeleteAuthorizer { api_id, .. } => vec![Key::ApiChild(api_id.clone())],
            Op::DeleteStage { api_id, name } => {
                vec![Key::ApiChild(api_id.clone()), Key::StageGone(name.clone())]
            }
            Op::CreateAuthorizer { spec, .. } => vec![Key::Authorizer(spec.name.clone())],
            Op::DeleteCors { .. } => vec![Key::CorsCleared],
            Op::DeleteRolePolicy { role, .. } | Op::DetachRolePolicy { role, .. } => {
                vec![Key::RolePolicyGone(role.clone())]
            }
            Op::DeleteRole { name } | Op::ClearAndDeleteRole { name, .. } => {
                vec![Key::RoleGone(name.clone())]
            }
            // Nothing waits for these: they make nothing another operation needs.
            Op::UpdateApi { .. }
            | Op::UpdateAuthorizer { .. }
            | Op::TagApiResource { .. }
            | Op::DeleteApi { .. }
            | Op::PutRoleBoundary { .. }
            | Op::DeleteRoleBoundary { .. }
            | Op::UpdateTrust { .. }
            | Op::CreateRoute { .. }
            | Op::CreateStage { .. }
            | Op::UpdateStage { .. }
            | Op::DeleteAccessLog { .. } => Vec::new(),
            Op::StateMachine(op) => op.provides().into_iter().map(Key::StateMachine).collect(),
        }
    }

    /// What this operation waits for. A key nobody in the plan provides is already satisfied.
    pub fn needs(&self) -> Vec<Key> {
        let api = |a: &ApiRef| match a {
            ApiRef::New => vec![Key::Api],
            ApiRef::Existing(_) => Vec::new(),
        };
        let role = |r: &RoleRef| match r {
            RoleRef::New(_) => vec![Key::Role],
            RoleRef::Existing(_) => Vec::new(),
        };
        // An integration waits for the stack's machine it starts (and, on an alias, the alias).
        let machine = |spec: &DesiredIntegration| {
            let arn = spec.parameters.get("StateMachineArn");
            let parsed = arn.and_then(|a| crate::stack::rules::parse_state_machine_arn(a).ok());
            match parsed {
                Some(m) => vec![
                    Key::StateMachine(MachineKey::Ready(m.name.clone())),
                    Key::StateMachine(MachineKey::AliasesSet(m.name)),
                ],
                None => Vec::new(),
            }
        };
        match self {
            // What its operations wait for, less what they make among themselves.
            Op::ImportApi { instead, .. } => {
                let made = self.provides();
                let mut keys: Vec<Key> = Vec::new();
                for key in instead.iter().flat_map(Op::needs) {
                    if !made.contains(&key) && !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                keys
            }
            Op::CreateRole { name, .. } => vec![Key::RoleGone(name.clone())],
            Op::TagRole { .. }
            | Op::PutRoleBoundary { .. }
            | Op::DeleteRoleBoundary { .. }
            | Op::UpdateTrust { .. }
            | Op::PutRolePolicy { .. }
            | Op::AttachRolePolicy { .. } => {
                vec![Key::Role]
            }
            // The old policy goes only once the new one is in place: never a role without one.
            // And only once the integrations are repointed (or gone): never one that lost its
            // permissions while still in use.
            Op::DeleteRolePolicy { role, .. } | Op::DetachRolePolicy { role, .. } => {
                vec![Key::Role, Key::RolePolicySet(role.clone()), Key::CredentialsMoved]
            }
            Op::CreateIntegration {
                api: a,
                role: r,
                spec,
                ..
            } => [api(a), role(r), machine(spec)].concat(),
            Op::UpdateIntegration { role: r, spec, .. } => [role(r), machine(spec)].concat(),
            Op::CreateRoute {
                api: a,
                integration,
                authorizer,
                ..
            } => {
                let mut keys = api(a);
                if let IntegrationRef::New(k) = integration {
                    keys.push(Key::Integration(k.clone()));
                }
                if let Some(AuthorizerRef::New(name)) = authorizer {
                    keys.push(Key::Authorizer(name.clone()));
                }
                keys
            }
            Op::UpdateRoute {
                integration,
                authorizer,
                ..
            } => {
                let mut keys = Vec::new();
                if let IntegrationRef::New(k) = integration {
                    keys.push(Key::Integration(k.clone()));
                }
                if let Some(AuthorizerRef::New(name)) = authorizer {
                    keys.push(Key::Authorizer(name.clone()));
                }
                keys
            }
            Op::CreateAuthorizer { api: a, .. } => api(a),
            Op::DeleteAuthorizer { id, .. } => vec![Key::AuthorizerFreed(id.clone())],
            Op::UpdateApi { .. } => vec![Key::CorsCleared],
            Op::DeleteIntegration { id, .. } => vec![Key::Detached(id.clone())],
            Op::CreateStage { api: a, spec, .. } => {
                [api(a), vec![Key::StageGone(spec.name.clone())]].concat()
            }
            Op::TagApiResource { api: a, .. } => api(a),
            Op::DeleteApi { id } => vec![Key::ApiChild(id.clone())],
            Op::DeleteRole { name } => vec![Key::RolePolicyGone(name.clone()), Key::CredentialsMoved],
            // These wait for nothing: what they act on exists before the run, or they are ordered by
            // the operations that wait for them.
            Op::CreateApi { .. }
            | Op::DeleteCors { .. }
            | Op::UpdateAuthorizer { .. }
            | Op::ClearAndDeleteRole { .. }
            | Op::DeleteRoute { .. }
            | Op::UpdateStage { .. }
            | Op::DeleteStage { .. }
            | Op::DeleteAccessLog { .. } => Vec::new(),
            Op::StateMachine(op) => op.needs().into_iter().map(Key::StateMachine).collect(),
        }
    }

    /// True for operations that create something AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        matches!(
            self,
            Op::CreateApi { .. }
                | Op::ImportApi { .. }
                | Op::CreateRole { .. }
                | Op::CreateIntegration { .. }
                | Op::CreateRoute { .. }
                | Op::CreateStage { .. }
                | Op::CreateAuthorizer { .. }
        )
    }
}
