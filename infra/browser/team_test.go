package browser

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

// The Inboxes and Team pages of the settings: what an admin changes there
// is what the API then answers. Each test invites agents of its own, so
// the demo agents' inboxes stay as the other tests expect.

// inviteByAPI invites an agent as alice and returns its id.
func inviteByAPI(t *testing.T, name string, inboxIDs []string) (id, email string) {
	t.Helper()
	email = "agent-" + uuid.NewString()[:8] + "@example.com"
	var m doc
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodPost, "/agent/team", doc{"email": email, "name": name, "role": "agent", "inboxIds": inboxIDs}, &m); err != nil {
		t.Fatalf("invite %s: %v", name, err)
	}
	return m["id"].(string), email
}

// teamMember is the Team route's answer for one agent.
func teamMember(t *testing.T, id string) doc {
	t.Helper()
	var out struct{ Members []doc }
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodGet, "/agent/team", nil, &out); err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Members {
		if m["id"] == id {
			return m
		}
	}
	t.Fatalf("no team member %s", id)
	return nil
}

// within clicks the button saying text inside the element matching scope.
func within(t *testing.T, ctx context.Context, scope, text string) {
	t.Helper()
	click(t, ctx, scope+" button", text)
}

// TestInboxesPage: an admin creates an inbox, names it, makes an invited
// agent its member and routes its chats round robin; a capacity out of
// range is refused beside its field, with what was typed kept; the saved
// inbox is what the API answers, and the agent's inboxes include it.
func TestInboxesPage(t *testing.T) {
	tag := uuid.NewString()[:8]
	memberName := "Member " + tag
	memberID, _ := inviteByAPI(t, memberName, []string{})

	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "alice", "inboxes")
	waitFor(t, tab, "the inboxes are read", `document.querySelector(".card[aria-label^='Inbox ']")`)
	fill(t, tab, "#ni-name", "Sales "+tag)
	click(t, tab, "button", "Create inbox")
	waitFor(t, tab, "the inbox is created", `document.querySelector(".card.new .save-note").textContent === `+js("Inbox Sales "+tag+" created")+` &&
		document.querySelector(`+js(".card[aria-label='Inbox Sales "+tag+"']")+`)`)
	id := eval[string](t, tab, `document.querySelector(`+js(".card[aria-label='Inbox Sales "+tag+"'] input")+`).id.replace(/^in-/, "").replace(/-name$/, "")`)
	card := fmt.Sprintf(".card[aria-label='Inbox Sales %s']", tag)

	fill(t, tab, "#in-"+id+"-name", "Sales EU "+tag)
	eval[bool](t, tab, `document.querySelector(`+js("input[name=members-"+id+"][value='"+memberID+"']")+`).click() || true`)
	eval[bool](t, tab, `document.querySelectorAll(`+js("input[name=routing-"+id+"]")+`)[1].click() || true`)
	waitFor(t, tab, "the capacity shows for round robin", `document.querySelector(`+js("#in-"+id+"-routing-capacity")+`)`)
	fill(t, tab, "#in-"+id+"-routing-capacity", "101")
	within(t, tab, card, "Save changes")
	waitFor(t, tab, "the capacity is refused beside its field", `(() => {
		const input = document.getElementById(`+js("in-"+id+"-routing-capacity")+`), err = document.getElementById(`+js("in-"+id+"-routing-capacity-err")+`);
		return err && err.textContent.startsWith("Must be between 1 and 100") && input.getAttribute("aria-invalid") === "true" &&
			input.getAttribute("aria-describedby").split(" ").includes(err.id) && input.value === "101" &&
			document.getElementById(`+js("in-"+id+"-name")+`).value === `+js("Sales EU "+tag)+` })()`)

	fill(t, tab, "#in-"+id+"-routing-capacity", "3")
	within(t, tab, card, "Save changes")
	waitFor(t, tab, "the inbox is saved under its new name", `[...document.querySelectorAll(".card[aria-label^='Inbox '] .save-note")].some(n => n.textContent === "Saved") &&
		document.querySelector(`+js(".card[aria-label='Inbox Sales EU "+tag+"']")+`) && !document.querySelector("[aria-invalid=true]")`)

	var list struct{ Inboxes []doc }
	if err := apiAgent(t, "alice").Call(t.Context(), http.MethodGet, "/agent/settings/inboxes", nil, &list); err != nil {
		t.Fatal(err)
	}
	var got doc
	for _, i := range list.Inboxes {
		if i["id"] == id {
			got = doc{"name": i["name"], "memberIds": i["memberIds"], "routing": i["routing"]}
		}
	}
	want := doc{"name": "Sales EU " + tag, "memberIds": []any{memberID}, "routing": map[string]any{"mode": "round_robin", "capacity": 3.0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored inbox (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{id}, teamMember(t, memberID)["inboxIds"]); diff != "" {
		t.Errorf("the member's inboxes (-want +got):\n%s", diff)
	}
}

// TestTeamPage: an admin makes an invited agent an admin of the main
// inbox from the Team page, then disables and enables it; each change is
// what the Team route answers afterwards. The admin cannot disable itself,
// nor take away an admin role the identity provider's group gives.
func TestTeamPage(t *testing.T) {
	tag := uuid.NewString()[:8]
	id, email := inviteByAPI(t, "Role "+tag, []string{})
	card := fmt.Sprintf(".member:has(#tm-%s-role)", id)

	tab := newTab(t, newBrowser(t))
	openSettings(t, tab, "alice", "team")
	waitFor(t, tab, "the agent is listed as invited", `document.querySelector(`+js(card)+`)?.textContent.includes(`+js(email)+`) &&
		document.querySelector(`+js(card+" .pill")+`).textContent === "Invited"`)
	if !eval[bool](t, tab, `(() => {
		const me = [...document.querySelectorAll(".member")].find(m => m.textContent.includes("alice@demo.parley.local"));
		return me.querySelector("select").disabled && ![...me.querySelectorAll("button")].some(b => b.textContent === "Disable") })()`) {
		t.Error("alice may disable herself or drop her group's admin role")
	}

	fill(t, tab, "#tm-"+id+"-role", "admin")
	eval[bool](t, tab, `document.querySelector(`+js("input[name=inboxes-"+id+"][value=main]")+`).click() || true`)
	within(t, tab, card, "Save changes")
	waitFor(t, tab, "the change is saved", `document.querySelector(`+js(card+" .save-note")+`).textContent === "Saved"`)
	m := teamMember(t, id)
	if diff := cmp.Diff(doc{"role": "admin", "inboxIds": []any{"main"}, "disabled": false}, doc{"role": m["role"], "inboxIds": m["inboxIds"], "disabled": m["disabled"]}); diff != "" {
		t.Errorf("the member after the save (-want +got):\n%s", diff)
	}

	within(t, tab, card, "Disable")
	waitFor(t, tab, "the agent is disabled", `document.querySelector(`+js(card+" .pill")+`).textContent === "Disabled" &&
		document.querySelector(`+js(card+" .save-note")+`).textContent.startsWith("Disabled")`)
	if m := teamMember(t, id); m["disabled"] != true {
		t.Errorf("disabled = %v after Disable", m["disabled"])
	}
	within(t, tab, card, "Enable")
	waitFor(t, tab, "the agent is enabled", `document.querySelector(`+js(card+" .pill")+`).textContent === "Invited"`)
	if m := teamMember(t, id); m["disabled"] != false || m["role"] != "admin" {
		t.Errorf("after Enable: disabled = %v, role = %v", m["disabled"], m["role"])
	}
}
