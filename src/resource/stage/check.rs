//! The `[stage]` table checked offline: its name, the throttling limits (with the account's
//! default throttle per Region), the access log settings, and the warning when a stage has no
//! throttling, the only cost cap.

use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::{AccessLogSection, StackFile};
use crate::stack::rules;

/// The access log template's size (quotas page: "Access log template size 3 KB", not raisable).
pub const MAX_ACCESS_LOG_FORMAT: usize = 3 * 1024;
/// The account's default throttle per Region across HTTP, REST and WebSocket APIs (API Gateway
/// quotas: 10,000 requests per second, burst 5,000); a stage's default route settings above them
/// never take effect.
pub const ACCOUNT_RATE: f64 = 10_000.0;
/// See [`ACCOUNT_RATE`].
pub const ACCOUNT_BURST: i64 = 5_000;
/// The Regions whose default is 2,500 requests per second with a burst of 1,250 ("Amazon API
/// Gateway quotas": "For the following Regions, the default throttle quota is 2500 RPS and the
/// default burst quota is 1250 RPS: Africa (Cape Town), Europe (Milan), Asia Pacific (Jakarta),
/// Middle East (UAE), Asia Pacific (Hyderabad), Asia Pacific (Melbourne), Europe (Spain), Europe
/// (Zurich), Israel (Tel Aviv), Canada West (Calgary), Asia Pacific (Malaysia), Asia Pacific
/// (Thailand), and Mexico (Central)"), by their codes in botocore's partitions.json.
pub const LOWER_THROTTLE_REGIONS: &[&str] = &[
    "af-south-1",
    "eu-south-1",
    "ap-southeast-3",
    "me-central-1",
    "ap-south-2",
    "ap-southeast-4",
    "eu-south-2",
    "eu-central-2",
    "il-central-1",
    "ca-west-1",
    "ap-southeast-5",
    "ap-southeast-7",
    "mx-central-1",
];

/// The account's default throttle (requests per second, burst) in `region`: 2,500 and 1,250 in
/// the [`LOWER_THROTTLE_REGIONS`], else 10,000 and 5,000 (also when the region is not known).
pub fn account_throttle(region: Option<&str>) -> (f64, i64) {
    match region {
        Some(r) if LOWER_THROTTLE_REGIONS.contains(&r) => (2_500.0, 1_250),
        _ => (ACCOUNT_RATE, ACCOUNT_BURST),
    }
}

/// Every problem of `[stage]`: its fields, then its quotas.
pub fn check(file: &StackFile, out: &mut Vec<Diagnostic>) {
    stage(file, out);
    stage_limits(file, out);
}

fn stage(file: &StackFile, out: &mut Vec<Diagnostic>) {
    if file.routes.is_empty() {
        // Nothing to throttle; the missing routes are already an error.
        return;
    }
    let Some(stage) = &file.stage else {
        out.push(
            Diagnostic::warning(
                "no-throttling",
                0..0,
                "no stage throttling",
                "the $default stage has no throttling limits, the only cost cap",
            )
            .with_help("add [stage] with throttling_burst_limit and throttling_rate_limit"),
        );
        return;
    };
    if let Some(name) = &stage.name
        && !rules::is_stage_name(&name.value)
    {
        out.push(
            Diagnostic::error(
                name.span.clone(),
                format!("invalid stage name `{}`", name.value),
                "`$default` or 1-128 of A-Z a-z 0-9 _ -",
            )
            .with_help("most HTTP APIs use \"$default\""),
        );
    }
    if let Some(b) = &stage.throttling_burst_limit
        && (b.value < 0 || b.value > i64::from(i32::MAX))
    {
        out.push(
            Diagnostic::error(
                b.span.clone(),
                "throttling burst out of range",
                "a whole number from 0 to 2147483647",
            )
            .with_help("the burst is how many requests may arrive at once, e.g. 10"),
        );
    }
    if let Some(r) = &stage.throttling_rate_limit
        && !(r.value >= 0.0 && r.value.is_finite())
    {
        out.push(
            Diagnostic::error(
                r.span.clone(),
                "throttling rate out of range",
                "requests per second, 0 or more",
            )
            .with_help("the rate is steady requests per second, e.g. 5.0"),
        );
    }
    if let Some(auto) = &stage.auto_deploy
        && !auto.value
    {
        out.push(
            Diagnostic::error(
                auto.span.clone(),
                "`auto_deploy = false` is not supported",
                "provision does not create deployments, so this stage would never serve the routes",
            )
            .with_help("use `auto_deploy = true` (the console's default for HTTP APIs)"),
        );
    }
    let written = |key: &str| stage.written.iter().any(|k| k == key);
    match (&stage.throttling_burst_limit, &stage.throttling_rate_limit) {
        (Some(_), None) | (None, Some(_))
            if written("throttling_burst_limit") && written("throttling_rate_limit") => {}
        (Some(b), None) => out.push(
            Diagnostic::error(
                b.span.clone(),
                "throttling burst without a rate",
                "set both limits or neither",
            )
            .with_help(
                "add `throttling_rate_limit`: an unset limit may read as 0, which rejects every request",
            ),
        ),
        (None, Some(r)) => out.push(
            Diagnostic::error(
                r.span.clone(),
                "throttling rate without a burst",
                "set both limits or neither",
            )
            .with_help(
                "add `throttling_burst_limit`: an unset limit may read as 0, which rejects every request",
            ),
        ),
        _ => {}
    }
    if let Some(log) = &stage.access_log {
        access_log(log, out);
    }
    if stage.throttling_burst_limit.is_none() && stage.throttling_rate_limit.is_none() {
        out.push(
            Diagnostic::warning(
                "no-throttling",
                stage.span.start..stage.span.start,
                "no stage throttling",
                "this stage has no throttling limits, the only cost cap",
            )
            .with_help("add throttling_burst_limit and throttling_rate_limit"),
        );
    }
}

fn access_log(log: &AccessLogSection, out: &mut Vec<Diagnostic>) {
    if let Some(arn) = &log.destination_arn
        && let Err(reason) = rules::check_log_group_arn(&arn.value)
    {
        out.push(
            Diagnostic::error(arn.span.clone(), "not a CloudWatch Logs log group ARN", reason)
                .with_help("copy the log group's ARN without the trailing `:*`: arn:aws:logs:REGION:ACCOUNT:log-group:NAME"),
        );
    }
    if let Some(format) = &log.format {
        if !format.value.contains("$context.requestId")
            && !format.value.contains("$context.extendedRequestId")
        {
            out.push(
                Diagnostic::error(format.span.clone(), "access log format without a request id", "API Gateway requires $context.requestId or $context.extendedRequestId")
                    .with_help("add \"requestId\":\"$context.requestId\", or leave `format` out for the default JSON line"),
            );
        }
        if format.value.contains('\n') {
            out.push(
                Diagnostic::error(
                    format.span.clone(),
                    "multi-line access log format",
                    "each request is logged as one line",
                )
                .with_help("write the format on one line"),
            );
        }
    }
}

fn stage_limits(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let Some(stage) = &file.stage else { return };
    let region = file.stack.region.as_ref().map(|r| r.value.as_str());
    let (account_rate, account_burst) = account_throttle(region);
    let in_region = region.map_or_else(|| "per Region".to_string(), |r| format!("in {r}"));
    if let Some(rate) = &stage.throttling_rate_limit
        && rate.value > account_rate
    {
        out.push(
            Diagnostic::warning(
                "throttling-account-limit",
                rate.span.clone(),
                "throttling rate above the account's limit",
                format!("the account's default is {account_rate} requests per second {in_region}"),
            )
            .with_help("the account limit applies first: lower the rate, or have the account quota raised"),
        );
    }
    if let Some(burst) = &stage.throttling_burst_limit
        && burst.value > account_burst
    {
        out.push(
            Diagnostic::warning(
                "throttling-account-limit",
                burst.span.clone(),
                "throttling burst above the account's limit",
                format!("the account's default burst is {account_burst} {in_region}"),
            )
            .with_help("the account limit applies first: lower the burst, or have the account quota raised"),
        );
    }
    if let Some(format) = stage.access_log.as_ref().and_then(|l| l.format.as_ref()) {
        let bytes = format.value.len();
        if bytes > MAX_ACCESS_LOG_FORMAT {
            out.push(
                Diagnostic::error(
                    format.span.clone(),
                    "access log format too long",
                    format!(
                        "the template is at most 3 KB ({MAX_ACCESS_LOG_FORMAT} bytes); this one has {bytes}"
                    ),
                )
                .with_help("log fewer fields, or leave `format` out for the default JSON line"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Amazon API Gateway quotas": 2,500/1,250 in the Regions its footnote lists, 10,000/5,000
    /// elsewhere and when the region is not known; a stage above its region's default is warned.
    #[test]
    fn the_account_throttle_follows_the_region() {
        assert_eq!(account_throttle(Some("af-south-1")), (2_500.0, 1_250));
        assert_eq!(account_throttle(Some("mx-central-1")), (2_500.0, 1_250));
        assert_eq!(account_throttle(Some("eu-west-1")), (10_000.0, 5_000));
        assert_eq!(account_throttle(None), (10_000.0, 5_000));
        let stack = |region: &str| {
            format!(
                "[stack]\nname = \"s\"\nregion = \"{region}\"\n[api]\nname = \"a\"\n[role]\nname = \"r\"\n\
                 policy_name = \"p\"\n[stage]\nname = \"$default\"\nauto_deploy = true\n\
                 throttling_rate_limit = 3000\nthrottling_burst_limit = 2000\n"
            )
        };
        let warned = |region: &str| {
            let (file, _) = crate::stack::load::parse(&stack(region));
            let mut out = Vec::new();
            stage_limits(&file, &mut out);
            out.len()
        };
        assert_eq!(warned("af-south-1"), 2);
        assert_eq!(warned("eu-west-1"), 0);
    }
}
