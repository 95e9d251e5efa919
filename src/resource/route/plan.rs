//! Routes: each declared route claims a live one by key and an integration (its own, or an
//! orphan on the same machine); what no declared route claims is deleted.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Value, json};

use crate::plan::change::{Action, Change, FieldChange, Kind, changed, created, delete, field_names};
use crate::plan::op::{ApiRef, AuthorizerRef, IntegrationRef, Op, RoleRef};
use crate::resource::api::spec::LiveApi;
use crate::resource::authorizer::plan::Authorizers;
use crate::resource::integration::plan::{
    create_integration, integration_label, orphan_for, reconcile_integration,
};
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::role::plan::role_name;
use crate::resource::route::spec::DesiredRoute;
use crate::resource::route::spec::LiveRoute;
use crate::stack::Desired;

/// Plans each declared route and its integration, then deletes what no declared route claimed.
pub(crate) fn plan_routes(
    desired: &Desired,
    api: &LiveApi,
    api_ref: &ApiRef,
    role: &RoleRef,
    authorizers: &Authorizers,
    changes: &mut Vec<Change>,
) {
    // A role made anew while the live one exists is a path change: a new ARN.
    let role_replaced = matches!(role, RoleRef::New(_))
        && changes
            .iter()
            .any(|c| c.kind == Kind::Role && c.action == Action::Replace);
    let role_name = role_name(role, role_replaced);
    let mut claims = RouteClaims::new(api);
    for want in &desired.routes {
        let live_route = claims.claim_route(want);
        let target = match claims.claim_integration(want, live_route) {
            Some(live) => reconcile_integration(want, live, &api.id, api_ref, &role_name, role, changes),
            None => {
                tracing::debug!("integration {}: none to keep or adopt, create", want.key);
                changes.push(create_integration(want, api_ref, role));
                IntegrationRef::New(want.key.clone())
            }
        };
        let authorizer = want
            .authorizer
            .as_ref()
            .and_then(|name| authorizers.refs.get(name).cloned());
        match live_route {
            None => changes.push(create_route(want, api_ref, authorizer, target)),
            Some(live) => changes.extend(update_route(want, api, live, authorizer, target)),
        }
    }
    delete_unclaimed(desired, api, &claims, changes);
}

/// Which live routes and integrations declared routes have claimed so far. Claiming in file
/// order, the lowest id first, makes every run pick the same ones; what is left unclaimed at the
/// end is deleted.
pub(crate) struct RouteClaims<'a> {
    api: &'a LiveApi,
    integrations: BTreeMap<&'a str, &'a LiveIntegration>,
    /// Integrations some live route targets (claimed or not): never adopted as orphans.
    targeted: HashSet<&'a str>,
    routes: HashSet<&'a str>,
    claimed_integrations: HashSet<&'a str>,
}

impl<'a> RouteClaims<'a> {
    fn new(api: &'a LiveApi) -> Self {
        RouteClaims {
            api,
            integrations: api.integrations.iter().map(|i| (i.id.as_str(), i)).collect(),
            targeted: api.routes.iter().filter_map(|r| r.integration_id()).collect(),
            routes: HashSet::new(),
            claimed_integrations: HashSet::new(),
        }
    }

    /// The live route with the declared key (the lowest id among duplicates), claimed.
    fn claim_route(&mut self, want: &DesiredRoute) -> Option<&'a LiveRoute> {
        let api = self.api;
        let found = api
            .routes
            .iter()
            .filter(|r| r.key == want.key && !self.routes.contains(r.id.as_str()))
            .min_by(|a, b| a.id.cmp(&b.id));
        match found {
            Some(r) => {
                tracing::debug!("route {}: matches live route {}", want.key, r.id);
                self.routes.insert(&r.id);
            }
            None => tracing::debug!("route {}: no live route with this key, create", want.key),
        }
        found
    }

    /// The route's own integration, or else one that no route targets but that acts on the
    /// same machine (what a run cut short between CreateIntegration and CreateRoute leaves),
    /// claimed.
    fn claim_integration(
        &mut self,
        want: &DesiredRoute,
        live_route: Option<&LiveRoute>,
    ) -> Option<&'a LiveIntegration> {
        let own = live_route
            .and_then(|r| r.integration_id())
            .filter(|id| !self.claimed_integrations.contains(id))
            .and_then(|id| self.integrations.get(id).copied());
        let found = match own {
            Some(own) => Some(own),
            None => {
                let orphan = orphan_for(want, self.api, &self.targeted, &self.claimed_integrations);
                if let Some(orphan) = orphan {
                    tracing::debug!(
                        "integration {}: adopts {}, which no route targets and acts on the same machine",
                        want.key,
                        orphan.id
                    );
                }
                orphan
            }
        };
        if let Some(live) = found {
            self.claimed_integrations.insert(&live.id);
        }
        found
    }
}

/// How a route's target is shown: the integration's id, or a placeholder for one being made.
pub(crate) fn target_text(target: &IntegrationRef) -> String {
    match target {
        IntegrationRef::Existing(id) => format!("integrations/{id}"),
        IntegrationRef::New(_) => "integrations/(known after up)".to_string(),
    }
}

/// A route that does not exist yet.
pub(crate) fn create_route(
    want: &DesiredRoute,
    api_ref: &ApiRef,
    authorizer: Option<AuthorizerRef>,
    target: IntegrationRef,
) -> Change {
    let mut fields = vec![created("authorization_type", json!(want.authorization))];
    if let Some(name) = &want.authorizer {
        fields.push(created("authorizer", json!(name)));
        fields.push(created("authorization_scopes", json!(want.scopes)));
    }
    fields.push(created("target", json!(target_text(&target))));
    Change {
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
    }
}

/// A live route compared with the declared one: an update when a field differs, else nothing.
pub(crate) fn update_route(
    want: &DesiredRoute,
    api: &LiveApi,
    live: &LiveRoute,
    authorizer: Option<AuthorizerRef>,
    target: IntegrationRef,
) -> Option<Change> {
    let mut fields = Vec::new();
    fields.extend(changed(
        "authorization_type",
        json!(live.authorization),
        json!(want.authorization),
    ));
    fields.extend(authorizer_change(want, api, live, authorizer.as_ref()));
    fields.extend(scopes_change(want, live));
    fields.extend(changed("target", json!(live.target), json!(target_text(&target))));
    if fields.is_empty() {
        tracing::debug!("route {}: kept ({}), unchanged", want.key, live.id);
        return None;
    }
    tracing::debug!("route {}: update {}", want.key, field_names(&fields));
    let previous_authorizer = live
        .authorizer_id
        .as_ref()
        .filter(|id| !matches!(&authorizer, Some(AuthorizerRef::Existing(new)) if new == *id))
        .cloned();
    Some(Change {
        action: Action::Update,
        kind: Kind::Route,
        name: want.key.clone(),
        fields,
        ops: vec![Op::UpdateRoute {
            api_id: api.id.clone(),
            id: live.id.clone(),
            key: want.key.clone(),
            authorization: want.authorization.clone(),
            authorizer,
            scopes: want.scopes.clone(),
            integration: target,
            previous: live.integration_id().map(str::to_string),
            previous_authorizer,
        }],
    })
}

/// The route's authorizer moves when the live id is not the declared one. It is compared by id,
/// whatever the route's type: a stale id left on a NONE route, or one pointing at a duplicate of
/// the same name, must be moved off before that authorizer can go.
pub(crate) fn authorizer_change(
    want: &DesiredRoute,
    api: &LiveApi,
    live: &LiveRoute,
    authorizer: Option<&AuthorizerRef>,
) -> Option<FieldChange> {
    let same = match (&live.authorizer_id, authorizer) {
        (None, None) => true,
        (Some(live), Some(AuthorizerRef::Existing(want))) => live == want,
        _ => false,
    };
    if same {
        return None;
    }
    let label = |id: &String| match api.authorizers.iter().find(|a| &a.id == id) {
        Some(a) => format!("{} ({id})", a.name),
        None => id.clone(),
    };
    let before = json!(live.authorizer_id.as_ref().map(label));
    let after = match authorizer {
        Some(AuthorizerRef::Existing(id)) => json!(label(id)),
        Some(AuthorizerRef::New(name)) => json!(format!("{name} (known after up)")),
        None => Value::Null,
    };
    tracing::debug!("route {}: authorizer moves from {before} to {after}", want.key);
    Some(FieldChange {
        field: "authorizer".into(),
        before,
        after,
    })
}

/// Scopes are compared for JWT routes only: a route of another type has none that count.
pub(crate) fn scopes_change(want: &DesiredRoute, live: &LiveRoute) -> Option<FieldChange> {
    if want.authorization != "JWT" {
        return None;
    }
    let live_scopes = if live.authorization == "JWT" {
        live.scopes.clone()
    } else {
        Vec::new()
    };
    changed("authorization_scopes", json!(live_scopes), json!(want.scopes))
}

/// Live routes and integrations of the API that no declared route claimed: deleted, except the
/// unmanaged routes (`[api] unmanaged_routes`) and the integrations they target, which the stack
/// leaves as they are.
pub(crate) fn delete_unclaimed(
    desired: &Desired,
    api: &LiveApi,
    claims: &RouteClaims<'_>,
    changes: &mut Vec<Change>,
) {
    let unmanaged = |r: &LiveRoute| desired.api.unmanaged_routes.contains(&r.key);
    let kept_integrations: HashSet<&str> = api
        .routes
        .iter()
        .filter(|r| unmanaged(r) && !claims.routes.contains(r.id.as_str()))
        .filter_map(|r| r.integration_id())
        .collect();
    for route in api
        .routes
        .iter()
        .filter(|r| !claims.routes.contains(r.id.as_str()))
    {
        if unmanaged(route) {
            tracing::debug!("route {} ({}): unmanaged, left alone", route.key, route.id);
            continue;
        }
        tracing::debug!("route {} ({}): not in the stack, delete", route.key, route.id);
        changes.push(delete(Kind::Route, &route.key, delete_route_op(api, route)));
    }
    for integration in api
        .integrations
        .iter()
        .filter(|i| !claims.claimed_integrations.contains(i.id.as_str()))
        .filter(|i| !kept_integrations.contains(i.id.as_str()))
    {
        tracing::debug!(
            "integration {}: no declared route claims it (orphaned), delete",
            integration_label(api, integration)
        );
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

pub(crate) fn delete_route_op(api: &LiveApi, route: &LiveRoute) -> Op {
    Op::DeleteRoute {
        api_id: api.id.clone(),
        id: route.id.clone(),
        key: route.key.clone(),
        target: route.target.clone(),
        authorizer_id: route.authorizer_id.clone(),
    }
}
