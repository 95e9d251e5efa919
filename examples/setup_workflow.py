"""Creates what the onboarding workflow writes to, a DynamoDB table and an SQS queue, in the AWS
account the environment points at: moto for the demo, a real account if you wish. The workflow
itself (the state machine and its execution role) is declared in stacks/onboarding.toml, and
`provision up` deploys it.

    python examples/setup_workflow.py [--endpoint-url URL] [--region REGION] [--machines]

With --machines it also creates the state machines by hand, as the demo did before the workflow
lived in the stack: `user-onboarding` (with a hand-made role, untagged, which `provision up
--adopt` takes over) and `user-onboarding-express`, the same workflow as an EXPRESS machine, for
the synchronous route of stacks/onboarding-secure.toml.

Idempotent: an existing table, queue and machines are reused. Prints the queue's URL (with
--machines, then the STANDARD machine's ARN).
"""

import argparse
import json
import pathlib
import sys

import boto3
from botocore.exceptions import ClientError

HERE = pathlib.Path(__file__).resolve().parent
TABLE = "user-onboarding-users"
QUEUE = "user-onboarding-welcome"
MACHINE = "user-onboarding"
EXPRESS = "user-onboarding-express"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url")
    parser.add_argument("--region", default="ap-southeast-2")
    parser.add_argument(
        "--machines", action="store_true", help="also create the state machines by hand (see above)"
    )
    args = parser.parse_args()
    kw = {"region_name": args.region}
    if args.endpoint_url:
        kw["endpoint_url"] = args.endpoint_url

    dynamodb = boto3.client("dynamodb", **kw)
    try:
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceInUseException":
            raise

    sqs = boto3.client("sqs", **kw)
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    print(queue_url)
    if args.machines:
        print(create_machines(kw, args.region, queue_url))
    return 0


def create_machines(kw: dict, region: str, queue_url: str) -> str:
    """The machines and their role made by hand, as before the stack declared the workflow."""
    iam = boto3.client("iam", **kw)
    account = boto3.client("sts", **kw).get_caller_identity()["Account"]
    role_name = "user-onboarding-workflow-role"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))
    except ClientError as e:
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="SaveUserAndQueueWelcome",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "dynamodb:PutItem",
                        "Resource": f"arn:aws:dynamodb:{region}:{account}:table/{TABLE}",
                    },
                    {
                        "Effect": "Allow",
                        "Action": "sqs:SendMessage",
                        "Resource": f"arn:aws:sqs:{region}:{account}:{QUEUE}",
                    },
                ],
            }
        ),
    )

    definition = (
        (HERE / "onboarding.asl.json")
        .read_text()
        .replace("${WelcomeQueueUrl}", queue_url)
        .replace("${UsersTable}", TABLE)
    )
    sfn = boto3.client("stepfunctions", **kw)
    arns = {}
    for name, kind in ((MACHINE, "STANDARD"), (EXPRESS, "EXPRESS")):
        arn = f"arn:aws:states:{region}:{account}:stateMachine:{name}"
        try:
            sfn.describe_state_machine(stateMachineArn=arn)
            sfn.update_state_machine(stateMachineArn=arn, definition=definition)
        except ClientError as e:
            if e.response["Error"]["Code"] != "StateMachineDoesNotExist":
                raise
            arn = sfn.create_state_machine(
                name=name,
                definition=definition,
                roleArn=f"arn:aws:iam::{account}:role/{role_name}",
                type=kind,
            )["stateMachineArn"]
        arns[name] = arn
    return arns[MACHINE]


if __name__ == "__main__":
    sys.exit(main())
