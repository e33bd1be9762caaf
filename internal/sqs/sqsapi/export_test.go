package sqsapi

import (
	"encoding/json"
	"fmt"
)

// BotocoreQueryModel turns botocore's SQS model (json) into the model older
// botocore versions shipped, spoken over the query protocol, by the same
// tables New serves the query protocol with. Tests hand it to boto3
// (AWS_DATA_PATH) to drive the query protocol with a real client.
func BotocoreQueryModel(pinned []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(pinned, &doc); err != nil {
		return nil, err
	}
	md := doc["metadata"].(map[string]any)
	md["protocol"], md["protocols"], md["xmlNamespace"] = "query", []any{"query"}, queryNamespace
	delete(md, "awsQueryCompatible")
	delete(md, "jsonVersion")
	delete(md, "targetPrefix")
	for name, op := range doc["operations"].(map[string]any) {
		if out, ok := op.(map[string]any)["output"].(map[string]any); ok {
			out["resultWrapper"] = name + "Result"
		}
	}
	shapes := doc["shapes"].(map[string]any)
	for _, w := range queryNames() {
		s, ok := shapes[w.Shape].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no shape %s", w.Shape)
		}
		var ref map[string]any
		switch w.Member {
		case "member", "key", "value":
			ref, _ = s[w.Member].(map[string]any)
		default:
			ref, _ = s["members"].(map[string]any)[w.Member].(map[string]any)
		}
		if ref == nil {
			return nil, fmt.Errorf("shape %s has no %s", w.Shape, w.Member)
		}
		ref["locationName"] = w.Name
	}
	for name, c := range errorCodes() {
		s := shapes[name].(map[string]any)
		s["error"] = map[string]any{"code": c.code, "httpStatusCode": c.status, "senderFault": true}
	}
	return json.Marshal(doc)
}
