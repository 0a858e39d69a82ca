#!/usr/bin/env python3
"""Generate Sources/AWSShapes/Generated from the AWS service models botocore ships.

For each served service this writes three files:
  <Service>+Model.swift       the shape table and operation table the wire codecs read
  <Service>+Shapes.swift      typed Swift structs for every generated structure shape
  <Service>+Operations.swift  the operation enum, typed operation descriptors and error types

CloudWatch, CloudWatch Logs, CloudTrail and STS are generated whole; IAM, SNS and S3 only for
the operations listed in SUBSETS (every operation still appears in the operation enum, so the
route table can name what is not built).

Usage:  python3 scripts/generate_shapes.py [--out DIR] [--check]
--check regenerates into a temporary folder and fails if anything differs from the committed
files (the end-to-end suite runs it).
"""
import argparse
import filecmp
import gzip
import json
import os
import re
import sys
import tempfile

import botocore

SERVICES = [
    # (swift namespace, botocore folder, AWSService case)
    ("CloudWatch", "cloudwatch", "cloudWatch"),
    ("CloudWatchLogs", "logs", "logs"),
    ("CloudTrail", "cloudtrail", "cloudTrail"),
    ("STS", "sts", "sts"),
    ("IAM", "iam", "iam"),
    ("SNS", "sns", "sns"),
    ("S3", "s3", "s3"),
]

SUBSETS = {
    "iam": [
        "CreateUser", "GetUser", "DeleteUser", "ListUsers",
        "CreateAccessKey", "DeleteAccessKey", "ListAccessKeys", "UpdateAccessKey",
        "CreateRole", "GetRole", "DeleteRole", "ListRoles",
    ],
    "sns": [
        "CreateTopic", "DeleteTopic", "ListTopics", "GetTopicAttributes", "SetTopicAttributes",
        "Subscribe", "ConfirmSubscription", "Unsubscribe", "ListSubscriptions",
        "ListSubscriptionsByTopic", "GetSubscriptionAttributes", "Publish",
        "TagResource", "UntagResource", "ListTagsForResource",
    ],
    "s3": [
        "CreateBucket", "HeadBucket", "ListBuckets", "DeleteBucket", "GetBucketLocation",
        "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy",
        "PutObject", "GetObject", "HeadObject", "DeleteObject", "DeleteObjects", "CopyObject",
        "ListObjects", "ListObjectsV2",
        "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload",
    ],
}

SWIFT_KEYWORDS = {
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "protocol", "public",
    "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch",
    "continue", "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in",
    "repeat", "return", "throw", "switch", "where", "while", "as", "false", "is", "nil", "self",
    "Self", "super", "throws", "true", "try", "any", "some", "Type", "Protocol",
}
RESERVED_TYPE_NAMES = {
    "Error", "Type", "Protocol", "Self", "Any", "Data", "Date", "Result", "Optional", "Set",
    "Array", "Dictionary", "Bool", "Int", "Double", "String", "Range", "Blob", "Operation",
    "API", "Errors", "Shape", "Member", "Encoding", "Character", "Float",
}
# Limits AWS documents and enforces that the service models leave out (or get wrong). They go into the
# generated shapes so that the decoders stop reading a list one past its limit (a PutMetricData
# of a million empty datums is refused after 1,001) and the validator answers AWS's message.
LIMIT_OVERRIDES = {
    ("cloudwatch", "MetricData"): {"max": 1000},
    # The model forbids ':' in a metric filter's namespace; AWS accepts it (`App:Errors`).
    ("logs", "MetricNamespace"): {"pattern": "[^*$]*"},
}

SCALAR_SWIFT = {
    "string": "String", "integer": "Int", "long": "Int", "float": "Double", "double": "Double",
    "boolean": "Bool", "timestamp": "Date", "blob": "Blob", "document": "WireValue",
}


def lower_camel(name):
    """MetricData -> metricData, KMSKeyId -> kmsKeyId, ARN -> arn, S3BucketName -> s3BucketName."""
    if not name:
        return name
    i = 0
    while i < len(name) and (name[i].isupper() or name[i].isdigit()):
        i += 1
    if i == 0:
        out = name
    elif i == len(name):
        out = name.lower()
    elif i == 1:
        out = name[0].lower() + name[1:]
    else:
        out = name[: i - 1].lower() + name[i - 1:]
    out = re.sub(r"[^A-Za-z0-9_]", "_", out)
    if out[0].isdigit():
        out = "_" + out
    if out in SWIFT_KEYWORDS:
        out = "`" + out + "`"
    return out


def type_name(shape_name):
    t = re.sub(r"[^A-Za-z0-9_]", "_", shape_name)
    if t in RESERVED_TYPE_NAMES:
        t += "Shape"
    return t


def swift_string(s):
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def number(v):
    f = float(v)
    return repr(int(f)) + ".0" if f.is_integer() and abs(f) < 1e16 else repr(f)


class ServiceGen:
    def __init__(self, namespace, folder, case, data_dir):
        path = os.path.join(data_dir, folder)
        version = sorted(os.listdir(path))[-1]
        with gzip.open(os.path.join(path, version, "service-2.json.gz")) as f:
            self.model = json.load(f)
        self.namespace = namespace
        self.folder = folder
        self.case = case
        self.meta = self.model["metadata"]
        self.shapes_json = self.model["shapes"]
        for (service, shape), limits in LIMIT_OVERRIDES.items():
            if service == folder and shape in self.shapes_json:
                self.shapes_json[shape].update(limits)
        all_ops = sorted(self.model["operations"])
        subset = SUBSETS.get(folder)
        self.all_ops = all_ops
        self.modeled_ops = [o for o in all_ops if subset is None or o in subset]
        if subset:
            missing = set(subset) - set(all_ops)
            if missing:
                raise SystemExit(f"{folder}: unknown operations in subset: {sorted(missing)}")
        self.collect_shapes()

    def collect_shapes(self):
        needed = set()

        def visit(name):
            if name in needed:
                return
            needed.add(name)
            sh = self.shapes_json[name]
            for m in sh.get("members", {}).values():
                visit(m["shape"])
            for k in ("member", "key", "value"):
                if k in sh:
                    visit(sh[k]["shape"])

        for op_name in self.modeled_ops:
            op = self.model["operations"][op_name]
            for k in ("input", "output"):
                if k in op:
                    visit(op[k]["shape"])
            for e in op.get("errors", []):
                visit(e["shape"])
        self.shape_names = sorted(needed)
        self.index = {n: i for i, n in enumerate(self.shape_names)}

    # ---- model table -------------------------------------------------------------------
    def shape_expr(self, name):
        sh = self.shapes_json[name]
        kind = sh["type"]
        args = [swift_string(name), "." + kind]
        if kind == "structure":
            required = set(sh.get("required", []))
            members = []
            for mname, m in sh.get("members", {}).items():
                margs = [swift_string(mname), str(self.index[m["shape"]])]
                if "locationName" in m:
                    margs.append("wireName: " + swift_string(m["locationName"]))
                if m.get("location"):
                    margs.append("location: ." + {"header": "header", "headers": "headers", "uri": "uri",
                                                   "querystring": "querystring",
                                                   "statusCode": "statusCode"}[m["location"]])
                if mname in required:
                    margs.append("required: true")
                if m.get("flattened"):
                    margs.append("flattened: true")
                if m.get("xmlAttribute"):
                    margs.append("xmlAttribute: true")
                if "xmlNamespace" in m:
                    margs.append("xmlNamespace: " + swift_string(m["xmlNamespace"].get("uri", "")))
                if m.get("idempotencyToken"):
                    margs.append("idempotencyToken: true")
                if "timestampFormat" in m:
                    margs.append("timestampFormat: ." + m["timestampFormat"])
                members.append("M(" + ", ".join(margs) + ")")
            if members:
                args.append("members: [\n            " + ",\n            ".join(members) + "]")
            if "payload" in sh:
                args.append("payload: " + swift_string(sh["payload"]))
            if "error" in sh or sh.get("exception"):
                err = sh.get("error", {})
                code = err.get("code")
                args.append("error: .init(code: %s, status: %d, senderFault: %s)" % (
                    swift_string(code) if code else "nil", err.get("httpStatusCode", 400),
                    "true" if err.get("senderFault", err.get("httpStatusCode", 400) < 500) else "false"))
                args.append("isException: true")
            if sh.get("union"):
                args.append("isUnion: true")
        elif kind == "list":
            args.append("element: %d" % self.index[sh["member"]["shape"]])
            if "locationName" in sh["member"]:
                args.append("elementName: " + swift_string(sh["member"]["locationName"]))
        elif kind == "map":
            args.append("element: %d" % self.index[sh["value"]["shape"]])
            args.append("key: %d" % self.index[sh["key"]["shape"]])
            if "locationName" in sh["value"]:
                args.append("elementName: " + swift_string(sh["value"]["locationName"]))
            if "locationName" in sh["key"]:
                args.append("keyName: " + swift_string(sh["key"]["locationName"]))
        if sh.get("flattened"):
            args.append("flattened: true")
        if "min" in sh:
            args.append("min: " + number(sh["min"]))
        if "max" in sh:
            args.append("max: " + number(sh["max"]))
        if "enum" in sh:
            args.append("enumValues: [" + ", ".join(swift_string(v) for v in sh["enum"]) + "]")
        if "pattern" in sh:
            args.append("pattern: " + swift_string(sh["pattern"]))
        if "timestampFormat" in sh:
            args.append("timestampFormat: ." + sh["timestampFormat"])
        if sh.get("sensitive"):
            args.append("sensitive: true")
        if sh.get("streaming"):
            args.append("streaming: true")
        return "Shape(" + ", ".join(args) + ")"

    def operation_expr(self, op_name):
        op = self.model["operations"][op_name]
        args = [swift_string(op_name)]
        http = op.get("http", {})
        if http.get("method", "POST") != "POST":
            args.append("method: " + swift_string(http["method"]))
        if http.get("requestUri", "/") != "/":
            args.append("requestURI: " + swift_string(http["requestUri"]))
        modeled = op_name in self.modeled_ops
        if modeled and "input" in op:
            args.append("input: %d" % self.index[op["input"]["shape"]])
        if modeled and "output" in op:
            args.append("output: %d" % self.index[op["output"]["shape"]])
            if "resultWrapper" in op["output"]:
                args.append("resultWrapper: " + swift_string(op["output"]["resultWrapper"]))
        if modeled and op.get("errors"):
            args.append("errors: [" + ", ".join(str(self.index[e["shape"]]) for e in op["errors"]) + "]")
        if op.get("authtype") == "none" or op.get("auth") == ["smithy.api#noAuth"]:
            args.append("requiresAuth: false")
        if http.get("responseCode", 200) != 200:
            args.append("successCode: %d" % http["responseCode"])
        return "OperationModel(" + ", ".join(args) + ")"

    def header(self, what):
        return ("// GENERATED by scripts/generate_shapes.py from the botocore %s model of %s "
                "(%s, API %s).\n// %s Do not edit: change the script and regenerate.\n\n") % (
            botocore.__version__, self.meta.get("serviceFullName", self.folder), self.folder,
            self.meta["apiVersion"], what)

    def model_file(self):
        out = [self.header("The shape and operation tables the wire codecs read."),
               "public import AWSWire\n", "import TrailwatchCore\n\n",
               "private typealias M = Member\n\n",
               "extension %s {\n" % self.namespace,
               "    /// The %s service model.\n" % self.meta.get("serviceFullName"),
               "    public static let model = ServiceModel(\n",
               "        service: .%s,\n" % self.case,
               "        apiVersion: %s,\n" % swift_string(self.meta["apiVersion"]),
               "        targetPrefix: %s,\n" % (swift_string(self.meta["targetPrefix"]) if "targetPrefix" in self.meta else "nil"),
               "        jsonVersion: %s,\n" % (swift_string(self.meta["jsonVersion"]) if "jsonVersion" in self.meta else "nil"),
               "        xmlNamespace: %s,\n" % (swift_string(self.meta["xmlNamespace"]) if "xmlNamespace" in self.meta else "nil"),
               "        queryCompatible: %s,\n" % ("true" if "awsQueryCompatible" in self.meta else "false"),
               "        shapes: makeShapes(),\n",
               "        operations: makeOperations(),\n",
               "        modeledOperations: [%s])\n\n" % ", ".join(swift_string(o) for o in self.modeled_ops),
               "    private static func makeShapes() -> [Shape] {\n",
               "        var s: [Shape] = []\n",
               "        s.reserveCapacity(%d)\n" % len(self.shape_names)]
        for i, name in enumerate(self.shape_names):
            out.append("        s.append(%s)  // %d\n" % (self.shape_expr(name), i))
        out.append("        return s\n    }\n\n")
        out.append("    private static func makeOperations() -> [OperationModel] {\n        [\n")
        for op in self.all_ops:
            out.append("            %s,\n" % self.operation_expr(op))
        out.append("        ]\n    }\n}\n")
        return "".join(out)

    # ---- typed structs -----------------------------------------------------------------
    def swift_type(self, shape_name):
        sh = self.shapes_json[shape_name]
        kind = sh["type"]
        if kind == "structure":
            return type_name(shape_name)
        if kind == "list":
            return "[" + self.swift_type(sh["member"]["shape"]) + "]"
        if kind == "map":
            return "[String: " + self.swift_type(sh["value"]["shape"]) + "]"
        return SCALAR_SWIFT[kind]

    def struct_shapes(self):
        return [n for n in self.shape_names if self.shapes_json[n]["type"] == "structure"]

    def direct_recursive(self, owner, member_shape):
        """True when a member's shape reaches `owner` through structures only (needs a box)."""
        seen = set()

        def reaches(name):
            if name == owner:
                return True
            if name in seen:
                return False
            seen.add(name)
            sh = self.shapes_json[name]
            if sh["type"] != "structure":
                return False
            return any(reaches(m["shape"]) for m in sh.get("members", {}).values())

        return reaches(member_shape)

    def shapes_file(self):
        out = [self.header("Typed inputs, outputs and the structures they contain."),
               "public import AWSWire\n", "FOUNDATION_IMPORT", "public import TrailwatchCore\n\n",
               "/// Shapes of the %s API.\n" % self.meta.get("serviceFullName"),
               "public enum %s {}\n\n" % self.namespace,
               "extension %s {\n" % self.namespace]
        for name in self.struct_shapes():
            sh = self.shapes_json[name]
            required = set(sh.get("required", []))
            members = []
            used = set()
            for mname, m in sh.get("members", {}).items():
                prop = lower_camel(mname)
                if prop in ("wireValue", "init") or prop in used:
                    prop = prop.strip("`") + "_"
                used.add(prop)
                stype = self.swift_type(m["shape"])
                boxed = self.direct_recursive(name, m["shape"]) and self.shapes_json[m["shape"]]["type"] == "structure"
                if boxed:
                    stype = "Indirect<%s>" % stype
                req = mname in required and not sh.get("union")
                members.append((mname, prop, stype, req))
            tname = type_name(name)
            out.append("\n    /// The `%s` shape.\n" % name)
            out.append("    public struct %s: WireStructure, Equatable {\n" % tname)
            for mname, prop, stype, req in members:
                out.append("        public var %s: %s%s\n" % (prop, stype, "" if req else "?"))
            # memberwise init
            params = ", ".join("%s: %s%s" % (p.strip("`"), t, "" if r else "? = nil") for _, p, t, r in members)
            out.append("\n        public init(%s) {\n" % params)
            for _, prop, _, _ in members:
                out.append("            self.%s = %s\n" % (prop.strip("`"), prop))
            out.append("        }\n\n")
            out.append("        public init(wire: WireValue) throws {\n")
            if members:
                out.append("            let f = try WireFields(wire, shape: %s)\n" % swift_string(name))
                for mname, prop, _, req in members:
                    out.append("            self.%s = try f.%s(%s)\n" % (
                        prop.strip("`"), "required" if req else "optional", swift_string(mname)))
            out.append("        }\n\n")
            out.append("        public var wireValue: WireValue {\n")
            if members:
                out.append("            var w = WireFieldsWriter()\n")
                for mname, prop, _, _ in members:
                    out.append("            w.set(%s, %s)\n" % (swift_string(mname), prop))
                out.append("            return w.value\n")
            else:
                out.append("            .map([:])\n")
            out.append("        }\n    }\n")
        out.append("}\n")
        text = "".join(out)
        uses_date = re.search(r"\bDate\b", text.split("public enum", 1)[1]) is not None
        return text.replace("FOUNDATION_IMPORT", "public import Foundation\n" if uses_date else "", 1)

    # ---- operations & errors -----------------------------------------------------------
    def operations_file(self):
        out = [self.header("The operation enum, typed operation descriptors and error types."),
               "public import AWSWire\n", "public import TrailwatchCore\n\n",
               "extension %s {\n" % self.namespace,
               "    /// Every operation of the service in AWS, whether or not Trailwatch builds it.\n",
               "    public enum Operation: String, Sendable, CaseIterable {\n"]
        for op in self.all_ops:
            out.append("        case %s = %s\n" % (lower_camel(op), swift_string(op)))
        out.append("    }\n\n")
        out.append("    /// Typed descriptors of the operations whose shapes are generated.\n")
        out.append("    public enum API {\n")
        for op_name in self.modeled_ops:
            op = self.model["operations"][op_name]
            inp = type_name(op["input"]["shape"]) if "input" in op else "EmptyShape"
            outp = type_name(op["output"]["shape"]) if "output" in op else "EmptyShape"
            out.append("        public static let %s = OperationDescriptor<%s, %s>(model: %s.model, name: %s)\n" % (
                lower_camel(op_name), inp, outp, self.namespace, swift_string(op_name)))
        out.append("    }\n\n")
        out.append("    /// The modeled error types, named after their shapes.\n")
        out.append("    public enum Errors {\n")
        for name in self.shape_names:
            sh = self.shapes_json[name]
            if not sh.get("exception"):
                continue
            err = sh.get("error", {})
            code = err.get("code")
            status = err.get("httpStatusCode", 400)
            fault = ".sender" if err.get("senderFault", status < 500) else ".receiver"
            args = [swift_string(name)]
            if code and code != name:
                args.append("queryCode: " + swift_string(code))
            args.append("status: %d" % status)
            args.append("fault: " + fault)
            out.append("        public static let %s = AWSErrorType(%s)\n" % (lower_camel(name), ", ".join(args)))
        out.append("    }\n}\n")
        return "".join(out)


def generate(out_dir, data_dir):
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for namespace, folder, case in SERVICES:
        gen = ServiceGen(namespace, folder, case, data_dir)
        for suffix, text in (("Model", gen.model_file()), ("Shapes", gen.shapes_file()),
                             ("Operations", gen.operations_file())):
            path = os.path.join(out_dir, "%s+%s.swift" % (namespace, suffix))
            with open(path, "w") as f:
                f.write(text)
            written.append(os.path.basename(path))
    return written


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_out = os.path.join(root, "Sources", "AWSShapes", "Generated")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=default_out)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    data_dir = os.path.join(os.path.dirname(botocore.__file__), "data")
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            names = generate(tmp, data_dir)
            committed = sorted(n for n in os.listdir(args.out) if n.endswith(".swift"))
            stale = [n for n in names if not os.path.exists(os.path.join(args.out, n))
                     or not filecmp.cmp(os.path.join(tmp, n), os.path.join(args.out, n), shallow=False)]
            extra = sorted(set(committed) - set(names))
            if stale or extra:
                print("generated shapes are stale; run scripts/generate_shapes.py", stale, extra)
                return 1
            print("generated shapes are current (%d files, botocore %s)" % (len(names), botocore.__version__))
            return 0
    names = generate(args.out, data_dir)
    print("wrote %d files into %s" % (len(names), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
