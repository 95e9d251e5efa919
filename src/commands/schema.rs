//! `provision schema`: prints the stack file format as a JSON Schema ([`crate::stack::schema`]).

use super::{ExitStatus, Outcome};
use crate::error::Error;
use crate::render::Printer;
use crate::stack::schema;

/// Prints the schema to stdout.
pub fn run(printer: &Printer) -> Outcome {
    printer
        .document(schema::text().as_bytes())
        .map_err(|e| Error::msg(format!("cannot write the schema to stdout: {e}")))?;
    Ok(ExitStatus::Success)
}
