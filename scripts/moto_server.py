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

The integration tests and the demo start moto through this file; nothing else changes.

    python scripts/moto_server.py -H 127.0.0.1 -p 5000    # same arguments as moto_server
"""

import json
import sys

from moto.apigatewayv2.exceptions import BadRequestException
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.server import main


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
if not hasattr(ApiGatewayV2Response, "get_authorizers"):
    ApiGatewayV2Response.get_authorizers = get_authorizers
ApiGatewayV2Response.delete_authorizer = delete_authorizer

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
