//! JWT authorizers: matched by name, updated or created; those no declared authorizer claims are
//! deleted once no route uses them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::domain::AuthorizerType;
use crate::plan::change::{Action, Change, Kind, changed, created, delete, field_names};
use crate::plan::op::AuthorizerOp;
use crate::plan::op::{ApiRef, AuthorizerRef, Op};
use crate::resource::api::spec::LiveApi;
use crate::resource::authorizer::spec::LiveAuthorizer;
use crate::stack::Desired;

/// Matches each declared authorizer with a live JWT authorizer of the same name (the lowest id
/// when there are several), updates or creates it, and returns how routes refer to each by name,
/// plus the live ids claimed.
pub(crate) fn plan_authorizers(
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
            .filter(|a| a.name == want.name && a.is_jwt() && !out.claimed.contains(&a.id))
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
                tracing::debug!(
                    "authorizer {}: no live JWT authorizer of this name, create",
                    want.name
                );
                changes.push(Change {
                    action: Action::Create,
                    kind: Kind::Authorizer,
                    name: want.name.clone(),
                    fields: [
                        vec![created("authorizer_type", json!(AuthorizerType::Jwt))],
                        fields(None),
                    ]
                    .concat(),
                    ops: vec![Op::Authorizer(AuthorizerOp::Create {
                        api: api_ref.clone(),
                        spec: want.clone(),
                    })],
                });
                out.refs
                    .insert(want.name.clone(), AuthorizerRef::New(want.name.clone()));
            }
            Some(live) => {
                out.claimed.insert(live.id.clone());
                let fields = fields(Some(live));
                match fields.is_empty() {
                    true => tracing::debug!("authorizer {}: kept ({}), unchanged", want.name, live.id),
                    false => tracing::debug!(
                        "authorizer {}: update ({}) {}",
                        want.name,
                        live.id,
                        field_names(&fields)
                    ),
                }
                if !fields.is_empty() {
                    changes.push(Change {
                        action: Action::Update,
                        kind: Kind::Authorizer,
                        name: want.name.clone(),
                        fields,
                        ops: vec![Op::Authorizer(AuthorizerOp::Update {
                            api_id: api.id.clone(),
                            id: live.id.clone(),
                            spec: want.clone(),
                        })],
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
pub(crate) struct Authorizers {
    pub(crate) refs: BTreeMap<String, AuthorizerRef>,
    pub(crate) claimed: BTreeSet<String>,
}

/// Deletes the live authorizers no declared one claimed, except those an unmanaged route uses
/// (`[api] unmanaged_routes`: the stack leaves such a route working as it is) and those listed in
/// `[api] unmanaged_authorizers`.
pub(crate) fn delete_unused_authorizers(
    desired: &Desired,
    api: &LiveApi,
    authorizers: &Authorizers,
    changes: &mut Vec<Change>,
) {
    let kept: BTreeSet<&str> = api
        .routes
        .iter()
        .filter(|r| desired.api.unmanaged_routes.contains(&r.key))
        .filter_map(|r| r.authorizer_id.as_deref())
        .collect();
    for authorizer in api
        .authorizers
        .iter()
        .filter(|a| !authorizers.claimed.contains(&a.id))
    {
        if kept.contains(authorizer.id.as_str())
            || desired.api.unmanaged_authorizers.contains(&authorizer.name)
        {
            tracing::debug!(
                "authorizer {} ({}): unmanaged or used by an unmanaged route, left alone",
                authorizer.name,
                authorizer.id
            );
            continue;
        }
        tracing::debug!(
            "authorizer {} ({}): not declared (orphaned), delete once no route uses it",
            authorizer.name,
            authorizer.id
        );
        changes.push(delete_authorizer(api, authorizer));
    }
}

pub(crate) fn delete_authorizer(api: &LiveApi, authorizer: &LiveAuthorizer) -> Change {
    delete(
        Kind::Authorizer,
        &format!("{} ({})", authorizer.name, authorizer.id),
        Op::Authorizer(AuthorizerOp::Delete {
            api_id: api.id.clone(),
            id: authorizer.id.clone(),
            name: authorizer.name.clone(),
        }),
    )
}
