"""moto_server with two API Gateway v2 gaps filled.

- GetAuthorizers: moto 5.2.5 stores HTTP API authorizers (CreateAuthorizer, GetAuthorizer,
  UpdateAuthorizer and DeleteAuthorizer work) but has no handler for listing them, so
  GET /v2/apis/{id}/authorizers answers 500. provision reads authorizers with that one paginated
  call, as it reads routes and integrations. The handler lists moto's own authorizer store.
- DeleteAuthorizer of an authorizer a route still uses: API Gateway refuses it; moto deletes it
  and leaves the route pointing at nothing. Refusing it here lets the tests see an authorizer
  deleted before the routes that use it have moved off.
- ImportApi: moto 5.2.5 has ReimportApi (PUT /v2/apis/{id}) but no ImportApi (PUT /v2/apis), so
  `import-api` answers 500. The handler creates an HTTP API and runs moto's own reimport on it,
  which reads the title, the CORS extension, and each operation's route key and integration type.

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
  `stateMachineArn` / `executionArn` they name; IAM requests need `iam:<operation>` on the role's
  ARN (built from RoleName and Path when the role does not exist yet), with `iam:PolicyARN` and
  `iam:PermissionsBoundary` as condition keys. Statements are evaluated as IAM does: an explicit
  Deny wins, else any Allow, else denied; `*` and `?` wildcards; StringEquals, StringLike,
  ArnEquals, ArnLike, StringNotEquals (and ...IfExists); a missing key fails the condition. A
  refusal is AWS's AccessDenied(Exception) with "User: ARN is not authorized to perform: ACTION
  on resource: RESOURCE". STS stays as moto has it (GetCallerIdentity needs no permission, as in
  AWS). Not emulated: the log-delivery permissions API Gateway checks when access logging is
  turned on, SCPs, permissions boundaries of the caller, resource policies, session policies.

The integration tests and the demo start moto through this file; nothing else changes.

    python scripts/moto_server.py -H 127.0.0.1 -p 5000    # same arguments as moto_server
"""

import json
import re
import sys
from urllib.parse import quote, urlparse

from werkzeug.exceptions import HTTPException

from moto import settings
from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import IAMPolicy, IAMRequest
from moto.iam.responses import IamResponse
from moto.server import main
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


def import_api(self):
    params = json.loads(self.body)
    fail_on_warnings = str(self._get_param("failOnWarnings", "false")).lower() == "true"
    backend = self.apigatewayv2_backend
    api = backend.create_api(
        api_key_selection_expression=None,
        cors_configuration=None,
        description=None,
        disable_schema_validation=None,
        disable_execute_api_endpoint=None,
        name="imported",
        protocol_type="HTTP",
        route_selection_expression=None,
        tags={},
        version=None,
    )
    try:
        backend.reimport_api(api.api_id, params.get("body"), fail_on_warnings)
    except Exception:
        backend.delete_api(api.api_id)
        raise
    return 201, {}, json.dumps(api.to_json())


if not hasattr(ApiGatewayV2Response, "import_api"):
    ApiGatewayV2Response.import_api = import_api


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
    for field in ("credentialsArn", "authorizerCredentialsArn"):
        role = body.get(field)
        # `arn:aws:iam::*:user/*` passes the caller's own identity: no role is passed.
        if isinstance(role, str) and ":role/" in role:
            needs.append(("iam:PassRole", role, {"iam:PassedToService": "apigateway.amazonaws.com"}))
    return needs


def _states_requirements(response, region, account):
    body = _body_json(response)
    resource = body.get("stateMachineArn") or body.get("executionArn") or "*"
    return [(f"states:{response._get_action()}", resource, {})]


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

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
