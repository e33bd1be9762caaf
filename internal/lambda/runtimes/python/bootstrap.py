"""Stratus's python3.11 Lambda runtime: fetches events from the Runtime API and calls the
handler named by _HANDLER, with only the standard library.

It is not the function's code and not the execution environment: the sandbox starts it as
/usr/bin/python3.11 /var/runtime/python/bootstrap.py with the Lambda environment set.
"""

import http.client
import importlib
import json
import os
import sys
import time
import traceback

RUNTIME_PATH = "/2018-06-01/runtime"


class RuntimeClient:
    """A keep-alive connection to the Runtime API."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self.host, self.port = host, int(port)
        self.conn = None

    def _request(self, method, path, body=None, headers=None, retry=True):
        # A GET is retried once on a fresh connection (a kept-alive one may
        # have been closed); a POST is not, since it may have been received.
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port)
            try:
                self.conn.request(method, RUNTIME_PATH + path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                return resp, resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt or not retry:
                    raise

    def next(self):
        resp, body = self._request("GET", "/invocation/next")
        if resp.status != 200:
            raise RuntimeError("runtime api /next answered %d: %r" % (resp.status, body))
        return resp.headers, body

    def post(self, path, payload, error_type=None):
        headers = {"Content-Type": "application/json"}
        if error_type:
            headers["Lambda-Runtime-Function-Error-Type"] = error_type
        try:
            resp, body = self._request("POST", path, payload, headers, retry=False)
        except (ConnectionError, http.client.HTTPException) as e:
            # The runtime carries on with the next invocation whatever became
            # of this one's answer.
            print("[ERROR] Runtime API POST %s failed: %s" % (path, e), file=sys.stderr, flush=True)
            return 0, b""
        return resp.status, body


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __init__(self, doc):
        self.cognito_identity_id = doc.get("cognitoIdentityId")
        self.cognito_identity_pool_id = doc.get("cognitoIdentityPoolId")


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __init__(self, doc):
        self.installation_id = doc.get("installation_id")
        self.app_title = doc.get("app_title")
        self.app_version_name = doc.get("app_version_name")
        self.app_version_code = doc.get("app_version_code")
        self.app_package_name = doc.get("app_package_name")


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __init__(self, doc):
        self.custom = doc.get("custom")
        self.env = doc.get("env")
        client = doc.get("client")
        self.client = Client(client) if client is not None else None


class LambdaContext:
    """The context object handed to the handler, with AWS's attribute names."""

    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = deadline_ms
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = CognitoIdentity(identity or {})

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def __repr__(self):
        return "LambdaContext([aws_request_id=%s,function_name=%s,function_version=%s])" % (
            self.aws_request_id, self.function_name, self.function_version)


class InitFault(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type, self.message, self.trace = error_type, message, trace or []


def set_paths():
    """Puts the task root and the layers on sys.path where AWS puts them."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    opt = os.environ.get("STRATUS_OPT_DIR", "/opt")
    layer_paths = [
        os.path.join(opt, "python", "lib", "python3.11", "site-packages"),
        os.path.join(opt, "python"),
    ]
    for p in reversed([task_root] + layer_paths):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)


def load_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise InitFault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, e))
    if not modname or not fname:
        raise InitFault("Runtime.MalformedHandlerName", "Bad handler '%s'" % handler)
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise InitFault("Runtime.BuiltInModuleConflict",
                            "Cannot use built-in module %s as a handler module" % modname)
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise InitFault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise InitFault("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e), trace)
    fn = getattr(module, fname, None)
    if fn is None:
        raise InitFault("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    return fn


def error_doc(error_type, message, request_id, trace):
    return json.dumps({
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    })


def user_trace(tb):
    """Formats the traceback's frames below the runtime's own frame, as AWS lists them."""
    return traceback.format_list(traceback.extract_tb(tb.tb_next if tb is not None else None))


def handle(client, handler, headers, body):
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    client_context = headers.get("Lambda-Runtime-Client-Context")
    identity = headers.get("Lambda-Runtime-Cognito-Identity")
    context = LambdaContext(
        request_id,
        int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
        headers.get("Lambda-Runtime-Invoked-Function-Arn"),
        json.loads(client_context) if client_context else None,
        json.loads(identity) if identity else None,
    )
    path = "/invocation/%s" % request_id
    try:
        event = json.loads(body) if body else None
    except ValueError as e:
        client.post(path + "/error", error_doc("Runtime.UnmarshalError",
                    "Unable to unmarshal input: %s" % e, request_id, []), "Runtime.UnmarshalError")
        return
    try:
        result = handler(event, context)
    except Exception as e:
        error_type = type(e).__name__
        client.post(path + "/error", error_doc(error_type, str(e), request_id, user_trace(e.__traceback__)), error_type)
        return
    try:
        payload = json.dumps(result)
    except (TypeError, ValueError) as e:
        client.post(path + "/error", error_doc("Runtime.MarshalError",
                    "Unable to marshal response: %s" % e, request_id, []), "Runtime.MarshalError")
        return
    status, answer = client.post(path + "/response", payload.encode("utf-8"))
    if status == 413:
        print("[ERROR] Response payload too large: %s" % answer.decode("utf-8", "replace"), file=sys.stderr, flush=True)


def main():
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    client = RuntimeClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    set_paths()
    try:
        handler = load_handler(os.environ.get("_HANDLER", ""))
    except InitFault as f:
        client.post("/init/error", error_doc(f.error_type, f.message, "", f.trace), f.error_type)
        print("[ERROR] %s: %s" % (f.error_type, f.message), file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception as e:
        error_type, message = type(e).__name__, str(e)
        client.post("/init/error", error_doc(error_type, message, "", user_trace(e.__traceback__)), error_type)
        sys.exit(1)
    while True:
        headers, body = client.next()
        handle(client, handler, headers, body)


if __name__ == "__main__":
    main()
