//! `provision schema`: prints the stack file format as a JSON Schema ([`crate::stack::schema`]).
//! The result is the schema itself, in both output formats.

use super::{ExitStatus, Outcome};
use crate::render::{Document, Printer};
use crate::stack::schema;

/// Prints the schema to stdout, as [`schema::text`] writes it.
pub fn run(printer: &Printer) -> Outcome {
    printer.result(&Document::json(schema::schema(), None))?;
    Ok(ExitStatus::Success)
}
