package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/audit"
	"github.com/stratus-cloud/stratus/internal/audit/cloudtrailapi"
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/rpcv2cbor"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/cloudwatchshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ec2shapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ecrshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ecsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/eventsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/rdsshapes"
	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/confighistory/configapi"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi"
	"github.com/stratus-cloud/stratus/internal/iam/orgapi"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/iam/stsapi"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmsapi"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/esm"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdaapi"
	"github.com/stratus-cloud/stratus/internal/logs"
	"github.com/stratus-cloud/stratus/internal/logs/logsapi"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/secrets"
	"github.com/stratus-cloud/stratus/internal/secrets/secretsapi"
	"github.com/stratus-cloud/stratus/internal/signer"
	"github.com/stratus-cloud/stratus/internal/signer/signerapi"
	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sns/snsapi"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/sqs/sqsapi"
	"github.com/stratus-cloud/stratus/internal/ssm"
	"github.com/stratus-cloud/stratus/internal/ssm/ssmapi"
)

// Health states of a service.
const (
	stateRunning = "running"
	// statePlanned: the model is served (every operation answers NotImplemented)
	// but no operation is implemented yet.
	statePlanned = "not_implemented"
)

// plannedService is a served model whose operations are not implemented yet.
type plannedService struct {
	load             func() (*model.Service, error)
	actionPrefix     string
	accessDeniedCode string
}

// plannedServices are the models Stratus serves ahead of their implementation, so
// clients get NotImplemented rather than an unknown-service error.
func plannedServices() []plannedService {
	return []plannedService{
		{cloudwatchshapes.Service, "cloudwatch", "AccessDenied"},
		{ecrshapes.Service, "ecr", "AccessDeniedException"},
		{ecsshapes.Service, "ecs", "AccessDeniedException"},
		{eventsshapes.Service, "events", "AccessDeniedException"},
		{rdsshapes.Service, "rds", "AccessDenied"},
		{ec2shapes.Service, "ec2", "UnauthorizedOperation"},
	}
}

func codecs() map[string]codec.Codec {
	return map[string]codec.Codec{
		model.JSON:     jsonrpc.New(),
		model.RestJSON: restjson.New(),
		model.CBOR:     rpcv2cbor.New(),
		model.Query:    query.New(),
		model.EC2:      query.NewEC2(),
	}
}

// wire builds the services and the router.
func (s *Server) wire(ctx context.Context, key, dataKey *rootkey.Key) error {
	// Secrets are sealed under the data key; values sealed under the root key
	// itself (data directories made before data keys) still open.
	box := secret.NewBox(dataKey, key)
	if s.cfg.TLS.Enabled {
		cert, err := serverCertificate(s.cfg, box)
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		s.tlsCert = &cert
	}
	iamSvc, err := iam.New(ctx, iam.Config{Store: s.store, Sealer: box})
	if err != nil {
		return fmt.Errorf("iam: %w", err)
	}
	// SQS and SNS come before the Authorizer, which consults their queue and
	// topic policies; SNS reaches Lambda once function execution is up.
	checkPolicy := func(doc string) error { _, err := policy.Parse(doc, policy.Resource); return err }
	s.sqs, err = sqs.New(ctx, sqs.Config{Store: s.store, Region: s.cfg.Region, Logger: s.log, CheckPolicy: checkPolicy})
	if err != nil {
		return fmt.Errorf("sqs: %w", err)
	}
	snsFunctions := &lambdaEvents{}
	s.sns, err = sns.New(ctx, sns.Config{Store: s.store, Region: s.cfg.Region, Queues: snsQueues{s.sqs}, Functions: snsFunctions,
		HTTP: snsapi.NewHTTPPoster(&http.Client{Timeout: 15 * time.Second}), Endpoint: s.URL, Sealer: box,
		ValidatePolicy: checkPolicy, Logger: s.log})
	if err != nil {
		return fmt.Errorf("sns: %w", err)
	}
	kmsSvc, err := kms.New(ctx, kms.Config{Store: s.store, Sealer: box, Region: s.cfg.Region})
	if err != nil {
		return fmt.Errorf("kms: %w", err)
	}
	// Secrets and SecureStrings under a customer managed key need the
	// caller's own kms:Encrypt/kms:Decrypt on it, decided by the Authorizer
	// made just below.
	var authz *iam.Authorizer
	callerKMS := func(ctx context.Context, action, keyARN string) error {
		return kmsCallerCheck(ctx, authz, action, keyARN)
	}
	secretsSvc, err := secrets.New(ctx, secrets.Config{Store: s.store, Keys: kmsSvc.ForService("secretsmanager").WithCallerCheck(callerKMS)})
	if err != nil {
		return fmt.Errorf("secrets manager: %w", err)
	}
	s.trail, err = audit.New(ctx, audit.Config{Store: s.store, RootKey: dataKey, Logger: s.log})
	if err != nil {
		return fmt.Errorf("audit trail: %w", err)
	}
	// Lambda's function and layer policies join once Lambda is built, before
	// serving starts.
	policies := map[string]iam.ResourcePolicySource{"sqs": s.sqs, "sns": s.sns, "kms": kmsSvc, "secretsmanager": secretsSvc}
	authz = iam.NewAuthorizer(iam.AuthorizerConfig{Service: iamSvc, ResourcePolicies: policies})
	s.router = awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(iamSvc, nil),
		Authorizer:    authz,
		Codecs:        codecs(),
		Logger:        s.log,
		Observer:      s.metrics,
		Auditor:       s.trail,
	})
	blobs, err := blob.Open(blob.Options{Dir: filepath.Join(s.cfg.DataDir, "blobs"), Sealer: box})
	if err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	ssmSvc, err := ssm.New(ctx, ssm.Config{Store: s.store, Keys: kmsSvc.ForService("ssm").WithCallerCheck(callerKMS)})
	if err != nil {
		return fmt.Errorf("ssm: %w", err)
	}
	signerSvc, err := signer.New(ctx, signer.Config{Store: s.store, Keys: kmsSvc.SigningKeys()})
	if err != nil {
		return fmt.Errorf("signer: %w", err)
	}
	history, err := confighistory.New(ctx, confighistory.Config{Store: s.store})
	if err != nil {
		return fmt.Errorf("configuration history: %w", err)
	}
	s.code = newCodeURLs(key, s.URL)
	lambdaSvc, err := lambda.New(ctx, lambda.Config{
		Store: s.store, Blobs: blobs, Sealer: box, Keys: kmsSvc.ForService("lambda"), Roles: lambdaRoles{iamSvc},
		Region: s.cfg.Region, CodeLocation: s.code.Location, ConcurrencyLimit: int64(s.cfg.Lambda.ConcurrencyLimit),
		SourceAccess: sqsSourceAccess(authz),
		History:      lambdaHistory{rec: history, region: s.cfg.Region, eventID: audit.EventID},
		CodeVerifier: codeVerifier{profiles: signerSvc, keys: kmsSvc.SigningKeys(), now: time.Now},
		OnCodeWarning: func(ctx context.Context, account, fnARN, cscARN, reason string) {
			s.log.Warn("lambda code signature check failed; deployed under the Warn policy", "function", fnARN,
				"code_signing_config", cscARN, "reason", reason)
			identity.Note(ctx, "codeSigningWarning", reason)
			identity.Note(ctx, "codeSigningConfigArn", cscARN)
		},
	})
	if err != nil {
		return fmt.Errorf("lambda: %w", err)
	}
	s.lambdaCode = lambdaSvc.Code
	policies["lambda"] = lambdaSvc
	s.logs, err = logs.New(ctx, logs.Config{Store: s.store, Logger: s.log})
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	s.handler = s.routes()
	// Inside execution environments the API is served on a listener in the
	// environment's network namespace, by a server of its own.
	inner := &http.Server{Handler: s.handler, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.lambda, err = startLambdaRuntime(ctx, s.cfg, s.store, box, lambdaSvc, newRoleCredentials(iamSvc, s.cfg.Region), logSink{s.logs}, inner, s.log)
	if err != nil {
		s.log.Warn("lambda functions cannot run on this host; the Lambda API serves everything but Invoke", "err", err)
		s.health["lambda-execution"] = "unavailable: " + err.Error()
	} else {
		s.health["lambda-execution"] = stateRunning
		if err := lambdaSvc.StartPreparing(ctx, s.lambda.runner.Prepare); err != nil {
			return fmt.Errorf("lambda: %w", err)
		}
		s.lambda.svc = lambdaSvc
		s.lambda.dests.queues, s.lambda.dests.topics = sqsQueues{s.sqs}, snsTopics{s.sns}
		snsFunctions.set(s.lambda.events, lambdaSvc)
		s.lambda.events.Start()
		s.lambda.mappings = esm.New(esm.Config{Queue: esmQueue{s.sqs}, Invoker: s.lambda.runner, Mappings: lambdaSvc,
			Region: s.cfg.Region, Logger: s.log})
		s.lambda.mappings.Start()
	}

	binder := bind.New()
	var services []*awsproto.Service
	for _, mk := range []func() (*awsproto.Service, error){
		func() (*awsproto.Service, error) { return iamapi.New(iamSvc, authz, binder) },
		func() (*awsproto.Service, error) { return stsapi.New(iamSvc, binder) },
		func() (*awsproto.Service, error) { return orgapi.New(iamSvc, binder) },
		func() (*awsproto.Service, error) {
			return lambdaapi.NewWithDataPlane(lambdaSvc, s.lambda.dataPlane(), binder)
		},
		func() (*awsproto.Service, error) { return logsapi.New(s.logs, binder) },
		func() (*awsproto.Service, error) { return sqsapi.New(s.sqs, binder) },
		func() (*awsproto.Service, error) { return snsapi.New(s.sns, binder) },
		func() (*awsproto.Service, error) { return kmsapi.New(kmsSvc, binder) },
		func() (*awsproto.Service, error) { return secretsapi.New(secretsSvc, binder) },
		func() (*awsproto.Service, error) { return configapi.New(history, binder) },
		func() (*awsproto.Service, error) { return cloudtrailapi.New(s.trail, binder) },
		func() (*awsproto.Service, error) { return ssmapi.New(ssmSvc, binder) },
		func() (*awsproto.Service, error) { return signerapi.New(signerSvc, binder) },
	} {
		svc, err := mk()
		if err != nil {
			return err
		}
		services = append(services, svc)
	}
	for _, p := range plannedServices() {
		m, err := p.load()
		if err != nil {
			return err
		}
		services = append(services, &awsproto.Service{Model: m, ActionPrefix: p.actionPrefix, AccessDeniedCode: p.accessDeniedCode})
	}
	for _, svc := range services {
		if err := s.router.Register(svc); err != nil {
			return err
		}
		state := statePlanned
		if len(svc.Ops) > 0 {
			state = stateRunning
		}
		s.health[svc.Model.Name] = state
	}

	b, created, err := iamSvc.EnsureBootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if created {
		if err := writeCredentials(s.cfg.DataDir, Credentials{AccessKeyID: b.AccessKeyID, SecretAccessKey: b.SecretAccessKey}); err != nil {
			return fmt.Errorf("write credentials: %w", err)
		}
		fmt.Fprintf(s.out, "Stratus created account %s with the IAM user %s (AdministratorAccess).\n"+
			"Its access key is in %s (profile default).\n"+
			"Use it with:  eval \"$(stratus env --data-dir %s)\"; aws sts get-caller-identity\n",
			b.AccountID, b.UserName, s.cfg.DataDir+"/"+CredentialsFile, s.cfg.DataDir)
	}
	return nil
}

// checkRootKey makes sure the root key is the one the data directory was created
// with: the first start stores a sealed canary, later starts must open it. Without
// this check a wrong key would surface only as failed requests.

// kmsCallerCheck asks authz whether the caller of the request behind ctx may
// perform action on keyARN; without a caller (a service acting on its own)
// there is nothing to check. A refusal is AccessDeniedException, as Secrets
// Manager and Parameter Store answer it.
func kmsCallerCheck(ctx context.Context, authz *iam.Authorizer, action, keyARN string) error {
	p := identity.FromContext(ctx)
	if p == nil {
		return nil
	}
	region := ""
	if a, err := arn.Parse(keyARN); err == nil {
		region = a.Region
	}
	err := authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: p, Action: action, Resource: keyARN, Region: region, Time: time.Now()})
	if e, ok := awserr.As(err); ok && e.Code == "AccessDenied" {
		return awserr.New("AccessDeniedException", 400, "Access to KMS is not allowed: %s", e.Message)
	}
	return err
}
