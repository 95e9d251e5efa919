"""The boto3 baseline: what a careful engineer would script by hand, one call after another.

    python bench/baseline_boto3.py up   STACK.toml    # the creates `provision up` makes on a fresh account
    python bench/baseline_boto3.py diff STACK.toml    # the reads a script needs to tell what changed

`up` makes exactly the create calls of `provision up` on a fresh account, with the same
arguments (so `provision diff` afterwards shows no change): CreateRole (API Gateway trust policy,
the `provision:stack` tag), PutRolePolicy, CreateApi (tagged), per distinct target a
CreateIntegration (AWS_PROXY, StepFunctions-<action>, payload 1.0, the role as credentials,
StateMachineArn + the route's parameters; routes with the same ones share it, as provision's do),
per route a CreateRoute (target integrations/ID), and CreateStage (auto-deploy, tagged). It does no reads at all: the cheapest possible sequential script.

`diff` reads what the stack covers: GetApis (finds the API by tag), GetRoutes, GetIntegrations,
GetStages, GetRole, ListRolePolicies, GetRolePolicy for each inline policy,
ListAttachedRolePolicies and DescribeStateMachine once per machine, then prints a one-line
summary of the differences it sees (route keys missing or extra, policy present).

AWS settings come from the environment as for any boto3 program (AWS_ENDPOINT_URL,
AWS_REGION, ...); `--endpoint-url` overrides. The stack's region is used unless AWS_REGION is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib

OWNER_TAG = "provision:stack"
ROLE_DESCRIPTION = "API Gateway assumes this role to call Step Functions (managed by provision)"
DEFAULT_PARAMETERS = {"StartExecution": {"Input": "$request.body.input"}, "StartSyncExecution": {"Input": "$request.body.input"}}


def _machine_resource(action: str, arn: str) -> str:
    # arn:aws:states:REGION:ACCOUNT:stateMachine:NAME
    if action == "StopExecution":
        parts = arn.split(":")
        return ":".join(parts[:5] + ["execution", parts[6], "*"])
    return arn


def _policy(routes: list[dict], actions: list[str] | None) -> dict:
    """The inline policy as provision derives it (least privilege, one statement per resource set)."""
    grants: dict[str, set[str]] = {}
    if actions is None:
        for r in routes:
            grants.setdefault(f"states:{r['action']}", set()).add(_machine_resource(r["action"], r["state_machine"]))
    else:
        for full in actions:
            action = full.removeprefix("states:")
            for r in routes:
                grants.setdefault(full, set()).add(_machine_resource(action, r["state_machine"]))
    by_resources: dict[tuple[str, ...], list[str]] = {}
    for action in sorted(grants):
        by_resources.setdefault(tuple(sorted(grants[action])), []).append(action)
    statements = [
        {"Effect": "Allow", "Action": acts, "Resource": list(res)} for res, acts in sorted(by_resources.items())
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def load_spec(path: str) -> dict:
    """What the stack file asks for, in the terms of the AWS calls."""
    with open(path, "rb") as f:
        stack = tomllib.load(f)
    name = stack["stack"]["name"]
    tags = dict(stack.get("tags", {}))
    tags[OWNER_TAG] = name
    routes = []
    for r in stack["route"]:
        params = dict(r.get("parameters", DEFAULT_PARAMETERS.get(r["action"], {})))
        params["StateMachineArn"] = r["state_machine"]
        routes.append(
            {
                "key": r["key"],
                "action": r["action"],
                "state_machine": r["state_machine"],
                "subtype": f"StepFunctions-{r['action']}",
                "parameters": params,
                "authorization": r.get("authorization", "NONE"),
            }
        )
    role = stack["role"]
    stage = stack.get("stage", {})
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    return {
        "stack": name,
        "region": stack["stack"].get("region"),
        "api_name": stack["api"]["name"],
        "role_name": role["name"],
        "policy_name": role["policy_name"],
        "trust": trust,
        "policy": _policy(routes, role.get("actions")),
        "managed_policies": list(role.get("managed_policies", [])),
        "routes": routes,
        "stage_name": stage.get("name", "$default"),
        "auto_deploy": stage.get("auto_deploy", True),
        "tags": tags,
    }


def _clients(spec: dict, endpoint_url: str | None):
    import boto3  # imported here so that bench.py can use load_spec without paying for boto3

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or spec["region"]
    kw = {"region_name": region}
    if endpoint_url:
        kw["endpoint_url"] = endpoint_url
    session = boto3.session.Session()
    return session.client("iam", **kw), session.client("apigatewayv2", **kw), session.client("stepfunctions", **kw)


def up(spec: dict, endpoint_url: str | None) -> None:
    iam, gw, _ = _clients(spec, endpoint_url)
    role_arn = iam.create_role(
        RoleName=spec["role_name"],
        AssumeRolePolicyDocument=json.dumps(spec["trust"]),
        Description=ROLE_DESCRIPTION,
        Tags=[{"Key": k, "Value": v} for k, v in sorted(spec["tags"].items())],
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=spec["role_name"], PolicyName=spec["policy_name"], PolicyDocument=json.dumps(spec["policy"])
    )
    for arn in spec["managed_policies"]:
        iam.attach_role_policy(RoleName=spec["role_name"], PolicyArn=arn)
    api_id = gw.create_api(Name=spec["api_name"], ProtocolType="HTTP", Tags=spec["tags"])["ApiId"]
    # Routes with the same subtype and parameters share one integration, as provision builds them.
    shared: dict[tuple[str, str], str] = {}
    for route in spec["routes"]:
        key = (route["subtype"], json.dumps(route["parameters"], sort_keys=True))
        if key not in shared:
            shared[key] = gw.create_integration(
                ApiId=api_id,
                IntegrationType="AWS_PROXY",
                IntegrationSubtype=route["subtype"],
                PayloadFormatVersion="1.0",
                CredentialsArn=role_arn,
                RequestParameters=route["parameters"],
            )["IntegrationId"]
        integration_id = shared[key]
        gw.create_route(
            ApiId=api_id,
            RouteKey=route["key"],
            Target=f"integrations/{integration_id}",
            AuthorizationType=route["authorization"],
        )
    gw.create_stage(ApiId=api_id, StageName=spec["stage_name"], AutoDeploy=spec["auto_deploy"], Tags=spec["tags"])
    print(f"created api {api_id} with {len(spec['routes'])} routes, role {role_arn}")


def _all(client, operation: str, key: str, **kw) -> list:
    return [item for page in client.get_paginator(operation).paginate(**kw) for item in page.get(key, [])]


def diff(spec: dict, endpoint_url: str | None) -> None:
    from botocore.exceptions import ClientError

    iam, gw, sfn = _clients(spec, endpoint_url)
    changes = []
    apis = [a for a in _all(gw, "get_apis", "Items") if a.get("Tags", {}).get(OWNER_TAG) == spec["stack"]]
    if apis:
        api_id = apis[0]["ApiId"]
        routes = _all(gw, "get_routes", "Items", ApiId=api_id)
        integrations = {i["IntegrationId"]: i for i in _all(gw, "get_integrations", "Items", ApiId=api_id)}
        stages = _all(gw, "get_stages", "Items", ApiId=api_id)
        live = {r["RouteKey"]: r for r in routes}
        for route in spec["routes"]:
            have = live.pop(route["key"], None)
            if have is None:
                changes.append(f"+ route {route['key']}")
                continue
            target = integrations.get((have.get("Target") or "").removeprefix("integrations/"))
            if not target or target.get("RequestParameters") != route["parameters"]:
                changes.append(f"~ integration {route['key']}")
        changes += [f"- route {k}" for k in live]
        if not any(s["StageName"] == spec["stage_name"] for s in stages):
            changes.append(f"+ stage {spec['stage_name']}")
    else:
        changes.append(f"+ api {spec['api_name']}")
    try:
        iam.get_role(RoleName=spec["role_name"])
        names = _all(iam, "list_role_policies", "PolicyNames", RoleName=spec["role_name"])
        for name in names:
            iam.get_role_policy(RoleName=spec["role_name"], PolicyName=name)
        if spec["policy_name"] not in names:
            changes.append(f"+ role_policy {spec['policy_name']}")
        _all(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=spec["role_name"])
    except ClientError as e:
        if e.response["Error"]["Code"] != "NoSuchEntity":
            raise
        changes.append(f"+ role {spec['role_name']}")
    for arn in sorted({r["state_machine"] for r in spec["routes"]}):
        sfn.describe_state_machine(stateMachineArn=arn)
    print(f"{len(changes)} change(s)" + "".join(f"\n  {c}" for c in changes))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["up", "diff"])
    parser.add_argument("stack")
    parser.add_argument("--endpoint-url")
    args = parser.parse_args()
    spec = load_spec(args.stack)
    import boto3  # noqa: F401  (loaded before the clock starts: the in-process time is the calls')

    started = time.perf_counter()
    (up if args.mode == "up" else diff)(spec, args.endpoint_url)
    # bench.py reports this next to the process wall time.
    print(f"BENCH_IN_PROCESS_SECONDS={time.perf_counter() - started:.6f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
