//! The operations a plan is made of, grouped by resource kind: plain data the executor turns
//! into AWS calls. Each kind's operations live in its unit (`resource/<kind>/op.rs`) with their
//! labels and ordering keys; this enum names the kinds, and every match on it is exhaustive, so a
//! new kind or operation cannot silently go without ordering.

pub use super::key::{ApiRef, AuthorizerRef, IntegrationRef, Key, RoleRef};
pub use crate::resource::api::op::ApiOp;
pub use crate::resource::authorizer::op::AuthorizerOp;
pub use crate::resource::integration::op::IntegrationOp;
pub use crate::resource::role::op::RoleOp;
pub use crate::resource::route::op::RouteOp;
pub use crate::resource::stage::op::StageOp;
use crate::resource::state_machine::op::MachineOp;

/// ImportApi: a new API with its routes, integrations, authorizers, CORS configuration and tags
/// from one OpenAPI document, in one call. Where the endpoint lacks ImportApi or refuses it, the
/// executor runs `instead`, the per-resource operations it stands for. It holds operations of
/// several kinds, so it lives here with [`Op`], not in a unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ImportApiOp {
    /// The API's name.
    pub name: String,
    /// The document (`openapi::import_document`).
    pub document: serde_json::Value,
    /// The role ARN the document's integrations name as credentials, replaced by the role's
    /// real ARN (CreateRole's answer, for a role made in the same run) when sent.
    pub role_in_document: String,
    /// The role the integrations use; `None` when there are none.
    pub role: Option<RoleRef>,
    /// The ownership tag (and the stack's other tags), which the document carries too.
    pub tags: std::collections::BTreeMap<String, String>,
    /// CreateApi, CreateAuthorizer, CreateIntegration and CreateRoute, in plan order.
    pub instead: Vec<Op>,
}

impl std::fmt::Display for ImportApiOp {
    /// `import api NAME (3 route(s), 3 integration(s), 1 authorizer(s)) in one ImportApi call`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |is: fn(&Op) -> bool| self.instead.iter().filter(|o| is(o)).count();
        let routes = count(|o| matches!(o, Op::Route(RouteOp::Create { .. })));
        let integrations = count(|o| matches!(o, Op::Integration(IntegrationOp::Create { .. })));
        let authorizers = count(|o| matches!(o, Op::Authorizer(AuthorizerOp::Create { .. })));
        write!(
            f,
            "import api {} ({routes} route(s), {integrations} integration(s)",
            self.name
        )?;
        if authorizers > 0 {
            write!(f, ", {authorizers} authorizer(s)")?;
        }
        write!(f, ") in one ImportApi call")
    }
}

impl ImportApiOp {
    /// What its operations provide.
    pub fn provides(&self) -> Vec<Key> {
        let mut keys: Vec<Key> = self.instead.iter().flat_map(Op::provides).collect();
        keys.dedup();
        keys
    }

    /// What its operations wait for, less what they make among themselves.
    pub fn needs(&self) -> Vec<Key> {
        let made = self.provides();
        let mut keys: Vec<Key> = Vec::new();
        for key in self.instead.iter().flat_map(Op::needs) {
            if !made.contains(&key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }
}

/// One AWS mutation, by the kind of resource it acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// The HTTP API, its CORS configuration and its tags.
    Api(ApiOp),
    /// A new API and everything in it in one ImportApi call.
    ImportApi(ImportApiOp),
    /// A route.
    Route(RouteOp),
    /// An integration.
    Integration(IntegrationOp),
    /// A JWT authorizer.
    Authorizer(AuthorizerOp),
    /// The stage.
    Stage(StageOp),
    /// The role integrations assume, and its policies.
    Role(RoleOp),
    /// The state machine unit (machines, versions, aliases, their roles).
    Machine(MachineOp),
}

/// Saved plans hold each operation as it always was: `{"CreateApi": {...}}` for the API
/// Gateway and IAM kinds (their variants carry those names), `{"StateMachine": {...}}` for the
/// state machine unit. Pinned by `the_json_of_every_operation_is_pinned`.
impl serde::Serialize for Op {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Op::Api(op) => op.serialize(s),
            Op::ImportApi(op) => s.serialize_newtype_variant("Op", 7, "ImportApi", op),
            Op::Route(op) => op.serialize(s),
            Op::Integration(op) => op.serialize(s),
            Op::Authorizer(op) => op.serialize(s),
            Op::Stage(op) => op.serialize(s),
            Op::Role(op) => op.serialize(s),
            Op::Machine(op) => s.serialize_newtype_variant("Op", 6, "StateMachine", op),
        }
    }
}

impl std::fmt::Display for Op {
    /// The operation's label, as progress lines and errors show it, e.g. `create integration
    /// POST /new-user`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::Api(op) => op.fmt(f),
            Op::ImportApi(op) => op.fmt(f),
            Op::Route(op) => op.fmt(f),
            Op::Integration(op) => op.fmt(f),
            Op::Authorizer(op) => op.fmt(f),
            Op::Stage(op) => op.fmt(f),
            Op::Role(op) => op.fmt(f),
            Op::Machine(op) => op.fmt(f),
        }
    }
}

impl Op {
    /// A short human description, e.g. `create integration POST /new-user` (the `Display` form).
    pub fn label(&self) -> String {
        self.to_string()
    }

    /// What this operation provides once done.
    pub fn provides(&self) -> Vec<Key> {
        match self {
            Op::Api(op) => op.provides(),
            Op::ImportApi(op) => op.provides(),
            Op::Route(op) => op.provides(),
            Op::Integration(op) => op.provides(),
            Op::Authorizer(op) => op.provides(),
            Op::Stage(op) => op.provides(),
            Op::Role(op) => op.provides(),
            Op::Machine(op) => op.provides().into_iter().map(Key::StateMachine).collect(),
        }
    }

    /// What this operation waits for. A key nobody in the plan provides is already satisfied.
    pub fn needs(&self) -> Vec<Key> {
        match self {
            Op::Api(op) => op.needs(),
            Op::ImportApi(op) => op.needs(),
            Op::Route(op) => op.needs(),
            Op::Integration(op) => op.needs(),
            Op::Authorizer(op) => op.needs(),
            Op::Stage(op) => op.needs(),
            Op::Role(op) => op.needs(),
            Op::Machine(op) => op.needs().into_iter().map(Key::StateMachine).collect(),
        }
    }

    /// True when this operation must wait for `earlier`, besides what it needs: the kind's unit
    /// says when two of its creates are twins that must not run at once (identical integrations).
    pub fn waits_for_twin(&self, earlier: &Op) -> bool {
        match self {
            Op::Integration(op) => matches!(earlier, Op::Integration(e) if e.creates_same(op)),
            Op::Api(_)
            | Op::ImportApi(_)
            | Op::Route(_)
            | Op::Authorizer(_)
            | Op::Stage(_)
            | Op::Role(_)
            | Op::Machine(_) => false,
        }
    }

    /// True for operations that create something AWS does not deduplicate.
    pub fn is_create(&self) -> bool {
        match self {
            Op::Api(op) => op.is_create(),
            Op::ImportApi(_) => true,
            Op::Route(op) => op.is_create(),
            Op::Integration(op) => op.is_create(),
            Op::Authorizer(op) => op.is_create(),
            Op::Stage(op) => op.is_create(),
            Op::Role(op) => op.is_create(),
            Op::Machine(op) => op.is_create(),
        }
    }
}

macro_rules! from_kind {
    ($($kind:ident($op:ty)),+) => {
        $(impl From<$op> for Op {
            fn from(op: $op) -> Op {
                Op::$kind(op)
            }
        })+
    };
}
from_kind!(
    Api(ApiOp),
    Route(RouteOp),
    Integration(IntegrationOp),
    Authorizer(AuthorizerOp),
    Stage(StageOp),
    Role(RoleOp),
    Machine(MachineOp)
);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::domain::{Action, Authorization, StageName};
    use crate::plan::saved::{canonical, sha256_hex};
    use crate::resource::state_machine::op::Routing;
    use crate::stack::desired::DesiredIntegration;

    fn tags() -> BTreeMap<String, String> {
        BTreeMap::from([("k".to_string(), "v".to_string())])
    }

    /// One operation of every variant, each kind's fields filled.
    fn every_op() -> Vec<Op> {
        [api_ops(), role_ops(), gateway_ops()].concat()
    }

    fn api_ops() -> Vec<Op> {
        let authorizer = crate::resource::authorizer::spec::samples::desired();
        let cors = crate::resource::api::spec::samples::cors();
        let tags = tags();
        vec![
            Op::Api(ApiOp::Create {
                name: "n".into(),
                tags: tags.clone(),
                cors: Some(cors.clone()),
            }),
            Op::Api(ApiOp::Update {
                id: "i".into(),
                name: "n".into(),
                cors: None,
            }),
            Op::Api(ApiOp::DeleteCors { api_id: "i".into() }),
            Op::Api(ApiOp::Tag {
                api: ApiRef::New,
                stage: Some(StageName::new("prod")),
                set: tags.clone(),
                remove: vec!["old".into()],
            }),
            Op::Api(ApiOp::Delete { id: "i".into() }),
            Op::Authorizer(AuthorizerOp::Create {
                api: ApiRef::Existing("i".into()),
                spec: authorizer.clone(),
            }),
            Op::Authorizer(AuthorizerOp::Update {
                api_id: "i".into(),
                id: "z".into(),
                spec: authorizer,
            }),
            Op::Authorizer(AuthorizerOp::Delete {
                api_id: "i".into(),
                id: "z".into(),
                name: "a".into(),
            }),
        ]
    }

    fn role_ops() -> Vec<Op> {
        let tags = tags();
        vec![
            Op::Role(RoleOp::Create {
                name: "r".into(),
                trust: json!({"t": 1}),
                tags: tags.clone(),
                path: "/".into(),
                boundary: Some("arn:b".into()),
            }),
            Op::Role(RoleOp::ClearAndDelete {
                name: "r".into(),
                inline: vec!["p".into()],
                attached: vec!["arn:m".into()],
            }),
            Op::Role(RoleOp::PutBoundary {
                name: "r".into(),
                arn: "arn:b".into(),
            }),
            Op::Role(RoleOp::DeleteBoundary { name: "r".into() }),
            Op::Role(RoleOp::Tag {
                name: "r".into(),
                set: tags.clone(),
                remove: Vec::new(),
            }),
            Op::Role(RoleOp::UpdateTrust {
                name: "r".into(),
                trust: json!({}),
            }),
            Op::Role(RoleOp::PutPolicy {
                role: "r".into(),
                policy_name: "p".into(),
                document: json!({"d": 2}),
            }),
            Op::Role(RoleOp::DeletePolicy {
                role: "r".into(),
                policy_name: "p".into(),
            }),
            Op::Role(RoleOp::Attach {
                role: "r".into(),
                arn: "arn:m".into(),
            }),
            Op::Role(RoleOp::Detach {
                role: "r".into(),
                arn: "arn:m".into(),
            }),
            Op::Role(RoleOp::Delete { name: "r".into() }),
        ]
    }

    fn gateway_ops() -> Vec<Op> {
        let integration = DesiredIntegration {
            action: Action::StartExecution,
            parameters: BTreeMap::from([(
                "StateMachineArn".into(),
                "arn:aws:states:eu-west-1:123456789012:stateMachine:m".into(),
            )]),
            response: Default::default(),
        };
        let mut ops = vec![
            Op::Integration(IntegrationOp::Create {
                api: ApiRef::New,
                route_key: "POST /a".into(),
                spec: integration.clone(),
                role: RoleRef::New("r".into()),
            }),
            Op::Integration(IntegrationOp::Update {
                api_id: "i".into(),
                id: "g".into(),
                route_key: "POST /a".into(),
                spec: integration,
                role: RoleRef::Existing("arn:r".into()),
                clear_response: vec!["200".into()],
            }),
            Op::Integration(IntegrationOp::Delete {
                api_id: "i".into(),
                id: "g".into(),
            }),
            Op::Route(RouteOp::Create {
                api: ApiRef::New,
                key: "POST /a".into(),
                authorization: Authorization::Jwt,
                authorizer: Some(AuthorizerRef::New("a".into())),
                scopes: vec!["s".into()],
                integration: IntegrationRef::New("POST /a".into()),
            }),
            Op::Route(RouteOp::Update {
                api_id: "i".into(),
                id: "o".into(),
                key: "POST /a".into(),
                authorization: Authorization::AwsIam,
                authorizer: None,
                scopes: Vec::new(),
                integration: IntegrationRef::Existing("g".into()),
                previous: Some("h".into()),
                previous_authorizer: Some("z".into()),
            }),
            Op::Route(RouteOp::Delete {
                api_id: "i".into(),
                id: "o".into(),
                key: "POST /a".into(),
                target: Some("integrations/g".into()),
                authorizer_id: None,
            }),
        ];
        ops.extend(
            crate::resource::stage::op::samples(tags())
                .into_iter()
                .map(Op::Stage),
        );
        ops.push(Op::Machine(MachineOp::CreateAlias {
            machine_arn: "arn:m".into(),
            machine: "m".into(),
            name: "live".into(),
            routing: Routing::Published,
        }));
        ops
    }

    /// Pinned: the JSON of every operation, which saved plans fingerprint ([`super::super::saved`]).
    /// Grouping the operations by kind left it as it was.
    #[test]
    fn the_json_of_every_operation_is_pinned() {
        let ops = every_op();
        let text = canonical(&serde_json::to_value(&ops).unwrap());
        assert_eq!(
            sha256_hex(text.as_bytes()),
            "3f09c2b7b4f9bfcbc0117a71bac706722e7a83224f563a3644ee61564b6c6f1c",
            "{text}"
        );
    }

    /// ImportApi serializes as the struct variant it was, around the operations it stands for.
    #[test]
    fn an_import_serializes_with_the_operations_it_stands_for() {
        let op = Op::ImportApi(ImportApiOp {
            name: "n".into(),
            document: json!({"openapi": "3.0.1"}),
            role_in_document: "arn:r".into(),
            role: Some(RoleRef::New("r".into())),
            tags: tags(),
            instead: api_ops(),
        });
        let value = serde_json::to_value(&op).unwrap();
        assert_eq!(value["ImportApi"]["name"], "n");
        assert_eq!(value["ImportApi"]["instead"][0]["CreateApi"]["name"], "n");
        assert_eq!(
            op.to_string(),
            "import api n (0 route(s), 0 integration(s), 1 authorizer(s)) in one ImportApi call"
        );
        assert!(op.is_create());
        // Its tag of the new API waits for the API, which it makes itself.
        assert!(!op.needs().contains(&Key::Api), "{:?}", op.needs());
        assert!(op.needs().contains(&Key::AuthorizerFreed("z".into())));
    }

    /// Pinned: every operation's label, its keys provided and needed.
    #[test]
    fn labels_and_ordering_keys_are_pinned() {
        let described: Vec<String> = every_op()
            .iter()
            .map(|op| format!("{op} | {:?} | {:?}", op.provides(), op.needs()))
            .collect();
        assert_eq!(
            sha256_hex(described.join("\n").as_bytes()),
            "0d4f38b1bc14160e781c8f70ed2347c72bc79ffc2c3b13d5c252bc79de719cb5",
            "{}",
            described.join("\n")
        );
    }
}
