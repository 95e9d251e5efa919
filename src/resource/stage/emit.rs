//! The stage as CloudFormation declares it (`AWS::ApiGatewayV2::Stage`), and as `import` writes
//! it into a stack file from what AWS returned (`[stage]`).

use std::collections::BTreeMap;

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use super::spec::{DEFAULT_ACCESS_LOG_FORMAT, DesiredStage, LiveStage};
use crate::domain::StageName;
use crate::grant::{SdkCall, When, call};
use crate::stack::Desired;
use crate::stack::write::{Kind as SkippedKind, Skipped, blocking, left_alone, quote};

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs: its fragment of the policy `provision policy` prints, assembled by
/// [`crate::deployer`]. API Gateway v2 authorises by HTTP verb on the resource path: GetX is
/// `apigateway:GET`, CreateX `POST`, UpdateX `PATCH`, DeleteX `DELETE` (service authorization
/// reference, "Amazon API Gateway Management V2").
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_stages", &["apigateway:GET"], When::Always),
    // A stage created with tags also needs `apigateway:TagResource`. The service authorization
    // reference does not list that action, but API Gateway asks for it when an HTTP API stage is
    // created with tags (reported by several teams; unconfirmed here).
    call(
        "create_stage",
        &["apigateway:POST", "apigateway:TagResource"],
        When::Always,
    ),
    call("create_stage", LOG_DELIVERY, When::Unit(writes_logs)),
    call("update_stage", &["apigateway:PATCH"], When::Always),
    call("update_stage", LOG_DELIVERY, When::Unit(writes_logs)),
    call("delete_access_log_settings", &["apigateway:DELETE"], When::Always),
    call("delete_stage", &["apigateway:DELETE"], When::Always),
];

/// Whether the deployer needs [`LOG_DELIVERY`]: the stage has access logging on.
fn writes_logs(desired: &Desired) -> bool {
    desired.stage.access_log.is_some()
}

/// The log-delivery permissions the developer guide asks of whoever turns access logging on for
/// an HTTP API ("Configuring logging for an HTTP API"): API Gateway sets up the delivery with
/// the caller's permissions. Of the guide's log-reading actions only DescribeLogGroups is kept
/// (the destination group is looked up); DescribeLogStreams, GetLogEvents and FilterLogEvents
/// read logs, which the tool never does. They take no resource-level permissions (the guide
/// grants them on "*"), so the deployer writes them in one statement of their own, named
/// [`LOG_DELIVERY_SID`].
const LOG_DELIVERY: &[&str] = &[
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    "logs:CreateLogGroup",
];

/// The `Sid` of the deployer policy's statement of the `logs:` actions.
pub const LOG_DELIVERY_SID: &str = "AccessLogDelivery";

/// The `[stage]` table of the starter stack `init` writes: the default stage, throttled.
pub const STARTER: &str = "[stage]\n\
     name = \"$default\"\n\
     auto_deploy = true\n\
     # Default route throttling, the only cost cap on who can start executions: requests at\n\
     # once, and steady requests per second. Set both or neither.\n\
     throttling_burst_limit = 10\n\
     throttling_rate_limit = 5.0\n\n";

/// Where a number field of `[stage]` sits in the stage's resource (a JSON pointer below it), for
/// a field written as a variable (`synth` makes it a template parameter).
pub fn number_slot(field: &str) -> Option<&'static str> {
    match field {
        "throttling_burst_limit" => Some("/Properties/DefaultRouteSettings/ThrottlingBurstLimit"),
        "throttling_rate_limit" => Some("/Properties/DefaultRouteSettings/ThrottlingRateLimit"),
        _ => None,
    }
}

/// The invoke URL of `path` on the stage: the API's `endpoint` (a template value) and the path
/// below the stage's base ("Working with stages for HTTP APIs": `$default` at the root, another
/// stage under its name).
pub fn cfn_invoke_url(stage: &DesiredStage, endpoint: Value, path: &str) -> Value {
    json!({"Fn::Join": ["", [endpoint, format!("{}{path}", stage.name.base_path())]]})
}

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

/// `[stage]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocStage {
    /// Name, when not `$default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Burst limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i32>,
    /// Rate limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    /// `[stage.access_log]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log: Option<DocAccessLog>,
}

/// `[stage.access_log]`.
#[derive(Debug, Clone, Serialize)]
pub struct DocAccessLog {
    /// Log group ARN.
    pub destination_arn: String,
    /// Format, when not the tool's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// For `import`: the stage the stack manages (`wanted`, `--stage`; else `$default`, or the only
/// stage), the others skipped as unmanaged, as its table. The console's HTTP API wizard
/// makes an auto-deployed `$default` stage (API Gateway developer guide, "Working with stages
/// for HTTP APIs"), which is the format's default and so written as no `[stage]` keys at all.
pub fn pick(stages: &[LiveStage], wanted: Option<&str>, skipped: &mut Vec<Skipped>) -> Option<DocStage> {
    let chosen = match wanted {
        Some(name) => stages.iter().find(|s| s.name == name),
        None => stages
            .iter()
            .find(|s| s.name.is_default())
            .or_else(|| (stages.len() == 1).then(|| &stages[0])),
    };
    let Some(chosen) = chosen else {
        let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
        let reason = match (wanted, names.is_empty()) {
            (Some(name), _) => format!("no stage named {name} (the API has: {})", names.join(", ")),
            (None, true) => "no stage: `up` would create the $default stage".to_string(),
            (None, false) => format!(
                "several stages and no $default ({}): choose one with --stage NAME",
                names.join(", ")
            ),
        };
        skipped.push(blocking(
            SkippedKind::Stage,
            wanted.unwrap_or(StageName::DEFAULT),
            reason,
        ));
        return None;
    };
    for other in stages.iter().filter(|s| s.name != chosen.name) {
        skipped.push(left_alone(
            SkippedKind::Stage,
            &other.name,
            "the stack manages one stage".into(),
        ));
    }
    for setting in &chosen.unexpressed {
        skipped.push(left_alone(
            SkippedKind::StageSetting,
            &chosen.name,
            setting.clone(),
        ));
    }
    doc(chosen, skipped)
}

/// The managed stage's keys; `None` when all are the defaults. A stage that is not
/// auto-deployed blocks: the format refuses `auto_deploy = false`, so `up` would turn it on.
/// One throttling limit without the other blocks too: the format takes both or neither.
pub fn doc(stage: &LiveStage, skipped: &mut Vec<Skipped>) -> Option<DocStage> {
    if !stage.auto_deploy {
        skipped.push(blocking(
            SkippedKind::Stage,
            &stage.name,
            "not auto-deployed: the format serves routes through an auto-deployed stage, and `up` would turn it on"
                .into(),
        ));
    }
    let (burst, rate) = (stage.throttling_burst_limit, stage.throttling_rate_limit);
    if burst.is_some() != rate.is_some() {
        skipped.push(left_alone(
            SkippedKind::StageSetting,
            &stage.name,
            format!("one throttling limit without the other (burst {burst:?}, rate {rate:?})"),
        ));
    }
    let both = burst.is_some() && rate.is_some();
    let doc = DocStage {
        name: (!stage.name.is_default()).then(|| stage.name.to_string()),
        throttling_burst_limit: burst.filter(|_| both),
        throttling_rate_limit: rate.filter(|_| both),
        access_log: stage.access_log.as_ref().map(|log| DocAccessLog {
            destination_arn: log.destination_arn.clone(),
            format: (log.format != DEFAULT_ACCESS_LOG_FORMAT).then(|| log.format.clone()),
        }),
    };
    let default = doc.name.is_none() && !both && doc.access_log.is_none();
    (!default).then_some(doc)
}

impl DocStage {
    /// `--portable`: the log group's ARN through `arn` (account and region as variables).
    pub fn make_portable(&mut self, arn: &dyn Fn(&mut String)) {
        if let Some(log) = self.access_log.as_mut() {
            arn(&mut log.destination_arn);
        }
    }
}

/// Writes `[stage]` (or a comment saying it is the default one) for `import`.
pub fn write(out: &mut String, stage: Option<&DocStage>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The log delivery rows ("Configuring logging for an HTTP API") are the deployer's only for a
    /// stage that logs, and their statement keeps the name printed policies have always had.
    #[test]
    fn log_delivery_is_needed_only_when_the_stage_logs() {
        let load = |text: &str| crate::stack::from_source(text).desired.expect("valid");
        let secure = load(include_str!("../../../stacks/onboarding-secure.toml"));
        let plain = load(include_str!(
            "../../../tests/fixtures/onboarding-existing-machine.toml"
        ));
        assert!(secure.stage.access_log.is_some() && plain.stage.access_log.is_none());
        let rows: Vec<_> = DEPLOYER_CALLS
            .iter()
            .filter(|c| c.actions == LOG_DELIVERY)
            .collect();
        assert_eq!(
            rows.iter().map(|c| c.method).collect::<Vec<_>>(),
            ["create_stage", "update_stage"]
        );
        for row in rows {
            let When::Unit(needs) = row.when else {
                panic!("{}: not the unit's predicate", row.method)
            };
            assert!(needs(&secure) && !needs(&plain), "{}", row.method);
        }
        assert_eq!(LOG_DELIVERY_SID, "AccessLogDelivery");
    }

    /// The secure stack's stage as `synth` writes it (`synth`'s own test checks the template's
    /// `Stage` is this fragment): its default route throttling and its access log format, as
    /// `up` sends them.
    #[test]
    fn a_throttled_logging_stage_carries_its_route_settings_and_log_format() {
        let d = crate::stack::from_source(include_str!("../../../stacks/onboarding-secure.toml"))
            .desired
            .expect("valid");
        let stage = cfn(&d.stage, &d.tags, "Api", &[]);
        assert_eq!(
            stage["Properties"]["DefaultRouteSettings"]["ThrottlingBurstLimit"],
            100
        );
        assert_eq!(
            stage["Properties"]["AccessLogSettings"]["Format"],
            json!(d.stage.access_log.as_ref().map(|l| &l.format))
        );
    }
}
