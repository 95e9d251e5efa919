//! Reading `[[state_machine]]` tables (the unit's spec is `resource::state_machine::spec`).

use toml::de::{DeTable, DeValue};

use super::{Reader, get, json_of};
use crate::stack::model::{MachineAliasSection, MachineLoggingSection, Sp, StateMachineSection};

pub(crate) const STATE_MACHINE_KEYS: &[&str] = &[
    "name",
    "type",
    "definition",
    "substitutions",
    "logging",
    "tracing",
    "tags",
    "role",
    "publish",
    "keep_versions",
    "alias",
];
pub(crate) const MACHINE_LOGGING_KEYS: &[&str] = &["level", "include_execution_data", "log_group"];
pub(crate) const MACHINE_ALIAS_KEYS: &[&str] = &["name", "version", "routing"];

impl Reader<'_> {
    /// Every `[[state_machine]]` table (none is fine: a stack may only name existing machines).
    pub(super) fn state_machines(&mut self, table: &DeTable<'_>) -> Vec<StateMachineSection> {
        let Some(value) = get(table, "state_machine") else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.type_error(value, "state_machine", "an array of tables ([[state_machine]])");
            return Vec::new();
        };
        let mut machines = Vec::new();
        for item in items {
            let DeValue::Table(t) = item.get_ref() else {
                self.type_error(item, "state_machine", "a table");
                continue;
            };
            let span = item.span();
            self.check_keys(t, STATE_MACHINE_KEYS, "[[state_machine]]");
            let definition = match get(t, "definition") {
                None => {
                    // Reported with the other missing fields.
                    let _ = self.required_string(t, "definition", &span, "[[state_machine]]");
                    None
                }
                Some(v) => match v.get_ref() {
                    DeValue::String(_) | DeValue::Table(_) => Some(Sp::new(json_of(v.get_ref()), v.span())),
                    _ => {
                        self.type_error(v, "definition", "a file path or an inline table");
                        None
                    }
                },
            };
            machines.push(StateMachineSection {
                name: self.required_string(t, "name", &span, "[[state_machine]]"),
                kind: self.string(t, "type"),
                definition,
                substitutions: self.inline_strings(t, "substitutions"),
                logging: self.table(t, "logging").map(|(l, span)| {
                    self.check_keys(l, MACHINE_LOGGING_KEYS, "[state_machine] logging");
                    MachineLoggingSection {
                        level: self.required_string(l, "level", &span, "[state_machine] logging"),
                        include_execution_data: self.bool(l, "include_execution_data"),
                        log_group: self.string(l, "log_group"),
                        span,
                    }
                }),
                tracing: self.bool(t, "tracing"),
                tags: self.inline_strings(t, "tags"),
                role: self.string(t, "role"),
                publish: self.bool(t, "publish"),
                keep_versions: self.integer(t, "keep_versions"),
                alias: self
                    .table(t, "alias")
                    .map(|(a, span)| self.machine_alias(a, span)),
                loaded: None,
                span,
            });
        }
        machines
    }

    fn machine_alias(
        &mut self,
        a: &DeTable<'_>,
        span: crate::stack::diagnostic::Span,
    ) -> MachineAliasSection {
        self.check_keys(a, MACHINE_ALIAS_KEYS, "[state_machine.alias]");
        let routing = self.table(a, "routing").map(|(r, _)| {
            let mut out = Vec::new();
            for (k, _) in r.iter() {
                let version = Sp::new(k.get_ref().to_string(), k.span());
                if let Some(weight) = self.integer(r, k.get_ref()) {
                    out.push((version, weight));
                }
            }
            out
        });
        MachineAliasSection {
            name: self.required_string(a, "name", &span, "[state_machine.alias]"),
            version: get(a, "version").map(|v| Sp::new(json_of(v.get_ref()), v.span())),
            routing,
            span,
        }
    }

    /// A table of strings (`substitutions`, `tags`), empty when absent.
    fn inline_strings(&mut self, t: &DeTable<'_>, key: &str) -> Vec<(Sp<String>, Sp<String>)> {
        match self.table(t, key) {
            Some((m, _)) => self.string_map(m),
            None => Vec::new(),
        }
    }
}
