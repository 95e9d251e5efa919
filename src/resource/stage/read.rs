//! The API's stages as AWS lists them.

use aws_sdk_apigatewayv2::types::Stage;

use super::spec::{AccessLog, LiveStage};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::paginate::{list_children, required};
use crate::resource::unexpressed::{flag, map, text};

/// Every stage of the API (GetStages, paginated).
pub async fn read_stages(clients: &Clients, api_id: &str) -> Result<Vec<LiveStage>, AwsError> {
    list_children!(
        "GetStages",
        api_id,
        |token| clients.apigw.get_stages().api_id(api_id).set_next_token(token),
        live_stage
    )
}

pub(crate) fn live_stage(s: &Stage, resource: &str) -> Result<LiveStage, AwsError> {
    let settings = s.default_route_settings();
    Ok(LiveStage {
        name: required(s.stage_name(), "GetStages", resource, "StageName")?.into(),
        auto_deploy: s.auto_deploy().unwrap_or(false),
        throttling_burst_limit: settings.and_then(|r| r.throttling_burst_limit()),
        throttling_rate_limit: settings.and_then(|r| r.throttling_rate_limit()),
        access_log: s.access_log_settings().and_then(|a| {
            Some(AccessLog {
                destination_arn: a.destination_arn().filter(|d| !d.is_empty())?.to_string(),
                format: a.format().unwrap_or_default().to_string(),
            })
        }),
        tags: s
            .tags()
            .filter(|t| !t.is_empty())
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        variables: s
            .stage_variables()
            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        unexpressed: unexpressed(s),
    })
}

/// The settings the stack format has no key for, which `import` lists (botocore apigatewayv2
/// shape `Stage`): variables, per-route settings, a description, a client certificate,
/// detailed metrics.
fn unexpressed(s: &Stage) -> Vec<String> {
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
