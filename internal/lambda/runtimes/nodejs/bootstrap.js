// Stratus's nodejs20.x Lambda runtime: fetches events from the Runtime API and calls the
// handler named by _HANDLER, with only Node's standard library.
//
// It is not the function's code and not the execution environment: the sandbox starts it
// as /usr/bin/node /var/runtime/nodejs/bootstrap.js with the Lambda environment set.
'use strict';

const http = require('http');
const path = require('path');
const fs = require('fs');
const util = require('util');
const { pathToFileURL } = require('url');

const RUNTIME_PATH = '/2018-06-01/runtime';
const [apiHost, apiPort] = splitAddress(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function splitAddress(address) {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

function request(method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: apiHost, port: apiPort, method, path: RUNTIME_PATH + urlPath, agent,
      headers: Object.assign(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, headers),
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---- logging: console methods write AWS's "time\trequestId\tLEVEL\tmessage" lines ----

let currentRequestId;

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', debug: 'DEBUG', warn: 'WARN', error: 'ERROR', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      let message = util.format(...args);
      if (method === 'trace') {
        message = util.format('Trace: %s\n%s', message, new Error().stack.split('\n').slice(2).join('\n'));
      }
      const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message.replace(/\n/g, '\r')}\n`;
      process.stdout.write(line);
    };
  }
}

// ---- errors, serialized as AWS's Node runtime does ----

function errorDoc(err) {
  if (err instanceof Error) {
    const name = err.name || 'Error';
    return {
      errorType: name,
      errorMessage: err.message,
      trace: typeof err.stack === 'string' ? err.stack.split('\n') : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

class RuntimeError extends Error {
  constructor(name, message, cause) {
    super(message);
    this.name = name;
    if (cause && cause.stack) {
      this.stack = `${name}: ${message}\n` + cause.stack.split('\n').slice(1).join('\n');
    }
  }
}

// ---- handler loading ----

const taskRoot = process.env.LAMBDA_TASK_ROOT || '/var/task';

function resolveModule(modulePath) {
  const base = path.resolve(taskRoot, modulePath);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    if (fs.existsSync(base + ext)) return base + ext;
  }
  return null;
}

async function loadModule(modulePath) {
  const file = resolveModule(modulePath);
  if (file === null) {
    // Let Node find it (a package in node_modules or on NODE_PATH), as AWS does.
    try {
      return require(modulePath);
    } catch (e) {
      if (e && e.code === 'MODULE_NOT_FOUND') {
        throw new RuntimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${__filename}`, e);
      }
      throw e;
    }
  }
  if (file.endsWith('.mjs')) return import(pathToFileURL(file).href);
  try {
    return require(file);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(file).href);
    throw e;
  }
}

async function loadHandler(fullHandler) {
  const base = path.basename(fullHandler);
  const dir = fullHandler.slice(0, fullHandler.length - base.length);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `Bad handler ${fullHandler}`);
  }
  const modulePath = dir + base.slice(0, dot);
  const handlerPath = base.slice(dot + 1);
  let mod;
  try {
    mod = await loadModule(modulePath);
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    if (e instanceof SyntaxError) {
      throw new RuntimeError('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`, e);
    }
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new RuntimeError('Runtime.ImportModuleError', `Error: ${e.message}`, e);
    }
    throw e;
  }
  let fn = mod;
  for (const part of handlerPath.split('.')) {
    fn = fn == null ? undefined : fn[part];
  }
  if (fn === undefined && mod && mod.default) {
    fn = mod.default;
    for (const part of handlerPath.split('.')) fn = fn == null ? undefined : fn[part];
  }
  if (fn === undefined) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${modulePath}.${handlerPath} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${modulePath}.${handlerPath} is not a function`);
  }
  return fn;
}

// ---- the invoke loop ----

function makeContext(headers, finish) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const env = process.env;
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    succeed: (result) => finish(null, result),
    fail: (err) => finish(err == null ? '' : err),
    done: (err, result) => finish(err, result),
  };
  if (headers['lambda-runtime-client-context']) {
    ctx.clientContext = JSON.parse(headers['lambda-runtime-client-context']);
  }
  if (headers['lambda-runtime-cognito-identity']) {
    const id = JSON.parse(headers['lambda-runtime-cognito-identity']);
    ctx.identity = { cognitoIdentityId: id.cognitoIdentityId, cognitoIdentityPoolId: id.cognitoIdentityPoolId };
  }
  return ctx;
}

function postError(urlPath, err) {
  const doc = errorDoc(err);
  return request('POST', urlPath, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
}

// Called when the event loop empties: posts a callback's result held until then.
let waitingForEmptyLoop = null;
process.on('beforeExit', () => {
  if (waitingForEmptyLoop) {
    const post = waitingForEmptyLoop;
    waitingForEmptyLoop = null;
    post();
  }
});

let currentInvocation = null;

function invoke(handler, res) {
  return new Promise((resolve) => {
    const id = res.headers['lambda-runtime-aws-request-id'];
    const urlPath = `/invocation/${id}`;
    currentRequestId = id;
    if (res.headers['lambda-runtime-trace-id']) {
      process.env._X_AMZN_TRACE_ID = res.headers['lambda-runtime-trace-id'];
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
    let finished = false;
    const post = async (err, result) => {
      try {
        if (err !== null && err !== undefined) {
          await postError(urlPath + '/error', err);
        } else {
          let body;
          try {
            body = JSON.stringify(result === undefined ? null : result);
          } catch (e) {
            await postError(urlPath + '/error', new RuntimeError('Runtime.MarshalError', 'Unable to stringify response body'));
            return;
          }
          const answer = await request('POST', urlPath + '/response', body);
          if (answer.status === 413) {
            console.error('Invoke Error', answer.body);
          }
        }
      } finally {
        currentInvocation = null;
        resolve();
      }
    };
    let context;
    const finish = (err, result, viaCallback) => {
      if (finished) return;
      finished = true;
      if (viaCallback && context.callbackWaitsForEmptyEventLoop) {
        waitingForEmptyLoop = () => post(err, result);
        return;
      }
      post(err, result);
    };
    context = makeContext(res.headers, (err, result) => finish(err, result, false));
    currentInvocation = { fail: (err) => finish(err, undefined, false) };
    let event;
    try {
      event = JSON.parse(res.body);
    } catch (e) {
      finish(new RuntimeError('Runtime.UnmarshalError', `Unable to parse event: ${e.message}`), undefined, false);
      return;
    }
    try {
      const callback = (err, result) => finish(err, result, true);
      const out = handler(event, context, callback);
      if (out && typeof out.then === 'function') {
        out.then((result) => finish(null, result, false), (err) => finish(err === undefined || err === null ? new Error(String(err)) : err, undefined, false));
      } else if (handler.length < 3) {
        // A synchronous function that takes no callback: as on AWS, its return value is
        // ignored and the invocation ends with null once the event loop empties.
        finish(null, undefined, true);
      }
    } catch (e) {
      finish(e, undefined, false);
    }
  });
}

process.on('uncaughtException', (err) => {
  if (currentInvocation) {
    const inv = currentInvocation;
    console.error('Uncaught Exception', util.inspect(err));
    inv.fail(err);
    return;
  }
  console.error('Uncaught Exception', util.inspect(err));
  process.exit(129);
});

process.on('unhandledRejection', (reason) => {
  const err = new RuntimeError('Runtime.UnhandledPromiseRejection', `${reason instanceof Error ? reason.name + ': ' + reason.message : reason}`, reason instanceof Error ? reason : undefined);
  if (currentInvocation) {
    currentInvocation.fail(err);
    return;
  }
  console.error('Unhandled Promise Rejection', util.inspect(err));
  process.exit(128);
});

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || '');
  } catch (e) {
    console.error(`${e.name}: ${e.message}`);
    await postError('/init/error', e);
    process.exit(129);
  }
  for (;;) {
    const res = await request('GET', '/invocation/next');
    if (res.status !== 200) {
      throw new Error(`runtime api /next answered ${res.status}: ${res.body}`);
    }
    await invoke(handler, res);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
