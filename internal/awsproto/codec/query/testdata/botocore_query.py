#!/usr/bin/env python3
"""Drive botocore's query/ec2 serializers and parsers for the Go tests.

Usage: botocore_query.py serialize|parse < requests.jsonl > results.jsonl

Every input line is a JSON object naming a model file ("model": a service-2.json or
.json.gz path), optionally a "protocol" to force on it, and an "operation".

serialize: "params" holds the operation's input in typed JSON ({"__ts": epoch
seconds} for timestamps, {"__b64": "..."} for blobs). Prints {"method", "headers",
"body"} as botocore's serializer produces them (the body as the url-encoded string
it would send).

parse: "status", "headers" and "body" (base64) are an HTTP response written by the
Go codec. Prints {"parsed": typed JSON of what botocore's parser returns, without
HTTP metadata}. Error responses are parsed as botocore's client does: the generic
error first, then the modeled error shape for the code, merged.

Output lines are in input order. Errors are reported per line as {"error": "..."}.
"""

import base64
import datetime
import gzip
import json
import sys

from botocore import parsers, serialize
from botocore.awsrequest import prepare_request_dict, AWSRequest
from botocore.model import ServiceModel

_models = {}


def service_model(path, protocol):
    key = (path, protocol)
    if key not in _models:
        opener = gzip.open if path.endswith('.gz') else open
        with opener(path, 'rt', encoding='utf-8') as f:
            data = json.load(f)
        if protocol:
            data['metadata']['protocol'] = protocol
            data['metadata']['protocols'] = [protocol]
            data['metadata'].setdefault('xmlNamespace', 'https://example.com/doc/')
        _models[key] = ServiceModel(data)
    return _models[key]


def from_typed(v):
    if isinstance(v, dict):
        if set(v) == {'__ts'}:
            return datetime.datetime.fromtimestamp(v['__ts'], tz=datetime.timezone.utc)
        if set(v) == {'__b64'}:
            return base64.b64decode(v['__b64'])
        return {k: from_typed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [from_typed(x) for x in v]
    return v


def to_typed(v):
    if isinstance(v, dict):
        return {k: to_typed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_typed(x) for x in v]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return {'__ts': v.timestamp()}
    if isinstance(v, (bytes, bytearray)):
        return {'__b64': base64.b64encode(v).decode('ascii')}
    return v


def do_serialize(req):
    sm = service_model(req['model'], req.get('protocol'))
    op = sm.operation_model(req['operation'])
    ser = serialize.create_serializer(sm.metadata['protocol'], include_validation=False)
    d = ser.serialize_to_request(from_typed(req.get('params') or {}), op)
    prepare_request_dict(d, endpoint_url='https://example.com')
    prepared = AWSRequest(method=d['method'], url=d['url'], data=d['body'], headers=d['headers']).prepare()
    body = prepared.body or b''
    if isinstance(body, bytes):
        body = body.decode('utf-8')
    return {'method': prepared.method, 'url': prepared.url, 'headers': dict(prepared.headers), 'body': body}


def do_parse(req):
    sm = service_model(req['model'], req.get('protocol'))
    op = sm.operation_model(req['operation'])
    parser = parsers.create_parser(sm.metadata['protocol'])
    response = {
        'status_code': req['status'],
        'headers': req.get('headers') or {},
        'body': base64.b64decode(req['body']),
    }
    parsed = parser.parse(response, op.output_shape)
    if req['status'] >= 300:
        code = parsed.get('Error', {}).get('Code')
        shape = sm.shape_for_error_code(code) if code else None
        if shape is not None:
            parsed.update(parser.parse(response, shape))
    meta = parsed.pop('ResponseMetadata', {})
    parsed = to_typed(parsed)
    if 'RequestId' in meta:
        parsed['__RequestId'] = meta['RequestId']
    return {'parsed': parsed}


def main():
    mode = sys.argv[1]
    handle = {'serialize': do_serialize, 'parse': do_parse}[mode]
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            result = handle(json.loads(line))
        except Exception as e:  # reported per line so one failure does not hide the rest
            result = {'error': '%s: %s' % (type(e).__name__, e)}
        out.write(json.dumps(result) + '\n')


if __name__ == '__main__':
    main()
