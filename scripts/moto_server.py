"""moto_server with API Gateway v2, Step Functions and IAM gaps filled.

- GetAuthorizers: moto 5.2.5 stores HTTP API authorizers (CreateAuthorizer, GetAuthorizer,
  UpdateAuthorizer and DeleteAuthorizer work) but has no handler for listing them, so
  GET /v2/apis/{id}/authorizers answers 500. provision reads authorizers with that one paginated
  call, as it reads routes and integrations. The handler lists moto's own authorizer store.
- DeleteAuthorizer of an authorizer a route still uses: API Gateway refuses it; moto deletes it
  and leaves the route pointing at nothing. Refusing it here lets the tests see an authorizer
  deleted before the routes that use it have moved off.
- ImportApi: moto 5.2.5 has ReimportApi (PUT /v2/apis/{id}) but no ImportApi (PUT /v2/apis), so
  `import-api` answers 500, and its reimport reads only each operation's route key and
  integration type. The handler imports as API Gateway does ("Working with OpenAPI definitions
  for HTTP APIs" and the extension pages), all or nothing: the AWS variables resolved, the name,
  description and version from `info`, `x-amazon-apigateway-cors`, the root `tags` with
  `x-amazon-apigateway-tag-value`, JWT authorizers and `awsSigv4` from the security schemes,
  and per operation (`x-amazon-apigateway-any-method` is ANY, `/$default` the default route) a
  route with its authorization and scopes and its integration (type, subtype, credentials,
  request and response parameters, payload format version, timeout), one integration per
  shared `components.x-amazon-apigateway-integrations` entry. Under IAM enforcement it needs
  `apigateway:PUT` on `/apis` and `iam:PassRole` on every integration's credentials.
  Not emulated: warnings (`failOnWarnings`), `x-amazon-apigateway-endpoint-configuration`,
  request validation, Lambda and HTTP authorizers.
- UpdateIntegration's ResponseParameters: moto replaces the whole map with the one sent; API
  Gateway takes the map per status code and removes a code sent with an empty map ("Transforming
  API requests and responses", "Remove configured parameter mappings"). The shim merges per
  code and drops the emptied ones, so a test sees what AWS keeps.

- StartSyncExecution: no handler in moto 5.2.5 (500). The handler runs the execution to its end on
  an EXPRESS machine and answers the envelope of the API reference (StartSyncExecution).
- AWS SDK integrations (`arn:aws:states:::aws-sdk:SERVICE:ACTION`): moto's interpreter sends the
  task's PascalCase parameters as written (botocore drops them) and returns the botocore member
  names; here the parameters are mapped to the operation's members and the result back to
  PascalCase, as AWS does. A Step Functions call of such a task is checked against the execution
  role's policies (`states:ACTION` on the ARN it names) and fails with Sfn.AccessDeniedException
  when IAM would refuse it. MOTO_PORT is set from `-p`, the port the interpreter calls back on.

- IAM enforcement as AWS does it, for the three services provision manages (only once enforcement
  is on: `INITIAL_NO_AUTH_ACTION_COUNT` requests, or `POST /moto-api/reset-auth` with a count).
  Stock moto 5.2.5 checks every request as `<signing name>:<operation>` on resource "*" (IAM:
  the role's ARN when the role exists), so it asks for `apigateway:CreateApi` where AWS asks for
  `apigateway:POST`, never matches a statement scoped to a state machine's or a new role's ARN,
  never checks `iam:PassRole`, and counts a Condition whose key is absent as met. Here:
  API Gateway v2 requests need `apigateway:<HTTP method>` on
  `arn:PARTITION:apigateway:REGION::<path without /v2>`, and passing a role (an integration's
  `credentialsArn`, an authorizer's `authorizerCredentialsArn`) needs `iam:PassRole` on it with
  `iam:PassedToService = apigateway.amazonaws.com` ("Actions, resources, and condition keys for
  Amazon API Gateway Management V2"); Step Functions requests need `states:<operation>` on the
  machine, execution, alias or version ARN they name (CreateStateMachine: the new machine's ARN;
  CreateStateMachineAlias: the new alias's), and a create or update that passes a `roleArn`
  needs `iam:PassRole` on it with `iam:PassedToService = states.amazonaws.com`; IAM requests need `iam:<operation>` on the role's
  ARN (built from RoleName and Path when the role does not exist yet), with `iam:PolicyARN` and
  `iam:PermissionsBoundary` as condition keys. Statements are evaluated as IAM does: an explicit
  Deny wins, else any Allow, else denied; `*` and `?` wildcards; StringEquals, StringLike,
  ArnEquals, ArnLike, StringNotEquals (and ...IfExists); a missing key fails the condition. A
  refusal is AWS's AccessDenied(Exception) with "User: ARN is not authorized to perform: ACTION
  on resource: RESOURCE". STS stays as moto has it (GetCallerIdentity needs no permission, as in
  AWS). Not emulated: the log-delivery permissions API Gateway checks when access logging is
  turned on, SCPs, permissions boundaries of the caller, resource policies, session policies.

- Step Functions versions, as AWS has them ("State machine versions", API reference): moto 5.2.5
  publishes versions through `publish` on CreateStateMachine / UpdateStateMachine but has no
  PublishStateMachineVersion (idempotent on the current revision), ListStateMachineVersions
  (newest first) or DeleteStateMachineVersion (refused while an alias routes to the version).
  StartExecution on an alias ARN (`...:stateMachine:NAME:ALIAS`) starts the machine as AWS does
  through the alias (its execution ARN names the machine); moto runs it on the machine's current
  definition, not the version's. ValidateStateMachineDefinition stays missing (the tool says so).
- `POST /moto-api/reset` puts the whole server back as it started, not only its resources: moto
  5.2.5 resets every backend but keeps what `POST /moto-api/config` set (Step Functions'
  `execute_state_machine`) and what `POST /moto-api/reset-auth` set (IAM enforcement on, and its
  request count). The integration tests hand one server to many tests in turn and reset it in
  between, so a test that turned either on must not leave it on for the next. `GET
  /moto-api/config` also shows the `stepfunctions` section (moto shows only batch and lambda), so
  a caller can check it.
- With `MOTO_EXIT_WITH_STDIN=1`, the server exits when its stdin reaches end of file: a test
  process that keeps servers for reuse holds the other end, and whatever way it ends (even
  SIGKILL), its servers end with it.

The integration tests and the demo start moto through this file; nothing else changes.

    python scripts/moto_server.py -H 127.0.0.1 -p 5000    # same arguments as moto_server
"""

import copy
import datetime
import json
import os
import re
import sys
import threading
import uuid
from urllib.parse import quote, urlparse

from botocore.exceptions import ClientError
from werkzeug.exceptions import HTTPException

from moto import settings
from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.models import Integration
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import AWSError
from moto.core.config import default_user_config
from moto.core.responses import ActionResult
from moto.iam.access_control import IAMPolicy, IAMRequest
from moto.iam.responses import IamResponse
from moto.moto_api._internal.models import MotoAPIBackend
from moto.server import main
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.responses import StepFunctionResponse
from moto.utilities.utils import get_partition


def get_authorizers(self):
    api_id = self.path.split("/")[-2]
    api = self.apigatewayv2_backend.get_api(api_id)
    items = [authorizer.to_json() for authorizer in api.authorizers.values()]
    return 200, {}, json.dumps({"items": items})


_delete_authorizer = ApiGatewayV2Response.delete_authorizer


def delete_authorizer(self):
    api_id = self.path.split("/")[-3]
    authorizer_id = self.path.split("/")[-1]
    api = self.apigatewayv2_backend.get_api(api_id)
    users = [r.route_key for r in api.routes.values() if r.authorizer_id == authorizer_id]
    if users:
        raise BadRequestException(f"Authorizer {authorizer_id} is in use by route(s) {', '.join(users)}")
    return _delete_authorizer(self)


# "Working with OpenAPI definitions for HTTP APIs" and the extension pages of the developer guide:
# the operation keys that are HTTP methods, and `x-amazon-apigateway-any-method` for ANY.
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY_METHOD = "x-amazon-apigateway-any-method"


def _openapi_document(self, text):
    # "AWS variables for OpenAPI import": resolved in the whole definition before it is read.
    partition = get_partition(self.region)
    for variable, value in (
        ("${AWS::AccountId}", self.current_account),
        ("${AWS::Partition}", partition),
        ("${AWS::Region}", self.region),
    ):
        text = text.replace(variable, value)
    import yaml  # noqa: PLC0415 (moto's own dependency; JSON is YAML)

    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise BadRequestException(f"Invalid OpenAPI definition: {e}")
    if not isinstance(document, dict) or "openapi" not in document and "swagger" not in document:
        raise BadRequestException("Invalid OpenAPI definition: no openapi (or swagger) version")
    if not isinstance(document.get("info"), dict) or not document["info"].get("title"):
        raise BadRequestException("Invalid OpenAPI definition: info.title is required")
    return document


def _import_authorizers(api, document):
    """JWT authorizers from `components.securitySchemes` ("x-amazon-apigateway-authorizer
    object"), named by their scheme; `x-amazon-apigateway-authtype: awsSigv4` is AWS_IAM.
    Returns {scheme name: (authorization type, authorizer id or None)}."""
    schemes = {}
    for name, scheme in ((document.get("components") or {}).get("securitySchemes") or {}).items():
        if not isinstance(scheme, dict):
            continue
        if str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4":
            schemes[name] = ("AWS_IAM", None)
            continue
        authorizer = scheme.get("x-amazon-apigateway-authorizer")
        if not isinstance(authorizer, dict):
            continue
        kind = str(authorizer.get("type", "")).upper()
        if kind != "JWT":
            raise BadRequestException(f"Authorizer {name}: only JWT authorizers are imported here")
        source = authorizer.get("identitySource") or "$request.header.Authorization"
        if isinstance(source, str):
            source = [s.strip() for s in source.split(",") if s.strip()]
        created = api.create_authorizer(
            auth_creds_arn=None,
            auth_payload_format_version=None,
            auth_result_ttl=None,
            authorizer_type="JWT",
            authorizer_uri=None,
            enable_simple_response=None,
            identity_source=source,
            identity_validation_expr=None,
            jwt_config=authorizer.get("jwtConfiguration"),
            name=name,
        )
        schemes[name] = ("JWT", created.id)
    return schemes


def _import_integration(api, spec, shared, named):
    """One integration from an "x-amazon-apigateway-integration object", or for a `$ref` to
    `components.x-amazon-apigateway-integrations`, the one integration made for that name."""
    ref = spec.get("$ref") if isinstance(spec, dict) else None
    if ref is not None:
        name = str(ref).rsplit("/", 1)[-1]
        if name in named:
            return named[name]
        if name not in shared:
            raise BadRequestException(f"Integration reference {ref} does not resolve")
        named[name] = _import_integration(api, shared[name], shared, named)
        return named[name]
    if not isinstance(spec, dict) or "type" not in spec:
        raise BadRequestException("x-amazon-apigateway-integration: type is required")
    timeout = spec.get("timeoutInMillis")
    integration = api.create_integration(
        connection_type=spec.get("connectionType", "INTERNET"),
        description=spec.get("description"),
        integration_method=spec.get("httpMethod"),
        integration_type=str(spec["type"]).upper(),
        integration_uri=spec.get("uri"),
        connection_id=spec.get("connectionId"),
        credentials_arn=spec.get("credentials"),
        payload_format_version=spec.get("payloadFormatVersion"),
        integration_subtype=spec.get("integrationSubtype"),
        request_parameters=spec.get("requestParameters"),
        response_parameters=spec.get("responseParameters"),
        timeout_in_millis=str(timeout) if timeout is not None else None,
        tls_config=spec.get("tlsConfig"),
    )
    return integration.id


def _import_routes(api, document, schemes):
    shared = (document.get("components") or {}).get("x-amazon-apigateway-integrations") or {}
    named = {}
    root_security = document.get("security")
    for path, item in (document.get("paths") or {}).items():
        for key, op in (item or {}).items():
            if key not in _METHODS and key != _ANY_METHOD:
                continue
            method = "ANY" if key == _ANY_METHOD else key.upper()
            route_key = "$default" if op.get("isDefaultRoute") or path == "/$default" else f"{method} {path}"
            target = None
            if "x-amazon-apigateway-integration" in op:
                target = "integrations/" + _import_integration(
                    api, op["x-amazon-apigateway-integration"], shared, named
                )
            authorization, authorizer_id, scopes = "NONE", None, []
            for requirement in op.get("security", root_security) or []:
                for scheme, wanted in (requirement or {}).items():
                    if scheme not in schemes:
                        raise BadRequestException(f"Route {route_key}: security scheme {scheme} is not defined")
                    authorization, authorizer_id = schemes[scheme]
                    scopes = list(wanted or [])
            api.create_route(
                api_key_required=False,
                authorization_scopes=scopes if authorization == "JWT" else [],
                route_key=route_key,
                target=target,
                authorization_type=authorization,
                authorizer_id=authorizer_id,
                operation_name=op.get("operationId"),
            )


def import_api(self):
    """ImportApi (PUT /v2/apis), all or nothing: the API named by `info.title`, its description
    and version, `x-amazon-apigateway-cors`, the root `tags` with `x-amazon-apigateway-tag-value`
    ("x-amazon-apigateway-tag-value property": a tag without it has the value ""), JWT and IAM
    authorization from the security schemes, and per operation a route with its integration."""
    params = json.loads(self.body)
    document = _openapi_document(self, params.get("body") or "")
    info = document["info"]
    tags = {}
    for tag in document.get("tags") or []:
        if isinstance(tag, dict) and tag.get("name"):
            tags[str(tag["name"])] = str(tag.get("x-amazon-apigateway-tag-value", ""))
    backend = self.apigatewayv2_backend
    api = backend.create_api(
        api_key_selection_expression=None,
        cors_configuration=document.get("x-amazon-apigateway-cors"),
        description=info.get("description"),
        disable_schema_validation=None,
        disable_execute_api_endpoint=None,
        name=info["title"],
        protocol_type="HTTP",
        route_selection_expression=None,
        tags=tags,
        version=str(info["version"]) if info.get("version") is not None else None,
    )
    try:
        schemes = _import_authorizers(api, document)
        _import_routes(api, document, schemes)
    except Exception:
        backend.delete_api(api.api_id)
        backend.untag_resource(api.arn, list(tags))
        raise
    return 201, {}, json.dumps(api.to_json())


def _import_passed_roles(body):
    """The roles an ImportApi definition passes to API Gateway: each integration's
    `credentials` (inline or shared)."""
    import yaml  # noqa: PLC0415

    try:
        document = yaml.safe_load(body.get("body") or "") or {}
    except yaml.YAMLError:
        return []
    if not isinstance(document, dict):
        return []
    found = []
    shared = (document.get("components") or {}).get("x-amazon-apigateway-integrations") or {}
    specs = list(shared.values()) if isinstance(shared, dict) else []
    for item in (document.get("paths") or {}).values():
        for op in (item or {}).values() if isinstance(item, dict) else []:
            if isinstance(op, dict):
                specs.append(op.get("x-amazon-apigateway-integration"))
    for spec in specs:
        if isinstance(spec, dict) and isinstance(spec.get("credentials"), str):
            found.append(spec["credentials"])
    return found


if not hasattr(ApiGatewayV2Response, "import_api"):
    ApiGatewayV2Response.import_api = import_api


_integration_update = Integration.update


def integration_update(self, *args, **kwargs):
    response = kwargs.get("response_parameters")
    if response is not None:
        merged = dict(self.response_parameters or {})
        for code, mapping in response.items():
            if mapping:
                merged[code] = mapping
            else:
                merged.pop(code, None)
        kwargs["response_parameters"] = merged
    return _integration_update(self, *args, **kwargs)


Integration.update = integration_update


# --- Step Functions: StartSyncExecution and the AWS SDK integrations' names --------------------


class StateMachineTypeNotSupported(AWSError):
    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


class InvalidExecutionInput(AWSError):
    TYPE = "InvalidExecutionInput"
    STATUS = 400


def start_sync_execution(self):
    """StartSyncExecution as the API reference describes it: EXPRESS machines only, the execution
    runs to its end, and the answer is the envelope (status SUCCEEDED, FAILED or TIMED_OUT, output
    only when it succeeded, error and cause when it did not, billing details)."""
    from moto.stepfunctions.parser.backend.execution import SyncExecution

    arn = self._get_param("stateMachineArn")
    name = self._get_param("name") or str(uuid.uuid4())
    execution_input = self._get_param("input", if_none="{}")
    machine = self.stepfunction_backend.describe_state_machine(arn)
    if getattr(machine, "type", "STANDARD") != "EXPRESS":
        raise StateMachineTypeNotSupported("This operation is not supported by this type of state machine")
    try:
        json.loads(execution_input)
    except ValueError as e:
        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{e}'")
    clone = copy.deepcopy(machine, {id(machine.executions): [], id(machine.backend): machine.backend})
    partition = get_partition(self.region)
    execution = SyncExecution(
        name=name,
        sm_type="EXPRESS",
        role_arn=clone.roleArn,
        exec_arn=f"arn:{partition}:states:{self.region}:{self.current_account}:express:{machine.name}:{name}:{uuid.uuid4()}",
        account_id=self.current_account,
        region_name=self.region,
        state_machine=clone,
        start_date=datetime.datetime.now(tz=datetime.timezone.utc),
        cloud_watch_logging_session=None,
        input_data=execution_input,
        trace_header=self._get_param("traceHeader"),
        activity_store={},
    )
    execution.start()
    out = dict(execution.to_start_sync_execution_output())
    out["status"] = getattr(out["status"], "value", out["status"])
    out["input"] = execution_input
    # Express workflows are billed per 100 ms at 64 MB or more ("Step Functions pricing").
    millis = max(1, int((execution.stop_date - execution.start_date).total_seconds() * 1000))
    out["billingDetails"] = {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": -(-millis // 100) * 100}
    return ActionResult(out)


def _shape_members(shape):
    return getattr(shape, "members", None) or {}


def _to_botocore_names(value, shape):
    """An AWS SDK task's PascalCase parameters under the operation's member names, as AWS maps
    them ("AWS SDK service integrations": parameter names are PascalCase)."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = _shape_members(shape)
        by_lower = {m.lower(): m for m in members}
        out = {}
        for key, item in value.items():
            member = by_lower.get(key.lower(), key)
            out[member] = _to_botocore_names(item, members.get(member))
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_to_botocore_names(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _to_botocore_names(v, shape.value) for k, v in value.items()}
    return value


def _to_pascal_names(value, shape):
    """An AWS SDK task's result with PascalCase field names and timestamps as ISO 8601 text, as
    AWS returns it to the workflow."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if shape is not None and shape.type_name == "structure" and isinstance(value, dict):
        members = _shape_members(shape)
        return {k[:1].upper() + k[1:]: _to_pascal_names(v, members.get(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_pascal_names(v, getattr(shape, "member", None)) for v in value]
    if isinstance(value, dict):
        return {k: _to_pascal_names(v, getattr(shape, "value", None)) for k, v in value.items()}
    return value


def _operation_model(task):
    import botocore.session

    service = botocore.session.get_session().get_service_model(task._get_boto_service_name())
    action = task.resource.api_action
    return service.operation_model(action[:1].upper() + action[1:])


def _aws_sdk_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials):
    operation = _operation_model(self)
    named = _to_botocore_names(normalised_parameters, operation.input_shape)
    _check_execution_role(self, env, operation.name, named)
    _aws_sdk_eval_service_task(self, env, resource_runtime_part, named, state_credentials)
    result = env.stack.pop()
    env.stack.append(_to_pascal_names(result, operation.output_shape))


def _check_execution_role(task, env, operation, parameters):
    """The execution role's policies decide a Step Functions call of an AWS SDK task, as IAM
    does: `states:ACTION` on the execution or state machine ARN it names. (Other services' calls
    are not checked.)"""
    if task._get_boto_service_name() != "stepfunctions":
        return
    role_arn = env.states.context_object.context_object_data["Execution"].get("RoleArn")
    resource = parameters.get("executionArn") or parameters.get("stateMachineArn") or "*"
    action = f"states:{operation}"
    account = role_arn.split(":")[4] if role_arn and role_arn.count(":") >= 5 else None
    documents = _role_documents(account, role_arn)
    if documents is None or _allowed(documents, action, resource, {}):
        return
    role_name = role_arn.rsplit("/", 1)[-1]
    # Named as the SDK names the error, so the task fails with `Sfn.AccessDeniedException`.
    raise type("AccessDeniedException", (ClientError,), {})(
        {
            "Error": {
                "Code": "AccessDeniedException",
                "Message": f"User: arn:{get_partition(env.aws_execution_details.region)}:sts::{account}:assumed-role/{role_name}/"
                f"{uuid.uuid4().hex} is not authorized to perform: {action} on resource: {resource} because no "
                f"identity-based policy allows the {action} action",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": str(uuid.uuid4())},
        },
        operation,
    )


def _role_documents(account, role_arn):
    """The role's inline and attached policy documents, or None when it is not in moto's IAM."""
    from moto.iam.models import iam_backends

    if not account or not role_arn:
        return None
    backend = iam_backends[account]["global"]
    role = next((r for r in backend.roles.values() if r.arn == role_arn), None)
    if role is None:
        return None
    documents = []
    for document in role.policies.values():
        documents.append(json.loads(document) if isinstance(document, str) else document)
    for policy in role.managed_policies.values():
        documents.append(json.loads(policy.document) if isinstance(policy.document, str) else policy.document)
    return documents


# --- IAM enforcement as AWS does it (see the module docstring) ---------------------------------


class AccessDenied(HTTPException):
    """AWS's refusal, in the protocol of the service that refuses."""

    code = 403

    def __init__(self, protocol, message):
        if protocol == "query":
            body = (
                '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
                f"<Code>AccessDenied</Code><Message>{_xml(message)}</Message></Error>"
                "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
            )
        elif protocol == "json":
            body = json.dumps({"__type": "AccessDeniedException", "message": message})
        else:
            body = json.dumps({"message": message})
        super().__init__(description=body)


def _xml(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _list(value):
    return value if isinstance(value, list) else [value]


def _like(pattern, value, ignore_case=False):
    """IAM wildcards: `*` any run of characters, `?` any one character."""
    regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return re.match(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _condition_holds(operator, expected, actual):
    base = operator[: -len("IfExists")] if operator.endswith("IfExists") else operator
    if actual is None:
        return operator.endswith("IfExists")
    expected = _list(expected)
    if base in ("StringEquals", "ArnEquals"):
        return actual in expected
    if base in ("StringLike", "ArnLike"):
        return any(_like(e, actual) for e in expected)
    if base == "StringNotEquals":
        return actual not in expected
    return False  # an operator this emulator does not know never holds


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _resolve(pattern, context):
    """Policy variables in a Resource ("IAM policy elements: Variables and tags"): `${key}` is the
    request's value of that condition key; None when one has no value (the statement is then
    skipped, as AWS may treat it as invalid). `${*}`, `${?}` and `${$}` are the literal characters."""
    keys = {k.lower(): v for k, v in context.items()}
    missing = []

    def value(match):
        key = match.group(1)
        if key in ("*", "?", "$"):
            return key
        found = keys.get(key.lower())
        if found is None:
            missing.append(key)
            return ""
        return found

    resolved = _VARIABLE.sub(value, pattern)
    return None if missing else resolved


def _resource_matches(patterns, resource, context):
    for pattern in _list(patterns):
        resolved = _resolve(pattern, context)
        if resolved is not None and _like(resolved, resource):
            return True
    return False


def _statement_applies(statement, action, resource, context):
    if "Action" in statement:
        if not any(_like(a, action, ignore_case=True) for a in _list(statement["Action"])):
            return False
    elif any(_like(a, action, ignore_case=True) for a in _list(statement.get("NotAction", []))):
        return False
    if "Resource" in statement:
        if not _resource_matches(statement["Resource"], resource, context):
            return False
    elif _resource_matches(statement.get("NotResource", []), resource, context):
        return False
    keys = {k.lower(): v for k, v in context.items()}
    for operator, conditions in statement.get("Condition", {}).items():
        for key, expected in conditions.items():
            if not _condition_holds(operator, expected, keys.get(key.lower())):
                return False
    return True


def _allowed(documents, action, resource, context):
    allowed = False
    for document in documents:
        for statement in _list(document.get("Statement", [])):
            if _statement_applies(statement, action, resource, context):
                if statement.get("Effect") == "Deny":
                    return False
                allowed = True
    return allowed


def _body_json(response):
    try:
        return json.loads(response.body or "{}") or {}
    except (TypeError, ValueError):
        return {}


def _apigateway_requirements(response, region, account):
    path = urlparse(response.uri).path
    path = path[len("/v2") :] if path.startswith("/v2") else path
    partition = get_partition(region)
    needs = [(f"apigateway:{response.method}", f"arn:{partition}:apigateway:{region}::{path}", {})]
    body = _body_json(response) if response.method in ("POST", "PATCH", "PUT") else {}
    roles = [body.get(field) for field in ("credentialsArn", "authorizerCredentialsArn")]
    if response.method == "PUT" and path == "/apis":
        # ImportApi passes every integration's credentials, as CreateIntegration does.
        roles += _import_passed_roles(body)
    for role in roles:
        # `arn:aws:iam::*:user/*` passes the caller's own identity: no role is passed.
        if isinstance(role, str) and ":role/" in role:
            needs.append(("iam:PassRole", role, {"iam:PassedToService": "apigateway.amazonaws.com"}))
    return needs


def _states_requirements(response, region, account):
    """What a Step Functions request is authorized on ("Actions, resources, and condition keys
    for AWS Step Functions"): the machine, execution, alias or version ARN it names; for
    CreateStateMachine the ARN the new machine will have, for CreateStateMachineAlias the new
    alias's; and iam:PassRole (to states.amazonaws.com) on the role a create or update passes."""
    body = _body_json(response)
    action = response._get_action()
    resource = next(
        (
            body[k]
            for k in ("stateMachineArn", "executionArn", "resourceArn", "stateMachineAliasArn", "stateMachineVersionArn")
            if isinstance(body.get(k), str)
        ),
        None,
    )
    if resource is None and action == "CreateStateMachine" and body.get("name"):
        resource = f"arn:{get_partition(region)}:states:{region}:{account}:stateMachine:{body['name']}"
    if resource is None and action == "CreateStateMachineAlias" and body.get("name"):
        versions = [r.get("stateMachineVersionArn", "") for r in body.get("routingConfiguration") or []]
        if versions and versions[0].count(":") == 7:
            resource = f"{versions[0].rsplit(':', 1)[0]}:{body['name']}"
    needs = [(f"states:{action}", resource or "*", {})]
    role = body.get("roleArn")
    if action in ("CreateStateMachine", "UpdateStateMachine") and isinstance(role, str):
        needs.append(("iam:PassRole", role, {"iam:PassedToService": "states.amazonaws.com"}))
    return needs


def _iam_param(response, name):
    value = response.querystring.get(name) or (response.data or {}).get(name)
    return value[0] if isinstance(value, list) else value


def _iam_requirements(response, region, account):
    action = _iam_param(response, "Action") or response._get_action()
    resource = "*"
    role_name = _iam_param(response, "RoleName")
    context = {}
    if role_name:
        try:
            role = response.backend.get_role(role_name)
            resource = role.arn
            # "Controlling access to AWS resources using tags": a role's tags are the request's
            # iam:ResourceTag/KEY (and aws:ResourceTag/KEY) condition keys.
            for tag in role.tags or []:
                context[f"iam:ResourceTag/{tag['Key']}"] = tag["Value"]
                context[f"aws:ResourceTag/{tag['Key']}"] = tag["Value"]
        except Exception:  # not there yet (CreateRole): the ARN it will have
            path = _iam_param(response, "Path") or "/"
            resource = f"arn:{get_partition(region)}:iam::{account}:role{path}{role_name}"
    if _iam_param(response, "PolicyArn"):
        context["iam:PolicyARN"] = _iam_param(response, "PolicyArn")
    if _iam_param(response, "PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = _iam_param(response, "PermissionsBoundary")
    return [(f"iam:{action}", resource, context)]


def _enforcing(requirements, protocol):
    def authorize(self, resource="*"):
        if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
            ActionAuthenticatorMixin.request_count += 1
            return
        parsed = urlparse(self.uri)
        path = self.raw_path + ("?" + parsed.query if parsed.query else "")
        data, body = self.data, self.raw_body
        if protocol == "rest-json" and not body:
            # moto hands a bodiless API Gateway request's headers over as its data, which would
            # be signed as a payload: such a request signs the empty payload.
            data = {}
        if protocol == "query" and not body:
            # The form was parsed and its bytes are gone; moto would sign its own re-encoding of
            # it (spaces as `+`), which is not what an SDK that writes `%20` signed. Rebuild the
            # form as SigV4 encodes it (RFC 3986 unreserved characters kept), in the sent order.
            body = "&".join(
                f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, vs in self.querystring.items() for v in vs
            ).encode()
        request = IAMRequest(
            account_id=self.current_account,
            method=self.method,
            path=path,
            data=data,
            body=body,
            headers=self.headers,
            action=self._get_action(),
        )
        request.check_signature()
        principal = request._access_key.arn
        documents = [IAMPolicy(p)._policy_json for p in request._access_key.collect_policies()]
        for action, needed_resource, context in requirements(self, request._region, self.current_account):
            # The global keys a policy variable may name (`${aws:PrincipalAccount}` and others).
            context = {
                "aws:PrincipalAccount": self.current_account,
                "aws:RequestedRegion": request._region,
                "aws:username": principal.rsplit("/", 1)[-1],
                **context,
            }
            if not _allowed(documents, action, needed_resource, context):
                if protocol != "query":
                    self.response_headers["x-amzn-ErrorType"] = "AccessDeniedException"
                self.response_headers["Content-Type"] = (
                    "text/xml" if protocol == "query" else "application/x-amz-json-1.0" if protocol == "json" else "application/json"
                )
                raise AccessDenied(
                    protocol,
                    f"User: {principal} is not authorized to perform: {action} on resource: {needed_resource} "
                    f"because no identity-based policy allows the {action} action",
                )

    return authorize


ApiGatewayV2Response._authenticate_and_authorize_normal_action = _enforcing(_apigateway_requirements, "rest-json")
StepFunctionResponse._authenticate_and_authorize_normal_action = _enforcing(_states_requirements, "json")
IamResponse._authenticate_and_authorize_normal_action = _enforcing(_iam_requirements, "query")

if not hasattr(ApiGatewayV2Response, "get_authorizers"):
    ApiGatewayV2Response.get_authorizers = get_authorizers
ApiGatewayV2Response.delete_authorizer = delete_authorizer

if not hasattr(StepFunctionResponse, "start_sync_execution"):
    StepFunctionResponse.start_sync_execution = start_sync_execution
_aws_sdk_eval_service_task = StateTaskServiceAwsSdk._eval_service_task
StateTaskServiceAwsSdk._eval_service_task = _aws_sdk_eval


def _serve_port(argv):
    """The port this server listens on, for the AWS SDK tasks that call back into it (moto reads
    MOTO_PORT, 5000 when unset)."""
    for i, arg in enumerate(argv):
        if arg in ("-p", "--port") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--port="):
            return arg.split("=", 1)[1]
    return None

# --- Step Functions versions and aliases -------------------------------------------------------

from moto.stepfunctions.exceptions import ResourceNotFound, StateMachineDoesNotExist  # noqa: E402
from moto.stepfunctions.models import StepFunctionBackend  # noqa: E402


class SfnConflict(HTTPException):
    code = 400

    def __init__(self, message):
        super().__init__()
        self.description = json.dumps({"__type": "ConflictException", "message": message})

    def get_headers(self, *args, **kwargs):
        return [("Content-Type", "application/x-amz-json-1.0")]


def _machine(backend, arn):
    machine = next((m for m in backend.state_machines if m.arn == arn), None)
    if machine is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{arn}'")
    return machine


def publish_state_machine_version(self):
    machine = _machine(self.stepfunction_backend, self._get_param("stateMachineArn"))
    latest = machine.latest_version
    # Idempotent: the current revision already published is that version.
    if latest is None or (latest.definition, latest.roleArn) != (machine.definition, machine.roleArn):
        machine.publish(self._get_param("description"))
    version = machine.latest_version
    return 200, {}, json.dumps({"stateMachineVersionArn": version.arn, "creationDate": version.creation_date.timestamp()})


def list_state_machine_versions(self):
    machine = _machine(self.stepfunction_backend, self._get_param("stateMachineArn"))
    items = [
        {"stateMachineVersionArn": v.arn, "creationDate": v.creation_date.timestamp()}
        for _, v in sorted(machine.versions.items(), reverse=True)
    ]
    return 200, {}, json.dumps({"stateMachineVersions": items})


def delete_state_machine_version(self):
    arn = self._get_param("stateMachineVersionArn")
    source, _, number = arn.rpartition(":")
    machine = next((m for m in self.stepfunction_backend.state_machines if m.arn == source), None)
    if machine is None or not number.isdigit() or int(number) not in machine.versions:
        return 200, {}, "{}"
    for alias in machine.aliases.values():
        if any(r["stateMachineVersionArn"] == arn for r in alias.routing_configuration):
            raise SfnConflict(f"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [{alias.arn}]")
    del machine.versions[int(number)]
    return 200, {}, "{}"


_start_execution = StepFunctionBackend.start_execution


def _unalias(backend, arn):
    """An alias ARN starts its machine (moto has no execution of a version's own definition)."""
    parts = arn.split(":")
    if len(parts) == 8 and not parts[7].isdigit():
        machine = _machine(backend, ":".join(parts[:7]))
        if parts[7] not in machine.aliases:
            raise ResourceNotFound(f"State Machine Alias Does Not Exist: '{arn}'")
        return machine.arn
    return arn


def start_execution(self, state_machine_arn, *args, **kwargs):
    return type(self)._moto_start(self, _unalias(self, state_machine_arn), *args, **kwargs)


def _patch_start(cls):
    cls._moto_start = cls.start_execution
    cls.start_execution = start_execution


_patch_start(StepFunctionBackend)
try:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend  # noqa: E402

    _patch_start(StepFunctionsParserBackend)
except ImportError:
    pass

StepFunctionResponse.publish_state_machine_version = publish_state_machine_version
StepFunctionResponse.list_state_machine_versions = list_state_machine_versions
StepFunctionResponse.delete_state_machine_version = delete_state_machine_version


# --- POST /moto-api/reset: back to the server as it started (see the module docstring) ---------

# Other moto modules hold this very dict (`from moto.core.config import default_user_config`), so
# it is restored in place, never replaced.
_STARTING_CONFIG = copy.deepcopy(default_user_config)
_STARTING_NO_AUTH_COUNT = settings.INITIAL_NO_AUTH_ACTION_COUNT
_reset = MotoAPIBackend.reset


def reset(self):
    _reset(self)
    default_user_config.clear()
    default_user_config.update(copy.deepcopy(_STARTING_CONFIG))
    settings.INITIAL_NO_AUTH_ACTION_COUNT = _STARTING_NO_AUTH_COUNT
    ActionAuthenticatorMixin.request_count = 0


_get_config = MotoAPIBackend.get_config


def get_config(self):
    return {**_get_config(self), "stepfunctions": default_user_config["stepfunctions"]}


MotoAPIBackend.reset = reset
MotoAPIBackend.get_config = get_config


def _exit_at_end_of_stdin():
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


if __name__ == "__main__":
    port = _serve_port(sys.argv[1:])
    if port and not os.environ.get("MOTO_PORT"):
        os.environ["MOTO_PORT"] = port
    if os.environ.get("MOTO_EXIT_WITH_STDIN") == "1":
        threading.Thread(target=_exit_at_end_of_stdin, daemon=True).start()
    sys.exit(main(sys.argv[1:]))
