package lambdaemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// InvokePath is where Lambda's Invoke API lives:
// POST /2015-03-31/functions/{FunctionName}/invocations.
const InvokePath = "/2015-03-31/functions/"

// maxPayload is Lambda's limit for a synchronous invocation's payload.
const maxPayload = 6 << 20

// InvokeAPI serves Lambda's Invoke API for the runtime's functions, as the
// SDK calls it: RequestResponse (the default) answers with the function's
// response, or its error and X-Amz-Function-Error; Event queues the
// invocation on async and answers 202.
type InvokeAPI struct {
	rt    *Runtime
	async *Async
}

// NewInvokeAPI returns the Invoke API of rt's functions.
func NewInvokeAPI(rt *Runtime, async *Async) *InvokeAPI { return &InvokeAPI{rt: rt, async: async} }

// functionName takes a function's name out of a name, an ARN or a
// partial ARN, with or without a qualifier.
func functionName(ref string) string {
	if _, rest, ok := strings.Cut(ref, "function:"); ok {
		ref = rest
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

func writeLambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "Message": msg})
}

func (a *InvokeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, InvokePath)
	ref, ok2 := strings.CutSuffix(rest, "/invocations")
	if r.Method != http.MethodPost || !ok || !ok2 || ref == "" {
		writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "the local Lambda serves Invoke only")
		return
	}
	name := functionName(ref)
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload))
	if err != nil {
		writeLambdaError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	switch typ := r.Header.Get("X-Amz-Invocation-Type"); typ {
	case "Event":
		if !a.rt.has(name) {
			writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+ref)
			return
		}
		a.async.Start(name, payload)
		w.WriteHeader(http.StatusAccepted)
		return
	case "", "RequestResponse":
	default:
		writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "the local Lambda serves InvocationType RequestResponse and Event, not "+typ)
		return
	}
	out, err := a.rt.Invoke(r.Context(), name, payload)
	switch {
	case errors.Is(err, ErrUnknownFunction):
		writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+ref)
		return
	case errors.Is(err, ErrClosed):
		writeLambdaError(w, http.StatusServiceUnavailable, "ServiceException", "the local Lambda is shutting down")
		return
	case err != nil:
		fe := &FunctionError{Type: "Runtime.ExitError", Message: err.Error()}
		if errors.Is(err, ErrTimeout) {
			fe.Type = "Sandbox.Timedout"
		}
		errors.As(err, &fe)
		out, _ = json.Marshal(map[string]string{"errorType": fe.Type, "errorMessage": fe.Message})
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	_, _ = w.Write(out)
}
