//! The imported stack as a commented TOML file. Strings are written with TOML's own escaping, so
//! every value reads back exactly as AWS returned it.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::Skipped;
use super::doc::{Doc, DocRole, DocStage};
use crate::stack::desired::Cors;

/// A TOML string: a literal `'''...'''` block for a multi-line policy document (when it holds no
/// `'''`), else a basic string with TOML's escaping.
fn quote(s: &str) -> String {
    if s.contains('\n') && !s.contains("'''") {
        return format!("'''\n{s}'''");
    }
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn table(map: &BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{} = {}", key(k), quote(v)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// A bare key when TOML allows one, else quoted.
fn key(k: &str) -> String {
    match !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        true => k.to_string(),
        false => quote(k),
    }
}

/// The whole file: a header, one comment per skipped item, then the tables.
pub(super) fn toml(doc: &Doc, skipped: &[Skipped]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `provision import` from API {} in {}.\n\
         # Only keys whose values differ from the tool's defaults are written; every value is as AWS\n\
         # returned it. `provision diff --adopt` should show only the ownership tags to add, and\n\
         # `provision up --adopt` adds them.",
        doc.api_name, doc.region
    );
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Not expressible in the stack format, and so not in this file:"
        );
        for s in skipped {
            let _ = writeln!(
                out,
                "#   {} {}: {} ({})",
                s.kind,
                s.name,
                s.reason.replace('\n', " "),
                s.kept
            );
        }
    }
    let _ = writeln!(
        out,
        "\n[stack]\nname = {}\nregion = {}",
        quote(&doc.stack),
        quote(&doc.region)
    );
    if !doc.vars.is_empty() {
        let _ = writeln!(
            out,
            "\n# --portable: --var account=... --var region=... moves the stack elsewhere.\n[vars]"
        );
        for (k, v) in &doc.vars {
            let _ = writeln!(out, "{} = {}", key(k), quote(v));
        }
    }
    api(&mut out, doc);
    role(&mut out, &doc.role);
    for a in &doc.authorizers {
        let _ = writeln!(
            out,
            "\n[[authorizer]]\nname = {}\nissuer = {}\naudience = {}",
            quote(&a.name),
            quote(&a.issuer),
            list(&a.audience)
        );
        if let Some(s) = &a.identity_source {
            let _ = writeln!(out, "identity_source = {}", quote(s));
        }
    }
    for r in &doc.routes {
        let _ = writeln!(
            out,
            "\n[[route]]\nkey = {}\naction = {}\nstate_machine = {}",
            quote(&r.key),
            quote(r.action.as_str()),
            quote(&r.state_machine)
        );
        if let Some(p) = &r.parameters {
            let _ = writeln!(out, "parameters = {}", table(p));
        }
        if let Some(a) = &r.authorization {
            let _ = writeln!(out, "authorization = {}", quote(a));
        }
        if let Some(a) = &r.authorizer {
            let _ = writeln!(out, "authorizer = {}", quote(a));
        }
        if !r.scopes.is_empty() {
            let _ = writeln!(out, "scopes = {}", list(&r.scopes));
        }
        if !r.response.is_empty() {
            let codes: Vec<String> = r
                .response
                .iter()
                .map(|(code, parameters)| format!("{} = {}", key(code), table(parameters)))
                .collect();
            let _ = writeln!(out, "response = {{ {} }}", codes.join(", "));
        }
    }
    stage(&mut out, doc.stage.as_ref());
    if !doc.tags.is_empty() {
        let _ = writeln!(out, "\n[tags]");
        for (k, v) in &doc.tags {
            let _ = writeln!(out, "{} = {}", key(k), quote(v));
        }
    }
    out
}

fn api(out: &mut String, doc: &Doc) {
    let _ = writeln!(out, "\n[api]\nname = {}", quote(&doc.api_name));
    for (name, items, why) in [
        (
            "unmanaged_routes",
            &doc.unmanaged_routes,
            "routes `up` leaves as they are (see above)",
        ),
        (
            "unmanaged_stages",
            &doc.unmanaged_stages,
            "stages `up` leaves as they are",
        ),
        (
            "unmanaged_authorizers",
            &doc.unmanaged_authorizers,
            "authorizers `up` leaves as they are",
        ),
    ] {
        if !items.is_empty() {
            let _ = writeln!(out, "# {why}\n{name} = {}", list(items));
        }
    }
    if let Some(cors) = &doc.cors {
        cors_table(out, cors);
    }
}

fn cors_table(out: &mut String, cors: &Cors) {
    let _ = writeln!(out, "\n[api.cors]");
    for (name, items) in [
        ("allow_origins", &cors.allow_origins),
        ("allow_methods", &cors.allow_methods),
        ("allow_headers", &cors.allow_headers),
        ("expose_headers", &cors.expose_headers),
    ] {
        if !items.is_empty() {
            let _ = writeln!(out, "{name} = {}", list(items));
        }
    }
    if let Some(age) = cors.max_age {
        let _ = writeln!(out, "max_age = {age}");
    }
    if let Some(credentials) = cors.allow_credentials {
        let _ = writeln!(out, "allow_credentials = {credentials}");
    }
}

fn role(out: &mut String, role: &DocRole) {
    let _ = writeln!(
        out,
        "\n[role]\nname = {}\npolicy_name = {}",
        quote(&role.name),
        quote(&role.policy_name)
    );
    match (&role.actions, &role.policy) {
        (Some(actions), _) => {
            let _ = writeln!(
                out,
                "# The inline policy is what these actions derive on the routes' machines.\nactions = {}",
                list(actions)
            );
        }
        (None, Some(policy)) => {
            let _ = writeln!(
                out,
                "# The inline policy is not one the tool derives from the routes, so it is written out.\npolicy = {}",
                quote(policy)
            );
        }
        (None, None) => {
            let _ = writeln!(
                out,
                "# The inline policy is the one derived from the routes (no `actions`)."
            );
        }
    }
    if !role.managed_policies.is_empty() {
        let _ = writeln!(out, "managed_policies = {}", list(&role.managed_policies));
    }
    if let Some(path) = &role.path {
        let _ = writeln!(out, "path = {}", quote(path));
    }
    if let Some(b) = &role.permissions_boundary {
        let _ = writeln!(out, "permissions_boundary = {}", quote(b));
    }
    if role.restrict_source_account {
        let _ = writeln!(out, "restrict_source_account = true");
    }
}

fn stage(out: &mut String, stage: Option<&DocStage>) {
    let Some(stage) = stage else {
        let _ = writeln!(
            out,
            "\n# The stage is the default one: $default, auto-deployed, so it needs no table here."
        );
        return;
    };
    let _ = writeln!(out, "\n[stage]");
    if let Some(name) = &stage.name {
        let _ = writeln!(out, "name = {}", quote(name));
    }
    if let (Some(burst), Some(rate)) = (stage.throttling_burst_limit, stage.throttling_rate_limit) {
        let _ = writeln!(
            out,
            "throttling_burst_limit = {burst}\nthrottling_rate_limit = {rate:?}"
        );
    }
    if let Some(log) = &stage.access_log {
        let _ = writeln!(
            out,
            "\n[stage.access_log]\ndestination_arn = {}",
            quote(&log.destination_arn)
        );
        if let Some(format) = &log.format {
            let _ = writeln!(out, "format = {}", quote(format));
        }
    }
}
