//! `provision synth`: the stack as a CloudFormation template, offline.

use std::path::PathBuf;

use super::{FAILED, OK};
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
) -> u8 {
    let (loaded, mut desired) = match super::load(printer, given) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match region.or(desired.region.as_deref()).map(str::to_string) {
        Some(region) => desired.bind_region(&region),
        None => desired.pin_machine_regions(),
    }
    let template = synth::template(&desired);
    let text = if yaml {
        synth::to_yaml(&template)
    } else {
        match serde_json::to_string_pretty(&template) {
            Ok(t) => t + "\n",
            Err(e) => {
                printer.error(&format!("cannot write the template: {e}"));
                return FAILED;
            }
        }
    };
    match output_file {
        None => {
            if let Err(e) = printer.document(text.as_bytes()) {
                printer.error(&format!("cannot write the template to stdout: {e}"));
                return FAILED;
            }
        }
        Some(path) => {
            if let Err(e) = std::fs::write(&path, &text) {
                printer.error(&format!("cannot write {}: {e}", path.display()));
                return FAILED;
            }
            printer.progress(&format!(
                "Wrote {} ({} resources) from {}",
                path.display(),
                template["Resources"].as_object().map_or(0, |r| r.len()),
                loaded.path.display()
            ));
        }
    }
    OK
}
