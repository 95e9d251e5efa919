//! `provision policy`: the least-privilege IAM policy the deployer needs for `up`, `diff` and
//! `down` of a stack, offline. The result is the policy document itself, in both output formats.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::deployer::{self, Target};
use crate::error::Error;
use crate::render::{Document, Printer};

/// `policy`'s options.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyArgs {
    /// Stack file (default: the only *.toml in ./stacks).
    pub stack: Option<PathBuf>,
    /// The account the stack deploys into (default: the one its state machines' ARNs name).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Print instead the execution role policy derived from this `[[state_machine]]`'s
    /// definition (what its generated role is allowed).
    #[arg(long, value_name = "NAME")]
    pub workflow: Option<String>,
}

/// `policy`: the deployer's policy, or with `--workflow` a state machine's execution role policy.
pub fn run_args(
    printer: &Printer,
    settings: &crate::aws::AwsSettings,
    load: &crate::stack::LoadOptions,
    args: PolicyArgs,
) -> Outcome {
    let (region, account) = (settings.region.as_deref(), args.account.as_deref());
    match &args.workflow {
        Some(name) => workflow(printer, load, args.stack.clone(), region, account, name),
        None => run(printer, load, args.stack.clone(), region, account),
    }
}

/// Prints the policy document for the stack on stdout (ready for `aws iam put-role-policy
/// --policy-document file://...`). The region is the one `up` would use: `region` (the command
/// line's), else the stack's, else AWS_REGION / AWS_DEFAULT_REGION; the account is `account`,
/// else the one the routes' state machines name. What cannot be known is a placeholder, said on
/// stderr.
pub fn run(
    printer: &Printer,
    load: &crate::stack::LoadOptions,
    given: Option<PathBuf>,
    region: Option<&str>,
    account: Option<&str>,
) -> Outcome {
    let (loaded, desired) = super::load(printer, given, load)?;
    let target = target(printer, &desired, region, account);
    let document = deployer::policy(&desired, &target);
    // Not compacted further: merging statements of different actions or resources would widen
    // what each allows.
    if let Some(note) = crate::policy::size_note(crate::policy::counted_size(&document)) {
        printer.note(&note);
    }
    let about = format!(
        "The deployer of {} needs this policy for up, diff and down (role {}, APIs in {} of account {}).",
        loaded.path.display(),
        target.role_arn(&desired),
        target.region,
        target.account
    );
    printer.result(&Document::json(document, Some(about)))?;
    Ok(ExitStatus::Success)
}

/// Where the stack deploys, resolved as `up` would (`region` from the command line, else the
/// stack's, else AWS_REGION / AWS_DEFAULT_REGION), with a note on stderr for each part that is
/// an IAM policy variable because it cannot be known offline.
fn target(
    printer: &Printer,
    desired: &crate::stack::Desired,
    region: Option<&str>,
    account: Option<&str>,
) -> Target {
    let from_env = crate::aws::region_from_env().map(|(_, region)| region);
    let region = region
        .map(str::to_string)
        .or_else(|| desired.region.clone())
        .or(from_env);
    let (target, notes) = Target::of(desired, region.as_deref(), account);
    for note in &notes {
        printer.note(note);
    }
    target
}

/// `policy --workflow NAME`: the policy of the execution role the stack generates for the
/// machine `name`, derived from its definition, on stdout; the trust policy and the warnings
/// (resources read at run time) on stderr. The region and account are bound when known, else IAM policy variables.
pub fn workflow(
    printer: &Printer,
    load: &crate::stack::LoadOptions,
    given: Option<PathBuf>,
    region: Option<&str>,
    account: Option<&str>,
    name: &str,
) -> Outcome {
    use crate::resource::state_machine::spec::MachineRole;
    let (_, desired) = super::load(printer, given, load)?;
    let Some(machine) = desired.machine(name) else {
        let names: Vec<&str> = desired.state_machines.iter().map(|m| m.name.as_str()).collect();
        return Err(Error::with_help(
            format!("the stack declares no [[state_machine]] named {name}"),
            match names.is_empty() {
                true => "declare one with [[state_machine]] name = \"...\"".to_string(),
                false => format!("its state machines: {}", names.join(", ")),
            },
        ));
    };
    if let MachineRole::Existing(arn) = &machine.role {
        return Err(Error::with_help(
            format!(
                "state machine {name} uses the existing role {arn}; the stack generates no policy for it"
            ),
            "leave `role` out of the [[state_machine]] to have a role made with the derived policy",
        ));
    }
    // The ARNs the policy names are bound as the deployer policy's are: a concrete region and
    // account where known, else IAM policy variables (said on stderr), never a CloudFormation
    // placeholder, which IAM would take as literal text.
    let target = target(printer, &desired, region, account);
    let desired = desired.bind_offline(&crate::stack::Offline {
        region: Some(target.region),
        account: Some(target.account),
        placeholders: crate::stack::Placeholders::Written,
    });
    let Some(MachineRole::Generated(generated)) = desired.machine(name).map(|m| m.role.clone()) else {
        return Err(Error::msg(format!("state machine {name} has no generated role")));
    };
    for warning in &generated.warnings {
        printer.note(warning);
    }
    let Some(policy) = generated.policy else {
        // No document to print: IAM takes no policy without statements, so `up` puts none on
        // the role. Text mode says so on stderr and leaves stdout empty; JSON mode prints null.
        printer.note(&format!(
            "state machine {name} needs no permission (its definition calls no service, and it neither logs nor traces): \
             role {} (trusted by states.amazonaws.com) gets no inline policy",
            generated.name
        ));
        printer.result(&Document {
            bytes: Vec::new(),
            json: serde_json::Value::Null,
            about: None,
        })?;
        return Ok(ExitStatus::Success);
    };
    let about = format!(
        "Role {} (trusted by states.amazonaws.com) gets this policy, derived from the definition of state machine {name}.",
        generated.name
    );
    printer.result(&Document::json(policy, Some(about)))?;
    Ok(ExitStatus::Success)
}
