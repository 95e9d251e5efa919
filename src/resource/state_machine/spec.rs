//! What a `[[state_machine]]` declares: its desired state with defaults filled in, and the
//! offline checks of the table and its definition. Pure: no AWS.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::definition::{self, CheckContext, Source};
use super::policy;
use crate::arn::{LogGroupArn, RoleArn};
use crate::domain::Action;
use crate::stack::diagnostic::{Diagnostic, Span};
use crate::stack::model::{MachineAliasSection, StackFile, StateMachineSection};
use crate::stack::rules::{self, ACCOUNT_PLACEHOLDER, OWNER_TAG, PARTITION_PLACEHOLDER, REGION_PLACEHOLDER};
use crate::stack::status_helper;

/// Versions kept when the file says nothing: ten, well under the quota of 1,000 per machine
/// ("Step Functions service quotas", versions per state machine).
pub const DEFAULT_KEEP_VERSIONS: u32 = 10;

/// The description of every execution role the tool makes, so that nobody mistakes it for the
/// API Gateway role (whose description `down` searches by).
pub const ROLE_DESCRIPTION: &str =
    "Step Functions assumes this role to run a state machine (managed by provision)";

/// The inline policy of a generated execution role.
pub const ROLE_POLICY_NAME: &str = "StateMachineExecution";

pub use crate::domain::MachineType;

/// Execution logging (botocore `LoggingConfiguration`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Logging {
    /// `ALL`, `ERROR`, `FATAL` or `OFF`.
    pub level: String,
    /// Whether input and output are logged.
    pub include_execution_data: bool,
    /// The log group ARN (ending `:*`), when logging is on.
    pub log_group: Option<String>,
}

impl Default for Logging {
    fn default() -> Self {
        Logging {
            level: "OFF".into(),
            include_execution_data: false,
            log_group: None,
        }
    }
}

/// A role the stack makes for the machine.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedRole {
    /// Role name.
    pub name: String,
    /// Role ARN (placeholders until the account is known).
    pub arn: String,
    /// Trust policy, normalised.
    pub trust: Value,
    /// The inline policy derived from the definition, normalised; `None` when the machine needs
    /// no permission, and the role then has no inline policy ([`policy::Derived::policy`]).
    pub policy: Option<Value>,
    /// Warnings of the derivation: resources read at run time.
    pub warnings: Vec<String>,
}

/// The machine's execution role.
#[derive(Debug, Clone, PartialEq)]
pub enum MachineRole {
    /// An existing role, by ARN: never changed.
    Existing(String),
    /// A role the stack makes and owns.
    Generated(GeneratedRole),
}

impl MachineRole {
    /// The role's ARN.
    pub fn arn(&self) -> &str {
        match self {
            MachineRole::Existing(arn) => arn,
            MachineRole::Generated(g) => &g.arn,
        }
    }
}

/// Where an alias routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasTarget {
    /// The version the last change published.
    Latest,
    /// Versions and weights (one at 100, or two summing to 100).
    Versions(Vec<(u64, i32)>),
}

/// An alias of the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredAlias {
    /// Alias name.
    pub name: String,
    /// Where it routes.
    pub target: AliasTarget,
}

/// One state machine as the stack declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredMachine {
    /// Machine name.
    pub name: String,
    /// Its ARN: placeholders for the partition, region and account until bound.
    pub machine_arn: String,
    /// STANDARD or EXPRESS.
    pub kind: MachineType,
    /// The definition as written, `${Name}` placeholders kept (for `synth`).
    pub template: Value,
    /// The definition sent to Step Functions: substitutions made.
    pub definition: Value,
    /// The substitutions, for `synth`'s `DefinitionSubstitutions`.
    pub substitutions: BTreeMap<String, String>,
    /// Logging.
    pub logging: Logging,
    /// X-Ray tracing.
    pub tracing: bool,
    /// Tags: the stack's, the machine's own, and the ownership tag.
    pub tags: BTreeMap<String, String>,
    /// The execution role.
    pub role: MachineRole,
    /// Publish a version on each change.
    pub publish: bool,
    /// Versions kept.
    pub keep_versions: u32,
    /// The alias, if any.
    pub alias: Option<DesiredAlias>,
    /// For a status route's helper ([`status_helper`]): the name of the machine whose
    /// executions it describes; `None` for a declared machine.
    pub describes: Option<String>,
}

impl DesiredMachine {
    /// The machine's ARN (placeholders until bound).
    pub fn arn(&self) -> String {
        self.machine_arn.clone()
    }

    /// Every string with the partition, region and account filled in.
    pub fn bind(&mut self, bind: &impl Fn(&str) -> String) {
        self.machine_arn = bind(&self.machine_arn);
        self.definition = map_strings(&self.definition, bind);
        if let Some(group) = &mut self.logging.log_group {
            *group = bind(group);
        }
        match &mut self.role {
            MachineRole::Existing(arn) => *arn = bind(arn),
            MachineRole::Generated(g) => {
                g.name = fit_role_name(&bind(&g.name));
                let arn = bind(&g.arn);
                let prefix = arn.rsplit_once('/').map_or(arn.as_str(), |(p, _)| p);
                g.arn = format!("{prefix}/{}", g.name);
                g.trust = crate::policy::normalize(&map_strings(&g.trust, bind));
                if let Some(policy) = &mut g.policy {
                    *policy = crate::policy::normalize(&map_strings(policy, bind));
                }
            }
        }
    }
}

fn map_strings(value: &Value, f: &impl Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), map_strings(v, f))).collect())
        }
        other => other.clone(),
    }
}

/// Reads each machine's definition (a file relative to `base`, or the inline table), once,
/// before validation.
pub fn load_definitions(file: &mut StackFile, base: &Path) {
    for machine in &mut file.state_machines {
        let Some(definition) = &machine.definition else {
            continue;
        };
        machine.loaded = Some(match &definition.value {
            Value::String(path) if path.trim_start().starts_with('{') => {
                let parsed = definition::parse(path, false);
                Source {
                    path: None,
                    shown: "the inline definition".into(),
                    text: path.clone(),
                    parsed,
                }
            }
            Value::String(path) => Source::read(base.join(path), path),
            other => Source::inline(other),
        });
    }
}

/// The execution role name the stack makes for `machine`: `StepFunctions-NAME-REGION`, cut to
/// IAM's 64 characters with a hash of the whole when longer (role names are global to the
/// account, machine names only to a region).
pub fn generated_role_name(machine: &str) -> String {
    format!("StepFunctions-{machine}-{REGION_PLACEHOLDER}")
}

/// Shortens a bound role name to 64 characters, keeping it unique with a hash.
pub fn fit_role_name(name: &str) -> String {
    if name.len() <= 64 && rules::is_iam_name(name, 64) {
        return name.to_string();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(55)
        .collect();
    format!("{clean}-{hash}")
}

/// The desired machines, the declared ones in file order and then the helper of each machine a
/// status route describes; `None` when a required field is missing (validation reports it).
pub fn desired(file: &StackFile, stack_tags: &BTreeMap<String, String>) -> Option<Vec<DesiredMachine>> {
    let mut machines: Vec<DesiredMachine> = file
        .state_machines
        .iter()
        .map(|m| desired_machine(m, stack_tags))
        .collect::<Option<_>>()?;
    let described: BTreeSet<&str> = file
        .routes
        .iter()
        .filter(|r| status_helper::is_status_route(r))
        .filter_map(|r| r.state_machine.as_ref().map(|m| m.value.as_str()))
        .collect();
    machines.extend(
        described
            .into_iter()
            .map(|m| status_helper_machine(m, stack_tags)),
    );
    Some(machines)
}

/// The EXPRESS machine a status route calls with StartSyncExecution: one
/// `aws-sdk:sfn:describeExecution` task, run by a generated role that may describe `described`'s
/// executions and nothing else. Owned, tagged, planned and deleted like a declared machine.
pub fn status_helper_machine(described: &str, stack_tags: &BTreeMap<String, String>) -> DesiredMachine {
    let name = status_helper::name(described);
    let machine_arn = rules::named_machine(&name).machine();
    let role_name = generated_role_name(&name);
    let definition = status_helper::definition();
    let mut tags = stack_tags.clone();
    tags.insert(
        OWNER_TAG.into(),
        stack_tags.get(OWNER_TAG).cloned().unwrap_or_default(),
    );
    DesiredMachine {
        kind: MachineType::Express,
        template: definition.clone(),
        definition,
        substitutions: BTreeMap::new(),
        logging: Logging::default(),
        tracing: false,
        tags,
        role: MachineRole::Generated(GeneratedRole {
            arn: RoleArn::new(PARTITION_PLACEHOLDER, ACCOUNT_PLACEHOLDER, "/", &role_name).to_string(),
            name: role_name,
            trust: policy::trust(&machine_arn),
            policy: Some(crate::policy::normalize(&status_helper::role_policy(
                &rules::named_machine(described),
            ))),
            warnings: Vec::new(),
        }),
        publish: false,
        keep_versions: DEFAULT_KEEP_VERSIONS,
        alias: None,
        machine_arn,
        name,
        describes: Some(described.to_string()),
    }
}

fn desired_machine(m: &StateMachineSection, stack_tags: &BTreeMap<String, String>) -> Option<DesiredMachine> {
    let name = m.name.as_ref()?.value.clone();
    let template = m.loaded.as_ref()?.parsed.clone().ok()?;
    let substitutions: BTreeMap<String, String> = m
        .substitutions
        .iter()
        .map(|(k, v)| (k.value.clone(), v.value.clone()))
        .collect();
    let definition = definition::substitute(&template, &substitutions);
    let logging = m.logging.as_ref().map_or_else(Logging::default, |l| Logging {
        level: l.level.as_ref().map_or_else(|| "OFF".into(), |v| v.value.clone()),
        include_execution_data: l.include_execution_data.as_ref().is_some_and(|v| v.value),
        log_group: l.log_group.as_ref().map(|v| v.value.clone()),
    });
    let tracing = m.tracing.as_ref().is_some_and(|t| t.value);
    let role = match &m.role {
        Some(arn) => MachineRole::Existing(arn.value.clone()),
        None => {
            let derived = policy::derive(&definition, logging.level != "OFF", tracing);
            let role_name = generated_role_name(&name);
            let machine_arn = rules::named_machine(&name).machine();
            MachineRole::Generated(GeneratedRole {
                arn: RoleArn::new(PARTITION_PLACEHOLDER, ACCOUNT_PLACEHOLDER, "/", &role_name).to_string(),
                name: role_name,
                trust: policy::trust(&machine_arn),
                policy: derived.policy,
                warnings: derived.warnings,
            })
        }
    };
    let alias = match &m.alias {
        Some(a) => Some(desired_alias(a)?),
        None => None,
    };
    let mut tags = stack_tags.clone();
    tags.extend(m.tags.iter().map(|(k, v)| (k.value.clone(), v.value.clone())));
    tags.insert(
        OWNER_TAG.into(),
        stack_tags.get(OWNER_TAG).cloned().unwrap_or_default(),
    );
    Some(DesiredMachine {
        kind: m
            .kind
            .as_ref()
            .and_then(|k| k.value.parse().ok())
            .unwrap_or_default(),
        template,
        definition,
        substitutions,
        logging,
        tracing,
        tags,
        role,
        publish: m.publish.as_ref().map_or(alias.is_some(), |p| p.value),
        keep_versions: m
            .keep_versions
            .as_ref()
            .and_then(|k| u32::try_from(k.value).ok())
            .unwrap_or(DEFAULT_KEEP_VERSIONS),
        alias,
        machine_arn: rules::named_machine(&name).machine(),
        name,
        describes: None,
    })
}

fn desired_alias(a: &MachineAliasSection) -> Option<DesiredAlias> {
    let target = match (&a.routing, a.version.as_ref().map(|v| &v.value)) {
        (Some(routing), _) => AliasTarget::Versions(
            routing
                .iter()
                .map(|(v, w)| Some((v.value.parse().ok()?, i32::try_from(w.value).ok()?)))
                .collect::<Option<_>>()?,
        ),
        (None, Some(Value::Number(n))) => AliasTarget::Versions(vec![(n.as_u64()?, 100)]),
        (None, _) => AliasTarget::Latest,
    };
    Some(DesiredAlias {
        name: a.name.as_ref()?.value.clone(),
        target,
    })
}

/// Every problem of the file's `[[state_machine]]` tables, and of routes that name them.
pub fn validate(file: &StackFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for m in &file.state_machines {
        if let Some(name) = &m.name {
            if let Err(why) = rules::check_step_functions_name(&name.value) {
                out.push(
                    Diagnostic::error(name.span.clone(), "invalid state machine name", why)
                        .with_help("1-80 characters, no white space and none of < > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /"),
                );
            } else if !names.insert(&name.value) {
                out.push(Diagnostic::error(
                    name.span.clone(),
                    format!("state machine `{}` is declared twice", name.value),
                    "a second [[state_machine]] with this name",
                ));
            }
        }
        table(m, &mut out);
        definition_problems(m, &mut out);
        alias(m, &mut out);
    }
    routes(file, &mut out);
    out
}

/// The table's own fields: type, logging, role, versions kept.
fn table(m: &StateMachineSection, out: &mut Vec<Diagnostic>) {
    if let Some(kind) = &m.kind
        && kind.value.parse::<MachineType>().is_err()
    {
        out.push(
            Diagnostic::error(
                kind.span.clone(),
                format!("unknown state machine type `{}`", kind.value),
                "not a type",
            )
            .with_help("STANDARD or EXPRESS (botocore stepfunctions StateMachineType)"),
        );
    }
    if let Some(logging) = &m.logging {
        let level = logging.level.as_ref().map(|l| l.value.as_str());
        if let Some(l) = &logging.level
            && !["ALL", "ERROR", "FATAL", "OFF"].contains(&l.value.as_str())
        {
            out.push(
                Diagnostic::error(
                    l.span.clone(),
                    format!("unknown log level `{}`", l.value),
                    "not a level",
                )
                .with_help("ALL, ERROR, FATAL or OFF (botocore stepfunctions LogLevel)"),
            );
        }
        match &logging.log_group {
            None if level.is_some_and(|l| l != "OFF") => out.push(
                Diagnostic::error(
                    logging.span.clone(),
                    "logging needs a `log_group`",
                    "no log_group",
                )
                .with_help("log_group = \"arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*\""),
            ),
            Some(group) => match group.value.parse::<LogGroupArn>() {
                Err(why) => out.push(Diagnostic::error(
                    group.span.clone(),
                    "invalid log group ARN",
                    why,
                )),
                Ok(arn) if !arn.all_streams => out.push(
                    Diagnostic::error(
                        group.span.clone(),
                        "the log group ARN must end with `:*`",
                        "no `:*`",
                    )
                    .with_help(format!(
                        "write \"{}\" (Step Functions guide, \"Logging in CloudWatch Logs\")",
                        LogGroupArn {
                            all_streams: true,
                            ..arn
                        }
                    )),
                ),
                Ok(_) => {}
            },
            None => {}
        }
    }
    // CreateStateMachine's `roleArn` is an IAM role ARN (botocore stepfunctions `Arn`; IAM
    // guide, "IAM identifiers").
    if let Some(role) = &m.role
        && let Err(why) = role.value.parse::<RoleArn>()
    {
        out.push(
            Diagnostic::error(
                role.span.clone(),
                "invalid role ARN",
                format!("not an IAM role ARN: {why}"),
            )
            .with_help("arn:aws:iam::ACCOUNT:role/NAME, or leave `role` out to have one made"),
        );
    }
    if let Some(keep) = &m.keep_versions
        && !(1..=1000).contains(&keep.value)
    {
        out.push(Diagnostic::error(
            keep.span.clone(),
            "`keep_versions` must be 1-1000",
            "Step Functions keeps at most 1,000 versions per machine",
        ));
    }
}

/// The definition: it reads and parses, its checks, its substitutions.
fn definition_problems(m: &StateMachineSection, out: &mut Vec<Diagnostic>) {
    let (Some(written), Some(source)) = (&m.definition, &m.loaded) else {
        return;
    };
    let span = written.span.clone();
    let at = |located: Option<(usize, usize)>| match (&source.path, located) {
        (Some(_), Some((line, column))) => format!("{}:{line}:{column}: ", source.shown),
        _ => String::new(),
    };
    let parsed = match &source.parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let d = Diagnostic::error(span, format!("{}{}", at(e.at), e.message), "this definition");
            out.push(match &e.help {
                Some(h) => d.with_help(h.clone()),
                None => d,
            });
            return;
        }
    };
    if source.text.len() > definition::MAX_DEFINITION_BYTES {
        out.push(Diagnostic::error(
            span.clone(),
            "the definition is over 1 MB",
            "too large",
        ));
    }
    let express = m
        .kind
        .as_ref()
        .is_some_and(|k| k.value == MachineType::Express.as_str());
    for (pointer, problem) in definition::check(parsed, CheckContext { express }) {
        let d = Diagnostic::error(
            span.clone(),
            format!("{}{}", at(source.locate(&pointer)), problem.message),
            "in this definition",
        );
        out.push(match problem.help {
            Some(h) => d.with_help(h),
            None => d,
        });
    }
    substitutions(m, parsed, source, &span, out);
    if m.role.is_none() {
        let subs = m
            .substitutions
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect();
        let logging = m
            .logging
            .as_ref()
            .and_then(|l| l.level.as_ref())
            .is_some_and(|l| l.value != "OFF");
        let tracing = m.tracing.as_ref().is_some_and(|t| t.value);
        for warning in policy::derive(&definition::substitute(parsed, &subs), logging, tracing).warnings {
            out.push(
                Diagnostic::warning(
                    "run-time-resource",
                    span.clone(),
                    warning,
                    "the generated role's policy",
                )
                .with_help("write the resource in the definition, or give the machine a `role` ARN"),
            );
        }
    }
}

/// `${Name}` used but not declared (an error: the machine would run with the placeholder), and
/// declared but unused (a warning: probably a typo on one side).
fn substitutions(
    m: &StateMachineSection,
    parsed: &Value,
    source: &Source,
    span: &Span,
    out: &mut Vec<Diagnostic>,
) {
    let used = definition::placeholders(parsed);
    let declared: BTreeMap<&str, &Span> = m
        .substitutions
        .iter()
        .map(|(k, _)| (k.value.as_str(), &k.span))
        .collect();
    for (name, pointer) in &used {
        if !declared.contains_key(name.as_str()) {
            let at = source
                .locate(pointer)
                .map_or_else(String::new, |(l, c)| format!("{}:{l}:{c}: ", source.shown));
            out.push(
                Diagnostic::error(
                    span.clone(),
                    format!("{at}`${{{name}}}` is used but not declared"),
                    "this definition",
                )
                .with_help(format!(
                    "add `substitutions = {{ {name} = \"...\" }}` to the [[state_machine]]"
                )),
            );
        }
    }
    for (name, at) in declared {
        if !used.contains_key(name) {
            out.push(
                Diagnostic::warning(
                    "unused-substitution",
                    at.clone(),
                    format!("substitution `{name}` is not used by the definition"),
                    "no ${...} of this name in the definition",
                )
                .with_help("remove it, or write ${NAME} where the value goes"),
            );
        }
    }
}

/// The alias: its name, and a version or a routing of two.
fn alias(m: &StateMachineSection, out: &mut Vec<Diagnostic>) {
    let Some(a) = &m.alias else { return };
    if let Some(name) = &a.name
        && !crate::arn::is_alias_name(&name.value)
    {
        out.push(
            Diagnostic::error(
                name.span.clone(),
                "invalid alias name",
                "1-80 of A-Z a-z 0-9 _ - ., not only digits",
            )
            .with_help("botocore stepfunctions CharacterRestrictedName"),
        );
    }
    if let Some(v) = &a.version {
        let ok = v.value.as_str() == Some("latest") || v.value.as_u64().is_some_and(|n| n >= 1);
        if !ok {
            out.push(Diagnostic::error(
                v.span.clone(),
                "`version` must be \"latest\" or a version number",
                "not a version",
            ));
        }
        if a.routing.is_some() {
            out.push(Diagnostic::error(
                v.span.clone(),
                "give `version` or `routing`, not both",
                "and a routing",
            ));
        }
    }
    if let Some(routing) = &a.routing {
        let total: i64 = routing.iter().map(|(_, w)| w.value).sum();
        let versions_ok = routing
            .iter()
            .all(|(v, _)| v.value.parse::<u64>().is_ok_and(|n| n >= 1));
        // "State machine aliases": an alias routes to one version or two, weights summing to 100.
        if routing.is_empty() || routing.len() > 2 || total != 100 || !versions_ok {
            out.push(
                Diagnostic::error(
                    a.span.clone(),
                    "an alias routes to one or two versions whose weights sum to 100",
                    "this alias",
                )
                .with_help("e.g. routing = { 3 = 90, 4 = 10 }"),
            );
        }
    }
    let follows_latest = a.routing.is_none()
        && a.version
            .as_ref()
            .is_none_or(|v| v.value.as_str() == Some("latest"));
    if follows_latest
        && let Some(p) = &m.publish
        && !p.value
    {
        out.push(
            Diagnostic::error(
                p.span.clone(),
                "an alias that follows the latest version needs `publish = true`",
                "publish is off",
            )
            .with_help("publish versions, or pin the alias: version = 3"),
        );
    }
}

/// Routes that name a declared machine: its type fits the action, and `alias` is its alias.
fn routes(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let declared: BTreeMap<&str, &StateMachineSection> = file
        .state_machines
        .iter()
        .filter_map(|m| m.name.as_ref().map(|n| (n.value.as_str(), m)))
        .collect();
    for route in &file.routes {
        let machine = route
            .state_machine
            .as_ref()
            .and_then(|s| declared.get(s.value.as_str()));
        let action = route
            .action
            .as_ref()
            .and_then(|a| Some((a, a.value.parse::<Action>().ok()?)));
        if let (Some(m), Some((written, action))) = (machine, action) {
            // As written: an unknown type (reported by itself) suits no action.
            let default = MachineType::default();
            let kind = m.kind.as_ref().map_or(default.as_str(), |k| k.value.as_str());
            if let Some(needed) = action.machine_type()
                && needed.as_str() != kind
            {
                out.push(Diagnostic::error(
                    written.span.clone(),
                    format!("{action} needs a {needed} state machine"),
                    format!(
                        "state machine `{}` is {kind}",
                        m.name.as_ref().map_or("", |n| n.value.as_str())
                    ),
                ));
            }
        }
        let Some(alias) = &route.alias else { continue };
        if status_helper::is_status_route(route) {
            // A status route's alias is refused by `status_helper::validate`.
            continue;
        }
        match machine {
            None => out.push(
                Diagnostic::error(
                    alias.span.clone(),
                    "`alias` needs a state machine of this stack",
                    "no [[state_machine]] of that name",
                )
                .with_help(
                    "name a [[state_machine]] in `state_machine`, or write the alias ARN there instead",
                ),
            ),
            Some(m) => {
                let declared = m
                    .alias
                    .as_ref()
                    .and_then(|a| a.name.as_ref())
                    .map(|n| n.value.as_str());
                if declared != Some(alias.value.as_str()) {
                    out.push(
                        Diagnostic::error(
                            alias.span.clone(),
                            format!("state machine has no alias `{}`", alias.value),
                            "not its alias",
                        )
                        .with_help(match declared {
                            Some(d) => format!("its [state_machine.alias] is `{d}`"),
                            None => "declare it: [state_machine.alias] name = \"...\"".to_string(),
                        }),
                    );
                }
            }
        }
    }
}
