//! The domain's enumerations, each as AWS enumerates it, with one spelling: what a route's
//! authorization is, an integration's and an authorizer's type, which Step Functions action an
//! integration takes, a stage's name, a state machine's type and status and an execution's status. Plain data below every other module (it imports
//! nothing of the crate), so that the stack model, the units, the planner, the gateway and the
//! commands all compare values of these types instead of strings.
//!
//! Each type parses (`FromStr`) and prints (`Display`, `as_str`) the API's spelling and
//! serializes as that string, so saved plans and JSON output read as before.

mod action;
mod authorization;
mod execution;
mod integration;
mod stage;

pub use action::{Action, RouteAction, SUBTYPE_PREFIX, StatesAction};
pub use authorization::{Authorization, AuthorizerType};
pub use execution::{ExecutionStatus, MachineStatus, MachineType};
pub use integration::IntegrationType;
pub use stage::StageName;

/// A value that is not one of an enumeration's: the value and the spellings it accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}` (expected {})", expected.join(", "))]
pub struct Unknown {
    /// What was parsed, e.g. `authorization type`.
    pub kind: &'static str,
    /// The value as given.
    pub value: String,
    /// The accepted spellings.
    pub expected: &'static [&'static str],
}

/// Declares a closed enumeration of the API's spellings: the enum, `ALL`, `NAMES`, `as_str`,
/// `FromStr`, `Display` and serde as the string.
macro_rules! spelled {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the model's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's spelling, in the model's order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The API's spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::Unknown;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::Unknown {
                        kind: $kind,
                        value: s.to_string(),
                        expected: $name::NAMES,
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use spelled;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_reads_back_from_its_spelling_and_serializes_as_it() {
        for a in Authorization::ALL {
            assert_eq!(a.as_str().parse::<Authorization>(), Ok(*a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        for a in Action::ALL {
            assert_eq!(a.to_string().parse::<Action>(), Ok(*a));
            assert_eq!(Action::from_subtype(a.subtype()), Some(*a));
            // An action that does not start an execution acts on one: its IAM resource.
            assert_eq!(StatesAction::from(*a).on_execution(), !a.starts());
        }
        for a in RouteAction::ALL {
            assert_eq!(a.as_str().parse::<RouteAction>(), Ok(*a));
            // Every route action but the status route's is its integration's own.
            assert_eq!(
                a.integration().as_str() == a.as_str(),
                *a != RouteAction::DescribeExecution
            );
        }
        for a in StatesAction::ALL {
            assert_eq!(a.as_str().parse::<StatesAction>(), Ok(*a));
            assert_eq!(StatesAction::named(a.as_str()), Some(*a));
            assert_eq!(StatesAction::named(&a.as_str()["states:".len()..]), Some(*a));
        }
        for s in ExecutionStatus::ALL {
            assert_eq!(s.as_str().parse::<ExecutionStatus>(), Ok(*s));
        }
        for m in MachineType::ALL {
            assert_eq!(m.as_str().parse::<MachineType>(), Ok(*m));
        }
        for t in IntegrationType::ALL {
            assert_eq!(t.as_str().parse::<IntegrationType>(), Ok(*t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        for t in AuthorizerType::ALL {
            assert_eq!(t.as_str().parse::<AuthorizerType>(), Ok(*t));
        }
        for s in MachineStatus::ALL {
            assert_eq!(s.as_str().parse::<MachineStatus>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn an_unknown_spelling_names_what_is_accepted() {
        let err = "Jwt".parse::<Authorization>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown authorization type `Jwt` (expected NONE, AWS_IAM, CUSTOM, JWT)"
        );
        assert!("startexecution".parse::<Action>().is_err());
    }
}
