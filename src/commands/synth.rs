//! `provision synth`: the stack as a CloudFormation template, offline.

use std::path::PathBuf;

use super::{ExitStatus, Outcome};
use crate::error::Error;
use crate::render::Printer;
use crate::synth;

/// Template formats `synth` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SynthFormat {
    /// An AWS CloudFormation template.
    #[default]
    Cloudformation,
}

/// Writes the template of the stack: to `output_file`, else stdout. `region` (else the stack's)
/// binds the `Region` parameter of routes whose state machine lives elsewhere, as `up` does;
/// with neither, every route names its machine's region.
pub fn run(
    printer: &Printer,
    given: Option<PathBuf>,
    region: Option<&str>,
    yaml: bool,
    output_file: Option<PathBuf>,
) -> Outcome {
    let (loaded, mut desired) = super::load(printer, given)?;
    match region.or(desired.region.as_deref()).map(str::to_string) {
        Some(region) => desired.bind_region(&region),
        None => desired.pin_machine_regions(),
    }
    let template = synth::template(&desired);
    let text = if yaml {
        synth::to_yaml(&template)
    } else {
        serde_json::to_string_pretty(&template)
            .map_err(|e| Error::msg(format!("cannot write the template: {e}")))?
            + "\n"
    };
    let Some(path) = output_file else {
        printer
            .document(text.as_bytes())
            .map_err(|e| Error::msg(format!("cannot write the template to stdout: {e}")))?;
        return Ok(ExitStatus::Success);
    };
    std::fs::write(&path, &text).map_err(|source| Error::Io {
        action: "write",
        path: path.clone(),
        source,
    })?;
    printer.progress(&format!(
        "Wrote {} ({} resources) from {}",
        path.display(),
        template["Resources"].as_object().map_or(0, |r| r.len()),
        loaded.path.display()
    ));
    Ok(ExitStatus::Success)
}
