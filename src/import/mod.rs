//! `provision import`: an API that exists (made in the console, say) as a stack file that plans
//! no change against it but the ownership tags. Pure: it works on what `live::read_for_import`
//! read, and decides what the stack format can express and what it cannot.
//!
//! Two kinds of things cannot be expressed. Those `up` would leave as they are (a Lambda route,
//! a second stage, a stage variable) are *skipped*: `import` names each and exits 1, or with
//! `--partial` writes the rest, a comment per skipped item, and the skipped routes, stages and
//! authorizers under `[api] unmanaged_*` so that `up` never deletes them. Those `up` would change
//! (a trust policy of another shape, a second inline policy) *block*: no file can be a no-op
//! against them, so `import` exits 1 even with `--partial`.

mod doc;
mod write;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::live::ImportRead;
use crate::resource::authorizer::emit::{self as authorizer, DocAuthorizer};
use crate::resource::integration::emit::Importing;
use crate::resource::role::emit as role;
use crate::resource::route::emit::{self as route, Authorizers};
use crate::stack::rules::{self, OWNER_TAG};
pub use crate::stack::write::{Kept, Kind as SkippedKind, Skipped};
pub(crate) use crate::stack::write::{blocking, left_alone};
pub use doc::{Doc, DocRoute};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The stage to manage (`--stage`); default `$default`, or the only stage.
    pub stage: Option<String>,
    /// `--portable`: machines in the caller's account and region by name, and `[vars]` for the
    /// account and region in the other ARNs.
    pub portable: bool,
}

/// The result of an import.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    /// The stack, in the shape of the file.
    pub stack: Doc,
    /// What was left out, each with why.
    pub skipped: Vec<Skipped>,
}

impl Imported {
    /// The stack file's text, commented.
    pub fn toml(&self) -> String {
        write::toml(&self.stack, &self.skipped)
    }

    /// True when something blocks any import.
    pub fn blocked(&self) -> bool {
        self.skipped.iter().any(|s| s.blocking)
    }
}

/// Builds the stack of `read`.
pub fn import(read: &ImportRead, options: &ImportOptions) -> Imported {
    let mut skipped = Vec::new();
    let api = &read.api;
    if api.protocol.as_deref().is_some_and(|p| p != "HTTP") {
        skipped.push(blocking(
            SkippedKind::Api,
            &api.name,
            format!(
                "a {} API: the stack format describes HTTP APIs only",
                api.protocol.as_deref().unwrap_or_default()
            ),
        ));
    }
    for setting in &api.unexpressed {
        skipped.push(left_alone(SkippedKind::Api, &api.name, setting.clone()));
    }
    for domain in &read.mtls_domains {
        skipped.push(left_alone(
            SkippedKind::Api,
            &api.name,
            format!("mutual TLS on the custom domain {domain}, which maps this API"),
        ));
    }
    let stage = crate::resource::stage::emit::pick(&api.stages, options.stage.as_deref(), &mut skipped);
    let role = role::pick(&api.integrations, &read.roles, &mut skipped);
    let imported = routes(read, role.as_ref().map(|r| r.arn.as_str()), &mut skipped);
    let doc_role = role
        .as_ref()
        .map(|r| {
            role::doc(
                r,
                &read.account,
                &read.policy_texts,
                &imported.routes,
                &mut skipped,
            )
        })
        .unwrap_or_default();
    let tags = tags(read, role.as_ref(), &mut skipped);
    let mut doc = Doc {
        stack: stack_name(api),
        region: read.region.clone(),
        vars: BTreeMap::new(),
        api_name: api.name.clone(),
        cors: api.cors_as_returned.clone(),
        unmanaged_routes: unmanaged(&skipped, SkippedKind::Route),
        unmanaged_stages: unmanaged(&skipped, SkippedKind::Stage),
        unmanaged_authorizers: unmanaged(&skipped, SkippedKind::Authorizer),
        role: doc_role,
        authorizers: imported.authorizers,
        routes: imported.routes,
        stage,
        tags,
    };
    if imported.none_left {
        skipped.push(blocking(
            SkippedKind::Api,
            &api.name,
            "no route the stack format can express (a stack has at least one Step Functions route)".into(),
        ));
    }
    if options.portable {
        doc::make_portable(&mut doc, &read.account, &read.region);
    }
    Imported { stack: doc, skipped }
}

/// What the routes came to.
struct ImportedRoutes {
    routes: Vec<route::DocRoute>,
    authorizers: Vec<DocAuthorizer>,
    /// No route could be imported.
    none_left: bool,
}

/// Every route the format can hold (each with its own integration), in key order, and the
/// authorizers it can hold; the others skipped as unmanaged.
fn routes(read: &ImportRead, role_arn: Option<&str>, skipped: &mut Vec<Skipped>) -> ImportedRoutes {
    let api = &read.api;
    let authorizers: Authorizers<'_> = api
        .authorizers
        .iter()
        .map(|a| (a.id.as_str(), authorizer::doc(a)))
        .collect();
    let mut used = BTreeSet::new();
    let mut routes = Vec::new();
    let mut live_routes: Vec<&crate::live::LiveRoute> = api.routes.iter().collect();
    live_routes.sort_by(|a, b| a.key.cmp(&b.key));
    for live in live_routes {
        let integration = live
            .integration_id()
            .and_then(|id| api.integrations.iter().find(|i| i.id == id));
        let at = Importing {
            role_arn,
            region: &read.region,
            roles: &read.roles,
            used: &used,
        };
        match route::doc(live, integration, &authorizers, &at) {
            Ok(doc) => {
                if let Some(i) = integration {
                    used.insert(i.id.clone());
                }
                routes.push(doc);
            }
            Err(reason) => skipped.push(left_alone(SkippedKind::Route, &live.key, reason)),
        }
    }
    let mut docs = Vec::new();
    for a in &api.authorizers {
        match &authorizers[a.id.as_str()] {
            Ok(doc) => docs.push(doc.clone()),
            Err(reason) => skipped.push(left_alone(SkippedKind::Authorizer, &a.name, reason.clone())),
        }
    }
    ImportedRoutes {
        none_left: routes.is_empty(),
        routes,
        authorizers: docs,
    }
}

fn unmanaged(skipped: &[Skipped], kind: SkippedKind) -> Vec<String> {
    let mut names: Vec<String> = skipped
        .iter()
        .filter(|s| s.kind == kind && !s.blocking && matches!(s.kept, Kept::Unmanaged(_)))
        .map(|s| s.name.clone())
        .collect();
    names.dedup();
    names
}

/// The stack's name: the API's ownership tag when it has one (it is some stack's already), else
/// the API's name without a trailing `-api`, in the stack name's characters (1-128 of
/// `A-Z a-z 0-9 - _ .`).
fn stack_name(api: &crate::live::LiveApi) -> String {
    if let Some(owner) = api.tags.get(OWNER_TAG) {
        return owner.clone();
    }
    let base = api.name.strip_suffix("-api").unwrap_or(&api.name);
    let name: String = base
        .chars()
        .map(|c| match c.is_ascii_alphanumeric() || "-_.".contains(c) {
            true => c,
            false => '-',
        })
        .take(128)
        .collect();
    match rules::is_stack_name(&name) {
        true => name,
        false => "imported".to_string(),
    }
}

/// The user tags (not `aws:`, not the ownership tag) the API and the role share: `[tags]` puts
/// the same tags on both, so tags that differ between them block.
fn tags(
    read: &ImportRead,
    role: Option<&crate::live::LiveRole>,
    skipped: &mut Vec<Skipped>,
) -> BTreeMap<String, String> {
    let user = |tags: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        tags.iter()
            .filter(|(k, _)| !k.starts_with("aws:") && k.as_str() != OWNER_TAG)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let api_tags = user(&read.api.tags);
    if let Some(role) = role {
        let role_tags = user(&role.tags);
        if role_tags != api_tags {
            skipped.push(blocking(
                SkippedKind::Role,
                &role.name,
                format!(
                    "its tags {role_tags:?} differ from the API's {api_tags:?}: [tags] sets the same tags on both"
                ),
            ));
        }
    }
    api_tags
}

#[cfg(test)]
mod tests;
