//! Integrations: one per distinct declared integration (subtype, request and response
//! parameters), shared by every route that declares the same; kept, updated in place, or replaced
//! when a field AWS cannot change (type, subtype, a removed parameter) differs; orphans adopted.
//! Several routes may target one integration (CreateRoute's `Target` is `integrations/ID`), and an
//! HTTP API holds at most 300 integrations while its routes quota can be raised (developer guide,
//! "Quotas for configuring and running an HTTP API").

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::json;

use crate::domain::IntegrationType;
use crate::plan::change::{Action, Change, FieldChange, Kind, changed, created, delete, field_names};
use crate::plan::op::IntegrationOp;
use crate::plan::op::{ApiRef, IntegrationRef, Op, RoleRef};
use crate::resource::api::spec::LiveApi;
use crate::resource::integration::spec::DesiredIntegration;
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::role::plan::{role_display, role_name_of};
use crate::resource::route::spec::DesiredRoute;
use crate::stack::response::ResponseParameters;

/// An integration as the stack declares it, and the routes that share it. The same spec means
/// the same target, action and mapping; the credentials (the stack's one role), payload format
/// (1.0) and timeout (the default) are the same for every route.
#[derive(Debug, Clone)]
pub(crate) struct Shared<'a> {
    /// The integration every member declares.
    pub spec: &'a DesiredIntegration,
    /// Indices of the member routes in the stack, in file order.
    pub members: Vec<usize>,
    /// The first member's key: names the integration this plan creates ([`IntegrationRef::New`]).
    pub key: String,
    /// How the plan shows it: its routes' keys.
    pub name: String,
}

/// The stack's routes grouped by the integration they declare, in the order of each group's
/// first route.
pub(crate) fn shared_integrations(routes: &[DesiredRoute]) -> Vec<Shared<'_>> {
    let mut groups: Vec<Shared<'_>> = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        match groups.iter_mut().find(|g| *g.spec == route.integration) {
            Some(group) => {
                group.members.push(i);
                group.name = format!("{}, {}", group.name, route.key);
            }
            None => groups.push(Shared {
                spec: &route.integration,
                members: vec![i],
                key: route.key.clone(),
                name: route.key.clone(),
            }),
        }
    }
    groups
}

/// An integration no route targets, of the group's subtype and on its machine; an exact
/// parameter match first, then the lowest id, so every run picks the same one.
pub(crate) fn orphan_for<'a>(
    want: &DesiredIntegration,
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
        .filter(|i| i.subtype.as_deref() == Some(want.subtype()))
        .filter(|i| machine(&i.parameters) == machine(&want.parameters))
        .min_by_key(|i| {
            let exact = i.parameters == want.parameters && i.response == want.response;
            (!exact, i.id.clone())
        })
}

/// Compares a live integration with the group's; pushes an update or a replace when they differ
/// and returns what the group's routes should target.
pub(crate) fn reconcile_integration(
    want: &Shared<'_>,
    live: &LiveIntegration,
    api_id: &str,
    api_ref: &ApiRef,
    role_name: &str,
    role: &RoleRef,
    changes: &mut Vec<Change>,
) -> IntegrationRef {
    let diff = integration_diff(live, want.spec, role_name, role);
    if diff.fields.is_empty() {
        tracing::debug!("integration {}: kept ({}), unchanged", want.name, live.id);
        return IntegrationRef::Existing(live.id.clone());
    }
    if diff.replace {
        tracing::debug!(
            "integration {}: replaced ({}): {} cannot change in place",
            want.name,
            live.id,
            field_names(&diff.fields)
        );
        changes.push(Change {
            action: Action::Replace,
            kind: Kind::Integration,
            name: want.name.clone(),
            fields: diff.fields,
            // The old integration goes once every route has moved off it.
            ops: vec![
                create_integration_op(want, api_ref, role),
                Op::Integration(IntegrationOp::Delete {
                    api_id: api_id.to_string(),
                    id: live.id.clone(),
                }),
            ],
        });
        return IntegrationRef::New(want.key.clone());
    }
    tracing::debug!(
        "integration {}: update ({}) {}",
        want.name,
        live.id,
        field_names(&diff.fields)
    );
    changes.push(Change {
        action: Action::Update,
        kind: Kind::Integration,
        name: want.name.clone(),
        fields: diff.fields,
        ops: vec![Op::Integration(IntegrationOp::Update {
            api_id: api_id.to_string(),
            id: live.id.clone(),
            route_key: want.key.clone(),
            spec: want.spec.clone(),
            role: role.clone(),
            clear_response: cleared_codes(live, want.spec),
        })],
    });
    IntegrationRef::Existing(live.id.clone())
}

/// The delete of an integration of the API (one no declared route claims, or every integration
/// on `down`).
pub(crate) fn delete_integration(api: &LiveApi, integration: &LiveIntegration) -> Change {
    delete(
        Kind::Integration,
        &integration_label(api, integration),
        Op::Integration(IntegrationOp::Delete {
            api_id: api.id.clone(),
            id: integration.id.clone(),
        }),
    )
}

pub(crate) fn integration_label(api: &LiveApi, integration: &LiveIntegration) -> String {
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

pub(crate) fn create_integration_op(want: &Shared<'_>, api_ref: &ApiRef, role: &RoleRef) -> Op {
    Op::Integration(IntegrationOp::Create {
        api: api_ref.clone(),
        route_key: want.key.clone(),
        spec: want.spec.clone(),
        role: role.clone(),
    })
}

pub(crate) fn create_integration(want: &Shared<'_>, api_ref: &ApiRef, role: &RoleRef) -> Change {
    let mut fields = vec![
        created("integration_type", json!(IntegrationType::AwsProxy)),
        created("integration_subtype", json!(want.spec.subtype())),
        created("payload_format_version", json!("1.0")),
        created("credentials_arn", role_display(role)),
    ];
    fields.extend(
        want.spec
            .parameters
            .iter()
            .map(|(k, v)| created(&format!("request_parameters.{k}"), json!(v))),
    );
    fields.extend(want.spec.response.iter().flat_map(|(code, map)| {
        map.iter()
            .map(move |(k, v)| created(&format!("response_parameters.{code}.{k}"), json!(v)))
    }));
    Change {
        action: Action::Create,
        kind: Kind::Integration,
        name: want.name.clone(),
        fields,
        ops: vec![create_integration_op(want, api_ref, role)],
    }
}

pub(crate) struct IntegrationDiff {
    pub(crate) fields: Vec<FieldChange>,
    replace: bool,
}

pub(crate) fn integration_diff(
    live: &LiveIntegration,
    want: &DesiredIntegration,
    role_name: &str,
    role: &RoleRef,
) -> IntegrationDiff {
    let mut fields = Vec::new();
    let mut replace = false;
    if let Some(f) = changed(
        "integration_type",
        json!(live.integration_type.map_or("", IntegrationType::as_str)),
        json!(IntegrationType::AwsProxy),
    ) {
        fields.push(f);
        replace = true;
    }
    if let Some(f) = changed("integration_subtype", json!(live.subtype), json!(want.subtype())) {
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
    fields.extend(response_diff(&live.response, &want.response));
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

/// One field per response parameter that differs, `response_parameters.CODE.KEY`. All change in
/// place: UpdateIntegration takes an empty map to remove a code ("Transforming API requests and
/// responses", "Remove configured parameter mappings").
fn response_diff(live: &ResponseParameters, want: &ResponseParameters) -> Vec<FieldChange> {
    let empty = BTreeMap::new();
    let codes: BTreeSet<&String> = live.keys().chain(want.keys()).collect();
    let mut fields = Vec::new();
    for code in codes {
        let (before, after) = (live.get(code).unwrap_or(&empty), want.get(code).unwrap_or(&empty));
        let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for k in keys {
            if before.get(k) != after.get(k) {
                fields.push(FieldChange {
                    field: format!("response_parameters.{code}.{k}"),
                    before: json!(before.get(k)),
                    after: json!(after.get(k)),
                });
            }
        }
    }
    fields
}

/// The live status codes that lose a key or go entirely: whether AWS merges a code's new map
/// into the old one is not documented, so such a code is emptied first.
fn cleared_codes(live: &LiveIntegration, want: &DesiredIntegration) -> Vec<String> {
    live.response
        .iter()
        .filter(|(code, map)| {
            let wanted = want.response.get(*code);
            map.keys().any(|k| wanted.is_none_or(|w| !w.contains_key(k)))
        })
        .map(|(code, _)| code.clone())
        .collect()
}
