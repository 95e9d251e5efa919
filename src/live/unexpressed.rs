//! Settings AWS holds that the stack format has no key for, read off each item as
//! `Name = value` lines (botocore apigatewayv2 shapes `Api`, `Route`, `Integration`, `Stage`,
//! `Authorizer`, whose settings its unit reads: `resource/authorizer/read.rs`). `up` never sends them, so it leaves them as they are; `import` lists them so
//! that nothing is dropped silently. A setting at AWS's default is not listed.

use std::collections::HashMap;
use std::fmt::Debug;

use aws_sdk_apigatewayv2::types::{Api, Integration, Route, Stage};

/// The default route selection expression of an HTTP API ("RouteSelectionExpression ... For
/// HTTP APIs, this value must be `${request.method} ${request.path}`", botocore `CreateApi`);
/// AWS returns it as `$request.method $request.path`.
const HTTP_ROUTE_SELECTION: [&str; 2] = [
    "$request.method $request.path",
    "${request.method} ${request.path}",
];
/// The default API key selection expression (botocore `CreateApi`, ApiKeySelectionExpression).
const DEFAULT_API_KEY_SELECTION: &str = "$request.header.x-api-key";
/// An HTTP API integration's default timeout: 30 000 ms ("TimeoutInMillis ... The default value
/// is 29,000 milliseconds or 29 seconds for WebSocket APIs and 30,000 milliseconds or 30 seconds
/// for HTTP APIs", botocore `Integration`).
pub const DEFAULT_TIMEOUT_MS: i32 = 30_000;

/// `Name = "value"` when the value is set and not empty.
pub(crate) fn text(out: &mut Vec<String>, name: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        out.push(format!("{name} = {v:?}"));
    }
}

fn flag(out: &mut Vec<String>, name: &str, value: Option<bool>) {
    if value == Some(true) {
        out.push(format!("{name} = true"));
    }
}

fn map<V: Debug>(out: &mut Vec<String>, name: &str, value: Option<&HashMap<String, V>>) {
    if let Some(m) = value.filter(|m| !m.is_empty()) {
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort();
        let keys: Vec<&str> = keys.into_iter().map(String::as_str).collect();
        out.push(format!("{name} = {{{}}}", keys.join(", ")));
    }
}

/// The API's: description, version, a disabled default endpoint, dual-stack addressing,
/// non-default selection expressions.
pub fn api(a: &Api) -> Vec<String> {
    let mut out = Vec::new();
    text(&mut out, "Description", a.description());
    // `1.0` is what `up`'s own ImportApi sets: the `info.version` of its document, which
    // OpenAPI requires and ImportApi makes the API's `Version` (a label with no effect on how
    // the API answers; API reference, "Api": "A version identifier for the API").
    text(&mut out, "Version", a.version().filter(|v| *v != "1.0"));
    flag(
        &mut out,
        "DisableExecuteApiEndpoint",
        a.disable_execute_api_endpoint(),
    );
    flag(&mut out, "ApiGatewayManaged", a.api_gateway_managed());
    if let Some(t) = a.ip_address_type().filter(|t| t.as_str() != "ipv4") {
        out.push(format!("IpAddressType = {:?}", t.as_str()));
    }
    if let Some(expression) = a
        .route_selection_expression()
        .filter(|e| !HTTP_ROUTE_SELECTION.contains(e))
    {
        out.push(format!("RouteSelectionExpression = {expression:?}"));
    }
    text(
        &mut out,
        "ApiKeySelectionExpression",
        a.api_key_selection_expression()
            .filter(|e| *e != DEFAULT_API_KEY_SELECTION),
    );
    out
}

/// The route's: API keys, an operation name, request models and parameters (WebSocket
/// features), a quick-create managed route.
pub fn route(r: &Route) -> Vec<String> {
    let mut out = Vec::new();
    flag(&mut out, "ApiKeyRequired", r.api_key_required());
    flag(&mut out, "ApiGatewayManaged", r.api_gateway_managed());
    text(&mut out, "OperationName", r.operation_name());
    text(
        &mut out,
        "ModelSelectionExpression",
        r.model_selection_expression(),
    );
    text(
        &mut out,
        "RouteResponseSelectionExpression",
        r.route_response_selection_expression(),
    );
    map(&mut out, "RequestModels", r.request_models());
    map(&mut out, "RequestParameters", r.request_parameters());
    out
}

/// The integration's: a VPC link, a non-default timeout, a description, TLS settings, templates and methods (other integration types).
pub fn integration(i: &Integration) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(c) = i.connection_type().filter(|c| c.as_str() != "INTERNET") {
        out.push(format!("ConnectionType = {:?}", c.as_str()));
    }
    text(&mut out, "ConnectionId", i.connection_id());
    if let Some(t) = i.timeout_in_millis().filter(|t| *t != DEFAULT_TIMEOUT_MS) {
        out.push(format!("TimeoutInMillis = {t}"));
    }
    text(&mut out, "Description", i.description());
    text(&mut out, "IntegrationMethod", i.integration_method());
    flag(&mut out, "ApiGatewayManaged", i.api_gateway_managed());
    map(&mut out, "RequestTemplates", i.request_templates());
    text(
        &mut out,
        "TemplateSelectionExpression",
        i.template_selection_expression(),
    );
    if let Some(tls) = i.tls_config().and_then(|t| t.server_name_to_verify()) {
        out.push(format!("TlsConfig.ServerNameToVerify = {tls:?}"));
    }
    out
}

/// The stage's: variables, per-route settings, a description, a client certificate, detailed
/// metrics.
pub fn stage(s: &Stage) -> Vec<String> {
    let mut out = Vec::new();
    map(&mut out, "StageVariables", s.stage_variables());
    map(&mut out, "RouteSettings", s.route_settings());
    text(&mut out, "Description", s.description());
    text(&mut out, "ClientCertificateId", s.client_certificate_id());
    flag(&mut out, "ApiGatewayManaged", s.api_gateway_managed());
    if let Some(d) = s.default_route_settings() {
        flag(
            &mut out,
            "DefaultRouteSettings.DetailedMetricsEnabled",
            d.detailed_metrics_enabled(),
        );
        flag(
            &mut out,
            "DefaultRouteSettings.DataTraceEnabled",
            d.data_trace_enabled(),
        );
    }
    out
}
