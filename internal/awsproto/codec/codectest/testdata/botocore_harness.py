#!/usr/bin/env python3
"""Round-trip harness between Stratus's Go codecs and botocore.

Two modes, both reading the repository's pinned models (--models DIR, the
models/ directory with <service>/<version>/service-2.json.gz):

requests --services a,b,...
    For every operation of every service, build a deterministic sample input
    (every member populated where possible, respecting min/max/enum and, where it
    can, pattern), serialize it with botocore's own serializer for the service's
    protocol, and print one JSON line per operation:
      {"service", "operation", "method", "url" (path and query), "headers",
       "body" (base64), "params" (typed), "unsatisfied" (paths whose pattern the
       generator could not satisfy), "skip" (why the operation was not built)}
    Typed values: timestamps are {"__ts": epoch seconds}, blobs {"__b64": ...}.

parse
    Read JSON lines {"id", "service", "operation", "kind": "response"|"error",
    "status", "headers", "body" (base64)} from stdin, parse each with botocore's
    parser for the protocol against the operation's output shape, and print
    {"id", "parsed"} (typed, ResponseMetadata dropped) for responses and
    {"id", "code", "message", "query_code"} for errors; {"id", "error"} when
    botocore fails.

Only the standard library and botocore are used.
"""

import argparse
import base64
import datetime
import io
import json
import re
import sys
import warnings

import botocore.awsrequest
import botocore.loaders
import botocore.model
import botocore.parsers
import botocore.response
import botocore.serialize

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_constants
    import sre_parse

PREFERRED = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/"
SAMPLE_TIME = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
MAX_DEPTH = 5


# --- Java patterns as Python patterns -------------------------------------

JAVA_CLASSES = {
    "L": "a-zA-Z", "Lu": "A-Z", "Ll": "a-z", "N": "0-9", "Nd": "0-9", "Z": " ", "Zs": " ",
    "ASCII": "\\x00-\\x7f", "Alpha": "a-zA-Z", "Alnum": "a-zA-Z0-9", "Digit": "0-9",
    "Lower": "a-z", "Upper": "A-Z", "Punct": "!-/:-@\\[-`{-~", "Graph": "!-~", "Print": " -~",
    "Space": " \\t\\n\\x0b\\f\\r", "XDigit": "0-9a-fA-F", "Blank": " \\t", "Cntrl": "\\x00-\\x1f",
    "IsAlphabetic": "a-zA-Z", "IsLetter": "a-zA-Z", "IsDigit": "0-9",
}


def java_to_python(pattern):
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            if n in "pP":
                m = re.match(r"\{(\w+)\}", pattern[i + 2:])
                name = m.group(1) if m else pattern[i + 2:i + 3]
                length = len(m.group(0)) if m else 1
                cls = JAVA_CLASSES.get(name)
                if cls is None:
                    raise ValueError("unsupported class " + name)
                if n == "P":
                    out.append("[^" + cls + "]")
                else:
                    out.append(cls if in_class else "[" + cls + "]")
                i += 2 + length
                continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class and pattern[i - 1] != "[":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


# --- strings that satisfy a pattern ----------------------------------------

def in_set(ch, items):
    negate = False
    hit = False
    for op, av in items:
        if op is sre_constants.NEGATE:
            negate = True
        elif op is sre_constants.LITERAL:
            hit = hit or ord(ch) == av
        elif op is sre_constants.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is sre_constants.CATEGORY:
            hit = hit or category_has(av, ch)
    return hit != negate


def category_has(cat, ch):
    name = str(cat)
    if "NOT_" in name:
        return not category_has_positive(name.replace("NOT_", ""), ch)
    return category_has_positive(name, ch)


def category_has_positive(name, ch):
    if "DIGIT" in name:
        return ch.isdigit()
    if "SPACE" in name:
        return ch.isspace()
    if "WORD" in name:
        return ch.isalnum() or ch == "_"
    return False


def pick_char(items):
    for ch in PREFERRED:
        if in_set(ch, items):
            return ch
    for code in range(0x20, 0x250):
        if in_set(chr(code), items):
            return chr(code)
    return "a"


class PatternWalker:
    """Builds a string from a parsed regular expression: repeat counts near
    `target`, branch `branch` (modulo) where there is a choice."""

    def __init__(self, target, branch):
        self.target, self.branch, self.groups = target, branch, {}

    def walk(self, parsed):
        return "".join(self.node(op, av) for op, av in parsed)

    def node(self, op, av):
        if op is sre_constants.LITERAL:
            return chr(av)
        if op is sre_constants.NOT_LITERAL:
            return "a" if av != ord("a") else "b"
        if op is sre_constants.ANY:
            return "a"
        if op is sre_constants.IN:
            return pick_char(av)
        if op is sre_constants.CATEGORY:
            return {"DIGIT": "1", "SPACE": " ", "WORD": "a"}.get(str(av).split("_")[-1], "a")
        if op is sre_constants.BRANCH:
            options = av[1]
            return self.walk(options[self.branch % len(options)])
        if op is sre_constants.SUBPATTERN:
            group, sub = av[0], av[-1]
            text = self.walk(sub)
            if group:
                self.groups[group] = text
            return text
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, getattr(sre_constants, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = self.target if hi == sre_constants.MAXREPEAT else hi
            count = max(lo, min(hi, self.target))
            return "".join(self.walk(sub) for _ in range(count))
        if op is sre_constants.GROUPREF:
            return self.groups.get(av, "")
        if op is getattr(sre_constants, "ATOMIC_GROUP", None):
            return self.walk(av)
        return ""  # AT (anchors), ASSERT, ASSERT_NOT


def string_for(shape, hint):
    """Returns (value, satisfied)."""
    lo = shape.metadata.get("min", 0)
    hi = shape.metadata.get("max", 256)
    pattern = shape.metadata.get("pattern")

    def fits(s):
        if not (lo <= len(s) <= hi):
            return False
        if pattern is None:
            return True
        try:
            return re.fullmatch(java_to_python(pattern), s, re.DOTALL) is not None
        except (ValueError, re.error):
            return False  # Python cannot check it: do not claim the sample satisfies it

    def sized(s):
        if len(s) < lo:
            s = s + "x" * (lo - len(s))
        return s[:hi] if hi >= 1 else s

    base = sized(hint)
    if fits(base):
        return base, True
    if pattern is not None:
        try:
            parsed = sre_parse.parse(java_to_python(pattern))
        except (ValueError, re.error):
            parsed = None
        if parsed is not None:
            targets = {1, 2, 3, 5, 8, 12, 20, 32, 64, 128, 256, 512, 1024, max(lo, 1), min(hi, 1024)}
            for target in sorted(targets):
                for branch in range(4):
                    s = PatternWalker(target, branch).walk(parsed)
                    if fits(s):
                        return s, True
    return base, False


# --- sample inputs -------------------------------------------------------------

class Generator:
    def __init__(self):
        self.unsatisfied = []

    def value(self, shape, path, depth, hint, variant=0, member=None):
        t = shape.type_name
        serialization = member.serialization if member is not None else {}
        if t == "structure":
            if shape.is_document_type:
                return {"k": "v", "n": 1.5, "l": [True, "x"]}
            return self.structure(shape, path, depth)
        if t == "list":
            n = self.count(shape)
            items = [self.value(shape.member, "%s[%d]" % (path, i), depth + 1, hint, i) for i in range(n)]
            # An empty structure is invisible on some wires: leave it out.
            return [v for v in items if v != {}]
        if t == "map":
            n = self.count(shape)
            out = {}
            for i in range(n):
                key = self.value(shape.key, path + ".key", depth + 1, "k%d" % (i + 1), i)
                if serialization.get("location") == "headers":
                    key = key.lower()
                out[key] = self.value(shape.value, "%s[%s]" % (path, key), depth + 1, "v%d" % (i + 1), i)
            return out
        if t == "string":
            if serialization.get("jsonvalue") or shape.serialization.get("jsonvalue"):
                return {"k": "v", "l": [1.5, True]}
            enum = shape.enum
            if enum:
                return enum[variant % len(enum)]
            s, ok = string_for(shape, "%s-%d" % (hint.lower(), variant))
            if not ok:
                self.unsatisfied.append(path)
            return s
        if t in ("integer", "long"):
            base = 7 + variant if t == "integer" else 1234567890123 + variant
            return self.clamp(shape, base)
        if t in ("float", "double"):
            return float(self.clamp(shape, 2.5 + variant))
        if t == "boolean":
            return variant % 2 == 0
        if t == "timestamp":
            return SAMPLE_TIME + datetime.timedelta(seconds=variant)
        if t == "blob":
            data = b"\x00\x01\xffblob" + bytes([variant])
            lo = shape.metadata.get("min", 0)
            hi = shape.metadata.get("max", len(data))
            if len(data) < lo:
                data += b"x" * (lo - len(data))
            return data[:max(hi, lo)]
        raise ValueError("unknown type " + t)

    def count(self, shape):
        lo = shape.metadata.get("min", 0)
        hi = shape.metadata.get("max", 2)
        return max(lo, min(2, hi))

    def clamp(self, shape, v):
        lo = shape.metadata.get("min")
        hi = shape.metadata.get("max")
        if hi is not None and v > hi:
            v = hi
        if lo is not None and v < lo:
            v = lo
        return v

    def structure(self, shape, path, depth):
        out = {}
        required = set(shape.required_members)
        members = shape.members
        names = list(members)
        if shape.is_tagged_union:
            names = names[:1]
        for name in names:
            m = members[name]
            if m.serialization.get("eventstream") or getattr(m, "type_name", "") == "structure" and m.serialization.get("eventstream"):
                continue
            if depth >= MAX_DEPTH and name not in required:
                continue
            if depth >= MAX_DEPTH * 2:
                continue
            if m.serialization.get("location") == "header" and m.type_name in ("blob", "structure", "map"):
                continue
            if m.serialization.get("location") in ("uri",) and m.type_name not in ("string", "integer", "long", "boolean"):
                continue
            v = self.value(m, path + "." + name if path else name, depth + 1, name, 0, member=m)
            if (v == {} or v == []) and name not in required and not getattr(m, "is_document_type", False):
                continue  # invisible on some wires (query), so not comparable
            out[name] = v
        return out


def typed(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return {"__ts": v.timestamp()}
    if isinstance(v, (bytes, bytearray)):
        return {"__b64": base64.b64encode(bytes(v)).decode()}
    if isinstance(v, botocore.response.StreamingBody):
        return typed(v.read())
    if isinstance(v, dict):
        return {k: typed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    return v


# --- modes ------------------------------------------------------------------------

def load_service(loader, name, cache):
    if name not in cache:
        data = loader.load_service_model(name, "service-2")
        cache[name] = botocore.model.ServiceModel(data, service_name=name)
    return cache[name]


def has_event_stream(shape):
    if shape is None:
        return False
    for m in shape.members.values():
        if m.serialization.get("eventstream"):
            return True
    return False


def requests_mode(loader, services, out):
    cache = {}
    for name in services:
        sm = load_service(loader, name, cache)
        protocol = sm.metadata["protocol"]
        serializer = botocore.serialize.create_serializer(protocol, include_validation=True)
        for op_name in sorted(sm.operation_names):
            op = sm.operation_model(op_name)
            line = {"service": name, "operation": op_name}
            if has_event_stream(op.input_shape):
                line["skip"] = "event stream input"
                out.write(json.dumps(line) + "\n")
                continue
            gen = Generator()
            params = gen.structure(op.input_shape, "", 0) if op.input_shape is not None else {}
            try:
                req = serializer.serialize_to_request(params, op)
                botocore.awsrequest.prepare_request_dict(req, endpoint_url="https://stratus.test", context={})
                prepared = botocore.awsrequest.create_request_object(req).prepare()
            except Exception as e:  # a generator gap: report, do not hide
                line["skip"] = "botocore rejected the sample: %s" % e
                out.write(json.dumps(line) + "\n")
                continue
            url = prepared.url.split("://", 1)[1]
            url = url[url.index("/"):] if "/" in url else "/"
            body = prepared.body or b""
            if isinstance(body, str):
                body = body.encode("utf-8")
            line.update({
                "method": prepared.method,
                "url": url,
                "headers": {k: v for k, v in prepared.headers.items()},
                "body": base64.b64encode(body).decode(),
                "params": typed(params),
                "unsatisfied": gen.unsatisfied,
            })
            out.write(json.dumps(line) + "\n")


def parse_mode(loader, inp, out):
    cache = {}
    for raw in inp:
        raw = raw.strip()
        if not raw:
            continue
        item = json.loads(raw)
        result = {"id": item["id"]}
        try:
            sm = load_service(loader, item["service"], cache)
            op = sm.operation_model(item["operation"])
            parser = botocore.parsers.create_parser(sm.metadata["protocol"])
            body = base64.b64decode(item["body"])
            if item["kind"] == "response" and op.has_streaming_output:
                body = botocore.response.StreamingBody(io.BytesIO(body), len(body))
            headers = botocore.awsrequest.HeadersDict()
            for k, v in item["headers"].items():
                headers[k] = v
            response = {"status_code": item["status"], "headers": headers, "body": body,
                        "context": {"operation_name": op.name}}
            parsed = parser.parse(response, op.output_shape)
            if item["kind"] == "error":
                err = parsed.get("Error", {})
                result.update({"code": err.get("Code"), "message": err.get("Message"),
                               "query_code": err.get("QueryErrorCode")})
            else:
                result["request_id"] = parsed.pop("ResponseMetadata", {}).get("RequestId")
                result["parsed"] = typed(parsed)
        except Exception as e:
            result["error"] = "%s: %s" % (type(e).__name__, e)
        out.write(json.dumps(result) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["requests", "parse"])
    ap.add_argument("--models", required=True)
    ap.add_argument("--services", default="")
    args = ap.parse_args()
    loader = botocore.loaders.Loader(extra_search_paths=[args.models], include_default_search_paths=False)
    if args.mode == "requests":
        requests_mode(loader, [s for s in args.services.split(",") if s], sys.stdout)
    else:
        parse_mode(loader, sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
