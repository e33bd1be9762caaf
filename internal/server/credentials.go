package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Credentials is an access key as the AWS shared-credentials file holds it.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// CredentialsFile is the name of the user's key file in the data directory.
const CredentialsFile = "credentials"

// EndpointFile holds the URL the running server listens on, for `stratus env`.
const EndpointFile = "endpoint"

// writeCredentials writes c under the profile "default" to dir/credentials with
// mode 0600, atomically, and syncs it.
func writeCredentials(dir string, c Credentials) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", c.AccessKeyID, c.SecretAccessKey)
	return writeFileAtomic(filepath.Join(dir, CredentialsFile), b.Bytes(), 0o600)
}

// ReadCredentials reads the default profile of dir/credentials.
func ReadCredentials(dir string) (Credentials, error) {
	f, err := os.Open(filepath.Join(dir, CredentialsFile))
	if err != nil {
		return Credentials{}, err
	}
	defer f.Close()
	var c Credentials
	inDefault := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			inDefault = line == "[default]"
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !inDefault || !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			c.AccessKeyID = strings.TrimSpace(v)
		case "aws_secret_access_key":
			c.SecretAccessKey = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return Credentials{}, err
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Credentials{}, errors.New("credentials file has no default profile with a key")
	}
	return c, nil
}

// ReadEndpoint returns the URL the server in dir last listened on.
func ReadEndpoint(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, EndpointFile))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
