// The nodejs20.x function of the end-to-end runtime tests, as an async handler: answers
// from its event and context.
'use strict';

const ENV_KEYS = [
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_REGION',
  '_HANDLER',
  'LAMBDA_TASK_ROOT',
  'AWS_LAMBDA_RUNTIME_API',
  'GREETING',
];

function answer(event, context) {
  const env = {};
  for (const k of ENV_KEYS) env[k] = process.env[k] === undefined ? null : process.env[k];
  return {
    echo: `hello ${event.name}`,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    memoryMB: context.memoryLimitInMB,
    arn: context.invokedFunctionArn,
    remainingMs: context.getRemainingTimeInMillis(),
    env,
  };
}

exports.answer = answer;

exports.handler = async (event, context) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return answer(event, context);
};
