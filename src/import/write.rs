//! The imported stack as a commented TOML file. Strings are written with TOML's own escaping, so
//! every value reads back exactly as AWS returned it.

use std::fmt::Write;

use super::Skipped;
use super::doc::Doc;
use crate::stack::write::{key, list, quote};

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
    crate::resource::role::emit::write(&mut out, &doc.role);
    for a in &doc.authorizers {
        crate::resource::authorizer::emit::write(&mut out, a);
    }
    for r in &doc.routes {
        crate::resource::route::emit::write(&mut out, r);
    }
    crate::resource::stage::emit::write(&mut out, doc.stage.as_ref());
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
        crate::resource::api::emit::write_cors(out, cors);
    }
}
