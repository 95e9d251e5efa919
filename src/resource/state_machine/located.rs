//! A problem at a place of a definition file: what the definition's parsers (JSON, YAML) and
//! its checks report. Below both, so neither imports the other for it.

/// A problem at a place of the definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// What is wrong.
    pub message: String,
    /// 1-based line and column in the definition file, when known.
    pub at: Option<(usize, usize)>,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// An error, or only a warning.
    pub error: bool,
}

impl Located {
    /// An error with no place and no help yet.
    pub fn error(message: impl Into<String>) -> Self {
        Located {
            message: message.into(),
            at: None,
            help: None,
            error: true,
        }
    }

    /// With how to fix it.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
