package awsemu

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/infra/localcloud/template"
)

const secretsContentType = "application/x-amz-json-1.1"

// Character sets of GenerateSecretString: letters and digits, plus the
// punctuation Secrets Manager uses unless ExcludePunctuation is set.
const (
	alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	punctuation  = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)

// defaultPasswordLength is Secrets Manager's default for PasswordLength.
const defaultPasswordLength = 32

type secret struct {
	arn, name, value, versionID string
	created                     time.Time
}

// AddSecrets generates a value for each of the template's secrets, as
// CloudFormation does at deploy. A secret is found by its ARN or its name,
// which is the ARN's resource part without the random suffix.
func (s *Server) AddSecrets(secrets []*template.Secret) {
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	for _, t := range secrets {
		length := t.PasswordLength
		if length <= 0 {
			length = defaultPasswordLength
		}
		chars := alphanumeric
		if !t.ExcludePunctuation {
			chars += punctuation
		}
		sec := &secret{
			arn:       t.ARN,
			name:      secretName(t),
			value:     randomString(length, chars),
			versionID: uuid.NewString(),
			created:   time.Now().UTC(),
		}
		s.secrets[sec.arn] = sec
		s.secrets[sec.name] = sec
		s.log.Info("secret generated", "secretArn", sec.arn, "length", length)
	}
}

// secretName derives the name from an ARN such as
// arn:aws:secretsmanager:us-east-1:123456789012:secret:SigningSecret-a1B2c3,
// where Secrets Manager appends "-" and six random characters to the name.
func secretName(t *template.Secret) string {
	_, name, ok := strings.Cut(t.ARN, ":secret:")
	if !ok || name == "" {
		return t.LogicalID
	}
	if i := len(name) - 7; i > 0 && name[i] == '-' {
		return name[:i]
	}
	return name
}

func randomString(n int, chars string) string {
	max := big.NewInt(int64(len(chars)))
	b := make([]byte, n)
	for i := range b {
		// rand.Int is uniform over [0, max), so no character is favoured.
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("awsemu: crypto/rand failed: %v", err))
		}
		b[i] = chars[v.Int64()]
	}
	return string(b)
}

func (s *Server) serveSecrets(w http.ResponseWriter, op string, body []byte) {
	if op != "GetSecretValue" {
		writeError(w, http.StatusBadRequest, "UnknownOperationException",
			fmt.Sprintf("Secrets Manager operation %s is not supported by the local cloud", op))
		return
	}
	var in struct {
		SecretId     string
		VersionId    string
		VersionStage string
	}
	if err := json.Unmarshal(body, &in); err != nil || in.SecretId == "" {
		writeError(w, http.StatusBadRequest, "InvalidParameterException", "SecretId is required")
		return
	}
	s.secretsMu.RLock()
	sec, ok := s.secrets[in.SecretId]
	s.secretsMu.RUnlock()
	// Each secret has one version, AWSCURRENT; asking for any other is a miss.
	if !ok || (in.VersionId != "" && in.VersionId != sec.versionID) || (in.VersionStage != "" && in.VersionStage != "AWSCURRENT") {
		writeError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	writeJSON(w, secretsContentType, map[string]any{
		"ARN":           sec.arn,
		"Name":          sec.name,
		"SecretString":  sec.value,
		"VersionId":     sec.versionID,
		"VersionStages": []string{"AWSCURRENT"},
		"CreatedDate":   float64(sec.created.UnixMilli()) / 1000,
	})
}
