//! Which way `up` makes a new API: one ImportApi call for the API and everything in it, or one
//! call per resource. Pure: the plan is rewritten, nothing is sent.
//!
//! On AWS every API Gateway management call shares one account quota (10 a second, burst 40,
//! "Amazon API Gateway quotas"), so a new API of 300 routes takes about 600 calls one by one and
//! one by import. Only a new API is imported: ImportApi creates an API, and ReimportApi, the only
//! way to import into an existing one, replaces its routes and integrations with new ids
//! (aws/serverless-application-model#1971), so an existing API is changed one call at a time.

use crate::plan::op::{ApiOp, AuthorizerOp, ImportApiOp, IntegrationOp, RouteOp};
use crate::plan::{ApiRef, Change, Op, Plan, RoleRef};
use crate::stack::BoundDesired;

/// The way a plan makes the stack's API.
#[derive(Debug, Clone, PartialEq)]
pub enum Path {
    /// The plan does not create the API: it exists, and changes to it are one call each.
    Existing,
    /// The API and its children in one ImportApi call: the plan rewritten.
    Import(Plan),
    /// The API is created one call per resource, for this reason.
    OneByOne(String),
}

/// True for the operations one ImportApi call stands for: the new API and what it contains.
fn imported(op: &Op) -> bool {
    match op {
        Op::Api(ApiOp::Create { .. }) => true,
        Op::Authorizer(AuthorizerOp::Create { api, .. })
        | Op::Integration(IntegrationOp::Create { api, .. })
        | Op::Route(RouteOp::Create { api, .. }) => *api == ApiRef::New,
        _ => false,
    }
}

/// The plan with the new API's creates folded into one [`Op::ImportApi`], which takes the place
/// of CreateApi; the stage and whatever else the document does not carry stay as they are.
pub fn path(plan: &Plan, desired: &BoundDesired, region: &str) -> Path {
    let Some(tags) = plan.changes.iter().flat_map(|c| &c.ops).find_map(|op| match op {
        Op::Api(ApiOp::Create { tags, .. }) => Some(tags.clone()),
        _ => None,
    }) else {
        return Path::Existing;
    };
    let doc = crate::openapi::import_document(desired, region, &tags);
    if let Some((name, scheme)) = doc.renamed.first() {
        // The security scheme's name becomes the authorizer's ("x-amazon-apigateway-authorizer
        // object"), and OpenAPI allows only `[A-Za-z0-9._-]` there.
        return Path::OneByOne(format!(
            "the authorizer name `{name}` cannot be an OpenAPI security scheme name (it would be imported as `{scheme}`)"
        ));
    }
    let instead: Vec<Op> = plan
        .changes
        .iter()
        .flat_map(|c| &c.ops)
        .filter(|op| imported(op))
        .cloned()
        .collect();
    if let Err(why) = matches_document(&doc.value, &instead) {
        return Path::OneByOne(why);
    }
    let role: Option<RoleRef> = instead.iter().find_map(|op| match op {
        Op::Integration(IntegrationOp::Create { role, .. }) => Some(role.clone()),
        _ => None,
    });
    let import = Op::ImportApi(ImportApiOp {
        name: desired.api.name.clone(),
        document: doc.value,
        role_in_document: doc.role_arn,
        role,
        tags,
        instead,
    });
    let mut rewritten = plan.clone();
    let mut placed = Some(import);
    for change in &mut rewritten.changes {
        fold(change, &mut placed);
    }
    Path::Import(rewritten)
}

/// Drops the imported operations of a change; the import takes CreateApi's place.
fn fold(change: &mut Change, import: &mut Option<Op>) {
    let ops = std::mem::take(&mut change.ops);
    for op in ops {
        match op {
            Op::Api(ApiOp::Create { .. }) => change.ops.extend(import.take()),
            op if imported(&op) => {}
            op => change.ops.push(op),
        }
    }
}

/// The document holds exactly the routes, integrations and authorizers the plan creates; a
/// stack the document cannot express in full is made one call at a time instead.
fn matches_document(doc: &serde_json::Value, ops: &[Op]) -> Result<(), String> {
    let count = |f: fn(&Op) -> bool| ops.iter().filter(|o| f(o)).count();
    let operations: Vec<&serde_json::Value> = doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(|item| item.as_object())
        .flat_map(|item| item.values())
        .collect();
    let inline = operations
        .iter()
        .filter(|op| op["x-amazon-apigateway-integration"].get("$ref").is_none())
        .count();
    let shared = doc["components"]["x-amazon-apigateway-integrations"]
        .as_object()
        .map_or(0, |m| m.len());
    let authorizers = doc["components"]["securitySchemes"].as_object().map_or(0, |m| {
        m.values()
            .filter(|s| s.get("x-amazon-apigateway-authorizer").is_some())
            .count()
    });
    let found = (operations.len(), inline + shared, authorizers);
    let planned = (
        count(|o| matches!(o, Op::Route(RouteOp::Create { .. }))),
        count(|o| matches!(o, Op::Integration(IntegrationOp::Create { .. }))),
        count(|o| matches!(o, Op::Authorizer(AuthorizerOp::Create { .. }))),
    );
    if found == planned {
        Ok(())
    } else {
        Err(format!(
            "the OpenAPI document holds {} route(s), {} integration(s) and {} authorizer(s) where the plan creates {}, {} and {}",
            found.0, found.1, found.2, planned.0, planned.1, planned.2
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Live;
    use crate::plan::PlanOptions;
    use crate::plan::op::{RoleOp, StageOp};
    use crate::stack::Desired;

    fn desired(text: &str) -> Desired {
        let loaded = crate::stack::from_source(text);
        loaded.desired.expect("a valid stack")
    }

    /// The stack bound as `up` binds it.
    fn bound(d: &Desired) -> BoundDesired {
        d.clone().bind(&crate::stack::Binding {
            region: "ap-southeast-2".into(),
            account: Some("189107071895".into()),
        })
    }

    fn fresh_plan(d: &Desired) -> Plan {
        crate::plan::plan(&bound(d), &Live::default(), PlanOptions::default()).expect("plan")
    }

    fn ops(plan: &Plan) -> Vec<&Op> {
        plan.changes.iter().flat_map(|c| &c.ops).collect()
    }

    /// A new API: CreateApi, the authorizer, integrations and routes become one ImportApi
    /// whose document carries the ownership tag; the role and the stage stay their own calls.
    #[test]
    fn a_new_api_is_one_import_and_the_stage_and_role_stay_their_own_calls() {
        let d = desired(include_str!("../../../stacks/onboarding-secure.toml"));
        let plan = fresh_plan(&d);
        let Path::Import(rewritten) = path(&plan, &bound(&d), "ap-southeast-2") else {
            panic!("a new API is imported")
        };
        let ops = ops(&rewritten);
        let imports: Vec<&&Op> = ops
            .iter()
            .filter(|o| matches!(o, Op::ImportApi(ImportApiOp { .. })))
            .collect();
        assert_eq!(imports.len(), 1);
        assert!(
            !ops.iter().any(|o| imported(o)),
            "no create of the API or its children is left: {ops:?}"
        );
        assert!(ops.iter().any(|o| matches!(o, Op::Stage(StageOp::Create { .. }))));
        assert!(ops.iter().any(|o| matches!(o, Op::Role(RoleOp::Create { .. }))));
        let Op::ImportApi(ImportApiOp {
            document,
            instead,
            role,
            ..
        }) = imports[0]
        else {
            unreachable!()
        };
        assert_eq!(role, &Some(RoleRef::New(d.role.name.clone())));
        assert_eq!(
            document["tags"],
            serde_json::json!([{"name": "provision:stack", "x-amazon-apigateway-tag-value": "user-onboarding-secure"}])
        );
        assert!(document.get("servers").is_none());
        assert!(document["info"].get("description").is_none());
        assert_eq!(
            instead.len(),
            1 + 1 + 3 + 3,
            "api, authorizer, 3 integrations, 3 routes"
        );
        // The import waits for the role and provides the API the stage waits for.
        assert!(imports[0].needs().contains(&crate::plan::Key::Role));
        assert!(imports[0].provides().contains(&crate::plan::Key::Api));
        assert!(
            !imports[0].needs().iter().any(|k| matches!(
                k,
                crate::plan::Key::Integration(_) | crate::plan::Key::Authorizer(_)
            )),
            "what it makes itself is not waited for"
        );
    }

    #[test]
    fn an_authorizer_name_openapi_forbids_is_made_one_call_at_a_time_with_the_reason() {
        let text =
            include_str!("../../../stacks/onboarding-secure.toml").replace("\"cognito\"", "\"my cognito\"");
        let d = desired(&text);
        match path(&fresh_plan(&d), &bound(&d), "ap-southeast-2") {
            Path::OneByOne(why) => assert!(why.contains("`my cognito`"), "{why}"),
            other => panic!("not imported: {other:?}"),
        }
    }
}
