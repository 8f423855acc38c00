// Package template reads the project's SAM template and derives from it what
// the local cloud serves: functions with their resolved environment, the HTTP
// API's routes and JWT authorizers, the WebSocket API's routes, DynamoDB
// tables and generated secrets.
package template

import "time"

// Model is everything the local cloud needs from template.yaml, with every
// intrinsic function resolved for the local account.
type Model struct {
	StackName     string
	StackID       string // what AWS::StackId gives
	Region        string
	AccountID     string
	Functions     map[string]*Function // by logical id
	HTTPAPIs      []*HTTPAPI
	WebSocketAPIs []*WebSocketAPI
	Tables        []*Table
	Secrets       []*Secret
	Outputs       map[string]string // resolved output values
	Mail          *Mail
	// UserPools are the template's Cognito user pools, for which the local
	// OIDC issuer stands in (userpools.go).
	UserPools []*UserPool

	// EventBridge buses, rules (pattern and scheduled) and the functions'
	// stream event source mappings (events_model.go).
	EventBuses          []*EventBus
	Rules               []*Rule
	EventSourceMappings []*EventSourceMapping

	// Queues are the SQS queues; DeadLetterQueues says which of them
	// receive which function's failed work (queues.go).
	Queues           []*Queue
	DeadLetterQueues []DeadLetterQueue
	// CustomResources are the custom resources backed by a function of
	// the template (customresources.go).
	CustomResources []*CustomResource
	// Distributions are the CloudFront distributions.
	Distributions []*Distribution
}

// Distribution is an AWS::CloudFront::Distribution.
type Distribution struct {
	LogicalID  string
	ID         string // what Ref gives
	DomainName string
	// APIOrigin is set when the distribution's origin is the HTTP API (the
	// widget's config cache): locally the HTTP API answers in its place.
	APIOrigin bool
}

// Function is an AWS::Serverless::Function after Globals are merged in.
type Function struct {
	LogicalID string
	Name      string // physical function name, what Ref resolves to locally
	ARN       string // what Fn::GetAtt <LogicalID>.Arn resolves to locally
	// Dir is the package to build, relative to the template's folder:
	// functions/<kebab-case of the logical id without the Function suffix>.
	Dir           string
	CodeURI       string // CodeUri after Globals, relative to the template's folder
	Handler       string
	Runtime       string
	Architectures []string
	Timeout       time.Duration
	MemoryMB      int
	Env           map[string]string // resolved Environment.Variables
	// LogGroup is where the function's logs go: its LoggingConfig's
	// LogGroup, else /aws/lambda/<Name>.
	LogGroup string
	// SystemLogLevel is the level of Lambda's own records (START, END,
	// REPORT are INFO) the function's LoggingConfig lets through: DEBUG,
	// INFO (Lambda's default) or WARN.
	SystemLogLevel string
	// Async is what Lambda does with the function's asynchronous
	// invocations (queues.go).
	Async AsyncConfig
}

// HTTPAPI is an AWS::Serverless::HttpApi with the routes that the functions'
// HttpApi events attach to it.
type HTTPAPI struct {
	LogicalID         string
	ID                string // the API id Ref resolves to locally
	Routes            []HTTPRoute
	Authorizers       map[string]JWTAuthorizer
	DefaultAuthorizer string // "" when none
	CORS              *CORS
}

// HTTPRoute is one route of an HTTP API.
type HTTPRoute struct {
	Method     string // GET, POST, … or ANY
	Path       string // /agent/conversations/{id}, /{proxy+}, or $default
	Function   string // logical id of the target function
	Authorizer string // name in HTTPAPI.Authorizers; "" or NONE: public
}

// JWTAuthorizer is an HTTP API JWT authorizer.
type JWTAuthorizer struct {
	Name           string
	IdentitySource string // $request.header.Authorization
	Issuer         string
	Audience       []string
}

// CORS is an HTTP API's CorsConfiguration.
type CORS struct {
	AllowOrigins []string
	AllowHeaders []string
	AllowMethods []string
	MaxAge       int
}

// WebSocketAPI is an AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET, its
// routes resolved through their integrations to function logical ids.
type WebSocketAPI struct {
	LogicalID                string
	ID                       string // the API id Ref resolves to locally
	RouteSelectionExpression string // $request.body.action
	StageName                string
	Routes                   map[string]string // route key -> function logical id
}

// Table is an AWS::DynamoDB::Table.
type Table struct {
	LogicalID            string
	Name                 string // what Ref resolves to locally
	AttributeDefinitions []Attribute
	KeySchema            []Key
	GSIs                 []Index
	TTLAttribute         string
	// StreamViewType is the table's StreamSpecification (NEW_IMAGE, …);
	// "" without a stream. StreamARN is what Fn::GetAtt .StreamArn gives.
	StreamViewType string
	StreamARN      string
	// TableClass is STANDARD (the default) or STANDARD_INFREQUENT_ACCESS,
	// whose request units cost more and storage less: the cost meter
	// prices each table's units by it.
	TableClass string
}

// Attribute is an attribute definition.
type Attribute struct{ Name, Type string }

// Key is one element of a key schema.
type Key struct{ Name, KeyType string } // KeyType: HASH or RANGE

// Index is a global secondary index.
type Index struct {
	Name           string
	KeySchema      []Key
	ProjectionType string
	// NonKeyAttributes are what an INCLUDE index holds beside the keys.
	NonKeyAttributes []string
}

// Secret is an AWS::SecretsManager::Secret with GenerateSecretString.
type Secret struct {
	LogicalID          string
	ARN                string // what Ref resolves to locally
	PasswordLength     int
	ExcludePunctuation bool
}
