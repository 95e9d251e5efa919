//! The API as CloudFormation and OpenAPI declare it, and its CORS configuration in both.

use std::collections::BTreeMap;

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::spec::{Cors, DesiredApi};
use crate::grant::{SdkCall, When, call};
use crate::stack::write::list;

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs: its fragment of the policy `provision policy` prints, assembled by
/// [`crate::deployer`]. API Gateway v2 authorises by HTTP verb on the resource path: GetX is
/// `apigateway:GET`, CreateX `POST`, UpdateX `PATCH`, DeleteX `DELETE` (service authorization
/// reference, "Amazon API Gateway Management V2").
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_apis", &["apigateway:GET"], When::Always),
    call("create_api", &["apigateway:POST"], When::Always),
    // A new API in one call. ImportApi is `PUT /v2/apis` (API reference, "Apis"), so
    // `apigateway:PUT` on the `/apis` collection; its integrations' credentials are passed to API
    // Gateway as CreateIntegration's are (`iam:PassRole`). Without either, `up` creates the API
    // one call per resource instead.
    call("import_api", &["apigateway:PUT", "iam:PassRole"], When::Always),
    call("update_api", &["apigateway:PATCH"], When::Always),
    call("delete_cors_configuration", &["apigateway:DELETE"], When::Always),
    call("tag_resource", &["apigateway:POST"], When::Always),
    call("untag_resource", &["apigateway:DELETE"], When::Always),
    call("delete_api", &["apigateway:DELETE"], When::Always),
];

/// Where a number field of `[api.cors]` sits in the API's resource (a JSON pointer below it), for
/// a field written as a variable (`synth` makes it a template parameter).
pub fn number_slot(field: &str) -> Option<&'static str> {
    match field {
        "max_age" => Some("/Properties/CorsConfiguration/MaxAge"),
        _ => None,
    }
}

/// The API's default endpoint (`https://ID.execute-api.REGION.amazonaws.com`), the `ApiEndpoint`
/// attribute of its resource of logical id `api` ("AWS::ApiGatewayV2::Api", return values).
pub fn cfn_endpoint(api: &str) -> Value {
    json!({"Fn::GetAtt": [api, "ApiEndpoint"]})
}

/// The template's `ApiEndpoint` output: the default endpoint of the API of logical id `api`.
pub fn cfn_endpoint_output(api: &str) -> Value {
    json!({"Description": "The API's default endpoint", "Value": cfn_endpoint(api)})
}

/// The API's `AWS::ApiGatewayV2::Api` resource, tagged with `tags`.
pub fn cfn(api: &DesiredApi, tags: &BTreeMap<String, String>) -> Value {
    let mut properties = json!({
        "Name": api.name,
        "ProtocolType": "HTTP",
        "Tags": tags,
    });
    if let Some(cors) = &api.cors {
        properties["CorsConfiguration"] = cors_configuration(cors, Case::Pascal);
    }
    json!({"Type": "AWS::ApiGatewayV2::Api", "Properties": properties})
}

/// How a document spells CORS keys: CloudFormation `AllowOrigins`, OpenAPI's
/// `x-amazon-apigateway-cors` `allowOrigins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// CloudFormation's `CorsConfiguration`.
    Pascal,
    /// OpenAPI's `x-amazon-apigateway-cors`.
    Camel,
}

/// The one CORS map of both documents: the lists that are set, `MaxAge` and
/// `AllowCredentials` when set, keys in the document's case.
pub fn cors_configuration(cors: &Cors, case: Case) -> Value {
    let key = |pascal: &str| match case {
        Case::Pascal => pascal.to_string(),
        Case::Camel => pascal[..1].to_ascii_lowercase() + &pascal[1..],
    };
    let mut out = Map::new();
    for (name, list) in [
        ("AllowOrigins", &cors.allow_origins),
        ("AllowMethods", &cors.allow_methods),
        ("AllowHeaders", &cors.allow_headers),
        ("ExposeHeaders", &cors.expose_headers),
    ] {
        if !list.is_empty() {
            out.insert(key(name), json!(list));
        }
    }
    if let Some(age) = cors.max_age {
        out.insert(key("MaxAge"), json!(age));
    }
    if let Some(credentials) = cors.allow_credentials {
        out.insert(key("AllowCredentials"), json!(credentials));
    }
    Value::Object(out)
}

/// The `info.version` of the API's OpenAPI document, which OpenAPI requires and ImportApi makes
/// the API's `Version` (a label with no effect on how the API answers; API reference, "Api": "A
/// version identifier for the API").
pub const DOCUMENT_VERSION: &str = "1.0";

/// The API's `info` in its OpenAPI document: its name as the title, `description` (the
/// document's, about the whole stack) and [`DOCUMENT_VERSION`].
pub fn openapi_info(api: &DesiredApi, description: String) -> Value {
    json!({"title": api.name, "description": description, "version": DOCUMENT_VERSION})
}

/// The API's CORS configuration in its OpenAPI document ("x-amazon-apigateway-cors object"), when
/// it has one.
pub fn openapi_cors(api: &DesiredApi) -> Option<Value> {
    api.cors
        .as_ref()
        .map(|cors| cors_configuration(cors, Case::Camel))
}

/// Writes `[api.cors]` as AWS returned it, for `import`.
pub fn write_cors(out: &mut String, cors: &Cors) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The secure stack's API as `synth` writes it (`synth`'s own test checks the template's
    /// `Api` is this fragment): its CORS preflight cache, as `up` sends it.
    #[test]
    fn the_cors_configuration_carries_its_max_age() {
        let d = crate::stack::from_source(include_str!("../../../stacks/onboarding-secure.toml"))
            .desired
            .expect("valid");
        let api = cfn(&d.api, &d.tags);
        assert_eq!(api["Properties"]["CorsConfiguration"]["MaxAge"], 300);
    }
}
