package signer

import "slices"

// PlatformLambda is the one signing platform Stratus serves.
const PlatformLambda = "AWSLambda-SHA384-ECDSA"

// Platform describes a signing platform with AWS's fields.
type Platform struct {
	ID, DisplayName, Partner, Target, Category string
	EncryptionAlgorithms                       []string
	DefaultEncryptionAlgorithm                 string
	HashAlgorithms                             []string
	DefaultHashAlgorithm                       string
	ImageFormats                               []string
	DefaultImageFormat                         string
	MaxSizeInMB                                int64
	RevocationSupported                        bool
}

// lambdaPlatform is AWSLambda-SHA384-ECDSA as AWS describes it. Stratus's
// own signature (internal/codesign) is ECDSA P-256 over SHA-256, made by
// KMS; the description stays AWS's so that tools comparing it find what
// they expect.
func lambdaPlatform() Platform {
	return Platform{
		ID: PlatformLambda, DisplayName: "AWS Lambda", Partner: "AWSLambda", Target: "SHA384-ECDSA", Category: "AWS",
		EncryptionAlgorithms: []string{"ECDSA"}, DefaultEncryptionAlgorithm: "ECDSA",
		HashAlgorithms: []string{"SHA384"}, DefaultHashAlgorithm: "SHA384",
		ImageFormats: []string{"JSONDetached"}, DefaultImageFormat: "JSONDetached",
		MaxSizeInMB: 250, RevocationSupported: true,
	}
}

// GetSigningPlatform returns the platform id names. Returns
// ResourceNotFoundException for any but PlatformLambda.
func (s *Service) GetSigningPlatform(id string) (*Platform, error) {
	p := lambdaPlatform()
	if id != p.ID {
		return nil, notFound("Platform %s does not exist.", id)
	}
	return &p, nil
}

// ListSigningPlatforms returns the platforms matching the filters; an empty
// filter matches everything.
func (s *Service) ListSigningPlatforms(category, partner, target string) []Platform {
	p := lambdaPlatform()
	for _, f := range [][2]string{{category, p.Category}, {partner, p.Partner}, {target, p.Target}} {
		if f[0] != "" && f[0] != f[1] {
			return nil
		}
	}
	return slices.Clip([]Platform{p})
}

// StartSigningJob always answers ValidationException: signing jobs read
// their code from S3, which Stratus does not have; `stratus sign` signs a
// local zip instead.
func (s *Service) StartSigningJob(profileName string) error {
	if profileName == "" {
		profileName = "NAME"
	}
	return validation("Stratus has no S3 to sign from: sign a zip with `stratus sign --profile-name %s --in code.zip --out signed.zip`.", profileName)
}
