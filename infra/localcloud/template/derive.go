package template

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/global"
	"github.com/awslabs/goformation/v7/cloudformation/serverless"
)

// SAM's defaults for a function that sets neither the property nor a global.
const (
	defaultTimeout  = 3 * time.Second
	defaultMemoryMB = 128
)

// implicitHTTPAPI is the API SAM creates for HttpApi events without ApiId.
const implicitHTTPAPI = "ServerlessHttpApi"

func derive(tpl *cloudformation.Template, r *resolver, opts Options) (*Model, error) {
	m := &Model{
		StackName: opts.StackName,
		StackID:   r.stackID(),
		Region:    opts.Region,
		AccountID: opts.AccountID,
		Functions: map[string]*Function{},
		Outputs:   map[string]string{},
	}
	var g *global.Function
	if gf, err := tpl.GetServerlessGlobalFunction(); err == nil {
		g = gf
	}
	fns := tpl.GetAllServerlessFunctionResources()
	byARN := map[string]string{}
	for _, id := range sortedKeys(fns) {
		f, err := function(id, fns[id], g, r)
		if err != nil {
			return nil, err
		}
		m.Functions[id] = f
		byARN[f.ARN] = id
	}

	if err := deriveHTTPAPIs(m, tpl, fns, r); err != nil {
		return nil, err
	}
	if err := deriveWebSocketAPIs(m, tpl, byARN, r); err != nil {
		return nil, err
	}
	if err := deriveTables(m, tpl, r); err != nil {
		return nil, err
	}
	if err := deriveSecrets(m, tpl, r); err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(tpl.Outputs) {
		v, ok := stringish(tpl.Outputs[name].Value)
		if !ok {
			return nil, fmt.Errorf("output %s: value %v is not a string", name, tpl.Outputs[name].Value)
		}
		m.Outputs[name] = v
	}
	return m, nil
}

func function(id string, f *serverless.Function, g *global.Function, r *resolver) (*Function, error) {
	name, err := r.physicalID(id, id)
	if err != nil {
		return nil, err
	}
	out := &Function{
		LogicalID: id,
		Name:      name,
		ARN:       functionARN(r.opts.Region, r.opts.AccountID, name),
		Dir:       "functions/" + kebab(strings.TrimSuffix(id, "Function")),
		Timeout:   defaultTimeout,
		MemoryMB:  defaultMemoryMB,
		Env:       map[string]string{},
	}
	// Globals first, then the function's own properties override them;
	// environment variables merge key by key, as SAM does.
	if g != nil {
		if g.CodeUri != nil && g.CodeUri.String != nil {
			out.CodeURI = *g.CodeUri.String
		}
		if g.Handler != nil {
			out.Handler = *g.Handler
		}
		if g.Runtime != nil {
			out.Runtime = *g.Runtime
		}
		if g.Architectures != nil {
			out.Architectures = slices.Clone(*g.Architectures)
		}
		if g.Timeout != nil {
			out.Timeout = time.Duration(*g.Timeout) * time.Second
		}
		if g.MemorySize != nil {
			out.MemoryMB = *g.MemorySize
		}
		if g.Environment != nil {
			maps.Copy(out.Env, g.Environment.Variables)
		}
	}
	if f.CodeUri != nil {
		if f.CodeUri.String == nil {
			return nil, fmt.Errorf("function %s: CodeUri must be a local path", id)
		}
		out.CodeURI = *f.CodeUri.String
	}
	if f.Handler != nil {
		out.Handler = *f.Handler
	}
	if f.Runtime != nil {
		out.Runtime = *f.Runtime
	}
	// Lambda takes exactly one architecture, so a function's list replaces
	// the global one rather than adding to it.
	if f.Architectures != nil {
		out.Architectures = slices.Clone(f.Architectures)
	}
	if f.Timeout != nil {
		out.Timeout = time.Duration(*f.Timeout) * time.Second
	}
	if f.MemorySize != nil {
		out.MemoryMB = *f.MemorySize
	}
	if f.Environment != nil {
		maps.Copy(out.Env, f.Environment.Variables)
	}
	if len(out.Architectures) == 0 {
		out.Architectures = []string{"x86_64"}
	}
	return out, nil
}

// kebab turns WsConnect into ws-connect and HTTPApi into http-api.
func kebab(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, c := range rs {
		if unicode.IsUpper(c) && i > 0 {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

func deriveHTTPAPIs(m *Model, tpl *cloudformation.Template, fns map[string]*serverless.Function, r *resolver) error {
	apis := tpl.GetAllServerlessHttpApiResources()
	byID := map[string]*HTTPAPI{}
	for _, id := range sortedKeys(apis) {
		a, err := httpAPI(id, apis[id], r)
		if err != nil {
			return err
		}
		m.HTTPAPIs = append(m.HTTPAPIs, a)
		byID[a.ID] = a
	}
	for _, fid := range sortedKeys(fns) {
		events := fns[fid].Events
		for _, ename := range sortedKeys(events) {
			ev := events[ename]
			if ev.Type != "HttpApi" {
				continue
			}
			var p serverless.Function_HttpApiEvent
			if ev.Properties != nil && ev.Properties.HttpApiEvent != nil {
				p = *ev.Properties.HttpApiEvent
			}
			where := fmt.Sprintf("function %s event %s", fid, ename)
			var api *HTTPAPI
			if p.ApiId == nil {
				api = byID[apiID(implicitHTTPAPI)]
				if api == nil {
					api = &HTTPAPI{LogicalID: implicitHTTPAPI, ID: apiID(implicitHTTPAPI), Authorizers: map[string]JWTAuthorizer{}}
					m.HTTPAPIs = append(m.HTTPAPIs, api)
					byID[api.ID] = api
				}
			} else if api = byID[*p.ApiId]; api == nil {
				return fmt.Errorf("%s: ApiId %q is not an AWS::Serverless::HttpApi of this template", where, *p.ApiId)
			}
			route := HTTPRoute{Method: "ANY", Path: "$default", Function: fid, Authorizer: api.DefaultAuthorizer}
			if p.Method != nil {
				route.Method = strings.ToUpper(*p.Method)
			}
			if p.Path != nil {
				route.Path = *p.Path
			}
			if route.Path != "$default" && !strings.HasPrefix(route.Path, "/") {
				return fmt.Errorf("%s: Path %q must start with /", where, route.Path)
			}
			if p.Auth != nil && p.Auth.Authorizer != nil {
				route.Authorizer = *p.Auth.Authorizer
			}
			if route.Authorizer != "" && route.Authorizer != "NONE" {
				if _, ok := api.Authorizers[route.Authorizer]; !ok {
					return fmt.Errorf("%s: authorizer %q is not defined on %s", where, route.Authorizer, api.LogicalID)
				}
			}
			for _, existing := range api.Routes {
				if existing.Method == route.Method && existing.Path == route.Path {
					return fmt.Errorf("%s: route %s %s is already served by %s", where, route.Method, route.Path, existing.Function)
				}
			}
			api.Routes = append(api.Routes, route)
		}
	}
	for _, api := range m.HTTPAPIs {
		slices.SortFunc(api.Routes, func(a, b HTTPRoute) int {
			return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
		})
	}
	return nil
}

func httpAPI(id string, a *serverless.HttpApi, r *resolver) (*HTTPAPI, error) {
	apiIDValue, err := r.physicalID(id, id)
	if err != nil {
		return nil, err
	}
	out := &HTTPAPI{LogicalID: id, ID: apiIDValue, Authorizers: map[string]JWTAuthorizer{}}
	if a.Auth != nil {
		if a.Auth.DefaultAuthorizer != nil {
			out.DefaultAuthorizer = *a.Auth.DefaultAuthorizer
		}
		auths, ok := a.Auth.Authorizers.(map[string]any)
		if a.Auth.Authorizers != nil && !ok {
			return nil, fmt.Errorf("%s: Auth.Authorizers must be a mapping", id)
		}
		for _, name := range sortedKeys(auths) {
			def := asMap(auths[name])
			jwt, ok := def["JwtConfiguration"].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: authorizer %s: only JWT authorizers (JwtConfiguration) are supported locally", id, name)
			}
			az := JWTAuthorizer{Name: name}
			az.IdentitySource, _ = def["IdentitySource"].(string)
			if az.IdentitySource == "" {
				az.IdentitySource = "$request.header.Authorization"
			}
			issuer := firstOf(jwt, "issuer", "Issuer")
			if az.Issuer, ok = issuer.(string); !ok || az.Issuer == "" {
				return nil, fmt.Errorf("%s: authorizer %s: JwtConfiguration.issuer is missing or empty", id, name)
			}
			switch aud := firstOf(jwt, "audience", "Audience").(type) {
			case []any:
				for i, v := range aud {
					s, ok := v.(string)
					if !ok || s == "" {
						return nil, fmt.Errorf("%s: authorizer %s: JwtConfiguration.audience[%d] is not a non-empty string", id, name, i)
					}
					az.Audience = append(az.Audience, s)
				}
			case string:
				az.Audience = []string{aud}
			}
			out.Authorizers[name] = az
		}
		if d := out.DefaultAuthorizer; d != "" && d != "NONE" {
			if _, ok := out.Authorizers[d]; !ok {
				return nil, fmt.Errorf("%s: DefaultAuthorizer %q is not in Auth.Authorizers", id, d)
			}
		}
	}
	if c := a.CorsConfiguration; c != nil {
		switch {
		case c.CorsConfigurationObject != nil:
			o := c.CorsConfigurationObject
			out.CORS = &CORS{AllowOrigins: o.AllowOrigins, AllowHeaders: o.AllowHeaders, AllowMethods: o.AllowMethods}
			if o.MaxAge != nil {
				out.CORS.MaxAge = *o.MaxAge
			}
		case c.Boolean != nil && *c.Boolean:
			out.CORS = &CORS{AllowOrigins: []string{"*"}, AllowHeaders: []string{"*"}, AllowMethods: []string{"*"}}
		}
	}
	return out, nil
}

func firstOf(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return nil
}

func deriveWebSocketAPIs(m *Model, tpl *cloudformation.Template, byARN map[string]string, r *resolver) error {
	apis := tpl.GetAllApiGatewayV2ApiResources()
	integrations := tpl.GetAllApiGatewayV2IntegrationResources()
	integrationByID := map[string]string{}
	for _, id := range sortedKeys(integrations) {
		phys, err := r.physicalID(id, id)
		if err != nil {
			return err
		}
		integrationByID[phys] = id
	}
	routes := tpl.GetAllApiGatewayV2RouteResources()
	stages := tpl.GetAllApiGatewayV2StageResources()
	for _, id := range sortedKeys(apis) {
		a := apis[id]
		if a.ProtocolType == nil || *a.ProtocolType != "WEBSOCKET" {
			continue
		}
		phys, err := r.physicalID(id, id)
		if err != nil {
			return err
		}
		ws := &WebSocketAPI{LogicalID: id, ID: phys, Routes: map[string]string{}}
		if a.RouteSelectionExpression != nil {
			ws.RouteSelectionExpression = *a.RouteSelectionExpression
		}
		for _, sid := range sortedKeys(stages) {
			if stages[sid].ApiId == phys {
				ws.StageName = stages[sid].StageName
				break
			}
		}
		if ws.StageName == "" {
			return fmt.Errorf("%s: no AWS::ApiGatewayV2::Stage has ApiId %s", id, id)
		}
		for _, rid := range sortedKeys(routes) {
			rt := routes[rid]
			if rt.ApiId != phys {
				continue
			}
			where := fmt.Sprintf("route %s (%s)", rid, rt.RouteKey)
			if rt.Target == nil {
				return fmt.Errorf("%s: Target is missing", where)
			}
			target, ok := strings.CutPrefix(*rt.Target, "integrations/")
			if !ok {
				return fmt.Errorf("%s: Target %q must be integrations/<IntegrationId>", where, *rt.Target)
			}
			iid, ok := integrationByID[target]
			if !ok {
				return fmt.Errorf("%s: Target %q is not an AWS::ApiGatewayV2::Integration of this template", where, *rt.Target)
			}
			in := integrations[iid]
			uri := ""
			if in.IntegrationUri != nil {
				uri = *in.IntegrationUri
			}
			fn, ok := byARN[lambdaARNOf(uri)]
			if !ok {
				return fmt.Errorf("%s: integration %s: IntegrationUri %q does not invoke a function of this template", where, iid, uri)
			}
			if prev, dup := ws.Routes[rt.RouteKey]; dup {
				return fmt.Errorf("%s: route key %s is already routed to %s", where, rt.RouteKey, prev)
			}
			ws.Routes[rt.RouteKey] = fn
		}
		m.WebSocketAPIs = append(m.WebSocketAPIs, ws)
	}
	return nil
}

// lambdaARNOf extracts the function ARN from an integration URI, which is
// either the ARN itself or
// arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations.
func lambdaARNOf(uri string) string {
	if _, rest, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/"); ok {
		uri = strings.TrimSuffix(rest, "/invocations")
	}
	// Drop a version or alias qualifier: arn:aws:lambda:r:a:function:name:qualifier.
	if parts := strings.Split(uri, ":"); len(parts) == 8 {
		uri = strings.Join(parts[:7], ":")
	}
	return uri
}

func deriveTables(m *Model, tpl *cloudformation.Template, r *resolver) error {
	tables := tpl.GetAllDynamoDBTableResources()
	for _, id := range sortedKeys(tables) {
		t := tables[id]
		name, err := r.physicalID(id, id)
		if err != nil {
			return err
		}
		out := &Table{LogicalID: id, Name: name, TableClass: "STANDARD"}
		if t.TableClass != nil {
			out.TableClass = *t.TableClass
		}
		for _, a := range t.AttributeDefinitions {
			out.AttributeDefinitions = append(out.AttributeDefinitions, Attribute{Name: a.AttributeName, Type: a.AttributeType})
		}
		for _, k := range t.KeySchema {
			out.KeySchema = append(out.KeySchema, Key{Name: k.AttributeName, KeyType: k.KeyType})
		}
		if len(out.KeySchema) == 0 {
			return fmt.Errorf("table %s: KeySchema is empty", id)
		}
		for _, g := range t.GlobalSecondaryIndexes {
			idx := Index{Name: g.IndexName, ProjectionType: "ALL"}
			for _, k := range g.KeySchema {
				idx.KeySchema = append(idx.KeySchema, Key{Name: k.AttributeName, KeyType: k.KeyType})
			}
			if g.Projection != nil && g.Projection.ProjectionType != nil {
				idx.ProjectionType = *g.Projection.ProjectionType
				idx.NonKeyAttributes = g.Projection.NonKeyAttributes
			}
			out.GSIs = append(out.GSIs, idx)
		}
		if ttl := t.TimeToLiveSpecification; ttl != nil && ttl.Enabled && ttl.AttributeName != nil {
			out.TTLAttribute = *ttl.AttributeName
		}
		if st := t.StreamSpecification; st != nil && st.StreamViewType != "" {
			out.StreamViewType = st.StreamViewType
			arn, err := r.getAtt(id, "StreamArn", id)
			if err != nil {
				return err
			}
			out.StreamARN, _ = arn.(string)
		}
		m.Tables = append(m.Tables, out)
	}
	return nil
}

func deriveSecrets(m *Model, tpl *cloudformation.Template, r *resolver) error {
	secrets := tpl.GetAllSecretsManagerSecretResources()
	for _, id := range sortedKeys(secrets) {
		s := secrets[id]
		arn, err := r.physicalID(id, id)
		if err != nil {
			return err
		}
		g := s.GenerateSecretString
		if g == nil {
			continue
		}
		out := &Secret{LogicalID: id, ARN: arn, PasswordLength: 32}
		if g.PasswordLength != nil {
			out.PasswordLength = *g.PasswordLength
		}
		if g.ExcludePunctuation != nil {
			out.ExcludePunctuation = *g.ExcludePunctuation
		}
		m.Secrets = append(m.Secrets, out)
	}
	return nil
}
