"""moto_server with two API Gateway v2 gaps filled.

- GetAuthorizers: moto 5.2.5 stores HTTP API authorizers (CreateAuthorizer, GetAuthorizer,
  UpdateAuthorizer and DeleteAuthorizer work) but has no handler for listing them, so
  GET /v2/apis/{id}/authorizers answers 500. provision reads authorizers with that one paginated
  call, as it reads routes and integrations. The handler lists moto's own authorizer store.
- DeleteAuthorizer of an authorizer a route still uses: API Gateway refuses it; moto deletes it
  and leaves the route pointing at nothing. Refusing it here lets the tests see an authorizer
  deleted before the routes that use it have moved off.

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


if not hasattr(ApiGatewayV2Response, "get_authorizers"):
    ApiGatewayV2Response.get_authorizers = get_authorizers
ApiGatewayV2Response.delete_authorizer = delete_authorizer

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
