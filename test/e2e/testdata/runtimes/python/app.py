"""The python3.11 function of the end-to-end runtime tests: answers from its event and context."""

import os

ENV_KEYS = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_REGION",
    "_HANDLER",
    "LAMBDA_TASK_ROOT",
    "AWS_LAMBDA_RUNTIME_API",
    "GREETING",
]


def handle(event, context):
    return {
        "echo": "hello " + event["name"],
        "requestId": context.aws_request_id,
        "functionName": context.function_name,
        "memoryMB": context.memory_limit_in_mb,
        "arn": context.invoked_function_arn,
        "remainingMs": context.get_remaining_time_in_millis(),
        "env": {k: os.environ.get(k) for k in ENV_KEYS},
    }
