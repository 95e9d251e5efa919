//! `provision synth`: the stack as a CloudFormation template or an OpenAPI document, offline.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::error::Error;
use crate::openapi;
use crate::render::{Printer, Rendered};
use crate::stack::{Offline, Placeholders};
use crate::synth;

/// Template formats `synth` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SynthFormat {
    /// An AWS CloudFormation template.
    #[default]
    Cloudformation,
    /// An OpenAPI 3.0 document of the HTTP API, with API Gateway's extensions.
    Openapi,
}

/// `synth`'s options: what to write and where.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SynthArgs {
    /// Stack file (default: the only *.toml in ./stacks).
    pub stack: Option<PathBuf>,
    /// Template format.
    #[arg(long, value_enum, default_value_t = SynthFormat::Cloudformation)]
    pub format: SynthFormat,
    /// Write YAML instead of JSON.
    #[arg(long)]
    pub yaml: bool,
    /// Write the template to this file instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,
    /// With --format openapi: the account of the role ARN (default: ${AWS::AccountId}, which
    /// API Gateway fills in on import).
    #[arg(long, value_name = "ID", value_parser = account_id)]
    pub account: Option<String>,
}

/// Writes the template of the stack: to `output_file`, else stdout. `region` (else the stack's)
/// binds the `Region` parameter of routes whose state machine lives elsewhere, as `up` does;
/// with neither, every route names its machine's region.
pub fn run(
    printer: &Printer,
    settings: &crate::aws::AwsSettings,
    load: &crate::stack::LoadOptions,
    options: SynthArgs,
) -> Outcome {
    let region = settings.region.as_deref();
    let given = options.stack.clone();
    if options.account.is_some() && options.format != SynthFormat::Openapi {
        return Err(Error::with_help(
            "--account applies to --format openapi",
            "a CloudFormation template takes the account from the stack it is deployed in",
        ));
    }
    let (loaded, desired) = super::load(printer, given, load)?;
    let region = region.or(desired.region.as_deref()).map(str::to_string);
    // A template keeps the machines' placeholders for CloudFormation to fill in; an OpenAPI
    // document holds what `--region` and `--account` know, the rest as import variables.
    let offline = |placeholders| Offline {
        region: region.clone(),
        account: options.account.clone(),
        placeholders,
    };
    let (document, count) = match options.format {
        SynthFormat::Cloudformation => {
            // The file again with its `${var.NAME}` references kept, for template parameters.
            let base = loaded.path.parent().unwrap_or(std::path::Path::new("."));
            let portable = crate::stack::template_desired_at(&loaded.source, load, base)
                .ok_or_else(|| Error::msg("cannot read the stack's variables for the template"))?
                .bind_offline(&offline(Placeholders::Kept));
            let template = synth::template_with_vars(&portable, &loaded.vars);
            let count = template["Resources"].as_object().map_or(0, |r| r.len());
            (template, count)
        }
        SynthFormat::Openapi => {
            let doc = openapi::document(&desired.clone().bind_offline(&offline(Placeholders::Written)));
            openapi_notes(printer, &doc);
            (doc.value, desired.routes.len())
        }
    };
    let text = if options.yaml {
        synth::to_yaml(&document)
    } else {
        serde_json::to_string_pretty(&document)
            .map_err(|e| Error::msg(format!("cannot write the template: {e}")))?
            + "\n"
    };
    if options.format == SynthFormat::Cloudformation {
        cloudformation_quotas(printer, &desired, &document, text.len())?;
    }
    if let Some(path) = &options.output_file {
        std::fs::write(path, &text).map_err(|source| Error::Io {
            action: "write",
            path: path.clone(),
            source,
        })?;
    }
    printer.result(&Synthesized {
        stack: &loaded.path,
        format: options.format,
        yaml: options.yaml,
        document,
        text,
        count,
        file: options.output_file.as_deref(),
    })?;
    Ok(ExitStatus::Success)
}

/// `synth`'s result: the document on stdout (as JSON in JSON mode, whatever `--yaml` says), or,
/// written to a file, what was written where.
struct Synthesized<'a> {
    stack: &'a std::path::Path,
    format: SynthFormat,
    yaml: bool,
    document: serde_json::Value,
    /// The document as written: JSON, or YAML with `--yaml`.
    text: String,
    /// Resources of a template, routes of an OpenAPI document.
    count: usize,
    file: Option<&'a std::path::Path>,
}

impl Synthesized<'_> {
    /// What `count` counts.
    fn counted(&self) -> &'static str {
        match self.format {
            SynthFormat::Cloudformation => "resources",
            SynthFormat::Openapi => "routes",
        }
    }
}

impl Rendered for Synthesized<'_> {
    fn text(&self, printer: &Printer) -> std::io::Result<()> {
        let Some(path) = self.file else {
            return printer.document(self.text.as_bytes());
        };
        printer.progress(&format!(
            "Wrote {} ({} {}) from {}",
            path.display(),
            self.count,
            self.counted(),
            self.stack.display()
        ));
        Ok(())
    }

    fn json(&self) -> serde_json::Value {
        let Some(path) = self.file else {
            return self.document.clone();
        };
        let format = match self.format {
            SynthFormat::Cloudformation => "cloudformation",
            SynthFormat::Openapi => "openapi",
        };
        let mut report = serde_json::json!({
            "file": path.display().to_string(),
            "stack": self.stack.display().to_string(),
            "format": format,
            "yaml": self.yaml,
        });
        report[self.counted()] = serde_json::json!(self.count);
        report
    }
}

/// Refuses a template CloudFormation would refuse (exit 1, nothing written), and says on stderr
/// what was left out or how it must be deployed: the routes' URL outputs when they would pass the
/// outputs quota, the S3 route for a body over the inline quota.
fn cloudformation_quotas(
    printer: &Printer,
    desired: &crate::stack::Desired,
    template: &serde_json::Value,
    body: usize,
) -> Result<(), Error> {
    if !synth::route_urls_fit(desired) {
        printer.note(&format!(
            "{} routes: one invoke URL output each would pass CloudFormation's {} outputs, so the template has ApiEndpoint alone",
            desired.routes.len(),
            synth::MAX_OUTPUTS
        ));
    }
    match synth::check_quotas(template, body) {
        Ok(note) => {
            if let Some(note) = note {
                printer.note(&note);
            }
            Ok(())
        }
        Err(why) => Err(Error::with_help(
            format!("cannot write a CloudFormation template for this stack: {why}"),
            "deploy the stack with `provision up`, or split its routes into two stacks (each route with its integration is two resources)",
        )),
    }
}

/// Says on stderr what in the document is a placeholder, and which authorizers an import would
/// name differently.
fn openapi_notes(printer: &Printer, doc: &openapi::Document) {
    if !doc.placeholders.is_empty() {
        let written = match doc.placeholders.as_slice() {
            [one] => format!("{one} is an AWS variable"),
            many => format!("{} are AWS variables", many.join(" and ")),
        };
        let machines = match doc.placeholders.contains(&openapi::REGION_VARIABLE) {
            true => " (and so are the ARNs of state machines named without one)",
            false => "",
        };
        printer.note(&format!(
            "the role ARN is {}{machines}: {written} that API Gateway fills in when it imports the document; \
             `--account ID` (and `--region`) write them out",
            doc.role_arn
        ));
    }
    for (name, scheme) in &doc.renamed {
        printer.note(&format!(
            "authorizer `{name}` is the security scheme `{scheme}` (OpenAPI names allow only letters, digits, `.`, `-` and `_`); an import names the authorizer `{scheme}`"
        ));
    }
}

/// An AWS account id: 12 digits.
pub fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not an AWS account id (12 digits)"))
    }
}
