package template

import (
	"fmt"
	"go/constant"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
)

const modulePath = "github.com/parleychat/parley"

// awscallPath is the package of the signed calls made without an SDK
// client; each names its IAM actions as an awscall.Action constant.
const awscallPath = modulePath + "/shared/awscall"

// awsCalls is what one function's code asks of AWS, as IAM actions.
type awsCalls struct {
	Actions map[string]bool // dynamodb:PutItem, ses:SendEmail, …
	// QueriesIndex is set when the code queries a secondary index (the
	// policy then needs the table's index ARN too).
	QueriesIndex bool
}

// iamActionOfInput maps the SDK input type a call passes to the IAM action
// the call needs. TransactWriteItems has no action of its own: each of its
// items needs the action of its kind (transactItemActions).
var sdkServices = map[string]func(op string) string{
	"github.com/aws/aws-sdk-go-v2/service/dynamodb": func(op string) string {
		switch op {
		case "TransactWriteItems":
			return ""
		case "TransactGetItems":
			return "dynamodb:GetItem"
		}
		return "dynamodb:" + op
	},
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi": func(string) string { return "execute-api:ManageConnections" },
	"github.com/aws/aws-sdk-go-v2/service/sesv2":                   func(op string) string { return "ses:" + op },
	"github.com/aws/aws-sdk-go-v2/service/s3": func(op string) string {
		// IAM names S3's calls by what they read or write, not by the
		// operation. A copy also reads its source (s3:GetObject: see
		// alsoNeeds).
		switch op {
		case "HeadObject":
			return "s3:GetObject"
		case "ListObjectsV2":
			return "s3:ListBucket"
		case "CopyObject":
			return "s3:PutObject"
		case "DeleteObjects":
			return "s3:DeleteObject"
		}
		return "s3:" + op
	},
	"github.com/aws/aws-sdk-go-v2/service/eventbridge":             func(op string) string { return "events:" + op },
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager":          func(op string) string { return "secretsmanager:" + op },
	"github.com/aws/aws-sdk-go-v2/service/sqs":                     func(op string) string { return "sqs:" + op },
	"github.com/aws/aws-sdk-go-v2/service/sns":                     func(op string) string { return "sns:" + op },
	"github.com/aws/aws-sdk-go-v2/service/cloudfront":              func(op string) string { return "cloudfront:" + op },
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider": func(op string) string { return "cognito-idp:" + op },
}

// alsoNeeds are the actions an SDK input needs besides the one
// sdkServices names.
var alsoNeeds = map[string][]string{
	"github.com/aws/aws-sdk-go-v2/service/s3.CopyObjectInput": {"s3:GetObject"},
}

// The kinds of item of a TransactWriteItems call and the action each needs.
var transactItemActions = map[string]string{
	"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
	"Delete": "dynamodb:DeleteItem", "ConditionCheck": "dynamodb:ConditionCheckItem",
}

// analyzeAWSCalls reads the functions' code (functions/<name> and
// everything of this module they link) and returns, per function package
// directory, the AWS calls its code can make: every call reachable from
// its main (handlers passed to lambda.Start included) that passes an SDK
// operation input, every kind of transaction item it builds, and whether
// it sets a Query's IndexName. Derived from the code, so a new call in a
// handler or the store shows up here without anyone listing it.
func analyzeAWSCalls(t *testing.T, root string, dirs []string) map[string]awsCalls {
	t.Helper()
	patterns := make([]string, 0, len(dirs)+1)
	for _, d := range dirs {
		patterns = append(patterns, "./"+d)
	}
	patterns = append(patterns, "./shared/...")
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedImports | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:  root, Context: t.Context(),
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	if n := packages.PrintErrors(pkgs); n > 0 {
		t.Fatalf("%d errors loading the functions' packages", n)
	}

	// The module's packages are built from source; everything else they
	// import (the SDK, the standard library) only from its types.
	prog := ssa.NewProgram(pkgs[0].Fset, ssa.InstantiateGenerics)
	created := map[*types.Package]bool{}
	byPath := map[string]*ssa.Package{}
	for _, p := range pkgs {
		created[p.Types] = true
		byPath[p.PkgPath] = prog.CreatePackage(p.Types, p.Syntax, p.TypesInfo, true)
	}
	var createDeps func([]*types.Package)
	createDeps = func(imps []*types.Package) {
		for _, tp := range imps {
			if !created[tp] {
				created[tp] = true
				prog.CreatePackage(tp, nil, nil, true)
				createDeps(tp.Imports())
			}
		}
	}
	for _, p := range pkgs {
		createDeps(p.Types.Imports())
	}
	prog.Build()

	out := map[string]awsCalls{}
	for _, d := range dirs {
		main := byPath[modulePath+"/"+d]
		if main == nil {
			t.Fatalf("%s: package not loaded", d)
		}
		linked := map[*types.Package]bool{}
		var walk func(*types.Package)
		walk = func(tp *types.Package) {
			if linked[tp] {
				return
			}
			linked[tp] = true
			if strings.HasPrefix(tp.Path(), modulePath+"/") && byPath[tp.Path()] == nil {
				// Its calls would go unseen: it must be built from source.
				t.Fatalf("%s: links %s, which is not loaded from source (add it to the patterns)", d, tp.Path())
			}
			for _, imp := range tp.Imports() {
				walk(imp)
			}
		}
		walk(main.Pkg)
		out[d] = callsFrom(main)
	}
	return out
}

// callsFrom collects the AWS calls reachable from a main package: those
// that pass an SDK operation's input, and the signed calls of
// shared/awscall, by the actions they name.
func callsFrom(main *ssa.Package) awsCalls {
	reachable := reach(main.Prog, []*ssa.Function{main.Func("init"), main.Func("main")})
	calls := awsCalls{Actions: map[string]bool{}}
	for fn := range reachable {
		if fn.Pkg == nil || !strings.HasPrefix(fn.Pkg.Pkg.Path(), modulePath+"/") {
			continue
		}
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				switch in := instr.(type) {
				case ssa.CallInstruction:
					for _, arg := range in.Common().Args {
						if named, ok := arg.Type().(*types.Named); ok && named.Obj().Pkg() != nil &&
							named.Obj().Pkg().Path() == awscallPath && named.Obj().Name() == "Action" {
							// A signed call (shared/awscall) names its
							// actions as a constant.
							c, ok := arg.(*ssa.Const)
							if fn.Pkg.Pkg.Path() == awscallPath {
								continue // passing a caller's on
							}
							if !ok || c.Value == nil {
								calls.Actions["(an awscall.Action that is not a constant, in "+fn.String()+")"] = true
								continue
							}
							for _, a := range strings.Fields(constant.StringVal(c.Value)) {
								calls.Actions[a] = true
							}
							continue
						}
						if a := actionOfInput(arg.Type()); a != "" {
							calls.Actions[a] = true
							for _, more := range alsoNeeds[strings.TrimPrefix(arg.Type().String(), "*")] {
								calls.Actions[more] = true
							}
						}
					}
				case *ssa.FieldAddr:
					pkg, name, ok := namedStruct(in.X.Type())
					if !ok {
						continue
					}
					field := structField(in.X.Type(), in.Field)
					switch {
					case pkg == "github.com/aws/aws-sdk-go-v2/service/dynamodb/types" && name == "TransactWriteItem":
						if a := transactItemActions[field]; a != "" {
							calls.Actions[a] = true
						}
					case pkg == "github.com/aws/aws-sdk-go-v2/service/dynamodb" && name == "QueryInput" && field == "IndexName":
						calls.QueriesIndex = true
					}
				}
			}
		}
	}
	return calls
}

// reach returns the functions reachable from roots: static calls;
// interface calls resolved to the methods of the concrete types the
// reachable code converts to interfaces (so a store method is reached only
// when some reachable code calls it through chat.Storer); and every
// function the reachable code uses as a value, since it may be called
// later, by this code or by code outside the module (lambda.Start calls
// the handler by reflection). Unlike rta, exported methods are not assumed
// reachable by reflection: the module does not call its own methods so.
func reach(prog *ssa.Program, roots []*ssa.Function) map[*ssa.Function]bool {
	reached := map[*ssa.Function]bool{}
	var work []*ssa.Function
	add := func(fn *ssa.Function) {
		if fn != nil && !reached[fn] {
			reached[fn] = true
			work = append(work, fn)
		}
	}
	for _, r := range roots {
		add(r)
	}
	var invokes []*ssa.CallCommon
	runtimeTypes := map[types.Type]bool{}
	var typeList []types.Type
	resolved := map[string]bool{} // invoke site index + type, already resolved
	for len(work) > 0 {
		for len(work) > 0 {
			fn := work[len(work)-1]
			work = work[:len(work)-1]
			for _, v := range funcValues(fn) {
				add(v)
			}
			for _, b := range fn.Blocks {
				for _, instr := range b.Instrs {
					switch in := instr.(type) {
					case ssa.CallInstruction:
						c := in.Common()
						if c.IsInvoke() {
							invokes = append(invokes, c)
						} else {
							add(c.StaticCallee())
						}
					case *ssa.MakeInterface:
						if t := in.X.Type(); !runtimeTypes[t] {
							runtimeTypes[t] = true
							typeList = append(typeList, t)
						}
					}
				}
			}
		}
		for i, c := range invokes {
			iface, _ := c.Value.Type().Underlying().(*types.Interface)
			for _, t := range typeList {
				k := fmt.Sprintf("%d %p", i, t)
				if resolved[k] || iface == nil || !types.Implements(t, iface) {
					continue
				}
				resolved[k] = true
				if sel := prog.MethodSets.MethodSet(t).Lookup(c.Method.Pkg(), c.Method.Name()); sel != nil {
					add(prog.MethodValue(sel))
				}
			}
		}
	}
	return reached
}

// funcValues are the functions fn uses as values (closures, method values,
// functions passed as arguments), anonymous functions included.
func funcValues(fn *ssa.Function) []*ssa.Function {
	var out []*ssa.Function
	for _, b := range fn.Blocks {
		for _, instr := range b.Instrs {
			if mc, ok := instr.(*ssa.MakeClosure); ok {
				out = append(out, mc.Fn.(*ssa.Function))
			}
			ops := instr.Operands(nil)
			if c, ok := instr.(ssa.CallInstruction); ok && c.Common().StaticCallee() != nil {
				ops = ops[1:] // the callee itself is a call, not a value
			}
			for _, op := range ops {
				if f, ok := (*op).(*ssa.Function); ok {
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// actionOfInput is the IAM action of an SDK operation given its input type
// (*dynamodb.PutItemInput: dynamodb:PutItem); "" for other types.
func actionOfInput(t types.Type) string {
	ptr, ok := t.(*types.Pointer)
	if !ok {
		return ""
	}
	named, ok := ptr.Elem().(*types.Named)
	if !ok || named.Obj().Pkg() == nil {
		return ""
	}
	action, ok := sdkServices[named.Obj().Pkg().Path()]
	op, isInput := strings.CutSuffix(named.Obj().Name(), "Input")
	if !ok || !isInput || op == "" {
		return ""
	}
	return action(op)
}

// namedStruct names the struct a pointer points to.
func namedStruct(t types.Type) (pkg, name string, ok bool) {
	ptr, isPtr := t.Underlying().(*types.Pointer)
	if !isPtr {
		return "", "", false
	}
	named, isNamed := ptr.Elem().(*types.Named)
	if !isNamed || named.Obj().Pkg() == nil {
		return "", "", false
	}
	return named.Obj().Pkg().Path(), named.Obj().Name(), true
}

func structField(ptrToStruct types.Type, i int) string {
	st, ok := ptrToStruct.Underlying().(*types.Pointer).Elem().Underlying().(*types.Struct)
	if !ok || i >= st.NumFields() {
		return ""
	}
	return st.Field(i).Name()
}

func sortedActions(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// The analysis itself, on a fixture and on two real functions: it must
// follow interface calls, goroutines and a handler called only by
// reflection, see the kinds of transaction items, an index query and the
// actions a signed call names, and
// not count an exported method nothing calls; otherwise the permission
// test below could pass on too small a set.
func TestAnalyzeAWSCalls(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	const fixture = "infra/localcloud/template/testdata/awscalls"
	got := analyzeAWSCalls(t, root, []string{fixture, "functions/ws-message", "functions/event-publisher"})
	tests := []struct {
		dir       string
		want      []string
		wantIndex bool
	}{
		{fixture, []string{"dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:Query", "s3:GetObject", "s3:PutObject", "ses:SendEmail"}, true},
		{"functions/event-publisher", []string{"events:PutEvents"}, false},
	}
	for _, tt := range tests {
		c := got[tt.dir]
		if diff := cmp.Diff(tt.want, sortedActions(c.Actions)); diff != "" {
			t.Errorf("%s: actions (-want +got):\n%s", tt.dir, diff)
		}
		if c.QueriesIndex != tt.wantIndex {
			t.Errorf("%s: queries an index: %v, want %v", tt.dir, c.QueriesIndex, tt.wantIndex)
		}
	}
	// The store and the pusher behind chat.Service, through the chat.Storer,
	// store.DB and push interfaces.
	msg := got["functions/ws-message"]
	// The files a message carries are moved with the bucket's signed
	// calls (shared/awscall), through attachment.Objects.
	for _, a := range []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "execute-api:ManageConnections", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"} {
		if !msg.Actions[a] {
			t.Errorf("ws-message: %s not found; found %v", a, sortedActions(msg.Actions))
		}
	}
	if msg.Actions["events:PutEvents"] || msg.Actions["secretsmanager:GetSecretValue"] {
		t.Errorf("ws-message: found calls it does not make: %v", sortedActions(msg.Actions))
	}
}

// Every function's policy grants exactly the AWS actions its code can call
// (analyzeAWSCalls), the DynamoDB ones on the table's indexes too only when
// it queries an index. A call added to a handler, the domain or the store
// without its permission fails here, not in AWS (the local cloud does not
// enforce IAM); a permission no code uses fails too. Actions the function
// needs for its configuration rather than its code (sending to its own
// dead-letter queue or failure destination) are not compared.
func TestTemplateFunctionPermissionsMatchCode(t *testing.T) {
	doc, m := resolvedRealTemplate(t)
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, id := range sortedKeys(m.Functions) {
		dirs = append(dirs, m.Functions[id].Dir)
	}
	code := analyzeAWSCalls(t, root, dirs)
	resources := asMap(doc["Resources"])
	for _, id := range sortedKeys(m.Functions) {
		props := asMap(asMap(resources[id])["Properties"])
		granted, index := grantedActions(props)
		want := code[m.Functions[id].Dir]
		if diff := cmp.Diff(sortedActions(want.Actions), sortedActions(granted)); diff != "" {
			t.Errorf("%s: actions its code calls (-) and its policy grants (+):\n%s", id, diff)
		}
		if index != want.QueriesIndex {
			t.Errorf("%s: policy grants the table's indexes: %v; its code queries an index: %v", id, index, want.QueriesIndex)
		}
	}
}

// grantedActions lists what a function's Policies allow, leaving out
// sqs:SendMessage on the queues its own configuration sends to.
func grantedActions(props map[string]any) (actions map[string]bool, index bool) {
	own := map[string]bool{}
	if dlq := asMap(props["DeadLetterQueue"]); dlq != nil {
		own[asString(dlq["TargetArn"])] = true
	}
	own[asString(asMap(asMap(asMap(props["EventInvokeConfig"])["DestinationConfig"])["OnFailure"])["Destination"])] = true
	for _, ev := range asMap(props["Events"]) {
		own[asString(asMap(asMap(asMap(asMap(ev)["Properties"])["DestinationConfig"])["OnFailure"])["Destination"])] = true
	}
	actions = map[string]bool{}
	for _, pol := range asSlice(props["Policies"]) {
		pm := asMap(pol)
		if _, ok := pm["AWSSecretsManagerGetSecretValuePolicy"]; ok {
			actions["secretsmanager:GetSecretValue"] = true
		}
		for _, st := range asSlice(pm["Statement"]) {
			s := asMap(st)
			resources := asSlice(s["Resource"])
			if r, ok := s["Resource"].(string); ok {
				resources = []any{r}
			}
			list := asSlice(s["Action"])
			if a, ok := s["Action"].(string); ok {
				list = []any{a}
			}
			for _, a := range list {
				a := asString(a)
				if a == "sqs:SendMessage" && len(resources) == 1 && own[asString(resources[0])] {
					continue
				}
				actions[a] = true
				if strings.HasPrefix(a, "dynamodb:") {
					for _, r := range resources {
						index = index || strings.HasSuffix(asString(r), "/index/*")
					}
				}
			}
		}
	}
	return actions, index
}
