//! The API's own settings: name, CORS configuration and tags.

use serde_json::json;

use crate::plan::change::{
    Action, Change, FieldChange, Kind, changed, created, delete, field_names, tag_diff,
};
use crate::plan::op::ApiOp;
use crate::plan::op::{ApiRef, Op};
use crate::resource::api::spec::Cors;
use crate::resource::api::spec::LiveApi;
use crate::stack::Desired;

/// The owned APIs, the one `up` keeps first: the oldest wins, so every run (and every concurrent
/// run) keeps the same one. An unknown creation time sorts last, then the id decides.
pub fn oldest_first(apis: &[LiveApi]) -> Vec<&LiveApi> {
    let mut apis: Vec<&LiveApi> = apis.iter().collect();
    apis.sort_by_key(|a| (a.created.is_none(), a.created, a.id.clone()));
    apis
}

/// The API the stack keeps: the oldest of those tagged for it (`apis`, [`oldest_first`]), else,
/// with `--adopt` and none tagged, the one untagged API named as the stack's.
pub(crate) fn kept_api<'a>(
    apis: &[&'a LiveApi],
    adoptable: Option<&'a LiveApi>,
    adopt: bool,
) -> Option<&'a LiveApi> {
    let adopted = adoptable.filter(|_| adopt && apis.is_empty());
    if let Some(api) = adopted {
        tracing::debug!("api {} ({}): adopted (untagged, --adopt)", api.name, api.id);
    }
    apis.first().copied().or(adopted)
}

/// Plans the API itself: the kept one ([`kept_api`], one of `tagged`) updated to match the file,
/// or a new one created. Returns how its children refer to it.
pub(crate) fn plan_api(
    desired: &Desired,
    kept: Option<&LiveApi>,
    tagged: usize,
    changes: &mut Vec<Change>,
) -> ApiRef {
    match kept {
        Some(api) => {
            tracing::debug!(
                "api {}: kept ({}), the oldest of {} tagged",
                api.name,
                api.id,
                tagged
            );
            plan_api_update(desired, api, changes);
            ApiRef::Existing(api.id.clone())
        }
        None => {
            tracing::debug!("api {}: none tagged for the stack, create", desired.api.name);
            changes.push(create_api(desired));
            ApiRef::New
        }
    }
}

/// A new HTTP API with the file's name, CORS configuration and tags.
fn create_api(desired: &Desired) -> Change {
    Change {
        action: Action::Create,
        kind: Kind::Api,
        name: desired.api.name.clone(),
        fields: [
            vec![
                created("name", json!(desired.api.name)),
                created("protocol_type", json!("HTTP")),
            ],
            cors_fields(None, desired.api.cors.as_ref()),
            vec![created("tags", json!(desired.api_tags()))],
        ]
        .concat(),
        ops: vec![Op::Api(ApiOp::Create {
            name: desired.api.name.clone(),
            tags: desired.api_tags(),
            cors: desired.api.cors.clone(),
        })],
    }
}

/// The deletes of the younger APIs tagged for the stack (`apis` oldest first, the first kept):
/// duplicates a lost CreateApi answer or a concurrent run made.
pub(crate) fn delete_duplicates(apis: &[&LiveApi]) -> Vec<Change> {
    apis.iter()
        .skip(1)
        .map(|duplicate| {
            tracing::debug!(
                "api {} ({}): a younger duplicate, delete",
                duplicate.name,
                duplicate.id
            );
            Change {
                action: Action::Delete,
                kind: Kind::Api,
                name: format!("{} ({}, duplicate)", duplicate.name, duplicate.id),
                fields: Vec::new(),
                ops: vec![Op::Api(ApiOp::Delete {
                    id: duplicate.id.clone(),
                })],
            }
        })
        .collect()
}

/// The delete of an API `down` removes (after its children's).
pub(crate) fn delete_api(api: &LiveApi) -> Change {
    delete(
        Kind::Api,
        &format!("{} ({})", api.name, api.id),
        Op::Api(ApiOp::Delete { id: api.id.clone() }),
    )
}

pub(crate) fn plan_api_update(desired: &Desired, api: &LiveApi, changes: &mut Vec<Change>) {
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
        ops.push(Op::Api(ApiOp::DeleteCors {
            api_id: api.id.clone(),
        }));
    }
    if name.is_some() || (!cors.is_empty() && want.is_some()) {
        ops.push(Op::Api(ApiOp::Update {
            id: api.id.clone(),
            name: desired.api.name.clone(),
            cors: if cors.is_empty() { None } else { want.cloned() },
        }));
    }
    fields.extend(name);
    fields.extend(cors);
    let (set, remove, tag_fields) = tag_diff(&api.tags, &desired.api_tags());
    if !tag_fields.is_empty() {
        fields.extend(tag_fields);
        ops.push(Op::Api(ApiOp::Tag {
            api: ApiRef::Existing(api.id.clone()),
            stage: None,
            set,
            remove,
        }));
    }
    if !ops.is_empty() {
        tracing::debug!("api {}: update {}", desired.api.name, field_names(&fields));
        changes.push(Change {
            action: Action::Update,
            kind: Kind::Api,
            name: desired.api.name.clone(),
            fields,
            ops,
        });
    }
}

/// CORS field changes between `live` and `want` (for a new API, `live` is `None`).
pub(crate) fn cors_fields(live: Option<&Cors>, want: Option<&Cors>) -> Vec<FieldChange> {
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
pub(crate) fn covers(want: &Cors, live: &Cors) -> bool {
    let keeps = |w: &[String], l: &[String]| l.iter().all(|x| w.contains(x));
    keeps(&want.allow_origins, &live.allow_origins)
        && keeps(&want.allow_methods, &live.allow_methods)
        && keeps(&want.allow_headers, &live.allow_headers)
        && keeps(&want.expose_headers, &live.expose_headers)
        && (live.max_age.is_none() || want.max_age.is_some())
        && (live.allow_credentials.is_none() || want.allow_credentials.is_some())
}

#[cfg(test)]
mod tests {
    //! The API's diff through the whole planner, from the planner's fixtures (the secure stack
    //! and what `up` leaves for it).

    use crate::plan::fixtures::*;
    use crate::plan::op::ApiOp;
    use crate::plan::*;

    #[test]
    fn a_cors_entry_dropped_clears_the_configuration_before_the_update() {
        let d = secure();
        let mut live = secure_live(&d);
        if let Some(cors) = &mut live.apis[0].cors {
            cors.allow_origins.push("https://old.example.com".into());
        }
        let p = up(&d, &live);
        assert_eq!(
            summary(&p),
            vec![s(Action::Update, Kind::Api, "user-onboarding-secure-api")]
        );
        let ops = &p.changes[0].ops;
        assert!(matches!(ops[0], Op::Api(ApiOp::DeleteCors { .. })), "{ops:?}");
        assert!(
            matches!(&ops[1], Op::Api(ApiOp::Update { cors: Some(c), .. }) if c.allow_origins == ["https://app.example.com"])
        );
        assert!(
            ops[1].needs().iter().any(|k| ops[0].provides().contains(k)),
            "update after the delete"
        );

        // Only additions: an update alone.
        let mut live = secure_live(&d);
        if let Some(cors) = &mut live.apis[0].cors {
            cors.max_age = None;
        }
        let p = up(&d, &live);
        assert_eq!(p.changes[0].ops.len(), 1);
        assert!(matches!(p.changes[0].ops[0], Op::Api(ApiOp::Update { .. })));
    }
}
