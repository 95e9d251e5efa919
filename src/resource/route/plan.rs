//! Routes: each declared route claims a live one by key, and each distinct integration the routes
//! declare claims a live one (one of its routes', or an orphan on the same machine); what no
//! declared route claims is deleted.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{Value, json};

use crate::domain::Authorization;
use crate::plan::change::{Action, Change, FieldChange, Kind, changed, created, delete, field_names};
use crate::plan::op::RouteOp;
use crate::plan::op::{ApiRef, AuthorizerRef, IntegrationRef, Op, RoleRef};
use crate::resource::api::spec::LiveApi;
use crate::resource::authorizer::plan::Authorizers;
use crate::resource::integration::plan::{
    Shared, create_integration, delete_integration, integration_diff, integration_label, orphan_for,
    reconcile_integration, shared_integrations,
};
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::role::plan::role_name;
use crate::resource::route::spec::DesiredRoute;
use crate::resource::route::spec::LiveRoute;
use crate::stack::Desired;

/// Plans each declared route and the integration it shares with the routes that declare the
/// same one, then deletes what no declared route claimed. Changes come in file order: a group's
/// integration just before its first route.
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
    let live_routes: Vec<Option<&LiveRoute>> = desired.routes.iter().map(|w| claims.claim_route(w)).collect();
    let groups = shared_integrations(&desired.routes);
    let chosen = claims.claim_integrations(&groups, &live_routes, &role_name, role);
    let mut targets: BTreeMap<usize, IntegrationRef> = BTreeMap::new();
    for (i, want) in desired.routes.iter().enumerate() {
        let Some(g) = groups.iter().position(|g| g.members.contains(&i)) else {
            continue;
        };
        let group = &groups[g];
        if group.members[0] == i {
            let target = match chosen[g] {
                Some(live) => reconcile_integration(group, live, &api.id, api_ref, &role_name, role, changes),
                None => {
                    tracing::debug!("integration {}: none to keep or adopt, create", group.name);
                    changes.push(create_integration(group, api_ref, role));
                    IntegrationRef::New(group.key.clone())
                }
            };
            targets.insert(g, target);
        }
        let Some(target) = targets.get(&g).cloned() else {
            continue;
        };
        let authorizer = want
            .authorizer
            .as_ref()
            .and_then(|name| authorizers.refs.get(name).cloned());
        match live_routes[i] {
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
    /// Integrations some live route targets (claimed or not): never adopted as orphans.
    targeted: HashSet<&'a str>,
    routes: HashSet<&'a str>,
    claimed_integrations: HashSet<&'a str>,
}

impl<'a> RouteClaims<'a> {
    fn new(api: &'a LiveApi) -> Self {
        RouteClaims {
            api,
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

    /// The live integration each group keeps, claimed. First every group takes one of its routes'
    /// integrations that already is what it declares (the lowest id: routes that had one each
    /// come together on it). Then a group without one takes a live integration of its routes
    /// that no route of another group targets (so that updating it in place changes no other
    /// route's traffic), or else one that no route targets and that acts on the same machine
    /// (what a run cut short between CreateIntegration and CreateRoute leaves). A group left
    /// with none gets a new integration: splitting a route off is create, repoint, delete.
    fn claim_integrations(
        &mut self,
        groups: &[Shared<'_>],
        live_routes: &[Option<&'a LiveRoute>],
        role_name: &str,
        role: &RoleRef,
    ) -> Vec<Option<&'a LiveIntegration>> {
        let api = self.api;
        let own = |g: &Shared<'_>| -> Vec<&'a LiveIntegration> {
            let ids: BTreeSet<&str> = g
                .members
                .iter()
                .filter_map(|&m| live_routes[m]?.integration_id())
                .collect();
            api.integrations
                .iter()
                .filter(|i| ids.contains(i.id.as_str()))
                .collect()
        };
        let mut chosen: Vec<Option<&'a LiveIntegration>> = vec![None; groups.len()];
        for (g, group) in groups.iter().enumerate() {
            let exact = own(group)
                .into_iter()
                .filter(|i| !self.claimed_integrations.contains(i.id.as_str()))
                .filter(|i| integration_diff(i, group.spec, role_name, role).fields.is_empty())
                .min_by(|a, b| a.id.cmp(&b.id));
            if let Some(live) = exact {
                self.claimed_integrations.insert(&live.id);
                chosen[g] = Some(live);
            }
        }
        // Which group's routes target each live integration.
        let mut users: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        for (g, group) in groups.iter().enumerate() {
            for &m in &group.members {
                if let Some(id) = live_routes[m].and_then(|r| r.integration_id()) {
                    users.entry(id).or_default().insert(g);
                }
            }
        }
        for (g, group) in groups.iter().enumerate() {
            if chosen[g].is_some() {
                continue;
            }
            let mine = own(group)
                .into_iter()
                .filter(|i| !self.claimed_integrations.contains(i.id.as_str()))
                .filter(|i| users.get(i.id.as_str()).is_none_or(|u| u.len() == 1))
                .min_by(|a, b| a.id.cmp(&b.id));
            let found = mine.or_else(|| {
                let orphan = orphan_for(group.spec, api, &self.targeted, &self.claimed_integrations);
                if let Some(orphan) = orphan {
                    tracing::debug!(
                        "integration {}: adopts {}, which no route targets and acts on the same machine",
                        group.name,
                        orphan.id
                    );
                }
                orphan
            });
            if let Some(live) = found {
                self.claimed_integrations.insert(&live.id);
            }
            chosen[g] = found;
        }
        chosen
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
        ops: vec![Op::Route(RouteOp::Create {
            api: api_ref.clone(),
            key: want.key.clone(),
            authorization: want.authorization,
            authorizer,
            scopes: want.scopes.clone(),
            integration: target,
        })],
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
        ops: vec![Op::Route(RouteOp::Update {
            api_id: api.id.clone(),
            id: live.id.clone(),
            key: want.key.clone(),
            authorization: want.authorization,
            authorizer,
            scopes: want.scopes.clone(),
            integration: target,
            previous: live.integration_id().map(str::to_string),
            previous_authorizer,
        })],
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
    if want.authorization != Authorization::Jwt {
        return None;
    }
    let live_scopes = if live.authorization == Authorization::Jwt {
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
        changes.push(delete_route(api, route));
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
        changes.push(delete_integration(api, integration));
    }
}

/// The delete of a route of the API (one no declared route claims, or every route on `down`).
pub(crate) fn delete_route(api: &LiveApi, route: &LiveRoute) -> Change {
    delete(Kind::Route, &route.key, delete_route_op(api, route))
}

pub(crate) fn delete_route_op(api: &LiveApi, route: &LiveRoute) -> Op {
    Op::Route(RouteOp::Delete {
        api_id: api.id.clone(),
        id: route.id.clone(),
        key: route.key.clone(),
        target: route.target.clone(),
        authorizer_id: route.authorizer_id.clone(),
    })
}
