//! The planner: a pure function from desired and live state to the changes that reconcile them.
//!
//! Live items are claimed as desired items match them; whatever the stack owns and nothing
//! claimed is deleted. No SDK types here: the planner is tested on plain structs.

pub mod op;
mod quota;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use serde_json::{Value, json};

use crate::live::{Live, LiveApi, LiveAuthorizer, LiveIntegration, LiveRole, LiveStage, RoleState};
use crate::stack::Desired;
use crate::stack::desired::{Cors, DesiredIntegration, DesiredRoute, DesiredStage};
use crate::stack::rules::OWNER_TAG;
pub use op::{ApiRef, AuthorizerRef, IntegrationRef, Key, Op, RoleRef};

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Made from nothing.
    Create,
    /// Changed in place.
    Update,
    /// Removed.
    Delete,
    /// Made anew and the old one removed, because AWS cannot change it in place.
    Replace,
}

/// What kind of resource a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The HTTP API.
    Api,
    /// A route.
    Route,
    /// An integration.
    Integration,
    /// A JWT authorizer.
    Authorizer,
    /// A stage.
    Stage,
    /// The IAM role.
    Role,
    /// An inline policy of the role.
    RolePolicy,
    /// A managed policy attached to the role.
    ManagedPolicy,
}

/// One field's before and after; `null` where absent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Field name, e.g. `request_parameters.Input`.
    pub field: String,
    /// Live value.
    pub before: Value,
    /// Desired value.
    pub after: Value,
}

/// One resource's change, as shown to people, with the operations that make it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Create, update, delete or replace.
    pub action: Action,
    /// Resource kind.
    pub kind: Kind,
    /// Resource name: route key, API name, role name, ...
    pub name: String,
    /// Changed fields (for updates and replaces; for creates the new values).
    pub fields: Vec<FieldChange>,
    /// The AWS mutations that carry it out, in order within this change.
    #[serde(skip)]
    pub ops: Vec<Op>,
}

/// Everything `up` (or `down`) would do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Stack name.
    pub stack: String,
    /// Changes, in the order they are shown.
    pub changes: Vec<Change>,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// (create, update, delete) counts; a replace counts as one create and one delete.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.changes
            .iter()
            .fold((0, 0, 0), |(c, u, d), ch| match ch.action {
                Action::Create => (c + 1, u, d),
                Action::Update => (c, u + 1, d),
                Action::Delete => (c, u, d + 1),
                Action::Replace => (c + 1, u, d + 1),
            })
    }
}

/// Options that change what the planner may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Take over a same-named role that lacks the ownership tag.
    pub adopt: bool,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A role with the stack's role name exists and is not the stack's.
    #[error(
        "role {name} exists but is not owned by stack {stack} (it has no {OWNER_TAG}={stack} tag); nothing was changed\n  \
         to manage it with this stack, run `provision up --adopt`: it tags the role and from then on manages it \
         (its policies and tags become what the stack declares; `provision diff` shows how)\n  \
         otherwise choose another [role] name"
    )]
    UnownedRole {
        /// Role name.
        name: String,
        /// Stack name.
        stack: String,
    },
    /// The plan could need more integrations at once than the API's quota.
    #[error(transparent)]
    IntegrationQuota(#[from] quota::IntegrationQuota),
    /// The role belongs to another stack.
    #[error("role {name} belongs to stack {owner}, not {stack}; choose another [role] name")]
    OtherStacksRole {
        /// Role name.
        name: String,
        /// Owning stack.
        owner: String,
        /// This stack.
        stack: String,
    },
}

/// Computes what `up` must do to make live state match the stack.
pub fn plan(desired: &Desired, live: &Live, options: PlanOptions) -> Result<Plan, PlanError> {
    let mut changes = Vec::new();
    let role_ref = plan_role(desired, &live.role, options, &mut changes)?;

    let apis = oldest_first(&live.apis);
    let kept = apis.first().copied();
    let api_ref = match kept {
        Some(api) => {
            plan_api_update(desired, api, &mut changes);
            ApiRef::Existing(api.id.clone())
        }
        None => {
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Api,
                name: desired.api.name.clone(),
                fields: [
                    vec![
                        created("name", json!(desired.api.name)),
                        created("protocol_type", json!("HTTP")),
                    ],
                    cors_fields(None, desired.api.cors.as_ref()),
                    vec![created("tags", json!(desired.tags))],
                ]
                .concat(),
                ops: vec![Op::CreateApi {
                    name: desired.api.name.clone(),
                    tags: desired.tags.clone(),
                    cors: desired.api.cors.clone(),
                }],
            });
            ApiRef::New
        }
    };
    let empty = LiveApi::default();
    let api = kept.unwrap_or(&empty);
    let authorizers = plan_authorizers(desired, api, &api_ref, &mut changes);
    plan_routes(desired, api, &api_ref, &role_ref, &authorizers, &mut changes);
    delete_unused_authorizers(api, &authorizers, &mut changes);
    plan_stages(desired, api, &api_ref, &mut changes);
    quota::integrations(api, &changes)?;
    for duplicate in apis.iter().skip(1) {
        changes.push(Change {
            action: Action::Delete,
            kind: Kind::Api,
            name: format!("{} ({}, duplicate)", duplicate.name, duplicate.id),
            fields: Vec::new(),
            ops: vec![Op::DeleteApi {
                id: duplicate.id.clone(),
            }],
        });
    }
    Ok(Plan {
        stack: desired.stack.clone(),
        changes,
    })
}

/// The owned APIs, the one `up` keeps first: the oldest wins, so every run (and every concurrent
/// run) keeps the same one. An unknown creation time sorts last, then the id decides.
pub fn oldest_first(apis: &[LiveApi]) -> Vec<&LiveApi> {
    let mut apis: Vec<&LiveApi> = apis.iter().collect();
    apis.sort_by_key(|a| (a.created.is_none(), a.created, a.id.clone()));
    apis
}

/// Computes what `down` must do: delete everything the stack owns, children first.
pub fn plan_down(desired: &Desired, live: &Live) -> Plan {
    let mut changes = Vec::new();
    for api in &live.apis {
        for route in &api.routes {
            changes.push(delete(Kind::Route, &route.key, delete_route_op(api, route)));
        }
        for integration in &api.integrations {
            changes.push(delete(
                Kind::Integration,
                &integration_label(api, integration),
                Op::DeleteIntegration {
                    api_id: api.id.clone(),
                    id: integration.id.clone(),
                },
            ));
        }
        for authorizer in &api.authorizers {
            changes.push(delete_authorizer(api, authorizer));
        }
        for stage in &api.stages {
            changes.push(delete(
                Kind::Stage,
                &stage.name,
                Op::DeleteStage {
                    api_id: api.id.clone(),
                    name: stage.name.clone(),
                },
            ));
        }
        changes.push(delete(
            Kind::Api,
            &format!("{} ({})", api.name, api.id),
            Op::DeleteApi { id: api.id.clone() },
        ));
    }
    if let RoleState::Present(role) = &live.role
        && role.owned_by(&desired.stack)
    {
        for name in role.inline.keys() {
            changes.push(delete(
                Kind::RolePolicy,
                name,
                Op::DeleteRolePolicy {
                    role: role.name.clone(),
                    policy_name: name.clone(),
                },
            ));
        }
        for arn in &role.attached {
            changes.push(delete(
                Kind::ManagedPolicy,
                arn,
                Op::DetachRolePolicy {
                    role: role.name.clone(),
                    arn: arn.clone(),
                },
            ));
        }
        changes.push(delete(
            Kind::Role,
            &role.name,
            Op::DeleteRole {
                name: role.name.clone(),
            },
        ));
    }
    Plan {
        stack: desired.stack.clone(),
        changes,
    }
}

fn delete(kind: Kind, name: &str, op: Op) -> Change {
    Change {
        action: Action::Delete,
        kind,
        name: name.to_string(),
        fields: Vec::new(),
        ops: vec![op],
    }
}

fn created(field: &str, after: Value) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before: Value::Null,
        after,
    }
}

fn changed(field: &str, before: Value, after: Value) -> Option<FieldChange> {
    (before != after).then(|| FieldChange {
        field: field.to_string(),
        before,
        after,
    })
}

/// Tag differences: what to set, what to remove (never `aws:` keys, which nobody can remove),
/// and the field changes that show it.
fn tag_diff(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>, Vec<FieldChange>) {
    let mut set = BTreeMap::new();
    let mut fields = Vec::new();
    for (k, v) in desired {
        if live.get(k) != Some(v) {
            set.insert(k.clone(), v.clone());
            fields.push(FieldChange {
                field: format!("tags.{k}"),
                before: live.get(k).map_or(Value::Null, |v| json!(v)),
                after: json!(v),
            });
        }
    }
    let remove: Vec<String> = live
        .keys()
        .filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    for k in &remove {
        fields.push(FieldChange {
            field: format!("tags.{k}"),
            before: json!(live[k]),
            after: Value::Null,
        });
    }
    (set, remove, fields)
}

fn plan_role(
    desired: &Desired,
    live: &RoleState,
    options: PlanOptions,
    changes: &mut Vec<Change>,
) -> Result<RoleRef, PlanError> {
    let want = &desired.role;
    let role = match live {
        RoleState::Absent => {
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Role,
                name: want.name.clone(),
                fields: vec![
                    created("trust", want.trust.clone()),
                    created("tags", json!(desired.tags)),
                ],
                ops: vec![Op::CreateRole {
                    name: want.name.clone(),
                    trust: want.trust.clone(),
                    tags: desired.tags.clone(),
                }],
            });
            // The new role then gets its policies exactly as an existing, empty one would.
            let created_role = LiveRole {
                name: want.name.clone(),
                tags: desired.tags.clone(),
                trust: want.trust.clone(),
                ..LiveRole::default()
            };
            plan_role_update(desired, &created_role, changes);
            return Ok(RoleRef::New(want.name.clone()));
        }
        RoleState::Present(role) => role,
    };
    match role.tags.get(OWNER_TAG) {
        Some(owner) if owner == &desired.stack => {}
        Some(owner) => {
            return Err(PlanError::OtherStacksRole {
                name: role.name.clone(),
                owner: owner.clone(),
                stack: desired.stack.clone(),
            });
        }
        None if options.adopt => {}
        None => {
            return Err(PlanError::UnownedRole {
                name: role.name.clone(),
                stack: desired.stack.clone(),
            });
        }
    }
    plan_role_update(desired, role, changes);
    Ok(RoleRef::Existing(role.arn.clone()))
}

fn plan_role_update(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
    let want = &desired.role;
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    if let Some(f) = changed("trust", role.trust.clone(), want.trust.clone()) {
        fields.push(f);
        ops.push(Op::UpdateTrust {
            name: role.name.clone(),
            trust: want.trust.clone(),
        });
    }
    let (set, remove, tag_fields) = tag_diff(&role.tags, &desired.tags);
    if !tag_fields.is_empty() {
        fields.extend(tag_fields);
        ops.push(Op::TagRole {
            name: role.name.clone(),
            set,
            remove,
        });
    }
    if !ops.is_empty() {
        changes.push(Change {
            action: Action::Update,
            kind: Kind::Role,
            name: role.name.clone(),
            fields,
            ops,
        });
    }

    match role.inline.get(&want.policy_name) {
        Some(doc) if *doc == want.policy => {}
        before => changes.push(Change {
            action: if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            kind: Kind::RolePolicy,
            name: want.policy_name.clone(),
            fields: vec![FieldChange {
                field: "document".into(),
                before: before.cloned().unwrap_or(Value::Null),
                after: want.policy.clone(),
            }],
            ops: vec![Op::PutRolePolicy {
                role: role.name.clone(),
                policy_name: want.policy_name.clone(),
                document: want.policy.clone(),
            }],
        }),
    }
    for name in role.inline.keys().filter(|n| **n != want.policy_name) {
        changes.push(delete(
            Kind::RolePolicy,
            name,
            Op::DeleteRolePolicy {
                role: role.name.clone(),
                policy_name: name.clone(),
            },
        ));
    }
    for arn in want.managed_policies.difference(&role.attached) {
        changes.push(Change {
            action: Action::Create,
            kind: Kind::ManagedPolicy,
            name: arn.clone(),
            fields: Vec::new(),
            ops: vec![Op::AttachRolePolicy {
                role: role.name.clone(),
                arn: arn.clone(),
            }],
        });
    }
    for arn in role.attached.difference(&want.managed_policies) {
        changes.push(delete(
            Kind::ManagedPolicy,
            arn,
            Op::DetachRolePolicy {
                role: role.name.clone(),
                arn: arn.clone(),
            },
        ));
    }
}

fn plan_api_update(desired: &Desired, api: &LiveApi, changes: &mut Vec<Change>) {
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    let name = changed("name", json!(api.name), json!(desired.api.name));
    let cors = cors_fields(api.cors.as_ref(), desired.api.cors.as_ref());
    let want = desired.api.cors.as_ref();
    // A field or list entry can only go by deleting the whole configuration first.
    let clear = !cors.is_empty()
        && api
            .cors
            .as_ref()
            .is_some_and(|live| want.is_none_or(|w| !covers(w, live)));
    if clear {
        ops.push(Op::DeleteCors {
            api_id: api.id.clone(),
        });
    }
    if name.is_some() || (!cors.is_empty() && want.is_some()) {
        ops.push(Op::UpdateApi {
            id: api.id.clone(),
            name: desired.api.name.clone(),
            cors: if cors.is_empty() { None } else { want.cloned() },
        });
    }
    fields.extend(name);
    fields.extend(cors);
    let (set, remove, tag_fields) = tag_diff(&api.tags, &desired.tags);
    if !tag_fields.is_empty() {
        fields.extend(tag_fields);
        ops.push(Op::TagApiResource {
            api: ApiRef::Existing(api.id.clone()),
            stage: None,
            set,
            remove,
        });
    }
    if !ops.is_empty() {
        changes.push(Change {
            action: Action::Update,
            kind: Kind::Api,
            name: desired.api.name.clone(),
            fields,
            ops,
        });
    }
}

/// How the credentials of an integration are shown and compared: by role name, since the ARN
/// of a role that does not exist yet is not known, and a recreated role keeps its ARN.
fn role_name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn role_display(role: &RoleRef) -> Value {
    match role {
        RoleRef::Existing(arn) => json!(arn),
        RoleRef::New(name) => json!(format!("role/{name} (known after up)")),
    }
}

fn plan_routes(
    desired: &Desired,
    api: &LiveApi,
    api_ref: &ApiRef,
    role: &RoleRef,
    authorizers: &Authorizers,
    changes: &mut Vec<Change>,
) {
    let authorizer_names: BTreeMap<&str, &str> = api
        .authorizers
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let role_name = match role {
        RoleRef::Existing(arn) => role_name_of(arn).to_string(),
        RoleRef::New(name) => name.clone(),
    };
    let integrations: BTreeMap<&str, &LiveIntegration> =
        api.integrations.iter().map(|i| (i.id.as_str(), i)).collect();
    let targeted: HashSet<&str> = api.routes.iter().filter_map(|r| r.integration_id()).collect();
    let mut claimed_routes: HashSet<&str> = HashSet::new();
    let mut claimed_integrations: HashSet<&str> = HashSet::new();

    for want in &desired.routes {
        let live_route = api
            .routes
            .iter()
            .filter(|r| r.key == want.key && !claimed_routes.contains(r.id.as_str()))
            .min_by(|a, b| a.id.cmp(&b.id));
        if let Some(r) = live_route {
            claimed_routes.insert(&r.id);
        }
        // The route's own integration, or else one that no route targets but that acts on the
        // same machine: what a run cut short between CreateIntegration and CreateRoute leaves.
        let current = live_route
            .and_then(|r| r.integration_id())
            .filter(|id| !claimed_integrations.contains(id))
            .and_then(|id| integrations.get(id).copied())
            .or_else(|| orphan_for(want, api, &targeted, &claimed_integrations));
        let target = match current {
            Some(live) => {
                claimed_integrations.insert(&live.id);
                reconcile_integration(want, live, &api.id, api_ref, &role_name, role, changes)
            }
            None => {
                changes.push(create_integration(want, api_ref, role));
                IntegrationRef::New(want.key.clone())
            }
        };
        let target_text = match &target {
            IntegrationRef::Existing(id) => format!("integrations/{id}"),
            IntegrationRef::New(_) => "integrations/(known after up)".to_string(),
        };

        let authorizer = want
            .authorizer
            .as_ref()
            .and_then(|name| authorizers.refs.get(name).cloned());
        let Some(live_route) = live_route else {
            let mut fields = vec![created("authorization_type", json!(want.authorization))];
            if let Some(name) = &want.authorizer {
                fields.push(created("authorizer", json!(name)));
                fields.push(created("authorization_scopes", json!(want.scopes)));
            }
            fields.push(created("target", json!(target_text)));
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Route,
                name: want.key.clone(),
                fields,
                ops: vec![Op::CreateRoute {
                    api: api_ref.clone(),
                    key: want.key.clone(),
                    authorization: want.authorization.clone(),
                    authorizer,
                    scopes: want.scopes.clone(),
                    integration: target,
                }],
            });
            continue;
        };
        let mut fields = Vec::new();
        if let Some(f) = changed(
            "authorization_type",
            json!(live_route.authorization),
            json!(want.authorization),
        ) {
            fields.push(f);
        }
        // The authorizer is compared by id, whatever the route's type: a stale id left on a
        // NONE route, or one pointing at a duplicate of the same name, must be moved off before
        // that authorizer can go.
        let jwt = |authorization: &str| authorization == "JWT";
        let same_authorizer = match (&live_route.authorizer_id, &authorizer) {
            (None, None) => true,
            (Some(live), Some(AuthorizerRef::Existing(want))) => live == want,
            _ => false,
        };
        if !same_authorizer {
            let label = |id: &String| match authorizer_names.get(id.as_str()) {
                Some(name) => format!("{name} ({id})"),
                None => id.clone(),
            };
            let after = match &authorizer {
                Some(AuthorizerRef::Existing(id)) => json!(label(id)),
                Some(AuthorizerRef::New(name)) => json!(format!("{name} (known after up)")),
                None => Value::Null,
            };
            fields.push(FieldChange {
                field: "authorizer".into(),
                before: json!(live_route.authorizer_id.as_ref().map(label)),
                after,
            });
        }
        let live_scopes = if jwt(&live_route.authorization) {
            live_route.scopes.clone()
        } else {
            Vec::new()
        };
        if jwt(&want.authorization)
            && let Some(f) = changed("authorization_scopes", json!(live_scopes), json!(want.scopes))
        {
            fields.push(f);
        }
        if let Some(f) = changed("target", json!(live_route.target), json!(target_text)) {
            fields.push(f);
        }
        let previous_authorizer = live_route
            .authorizer_id
            .as_ref()
            .filter(|id| !matches!(&authorizer, Some(AuthorizerRef::Existing(new)) if new == *id))
            .cloned();
        if !fields.is_empty() {
            changes.push(Change {
                action: Action::Update,
                kind: Kind::Route,
                name: want.key.clone(),
                fields,
                ops: vec![Op::UpdateRoute {
                    api_id: api.id.clone(),
                    id: live_route.id.clone(),
                    key: want.key.clone(),
                    authorization: want.authorization.clone(),
                    authorizer,
                    scopes: want.scopes.clone(),
                    integration: target,
                    previous: live_route.integration_id().map(str::to_string),
                    previous_authorizer,
                }],
            });
        }
    }

    for route in api
        .routes
        .iter()
        .filter(|r| !claimed_routes.contains(r.id.as_str()))
    {
        changes.push(delete(Kind::Route, &route.key, delete_route_op(api, route)));
    }
    for integration in api
        .integrations
        .iter()
        .filter(|i| !claimed_integrations.contains(i.id.as_str()))
    {
        changes.push(delete(
            Kind::Integration,
            &integration_label(api, integration),
            Op::DeleteIntegration {
                api_id: api.id.clone(),
                id: integration.id.clone(),
            },
        ));
    }
}

/// An integration no route targets, of the route's subtype and on its machine; an exact
/// parameter match first, then the lowest id, so every run picks the same one.
fn orphan_for<'a>(
    want: &DesiredRoute,
    api: &'a LiveApi,
    targeted: &HashSet<&str>,
    claimed: &HashSet<&str>,
) -> Option<&'a LiveIntegration> {
    let machine = |p: &BTreeMap<String, String>| {
        p.get("StateMachineArn")
            .or_else(|| p.get("ExecutionArn"))
            .cloned()
    };
    api.integrations
        .iter()
        .filter(|i| !targeted.contains(i.id.as_str()) && !claimed.contains(i.id.as_str()))
        .filter(|i| i.subtype.as_deref() == Some(want.integration.subtype.as_str()))
        .filter(|i| machine(&i.parameters) == machine(&want.integration.parameters))
        .min_by_key(|i| (i.parameters != want.integration.parameters, i.id.clone()))
}

/// Compares a live integration with the route's; pushes an update or a replace when they differ
/// and returns what the route should target.
fn reconcile_integration(
    want: &DesiredRoute,
    live: &LiveIntegration,
    api_id: &str,
    api_ref: &ApiRef,
    role_name: &str,
    role: &RoleRef,
    changes: &mut Vec<Change>,
) -> IntegrationRef {
    let diff = integration_diff(live, &want.integration, role_name, role);
    if diff.fields.is_empty() {
        return IntegrationRef::Existing(live.id.clone());
    }
    if diff.replace {
        changes.push(Change {
            action: Action::Replace,
            kind: Kind::Integration,
            name: want.key.clone(),
            fields: diff.fields,
            // The old integration goes once the route has moved off it.
            ops: vec![
                create_integration_op(want, api_ref, role),
                Op::DeleteIntegration {
                    api_id: api_id.to_string(),
                    id: live.id.clone(),
                },
            ],
        });
        return IntegrationRef::New(want.key.clone());
    }
    changes.push(Change {
        action: Action::Update,
        kind: Kind::Integration,
        name: want.key.clone(),
        fields: diff.fields,
        ops: vec![Op::UpdateIntegration {
            api_id: api_id.to_string(),
            id: live.id.clone(),
            route_key: want.key.clone(),
            spec: want.integration.clone(),
            role: role.clone(),
        }],
    });
    IntegrationRef::Existing(live.id.clone())
}

fn integration_label(api: &LiveApi, integration: &LiveIntegration) -> String {
    let keys: Vec<&str> = api
        .routes
        .iter()
        .filter(|r| r.integration_id() == Some(integration.id.as_str()))
        .map(|r| r.key.as_str())
        .collect();
    if keys.is_empty() {
        format!("{} (no route)", integration.id)
    } else {
        format!("{} ({})", integration.id, keys.join(", "))
    }
}

fn create_integration_op(want: &DesiredRoute, api_ref: &ApiRef, role: &RoleRef) -> Op {
    Op::CreateIntegration {
        api: api_ref.clone(),
        route_key: want.key.clone(),
        spec: want.integration.clone(),
        role: role.clone(),
    }
}

fn create_integration(want: &DesiredRoute, api_ref: &ApiRef, role: &RoleRef) -> Change {
    let mut fields = vec![
        created("integration_type", json!("AWS_PROXY")),
        created("integration_subtype", json!(want.integration.subtype)),
        created("payload_format_version", json!("1.0")),
        created("credentials_arn", role_display(role)),
    ];
    fields.extend(
        want.integration
            .parameters
            .iter()
            .map(|(k, v)| created(&format!("request_parameters.{k}"), json!(v))),
    );
    Change {
        action: Action::Create,
        kind: Kind::Integration,
        name: want.key.clone(),
        fields,
        ops: vec![create_integration_op(want, api_ref, role)],
    }
}

struct IntegrationDiff {
    fields: Vec<FieldChange>,
    replace: bool,
}

fn integration_diff(
    live: &LiveIntegration,
    want: &DesiredIntegration,
    role_name: &str,
    role: &RoleRef,
) -> IntegrationDiff {
    let mut fields = Vec::new();
    let mut replace = false;
    if let Some(f) = changed(
        "integration_type",
        json!(live.integration_type),
        json!("AWS_PROXY"),
    ) {
        fields.push(f);
        replace = true;
    }
    if let Some(f) = changed("integration_subtype", json!(live.subtype), json!(want.subtype)) {
        fields.push(f);
        replace = true;
    }
    if let Some(f) = changed(
        "payload_format_version",
        json!(live.payload_format_version),
        json!("1.0"),
    ) {
        fields.push(f);
    }
    let live_role = live.credentials_arn.as_deref().map(role_name_of);
    if live_role != Some(role_name) {
        fields.push(FieldChange {
            field: "credentials_arn".into(),
            before: json!(live.credentials_arn),
            after: role_display(role),
        });
    }
    let keys: BTreeSet<&String> = live.parameters.keys().chain(want.parameters.keys()).collect();
    for k in keys {
        let before = live.parameters.get(k);
        let after = want.parameters.get(k);
        if before != after {
            fields.push(FieldChange {
                field: format!("request_parameters.{k}"),
                before: json!(before),
                after: json!(after),
            });
            // AWS merges an updated map into the old one, so a key can only go by replacement.
            if after.is_none() {
                replace = true;
            }
        }
    }
    if replace {
        fields.insert(
            0,
            FieldChange {
                field: "id".into(),
                before: json!(live.id),
                after: json!("(known after up)"),
            },
        );
    }
    IntegrationDiff { fields, replace }
}

/// CORS field changes between `live` and `want` (for a new API, `live` is `None`).
fn cors_fields(live: Option<&Cors>, want: Option<&Cors>) -> Vec<FieldChange> {
    let empty = Cors::default();
    let (before, after) = (live.unwrap_or(&empty), want.unwrap_or(&empty));
    let mut fields: Vec<FieldChange> = [
        (
            "cors.allow_origins",
            json!(before.allow_origins),
            json!(after.allow_origins),
        ),
        (
            "cors.allow_methods",
            json!(before.allow_methods),
            json!(after.allow_methods),
        ),
        (
            "cors.allow_headers",
            json!(before.allow_headers),
            json!(after.allow_headers),
        ),
        (
            "cors.expose_headers",
            json!(before.expose_headers),
            json!(after.expose_headers),
        ),
        ("cors.max_age", json!(before.max_age), json!(after.max_age)),
        (
            "cors.allow_credentials",
            json!(before.allow_credentials),
            json!(after.allow_credentials),
        ),
    ]
    .into_iter()
    .filter_map(|(field, before, after)| changed(field, before, after))
    .collect();
    // An empty configuration still differs from none at all.
    if fields.is_empty() && live.is_some() != want.is_some() {
        fields.push(FieldChange {
            field: "cors".into(),
            before: json!(live),
            after: json!(want),
        });
    }
    fields
}

/// True when `want` keeps everything `live` has set, so an update alone gets there.
fn covers(want: &Cors, live: &Cors) -> bool {
    let keeps = |w: &[String], l: &[String]| l.iter().all(|x| w.contains(x));
    keeps(&want.allow_origins, &live.allow_origins)
        && keeps(&want.allow_methods, &live.allow_methods)
        && keeps(&want.allow_headers, &live.allow_headers)
        && keeps(&want.expose_headers, &live.expose_headers)
        && (live.max_age.is_none() || want.max_age.is_some())
        && (live.allow_credentials.is_none() || want.allow_credentials.is_some())
}

/// Matches each declared authorizer with a live JWT authorizer of the same name (the lowest id
/// when there are several), updates or creates it, and returns how routes refer to each by name,
/// plus the live ids claimed.
fn plan_authorizers(
    desired: &Desired,
    api: &LiveApi,
    api_ref: &ApiRef,
    changes: &mut Vec<Change>,
) -> Authorizers {
    let mut out = Authorizers::default();
    for want in &desired.authorizers {
        let live = api
            .authorizers
            .iter()
            .filter(|a| a.name == want.name && a.authorizer_type == "JWT" && !out.claimed.contains(&a.id))
            .min_by(|a, b| a.id.cmp(&b.id));
        let fields = |live: Option<&LiveAuthorizer>| {
            [
                (
                    "issuer",
                    json!(live.and_then(|l| l.issuer.clone())),
                    json!(want.issuer),
                ),
                (
                    "audience",
                    json!(live.map(|l| l.audience.clone())),
                    json!(want.audience),
                ),
                (
                    "identity_source",
                    json!(live.map(|l| l.identity_source.clone())),
                    json!([want.identity_source]),
                ),
            ]
            .into_iter()
            .filter_map(|(f, before, after)| match live {
                None => Some(created(f, after)),
                Some(_) => changed(f, before, after),
            })
            .collect::<Vec<_>>()
        };
        match live {
            None => {
                changes.push(Change {
                    action: Action::Create,
                    kind: Kind::Authorizer,
                    name: want.name.clone(),
                    fields: [vec![created("authorizer_type", json!("JWT"))], fields(None)].concat(),
                    ops: vec![Op::CreateAuthorizer {
                        api: api_ref.clone(),
                        spec: want.clone(),
                    }],
                });
                out.refs
                    .insert(want.name.clone(), AuthorizerRef::New(want.name.clone()));
            }
            Some(live) => {
                out.claimed.insert(live.id.clone());
                let fields = fields(Some(live));
                if !fields.is_empty() {
                    changes.push(Change {
                        action: Action::Update,
                        kind: Kind::Authorizer,
                        name: want.name.clone(),
                        fields,
                        ops: vec![Op::UpdateAuthorizer {
                            api_id: api.id.clone(),
                            id: live.id.clone(),
                            spec: want.clone(),
                        }],
                    });
                }
                out.refs
                    .insert(want.name.clone(), AuthorizerRef::Existing(live.id.clone()));
            }
        }
    }
    out
}

/// How routes refer to the stack's authorizers, and which live ones are kept.
#[derive(Default)]
struct Authorizers {
    refs: BTreeMap<String, AuthorizerRef>,
    claimed: BTreeSet<String>,
}

fn delete_unused_authorizers(api: &LiveApi, authorizers: &Authorizers, changes: &mut Vec<Change>) {
    for authorizer in api
        .authorizers
        .iter()
        .filter(|a| !authorizers.claimed.contains(&a.id))
    {
        changes.push(delete_authorizer(api, authorizer));
    }
}

fn delete_authorizer(api: &LiveApi, authorizer: &LiveAuthorizer) -> Change {
    delete(
        Kind::Authorizer,
        &format!("{} ({})", authorizer.name, authorizer.id),
        Op::DeleteAuthorizer {
            api_id: api.id.clone(),
            id: authorizer.id.clone(),
            name: authorizer.name.clone(),
        },
    )
}

fn delete_route_op(api: &LiveApi, route: &crate::live::LiveRoute) -> Op {
    Op::DeleteRoute {
        api_id: api.id.clone(),
        id: route.id.clone(),
        key: route.key.clone(),
        target: route.target.clone(),
        authorizer_id: route.authorizer_id.clone(),
    }
}

fn plan_stages(desired: &Desired, api: &LiveApi, api_ref: &ApiRef, changes: &mut Vec<Change>) {
    let want = &desired.stage;
    match api.stages.iter().find(|s| s.name == want.name) {
        None => changes.push(Change {
            action: Action::Create,
            kind: Kind::Stage,
            name: want.name.clone(),
            fields: stage_fields(None, want),
            ops: vec![Op::CreateStage {
                api: api_ref.clone(),
                spec: want.clone(),
                tags: desired.tags.clone(),
                variables: BTreeMap::new(),
            }],
        }),
        Some(live) if throttling_removed(live, want) => {
            // UpdateStage cannot unset a limit and a 0 rejects every request, so the stage is made
            // anew; with auto-deploy it serves the current routes again within seconds.
            let mut fields = stage_fields(Some(live), want);
            fields.extend(
                [
                    ("throttling_burst_limit", json!(live.throttling_burst_limit)),
                    ("throttling_rate_limit", json!(live.throttling_rate_limit)),
                ]
                .into_iter()
                .filter(|(_, before)| !before.is_null())
                .map(|(field, before)| FieldChange {
                    field: field.into(),
                    before,
                    after: Value::Null,
                }),
            );
            changes.push(Change {
                action: Action::Replace,
                kind: Kind::Stage,
                name: want.name.clone(),
                fields,
                ops: vec![
                    Op::DeleteStage {
                        api_id: api.id.clone(),
                        name: want.name.clone(),
                    },
                    Op::CreateStage {
                        api: api_ref.clone(),
                        spec: want.clone(),
                        tags: desired.tags.clone(),
                        variables: live.variables.clone(),
                    },
                ],
            });
        }
        Some(live) => {
            let mut fields = stage_fields(Some(live), want);
            let mut ops = Vec::new();
            let log_removed = want.access_log.is_none() && live.access_log.is_some();
            if fields.iter().any(|f| !(log_removed && f.field == "access_log")) {
                ops.push(Op::UpdateStage {
                    api_id: api.id.clone(),
                    spec: want.clone(),
                });
            }
            if log_removed {
                ops.push(Op::DeleteAccessLog {
                    api_id: api.id.clone(),
                    stage: want.name.clone(),
                });
            }
            // Stage tags are compared only when the listing returned them.
            if let Some(tags) = &live.tags {
                let (set, remove, tag_fields) = tag_diff(tags, &desired.tags);
                if !tag_fields.is_empty() {
                    fields.extend(tag_fields);
                    ops.push(Op::TagApiResource {
                        api: api_ref.clone(),
                        stage: Some(want.name.clone()),
                        set,
                        remove,
                    });
                }
            }
            if !ops.is_empty() {
                changes.push(Change {
                    action: Action::Update,
                    kind: Kind::Stage,
                    name: want.name.clone(),
                    fields,
                    ops,
                });
            }
        }
    }
    for stage in api.stages.iter().filter(|s| s.name != want.name) {
        changes.push(delete(
            Kind::Stage,
            &stage.name,
            Op::DeleteStage {
                api_id: api.id.clone(),
                name: stage.name.clone(),
            },
        ));
    }
}

/// True when the stage has throttling limits and the file sets none.
fn throttling_removed(live: &LiveStage, want: &DesiredStage) -> bool {
    want.throttling_burst_limit.is_none()
        && want.throttling_rate_limit.is_none()
        && (live.throttling_burst_limit.is_some() || live.throttling_rate_limit.is_some())
}

/// Stage fields that differ. Throttling is compared here only where the file sets it; a removed
/// limit is a replace ([`throttling_removed`]).
fn stage_fields(live: Option<&LiveStage>, want: &DesiredStage) -> Vec<FieldChange> {
    let mut pairs = vec![(
        "auto_deploy",
        json!(live.map(|l| l.auto_deploy)),
        json!(want.auto_deploy),
    )];
    if want.throttling_burst_limit.is_some() {
        pairs.push((
            "throttling_burst_limit",
            json!(live.and_then(|l| l.throttling_burst_limit)),
            json!(want.throttling_burst_limit),
        ));
    }
    if want.throttling_rate_limit.is_some() {
        pairs.push((
            "throttling_rate_limit",
            json!(live.and_then(|l| l.throttling_rate_limit)),
            json!(want.throttling_rate_limit),
        ));
    }
    if want.access_log.is_some() || live.is_some_and(|l| l.access_log.is_some()) {
        pairs.push((
            "access_log",
            json!(live.and_then(|l| l.access_log.as_ref())),
            json!(want.access_log),
        ));
    }
    pairs
        .into_iter()
        .filter_map(|(field, before, after)| match live {
            None => Some(created(field, after)),
            Some(_) => changed(field, before, after),
        })
        .collect()
}

#[cfg(test)]
mod tests;
