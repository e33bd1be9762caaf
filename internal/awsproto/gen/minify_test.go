package main

import (
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// tinyModel exercises the generator's corner cases: documentation to drop, member
// order to keep, a shape called Service, shapes and members that differ only in the
// case of their first letter, enum values that collide, a document, an exception no
// operation lists, and shapes no operation reaches.
const tinyModel = `{
  "version": "2.0",
  "documentation": "<p>Tiny.</p>",
  "metadata": {"apiVersion": "2020-01-01", "endpointPrefix": "tiny", "protocol": "json",
    "protocols": ["json"], "serviceFullName": "Tiny Service", "serviceId": "Tiny",
    "jsonVersion": "1.1", "targetPrefix": "Tiny_20200101", "uid": "tiny-2020-01-01"},
  "operations": {
    "PutThing": {"name": "PutThing", "http": {"method": "POST", "requestUri": "/"},
      "input": {"shape": "PutThingRequest"}, "output": {"shape": "Service"},
      "errors": [{"shape": "NotFound"}], "documentation": "<p>Put.</p>"},
    "Unserved": {"name": "Unserved", "http": {"method": "POST", "requestUri": "/"},
      "input": {"shape": "UnservedRequest"}}
  },
  "shapes": {
    "PutThingRequest": {"type": "structure", "required": ["zeta"], "members": {
      "zeta": {"shape": "String", "documentation": "z"},
      "Zeta": {"shape": "String"},
      "Alpha": {"shape": "Mode"},
      "Doc": {"shape": "Doc"},
      "When": {"shape": "Time"},
      "Tags": {"shape": "TagMap"},
      "Items": {"shape": "ItemList"},
      "Data": {"shape": "Data"}
    }},
    "Service": {"type": "structure", "members": {"Item": {"shape": "item"}}},
    "item": {"type": "structure", "members": {"Count": {"shape": "Long"}, "Next": {"shape": "item"}}},
    "Item": {"type": "structure", "members": {"Ratio": {"shape": "Double"}}},
    "ItemList": {"type": "list", "member": {"shape": "Item"}},
    "TagMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
    "Mode": {"type": "string", "enum": ["FAST", "fast", "slow-ish"]},
    "Doc": {"type": "structure", "members": {}, "document": true},
    "NotFound": {"type": "structure", "members": {"message": {"shape": "String"}}, "exception": true,
      "error": {"httpStatusCode": 404, "senderFault": true}},
    "Unlisted": {"type": "structure", "members": {}, "exception": true},
    "UnservedRequest": {"type": "structure", "members": {"Flag": {"shape": "Bool"}}},
    "String": {"type": "string", "documentation": "s"},
    "Long": {"type": "long"},
    "Double": {"type": "double"},
    "Bool": {"type": "boolean"},
    "Time": {"type": "timestamp"},
    "Data": {"type": "blob"}
  }
}`

func tinyPackage(t *testing.T, ops []string) (*goPackage, []byte) {
	t.Helper()
	doc, err := parseJSON([]byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	minified, err := minify(doc, ops)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := model.Load("tiny", minified)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newGoPackage(svc, "tinyshapes", "models/tiny/2020-01-01", ops != nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, minified
}

func TestMinify(t *testing.T) {
	_, whole := tinyPackage(t, nil)
	_, subset := tinyPackage(t, []string{"PutThing"})
	for _, tc := range []struct {
		name    string
		json    []byte
		want    []string
		notWant []string
	}{
		{"documentation and unread metadata are dropped", whole,
			[]string{`"targetPrefix":"Tiny_20200101"`}, []string{"documentation", "serviceFullName", `"uid"`, `"version"`}},
		{"members keep their model order", whole,
			[]string{`"members":{"zeta":{"shape":"String"},"Zeta":{"shape":"String"},"Alpha"`}, nil},
		{"a whole model keeps unreachable shapes", whole,
			[]string{`"UnservedRequest"`, `"Unserved"`, `"Unlisted"`}, nil},
		{"a subset keeps only the operations and the shapes they reach", subset,
			[]string{`"PutThing"`, `"NotFound"`, `"item"`, `"TagMap"`}, []string{`"Unserved`, `"Bool"`, `"Unlisted"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(string(tc.json), w) {
					t.Errorf("minified model lacks %s:\n%s", w, tc.json)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(string(tc.json), w) {
					t.Errorf("minified model holds %s:\n%s", w, tc.json)
				}
			}
		})
	}
}

func TestMinifyRejectsAnUnknownServedOperation(t *testing.T) {
	doc, err := parseJSON([]byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := minify(doc, []string{"NoSuchOperation"}); err == nil {
		t.Error("minify accepted an operation the model lacks")
	}
}

func TestGeneratedGo(t *testing.T) {
	p, _ := tinyPackage(t, nil)
	svcFile, err := p.serviceFile()
	if err != nil {
		t.Fatal(err)
	}
	types, err := p.typesFile()
	if err != nil {
		t.Fatal(err)
	}
	enums, err := p.enumsFile()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		src  []byte
		want string
	}{
		{"a shape called Service yields to the Service func", types, "type Service_ struct {\n\tItem *Item_ `aws:\"Item\"`\n}"},
		{"of two shapes differing in case the exported spelling keeps its name", types, "type Item struct {\n\tRatio *float64 `aws:\"Ratio\"`\n}"},
		{"a recursive structure points at itself", types, "Next  *Item_ `aws:\"Next\"`"},
		{"of two members differing in case the exported spelling keeps its name", types, "Zeta_ *string           `aws:\"zeta\"`"},
		{"scalars are pointers", types, "When  *time.Time        `aws:\"When\"`"},
		{"enum members stay strings", types, "Alpha *string           `aws:\"Alpha\"`"},
		{"documents are any", types, "Doc   any               `aws:\"Doc\"`"},
		{"maps are Go maps", types, "Tags  map[string]string `aws:\"Tags\"`"},
		{"lists of structures hold values", types, "Items []Item            `aws:\"Items\"`"},
		{"blobs are byte slices", types, "Data  []byte            `aws:\"Data\"`"},
		{"an exception no operation lists still gets a struct", types, "type Unlisted struct{}"},
		{"time is imported when a timestamp is used", types, "import \"time\""},
		{"enum values that collide get suffixes in model order", enums, "ModeFast    = \"FAST\"\n\tModeFast_   = \"fast\"\n\tModeSlowIsh = \"slow-ish\""},
		{"operations get constants", svcFile, "OpPutThing = \"PutThing\""},
		{"Operations lists them sorted", svcFile, "return []string{\n\t\tOpPutThing,\n\t\tOpUnserved,\n\t}"},
		{"Service loads the embedded model under the service's name", svcFile, "model.Load(\"tiny\", []byte(modelJSON))"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(string(tc.src), tc.want) {
				t.Errorf("generated code lacks\n%s\nin\n%s", tc.want, tc.src)
			}
		})
	}
}
