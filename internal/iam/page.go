package iam

import "encoding/base64"

// Page sizes as IAM documents them for MaxItems.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
)

func (p Page) limit() int {
	switch {
	case p.MaxItems <= 0:
		return defaultMaxItems
	case p.MaxItems > maxMaxItems:
		return maxMaxItems
	}
	return p.MaxItems
}

// after returns the sort key a page starts after: the marker is the last key of
// the previous page, base64url-encoded so clients treat it as opaque.
func (p Page) after() (string, error) {
	if p.Marker == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Marker)
	if err != nil || len(b) == 0 {
		return "", validationError("Invalid Marker.")
	}
	return string(b), nil
}

func marker(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// cut trims items fetched with LIMIT limit+1 to limit and returns the marker
// of the next page ("" when this page is the last).
func cut[T any](items []T, limit int, key func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, marker(key(items[limit-1]))
}
