//! The stage as CloudFormation declares it (`AWS::ApiGatewayV2::Stage`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::spec::DesiredStage;

/// The stage's resource in the API of logical id `api`, after the routes `routes`.
pub fn cfn(stage: &DesiredStage, tags: &BTreeMap<String, String>, api: &str, routes: &[String]) -> Value {
    let mut properties = json!({
        "ApiId": {"Ref": api},
        "StageName": stage.name,
        "AutoDeploy": stage.auto_deploy,
        "Tags": tags,
    });
    // As `up`: route settings only with both limits, since a settings object without them can
    // read as limits of 0.
    if let (Some(burst), Some(rate)) = (stage.throttling_burst_limit, stage.throttling_rate_limit) {
        properties["DefaultRouteSettings"] =
            json!({"ThrottlingBurstLimit": burst, "ThrottlingRateLimit": rate});
    }
    if let Some(log) = &stage.access_log {
        properties["AccessLogSettings"] =
            json!({"DestinationArn": log.destination_arn, "Format": log.format});
    }
    // An auto-deploy stage deploys what exists when it is made; after the routes, it serves them.
    json!({"Type": "AWS::ApiGatewayV2::Stage", "DependsOn": routes, "Properties": properties})
}
