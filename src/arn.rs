//! ARNs and partitions: the vocabulary every layer shares (no SDK, no stack model), below
//! everything else.
//!
//! One partition table, from botocore's `botocore/data/partitions.json` (botocore 1.44.8, the
//! version `scripts/requirements-test.txt` pins; boto/botocore commit c870f2c): each partition's
//! `id`, `regionRegex` and `outputs.dnsSuffix`. A region belongs to the partition whose
//! `regionRegex` it matches, as the SDKs' endpoint rules resolve it (`aws.partition`); the
//! regexes do not overlap.
//!
//! ARN types parse with [`FromStr`] and print with [`Display`]: [`Arn`] (any ARN, split into
//! its six fields), [`RoleArn`], [`StateMachineArn`] (with a version or alias [`Qualifier`]),
//! [`LogGroupArn`], [`FunctionArn`]; and the API Gateway resource ARNs IAM and TagResource take
//! ([`apigateway_arn`]).

use std::fmt::{self, Display};
use std::str::FromStr;

/// One AWS partition (botocore `partitions.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    /// `id`: what ARNs carry (`aws`, `aws-cn`, ...).
    pub id: &'static str,
    /// `outputs.dnsSuffix`: the domain of the partition's endpoints (`amazonaws.com`, ...).
    pub dns_suffix: &'static str,
    /// The `regionRegex` alternatives before `\-\w+\-\d+$`: `^(us|eu|...)` is several, `^cn`
    /// one, `^eusc\-(de)` is `eusc-de`.
    prefixes: &'static [&'static str],
}

/// Every partition in botocore's `partitions.json`, with its `regionRegex` quoted.
pub const PARTITIONS: &[Partition] = &[
    // ^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$
    Partition {
        id: "aws",
        dns_suffix: "amazonaws.com",
        prefixes: &["us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"],
    },
    // ^cn\-\w+\-\d+$
    Partition {
        id: "aws-cn",
        dns_suffix: "amazonaws.com.cn",
        prefixes: &["cn"],
    },
    // ^eusc\-(de)\-\w+\-\d+$
    Partition {
        id: "aws-eusc",
        dns_suffix: "amazonaws.eu",
        prefixes: &["eusc-de"],
    },
    // ^us\-iso\-\w+\-\d+$
    Partition {
        id: "aws-iso",
        dns_suffix: "c2s.ic.gov",
        prefixes: &["us-iso"],
    },
    // ^us\-isob\-\w+\-\d+$
    Partition {
        id: "aws-iso-b",
        dns_suffix: "sc2s.sgov.gov",
        prefixes: &["us-isob"],
    },
    // ^eu\-isoe\-\w+\-\d+$
    Partition {
        id: "aws-iso-e",
        dns_suffix: "cloud.adc-e.uk",
        prefixes: &["eu-isoe"],
    },
    // ^us\-isof\-\w+\-\d+$
    Partition {
        id: "aws-iso-f",
        dns_suffix: "csp.hci.ic.gov",
        prefixes: &["us-isof"],
    },
    // ^us\-gov\-\w+\-\d+$
    Partition {
        id: "aws-us-gov",
        dns_suffix: "amazonaws.com",
        prefixes: &["us-gov"],
    },
];

impl Partition {
    /// The partition a region belongs to: the one whose `regionRegex` (`PREFIX-WORD-DIGITS`,
    /// `\w` being `[A-Za-z0-9_]`) it matches. `None` for anything that is not a region.
    pub fn of(region: &str) -> Option<&'static Partition> {
        PARTITIONS.iter().find(|p| {
            p.prefixes.iter().any(|prefix| {
                region
                    .strip_prefix(prefix)
                    .and_then(|r| r.strip_prefix('-'))
                    .and_then(|r| r.split_once('-'))
                    .is_some_and(|(word, number)| {
                        !word.is_empty()
                            && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                            && !number.is_empty()
                            && number.bytes().all(|b| b.is_ascii_digit())
                    })
            })
        })
    }

    /// The partition of `region`, or `aws` for a name no regex matches: the SDKs' endpoint
    /// rules fall back to the `aws` partition for an unknown region, so a request signed for
    /// it goes to the `aws` partition too.
    pub fn of_or_aws(region: &str) -> &'static Partition {
        Partition::of(region).unwrap_or(&PARTITIONS[0])
    }

    /// The partition whose id this is (`aws-cn`, ...).
    pub fn by_id(id: &str) -> Option<&'static Partition> {
        PARTITIONS.iter().find(|p| p.id == id)
    }
}

/// A region of any partition: `ap-southeast-2`, `us-gov-west-1`, `cn-north-1`,
/// `eusc-de-east-1`, ... (botocore `partitions.json`).
pub fn is_region(s: &str) -> bool {
    Partition::of(s).is_some()
}

/// The host API Gateway serves an HTTP API on: `{api-id}.execute-api.{region}.{dnsSuffix}`
/// ("Invoking an HTTP API": `https://{api-id}.execute-api.{region}.amazonaws.com`, the suffix
/// the region's partition's).
pub fn execute_api_host(api_id: &str, region: &str) -> String {
    format!(
        "{api_id}.execute-api.{region}.{}",
        Partition::of_or_aws(region).dns_suffix
    )
}

/// An API Gateway resource ARN, as IAM policies and TagResource name it:
/// `arn:PARTITION:apigateway:REGION::PATH` with `PATH` such as `/apis/ID` ("Actions, resources,
/// and condition keys for Amazon API Gateway Management V2").
pub fn apigateway_arn(region: &str, path: &str) -> String {
    format!(
        "arn:{}:apigateway:{region}::{path}",
        Partition::of_or_aws(region).id
    )
}

/// Any ARN, split into its six fields: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` ("Amazon
/// Resource Names (ARNs)", IAM guide); the resource keeps its own `:` and `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// `iam`, `states`, ...
    pub service: String,
    /// Empty for global services (IAM).
    pub region: String,
    /// Empty where the resource has none; `aws` for AWS managed policies.
    pub account: String,
    /// `role/path/name`, `stateMachine:name`, ...
    pub resource: String,
}

impl Arn {
    /// The ARN of `resource` (`table/NAME`, `event-bus/NAME`, ...) of `service` in `region` of
    /// `account` in `partition`; any field may be a CloudFormation pseudo parameter or an IAM
    /// policy variable in a policy document.
    pub fn new(partition: &str, service: &str, region: &str, account: &str, resource: &str) -> Arn {
        Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        }
    }
}

impl FromStr for Arn {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        match parts[..] {
            ["arn", partition, service, region, account, resource]
                if !partition.is_empty() && !service.is_empty() =>
            {
                Ok(Arn {
                    partition: partition.into(),
                    service: service.into(),
                    region: region.into(),
                    account: account.into(),
                    resource: resource.into(),
                })
            }
            _ => Err("expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE".into()),
        }
    }
}

impl Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// An IAM path as CreateRole accepts it (botocore iam `pathType`: 1-512 characters, pattern
/// `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`: `/` alone, or starting and ending with `/` with
/// ASCII `!` through `~` between; DEL, U+007F, is outside it).
pub fn is_iam_path(path: &str) -> bool {
    let len = path.len();
    (1..=512).contains(&len)
        && path.starts_with('/')
        && path.ends_with('/')
        && path.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

/// A role name (botocore iam `roleNameType`: 1-64 of `[\w+=,.@-]`).
pub fn is_role_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME` ("IAM identifiers").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleArn {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// The 12-digit account, or an IAM policy variable in a policy document.
    pub account: String,
    /// `/` or `/a/b/`.
    pub path: String,
    /// The role name.
    pub name: String,
}

impl RoleArn {
    /// The role `name` under `path` in `account` of `partition`.
    pub fn new(partition: &str, account: &str, path: &str, name: &str) -> RoleArn {
        RoleArn {
            partition: partition.into(),
            account: account.into(),
            path: if path.is_empty() { "/".into() } else { path.into() },
            name: name.into(),
        }
    }
}

impl FromStr for RoleArn {
    type Err = String;

    /// A role ARN with a known partition, a 12-digit account, a path per `pathType` and a name
    /// per `roleNameType`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let arn: Arn = s.parse()?;
        if arn.service != "iam" || !arn.region.is_empty() {
            return Err("expected arn:PARTITION:iam::ACCOUNT:role/NAME".into());
        }
        if Partition::by_id(&arn.partition).is_none() {
            return Err(format!("`{}` is not a partition", arn.partition));
        }
        if arn.account.len() != 12 || !arn.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{}` is not a 12-digit account id", arn.account));
        }
        let Some(rest) = arn.resource.strip_prefix("role/") else {
            return Err(format!("`{}` is not a role", arn.resource));
        };
        let (path, name) = match rest.rfind('/') {
            Some(i) => (format!("/{}", &rest[..=i]), &rest[i + 1..]),
            None => ("/".to_string(), rest),
        };
        if !is_iam_path(&path) {
            return Err(format!("`{path}` is not an IAM path"));
        }
        if !is_role_name(name) {
            return Err(format!(
                "`{name}` is not a role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)"
            ));
        }
        Ok(RoleArn {
            partition: arn.partition,
            account: arn.account,
            path,
            name: name.into(),
        })
    }
}

impl Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.account, self.path, self.name
        )
    }
}

/// The role name in a role ARN: the last segment, after any path
/// (`arn:aws:iam::123456789012:role/service/name` is `name`; IAM guide, "IAM identifiers").
/// Lenient: text that is not an ARN is returned as it is.
pub fn role_name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// A state machine ARN's qualifier: a published version or an alias.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Qualifier {
    /// `...:stateMachine:NAME:7`, a published version.
    Version(u64),
    /// `...:stateMachine:NAME:PROD`, an alias.
    Alias(String),
}

impl std::fmt::Display for Qualifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Qualifier::Version(v) => write!(f, "{v}"),
            Qualifier::Alias(a) => f.write_str(a),
        }
    }
}

/// A Step Functions state machine ARN, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachineArn {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// Region of the machine.
    pub region: String,
    /// Owning account.
    pub account: String,
    /// Machine name.
    pub name: String,
    /// The version or alias, for a qualified ARN.
    pub qualifier: Option<Qualifier>,
}

impl StateMachineArn {
    /// The unqualified machine ARN: what IAM authorizes a version or alias by (Step Functions
    /// guide, "Authorization for versions and aliases": "Step Functions uses the state machine's
    /// ARN instead of using the version ARN or alias ARN").
    pub fn machine(&self) -> String {
        format!(
            "arn:{}:states:{}:{}:stateMachine:{}",
            self.partition, self.region, self.account, self.name
        )
    }

    /// The ARN pattern covering every execution of this machine, whichever version or alias
    /// started it: the resource of StopExecution, DescribeExecution and GetExecutionHistory (their
    /// IAM resource type is the execution).
    pub fn executions(&self) -> String {
        format!(
            "arn:{}:states:{}:{}:execution:{}:*",
            self.partition, self.region, self.account, self.name
        )
    }

    /// The machine whose executions `pattern` covers, when it is what [`Self::executions`]
    /// prints (`arn:PARTITION:states:REGION:ACCOUNT:execution:NAME:*`, "Actions, resources, and
    /// condition keys for AWS Step Functions", resource type `execution`). Fields unchecked, as
    /// in a policy read back from IAM.
    pub fn of_executions(pattern: &str) -> Option<StateMachineArn> {
        match fields(pattern)[..] {
            [
                "arn",
                partition,
                "states",
                region,
                account,
                "execution",
                name,
                "*",
            ] => Some(StateMachineArn {
                partition: partition.into(),
                region: region.into(),
                account: account.into(),
                name: name.into(),
                qualifier: None,
            }),
            _ => None,
        }
    }
}

impl StateMachineArn {
    /// The version number of a version ARN (`...:stateMachine:NAME:7`, as
    /// PublishStateMachineVersion and ListStateMachineVersions answer it; Step Functions guide,
    /// "State machine versions"). `None` for an unqualified or alias ARN.
    pub fn version(&self) -> Option<u64> {
        match self.qualifier {
            Some(Qualifier::Version(v)) => Some(v),
            _ => None,
        }
    }

    /// The alias name of an alias ARN (`...:stateMachine:NAME:PROD`, as CreateStateMachineAlias
    /// and ListStateMachineAliases answer it; Step Functions guide, "State machine aliases").
    pub fn alias(&self) -> Option<&str> {
        match &self.qualifier {
            Some(Qualifier::Alias(a)) => Some(a),
            _ => None,
        }
    }
}

impl StateMachineArn {
    /// A machine ARN split without checking its parts: for `synth`'s reading of a file whose
    /// ARN holds `${var.NAME}` references (the file itself validated with their values).
    pub fn lenient(arn: &str) -> Option<StateMachineArn> {
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 7 || parts.len() > 8 || parts[0] != "arn" || parts[5] != "stateMachine" {
            return None;
        }
        Some(StateMachineArn {
            partition: parts[1].into(),
            region: parts[3].into(),
            account: parts[4].into(),
            name: parts[6].into(),
            qualifier: parts.get(7).map(|q| match q.parse::<u64>() {
                Ok(v) => Qualifier::Version(v),
                Err(_) => Qualifier::Alias(q.to_string()),
            }),
        })
    }
}

impl FromStr for StateMachineArn {
    type Err = String;

    /// [`parse_state_machine_arn`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_state_machine_arn(s)
    }
}

impl Display for StateMachineArn {
    /// The ARN as written: the machine's, then `:QUALIFIER` for a version or alias.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.machine())?;
        match &self.qualifier {
            Some(q) => write!(f, ":{q}"),
            None => Ok(()),
        }
    }
}

/// The `:`-separated fields of an ARN, a `:` inside a `${...}` variable (an IAM policy variable
/// such as `${aws:PrincipalAccount}`, a CloudFormation pseudo parameter such as
/// `${AWS::Region}`) kept in its field.
fn fields(arn: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut depth) = (0, 0usize);
    let bytes = arn.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                out.push(&arn[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&arn[start..]);
    out
}

/// Why a Step Functions name (of a state machine or an execution) is refused, if it is: 1-80
/// characters and none of white space, `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /`, control
/// characters (U+0000-001F, U+007F-009F, U+FFFE-FFFF) or U+10FFFF (botocore stepfunctions
/// `CreateStateMachineInput.name` and `StartExecutionInput.name`, shape `Name`, 1-80).
pub fn check_step_functions_name(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 {
        return Err("the name is empty".into());
    }
    if count > 80 {
        return Err(format!("the name is {count} characters long; the limit is 80"));
    }
    if let Some(c) = name.chars().find(|c| is_banned_in_name(*c)) {
        return Err(match c {
            c if c.is_whitespace() => "the name contains white space".to_string(),
            c if c.is_control() || (c as u32) >= 0xFFFE => {
                format!("the name contains the control character U+{:04X}", c as u32)
            }
            c => format!("the name contains `{c}`"),
        });
    }
    Ok(())
}

/// A character Step Functions refuses in a name (see [`check_step_functions_name`]).
pub fn is_banned_in_name(c: char) -> bool {
    let code = c as u32;
    c.is_whitespace()
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        || code <= 0x1F
        || (0x7F..=0x9F).contains(&code)
        || code == 0xFFFE
        || code == 0xFFFF
        || code == 0x10FFFF
}

/// An alias name: 1-80 of `A-Z a-z 0-9 _ - .` with at least one that is not a digit (botocore
/// stepfunctions `CharacterRestrictedName`, `^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`).
pub fn is_alias_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        && s.bytes().any(|b| !b.is_ascii_digit())
}

const MACHINE_ARN_FORM: &str =
    "expected arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME, optionally :VERSION or :ALIAS";

/// Parses `arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME[:VERSION|:ALIAS]`, the forms
/// StartExecution takes (botocore stepfunctions `StartExecutionInput.stateMachineArn`:
/// unqualified, version and alias ARNs). The partition must be the region's.
pub fn parse_state_machine_arn(arn: &str) -> Result<StateMachineArn, String> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() < 7 || parts[0] != "arn" {
        return Err(MACHINE_ARN_FORM.into());
    }
    if parts[2] != "states" {
        return Err(format!("this is a `{}` ARN, not a Step Functions one", parts[2]));
    }
    if parts[5] != "stateMachine" {
        return Err(format!(
            "this is a Step Functions `{}`, not a stateMachine",
            parts[5]
        ));
    }
    let Some(region_partition) = Partition::of(parts[3]).map(|p| p.id) else {
        return Err(format!("`{}` is not a region", parts[3]));
    };
    if !PARTITIONS.iter().any(|p| p.id == parts[1]) {
        return Err(format!(
            "`{}` is not a partition (the region {} is in `{region_partition}`)",
            parts[1], parts[3]
        ));
    }
    if parts[1] != region_partition {
        return Err(format!(
            "the region {} is in the `{region_partition}` partition, not `{}`",
            parts[3], parts[1]
        ));
    }
    if parts[4].len() != 12 || !parts[4].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{}` is not a 12-digit account id", parts[4]));
    }
    if parts.len() > 8 {
        return Err(
            "too many `:`: a name has none, and one qualifier (version or alias) may follow it".into(),
        );
    }
    let name = parts[6];
    if let Some((machine, label)) = name.split_once('/') {
        return Err(format!(
            "`{machine}/{label}` names a Distributed Map state, which StartExecution refuses"
        ));
    }
    check_step_functions_name(name).map_err(|e| format!("not a state machine name: {e}"))?;
    let qualifier = match parts.get(7) {
        None => None,
        Some(q) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => match q.parse() {
            Ok(v) => Some(Qualifier::Version(v)),
            Err(_) => return Err(format!("`{q}` is not a version number")),
        },
        Some(q) if is_alias_name(q) => Some(Qualifier::Alias(q.to_string())),
        Some(q) => {
            return Err(format!(
                "`{q}` is neither a version number nor an alias name (1-80 of A-Z a-z 0-9 _ - .)"
            ));
        }
    };
    Ok(StateMachineArn {
        partition: parts[1].to_string(),
        region: parts[3].to_string(),
        account: parts[4].to_string(),
        name: name.to_string(),
        qualifier,
    })
}

const LOG_GROUP_ARN_FORM: &str = "expected arn:aws:logs:REGION:ACCOUNT:log-group:NAME";

/// A CloudWatch Logs log group ARN: `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME`, and the
/// same with `:*` after the name ("Actions, resources, and condition keys for Amazon CloudWatch
/// Logs", resource type `log-group`; CloudWatch Logs guide, "Overview of managing access
/// permissions to your CloudWatch Logs resources": "Both of the following are used. The second
/// one, with the :* at the end, is what is returned by ... DescribeLogGroups"). API Gateway's
/// access log destination takes the first form, Step Functions' logging destination the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupArn {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// The log group's region.
    pub region: String,
    /// The 12-digit account.
    pub account: String,
    /// The log group name: 1-512 of `A-Z a-z 0-9 _ - / . #` (botocore logs `LogGroupName`,
    /// pattern `[\.\-_/#A-Za-z0-9]+`).
    pub name: String,
    /// Whether the ARN ends with `:*` (the form DescribeLogGroups answers and IAM policies use).
    pub all_streams: bool,
}

impl FromStr for LogGroupArn {
    type Err = String;

    /// Either form; the errors say which part is wrong.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.splitn(7, ':').collect();
        if parts.len() != 7 || parts[0] != "arn" {
            return Err(LOG_GROUP_ARN_FORM.into());
        }
        if parts[2] != "logs" {
            return Err(format!("this is a `{}` ARN, not a CloudWatch Logs one", parts[2]));
        }
        if parts[5] != "log-group" {
            return Err(format!("this is a logs `{}`, not a log-group", parts[5]));
        }
        if !is_region(parts[3]) {
            return Err(format!("`{}` is not a region", parts[3]));
        }
        if !is_account_id(parts[4]) {
            return Err(format!("`{}` is not a 12-digit account id", parts[4]));
        }
        let (name, all_streams) = match parts[6].strip_suffix(":*") {
            Some(name) => (name, true),
            None => (parts[6], false),
        };
        if name.is_empty()
            || name.len() > 512
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-/.#".contains(c))
        {
            return Err(format!(
                "`{name}` is not a log group name (1-512 of A-Z a-z 0-9 _ - / . #)"
            ));
        }
        Ok(LogGroupArn {
            partition: parts[1].into(),
            region: parts[3].into(),
            account: parts[4].into(),
            name: name.into(),
            all_streams,
        })
    }
}

impl Display for LogGroupArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:logs:{}:{}:log-group:{}{}",
            self.partition,
            self.region,
            self.account,
            self.name,
            if self.all_streams { ":*" } else { "" }
        )
    }
}

/// A 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A Lambda function ARN, optionally qualified: `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`
/// then `:VERSION`, `:ALIAS` or `:$LATEST` ("Actions, resources, and condition keys for AWS
/// Lambda", resource types `function`, `function alias`, `function version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionArn {
    /// `aws`, `aws-cn`, ...; a placeholder in a policy derived before the partition is known.
    pub partition: String,
    /// The function's region, or a placeholder.
    pub region: String,
    /// The function's account, or a placeholder.
    pub account: String,
    /// The function name.
    pub name: String,
    /// The version or alias, for a qualified ARN.
    pub qualifier: Option<String>,
}

impl FunctionArn {
    /// What Lambda's Invoke makes of a `FunctionName` (Lambda API reference, Invoke,
    /// `FunctionName`, "Name formats": "Function name – my-function (name-only), my-function:v1
    /// (with alias). Function ARN – arn:aws:lambda:us-west-2:123456789012:function:my-function.
    /// Partial ARN – 123456789012:function:my-function. You can append a version number or alias
    /// to any of the formats."): the function in `partition`, `region` and `account` unless the
    /// value names them. Split by shape only, so placeholders and `${var.NAME}` pass; `None` for a
    /// value of none of those shapes.
    pub fn from_function_name(
        value: &str,
        partition: &str,
        region: &str,
        account: &str,
    ) -> Option<FunctionArn> {
        let parts: Vec<&str> = value.split(':').collect();
        let (partition, region, account, name, qualifier) = match parts[..] {
            ["arn", p, "lambda", r, a, "function", name] => (p, r, a, name, None),
            ["arn", p, "lambda", r, a, "function", name, q] => (p, r, a, name, Some(q)),
            [a, "function", name] => (partition, region, a, name, None),
            [a, "function", name, q] => (partition, region, a, name, Some(q)),
            [name] => (partition, region, account, name, None),
            [name, q] => (partition, region, account, name, Some(q)),
            _ => return None,
        };
        if name.is_empty() || qualifier.is_some_and(str::is_empty) {
            return None;
        }
        Some(FunctionArn {
            partition: partition.into(),
            region: region.into(),
            account: account.into(),
            name: name.into(),
            qualifier: qualifier.map(str::to_string),
        })
    }

    /// The ARN pattern of every version and alias of the function (`NAME:*`), which IAM needs
    /// beside the unqualified ARN for a caller that invokes a qualifier ("Actions, resources, and
    /// condition keys for AWS Lambda": the `function alias` and `function version` types).
    pub fn qualifiers(&self) -> String {
        format!("{self}:*")
    }
}

impl FromStr for FunctionArn {
    type Err = String;

    /// A whole ARN, its partition the region's and its account 12 digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if !s.starts_with("arn:") {
            return Err("expected arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME".into());
        }
        let Some(arn) = FunctionArn::from_function_name(s, "", "", "") else {
            return Err("expected arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]".into());
        };
        match Partition::of(&arn.region) {
            None => return Err(format!("`{}` is not a region", arn.region)),
            Some(p) if p.id != arn.partition => {
                return Err(format!(
                    "the region {} is in the `{}` partition, not `{}`",
                    arn.region, p.id, arn.partition
                ));
            }
            Some(_) => {}
        }
        if !is_account_id(&arn.account) {
            return Err(format!("`{}` is not a 12-digit account id", arn.account));
        }
        Ok(arn)
    }
}

impl Display for FunctionArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:lambda:{}:{}:function:{}",
            self.partition, self.region, self.account, self.name
        )?;
        match &self.qualifier {
            Some(q) => write!(f, ":{q}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`StateMachineArn::executions`] prints reads back as the machine, IAM policy
    /// variables and CloudFormation pseudo parameters included.
    #[test]
    fn executions_patterns_read_back_as_their_machine() {
        for (partition, region, account) in [
            ("aws", "us-east-1", "123456789012"),
            ("aws", "${aws:RequestedRegion}", "${aws:PrincipalAccount}"),
            ("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}"),
        ] {
            let machine = StateMachineArn {
                partition: partition.into(),
                region: region.into(),
                account: account.into(),
                name: "orders".into(),
                qualifier: None,
            };
            let pattern = machine.executions();
            assert_eq!(
                StateMachineArn::of_executions(&pattern),
                Some(machine),
                "{pattern}"
            );
        }
        assert!(
            StateMachineArn::of_executions("arn:aws:states:us-east-1:123456789012:execution:orders:run-1")
                .is_none()
        );
        assert!(
            StateMachineArn::of_executions("arn:aws:states:us-east-1:123456789012:stateMachine:orders")
                .is_none()
        );
    }

    #[test]
    fn state_machine_arns() {
        let arn = parse_state_machine_arn(
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding",
        )
        .unwrap();
        assert_eq!(
            arn.executions(),
            "arn:aws:states:ap-southeast-2:189107071895:execution:user-onboarding:*"
        );
        assert!(parse_state_machine_arn("arn:aws:lambda:ap-southeast-2:189107071895:function:x").is_err());
        assert!(parse_state_machine_arn("arn:aws:states:ap-southeast-2:1891:stateMachine:x").is_err());
        assert!(parse_state_machine_arn("user-onboarding").is_err());
    }

    /// Step Functions `StartExecution` `stateMachineArn` (botocore): unqualified, version and
    /// alias ARNs, in every partition of botocore's partitions.json, names with dots.
    #[test]
    fn state_machine_arns_across_partitions_versions_aliases_and_dotted_names() {
        let ok = [
            (
                "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders.v2",
                None,
            ),
            (
                "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders:7",
                Some(Qualifier::Version(7)),
            ),
            (
                "arn:aws:states:ap-southeast-2:189107071895:stateMachine:orders:PROD",
                Some(Qualifier::Alias("PROD".into())),
            ),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:my.machine:live-2.0",
                Some(Qualifier::Alias("live-2.0".into())),
            ),
            (
                "arn:aws-cn:states:cn-north-1:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws-us-gov:states:us-gov-west-1:189107071895:stateMachine:orders:3",
                Some(Qualifier::Version(3)),
            ),
            (
                "arn:aws-eusc:states:eusc-de-east-1:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws-iso:states:us-iso-east-1:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws-iso-b:states:us-isob-east-1:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws-iso-e:states:eu-isoe-west-1:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws-iso-f:states:us-isof-south-1:189107071895:stateMachine:orders",
                None,
            ),
            (
                "arn:aws:states:il-central-1:189107071895:stateMachine:Ünïcode_名前",
                None,
            ),
        ];
        for (arn, qualifier) in ok {
            let parsed = parse_state_machine_arn(arn).unwrap_or_else(|e| panic!("{arn}: {e}"));
            assert_eq!(parsed.qualifier, qualifier, "{arn}");
            assert!(arn.starts_with(&parsed.machine()), "{arn}");
            assert!(!parsed.machine().ends_with(":PROD") && !parsed.machine().ends_with(":7"));
        }
        let alias = parse_state_machine_arn(
            "arn:aws-us-gov:states:us-gov-west-1:189107071895:stateMachine:orders:PROD",
        )
        .unwrap();
        assert_eq!(
            alias.machine(),
            "arn:aws-us-gov:states:us-gov-west-1:189107071895:stateMachine:orders"
        );
        assert_eq!(
            alias.executions(),
            "arn:aws-us-gov:states:us-gov-west-1:189107071895:execution:orders:*"
        );
    }

    /// What StartExecution would refuse: a partition that is not the region's, banned name
    /// characters, a bad qualifier, a Distributed Map label, a name over 80 characters.
    #[test]
    fn state_machine_arns_aws_refuses() {
        let refused = [
            (
                "arn:aws:states:cn-north-1:189107071895:stateMachine:orders",
                "`aws-cn`",
            ),
            (
                "arn:aws-cn:states:us-east-1:189107071895:stateMachine:orders",
                "`aws` partition",
            ),
            (
                "arn:aws-moon:states:us-east-1:189107071895:stateMachine:orders",
                "not a partition",
            ),
            (
                "arn:aws:states:moon-1:189107071895:stateMachine:orders",
                "not a region",
            ),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:has space",
                "white space",
            ),
            ("arn:aws:states:us-east-1:189107071895:stateMachine:a#b", "`#`"),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:a`b",
                "contains `",
            ),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:orders/map",
                "Distributed Map",
            ),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:orders:",
                "neither",
            ),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:orders:PR*D",
                "neither",
            ),
            (
                "arn:aws:states:us-east-1:189107071895:stateMachine:orders:1:2",
                "too many",
            ),
            ("arn:aws:states:us-east-1:189107071895:stateMachine:", "empty"),
        ];
        for (arn, needle) in refused {
            let err = parse_state_machine_arn(arn).expect_err(arn);
            assert!(err.contains(needle), "{arn}: {err}");
        }
        let long = format!(
            "arn:aws:states:us-east-1:189107071895:stateMachine:{}",
            "a".repeat(81)
        );
        assert!(parse_state_machine_arn(&long).unwrap_err().contains("80"));
        let max = format!(
            "arn:aws:states:us-east-1:189107071895:stateMachine:{}",
            "a".repeat(80)
        );
        assert!(parse_state_machine_arn(&max).is_ok());
    }

    #[test]
    fn step_functions_names_and_aliases() {
        assert!(check_step_functions_name("order-42.v1_é").is_ok());
        for bad in [
            "",
            "a b",
            "a\tb",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{fffe}",
            "x<y",
            "a;b",
            "a,b",
            "$x",
        ] {
            assert!(check_step_functions_name(bad).is_err(), "{bad:?}");
        }
        assert!(is_alias_name("PROD") && is_alias_name("v1.2-live_") && is_alias_name("1a"));
        assert!(!is_alias_name("12") && !is_alias_name("") && !is_alias_name("a:b"));
        assert!(!is_alias_name(&"a".repeat(81)));
        assert_eq!(Partition::of("eusc-de-east-1").map(|p| p.id), Some("aws-eusc"));
        assert_eq!(Partition::of("us-gov-east-1").map(|p| p.id), Some("aws-us-gov"));
        assert_eq!(Partition::of("us-east-1").map(|p| p.id), Some("aws"));
        assert!(Partition::of("xx-east-1").is_none());
        assert!(Partition::of("us-east").is_none());
    }

    /// botocore `partitions.json`: every partition, its regions and its DNS suffix, the three the
    /// two old functions disagreed on included.
    #[test]
    fn partitions_follow_botocore() {
        let cases = [
            ("ap-southeast-2", "aws", "amazonaws.com"),
            ("mx-central-1", "aws", "amazonaws.com"),
            ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
            ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
            ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
            ("us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"),
            ("eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"),
            ("us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"),
            ("eusc-de-east-1", "aws-eusc", "amazonaws.eu"),
        ];
        for (region, id, suffix) in cases {
            let p = Partition::of(region).unwrap_or_else(|| panic!("{region}"));
            assert_eq!((p.id, p.dns_suffix), (id, suffix), "{region}");
        }
        for not_a_region in ["eusc-fr-east-1", "us-isof-south", "aws-global", "us-east-1a", ""] {
            assert!(Partition::of(not_a_region).is_none(), "{not_a_region}");
        }
        assert_eq!(Partition::of_or_aws("moon-1").id, "aws");
        assert_eq!(
            execute_api_host("abc", "cn-north-1"),
            "abc.execute-api.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            apigateway_arn("eusc-de-east-1", "/apis/abc"),
            "arn:aws-eusc:apigateway:eusc-de-east-1::/apis/abc"
        );
    }

    #[test]
    fn arns_round_trip() {
        for text in [
            "arn:aws:iam::123456789012:role/a/b/name",
            "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:m:PROD",
            "arn:aws:apigateway:us-east-1::/apis/abc",
        ] {
            let arn: Arn = text.parse().unwrap();
            assert_eq!(arn.to_string(), text);
        }
        let role: RoleArn = "arn:aws-us-gov:iam::123456789012:role/team/apigw"
            .parse()
            .unwrap();
        assert_eq!((role.path.as_str(), role.name.as_str()), ("/team/", "apigw"));
        assert_eq!(
            role.to_string(),
            "arn:aws-us-gov:iam::123456789012:role/team/apigw"
        );
        let plain: RoleArn = "arn:aws:iam::123456789012:role/r".parse().unwrap();
        assert_eq!(plain.path, "/");
        for bad in [
            "arn:aws:iam::123456789012:policy/x",
            "arn:aws:iam::aws:role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/bad name",
            "arn:aws-moon:iam::123456789012:role/x",
            "arn:aws:iam:us-east-1:123456789012:role/x",
            "role/x",
        ] {
            assert!(bad.parse::<RoleArn>().is_err(), "{bad}");
        }
        let machine: StateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:m:7"
            .parse()
            .unwrap();
        assert_eq!(
            machine.to_string(),
            "arn:aws:states:us-east-1:123456789012:stateMachine:m:7"
        );
    }

    /// Step Functions guide, "State machine versions" (`...:stateMachine:NAME:1`) and "State
    /// machine aliases" (`...:stateMachine:NAME:PROD`): what the reader takes from the version
    /// and alias ARNs ListStateMachineVersions, DescribeStateMachineAlias and
    /// ListStateMachineAliases answer.
    #[test]
    fn version_and_alias_arns_name_their_qualifier() {
        let version: StateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:orders:12"
            .parse()
            .unwrap();
        assert_eq!((version.version(), version.alias()), (Some(12), None));
        let alias: StateMachineArn = "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:orders:PROD"
            .parse()
            .unwrap();
        assert_eq!((alias.version(), alias.alias()), (None, Some("PROD")));
        assert_eq!(
            alias.to_string(),
            "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:orders:PROD"
        );
        let plain: StateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"
            .parse()
            .unwrap();
        assert_eq!((plain.version(), plain.alias()), (None, None));
    }

    /// "Actions, resources, and condition keys for Amazon CloudWatch Logs" (resource type
    /// `log-group`: `arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}`) and
    /// the CloudWatch Logs guide's note that DescribeLogGroups answers the same with `:*`; names
    /// per botocore logs `LogGroupName` (`[\.\-_/#A-Za-z0-9]+`, 1-512).
    #[test]
    fn log_group_arns_in_both_forms() {
        let bare: LogGroupArn = "arn:aws:logs:ap-southeast-2:189107071895:log-group:/aws/api#1"
            .parse()
            .unwrap();
        assert_eq!((bare.name.as_str(), bare.all_streams), ("/aws/api#1", false));
        assert_eq!(
            bare.to_string(),
            "arn:aws:logs:ap-southeast-2:189107071895:log-group:/aws/api#1"
        );
        let star: LogGroupArn = "arn:aws-us-gov:logs:us-gov-west-1:189107071895:log-group:x.y_z-1:*"
            .parse()
            .unwrap();
        assert_eq!((star.name.as_str(), star.all_streams), ("x.y_z-1", true));
        assert_eq!(
            star.to_string(),
            "arn:aws-us-gov:logs:us-gov-west-1:189107071895:log-group:x.y_z-1:*"
        );
        let refused = [
            (
                "arn:aws:logs:ap-southeast-2:189107071895:x",
                "expected arn:aws:logs",
            ),
            ("arn:aws:s3:ap-southeast-2:189107071895:log-group:x", "`s3` ARN"),
            (
                "arn:aws:logs:ap-southeast-2:189107071895:destination:x",
                "logs `destination`",
            ),
            (
                "arn:aws:logs:sydney:189107071895:log-group:x",
                "`sydney` is not a region",
            ),
            ("arn:aws:logs:ap-southeast-2:1891:log-group:x", "12-digit"),
            (
                "arn:aws:logs:ap-southeast-2:189107071895:log-group:",
                "not a log group name",
            ),
            (
                "arn:aws:logs:ap-southeast-2:189107071895:log-group:x:log-stream:y",
                "not a log group name",
            ),
        ];
        for (text, needle) in refused {
            let err = text.parse::<LogGroupArn>().expect_err(text);
            assert!(err.contains(needle), "{text}: {err}");
        }
        let long = format!(
            "arn:aws:logs:us-east-1:189107071895:log-group:{}",
            "a".repeat(513)
        );
        assert!(long.parse::<LogGroupArn>().is_err());
    }

    /// Lambda API reference, Invoke, `FunctionName` "Name formats": a name, a name with a
    /// qualifier, a function ARN, a partial ARN (`ACCOUNT:function:NAME`), each optionally
    /// qualified; the ARN per "Actions, resources, and condition keys for AWS Lambda".
    #[test]
    fn function_names_in_every_form_invoke_takes() {
        let here = |v: &str| {
            FunctionArn::from_function_name(v, "aws", "us-west-2", "123456789012").map(|f| f.to_string())
        };
        let cases = [
            (
                "my-function",
                "arn:aws:lambda:us-west-2:123456789012:function:my-function",
            ),
            (
                "my-function:v1",
                "arn:aws:lambda:us-west-2:123456789012:function:my-function:v1",
            ),
            (
                "arn:aws-cn:lambda:cn-north-1:111122223333:function:f",
                "arn:aws-cn:lambda:cn-north-1:111122223333:function:f",
            ),
            (
                "arn:aws:lambda:eu-west-1:111122223333:function:f:$LATEST",
                "arn:aws:lambda:eu-west-1:111122223333:function:f:$LATEST",
            ),
            (
                "111122223333:function:f",
                "arn:aws:lambda:us-west-2:111122223333:function:f",
            ),
            (
                "111122223333:function:f:7",
                "arn:aws:lambda:us-west-2:111122223333:function:f:7",
            ),
        ];
        for (value, arn) in cases {
            assert_eq!(here(value).as_deref(), Some(arn), "{value}");
        }
        for not_a_function in [
            "",
            "a:b:c",
            "f:",
            "arn:aws:sqs:us-east-1:111122223333:q",
            "a:function:f:1:2",
        ] {
            assert_eq!(here(not_a_function), None, "{not_a_function}");
        }
        let parsed: FunctionArn = "arn:aws:lambda:us-east-1:111122223333:function:f:live"
            .parse()
            .unwrap();
        assert_eq!(parsed.qualifier.as_deref(), Some("live"));
        assert_eq!(
            FunctionArn {
                qualifier: None,
                ..parsed
            }
            .qualifiers(),
            "arn:aws:lambda:us-east-1:111122223333:function:f:*"
        );
        for bad in [
            "my-function",
            "arn:aws:lambda:cn-north-1:111122223333:function:f",
            "arn:aws:lambda:moon-1:111122223333:function:f",
            "arn:aws:lambda:us-east-1:1111:function:f",
        ] {
            assert!(bad.parse::<FunctionArn>().is_err(), "{bad}");
        }
    }

    /// botocore iam `pathType`: `\u0021-\u007E` between the slashes, so DEL is refused.
    #[test]
    fn iam_paths_per_path_type() {
        assert!(
            is_iam_path("/") && is_iam_path("/a/b~c!/") && is_iam_path(&format!("/{}/", "a".repeat(510)))
        );
        for bad in [
            "",
            "a/",
            "/a",
            "/a b/",
            "/a\u{7f}/",
            "/é/",
            &format!("/{}/", "a".repeat(511)),
        ] {
            assert!(!is_iam_path(bad), "{bad:?}");
        }
    }
}
